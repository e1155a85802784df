#!/bin/sh
# srcgrep against GNU grep 3.8 for the options grep has beyond the basic
# ones: context (-A, -B, -C, -NUM, group separators), --color with
# GREP_COLORS, -Z, -z, -T, --label, --line-buffered, --binary-files, -a,
# -I, -d, -D, --exclude-dir, --exclude-from and --include.
#
# The text is real: /usr/share/common-licenses/* and the first
# $COMPAT_MAN (30; 8 under the sanitizers) man pages of /usr/share/man/man1,
# decompressed, as in differential.sh, plus small files made here whose
# shape the cases need (matches at the first and last line, groups that
# overlap or touch, no final newline, CRLF, NUL bytes early and late,
# NUL-terminated records, UTF-8 and invalid UTF-8).
#
# The cases are the table at the end, one a line: each runs GNU grep once
# and srcgrep twice (--mmap and --no-mmap), all with LC_ALL=C (or the
# UTF-8 locale C.UTF-8 for the cases marked @utf8, skipped if the machine
# has none), and compares stdout, stderr and the exit status byte for
# byte.  grep's "grep:" at the start of a message is read as "srcgrep:",
# as in differential.sh.  grep runs with -P (PCRE2, as srcgrep) in every
# case.  srcgrep runs under timeout(1), so that a FIFO operand or an
# option it does not know yet cannot hang the script.
#
# Not compared here: a directory operand without -r or -d (srcgrep searches
# it recursively by design, grep says "Is a directory"), --max-depth
# (not in grep 3.8).
#
# Then --column and --vimgrep, which grep does not have, against ripgrep
# 13 (rg -P -j1, the same table format; skipped without rg 13), and a file
# of NUL bytes only, which must be searched in constant memory (its peak
# RSS, from /usr/bin/time, read() and a pipe and gzip; skipped without
# GNU time).
. "${TESTS:-$(dirname "$0")/..}/lib.sh"

REF=${REF_GREP:-grep}
if ! "$REF" --version 2>/dev/null | grep -q 'GNU grep'; then
    fail compat "no GNU grep to compare with ($REF)"
    exit 0
fi
if ! command -v timeout >/dev/null 2>&1 || ! command -v mkfifo >/dev/null 2>&1; then
    fail compat "timeout or mkfifo is missing (coreutils)"
    exit 0
fi
# the colors must come from the cases only
unset GREP_COLORS GREP_COLOR POSIXLY_CORRECT

# A UTF-8 locale for the @utf8 cases: C.UTF-8 under whichever spelling
# locale -a lists it.
UTF8=$(locale -a 2>/dev/null | grep -i -x -m1 'c\.utf-\{0,1\}8')

# ---- the corpus --------------------------------------------------------------

