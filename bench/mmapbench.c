/* mmapbench: time reading regular files through libsrc with mmap versus
 * buffered read(), to choose BS_MMAP_THRESHOLD_DEFAULT from measurements.
 *
 *   mmapbench [options] FILE...       time open + scan every byte + close
 *   mmapbench gen SRC OUT SIZE        write OUT: SRC repeated, exactly SIZE bytes
 *   mmapbench gendir SRC DIR N MIN MAX SEED
 *                                     write N files DIR/fNNNNN.txt, sizes
 *                                     uniform in [MIN, MAX], slices of SRC
 *
 * Options of the timing mode:
 *   -d DIR     also time every regular file in DIR (sorted by name)
 *   -r R       samples per mode (default 7); the median is reported
 *   -t MS      each sample repeats the whole file list until it has taken
 *              at least MS milliseconds (default 200), so small files are
 *              timed over many open/scan/close cycles
 *   -w BYTES   bs_options.window for every read() mode (default: library's)
 *   -m MODES   comma list of up to 6 modes to compare (default read,mmap):
 *              read, mmap, or read:BYTES (read() with that window), e.g.
 *              -m read:65536,read:262144,read:1048576
 *   -s SCAN    memchr (default): memchr() for a NUL byte, which text never
 *              contains, across every window; count: a plain loop counting
 *              '\n'.  The same scan is used for every mode.
 *   -L LABEL   label printed in the result line (default: the first file)
 *   -e WARM    the page cache state to time from.  Every file is first
 *              evicted (fdatasync + POSIX_FADV_DONTNEED), then brought back:
 *                read   by one libsrc pass with read() (as an earlier reader
 *                       such as grep, cat, an editor or a compiler would)
 *                mmap   by one libsrc pass through a mapping
 *                write  by rewriting it in place, same bytes, in 8 MiB
 *                       pwrite()s (as a writer such as git checkout or a
 *                       generator leaves it; needs write permission)
 *              Without -e the files are only read once, and the cache stays
 *              as it was.  This matters: the page cache's folio sizes, and
 *              with them whether a mapping gets 2 MiB (PMD) entries, depend
 *              on how the pages came in.
 *
 * A "pass" is open + scan + close of every file of the list, in order, the
 * way srcgrep reads (scan inside bs_guard, bs_peek(s, 1)/bs_consume of
 * whole windows).  Before timing, the cache is warmed (every file read once
 * with read(), or as -e says) and one untimed pass is made in every mode
 * (allocator settled, calibration).  Samples alternate the modes, the order reversed
 * every round (ABBA), so drift on a noisy machine hits both alike.
 *
 * Output: a human-readable block, then one line starting with "RESULT" of
 * key=value fields (times in nanoseconds per file, i.e. per open/scan/close
 * of one file averaged over the list) that bench/run_mmap.sh parses.
 */
#define _GNU_SOURCE
#include "libsrc.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#define MAXMODES 6

enum { MODE_READ, MODE_MMAP };

struct mode {
    int kind;        /* MODE_READ or MODE_MMAP */
    size_t window;   /* read(): bs_options.window, 0 for the default */
    char name[32];   /* as given on the command line */
};

struct files {
    char **path;
    uint64_t *size;
    size_t n, cap;
    uint64_t bytes;
};

static int scan_kind;     /* 0 memchr, 1 count */

static void die(const char *fmt, const char *arg)
{
    fprintf(stderr, "mmapbench: ");
    fprintf(stderr, fmt, arg);
    fputc('\n', stderr);
    exit(2);
}

static double now_ns(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec * 1e9 + (double)ts.tv_nsec;
}

