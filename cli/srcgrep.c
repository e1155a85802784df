/* srcgrep: grep-compatible search over libsrc byte sources. */
#define _GNU_SOURCE
#include <errno.h>
#include <getopt.h>
#include <langinfo.h>
#include <locale.h>
#include <sched.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "decode.h"
#include "libsrc.h"
#include "matcher.h"
#include "output.h"
#include "pool.h"
#include "scan.h"
#include "search.h"
#include "walk.h"

struct run {
    struct search_cfg *cfg;
    struct pool *pool;
    int nthreads;
    struct searcher *w;      /* one per thread */
    struct out out;          /* standard output, shared */
    atomic_int quit;
    _Atomic uint64_t answered;   /* -q: the first file in order that found its line */
    int walk_error;          /* the walk reported an error */
    int out_of_memory;
};

static void sink_file(void *ctx, const char *path, const char *shown)
{
    struct run *r = ctx;
    if (pool_file(r->pool, path, shown) < 0)
        r->out_of_memory = 1;
}

static void sink_message(void *ctx, const char *text, int error)
{
    struct run *r = ctx;
    char line[4200];
    snprintf(line, sizeof line, PROG ": %s", text);
    r->walk_error |= error;
    /* -s: the status still tells */
    if (r->cfg->no_messages)
        return;
    if (pool_message(r->pool, line) < 0)
        r->out_of_memory = 1;
}

static int sink_stopped(void *ctx)
{
    struct run *r = ctx;
    return atomic_load(&r->quit) || atomic_load(&r->answered) != UINT64_MAX;
}

static int pool_search(void *worker, uint64_t seq, const char *path, const char *shown,
                       struct out *o)
{
    struct searcher *w = worker;
    w->out = o;
    w->seq = seq;
    int was = w->any_selected;
    search_path(w, path, shown);
    return w->cfg->quiet && w->any_selected && !was;
}

/* The cores this process may run on. */
static int cores(void)
{
    cpu_set_t set;
    if (sched_getaffinity(0, sizeof set, &set) == 0 && CPU_COUNT(&set) > 0)
        return CPU_COUNT(&set);
    long n = sysconf(_SC_NPROCESSORS_ONLN);
    return n > 0 ? (int)n : 1;
}

static void usage_error(void)
{
    fprintf(stderr, "Usage: " PROG " [OPTION]... PATTERNS [FILE]...\n"
                    "Try '" PROG " --help' for more information.\n");
    exit(2);
}

/* A summary that fits a 24-line screen; srcgrep(1) has the details. */
static void help(void)
{
    printf("Usage: " PROG " [OPTION]... PATTERNS [FILE]...\n"
           "Search each FILE (a directory: recursively; none or '-': standard input) for\n"
           "lines matching PATTERNS (PCRE2), inside gzip, xz, zstd, bzip2, lz4, zip, tar,\n"
           "office documents and UTF-16/32 or other encodings, all found by content.\n"
           "\n"
           "Patterns: -e PATTERNS  -f FILE  -i  -w  -x  -F (strings)  -E, -P (the default)\n"
           "Output:   -v  -c  -l  -L  -o  -n  -b  -H  -h  -m NUM  -q  -s  --label=NAME\n"
           "          -A, -B, -C NUM (context)  --group-separator=SEP  --no-group-separator\n"
           "          --color[=always|never|auto]  -Z  -z  -T  --column  --vimgrep\n"
           "          --json  --stats  --line-buffered\n"
           "Binary:   -a  -I  --binary-files=binary|text|without-match\n"
           "Files:    -r, -R (follow links)  --include=GLOB  --exclude=GLOB\n"
           "          --exclude-from=FILE  --exclude-dir=GLOB  --max-depth=N\n"
           "          -d read|skip|recurse  -D read|skip\n"
           "Decoding: --raw  --encoding=NAME  --no-utf16-guess  --max-layers=N\n"
           "          --decode-limit=SIZE  --decode-ratio=N  --xz-memlimit=SIZE\n"
           "          --zstd-window-log-max=N  --zip-max-entries=N  --mmap  --no-mmap\n"
           "Threads:  -j N, --threads=N (default: the cores)  --sort=path|none\n"
           "Other:    --help  -V, --version\n"
           "\n"
           "Exit status: 0 if a line is selected, 1 if none, 2 on error.\n"
           "Every option is described in srcgrep(1).\n");
    exit(0);
}

struct patlist {
    char **p;
    size_t *len;
    size_t n, cap;
};

