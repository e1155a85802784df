#!/bin/sh
# Times srcgrep against rg, ugrep and GNU grep on the same ~400 MB text in
# the same run: medians of RUNS runs each (hyperfine), page cache warm, and
# the ratio of each tool's median to srcgrep's.  Counts are printed first:
# the tools must agree before their times mean anything.  Output goes to a
# pipe, not /dev/null, where GNU grep and ugrep stop at the first match.
# Usage: sh bench/search.sh BUILD_DIR
set -eu
B=${1:-build}
top=$(cd "$(dirname "$0")/.." && pwd)
SRCGREP=$top/$B/srcgrep
F=$top/bench/data/text.txt
RUNS=${RUNS:-9}
export LC_ALL=${BENCH_LOCALE:-C.UTF-8}
sh "$top/bench/mkdata.sh"
cat "$F" > /dev/null

echo "file: $F ($(stat -c %s "$F") bytes), locale $LC_ALL, $(nproc) cores, median of $RUNS runs"
printf '%-28s %10s %10s %10s %10s\n' pattern srcgrep rg ugrep grep
json=$(mktemp)
trap 'rm -f "$json"' EXIT
for case in "lit|Sherlock|" "icase|Sherlock|-i" "regex|[A-Z][a-z]+ing\\b|"; do
    name=${case%%|*}; rest=${case#*|}; pat=${rest%%|*}; flag=${rest#*|}
    c1=$("$SRCGREP" $flag -c "$pat" "$F" || true)
    c2=$(rg $flag -c "$pat" "$F" || true)
    c3=$(ugrep -P $flag -c "$pat" "$F" || true)
    c4=$(grep -P $flag -c "$pat" "$F" || true)
    echo "counts for $name ($flag '$pat'): srcgrep $c1, rg $c2, ugrep $c3, grep $c4"
    hyperfine -N -w 1 -r "$RUNS" -i --output=pipe --export-json "$json" \
        "$SRCGREP $flag -c '$pat' $F" \
        "rg $flag -c '$pat' $F" \
        "ugrep -P $flag -c '$pat' $F" \
        "grep -P $flag -c '$pat' $F" >/dev/null 2>&1
    python3 - "$json" "$name $flag '$pat'" <<'PY'
import json, sys
r = json.load(open(sys.argv[1]))["results"]
m = [x["median"] for x in r]
cells = ["%7.3f s" % v for v in m]
ratios = ["x%.2f" % (v / m[0]) for v in m[1:]]
print("%-28s %10s %10s %10s %10s" % (sys.argv[2][:28], *cells))
print("%-28s %10s %10s %10s %10s" % ("  ratio to srcgrep", "", *ratios))
PY
done
