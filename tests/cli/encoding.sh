#!/bin/sh
# Text encodings: byte order marks, UTF-16 and UTF-32 in both byte orders,
# the UTF-16 guess, --encoding (iconv charsets and our own converters),
# invalid input, under compression, on standard input.
#
# The texts are real: /usr/share/common-licenses/GPL-3 and one more
# licence; a man page sample with accented Latin letters (the Latin-1 table
# of man7/iso_8859-1.7 and pages with accented names, or the first pages
# of /usr/share/man that have non-ASCII characters and convert to Latin-1);
# a Japanese sample written below; and a "world" sample (Greek, Cyrillic,
# CJK, characters beyond U+FFFF) with man7/koi8-r.7 after it.
#
# 1. Round trips: each text, converted by "iconv -f UTF-8 -t ENC" (BOMs
#    added with printf), must decode to what "iconv -f ENC -t UTF-8" gives
#    back, which is the text itself: srccat byte for byte, srccat --layers,
#    and srcgrep over patterns (one or more non-ASCII) and option sets,
#    in C.UTF-8 and in C, against GNU grep -P over the text.  UTF-16 and
#    UTF-32 with and without a BOM, UTF-8 with one, Latin-1, CP1252,
#    Shift_JIS, EUC-JP, ISO-2022-JP, GB18030, CRLF text; the UTF-16 guess
#    and its first 4 KiB.
# 2. The same under gzip, xz and zstd; standard input, a pipe (also one
#    written 3 bytes at a time), --mmap and --no-mmap.
# 3. A BOM wins over --encoding; --encoding=none; --no-utf16-guess; --raw.
# 4. Encoding names: an unknown one (message, status 2), spellings.
# 5. Invalid input becomes U+FFFD and the search goes on.
# 6. -b counts decoded bytes.
# 7. Binary detection on the decoded text.
# 8. Several files of different encodings in one run, and -r.
# 9. Large files (units and characters split between windows, the
#    readahead thread).
#
# The reference decoders are shell commands in single quotes, run with the
# file as $1: hence no expansion there.
# shellcheck disable=SC2016
. "${TESTS:-$(dirname "$0")/..}/lib.sh"

for tool in iconv gzip xz zstd grep; do
    if ! command -v "$tool" >/dev/null 2>&1; then
        fail encoding "$tool is missing (tools/deps.sh check installs it)"
        exit 0
    fi
done
if ! grep --version 2>/dev/null | grep -q 'GNU grep'; then
    fail encoding "no GNU grep to compare with"
    exit 0
fi
# The comparisons run in a UTF-8 locale (as a user's shell would) and some
# in C as well.
U=C.UTF-8
if [ "$(printf '\303\251\n' | LC_ALL=$U grep -c -P '^.$' 2>/dev/null)" != 1 ]; then
    fail encoding "no $U locale on this machine (grep -P does not see one character in é)"
    exit 0
fi

W=$T/w
mkdir -p "$W" "$T/ref"
cd "$W" || exit 1
: >"$T/empty"
E=$T/empty
RC='\357\277\275'   # U+FFFD in UTF-8, for printf

# ---- helpers -----------------------------------------------------------------

# same NAME STATUS OUT ERR CMD...: runs CMD in the locale ${LOC:-C} with
# stdin from ${STDIN:-/dev/null}; its stdout must equal the file OUT, its
# stderr the file ERR and its exit status STATUS.
same() {
    name=$1 want=$2 wout=$3 werr=$4
    shift 4
    LC_ALL=${LOC:-C} "$@" <"${STDIN:-/dev/null}" >"$T/.out" 2>"$T/.err"
    got=$?
    why=""
    [ "$got" = "$want" ] || why="exit status $got, expected $want"
    # (cmp first: describe_diff costs a subshell)
    cmp -s "$wout" "$T/.out" || why="${why:+$why; }$(describe_diff stdout "$wout" "$T/.out")"
    cmp -s "$werr" "$T/.err" || why="${why:+$why; }$(describe_diff stderr "$werr" "$T/.err")"
    if [ -z "$why" ]; then
        pass "$name"
    else
        cmd="LC_ALL=${LOC:-C} $(shquote "$@")"
        [ -z "${STDIN:-}" ] || cmd="$cmd <$STDIN"
        fail "$name" "$why; command, in $W (KEEP_TMP=1 keeps it): $cmd"
    fi
}

# put FILE FORMAT: FILE holds printf FORMAT (octal escapes for the bytes).
put() {
    f=$1
    shift
    # shellcheck disable=SC2059
    printf "$@" >"$f"
}

# u16le FORMAT / u16be FORMAT / u32le FORMAT / u32be FORMAT: printf
# FORMAT, in UTF-16LE...
u16le() {
    # shellcheck disable=SC2059
    printf "$1" | iconv -f UTF-8 -t UTF-16LE
}
u16be() {
    # shellcheck disable=SC2059
    printf "$1" | iconv -f UTF-8 -t UTF-16BE
}
u32le() {
    # shellcheck disable=SC2059
    printf "$1" | iconv -f UTF-8 -t UTF-32LE
}
u32be() {
    # shellcheck disable=SC2059
    printf "$1" | iconv -f UTF-8 -t UTF-32BE
}

# gref LOCALE OPT...: GNU grep -P over standard input into $T/ref.out and
# $T/ref.err ("grep:" read as "srcgrep:"), its status in $rs.
gref() {
    l=$1
    shift
    LC_ALL=$l grep -P "$@" >"$T/ref.out" 2>"$T/ref.err"
    rs=$?
    [ ! -s "$T/ref.err" ] || sed -i 's/^grep:/srcgrep:/' "$T/ref.err"
}

# refdecode FILE [CHARSET]: the text of FILE as the command-line tools
# decode it: gzip, xz or zstd by the name, then a BOM by its bytes (iconv
# for UTF-16 and UTF-32; a UTF-8 BOM dropped), else CHARSET if given (by
# iconv), else UTF-16 without a BOM if the name says so (.16le, .16be: the
# files the guess must take), else the bytes as they are.
refdecode() {
    case $1 in
    *.gz) gzip -dc "$1" ;;
    *.xz) xz -dc "$1" ;;
    *.zst) zstd -q -dc "$1" ;;
    *) cat "$1" ;;
    esac >"$T/rd.raw"
    case $(od -An -tx1 -N 4 "$T/rd.raw" | tr -d ' \n') in
    fffe0000* | 0000feff*) iconv -f UTF-32 -t UTF-8 "$T/rd.raw" ;;
    fffe* | feff*) iconv -f UTF-16 -t UTF-8 "$T/rd.raw" ;;
    efbbbf*) tail -c +4 "$T/rd.raw" ;;
    *)
        if [ -n "${2:-}" ]; then
            iconv -f "$2" -t UTF-8 "$T/rd.raw"
        else
            case $1 in
            *.16le | *.16le.*) iconv -f UTF-16LE -t UTF-8 "$T/rd.raw" ;;
            *.16be | *.16be.*) iconv -f UTF-16BE -t UTF-8 "$T/rd.raw" ;;
            *) cat "$T/rd.raw" ;;
            esac
        fi
        ;;
    esac
}

# Option sets of the matrix, one a line; "C/" runs one in the C locale
# instead of C.UTF-8 (both srcgrep and grep).
printf '%s\n' "" -n -c "-v -c" -o -b "-o -b" -w -x -i "-i -o" "-n -i -w" "C/-n" "C/-o -b" >"$T/opts.full"
printf '%s\n' -n -c "-o -b" "-i -c" "C/-c" >"$T/opts.short"

