#!/bin/sh
# Long lines and window edges.
#
# 1. One line of $BIG bytes (200 MiB; 32 MiB under the sanitizers) with no
#    newline at all: "needle" 2000 bytes before the end and as its last six
#    bytes.  -c and -b -o must find them through a mapping, through read()
#    and through a pipe, whose windows all have to grow to the whole line.
# 2. Lines of exactly 100 bytes, read through 256 KiB windows: window k
#    starts at the line holding the end of window k-1, so the lines that
#    start at k * 262100 straddle the window ends, and "needle" is put across
#    each of those ends (columns 40-45); the last line has no newline.
. "${TESTS:-$(dirname "$0")/..}/lib.sh"

if [ "$SANITIZED" = 1 ]; then
    BIG=${BIGLINE_BYTES:-33554432}
else
    BIG=${BIGLINE_BYTES:-209715200}
fi

# ---- 1: one huge line ------------------------------------------------------
f=$T/bigline
off1=$((BIG - 2000))
{
    yes abcdefghij | tr -d '\n' | head -c "$off1"
    printf needle
    yes abcdefghij | tr -d '\n' | head -c $((BIG - off1 - 12))
    printf needle
} >"$f"
size=$(wc -c <"$f")
if [ "$size" != "$BIG" ]; then
    fail bigline/generate "file is $size bytes, not $BIG"
    exit 0
fi
offs="$off1:needle\n$((BIG - 6)):needle\n"
for mode in --mmap --no-mmap; do
    expect "bigline/count $mode" 0 '1\n' '' "$SRCGREP" "$mode" -c needle "$f"
    expect "bigline/offsets $mode" 0 "$offs" '' "$SRCGREP" "$mode" -b -o needle "$f"
    expect "bigline/none $mode" 1 '0\n' '' "$SRCGREP" "$mode" -c nEedle "$f"
done
expect "bigline/count pipe" 0 '1\n' '' sh -c 'cat "$1" | "$2" -c needle' sh "$f" "$SRCGREP"
expect "bigline/offsets pipe" 0 "$offs" '' sh -c 'cat "$1" | "$2" -b -o needle' sh "$f" "$SRCGREP"
STDIN=$f expect "bigline/count stdin-file" 0 '1\n' '' "$SRCGREP" -c needle
rm -f "$f"

# ---- 2: lines across window ends ---------------------------------------------
f=$T/lines
n=12000
awk -v n=$n 'BEGIN {
    pad = "xxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxx"
    for (i = 0; i < n; i++) {
        line = sprintf("line %07d ", i) pad          # 13 + 95 characters, cut to 99
        if (i > 0 && i % 2621 == 0)
            line = substr(line, 1, 40) "needle" substr(line, 47)
        printf "%s\n", substr(line, 1, 99)
    }
    printf "last line needle"
}' >"$f"
# expected answers: lines 2621k (0-based) for k = 1..4, and the last line
want_n="" want_b="" want_c=0
for k in 1 2 3 4; do
    i=$((k * 2621))
    want_n="${want_n}$((i + 1)):$(printf 'line %07d ' "$i")$(printf '%027d' 0 | tr 0 x)needle$(printf '%053d' 0 | tr 0 x)\\n"
    want_b="${want_b}$((i * 100 + 40)):needle\\n"
    want_c=$((want_c + 1))
done
want_n="${want_n}$((n + 1)):last line needle\\n"
want_b="${want_b}$((n * 100 + 10)):needle\\n"
want_c="$((want_c + 1))\\n"
for mode in --mmap --no-mmap; do
    expect "window-edges/count $mode" 0 "$want_c" '' "$SRCGREP" "$mode" -c needle "$f"
    expect "window-edges/lines $mode" 0 "$want_n" '' "$SRCGREP" "$mode" -n needle "$f"
    expect "window-edges/offsets $mode" 0 "$want_b" '' "$SRCGREP" "$mode" -b -o needle "$f"
    expect "window-edges/invert-count $mode" 0 "$((n + 1 - 5))\\n" '' "$SRCGREP" "$mode" -v -c needle "$f"
    expect "window-edges/last-line $mode" 0 "$((n + 1)):last line needle\\n" '' \
        "$SRCGREP" "$mode" -n 'needle$' "$f"
done
expect "window-edges/lines pipe" 0 "$want_n" '' sh -c 'cat "$1" | "$2" -n needle' sh "$f" "$SRCGREP"
expect "window-edges/offsets pipe" 0 "$want_b" '' sh -c 'cat "$1" | "$2" -b -o needle' sh "$f" "$SRCGREP"
exit 0
