#!/bin/sh
# Which files srcgrep searches (cli/walk.c): --exclude-dir, --exclude-from
# (with --include and --exclude), -d, -D and --label against GNU grep 3.8;
# then what only srcgrep has or means to do differently: --max-depth, a
# directory operand searched without -r, FIFOs, sockets and symlinks to
# them met while recursing (never opened, even under -R or -D read),
# symlinks and their loops, and the memory a directory of 100,000 files
# costs.
#
# grep's -r order is the file system's, srcgrep's is sorted by name:
# cases marked -sort compare sorted output.  Every command runs under
# timeout(1), so that a FIFO opened by mistake fails the case instead of
# hanging the script.
. "${TESTS:-$(dirname "$0")/..}/lib.sh"

REF=${REF_GREP:-grep}
if "$REF" --version 2>/dev/null | grep -q 'GNU grep'; then
    have_ref=1
else
    have_ref=0
    fail walk/grep "no GNU grep to compare with ($REF): those cases are not run"
fi
if ! command -v timeout >/dev/null 2>&1 || ! command -v mkfifo >/dev/null 2>&1; then
    fail walk "timeout or mkfifo is missing (coreutils)"
    exit 0
fi

# ---- fixtures ------------------------------------------------------------------
W=$T/w
mkdir -p "$W"
cd "$W" || exit 1
# tree: files at three depths, a hidden one, a file named like a directory
mkdir -p tree/sub/deep tree/man tree/lib
printf 'foo a.c\n' >tree/a.c
printf 'foo b\n' >tree/b.txt
printf 'foo one\n' >tree/one
printf 'foo hidden\n' >tree/.hidden
printf 'foo two\n' >tree/sub/two.c
printf 'foo three\n' >tree/sub/deep/three.txt
printf 'foo man\n' >tree/man/m.1
printf 'foo file named man\n' >tree/lib/man
# links: a link to a file, to a directory, and one to nowhere
mkdir -p links
printf 'foo file\n' >links/file
ln -s file links/lfile
ln -s ../tree/sub links/ldir
ln -s nowhere links/broken
# dev: a FIFO nobody writes to, a socket, a link to the FIFO
mkdir -p dev
printf 'foo plain\n' >dev/plain
mkfifo dev/fifo
ln -s fifo dev/lfifo
have_sock=0
if command -v python3 >/dev/null 2>&1 &&
    python3 -c 'import socket, sys; socket.socket(socket.AF_UNIX).bind(sys.argv[1])' dev/sock 2>/dev/null; then
    have_sock=1
fi
# loop: loop/sub/up leads back to loop
mkdir -p loop/sub
printf 'foo x\n' >loop/x
printf 'foo y\n' >loop/sub/y
ln -s .. loop/sub/up
# --exclude-from files: trailing blanks and a CR are not part of a glob,
# blank lines are none, the last line has no newline
printf '*.c  \r\n\n   \none' >ex1
printf 'sub\n' >ex2   # a directory's name: --exclude-from is for files
printf 'two.c\n' >ex3

# ---- against GNU grep ------------------------------------------------------------
# g NAME [-sort] [-cd DIR] [-in FILE] -- ARG...: grep and srcgrep with the
# same arguments must agree on stdout, stderr ("grep" read as "srcgrep")
# and the exit status.
g() {
    name=$1
    shift
    srt=0 dir=. in=/dev/null
    while [ "$1" != "--" ]; do
        case $1 in
        -sort) srt=1 ;;
        -cd) dir=$2; shift ;;
        -in) in=$2; shift ;;
        *) fail "walk/$name" "bad case flag $1"; return ;;
        esac
        shift
    done
    shift
    [ "$have_ref" = 1 ] || return 0
    (cd "$dir" && exec timeout 10 "$REF" "$@") <"$in" >"$T/ref.out" 2>"$T/ref.err"
    rs=$?
    (cd "$dir" && exec timeout 10 "$SRCGREP" "$@") <"$in" >"$T/s.out" 2>"$T/s.err"
    st=$?
    sed -e 's/^grep:/srcgrep:/' -e 's/^Usage: grep /Usage: srcgrep /' \
        -e "s/^Try 'grep --help'/Try 'srcgrep --help'/" "$T/ref.err" >"$T/ref.err2"
    mv "$T/ref.err2" "$T/ref.err"
    if [ "$srt" = 1 ]; then
        sort "$T/ref.out" >"$T/ref.sorted" && mv "$T/ref.sorted" "$T/ref.out"
        sort "$T/s.out" >"$T/s.sorted" && mv "$T/s.sorted" "$T/s.out"
    fi
    why=""
    [ "$st" = "$rs" ] || why="exit status $st, grep's $rs"
    d=$(describe_diff stdout "$T/ref.out" "$T/s.out") || why="${why:+$why; }$d"
    d=$(describe_diff stderr "$T/ref.err" "$T/s.err") || why="${why:+$why; }$d"
    if [ -z "$why" ]; then
        pass "walk/$name"
    else
        cmd="cd $dir && srcgrep $(shquote "$@")"
        [ "$in" = /dev/null ] || cmd="$cmd <$in"
        fail "walk/$name" "$why; command: $cmd (in $W; KEEP_TMP=1 keeps it)"
    fi
}

