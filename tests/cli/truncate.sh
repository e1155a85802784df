#!/bin/sh
# A mapped file truncated by another process while it is being read: the
# pages past the new end raise SIGBUS, which libsrc's guard turns into the
# error "PATH: file changed while being read".  The program must report it,
# exit 2 and still go on to the next file.
#
# The race is made reliable by truncating as soon as /proc/PID/maps shows
# the file mapped: the search then has hardly begun.  Lines of the big file
# all hold "NEEDLX", which the literal prefilter finds and PCRE2 then
# rejects ('NEEDL[E]'), so the search is slow enough to be caught.  If it
# still ends first, the run is retried with a file twice the size.
. "${TESTS:-$(dirname "$0")/..}/lib.sh"

if [ "$SANITIZED" = 1 ]; then
    SIZE=${TRUNCATE_MB:-128}
else
    SIZE=${TRUNCATE_MB:-384}
fi
cd "$T" || exit 1
big=$T/big
printf 'NEEDLE in other\n' >other

make_big() {
    yes 'NEEDLX, said the line: filler text for the truncation test 0123456789' |
        head -c $(($1 << 20)) >"$big"
}

# race NAME MB CMD...: makes big, runs CMD in the background with stdout to
# $T/race.out and stderr to $T/race.err, truncates big once CMD has mapped
# it, and leaves CMD's exit status in $status.  Returns 1 if CMD was done
# before big could be truncated under it.
race() {
    name=$1 mb=$2
    shift 2
    make_big "$mb"
    "$@" >"$T/race.out" 2>"$T/race.err" &
    pid=$!
    i=0
    while ! grep -q " $big\$" "/proc/$pid/maps" 2>/dev/null; do
        kill -0 "$pid" 2>/dev/null || break
        i=$((i + 1))
        if [ "$i" -gt 3000 ]; then
            kill "$pid" 2>/dev/null
            break
        fi
        sleep 0.002
    done
    truncate -s 0 "$big"
    wait "$pid"
    status=$?
    # an untouched stderr: the program finished before the truncation
    [ -s "$T/race.err" ] || [ "$status" != 0 ]
}

# attempt NAME exact|end WANT_OUT CMD...: the race, retried with bigger
# files, then the checks: exact stderr, status 2, and WANT_OUT (a printf
# format) as the whole of stdout or as its end.
attempt() {
    name=$1 how=$2 want_out=$3
    shift 3
    mb=$SIZE
    tries=0
    until race "$name" "$mb" "$@"; do
        tries=$((tries + 1))
        if [ "$tries" -ge 3 ]; then
            fail "$name" "the command always finished before $big (up to $mb MiB) could be truncated; command: $(shquote "$@")"
            return
        fi
        mb=$((mb * 2))
    done
    prog=$(basename "$1")
    printf '%s: big: file changed while being read\n' "$prog" >"$T/want.err"
    printf "$want_out" >"$T/want.out"
    if [ "$how" = end ]; then
        tail -c "$(wc -c <"$T/want.out")" "$T/race.out" >"$T/race.tail"
    else
        cp "$T/race.out" "$T/race.tail"
    fi
    why=""
    [ "$status" = 2 ] || why="exit status $status, expected 2"
    d=$(describe_diff stderr "$T/want.err" "$T/race.err") || why="${why:+$why; }$d"
    d=$(describe_diff "stdout ($how)" "$T/want.out" "$T/race.tail") || why="${why:+$why; }$d"
    if [ -z "$why" ]; then
        pass "$name"
    else
        fail "$name" "$why; command (big: $mb MiB, truncated to 0 while it ran): $(shquote "$@")"
    fi
}

# grep -c prints the count of a file that failed part way, after the error
attempt truncate/srcgrep-count exact 'big:0\nother:1\n' "$SRCGREP" --mmap -c 'NEEDL[E]' big other
attempt truncate/srcgrep-lines exact 'other:NEEDLE in other\n' "$SRCGREP" --mmap 'NEEDL[E]' big other
attempt truncate/srcgrep-files-without exact 'big\n' "$SRCGREP" --mmap -L 'NEEDL[E]' big other
attempt truncate/srccat end 'NEEDLE in other\n' "$SRCCAT" --mmap big other
# what srccat wrote of big before the fault is a prefix of big's lines
head -c 1000 "$T/race.out" >"$T/head"
yes 'NEEDLX, said the line: filler text for the truncation test 0123456789' | head -c 1000 >"$T/head.want"
d=$(describe_diff "start of stdout" "$T/head.want" "$T/head") || d=""
if [ "$(wc -c <"$T/race.out")" -le 16 ] || [ -z "$d" ]; then
    pass truncate/srccat-prefix
else
    fail truncate/srccat-prefix "$d; command: srccat --mmap big other"
fi
rm -f "$big" "$T/race.out"
exit 0
