#!/bin/sh
# bench/run_mmap.sh: libsrc mmap-vs-read() benchmark (see bench/README.md).
#
# Usage: bench/run_mmap.sh [COMMAND]...      (run from anywhere)
#   build    build/libsrc.a (via make) and build/bench/mmapbench
#   data     generate bench/data/mmap/: one text file of each size in SIZES
#            and a directory of NSMALL files of 1-16 KiB (generated, never
#            committed; bench/data/ is gitignored)
#   sizes    table: one file of each size, read() vs mmap, per file, for
#            each page cache state in WARM (see mmapbench -e):
#              write  as a writer leaves the file (rewritten in 8 MiB chunks)
#              read   evicted, then read once through libsrc with read()
#              mmap   evicted, then read once through libsrc's mapping
#   dir      the directory of small files, read() vs mmap, per file
#   window   read() with a 64 KiB / 256 KiB / 1 MiB / 4 MiB window (and mmap) on
#            WINDOW_SIZES, cache warmed by read()
#   madvise  mmap variants of try_map() (VARIANTS: current = the tree's
#            advise(), MADV_SEQUENTIAL then MADV_HUGEPAGE; none, sequential,
#            willneed, populate = MAP_POPULATE,
#            populate_read = MADV_POPULATE_READ, hugepage = MADV_HUGEPAGE,
#            seq_hugepage = both), each timed in the cache states of
#            MADV_WARM; built from private copies of libsrc/ under
#            build/bench/var/, so the source tree is not touched
#   clean    delete bench/data/mmap/ (the `data` command regenerates it)
#   With no command: build data sizes dir.
#
# Environment: REPS (samples per mode, default 7), TARGET_MS (minimum time
# of one sample, default 200), SCAN (memchr or count), SIZES, WARM,
# WINDOW_SIZES, MADV_SIZES, MADV_WARM, VARIANTS, ROUNDS (madvise: runs per
# variant, default 2), NSMALL (20000), MMAPBENCH (the program the sizes,
# dir and window commands run, e.g. build/bench/var/hugepage/mmapbench
# after a madvise run),
# DROP_BIG=1 to delete the 1 GiB file after the run (done automatically
# when less than 4 GiB is free).
set -eu
cd "$(dirname "$0")/.."

B=build/bench
D=bench/data/mmap
REPS=${REPS:-7}
TARGET_MS=${TARGET_MS:-200}
SCAN=${SCAN:-memchr}
SIZES=${SIZES:-"4K 16K 64K 256K 1M 2M 4M 6M 8M 12M 16M 24M 32M 64M 256M 1G"}
WARM=${WARM:-"write read mmap"}
WINDOW_SIZES=${WINDOW_SIZES:-"4K 64K 1M 4M 16M 64M 256M 1G"}
MADV_SIZES=${MADV_SIZES:-"1M 4M 16M 256M 1G"}
MADV_WARM=${MADV_WARM:-"mmap write"}
VARIANTS=${VARIANTS:-"current sequential none willneed populate populate_read hugepage seq_hugepage"}
ROUNDS=${ROUNDS:-2}
NSMALL=${NSMALL:-20000}
DROP_BIG=${DROP_BIG:-0}
CC=${CC:-cc}
LOG=$B/mmap-results.txt

bytes() {
    case $1 in
    *K) echo $((${1%K} * 1024)) ;;
    *M) echo $((${1%M} * 1024 * 1024)) ;;
    *G) echo $((${1%G} * 1024 * 1024 * 1024)) ;;
    *) echo "$1" ;;
    esac
}

# Formats RESULT lines as a markdown table: label, then for each mode its
# median per file, then each later mode's median over the first's.
table() {
    awk '
    function h(ns) {
        if (ns < 1e4) return sprintf("%.2f us", ns / 1e3)
        if (ns < 1e6) return sprintf("%.1f us", ns / 1e3)
        if (ns < 1e9) return sprintf("%.2f ms", ns / 1e6)
        return sprintf("%.3f s", ns / 1e9)
    }
    /^RESULT / {
        delete v
        for (i = 2; i <= NF; i++) { split($i, kv, "="); v[kv[1]] = kv[2] }
        n = 0
        while (("m" n) in v) n++
        if (!hdr) {
            line = "| file | "; sep = "|---|"
            for (m = 0; m < n; m++) { line = line v["m" m] " median (min-max) | "; sep = sep "---|" }
            for (m = 1; m < n; m++) { line = line v["m" m] "/" v["m0"] " | "; sep = sep "---|" }
            print line; print sep; hdr = 1
        }
        line = "| " v["label"] " | "
        for (m = 0; m < n; m++)
            line = line h(v["m" m "_med"]) " (" h(v["m" m "_min"]) "-" h(v["m" m "_max"]) ") | "
        for (m = 1; m < n; m++)
            line = line sprintf("%.2f", v["m" m "_med"] / v["m0_med"]) " | "
        print line
    }'
}

