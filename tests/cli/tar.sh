#!/bin/sh
# Tar archives, made by GNU tar from real text (/usr/share/common-licenses),
# searched by srcgrep and written by srccat.
#
# Each member is searched as a file of its own named ARCHIVE{MEMBER}, so
# the expected output is GNU grep -P run over each member's bytes in turn,
# with --label=ARCHIVE{MEMBER}; the member names are escaped as the
# library shows them ('{', '}' and '\' after a backslash, control
# characters as \xHH), by esc below.  srccat writes "==> ARCHIVE{MEMBER} <=="
# before each member's bytes (on a line of its own), --list the names,
# --layers each member's chain.
#
# 1. Each format GNU tar writes (gnu, oldgnu, ustar, pax, v7), with names
#    with spaces, '{', '}', '\', a newline, a tab, non-ASCII letters, long
#    paths (ustar's prefix) and long names (GNU 'L' headers, pax path
#    records), a directory, a symbolic and a hard link (no members), an
#    empty file and one without a final newline: srcgrep with -n, -c, -l,
#    -L, -o, -b, -h, -H, -i, -v -c, -m against grep; srccat, --list,
#    --layers.
# 2. The archive inside gzip, xz, zstd and bzip2 (tar czf, cJf, --zstd,
#    cjf); on standard input and through a pipe.
# 3. Members that are gzip, xz or UTF-16 (with a BOM, and guessed), a tar
#    inside a tar (and a .tgz inside a tar), an empty tar, a tar of
#    directories only, a tar found by -r.
# 4. Damage: a truncated tar.gz and a truncated tar (the members before
#    the damage are searched whole, the damaged one as far as it goes,
#    one message naming the archive and the member, status 2); a header
#    with a bad checksum; a tar holding a truncated .gz member (its
#    message, the other members still searched).
# 5. A member of a few MB in an archive compressed to over 1 MiB, so that
#    the decoding runs ahead on a thread: the same output with --mmap and
#    --no-mmap, and when it is cut short.
#
# Commands for sh -c are in single quotes, with their arguments as $1...:
# hence no expansion there.
# shellcheck disable=SC2016
. "${TESTS:-$(dirname "$0")/..}/lib.sh"

for tool in tar gzip xz zstd bzip2 iconv grep od awk cmp; do
    if ! command -v "$tool" >/dev/null 2>&1; then
        fail tar "$tool is missing (tools/deps.sh check installs it)"
        exit 0
    fi
done
if ! tar --version 2>/dev/null | grep -q 'GNU tar'; then
    fail tar "no GNU tar to make the archives"
    exit 0
fi
if ! grep --version 2>/dev/null | grep -q 'GNU grep'; then
    fail tar "no GNU grep to compare with"
    exit 0
fi

W=$T/w
mkdir -p "$W/src" "$W/ref"
cd "$W" || exit 1
E=$T/empty
: >"$E"

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
    cmp -s "$wout" "$T/.out" || why="${why:+$why; }$(describe_diff stdout "$wout" "$T/.out")"
    cmp -s "$werr" "$T/.err" ||
        why="${why:+$why; }$(describe_diff stderr "$werr" "$T/.err"); $(wc -l <"$T/.err") lines on stderr: $(tr '\n' '|' <"$T/.err" | cut -c1-300)"
    if [ -z "$why" ]; then
        pass "$name"
    else
        cmd=$(shquote "$@")
        [ -z "${STDIN:-}" ] || cmd="$cmd <$STDIN"
        fail "$name" "$why; command, in $W (KEEP_TMP=1 keeps it): $cmd"
    fi
}

# esc NAME: NAME as the library shows a member name: '{', '}' and '\'
# after a backslash, bytes below 0x20 and 0x7F as \xHH, the rest as it is.
esc() {
    printf '%s' "$1" | od -An -v -tu1 | awk '{
        for (i = 1; i <= NF; i++) {
            b = $i + 0
            if (b < 32 || b == 127) printf "\\x%02X", b
            else if (b == 92 || b == 123 || b == 125) printf "\\%c", b
            else printf "%c", b
        }
    }'
}

# A list describes the members of an archive, in order, three lines each:
# what follows the archive's name in the member's name ("{NAME}", escaped;
# "{OUTER}{INNER}" in a tar inside a tar), a file under ref/ with the
# member's decoded bytes, and the layers above the container (" > gzip",
# or nothing).
nref=0
# add LIST NAME FILE [LAYERS]: member NAME, whose decoded bytes FILE holds.
add() {
    nref=$((nref + 1))
    cp "$3" "ref/$nref"
    printf '{%s}\nref/%s\n%s\n' "$(esc "$2")" "$nref" "${4:-}" >>"$1"
}
# add_raw LIST SUFFIX FILE [LAYERS]: the same with the suffix given.
add_raw() {
    nref=$((nref + 1))
    cp "$3" "ref/$nref"
    printf '%s\nref/%s\n%s\n' "$2" "$nref" "${4:-}" >>"$1"
}

