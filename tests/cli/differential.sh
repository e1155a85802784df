#!/bin/sh
# srcgrep against GNU grep (LC_ALL=C for both) over real text already on the
# machine: /usr/share/common-licenses/* and the first $DIFF_MAN (200) man
# pages of /usr/share/man/man1, decompressed into a scratch directory.
#
# Each group runs one command line three times: GNU grep, srcgrep --mmap
# and srcgrep --no-mmap.  The two srcgrep runs must agree byte for byte with
# each other and with grep on stdout, stderr and the exit status.  grep runs
# with -P (PCRE2, as srcgrep) except where GNU grep 3.8 refuses it: several
# patterns (-e twice, -f) use -E or -F with syntax that means the same to
# both.  Under -r, GNU grep's directory order (readdir's) is put in
# srcgrep's sorted order first.
. "${TESTS:-$(dirname "$0")/..}/lib.sh"

REF=${REF_GREP:-grep}
if ! "$REF" --version 2>/dev/null | grep -q 'GNU grep'; then
    fail differential "no GNU grep to compare with ($REF)"
    exit 0
fi

C=$T/corpus
mkdir -p "$C/licenses" "$C/man"
for f in /usr/share/common-licenses/*; do
    [ -f "$f" ] && cp -L "$f" "$C/licenses/"
done
n=0
for f in /usr/share/man/man1/*.gz; do
    [ -f "$f" ] || continue
    [ "$n" -lt "${DIFF_MAN:-200}" ] || break
    # names as plain words: no shell pattern characters, no spaces
    name=$(basename "$f" .gz | tr -c 'A-Za-z0-9._+\n-' '_')
    gzip -dc "$f" >"$C/man/$name" 2>/dev/null && n=$((n + 1))
done
cd "$C" || exit 1
L=$(echo licenses/* man/*)
if [ "$n" -lt 20 ] || [ "$L" = "licenses/* man/*" ]; then
    fail differential "too little text on this machine (licenses or man pages missing)"
    exit 0
fi
printf 'copyleft\nFITNESS\n[Ww]arrant[a-z]*\n' >"$T/pats-re"
printf 'the GNU\n.SH NAME\n(at your option)\n' >"$T/pats-fixed"

# d [-sort] [-in FILE] ARG...: one comparison group; its name is the command
# line, with the file list written as the globs it comes from.
d() {
    sort_ref=0 in=/dev/null
    while :; do
        case $1 in
        -sort) sort_ref=1; shift ;;
        -in) in=$2; shift 2 ;;
        *) break ;;
        esac
    done
    show=$(shquote "$@" | sed "s|$(echo "$L" | sed 's/[.[\*^$]/\\&/g')|licenses/* man/*|")
    [ "$in" = /dev/null ] || show="$show <$in"
    "$REF" "$@" <"$in" >"$T/ref.out" 2>"$T/ref.err"
    rs=$?
    if [ "$sort_ref" = 1 ]; then
        sort -s -t: -k1,1 "$T/ref.out" >"$T/ref.sorted" && mv "$T/ref.sorted" "$T/ref.out"
    fi
    sed -e 's/^grep:/srcgrep:/' "$T/ref.err" >"$T/ref.err2" && mv "$T/ref.err2" "$T/ref.err"
    "$SRCGREP" --mmap "$@" <"$in" >"$T/m.out" 2>"$T/m.err"
    ms=$?
    "$SRCGREP" --no-mmap "$@" <"$in" >"$T/n.out" 2>"$T/n.err"
    ns=$?
    why=""
    for mode in m n; do
        case $mode in m) st=$ms opt=--mmap ;; *) st=$ns opt=--no-mmap ;; esac
        [ "$st" = "$rs" ] || why="${why:+$why; }srcgrep $opt exit status $st, grep $rs"
        x=$(describe_diff "srcgrep $opt stdout" "$T/ref.out" "$T/$mode.out") || why="${why:+$why; }$x"
        x=$(describe_diff "srcgrep $opt stderr" "$T/ref.err" "$T/$mode.err") || why="${why:+$why; }$x"
    done
    x=$(describe_diff "--mmap vs --no-mmap stdout" "$T/m.out" "$T/n.out") || why="${why:+$why; }$x"
    if [ -z "$why" ]; then
        pass "differential/$show"
    else
        fail "differential/$show" "$why; command, in the corpus directory (see the top of this script; KEEP_TMP=1 keeps it): LC_ALL=C srcgrep --mmap|--no-mmap $show vs LC_ALL=C $REF $show"
    fi
}

# Patterns whose meaning is the same in grep -P and PCRE2: a rare literal,
# a common word, a case-insensitive word, a regular expression.
for p in copyleft the '[A-Z][a-z]+ing\b' '^\.S[HS] [A-Z]+'; do
    for opts in "" -n -c -l -L -o -b "-b -o" -v -vc -i -w -h "-m 3" "-n -o -i" \
        "-c -w -i" "-m 3 -c -v" "-b -n -H"; do
        # shellcheck disable=SC2086
        d -P $opts "$p" $L
    done
    d -q -P "$p" $L
done
for opts in -c -l "-o -n" -L -w "-i -c"; do
    # shellcheck disable=SC2086
    d -P -i $opts license $L
done
# -x: whole lines
d -P -x '\.(SH|PP|TP|IP)' $L
d -P -x -c '\.(SH|PP|TP|IP)' $L
d -P -x -v -c '\.(SH|PP|TP|IP)' $L
d -P -x -n -i '\.sh name' $L
# -F: literals full of regex syntax
d -F '(at your option)' $L
d -F -n -i 'gnu general public license' $L
d -F -c -w the $L
d -F -x '.PP' $L
d -F -o -b '\fB' $L
d -F -l 'http://' $L
# several patterns: -E, which GNU grep accepts with -e and -f
d -E -e 'copy(right|left)' -e 'warrant(y|ies)' $L
d -E -c -e 'copy(right|left)' -e 'warrant(y|ies)' $L
d -E -o -n -e 'copy(right|left)' -e 'warrant(y|ies)' $L
d -E -f "$T/pats-re" $L
d -E -c -i -f "$T/pats-re" $L
d -E -o -w -f "$T/pats-re" $L
d -F -f "$T/pats-fixed" $L
d -F -c -f "$T/pats-fixed" $L
d -F -e the -e GNU -c $L
# -a (the text has no NUL: the same), a missing file among the others, -s
d -P -a -c the $L
d -P -c copyleft $L no-such-file
d -P -s -n copyleft no-such-file $L
d -P -q -s FITNESS no-such-file $L
# one file: no names unless -H
d -P copyleft licenses/GPL-3
d -P -H -n copyleft licenses/GPL-3
d -P -c the licenses/GPL-3
# standard input
d -in licenses/GPL-3 -P -n 'Program'
d -in licenses/GPL-3 -P -c -v 'the'
# -r over the directory, over an operand and with none
d -sort -r -P copyleft .
d -sort -r -P -n '[A-Z][a-z]+ing\b' .
d -sort -r -P -c the licenses man
d -sort -r -P -l FITNESS .
d -sort -r -P -L FITNESS .
d -sort -r -P -o -b -i 'gpl' licenses
d -sort -r -P -m 3 -n the
d -sort -r -E -c -e copyleft -e FITNESS
exit 0
