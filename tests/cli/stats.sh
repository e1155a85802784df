#!/bin/sh
# --stats: the counts on standard error match the files searched (sizes
# as stored and decoded, per layer kind), whatever the threads.
. "${TESTS:-$(dirname "$0")/..}/lib.sh"

mkdir -p "$T/w" && cd "$T/w" || exit 1
printf 'one match\ntwo\nthree match\nmatch four\n' >plain.txt
cp /usr/share/common-licenses/GPL-3 g3.txt 2>/dev/null || {
    fail stats "no /usr/share/common-licenses/GPL-3"
    exit 0
}
gzip -c g3.txt >g3.txt.gz
mkdir -p "$T/t" && cp plain.txt "$T/t/a.txt" && cp g3.txt "$T/t/b.txt"
tar -cf "$T/t.tar" -C "$T/t" a.txt b.txt && gzip -c "$T/t.tar" >t.tar.gz
size() { wc -c <"$1" | tr -d ' '; }

# check NAME WANT-LINES... -- ARGS: each wanted line must be in stderr
check() {
    name=$1
    shift
    want=""
    while [ "$1" != -- ]; do
        want="$want$1
"
        shift
    done
    shift
    "$SRCGREP" --stats "$@" >/dev/null 2>"$T/err"
    missing=$(printf '%s' "$want" | while IFS= read -r l; do
        [ -n "$l" ] && ! grep -qxF "$l" "$T/err" && printf '%s; ' "$l"
    done)
    if [ -n "$missing" ]; then
        fail "stats/$name" "missing: $missing got: $(tr '\n' '|' <"$T/err")"
    else
        pass "stats/$name"
    fi
}

check plain "3 selected lines" "1 files and members with selected lines" \
    "1 files searched, 0 of them archives' members" "1 files opened" \
    "$(size plain.txt) bytes read" "$(size plain.txt) bytes searched" -- -j1 match plain.txt
check gzip "$(size g3.txt.gz) bytes read" "$(size g3.txt) bytes decoded by gzip" \
    "$(size g3.txt) bytes searched" -- -j1 copyleft g3.txt.gz
both=$(( $(size plain.txt) + $(size g3.txt) ))
check tar-gz "2 files searched, 2 of them archives' members" "1 files opened" \
    "$(size t.tar.gz) bytes read" "$both bytes decoded by tar" "$both bytes searched" \
    "2 files and members with selected lines" -- -j1 'match|copyleft' t.tar.gz
# gzip hands tar the headers and data of both members, and tar stops at
# its end blocks: the padding after them is not read
g=$(sed -n 's/ bytes decoded by gzip$//p' "$T/err")
if [ -n "$g" ] && [ "$g" -gt "$both" ] && [ "$g" -le "$(size "$T/t.tar")" ]; then
    pass stats/tar-gz-gzip
else
    fail stats/tar-gz-gzip "gzip decoded '$g' bytes: not between $both and $(size "$T/t.tar")"
fi
all=$(( $(size plain.txt) + $(size g3.txt) + $(size g3.txt.gz) + $(size t.tar.gz) ))
for j in 1 2 4; do
    check "threads-j$j" "4 files opened" "$all bytes read" "5 files searched, 2 of them archives' members" \
        -- -j$j -r match .
done
# the counts come after everything printed, on standard error only
"$SRCGREP" --stats match plain.txt >"$T/out" 2>/dev/null
expect stats/stdout-untouched 0 'plain.txt:one match\nplain.txt:three match\nplain.txt:match four\n' '' \
    sh -c '"$1" --stats -H match plain.txt 2>/dev/null' sh "$SRCGREP"

# -l, -m and -q stop reading, and decoding, once the answer is known: a
# match on the first line of 64 MiB of text decodes a few MiB at most
# (what the readahead thread had in hand), not the whole file
if [ "$SANITIZED" = 1 ]; then MB=16; else MB=64; fi
{ echo needle; yes 'filler line of text, no match here' | head -c $((MB << 20)); } | gzip -1 >early.gz
for o in -l -m1 -q -c; do
    "$SRCGREP" --stats $o needle early.gz >/dev/null 2>"$T/err"
    g=$(sed -n 's/ bytes decoded by gzip$//p' "$T/err")
    full=$(((MB << 20) + 7))
    if [ "$o" = -c ]; then
        # the reference: counting reads everything
        if [ "$g" = "$full" ]; then pass stats/early-c-reads-all; else fail stats/early-c-reads-all "decoded $g of $full"; fi
    elif [ -n "$g" ] && [ "$g" -lt $((full / 4)) ]; then
        pass "stats/early-stop$o"
    else
        fail "stats/early-stop$o" "decoded '$g' bytes of $full"
    fi
done

# after -m, bytes searched end at the last selected line (and its trailing
# context), mapped or read
seq 1 200000 >seq.txt
for m in --mmap --no-mmap; do
    check "m1-searched$m" "10 bytes searched" -- $m -m1 '^5$' seq.txt
    check "m1-context$m" "14 bytes searched" -- $m -m1 -A2 '^5$' seq.txt
done
