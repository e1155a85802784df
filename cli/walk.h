/* Which files a run searches: the operands, and the trees below directory
 * operands, in a deterministic order (operands as given, then each
 * directory's entries sorted by name), selected as GNU grep 3.8 selects
 * them (--include, --exclude, --exclude-from, --exclude-dir, -d, -D). */
#ifndef SRCGREP_WALK_H
#define SRCGREP_WALK_H

#include <stddef.h>

#include "decode.h"

/* What -d asked for.  It matters only while `recursive` is 0: -d recurse
 * sets `recursive`, and -d read or skip clear it, so that the last of -d,
 * -r and -R wins, as in grep. */
enum walk_dirs {
    WALK_DIRS_DEFAULT,       /* no -d: directory operands are searched recursively */
    WALK_DIRS_READ,          /* read as files: "DIR: Is a directory" */
    WALK_DIRS_SKIP,          /* skipped in silence */
    WALK_DIRS_RECURSE
};

struct walk_cfg {
    int recursive;           /* 0, 1 (-r), 2 (-R: follow all symlinks) */
    int no_messages;         /* -s: no warnings */
    const char *label;       /* the name standard input is shown as */
    const struct decode_cfg *dec;   /* --include and --exclude */

    /* set by walk_option */
    enum walk_dirs dirs;     /* -d */
    int deref;               /* -R came before a -d read or skip: a later -r follows links */
    int skip_devices;        /* -D skip */
    long max_depth;          /* --max-depth; -1: no limit */
    char **exclude_dirs;     /* --exclude-dir, trailing slashes removed */
    size_t nexclude_dirs;
};

/* Where the walk sends what it finds, in order. */
struct walk_sink {
    /* a file to search: path NULL is standard input; the strings are the
     * walk's, valid only during the call */
    void (*file)(void *ctx, const char *path, const char *shown);
    /* a message for standard error, without "PROG: " or newline; `error`
     * says whether it makes the exit status 2 */
    void (*message)(void *ctx, const char *text, int error);
    /* nonzero: stop walking (-q has its answer, output is closed) */
    int (*stopped)(void *ctx);
    void *ctx;
};

/* Long options of the walk, for getopt_long; their values start at 1200. */
enum {
    WALK_OPT_FIRST = 1200,
    WALK_OPT_EXCLUDE_DIR = WALK_OPT_FIRST,
    WALK_OPT_MAX_DEPTH,
    WALK_OPT_LABEL
};
#define WALK_LONG_OPTIONS                                            \
    {"directories", required_argument, 0, 'd'},                      \
    {"devices", required_argument, 0, 'D'},                          \
    {"exclude-dir", required_argument, 0, WALK_OPT_EXCLUDE_DIR},     \
    {"max-depth", required_argument, 0, WALK_OPT_MAX_DEPTH},         \
    {"label", required_argument, 0, WALK_OPT_LABEL}

void walk_cfg_init(struct walk_cfg *c);

/* Handles option `opt`: 1 if it is one of the walk's, 0 if not.  A bad
 * argument prints "PROG: ..." and exits with status 2.  (--include,
 * --exclude and --exclude-from are decode_option's: they choose archive
 * members too.) */
int walk_option(struct walk_cfg *c, int opt, const char *arg, const char *prog);

/* Sends the files of one operand ("-": standard input) to the sink. */
void walk_operand(const struct walk_cfg *c, const char *operand, const struct walk_sink *k);

/* What a run without operands searches: "." under -r, else standard
 * input. */
void walk_default(const struct walk_cfg *c, const struct walk_sink *k);

/* Frees what walk_option kept. */
void walk_cfg_free(struct walk_cfg *c);

#endif
