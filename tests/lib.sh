# Shared helpers for the scripts in tests/cli/ (sourced, never run alone;
# it lives outside tests/cli/ so that tests/run.sh does not run it).
#
# Environment, as tests/run.sh exports it: SRCGREP, SRCCAT (absolute paths
# of the binaries under test), TESTS (this directory), TOP, B (the build
# directory: "build" or "build/san" under SANITIZE=1).
#
# Every check prints one line: "PASS name" or "FAIL name: why".

: "${TOP:=$(cd "$(dirname "$0")/../.." && pwd)}"
: "${TESTS:=$TOP/tests}"
: "${B:=build}"
: "${SRCGREP:=$TOP/$B/srcgrep}"
: "${SRCCAT:=$TOP/$B/srccat}"
export LC_ALL=C

# Under the sanitizers everything is several times slower: scripts use
# smaller sizes there.
case $B in
*san*) SANITIZED=1 ;;
*) SANITIZED=0 ;;
esac

pass() { printf 'PASS %s\n' "$1"; }
fail() { printf 'FAIL %s: %s\n' "$1" "$2"; }

# A fresh scratch directory, $T, removed when the script ends however it
# ends.  Background processes a script starts are its own to stop.
T=$(mktemp -d "${TMPDIR:-/tmp}/srcgrep-test.XXXXXX") || {
    fail "$(basename "$0")" "cannot make a temporary directory"
    exit 1
}
# KEEP_TMP=1 keeps it, to rerun a failed command by hand.
cleanup() {
    if [ "${KEEP_TMP:-0}" = 1 ]; then
        echo "kept $T" >&2
    else
        rm -rf "$T"
    fi
}
trap cleanup EXIT
trap 'exit 1' HUP INT PIPE TERM

# describe_diff WHAT EXPECTED ACTUAL: succeeds quietly when the files are
# equal; otherwise fails and prints where they first differ, with the two
# versions of that line (shortened).
describe_diff() {
    if cmp -s "$2" "$3"; then
        return 0
    fi
    where=$(cmp "$2" "$3" 2>&1 | sed -n '1{s/^.* differ: //;s/^cmp: EOF on [^ ]* /one ends /;p;}')
    ln=$(printf '%s' "$where" | sed -n 's/.*line \([0-9]*\).*/\1/p')
    ln=${ln:-1}
    exp=$(sed -n "${ln}{p;q;}" "$2" | cut -c1-100 | sed -n 'l 0')
    act=$(sed -n "${ln}{p;q;}" "$3" | cut -c1-100 | sed -n 'l 0')
    printf '%s differs (%s): expected "%s", got "%s"' "$1" "$where" "$exp" "$act"
    return 1
}

# expect NAME STATUS OUT ERR CMD...: runs CMD with stdin from
# ${STDIN:-/dev/null}; its stdout must be OUT and its stderr ERR (both
# printf formats, e.g. '1\n') and its exit status STATUS.
expect() {
    name=$1 want=$2
    printf "$3" >"$T/.want.out"
    printf "$4" >"$T/.want.err"
    shift 4
    "$@" <"${STDIN:-/dev/null}" >"$T/.out" 2>"$T/.err"
    got=$?
    why=""
    [ "$got" = "$want" ] || why="exit status $got, expected $want"
    d=$(describe_diff stdout "$T/.want.out" "$T/.out") || why="${why:+$why; }$d"
    d=$(describe_diff stderr "$T/.want.err" "$T/.err") || why="${why:+$why; }$d"
    if [ -z "$why" ]; then
        pass "$name"
    else
        cmd=$(shquote "$@")
        [ -z "${STDIN:-}" ] || cmd="$cmd <$STDIN"
        fail "$name" "$why; command: $cmd"
    fi
}

# Quotes its arguments for a shell command line (for messages).
shquote() {
    out=""
    for a in "$@"; do
        case $a in
        *"
"*) # a newline: $'...' keeps the message on one line
            a="\$'$(printf '%s' "$a" | sed -e 's/\\/\\\\/g' -e "s/'/\\\\'/g" | sed -e ':a' -e 'N' -e '$!ba' -e 's/\n/\\n/g')'" ;;
        *[!A-Za-z0-9_./=:,+-]* | "") a="'$(printf '%s' "$a" | sed "s/'/'\\\\''/g")'" ;;
        esac
        out="${out:+$out }$a"
    done
    printf '%s' "$out"
}