static void add_file(struct files *f, const char *path)
{
    struct stat sb;
    if (stat(path, &sb) < 0)
        die("%s: cannot stat", path);
    if (!S_ISREG(sb.st_mode))
        die("%s: not a regular file", path);
    if (f->n == f->cap) {
        f->cap = f->cap ? f->cap * 2 : 64;
        f->path = realloc(f->path, f->cap * sizeof *f->path);
        f->size = realloc(f->size, f->cap * sizeof *f->size);
        if (!f->path || !f->size)
            die("%s", "out of memory");
    }
    f->path[f->n] = strdup(path);
    f->size[f->n] = (uint64_t)sb.st_size;
    f->bytes += (uint64_t)sb.st_size;
    f->n++;
}

static int cmp_str(const void *a, const void *b)
{
    return strcmp(*(char *const *)a, *(char *const *)b);
}

static void add_dir(struct files *f, const char *dir)
{
    DIR *d = opendir(dir);
    if (!d)
        die("%s: cannot open directory", dir);
    char **names = NULL;
    size_t n = 0, cap = 0;
    struct dirent *e;
    while ((e = readdir(d))) {
        if (e->d_name[0] == '.')
            continue;
        if (n == cap) {
            cap = cap ? cap * 2 : 1024;
            names = realloc(names, cap * sizeof *names);
            if (!names)
                die("%s", "out of memory");
        }
        size_t k = strlen(dir) + strlen(e->d_name) + 2;
        names[n] = malloc(k);
        snprintf(names[n], k, "%s/%s", dir, e->d_name);
        n++;
    }
    closedir(d);
    qsort(names, n, sizeof *names, cmp_str);
    for (size_t i = 0; i < n; i++) {
        struct stat sb;
        if (stat(names[i], &sb) == 0 && S_ISREG(sb.st_mode))
            add_file(f, names[i]);
        free(names[i]);
    }
    free(names);
}

/* The scan: touches every byte of every window, result kept in `acc`. */
struct scan {
    byte_source *s;
    uint64_t bytes;
    uint64_t acc;
};

static int scan_fn(void *arg)
{
    struct scan *sc = arg;
    for (;;) {
        const void *pv;
        size_t n;
        int rc = bs_peek(sc->s, 1, &pv, &n);
        if (rc < 0)
            return rc;
        if (rc == BS_END || n == 0)
            return BS_OK;
        const unsigned char *p = pv;
        if (scan_kind == 0) {
            const unsigned char *q = p, *end = p + n;
            while (q < end && (q = memchr(q, 0, (size_t)(end - q)))) {
                sc->acc++;
                q++;
            }
        } else {
            uint64_t c = 0;
            for (size_t i = 0; i < n; i++)
                c += p[i] == '\n';
            sc->acc += c;
        }
        sc->bytes += n;
        bs_consume(sc->s, n);
    }
}

/* One file: open, scan, close.  Returns the scan's accumulator. */
static uint64_t one_file(const char *path, uint64_t size, const struct mode *mode)
{
    bs_options opt;
    bs_options_init(&opt);
    opt.mmap_mode = mode->kind == MODE_MMAP ? BS_MMAP_ALWAYS : BS_MMAP_NEVER;
    if (mode->window)
        opt.window = mode->window;
    byte_source *s;
    int rc = bs_open_path(&s, path, &opt);
    if (rc < 0) {
        fprintf(stderr, "mmapbench: %s\n", s ? bs_error(s) : path);
        exit(1);
    }
    if (size && bs_is_mapped(s) != (mode->kind == MODE_MMAP)) {
        fprintf(stderr, "mmapbench: %s: expected %s, got the other\n", path, mode->name);
        exit(1);
    }
    struct scan sc = {s, 0, 0};
    rc = bs_guard(s, scan_fn, &sc);
    if (rc < 0) {
        fprintf(stderr, "mmapbench: %s\n", bs_error(s));
        exit(1);
    }
    bs_close(s);
    if (sc.bytes != size) {
        fprintf(stderr, "mmapbench: %s: scanned %llu of %llu bytes\n", path,
                (unsigned long long)sc.bytes, (unsigned long long)size);
        exit(1);
    }
    return sc.acc;
}

