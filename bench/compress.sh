#!/bin/sh
# Compressed inputs: srcgrep against rg -z, ugrep -z and the decompressor
# alone writing to /dev/null, on the ~400 MB text compressed with default
# settings (xz with -T2, which cuts it into blocks), then on the
# /usr/share/man tree of small .gz files.  Medians of RUNS runs (hyperfine),
# ratios to srcgrep's median; counts first, which must agree.
# Usage: sh bench/compress.sh BUILD_DIR
set -eu
B=${1:-build}
top=$(cd "$(dirname "$0")/.." && pwd)
SRCGREP=$top/$B/srcgrep
D=$top/bench/data
F=$D/text.txt
RUNS=${RUNS:-7}
PAT=${BENCH_RARE:-zstandard}
export LC_ALL=${BENCH_LOCALE:-C.UTF-8}
sh "$top/bench/mkdata.sh"
[ -s "$F.gz" ] && [ "$F.gz" -nt "$F" ] || gzip -c "$F" > "$F.gz"
[ -s "$F.xz" ] && [ "$F.xz" -nt "$F" ] || xz -T2 -c "$F" > "$F.xz"
[ -s "$F.zst" ] && [ "$F.zst" -nt "$F" ] || zstd -q -c "$F" > "$F.zst"
. "$top/bench/lib.sh"

echo "text: $F ($(stat -c %s "$F") bytes), pattern '$PAT' with -c, $(nproc) cores, median of $RUNS runs"
for ext in gz xz zst; do
    f=$F.$ext
    cat "$f" > /dev/null
    echo "counts for .$ext: srcgrep $("$SRCGREP" -c "$PAT" "$f"), rg -z $(rg -z -c "$PAT" "$f"), ugrep -z $(ugrep -z -c "$PAT" "$f")"
    base=
    bench "$(stat -c %s "$f") bytes .$ext, output to a pipe" pipe \
        "$SRCGREP -c $PAT $f" "rg -z -c $PAT $f" "ugrep -z -c $PAT $f"
    case $ext in
    gz) set -- "zcat $f"; command -v igzip >/dev/null && set -- "$@" "igzip -dc $f" ;;
    xz) set -- "xz -dc -T2 $f" ;;
    zst) set -- "zstd -dc $f" ;;
    esac
    bench "  the decompressor alone, output to /dev/null" null "$@"
done

M=/usr/share/man
n=$(find "$M" -name '*.gz' -type f | wc -l)
echo "counts for $M ($n .gz files): srcgrep $("$SRCGREP" -r -c "$PAT" "$M" | grep -vc ':0$'), ugrep -z $(ugrep -z -r -c "$PAT" "$M" | grep -vc ':0$') files with matches"
# rg -z starts one decompressor process per file: one run of it is enough
hyperfine -N -r 1 -i --output=pipe "rg -z -c $PAT $M" 2>/dev/null | grep 'Time' | sed 's/^/  rg -z (one run):/'
base=
bench "$M tree, -r" pipe "$SRCGREP -r -c $PAT $M" "ugrep -z -r -c $PAT $M"
