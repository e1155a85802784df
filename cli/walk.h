/* Which files a run searches: the operands, and the trees below directory
 * operands, in a deterministic order (operands as given, then each
 * directory's entries sorted by name). */
#ifndef SRCGREP_WALK_H
#define SRCGREP_WALK_H

#include "decode.h"

struct walk_cfg {
    int recursive;           /* 0, 1 (-r), 2 (-R: follow all symlinks) */
    int no_messages;         /* -s: no warnings */
    const char *label;       /* the name standard input is shown as */
    const struct decode_cfg *dec;   /* --include and --exclude */
};

/* Where the walk sends what it finds, in order. */
struct walk_sink {
    /* a file to search: path NULL is standard input */
    void (*file)(void *ctx, const char *path, const char *shown);
    /* a message for standard error, without "PROG: " or newline; `error`
     * says whether it makes the exit status 2 */
    void (*message)(void *ctx, const char *text, int error);
    /* nonzero: stop walking (-q has its answer, output is closed) */
    int (*stopped)(void *ctx);
    void *ctx;
};

/* Long options of the walk, for getopt_long; their values start at 1200. */
enum { WALK_OPT_FIRST = 1200 };
#define WALK_LONG_OPTIONS {"directories", required_argument, 0, 'd'}

void walk_cfg_init(struct walk_cfg *c);

/* Handles option `opt`: 1 if it is one of the walk's, 0 if not.  A bad
 * argument prints "PROG: ..." and exits with status 2. */
int walk_option(struct walk_cfg *c, int opt, const char *arg, const char *prog);

/* Sends the files of one operand ("-": standard input) to the sink. */
void walk_operand(const struct walk_cfg *c, const char *operand, const struct walk_sink *k);

/* What a run without operands searches: "." under -r, else standard
 * input. */
void walk_default(const struct walk_cfg *c, const struct walk_sink *k);

/* Frees what walk_option kept. */
void walk_cfg_free(struct walk_cfg *c);

#endif
