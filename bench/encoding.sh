#!/bin/sh
# Encoded text: srcgrep against rg, ugrep and `iconv | grep` on the same
# files in the same run.  The files are made from the first ~98 MB of
# bench/data/text.txt: UTF-16LE with a BOM (~197 MB, which every tool
# detects by itself), the same without a BOM (srcgrep guesses it, the others
# are told), and Latin-1 (everyone is told).  Medians of RUNS runs, ratios
# to srcgrep's median; counts first, which must agree.  Output to a pipe.
# Usage: sh bench/encoding.sh BUILD_DIR
set -eu
B=${1:-build}
top=$(cd "$(dirname "$0")/.." && pwd)
SRCGREP=$top/$B/srcgrep
D=$top/bench/data
F=$D/text.txt
RUNS=${RUNS:-7}
RARE=${BENCH_RARE:-zstandard}
COMMON=${BENCH_COMMON:-error}
export LC_ALL=${BENCH_LOCALE:-C.UTF-8}
sh "$top/bench/mkdata.sh"
U=$D/text.utf16le N=$D/text.utf16le-nobom L=$D/text.latin1
# iconv -c drops what the source has that is not valid UTF-8 (a few man
# pages in Latin-1) or not in Latin-1
if [ ! -s "$N" ] || [ "$F" -nt "$N" ]; then
    head -c 98500000 "$F" | iconv -c -f UTF-8 -t UTF-16LE > "$N" || true
fi
if [ ! -s "$U" ] || [ "$N" -nt "$U" ]; then
    { printf '\377\376'; cat "$N"; } > "$U"
fi
if [ ! -s "$L" ] || [ "$F" -nt "$L" ]; then
    head -c 98500000 "$F" | iconv -c -f UTF-8 -t LATIN1 > "$L" || true
fi
. "$top/bench/lib.sh"

echo "UTF-16LE and Latin-1 made from $F, $(nproc) cores, median of $RUNS runs"
run() {   # run TITLE FILE ENC SRCGREP_OPT RG_OPT UGREP_OPT FLAGS PATTERN
    title=$1 f=$2 enc=$3 so=$4 ro=$5 uo=$6 fl=$7 pat=$8
    cat "$f" > /dev/null
    echo "counts for $title, $fl '$pat': srcgrep $("$SRCGREP" $so -c "$pat" "$f" || true)," \
        "rg $(rg $ro -c "$pat" "$f" || true), ugrep $(ugrep $uo -c "$pat" "$f" || true)," \
        "iconv|grep $(iconv -f "$enc" -t UTF-8 "$f" 2>/dev/null | grep -c "$pat" || true)"
    base=
    bench "$(stat -c %s "$f") bytes $title, $fl '$pat'" pipe \
        "$SRCGREP $so $fl $pat $f" "rg $ro $fl $pat $f" "ugrep $uo $fl $pat $f" \
        "sh -c 'iconv -f $enc -t UTF-8 $f | grep $fl $pat'"
}
run "UTF-16LE with BOM" "$U" UTF-16 "" "" "" -c "$RARE"
run "UTF-16LE with BOM" "$U" UTF-16 "" "" "" -n "$COMMON"
run "UTF-16LE without BOM" "$N" UTF-16LE "" "-E utf-16le" "--encoding=UTF-16LE" -c "$RARE"
run "Latin-1" "$L" LATIN1 "--encoding=latin1" "-E latin1" "--encoding=LATIN1" -c "$RARE"