# tref SHOWN LIST OPT...: GNU grep -P OPT... over each member of LIST in
# turn, named SHOWN{MEMBER}; the output in $T/ref.out, the status in $rs
# (0 if any member has a selected line, as for several files).
tref() {
    shown=$1 list=$2
    shift 2
    : >"$T/ref.out"
    rs=1
    while IFS= read -r sfx && IFS= read -r f && IFS= read -r _; do
        grep -P -H --label="$shown$sfx" "$@" <"$f" >>"$T/ref.out" 2>/dev/null
        case $? in
        0) rs=0 ;;
        1) ;;
        *) rs=99 ;;   # the reference itself failed: nothing can match it
        esac
    done <"$list"
}

# cat_ref SHOWN LIST: what srccat writes: a header line and the bytes of
# each member; a header after a member that does not end in a newline
# starts a line of its own.
cat_ref() {
    mid=
    while IFS= read -r sfx && IFS= read -r f && IFS= read -r _; do
        [ -n "$mid" ] && printf '\n'
        printf '==> %s%s <==\n' "$1" "$sfx"
        cat "$f"
        mid=
        [ -s "$f" ] && [ "$(tail -c 1 "$f" | od -An -c | tr -d ' ')" != '\n' ] && mid=1
    done <"$2"
}

# list_ref SHOWN LIST: srccat --list; layers_ref SHOWN LIST CHAIN: srccat
# --layers, CHAIN being the archive's own ("file > gzip > tar").
list_ref() {
    while IFS= read -r sfx && IFS= read -r _ && IFS= read -r _; do
        printf '%s%s\n' "$1" "$sfx"
    done <"$2"
}
layers_ref() {
    while IFS= read -r sfx && IFS= read -r _ && IFS= read -r up; do
        printf '%s%s: %s%s\n' "$1" "$sfx" "$3" "$up"
    done <"$2"
}

# PATS and OPTS: each option set ('_' for a space) with each pattern: a
# frequent word, an anchored regular expression, a word in any case, one
# that matches nowhere.
PATS='GNU
^[A-Z][a-z]+ 
licen[cs]e
no-such-word-anywhere'
OPTS='-n -c -l -L -o -b -h -H -i_-n -v_-c -m_2_-n -o_-b -c_-h -l_-v'

# fewer for the compressed archives, whose members are those of gnu.tar
FEW_OPTS='-n -c -L -o_-b'

# grep_cases NAME ARCHIVE SHOWN LIST [OPTS]: srcgrep over ARCHIVE (shown as
# SHOWN) with each option set of OPTS ($OPTS) and pattern, against tref.
grep_cases() {
    n=$1 a=$2 shown=$3 list=$4 opts=${5:-$OPTS}
    printf '%s\n' "$PATS" >"$T/pats"
    while IFS= read -r p; do
        for o in "" $opts; do
            o=$(echo "$o" | tr _ ' ')
            # shellcheck disable=SC2086
            tref "$shown" "$list" $o -e "$p"
            # shellcheck disable=SC2086
            same "$n: srcgrep $o -e '$p'" "$rs" "$T/ref.out" "$E" "$SRCGREP" $o -e "$p" "$a"
        done
    done <"$T/pats"
}

# cat_cases NAME ARCHIVE SHOWN LIST CHAIN: srccat, --list, --layers.
cat_cases() {
    n=$1 a=$2 shown=$3 list=$4 chain=$5
    cat_ref "$shown" "$list" >"$T/want"
    same "$n: srccat" 0 "$T/want" "$E" "$SRCCAT" "$a"
    list_ref "$shown" "$list" >"$T/want"
    same "$n: srccat --list" 0 "$T/want" "$E" "$SRCCAT" --list "$a"
    layers_ref "$shown" "$list" "$chain" >"$T/want"
    same "$n: srccat --layers" 0 "$T/want" "$E" "$SRCCAT" --layers "$a"
}

# whole_lines FILE: drops a last line that has no newline (srcgrep searches
# only the whole lines of what precedes a failure).
whole_lines() {
    if [ -s "$1" ] && [ -n "$(tail -c 1 "$1")" ]; then
        sed -i '$d' "$1"
    fi
}

# size FILE: its size in bytes
size() {
    wc -c <"$1" | tr -d ' '
}

# ---- the text and the files ----------------------------------------------------

