/* The search of one file: windows of decoded text, lines selected by the
 * matcher, the context around them, and grep's output for them.
 *
 * The search reports what it finds as events (a line, selected or of
 * context; a break between groups of lines; the end of a file) to a
 * printer, which decides how they look: grep's format is the one printer
 * today. */
#define _GNU_SOURCE
#include "search.h"

#include <errno.h>
#include <getopt.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "libsrc.h"
#include "scan.h"

/* GNU grep decides a file is binary from its first buffer: a NUL in this
 * much of a file means none of its lines is printed.  A NUL further on makes
 * the file binary from the line that holds it. */
#define BINARY_PEEK (96 << 10)

/* One line for the printer. */
struct line_ev {
    const unsigned char *text;   /* the line, without its terminator */
    size_t len;
    int has_eol;                 /* text[len] is its terminator (not so for a last line without) */
    uint64_t lineno;             /* its number, when -n asks for it (else 0) */
    uint64_t offset;             /* stream offset of text[0] */
    int selected;                /* selected (':'), or context ('-') */
    int matching;                /* holds the matches to show: selected unless -v */
};

struct file;

/* How a search's events are printed. */
struct printer {
    /* A line; returns 0 if it was held back (grep's rule for lines that
     * are not valid UTF-8), which then does not count as printed. */
    int (*line)(struct file *f, const struct line_ev *e);
    /* Before a group of lines not adjacent to what was printed before. */
    void (*group_break)(struct file *f);
    /* The file is searched: f->selected and the other results are final. */
    void (*end)(struct file *f);
};

/* The state of one file's search.  Offsets that outlive a window are
 * stream offsets (uint64_t); the others are offsets in the window p. */
struct file {
    struct searcher *r;
    const struct search_cfg *c;
    const struct printer *pr;
    byte_source *s;
    const char *name;
    int with_fname;
    int quiet_out;           /* -c, -l, -L, -q, /dev/null: no line is printed */
    int nul_split;           /* NUL ends lines and makes the file binary (not -a, not -z) */
    int print_ends;          /* MATCH_NUL_*: where printed lines end */
    const unsigned char *p;  /* the window */
    size_t len;              /* ... whose last searched line ends at p[len] */
    size_t chunk;            /* ... and what the lines cover, terminators included */
    uint64_t base;           /* stream offset of p[0] */
    int nul_mode;            /* MATCH_NUL_*: how NUL counts in the part searched */
    uint64_t lineno;         /* number of the line starting at nl_pos */
    size_t nl_pos;
    uint64_t nul_checked;    /* bytes before this were looked at for NUL */
    uint64_t lastout;        /* just past the last line printed (have_lastout) */
    int have_lastout;
    uint64_t pend_at;        /* where trailing context goes on if none was printed */
    long long pending;       /* lines of trailing context still to print */
    long long selected;
    int binary;              /* a NUL was seen before this point: nothing more is printed */
    int binary_msg;          /* "binary file matches" at the end */
    int maxed;               /* -m reached: only trailing context is left to print */
    int stop;
    int failed;              /* message already printed */
    uint64_t searched;       /* stream bytes searched so far */
    uint64_t binary_at;      /* where the first NUL that made it binary is */
    uint64_t sel_end;        /* just past the last selected line */
    int in_run;              /* -v: the line continues a run of selected lines */
    /* --json */
    int begun;               /* the begin message is out */
    struct json_stats js;
};


/* Whether this file's search is not wanted any more: the output is gone,
 * or -q found its line in a file that comes before it. */
static int run_over(struct searcher *r)
{
    return atomic_load_explicit(r->quit, memory_order_relaxed) ||
           atomic_load_explicit(r->answered, memory_order_relaxed) < r->seq;
}

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

/* ---- grep's format -------------------------------------------------------- */

static void sgr_start(struct file *f, const char *cap)
{
    if (!*cap)
        return;
    struct out *o = f->r->out;
    out_add(o, "\33[", 2);
    out_str(o, cap);
    /* "erase to end of line" keeps a background color from running on
     * where the terminal wraps or tabs (grep's reasoning; ne drops it) */
    if (f->c->col.ne)
        out_byte(o, 'm');
    else
        out_add(o, "m\33[K", 4);
}

static void sgr_end(struct file *f, const char *cap)
{
    if (*cap)
        out_str(f->r->out, f->c->col.ne ? "\33[m" : "\33[m\33[K");
}

static void put_sep(struct file *f, char sep)
{
    sgr_start(f, f->c->col.se);
    out_byte(f->r->out, sep);
    sgr_end(f, f->c->col.se);
}

static void put_name(struct file *f)
{
    sgr_start(f, f->c->col.fn);
    out_str(f->r->out, f->name);
    sgr_end(f, f->c->col.fn);
}

/* v right-aligned in `width` columns (-T), the padding inside the color
 * as grep prints it. */
static void put_number(struct file *f, uint64_t v, int width, const char *cap)
{
    struct out *o = f->r->out;
    sgr_start(f, cap);
    if (width > 1) {
        int digits = 1;
        for (uint64_t k = v; k >= 10; k /= 10)
            digits++;
        for (; width > digits; width--)
            out_byte(o, ' ');
    }
    out_u64(o, v);
    sgr_end(f, cap);
}

/* The prefix of an output line: name, line number, column, byte offset,
 * each followed by sep, then -T's tab before a body that is not empty. */
static void head(struct file *f, char sep, uint64_t lineno, size_t col, uint64_t off,
                 size_t bodylen)
{
    const struct search_cfg *c = f->c;
    int any = f->with_fname || c->lineno || col || c->byteoff;
    if (f->with_fname) {
        put_name(f);
        if (c->null_name)
            out_byte(f->r->out, 0);
        else
            put_sep(f, sep);
    }
    if (c->lineno) {
        put_number(f, lineno, f->r->tab_width, c->col.ln);
        put_sep(f, sep);
    }
    if (col) {
        put_number(f, col, 0, c->col.ln);
        put_sep(f, sep);
    }
    if (c->byteoff) {
        put_number(f, off, f->r->tab_width, c->col.bn);
        put_sep(f, sep);
    }
    if (c->initial_tab && any && bodylen)
        out_byte(f->r->out, '\t');
}