# matrix FILE SAMPLE OPTSET [SRCGREP_OPT...]: for each option set of
# $T/opts.OPTSET and each pattern of $T/SAMPLE.pats, srcgrep SRCGREP_OPT
# OPTS -e PAT FILE against grep -P OPTS -e PAT over SAMPLE.txt (the decoded
# text: the caller has checked that iconv decodes FILE to it); one line per
# option set.  Grep's results are kept for the next files of the sample.
matrix() {
    mf=$1 ms=$2 mo=$3
    shift 3
    oi=0
    while IFS= read -r o; do
        oi=$((oi + 1))
        loc=$U
        case $o in C/*) loc=C o=${o#C/} ;; esac
        why="" pi=0
        while IFS= read -r p; do
            pi=$((pi + 1))
            r=$T/ref/$ms.$mo.$oi.$pi
            if [ ! -f "$r.rc" ]; then
                # shellcheck disable=SC2086
                LC_ALL=$loc grep -P $o -e "$p" <"$ms.txt" >"$r.out" 2>"$r.err"
                echo $? >"$r.rc"
            fi
            read -r want <"$r.rc"
            # shellcheck disable=SC2086
            LC_ALL=$loc "$SRCGREP" "$@" $o -e "$p" "$mf" </dev/null >"$T/.out" 2>"$T/.err"
            got=$?
            [ "$got" = "$want" ] || why="exit status $got, grep's $want"
            [ -s "$r.err" ] && why="${why:+$why; }grep wrote to stderr: $(head -n 1 "$r.err")"
            cmp -s "$r.out" "$T/.out" || why="${why:+$why; }$(describe_diff stdout "$r.out" "$T/.out")"
            [ -s "$T/.err" ] && why="${why:+$why; }srcgrep wrote to stderr: $(head -n 1 "$T/.err")"
            if [ -n "$why" ]; then
                # shellcheck disable=SC2086
                why="$why; command, in $W: LC_ALL=$loc $(shquote "$SRCGREP" "$@" $o -e "$p" "$mf") vs LC_ALL=$loc grep -P $o -e $(shquote "$p") $ms.txt"
                break
            fi
        done <"$T/$ms.pats"
        n="encoding/$mf: srcgrep${*:+ $*}${o:+ $o} (each pattern)"
        [ "$loc" = C ] && n="encoding/$mf: LC_ALL=C srcgrep${*:+ $*}${o:+ $o} (each pattern)"
        if [ -n "$why" ]; then
            fail "$n" "$why"
        else
            pass "$n"
        fi
    done <"$T/opts.$mo"
}

# roundtrip FILE SAMPLE LAYERS DECODE OPTSET [OPT...]: DECODE, a shell
# command with the file as $1, is the reference decoder (iconv); it must
# give back SAMPLE.txt.  Then srccat OPT... FILE writes the same bytes,
# srccat --layers OPT... FILE prints LAYERS, and the matrix runs.
roundtrip() {
    rf=$1 rsm=$2 rl=$3 rd=$4 ro=$5
    shift 5
    sh -c "$rd" sh "$rf" >"$T/dec" 2>/dev/null
    if ! cmp -s "$T/dec" "$rsm.txt"; then
        # the reference itself is wrong: the cases below would mean nothing
        fail "encoding/$rf/reference" "sh -c '$rd' sh $rf does not give back $rsm.txt (in $W)"
        return
    fi
    same "encoding/$rf: srccat${*:+ $*}" 0 "$T/dec" "$E" "$SRCCAT" "$@" "$rf"
    printf '%s\n' "$rl" >"$T/layers"
    same "encoding/$rf: srccat --layers${*:+ $*}" 0 "$T/layers" "$E" "$SRCCAT" --layers "$@" "$rf"
    matrix "$rf" "$rsm" "$ro" "$@"
}

# variants SAMPLE: SAMPLE.txt in UTF-8 with a BOM, and in UTF-16 and UTF-32
# of both byte orders with and without one.
variants() {
    s=$1
    { printf '\357\273\277'; cat "$s.txt"; } >"$s.u8bom"
    iconv -f UTF-8 -t UTF-16LE "$s.txt" >"$s.16le"
    iconv -f UTF-8 -t UTF-16BE "$s.txt" >"$s.16be"
    iconv -f UTF-8 -t UTF-32LE "$s.txt" >"$s.32le"
    iconv -f UTF-8 -t UTF-32BE "$s.txt" >"$s.32be"
    { printf '\377\376'; cat "$s.16le"; } >"$s.16le.bom"
    { printf '\376\377'; cat "$s.16be"; } >"$s.16be.bom"
    { printf '\377\376\000\000'; cat "$s.32le"; } >"$s.32le.bom"
    { printf '\000\000\376\377'; cat "$s.32be"; } >"$s.32be.bom"
}

# ---- the texts -----------------------------------------------------------------

# Licences: ASCII.
if [ ! -f /usr/share/common-licenses/GPL-3 ]; then
    fail encoding "no /usr/share/common-licenses/GPL-3 on this machine"
    exit 0
fi
cp -L /usr/share/common-licenses/GPL-3 gpl.txt
for l in Apache-2.0 LGPL-2.1 MPL-2.0 Artistic GPL-2; do
    if [ -f "/usr/share/common-licenses/$l" ]; then
        cp -L "/usr/share/common-licenses/$l" lic.txt
        break
    fi
done
if [ ! -s lic.txt ]; then
    fail encoding "no second licence in /usr/share/common-licenses"
    exit 0
fi

# Man pages with accented Latin letters, each of which must be valid UTF-8
# that Latin-1 and CP1252 can hold: first a fixed list, and if fewer than
# two of it are on this machine, the first such pages in name order.
latin_page() {
    gzip -dc "$1" >"$T/page" 2>/dev/null || return 1
    grep -q -P '[\x80-\xff]' "$T/page" || return 1
    iconv -f UTF-8 -t ISO-8859-1 "$T/page" >/dev/null 2>&1 || return 1
    iconv -f UTF-8 -t CP1252 "$T/page" >/dev/null 2>&1 || return 1
    cat "$T/page" >>man.txt
}
: >man.txt
nman=0
for p in man7/iso_8859-1.7.gz man7/hier.7.gz man8/adduser.8.gz man3/mbstowcs.3.gz \
    man1/flock.1.gz man1/h2xs.1.gz; do
    latin_page "/usr/share/man/$p" && nman=$((nman + 1))
done
if [ "$nman" -lt 2 ]; then
    for f in $(find /usr/share/man/man[1-8] -name '*.gz' -type f 2>/dev/null | LC_ALL=C sort); do
        [ "$nman" -lt 6 ] || break
        latin_page "$f" && nman=$((nman + 1))
    done
fi
if [ "$(grep -c -P '[\x80-\xff]' man.txt)" -lt 10 ]; then
    fail encoding "too few man pages with accented letters under /usr/share/man ($nman)"
    exit 0
fi

# Japanese, which Shift_JIS, EUC-JP, ISO-2022-JP and GB18030 can all hold
# (no backslash or tilde: Shift_JIS reads 0x5C and 0x7E as yen and
# overline).  It is mostly not ASCII: the UTF-16 guess does not take it.
cat >ja.txt <<'EOF'
日本語のテキストを検索するためのサンプルです。
この文書は ＵＴＦ８ で書かれ、Shift_JIS や UTF-16 に変換されます。
小文字の ｕｔｆ８ も同じ単語として -i で見つかるはずです。
東京、大阪、京都は日本の都市です。
半角カナ: ｶﾀｶﾅ ﾃｽﾄ
テスト行: grep と srcgrep の出力は同じでなければならない。
ひらがなだけのぎょう
カタカナダケノギョウ
漢字混在行 kanji mixed line 123

「括弧」と『二重括弧』、句読点。
最後の行に日本語と English を混ぜる。
EOF

# The world: mostly ASCII at the start (for the UTF-16 guess), Greek,
# Cyrillic, CJK, Hangul, Hebrew, Arabic and characters above U+FFFF
# (surrogate pairs in UTF-16), then a real page of Cyrillic letters.
cat >world.txt <<'EOF'
This sample mixes scripts, and characters beyond the Basic Multilingual Plane.
Line three has a grinning face 😀 and a G clef 𝄞 from the supplementary planes.
Greek: Ελληνικά, αλφάβητο, ΑΛΦΑΒΗΤΟ; Russian: Русский язык, ЯЗЫК.
Chinese 中文, Korean 한국어, Hebrew עברית, Arabic العربية, in one line.
Emoji in a row: 😀😀😀 then 🂡 the ace of spades and 𠀋 from CJK extension B.
Music: 𝄞 clef, 𝄢 bass clef; mathematics: 𝔸 𝕏 ∀x ∃y.
The end of the hand-written part, plain ASCII again.
EOF
for p in man7/koi8-r.7.gz man7/koi8-u.7.gz man7/cp1251.7.gz; do
    if gzip -dc "/usr/share/man/$p" >"$T/page" 2>/dev/null && iconv -f UTF-8 -t UTF-16LE "$T/page" >/dev/null 2>&1; then
        cat "$T/page" >>world.txt
        break
    fi
done

# Patterns: each has a non-ASCII one or two, one that -x matches on whole
# lines, and -i meets letters whose cases differ (É/é, Ｕ/ｕ, Я/я).
printf '%s\n' GNU 'Free Software Foundation, Inc\.' '[A-Z][A-Z ,]+[A-Z]' copyright 'é' >"$T/gpl.pats"
cp "$T/gpl.pats" "$T/lic.pats"
printf '%s\n' 'é' 'Nicolás|Jörg|Grüße|©' '\.SH [A-Z ]+' 'LETTER [A-Z] WITH \w+' 'ß|ÿ' >"$T/man.pats"
printf '%s\n' '日本語?' 'ＵＴＦ８' '[ぁ-ゖ]+' 'ｶﾀｶﾅ|カタカナ' srcgrep >"$T/ja.pats"
printf '%s\n' '😀' '𝄞 \w+' 'я' '[Α-Ωα-ω]+' '\d+\t\d+\t[0-9A-F]{2}\t.*' >"$T/world.pats"

# Windows text: the man sample with CRLF line ends.
sed 's/$/\r/' man.txt >crlf.txt
printf '%s\n' 'é' '\.SH [A-Z ]+\r' 'Nicolás|Jörg|Grüße|©' '\r$' >"$T/crlf.pats"

for s in gpl lic man ja world crlf; do
    variants "$s"
done

# ---- 1. round trips ----------------------------------------------------------------

# a BOM says the byte order
D16='iconv -f UTF-16 -t UTF-8'
D32='iconv -f UTF-32 -t UTF-8'
I16="$D16 \"\$1\""
I32="$D32 \"\$1\""
for s in gpl lic man ja world; do
    # the same option sets on every file would be slow: all of them on
    # the UTF-16 files, a few on the others
    roundtrip "$s.u8bom" "$s" 'file > utf-8' 'tail -c +4 "$1"' short
    roundtrip "$s.16le.bom" "$s" 'file > utf-16le' "$I16" full
    roundtrip "$s.16be.bom" "$s" 'file > utf-16be' "$I16" short
    roundtrip "$s.32le.bom" "$s" 'file > utf-32le' "$I32" short
    roundtrip "$s.32be.bom" "$s" 'file > utf-32be' "$I32" short
    if [ "$s" = ja ]; then
        # not mostly ASCII: not guessed, so named
        roundtrip "$s.16le" "$s" 'file > utf-16le' 'iconv -f UTF-16LE -t UTF-8 "$1"' full --encoding=utf-16le
        roundtrip "$s.16be" "$s" 'file > utf-16be' 'iconv -f UTF-16BE -t UTF-8 "$1"' short --encoding=utf-16be
        printf 'file\n' >"$T/layers"
        same "encoding/ja.16le: not mostly ASCII, not guessed: srccat --layers" 0 "$T/layers" "$E" "$SRCCAT" --layers ja.16le
    else
        # the guess
        roundtrip "$s.16le" "$s" 'file > utf-16le' 'iconv -f UTF-16LE -t UTF-8 "$1"' full
        roundtrip "$s.16be" "$s" 'file > utf-16be' 'iconv -f UTF-16BE -t UTF-8 "$1"' short
    fi
    roundtrip "$s.32le" "$s" 'file > utf-32le' 'iconv -f UTF-32LE -t UTF-8 "$1"' short --encoding=utf-32le
    roundtrip "$s.32be" "$s" 'file > utf-32be' 'iconv -f UTF-32BE -t UTF-8 "$1"' short --encoding=utf-32be
done

# CRLF: with a BOM, and guessed (carriage returns are text to the guess).
roundtrip crlf.16le.bom crlf 'file > utf-16le' "$I16" short
roundtrip crlf.16le crlf 'file > utf-16le' 'iconv -f UTF-16LE -t UTF-8 "$1"' short
iconv -f UTF-8 -t CP1252 crlf.txt >crlf.cp1252
roundtrip crlf.cp1252 crlf 'file > cp1252' 'iconv -f CP1252 -t UTF-8 "$1"' short --encoding=cp1252

# The guess reads the first 512 bytes, then the first 4 KiB: 300 UTF-16
# units of Japanese, then ASCII, is mostly ASCII in 4 KiB but not in 512
# bytes, and is not guessed (--encoding names it); a control character at
# byte 1068 (past the first 512 bytes, within 4 KiB) makes it no text, one
# at byte 4308 is too far to count.  A pipe gives the same answers.
{
    i=0
    while [ $i -lt 30 ]; do printf '日本語のテキスト\n'; i=$((i + 1)); done
    i=0
    while [ $i -lt 60 ]; do printf 'plain ascii line number %d for the guess\n' $i; i=$((i + 1)); done
} >ga.txt
cp "$T/ja.pats" "$T/ga.pats"
iconv -f UTF-8 -t UTF-16LE ga.txt >ga.16le
iconv -f UTF-8 -t UTF-16BE ga.txt >ga.16be
{
    i=0
    while [ $i -lt 20 ]; do printf 'plain ascii line number %d\n' $i; i=$((i + 1)); done
    printf 'ctl \001 here\n'
    while [ $i -lt 40 ]; do printf 'plain ascii line number %d\n' $i; i=$((i + 1)); done
} >gb.txt
iconv -f UTF-8 -t UTF-16LE gb.txt >gb.16le
{
    i=0
    while [ $i -lt 80 ]; do printf 'plain ascii line number %d\n' $i; i=$((i + 1)); done
    printf 'ctl \001 here\n'
    while [ $i -lt 100 ]; do printf 'plain ascii line number %d\n' $i; i=$((i + 1)); done
} >gc.txt
printf '%s\n' 'ctl' 'number 1.' >"$T/gc.pats"
iconv -f UTF-8 -t UTF-16LE gc.txt >gc.16le
for m in "" --mmap --no-mmap; do
    expect "encoding/ga.16le: mostly not ASCII in 512 bytes: not guessed: srccat --layers${m:+ $m}" 0 'file\n' '' \
        "$SRCCAT" --layers $m ga.16le
    roundtrip ga.16le ga 'file > utf-16le' 'iconv -f UTF-16LE -t UTF-8 "$1"' short $m --encoding=utf-16le
    roundtrip ga.16be ga 'file > utf-16be' 'iconv -f UTF-16BE -t UTF-8 "$1"' short $m --encoding=utf-16be
    expect "encoding/gb.16le: a control character at byte 1068: not guessed: srccat --layers${m:+ $m}" 0 'file\n' '' \
        "$SRCCAT" --layers $m gb.16le
    same "encoding/gb.16le: not guessed: srccat${m:+ $m}" 0 gb.16le "$E" "$SRCCAT" $m gb.16le
    roundtrip gc.16le gc 'file > utf-16le' 'iconv -f UTF-16LE -t UTF-8 "$1"' short $m
done
# the same through a pipe that gives 600 bytes, then the rest: no change
# (the base is "fd" there, "file" for the file)
for f in ga.16le gb.16le gc.16le; do
    want=$("$SRCCAT" --layers "$f" | sed 's/^[a-z]*//')
    got=$({ head -c 600 "$f"; sleep 0.2; tail -c +601 "$f"; } | "$SRCCAT" --layers | sed 's/^[a-z]*//')
    if [ "$got" = "$want" ]; then
        pass "encoding/$f: the guess on a slow pipe agrees with the file"
    else
        fail "encoding/$f: the guess on a slow pipe" "file gives '$want', pipe '$got'"
    fi
done
# Short files: two units of ASCII are enough, one is not.
u16le 'hi\n' >tiny.16le
expect "encoding/tiny.16le: 6 bytes, guessed: srcgrep -n i" 0 '1:hi\n' '' "$SRCGREP" -n i tiny.16le
STDIN=tiny.16le expect "encoding/tiny.16le: 6 bytes on standard input, guessed: srcgrep -n i" 0 '1:hi\n' '' "$SRCGREP" -n i
expect "encoding/tiny.16le: srccat --layers" 0 'file > utf-16le\n' '' "$SRCCAT" --layers tiny.16le
u16le 'h' >one.16le
expect "encoding/one.16le: one unit, not guessed: srccat --layers" 0 'file\n' '' "$SRCCAT" --layers one.16le
# --encoding turns the guess off
expect "encoding/gpl.16le: srccat --layers --encoding=latin1: not guessed" 0 'file > latin1\n' '' \
    "$SRCCAT" --layers --encoding=latin1 gpl.16le
expect "encoding/gpl.16le: srccat --layers --encoding=utf-8: not guessed" 0 'file\n' '' \
    "$SRCCAT" --layers --encoding=utf-8 gpl.16le

# Other charsets, through iconv.
iconv -f UTF-8 -t ISO-8859-1 man.txt >man.latin1
iconv -f UTF-8 -t CP1252 man.txt >man.cp1252
iconv -f UTF-8 -t SHIFT_JIS ja.txt >ja.sjis
iconv -f UTF-8 -t EUC-JP ja.txt >ja.eucjp
# ISO-2022-JP has no half-width katakana: the text without that line
grep -v 'ｶﾀｶﾅ' ja.txt >jb.txt
cp "$T/ja.pats" "$T/jb.pats"
iconv -f UTF-8 -t ISO-2022-JP jb.txt >jb.iso2022jp
iconv -f UTF-8 -t GB18030 ja.txt >ja.gb18030
iconv -f UTF-8 -t GB18030 world.txt >world.gb18030
roundtrip man.latin1 man 'file > latin1' 'iconv -f ISO-8859-1 -t UTF-8 "$1"' full --encoding=latin1
roundtrip man.cp1252 man 'file > cp1252' 'iconv -f CP1252 -t UTF-8 "$1"' full --encoding=cp1252
roundtrip ja.sjis ja 'file > shift_jis' 'iconv -f SHIFT_JIS -t UTF-8 "$1"' full --encoding=shift_jis
roundtrip ja.eucjp ja 'file > euc-jp' 'iconv -f EUC-JP -t UTF-8 "$1"' short --encoding=euc-jp
roundtrip jb.iso2022jp jb 'file > iso-2022-jp' 'iconv -f ISO-2022-JP -t UTF-8 "$1"' short --encoding=iso-2022-jp
roundtrip ja.gb18030 ja 'file > gb18030' 'iconv -f GB18030 -t UTF-8 "$1"' short --encoding=gb18030
roundtrip world.gb18030 world 'file > gb18030' 'iconv -f GB18030 -t UTF-8 "$1"' full --encoding=gb18030

# CP1258 holds a base letter back for an accent that may follow: the last
# one, at the very end of the file, must still come out.
printf 'Ti\303\252\314\201ng Vi\303\252\314\243t\nthe end is a' | iconv -f UTF-8 -t CP1258 >vi.cp1258
iconv -f CP1258 -t UTF-8 vi.cp1258 >"$T/dec"
same "encoding/vi.cp1258: srccat --encoding=cp1258, a letter held back at the end" 0 "$T/dec" "$E" \
    "$SRCCAT" --encoding=cp1258 vi.cp1258

# ---- 2. under compression, on standard input -------------------------------------

gzip -c man.16le.bom >man.16le.bom.gz
xz -c man.16le.bom >man.16le.bom.xz
zstd -q -c man.16le.bom >man.16le.bom.zst
gzip -c gpl.16le.bom >gpl.16le.bom.gz
gzip -c world.16be >world.16be.gz            # the guess under gzip
xz -c ja.32be.bom >ja.32be.bom.xz
gzip -c man.latin1 >man.latin1.gz
zstd -q -c ja.sjis >ja.sjis.zst
roundtrip man.16le.bom.gz man 'file > gzip > utf-16le' "gzip -dc \"\$1\" | $D16" full
roundtrip man.16le.bom.xz man 'file > xz > utf-16le' "xz -dc \"\$1\" | $D16" short
roundtrip man.16le.bom.zst man 'file > zstd > utf-16le' "zstd -q -dc \"\$1\" | $D16" short
roundtrip gpl.16le.bom.gz gpl 'file > gzip > utf-16le' "gzip -dc \"\$1\" | $D16" short
roundtrip world.16be.gz world 'file > gzip > utf-16be' 'gzip -dc "$1" | iconv -f UTF-16BE -t UTF-8' short
roundtrip ja.32be.bom.xz ja 'file > xz > utf-32be' "xz -dc \"\$1\" | $D32" short
roundtrip man.latin1.gz man 'file > gzip > latin1' 'gzip -dc "$1" | iconv -f ISO-8859-1 -t UTF-8' short --encoding=latin1
roundtrip ja.sjis.zst ja 'file > zstd > shift_jis' 'zstd -q -dc "$1" | iconv -f SHIFT_JIS -t UTF-8' short --encoding=shift_jis

# io FILE SAMPLE LAYERS PAT [OPT...]: FILE on standard input (redirected,
# then through a pipe), mapped and read: srccat writes SAMPLE.txt and
# finds the layers (the base "fd"), srcgrep OPT... finds what grep finds.
io() {
    f=$1 s=$2 l=$3 p=$4
    shift 4
    printf 'fd%s\n' "${l#file}" >"$T/layers"
    STDIN=$f same "encoding/$f: srccat --layers${*:+ $*} <$f" 0 "$T/layers" "$E" "$SRCCAT" --layers "$@"
    same "encoding/$f: cat $f | srccat --layers${*:+ $*}" 0 "$T/layers" "$E" \
        sh -c 'f=$1; shift; cat "$f" | "$@"' sh "$f" "$SRCCAT" --layers "$@"
    STDIN=$f same "encoding/$f: srccat${*:+ $*} <$f" 0 "$s.txt" "$E" "$SRCCAT" "$@"
    same "encoding/$f: cat $f | srccat${*:+ $*}" 0 "$s.txt" "$E" \
        sh -c 'f=$1; shift; cat "$f" | "$@"' sh "$f" "$SRCCAT" "$@"
    LOC=$U
    gref $U -n -e "$p" <"$s.txt"
    STDIN=$f same "encoding/$f: srcgrep${*:+ $*} -n '$p' <$f" "$rs" "$T/ref.out" "$T/ref.err" "$SRCGREP" "$@" -n -e "$p"
    gref $U -H -o -b -e "$p" <"$s.txt"   # named "(standard input)" by both
    STDIN=$f same "encoding/$f: srcgrep${*:+ $*} -H -o -b '$p' <$f" "$rs" "$T/ref.out" "$T/ref.err" "$SRCGREP" "$@" -H -o -b -e "$p"
    gref $U -c -i -e "$p" <"$s.txt"
    same "encoding/$f: cat $f | srcgrep${*:+ $*} -c -i '$p'" "$rs" "$T/ref.out" "$T/ref.err" \
        sh -c 'f=$1; shift; cat "$f" | "$@"' sh "$f" "$SRCGREP" "$@" -c -i -e "$p"
    gref $U -n -w -e "$p" <"$s.txt"
    for m in --mmap --no-mmap; do
        same "encoding/$f: srcgrep $m${*:+ $*} -n -w '$p'" "$rs" "$T/ref.out" "$T/ref.err" "$SRCGREP" "$m" "$@" -n -w -e "$p" "$f"
    done
    LOC=
}
io man.16le.bom man 'file > utf-16le' 'é'
io man.16le.bom.gz man 'file > gzip > utf-16le' 'é'
io man.16le.bom.xz man 'file > xz > utf-16le' 'Jörg|é'
io man.16le.bom.zst man 'file > zstd > utf-16le' 'É'
io man.16be man 'file > utf-16be' 'é'
io man.u8bom man 'file > utf-8' 'é'
io world.16be.gz world 'file > gzip > utf-16be' '😀|я'
io world.32le world 'file > utf-32le' '😀|я' --encoding=utf-32le
io man.latin1 man 'file > latin1' 'é' --encoding=latin1
io ja.sjis.zst ja 'file > zstd > shift_jis' 'ＵＴＦ８' --encoding=shift_jis

# A pipe written 3 bytes at a time: code units, pairs and multibyte
# characters may arrive cut, and are completed from the next read.
for fe in world.16le.bom world.16be world.32be.bom ja.sjis:shift_jis jb.iso2022jp:iso-2022-jp ja.gb18030:gb18030; do
    f=${fe%%:*} eo=""
    [ "$f" = "$fe" ] || eo=--encoding=${fe#*:}
    s=${f%%.*}
    # shellcheck disable=SC2016
    same "encoding/$f: dd bs=3 if=$f | srccat${eo:+ $eo}" 0 "$s.txt" "$E" \
        sh -c 'dd bs=3 if="$1" 2>/dev/null | "$2" $3' sh "$f" "$SRCCAT" "$eo"
done

# ---- 3. a BOM wins; none; no guess ---------------------------------------------------

# A BOM wins over --encoding (the text is searched as UTF-16, UTF-32, UTF-8).
roundtrip man.16le.bom man 'file > utf-16le' "$I16" short --encoding=latin1
roundtrip man.32be.bom man 'file > utf-32be' "$I32" short --encoding=shift_jis
roundtrip man.u8bom man 'file > utf-8' 'tail -c +4 "$1"' short --encoding=cp1252
roundtrip man.16be.bom man 'file > utf-16be' "$I16" short --encoding=utf-16le
roundtrip man.16le.bom.gz man 'file > gzip > utf-16le' "gzip -dc \"\$1\" | $D16" short --encoding=latin1

# rawcmp NAME FILE SRCOPT OPT...: srcgrep SRCOPT OPT... FILE searches the
# bytes of FILE as stored, as grep -P OPT... FILE does (in C: no UTF-8
# checks; a binary file's NULs end lines, for both).
rawcmp() {
    name=$1 f=$2 so=$3
    shift 3
    LC_ALL=C grep -P "$@" "$f" >"$T/ref.out" 2>"$T/ref.err"
    rs=$?
    sed -i 's/^grep:/srcgrep:/' "$T/ref.err"
    # shellcheck disable=SC2086
    same "$name" "$rs" "$T/ref.out" "$T/ref.err" "$SRCGREP" $so "$@" "$f"
}

# --encoding=none: the bytes, BOM and all.  In UTF-16 an ASCII word is not
# there (its letters have NULs between them), the bytes with NULs are (with
# -a: without it, the NULs end lines), and the file is binary.
for o in "-c GNU" "-c copyright" "-c -a copyright" "-a -c c\x00o\x00p\x00y\x00r" "c\x00o\x00p" "-c c" "C"; do
    # shellcheck disable=SC2086
    rawcmp "encoding/gpl.16le.bom: srcgrep --encoding=none $o: the raw bytes" gpl.16le.bom --encoding=none $o
done
expect "encoding/gpl.16le.bom: srcgrep --encoding=none GNU: not in UTF-16 bytes" 1 '' '' \
    "$SRCGREP" --encoding=none GNU gpl.16le.bom
rawcmp "encoding/gpl.16le.bom: srcgrep --encoding=none -a -c G.N.U" gpl.16le.bom --encoding=none -a -c 'G.N.U'
same "encoding/gpl.16le.bom: srccat --encoding=none: the file as it is" 0 gpl.16le.bom "$E" \
    "$SRCCAT" --encoding=none gpl.16le.bom
expect "encoding/gpl.16le.bom: srccat --layers --encoding=none" 0 'file\n' '' \
    "$SRCCAT" --layers --encoding=none gpl.16le.bom
expect "encoding/gpl.16le.bom.gz: srccat --layers --encoding=none" 0 'file > gzip\n' '' \
    "$SRCCAT" --layers --encoding=none gpl.16le.bom.gz
gzip -dc gpl.16le.bom.gz >"$T/dec"
same "encoding/gpl.16le.bom.gz: srccat --encoding=none: decompressed, not decoded" 0 "$T/dec" "$E" \
    "$SRCCAT" --encoding=none gpl.16le.bom.gz
# A UTF-8 BOM is kept: it starts the first line, and -b counts it.
same "encoding/man.u8bom: srccat --encoding=none keeps the BOM" 0 man.u8bom "$E" \
    "$SRCCAT" --encoding=none man.u8bom
for o in "-n ^\xEF\xBB\xBF" "-c ^\.SH" "-b -o \xC3\xA9" "-n -x \xEF\xBB\xBF.*"; do
    # shellcheck disable=SC2086
    rawcmp "encoding/man.u8bom: srcgrep --encoding=none $o: the raw bytes" man.u8bom --encoding=none $o
done
# Without the option, the BOM is not text: no line starts with it.
expect "encoding/man.u8bom: srcgrep -c '^\xEF\xBB\xBF': stripped" 1 '0\n' '' \
    "$SRCGREP" -c '^\xEF\xBB\xBF' man.u8bom
# A BOM-less UTF-16 file under --encoding=none is bytes too.
rawcmp "encoding/gpl.16le: srcgrep --encoding=none -c copyright" gpl.16le --encoding=none -c copyright
rawcmp "encoding/gpl.16le: srcgrep --encoding=none C" gpl.16le --encoding=none C
# --encoding=auto after none: the default again.
expect "encoding/gpl.16le.bom: --encoding=none --encoding=auto: srccat --layers" 0 'file > utf-16le\n' '' \
    "$SRCCAT" --layers --encoding=none --encoding=auto gpl.16le.bom
# --encoding=utf-8: no layer for text without a BOM.
expect "encoding/man.latin1: srccat --layers --encoding=utf-8" 0 'file\n' '' \
    "$SRCCAT" --layers --encoding=utf-8 man.latin1
rawcmp "encoding/man.latin1: srcgrep --encoding=utf-8 -c '\\xE9': the raw bytes" man.latin1 --encoding=utf-8 -c '\xE9'
rawcmp "encoding/gpl.16le: srcgrep --encoding=utf-8 C: the raw bytes, binary" gpl.16le --encoding=utf-8 C
# Latin-1 read as bytes in a UTF-8 locale: lines that are not UTF-8 make
# the file binary, as for grep; --encoding=latin1 makes them text.
LC_ALL=$U grep -P -n 'LETTER E WITH' man.latin1 >"$T/ref.out" 2>"$T/ref.err"
rs=$?
sed -i 's/^grep:/srcgrep:/' "$T/ref.err"
LOC=$U same "encoding/man.latin1: LC_ALL=$U srcgrep -n 'LETTER E WITH' without --encoding: as grep" "$rs" "$T/ref.out" "$T/ref.err" \
    "$SRCGREP" -n 'LETTER E WITH' man.latin1
LC_ALL=$U grep -P -n 'LETTER E WITH' man.txt >"$T/ref.out"
LOC=$U same "encoding/man.latin1: LC_ALL=$U srcgrep --encoding=latin1 -n 'LETTER E WITH'" 0 "$T/ref.out" "$E" \
    "$SRCGREP" --encoding=latin1 -n 'LETTER E WITH' man.latin1
LOC=
# --raw: no decoding of any kind.
same "encoding/gpl.16le.bom: srccat --raw" 0 gpl.16le.bom "$E" "$SRCCAT" --raw gpl.16le.bom
rawcmp "encoding/gpl.16le.bom: srcgrep --raw -c copyright" gpl.16le.bom --raw -c copyright
rawcmp "encoding/gpl.16le.bom: srcgrep --raw C" gpl.16le.bom --raw C

# What srcgrep says of a plain binary file (a NUL) is grep's message ...
printf 'text GNU\nbin\000GNU\n' >plain.bin
rawcmp "encoding/plain.bin: srcgrep GNU (binary)" plain.bin "" GNU
cp "$T/ref.err" "$T/binmsg"
# ... and what it must say of UTF-16 without a BOM under --no-utf16-guess,
# which is bytes with NULs.
sed "s/plain\\.bin/gpl.16le/" "$T/binmsg" >"$T/want.err"
sed "s/plain\\.bin/(standard input)/" "$T/binmsg" >"$T/binmsg.stdin"
same "encoding/gpl.16le: srcgrep --no-utf16-guess C: binary" 0 "$E" "$T/want.err" \
    "$SRCGREP" --no-utf16-guess C gpl.16le
rawcmp "encoding/gpl.16le: srcgrep --no-utf16-guess C (as grep)" gpl.16le --no-utf16-guess C
rawcmp "encoding/gpl.16le: srcgrep --no-utf16-guess -c copyright" gpl.16le --no-utf16-guess -c copyright
same "encoding/gpl.16le: cat gpl.16le | srcgrep --no-utf16-guess C: binary" 0 "$E" "$T/binmsg.stdin" \
    sh -c 'cat "$1" | "$2" --no-utf16-guess C' sh gpl.16le "$SRCGREP"
rawcmp "encoding/man.16be: srcgrep --no-utf16-guess -c -a 'L.E.T.T.E.R'" man.16be --no-utf16-guess -c -a 'L.E.T.T.E.R'
expect "encoding/gpl.16le: srccat --layers --no-utf16-guess" 0 'file\n' '' "$SRCCAT" --layers --no-utf16-guess gpl.16le
same "encoding/gpl.16le: srccat --no-utf16-guess: the bytes" 0 gpl.16le "$E" "$SRCCAT" --no-utf16-guess gpl.16le
# UTF-32 without a BOM is never guessed: bytes, binary.
rawcmp "encoding/gpl.32le: srcgrep C (no guess for UTF-32)" gpl.32le "" C
rawcmp "encoding/gpl.32le: srcgrep -a -c 'C\\x00\\x00\\x00o' (no guess for UTF-32)" gpl.32le "" -a -c 'C\x00\x00\x00o'
rawcmp "encoding/gpl.32be: srcgrep -c copyright (no guess for UTF-32)" gpl.32be "" -c copyright
expect "encoding/gpl.32le: srccat --layers" 0 'file\n' '' "$SRCCAT" --layers gpl.32le
# A BOM still decodes under --no-utf16-guess.
roundtrip man.16le.bom man 'file > utf-16le' "$I16" short --no-utf16-guess
roundtrip man.32le.bom man 'file > utf-32le' "$I32" short --no-utf16-guess
roundtrip man.16le.bom.gz man 'file > gzip > utf-16le' "gzip -dc \"\$1\" | $D16" short --no-utf16-guess

# ---- 4. encoding names -------------------------------------------------------------

for prog in srcgrep srccat; do
    case $prog in srcgrep) bin=$SRCGREP a=GNU ;; *) bin=$SRCCAT a="" ;; esac
    for nm in foo utf-17 "" latin1x; do
        # shellcheck disable=SC2086
        expect "encoding/$prog --encoding='$nm': unknown" 2 '' "$prog: unknown encoding '$nm'\n" \
            "$bin" "--encoding=$nm" $a gpl.txt
    done
    STDIN=gpl.txt expect "encoding/$prog --encoding=foo, standard input: unknown" 2 '' "$prog: unknown encoding 'foo'\n" \
        "$bin" --encoding=foo $a
