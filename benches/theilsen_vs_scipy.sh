#!/usr/bin/env bash
# oomdoc's Theil-Sen (crates/series) against scipy.stats.theilslopes on the same series, on the
# same machine, one run each; then 10 million samples end to end through `analyze`.
#
#   benches/theilsen_vs_scipy.sh                 sizes 1000 5000 20000, then 10M
#   SIZES="1000 5000" BIG=1000000 benches/theilsen_vs_scipy.sh
#   PYTHON=/path/to/python (default /opt/scipy-venv/bin/python3)
#
# scipy needs: python3 -m venv /opt/scipy-venv && /opt/scipy-venv/bin/pip install scipy numpy
# scipy builds every pairwise slope (n^2 doubles, ~8 GB of temporaries at 20k), so keep its
# sizes modest. Both sides time only the fit (not reading the CSV). The series: 15 s steps,
# 1 GB + 1000 B/s, N(0, 5 MB) noise, integer-valued (exact CSV round trip), written to $TMPDIR.
set -euo pipefail

root=$(cd "$(dirname "$0")/.." && pwd)
py=${PYTHON:-/opt/scipy-venv/bin/python3}
sizes=${SIZES:-"1000 5000 20000"}
big=${BIG:-10000000}
tmp=${TMPDIR:-/tmp}/oomdoc-theilsen
mkdir -p "$tmp"

if ! "$py" -c 'import scipy, numpy' 2>/dev/null; then
    echo "theilsen_vs_scipy: $py cannot import scipy; install it:" >&2
    echo "  python3 -m venv /opt/scipy-venv && /opt/scipy-venv/bin/pip install scipy numpy" >&2
    exit 2
fi
(cd "$root" && cargo build --release --quiet -p oomdoc-series --example theilsen_bench)
bin="$root/target/release/examples/theilsen_bench"
scipy_version=$("$py" -c 'import scipy; print(scipy.__version__)')

field() { grep -oE "(^| )$1=[^ ]+" <<<"$2" | head -1 | sed 's/.*=//'; }

rows="$tmp/rows.txt"
: >"$rows"
for n in $sizes; do
    csv="$tmp/series-$n.csv"
    "$bin" --generate "$n" --out "$csv" >/dev/null
    ours=$("$bin" --csv "$csv")
    theirs=$(/usr/bin/time -f "maxrss_kb=%M" "$py" - "$csv" 2>&1 <<'EOF'
import sys, time
import numpy as np
from scipy.stats import theilslopes
d = np.loadtxt(sys.argv[1], delimiter=",", skiprows=1)
t, v = d[:, 0], d[:, 1]
s = time.perf_counter()
r = theilslopes(v, t, 0.95)
e = time.perf_counter() - s
print(f"slope={float(r.slope)!r} intercept={float(r.intercept)!r} "
      f"low={float(r.low_slope)!r} high={float(r.high_slope)!r} seconds={e:.6f}")
EOF
)
    theirs=$(tr '\n' ' ' <<<"$theirs")
    echo "$n $(field seconds "$ours") $(field seconds "$theirs") $(field slope "$ours") $(field slope "$theirs") $(field low "$ours") $(field low "$theirs") $(field high "$ours") $(field high "$theirs") $(field maxrss_kb "$theirs")" >>"$rows"
done

echo "oomdoc Theil-Sen vs scipy.stats.theilslopes $scipy_version (alpha=0.95, method='separate'), one run each, $(nproc) CPUs, load $(cut -d' ' -f1 /proc/loadavg)"
"$py" - "$rows" <<'EOF'
import math, sys
rows = [l.split() for l in open(sys.argv[1]) if l.strip()]
print(f"{'n':>8} {'oomdoc s':>10} {'scipy s':>10} {'ratio':>9} {'slope rel diff':>15} {'CI equal':>9} {'scipy RSS':>10} {'exp oomdoc':>11} {'exp scipy':>10}")
prev = None
for r in rows:
    n = int(r[0]); ours, theirs = float(r[1]), float(r[2])
    so, ss = float(r[3]), float(r[4])
    rel = abs(so - ss) / abs(ss) if ss != 0 else abs(so - ss)
    ci = "yes" if (float(r[5]) == float(r[6]) and float(r[7]) == float(r[8])) else f"no ({r[5]}..{r[7]} vs {r[6]}..{r[8]})"
    rss = f"{int(r[9]) / 1024:.0f} MiB" if r[9:] else "?"
    eo = es = ""
    if prev:
        k = math.log(n / prev[0])
        eo = f"{math.log(ours / prev[1]) / k:.2f}" if ours > 0 and prev[1] > 0 else ""
        es = f"{math.log(theirs / prev[2]) / k:.2f}" if theirs > 0 and prev[2] > 0 else ""
    print(f"{n:>8} {ours:>10.4f} {theirs:>10.3f} {theirs / ours:>8.0f}x {rel:>15.1e} {ci:>9} {rss:>10} {eo:>11} {es:>10}")
    prev = (n, ours, theirs)
print("exp = log(time ratio) / log(size ratio) against the previous row: ~1.1 is n log n, 2 is n^2")
EOF

echo
echo "end to end: $big samples generated, streamed through SeriesBuilder, analyze (release build)"
/usr/bin/time -v "$bin" --analyze "$big" 2>"$tmp/time-builder.txt"
grep -E "Elapsed|Maximum resident" "$tmp/time-builder.txt"
echo "the same with all $big samples held in one Series (analyze reduces long segments itself)"
/usr/bin/time -v "$bin" --analyze-direct "$big" 2>"$tmp/time-direct.txt"
grep -E "Elapsed|Maximum resident" "$tmp/time-direct.txt"