/* In a UTF-8 locale, grep 3.8 holds back each line (or -o match) that is
 * not valid UTF-8, goes on with the next ones and reports the file as
 * binary at its end: so do we. */
static int printable(struct file *f, const unsigned char *p, size_t n)
{
    const struct search_cfg *c = f->c;
    if (!c->utf || c->text || utf8_valid(p, n))
        return 1;
    f->binary_msg = 1;
    return 0;
}

/* The first match at or after off in the line; a matching error is
 * reported once and ends the file's search. */
static int line_match(struct file *f, const struct line_ev *e, size_t off, size_t *a, size_t *b)
{
    int rc = matcher_in_line(&f->c->m, &f->r->ms, e->text, e->len, off, a, b);
    if (rc < 0 && !f->failed) {
        search_error(f->r, "%s: %s", f->name, f->r->ms.err);
        f->failed = 1;
        f->stop = 1;
    }
    return rc > 0;
}

/* The body of a line with its colors: matches in the match color (only
 * non-empty ones: an empty match moves on by one byte, as grep does), the
 * text around them in the line color, a CR before the end left outside
 * it. */
static void body(struct file *f, const struct line_ev *e)
{
    const struct search_cfg *c = f->c;
    struct out *o = f->r->out;
    const unsigned char *t = e->text;
    const char *lcolor = e->selected ^ (c->invert && c->col.rv) ? c->col.sl : c->col.cx;
    const char *mcolor = e->selected ? c->col.ms : c->col.mc;
    size_t done = 0;
    if (e->matching && *mcolor) {
        size_t off = 0, a, b;
        while (off < e->len && line_match(f, e, off, &a, &b)) {
            if (b == a) {
                off = a + 1;
                continue;
            }
            /* the line color is not closed before the match: the match's
             * end closes both, byte for byte as grep */
            sgr_start(f, lcolor);
            out_add(o, t + done, a - done);
            sgr_start(f, mcolor);
            out_add(o, t + a, b - a);
            sgr_end(f, mcolor);
            done = off = b;
        }
    }
    if (*lcolor) {
        size_t end = e->len;
        if (end > done && t[end - 1] == '\r')
            end--;
        if (end > done) {
            sgr_start(f, lcolor);
            out_add(o, t + done, end - done);
            sgr_end(f, lcolor);
            done = end;
        }
    }
    out_add(o, t + done, e->len - done);
}

/* -o: each non-empty match on a line of its own. */
static int grep_only(struct file *f, const struct line_ev *e, char sep)
{
    const struct search_cfg *c = f->c;
    struct out *o = f->r->out;
    const char *mcolor = e->selected ? c->col.ms : c->col.mc;
    size_t off = 0, a, b;
    while (off < e->len && line_match(f, e, off, &a, &b)) {
        if (b == a) {
            off = a + 1;
            continue;
        }
        if (!printable(f, e->text + a, b - a))
            return 0;   /* nor the line's later matches */
        head(f, sep, e->lineno, c->column && e->selected ? a + 1 : 0, e->offset + a, b - a);
        sgr_start(f, mcolor);
        out_add(o, e->text + a, b - a);
        sgr_end(f, mcolor);
        out_byte(o, (char)c->eol);
        off = b;
    }
    return 1;
}

/* The next match of line e from *off, in ripgrep's order: empty matches
 * too, except one where the previous match ended (*last). */
static int rg_next(struct file *f, const struct line_ev *e, size_t *off, size_t *last, size_t *a,
                   size_t *b)
{
    while (*off <= e->len && line_match(f, e, *off, a, b)) {
        *off = *b > *a ? *b : *a + 1;
        if (*b == *a && *a == *last)
            continue;
        *last = *b;
        return 1;
    }
    return 0;
}

/* --vimgrep: the whole line once per match (rg_next), as ripgrep prints it. */
static void grep_vim(struct file *f, const struct line_ev *e)
{
    struct out *o = f->r->out;
    size_t off = 0, last = SIZE_MAX, a, b;
    int any = 0;
    while (rg_next(f, e, &off, &last, &a, &b)) {
        head(f, ':', e->lineno, a + 1, e->offset + a, e->len);
        body(f, e);
        out_byte(o, (char)f->c->eol);
        any = 1;
    }
    if (!any && !f->failed) {
        head(f, ':', e->lineno, 0, e->offset, e->len);
        body(f, e);
        out_byte(o, (char)f->c->eol);
    }
}

static int grep_line(struct file *f, const struct line_ev *e)
{
    const struct search_cfg *c = f->c;
    char sep = e->selected ? ':' : '-';
    if (c->only)
        return e->matching ? grep_only(f, e, sep) : 1;
    if (!printable(f, e->text, e->len))
        return 0;
    if (!c->color && !c->column && !f->r->tab_width) {
        /* the plain line, as most runs print it: head() without colors
         * or padding, spelled out for speed */
        struct out *o = f->r->out;
        if (f->with_fname) {
            out_str(o, f->name);
            out_byte(o, c->null_name ? 0 : sep);
        }
        if (c->lineno) {
            out_u64(o, e->lineno);
            out_byte(o, sep);
        }
        if (c->byteoff) {
            out_u64(o, e->offset);
            out_byte(o, sep);
        }
        if (c->initial_tab && (f->with_fname || c->lineno || c->byteoff) && e->len)
            out_byte(o, '\t');
        out_add(o, e->text, e->len);
        out_byte(o, (char)c->eol);
        return 1;
    }
    if (c->vimgrep && e->selected && e->matching) {
        grep_vim(f, e);
        return 1;
    }
    size_t col = 0, a, b;
    if (c->column && e->selected && e->matching && line_match(f, e, 0, &a, &b))
        col = a + 1;
    head(f, sep, e->lineno, col, e->offset, e->len);
    body(f, e);
    out_byte(f->r->out, (char)c->eol);
    return 1;
}

