#!/bin/sh
# Compressed input, made by the real tools (gzip, pigz, xz, zstd, bzip2, lz4)
# from real text: /usr/share/common-licenses/* and the man pages of the
# compressors and of grep, about 500 KB.
#
# 1. Each format and nesting against "TOOL -dc FILE | grep -P OPTS PAT":
#    same stdout (grep --label names its standard input as the file), same
#    stderr, same exit status; also through standard input, a pipe, a
#    misleading file name, --raw, --mmap and --no-mmap; srccat's output and
#    its --layers chain.
# 2. Every man page in /usr/share/man/man1 against zgrep.
# 3. Bad input between two good files: the exact error line, status 2, and
#    every line the good files and the bad file's valid prefix hold.
# 4. srccat on truncated files: the valid prefix, then the error.
. "${TESTS:-$(dirname "$0")/..}/lib.sh"

for tool in gzip pigz xz zstd bzip2 lz4 zgrep grep; do
    if ! command -v "$tool" >/dev/null 2>&1; then
        fail compress "$tool is missing (tools/deps.sh check installs it)"
        exit 0
    fi
done
if ! grep --version 2>/dev/null | grep -q 'GNU grep'; then
    fail compress "no GNU grep to compare with"
    exit 0
fi

W=$T/w
mkdir -p "$W"
cd "$W" || exit 1

# ---- helpers -----------------------------------------------------------------

# same NAME STATUS OUT ERR CMD...: runs CMD with stdin from ${STDIN:-/dev/null};
# its stdout must equal the file OUT, its stderr the file ERR and its exit
# status STATUS.
same() {
    name=$1 want=$2 wout=$3 werr=$4
    shift 4
    "$@" <"${STDIN:-/dev/null}" >"$T/.out" 2>"$T/.err"
    got=$?
    why=""
    [ "$got" = "$want" ] || why="exit status $got, expected $want"
    d=$(describe_diff stdout "$wout" "$T/.out") || why="${why:+$why; }$d"
    d=$(describe_diff stderr "$werr" "$T/.err") || why="${why:+$why; }$d"
    if [ -z "$why" ]; then
        pass "$name"
    else
        cmd=$(shquote "$@")
        [ -z "${STDIN:-}" ] || cmd="$cmd <$STDIN"
        fail "$name" "$why; command, in $W (KEEP_TMP=1 keeps it): $cmd"
    fi
}

# ref OPT... : GNU grep -P over the decoded text in $T/dec, as if read from
# a pipe; its output in $T/ref.out and $T/ref.err ("grep:" read as
# "srcgrep:"), its status in $rs.  --label names standard input as the file.
ref() {
    grep -P "$@" <"$T/dec" >"$T/ref.out" 2>"$T/ref.err"
    rs=$?
    sed -i 's/^grep:/srcgrep:/' "$T/ref.err"
}

# whole_lines FILE: drops a last line that has no newline (srcgrep searches
# only the whole lines of a prefix that ends in an error).
whole_lines() {
    if [ -s "$1" ] && [ -n "$(tail -c 1 "$1")" ]; then
        sed -i '$d' "$1"
    fi
}

# le32 FILE OFFSET: the little-endian 32-bit number at OFFSET, in decimal.
le32() {
    # shellcheck disable=SC2046
    set -- $(od -An -tu1 -j "$2" -N 4 "$1")
    echo $(($1 + $2 * 256 + $3 * 65536 + $4 * 16777216))
}

# flip FILE OFFSET OUT: OUT is FILE with the byte at OFFSET inverted.
flip() {
    cp "$1" "$3"
    b=$(od -An -tu1 -j "$2" -N 1 "$1" | tr -d ' ')
    # shellcheck disable=SC2059
    printf "$(printf '\\%03o' $((b ^ 255)))" |
        dd of="$3" bs=1 seek="$2" conv=notrunc 2>/dev/null
}