C=$T/c
mkdir -p "$C/licenses" "$C/man" "$C/s" "$C/f"
for f in /usr/share/common-licenses/*; do
    [ -f "$f" ] && cp -L "$f" "$C/licenses/"
done
if [ "$SANITIZED" = 1 ]; then max=${COMPAT_MAN:-8}; else max=${COMPAT_MAN:-30}; fi
n=0
for f in /usr/share/man/man1/*.gz; do
    [ -f "$f" ] || continue
    [ "$n" -lt "$max" ] || break
    # names as plain words: no shell pattern characters, no spaces
    name=$(basename "$f" .gz | tr -c 'A-Za-z0-9._+\n-' '_')
    gzip -dc "$f" >"$C/man/$name" 2>/dev/null && n=$((n + 1))
done
cd "$C" || exit 1
G2=licenses/GPL-2 G3=licenses/GPL-3 LG=licenses/LGPL-2.1 AP=licenses/Apache-2.0
for f in $G2 $G3 $LG $AP; do
    if [ ! -f "$f" ]; then
        fail compat "no $f on this machine (base-files)"
        exit 0
    fi
done
if [ "$n" -lt 4 ]; then
    fail compat "too few man pages in /usr/share/man/man1"
    exit 0
fi
# (used by the table, through eval)
# shellcheck disable=SC2012,SC2034
M1=man/$(ls man | sed -n 1p) M2=man/$(ls man | sed -n 2p)
# shellcheck disable=SC2034
L=$(echo licenses/* man/*)

# s/ctx.txt: "match" on lines 1, 3, 4, 8, 12 and 20 (the last); line 13
# is empty.  With -C1 the groups are 1-5 (overlapping), 7-9, 11-13, 19-20;
# with -A2 -B1 the group of line 4 ends at 6 and the one of line 8 starts
# at 7: adjacent, no separator.
printf '%s\n' 'match one' two 'match three' 'match four' five six seven \
    'match eight' nine ten eleven 'match twelve' '' fourteen fifteen \
    sixteen seventeen eighteen nineteen 'match twenty' >s/ctx.txt
# no newline at the end: a match on the last line, or context there
printf 'alpha\nmatch beta\ngamma\nmatch delta' >s/noeol.txt
printf 'first\nmatch second\nlast line without newline' >s/noeol2.txt
# CRLF: a selected-line color stops before the CR
printf 'match crlf one\r\nplain\r\nmatch crlf two, match\r\n' >s/crlf.txt
# NUL bytes: at the start; in the first buffer (GNU grep reads 96 KiB
# first); after ~360 KB of lines without a match (lines with a match
# before it are printed, the file is binary from there on)
{ printf '\0'; cat $G3; } >s/bin-start
{ head -c 20000 $G3; printf '\0'; tail -c +20001 $G3; } >s/bin-small
{ cat $G3; yes 'filler line' | head -n 30000; printf 'zero \0 here\n'; cat $G3; } >s/bin-late
# NUL bytes inside lines and runs of them (grep -c counts them as line ends)
printf 'a\0\0\0b\nc Program\n\0\n' >s/bin-runs
# text long enough to reach srcgrep through a pipe in several windows
cat licenses/* $M1 $M2 >s/big.txt
# -z input: lines as records, paragraphs (records with newlines inside)
tr '\n' '\0' <$G3 >s/gpl3.z
tr '\n' '\0' <s/ctx.txt >s/ctx.z
awk 'BEGIN { RS = ""; ORS = "\0" } { print }' $G3 >s/gpl3.para
# UTF-8, and lines that are not UTF-8 (binary in a UTF-8 locale)
printf 'café crème\nÜber naïve straße\nplain ascii\nCAFÉ UPPER\n' >s/utf8.txt
printf 'café ok\nbad caf\351 line\nanother café\n' >s/utf8-bad.txt
tr '\n' '\0' <s/utf8-bad.txt >s/utf8-bad.z
# lines held back (invalid UTF-8) between a line and the group after it
printf 'ctx\n\377match\n\377match\nmatch\n' >s/held.txt
printf 'a\377\nb\nc\nMATCH\nd\n\377e\nf\nMATCH\n' >s/vrun.txt
# --exclude-from
printf 'GPL-*\nA*\n' >s/excl
# a FIFO nobody writes to (-D skip) beside a plain file
mkfifo f/fifo || { fail compat "mkfifo failed"; exit 0; }
cp $G3 f/GPL-3

# srcgrep runs mapped and read (--mmap, --no-mmap), as in differential.sh;
# under the sanitizers, mapped only (each run is several times slower)
if [ "$SANITIZED" = 1 ]; then MODES=--mmap; else MODES="--mmap --no-mmap"; fi

# ---- running a case ----------------------------------------------------------

# Flags before the arguments of a case (see the table):
#   @sort       put grep's -r output in srcgrep's order (by file name)
#   @in=FILE    standard input is FILE (default /dev/null)
#   @pin=FILE   standard input is a pipe that FILE is written to
#   @pipe       standard output is a pipe (for --color=auto), not a file
#   @utf8       LC_ALL is the UTF-8 locale instead of C
#   @env=V=X    V=X in the environment of both commands (one only)

# run OUT CMD...: runs CMD as the case says, into OUT.out, OUT.err, OUT.st
run() {
    if [ -n "$pin" ]; then
        # shellcheck disable=SC2002
        cat "$pin" | run_out "$@"
    else
        run_out "$@" <"$in"
    fi
}
run_out() {
    o=$1
    shift
    if [ "$pipe" = 1 ]; then
        { cmd_env "$@" 2>"$o.err"; echo $? >"$o.st"; } | cat >"$o.out"
    else
        cmd_env "$@" >"$o.out" 2>"$o.err"
        echo $? >"$o.st"
    fi
}
cmd_env() {
    (
        export LC_ALL="$loc"
        [ -z "$envset" ] || export "${envset?}"
        if [ "$1" = "$REF" ]; then exec "$@" $REF_PRE; else exec timeout 20 "$@"; fi
    )
}

# case_run LINE: the table line LINE, expanded by the shell
case_run() {
    show=$1
    eval "set -- $1"
    sort_ref=0 in=/dev/null pin="" pipe=0 loc=C envset=""
    while :; do
        case $1 in
        @sort) sort_ref=1 ;;
        @in=*) in=${1#@in=} ;;
        @pin=*) pin=${1#@pin=} ;;
        @pipe) pipe=1 ;;
        @utf8)
            [ -n "$UTF8" ] || return 0 # no UTF-8 locale: not run
            loc=$UTF8 ;;
        @env=*) envset=${1#@env=} ;;
        *) break ;;
        esac
        shift
    done
    run "$T/ref" "$REF" "$@"
    if [ "$sort_ref" = 1 ]; then
        sort -s -t: -k1,1 "$T/ref.out" >"$T/ref.sorted" && mv "$T/ref.sorted" "$T/ref.out"
    fi
    if [ -s "$T/ref.err" ]; then
        sed -e 's/^grep:/srcgrep:/' "$T/ref.err" >"$T/ref.err2" && mv "$T/ref.err2" "$T/ref.err"
    fi
    read -r rs <"$T/ref.st"
    why=""
    for opt in $MODES; do
        run "$T/s" "$SRCGREP" "$opt" "$@"
        read -r st <"$T/s.st"
        [ "$st" = "$rs" ] || why="${why:+$why; }srcgrep $opt exit status $st, grep $rs"
        cmp -s "$T/ref.out" "$T/s.out" ||
            x=$(describe_diff "srcgrep $opt stdout" "$T/ref.out" "$T/s.out") || why="${why:+$why; }$x"
        cmp -s "$T/ref.err" "$T/s.err" ||
            x=$(describe_diff "srcgrep $opt stderr" "$T/ref.err" "$T/s.err") || why="${why:+$why; }$x"
    done
    if [ -z "$why" ]; then
        pass "compat/$show"
    else
        fail "compat/$show" "$why; in the corpus directory (top of tests/cli/compat.sh; KEEP_TMP=1 keeps it), LC_ALL=$loc${envset:+ $envset}: srcgrep $* vs $REF $*"
    fi
}

# The table: one case a line, in shell words (expanded when it runs: $G3,
# $L and the others above), flags first.  Blank lines and # lines are
# skipped.
while IFS= read -r line; do
    case $line in
    '' | '#'*) continue ;;
    esac
    case_run "$line"
done <<'EOF'
# ---- context: -A, -B, -C, -NUM, long forms
-P -A1 match s/ctx.txt
-P -B1 match s/ctx.txt
-P -C1 match s/ctx.txt
-P -2 match s/ctx.txt
-P -n -C1 match s/ctx.txt
-P -n -C2 match s/ctx.txt
-P -n -A2 -B1 match s/ctx.txt
-P -n -A0 match s/ctx.txt
-P -n -C0 match s/ctx.txt
-P -n -B3 'match one' s/ctx.txt
-P -n -A3 'match twenty' s/ctx.txt
-P -n -C5 'four|twenty' s/ctx.txt
-P -n -C1 -A3 match s/ctx.txt
-P -n -A3 -C1 match s/ctx.txt
-P -n -3 -B0 match s/ctx.txt
-P -n --context=1 match s/ctx.txt
-P -n --after-context=2 --before-context=1 twelve s/ctx.txt
-P -A 1 -B 2 -n eight s/ctx.txt
-P -n -C 1000 eight s/ctx.txt
-P -n -12 eight s/ctx.txt
-P -n -007 eight s/ctx.txt
-P -n -2 -A0 eight s/ctx.txt
-P -n -1 -2 eight s/ctx.txt
-P -1n2 eight s/ctx.txt
-P -n12 eight s/ctx.txt
-P -n -A x match s/ctx.txt
-P -n -C -1 match s/ctx.txt
-P -n --before-context=1x match s/ctx.txt
-P -n -123456789012345678901234 match s/ctx.txt
-P -n -C 99999999999999999999999 eight s/ctx.txt
# ---- group separators
-P -n -C1 --group-separator=XX match s/ctx.txt
-P -n -C1 --group-separator= match s/ctx.txt
-P -n -C1 --group-separator '==  ==' match s/ctx.txt
-P -n -C1 --no-group-separator match s/ctx.txt
-P -n -A0 --group-separator=:: match s/ctx.txt
-P -H -C1 --no-group-separator match s/ctx.txt s/noeol.txt
# ---- context with -n, -b, -H, -h, -c, -v, -o, -m, -l, -L, several files
-P -b -C1 match s/ctx.txt
-P -n -b -H -C1 match s/ctx.txt
-P -H -C1 match s/ctx.txt s/noeol.txt
-P -h -n -C1 match s/ctx.txt s/noeol.txt
-P -c -C2 match s/ctx.txt s/noeol.txt
-P -v -n -C1 match s/ctx.txt
-P -v -n -A1 'e' s/ctx.txt
-P -o -n -C1 match s/ctx.txt
-P -o -n -A1 'e[a-z]' s/ctx.txt
-P -o -b -B2 twenty s/ctx.txt
-P -o -v -n -C1 match s/ctx.txt
-P -n -m2 -A2 match s/ctx.txt
-P -n -m1 -A3 match s/ctx.txt
-P -n -m3 -C1 match s/ctx.txt s/noeol.txt
-P -n -m1 -B2 eight s/ctx.txt
-P -c -m2 -A2 match s/ctx.txt
-P -l -C2 match s/ctx.txt s/noeol.txt $G3
-P -L -C2 match s/ctx.txt s/noeol.txt $G3
-P -q -C2 match s/ctx.txt
# ---- context at the end of a file without a newline
-P -n -A1 'match second' s/noeol2.txt
-P -n -A5 'first' s/noeol2.txt
-P -n -B1 delta s/noeol.txt
-P -n -C1 beta s/noeol.txt s/noeol2.txt
-P -c -A1 'match' s/noeol.txt
# ---- context on real text
-P -n -C2 copyleft $G3
-P -n -C3 Program $G3
-P -b -A2 'Free Software Foundation' $G2 $G3 $LG
-P -c -A2 the $L
-P -H -B2 -m2 '^\.SH' $M1 $M2
-P -n -C5 '^\.SH' $M1
-P -c -v -C2 the $G3
-P -n -5 'WITHOUT ANY WARRANTY' $L
@in=licenses/GPL-3 -P -n -C1 copyleft
# ---- context across windows: through a pipe, the text comes in pieces
@pin=s/big.txt -P -n -C3 copyleft
@pin=s/big.txt -P -n -b -B5 -A2 'Program[a-z]*'
@pin=s/big.txt -P -v -n -C1 '[aeiou]'
@pin=s/big.txt -P -n -m20 -A4 the
@pin=s/big.txt -P -n -B30 -A30 'Lesser General'
@pin=s/big.txt -P -c -v -C2 the
# ---- context around a binary file: its match counts as printed output
-P -C1 Program s/bin-start $G3
-P -n -A1 Program s/bin-start s/ctx.txt $G3
-P -I -C1 Program s/bin-start $G3
@in=s/ctx.txt -P -C1 match - s/noeol.txt
# ---- --color: defaults
--color=always -P match s/ctx.txt
--color=always -P -n -b -H match s/ctx.txt
--color=always -P -n -C1 match s/ctx.txt
--color=always -P -H -n -C1 --group-separator=XX match s/ctx.txt
--color=always -P -c match s/ctx.txt s/noeol.txt
--color=always -P -l match s/ctx.txt s/noeol.txt $G3
--color=always -P -L match s/ctx.txt s/noeol.txt $G3
--color=always -P -o -n -b 'm[a-z]+' s/ctx.txt
--color=always -P -o -C1 match s/ctx.txt
--color=always -P -i 'MATCH|T[A-Z]' s/ctx.txt
--color=always -P 'x*' s/ctx.txt
--color=always -P -o 'x*|e' s/ctx.txt
--color=always -P -n e s/ctx.txt
--color=always -P -v -n match s/ctx.txt
--color=always -P -v -n -C1 match s/ctx.txt
--color=always -P -n -T -H match s/ctx.txt
--color=always -P -Z -n -H match s/ctx.txt
--color=always -P -z -n -b copyleft s/gpl3.z
--color=always -P -n -C2 Program $G3
--color=always -P match s/crlf.txt
--color=always -P -n -A1 'match second' s/noeol2.txt
# ---- --color with GREP_COLORS
@env='GREP_COLORS=ms=01;32:mc=01;33:sl=1:cx=2:fn=34:ln=33:bn=36:se=35' --color=always -P -n -b -H -C1 match s/ctx.txt
@env='GREP_COLORS=ms=01;32:mc=01;33:sl=1:cx=2:fn=34:ln=33:bn=36:se=35' --color=always -P -v -n -H -C1 match s/ctx.txt
@env='GREP_COLORS=ms=01;32:mc=01;33:sl=1:cx=2:fn=34:ln=33:bn=36:se=35' --color=always -P -o -b -H match s/ctx.txt
@env='GREP_COLORS=ms=01;32:mc=01;33:sl=1:cx=2:fn=34:ln=33:bn=36:se=35' --color=always -P -c match s/ctx.txt s/noeol.txt
@env='GREP_COLORS=sl=1:cx=2:rv' --color=always -P -n -C1 match s/ctx.txt
@env='GREP_COLORS=sl=1:cx=2:rv' --color=always -P -v -n -C1 match s/ctx.txt
@env='GREP_COLORS=rv:sl=1:cx=2:mc=04' --color=always -P -v -n -C1 match s/ctx.txt
@env='GREP_COLORS=ne' --color=always -P -n -H -C1 match s/ctx.txt
@env='GREP_COLORS=ne:sl=1' --color=always -P -b match s/ctx.txt
@env='GREP_COLORS=mt=01;34' --color=always -P -n -C1 match s/ctx.txt
@env='GREP_COLORS=mt=01;34:mc=7' --color=always -P -v -n -C1 match s/ctx.txt
@env='GREP_COLORS=ms=:mc=' --color=always -P -n -C1 match s/ctx.txt
@env='GREP_COLORS=ms=' --color=always -P -o match s/ctx.txt
@env='GREP_COLORS=fn=:ln=:bn=:se=' --color=always -P -H -n -b -C1 match s/ctx.txt
@env='GREP_COLORS=sl=7' --color=always -P match s/crlf.txt
@env='GREP_COLORS=sl=7:cx=4' --color=always -P -n -C1 'x*' s/ctx.txt
@env='GREP_COLORS=ln=32;4:fn=ab:bn=33' --color=always -P -n -b -H match s/ctx.txt
@env='GREP_COLORS=ms=01;32:zz=5:ln=35' --color=always -P -n match s/ctx.txt
@env='GREP_COLORS=' --color=always -P -n match s/ctx.txt
@env='GREP_COLOR=01;32' --color=always -P match s/ctx.txt
@env='GREP_COLORS=ms=01;32:ln=35:se=33' --color=always -P -n --group-separator=SEP -A1 match s/ctx.txt
# ---- --color never, auto, spellings
--color=never -P -n match s/ctx.txt
--colour=always -P match s/ctx.txt
--colour=always -P -H -n match s/ctx.txt
@pipe --color=auto -P -n -H match s/ctx.txt
@pipe --color -P -n match s/ctx.txt
@pipe --colour=auto -P -C1 match s/ctx.txt
@env='GREP_COLORS=ms=01;32' --color=never -P -n match s/ctx.txt
# ---- -Z, --null
-P -l -Z match s/ctx.txt s/noeol.txt $G3
-P -L -Z match s/ctx.txt s/noeol.txt $G3
-P -c -Z match s/ctx.txt s/noeol.txt
-P -Z -H match s/ctx.txt
-P -Z match s/ctx.txt
-P -Z -n -C1 match s/ctx.txt s/noeol.txt
-P -Z -b -o -H match s/ctx.txt
-P --null -l copyleft $L
-P --null -c -h copyleft $G2 $G3
# ---- -z, --null-data
-P -z -c Program s/gpl3.z
-P -z -o -n 'Program[a-z]*' s/gpl3.z
-P -z -n -b copyleft s/gpl3.z
-P -z -v -c the s/gpl3.z
-P -z -n -C1 copyleft s/gpl3.z
-P -z -n -C1 match s/ctx.z
-P -z -l Program s/gpl3.z s/ctx.z
-P -z -Z -l Program s/gpl3.z s/ctx.z
-P -z -H -c match s/gpl3.z s/ctx.z
-P -z -c copyleft s/gpl3.para
-P -z -o '^[A-Z][a-z]+' s/gpl3.para
-P -z -n 'TERMS AND CONDITIONS' s/gpl3.para
-P -z -c 'twenty$' s/ctx.txt
-P -z -c 'twenty\n$' s/ctx.txt
-P -z -c 'one.two' s/ctx.txt
-P -z -c '(?m)^two$' s/ctx.txt
-P -z -c copyleft s/bin-start
-P -z -o '\x00?zero' s/bin-late
@in=s/ctx.z -P -z -m2 -n match
-P -z -Z -c Program s/gpl3.z s/ctx.z
-P -z -c -v match s/ctx.z
-P -z -L -Z twelve s/gpl3.z s/ctx.z
-P -z -c '' s/gpl3.para
-P -z -c -m3 the s/gpl3.z
--color=always -P -z -n -C1 -H match s/ctx.z
# ---- -T, --initial-tab
-P -T -n match s/ctx.txt
-P -T -b match s/ctx.txt
-P -T -H match s/ctx.txt
-P -T -n -b -H match s/ctx.txt
-P -T -n -C1 match s/ctx.txt
-P -T -n '' s/ctx.txt
-P -T -n -o 'm[a-z]+' s/ctx.txt
-P -T -c match s/ctx.txt s/noeol.txt
-P -T -n copyleft $G3
-P -T -n -b Program $G3
-P --initial-tab -H -n -A1 copyleft $G2 $G3
-P -T -Z -H -n match s/ctx.txt
-P -T match s/ctx.txt
@in=s/ctx.txt -P -T -n match
@pin=s/ctx.txt -P -T -n match
@pin=s/ctx.txt -P -T -b -C1 eight
# ---- --label, --line-buffered
@in=s/ctx.txt -P --label=LBL -H match
@in=s/ctx.txt -P --label=LBL match
@in=s/ctx.txt -P --label=LBL -c match - s/noeol.txt
@in=s/ctx.txt -P --label=LBL -l match
@in=s/ctx.txt -P --label=LBL -n -C1 match - s/noeol.txt
@in=s/ctx.txt -P --label= -H -n match
@in=s/ctx.txt -P -H match
@pin=s/ctx.txt -P --label=piped -H -c match
-P --line-buffered -n copyleft $L
@pipe -P --line-buffered -c the $L
@pin=licenses/GPL-3 -P --line-buffered -n -A1 copyleft
@pipe -P --line-buffered -n -C1 match s/ctx.txt s/noeol.txt
@pipe -P --line-buffered -l -Z match s/ctx.txt s/noeol.txt
# ---- binary files: --binary-files, -a, -I
-P copyleft s/bin-start
-P -c copyleft s/bin-start
-P -l copyleft s/bin-start
-P -L copyleft s/bin-start
-P -o copyleft s/bin-start
-P -v -c copyleft s/bin-start
-P -a -n copyleft s/bin-start
-P -I copyleft s/bin-start
-P -I -c copyleft s/bin-start
-P -I -l copyleft s/bin-start $G3
-P -I -L copyleft s/bin-start $G3
--binary-files=text -P -n copyleft s/bin-start
--binary-files=without-match -P -c copyleft s/bin-start $G3
--binary-files=binary -P -n copyleft s/bin-start
--binary-files=foo -P -n copyleft s/bin-start
-a --binary-files=binary -P -c copyleft s/bin-start
-I -a -P -c copyleft s/bin-start
-a -I -P -c copyleft s/bin-start
-P -U -c copyleft s/bin-start $G3
--binary -P -n copyleft $G3
-P -n Program s/bin-small
-P -c Program s/bin-small
-P -o -b Program s/bin-small
-P -a -c Program s/bin-small
-P -I -n Program s/bin-small $G3
-P -n Program s/bin-late
-P -c Program s/bin-late
-P -v -c Program s/bin-late
-P -o -n Program s/bin-late
-P -l Program s/bin-late
-P -L Program s/bin-late
-P -I -n Program s/bin-late
-P -I -c Program s/bin-late
-P -I -l Program s/bin-late
-P -a -c Program s/bin-late
-P -a -n zero s/bin-late
--binary-files=text -P -c zero s/bin-late
-P -n -C1 Program s/bin-late
-P -c '' s/bin-runs
-P -c -v zzz s/bin-runs
-P -n Program s/bin-runs
-P -a -n '' s/bin-runs
-P -q Program s/bin-runs
-P -c Program s/bin-start s/bin-small s/bin-late s/bin-runs $G3
# ---- -d, -D, --exclude-dir, --exclude-from, --include
-P -d skip copyleft licenses $G3
-P --directories=skip -c copyleft licenses man $G3
-P -d read copyleft licenses $G3
-P -d read -s copyleft licenses $G3
-P --directories=read -c copyleft $G3 man
@sort -P -d recurse -c copyleft licenses
-P -D skip -c copyleft f/fifo $G3
-P --devices=skip copyleft f/fifo
-P -D skip -r -c copyleft f
@sort -P -r -c copyleft f
@sort -P -r -c --exclude-dir=man copyleft licenses man
@sort -P -r -l --exclude-dir=man copyleft .
@sort -P -r -l --exclude-dir='l*' copyleft licenses man
@sort -P -r -l --exclude-dir=man/ copyleft licenses man
@sort -P -r -l --exclude-dir=s --exclude-dir=f --exclude-dir=man copyleft
@sort -P -r -c --exclude-from=s/excl copyleft licenses man
-P -c --exclude-from=s/excl copyleft $L
@sort -P -r -c --include='GPL*' copyleft licenses
@sort -P -r -c --include='GPL*' --exclude='GPL-2' copyleft licenses
-P -c --include='GPL*' copyleft $G2 $G3 $AP
@sort -P -r -l --include='*.1' --exclude-dir=licenses -i name man licenses
# ---- a UTF-8 locale
@utf8 -P -i -o 'CAFÉ|ÜBER' s/utf8.txt
@utf8 -P -n -B3 match s/held.txt
@utf8 -P -n -C1 match s/held.txt
@utf8 -P -z -n -C2 match s/held.txt
@utf8 -P -v -A1 MATCH s/vrun.txt
@utf8 -P -v -n -C1 MATCH s/vrun.txt
@utf8 -P -v -n -B2 MATCH s/vrun.txt
@utf8 --color=always -P -i 'é' s/utf8.txt
@utf8 --color=always -P -n -C1 'über|Über' s/utf8.txt
@utf8 -P -n -T 'é' s/utf8.txt
@utf8 -P -o -b 'ü.|ß' s/utf8.txt
@utf8 -P -n caf s/utf8-bad.txt
@utf8 -P -c caf s/utf8-bad.txt
@utf8 -P -n -C1 another s/utf8-bad.txt
@utf8 -P -a -n caf s/utf8-bad.txt
@utf8 -P -I -c caf s/utf8-bad.txt
@utf8 --binary-files=without-match -P -n caf s/utf8-bad.txt
@utf8 -P -z -c caf s/utf8-bad.z
@utf8 -P -z -n another s/utf8-bad.z
@utf8 -P -c -i 'the' $L
@utf8 --color=always -P -n -C1 copyleft $G3
EOF

# ---- --column and --vimgrep against ripgrep 13 ------------------------------
# rg runs with -P (PCRE2, as srcgrep) and -j1 (files in the order given).
# Its -h is --help and its standard input "<stdin>": the cases avoid both.
if rg --version 2>/dev/null | grep -q '^ripgrep 13\.'; then
    REF=rg REF_PRE="-P -j1"
    while IFS= read -r line; do
        case $line in
        '' | '#'*) continue ;;
        esac
        case_run "$line"
    done <<'EOF'
--column copyleft $G3
--column -b Program $G3 $LG
--column -C1 match s/ctx.txt
--column -o 'm[a-z]+' s/ctx.txt
--column -v match s/ctx.txt
--column 'x*' s/ctx.txt
--column -i 'MATCH|T[A-Z]' s/ctx.txt s/noeol.txt
--column -m2 -A1 'match (one|three)' s/ctx.txt
--vimgrep match s/ctx.txt
--vimgrep -b e s/ctx.txt s/noeol.txt
--vimgrep -C1 match s/ctx.txt
--vimgrep 'x*' s/ctx.txt
--vimgrep -c match s/ctx.txt s/noeol.txt
--vimgrep -o 'match [a-z]+' s/ctx.txt
--vimgrep -v e s/ctx.txt
--vimgrep 'Program|copyleft' $G3 $G2
--vimgrep match s/crlf.txt
EOF
else
    pass "compat/rg (no ripgrep 13: --column and --vimgrep not compared)"
fi

# ---- a file of NUL bytes only ------------------------------------------------
# No newline ever ends a line, but in a binary file a NUL does (grep turns
# NULs into newlines): the window must not grow to hold the file.  The peak
# RSS is that of the program alone, a few MB (more under the sanitizers),
# whatever the size; 64 MB leaves room and is far below the file's size.
if [ -x /usr/bin/time ] && /usr/bin/time -f %M true >/dev/null 2>&1; then
    if [ "$SANITIZED" = 1 ]; then size=96; else size=200; fi
    head -c "${size}M" /dev/zero >"$T/zeros"
    gzip -1 -c "$T/zeros" >"$T/zeros.gz"
    for how in --no-mmap pipe gzip; do
        case $how in
        pipe) cmd="cat '$T/zeros' | '$SRCGREP' -c x" ;;
        gzip) cmd="'$SRCGREP' -c x '$T/zeros.gz'" ;;
        *) cmd="'$SRCGREP' $how -c x '$T/zeros'" ;;
        esac
        rss=$(/usr/bin/time -f %M sh -c "$cmd >'$T/z.out' 2>'$T/z.err'" 2>&1 | tail -n 1)
        out=$(cat "$T/z.out")
        if [ "$out" = 0 ] && [ ! -s "$T/z.err" ] && [ "$rss" -lt 65536 ]; then
            pass "compat/zeros $how: $size MB of NULs in $rss KB"
        else
            fail "compat/zeros $how" "srcgrep -c x on $size MB of NULs: printed '$out', $(head -c 200 "$T/z.err"), peak RSS $rss KB (at most 65536 expected)"
        fi
    done
    rm -f "$T/zeros" "$T/zeros.gz"
else
    pass "compat/zeros (no GNU time: memory not measured)"
fi
exit 0

