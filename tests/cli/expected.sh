#!/bin/sh
# srcgrep against hand-written expectations: for each case below, stdout,
# stderr and the exit status must equal tests/expected/NAME.out,
# tests/expected/NAME.err (an absent file means "nothing") and STATUS.
#
# The expectations were written from GNU grep 3.8's documented and observed
# behaviour, not from srcgrep's output.  Cases not marked -own (those where
# srcgrep means to differ: sorted directory order, FIFOs under -R, --mmap,
# its own help) can be checked against GNU grep itself:
#     REF=grep sh tests/cli/expected.sh
# runs GNU grep instead, with "grep" read as "srcgrep" in its messages.
. "${TESTS:-$(dirname "$0")/..}/lib.sh"

EXP=$TESTS/expected
W=$T/w
mkdir -p "$W"
cd "$W" || exit 1

# ---- fixtures -------------------------------------------------------------
printf 'hello world\nfoo bar\nHello again\nfoo\n' >a   # lines at 0, 12, 20, 32
printf 'no match here\nfoobar baz\n' >b
printf 'foo foobar barfoo\nfoo_bar foo-bar\nfoobar\nfoo\n  foo  \n' >words
printf 'a.c\nabc\n[x]\n' >meta
printf 'abc\nxyz\n' >abc
printf 'first foo\nlast foo' >nonl                      # no final newline
: >empty
printf 'foo\r\nbar\r\n\r\n' >crlf
printf 'text foo\nbin\000foo\nlast\n' >bin              # NUL in the first buffer
printf 'foo one\nfoo two\000' >bintail                # NUL after the last newline
printf 'a1\n\377a2\na3\n' >badutf                      # not UTF-8 in its second line
printf 'a\n\nb\n\n' >blank                            # empty lines, the last one too
# a NUL past the first 96 KiB: 5000 lines of 21 bytes come first
{ yes 'filler filler filler' | head -n 5000; printf 'keep\000foo\nfoo end\n'; } >latebin
# a NUL in an early read window, the match many windows later
{ yes 'filler filler filler' | head -n 10000; printf 'x\000y\n'; yes 'filler filler filler' | head -n 40000; echo 'foo end'; } >latemid
printf 'hello\nbaz\n' >pats
# for the literal prefilter and for patterns a search over many lines at
# once could misjudge: each line below is matched alone, as grep does
printf 'ya{\nzz\nxb}\n' >brace                         # a{|b}: "a{" or "b}"
printf 'a\nq\nzb:]x]yz\n' >bracket
printf 'x\nfoo\nfoo\n' >look                          # lines before and after "foo"
printf 'a  \nb\n' >trail
printf 'a\nb\n' >ab
printf 'a\rb\n' >cr
printf 'aa\nbb\nab\n' >pairs
mkdir emptyd
# d: a tree with a hidden file, a file and a directory symlink and a FIFO
mkdir -p d/sub d/a.b
printf 'foo B\n' >d/B
printf 'foo 3\n' >d/a.b/three
printf 'foo 1\n' >d/one
printf 'foo 2\n' >d/sub/two
printf 'foo hidden\n' >d/sub/.hidden
ln -s ../a d/flink
ln -s sub d/dlink
mkfifo d/fifo
# loop: loop/sub/up leads back to loop
mkdir -p loop/sub
printf 'foo x\n' >loop/x
printf 'foo y\n' >loop/sub/y
ln -s .. loop/sub/up
# dl: a dangling symlink
mkdir dl
printf 'foo\n' >dl/ok
ln -s nowhere dl/broken

