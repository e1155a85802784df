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

/* The number of bytes of the UTF-8 character whose first byte is c (the
 * pattern compiled, so it is well formed). */
static size_t utf8_len(unsigned char c)
{
    return c >= 0xF0 ? 4 : c >= 0xE0 ? 3 : c >= 0xC0 ? 2 : 1;
}

/* Whether p[0..n) ends inside \Q..., which would quote what follows it. */
static int ends_quoted(const char *p, size_t n)
{
    int quoted = 0;
    for (size_t i = 0; i + 1 < n; i++) {
        if (p[i] != '\\')
            continue;
        if (!quoted) {
            quoted = p[i + 1] == 'Q';
            i++;   /* an escaped character, outside quotes */
        } else if (p[i + 1] == 'E') {
            quoted = 0;
            i++;
        }
    }
    return quoted;
}

/* Finds the longest run of bytes every match of the PCRE2 pattern p[0..n)
 * must contain, conservatively: anything not understood ends the run, and
 * constructs that change how the rest is read give up.  In UTF mode (utf)
 * a character is one token whatever its length, as a quantifier after it
 * repeats all its bytes.  Returns the run's length (0 for none) and whether
 * the pattern is nothing but that run. */
static size_t required_literal(const char *p, size_t n, int utf, char *out, int *whole)
{
    size_t best = 0, cur = 0, i = 0;
    char run[256];
    int plain = 1;
    *whole = 0;
    while (i < n) {
        unsigned char c = (unsigned char)p[i];
        size_t lit = i, nlit = 0;   /* the literal bytes p[lit..lit+nlit) this token stands for */
        size_t tok = 1;
        if (c == '\\') {
            if (i + 1 >= n)
                return 0;
            unsigned char d = (unsigned char)p[i + 1];
            tok = 2;
            if (d == 'Q' || d == 'E' || d == 'c' || d == 'x' || d == 'o' || d == 'N' ||
                d == 'p' || d == 'P' || d == 'g' || d == 'k' || (d >= '0' && d <= '9'))
                return 0;   /* escapes with arguments: not worth parsing here */
            if (!is_alnum(d) && d < 0x80) {
                lit = i + 1;
                nlit = 1;
            } else if (utf) {
                tok = 1 + utf8_len(d);   /* an escaped character, all of it */
            }
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
                if (p[j] == '\\') {
                    /* \Q..\E (even empty) or \E at the start of a class
                     * hides where it ends: []a] and [\E]a] are alike */
                    if (j + 1 < n && (p[j + 1] == 'Q' || p[j + 1] == 'E'))
                        return 0;
                    j++;
                } else if (p[j] == '[' && j + 1 < n && p[j + 1] == ':') {
                    /* a POSIX class ends at ":]" only if no ']' comes
                     * first; otherwise "[:" are members and the class may
                     * end sooner than this scan would tell */
                    const char *e = strstr(p + j + 2, ":]");
                    if (!e || (size_t)(e - p) >= n || memchr(p + j + 2, ']', (size_t)(e - p) - j - 2))
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
            tok = nlit = utf ? utf8_len(c) : 1;
        }
        if (tok > n - i)
            return 0;
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
            /* {2}, {2,}, {0,3}; and in later PCRE2 also {,3} and spaces
             * inside.  Only digits, commas and spaces may come before the
             * '}': any other brace is a literal '{', where the scan stops
             * (what it holds, '|' or '(' say, must not be skipped). */
            size_t k = j + 1, digits = 0;
            for (; k < n && ((p[k] >= '0' && p[k] <= '9') || p[k] == ',' || p[k] == ' '); k++)
                digits += p[k] != ',' && p[k] != ' ';
            if (k < n && p[k] == '}' && digits) {
                /* optional unless the minimum, before any comma, is not zero
                 * (10.42 reads "{,3}" as literal text: optional is safe) */
                optional = 1;
                for (size_t q = j + 1; q < k && p[q] != ','; q++)
                    if (p[q] >= '1' && p[q] <= '9')
                        optional = 0;
                repeated = 1;
                j = k + 1;
            }
        }
        if (j > i + tok && j < n && (p[j] == '?' || p[j] == '+'))
            j++;   /* lazy or possessive */
        if (nlit && !optional) {
            for (size_t k = 0; k < nlit && cur < sizeof run; k++)
                run[cur++] = p[lit + k];
            if (cur > best) {
                best = cur;
                memcpy(out, run, cur);
            }
        }
        if (!nlit || optional || repeated) {
            plain = 0;
            cur = 0;
        }
        i = j;
    }
    *whole = plain && best == n;
    return best;
}

