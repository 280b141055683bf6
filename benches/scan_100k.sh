#!/usr/bin/env bash
# `oomdoc scan --from` over a 100k-pod dump made from the corpus' pod templates: wall time and
# peak RSS (GNU time), and the same at 50k pods to show RSS does not grow with the input.
# Usage: benches/scan_100k.sh   (writes under ${TMPDIR:-/tmp}; needs python3 with PyYAML)
set -euo pipefail
cd "$(dirname "$0")/.."
SHARED=${SHARED:-../shared}
TMP=${TMPDIR:-/tmp}
cargo build --release -q -p oomdoc
OOMDOC=${CARGO_TARGET_DIR:-target}/release/oomdoc
for n in 50000 100000; do
  f="$TMP/scan_${n}.json"
  [ -f "$f" ] || python3 benches/scan_100k.py --pods "$n" --corpus "$SHARED/corpus/manifests" "$f"
  /usr/bin/time -f "%e %M" -o "$TMP/scan_${n}.time" "$OOMDOC" scan --from "$f" --format json > "$TMP/scan_${n}.out" || true
  read -r secs kb < <(tail -n 1 "$TMP/scan_${n}.time")
  printf '%7d pods  %6.1f MB  %6.2f s  %7.1f MiB peak RSS  %s rows\n' "$n" \
    "$(echo "$(stat -c %s "$f")/1000000" | bc -l)" "$secs" "$(echo "$kb/1024" | bc -l)" \
    "$(python3 -c "import json,sys;print(len(json.load(open(sys.argv[1]))['containers_at_risk']))" "$TMP/scan_${n}.out")"
done
