#!/bin/sh
# The thread pool: -j1 and -jN print the same bytes (standard output and
# standard error, interleaved as they come) over a tree of a few thousand
# files of every kind; --sort=none prints the same lines in some order;
# output bounded in memory while a slow file holds up the others; write
# errors (/dev/full, a closed pipe); -q and standard input with threads.
. "${TESTS:-$(dirname "$0")/..}/lib.sh"

if [ "$SANITIZED" = 1 ]; then NDIR=8; NFILE=40; else NDIR=30; NFILE=100; fi

# The tree: text from the licences and man pages, some files compressed,
# some damaged, some binary, some empty, some in archives.
W=$T/tree
mkdir -p "$W"
src=$(ls /usr/share/common-licenses/* 2>/dev/null | head -20)
set -- $src
if [ $# -lt 3 ]; then
    fail threads "too little text on this machine (common-licenses missing)"
    exit 0
fi
python3 - "$W" "$NDIR" "$NFILE" "$@" <<'PY'
import gzip, io, os, random, sys, zipfile
top, ndir, nfile = sys.argv[1], int(sys.argv[2]), int(sys.argv[3])
texts = []
for p in sys.argv[4:]:
    try:
        texts.append(open(p, 'rb').read().split(b'\n'))
    except OSError:
        pass
rnd = random.Random(7)
def chunk():
    t = rnd.choice(texts)
    a = rnd.randrange(len(t))
    return b'\n'.join(t[a:a + rnd.randrange(1, 120)]) + b'\n'
for d in range(ndir):
    sub = os.path.join(top, 'd%02d' % d, 'e%d' % (d % 3))
    os.makedirs(sub, exist_ok=True)
    for f in range(nfile):
        kind = rnd.randrange(20)
        base = os.path.join(sub if f % 2 else os.path.dirname(sub), 'f%03d' % f)
        data = chunk()
        if kind == 0:
            open(base + '.gz', 'wb').write(gzip.compress(data))
        elif kind == 1:
            # cut short: an error after some lines
            open(base + '.gz', 'wb').write(gzip.compress(data)[:-30])
        elif kind == 2:
            open(base + '.bin', 'wb').write(data[:200] + b'\0' + data)
        elif kind == 3:
            open(base + '.txt', 'wb').write(b'')
        elif kind == 4:
            z = io.BytesIO()
            with zipfile.ZipFile(z, 'w', zipfile.ZIP_DEFLATED) as zf:
                zf.writestr('a.txt', data)
                zf.writestr('b/c.txt', chunk())
            open(base + '.zip', 'wb').write(z.getvalue())
        elif kind == 5:
            open(base + '.u16', 'wb').write(b'\xff\xfe' + data.decode('latin-1').encode('utf-16-le'))
        else:
            open(base + '.txt', 'wb').write(data)
PY
n=$(find "$W" -type f | wc -l)
[ "$n" -gt 100 ] || { fail threads "tree not made ($n files)"; exit 0; }

# same NAME ARGS...: -j1, -j2 and -j8 give the same bytes and status
same() {
    name=$1
    shift
    "$SRCGREP" -j1 "$@" >"$T/j1" 2>&1
    s1=$?
    why=""
    for j in 2 8; do
        "$SRCGREP" -j$j "$@" >"$T/jn" 2>&1
        sn=$?
        [ "$sn" = "$s1" ] || why="${why:+$why; }-j$j exit status $sn, -j1 $s1"
        d=$(describe_diff "-j$j output" "$T/j1" "$T/jn") || why="${why:+$why; }$d"
    done
    if [ -n "$why" ]; then
        fail "threads/$name" "$why; command: srcgrep -jN $(shquote "$@")"
    elif [ ! -s "$T/j1" ] && [ "$name" != empty ]; then
        fail "threads/$name" "no output at all: the case tests nothing"
    else
        pass "threads/$name"
    fi
}

cd "$T" || exit 1
same lines -r license tree
same numbers -rnb -i 'free software' tree
same count -rc the tree
same list -rl GNU tree
same list-without -rL GNU tree
same only -rno '[A-Z][a-z]+ [A-Z][a-z]+' tree
same invert -rvc e tree
same max-count -r -m2 -n the tree
same binary -r -a Copyright tree
same members -r --include='*.zip' --include='*.txt' -H -n then tree
same two-operands -rn warranty tree/d01 tree/d00 tree/d01
same missing -rc the tree/d03 nothing-here tree/d02
same empty -r 'no such words here at all' tree

# --sort=none: the same lines, in whatever order the files end
"$SRCGREP" -j1 -rn license tree 2>&1 | sort >"$T/sorted1"
"$SRCGREP" -j4 --sort=none -rn license tree 2>&1 | sort >"$T/sortedn"
if d=$(describe_diff "sorted output" "$T/sorted1" "$T/sortedn"); then
    pass threads/sort-none
else
    fail threads/sort-none "$d"
fi
# ... and each file's lines stay together
"$SRCGREP" -j4 --sort=none -rn license tree 2>/dev/null | awk -F: '
    $1 != last { if (seen[$1]++) bad = bad " " $1; last = $1 }
    END { if (bad != "") { print "split:" bad; exit 1 } }' >"$T/split"
if [ $? = 0 ]; then pass threads/sort-none-whole; else fail threads/sort-none-whole "$(head -c 300 "$T/split")"; fi

# -q stops at the first selected line: nothing after it is reported
expect threads/quiet-then-missing 0 '' '' "$SRCGREP" -j4 -q license tree/d00 missing-file
expect threads/quiet-missing-first 0 '' 'srcgrep: missing-file: No such file or directory\n' \
    "$SRCGREP" -j4 -q license missing-file tree/d00

# -q ends inside an archive too: the members after the one that answered
# are not read (a damaged one would be reported), and --json -q prints
# nothing, not even its summary
mkdir -p "$T/qz"
echo needle >"$T/qz/a.txt"
seq 1 100000 | gzip | head -c 3000 >"$T/qz/b.gz"
(cd "$T/qz" && zip -q e2.zip a.txt b.gz)
for j in 1 4; do
    expect threads/quiet-archive-j$j 0 '' '' "$SRCGREP" -j$j -q needle "$T/qz/e2.zip" "$T/qz/b.gz"
    expect threads/quiet-json-j$j 0 '' '' "$SRCGREP" -j$j --json -q needle "$T/qz/a.txt" "$T/qz/a.txt"
done

# -q found in a later file does not cut short an earlier one still being
# searched: its error at the end is reported as one file at a time would
if [ "$SANITIZED" = 1 ]; then NL=200000; else NL=2000000; fi
seq 1 $NL | xz -0 >"$T/qz/slow.xz"
head -c $(($(wc -c <"$T/qz/slow.xz") - 20)) "$T/qz/slow.xz" >"$T/qz/cut.xz"
"$SRCGREP" -j1 -q needle "$T/qz/cut.xz" "$T/qz/a.txt" "$T/qz/b.gz" >"$T/q1.out" 2>"$T/q1.err"
s1=$?
"$SRCGREP" -j4 -q needle "$T/qz/cut.xz" "$T/qz/a.txt" "$T/qz/b.gz" >"$T/q4.out" 2>"$T/q4.err"
s4=$?
if [ "$s1" != 0 ] || [ "$s4" != 0 ]; then
    fail threads/quiet-earlier-finishes "status -j1 $s1, -j4 $s4"
elif ! grep -q 'cut.xz' "$T/q1.err"; then
    fail threads/quiet-earlier-finishes "-j1 did not report the cut file: the case tests nothing"
elif d=$(describe_diff "-j4 stderr" "$T/q1.err" "$T/q4.err"); then
    pass threads/quiet-earlier-finishes
else
    fail threads/quiet-earlier-finishes "$d"
fi

# standard input twice, among files: read once, in its place
printf 'alpha\nbeta\n' >"$T/in"
STDIN=$T/in expect threads/stdin-twice 0 '(standard input):1\n(standard input):0\ntree/d00/f000.txt:0\n' '' \
    "$SRCGREP" -j4 -c alpha - - tree/d00/f000.txt 2>/dev/null
[ -f tree/d00/f000.txt ] || printf '' >tree/d00/f000.txt

# write errors: the run stops at the first, and says so last
if [ -w /dev/full ]; then
    for j in 1 4; do
        sh -c '"$1" -j'$j' -r the "$2" >/dev/full' sh "$SRCGREP" tree 2>"$T/full.err"
        st=$?
        last=$(tail -1 "$T/full.err")
        if [ "$st" != 2 ]; then
            fail threads/dev-full-j$j "exit status $st, expected 2"
        elif [ "$last" != "srcgrep: write error: No space left on device" ]; then
            fail threads/dev-full-j$j "last message: $last"
        elif [ "$(grep -c 'write error' "$T/full.err")" != 1 ]; then
            fail threads/dev-full-j$j "write error reported more than once"
        else
            pass threads/dev-full-j$j
        fi
    done
fi
# A closed pipe ends the run at once, without a word: by SIGPIPE, or with
# SIGPIPE ignored (as some shells and daemons leave it) status 2.  (Plain
# text files only: no message would be due for any of them.)
for j in 1 4; do
    start=$(date +%s)
    sh -c '"$1" -j'$j' -r --include="*.txt" the "$2" "$2" "$2" "$2" 2>"$3" | head -1 >/dev/null' \
        sh "$SRCGREP" tree "$T/pipe.err"
    end=$(date +%s)
    if [ -s "$T/pipe.err" ]; then
        fail threads/closed-pipe-j$j "stderr: $(head -c 200 "$T/pipe.err")"
    elif [ $((end - start)) -gt 5 ]; then
        fail threads/closed-pipe-j$j "took $((end - start)) s"
    else
        pass threads/closed-pipe-j$j
    fi
    if command -v bash >/dev/null; then
        st=$(bash -c 'trap "" PIPE; "$1" -j'$j' -r --include="*.txt" the "$2" "$2" "$2" 2>"$3" | head -1 >/dev/null; echo ${PIPESTATUS[0]}' \
            bash "$SRCGREP" tree "$T/pipe.err")
        if [ "$st" = 2 ] && [ ! -s "$T/pipe.err" ]; then
            pass threads/closed-pipe-ignored-j$j
        else
            fail threads/closed-pipe-ignored-j$j "status $st, stderr: $(head -c 200 "$T/pipe.err")"
        fi
    fi
done

# Bounded memory: a slow first file holds up a second one printing far more
# than the pool keeps (64 MiB): the second waits its turn, the output is
# the same as one file at a time, and memory stays well under its size.
if [ "$SANITIZED" = 0 ] && [ -x /usr/bin/time ]; then
    mkdir -p big
    python3 - big <<'PY'
import lzma, os, random, sys
d = sys.argv[1]
r = random.Random(3)
words = [b'alpha', b'beta', b'gamma', b'delta', b'match', b'zeta']
line = lambda: b' '.join(r.choice(words) for _ in range(12)) + b'\n'
slow = b''.join(line() for _ in range(400000))
open(os.path.join(d, 'a.xz'), 'wb').write(lzma.compress(slow, preset=0))
many = (b'match ' * 15 + b'\n') * 1100000     # ~100 MB, every line matches
open(os.path.join(d, 'b.txt'), 'wb').write(many)
PY
    "$SRCGREP" -j1 match big/a.xz big/b.txt | cksum >"$T/big1"
    /usr/bin/time -f %M -o "$T/rss" "$SRCGREP" -j2 match big/a.xz big/b.txt | cksum >"$T/big2"
    rss=$(tail -1 "$T/rss")
    if ! cmp -s "$T/big1" "$T/big2"; then
        fail threads/held-bounded "output differs from -j1"
    elif [ "$rss" -gt 250000 ]; then
        fail threads/held-bounded "peak RSS $rss KB for 100 MB of output held up"
    else
        pass threads/held-bounded
    fi
    rm -rf big
fi