/* Whether "(?" followed by p[0..n) opens a group that cannot make a window
 * search miss a line: non-capturing, named, branch-reset, a comment, or
 * options other than x (in extended mode, spaces may sit inside tokens the
 * scan below looks for). */
static int plain_group(const char *p, size_t n)
{
    if (n && (p[0] == ':' || p[0] == '|' || p[0] == '#' || p[0] == '\''))
        return 1;
    if (n >= 2 && p[0] == 'P' && p[1] == '<')
        return 1;
    if (n >= 2 && p[0] == '<')   /* a name, not "<=" or "<!" (lookbehind) */
        return p[1] == '_' || (is_alnum((unsigned char)p[1]) && !(p[1] >= '0' && p[1] <= '9'));
    size_t k = 0;
    while (k < n && p[k] && strchr("imnsJU^-", p[k]))
        k++;
    return k < n && (p[k] == ')' || p[k] == ':');
}

/* Whether a search over a whole window can miss a line that matches on its
 * own, as GNU grep matches it: constructs that see past the line
 * (lookarounds, \A \z \Z \G), that keep what they consumed even when
 * that ran into the next line and the rest then fails (atomic groups,
 * possessive quantifiers, backtracking verbs, \R and \X, which are atomic),
 * that report a start later than where the match began (\K: the line it
 * began on would be passed over), or that change what a newline is
 * ((*CR) and the like).  Conservative: when unsure, yes. */
static int needs_each_line(const char *p, size_t n)
{
    for (size_t i = 0; i < n; i++) {
        if (p[i] == '\\') {
            if (i + 1 < n && p[i + 1] && strchr("AzZGKRX", p[i + 1]))
                return 1;
            i++;
        } else if (p[i] == '(' && i + 1 < n && p[i + 1] == '*') {
            return 1;
        } else if (p[i] == '(' && i + 1 < n && p[i + 1] == '?') {
            if (!plain_group(p + i + 2, n - i - 2))
                return 1;
        } else if (p[i] == '+' && i > 0 && strchr("*+?}", p[i - 1])) {
            return 1;
        }
    }
    return 0;
}

/* Joins the patterns into one in `body`: several become alternatives, each
 * in its own group, and with `reset` inside a branch-reset group "(?|",
 * where each numbers its capturing groups from 1 again, so that \1 in any
 * of them still means its own first group. */
static void join_patterns(struct sbuf *body, char **pats, const size_t *lens, size_t npat,
                          int fixed, int reset)
{
    if (reset)
        sb_str(body, "(?|");
    for (size_t i = 0; i < npat; i++) {
        if (i)
            sb_add(body, "|", 1);
        if (npat > 1)
            sb_str(body, "(?:");
        if (fixed)
            sb_quote(body, pats[i], lens[i]);
        else
            sb_add(body, pats[i], lens[i]);
        /* a \Q that runs to the end of one pattern must not quote the next */
        if (npat > 1 && !fixed && ends_quoted(pats[i], lens[i]))
            sb_str(body, "\\E");
        if (npat > 1)
            sb_add(body, ")", 1);
    }
    if (reset)
        sb_add(body, ")", 1);
    if (npat == 0)
        sb_str(body, "(*FAIL)");   /* -f /dev/null: no pattern, no match */
}