static void grep_group_break(struct file *f)
{
    struct out *o = f->r->out;
    sgr_start(f, f->c->col.se);
    out_str(o, f->c->group_sep);
    sgr_end(f, f->c->col.se);
    out_byte(o, '\n');   /* even under -z, as grep */
}

static void grep_end(struct file *f)
{
    const struct search_cfg *c = f->c;
    struct out *o = f->r->out;
    if (c->quiet)
        return;
    if ((c->list == LIST_MATCHING && f->selected) || (c->list == LIST_NONMATCHING && !f->selected)) {
        /* -L lists a file that failed part way too, as grep */
        put_name(f);
        out_byte(o, c->null_name ? 0 : '\n');
        if (c->line_buffered)
            out_flush_if_free(o);
    } else if (c->count && !c->list) {
        if (f->with_fname) {
            put_name(f);
            if (c->null_name)
                out_byte(o, 0);
            else
                put_sep(f, ':');
        }
        out_u64(o, (unsigned long long)f->selected);
        out_byte(o, '\n');
        if (c->line_buffered)
            out_flush_if_free(o);
    }
    if (f->binary_msg && !c->without_match) {
        char line[4096];
        snprintf(line, sizeof line, PROG ": %s: binary file matches", f->name);
        out_msg(o, line);
    }
}

static const struct printer grep_printer = {grep_line, grep_group_break, grep_end};

/* ---- --json: ripgrep's messages ------------------------------------------------ */

/* The line's matches, as rg lists them (rg_next).  Returns their number
 * (in r->spans). */
static size_t json_spans(struct file *f, const struct line_ev *e)
{
    struct searcher *r = f->r;
    size_t n = 0, off = 0, last = SIZE_MAX, a, b;
    while (rg_next(f, e, &off, &last, &a, &b)) {
        if (b == a && a == e->len && !e->has_eol)
            break;   /* rg: not after a last line that has no terminator */
        if (n == r->nspans) {
            size_t cap = r->nspans ? r->nspans * 2 : 16;
            struct json_span *ns = realloc(r->spans, cap * sizeof *ns);
            if (!ns)
                break;
            r->spans = ns;
            r->nspans = cap;
        }
        r->spans[n].start = a;
        r->spans[n++].end = b;
    }
    return n;
}

static int json_line_ev(struct file *f, const struct line_ev *e)
{
    struct out *o = f->r->out;
    if (!f->begun) {
        f->js.bytes_printed += json_begin(o, f->name, f->s);
        f->begun = 1;
    }
    size_t n = e->matching ? json_spans(f, e) : 0;
    f->js.bytes_printed += json_line(o, e->selected, f->name, e->text, e->len + (size_t)e->has_eol,
                                     e->lineno, e->offset, f->r->spans, n);
    if (e->selected) {
        f->js.matched_lines++;
        f->js.matches += n;
    }
    return 1;
}

static void json_group_break(struct file *f)
{
    (void)f;   /* rg's messages have none */
}

static void json_end_ev(struct file *f)
{
    /* a binary file whose match was not printed still says so, as rg
     * does, with the offset of the NUL that made it binary */
    if (!f->begun && f->binary_msg && !f->c->without_match) {
        f->js.bytes_printed += json_begin(f->r->out, f->name, f->s);
        f->begun = 1;
    }
    if (!f->begun)
        return;   /* as rg: a file without a match prints nothing */
    json_end(f->r->out, f->name, f->s, f->binary ? (int64_t)f->binary_at : -1, &f->js);
}

static const struct printer json_printer = {json_line_ev, json_group_break, json_end_ev};

/* ---- the search ---------------------------------------------------------------- */

/* The number of the line starting at window offset ls; lines are asked
 * for in order. */
static uint64_t line_number(struct file *f, size_t ls)
{
    /* leading context may reach back before a line held back (invalid
     * UTF-8), which moved nl_pos on without being printed */
    if (ls < f->nl_pos)
        f->lineno -= count_byte(f->p + ls, f->nl_pos - ls, f->c->eol);
    else
        f->lineno += count_byte(f->p + f->nl_pos, ls - f->nl_pos, f->c->eol);
    f->nl_pos = ls;
    return f->lineno;
}

/* Whether the file is binary by window offset `to`: a NUL before it (not
 * looked at before) makes it binary from the line that holds it on. */
static inline int binary_by(struct file *f, size_t to)
{
    if (f->binary || !f->nul_split)
        return f->binary;
    uint64_t end = f->base + to;
    if (f->nul_checked < end) {
        size_t from = f->nul_checked > f->base ? (size_t)(f->nul_checked - f->base) : 0;
        const unsigned char *z = memchr(f->p + from, 0, to - from);
        if (z) {
            f->binary = 1;
            f->binary_at = f->base + (uint64_t)(z - f->p);
        }
        f->nul_checked = end;
    }
    return f->binary;
}

/* The start of the line that ends just before window offset ls, no
 * earlier than bound. */
static size_t prev_line_start(const struct file *f, size_t ls, size_t bound)
{
    if (ls - 1 <= bound)
        return bound;
    const unsigned char *q = memrchr(f->p + bound, f->c->eol, ls - 1 - bound);
    return q ? (size_t)(q - f->p) + 1 : bound;
}

/* Where the printed part of the window begins: lines before it were
 * printed already, or are not in the window. */
static size_t out_bound(const struct file *f)
{
    return f->have_lastout && f->lastout > f->base ? (size_t)(f->lastout - f->base) : 0;
}

/* Hands the line [ls, le) of the window to the printer. */
static inline int emit(struct file *f, size_t ls, size_t le, int selected)
{
    const struct search_cfg *c = f->c;
    struct line_ev e = {f->p + ls, le - ls, le < f->chunk, c->lineno ? line_number(f, ls) : 0,
                        f->base + ls, selected, selected ^ c->invert};
    /* grep's printer called directly: the compiler can then inline it */
    if (!(f->pr == &grep_printer ? grep_line(f, &e) : f->pr->line(f, &e)))
        return 0;
    f->lastout = f->base + le + 1;
    f->have_lastout = 1;
    if (c->line_buffered)
        out_flush_if_free(f->r->out);
    return 1;
}