# ---- the runner -------------------------------------------------------------
# t NAME STATUS [-own] [-utf] [-null] [-in FILE] [-cd DIR] -- ARG...
# (-utf: in the C.UTF-8 locale rather than C; -null: stdout to /dev/null)
t() {
    name=$1 want=$2
    shift 2
    own=0 in=/dev/null dir=. loc=C out=$T/.out
    : >"$T/.out"
    while [ "$1" != "--" ]; do
        case $1 in
        -own) own=1 ;;
        -utf) loc=C.UTF-8 ;;
        -null) out=/dev/null ;;
        -in) in=$2; shift ;;
        -cd) dir=$2; shift ;;
        *) fail "expected/$name" "bad case flag $1"; return ;;
        esac
        shift
    done
    shift
    wout=$EXP/$name.out werr=$EXP/$name.err
    [ -f "$wout" ] || wout=/dev/null
    [ -f "$werr" ] || werr=/dev/null
    if [ -n "${REF:-}" ]; then
        [ "$own" = 1 ] && return
        prog=$REF
    else
        prog=$SRCGREP
    fi
    # a FIFO opened by mistake would block: the timeout makes that a failure
    (cd "$dir" && LC_ALL=$loc exec timeout 20 "$prog" "$@") <"$in" >"$out" 2>"$T/.err"
    got=$?
    if [ -n "${REF:-}" ]; then
        sed -e 's/^grep:/srcgrep:/' -e 's/^Usage: grep /Usage: srcgrep /' \
            -e "s/^Try 'grep --help'/Try 'srcgrep --help'/" "$T/.err" >"$T/.err2"
        mv "$T/.err2" "$T/.err"
    fi
    why=""
    [ "$got" = "$want" ] || why="exit status $got, expected $want"
    d=$(describe_diff stdout "$wout" "$T/.out") || why="${why:+$why; }$d"
    d=$(describe_diff stderr "$werr" "$T/.err") || why="${why:+$why; }$d"
    if [ -z "$why" ]; then
        pass "expected/$name"
    else
        cmd="cd $dir && LC_ALL=$loc srcgrep $(shquote "$@")"
        [ "$in" = /dev/null ] || cmd="$cmd <$in"
        [ "$out" = "$T/.out" ] || cmd="$cmd >$out"
        fail "expected/$name" "$why; command: $cmd"
    fi
}

# ---- matching -------------------------------------------------------------
t basic 0 -- foo a
t nomatch 1 -- zzz a
t multi 0 -- foo a b
t ignore-case 0 -- -i hello a
t invert 0 -- -v foo a
t invert-count 0 -- -vc foo a
t word 0 -- -w foo words
t word-only 0 -- -ow 'foo[a-z]*' words
t line 0 -- -x foo words
t line-invert-count 0 -- -xvc foo words
t line-word 0 -- -w -x foo words
t line-icase 0 -- -xi FOO words
t fixed 0 -- -F a.c meta
t regex-dot 0 -- a.c meta
t fixed-bracket 0 -- -F '[x]' meta
t fixed-icase-word 0 -- -iFw HELLO a
t extended 0 -- -E 'fo+ ba[rz]' a b
t perl 0 -- -P 'foo(?=bar)' b words
t multi-e 0 -- -e hello -e baz a b
t newline-patterns 0 -- -e 'hello
baz' a b
t pattern-file 0 -- -f pats a b
t pattern-file-stdin 0 -in pats -- -f - a b
t pattern-file-empty 1 -- -f empty a
t pattern-file-empty-invert 0 -- -v -f empty a
t pattern-file-empty-count 1 -- -c -f empty a missing
t pattern-file-missing 2 -- -f nopats a
t empty-pattern 0 -- -c '' a nonl empty
t empty-pattern-invert 1 -- -cv '' a missing
t long-options 0 -- --count --ignore-case hello a
t long-max-count 0 -- --max-count=1 --regexp=foo a
t options-after-operands 0 -- foo a -n
# a required literal must be in every match, or its lines are passed over
t literal-brace 0 -- -P 'a{|b}' brace
t literal-posix-bracket 0 -- -P '[[:a]|b:]x]yz' bracket
t literal-class-quote 0 -- -P '[\E]ab]' bracket
t literal-utf8-optional 0 -utf -- -P 'aé?' ab
# constructs that see or take more than their line
t lookbehind-line-start 0 -- -P -n '(?<!\s)foo' look
t lookahead-line-end 0 -- -P -n 'foo(?!\s)' look
t possessive-line-end 0 -- -P '\s++$' trail
t keep-out-line-start 0 -- -P -c '[a]\s*\Kb?' ab
t newline-verb 1 -- -P -c '(*CR)a$' cr
t newline-verb-crlf 1 -- -P -c '(*ANYCRLF)foo$' crlf
t line-quote 0 -- -P -x '\Qa.c' meta
t multi-quote 0 -own -- -h -e '\Qa.c' -e xyz meta abc
t multi-backref 0 -- -E -e '(b)' -e '(a)\1' pairs

