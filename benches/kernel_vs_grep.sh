#!/usr/bin/env bash
# Kernel-log reader benchmark (issue 4, item 5): `grep -c 'Killed process'` vs oomdoc's reader on
# two generated 1 GiB logs made from the kernel fixtures:
#   dense - OOM reports back to back (every line belongs to a report: the worst case);
#   real  - one report per ~2 MB of ordinary kernel chatter (what a node's log looks like).
# Reports wall time, CPU time and peak RSS of each; the reader runs on 1 thread and on all cores,
# and `oomdoc explain` end to end.
# Usage: benches/kernel_vs_grep.sh [OUT_DIR]   (needs python3; the logs are cached in OUT_DIR)
set -euo pipefail
cd "$(dirname "$0")/.."
OUT=${1:-bench-out}
mkdir -p "$OUT"
cargo build --release -q -p oomdoc -p oomdoc-bench
python3 - "$OUT" <<'PY'
import glob, os, sys
out = sys.argv[1]
parts = [open(f).read() for f in sorted(glob.glob('crates/evidence/tests/fixtures/kernel/*.txt'))]
parts = [p if p.endswith('\n') else p + '\n' for p in parts]
size = 1 << 30
dense = os.path.join(out, 'kernel-dense.log')
if not os.path.exists(dense):
    blob = ''.join(parts)
    with open(dense, 'w') as f:
        for _ in range(size // len(blob) + 1):
            f.write(blob)
real = os.path.join(out, 'kernel-real.log')
if not os.path.exists(real):
    noise = ''.join(
        f'[{i // 10}.{i % 10:06d}] IPv6: ADDRCONF(NETDEV_CHANGE): veth{i % 977:x}: link becomes ready\n' if i % 3
        else f'[{i // 10}.{i % 10:06d}] cni0: port {i % 50}(veth{i % 977:x}) entered forwarding state\n'
        for i in range(30000))
    with open(real, 'w') as f:
        n = k = 0
        while n < size:
            f.write(noise); f.write(parts[k % len(parts)])
            n += len(noise) + len(parts[k % len(parts)]); k += 1
PY
run() {
  local name=$1; shift
  /usr/bin/time -f "%e %U %M" -o "$OUT/$name.time" "$@" > "$OUT/$name.out" 2>/dev/null || true
  read -r secs user kb < <(tail -n 1 "$OUT/$name.time")
  printf '%-28s %7.2f s wall %7.2f s cpu %8.1f MiB   %s\n' "$name" "$secs" "$user" "$(echo "$kb/1024" | bc -l)" "$(head -c 90 "$OUT/$name.out" | tr '\n' ' ')"
}
for log in dense real; do
  f="$OUT/kernel-$log.log"
  echo "== $log: $(du -h "$f" | cut -f1)"
  cat "$f" > /dev/null  # warm the page cache for every contender alike
  run "grep-$log" grep -c 'Killed process' "$f"
  run "reader-1thread-$log" target/release/kernel-parse-only "$f" 1
  run "reader-$log" target/release/kernel-parse-only "$f"
  run "explain-$log" target/release/oomdoc explain "$f" --format json
done