/* Prints pending trailing context up to window offset `limit` (a line
 * start).  As in grep, a line held back does not move the place printing
 * goes on from, but uses up one line of the context. */
static void print_pending(struct file *f, size_t limit)
{
    size_t at = (size_t)((f->have_lastout ? f->lastout : f->pend_at) - f->base);
    while (f->pending > 0 && at < limit && !f->stop) {
        size_t e = matcher_line_end(f->p, f->len, at, f->print_ends);
        if (binary_by(f, e)) {
            f->pending = 0;
            break;
        }
        if (emit(f, at, e, 0))
            at = e + 1;
        f->pending--;
    }
    if (!f->have_lastout)
        f->pend_at = f->base + at;
}

/* Whether some file has printed a group of lines (or found a binary file
 * matching) in this run, while context was asked for: grep then starts
 * each later file's first group with a group separator.  One run per
 * process. */
static atomic_int run_used;

/* Whether something was printed before this file's next group in the
 * run's output, for that separator.  The first file to print sets
 * run_used at its turn to print (the pool's: every file before it is
 * done), so that a file that finds it set knows it comes after; a file
 * that finds it unset waits for its own turn to be sure that none before
 * it will print.  The waits are at the start of a run only. */
static int used_before(struct file *f)
{
    struct out *o = f->r->out;
    if (!atomic_load(&run_used) && o->may_write)
        o->may_write(o, 2);
    return atomic_load(&run_used);
}

/* The file printed a group (or matched as binary): after used_before,
 * which put it in its place in the run. */
static void set_used(void)
{
    if (!atomic_load(&run_used))
        atomic_store(&run_used, 1);
}

/* Prints the selected line [ls, le) with its leading context, after a
 * group separator if it does not follow what was printed. */
static void print_group(struct file *f, size_t ls, size_t le)
{
    const struct search_cfg *c = f->c;
    size_t p = ls;
    /* a line after the first of a -v run continues its group, as grep
     * prints a run at once: even after a line held back, no leading
     * context and no separator */
    if (c->before > 0 && !f->in_run) {
        size_t bound = out_bound(f);
        for (long long i = 0; i < c->before && p > bound; i++)
            p = prev_line_start(f, p, bound);
    }
    if (c->context && c->group_sep && !f->in_run && used_before(f) &&
        !(f->have_lastout && f->base + p == f->lastout))
        f->pr->group_break(f);
    while (p < ls && !f->stop) {
        size_t e = matcher_line_end(f->p, f->len, p, f->print_ends);
        emit(f, p, e, 0);
        p = e + 1;
    }
    if (!f->stop && !emit(f, ls, le, 1) && !f->have_lastout)
        f->pend_at = f->base + le + 1;
    f->pending = c->after > 0 ? c->after : 0;
    if (c->context)
        set_used();
}

/* Line [ls, le) of the window is selected. */
static void select_line(struct file *f, size_t ls, size_t le)
{
    struct searcher *r = f->r;
    const struct search_cfg *c = f->c;
    f->sel_end = f->base + le + 1;
    if (!f->quiet_out && f->pending > 0)
        print_pending(f, ls);
    /* A NUL before the end of this line makes the file binary: -I then
     * drops it whole (grep counts nothing in it); otherwise the line is
     * selected but nothing more is printed.  Counting and listing go on
     * as for text. */
    if ((c->without_match || !f->quiet_out) && binary_by(f, le)) {
        if (c->without_match) {
            f->selected = 0;
            f->stop = 1;
            return;
        }
        f->selected++;
        f->binary_msg = 1;
        if (c->context) {
            used_before(f);
            set_used();
        }
        f->stop = 1;
        return;
    }
    f->selected++;
    if (c->quiet) {
        uint64_t was = atomic_load(r->answered);
        while (r->seq < was && !atomic_compare_exchange_weak(r->answered, &was, r->seq))
            ;
        f->stop = 1;
        return;
    }
    if (c->list || c->devnull) {
        f->stop = 1;
        return;
    }
    if (!f->quiet_out)
        print_group(f, ls, le);
    if (c->max_count >= 0 && f->selected >= c->max_count) {
        if (f->pending > 0)
            f->maxed = 1;
        else
            f->stop = 1;
    }
}

/* Under -v, every line in [from, to) is selected (to is a line start, or
 * len + 1 for "through the last line"). */
static void select_range(struct file *f, size_t from, size_t to)
{
    const struct search_cfg *c = f->c;
    if (from >= to)
        return;
    if (c->count && c->max_count < 0) {
        /* only counting: lines are their terminators */
        size_t end = to > f->len ? f->len : to;
        long long n;
        if (f->nul_mode == MATCH_NUL_RECORDS)
            n = (long long)count_byte(f->p + from, end - from, 0);
        else {
            n = (long long)count_byte(f->p + from, end - from, '\n');
            if (f->nul_mode != MATCH_NUL_TEXT)
                n += (long long)count_byte(f->p + from, end - from, 0);
        }
        f->selected += n + (to > f->len);
        return;
    }
    size_t first = from;
    while (from < to && !f->stop && !f->maxed) {
        size_t e = matcher_line_end(f->p, f->len, from, f->nul_mode);
        f->in_run = from > first;
        select_line(f, from, e);
        from = e + 1;
    }
    f->in_run = 0;
}

/* Searches the lines of the window from `from` (a line start) through
 * p[len]; `chunk` is how much of the window they cover, terminator
 * included.  After -m, only prints what is left of the trailing context. */