# ---- output modes -----------------------------------------------------------
t count 0 -- -c foo a b empty
t count-nomatch 1 -- -c zzz a
t files-with 0 -- -l foo a b empty
t files-with-none 1 -- -l zzz a b
t files-with-count 0 -- -l -c foo a b
t files-without 0 -- -L foo a b empty
t files-without-all 1 -- -L zzz a b
t files-without-none 0 -- -L foo a
t lineno 0 -- -n foo a
t byte-offset 0 -- -b foo a
t byte-offset-only 0 -- -b -o o a
t lineno-offset-name 0 -- -nbH foo a
t with-filename 0 -- -H foo a
t no-filename 0 -- -h foo a b
t only 0 -- -o 'fo*' a
t only-lineno 0 -- -on o a
t only-empty-matches 0 -- -o 'q*' abc
t only-empty-then-some 0 -- -o 'b*' abc
t only-count 0 -- -co o a
t only-invert 0 -- -ov foo a
t quiet 0 -- -q foo a
t quiet-none 1 -- -q zzz a
t quiet-error-before 0 -- -q foo missing a
t quiet-error-after 0 -- -q foo a missing
t quiet-error-nomatch 2 -- -q zzz a missing
t missing 2 -- foo missing a
t missing-only 2 -- foo missing
t silent 2 -- -s foo missing a
# /proc/self/mem opens but reading its offset 0 fails (EIO)
t read-error 2 -- -c foo /proc/self/mem a
t read-error-files-without 2 -- -L foo /proc/self/mem a
t max-count 0 -- -m 1 foo a b
t max-count-count 0 -- -m1 -c foo a
t max-count-invert 0 -- -m 1 -v foo a
t max-zero 1 -- -m 0 foo a
t max-zero-missing 1 -- -m 0 foo missing
t max-zero-files-without 1 -- -m 0 -L foo a b
t max-negative 0 -- -m -1 foo a
t max-invalid 2 -- -m x foo a

# ---- binary files -----------------------------------------------------------
t binary 0 -- foo bin
t binary-nomatch 1 -- zzz bin
t binary-count 0 -- -c foo bin
t binary-count-invert 0 -- -cv foo bin
t binary-count-anchor 0 -- -c '^foo' bin
t binary-text 0 -- -a foo bin
t binary-text-count-invert 0 -- -a -cv foo bin
t binary-text-anchor 1 -- -a -c '^foo' bin
t binary-files-with 0 -- -l foo bin a
t binary-only 0 -- -o foo bin
t binary-among-text 0 -- foo a bin b
t binary-stdin 0 -in bin -- foo
t binary-tail 0 -- foo bintail
t binary-devnull 0 -null -- foo bin a
t binary-devnull-error 2 -null -- foo bin missing
t max-zero-files-without-devnull 1 -null -- -m 0 -L foo missing
t binary-tail-count 0 -- -c '' bintail
t utf8-invalid 0 -utf -- a badutf
t utf8-invalid-count 0 -utf -- -c a badutf
t utf8-invalid-c-locale 0 -- a badutf
t latebin 0 -- foo latebin
t latebin-count 0 -- -c foo latebin
t latebin-count-anchor 0 -- -c '^foo' latebin
t latebin-text-count-anchor 0 -- -a -c '^foo' latebin
t latebin-count-invert 0 -- -cv filler latebin
t latebin-text-count-invert 0 -- -a -cv filler latebin
t latemid 0 -- foo latemid
t latemid-no-mmap 0 -own -- --no-mmap foo latemid
t latemid-mmap 0 -own -- --mmap foo latemid
t latemid-stdin 0 -in latemid -- foo

# ---- line ends --------------------------------------------------------------
t nonl 0 -- foo nonl
t nonl-count 0 -- -c foo nonl
t nonl-invert 0 -- -v first nonl
t nonl-offset 0 -- -bo foo nonl
t nonl-anchor 0 -- -c 'foo$' nonl
t empty-count 1 -- -c foo empty
t empty-invert 1 -- -v foo empty
t empty-files-without 1 -- -L foo empty
t crlf 0 -- foo crlf
t crlf-anchor 1 -- -c 'foo$' crlf
t crlf-line 1 -- -x foo crlf
t crlf-only 0 -- -o 'r.$' crlf
t crlf-empty-line 1 -- -c -x '' crlf
t blank-count 0 -- -c '^$' blank
t blank-lines 0 -- -n '^$' blank
t blank-invert 0 -- -v '^$' blank
t blank-invert-stdin 0 -in blank -- -v '^$'