# --exclude-dir: base names while recursing, the name as given (or any
# part of it after a '/') for operands; a trailing '/' of the glob is dropped
g exclude-dir -sort -- -r --exclude-dir=sub foo tree
g exclude-dir-glob -sort -- -r --exclude-dir='s*' foo tree
g exclude-dir-repeat -sort -- -r --exclude-dir=sub --exclude-dir=man foo tree
g exclude-dir-slash -sort -- -r --exclude-dir=sub/ foo tree
g exclude-dir-operand -- -r --exclude-dir=tree foo tree
g exclude-dir-operand-suffix -- -r --exclude-dir=sub foo tree/sub tree/a.c
g exclude-dir-operand-slash -sort -- -r --exclude-dir=sub foo tree/sub/
g exclude-dir-dot -cd tree -- -r --exclude-dir=. foo .
g exclude-dir-implicit-dot -sort -cd tree -- -r --exclude-dir=. foo
g exclude-dir-path -sort -- -r --exclude-dir=tree/sub foo tree
g exclude-dir-not-files -sort -- -r --exclude-dir=one --exclude-dir=m.1 foo tree
g exclude-dir-file-named-so -sort -- -r --exclude-dir=man foo tree
g exclude-dir-star -- -r --exclude-dir='*' foo tree
g exclude-dir-link -sort -- -R --exclude-dir=ldir foo links
g exclude-dir-d-read -- -d read --exclude-dir=tree foo tree

# --exclude-from: one --exclude per line, in its place among --include
# and --exclude (the last glob that matches decides; if none does, the
# first option does)
g exclude-from -sort -- -r --exclude-from=ex1 foo tree
g exclude-from-operands -- --exclude-from=ex1 foo tree/a.c tree/one tree/b.txt
g exclude-from-dir-name -sort -- -r --exclude-from=ex2 foo tree
g exclude-from-then-include -sort -- -r --exclude-from=ex1 --include='*.c' foo tree
g include-then-exclude-from -sort -- -r --include='*.c' --exclude-from=ex1 foo tree
g exclude-from-first -sort -- -r --exclude-from=ex1 --include='*.txt' foo tree
g exclude-from-between -sort -- -r --include='*.c' --exclude-from=ex1 --include='a*' foo tree
g exclude-from-after-exclude -sort -- -r --exclude='*.txt' --exclude-from=ex1 --include=one foo tree
g exclude-from-empty -sort -- -r --exclude-from=/dev/null --include=one foo tree
g exclude-from-two -sort -- -r --exclude-from=ex1 --exclude-from=ex2 foo tree
g exclude-from-missing -- --exclude-from=nofile foo tree/a.c
g exclude-from-directory -- --exclude-from=tree foo tree/a.c
# --exclude while recursing looks at base names only
g exclude-base-name -sort -- -r --exclude='sub/*' --exclude='t*' foo tree
g include-base-name -sort -- -r --include='tree*' foo tree
g exclude-missing-operand -- --exclude=nofile foo nofile

# -d, --directories: the last of -d, -r and -R wins
g d-skip -- -d skip foo tree tree/a.c
g d-skip-only -- --directories=skip foo tree
g d-read -- -d read foo tree tree/a.c
g d-read-silent -- -d read -s foo tree
g d-recurse -sort -- -d recurse foo tree
g d-abbreviated -sort -- --directories=rec foo tree
g d-abbreviated-skip -- -d s foo tree
g d-skip-then-r -sort -- -d skip -r foo tree
g r-then-d-skip -- -r -d skip foo tree
g R-d-skip-r -sort -- -R -d skip -r foo links
g d-recurse-cwd -sort -cd tree -- -d recurse foo
g r-d-skip-stdin -in tree/a.c -- -r -d skip foo

# -D, --devices, and devices met while recursing
g D-skip-fifo -- -D skip foo dev/fifo dev/plain
g D-skip-devnull -- -D skip -c foo /dev/null dev/plain
g D-read-devnull -- -D read -c foo /dev/null dev/plain
g devnull -- -c foo /dev/null
g D-skip-stdin -in tree/a.c -- -D skip foo -
g D-skip-long -- --devices=skip foo dev/fifo
g D-bad -- -D bogus foo dev/plain
g r-devices -sort -- -r foo dev
g D-skip-r -sort -- -D skip -r -c foo dev
if [ "$have_sock" = 1 ]; then
    g socket-operand -- foo dev/sock