done
# Case, '-' and '_' do not matter to our converters; iconv's names are
# iconv's (Latin1 and LATIN1 and ISO-8859-1 are all latin1 to glibc).
for n in UTF-16LE utf16le utf_16le Utf-16le utf-16; do
    roundtrip man.16le man 'file > utf-16le' 'iconv -f UTF-16LE -t UTF-8 "$1"' short "--encoding=$n"
done
for n in UTF-32BE utf32be; do
    roundtrip man.32be man 'file > utf-32be' 'iconv -f UTF-32BE -t UTF-8 "$1"' short "--encoding=$n"
done
# utf-32 without a byte order is little-endian
roundtrip man.32le man 'file > utf-32le' 'iconv -f UTF-32LE -t UTF-8 "$1"' short --encoding=utf-32
for n in Latin1 LATIN1 ISO-8859-1 iso8859-1; do
    roundtrip man.latin1 man "file > $n" 'iconv -f ISO-8859-1 -t UTF-8 "$1"' short "--encoding=$n"
done
roundtrip ja.sjis ja 'file > SHIFT_JIS' 'iconv -f SHIFT_JIS -t UTF-8 "$1"' short --encoding=SHIFT_JIS
# the last --encoding counts
roundtrip man.latin1 man 'file > latin1' 'iconv -f ISO-8859-1 -t UTF-8 "$1"' short --encoding=shift_jis --encoding=latin1

