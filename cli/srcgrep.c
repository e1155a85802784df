/* srcgrep: grep-compatible search over libsrc byte sources. */
#define _GNU_SOURCE
#include <dirent.h>
#include <errno.h>
#include <getopt.h>
#include <langinfo.h>
#include <limits.h>
#include <locale.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "decode.h"
#include "libsrc.h"
#include "matcher.h"
#include "output.h"
#include "scan.h"

#define PROG "srcgrep"
/* GNU grep decides a file is binary from its first buffer: a NUL in this
 * much of a file means none of its lines is printed.  A NUL further on makes
 * the file binary from the line that holds it. */
#define BINARY_PEEK (96 << 10)

enum list_mode { LIST_NONE, LIST_MATCHING, LIST_NONMATCHING };

struct config {
    struct matcher m;
    int invert, count, lineno, byteoff, only, quiet, no_messages, text;
    int devnull;             /* output to /dev/null: each file ends at its first selected line */
    int utf;                 /* a UTF-8 locale */
    enum list_mode list;
    int with_fname;          /* -1: decided by the operands */
    int fname_auto;          /* ... as it was: members then show names */
    long long max_count;     /* -1: no limit */
    int recursive;           /* 0, 1 (-r), 2 (-R: follow all symlinks) */
    struct decode_cfg dec;
};

struct run {
    struct config *cfg;
    const char *file_shown;  /* the file being searched, as shown */
    struct match_state ms;
    struct out out;
    int any_selected;
    int any_error;
    int quit;                /* -q found its line: stop everything */
    int tty;                 /* standard output is a terminal */
    int check_out;           /* standard output is this regular file: */
    dev_t out_dev;
    ino_t out_ino;
};

/* The state of one file's search. */
struct file {
    struct run *r;
    byte_source *s;
    const char *name;
    uint64_t base;           /* stream offset of the window's first byte */
    uint64_t lineno;         /* number of the line starting at nl_pos */
    size_t nl_pos;
    size_t nul_checked;      /* window bytes [0, nul_checked) looked at for NUL */
    int nul_mode;            /* MATCH_NUL_*: how NUL counts in this window */
    long long selected;
    int binary;              /* a NUL was seen before this point: nothing more is printed */
    int binary_matched;
    int stop;
    int failed;              /* message already printed */
};