# ---- standard input ---------------------------------------------------------
t stdin 0 -in a -- foo
t stdin-dash 0 -in a -- foo -
t stdin-name 0 -in a -- -H foo
t stdin-count 0 -in a -- -c foo - b
t stdin-files-with 0 -in a -- -l foo - b
t stdin-files-without 1 -in a -- -L zzz
t stdin-nonl 0 -in nonl -- -n foo
t stdin-twice 0 -in a -- -c foo - -

# ---- directories --------------------------------------------------------------
t dir 0 -own -- foo d
t dir-recursive 0 -own -- -r foo d
t dir-slash 0 -own -- -r foo d/
t dir-slashes 0 -own -- -r foo d//
t dir-count 0 -own -- -rc foo d
t dir-no-filename 0 -own -- -rh foo d
t dir-files-with 0 -own -- -rl foo d a
t recursive-cwd 0 -own -cd d -- -r foo
t recursive-cwd-dot 0 -own -cd d -- -r foo .
t deref 0 -own -- -R foo d
t symlink-file-operand 0 -- -r foo d/flink
t symlink-dir-operand 0 -own -- -r foo d/dlink
t loop 0 -own -- -R foo loop
t loop-r 0 -own -- -r foo loop
t loop-silent 0 -own -- -Rs foo loop
t dangling-deref 2 -- -R foo dl
t dangling-r 0 -- -r foo dl
t dir-empty 1 -- -r foo emptyd

# ---- errors and usage ---------------------------------------------------------
t invalid-regex 2 -- -P 'a)' a
t invalid-regex-default 2 -own -- 'a)' a
t invalid-regex-first 2 -- -P '(' missing
t unknown-option 2 -- --bogus foo a
t unknown-short-option 2 -- -Y foo a
t no-pattern 2 --

# ---- srcgrep's own options ------------------------------------------------------
t mmap 0 -own -- --mmap -c foo a b nonl empty
t no-mmap 0 -own -- --no-mmap -n foo a nonl
t mmap-binary 0 -own -- --mmap foo bin
t mmap-stdin 0 -own -in a -- --mmap -c foo

# standard output appended to one of the inputs: that one is not read
# (expected/self-output.out is what the file holds afterwards)
printf 'foo\n' >self
prog=${REF:-$SRCGREP}
"$prog" foo a self >>self 2>"$T/.err"
rc=$?
why=""
[ "$rc" = 2 ] || why="exit status $rc, expected 2"
d=$(describe_diff "the output file" "$EXP/self-output.out" self) || why="${why:+$why; }$d"
[ -z "${REF:-}" ] || sed -i 's/^grep:/srcgrep:/' "$T/.err"
d=$(describe_diff stderr "$EXP/self-output.err" "$T/.err") || why="${why:+$why; }$d"
if [ -z "$why" ]; then
    pass expected/self-output
else
    fail expected/self-output "$why; command: srcgrep foo a self >>self"
fi

# --help and --version: only their form is checked, not every word
if [ -z "${REF:-}" ]; then
    "$SRCGREP" --help >"$T/.out" 2>"$T/.err"
    rc=$?
    first=$(head -n 1 "$T/.out")
    if [ "$rc" = 0 ] && [ ! -s "$T/.err" ] &&
        [ "$first" = "Usage: srcgrep [OPTION]... PATTERNS [FILE]..." ]; then
        pass expected/help
    else
        fail expected/help "status $rc, first line '$first'; command: srcgrep --help"
    fi
    # a summary that fits a 24-line, 80-column screen
    lines=$(wc -l <"$T/.out")
    wide=$(awk 'length > 79' "$T/.out" | head -1)
    if [ "$lines" -le 23 ] && [ -z "$wide" ]; then
        pass expected/help-fits
    else
        fail expected/help-fits "$lines lines${wide:+, too wide: $wide}"
    fi
    "$SRCGREP" --version >"$T/.out" 2>"$T/.err"
    rc=$?
    if [ "$rc" = 0 ] && [ ! -s "$T/.err" ] && grep -q '^srcgrep [0-9]' "$T/.out"; then
        pass expected/version
    else
        fail expected/version "status $rc; command: srcgrep --version"
    fi
fi
exit 0