static volatile uint64_t sink;

/* `passes` passes over the list; returns nanoseconds per pass. */
static double time_passes(const struct files *f, const struct mode *mode, long passes)
{
    uint64_t acc = 0;
    double t0 = now_ns();
    for (long k = 0; k < passes; k++)
        for (size_t i = 0; i < f->n; i++)
            acc += one_file(f->path[i], f->size[i], mode);
    double t1 = now_ns();
    sink += acc;
    return (t1 - t0) / (double)passes;
}

/* Reads every file once with read() so the cache is warm; with `evict`,
 * first drops the files' pages and brings them back with one libsrc pass
 * in mode *evict. */
static void warm_cache(const struct files *f, const char *how, const struct mode *evict)
{
    static char buf[8 << 20];
    int rewrite = how && !strcmp(how, "write");
    for (size_t i = 0; i < f->n; i++) {
        int fd = open(f->path[i], rewrite ? O_RDWR : O_RDONLY);
        if (fd < 0)
            die("%s: cannot open", f->path[i]);
        if (how) {
            fdatasync(fd);
            posix_fadvise(fd, 0, 0, POSIX_FADV_DONTNEED);
        }
        if (rewrite) {
            /* read a chunk (this brings it in), drop it again, write it back */
            off_t off = 0;
            ssize_t r;
            while ((r = pread(fd, buf, sizeof buf, off)) > 0) {
                posix_fadvise(fd, off, r, POSIX_FADV_DONTNEED);
                if (pwrite(fd, buf, (size_t)r, off) != r)
                    die("%s: rewrite failed", f->path[i]);
                off += r;
            }
            fdatasync(fd);
        } else if (!how) {
            while (read(fd, buf, sizeof buf) > 0)
                ;
        }
        close(fd);
    }
    if (evict)
        time_passes(f, evict, 1);
}

static int cmp_dbl(const void *a, const void *b)
{
    double x = *(const double *)a, y = *(const double *)b;
    return x < y ? -1 : x > y;
}

static double median(double *v, int n)
{
    qsort(v, (size_t)n, sizeof *v, cmp_dbl);
    return n % 2 ? v[n / 2] : (v[n / 2 - 1] + v[n / 2]) / 2;
}

static const char *fmt_ns(double ns, char *buf, size_t len)
{
    if (ns < 1e4)
        snprintf(buf, len, "%.2f us", ns / 1e3);
    else if (ns < 1e6)
        snprintf(buf, len, "%.1f us", ns / 1e3);
    else if (ns < 1e9)
        snprintf(buf, len, "%.2f ms", ns / 1e6);
    else
        snprintf(buf, len, "%.3f s", ns / 1e9);
    return buf;
}

/* ---- data generation ---- */

static unsigned char *slurp(const char *path, size_t *len)
{
    int fd = open(path, O_RDONLY);
    if (fd < 0)
        die("%s: cannot open", path);
    struct stat sb;
    fstat(fd, &sb);
    size_t n = (size_t)sb.st_size;
    unsigned char *p = malloc(n ? n : 1);
    size_t got = 0;
    while (p && got < n) {
        ssize_t r = read(fd, p + got, n - got);
        if (r <= 0)
            break;
        got += (size_t)r;
    }
    close(fd);
    if (!p || got == 0)
        die("%s: empty or unreadable", path);
    *len = got;
    return p;
}

static void write_slice(const char *out, const unsigned char *src, size_t srclen, size_t off,
                        uint64_t size)
{
    FILE *fp = fopen(out, "wb");
    if (!fp)
        die("%s: cannot create", out);
    while (size) {
        size_t k = srclen - off < size ? srclen - off : (size_t)size;
        if (fwrite(src + off, 1, k, fp) != k)
            die("%s: write failed", out);
        size -= k;
        off = 0;
    }
    if (fclose(fp) != 0)
        die("%s: write failed", out);
}

