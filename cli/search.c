/* The search of one file: windows of decoded text, lines selected by the
 * matcher, and grep's output for them. */
#define _GNU_SOURCE
#include "search.h"

#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "libsrc.h"
#include "scan.h"

/* GNU grep decides a file is binary from its first buffer: a NUL in this
 * much of a file means none of its lines is printed.  A NUL further on makes
 * the file binary from the line that holds it. */
#define BINARY_PEEK (96 << 10)

/* The state of one file's search. */
struct file {
    struct searcher *r;
    byte_source *s;
    const char *name;
    int with_fname;
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


void search_error(struct searcher *r, const char *fmt, ...)
{
    r->any_error = 1;
    if (r->cfg->no_messages)
        return;
    char line[4096];
    int k = snprintf(line, sizeof line, PROG ": ");
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(line + k, sizeof line - (size_t)k, fmt, ap);
    va_end(ap);
    out_msg(r->out, line);
}

#define errmsg search_error

/* Reports the source's error under the name the user sees, which differs
 * from the opened path only for the implicit "." of -r. */
static void report(struct searcher *r, byte_source *s, const char *shown)
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
    const struct search_cfg *c = f->r->cfg;
    struct out *o = f->r->out;
    if (f->with_fname) {
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
    const struct search_cfg *c = f->r->cfg;
    if (!c->utf || c->text || utf8_valid(p, n))
        return 1;
    f->binary_matched = 1;
    return 0;
}

/* Line [ls, le) of the window p is selected. */
static int select_line(struct file *f, const unsigned char *p, size_t ls, size_t le)
{
    struct searcher *r = f->r;
    const struct search_cfg *c = r->cfg;
    f->selected++;
    r->any_selected = 1;
    if (c->quiet) {
        atomic_store(r->quit, 1);
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
                        out_add(r->out, p + ls + a, b - a);
                        out_byte(r->out, '\n');
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
            out_add(r->out, p + ls, le - ls);
            out_byte(r->out, '\n');
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
    const struct search_cfg *c = f->r->cfg;
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
    struct searcher *r = f->r;
    const struct search_cfg *c = r->cfg;
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
        const struct search_cfg *c = f->r->cfg;
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
static int search_source(struct searcher *r, byte_source *s, const char *name, int detected,
                         int with_fname)
{
    const struct search_cfg *c = r->cfg;
    struct file f = {0};
    f.r = r;
    f.s = s;
    f.name = name;
    f.lineno = 1;
    f.with_fname = with_fname;
    /* -m 0 -L lists every file without reading it */
    int rc = detected < 0 ? detected : c->max_count == 0 ? 0 : bs_guard(s, search_fn, &f);
    if (rc < 0 && !f.failed)
        report(r, s, name);
    if (c->quiet)
        return rc;
    struct out *o = r->out;
    if (c->list == LIST_MATCHING && f.selected) {
        out_str(o, name);
        out_byte(o, '\n');
    } else if (c->list == LIST_NONMATCHING && !f.selected) {
        /* as grep: a file that failed part way is still listed */
        out_str(o, name);
        out_byte(o, '\n');
    } else if (c->count && !c->list) {
        if (f.with_fname) {
            out_str(o, name);
            out_byte(o, ':');
        }
        out_u64(o, (unsigned long long)f.selected);
        out_byte(o, '\n');
    }
    if (f.binary_matched) {
        char line[4096];
        snprintf(line, sizeof line, PROG ": %s: binary file matches", name);
        out_msg(o, line);
    }
    /* a terminal sees each file as soon as it is searched; a pipe or file
     * gets full buffers */
    if (c->tty)
        out_flush_if_free(o);
    return rc;
}

/* A member is shown with its name, as a file among several is, unless
 * -h says otherwise. */
static int search_leaf(void *ctx, byte_source *s, const char *name, int detected)
{
    struct searcher *r = ctx;
    int with = r->cfg->with_fname;
    if (r->cfg->fname_auto && strcmp(name, r->file_shown) != 0)
        with = 1;
    return search_source(r, s, name, detected, with);
}

/* A container that cannot go on: its message names what it names. */
static void report_leaf(void *ctx, byte_source *s, const char *name)
{
    struct searcher *r = ctx;
    (void)name;
    report(r, s, r->file_shown);
}

/* As grep, refuses to read the file the output goes to, which could grow
 * as fast as it is read (path NULL: standard input). */
static int is_output(struct searcher *r, const char *path, const char *shown)
{
    struct stat sb;
    if (!r->cfg->check_out || (path ? stat(path, &sb) : fstat(0, &sb)) < 0 ||
        sb.st_dev != r->cfg->out_dev || sb.st_ino != r->cfg->out_ino)
        return 0;
    errmsg(r, "%s: input file is also the output", shown);
    return 1;
}

/* Opens and searches one file, shown to the user as `shown`; path NULL
 * means standard input. */
void search_path(struct searcher *r, const char *path, const char *shown)
{
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

int searcher_init(struct searcher *w, const struct search_cfg *cfg, atomic_int *quit)
{
    memset(w, 0, sizeof *w);
    w->cfg = cfg;
    w->quit = quit;
    return match_state_init(&w->ms, &cfg->m);
}

void searcher_free(struct searcher *w)
{
    match_state_free(&w->ms);
}

void search_cfg_init(struct search_cfg *c)
{
    memset(c, 0, sizeof *c);
    c->with_fname = -1;
    c->max_count = -1;
    decode_cfg_init(&c->dec);
}

int search_option(struct search_cfg *c, int opt, const char *arg, const char *prog)
{
    (void)c;
    (void)opt;
    (void)arg;
    (void)prog;
    return 0;
}

void search_cfg_finish(struct search_cfg *c, const char *prog)
{
    (void)c;
    (void)prog;
}

void search_cfg_free(struct search_cfg *c)
{
    decode_cfg_free(&c->dec);
}