/* Adds each line of s[0..n) as a pattern, as grep splits PATTERNS. */
static void add_patterns(struct patlist *pl, const char *s, size_t n, int trailing_nl_ends)
{
    size_t i = 0;
    if (trailing_nl_ends && n && s[n - 1] == '\n')
        n--;
    else if (trailing_nl_ends && n == 0)
        return;   /* an empty -f file has no patterns */
    for (;;) {
        const char *nl = memchr(s + i, '\n', n - i);
        size_t e = nl ? (size_t)(nl - s) : n;
        if (pl->n == pl->cap) {
            pl->cap = pl->cap ? pl->cap * 2 : 8;
            pl->p = realloc(pl->p, pl->cap * sizeof *pl->p);
            pl->len = realloc(pl->len, pl->cap * sizeof *pl->len);
            if (!pl->p || !pl->len) {
                fprintf(stderr, PROG ": out of memory\n");
                exit(2);
            }
        }
        pl->p[pl->n] = malloc(e - i + 1);
        if (!pl->p[pl->n]) {
            fprintf(stderr, PROG ": out of memory\n");
            exit(2);
        }
        memcpy(pl->p[pl->n], s + i, e - i);
        pl->p[pl->n][e - i] = 0;
        pl->len[pl->n++] = e - i;
        if (!nl)
            break;
        i = e + 1;
    }
}

static void read_pattern_file(struct patlist *pl, const char *path)
{
    byte_source *s;
    int rc = !strcmp(path, "-") ? bs_open_fd(&s, 0, STDIN_NAME, 0, NULL)
                                : bs_open_path(&s, path, NULL);
    char *all = NULL;
    size_t n = 0;
    while (rc >= 0) {
        char buf[65536];
        size_t got;
        rc = bs_read(s, buf, sizeof buf, &got);
        if (rc != BS_OK)
            break;
        char *na = realloc(all, n + got);
        if (!na) {
            rc = BS_ENOMEM;
            break;
        }
        all = na;
        memcpy(all + n, buf, got);
        n += got;
    }
    if (rc < 0) {
        fprintf(stderr, PROG ": %s\n", s ? bs_error(s) : "out of memory");
        exit(2);
    }
    bs_close(s);
    add_patterns(pl, all ? all : "", n, 1);
    free(all);
}