# ---- the text and the files ----------------------------------------------------
{
    for f in /usr/share/common-licenses/*; do
        [ -f "$f" ] && cat "$f"
    done
    for m in gzip xz zstd bzip2 lz4 grep; do
        [ -f "/usr/share/man/man1/$m.1.gz" ] && gzip -dc "/usr/share/man/man1/$m.1.gz"
    done
} >text 2>/dev/null
size=$(wc -c <text)
if [ "$size" -lt 200000 ]; then
    fail compress "too little text on this machine ($size bytes from /usr/share/common-licenses and man pages)"
    exit 0
fi
lines=$(wc -l <text)
head -n $((lines / 2)) text >half1
tail -n +$((lines / 2 + 1)) text >half2

gzip -c text >text.gz
pigz -c text >pigz.gz
gzip -c half1 >h1.gz && gzip -c half2 >h2.gz && cat h1.gz h2.gz >multi.gz
xz -c text >text.xz
xz -T2 --block-size=64KiB -c text >blocks.xz
xz -c half1 >h1.xz && xz -c half2 >h2.xz && cat h1.xz h2.xz >cat.xz
zstd -q -c text >text.zst
zstd -q -c half1 >h1.zst && zstd -q -c half2 >h2.zst && cat h1.zst h2.zst >frames.zst
bzip2 -c text >text.bz2
bzip2 -c half1 >h1.bz2 && bzip2 -c half2 >h2.bz2 && cat h1.bz2 h2.bz2 >streams.bz2
lz4 -q -c text >text.lz4
xz -c text | gzip -c >text.xz.gz
gzip -c text | zstd -q -c >text.gz.zst
bzip2 -c text | xz -c >text.bz2.xz
cp text.gz notes.txt
cp text plain.gz
rm -f h1.* h2.*
# Twenty copies of the text (about 10 MB): gzip and lz4, whose windows are
# too short to see the repetition, make files of over 1 MiB, the size from
# which the decoding runs on a thread ahead of the search (readahead).
i=0
while [ $i -lt 20 ]; do
    cat text
    i=$((i + 1))
done >big
gzip -c big >big.gz
lz4 -q -c big >big.lz4

# The multi-block and multi-stream files must really be so, or their cases
# would test nothing new.
blocks=$(xz --robot -l blocks.xz | awk '$1 == "totals" { print $3 }')
streams=$(xz --robot -l cat.xz | awk '$1 == "totals" { print $2 }')
if [ "${blocks:-0}" -ge 4 ] && [ "${streams:-0}" = 2 ]; then
    pass "compress/generate: several xz blocks, two xz streams"
else
    fail "compress/generate: several xz blocks, two xz streams" "blocks.xz has ${blocks:-?} blocks (want 4 or more), cat.xz ${streams:-?} streams (want 2)"
fi

# ---- 1. each format against its decompressor and grep ------------------------

PATS='copyright
^\.SH [A-Z]+
a.b
zstandard'
OPTS='-c -n -o_-i -v_-c -w -l -L -b'

# fmt FILE LAYERS DECODER...: "DECODER FILE" writes the decoded bytes of
# FILE, which are those of $FULL (text unless said otherwise); LAYERS is
# the chain srccat --layers must print.
FULL=text
fmt() {
    f=$1 layers=$2
    shift 2
    n="compress/$f"
    "$@" "$f" >"$T/dec" 2>/dev/null
    if ! cmp -s "$T/dec" "$FULL"; then
        # the reference itself is wrong: the cases below would mean nothing
        fail "$n/reference" "$(shquote "$@" "$f") does not give back the text"
        return
    fi
    # srccat writes what the decompressor writes, byte for byte
    : >"$T/empty"
    same "$n: srccat" 0 "$T/dec" "$T/empty" "$SRCCAT" "$f"
    # the chain is found by content, outermost first
    printf '%s\n' "$layers" >"$T/layers"
    same "$n: srccat --layers" 0 "$T/layers" "$T/empty" "$SRCCAT" --layers "$f"
    # on standard input the base is a descriptor, the layers the same
    printf 'fd%s\n' "${layers#file}" >"$T/layers"
    STDIN=$f same "$n: srccat --layers <$f" 0 "$T/layers" "$T/empty" "$SRCCAT" --layers
    # every option that changes what is printed, over patterns that are
    # frequent, anchored, a regular expression and rare
    printf '%s\n' "$PATS" >"$T/pats"
    while IFS= read -r p; do
        for o in "" $OPTS; do
            o=$(echo "$o" | tr _ ' ')
            # shellcheck disable=SC2086
            ref --label="$f" $o -e "$p"
            # shellcheck disable=SC2086
            same "$n: srcgrep $o -e '$p'" "$rs" "$T/ref.out" "$T/ref.err" "$SRCGREP" $o -e "$p" "$f"
        done
    done <"$T/pats"
    # a mapped file and one read with read() decode the same
    ref -n -e copyright
    for m in --mmap --no-mmap; do
        same "$n: srcgrep $m -n copyright" "$rs" "$T/ref.out" "$T/ref.err" "$SRCGREP" "$m" -n -e copyright "$f"
    done
    # standard input redirected from the file is detected by content too
    STDIN=$f same "$n: srcgrep -n copyright <$f" "$rs" "$T/ref.out" "$T/ref.err" "$SRCGREP" -n -e copyright
    # and so is a pipe, which can neither be mapped nor seeked back
    ref -c -e copyright
    same "$n: cat $f | srcgrep -c copyright" "$rs" "$T/ref.out" "$T/ref.err" \
        sh -c 'cat "$1" | "$2" -c -e copyright' sh "$f" "$SRCGREP"
    # standard input is named "(standard input)", as by grep
    ref -H -n -e '^\.SH [A-Z]+'
    STDIN=$f same "$n: srcgrep -H -n '^\.SH [A-Z]+' <$f" "$rs" "$T/ref.out" "$T/ref.err" \
        "$SRCGREP" -H -n -e '^\.SH [A-Z]+'
}

# gzip: one member; pigz: one member of blocks compressed in parallel and
# joined; several members, which must all be read, not just the first
fmt text.gz 'file > gzip' gzip -dc
fmt pigz.gz 'file > gzip' pigz -dc
fmt multi.gz 'file > gzip' gzip -dc
# xz: one block; many blocks (what multi-threaded xz writes); two streams
fmt text.xz 'file > xz' xz -dc
fmt blocks.xz 'file > xz' xz -dc
fmt cat.xz 'file > xz' xz -dc
# zstd: one frame, then two frames one after the other
fmt text.zst 'file > zstd' zstd -q -dc
fmt frames.zst 'file > zstd' zstd -q -dc
# bzip2: one stream, then two (as cat and pbzip2 make them)
fmt text.bz2 'file > bzip2' bzip2 -dc
fmt streams.bz2 'file > bzip2' bzip2 -dc
fmt text.lz4 'file > lz4' lz4 -q -dc
# layers inside layers: each decoded stream is detected again
fmt text.xz.gz 'file > gzip > xz' sh -c 'gzip -dc "$1" | xz -dc' sh
fmt text.gz.zst 'file > zstd > gzip' sh -c 'zstd -q -dc "$1" | gzip -dc' sh
fmt text.bz2.xz 'file > xz > bzip2' sh -c 'xz -dc "$1" | bzip2 -dc' sh
# names mean nothing: a gzip file called .txt is decoded, a text file
# called .gz is searched as it is
fmt notes.txt 'file > gzip' gzip -dc
fmt plain.gz 'file' cat
# over 1 MiB of input: decoded on a thread of its own, which is no layer of
# the file's and must change nothing in the output
FULL=big
fmt big.gz 'file > gzip' gzip -dc
fmt big.lz4 'file > lz4' lz4 -q -dc
FULL=text

# --raw searches the stored bytes: the compressed file is binary, so once
# as binary (-c counts NUL-split lines as grep does) and once with -a
for f in text.gz text.xz text.zst text.bz2 text.lz4; do
    for o in -c "-a -c" "-a -c -v"; do
        # shellcheck disable=SC2086
        grep -P $o -e '[A-Z]{2}' "$f" >"$T/ref.out" 2>"$T/ref.err"
        rs=$?
        sed -i 's/^grep:/srcgrep:/' "$T/ref.err"
        # shellcheck disable=SC2086
        same "compress/$f: srcgrep --raw $o '[A-Z]{2}'" "$rs" "$T/ref.out" "$T/ref.err" \
            "$SRCGREP" --raw $o -e '[A-Z]{2}' "$f"
    done
    # srccat --raw copies the file as it is, and sees no layer
    same "compress/$f: srccat --raw" 0 "$f" "$T/empty" "$SRCCAT" --raw "$f"
    printf 'file\n' >"$T/layers"
    same "compress/$f: srccat --raw --layers" 0 "$T/layers" "$T/empty" "$SRCCAT" --raw --layers "$f"
done

# ---- 2. the man pages against zgrep ------------------------------------------
# srcgrep reads every .gz of /usr/share/man/man1 (every 4th under the
# sanitizers, where each file costs far more) in one run per pattern, with
# -c -H: one line per file.  zgrep starts gzip and grep for each file, about
# 3 ms a file: it reads a deterministic subset, every K-th name in sorted
# order, K the smallest multiple of 4 that leaves at most 1100 files (some
# 12 s of zgrep for the four patterns, run side by side: every 4th file
# would take a minute), and srcgrep's lines for those files must be
# zgrep's.  Both get the names the same way, so print them the same.
MAN=/usr/share/man/man1
: >"$T/man.all"
[ -d "$MAN" ] && find "$MAN" -maxdepth 1 -name '*.gz' | LC_ALL=C sort >"$T/man.all"
nman=$(wc -l <"$T/man.all")
if [ "$nman" -lt 100 ]; then
    fail compress/man "only $nman gzip man pages in $MAN (100 or more needed)"
else
    k=$(((nman + 4399) / 4400 * 4))   # a multiple of 4: the subset is in every run
    awk -v k="$k" 'NR % k == 1' "$T/man.all" >"$T/man.sub"
    if [ "$SANITIZED" = 1 ]; then
        awk 'NR % 4 == 1' "$T/man.all" >"$T/man.run"
    else
        cp "$T/man.all" "$T/man.run"
    fi
    nsub=$(wc -l <"$T/man.sub")
    nrun=$(wc -l <"$T/man.run")
    # the patterns: a rare word, an anchored request, a word in any case,
    # a regular expression; the same in grep's BRE and in PCRE2
    printf '%s\n' 'zstandard' '^\.SH' '-i copyright' 'a.b' >"$T/man.pats"
    old_ifs=$IFS
    IFS='
'
    set -f
    # shellcheck disable=SC2046
    set -- $(cat "$T/man.sub")
    i=0
    while IFS= read -r p; do
        i=$((i + 1))
        case $p in -i\ *) o=-i p=${p#-i } ;; *) o="" ;; esac
        # shellcheck disable=SC2086
        (zgrep -c -H $o -e "$p" "$@" </dev/null >"$T/z.$i.out" 2>"$T/z.$i.err"
            echo $? >"$T/z.$i.rc") &
    done <"$T/man.pats"
    # shellcheck disable=SC2046
    set -- $(cat "$T/man.run")
    i=0
    while IFS= read -r p; do
        i=$((i + 1))
        case $p in -i\ *) o=-i p=${p#-i } ;; *) o="" ;; esac
        # shellcheck disable=SC2086
        "$SRCGREP" -c -H $o -e "$p" "$@" </dev/null >"$T/s.$i.out" 2>"$T/s.$i.err"
        echo $? >"$T/s.$i.rc"
    done <"$T/man.pats"
    set +f
    IFS=$old_ifs
    wait
    i=0
    while IFS= read -r p; do
        i=$((i + 1))
        n="compress/man: srcgrep -c -H $p vs zgrep"
        # srcgrep's lines for the names zgrep read
        awk 'NR == FNR { want[$0] = 1; next }
             { f = $0; sub(/:[0-9]+$/, "", f); if (f in want) print }' \
            "$T/man.sub" "$T/s.$i.out" >"$T/s.$i.sub"
        why=""
        d=$(describe_diff "stdout" "$T/z.$i.out" "$T/s.$i.sub") || why=$d
        [ ! -s "$T/z.$i.err" ] || why="${why:+$why; }zgrep wrote to stderr: $(head -n 1 "$T/z.$i.err")"
        [ ! -s "$T/s.$i.err" ] || why="${why:+$why; }srcgrep wrote to stderr: $(head -n 1 "$T/s.$i.err")"
        # one line per page, and the status a -c run must have
        [ "$(wc -l <"$T/s.$i.out")" = "$nrun" ] || why="${why:+$why; }srcgrep printed $(wc -l <"$T/s.$i.out") lines for $nrun pages"
        if grep -q ':[1-9][0-9]*$' "$T/s.$i.out"; then wrc=0; else wrc=1; fi
        [ "$(cat "$T/s.$i.rc")" = "$wrc" ] || why="${why:+$why; }srcgrep exit status $(cat "$T/s.$i.rc"), expected $wrc"
        if grep -q ':[1-9][0-9]*$' "$T/z.$i.out"; then wrc=0; else wrc=1; fi
        [ "$(cat "$T/z.$i.rc")" = "$wrc" ] || why="${why:+$why; }zgrep exit status $(cat "$T/z.$i.rc"), expected $wrc"
        if [ -z "$why" ]; then
            pass "$n"
        else
            fail "$n" "$why; srcgrep read $nrun pages, zgrep $nsub: names in $T/man.sub (KEEP_TMP=1 keeps it)"
        fi
    done <"$T/man.pats"
fi

# ---- 3 and 4. bad input ----------------------------------------------------------

# Good neighbours, of two formats, and the lines they must give.
gzip -c text >good1.gz
xz -c text >good2.xz
cp text "$T/dec"
ref -H -n --label=good1.gz -e GNU
cp "$T/ref.out" "$T/good1.lines"
ref -H -n --label=good2.xz -e GNU
cp "$T/ref.out" "$T/good2.lines"

# between NAME BAD STATUS PREFIX ERRLINE [OPT...]: srcgrep OPT... -H -n GNU
# good1.gz BAD good2.xz, standard error into standard output: every line of
# good1, the lines of PREFIX (the decoded text of BAD that precedes its
# error, of which only whole lines count; all of it when there is none),
# ERRLINE (if not empty: exactly one message, shown after what came before
# it) and every line of good2.
between() {
    name=$1 bad=$2 st=$3 pre=$4 errline=$5
    shift 5
    cp "$pre" "$T/dec"
    [ -z "$errline" ] || whole_lines "$T/dec"
    ref -H -n --label="$bad" -e GNU
    {
        cat "$T/good1.lines" "$T/ref.out"
        [ -z "$errline" ] || printf '%s\n' "$errline"
        cat "$T/good2.lines"
    } >"$T/want"
    "$SRCGREP" "$@" -H -n -e GNU good1.gz "$bad" good2.xz >"$T/got" 2>&1
    got=$?
    why=""
    [ "$got" = "$st" ] || why="exit status $got, expected $st"
    d=$(describe_diff "stdout and stderr" "$T/want" "$T/got") || why="${why:+$why; }$d"
    if [ -z "$why" ]; then
        pass "compress/bad/$name"
    else
        fail "compress/bad/$name" "$why; command, in $W: $(shquote "$SRCGREP" "$@" -H -n -e GNU good1.gz "$bad" good2.xz) 2>&1"
    fi
}

# Truncated files.  What libsrc decodes before the end may differ a little
# from what the command-line tool writes (buffering inside each decoder; a
# bzip2 block is written before its CRC is checked), so the valid prefix is
# srccat's output, which must be a prefix of the text and lack at most
# 64 KiB of what the tool wrote; srcgrep must then print exactly its lines.
# ($FULL is the text SOURCE holds.)
# cut_half NAME SOURCE LAYER DECODER...: NAME is SOURCE cut to half; LAYER is the
# chain of the layer that meets the end.
cut_half() {
    name=$1 src=$2 layer=$3
    shift 3
    s=$(wc -c <"$src")
    head -c $((s / 2)) "$src" >"$name"
    "$@" "$name" >"$T/tool" 2>/dev/null
    "$SRCCAT" "$name" >"$T/pre" 2>"$T/pre.err"
    st=$?
    have=$(wc -c <"$T/pre")
    tool=$(wc -c <"$T/tool")
    why=""
    [ "$st" = 2 ] || why="exit status $st, expected 2"
    printf 'srccat: %s: %s: unexpected end of stream\n' "$name" "$layer" >"$T/want.err"
    d=$(describe_diff stderr "$T/want.err" "$T/pre.err") || why="${why:+$why; }$d"
    cmp -s -n "$have" "$T/pre" "$FULL" || why="${why:+$why; }its $have bytes are not a prefix of the text"
    [ "$have" -ge $((tool - 65536)) ] || why="${why:+$why; }$have bytes, the tool gave $tool"
    # 4: srccat writes the valid prefix, then the error, and exits with 2
    if [ -z "$why" ]; then
        pass "compress/bad/srccat $name"
    else
        fail "compress/bad/srccat $name" "$why; command, in $W: srccat $name"
    fi
    # 3: the prefix's lines, between all of the good files' lines
    between "truncated $name" "$name" 2 "$T/pre" "srcgrep: $name: $layer: unexpected end of stream"
}
bzip2 -1 -c text >small-blocks.bz2   # 100 kB blocks: the first ones are whole
lz4 -q -B4 -c text >small-blocks.lz4 # 64 KiB blocks, likewise
xz -c text | head -c $(($(wc -c <text.xz) / 2)) | gzip -c >inner-cut.xz.gz
cut_half cut.gz text.gz gzip gzip -dc
cut_half cut-pigz.gz pigz.gz gzip pigz -dc
cut_half cut-multi.gz multi.gz gzip gzip -dc
cut_half cut.xz text.xz xz xz -dc
cut_half cut-blocks.xz blocks.xz xz xz -dc
cut_half cut.zst text.zst zstd zstd -q -dc
cut_half cut-frames.zst frames.zst zstd zstd -q -dc
cut_half cut.bz2 small-blocks.bz2 bzip2 bzip2 -dc
cut_half cut.lz4 small-blocks.lz4 lz4 lz4 -q -dc
# nested: the outer layer runs out first, and names itself alone
cut_half cut.xz.gz text.xz.gz gzip sh -c 'gzip -dc "$1" | xz -dc' sh
cut_half cut.gz.zst text.gz.zst zstd sh -c 'zstd -q -dc "$1" | gzip -dc' sh
cut_half cut.bz2.xz text.bz2.xz xz sh -c 'xz -dc "$1" | bzip2 -dc' sh
# over 1 MiB left: the error comes through the readahead thread, after the
# bytes decoded before it, with the layer's own message
FULL=big
cut_half cut-big.gz big.gz gzip gzip -dc
cut_half cut-big.lz4 big.lz4 lz4 lz4 -q -dc
FULL=text
# a whole gzip holding a truncated xz: the inner layer fails, and the chain
# down to it is named
"$SRCCAT" inner-cut.xz.gz >"$T/pre" 2>/dev/null
between "gzip of a truncated xz" inner-cut.xz.gz 2 "$T/pre" "srcgrep: inner-cut.xz.gz: gzip > xz: unexpected end of stream"

# A corrupted CRC-32 (the trailer's first four bytes): everything is
# decoded and printed, then the member is reported with both values.
s=$(wc -c <text.gz)
flip text.gz $((s - 8)) crc.gz
between "gzip CRC" crc.gz 2 text "$(printf 'srcgrep: crc.gz: gzip: CRC mismatch in member 1 (stored %08x, computed %08x)' \
    "$(le32 crc.gz $((s - 8)))" "$(le32 text.gz $((s - 8)))")"
# A wrong ISIZE (the length modulo 2^32, in the trailer's last four bytes).
flip text.gz $((s - 2)) isize.gz
between "gzip ISIZE" isize.gz 2 text "$(printf 'srcgrep: isize.gz: gzip: length mismatch in member 1 (stored %s, decoded %s)' \
    "$(le32 isize.gz $((s - 4)))" "$(wc -c <text | tr -d ' ')")"
# Trailing garbage: gzip's own wording, at the offset where the garbage
# starts, i.e. the size of the valid gzip; the text before it is all there.
{ cat text.gz; printf 'this is not a gzip member\n'; } >garbage.gz
between "gzip trailing garbage" garbage.gz 2 text "srcgrep: garbage.gz: gzip: trailing garbage at byte $s ignored"
# The same, and a second member cut after its header, in a small file:
# the damage is met while the first bytes are looked at for nested layers,
# and what the first member holds must still come before the error.
printf 'GNU one\nGNU two\n' >two-lines
gzip -n -c two-lines >small.gz
{ cat small.gz; printf 'not gzip\n'; } >small-garbage.gz
between "small gzip, trailing garbage" small-garbage.gz 2 two-lines \
    "srcgrep: small-garbage.gz: gzip: trailing garbage at byte $(wc -c <small.gz | tr -d ' ') ignored"
{ cat small.gz; printf 'x\n' | gzip -n | head -c 10; } >small-cut.gz
between "small gzip, second member cut" small-cut.gz 2 two-lines \
    "srcgrep: small-cut.gz: gzip: unexpected end of stream"
printf 'srccat: small-cut.gz: gzip: unexpected end of stream\n' >"$T/want.err"
same "compress/bad/srccat small-cut.gz" 2 two-lines "$T/want.err" "$SRCCAT" small-cut.gz
# Zeros after a member are padding (tapes, block devices), not an error.
{ cat text.gz; head -c 1000 /dev/zero; } >zeros.gz
between "gzip trailing zeros" zeros.gz 0 text ""

# A dictionary of 1.5 GiB declared in the block header of a small file:
# the decoder must refuse before allocating, name the memory needed and the
# limit (256 MiB by default), and point at the option ...
head -n 300 text >small
xz --lzma2=dict=1536MiB -c small >bigdict.xz
: >"$T/none"
between "xz dictionary above --xz-memlimit" bigdict.xz 2 "$T/none" \
    "srcgrep: bigdict.xz: xz: needs more memory than the limit of 256 MiB (see --xz-memlimit)"
# ... which lets it through when raised.
between "xz dictionary under --xz-memlimit=2G" bigdict.xz 0 small "" --xz-memlimit=2G

# zstd --long=31 from a pipe: with no content size to shrink it to, the
# frame header declares a 2 GiB window, above the default 2^27.
head -n 300 text | zstd -q --long=31 -c >long.zst
between "zstd window above --zstd-window-log-max" long.zst 2 "$T/none" \
    "srcgrep: long.zst: zstd: frame needs a window above the limit of 128 MiB (window log 27) (see --zstd-window-log-max)"
between "zstd window under --zstd-window-log-max=31" long.zst 0 small "" --zstd-window-log-max=31

# A nested bomb: 300 MB of zeros in gzip in gzip, under 1 KB.  With a
# 16 MiB floor it must stop soon after 16 MiB (well before 300 MB, and in
# seconds), at the inner layer, with the option to raise.  The amounts in
# the message depend on the decoders' buffer sizes: they are checked for
# range, the rest of the line word for word.
head -c 300M /dev/zero | gzip | gzip >bomb.gz.gz
bs=$(wc -c <bomb.gz.gz)
timeout 30 "$SRCGREP" --decode-limit=16M -H -n -e GNU good1.gz bomb.gz.gz good2.xz >"$T/got" 2>&1
got=$?
{
    cat "$T/good1.lines"
    echo "srcgrep: bomb.gz.gz: gzip > gzip: decoded N MiB from M bytes of input, more than 4096:1 (a decompression bomb?) (see --decode-limit and --decode-ratio)"
    cat "$T/good2.lines"
} >"$T/want"
mib=$(sed -n 's/.*: decoded \([0-9.]*\) MiB from \([0-9]*\) bytes of input.*/\1 \2/p' "$T/got")
sed -i 's/: decoded [0-9.]* MiB from [0-9]* bytes of input/: decoded N MiB from M bytes of input/' "$T/got"
why=""
[ "$got" = 2 ] || why="exit status $got, expected 2 (124: it took more than 30 s)"
d=$(describe_diff "stdout and stderr" "$T/want" "$T/got") || why="${why:+$why; }$d"
# shellcheck disable=SC2086
set -- $mib
if [ $# = 2 ]; then
    [ "${1%.*}" -ge 16 ] && [ "${1%.*}" -le 64 ] || why="${why:+$why; }stopped after $1 MiB, expected 16 to 64"
    [ "$2" -le "$bs" ] || why="${why:+$why; }claims $2 bytes of input, the file has $bs"
fi
if [ -z "$why" ]; then
    pass "compress/bad/nested bomb --decode-limit=16M"
else
    fail "compress/bad/nested bomb --decode-limit=16M" "$why; command, in $W: srcgrep --decode-limit=16M -H -n GNU good1.gz bomb.gz.gz good2.xz 2>&1"
fi

# Nested gzip: 8 layers is the default limit and is decoded; 9 and 10 are
# refused before any reading, naming the two layers and the option; the
# option raises the limit.
printf 'GNU at the bottom of the layers\n' >deep0
i=0
while [ $i -lt 10 ]; do
    gzip -c deep$i >deep$((i + 1))
    i=$((i + 1))
done
between "gzip 8 deep" deep8 0 deep0 ""
between "gzip 9 deep" deep9 2 "$T/none" "srcgrep: deep9: more than 8 nested layers (gzip inside gzip) (see --max-layers)"
between "gzip 10 deep" deep10 2 "$T/none" "srcgrep: deep10: more than 8 nested layers (gzip inside gzip) (see --max-layers)"
between "gzip 10 deep --max-layers=10" deep10 0 deep0 "" --max-layers=10
printf 'file%s\n' "$(printf ' > gzip%.0s' 1 2 3 4 5 6 7 8 9 10)" >"$T/layers"
same "compress/bad/srccat --layers --max-layers=10 deep10" 0 "$T/layers" "$T/empty" "$SRCCAT" --layers --max-layers=10 deep10
printf 'srccat: deep10: more than 8 nested layers (gzip inside gzip) (see --max-layers)\n' >"$T/want.err"
same "compress/bad/srccat deep10" 2 "$T/empty" "$T/want.err" "$SRCCAT" deep10

# An empty file is no error: no lines (status 1 alone), a count of 0, one
# base layer.
: >empty
same "compress/bad/empty file" 1 "$T/empty" "$T/empty" "$SRCGREP" -e GNU empty
between "empty file" empty 0 "$T/none" ""
printf 'file\n' >"$T/layers"
same "compress/bad/srccat --layers empty" 0 "$T/layers" "$T/empty" "$SRCCAT" --layers empty

# A gzip header and nothing after it: detected as gzip, then cut short.
printf 'GNU\n' | gzip -n | head -c 10 >header.gz
between "gzip header only" header.gz 2 "$T/none" "srcgrep: header.gz: gzip: unexpected end of stream"

# Data that merely starts like a compressed stream is text: a gzip magic
# and method with no valid header after them, and bzip2's "BZh9".
printf '\037\213\010 some GNU text\nmore GNU text' >looks.gz
printf 'BZh9 GNU text\n' >looks.bz2
printf 'file\n' >"$T/layers"
for f in looks.gz looks.bz2; do
    between "looks compressed: $f" "$f" 0 "$f" ""
    same "compress/bad/srccat $f" 0 "$f" "$T/empty" "$SRCCAT" "$f"
    same "compress/bad/srccat --layers $f" 0 "$T/layers" "$T/empty" "$SRCCAT" --layers "$f"
done

# A gzip quine (tests/data/quine.gz, when present) decodes to itself for
# ever: the layer limit must stop it, at once.
Q=$TOP/tests/data/quine.gz
if [ -f "$Q" ]; then
    printf 'srcgrep: %s: more than 8 nested layers (gzip inside gzip) (see --max-layers)\n' "$Q" >"$T/want.err"
    same "compress/bad/gzip quine" 2 "$T/empty" "$T/want.err" timeout 10 "$SRCGREP" -e x "$Q"
fi
exit 0