static int search_lines(struct file *f, size_t from, size_t chunk)
{
    struct searcher *r = f->r;
    const struct search_cfg *c = f->c;
    const unsigned char *p = f->p;
    size_t len = f->len;
    f->chunk = chunk;
    if (!f->maxed) {
        /* GNU grep turns NULs into line ends.  A line holding one is split
         * where the matcher meets it; only anchored patterns found by a
         * search over the whole window need every line matched alone, and
         * only in a window that has a NUL. */
        if (c->eol == 0)
            f->nul_mode = MATCH_NUL_RECORDS;
        else if (c->text)
            f->nul_mode = MATCH_NUL_TEXT;
        else if (c->m.anchored && !c->m.has_lit && memchr(p + from, 0, chunk - from))
            f->nul_mode = MATCH_NUL_EACH;
        else
            f->nul_mode = MATCH_NUL_SPLIT;
        /* the matcher sees the window from `from`: lines kept for context
         * were searched already */
        const unsigned char *q = p + from;
        size_t qlen = len - from, pos = 0;
        while (pos <= qlen && !f->stop && !f->maxed) {
            size_t ls, le;
            int found = matcher_next_line(&c->m, &r->ms, q, qlen, pos, f->nul_mode, &ls, &le);
            if (found < 0) {
                search_error(r, "%s: %s", f->name, r->ms.err);
                f->failed = 1;
                return -1;
            }
            if (c->invert)
                select_range(f, from + pos, found ? from + ls : len + 1);
            else if (found)
                select_line(f, from + ls, from + le);
            if (!found)
                break;
            pos = le + 1;
        }
    }
    if (f->failed)
        return -1;
    if (!f->quiet_out && f->pending > 0 && !f->stop)
        print_pending(f, chunk);
    if (f->maxed && f->pending == 0)
        f->stop = 1;
    /* A NUL after the window's last selected line makes the file binary
     * from there on (the next window is checked from its start): -I then
     * drops the whole file. */
    if ((c->without_match || !f->quiet_out) && !f->stop && binary_by(f, chunk) &&
        c->without_match) {
        f->selected = 0;
        f->stop = 1;
    }
    return 0;
}

/* The offset of the last line end in p[from, n), or SIZE_MAX.  In a file
 * that may be binary a NUL ends a line too: a run of NULs without a
 * newline then needs no bigger window (grep turns them into newlines). */
static size_t last_line_end(const struct file *f, const unsigned char *p, size_t from, size_t n)
{
    const unsigned char *q = memrchr(p + from, f->c->eol, n - from);
    if (!q && f->nul_split)
        q = memrchr(p + from, 0, n - from);
    return q ? (size_t)(q - p) : SIZE_MAX;
}

static int search_fn(void *arg)
{
    struct file *f = arg;
    const struct search_cfg *c = f->c;
    size_t want = 1;
    size_t done = 0;   /* window bytes searched already: lines kept as leading context */
    for (;;) {
        /* the output is gone, or a file before this one found -q's line */
        if (run_over(f->r))
            return 0;
        const void *pv;
        size_t n;
        int rc = bs_peek(f->s, want, &pv, &n);
        const unsigned char *p = pv;
        f->p = p;
        if (rc < 0) {
            /* keep what was decoded before the failure: its whole lines */
            size_t e = n > done ? last_line_end(f, p, done, n) : SIZE_MAX;
            if (e != SIZE_MAX && !f->stop) {
                f->len = e;
                search_lines(f, done, e + 1);
                f->searched = f->base + e + 1;
            }
            return rc;
        }
        if (n <= done)
            return 0;
        /* grep's first buffer: all of it counts, the partial line at its
         * end included */
        const unsigned char *z = NULL;
        if (f->nul_split && !f->binary && f->base < BINARY_PEEK &&
            (z = memchr(p, 0, BINARY_PEEK - f->base < n ? (size_t)(BINARY_PEEK - f->base) : n))) {
            f->binary = 1;
            f->binary_at = f->base + (uint64_t)(z - p);
            if (c->without_match)
                return 0;
        }
        int at_end = n < want;
        size_t chunk;
        if (!at_end) {
            size_t e = last_line_end(f, p, done, n);
            if (e == SIZE_MAX) {
                /* a line longer than the window: ask for a bigger one */
                want = n * 2;
                continue;
            }
            f->len = e;
            chunk = e + 1;
        } else {
            chunk = n;
            /* a final terminator ends the last line; in a binary file a
             * final NUL does, as a newline */
            f->len = p[n - 1] == c->eol || (p[n - 1] == 0 && f->nul_split) ? n - 1 : n;
        }
        int src = search_lines(f, done, chunk);
        /* a search that stopped (-m, -l, -q) got as far as its last
         * selected line, or the trailing context after it */
        f->searched = f->base + chunk;
        if (f->stop) {
            uint64_t at = f->sel_end > f->lastout ? f->sel_end : f->lastout;
            if (at < f->searched)
                f->searched = at;
        }
        if (src < 0 || f->stop)
            return 0;
        /* Keep the last lines before the window's end as leading context
         * for a line selected in the next one: at most -B lines, none
         * printed already. */
        size_t keep = chunk;
        if (c->before > 0 && !f->quiet_out) {
            size_t bound = out_bound(f);
            for (long long i = 0; i < c->before && keep > bound; i++)
                keep = prev_line_start(f, keep, bound);
        }
        if (c->lineno) {
            if (f->nl_pos < keep) {
                f->lineno += count_byte(p + f->nl_pos, keep - f->nl_pos, c->eol);
                f->nl_pos = 0;
            } else {
                f->nl_pos -= keep;
            }
        }
        /* at the end too: the next peek lets the source report a failure
         * only visible there */
        bs_consume(f->s, keep);
        f->base += keep;
        done = chunk - keep;
        want = n - keep + 1;
    }
}

/* Searches s, whose layer detection returned `detected` (a failure there
 * counts as a file that failed before its first line). */
static uint64_t now_ns(void)
{
    struct timespec t;
    clock_gettime(CLOCK_MONOTONIC, &t);
    return (uint64_t)t.tv_sec * 1000000000u + (uint64_t)t.tv_nsec;
}

/* Adds what the layers [from, to] of s handed on to the counts by kind
 * (the readahead layer, which only moves bytes, left out). */
