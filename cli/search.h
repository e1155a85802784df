/* Searching one file (and each member of an archive) and printing what
 * grep prints for it.  A search_cfg is set up once and only read during
 * the run; each thread searches with a searcher of its own. */
#ifndef SRCGREP_SEARCH_H
#define SRCGREP_SEARCH_H

#include <stdatomic.h>
#include <stdint.h>
#include <sys/types.h>

#include "decode.h"
#include "json.h"
#include "matcher.h"
#include "output.h"

#define PROG "srcgrep"

enum list_mode { LIST_NONE, LIST_MATCHING, LIST_NONMATCHING };

/* GREP_COLORS' capabilities: SGR parameters ("01;31"), "" for none.  With
 * colors off every one is "". */
struct search_colors {
    const char *ms, *mc;     /* matched text in selected, in context lines */
    const char *sl, *cx;     /* the rest of selected, of context lines */
    const char *fn, *ln, *bn, *se;   /* file name, line number, byte offset, separator */
    int rv;                  /* with -v, sl and cx trade places */
    int ne;                  /* no "erase to end of line" after each SGR */
};

struct search_cfg {
    struct matcher m;
    int invert, count, lineno, byteoff, only, quiet, no_messages, text;
    int devnull;             /* output to /dev/null: each file ends at its first selected line */
    int utf;                 /* a UTF-8 locale */
    enum list_mode list;
    int with_fname;          /* -1: decided by the operands */
    int fname_auto;          /* ... as it was: members then show names */
    long long max_count;     /* -1: no limit */
    int tty;                 /* standard output is a terminal */
    int check_out;           /* standard output is this regular file: */
    dev_t out_dev;
    ino_t out_ino;
    struct decode_cfg dec;

    /* Context: -B and -A (-1: not given), -C and -NUM (-1: not given);
     * search_cfg_finish resolves before and after, and context says
     * whether any was given (even 0: groups are then separated). */
    long long before, after, context_len;
    int context;
    const char *group_sep;   /* "--", --group-separator; NULL: none */
    int color;               /* --color: 0 never, 1 always, 2 auto (until finish) */
    struct search_colors col;
    char *colors_copy;       /* GREP_COLORS, cut into col's strings */
    int null_name;           /* -Z: NUL after file names */
    unsigned char eol;       /* '\n', or NUL for -z */
    int initial_tab;         /* -T */
    int column;              /* --column: column of the first match */
    int vimgrep;             /* --vimgrep: a line of output per match */
    int line_buffered;
    int without_match;       /* -I, --binary-files=without-match */
    int json;                /* --json: JSON Lines in ripgrep's schema */
    int stats;               /* --stats: counts on standard error at the end */
    /* -NUM: the digits so far, and the argument word of the last one;
     * opt_word is optind before the option now being read (main sets it) */
    char digits[32];
    int ndigits, digit_word, last_was_digit;
    int opt_word;
};

/* Long options of the search (output, context, color, binary files), for
 * getopt_long; their values start at 1100. */
enum {
    SEARCH_OPT_FIRST = 1100,
    SEARCH_OPT_GROUP_SEP = SEARCH_OPT_FIRST,
    SEARCH_OPT_NO_GROUP_SEP,
    SEARCH_OPT_COLOR,
    SEARCH_OPT_BINARY_FILES,
    SEARCH_OPT_LINE_BUFFERED,
    SEARCH_OPT_COLUMN,
    SEARCH_OPT_VIMGREP,
    SEARCH_OPT_JSON,
    SEARCH_OPT_STATS,
};
#define SEARCH_LONG_OPTIONS                                                             \
    {"null", no_argument, 0, 'Z'},                                                      \
    {"null-data", no_argument, 0, 'z'},                                                 \
    {"initial-tab", no_argument, 0, 'T'},                                               \
    {"binary", no_argument, 0, 'U'},                                                    \
    {"after-context", required_argument, 0, 'A'},                                       \
    {"before-context", required_argument, 0, 'B'},                                      \
    {"context", required_argument, 0, 'C'},                                             \
    {"group-separator", required_argument, 0, SEARCH_OPT_GROUP_SEP},                    \
    {"no-group-separator", no_argument, 0, SEARCH_OPT_NO_GROUP_SEP},                    \
    {"color", optional_argument, 0, SEARCH_OPT_COLOR},                                  \
    {"colour", optional_argument, 0, SEARCH_OPT_COLOR},                                 \
    {"binary-files", required_argument, 0, SEARCH_OPT_BINARY_FILES},                    \
    {"line-buffered", no_argument, 0, SEARCH_OPT_LINE_BUFFERED},                        \
    {"column", no_argument, 0, SEARCH_OPT_COLUMN},                                      \
    {"vimgrep", no_argument, 0, SEARCH_OPT_VIMGREP},                                    \
    {"json", no_argument, 0, SEARCH_OPT_JSON},                                          \
    {"stats", no_argument, 0, SEARCH_OPT_STATS}