static uint64_t rng_state;
static uint64_t rng(void)
{
    /* splitmix64 */
    uint64_t z = (rng_state += 0x9e3779b97f4a7c15ULL);
    z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
    z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
    return z ^ (z >> 31);
}

static int gen_main(int argc, char **argv)
{
    if (!strcmp(argv[1], "gen") && argc == 5) {
        size_t len;
        unsigned char *src = slurp(argv[2], &len);
        write_slice(argv[3], src, len, 0, strtoull(argv[4], NULL, 0));
        return 0;
    }
    if (!strcmp(argv[1], "gendir") && argc == 8) {
        size_t len;
        unsigned char *src = slurp(argv[2], &len);
        long n = atol(argv[4]);
        uint64_t lo = strtoull(argv[5], NULL, 0), hi = strtoull(argv[6], NULL, 0);
        rng_state = strtoull(argv[7], NULL, 0);
        if (mkdir(argv[3], 0755) < 0 && errno != EEXIST)
            die("%s: cannot create directory", argv[3]);
        char path[4096];
        for (long i = 0; i < n; i++) {
            uint64_t size = lo + rng() % (hi - lo + 1);
            size_t off = (size_t)(rng() % len);
            snprintf(path, sizeof path, "%s/f%05ld.txt", argv[3], i);
            write_slice(path, src, len, off, size);
        }
        return 0;
    }
    fprintf(stderr, "usage: mmapbench gen SRC OUT SIZE | gendir SRC DIR N MIN MAX SEED\n");
    return 2;
}

static void usage(void)
{
    fprintf(stderr, "usage: mmapbench [-e WARM] [-r R] [-t MS] [-w BYTES] [-m MODE,...] [-s memchr|count]\n"
                    "                 [-L LABEL] [-d DIR] [FILE...]\n"
                    "       MODE: read | mmap | read:WINDOW_BYTES\n"
                    "       mmapbench gen SRC OUT SIZE\n"
                    "       mmapbench gendir SRC DIR N MIN MAX SEED\n");
    exit(2);
}

static void parse_modes(const char *arg, struct mode *modes, int *nmodes)
{
    *nmodes = 0;
    char *save, *tok, *list = strdup(arg);
    for (tok = strtok_r(list, ",", &save); tok; tok = strtok_r(NULL, ",", &save)) {
        if (*nmodes == MAXMODES)
            usage();
        struct mode *m = &modes[(*nmodes)++];
        memset(m, 0, sizeof *m);
        snprintf(m->name, sizeof m->name, "%s", tok);
        if (!strcmp(tok, "mmap"))
            m->kind = MODE_MMAP;
        else if (!strcmp(tok, "read"))
            m->kind = MODE_READ;
        else if (!strncmp(tok, "read:", 5) && strtoull(tok + 5, NULL, 0) > 0)
            m->kind = MODE_READ, m->window = (size_t)strtoull(tok + 5, NULL, 0);
        else
            usage();
    }
    free(list);
    if (!*nmodes)
        usage();
}

