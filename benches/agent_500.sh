#!/usr/bin/env bash
# The node agent on 500 container cgroups (500 Burstable pods, one container each, a process in
# every tenth), as root on a cgroup v1 host: CPU and wall time of one sampling pass, the agent's
# resident memory once steady, and how long a real OOM kill takes to reach /metrics.
#
#   cargo build --release -p oomdoc && sudo benches/agent_500.sh [target/release/oomdoc]
set -euo pipefail
bin=${1:-target/release/oomdoc}
bin=$(realpath "$bin")
own=/sys/fs/cgroup/memory$(grep -E '^[0-9]+:memory:' /proc/self/cgroup | cut -d: -f3)
base="$own/oomdoc-bench-agent-$$"
port=$((20000 + $$ % 20000))
pids=()
cleanup() {
  for p in "${pids[@]}"; do kill -9 "$p" 2>/dev/null || true; done
  [ -n "${agent:-}" ] && kill "$agent" 2>/dev/null && wait "$agent" 2>/dev/null || true
  find "$base" -depth -type d -exec rmdir {} + 2>/dev/null || true
}
trap cleanup EXIT

mkdir -p "$base/kubepods/burstable"
for i in $(seq 1 500); do
  uid=$(printf '%08x-0000-4000-8000-%012x' "$i" "$i")
  id=$(printf '%064x' "$i")
  d="$base/kubepods/burstable/pod$uid/$id"
  mkdir -p "$d"
  echo $((256 << 20)) > "$d/memory.limit_in_bytes"
  if (( i % 10 == 0 )); then
    sh -c "echo \$\$ > '$d/cgroup.procs'; exec sleep 600" & pids+=($!)
  fi
done
echo "made 500 pod cgroups with a container each under $base"

"$bin" agent --offline --listen "127.0.0.1:$port" --interval 1s --proc-root /proc \
  >/tmp/oomdoc-bench-agent.jsonl 2>/tmp/oomdoc-bench-agent.log & agent=$!
sleep 3
ticks=$(getconf CLK_TCK)
cpu() { awk '{print $14 + $15}' "/proc/$agent/stat"; }
c0=$(cpu); t0=$(date +%s.%N)
if [ -n "${PERF_OUT:-}" ]; then   # where the CPU goes: PERF_OUT=perf.data benches/agent_500.sh
  perf record -g -p "$agent" -o "$PERF_OUT" -- sleep 20 >/dev/null 2>&1
else
  sleep 20
fi
c1=$(cpu); t1=$(date +%s.%N)
metrics=$(curl -s "127.0.0.1:$port/metrics")
cgroups=$(grep '^oomdoc_agent_cgroups ' <<<"$metrics" | awk '{print $2}')
pass=$(grep '^oomdoc_agent_sample_duration_seconds ' <<<"$metrics" | awk '{print $2}')
python3 - "$c0" "$c1" "$t0" "$t1" "$ticks" "$cgroups" "$pass" <<'PY'
import sys
c0, c1, t0, t1, hz, n, last = map(float, sys.argv[1:])
passes = round(t1 - t0)  # one pass a second
print(f"cgroups sampled per pass: {int(n)} (500 pods + 500 containers)")
print(f"CPU per pass (all threads, averaged over {passes} passes): {(c1 - c0) / hz / passes * 1000:.1f} ms")
print(f"wall time of the last pass: {last * 1000:.1f} ms")
PY
echo "steady RSS: $(grep VmRSS /proc/$agent/status | awk '{print $2/1024 " MiB"}')"

# A real kill in pod 1's container: time from the process's death to the kill on /metrics.
d="$base/kubepods/burstable/pod00000001-0000-4000-8000-000000000001/$(printf '%064x' 1)"
echo $((32 << 20)) > "$d/memory.limit_in_bytes"
python3 - "$d" "$port" <<'PY'
import os, subprocess, sys, time, urllib.request
d, port = sys.argv[1], sys.argv[2]
p = subprocess.Popen(["sh", "-c", f"echo $$ > {d}/cgroup.procs; exec python3 -c 'a=[]\nwhile True: a.append(bytearray(1<<20))'"])
p.wait()
died = time.monotonic()
while time.monotonic() - died < 10:
    m = urllib.request.urlopen(f"http://127.0.0.1:{port}/metrics").read().decode()
    if any(l.startswith("oomdoc_oom_kills_total{") and "000000000001\"" in l for l in m.splitlines()):
        print(f"kill on /metrics {1000 * (time.monotonic() - died):.0f} ms after the process died (exit {p.returncode})")
        break
    time.sleep(0.01)
else:
    print("kill not seen on /metrics within 10 s")
PY