/* Sets up c's defaults (before the options). */
void search_cfg_init(struct search_cfg *c);

/* Handles option `opt` (a short option's letter, or a SEARCH_OPT_*):
 * 1 if it is one of the search's, 0 if not.  A bad argument prints
 * "PROG: ..." and exits with status 2. */
int search_option(struct search_cfg *c, int opt, const char *arg, const char *prog);

/* What the options decide together, once all are read (color on a
 * terminal, GREP_COLORS, ...).  Exits with status 2 on a bad setting. */
void search_cfg_finish(struct search_cfg *c, const char *prog);

/* Frees what search_option kept. */
void search_cfg_free(struct search_cfg *c);

/* What --stats and --json count.  Each searcher counts its own files;
 * search_stats_add sums them at the end. */
#define SEARCH_KINDS 24
struct search_stats {
    uint64_t files;          /* inputs opened and searched */
    uint64_t members;        /* archive members searched */
    uint64_t searches;       /* texts searched: files read whole, and members */
    uint64_t searches_with_match;
    uint64_t selected_lines;
    uint64_t matches;        /* --json: the submatches printed */
    uint64_t match_messages; /* --json: the match messages printed */
    uint64_t bytes_read;     /* input, as stored */
    uint64_t bytes_searched; /* decoded text */
    uint64_t bytes_printed;  /* --json: what begin, match and context lines took */
    uint64_t elapsed_ns;     /* --json: the searches' own time, summed */
    struct {
        const char *kind;    /* a layer kind, as bs_layer_name gives it */
        uint64_t bytes;      /* what layers of that kind handed on */
    } decoded[SEARCH_KINDS];
    int nkinds;
};

/* Adds the counts of `from` to `to`. */
void search_stats_add(struct search_stats *to, const struct search_stats *from);

/* --stats: the counts, on standard error, after everything else. */
void search_stats_print(const struct search_stats *st, uint64_t elapsed_ns);

/* What one thread searches with. */
struct searcher {
    const struct search_cfg *cfg;
    struct match_state ms;
    struct out *out;         /* the output of the file being searched */
    const char *file_shown;  /* the file being searched, as shown */
    atomic_int *quit;        /* the output is closed: stop everything */
    /* -q: the place in the order of the first file that found its line
     * (UINT64_MAX: none yet); the files after it stop, those before go
     * on, as they would one at a time */
    _Atomic uint64_t *answered;
    uint64_t seq;            /* the place of the file being searched */
    int any_selected;
    int any_error;
    int tab_width;           /* -T: digits of the file being searched (grep's rule) */
    struct search_stats st;
    struct json_span *spans; /* --json: a line's submatches, reused */
    size_t nspans;
};

/* Prepares w for searching under cfg (quit and answered are shared by
 * all searchers); 0, or -1 when out of memory. */
int searcher_init(struct searcher *w, const struct search_cfg *cfg, atomic_int *quit,
                  _Atomic uint64_t *answered);
void searcher_free(struct searcher *w);

/* Opens and searches one file, shown to the user as `shown`; path NULL
 * means standard input.  Output and messages go to w->out. */
void search_path(struct searcher *w, const char *path, const char *shown);

/* A message "PROG: ..." on w->out; counts as an error. */
void search_error(struct searcher *w, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

#endif