static void count_layers(struct search_stats *st, const byte_source *s, int from, int to)
{
    for (int i = from; i <= to; i++) {
        const char *kind = bs_layer_name(s, i);
        if (!kind || !strcmp(kind, "readahead"))
            continue;
        int k = 0;
        while (k < st->nkinds && strcmp(st->decoded[k].kind, kind))
            k++;
        if (k == st->nkinds) {
            if (k == SEARCH_KINDS)
                continue;
            st->decoded[st->nkinds++].kind = kind;
        }
        st->decoded[k].bytes += bs_layer_bytes(s, i);
    }
}

/* The counts of one text searched (a file read whole, or a member): its
 * own layers, from the innermost container up, since a container's count
 * starts again at each member.  The layers under the first container are
 * counted once for the file, by search_path. */
static void count_leaf(struct searcher *r, const struct file *f)
{
    struct search_stats *st = &r->st;
    const byte_source *s = f->s;
    int top = bs_layer_count(s) - 1, c = top;
    while (c > 0 && !bs_layer_is_container(s, c))
        c--;
    if (strcmp(f->name, r->file_shown ? r->file_shown : f->name))
        st->members++;
    st->searches++;
    st->searches_with_match += f->js.searches_with_match;
    st->selected_lines += (uint64_t)f->selected;
    st->matches += f->js.matches;
    st->match_messages += f->js.matched_lines;
    st->bytes_searched += f->js.bytes_searched;
    st->bytes_printed += f->js.bytes_printed;
    st->elapsed_ns += f->js.elapsed_ns;
    count_layers(st, s, c > 0 ? c : 1, top);
}