int main(int argc, char **argv)
{
    if (argc > 1 && (!strcmp(argv[1], "gen") || !strcmp(argv[1], "gendir")))
        return gen_main(argc, argv);

    struct files f = {0};
    int reps = 7;
    double target_ms = 200;
    size_t window = 0;
    struct mode modes[MAXMODES];
    int nmodes;
    const char *label = NULL;
    struct mode evict_mode[MAXMODES];
    int evict = 0;
    const char *warm = NULL;
    parse_modes("read,mmap", modes, &nmodes);
    int c;
    while ((c = getopt(argc, argv, "d:r:t:w:m:s:L:e:h")) != -1) {
        switch (c) {
        case 'd': add_dir(&f, optarg); break;
        case 'r': reps = atoi(optarg); break;
        case 't': target_ms = atof(optarg); break;
        case 'w': window = (size_t)strtoull(optarg, NULL, 0); break;
        case 'L': label = optarg; break;
        case 'e':
            warm = optarg;
            if (!strcmp(optarg, "write"))
                break;
            parse_modes(optarg, evict_mode, &evict);
            if (evict != 1)
                usage();
            break;
        case 'm': parse_modes(optarg, modes, &nmodes); break;
        case 's':
            if (!strcmp(optarg, "memchr"))
                scan_kind = 0;
            else if (!strcmp(optarg, "count"))
                scan_kind = 1;
            else
                usage();
            break;
        default: usage();
        }
    }
    for (int i = optind; i < argc; i++)
        add_file(&f, argv[i]);
    if (f.n == 0 || reps < 1)
        usage();
    if (!label)
        label = f.path[0];
    for (int m = 0; m < nmodes; m++)
        if (modes[m].kind == MODE_READ && !modes[m].window)
            modes[m].window = window;

    /* Warm: the page cache, then untimed passes in every mode, the last of
     * which gives the calibration time. */
    if (evict && evict_mode[0].kind == MODE_READ && !evict_mode[0].window)
        evict_mode[0].window = window;
    warm_cache(&f, warm, evict ? &evict_mode[0] : NULL);
    double fastest = 0;
    for (int m = 0; m < nmodes; m++) {
        time_passes(&f, &modes[m], 1);
        double t = time_passes(&f, &modes[m], 1);
        if (m == 0 || t < fastest)
            fastest = t;
    }
    long passes = (long)(target_ms * 1e6 / (fastest > 1 ? fastest : 1)) + 1;

    /* Samples, the order of the modes reversed every round. */
    double *samples[MAXMODES];
    for (int m = 0; m < nmodes; m++)
        samples[m] = calloc((size_t)reps, sizeof(double));
    for (int r = 0; r < reps; r++) {
        for (int j = 0; j < nmodes; j++) {
            int m = r % 2 ? nmodes - 1 - j : j;
            samples[m][r] = time_passes(&f, &modes[m], passes);
        }
    }

    double med[MAXMODES], lo[MAXMODES], hi[MAXMODES];
    char b1[32], b2[32], b3[32];
    printf("%s: %zu file(s), %llu bytes, %ld pass(es) per sample, %d samples per mode, scan %s%s%s\n",
           label, f.n, (unsigned long long)f.bytes, passes, reps, scan_kind ? "count" : "memchr",
           warm ? ", cache evicted and warmed by " : "", warm ? warm : "");
    for (int m = 0; m < nmodes; m++) {
        med[m] = median(samples[m], reps) / (double)f.n; /* sorts the samples */
        lo[m] = samples[m][0] / (double)f.n;
        hi[m] = samples[m][reps - 1] / (double)f.n;
        double gbs = (double)f.bytes / (med[m] * (double)f.n);
        printf("  %-12s per file: median %-9s (min %s, max %s)  %.2f GB/s\n", modes[m].name,
               fmt_ns(med[m], b1, sizeof b1), fmt_ns(lo[m], b2, sizeof b2),
               fmt_ns(hi[m], b3, sizeof b3), gbs);
    }
    for (int m = 1; m < nmodes; m++)
        printf("  %s / %s: %.3f\n", modes[m].name, modes[0].name, med[m] / med[0]);
    printf("RESULT label=%s files=%zu bytes=%llu passes=%ld reps=%d warm=%s", label, f.n,
           (unsigned long long)f.bytes, passes, reps, warm ? warm : "asis");
    for (int m = 0; m < nmodes; m++)
        printf(" m%d=%s m%d_med=%.0f m%d_min=%.0f m%d_max=%.0f", m, modes[m].name, m, med[m], m,
               lo[m], m, hi[m]);
    printf(" acc=%llu\n", (unsigned long long)sink);
    return 0;
}