# ---- 5. invalid input ----------------------------------------------------------------

# bad NAME FILE WANT [OPT...]: FILE decodes to the bytes of the file WANT
# exactly; srcgrep finds the line after the damage, the U+FFFD in its
# place, and what grep finds in WANT.  badf NAME FILE FORMAT [OPT...]: the
# same, WANT given as a printf format.
bad() {
    bn=$1 bf=$2 bw=$3
    shift 3
    same "encoding/bad/$bn: srccat${*:+ $*}" 0 "$bw" "$E" "$SRCCAT" "$@" "$bf"
    LOC=$U
    for op in "-n:match after" "-n:�" "-o -b:�" "-c:^ab.cd$|x"; do
        o=${op%%:*} pat=${op#*:}
        # shellcheck disable=SC2086
        gref $U $o -e "$pat" <"$bw"
        # shellcheck disable=SC2086
        same "encoding/bad/$bn: srcgrep${*:+ $*} $o '$pat'" "$rs" "$T/ref.out" "$T/ref.err" "$SRCGREP" "$@" $o -e "$pat" "$bf"
    done
    LOC=
}
badf() {
    put "$T/bad.want" "$3"
    bn=$1 bf=$2
    shift 3
    bad "$bn" "$bf" "$T/bad.want" "$@"
}
# the damage in the middle of a line, "match after" on a later line
MID='cd\nmatch after\n'
{ printf '\377\376'; u16le 'ab'; printf '\000\330'; u16le "$MID"; } >hi.16le
badf "lone high surrogate" hi.16le "ab${RC}$MID"
{ printf '\377\376'; u16le 'ab'; printf '\000\334'; u16le "$MID"; } >lo.16le
badf "lone low surrogate" lo.16le "ab${RC}$MID"
{ printf '\376\377'; u16be 'ab'; printf '\330\000'; u16be "$MID"; } >hi.16be
badf "lone high surrogate, UTF-16BE" hi.16be "ab${RC}$MID"
{ printf '\377\376'; u16le 'ab'; printf '\000\334\075\330'; u16le "$MID"; } >swap.16le
badf "low then high surrogate" swap.16le "ab${RC}${RC}$MID"
{ printf '\377\376'; u16le 'ab'; printf '\000\330\075\330\000\336'; u16le "$MID"; } >hihi.16le
badf "high surrogate, then a pair" hihi.16le "ab${RC}\360\237\230\200$MID"
{ printf '\377\376'; u16le 'ab'; printf '\000\330'; u16le "\nmatch after\n"; } >hinl.16le
badf "high surrogate before a newline" hinl.16le "ab${RC}\nmatch after\n"
{ printf '\377\376'; u16le "ab\nmatch after\nx"; printf '\000\330'; } >hiend.16le
badf "high surrogate at the end" hiend.16le "ab\nmatch after\nx${RC}"
{ printf '\377\376'; u16le "ab\nmatch after\nx"; printf 'y'; } >odd.16le
badf "odd trailing byte" odd.16le "ab\nmatch after\nx${RC}"
{ printf '\376\377'; u16be "ab\nmatch after\nx"; printf '\000'; } >odd.16be
badf "odd trailing byte, UTF-16BE" odd.16be "ab\nmatch after\nx${RC}"
# the same damage in files of 20,000 lines, so that it lies deep in the
# file, past the first windows, and the match far after it
yes 'filler line' | head -n 20000 >"$T/filler"
{ printf '\377\376'; iconv -f UTF-8 -t UTF-16LE "$T/filler"; u16le 'ab'; printf '\000\330'; u16le "$MID"; iconv -f UTF-8 -t UTF-16LE "$T/filler"; u16le 'x\n'; } >deep.16le
# shellcheck disable=SC2059
{ cat "$T/filler"; printf "ab${RC}$MID"; cat "$T/filler"; printf 'x\n'; } >"$T/deep.want"
bad "lone high surrogate deep in the file" deep.16le "$T/deep.want"
# UTF-32: above U+10FFFF, a surrogate, the largest value, a short unit
{ printf '\377\376\000\000'; u32le 'ab'; printf '\000\000\021\000'; u32le "$MID"; } >big.32le
badf "UTF-32 above U+10FFFF" big.32le "ab${RC}$MID"
{ printf '\377\376\000\000'; u32le 'ab'; printf '\000\330\000\000'; u32le "$MID"; } >sur.32le
badf "UTF-32 surrogate" sur.32le "ab${RC}$MID"
{ printf '\000\000\376\377'; u32be 'ab'; printf '\377\377\377\377'; u32be "$MID"; } >max.32be
badf "UTF-32BE FFFFFFFF" max.32be "ab${RC}$MID"
{ printf '\377\376\000\000'; u32le "ab\nmatch after\nx"; printf 'y\000'; } >short.32le
badf "UTF-32 short unit at the end" short.32le "ab\nmatch after\nx${RC}"
{ u32le 'ab'; printf '\000\000\021\000'; u32le "$MID"; } >nobom.32le
badf "UTF-32 above U+10FFFF, --encoding=utf-32le" nobom.32le "ab${RC}$MID" --encoding=utf-32le
# Shift_JIS: 0xFF is no byte of it; a lead byte with nothing after it at
# the end of the file.  CP1252 leaves 0x81 undefined.
# shellcheck disable=SC2059
{ printf 'ab'; printf '\377'; printf "$MID" | iconv -f UTF-8 -t SHIFT_JIS; } >bad.sjis
badf "Shift_JIS 0xFF" bad.sjis "ab${RC}$MID" --encoding=shift_jis
{ printf '\223\372\226\173'; printf '\377'; printf '\214\352 cd\nmatch after\n'; } >bad2.sjis
badf "Shift_JIS 0xFF between kanji" bad2.sjis "\346\227\245\346\234\254${RC}\350\252\236 $MID" --encoding=shift_jis
{ printf "ab\nmatch after\nx"; printf '\223'; } >cut.sjis
badf "Shift_JIS lead byte at the end" cut.sjis "ab\nmatch after\nx${RC}" --encoding=shift_jis
{ printf 'ab\201cd\nmatch after\n'; } >bad.cp1252
badf "CP1252 undefined 0x81" bad.cp1252 "ab${RC}$MID" --encoding=cp1252

# One byte of UTF-16, one to three of UTF-32: U+FFFD alone.
printf 'x' >one.byte
badf "one byte, --encoding=utf-16le" one.byte "${RC}" --encoding=utf-16le
badf "one byte, --encoding=utf-32be" one.byte "${RC}" --encoding=utf-32be
printf '\377\376\000\000abc' >three.32le
badf "UTF-32LE BOM and three bytes" three.32le "${RC}"
# An empty file under --encoding: no text, no error.
: >empty
for n in latin1 shift_jis utf-16le utf-32be; do
    expect "encoding/bad/empty: srcgrep --encoding=$n ''" 1 '' '' "$SRCGREP" "--encoding=$n" '' empty
    expect "encoding/bad/empty: srccat --encoding=$n" 0 '' '' "$SRCCAT" "--encoding=$n" empty
done

# A BOM and nothing else: an empty text.
for f in 16le:'\377\376' 16be:'\376\377' 32le:'\377\376\000\000' 32be:'\000\000\376\377' 8:'\357\273\277'; do
    k=${f%%:*}
    put "bomonly.$k" "${f#*:}"
    case $k in 8) l=utf-8 ;; *) l=utf-$k ;; esac
    expect "encoding/bad/bomonly.$k: srcgrep x" 1 '' '' "$SRCGREP" x "bomonly.$k"
    expect "encoding/bad/bomonly.$k: srcgrep ''" 1 '' '' "$SRCGREP" '' "bomonly.$k"
    expect "encoding/bad/bomonly.$k: srcgrep -c -v x" 1 '0\n' '' "$SRCGREP" -c -v x "bomonly.$k"
    expect "encoding/bad/bomonly.$k: srccat" 0 '' '' "$SRCCAT" "bomonly.$k"
    expect "encoding/bad/bomonly.$k: srccat --layers" 0 "file > $l\n" '' "$SRCCAT" --layers "bomonly.$k"