fi

# --label
g label -in tree/a.c -- --label=LBL -H foo
g label-count -in tree/a.c -- --label=LBL -c foo - tree/one
g label-empty -in tree/a.c -- --label= -H foo
g label-r -in tree/a.c -- --label=LBL -r foo - tree/one
g label-l -in tree/a.c -- --label=LBL -l foo - tree/one

# symlinks and loops
g symlink-r -sort -- -r foo links
g symlink-R -sort -- -R foo links
g symlink-R-silent -sort -- -Rs foo links
g symlink-operands -sort -- -r foo links/lfile links/ldir
g loop-R -sort -- -R foo loop
g loop-R-silent -sort -- -Rs foo loop
g loop-r -sort -- -r foo loop

# an unreadable directory (permissions do not stop root: not run then)
if [ "$(id -u)" != 0 ]; then
    mkdir -p locked/closed
    printf 'foo ok\n' >locked/ok
    printf 'foo secret\n' >locked/closed/secret
    chmod 000 locked/closed
    g unreadable-dir -- -r foo locked
    chmod 755 locked/closed
fi

# ---- srcgrep's own ----------------------------------------------------------------
# e NAME STATUS OUT ERR ARG...: srcgrep ARG... (under timeout) must print
# OUT and ERR (printf formats) and exit with STATUS
e() {
    n=$1 s=$2 o=$3 r=$4
    shift 4
    expect "walk/$n" "$s" "$o" "$r" timeout 10 "$SRCGREP" "$@"
}

# a directory operand is searched recursively without -r (by design)
e dir-default 0 'tree/.hidden:foo hidden\ntree/a.c:foo a.c\ntree/b.txt:foo b\ntree/lib/man:foo file named man\ntree/man/m.1:foo man\ntree/one:foo one\ntree/sub/deep/three.txt:foo three\ntree/sub/two.c:foo two\n' '' \
    foo tree
e dir-default-links 0 'links/file:foo file\n' '' foo links

# --max-depth: 0 is the operands alone, 1 what a directory operand holds, ...
e max-depth-0 0 'tree/a.c:foo a.c\n' '' --max-depth=0 foo tree tree/a.c
e max-depth-0-dir 1 '' '' -r --max-depth=0 foo tree
e max-depth-1 0 'tree/.hidden:1\ntree/a.c:1\ntree/b.txt:1\ntree/one:1\n' '' --max-depth=1 -c foo tree
e max-depth-2 0 'tree/.hidden:1\ntree/a.c:1\ntree/b.txt:1\ntree/lib/man:1\ntree/man/m.1:1\ntree/one:1\ntree/sub/two.c:1\n' '' \
    -r --max-depth 2 -c foo tree
e max-depth-3 0 'tree/.hidden\ntree/a.c\ntree/b.txt\ntree/lib/man\ntree/man/m.1\ntree/one\ntree/sub/deep/three.txt\ntree/sub/two.c\n' '' \
    -r --max-depth=3 -l foo tree
(cd tree && e max-depth-cwd 0 '.hidden\na.c\nb.txt\none\n' '' -r --max-depth=1 -l foo)
e max-depth-loop 0 'loop/sub/y:foo y\nloop/x:foo x\n' '' -R --max-depth=2 foo loop
e max-depth-bad 2 '' "srcgrep: invalid max depth: '-1'\n" --max-depth=-1 foo tree
e max-depth-junk 2 '' "srcgrep: invalid max depth: '2x'\n" --max-depth=2x foo tree

# -d's argument, as grep's argmatch (grep exits with 1 here, srcgrep 2)
e d-bad 2 '' "srcgrep: invalid argument 'bogus' for '--directories'\nValid arguments are:\n  - 'read'\n  - 'recurse'\n  - 'skip'\nUsage: srcgrep [OPTION]... PATTERNS [FILE]...\nTry 'srcgrep --help' for more information.\n" \
    -d bogus foo tree
e d-ambiguous 2 '' "srcgrep: ambiguous argument 're' for '--directories'\nValid arguments are:\n  - 'read'\n  - 'recurse'\n  - 'skip'\nUsage: srcgrep [OPTION]... PATTERNS [FILE]...\nTry 'srcgrep --help' for more information.\n" \
    -d re foo tree
e d-read-message 2 '' 'srcgrep: tree: Is a directory\n' -d read foo tree

