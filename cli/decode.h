/* The decoding options srcgrep and srccat share, and opening a file with
 * its layers detected. */
#ifndef CLI_DECODE_H
#define CLI_DECODE_H
#include <getopt.h>

#include "libsrc.h"

struct decode_glob {
    const char *glob;
    int include;      /* --include (1) or --exclude (0) */
};

struct decode_cfg {
    bs_options bopt;
    int raw;          /* --raw: bytes as stored, no layer detection */
    int max_layers;   /* --max-layers */
    int no_readahead; /* only the chain is wanted: no decoding thread */
    struct decode_glob *globs;   /* --include, --exclude and --exclude-from, in order */
    size_t nglobs;
    char **texts;     /* the --exclude-from files, which globs point into */
    size_t ntexts;
};

enum {
    DECODE_OPT_RAW = 1000,
    DECODE_OPT_MAX_LAYERS,
    DECODE_OPT_DECODE_LIMIT,
    DECODE_OPT_DECODE_RATIO,
    DECODE_OPT_XZ_MEMLIMIT,
    DECODE_OPT_ZSTD_WLOG,
    DECODE_OPT_MMAP,
    DECODE_OPT_NO_MMAP,
    DECODE_OPT_ENCODING,
    DECODE_OPT_NO_GUESS,
    DECODE_OPT_ZIP_MAX_ENTRIES,
    DECODE_OPT_INCLUDE,
    DECODE_OPT_EXCLUDE,
    DECODE_OPT_EXCLUDE_FROM
};

/* getopt_long entries for the options above, for a program's table. */
#define DECODE_LONG_OPTIONS                                              \
    {"raw", no_argument, 0, DECODE_OPT_RAW},                             \
    {"max-layers", required_argument, 0, DECODE_OPT_MAX_LAYERS},         \
    {"decode-limit", required_argument, 0, DECODE_OPT_DECODE_LIMIT},     \
    {"decode-ratio", required_argument, 0, DECODE_OPT_DECODE_RATIO},     \
    {"xz-memlimit", required_argument, 0, DECODE_OPT_XZ_MEMLIMIT},       \
    {"zstd-window-log-max", required_argument, 0, DECODE_OPT_ZSTD_WLOG}, \
    {"mmap", no_argument, 0, DECODE_OPT_MMAP},                           \
    {"no-mmap", no_argument, 0, DECODE_OPT_NO_MMAP},                     \
    {"encoding", required_argument, 0, DECODE_OPT_ENCODING},             \
    {"no-utf16-guess", no_argument, 0, DECODE_OPT_NO_GUESS},             \
    {"zip-max-entries", required_argument, 0, DECODE_OPT_ZIP_MAX_ENTRIES}, \
    {"include", required_argument, 0, DECODE_OPT_INCLUDE},               \
    {"exclude", required_argument, 0, DECODE_OPT_EXCLUDE},               \
    {"exclude-from", required_argument, 0, DECODE_OPT_EXCLUDE_FROM}

/* The --help lines for them. */
#define DECODE_HELP                                                                  \
    "      --raw                 bytes as stored: no decoding at all\n"            \
    "      --max-layers=N        decode at most N nested layers (default 8)\n"      \
    "      --decode-limit=SIZE   bomb guard: decode at least SIZE (default 1G)...\n" \
    "      --decode-ratio=N      ...and stop beyond N times the input (default 4096)\n" \
    "      --xz-memlimit=SIZE    memory the xz decoder may use (default 256M)\n"    \
    "      --zstd-window-log-max=N  largest zstd window, 2^N bytes (default 27)\n"  \
    "      --mmap, --no-mmap     force or forbid memory maps for regular files\n"    \
    "      --encoding=NAME       charset of text without a BOM: any iconv name\n"   \
    "                            (latin1, cp1252, shift_jis, ...) or utf-16le...;\n" \
    "                            a BOM wins; none: bytes, BOM kept; auto: default\n" \
    "      --no-utf16-guess      only a BOM makes text UTF-16\n"                   \
    "      --zip-max-entries=N   entries a zip may list (default 1048576; 0: any)\n" \
    "      --include=GLOB        only archive members (srcgrep: and files) so named\n" \
    "      --exclude=GLOB        skip archive members (srcgrep: and files) so named\n" \
    "      --exclude-from=FILE   --exclude each glob in FILE, one per line\n"

/* The name standard input is shown as (srcgrep's --label changes it). */
#define STDIN_NAME "(standard input)"

void decode_cfg_init(struct decode_cfg *d);

/* Handles option `opt` with argument `arg`: 1 if it was one of ours, 0 if
 * not.  A bad argument prints "PROG: ..." and exits with status 2. */
int decode_option(struct decode_cfg *d, int opt, const char *arg, const char *prog);

/* Opens `path` (NULL: standard input, shown as `name`) as bs_open_path
 * and bs_open_fd do, setting *out as they do.  Returns their status. */
int decode_open(const struct decode_cfg *d, const char *path, const char *name, byte_source **out);

/* Unless --raw, pushes the layers the content of s calls for (not for a
 * terminal on standard input: `is_stdin` says s reads fd 0).  Returns
 * BS_OK or the negative status of a failure (a read error, or a limit). */
int decode_detect(const struct decode_cfg *d, byte_source *s, int is_stdin);

/* What decode_walk calls: leaf for each source to read (the file itself,
 * or each member of a container, with the name to show, such as
 * "logs.tar{app.log}", and the status of its detection); fail when a
 * container cannot go on (its message is bs_error(s); name is the last
 * member's), unless the member before failed: the archive then stopped
 * for the reason already reported. */
/* What a leaf returns to end the walk at once, reporting nothing more. */
#define DECODE_STOP 1000   /* not a BS_* status */

struct decode_walk {
    /* returns the status the source ended with (negative: it failed), or
     * DECODE_STOP */
    int (*leaf)(void *ctx, byte_source *s, const char *name, int detected);
    void (*fail)(void *ctx, byte_source *s, const char *name);
    void *ctx;
};

/* Calls w->leaf for s as decode_detect left it (`detected` is what that
 * returned), or, when its top layer is a container, for each of its
 * members in turn after detecting their layers (a member that is a
 * container again is walked the same way).  --max-layers counts the
 * layers of a member with those of the containers above it. */
void decode_walk(const struct decode_cfg *d, byte_source *s, const char *shown, int detected,
                 const struct decode_walk *w);

/* Whether a file or an archive member named `name` is selected by
 * --include, --exclude and --exclude-from, as GNU grep decides for files:
 * the last GLOB that matches wins; when none matches, the name is
 * selected unless the first of them is an --include.  A GLOB matches the
 * whole name, or any part of it that follows a '/' (so the base name).
 * d NULL selects everything. */
int decode_selected(const struct decode_cfg *d, const char *name);

/* The same for the base name of a file met while recursing, which a GLOB
 * must match whole, as in grep. */
int decode_selected_base(const struct decode_cfg *d, const char *base);

/* Frees what decode_option kept. */
void decode_cfg_free(struct decode_cfg *d);

/* For a BS_ELIMIT failure: the option that raises the limit reached, as
 * " (see --xz-memlimit)"; "" otherwise. */
const char *decode_limit_hint(const byte_source *s);

#endif