run() {
    # run LABEL ARGS...: one mmapbench run, its output to the terminal and the log
    label=$1
    shift
    "$BIN" -r "$REPS" -t "$TARGET_MS" -s "$SCAN" -L "$label" "$@" | tee -a "$LOG"
}

# the library's decoders need their libraries at link time
CODEC_LIBS="$(pkg-config --libs zlib liblzma libzstd liblz4 2>/dev/null || echo -lz -llzma -lzstd -llz4) -lbz2"
CODEC_CFLAGS=
if pkg-config --exists libisal 2>/dev/null; then
    CODEC_LIBS="$CODEC_LIBS -lisal"
    CODEC_CFLAGS=-DHAVE_ISAL
fi

do_build() {
    make --no-print-directory build/libsrc.a
    mkdir -p $B
    $CC -O2 -std=c17 -Wall -Wextra -Ilibsrc bench/mmapbench.c build/libsrc.a $CODEC_LIBS -lpthread \
        -o $B/mmapbench
    echo "built $B/mmapbench"
}

do_data() {
    df -h /work 2>/dev/null || df -h .
    need=$((1700 * 1024))   # KiB: sizes (~1.4 GiB) + small files + base text
    avail=$(df -Pk . | awk 'NR == 2 { print $4 }')
    if [ "$avail" -lt "$need" ]; then
        echo "run_mmap: only $((avail / 1024)) MiB free, need about $((need / 1024)) MiB" >&2
        exit 1
    fi
    mkdir -p $D
    if [ ! -s $D/base.txt ]; then
        # Real text: the English manual pages, decompressed, at most 64 MiB.
        find /usr/share/man -path '/usr/share/man/man*' -name '*.gz' -print0 2>/dev/null |
            sort -z | xargs -0 -r gzip -dcq 2>/dev/null | head -c $((64 << 20)) > $D/base.tmp || true
        if [ ! -s $D/base.tmp ]; then
            # no manual pages: fall back to any text under /usr/share/doc and the sources
            { find /usr/share/doc -type f ! -name '*.gz' -size -4M -print0 | xargs -0 -r cat
              cat libsrc/*.c libsrc/*.h; } 2>/dev/null | head -c $((64 << 20)) > $D/base.tmp || true
        fi
        [ -s $D/base.tmp ] || { echo "run_mmap: no text found" >&2; exit 1; }
        mv $D/base.tmp $D/base.txt
    fi
    for s in $SIZES; do
        n=$(bytes "$s")
        f=$D/$s.txt
        if [ ! -f "$f" ] || [ "$(stat -c %s "$f")" != "$n" ]; then
            "$B/mmapbench" gen $D/base.txt "$f" "$n"
        fi
    done
    if [ ! -d $D/small ] || [ "$(ls $D/small | wc -l)" != "$NSMALL" ]; then
        rm -rf $D/small
        "$B/mmapbench" gendir $D/base.txt $D/small "$NSMALL" 1024 16384 1
    fi
    du -sh $D
}

# Summary of RESULT lines from several cache states: per label, the
# mmap/read ratio in each state.
ratios() {
    awk '/^RESULT / {
        delete v
        for (i = 2; i <= NF; i++) { split($i, kv, "="); v[kv[1]] = kv[2] }
        k = v["label"]; w = v["warm"]
        if (!(k in seenk)) { seenk[k] = 1; ko[++nk] = k }
        if (!(w in seenw)) { seenw[w] = 1; wo[++nw] = w }
        r[k, w] = sprintf("%.2f", v["m1_med"] / v["m0_med"])
    }
    END {
        line = "| size |"; sep = "|---|"
        for (j = 1; j <= nw; j++) { line = line " mmap/read, " wo[j] "-warm |"; sep = sep "---|" }
        print line; print sep
        for (i = 1; i <= nk; i++) {
            line = "| " ko[i] " |"
            for (j = 1; j <= nw; j++) line = line " " r[ko[i], wo[j]] " |"
            print line
        }
    }'
}

do_sizes() {
    echo "== single files: open + scan + close, per file (REPS=$REPS, TARGET_MS=$TARGET_MS, scan $SCAN)" | tee -a "$LOG"
    all=$B/sizes-all.$$
    : > $all
    for w in $WARM; do
        out=$B/sizes.$$
        : > $out
        for s in $SIZES; do
            run "$s" -e "$w" $D/$s.txt | tee -a $out
        done
        echo "-- cache warmed by $w" | tee -a "$LOG"
        table < $out | tee -a "$LOG"
        cat $out >> $all
        rm -f $out
    done
    echo "-- mmap/read per cache state" | tee -a "$LOG"
    ratios < $all | tee -a "$LOG"
    rm -f $all
}

do_dir() {
    n=$(ls $D/small | wc -l)
    echo "== directory of $n files of 1-16 KiB, per file" | tee -a "$LOG"
    run "dir:${n}x1-16K" -e read -d $D/small | tee $B/dir.$$
    table < $B/dir.$$ | tee -a "$LOG"
    rm -f $B/dir.$$
}

do_window() {
    echo "== read() window (bs_options.window) vs mmap" | tee -a "$LOG"
    out=$B/window.$$
    : > $out
    for s in $WINDOW_SIZES; do
        run "$s" -e read -m read:65536,read:262144,read:1048576,read:4194304,mmap $D/$s.txt | tee -a $out
    done
    table < $out | tee -a "$LOG"
    rm -f $out
}

# Private copies of the library with try_map() changed; the tree's
# libsrc/base.c is only read.  Each variant edits the two lines of try_map()
# that map and advise; if they changed upstream, say so rather than
# measuring the wrong thing.
MMAP_LINE='void \*addr = mmap(NULL, (size_t)size, PROT_READ, MAP_PRIVATE, fd, 0);'
ADV_LINE='advise(addr, (size_t)size);'

build_variant() {
    v=$1
    dir=$B/var/$v
    rm -rf "$dir"
    mkdir -p "$dir/src" "$dir/obj"
    cp libsrc/*.c libsrc/*.h "$dir/src/"
    for t in transforms/*.c; do [ -f "$t" ] && cp "$t" "$dir/src/"; done
    adv='madvise(addr, (size_t)size'
    case $v in
    current) sed_expr="s|$ADV_LINE|$ADV_LINE|" ;;
    sequential) sed_expr="s|$ADV_LINE|$adv, MADV_SEQUENTIAL);|" ;;
    none) sed_expr="s|$ADV_LINE|/* no madvise */|" ;;
    willneed) sed_expr="s|$ADV_LINE|$adv, MADV_WILLNEED);|" ;;
    populate) sed_expr="s|MAP_PRIVATE, fd, 0);|MAP_PRIVATE \| MAP_POPULATE, fd, 0);|; s|$ADV_LINE|/* MAP_POPULATE */|" ;;
    populate_read) sed_expr="s|$ADV_LINE|$adv, MADV_POPULATE_READ);|" ;;
    hugepage) sed_expr="s|$ADV_LINE|$adv, MADV_HUGEPAGE);|" ;;
    seq_hugepage) sed_expr="s|$ADV_LINE|$adv, MADV_SEQUENTIAL); $adv, MADV_HUGEPAGE);|" ;;
    *) echo "run_mmap: unknown variant $v" >&2; exit 2 ;;
    esac
    if ! grep -q "$MMAP_LINE" "$dir/src/base.c" || ! grep -q "$ADV_LINE" "$dir/src/base.c"; then
        echo "run_mmap: try_map() in libsrc/base.c no longer has the expected lines:" >&2
        echo "  $MMAP_LINE" >&2
        echo "  $ADV_LINE" >&2
        exit 1
    fi
    sed -i "$sed_expr" "$dir/src/base.c"
    for c in "$dir"/src/*.c; do
        $CC -std=c17 -Wall -Wextra -D_FILE_OFFSET_BITS=64 -O2 -g -fPIC -fvisibility=hidden \
            -DLIBSRC_BUILDING $CODEC_CFLAGS -I"$dir/src" -c "$c" -o "$dir/obj/$(basename "$c" .c).o"
    done
    ar rcs "$dir/libsrc.a" "$dir"/obj/*.o
    $CC -O2 -std=c17 -Wall -Wextra -I"$dir/src" bench/mmapbench.c "$dir/libsrc.a" $CODEC_LIBS -lpthread \
        -o "$dir/mmapbench"
    echo "variant $v:"
    diff libsrc/base.c "$dir/src/base.c" | sed 's/^/    /' || true
}

do_madvise() {
    for v in $VARIANTS; do build_variant "$v"; done
    echo "== mmap variants of try_map(), $ROUNDS round(s); read() is the unchanged reference" | tee -a "$LOG"
    out=$B/madv.$$
    : > $out
    for w in $MADV_WARM; do
        for s in $MADV_SIZES; do
            r=1
            while [ "$r" -le "$ROUNDS" ]; do
                for v in $VARIANTS; do
                    echo "  $s $v, cache warmed by $w (round $r)"
                    "$B/var/$v/mmapbench" -r "$REPS" -t "$TARGET_MS" -s "$SCAN" -L "$s:$v" \
                        -e "$w" "$D/$s.txt" | tee -a "$LOG" >> $out
                done
                r=$((r + 1))
            done
        done
    done
    # per cache state, size and variant: median over the rounds of the mmap
    # median and of mmap/read
    awk '/^RESULT / {
        delete v
        for (i = 2; i <= NF; i++) { split($i, kv, "="); v[kv[1]] = kv[2] }
        k = v["warm"] " " v["label"]; n[k]++
        mm[k, n[k]] = v["m1_med"]; rr[k, n[k]] = v["m1_med"] / v["m0_med"]; rd[k, n[k]] = v["m0_med"]
        if (!(k in seen)) { seen[k] = 1; order[++no] = k }
    }
    function med(a, k, c,   i, j, t, x) {
        for (i = 1; i <= c; i++) x[i] = a[k, i]
        for (i = 2; i <= c; i++) for (j = i; j > 1 && x[j - 1] > x[j]; j--) { t = x[j]; x[j] = x[j - 1]; x[j - 1] = t }
        return c % 2 ? x[(c + 1) / 2] : (x[c / 2] + x[c / 2 + 1]) / 2
    }
    function h(ns) {
        if (ns < 1e4) return sprintf("%.2f us", ns / 1e3)
        if (ns < 1e6) return sprintf("%.1f us", ns / 1e3)
        if (ns < 1e9) return sprintf("%.2f ms", ns / 1e6)
        return sprintf("%.3f s", ns / 1e9)
    }
    END {
        print "| warmed by | size:variant | mmap median | read median (reference) | mmap/read | rounds |"
        print "|---|---|---|---|---|---|"
        for (i = 1; i <= no; i++) { k = order[i]; split(k, kk, " ")
            printf "| %s | %s | %s | %s | %.2f | %d |\n", kk[1], kk[2], h(med(mm, k, n[k])),
                h(med(rd, k, n[k])), med(rr, k, n[k]), n[k] }
    }' $out | tee -a "$LOG"
    rm -f $out
}

do_clean() {
    rm -rf $D
    echo "removed $D"
}

BIN=${MMAPBENCH:-$B/mmapbench}
[ $# -gt 0 ] || set -- build data sizes dir
mkdir -p $B
timed=0
have_data=0
for cmd in "$@"; do
    case $cmd in
    build) do_build ;;
    data) [ -x "$B/mmapbench" ] || do_build; do_data; have_data=1 ;;
    sizes | dir | window | madvise)
        [ -x "$B/mmapbench" ] || do_build
        [ -x "$BIN" ] || { echo "run_mmap: no program $BIN" >&2; exit 1; }
        # generates only what is missing (e.g. after SIZES changed)
        [ "$have_data" = 1 ] || { do_data; have_data=1; }
        timed=1
        { echo; echo "# $(date -u '+%Y-%m-%d %H:%M:%SZ') $cmd with $BIN on $(nproc) cores, $(uname -r)"; } >> "$LOG"
        do_$cmd ;;
    clean) do_clean ;;
    *) echo "usage: $0 [build|data|sizes|dir|window|madvise|clean]..." >&2; exit 2 ;;
    esac
done

avail=$(df -Pk . | awk 'NR == 2 { print $4 }')
if [ -f $D/1G.txt ] && { [ "$DROP_BIG" = 1 ] || [ "$avail" -lt $((4 << 20)) ]; }; then
    rm -f $D/1G.txt
    echo "removed $D/1G.txt (DROP_BIG=$DROP_BIG, $((avail / 1024)) MiB free); 'data' regenerates it"
fi
[ "$timed" = 0 ] || echo "results appended to $LOG"