int matcher_compile(struct matcher *m, char **pats, const size_t *lens, size_t npat,
                    const struct matcher_opts *o, char *err, size_t errlen)
{
    memset(m, 0, sizeof *m);
    struct sbuf body = {0}, full = {0};
    int ecode = PCRE2_ERROR_NOMEMORY;
    PCRE2_SIZE eoff;
    /* Several patterns are tried in a branch-reset group first; where that
     * does not compile (groups of one number named differently in two
     * patterns), side by side as before. */
    for (int reset = npat > 1 && !o->fixed;; reset = 0) {
        body.n = full.n = 0;
        join_patterns(&body, pats, lens, npat, o->fixed, reset);
        /* -x is PCRE2_EXTRA_MATCH_LINE, as in grep: "^(?:" and ")$" around
         * the compiled pattern, where no \Q or (?x) comment in it can
         * swallow them.  -w is spelled out, as grep does. */
        if (o->word && !o->line)
            sb_str(&full, "(?<!\\w)(?:");
        sb_add(&full, body.p ? body.p : "", body.n);
        if (o->word && !o->line)
            sb_str(&full, ")(?!\\w)");
        if (body.oom || full.oom) {
            snprintf(err, errlen, "out of memory");
            free(body.p);
            free(full.p);
            return -1;
        }

        /* A window ends before the terminator of its last line, so an empty
         * last line starts at the very end of the subject, just after a
         * newline: ALT_CIRCUMFLEX lets ^ match there too.  A pattern matched
         * only on lines alone gets GNU grep's own options instead, which
         * differ from these where the pattern makes another character a
         * newline.  Records of -z are always matched alone, as grep -z
         * matches them: ^ and $ at their ends only, newlines inside being
         * text.  Names may repeat from one pattern to the next. */
        m->each_line = needs_each_line(body.p ? body.p : "", body.n) || o->null_data;
        uint32_t flags = m->each_line ? PCRE2_DOLLAR_ENDONLY : PCRE2_MULTILINE | PCRE2_ALT_CIRCUMFLEX;
        if (o->icase)
            flags |= PCRE2_CASELESS;
        if (o->utf)
            flags |= PCRE2_UTF | PCRE2_MATCH_INVALID_UTF;
        if (npat > 1)
            flags |= PCRE2_DUPNAMES;
        pcre2_compile_context *cc = pcre2_compile_context_create(NULL);
        if (cc) {
            pcre2_set_newline(cc, PCRE2_NEWLINE_LF);
            if (o->line)
                pcre2_set_compile_extra_options(cc, PCRE2_EXTRA_MATCH_LINE);
            m->re = pcre2_compile((PCRE2_SPTR)full.p, full.n, flags, &ecode, &eoff, cc);
        }
        pcre2_compile_context_free(cc);
        if (m->re || !reset)
            break;
    }
    if (!m->re) {
        char msg[200];
        pcre2_get_error_message(ecode, (PCRE2_UCHAR *)msg, sizeof msg);
        snprintf(err, errlen, "%s", msg);
        free(body.p);
        free(full.p);
        return -1;
    }
    pcre2_jit_compile(m->re, PCRE2_JIT_COMPLETE);   /* interpreted if JIT is unavailable */

    m->anchored = m->each_line || o->line || memchr(body.p ? body.p : "", '^', body.n) ||
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
            n = required_literal(pats[0], lens[0], o->utf, lit, &whole);
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
        /* the prefilter looks for the literal inside one line or record */
        char eol = o->null_data ? 0 : '\n';
        if (n > 0 && memchr(lit + off, eol, n) == NULL &&
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

/* The first '\n' or NUL at or after pos, or len.  Looked for in blocks
 * that double in size from one that holds most lines of text, so that a
 * line costs time in proportion to its length: a search for '\n' over the
 * rest of the window, then for NUL within the line, would cost the whole
 * window for every line of a run of NULs. */
static size_t split_end(const unsigned char *buf, size_t len, size_t pos)
{
    for (size_t step = 256; pos < len; step *= 2) {
        size_t n = len - pos < step ? len - pos : step;
        const unsigned char *q = memchr(buf + pos, '\n', n);
        const unsigned char *z = memchr(buf + pos, 0, q ? (size_t)(q - buf) - pos : n);
        if (z)
            return (size_t)(z - buf);
        if (q)
            return (size_t)(q - buf);
        pos += n;
    }
    return len;
}

/* The line holding pos in a window where NUL ends lines too: [*s, *e),
 * no earlier than from.  Returns whether a NUL ends it on either side (the
 * newline-ended line around it holds one).  A line of text costs three
 * scans, as it would without NULs in mind. */
static int split_line(const unsigned char *buf, size_t len, size_t from, size_t pos, size_t *s,
                      size_t *e)
{
    const unsigned char *q = memrchr(buf + from, '\n', pos - from);
    size_t ls = q ? (size_t)(q - buf) + 1 : from;
    size_t n = len - pos < 256 ? len - pos : 256;
    q = memchr(buf + pos, '\n', n);
    if (q && !memchr(buf + ls, 0, (size_t)(q - buf) - ls)) {
        *s = ls;
        *e = (size_t)(q - buf);
        return 0;
    }
    /* a long line, or one a NUL cuts */
    *e = split_end(buf, len, pos);
    const unsigned char *z = memrchr(buf + ls, 0, pos - ls);
    *s = z ? (size_t)(z - buf) + 1 : ls;
    return z || (*e < len && buf[*e] == 0);
}

size_t matcher_line_end(const unsigned char *buf, size_t len, size_t pos, int nul_eol)
{
    if (nul_eol == MATCH_NUL_TEXT || nul_eol == MATCH_NUL_RECORDS) {
        const unsigned char *q = memchr(buf + pos, nul_eol ? 0 : '\n', len - pos);
        return q ? (size_t)(q - buf) : len;
    }
    return split_end(buf, len, pos);
}

/* The start of the line holding pos, no earlier than from: a newline
 * (or, for records, a NUL) before it. */
static size_t line_start(const unsigned char *buf, size_t from, size_t pos, int nul_eol)
{
    const unsigned char *q = memrchr(buf + from, nul_eol == MATCH_NUL_RECORDS ? 0 : '\n', pos - from);
    return q ? (size_t)(q - buf) + 1 : from;
}

/* Every line matched alone: for patterns whose anchors must see NUL line
 * ends that a search over the whole window would take for text, and for
 * those that such a search could make miss a line (each_line). */
static int next_line_each(const struct matcher *m, struct match_state *ms,
                          const unsigned char *buf, size_t len, size_t from, int nul_eol,
                          size_t *ls, size_t *le)
{
    for (; from <= len; from = *le + 1) {
        size_t a, b;
        *ls = from;
        *le = matcher_line_end(buf, len, from, nul_eol);
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
    /* with a literal, every line that holds it is matched alone below */
    if (nul_eol == MATCH_NUL_EACH || (m->each_line && !m->has_lit))
        return next_line_each(m, ms, buf, len, from, nul_eol, ls, le);
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
            sure = 1;   /* each_line patterns never get here */
        }
        /* Records (-z) end at NUL alone.  A line holding a NUL is split
         * there (the file is binary from its first NUL, and these bytes
         * are past it); the piece holding the match decides alone. */
        if (nul_eol == MATCH_NUL_TEXT || nul_eol == MATCH_NUL_RECORDS) {
            s = line_start(buf, from, a, nul_eol);
            e = matcher_line_end(buf, len, a, nul_eol);
            sure = sure && b <= e;
        } else if (split_line(buf, len, from, a, &s, &e)) {
            sure = 0;
        } else {
            sure = sure && b <= e;
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