# FIFOs, sockets and links to them inside a searched directory: skipped,
# never opened (grep -R would open them, and wait on the FIFO)
e fifo-in-dir 0 'dev/plain:foo plain\n' '' foo dev
e fifo-in-dir-R 0 'dev/plain:foo plain\n' '' -R foo dev
e fifo-in-dir-D-read 0 'dev/plain:foo plain\n' '' -D read -R foo dev
# a FIFO operand is read, here from a writer in the background
(sleep 1; printf 'foo from the writer\nbar\n' >dev/fifo) &
writer=$!
e fifo-operand 0 'dev/fifo:foo from the writer\n' '' -H foo dev/fifo
kill "$writer" 2>/dev/null
wait "$writer" 2>/dev/null
(sleep 1; printf 'foo through a link\n' >dev/fifo) &
writer=$!
e fifo-operand-link 0 'foo through a link\n' '' foo dev/lfifo
kill "$writer" 2>/dev/null
wait "$writer" 2>/dev/null
e fifo-operand-skip 1 '' '' -D skip foo dev/fifo dev/lfifo
if [ "$have_sock" = 1 ]; then
    e socket-in-dir-R 0 'dev/plain:1\n' '' -R -c foo dev
    e socket-operand-skip 1 '' '' -D skip foo dev/sock
fi
e devnull-operand 1 '' '' foo /dev/null
e devnull-operand-count 0 '/dev/null:0\ntree/one:1\n' '' -c foo /dev/null tree/one

# symlinks: -r does not follow those it meets, -R does, operands always
e symlink-r-not-followed 0 'links/file:foo file\n' '' -r foo links
e symlink-R-followed 2 'links/file:foo file\nlinks/ldir/deep/three.txt:foo three\nlinks/ldir/two.c:foo two\nlinks/lfile:foo file\n' \
    'srcgrep: links/broken: No such file or directory\n' -R foo links
e symlink-operand-followed 0 'links/lfile:foo file\nlinks/ldir/deep/three.txt:foo three\nlinks/ldir/two.c:foo two\n' '' \
    -r foo links/lfile links/ldir
e loop-R-warning 0 'loop/sub/y:foo y\nloop/x:foo x\n' 'srcgrep: loop/sub/up: warning: recursive directory loop\n' -R foo loop
e loop-R-s 0 'loop/sub/y:foo y\nloop/x:foo x\n' '' -Rs foo loop
e loop-R-nomatch 1 '' 'srcgrep: loop/sub/up: warning: recursive directory loop\n' -R nothing loop

# --exclude-from=- reads standard input; --label names standard input
STDIN=ex3 e exclude-from-stdin 0 'tree/a.c\n' '' -r -l --include='*.c' --exclude-from=- foo tree
STDIN=tree/one e label-dash 0 'in:foo one\n' '' --label=in -H foo -

# ---- memory: a directory of 100,000 files ------------------------------------------
# The walk keeps a directory's names in one block while it sorts and
# searches them: what that costs on top of an empty directory's run
# (-j1: no pool of threads, whose buffers are not the walk's) must stay
# under 3 MB, about 30 bytes a name (one malloc'd string each took ~50).
# maxrss OUT CMD...: runs CMD with its stdout to OUT (a file: output to
# /dev/null would make -c count nothing); prints its peak RSS in KB
maxrss() {
    o=$1
    shift
    if [ -x /usr/bin/time ]; then
        /usr/bin/time -o "$T/rss" -f %M "$@" >"$o" 2>/dev/null
        tail -n 1 "$T/rss"
    elif command -v python3 >/dev/null 2>&1; then
        python3 -c 'import resource, subprocess, sys
with open(sys.argv[1], "wb") as out:
    subprocess.run(sys.argv[2:], stdout=out, stderr=subprocess.DEVNULL)
print(resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss)' "$o" "$@"
    fi
}
if [ "$SANITIZED" = 0 ]; then
    mkdir "$T/big" "$T/none"
    (cd "$T/big" && seq 1 100000 | sed 's/^/f/' | xargs touch)
    # shellcheck disable=SC2012
    n=$(ls "$T/big" | wc -l)
    base=$(maxrss "$T/none.out" "$SRCGREP" -j1 -r -c x "$T/none")
    big=$(maxrss "$T/big.out" "$SRCGREP" -j1 -r -c x "$T/big")
    lines=$(wc -l <"$T/big.out")
    if [ "$n" != 100000 ]; then
        fail walk/memory-100k "made $n files, not 100000"
    elif [ -z "$base" ] || [ -z "$big" ]; then
        fail walk/memory-100k "no way to measure the peak RSS (/usr/bin/time or python3)"
    elif [ "$lines" != 100000 ]; then
        fail walk/memory-100k "$lines counts printed, not 100000"
    elif [ $((big - base)) -ge 3072 ]; then
        fail walk/memory-100k "peak RSS ${big} KB, ${base} KB for an empty directory: $((big - base)) KB for 100,000 names"
    else
        pass walk/memory-100k
    fi
fi
exit 0
