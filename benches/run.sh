#!/usr/bin/env bash
# oomdoc audit benchmark, side by side in one run (issue 2, item 9):
#   1. ../shared/corpus/manifests (real files): oomdoc vs Checkov (CKV_K8S_10..13), wall time and peak RSS;
#   2. a ~140 MB, 100k-document stream made by make_big.py: oomdoc vs saphyr-parser parse-only,
#      and peak RSS at 1x and 2x the input size in each format and through stdin (RSS must not
#      grow with input size); the audit's first pass (LimitRanges and Dockerfiles) on its own.
# Usage: benches/run.sh [OUT_DIR]   (needs: python3; Checkov in $CHECKOV or on PATH, else skipped)
set -euo pipefail
cd "$(dirname "$0")/.."
SHARED=${SHARED:-../shared}
OUT=${1:-bench-out}
mkdir -p "$OUT"
CORPUS="$SHARED/corpus/manifests"
[ -d "$CORPUS" ] || { echo "skip: $CORPUS absent"; exit 0; }

cargo build --release -q -p oomdoc -p oomdoc-bench
OOMDOC=target/release/oomdoc
PARSE=target/release/yaml-parse-only
PREPASS=target/release/oomdoc-prepass-only

# measure NAME CMD... : wall seconds and peak RSS (MiB) from GNU time.
measure() {
  local name=$1; shift
  /usr/bin/time -f "%e %M" -o "$OUT/$name.time" "$@" > "$OUT/$name.out" 2> "$OUT/$name.err" || true
  read -r secs kb < <(tail -n 1 "$OUT/$name.time")
  printf '%-34s %8.2f s %9.1f MiB\n' "$name" "$secs" "$(echo "$kb/1024" | bc -l)"
}

BIG="$OUT/big.yaml"; BIG2="$OUT/big2.yaml"
[ -f "$BIG" ] || python3 "$SHARED/corpus/make_big.py" --max-doc-bytes 65536 --target-docs 100000 "$BIG" 2>/dev/null
[ -f "$BIG2" ] || python3 "$SHARED/corpus/make_big.py" --max-doc-bytes 65536 --target-docs 200000 "$BIG2" 2>/dev/null

echo "== corpus: $(find "$CORPUS" -type f | wc -l) files, $(du -sh "$CORPUS" | cut -f1)"
measure oomdoc-corpus "$OOMDOC" audit "$CORPUS" --format json --fail-on never
measure oomdoc-corpus-1thread "$OOMDOC" audit "$CORPUS" --format json --fail-on never --threads 1
measure prepass-corpus "$PREPASS" "$CORPUS"
CHECKOV=${CHECKOV:-$(command -v checkov || true)}
if [ -n "$CHECKOV" ]; then
  measure checkov-corpus "$CHECKOV" -d "$CORPUS" --framework kubernetes \
    --check CKV_K8S_10,CKV_K8S_11,CKV_K8S_12,CKV_K8S_13 --compact --quiet -o json
else
  echo "checkov: not installed (pip install checkov; or CHECKOV=/path/to/checkov), skipped"
fi

echo "== stream: $(du -h "$BIG" | cut -f1) and $(du -h "$BIG2" | cut -f1)"
measure parse-only-big "$PARSE" "$BIG"
measure oomdoc-big "$OOMDOC" audit "$BIG" --format json --fail-on never
measure oomdoc-big-1thread "$OOMDOC" audit "$BIG" --format json --fail-on never --threads 1
measure oomdoc-big-text "$OOMDOC" audit "$BIG" --fail-on never --color never
measure oomdoc-big-sarif "$OOMDOC" audit "$BIG" --format sarif --fail-on never
measure oomdoc-big-stdin sh -c "exec \"$OOMDOC\" audit - --format json --fail-on never < \"$BIG\""
measure prepass-big "$PREPASS" "$BIG"
measure oomdoc-big2 "$OOMDOC" audit "$BIG2" --format json --fail-on never
measure oomdoc-big2-text "$OOMDOC" audit "$BIG2" --fail-on never --color never
measure oomdoc-big2-sarif "$OOMDOC" audit "$BIG2" --format sarif --fail-on never
cat "$OUT/parse-only-big.out" "$OUT/prepass-corpus.out" "$OUT/prepass-big.out"
python3 - "$OUT" <<'PY'
import json, sys
out = sys.argv[1]
for name in ["oomdoc-corpus", "oomdoc-big", "oomdoc-big2"]:
    try:
        r = json.load(open(f"{out}/{name}.out"))
        print(f"{name}: {len(r['workloads'])} workloads, {len(r['findings'])} findings, {len(r['errors'])} input errors")
    except Exception as e:
        print(f"{name}: unreadable output ({e})")
PY
