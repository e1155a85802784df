/* The line matcher: GNU grep's pattern options on top of PCRE2, with a
 * literal prefilter in front of it. */
#ifndef SRCGREP_MATCHER_H
#define SRCGREP_MATCHER_H

#define PCRE2_CODE_UNIT_WIDTH 8
#include <pcre2.h>
#include <stddef.h>

#include "scan.h"

struct matcher_opts {
    int fixed;      /* -F: patterns are literal strings */
    int icase;      /* -i */
    int word;       /* -w */
    int line;       /* -x */
    int utf;        /* patterns and text are UTF-8 (a UTF-8 locale) */
    int null_data;  /* -z: records end at NUL, newlines are text */
};

struct matcher {
    pcre2_code *re;
    int each_line;          /* a search over a window could miss a line: match lines alone */
    int anchored;           /* ^, $ or the like: line ends matter to where it matches */
    int has_lit;            /* a literal every match contains */
    int lit_exact;          /* ... and finding it is finding a match */
    struct literal lit;
};

/* Per-thread matching state. */
struct match_state {
    pcre2_match_data *md;
    pcre2_match_context *mctx;
    pcre2_jit_stack *jit;
    char err[256];
};

/* Compiles the patterns (each a line; "" matches every line).  On failure
 * returns -1 with a message in err. */
int matcher_compile(struct matcher *m, char **pats, const size_t *lens, size_t npat,
                    const struct matcher_opts *o, char *err, size_t errlen);
void matcher_free(struct matcher *m);

int match_state_init(struct match_state *ms, const struct matcher *m);
void match_state_free(struct match_state *ms);

/* How NUL bytes count in matcher_next_line and matcher_line_end: as text
 * (-a), as line ends within lines that hold one (a binary file), or, for
 * anchored patterns without a literal in a window holding a NUL, as line
 * ends found by matching every line alone; or, under -z, as the only
 * record terminator (newlines are then text), for a matcher compiled with
 * null_data. */
enum { MATCH_NUL_TEXT = 0, MATCH_NUL_SPLIT = 1, MATCH_NUL_EACH = 2, MATCH_NUL_RECORDS = 3 };

/* Finds the first line at or after `from` (a line start) in buf[0..len)
 * that holds a match.  Lines end at '\n' and, unless nul_eol is
 * MATCH_NUL_TEXT, at NUL; under MATCH_NUL_RECORDS at NUL only.  Returns
 * 1 with [*ls, *le) the line (le at its terminator or len), 0 if no line
 * matches, -1 on a matching error (message in ms->err). */
int matcher_next_line(const struct matcher *m, struct match_state *ms, const unsigned char *buf,
                      size_t len, size_t from, int nul_eol, size_t *ls, size_t *le);

/* The end of the line starting at or holding pos: the next '\n' (or NUL,
 * unless nul_eol is MATCH_NUL_TEXT; NUL alone for MATCH_NUL_RECORDS), or
 * len. */
size_t matcher_line_end(const unsigned char *buf, size_t len, size_t pos, int nul_eol);

/* Finds the first match at or after `off` within one line line[0..n), for
 * -o and colors.  Returns 1 with [*ms_, *me) the match, 0 if none, -1 on error. */
int matcher_in_line(const struct matcher *m, struct match_state *ms, const unsigned char *line,
                    size_t n, size_t off, size_t *mstart, size_t *mend);

#endif
