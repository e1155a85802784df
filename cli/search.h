/* Searching one file (and each member of an archive) and printing what
 * grep prints for it.  A search_cfg is set up once and only read during
 * the run; each thread searches with a searcher of its own. */
#ifndef SRCGREP_SEARCH_H
#define SRCGREP_SEARCH_H

#include <stdatomic.h>
#include <stdint.h>
#include <sys/types.h>

#include "decode.h"
#include "matcher.h"
#include "output.h"

#define PROG "srcgrep"
#define STDIN_NAME "(standard input)"

enum list_mode { LIST_NONE, LIST_MATCHING, LIST_NONMATCHING };

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
};

/* Long options of the search (output, context, color, binary files), for
 * getopt_long; their values start at 1100. */
enum { SEARCH_OPT_FIRST = 1100 };
#define SEARCH_LONG_OPTIONS {"null", no_argument, 0, 'Z'}

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

/* What one thread searches with. */
struct searcher {
    const struct search_cfg *cfg;
    struct match_state ms;
    struct out *out;         /* the output of the file being searched */
    const char *file_shown;  /* the file being searched, as shown */
    atomic_int *quit;        /* -q found its line, or output is closed: stop everything */
    int any_selected;
    int any_error;
};

/* Prepares w for searching under cfg (quit is shared by all searchers);
 * 0, or -1 when out of memory. */
int searcher_init(struct searcher *w, const struct search_cfg *cfg, atomic_int *quit);
void searcher_free(struct searcher *w);

/* Opens and searches one file, shown to the user as `shown`; path NULL
 * means standard input.  Output and messages go to w->out. */
void search_path(struct searcher *w, const char *path, const char *shown);

/* A message "PROG: ..." on w->out; counts as an error. */
void search_error(struct searcher *w, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

#endif
