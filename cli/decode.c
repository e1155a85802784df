/* Decoding options shared by srcgrep and srccat. */
#define _GNU_SOURCE
#include "decode.h"

#include <errno.h>
#include <fcntl.h>
#include <fnmatch.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

void decode_cfg_init(struct decode_cfg *d)
{
    memset(d, 0, sizeof *d);
    bs_options_init(&d->bopt);
    d->max_layers = BS_DEPTH_DEFAULT;
}

static void bad(const char *prog, const char *what, const char *arg)
{
    fprintf(stderr, "%s: invalid %s: '%s'\n", prog, what, arg);
    exit(2);
}

/* "4096", "256M", "1G", "2T"; binary multiples, as xz and zstd read them. */
static unsigned long long parse_size(const char *arg, const char *prog, const char *what)
{
    char *end;
    errno = 0;
    unsigned long long v = strtoull(arg, &end, 10);
    if (end == arg || arg[0] == '-' || errno)
        bad(prog, what, arg);
    int shift = 0;
    switch (*end) {
    case 0: break;
    case 'k': case 'K': shift = 10; break;
    case 'm': case 'M': shift = 20; break;
    case 'g': case 'G': shift = 30; break;
    case 't': case 'T': shift = 40; break;
    default: bad(prog, what, arg);
    }
    if (*end && end[1] && strcmp(end + 1, "i") && strcmp(end + 1, "iB") && strcmp(end + 1, "B"))
        bad(prog, what, arg);
    if (shift && v > (~0ull >> shift))
        bad(prog, what, arg);
    return v << shift;
}

static long parse_int(const char *arg, long lo, long hi, const char *prog, const char *what)
{
    char *end;
    errno = 0;
    long v = strtol(arg, &end, 10);
    if (end == arg || *end || errno || v < lo || v > hi)
        bad(prog, what, arg);
    return v;
}

static void out_of_memory(const char *prog)
{
    fprintf(stderr, "%s: out of memory\n", prog);
    exit(2);
}

static void add_glob(struct decode_cfg *d, const char *glob, int include, const char *prog)
{
    struct decode_glob *g = realloc(d->globs, (d->nglobs + 1) * sizeof *g);
    if (!g)
        out_of_memory(prog);
    d->globs = g;
    g[d->nglobs].glob = glob;
    g[d->nglobs++].include = include;
}

/* --exclude-from: each line of the file is a glob, as grep reads it:
 * trailing white space is not part of it (a file with CRLF line ends
 * works), and blank lines are none.  The file's text is kept: the globs
 * point into it. */
static void read_exclude_from(struct decode_cfg *d, const char *file, const char *prog)
{
    int fd = strcmp(file, "-") ? open(file, O_RDONLY | O_CLOEXEC | O_NOCTTY) : 0;
    char *text = NULL;
    size_t n = 0, cap = 0;
    ssize_t got = 0;
    if (fd >= 0) {
        do {
            n += (size_t)got;
            if (cap - n < 4096) {
                cap = cap ? cap * 2 : 8192;
                char *nt = realloc(text, cap);
                if (!nt)
                    out_of_memory(prog);
                text = nt;
            }
            /* one byte is kept for the last line's terminator */
            while ((got = read(fd, text + n, cap - n - 1)) < 0 && errno == EINTR)
                ;
        } while (got > 0);
    }
    if (fd < 0 || got < 0) {
        fprintf(stderr, "%s: %s: %s\n", prog, file, strerror(errno));
        exit(2);
    }
    if (fd > 0)
        close(fd);
    char **nt = realloc(d->texts, (d->ntexts + 1) * sizeof *nt);
    if (!nt)
        out_of_memory(prog);
    d->texts = nt;
    d->texts[d->ntexts++] = text;
    text[n] = '\n';
    for (char *line = text, *end = text + n; line <= end;) {
        char *nl = memchr(line, '\n', (size_t)(end + 1 - line));
        char *e = nl;
        while (e > line && e[-1] && strchr(" \t\v\f\r", e[-1]))
            e--;
        if (e > line) {
            *e = 0;
            add_glob(d, line, 0, prog);
        }
        line = nl + 1;
    }
}