static int search_source(struct searcher *r, byte_source *s, const char *name, int detected,
                         int with_fname)
{
    const struct search_cfg *c = r->cfg;
    struct file f = {0};
    f.r = r;
    f.c = c;
    f.pr = c->json ? &json_printer : &grep_printer;
    f.s = s;
    f.name = name;
    f.lineno = 1;
    f.with_fname = with_fname;
    f.quiet_out = c->count || c->list || c->quiet || c->devnull;
    f.nul_split = !c->text && c->eol == '\n';
    f.print_ends = c->eol == 0 ? MATCH_NUL_RECORDS : MATCH_NUL_TEXT;
    uint64_t t0 = c->json ? now_ns() : 0;
    /* -m 0 -L lists every file without reading it */
    int rc = detected < 0 ? detected : c->max_count == 0 ? 0 : bs_guard(s, search_fn, &f);
    if (rc < 0 && !f.failed)
        report(r, s, name);
    if (f.selected)
        r->any_selected = 1;
    if (c->json || c->stats) {
        f.js.searches = 1;
        f.js.searches_with_match = f.selected > 0;
        f.js.bytes_searched = f.searched;
        f.js.elapsed_ns = c->json ? now_ns() - t0 : 0;
    }
    f.pr->end(&f);
    if (c->json || c->stats)
        count_leaf(r, &f);
    /* a terminal sees each file as soon as it is searched; a pipe or file
     * gets full buffers */
    if (c->tty)
        out_flush_if_free(r->out);
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
    int rc = search_source(r, s, name, detected, with);
    /* -q has its answer here or before, or the output is gone: the
     * archive's other members are not wanted */
    if (rc >= 0 && (run_over(r) || atomic_load(r->answered) == r->seq))
        return DECODE_STOP;
    return rc;
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

/* -T pads numbers to the digits of the file's size (plus one under -n),
 * or of the largest intmax_t when the size says nothing (a pipe), as grep
 * 3.8 does; for a decoded file that is the size as stored. */
static int tab_width(const struct search_cfg *c, const char *path)
{
    if (!c->initial_tab)
        return 0;
    struct stat sb;
    intmax_t num = (path ? stat(path, &sb) : fstat(0, &sb)) == 0 && S_ISREG(sb.st_mode)
                       ? (intmax_t)sb.st_size
                       : INTMAX_MAX;
    num += c->lineno && num < INTMAX_MAX;
    int w = 0;
    do
        w++;
    while ((num /= 10) != 0);
    return w;
}

/* Opens and searches one file, shown to the user as `shown`; path NULL
 * means standard input. */
void search_path(struct searcher *r, const char *path, const char *shown)
{
    if (run_over(r))
        return;
    if (is_output(r, path, shown))
        return;
    r->tab_width = tab_width(r->cfg, path);
    byte_source *s;
    int rc = decode_open(&r->cfg->dec, path, shown, &s);
    struct stat sb;
    if (rc < 0 && s && path && stat(path, &sb) == 0 && S_ISDIR(sb.st_mode)) {
        /* -d read: grep opens a directory and fails to read it, so -c
         * still counts 0 lines in it and -L lists it */
        search_source(r, s, shown, rc, r->cfg->with_fname);
    } else if (rc < 0) {
        report(r, s, shown);
    } else {
        struct decode_walk w = {search_leaf, report_leaf, r};
        r->file_shown = shown;
        uint64_t searched_before = r->st.bytes_searched;
        decode_walk(&r->cfg->dec, s, shown, decode_detect(&r->cfg->dec, s, path == NULL), &w);
        r->file_shown = NULL;
        if (r->cfg->stats || r->cfg->json) {
            /* the input, and the layers under the first container (those
             * above it were counted member by member) */
            int n = bs_layer_count(s), c = 1;
            while (c < n && !bs_layer_is_container(s, c))
                c++;
            r->st.files++;
            /* a file read as it is, that ended early (-l, -m, -q) in its
             * first window, consumed nothing but was read that far */
            uint64_t in = bs_layer_bytes(s, 0), seen = r->st.bytes_searched - searched_before;
            r->st.bytes_read += n == 1 && seen > in ? seen : in;
            if (c < n)
                count_layers(&r->st, s, 1, c - 1);
        }
    }
    bs_close(s);
}

int searcher_init(struct searcher *w, const struct search_cfg *cfg, atomic_int *quit,
                  _Atomic uint64_t *answered)
{
    memset(w, 0, sizeof *w);
    w->cfg = cfg;
    w->quit = quit;
    w->answered = answered;
    return match_state_init(&w->ms, &cfg->m);
}

void searcher_free(struct searcher *w)
{
    free(w->spans);
    w->spans = NULL;
    match_state_free(&w->ms);
}

void search_cfg_init(struct search_cfg *c)
{
    memset(c, 0, sizeof *c);
    c->with_fname = -1;
    c->max_count = -1;
    c->before = c->after = c->context_len = -1;
    c->group_sep = "--";
    c->eol = '\n';
    decode_cfg_init(&c->dec);
}

static _Noreturn void bad_context(const char *prog, const char *s)
{
    fprintf(stderr, "%s: %s: invalid context length argument\n", prog, s);
    exit(2);
}

/* A context length: a decimal number, at least 0; beyond what fits it
 * means "all", as in grep. */
static long long context_arg(const char *s, const char *prog)
{
    char *end;
    errno = 0;
    long long v = strtoll(s, &end, 10);
    if (end == s || *end || v < 0)
        bad_context(prog, s);
    return v;
}

/* -NUM: grep joins the digits of one argument word ("-12" is 12) and
 * starts again with the next word ("-1 -2" is 2) or after another option
 * ("-1n2" is 2).  getopt hands them over one by one: main says which word
 * each came from (opt_word) and clears last_was_digit at other options. */
static void context_digit(struct search_cfg *c, int d, const char *prog)
{
    if (!c->last_was_digit || c->opt_word != c->digit_word)
        c->ndigits = 0;
    else if (c->ndigits == 1 && c->digits[0] == '0')
        c->ndigits = 0;   /* leading zeros say nothing */
    if (c->ndigits == 21) {
        /* grep's limit (more than any intmax_t has): the digits so far and
         * "..." */
        memcpy(c->digits + c->ndigits, "...", 4);
        bad_context(prog, c->digits);
    }
    c->digits[c->ndigits++] = (char)d;
    c->digits[c->ndigits] = 0;
    c->context_len = context_arg(c->digits, prog);
    c->digit_word = c->opt_word;
}

int search_option(struct search_cfg *c, int opt, const char *arg, const char *prog)
{
    if (opt >= '0' && opt <= '9') {
        context_digit(c, opt, prog);
        c->last_was_digit = 1;
        return 1;
    }
    c->last_was_digit = 0;
    switch (opt) {
    case 'A': c->after = context_arg(arg, prog); break;
    case 'B': c->before = context_arg(arg, prog); break;
    case 'C': c->context_len = context_arg(arg, prog); break;
    case 'Z': c->null_name = 1; break;
    case 'z':
        c->eol = 0;
        break;
    case 'T': c->initial_tab = 1; break;
    case 'U': break;   /* binary I/O: POSIX has no other kind */
    case 'I':
        c->without_match = 1;
        c->text = 0;
        break;
    case SEARCH_OPT_BINARY_FILES:
        if (!strcmp(arg, "binary")) {
            c->without_match = c->text = 0;
        } else if (!strcmp(arg, "text")) {
            c->without_match = 0;
            c->text = 1;
        } else if (!strcmp(arg, "without-match")) {
            c->without_match = 1;
            c->text = 0;
        } else {
            fprintf(stderr, "%s: unknown binary-files type\n", prog);
            exit(2);
        }
        break;
    case SEARCH_OPT_GROUP_SEP: c->group_sep = arg; break;
    case SEARCH_OPT_NO_GROUP_SEP: c->group_sep = NULL; break;
    case SEARCH_OPT_COLOR:
        if (!arg || !strcasecmp(arg, "auto") || !strcasecmp(arg, "tty") ||
            !strcasecmp(arg, "if-tty")) {
            c->color = 2;
        } else if (!strcasecmp(arg, "always") || !strcasecmp(arg, "yes") ||
                   !strcasecmp(arg, "force")) {
            c->color = 1;
        } else if (!strcasecmp(arg, "never") || !strcasecmp(arg, "no") ||
                   !strcasecmp(arg, "none")) {
            c->color = 0;
        } else {
            fprintf(stderr,
                    "%s: invalid argument '%s' for '--color'\n"
                    "Valid arguments are 'always', 'never' and 'auto'.\n"
                    "Usage: %s [OPTION]... PATTERNS [FILE]...\n"
                    "Try '%s --help' for more information.\n",
                    prog, arg, prog, prog);
            exit(2);
        }
        break;
    case SEARCH_OPT_LINE_BUFFERED: c->line_buffered = 1; break;
    case SEARCH_OPT_COLUMN: c->column = 1; break;
    case SEARCH_OPT_VIMGREP: c->vimgrep = 1; break;
    case SEARCH_OPT_JSON: c->json = 1; break;
    case SEARCH_OPT_STATS: c->stats = 1; break;
    default: return 0;
    }
    return 1;
}

/* GREP_COLORS, read as grep 3.8 reads it: "name=value" or "name" entries
 * separated by ':'; values of digits and ';' only.  Anything else stops
 * the reading where it is, keeping what came before; unknown names are
 * passed over. */
static void parse_grep_colors(struct search_cfg *c)
{
    const char *env = getenv("GREP_COLORS");
    if (!env || !*env)
        return;
    char *q = strdup(env);
    if (!q)
        return;
    c->colors_copy = q;
    struct search_colors *k = &c->col;
    struct {
        const char *name;
        const char **var;
    } caps[] = {{"mt", &k->ms}, {"ms", &k->ms}, {"mc", &k->mc}, {"fn", &k->fn}, {"ln", &k->ln},
                {"bn", &k->bn}, {"se", &k->se}, {"sl", &k->sl}, {"cx", &k->cx}};
    char *name = q, *val = NULL;
    for (;;) {
        if (*q == ':' || *q == 0) {
            char end = *q;
            *q++ = 0;
            for (size_t i = 0; i < sizeof caps / sizeof caps[0]; i++)
                if (!strcmp(name, caps[i].name) && val)
                    *caps[i].var = val;
            if (!strcmp(name, "mt"))
                k->mc = k->ms;   /* even without a value: mc becomes ms */
            else if (!strcmp(name, "rv"))
                k->rv = 1;
            else if (!strcmp(name, "ne"))
                k->ne = 1;
            if (!end)
                return;
            name = q;
            val = NULL;
        } else if (*q == '=') {
            if (q == name || val)
                return;
            *q++ = 0;
            val = q;
        } else if (!val || *q == ';' || (*q >= '0' && *q <= '9')) {
            q++;
        } else {
            return;
        }
    }
}

/* --color=auto: standard output is a terminal (a character device other
 * than /dev/null), TERM names one that is not "dumb", NO_COLOR is unset
 * or empty, and -q does not make output moot. */
static int color_auto(const struct search_cfg *c)
{
    struct stat st, nst;
    const char *term = getenv("TERM"), *no = getenv("NO_COLOR");
    if (c->quiet || (no && *no) || !term || !strcmp(term, "dumb"))
        return 0;
    if (fstat(1, &st) < 0 || !S_ISCHR(st.st_mode))
        return 0;
    if (stat("/dev/null", &nst) == 0 && st.st_dev == nst.st_dev && st.st_ino == nst.st_ino)
        return 0;
    return isatty(1);
}

void search_cfg_finish(struct search_cfg *c, const char *prog)
{
    /* an explicit -A or -B stands over -C and -NUM, in either order */
    if (c->before < 0)
        c->before = c->context_len;
    if (c->after < 0)
        c->after = c->context_len;
    c->context = c->before >= 0 || c->after >= 0;
    /* -a after -I: main sets text, which wins (-I after -a clears it) */
    if (c->text)
        c->without_match = 0;
    /* as in ripgrep: --column implies -n; --vimgrep implies --column and,
     * unless -h, -H */
    if (c->vimgrep) {
        c->column = 1;
        if (c->with_fname < 0)
            c->with_fname = 1;
    }
    if (c->column)
        c->lineno = 1;
    if (c->json) {
        /* as rg: lines are counted, in JSON, not colored; its counts and
         * lists of files are other outputs */
        if (c->count || c->list) {
            fprintf(stderr, "%s: --json cannot be used with -c, -l or -L\n", prog);
            exit(2);
        }
        c->lineno = 1;
        c->color = 0;
        c->only = 0;
        c->vimgrep = c->column = 0;
    }
    if (c->color == 2)
        c->color = color_auto(c);
    struct search_colors *k = &c->col;
    static const struct search_colors none = {"", "", "", "", "", "", "", "", 0, 0};
    static const struct search_colors grep = {"01;31", "01;31", "", "", "35", "32", "32", "36", 0, 0};
    *k = c->color ? grep : none;
    if (!c->color)
        return;
    /* the old GREP_COLOR, of digits and ';' only, sets both match colors;
     * GREP_COLORS comes after it and wins */
    const char *old = getenv("GREP_COLOR");
    if (old && *old && strspn(old, "0123456789;") == strlen(old))
        k->ms = k->mc = old;
    parse_grep_colors(c);
    if (old && (k->ms == old || k->mc == old))
        fprintf(stderr, "%s: warning: GREP_COLOR='%s' is deprecated; use GREP_COLORS='mt=%s'\n",
                prog, old, old);
}

void search_cfg_free(struct search_cfg *c)
{
    free(c->colors_copy);
    c->colors_copy = NULL;
    decode_cfg_free(&c->dec);
}

void search_stats_add(struct search_stats *to, const struct search_stats *from)
{
    to->files += from->files;
    to->members += from->members;
    to->searches += from->searches;
    to->searches_with_match += from->searches_with_match;
    to->selected_lines += from->selected_lines;
    to->matches += from->matches;
    to->match_messages += from->match_messages;
    to->bytes_read += from->bytes_read;
    to->bytes_searched += from->bytes_searched;
    to->bytes_printed += from->bytes_printed;
    to->elapsed_ns += from->elapsed_ns;
    for (int i = 0; i < from->nkinds; i++) {
        int k = 0;
        while (k < to->nkinds && strcmp(to->decoded[k].kind, from->decoded[i].kind))
            k++;
        if (k == to->nkinds) {
            if (k == SEARCH_KINDS)
                continue;
            to->decoded[to->nkinds++].kind = from->decoded[i].kind;
        }
        to->decoded[k].bytes += from->decoded[i].bytes;
    }
}

void search_stats_print(const struct search_stats *st, uint64_t elapsed_ns)
{
    fprintf(stderr,
            "%llu selected lines\n"
            "%llu files and members with selected lines\n"
            "%llu files searched, %llu of them archives' members\n"
            "%llu files opened\n"
            "%llu bytes read\n",
            (unsigned long long)st->selected_lines, (unsigned long long)st->searches_with_match,
            (unsigned long long)st->searches, (unsigned long long)st->members,
            (unsigned long long)st->files, (unsigned long long)st->bytes_read);
    /* by name: the threads meet the kinds in no fixed order */
    int order[SEARCH_KINDS];
    for (int i = 0; i < st->nkinds; i++) {
        int k = i;
        while (k > 0 && strcmp(st->decoded[order[k - 1]].kind, st->decoded[i].kind) > 0) {
            order[k] = order[k - 1];
            k--;
        }
        order[k] = i;
    }
    for (int j = 0; j < st->nkinds; j++) {
        int i = order[j];
        if (strcmp(st->decoded[i].kind, "file") && strcmp(st->decoded[i].kind, "fd") &&
            strcmp(st->decoded[i].kind, "memory"))
            fprintf(stderr, "%llu bytes decoded by %s\n", (unsigned long long)st->decoded[i].bytes,
                    st->decoded[i].kind);
    }
    fprintf(stderr, "%llu bytes searched\n%.6f seconds elapsed\n",
            (unsigned long long)st->bytes_searched, (double)elapsed_ns / 1e9);
}