int main(int argc, char **argv)
{
    setlocale(LC_ALL, "");
    argv[0] = PROG;   /* getopt's messages name the program as grep's do */
    struct search_cfg cfg;
    search_cfg_init(&cfg);
    struct walk_cfg wcfg;
    walk_cfg_init(&wcfg);
    struct matcher_opts mo = {0};
    mo.utf = cfg.utf = strcmp(nl_langinfo(CODESET), "UTF-8") == 0;
    struct patlist pl = {0};
    int have_pattern = 0;

    enum { OPT_HELP = 256, OPT_SORT };
    int threads = 0;         /* 0: one per core */
    int sort_files = 1;
    static const struct option longs[] = {
        {"regexp", required_argument, 0, 'e'},
        {"file", required_argument, 0, 'f'},
        {"ignore-case", no_argument, 0, 'i'},
        {"invert-match", no_argument, 0, 'v'},
        {"word-regexp", no_argument, 0, 'w'},
        {"line-regexp", no_argument, 0, 'x'},
        {"fixed-strings", no_argument, 0, 'F'},
        {"extended-regexp", no_argument, 0, 'E'},
        {"perl-regexp", no_argument, 0, 'P'},
        {"count", no_argument, 0, 'c'},
        {"files-with-matches", no_argument, 0, 'l'},
        {"files-without-match", no_argument, 0, 'L'},
        {"line-number", no_argument, 0, 'n'},
        {"byte-offset", no_argument, 0, 'b'},
        {"with-filename", no_argument, 0, 'H'},
        {"no-filename", no_argument, 0, 'h'},
        {"only-matching", no_argument, 0, 'o'},
        {"quiet", no_argument, 0, 'q'},
        {"silent", no_argument, 0, 'q'},
        {"no-messages", no_argument, 0, 's'},
        {"max-count", required_argument, 0, 'm'},
        {"recursive", no_argument, 0, 'r'},
        {"dereference-recursive", no_argument, 0, 'R'},
        {"text", no_argument, 0, 'a'},
        SEARCH_LONG_OPTIONS,
        WALK_LONG_OPTIONS,
        DECODE_LONG_OPTIONS,
        {"threads", required_argument, 0, 'j'},
        {"sort", required_argument, 0, OPT_SORT},
        {"help", no_argument, 0, OPT_HELP},
        {"version", no_argument, 0, 'V'},
        {0, 0, 0, 0},
    };
    int ch;
    /* cfg.opt_word: the word the option comes from, so that -12 is 12 and
     * -1 -2 is 2, as grep reads them */
    while ((cfg.opt_word = optind,
            ch = getopt_long(argc, argv, "e:f:ivwxFEPclLnbHhoqsm:rRaVA:B:C:ZzTIUd:D:j:0123456789",
                             longs, NULL)) != -1) {
        if (ch < '0' || ch > '9')
            cfg.last_was_digit = 0;   /* -1n2: the digits of -NUM are consecutive */
        switch (ch) {
        case 'e':
            add_patterns(&pl, optarg, strlen(optarg), 0);
            have_pattern = 1;
            break;
        case 'f':
            read_pattern_file(&pl, optarg);
            have_pattern = 1;
            break;
        case 'i': mo.icase = 1; break;
        case 'v': cfg.invert = 1; break;
        case 'w': mo.word = 1; break;
        case 'x': mo.line = 1; break;
        case 'F': mo.fixed = 1; break;
        case 'E':
        case 'P': mo.fixed = 0; break;
        case 'c': cfg.count = 1; break;
        case 'l': cfg.list = LIST_MATCHING; break;
        case 'L': cfg.list = LIST_NONMATCHING; break;
        case 'n': cfg.lineno = 1; break;
        case 'b': cfg.byteoff = 1; break;
        case 'H': cfg.with_fname = 1; break;
        case 'h': cfg.with_fname = 0; break;
        case 'o': cfg.only = 1; break;
        case 'q': cfg.quiet = 1; break;
        case 's': cfg.no_messages = 1; break;
        case 'm': {
            char *end;
            long long v = strtoll(optarg, &end, 10);
            if (end == optarg || *end) {
                fprintf(stderr, PROG ": invalid max count\n");
                exit(2);
            }
            /* as grep 3.8: a negative count is no limit, a huge one saturates */
            cfg.max_count = v < 0 ? -1 : v;
            break;
        }
        case 'r': if (wcfg.recursive < 1) wcfg.recursive = 1; break;
        case 'R': wcfg.recursive = 2; break;
        case 'a': cfg.text = 1; break;
        case 'j': {
            char *end;
            long v = strtol(optarg, &end, 10);
            if (end == optarg || *end || v < 0 || v > 1024) {
                fprintf(stderr, PROG ": invalid thread count: '%s'\n", optarg);
                exit(2);
            }
            threads = (int)v;   /* 0: one per core */
            break;
        }
        case OPT_SORT:
            /* path: the walk's order (operands, then sorted names) */
            if (!strcmp(optarg, "none"))
                sort_files = 0;
            else if (!strcmp(optarg, "path"))
                sort_files = 1;
            else {
                fprintf(stderr, PROG ": invalid sort order: '%s' (none or path)\n", optarg);
                exit(2);
            }
            break;
        case OPT_HELP: help(); break;
        case 'V':
            printf(PROG " %s (libsrc %s)\n", LIBSRC_VERSION_STRING, bs_version());
            exit(0);
        default:
            if (!search_option(&cfg, ch, optarg, PROG) && !walk_option(&wcfg, ch, optarg, PROG) &&
                !decode_option(&cfg.dec, ch, optarg, PROG))
                usage_error();
        }
    }
    if (!have_pattern) {
        if (optind >= argc)
            usage_error();
        const char *p = argv[optind++];
        add_patterns(&pl, p, strlen(p), 0);
    }
    search_cfg_finish(&cfg, PROG);
    mo.null_data = cfg.eol == 0;   /* -z: records end at NUL */
    /* grep drops duplicate patterns: is what is left the empty pattern alone,
     * which matches every line, or nothing at all (-f /dev/null)? */
    int only_empty = pl.n > 0;
    for (size_t i = 0; i < pl.n; i++)
        only_empty &= pl.len[i] == 0;
    char err[300];
    int crc = matcher_compile(&cfg.m, pl.p, pl.len, pl.n, &mo, err, sizeof err);
    for (size_t i = 0; i < pl.n; i++)
        free(pl.p[i]);
    free(pl.p);
    free(pl.len);
    if (crc < 0) {
        fprintf(stderr, PROG ": %s\n", err);
        return 2;
    }
    /* As grep: output nobody reads needs no more than the first selected
     * line of each file (nor a "binary file matches" message). */
    struct stat ost, nst;
    if (!cfg.quiet && !cfg.stats && !cfg.json && fstat(1, &ost) == 0 && S_ISCHR(ost.st_mode) &&
        stat("/dev/null", &nst) == 0 && ost.st_dev == nst.st_dev && ost.st_ino == nst.st_ino) {
        cfg.devnull = 1;
        cfg.list = LIST_NONE;
        cfg.count = 0;
    }

    /* as grep: when nothing can be selected, nothing is read, unless -L
     * is to list the files */
    if ((cfg.max_count == 0 || (pl.n == 0 && !cfg.invert) ||
         (only_empty && cfg.invert && !mo.line && !mo.word)) &&
        cfg.list != LIST_NONMATCHING) {
        matcher_free(&cfg.m);
        return 1;
    }

    int nops = argc - optind;
    if (cfg.with_fname < 0) {
        cfg.fname_auto = 1;
        cfg.with_fname = nops > 1 || (nops == 0 && wcfg.recursive);
        for (int i = optind; i < argc && !cfg.with_fname; i++) {
            struct stat sb;
            cfg.with_fname = strcmp(argv[i], "-") && stat(argv[i], &sb) == 0 && S_ISDIR(sb.st_mode);
        }
    }

    struct timespec t0;
    clock_gettime(CLOCK_MONOTONIC, &t0);
    struct run r = {0};
    r.cfg = &cfg;
    atomic_store(&r.answered, UINT64_MAX);
    out_init(&r.out, 1);
    cfg.tty = isatty(1);
    /* grep skips this check where it prints little or stops early */
    if (!cfg.count && !cfg.list && !cfg.quiet && (cfg.max_count < 0 || cfg.max_count > 1) &&
        fstat(1, &ost) == 0 && S_ISREG(ost.st_mode)) {
        cfg.check_out = 1;
        cfg.out_dev = ost.st_dev;
        cfg.out_ino = ost.st_ino;
    }
    /* One file alone gains nothing from a pool, and its output would be
     * copied once more on its way out. */
    int one_file = nops == 0 ? !wcfg.recursive : nops == 1 && !cfg.with_fname;
    r.nthreads = threads > 0 ? threads : one_file ? 1 : cores();
    if (r.nthreads > 256)
        r.nthreads = 256;
    /* one more searcher for standard input, searched by the walk's thread */
    int nsearchers = r.nthreads + 1;
    r.w = calloc((size_t)nsearchers, sizeof *r.w);
    void **workers = calloc((size_t)nsearchers, sizeof *workers);
    int ok = r.w && workers;
    for (int i = 0; ok && i < nsearchers; i++) {
        ok = searcher_init(&r.w[i], &cfg, &r.quit, &r.answered) == 0;
        workers[i] = &r.w[i];
    }
    if (ok)
        r.pool = pool_new(r.nthreads, sort_files, &r.out, pool_search, workers, &r.quit);
    if (!r.pool) {
        fprintf(stderr, PROG ": out of memory\n");
        return 2;
    }
    wcfg.dec = &cfg.dec;
    wcfg.no_messages = cfg.no_messages;
    struct walk_sink sink = {sink_file, sink_message, sink_stopped, &r};
    if (nops == 0)
        walk_default(&wcfg, &sink);
    for (int i = optind; i < argc && !sink_stopped(&r); i++)
        walk_operand(&wcfg, argv[i], &sink);
    pool_finish(r.pool);
    int any_error = r.walk_error, any_selected = 0;
    struct search_stats total = {0};
    for (int i = 0; i < nsearchers; i++) {
        any_error |= r.w[i].any_error;
        any_selected |= r.w[i].any_selected;
        search_stats_add(&total, &r.w[i].st);
        searcher_free(&r.w[i]);
    }
    struct timespec t1;
    clock_gettime(CLOCK_MONOTONIC, &t1);
    uint64_t elapsed = (uint64_t)(t1.tv_sec - t0.tv_sec) * 1000000000u + (uint64_t)t1.tv_nsec -
                       (uint64_t)t0.tv_nsec;
    if (cfg.json && !cfg.quiet && !r.out.err) {
        struct json_stats js = {total.elapsed_ns, total.searches, total.searches_with_match,
                                total.bytes_searched, total.bytes_printed, total.match_messages,
                                total.matches};
        json_summary(&r.out, &js, elapsed);
    }
    out_flush(&r.out);
    if (cfg.stats)
        search_stats_print(&total, elapsed);
    free(r.w);
    free(workers);
    if (r.out_of_memory) {
        fprintf(stderr, PROG ": out of memory\n");
        any_error = 1;
    }
    int found = cfg.quiet && any_selected;   /* -q: the answer is known */
    if (r.out.err && !found) {
        if (r.out.err != EPIPE)
            fprintf(stderr, PROG ": write error: %s\n", strerror(r.out.err));
        any_error = 1;
    }
    out_free(&r.out);
    matcher_free(&cfg.m);
    search_cfg_free(&cfg);
    walk_cfg_free(&wcfg);
    if (found)
        return 0;
    return any_error ? 2 : any_selected ? 0 : 1;
}