int decode_option(struct decode_cfg *d, int opt, const char *arg, const char *prog)
{
    switch (opt) {
    case DECODE_OPT_RAW: d->raw = 1; return 1;
    case DECODE_OPT_MAX_LAYERS:
        /* a source holds 16 layers: the base, and room for one more */
        d->max_layers = (int)parse_int(arg, 0, 14, prog, "layer limit");
        return 1;
    case DECODE_OPT_DECODE_LIMIT:
        d->bopt.decode_floor = parse_size(arg, prog, "decode limit");
        return 1;
    case DECODE_OPT_DECODE_RATIO:
        d->bopt.decode_ratio = (unsigned)parse_int(arg, 0, 1L << 30, prog, "decode ratio");
        return 1;
    case DECODE_OPT_XZ_MEMLIMIT:
        d->bopt.xz_memlimit = parse_size(arg, prog, "xz memory limit");
        return 1;
    case DECODE_OPT_ZSTD_WLOG:
        d->bopt.zstd_window_log_max = (int)parse_int(arg, 10, 31, prog, "zstd window log");
        return 1;
    case DECODE_OPT_MMAP: d->bopt.mmap_mode = BS_MMAP_ALWAYS; return 1;
    case DECODE_OPT_NO_MMAP: d->bopt.mmap_mode = BS_MMAP_NEVER; return 1;
    case DECODE_OPT_INCLUDE:
    case DECODE_OPT_EXCLUDE:
        add_glob(d, arg, opt == DECODE_OPT_INCLUDE, prog);   /* argv outlives the run */
        return 1;
    case DECODE_OPT_EXCLUDE_FROM:
        read_exclude_from(d, arg, prog);
        return 1;
    case DECODE_OPT_ZIP_MAX_ENTRIES:
        d->bopt.zip_max_entries = (uint64_t)parse_int(arg, 0, 1L << 40, prog, "entry limit");
        return 1;
    case DECODE_OPT_ENCODING:
        d->bopt.encoding[0] = 0;
        if (strcmp(arg, "none") == 0) {
            d->bopt.text = BS_TEXT_NONE;
            return 1;
        }
        if (d->bopt.text == BS_TEXT_NONE)
            d->bopt.text = BS_TEXT_AUTO;
        if (strcmp(arg, "auto") == 0)
            return 1;
        if (strlen(arg) >= sizeof d->bopt.encoding || !bs_encoding_supported(arg)) {
            fprintf(stderr, "%s: unknown encoding '%s'\n", prog, arg);
            exit(2);
        }
        memcpy(d->bopt.encoding, arg, strlen(arg) + 1);
        return 1;
    case DECODE_OPT_NO_GUESS:
        if (d->bopt.text == BS_TEXT_AUTO)
            d->bopt.text = BS_TEXT_BOM;
        return 1;
    }
    return 0;
}

int decode_open(const struct decode_cfg *d, const char *path, const char *name, byte_source **out)
{
    return path ? bs_open_path(out, path, &d->bopt) : bs_open_fd(out, 0, name, 0, &d->bopt);
}

static int detect(const struct decode_cfg *d, byte_source *s)
{
    int rc = bs_detect(s, d->max_layers);
    if (rc > 0 && !d->no_readahead)
        rc = bs_readahead(s);
    /* Malformed data met while looking at the first bytes (a small file
     * truncated or followed by garbage) fails again at the first read,
     * after the bytes decoded before it: those are searched or written
     * first, as they are when the damage comes later. */
    if (rc == BS_EFORMAT)
        return BS_OK;
    return rc < 0 ? rc : BS_OK;
}

int decode_detect(const struct decode_cfg *d, byte_source *s, int is_stdin)
{
    if (d->raw)
        return BS_OK;
    /* Detection looks at the first 512 bytes: a person typing at a
     * terminal would have to type them before seeing anything. */
    if (is_stdin && isatty(0))
        return BS_OK;
    return detect(d, s);
}

