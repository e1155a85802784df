#!/bin/sh
# Trees of many files, where the search should scale with the cores:
# srcgrep with one thread (-j1) and with its default, beside rg, ugrep and
# GNU grep on the same tree in the same run.  First /usr/share/man as
# installed (small .gz man pages: srcgrep decodes them by content, rg and
# ugrep are given -z, grep cannot decompress and is left out), then
# bench/data/tree: 20,000 plain files of 1-8 KB in 200 directories, made
# once from /usr/share/common-licenses and the English man pages.  Every
# tool counts (-c, zero counts included) with the same literal pattern,
# searches the same files (symlinks below the top are not followed, rg is
# told not to skip ignored or hidden files) and writes to a pipe.  The sums
# of the counts come first and must agree.  Medians of RUNS runs, ratios to
# srcgrep's default: with perfect scaling -j1 is at x(cores).
# Usage: sh bench/tree.sh BUILD_DIR
set -eu
B=${1:-build}
top=$(cd "$(dirname "$0")/.." && pwd)
SRCGREP=$top/$B/srcgrep
D=$top/bench/data
T=$D/tree
M=${BENCH_MAN:-/usr/share/man}
RUNS=${RUNS:-7}
NFILES=${BENCH_TREE_FILES:-20000}
MANPAT=${BENCH_MAN_PAT:-printf}
PAT=${BENCH_TREE_PAT:-Copyright}
# srcgrep's single-thread option; set empty to leave that line out
J1=${SRCGREP_J1--j1}
export LC_ALL=${BENCH_LOCALE:-C.UTF-8}

# The tree is made once, in $T.tmp renamed to $T when complete; tree.ok
# records how many files it was made with, and another count makes it again.
if [ ! -d "$T" ] || [ "$(cat "$D/tree.ok" 2>/dev/null)" != "$NFILES" ]; then
    rm -rf "$T" "$T.tmp" "$D/tree.ok"
    mkdir -p "$T.tmp"
    python3 - "$T.tmp" "$NFILES" "$M" <<'PY'
import glob, gzip, os, random, sys
out, n, man = sys.argv[1], int(sys.argv[2]), sys.argv[3]
def clean(b):
    # valid UTF-8 without NUL bytes: text for every tool, in any locale mode
    return b.decode('utf-8', 'replace').replace('\x00', '').encode('utf-8')
lic, seen = [], set()
for p in sorted(glob.glob('/usr/share/common-licenses/*')):
    r = os.path.realpath(p)
    if os.path.isfile(r) and r not in seen:
        seen.add(r)
        lic.append(clean(open(r, 'rb').read()))
pages = []
for p in sorted(glob.glob(man + '/man[1-8]/*.gz')):
    if os.path.islink(p) or not os.path.isfile(p):
        continue
    try:
        pages.append(clean(gzip.open(p).read()))
    except (OSError, EOFError):
        pass
lic, pages = b''.join(lic), b''.join(pages)
if not pages:
    sys.exit('tree.sh: no man pages under ' + man)
rng = random.Random(20000)
def chunk(src, size):
    # whole lines, from a line start, about SIZE bytes
    start = src.find(b'\n', rng.randrange(max(1, len(src) - size))) + 1
    c = src[start:start + size]
    return c[:c.rfind(b'\n') + 1] or c + b'\n'
# 5 x 5 x 8 = 200 leaf directories (230 in all), the files spread over them;
# one file in five is cut from the licenses, the others from man pages
dirs = ['%s/d%d/e%d/f%d' % (out, a, b, c) for a in range(5) for b in range(5) for c in range(8)]
for d in dirs:
    os.makedirs(d)
for i in range(n):
    src = lic if lic and i % 5 == 0 else pages
    with open('%s/file%05d.txt' % (dirs[i % len(dirs)], i), 'wb') as f:
        f.write(chunk(src, rng.randint(1024, 8192)))
PY
    mv "$T.tmp" "$T"
    echo "$NFILES" > "$D/tree.ok"
fi
. "$top/bench/lib.sh"

