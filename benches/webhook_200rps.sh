#!/usr/bin/env bash
# `oomdoc webhook` under load on loopback (HTTPS, a test CA made here): latency at 200 reviews/s
# from `hey` (Debian package `hey`; HTTP/1.1 keep-alive, as kube-apiserver talks to webhooks),
# then resident memory over 100,000 reviews. Bodies: the webhook core's fixtures (a BestEffort
# Pod, warned; a Guaranteed Deployment, allowed).
#
#   cargo build --release -p oomdoc && sudo benches/webhook_200rps.sh [target/release/oomdoc]
#
# Port 443, hence root: hey sends the URL's host *with its port* as the TLS server name
# ("127.0.0.1:8443"), which is not a DNS name, and rustls refuses such a ClientHello with
# illegal_parameter; with no port in the URL Go sends no server name for an IP address. (The
# API server sends the Service's DNS name.)
set -euo pipefail
bin=$(realpath "${1:-target/release/oomdoc}")
fixtures=$(realpath "$(dirname "$0")/../crates/webhook/tests/fixtures")
work=$(mktemp -d)
port=443
cleanup() {
  [ -n "${hook:-}" ] && kill "$hook" 2>/dev/null && wait "$hook" 2>/dev/null || true
  rm -rf "$work"
}
trap cleanup EXIT
cd "$work"
openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:prime256v1 -nodes -keyout ca.key \
  -out ca.crt -days 1 -subj "/CN=bench CA" 2>/dev/null
openssl req -newkey ec -pkeyopt ec_paramgen_curve:prime256v1 -nodes -keyout srv.key \
  -out srv.csr -subj "/CN=127.0.0.1" 2>/dev/null
echo "subjectAltName=IP:127.0.0.1" >ext
openssl x509 -req -in srv.csr -CA ca.crt -CAkey ca.key -CAcreateserial -out srv.crt -days 1 \
  -extfile ext 2>/dev/null

"$bin" webhook --offline --listen "127.0.0.1:$port" --tls-cert srv.crt --tls-key srv.key \
  >reviews.jsonl 2>webhook.log & hook=$!
for _ in $(seq 50); do curl -sk "https://127.0.0.1:$port/healthz" >/dev/null && break; sleep 0.1; done
rss() { awk '/VmRSS/ {print $2}' "/proc/$hook/status"; }
url="https://127.0.0.1/validate"
load() { hey "$@" -m POST -T application/json "$url"; }
p99() { awk '/99% in/ {printf "%.2f ms", $3 * 1000}'; }
summary() { awk '/Requests\/sec/ {printf "%.0f reviews/s", $2} /\[200\]/ {printf ", %s answered 200", $2}'; }

echo "rss at start: $(rss) KiB"
for body in pod-create.json deployment-create.json; do
  # 4 workers at 50 requests/s each: 200 reviews/s for 30 s.
  out=$(load -z 30s -c 4 -q 50 -D "$fixtures/$body")
  echo "$body at 200/s for 30 s: p99 $(echo "$out" | p99) ($(echo "$out" | summary))"
  echo "$out" | sed -n '/Latency distribution/,/99%/p' | sed 's/^/    /'
done
echo "rss after 12,000 reviews: $(rss) KiB"
cpu0=$(awk '{print $14 + $15}' "/proc/$hook/stat")
out=$(load -n 100000 -c 8 -D "$fixtures/pod-create.json")
cpu1=$(awk '{print $14 + $15}' "/proc/$hook/stat")
echo "100,000 reviews as fast as it goes: $(echo "$out" | summary), p99 $(echo "$out" | p99)"
echo "  server CPU per review: $(echo "scale=4; ($cpu1 - $cpu0) * 1000 / $(getconf CLK_TCK) / 100000" | bc) ms"
echo "rss after 112,000 reviews: $(rss) KiB"
out=$(load -n 100000 -c 8 -D "$fixtures/pod-create.json")
echo "rss after 212,000 reviews: $(rss) KiB"
# The largest reviews the API server sends: a Pod of 2.9 MiB (22,500 env vars), 16 at once, 4 times.
python3 - "$fixtures/pod-create.json" >big.json <<'PY'
import json, sys
r = json.load(open(sys.argv[1]))
r["request"]["object"]["spec"]["containers"][0]["env"] = [
    {"name": "VAR_%06d" % i, "value": "x" * 100} for i in range(22500)]
sys.stdout.write(json.dumps(r))
PY
t0=$(date +%s.%N)
for _ in 1 2 3 4; do
  posts=()
  for _ in $(seq 16); do
    curl -sk -o /dev/null -w '%{http_code}\n' "$url" -H 'Content-Type: application/json' \
      --data-binary @big.json >>big.codes & posts+=($!)
  done
  wait "${posts[@]}"
done
echo "64 reviews of $(stat -c %s big.json) bytes, 16 at once: $(sort big.codes | uniq -c | tr -s ' ' | tr '\n' ' ')in $(echo "$(date +%s.%N) - $t0" | bc | cut -c1-4) s; peak rss $(awk '/VmHWM/ {print $2}' "/proc/$hook/status") KiB, rss after $(rss) KiB"
echo "log lines: $(wc -l <reviews.jsonl)"