static int glob_matches(const char *glob, const char *name, int anchored)
{
    if (fnmatch(glob, name, 0) == 0)
        return 1;
    for (const char *p = anchored ? NULL : strchr(name, '/'); p; p = strchr(p + 1, '/'))
        if (p[1] && p[1] != '/' && fnmatch(glob, p + 1, 0) == 0)
            return 1;
    return 0;
}

static int selected(const struct decode_cfg *d, const char *name, int anchored)
{
    if (!d || !d->nglobs)
        return 1;
    for (size_t i = d->nglobs; i-- > 0;)
        if (glob_matches(d->globs[i].glob, name, anchored))
            return d->globs[i].include;
    return !d->globs[0].include;
}

int decode_selected(const struct decode_cfg *d, const char *name)
{
    return selected(d, name, 0);
}

int decode_selected_base(const struct decode_cfg *d, const char *base)
{
    return selected(d, base, 1);
}

void decode_cfg_free(struct decode_cfg *d)
{
    for (size_t i = 0; i < d->ntexts; i++)
        free(d->texts[i]);
    free(d->texts);
    d->texts = NULL;
    d->ntexts = 0;
    free(d->globs);
    d->globs = NULL;
    d->nglobs = 0;
}

/* The members of container layer c, depth first; `shown` is the name the
 * user gave the file.  Returns 0, nonzero if the walk failed, or
 * DECODE_STOP + 1 when a leaf ended it. */
static int walk_members(const struct decode_cfg *d, byte_source *s, const char *shown, int c,
                        const struct decode_walk *w)
{
    size_t k = strlen(bs_name(s));
    char *name = NULL;
    int rc, failed = 0;
    while ((rc = bs_next_member(s, c)) == BS_OK) {
        free(name);
        if (asprintf(&name, "%s%s", shown, bs_display_name(s) + k) < 0) {
            name = NULL;
            w->fail(w->ctx, s, shown);
            return 1;
        }
        int det = detect(d, s);
        int top = bs_layer_count(s) - 1;
        /* an archive inside is walked whatever its name: the globs are
         * for its members */
        if (det >= 0 && top > c && bs_layer_is_container(s, top)) {
            failed = walk_members(d, s, shown, top, w);
            if (failed == DECODE_STOP + 1)
                break;
            /* the inner archive may stop before the end of its data */
            if (!failed && bs_member_failed(s, c) < 0)
                w->fail(w->ctx, s, name);   /* and the outer archive goes on */
        } else if (decode_selected(d, bs_member_name(s, c))) {
            int lr = w->leaf(w->ctx, s, name, det);
            if (lr == DECODE_STOP) {
                failed = DECODE_STOP + 1;
                break;
            }
            failed = lr < 0;
        } else {
            failed = 0;
        }
    }
    /* an archive that cannot go on after a member failed stops for the
     * same reason (it was cut there): that was said once already */
    if (failed == DECODE_STOP + 1) {
        free(name);
        return failed;   /* stopped: nothing more to say */
    }
    if (rc < 0 && !failed)
        w->fail(w->ctx, s, name ? name : shown);
    free(name);
    return rc < 0 || failed;
}

void decode_walk(const struct decode_cfg *d, byte_source *s, const char *shown, int detected,
                 const struct decode_walk *w)
{
    int top = bs_layer_count(s) - 1;
    if (detected < 0 || d->raw || !bs_layer_is_container(s, top))
        w->leaf(w->ctx, s, shown, detected);
    else
        (void)walk_members(d, s, shown, top, w);
}

const char *decode_limit_hint(const byte_source *s)
{
    switch (bs_limit(s)) {
    case BS_LIMIT_DEPTH: return " (see --max-layers)";
    case BS_LIMIT_DECODED: return " (see --decode-limit and --decode-ratio)";
    case BS_LIMIT_XZ_MEMORY: return " (see --xz-memlimit)";
    case BS_LIMIT_ZSTD_WINDOW: return " (see --zstd-window-log-max)";
    case BS_LIMIT_ENTRIES: return " (see --zip-max-entries)";
    default: return "";
    }
}