# sum of the per-file counts of CMD...
count() { "$@" 2>/dev/null | awk -F: '{s += $NF} END {print s + 0}'; }
# agree WHAT N1 N2...: warns unless all the counts are equal
agree() {
    what=$1; first=$2; shift
    for c; do
        [ "$c" = "$first" ] || { echo "WARNING: the tools disagree on $what (counts in the order above: $*); the times below compare different work"; return 0; }
    done
}

echo "$(nproc) cores (nproc), locale $LC_ALL, median of $RUNS runs, ratios to srcgrep's default threads"
# without the option (an older build, or SRCGREP_J1= ) the -j1 line is left out
one=${J1:--j1}
if [ -n "$J1" ]; then
    rc=0
    err=$("$SRCGREP" $J1 -c x /dev/null 2>&1 >/dev/null) || rc=$?
    if [ "$rc" -ge 2 ]; then
        echo "srcgrep $J1 is not accepted by this build ($(echo "$err" | head -n 1)): that line is left out"
        J1=
    fi
fi
# srcgrep_counts DIR PAT: sets c1 and c2 to the sums of the counts of srcgrep with
# its default threads and with $J1 (c1 again without it), and s to the text
srcgrep_counts() {
    c1=$(count "$SRCGREP" -r -c "$2" "$1")
    if [ -n "$J1" ]; then
        c2=$(count "$SRCGREP" $J1 -r -c "$2" "$1")
        s="srcgrep $c1, srcgrep $J1 $c2"
    else
        c2=$c1
        s="srcgrep $c1 ($one left out)"
    fi
}

nf=$(find "$M" -type f | wc -l)
nl=$(find "$M" -type l | wc -l)
echo
echo "$M as installed: $nf files (almost all .gz), $nl symlinks (not followed), '$MANPAT' with -r -c"
echo "  srcgrep: decodes each .gz in-process, found by its content"
echo "  rg -z: starts a gzip process per .gz file (so it gets one timed run); --include-zero prints counts of 0 as the others do"
echo "  ugrep -z -r -p: decodes in-process; -p, because ugrep -r follows symlinks to files"
echo "  grep: left out, it cannot decompress (and zgrep has no -r)"
srcgrep_counts "$M" "$MANPAT"
c3=$(count rg -z -c --include-zero "$MANPAT" "$M")
c4=$(count ugrep -z -r -p -c "$MANPAT" "$M")
echo "matching lines: $s, rg -z $c3, ugrep -z $c4"
agree "$M" "$c1" "$c2" "$c3" "$c4"
set -- "$SRCGREP -r -c $MANPAT $M"
[ -z "$J1" ] || set -- "$@" "$SRCGREP $J1 -r -c $MANPAT $M"
base=
bench "$M, output to a pipe" pipe "$@" "ugrep -z -r -p -c $MANPAT $M"
runs=$RUNS
RUNS=${BENCH_RGZ_RUNS:-1}
bench "" pipe "rg -z -c --include-zero $MANPAT $M"
RUNS=$runs

nf=$(find "$T" -type f | wc -l)
nd=$(find "$T" -type d | wc -l)
sz=$(find "$T" -type f -printf '%s\n' | awk '{s += $1} END {print s + 0}')
echo
echo "$T: $nf plain files in $nd directories, $sz bytes, '$PAT' with -r -c"
echo "  rg -uu: --no-ignore --hidden, as bench/data is in .gitignore; --include-zero as above"
echo "  grep: GNU grep -r, one thread"
srcgrep_counts "$T" "$PAT"
c3=$(count rg -c --include-zero -uu "$PAT" "$T")
c4=$(count ugrep -r -c "$PAT" "$T")
c5=$(count grep -r -c "$PAT" "$T")
echo "matching lines: $s, rg $c3, ugrep $c4, grep $c5"
agree "$T" "$c1" "$c2" "$c3" "$c4" "$c5"
set -- "$SRCGREP -r -c $PAT $T"
[ -z "$J1" ] || set -- "$@" "$SRCGREP $J1 -r -c $PAT $T"
base=
bench "$T, output to a pipe" pipe "$@" "rg -c --include-zero -uu $PAT $T" \
    "ugrep -r -c $PAT $T" "grep -r -c $PAT $T"