for f in /usr/share/common-licenses/*; do
    [ -f "$f" ] && cat "$f"
done >text 2>/dev/null
if [ "$(size text)" -lt 200000 ]; then
    fail tar "too little text on this machine ($(size text) bytes in /usr/share/common-licenses)"
    exit 0
fi
# piece FROM TO: lines FROM to TO of the text
piece() {
    sed -n "$1,$2p" "$W/text"
}

NL=$(printf 'new\nline.txt')
TAB=$(printf 'tab\there.txt')
CAFE=$(printf 'caf\303\251 cr\303\250me.txt')
D1=$(printf 'a%.0s' $(seq 50))
D2=$(printf 'b%.0s' $(seq 50))
LONGPATH=deep/$D1/$D2/leaf.txt        # over 100 bytes: ustar's prefix field
LONGNAME=long-$(printf 'n%.0s' $(seq 120)).txt   # a file name over 100 bytes
(
    cd src || exit 1
    mkdir -p docs "deep/$D1/$D2"
    piece 1 400 >docs/first.txt
    piece 401 1000 >"docs/second part.txt"
    piece 1001 1100 >'q{1}.txt'
    piece 1101 1150 >'back\slash.txt'
    piece 1151 1200 >"$NL"
    piece 1201 1260 >"$TAB"
    : >empty.txt
    printf 'GNU and a last line without a newline' >no-eol.txt
    piece 1261 1400 >"$CAFE"
    piece 1401 1500 >"$LONGPATH"
    piece 1501 1600 >"$LONGNAME"
    ln -s first.txt docs/symlink
    ln docs/first.txt docs/hardlink
)

# mktar FORMAT ARCHIVE LIST LONG [TAR OPTION...]: ARCHIVE made by GNU tar
# --format=FORMAT from the files under src/ in a fixed order, with the
# directory docs and the two links among them; LONG: 0 no long names, 1 the
# long path, 2 that and the long name.  LIST gets its members.
mktar() {
    fmt=$1 a=$2 list=$3 long=$4
    shift 4
    topt="$*"
    set -- docs docs/first.txt "docs/second part.txt" docs/symlink 'q{1}.txt' 'back\slash.txt' \
        "$NL" "$TAB" empty.txt docs/hardlink no-eol.txt "$CAFE"
    [ "$long" -ge 1 ] && set -- "$@" "$LONGPATH"
    [ "$long" -ge 2 ] && set -- "$@" "$LONGNAME"
    # shellcheck disable=SC2086
    if ! tar -C src --format="$fmt" --no-recursion $topt -cf "$a" -- "$@" 2>"$T/tar.err"; then
        fail "tar/$a: generate" "tar --format=$fmt failed: $(head -n 1 "$T/tar.err")"
        return 1
    fi
    : >"$list"
    for m in "$@"; do
        case $m in
        docs | docs/symlink | docs/hardlink) ;;   # a directory and links: no members
        *) add "$list" "$m" "src/$m" ;;
        esac
    done
}

# ---- 1. each format ---------------------------------------------------------------

for fmt in gnu oldgnu ustar pax v7; do
    case $fmt in
    v7) long=0 ;;
    ustar) long=1 ;;
    *) long=2 ;;
    esac
    mktar "$fmt" "$fmt.tar" "$fmt.list" "$long" || continue
    grep_cases "tar/$fmt.tar" "$fmt.tar" "$fmt.tar" "$fmt.list"
    cat_cases "tar/$fmt.tar" "$fmt.tar" "$fmt.tar" "$fmt.list" "file > tar"
done

# The escapes, written out once by hand (esc must agree with them).
{
    printf '%s\n' 'gnu.tar{docs/first.txt}' 'gnu.tar{docs/second part.txt}' 'gnu.tar{q\{1\}.txt}' \
        'gnu.tar{back\\slash.txt}' 'gnu.tar{new\x0Aline.txt}' 'gnu.tar{tab\x09here.txt}' \
        'gnu.tar{empty.txt}' 'gnu.tar{no-eol.txt}'
    printf 'gnu.tar{caf\303\251 cr\303\250me.txt}\ngnu.tar{%s}\ngnu.tar{%s}\n' "$LONGPATH" "$LONGNAME"
} >"$T/want"
same "tar/escapes: srccat --list gnu.tar" 0 "$T/want" "$E" "$SRCCAT" --list gnu.tar
# srcgrep shows the names escaped the same way, and -c counts per member.
printf 'gnu.tar{new\\x0Aline.txt}:%s\n' "$(grep -c -e the "src/$NL")" >"$T/want"
same "tar/escapes: srcgrep -c, one member" 0 "$T/want" "$E" \
    sh -c '"$1" -c -e the "$2" | grep -F "{new\\x0Aline.txt}"' sh "$SRCGREP" gnu.tar

# -h and -H with several operands: a tar and a plain file.
tref gnu.tar gnu.list -n -e GNU
cp "$T/ref.out" "$T/want"
grep -P -H -n -e GNU src/docs/first.txt >>"$T/want"
same "tar/gnu.tar and a file: srcgrep -n GNU" 0 "$T/want" "$E" "$SRCGREP" -n -e GNU gnu.tar src/docs/first.txt
tref gnu.tar gnu.list -h -n -e GNU
cp "$T/ref.out" "$T/want"
grep -P -h -n -e GNU src/docs/first.txt >>"$T/want"
same "tar/gnu.tar and a file: srcgrep -h -n GNU" 0 "$T/want" "$E" "$SRCGREP" -h -n -e GNU gnu.tar src/docs/first.txt

# -r: a tar met in a directory is searched as its members.
mkdir -p tree/sub
cp pax.tar tree/sub/
tref tree/sub/pax.tar pax.list -c -e GNU
same "tar/-r: srcgrep -r -c GNU tree" 0 "$T/ref.out" "$E" "$SRCGREP" -r -c -e GNU tree

# ---- 2. compressed archives, standard input, pipes -------------------------------------

mktar gnu plain-gnu.tar comp.list 2 || true
for z in gz:gzip:-z xz:xz:-J zst:zstd:--zstd bz2:bzip2:-j; do
    ext=${z%%:*} r=${z#*:}
    layer=${r%%:*} zopt=${r#*:}
    a=gnu.tar.$ext
    mktar gnu "$a" "$a.list" 2 "$zopt" || continue
    grep_cases "tar/$a" "$a" "$a" "$a.list" "$FEW_OPTS"
    cat_cases "tar/$a" "$a" "$a" "$a.list" "file > $layer > tar"
    # standard input: "(standard input){MEMBER}", the base an fd
    tref "(standard input)" "$a.list" -n -e GNU
    STDIN=$a same "tar/$a: srcgrep -n GNU <$a" "$rs" "$T/ref.out" "$E" "$SRCGREP" -n -e GNU
    list_ref "(standard input)" "$a.list" >"$T/want"
    STDIN=$a same "tar/$a: srccat --list <$a" 0 "$T/want" "$E" "$SRCCAT" --list
    layers_ref "(standard input)" "$a.list" "fd > $layer > tar" >"$T/want"
    STDIN=$a same "tar/$a: srccat --layers <$a" 0 "$T/want" "$E" "$SRCCAT" --layers
    # a pipe, which can neither be mapped nor seeked back
    tref "(standard input)" "$a.list" -c -i -e 'licen[cs]e'
    same "tar/$a: cat $a | srcgrep -c -i 'licen[cs]e'" "$rs" "$T/ref.out" "$E" \
        sh -c 'cat "$1" | "$2" -c -i -e "licen[cs]e"' sh "$a" "$SRCGREP"
    cat_ref "(standard input)" "$a.list" >"$T/want"
    same "tar/$a: cat $a | srccat" 0 "$T/want" "$E" sh -c 'cat "$1" | "$2"' sh "$a" "$SRCCAT"
done
# an uncompressed tar on standard input and through a pipe
tref "(standard input)" comp.list -n -b -e GNU
STDIN=plain-gnu.tar same "tar/plain-gnu.tar: srcgrep -n -b GNU <tar" "$rs" "$T/ref.out" "$E" "$SRCGREP" -n -b -e GNU
same "tar/plain-gnu.tar: cat tar | srcgrep -n -b GNU" "$rs" "$T/ref.out" "$E" \
    sh -c 'cat "$1" | "$2" -n -b -e GNU' sh plain-gnu.tar "$SRCGREP"
# and a named operand "-"
tref "(standard input)" comp.list -l -e GNU
STDIN=plain-gnu.tar same "tar/plain-gnu.tar: srcgrep -l GNU - <tar" "$rs" "$T/ref.out" "$E" "$SRCGREP" -l -e GNU -

# ---- 3. members that are layered, nested archives, archives without members -----------

# gzip, xz and gzip-of-gzip members, UTF-16 with a BOM and without one (the
# guess), in a tar.gz
mkdir -p mixed/logs
piece 1 300 >"$T/m1"
gzip -c "$T/m1" >mixed/logs/app.log.gz
piece 301 500 >mixed/logs/plain.log
piece 501 700 >"$T/m3"
xz -c "$T/m3" >mixed/logs/old.log.xz
piece 701 760 >"$T/m4"
gzip -c "$T/m4" | gzip -c >mixed/twice.gz.gz
piece 761 900 >"$T/m5"
{ printf '\377\376'; iconv -f UTF-8 -t UTF-16LE <"$T/m5"; } >mixed/utf16-bom.txt
piece 901 1000 >"$T/m6"
iconv -f UTF-8 -t UTF-16LE <"$T/m6" >mixed/utf16-guess.txt
{ printf '\376\377'; iconv -f UTF-8 -t UTF-16BE <"$T/m5"; } >mixed/utf16be-bom.txt
tar -C mixed --format=gnu -czf mixed.tgz logs/app.log.gz logs/plain.log logs/old.log.xz \
    twice.gz.gz utf16-bom.txt utf16-guess.txt utf16be-bom.txt
: >mixed.list
add mixed.list logs/app.log.gz "$T/m1" " > gzip"
add mixed.list logs/plain.log mixed/logs/plain.log
add mixed.list logs/old.log.xz "$T/m3" " > xz"
add mixed.list twice.gz.gz "$T/m4" " > gzip > gzip"
add mixed.list utf16-bom.txt "$T/m5" " > utf-16le"
add mixed.list utf16-guess.txt "$T/m6" " > utf-16le"
add mixed.list utf16be-bom.txt "$T/m5" " > utf-16be"
for o in -n -c "-o -b" -l; do
    # shellcheck disable=SC2086
    tref mixed.tgz mixed.list $o -e GNU
    # shellcheck disable=SC2086
    same "tar/mixed.tgz: srcgrep $o GNU" "$rs" "$T/ref.out" "$E" "$SRCGREP" $o -e GNU mixed.tgz
done
cat_cases "tar/mixed.tgz" mixed.tgz mixed.tgz mixed.list "file > gzip > tar"

# a tar inside a tar, and a tar.gz inside it too: "outer{inner}{member}"
mkdir -p nest/x
piece 1 120 >nest/x/one.txt
piece 121 300 >nest/x/two.txt
piece 301 350 >nest/first.txt
piece 351 420 >nest/last.txt
tar -C nest --format=ustar -cf nest/inner.tar x/one.txt x/two.txt
tar -C nest --format=gnu -czf nest/inner.tgz x/two.txt x/one.txt
tar -C nest --format=pax -cf outer.tar first.txt inner.tar inner.tgz last.txt
: >outer.list
add outer.list first.txt nest/first.txt
add_raw outer.list '{inner.tar}{x/one.txt}' nest/x/one.txt " > tar"
add_raw outer.list '{inner.tar}{x/two.txt}' nest/x/two.txt " > tar"
add_raw outer.list '{inner.tgz}{x/two.txt}' nest/x/two.txt " > gzip > tar"
add_raw outer.list '{inner.tgz}{x/one.txt}' nest/x/one.txt " > gzip > tar"
add outer.list last.txt nest/last.txt
grep_cases "tar/outer.tar" outer.tar outer.tar outer.list
cat_cases "tar/outer.tar" outer.tar outer.tar outer.list "file > tar"
# and the whole thing gzipped again
gzip -c outer.tar >outer.tar.gz
tref outer.tar.gz outer.list -n -e GNU
same "tar/outer.tar.gz: srcgrep -n GNU" "$rs" "$T/ref.out" "$E" "$SRCGREP" -n -e GNU outer.tar.gz
layers_ref outer.tar.gz outer.list "file > gzip > tar" >"$T/want"
same "tar/outer.tar.gz: srccat --layers" 0 "$T/want" "$E" "$SRCCAT" --layers outer.tar.gz

# An empty tar is 10 KiB of zeros, which nothing tells from any other
# zeros: searched as a file, as grep searches it.
tar -cf empty.tar -T /dev/null
for o in -c -L -l; do
    grep -P $o -e GNU empty.tar >"$T/ref.out" 2>&1
    rs=$?
    same "tar/empty.tar: srcgrep $o GNU" "$rs" "$T/ref.out" "$E" "$SRCGREP" $o -e GNU empty.tar
done
printf 'file\n' >"$T/want"
same "tar/empty.tar: srccat --layers" 0 "$T/want" "$E" "$SRCCAT" --layers empty.tar

# A tar of directories only: a container without members, so no file to
# search or write at all.
mkdir -p dirsonly/a/b dirsonly/c
tar -cf dirs.tar dirsonly
for o in "" -c -l -L -n; do
    # shellcheck disable=SC2086
    same "tar/dirs.tar: srcgrep $o GNU" 1 "$E" "$E" "$SRCGREP" $o -e GNU dirs.tar
done
same "tar/dirs.tar: srccat" 0 "$E" "$E" "$SRCCAT" dirs.tar
same "tar/dirs.tar: srccat --list" 0 "$E" "$E" "$SRCCAT" --list dirs.tar
same "tar/dirs.tar: srccat --layers" 0 "$E" "$E" "$SRCCAT" --layers dirs.tar

# ---- 4. damage ------------------------------------------------------------------------

# Five members of the whole text each: m1.txt ... m5.txt.
mkdir -p five
i=1
while [ $i -le 5 ]; do
    cp text "five/m$i.txt"
    i=$((i + 1))
done
tar -C five --format=gnu -cf five.tar m1.txt m2.txt m3.txt m4.txt m5.txt
S=$(size text)
P=$(((S + 511) / 512 * 512))
# where member i (1..5) has its header, and its data
hdr() { echo $((($1 - 1) * (512 + P))); }
dat() { echo $((($1 - 1) * (512 + P) + 512)); }
: >five12.list
add five12.list m1.txt text
add five12.list m2.txt text
: >five3.list
add five3.list m3.txt text

# splice NAME GOT HEAD MID TAIL: GOT must be the file HEAD, then a prefix of
# MID made of whole lines (possibly empty), then the file TAIL; "ok" or why not.
splice() {
    g=$2 h=$3 m=$4 t=$5
    gs=$(size "$g") hs=$(size "$h") ts=$(size "$t")
    ms=$((gs - hs - ts))
    if [ "$ms" -lt 0 ]; then
        echo "$gs bytes, fewer than the $hs + $ts of the whole members"
    elif ! cmp -s -n "$hs" "$g" "$h"; then
        echo "the members before the damaged one differ: $(describe_diff output "$h" "$g")"
    elif [ "$ts" -gt 0 ] && ! tail -c "$ts" "$g" | cmp -s - "$t"; then
        echo "the members after the damaged one differ"
    else
        tail -c +$((hs + 1)) "$g" | head -c "$ms" >"$T/splice"
        if ! cmp -s -n "$ms" "$T/splice" "$m" || [ "$ms" -gt "$(size "$m")" ]; then
            echo "the damaged member's $ms bytes are not a prefix of what it gives whole"
        elif [ "$ms" -gt 0 ] && [ -n "$(tail -c 1 "$T/splice")" ]; then
            echo "the damaged member's output ends inside a line"
        else
            echo ok
        fi
    fi
}

# check_damage NAME STATUS GOT.OUT GOT.ERR WANT.ERR HEAD MID TAIL: the
# status, the one message, and the output spliced as splice says.
check_damage() {
    n=$1 st=$2 gout=$3 gerr=$4 werr=$5
    why=""
    [ "$st" = 2 ] || why="exit status $st, expected 2"
    d=$(describe_diff stderr "$werr" "$gerr") ||
        why="${why:+$why; }$d; $(wc -l <"$gerr") lines on stderr: $(tr '\n' '|' <"$gerr" | cut -c1-300)"
    r=$(splice "$n" "$gout" "$6" "$7" "$8")
    [ "$r" = ok ] || why="${why:+$why; }$r"
    if [ -z "$why" ]; then
        pass "$n"
    else
        fail "$n" "$why; in $W (KEEP_TMP=1 keeps it)"
    fi
}

# (a) a truncated tar.gz, cut half way: the decompressed bytes end inside m3.
gzip -c five.tar >five.tgz
head -c $(($(size five.tgz) / 2)) five.tgz >cut.tgz
L=$(gzip -dc cut.tgz 2>/dev/null | wc -c)
if [ "$L" -le $(($(dat 3) + 4096)) ] || [ "$L" -ge $(($(dat 3) + S - 65536)) ]; then
    fail "tar/damage/generate" "cut.tgz gives $L bytes of tar, not well inside m3.txt ($(dat 3) to $(($(dat 3) + S)))"
fi
tref cut.tgz five12.list -n -e GNU
cp "$T/ref.out" "$T/head"
tref cut.tgz five3.list -n -e GNU
cp "$T/ref.out" "$T/mid"
printf 'srcgrep: cut.tgz{m3.txt}: gzip: unexpected end of stream\n' >"$T/want.err"
"$SRCGREP" -n -e GNU cut.tgz >"$T/got" 2>"$T/got.err"
check_damage "tar/damage: truncated tar.gz: srcgrep -n GNU" $? "$T/got" "$T/got.err" "$T/want.err" "$T/head" "$T/mid" "$E"
cat_ref cut.tgz five12.list >"$T/head"
printf '==> cut.tgz{m3.txt} <==\n' >>"$T/head"
printf 'srccat: cut.tgz{m3.txt}: gzip: unexpected end of stream\n' >"$T/want.err"
"$SRCCAT" cut.tgz >"$T/got" 2>"$T/got.err"
st=$?
# srccat writes whatever was decoded, not whole lines only
whole_lines "$T/got"
check_damage "tar/damage: truncated tar.gz: srccat" $st "$T/got" "$T/got.err" "$T/want.err" "$T/head" text "$E"
# through a pipe the same
"$SRCGREP" -c -e GNU <cut.tgz >"$T/got" 2>"$T/got.err"
st=$?
printf '(standard input){m1.txt}:%s\n(standard input){m2.txt}:%s\n' "$(grep -c GNU text)" "$(grep -c GNU text)" >"$T/head"
printf 'srcgrep: (standard input){m3.txt}: gzip: unexpected end of stream\n' >"$T/want.err"
why=""
[ "$st" = 2 ] || why="exit status $st, expected 2"
d=$(describe_diff stderr "$T/want.err" "$T/got.err") ||
    why="${why:+$why; }$d; $(wc -l <"$T/got.err") lines on stderr: $(tr '\n' '|' <"$T/got.err" | cut -c1-300)"
head -n 2 "$T/got" | cmp -s - "$T/head" || why="${why:+$why; }the counts of m1.txt and m2.txt are not $(grep -c GNU text)"
grep -q '^(standard input){m3\.txt}:[0-9]*$' "$T/got" || why="${why:+$why; }no count for m3.txt"
[ "$(wc -l <"$T/got")" = 3 ] || why="${why:+$why; }$(wc -l <"$T/got") lines, expected 3"
if [ -z "$why" ]; then
    pass "tar/damage: truncated tar.gz: srcgrep -c GNU <cut.tgz"
else
    fail "tar/damage: truncated tar.gz: srcgrep -c GNU <cut.tgz" "$why; in $W"
fi

# (b) a truncated tar, cut 10000 bytes into m3's data: those bytes are
# searched (their whole lines), the message says how many are missing.
K=10000
head -c $(($(dat 3) + K)) five.tar >cut.tar
head -c "$K" text >"$T/m3part"
whole_lines "$T/m3part"
: >cut3.list
add cut3.list m3.txt "$T/m3part"
tref cut.tar five12.list -n -e GNU
cp "$T/ref.out" "$T/want"
tref cut.tar cut3.list -n -e GNU
cat "$T/ref.out" >>"$T/want"
printf 'srcgrep: cut.tar{m3.txt}: tar: unexpected end of archive (%s bytes of the member missing)\n' $((S - K)) >"$T/want.err"
same "tar/damage: truncated tar: srcgrep -n GNU" 2 "$T/want" "$T/want.err" "$SRCGREP" -n -e GNU cut.tar
cat_ref cut.tar five12.list >"$T/want"
printf '==> cut.tar{m3.txt} <==\n' >>"$T/want"
head -c "$K" text >>"$T/want"
printf 'srccat: cut.tar{m3.txt}: tar: unexpected end of archive (%s bytes of the member missing)\n' $((S - K)) >"$T/want.err"
same "tar/damage: truncated tar: srccat" 2 "$T/want" "$T/want.err" "$SRCCAT" cut.tar
# --list reads no member: the walk fails when it passes over m3.txt
printf 'cut.tar{m1.txt}\ncut.tar{m2.txt}\ncut.tar{m3.txt}\n' >"$T/want"
printf 'srccat: cut.tar: tar: unexpected end of archive\n' >"$T/want.err"
same "tar/damage: truncated tar: srccat --list" 2 "$T/want" "$T/want.err" "$SRCCAT" --list cut.tar
# cut inside m3's header
head -c $(($(hdr 3) + 100)) five.tar >cut-header.tar
tref cut-header.tar five12.list -c -e GNU
printf 'srcgrep: cut-header.tar: tar: unexpected end of archive in a header at byte %s\n' "$(hdr 3)" >"$T/want.err"
same "tar/damage: tar cut in a header: srcgrep -c GNU" 2 "$T/ref.out" "$T/want.err" "$SRCGREP" -c -e GNU cut-header.tar

# (c) a bad checksum in m3's header (a byte of its name field after the
# name's NUL): m1 and m2 whole, then the message, naming the archive.
cp five.tar badsum.tar
printf '\377' | dd of=badsum.tar bs=1 seek=$(($(hdr 3) + 20)) conv=notrunc 2>/dev/null
tref badsum.tar five12.list -n -e GNU
printf 'srcgrep: badsum.tar: tar: bad header at byte %s\n' "$(hdr 3)" >"$T/want.err"
same "tar/damage: bad header checksum: srcgrep -n GNU" 2 "$T/ref.out" "$T/want.err" "$SRCGREP" -n -e GNU badsum.tar
cat_ref badsum.tar five12.list >"$T/want"
printf 'srccat: badsum.tar: tar: bad header at byte %s\n' "$(hdr 3)" >"$T/want.err"
same "tar/damage: bad header checksum: srccat" 2 "$T/want" "$T/want.err" "$SRCCAT" badsum.tar
# the same inside gzip: the chain up to the tar is named
gzip -c badsum.tar >badsum.tgz
tref badsum.tgz five12.list -c -e GNU
printf 'srcgrep: badsum.tgz: gzip > tar: bad header at byte %s\n' "$(hdr 3)" >"$T/want.err"
same "tar/damage: bad header checksum in a tar.gz: srcgrep -c GNU" 2 "$T/ref.out" "$T/want.err" "$SRCGREP" -c -e GNU badsum.tgz

# (d) a tar whose middle member is a truncated .gz: its message names it,
# the member after it is searched whole.
mkdir -p gzcut
piece 1 200 >gzcut/a.txt
gzip -c text | head -c $(($(gzip -c text | wc -c) / 2)) >gzcut/m.gz
piece 201 400 >gzcut/z.txt
tar -C gzcut --format=ustar -cf gzcut.tar a.txt m.gz z.txt
: >gzcut-a.list
add gzcut-a.list a.txt gzcut/a.txt
: >gzcut-m.list
add gzcut-m.list m.gz text " > gzip"
: >gzcut-z.list
add gzcut-z.list z.txt gzcut/z.txt
for a in gzcut.tar gzcut.tgz; do
    [ "$a" = gzcut.tar ] || gzip -c gzcut.tar >gzcut.tgz
    tref "$a" gzcut-a.list -n -e GNU
    cp "$T/ref.out" "$T/head"
    tref "$a" gzcut-m.list -n -e GNU
    cp "$T/ref.out" "$T/mid"
    tref "$a" gzcut-z.list -n -e GNU
    cp "$T/ref.out" "$T/tail"
    printf 'srcgrep: %s{m.gz}: gzip: unexpected end of stream\n' "$a" >"$T/want.err"
    "$SRCGREP" -n -e GNU "$a" >"$T/got" 2>"$T/got.err"
    check_damage "tar/damage: truncated .gz member in $a: srcgrep -n GNU" $? "$T/got" "$T/got.err" "$T/want.err" "$T/head" "$T/mid" "$T/tail"
    # srccat: the same message, and z.txt after it
    { printf '==> %s{a.txt} <==\n' "$a"; cat gzcut/a.txt; printf '==> %s{m.gz} <==\n' "$a"; } >"$T/head"
    { printf '==> %s{z.txt} <==\n' "$a"; cat gzcut/z.txt; } >"$T/tail"
    printf 'srccat: %s{m.gz}: gzip: unexpected end of stream\n' "$a" >"$T/want.err"
    "$SRCCAT" "$a" >"$T/got" 2>"$T/got.err"
    st=$?
    # the bytes of m.gz are not whole lines: cut them to whole lines
    # between the head and the tail (the cut ends mid-line, so srccat put
    # a newline before the next header: it goes with the partial line)
    hs=$(size "$T/head") ts=$(size "$T/tail") gs=$(size "$T/got")
    { head -c "$hs" "$T/got"; tail -c +$((hs + 1)) "$T/got" | head -c $((gs - hs - ts - 1)) >"$T/m.out"
      whole_lines "$T/m.out"; cat "$T/m.out"; tail -c "$ts" "$T/got"; } >"$T/got2"
    check_damage "tar/damage: truncated .gz member in $a: srccat" $st "$T/got2" "$T/got.err" "$T/want.err" "$T/head" text "$T/tail"
    # -c: a count for each of the three
    printf '%s{a.txt}:%s\n' "$a" "$(grep -c GNU gzcut/a.txt)" >"$T/want"
    printf '%s{z.txt}:%s\n' "$a" "$(grep -c GNU gzcut/z.txt)" >>"$T/want"
    "$SRCGREP" -c -e GNU "$a" 2>/dev/null | grep -v '{m\.gz}' >"$T/got"
    same "tar/damage: truncated .gz member in $a: srcgrep -c GNU, the others" 0 "$T/want" "$E" cat "$T/got"
done

# ---- 5. a big member, the decoding ahead on a thread ------------------------------------------

mkdir -p big
i=0
while [ $i -lt 20 ]; do
    sed "s/^/$i: /" text
    i=$((i + 1))
done >big/big.txt
piece 1 50 >big/before.txt
piece 51 100 >big/after.txt
tar -C big --format=gnu -czf big.tgz before.txt big.txt after.txt
if [ "$(size big.tgz)" -le 1048576 ]; then
    fail "tar/big: generate" "big.tgz has $(size big.tgz) bytes, not over 1 MiB"
fi
: >big.list
add big.list before.txt big/before.txt
add big.list big.txt big/big.txt
add big.list after.txt big/after.txt
for o in -n -c "-b -o" -l; do
    # shellcheck disable=SC2086
    tref big.tgz big.list $o -e 'GNU|^[A-Z][a-z]+ '
    for m in "" --mmap --no-mmap; do
        # shellcheck disable=SC2086
        same "tar/big.tgz: srcgrep $m $o" "$rs" "$T/ref.out" "$E" "$SRCGREP" $m $o -e 'GNU|^[A-Z][a-z]+ ' big.tgz
    done
done
tref "(standard input)" big.list -n -e GNU
STDIN=big.tgz same "tar/big.tgz: srcgrep -n GNU <big.tgz" "$rs" "$T/ref.out" "$E" "$SRCGREP" -n -e GNU
cat_ref big.tgz big.list >"$T/want"
for m in "" --no-mmap; do
    # shellcheck disable=SC2086
    same "tar/big.tgz: srccat $m" 0 "$T/want" "$E" "$SRCCAT" $m big.tgz
done
# cut short inside big.txt, through the thread: the same single message
head -c $(($(size big.tgz) * 2 / 3)) big.tgz >cut-big.tgz
: >bigb.list
add bigb.list before.txt big/before.txt
: >bigm.list
add bigm.list big.txt big/big.txt
tref cut-big.tgz bigb.list -n -e GNU
cp "$T/ref.out" "$T/head"
tref cut-big.tgz bigm.list -n -e GNU
cp "$T/ref.out" "$T/mid"
printf 'srcgrep: cut-big.tgz{big.txt}: gzip: unexpected end of stream\n' >"$T/want.err"
for m in "" --no-mmap; do
    # shellcheck disable=SC2086
    "$SRCGREP" $m -n -e GNU cut-big.tgz >"$T/got" 2>"$T/got.err"
    check_damage "tar/big: truncated big.tgz: srcgrep $m -n GNU" $? "$T/got" "$T/got.err" "$T/want.err" "$T/head" "$T/mid" "$E"
done
exit 0