static void errmsg(struct run *r, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static void errmsg(struct run *r, const char *fmt, ...)
{
    r->any_error = 1;
    if (r->cfg->no_messages)
        return;
    out_flush(&r->out);
    va_list ap;
    va_start(ap, fmt);
    fprintf(stderr, PROG ": ");
    vfprintf(stderr, fmt, ap);
    fputc('\n', stderr);
    va_end(ap);
}

/* Reports the source's error under the name the user sees, which differs
 * from the opened path only for the implicit "." of -r. */
static void report(struct run *r, byte_source *s, const char *shown)
{
    if (!s) {
        errmsg(r, "%s: out of memory", shown);
        return;
    }
    const char *e = bs_error(s), *n = bs_name(s);
    size_t k = strlen(n);
    if (!strncmp(e, n, k) && e[k] == '{' && r->file_shown) {
        /* a member: "PATH{MEMBER}: ...", PATH as the file is shown */
        errmsg(r, "%s%s%s", r->file_shown, e + k, decode_limit_hint(s));
    } else if (!strncmp(e, n, k) && e[k] == ':') {
        e += k;
        /* grep names no system call: "PATH: Input/output error" */
        if (!strncmp(e, ": read: ", 8))
            e += 6;
        errmsg(r, "%s%s%s", shown, e, decode_limit_hint(s));
    } else
        errmsg(r, "%s%s", e, decode_limit_hint(s));
}

static void prefix(struct file *f, const unsigned char *p, size_t ls, uint64_t off, char sep)
{
    struct config *c = f->r->cfg;
    struct out *o = &f->r->out;
    if (c->with_fname) {
        out_str(o, f->name);
        out_byte(o, sep);
    }
    if (c->lineno) {
        f->lineno += count_byte(p + f->nl_pos, ls - f->nl_pos, '\n');
        f->nl_pos = ls;
        out_u64(o, f->lineno);
        out_byte(o, sep);
    }
    if (c->byteoff) {
        out_u64(o, off);
        out_byte(o, sep);
    }
}

/* In a UTF-8 locale, grep 3.8 holds back each line (or -o match) that is
 * not valid UTF-8, goes on with the next ones and reports the file as
 * binary at its end: so do we. */
static int printable(struct file *f, const unsigned char *p, size_t n)
{
    struct config *c = f->r->cfg;
    if (!c->utf || c->text || utf8_valid(p, n))
        return 1;
    f->binary_matched = 1;
    return 0;
}

/* Line [ls, le) of the window p is selected. */
static int select_line(struct file *f, const unsigned char *p, size_t ls, size_t le)
{
    struct run *r = f->r;
    struct config *c = r->cfg;
    f->selected++;
    r->any_selected = 1;
    if (c->quiet) {
        r->quit = 1;
        f->stop = 1;
        return 0;
    }
    if (c->list || c->devnull) {
        f->stop = 1;
        return 0;
    }
    if (!c->count) {
        /* any NUL so far makes the file binary from its line on */
        if (!c->text && !f->binary && f->nul_checked < le) {
            if (memchr(p + f->nul_checked, 0, le - f->nul_checked))
                f->binary = 1;
            f->nul_checked = le;
        }
        if (f->binary) {
            f->binary_matched = 1;
            f->stop = 1;
            return 0;
        }
        if (c->only) {
            if (!c->invert) {
                size_t off = 0, a, b;
                int rc;
                while (off <= le - ls &&
                       (rc = matcher_in_line(&c->m, &r->ms, p + ls, le - ls, off, &a, &b)) > 0) {
                    if (b > a) {
                        if (!printable(f, p + ls + a, b - a))
                            break;   /* nor the line's later matches */
                        prefix(f, p, ls, f->base + ls + a, ':');
                        out_add(&r->out, p + ls + a, b - a);
                        out_byte(&r->out, '\n');
                        off = b;
                    } else {
                        off = a + 1;
                    }
                }
                if (rc < 0)
                    return -1;
            }
        } else if (printable(f, p + ls, le - ls)) {
            prefix(f, p, ls, f->base + ls, ':');
            out_add(&r->out, p + ls, le - ls);
            out_byte(&r->out, '\n');
        }
    }
    if (c->max_count >= 0 && f->selected >= c->max_count)
        f->stop = 1;
    return 0;
}

/* Under -v, every line in [from, to) is selected (to is a line start, or
 * len + 1 for "through the last line"). */
static int select_range(struct file *f, const unsigned char *p, size_t len, size_t from, size_t to)
{
    struct config *c = f->r->cfg;
    if (from >= to)
        return 0;
    if (c->count && c->max_count < 0) {
        /* only counting: lines are their terminators */
        size_t end = to > len ? len : to;
        long long n = (long long)count_byte(p + from, end - from, '\n');
        if (f->nul_mode != MATCH_NUL_TEXT)
            n += (long long)count_byte(p + from, end - from, 0);
        n += to > len;
        f->selected += n;
        f->r->any_selected = 1;
        return 0;
    }
    while (from < to && !f->stop) {
        size_t e = matcher_line_end(p, len, from, f->nul_mode);
        if (select_line(f, p, from, e) < 0)
            return -1;
        from = e + 1;
    }
    return 0;
}

/* Searches the lines of p[0..len), a window of the stream holding whole
 * lines: len stops before the terminator of the last one.  `chunk` is how
 * much of the window that covers, terminator included. */
static int search_lines(struct file *f, const unsigned char *p, size_t len, size_t chunk)
{
    struct run *r = f->r;
    struct config *c = r->cfg;
    f->nl_pos = 0;
    f->nul_checked = 0;
    /* GNU grep turns NULs into line ends.  A line holding one is split where
     * the matcher meets it; only anchored patterns found by a search over
     * the whole window need every line matched alone, and only in a window
     * that has a NUL. */
    f->nul_mode = c->text ? MATCH_NUL_TEXT : MATCH_NUL_SPLIT;
    if (!c->text && c->m.anchored && !c->m.has_lit && memchr(p, 0, chunk))
        f->nul_mode = MATCH_NUL_EACH;
    size_t pos = 0;
    while (pos <= len && !f->stop) {
        size_t ls, le;
        int found = matcher_next_line(&c->m, &r->ms, p, len, pos, f->nul_mode, &ls, &le);
        if (found < 0) {
            errmsg(r, "%s: %s", f->name, r->ms.err);
            f->failed = 1;
            return -1;
        }
        if (c->invert) {
            if (select_range(f, p, len, pos, found ? ls : len + 1) < 0)
                return -1;
        } else if (found && select_line(f, p, ls, le) < 0) {
            return -1;
        }
        if (!found)
            break;
        pos = le + 1;
    }
    /* The next window starts checking afresh: a NUL after this window's
     * last printed line must not be forgotten.  (Counting never prints.) */
    if (!c->text && !c->count && !f->binary && !f->stop && f->nul_checked < chunk &&
        memchr(p + f->nul_checked, 0, chunk - f->nul_checked))
        f->binary = 1;
    if (c->lineno && !f->stop)
        f->lineno += count_byte(p + f->nl_pos, chunk - f->nl_pos, '\n');
    f->base += chunk;
    return 0;
}

static int search_fn(void *arg)
{
    struct file *f = arg;
    size_t want = 1;
    for (;;) {
        const void *pv;
        size_t n;
        int rc = bs_peek(f->s, want, &pv, &n);
        const unsigned char *p = pv;
        if (rc < 0) {
            /* keep what was decoded before the failure: its whole lines */
            const unsigned char *q = n ? memrchr(p, '\n', n) : NULL;
            if (q)
                search_lines(f, p, (size_t)(q - p), (size_t)(q - p) + 1);
            return rc;
        }
        if (n == 0)
            return 0;
        /* grep's first buffer: all of it counts, the partial line at its
         * end included */
        struct config *c = f->r->cfg;
        if (!c->text && !f->binary && f->base < BINARY_PEEK &&
            memchr(p, 0, BINARY_PEEK - f->base < n ? (size_t)(BINARY_PEEK - f->base) : n))
            f->binary = 1;
        int at_end = n < want;
        size_t len, chunk;
        if (!at_end) {
            const unsigned char *q = memrchr(p, '\n', n);
            if (!q) {
                /* a line longer than the window: ask for a bigger one */
                want = n * 2;
                continue;
            }
            len = (size_t)(q - p);
            chunk = len + 1;
        } else {
            chunk = n;
            /* in a binary file a final NUL ends the last line, as a newline */
            len = p[n - 1] == '\n' || (p[n - 1] == 0 && !c->text) ? n - 1 : n;
        }
        if (search_lines(f, p, len, chunk) < 0)
            return 0;
        if (f->stop)
            return 0;
        /* at the end too: the next peek lets the source report a failure
         * only visible there */
        bs_consume(f->s, chunk);
        want = at_end ? 1 : n - chunk + 1;
    }
}

/* Searches s, whose layer detection returned `detected` (a failure there
 * counts as a file that failed before its first line). */
static int search_source(struct run *r, byte_source *s, const char *name, int detected)
{
    struct config *c = r->cfg;
    struct file f = {0};
    f.r = r;
    f.s = s;
    f.name = name;
    f.lineno = 1;
    /* -m 0 -L lists every file without reading it */
    int rc = detected < 0 ? detected : c->max_count == 0 ? 0 : bs_guard(s, search_fn, &f);
    if (rc < 0 && !f.failed)
        report(r, s, name);
    if (c->quiet)
        return rc;
    struct out *o = &r->out;
    if (c->list == LIST_MATCHING && f.selected) {
        out_str(o, name);
        out_byte(o, '\n');
    } else if (c->list == LIST_NONMATCHING && !f.selected) {
        /* as grep: a file that failed part way is still listed */
        out_str(o, name);
        out_byte(o, '\n');
    } else if (c->count && !c->list) {
        if (c->with_fname) {
            out_str(o, name);
            out_byte(o, ':');
        }
        out_u64(o, (unsigned long long)f.selected);
        out_byte(o, '\n');
    }
    if (f.binary_matched) {
        out_flush(o);
        fprintf(stderr, PROG ": %s: binary file matches\n", name);
    }
    /* a terminal sees each file as soon as it is searched; a pipe or file
     * gets full buffers */
    if (r->tty)
        out_flush(o);
    return rc;
}

/* A member is shown with its name, as a file among several is, unless
 * -h says otherwise. */
static int search_leaf(void *ctx, byte_source *s, const char *name, int detected)
{
    struct run *r = ctx;
    int was = r->cfg->with_fname;
    if (r->cfg->fname_auto && strcmp(name, r->file_shown) != 0)
        r->cfg->with_fname = 1;
    int rc = search_source(r, s, name, detected);
    r->cfg->with_fname = was;
    return rc;
}

/* A container that cannot go on: its message names what it names. */
static void report_leaf(void *ctx, byte_source *s, const char *name)
{
    struct run *r = ctx;
    (void)name;
    report(r, s, r->file_shown);
}

/* As grep, refuses to read the file the output goes to, which could grow
 * as fast as it is read (path NULL: standard input). */
static int is_output(struct run *r, const char *path, const char *shown)
{
    struct stat sb;
    if (!r->check_out || (path ? stat(path, &sb) : fstat(0, &sb)) < 0 ||
        sb.st_dev != r->out_dev || sb.st_ino != r->out_ino)
        return 0;
    errmsg(r, "%s: input file is also the output", shown);
    return 1;
}

/* Opens and searches one file, shown to the user as `shown`; path NULL
 * means standard input. */
static void search_file(struct run *r, const char *path, const char *shown)
{
    /* --include and --exclude: files by name (standard input has none) */
    if (path && !decode_selected(&r->cfg->dec, shown))
        return;
    if (is_output(r, path, shown))
        return;
    byte_source *s;
    int rc = decode_open(&r->cfg->dec, path, shown, &s);
    if (rc < 0) {
        report(r, s, shown);
    } else {
        struct decode_walk w = {search_leaf, report_leaf, r};
        r->file_shown = shown;
        decode_walk(&r->cfg->dec, s, shown, decode_detect(&r->cfg->dec, s, path == NULL), &w);
        r->file_shown = NULL;
    }
    bs_close(s);
}

#define STDIN_NAME "(standard input)"

struct dirlink {
    dev_t dev;
    ino_t ino;
    const struct dirlink *up;
};

/* Directory entries are kept as one string each: the d_type byte, then the
 * name, so that regular files need no lstat of their own. */
static int cmp_names(const void *a, const void *b)
{
    return strcmp(*(char *const *)a + 1, *(char *const *)b + 1);
}

/* Searches a directory tree in sorted name order.  `shown` is the path
 * prefix as printed ("" for the implicit "." of -r without operands). */
static void walk(struct run *r, const char *path, const char *shown, const struct dirlink *up)
{
    DIR *d = opendir(path);
    if (!d) {
        errmsg(r, "%s: %s", shown[0] ? shown : ".", strerror(errno));
        return;
    }
    char **names = NULL;
    size_t n = 0, cap = 0;
    struct dirent *e;
    while ((e = readdir(d))) {
        if (!strcmp(e->d_name, ".") || !strcmp(e->d_name, ".."))
            continue;
        if (n == cap) {
            cap = cap ? cap * 2 : 64;
            char **nn = realloc(names, cap * sizeof *names);
            if (!nn) {
                errmsg(r, "%s: out of memory", shown[0] ? shown : ".");
                break;
            }
            names = nn;
        }
        size_t k = strlen(e->d_name);
        if (!(names[n] = malloc(k + 2))) {
            errmsg(r, "%s: out of memory", shown[0] ? shown : ".");
            break;
        }
        names[n][0] = (char)e->d_type;
        memcpy(names[n] + 1, e->d_name, k + 1);
        n++;
    }
    closedir(d);
    if (n)   /* an empty directory has no array: qsort(NULL, ...) is undefined */
        qsort(names, n, sizeof *names, cmp_names);
    size_t plen = strlen(path), slen = strlen(shown);
    int slash = plen && path[plen - 1] != '/';
    int sslash = slen && shown[slen - 1] != '/';
    for (size_t i = 0; i < n && !r->quit; i++) {
        char *child, *cshown;
        const char *name = names[i] + 1;
        if (asprintf(&child, "%s%s%s", path, slash ? "/" : "", name) < 0) {
            errmsg(r, "%s: out of memory", shown[0] ? shown : ".");
            break;
        }
        if (asprintf(&cshown, "%s%s%s", shown, sslash ? "/" : "", name) < 0) {
            errmsg(r, "%s: out of memory", shown[0] ? shown : ".");
            free(child);
            break;
        }
        struct stat sb;
        int rc = 0;
        if (names[i][0] == DT_REG)
            sb.st_mode = S_IFREG;
        else
            rc = lstat(child, &sb);
        if (rc == 0 && S_ISLNK(sb.st_mode)) {
            /* -r follows only the links named on the command line */
            rc = r->cfg->recursive == 2 ? stat(child, &sb) : -1;
            if (rc < 0 && r->cfg->recursive == 2)
                errmsg(r, "%s: %s", cshown, strerror(errno));
            if (rc < 0)
                sb.st_mode = 0;
        } else if (rc < 0) {
            errmsg(r, "%s: %s", cshown, strerror(errno));
            sb.st_mode = 0;
        }
        if (S_ISDIR(sb.st_mode)) {
            int loop = 0;
            for (const struct dirlink *a = up; a; a = a->up)
                loop |= a->dev == sb.st_dev && a->ino == sb.st_ino;
            if (loop) {
                if (!r->cfg->no_messages)
                    fprintf(stderr, PROG ": %s: warning: recursive directory loop\n", cshown);
            } else {
                struct dirlink here = {sb.st_dev, sb.st_ino, up};
                walk(r, child, cshown, &here);
            }
        } else if (S_ISREG(sb.st_mode)) {
            search_file(r, child, cshown);
        }
        /* devices, FIFOs and sockets met while recursing are skipped, as grep -r does */
        free(child);
        free(cshown);
    }
    for (size_t i = 0; i < n; i++)
        free(names[i]);
    free(names);
}

static void search_operand(struct run *r, const char *path)
{
    if (!strcmp(path, "-")) {
        search_file(r, NULL, STDIN_NAME);
        return;
    }
    struct stat sb;
    if (stat(path, &sb) == 0 && S_ISDIR(sb.st_mode)) {
        struct dirlink top = {sb.st_dev, sb.st_ino, NULL};
        /* as grep's fts: a run of trailing slashes is shown as one */
        size_t k = strlen(path);
        if (k > 2 && path[k - 1] == '/')
            while (k > 1 && path[k - 2] == '/')
                k--;
        char *shown = strndup(path, k);
        if (!shown) {
            errmsg(r, "%s: out of memory", path);
            return;
        }
        walk(r, path, shown, &top);
        free(shown);
        return;
    }
    search_file(r, path, path);
}

static void usage_error(void)
{
    fprintf(stderr, "Usage: " PROG " [OPTION]... PATTERNS [FILE]...\n"
                    "Try '" PROG " --help' for more information.\n");
    exit(2);
}

static void help(void)
{
    printf("Usage: " PROG " [OPTION]... PATTERNS [FILE]...\n"
           "Search for PATTERNS (PCRE2 syntax) in each FILE; a directory is searched\n"
           "recursively, no FILE (or '-') reads standard input.\n"
           "\n"
           "Patterns:\n"
           "  -e, --regexp=PATTERNS     use PATTERNS (repeatable)\n"
           "  -f, --file=FILE           take PATTERNS from FILE, one per line\n"
           "  -i, --ignore-case         ignore case distinctions\n"
           "  -w, --word-regexp         match only whole words\n"
           "  -x, --line-regexp         match only whole lines\n"
           "  -F, --fixed-strings       PATTERNS are strings\n"
           "  -E, --extended-regexp, -P, --perl-regexp\n"
           "                            PATTERNS are regular expressions (the default)\n"
           "\n"
           "Output:\n"
           "  -v, --invert-match        select non-matching lines\n"
           "  -c, --count               print only a count of selected lines per FILE\n"
           "  -l, --files-with-matches  print only names of FILEs with selected lines\n"
           "  -L, --files-without-match print only names of FILEs with no selected lines\n"
           "  -o, --only-matching       show only the matching part of lines\n"
           "  -n, --line-number         print line numbers\n"
           "  -b, --byte-offset         print byte offsets\n"
           "  -H, --with-filename       print file names\n"
           "  -h, --no-filename         do not print file names\n"
           "  -m, --max-count=NUM       stop after NUM selected lines per FILE\n"
           "  -q, --quiet, --silent     print nothing, exit 0 on the first selected line\n"
           "  -s, --no-messages         suppress messages about unreadable files\n"
           "\n"
           "Files:\n"
           "  -r, --recursive           search directories (symlinks only when named)\n"
           "  -R, --dereference-recursive  likewise, following all symlinks\n"
           "  -a, --text                search binary files as text\n"
           "\n"
           "Decoding (gzip, xz, zstd, bzip2, lz4 and UTF-16/32 with a BOM are found by\n"
           "content, and converted to UTF-8 text):\n"
           DECODE_HELP
           "\n"
           "      --help                show this help\n"
           "  -V, --version             show the version\n"
           "\n"
           "Exit status: 0 if a line is selected, 1 if none, 2 on error.\n"
           "See srcgrep(1) for details.\n");
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
    struct config cfg;
    memset(&cfg, 0, sizeof cfg);
    cfg.with_fname = -1;
    cfg.max_count = -1;
    decode_cfg_init(&cfg.dec);
    struct matcher_opts mo = {0};
    mo.utf = cfg.utf = strcmp(nl_langinfo(CODESET), "UTF-8") == 0;
    struct patlist pl = {0};
    int have_pattern = 0;

    enum { OPT_HELP = 256 };
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
        DECODE_LONG_OPTIONS,
        {"help", no_argument, 0, OPT_HELP},
        {"version", no_argument, 0, 'V'},
        {0, 0, 0, 0},
    };
    int ch;
    while ((ch = getopt_long(argc, argv, "e:f:ivwxFEPclLnbHhoqsm:rRaV", longs, NULL)) != -1) {
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
        case 'r': if (cfg.recursive < 1) cfg.recursive = 1; break;
        case 'R': cfg.recursive = 2; break;
        case 'a': cfg.text = 1; break;
        case OPT_HELP: help(); break;
        case 'V':
            printf(PROG " %s (libsrc %s)\n", LIBSRC_VERSION_STRING, bs_version());
            exit(0);
        default:
            if (!decode_option(&cfg.dec, ch, optarg, PROG))
                usage_error();
        }
    }
    if (!have_pattern) {
        if (optind >= argc)
            usage_error();
        const char *p = argv[optind++];
        add_patterns(&pl, p, strlen(p), 0);
    }
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
    if (!cfg.quiet && fstat(1, &ost) == 0 && S_ISCHR(ost.st_mode) &&
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
        cfg.with_fname = nops > 1 || (nops == 0 && cfg.recursive);
        for (int i = optind; i < argc && !cfg.with_fname; i++) {
            struct stat sb;
            cfg.with_fname = strcmp(argv[i], "-") && stat(argv[i], &sb) == 0 && S_ISDIR(sb.st_mode);
        }
    }

    struct run r = {0};
    r.cfg = &cfg;
    out_init(&r.out, 1);
    r.tty = isatty(1);
    /* grep skips this check where it prints little or stops early */
    if (!cfg.count && !cfg.list && !cfg.quiet && (cfg.max_count < 0 || cfg.max_count > 1) &&
        fstat(1, &ost) == 0 && S_ISREG(ost.st_mode)) {
        r.check_out = 1;
        r.out_dev = ost.st_dev;
        r.out_ino = ost.st_ino;
    }
    if (match_state_init(&r.ms, &cfg.m) < 0) {
        fprintf(stderr, PROG ": out of memory\n");
        return 2;
    }
    if (nops == 0 && cfg.recursive) {
        struct stat sb;
        if (stat(".", &sb) == 0) {
            struct dirlink top = {sb.st_dev, sb.st_ino, NULL};
            walk(&r, ".", "", &top);
        } else {
            errmsg(&r, ".: %s", strerror(errno));
        }
    } else if (nops == 0) {
        search_file(&r, NULL, STDIN_NAME);
    }
    for (int i = optind; i < argc && !r.quit; i++)
        search_operand(&r, argv[i]);
    out_flush(&r.out);
    if (r.out.err && !r.quit) {
        if (r.out.err != EPIPE)
            fprintf(stderr, PROG ": write error: %s\n", strerror(r.out.err));
        r.any_error = 1;
    }
    match_state_free(&r.ms);
    out_free(&r.out);
    matcher_free(&cfg.m);
    decode_cfg_free(&cfg.dec);
    if (r.quit)
        return 0;
    return r.any_error ? 2 : r.any_selected ? 0 : 1;
}