done

# ---- 6. -b counts decoded bytes -------------------------------------------------------

# against "iconv -f ENC -t UTF-8 FILE | grep -b" (refdecode)
LOC=$U
for fe in man.16le.bom man.16be man.32be.bom man.u8bom man.latin1:ISO-8859-1 man.cp1252:CP1252 \
    man.16le.bom.gz ja.sjis:SHIFT_JIS ja.32le:UTF-32LE world.16le world.gb18030:GB18030 world.16be.gz; do
    f=${fe%%:*} cs=""
    [ "$f" = "$fe" ] || cs=${fe#*:}
    eo=""
    [ -z "$cs" ] || eo=--encoding=$cs
    refdecode "$f" "$cs" >"$T/b.dec"
    for o in -b "-b -o" "-b -n -i"; do
        for p in 'é|語|日本|😀|Я' '\.SH|LETTER|line'; do
            # shellcheck disable=SC2086
            gref $U $o -e "$p" <"$T/b.dec"
            # shellcheck disable=SC2086
            same "encoding/$f: srcgrep${eo:+ $eo} $o '$p': offsets in the decoded text" "$rs" "$T/ref.out" "$T/ref.err" \
                "$SRCGREP" $eo $o -e "$p" "$f"
        done
    done
done
LOC=

# ---- 7. binary detection on the decoded text --------------------------------------------

# A UTF-16 file is not binary (its NULs are decoded away) ...
LOC=$U
for f in gpl.16le.bom gpl.16le gpl.32be.bom world.16be; do
    s=${f%%.*}
    gref $U -e 'the' --label="$f" -H <"$s.txt"
    same "encoding/$f: srcgrep -H the: lines, not binary" "$rs" "$T/ref.out" "$T/ref.err" "$SRCGREP" -H the "$f"
done
LOC=
# ... one that holds U+0000 is.
{ printf '\377\376'; u16le 'first line\nsecond '; printf '\000\000'; u16le ' line\nthird line\n'; } >nul.16le
{ printf '\376\377'; u16be 'first line\nsecond '; printf '\000\000'; u16be ' line\nthird line\n'; } >nul.16be
{ printf '\377\376\000\000'; u32le 'first line\nsecond '; printf '\000\000\000\000'; u32le ' line\nthird line\n'; } >nul.32le
printf 'first line\nsecond \000 line\nthird line\n' >"$T/nul.txt"
for f in nul.16le nul.16be nul.32le; do
    same "encoding/$f: srccat: U+0000 is a NUL" 0 "$T/nul.txt" "$E" "$SRCCAT" "$f"
    for o in "" -c -a "-a -n" "-n -v" -o; do
        for loc in C $U; do
            # shellcheck disable=SC2086
            gref $loc $o -e line --label="$f" -H <"$T/nul.txt"
            # shellcheck disable=SC2086
            LOC=$loc same "encoding/$f: LC_ALL=$loc srcgrep -H $o line: binary" "$rs" "$T/ref.out" "$T/ref.err" \
                "$SRCGREP" -H $o -e line "$f"
        done
    done
done
LOC=
grep -q 'binary file matches' "$T/ref.err" ||
    fail "encoding/nul.32le: reference" "grep does not call the text with a NUL binary"

# A U+0000 far into the file (past the first 96 KiB): as srcgrep(1) says
# of binary files (where GNU grep stops depends on its buffers), the
# selected lines before it are printed, and the message comes at the first
# selected line after it (here the line of the NUL itself); -c and -a as
# grep.
{ cat gpl.txt gpl.txt gpl.txt; printf 'late \000 NUL GNU\n'; cat gpl.txt; } >late.txt
cat gpl.txt gpl.txt gpl.txt >"$T/before"
{ printf '\377\376'; iconv -f UTF-8 -t UTF-16LE late.txt; } >late.16le.bom
gzip -c late.16le.bom >late.16le.bom.gz
for f in late.16le.bom late.16le.bom.gz; do
    printf 'srcgrep: %s: binary file matches\n' "$f" >"$T/want.err"
    for o in -n "-o -b"; do
        # shellcheck disable=SC2086
        gref $U $o -H --label="$f" -e GNU <"$T/before"
        # shellcheck disable=SC2086
        LOC=$U same "encoding/$f: srcgrep $o GNU: a late U+0000" 0 "$T/ref.out" "$T/want.err" "$SRCGREP" -H $o -e GNU "$f"
    done
    for o in -c "-a -c" "-a -n"; do
        # shellcheck disable=SC2086
        gref $U $o -H --label="$f" -e GNU <late.txt
        # shellcheck disable=SC2086
        LOC=$U same "encoding/$f: srcgrep $o GNU: a late U+0000" "$rs" "$T/ref.out" "$T/ref.err" "$SRCGREP" -H $o -e GNU "$f"
    done
done
# Invalid UTF-8 after a UTF-8 BOM, in a UTF-8 locale: binary as for grep.
printf '\357\273\277ok GNU\n\377bad GNU\nok2 GNU\n' >badu8.u8bom
tail -c +4 badu8.u8bom >"$T/badu8"
for o in "" -c -a; do
    # shellcheck disable=SC2086
    gref $U $o -H --label=badu8.u8bom -e GNU <"$T/badu8"
    # shellcheck disable=SC2086
    LOC=$U same "encoding/badu8.u8bom: LC_ALL=$U srcgrep $o GNU: not UTF-8" "$rs" "$T/ref.out" "$T/ref.err" "$SRCGREP" -H $o -e GNU badu8.u8bom
done
LOC=   # (an assignment before a function call may outlive it: bash)

# ---- 8. several files, several encodings ---------------------------------------------------

# srccat writes them one after the other
cat man.txt ja.txt world.txt gpl.txt >"$T/cat.want"
same "encoding/multi: srccat of four encodings" 0 "$T/cat.want" "$E" "$SRCCAT" man.16le.bom ja.32be.bom.xz world.16be gpl.u8bom
cat man.txt ja.txt gpl.txt >"$T/cat.want"
same "encoding/multi: srccat --encoding=latin1, BOMs win" 0 "$T/cat.want" "$E" "$SRCCAT" --encoding=latin1 man.latin1 ja.16le.bom gpl.txt
printf 'man.16le.bom: file > utf-16le\nja.32be.bom.xz: file > xz > utf-32be\nworld.16be: file > utf-16be\ngpl.u8bom: file > utf-8\ngpl.txt: file\n' >"$T/layers"
same "encoding/multi: srccat --layers of five" 0 "$T/layers" "$E" "$SRCCAT" --layers man.16le.bom ja.32be.bom.xz world.16be gpl.u8bom gpl.txt

# multi NAME ENC OPTS PAT FILE...: srcgrep [--encoding=ENC] OPTS -e PAT
# FILE... against grep -P OPTS -H over each file's text as refdecode gives
# it, named as the file, one file after the other.
multi() {
    mn=$1 menc=$2 mo=$3 mp=$4
    shift 4
    : >"$T/m.out"
    : >"$T/m.err"
    ms=1
    for f in "$@"; do
        refdecode "$f" "$menc" >"$T/m.dec"
        # shellcheck disable=SC2086
        if LC_ALL=$U grep -P -H $mo --label="$f" -e "$mp" <"$T/m.dec" >>"$T/m.out" 2>>"$T/m.err"; then
            ms=0
        fi
    done
    sed -i 's/^grep:/srcgrep:/' "$T/m.err"
    # shellcheck disable=SC2086
    LOC=$U same "encoding/multi: srcgrep${menc:+ --encoding=$menc} $mo '$mp' ($mn)" "$ms" "$T/m.out" "$T/m.err" \
        "$SRCGREP" ${menc:+--encoding=$menc} $mo -e "$mp" "$@"
}
xz -c ja.32le.bom >ja.32le.bom.xz
# UTF-8, UTF-8 with a BOM, UTF-16 and UTF-32 of both byte orders, guessed,
# compressed (without --encoding, BOM-less UTF-32 would be bytes: not here)
MIX="gpl.txt man.txt man.u8bom man.16le.bom man.16be man.32le.bom man.32be.bom ja.16be.bom ja.32le.bom.xz world.16le world.16be.gz man.16le.bom.zst plain.bin"
for mo in -n -c -l -L "-o -b -i" "-c -v" "-n -h" "-n -m 2"; do
    # shellcheck disable=SC2086
    multi "12 files" "" "$mo" 'é|日本語|😀|GNU|Я' $MIX
done
# shellcheck disable=SC2086
multi "12 files, -i" "" "-n -i" 'É|ＵＴＦ８|я' $MIX
# --encoding for the files without a BOM; those with one are still what
# their BOM says
for mo in -n -c "-o -b"; do
    multi "Latin-1 and BOMs" ISO-8859-1 "$mo" 'é|日本語|GNU General' gpl.txt man.latin1 man.16le.bom man.u8bom ja.32be.bom man.latin1.gz world.32le.bom
    multi "Shift_JIS and BOMs" SHIFT_JIS "$mo" 'ＵＴＦ８|é|😀' ja.sjis ja.16le.bom man.32be.bom ja.sjis.zst gpl.txt world.u8bom
done
# -r over a directory of them: names in sorted order
mkdir -p tree/sub
cp man.16le.bom man.txt ja.32be.bom world.16be.gz tree/
cp man.u8bom gpl.16le plain.bin tree/sub/
# shellcheck disable=SC2046
multi "-r order" "" -n 'é|日本語|😀|GNU' $(find tree -type f | LC_ALL=C sort)
cp "$T/m.out" "$T/r.out"
cp "$T/m.err" "$T/r.err"
LOC=$U same "encoding/multi: srcgrep -r -n over a tree" 0 "$T/r.out" "$T/r.err" "$SRCGREP" -r -n -e 'é|日本語|😀|GNU' tree
LOC=

# ---- 9. large files ------------------------------------------------------------------------

# A line of characters above U+FFFF only: in UTF-16 each is a surrogate
# pair, and after a 2-byte BOM every pair straddles every boundary at a
# multiple of 4 bytes; one BMP character in front does the same without a
# BOM.  Between them, the world and the Japanese samples; repeated to about
# 1.5 MB of text (300 KB under the sanitizers).
reps=200
[ "$SANITIZED" = 1 ] && reps=30
{
    i=0
    while [ $i -lt $reps ]; do
        printf '😀𝄞🂡𠀋%.0s' 1 2 3 4 5 6 7 8 9 10 11 12 13 14 15 16 17 18 19 20 21 22 23 24 25 26 27 28 29 30
        printf ' line %d\n' $i
        cat world.txt ja.txt
        i=$((i + 1))
    done
} >big.txt
# the guess needs mostly ASCII in the first 512 bytes: a header line of
# 299 ASCII characters keeps the pairs where 'é' put them
{ printf 'é'; printf '%0299d\n' 0; cat big.txt; } >bigx.txt
{ printf '\377\376'; iconv -f UTF-8 -t UTF-16LE big.txt; } >big.16le.bom
iconv -f UTF-8 -t UTF-16BE bigx.txt >bigx.16be
{ printf '\000\000\376\377'; iconv -f UTF-8 -t UTF-32BE big.txt; } >big.32be.bom
gzip -c big.16le.bom >big.16le.bom.gz
zstd -q -c bigx.16be >bigx.16be.zst
{
    i=0
    while [ $i -lt $((reps * 8)) ]; do
        printf 'x'   # an odd start: two-byte characters cross even boundaries
        cat ja.txt
        i=$((i + 1))
    done
} >bigja.txt
iconv -f UTF-8 -t SHIFT_JIS bigja.txt >bigja.sjis
xz -c bigja.sjis >bigja.sjis.xz
iconv -f UTF-8 -t GB18030 big.txt >big.gb18030
# ISO-2022-JP switches character sets with escape sequences, which window
# boundaries cut too
{
    i=0
    while [ $i -lt $((reps * 8)) ]; do
        printf 'x'
        cat jb.txt
        i=$((i + 1))
    done
} >bigjb.txt
iconv -f UTF-8 -t ISO-2022-JP bigjb.txt >bigjb.iso2022jp
{ printf '\357\273\277'; cat big.txt; } >big.u8bom
gzip -c big.u8bom >big.u8bom.gz

# large FILE SAMPLE LAYERS [OPT...]
large() {
    f=$1 s=$2 l=$3
    shift 3
    same "encoding/large/$f: srccat${*:+ $*}" 0 "$s.txt" "$E" "$SRCCAT" "$@" "$f"
    same "encoding/large/$f: srccat --no-mmap${*:+ $*}" 0 "$s.txt" "$E" "$SRCCAT" --no-mmap "$@" "$f"
    same "encoding/large/$f: cat $f | srccat${*:+ $*}" 0 "$s.txt" "$E" \
        sh -c 'f=$1; shift; cat "$f" | "$@"' sh "$f" "$SRCCAT" "$@"
    printf '%s\n' "$l" >"$T/layers"
    same "encoding/large/$f: srccat --layers${*:+ $*}" 0 "$T/layers" "$E" "$SRCCAT" --layers "$@" "$f"
    LOC=$U
    for m in --mmap --no-mmap; do
        gref $U -c -e '𠀋 line' <"$s.txt"
        same "encoding/large/$f: srcgrep $m${*:+ $*} -c '𠀋 line'" "$rs" "$T/ref.out" "$T/ref.err" "$SRCGREP" "$m" "$@" -c -e '𠀋 line' "$f"
    done
    gref $U -o -b -e '😀[^😀]|🂡 the|日本語' <"$s.txt"
    for m in --mmap --no-mmap; do
        same "encoding/large/$f: srcgrep $m${*:+ $*} -o -b" "$rs" "$T/ref.out" "$T/ref.err" "$SRCGREP" $m "$@" -o -b -e '😀[^😀]|🂡 the|日本語' "$f"
    done
    gref $U -c -v -e '^.*$' <"$s.txt"
    same "encoding/large/$f: srcgrep${*:+ $*} -c -v '^.*\$'" "$rs" "$T/ref.out" "$T/ref.err" "$SRCGREP" "$@" -c -v -e '^.*$' "$f"
    # nothing was replaced
    same "encoding/large/$f: srcgrep${*:+ $*} -q U+FFFD" 1 "$E" "$E" "$SRCGREP" "$@" -q -e '�' "$f"
    gref $U -c -e '𝄞' <"$s.txt"
    STDIN=$f same "encoding/large/$f: srcgrep${*:+ $*} -c 𝄞 <$f" "$rs" "$T/ref.out" "$E" "$SRCGREP" "$@" -c -e '𝄞'
    same "encoding/large/$f: cat $f | srcgrep${*:+ $*} -c 𝄞" "$rs" "$T/ref.out" "$E" \
        sh -c 'f=$1; shift; cat "$f" | "$@"' sh "$f" "$SRCGREP" "$@" -c -e '𝄞'
    LOC=
}
large big.16le.bom big 'file > utf-16le'
large big.16le.bom.gz big 'file > gzip > utf-16le'
large big.32be.bom big 'file > utf-32be'
large big.gb18030 big 'file > gb18030' --encoding=gb18030
large big.u8bom big 'file > utf-8'
large big.u8bom.gz big 'file > gzip > utf-8'
large bigx.16be bigx 'file > utf-16be'
large bigx.16be.zst bigx 'file > zstd > utf-16be'
large bigja.sjis bigja 'file > shift_jis' --encoding=shift_jis
large bigja.sjis.xz bigja 'file > xz > shift_jis' --encoding=shift_jis
large bigjb.iso2022jp bigjb 'file > iso-2022-jp' --encoding=iso-2022-jp
exit 0
