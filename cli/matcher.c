/* Pattern assembly, literal extraction and the line-finding loop. */
#define _GNU_SOURCE
#include "matcher.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

struct sbuf {
    char *p;
    size_t n, cap;
    int oom;
};

static void sb_add(struct sbuf *b, const char *s, size_t n)
{
    if (b->oom)
        return;
    if (b->n + n + 1 > b->cap) {
        size_t c = b->cap ? b->cap : 64;
        while (c < b->n + n + 1)
            c *= 2;
        char *q = realloc(b->p, c);
        if (!q) {
            b->oom = 1;
            return;
        }
        b->p = q;
        b->cap = c;
    }
    memcpy(b->p + b->n, s, n);
    b->n += n;
    b->p[b->n] = 0;
}

static void sb_str(struct sbuf *b, const char *s)
{
    sb_add(b, s, strlen(s));
}

static int is_alnum(unsigned char c)
{
    return (c >= '0' && c <= '9') || (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z');
}

/* A literal string as a PCRE2 pattern: punctuation is escaped (a backslash
 * before any non-alphanumeric ASCII byte means that byte), NUL spelled out. */
static void sb_quote(struct sbuf *b, const char *s, size_t n)
{
    for (size_t i = 0; i < n; i++) {
        unsigned char c = (unsigned char)s[i];
        if (c == 0)
            sb_str(b, "\\x00");
        else if (c < 0x80 && !is_alnum(c)) {
            sb_add(b, "\\", 1);
            sb_add(b, s + i, 1);
        } else
            sb_add(b, s + i, 1);
    }
}

/* Finds the longest run of bytes every match of the PCRE2 pattern p[0..n)
 * must contain, conservatively: anything not understood ends the run, and
 * constructs that change how the rest is read give up.  Returns the run's
 * length (0 for none) and whether the pattern is nothing but that run. */
static size_t required_literal(const char *p, size_t n, char *out, int *whole)
{
    size_t best = 0, cur = 0, i = 0;
    char run[256];
    int plain = 1;
    *whole = 0;
    while (i < n) {
        unsigned char c = (unsigned char)p[i];
        int lit = -1;   /* the literal byte this token stands for, or -1 */
        size_t tok = 1;
        if (c == '\\') {
            if (i + 1 >= n)
                return 0;
            unsigned char d = (unsigned char)p[i + 1];
            tok = 2;
            if (d == 'Q' || d == 'E' || d == 'c' || d == 'x' || d == 'o' || d == 'N' ||
                d == 'p' || d == 'P' || d == 'g' || d == 'k' || (d >= '0' && d <= '9'))
                return 0;   /* escapes with arguments: not worth parsing here */
            if (!is_alnum(d) && d < 0x80)
                lit = d;
        } else if (c == '(' || c == '|' || c == '#') {
            return 0;   /* groups, alternatives, inline options: give up */
        } else if (c == '[') {
            /* skip the class: a ']' right after '[' or '[^' is a member */
            size_t j = i + 1;
            if (j < n && p[j] == '^')
                j++;
            if (j < n && p[j] == ']')
                j++;
            while (j < n && p[j] != ']') {
                if (p[j] == '\\')
                    j++;
                else if (p[j] == '[' && j + 1 < n && p[j + 1] == ':') {
                    const char *e = strstr(p + j + 2, ":]");
                    if (!e || (size_t)(e - p) >= n)
                        return 0;
                    j = (size_t)(e - p) + 1;
                }
                j++;
            }
            if (j >= n)
                return 0;
            tok = j + 1 - i;
        } else if (c == '.' || c == '^' || c == '$') {
        } else if (c == '*' || c == '+' || c == '?' || c == '{' || c == ')') {
            return 0;   /* a quantifier with nothing we track before it */
        } else {
            lit = c;
        }
        /* a quantifier after the token */
        size_t j = i + tok;
        int optional = 0, repeated = 0;
        if (j < n && (p[j] == '*' || p[j] == '?')) {
            optional = 1;
            j++;
        } else if (j < n && p[j] == '+') {
            repeated = 1;
            j++;
        } else if (j < n && p[j] == '{') {
            const char *e = memchr(p + j, '}', n - j);
            if (!e)
                return 0;
            optional = p[j + 1] == '0' || p[j + 1] == ',';
            repeated = 1;
            j = (size_t)(e - p) + 1;
        }
        if (j > i + tok && j < n && (p[j] == '?' || p[j] == '+'))
            j++;   /* lazy or possessive */
        if (lit >= 0 && !optional && cur < sizeof run) {
            run[cur++] = (char)lit;
            if (cur > best) {
                best = cur;
                memcpy(out, run, cur);
            }
        }
        if (lit < 0 || optional || repeated) {
            plain = 0;
            cur = 0;
        }
        i = j;
    }
    *whole = plain && best == n;
    return best;
}

static int needs_recheck(const char *p, size_t n)
{
    for (size_t i = 0; i + 1 < n; i++) {
        if (p[i] == '(' && p[i + 1] == '?')
            return 1;
        if (p[i] == '\\') {
            if (strchr("AzZGKR", p[i + 1]))
                return 1;
            i++;
        }
    }
    return 0;
}

int matcher_compile(struct matcher *m, char **pats, const size_t *lens, size_t npat,
                    const struct matcher_opts *o, char *err, size_t errlen)
{
    memset(m, 0, sizeof *m);
    struct sbuf body = {0}, full = {0};
    for (size_t i = 0; i < npat; i++) {
        if (i)
            sb_add(&body, "|", 1);
        if (npat > 1)
            sb_str(&body, "(?:");
        if (o->fixed)
            sb_quote(&body, pats[i], lens[i]);
        else
            sb_add(&body, pats[i], lens[i]);
        if (npat > 1)
            sb_add(&body, ")", 1);
    }
    if (npat == 0)
        sb_str(&body, "(*FAIL)");   /* -f /dev/null: no pattern, no match */
    if (o->line)
        sb_str(&full, "^(?:");
    else if (o->word)
        sb_str(&full, "(?<!\\w)(?:");
    sb_add(&full, body.p ? body.p : "", body.n);
    if (o->line)
        sb_str(&full, ")$");
    else if (o->word)
        sb_str(&full, ")(?!\\w)");
    if (body.oom || full.oom) {
        snprintf(err, errlen, "out of memory");
        free(body.p);
        free(full.p);
        return -1;
    }

    /* A window ends before the terminator of its last line, so an empty
     * last line starts at the very end of the subject, just after a
     * newline: ALT_CIRCUMFLEX lets ^ match there too. */
    uint32_t flags = PCRE2_MULTILINE | PCRE2_ALT_CIRCUMFLEX;
    if (o->icase)
        flags |= PCRE2_CASELESS;
    if (o->utf)
        flags |= PCRE2_UTF | PCRE2_MATCH_INVALID_UTF;
    pcre2_compile_context *cc = pcre2_compile_context_create(NULL);
    if (cc)
        pcre2_set_newline(cc, PCRE2_NEWLINE_LF);
    int ecode;
    PCRE2_SIZE eoff;
    m->re = pcre2_compile((PCRE2_SPTR)full.p, full.n, flags, &ecode, &eoff, cc);
    pcre2_compile_context_free(cc);
    if (!m->re) {
        char msg[200];
        pcre2_get_error_message(ecode, (PCRE2_UCHAR *)msg, sizeof msg);
        snprintf(err, errlen, "%s", msg);
        free(body.p);
        free(full.p);
        return -1;
    }
    pcre2_jit_compile(m->re, PCRE2_JIT_COMPLETE);   /* interpreted if JIT is unavailable */

    m->recheck = needs_recheck(body.p ? body.p : "", body.n);
    m->anchored = m->recheck || o->line || memchr(body.p ? body.p : "", '^', body.n) ||
                  memchr(body.p ? body.p : "", '$', body.n);
    if (npat == 1) {
        char lit[256];
        int whole = 0;
        size_t n;
        if (o->fixed) {
            n = lens[0] < sizeof lit ? lens[0] : sizeof lit;
            memcpy(lit, pats[0], n);
            whole = n == lens[0];
        } else {
            n = required_literal(pats[0], lens[0], lit, &whole);
        }
        /* Caseless, only ASCII letters are safe to fold by hand, and in UTF
         * mode not even all: k also matches KELVIN SIGN (U+212A) and s LONG S
         * (U+017F).  Prefilter on the longest stretch without such bytes;
         * PCRE2 then decides on the line. */
        size_t off = 0;
        if (o->icase) {
            size_t run = 0, start = 0, bestlen = 0;
            for (size_t i = 0; i <= n; i++) {
                unsigned char c = i < n ? (unsigned char)lit[i] : 0;
                int unsafe = i == n || c >= 0x80 ||
                             (o->utf && (c == 'k' || c == 'K' || c == 's' || c == 'S'));
                if (!unsafe) {
                    if (run++ == 0)
                        start = i;
                    continue;
                }
                if (run > bestlen) {
                    bestlen = run;
                    off = start;
                }
                run = 0;
            }
            if (bestlen < n)
                whole = 0;
            n = bestlen;
        }
        if (n > 0 && memchr(lit + off, '\n', n) == NULL &&
            literal_init(&m->lit, (unsigned char *)lit + off, n, o->icase) == 0) {
            m->has_lit = 1;
            m->lit_exact = whole && !o->word && !o->line;
        }
    }
    free(body.p);
    free(full.p);
    return 0;
}

void matcher_free(struct matcher *m)
{
    pcre2_code_free(m->re);
    if (m->has_lit)
        literal_free(&m->lit);
    memset(m, 0, sizeof *m);
}

int match_state_init(struct match_state *ms, const struct matcher *m)
{
    memset(ms, 0, sizeof *ms);
    ms->md = pcre2_match_data_create_from_pattern(m->re, NULL);
    ms->mctx = pcre2_match_context_create(NULL);
    ms->jit = pcre2_jit_stack_create(32 << 10, 8 << 20, NULL);
    if (!ms->md || !ms->mctx || !ms->jit) {
        match_state_free(ms);
        return -1;
    }
    pcre2_jit_stack_assign(ms->mctx, NULL, ms->jit);
    return 0;
}

void match_state_free(struct match_state *ms)
{
    pcre2_match_data_free(ms->md);
    pcre2_match_context_free(ms->mctx);
    pcre2_jit_stack_free(ms->jit);
    memset(ms, 0, sizeof *ms);
}

static int pmatch(const struct matcher *m, struct match_state *ms, const unsigned char *s,
                  size_t n, size_t off, size_t *a, size_t *b)
{
    int rc = pcre2_match(m->re, s, n, off, 0, ms->md, ms->mctx);
    if (rc == PCRE2_ERROR_NOMATCH)
        return 0;
    if (rc < 0) {
        char msg[200];
        pcre2_get_error_message(rc, (PCRE2_UCHAR *)msg, sizeof msg);
        snprintf(ms->err, sizeof ms->err, "%s", msg);
        return -1;
    }
    PCRE2_SIZE *ov = pcre2_get_ovector_pointer(ms->md);
    *a = ov[0];
    *b = ov[1] < ov[0] ? ov[0] : ov[1];   /* \K can put the end before the start */
    return 1;
}

size_t matcher_line_end(const unsigned char *buf, size_t len, size_t pos, int nul_eol)
{
    const unsigned char *q = memchr(buf + pos, '\n', len - pos);
    size_t e = q ? (size_t)(q - buf) : len;
    if (nul_eol) {
        const unsigned char *z = memchr(buf + pos, 0, e - pos);
        if (z)
            e = (size_t)(z - buf);
    }
    return e;
}

/* The start of the line holding pos, no earlier than from. */
static size_t line_start(const unsigned char *buf, size_t from, size_t pos, int nul_eol)
{
    const unsigned char *q = memrchr(buf + from, '\n', pos - from);
    size_t s = q ? (size_t)(q - buf) + 1 : from;
    if (nul_eol) {
        const unsigned char *z = memrchr(buf + s, 0, pos - s);
        if (z)
            s = (size_t)(z - buf) + 1;
    }
    return s;
}

/* Every line matched alone: for patterns whose anchors must see NUL line
 * ends that a search over the whole window would take for text. */
static int next_line_each(const struct matcher *m, struct match_state *ms,
                          const unsigned char *buf, size_t len, size_t from, size_t *ls,
                          size_t *le)
{
    for (; from <= len; from = *le + 1) {
        size_t a, b;
        *ls = from;
        *le = matcher_line_end(buf, len, from, 1);
        if (m->has_lit && literal_find(&m->lit, buf + from, *le - from) == *le - from)
            continue;
        int rc = pmatch(m, ms, buf + from, *le - from, 0, &a, &b);
        if (rc != 0)
            return rc;
    }
    return 0;
}

int matcher_next_line(const struct matcher *m, struct match_state *ms, const unsigned char *buf,
                      size_t len, size_t from, int nul_eol, size_t *ls, size_t *le)
{
    if (nul_eol == MATCH_NUL_EACH)
        return next_line_each(m, ms, buf, len, from, ls, le);
    while (from <= len) {
        size_t a, b = 0, s, e;
        int sure;   /* the window match holds for the line as it is */
        if (m->has_lit) {
            size_t k = literal_find(&m->lit, buf + from, len - from);
            if (k == len - from)
                return 0;
            a = from + k;
            sure = m->lit_exact;
        } else {
            int rc = pmatch(m, ms, buf, len, from, &a, &b);
            if (rc <= 0)
                return rc;
            sure = !m->recheck;
        }
        s = line_start(buf, from, a, 0);
        e = matcher_line_end(buf, len, a, 0);
        sure = sure && b <= e;
        /* A line holding a NUL is split there (the file is binary from its
         * first NUL, and these bytes are past it); the piece holding the
         * match decides alone. */
        if (nul_eol && memchr(buf + s, 0, e - s)) {
            s = line_start(buf, s, a, 1);
            e = matcher_line_end(buf, len, a, 1);
            sure = 0;
        }
        if (!sure) {
            /* Decide on the line alone: a match that ran past its end, a
             * lookaround that saw a neighbour, or a literal that only hints. */
            int rc = pmatch(m, ms, buf + s, e - s, 0, &a, &b);
            if (rc < 0)
                return rc;
            sure = rc > 0;
        }
        if (sure) {
            *ls = s;
            *le = e;
            return 1;
        }
        from = e + 1;
    }
    return 0;
}

int matcher_in_line(const struct matcher *m, struct match_state *ms, const unsigned char *line,
                    size_t n, size_t off, size_t *mstart, size_t *mend)
{
    return pmatch(m, ms, line, n, off, mstart, mend);
}
