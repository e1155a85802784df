/* srccat: writes the decoded bytes of each source to standard output
 * (each member of a container after a header line). */
#define _GNU_SOURCE
#include <errno.h>
#include <getopt.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "decode.h"
#include "libsrc.h"
#include "output.h"

#define PROG "srccat"

struct cat {
    byte_source *s;
    struct out *out;
    int mode;          /* MODE_* */
    int with_name;     /* --layers: name each line */
    const char *file;  /* the operand, as shown */
    int status;
    int mid_line;      /* the last byte written was not a newline */
};

enum { MODE_CAT, MODE_LAYERS, MODE_LIST };

/* Copies the stream out a window at a time.  Runs inside bs_guard: a piece
 * written straight from a mapping that lost its pages is turned into the
 * source's error by out_add. */
static int copy_out(void *arg)
{
    struct cat *c = arg;
    for (;;) {
        const void *p;
        size_t n;
        int rc = bs_peek(c->s, 1, &p, &n);
        if (n) {
            out_add(c->out, p, n);
            c->mid_line = ((const unsigned char *)p)[n - 1] != '\n';
        }
        if (c->out->err)
            return 0;
        if (rc != BS_OK)
            return rc == BS_END ? 0 : rc;
        bs_consume(c->s, n);
    }
}

#define USAGE "Usage: " PROG " [--layers|--list] [--raw] [OPTION]... [FILE]...\n"

/* --layers: "file > gzip > xz", the chain as detected. */
static void print_layers(struct out *o, byte_source *s, const char *name, int with_name)
{
    if (with_name) {
        out_str(o, name);
        out_str(o, ": ");
    }
    for (int i = 0; i < bs_layer_count(s); i++) {
        if (i)
            out_str(o, " > ");
        out_str(o, bs_layer_label(s, i));
    }
    out_byte(o, '\n');
}

/* The message of a failure; for a member (`name` not NULL), a failure of
 * the archive's own layers (a .tgz cut short) is said of the member it
 * was met in, as srcgrep says it. */
static void fail_msg(struct cat *c, byte_source *s, const char *name)
{
    if (c->out->err)
        return;
    out_flush(c->out);   /* what came before an error is shown before it */
    c->status = 2;
    if (!s) {
        fprintf(stderr, PROG ": out of memory\n");
        return;
    }
    const char *e = bs_error(s), *n = bs_name(s);
    size_t k = strlen(n);
    if (name && !strncmp(e, n, k) && e[k] == ':')
        fprintf(stderr, PROG ": %s%s%s\n", name, e + k, decode_limit_hint(s));
    else
        fprintf(stderr, PROG ": %s%s\n", e, decode_limit_hint(s));
}

/* One source to write: the file, or one member of a container, which
 * gets a header line "==> NAME <==" as head(1) writes for each file. */
static int cat_leaf(void *ctx, byte_source *s, const char *name, int detected)
{
    struct cat *c = ctx;
    int member = strcmp(name, c->file) != 0;
    int rc = detected;
    c->s = s;
    if (c->mode == MODE_LIST) {
        out_str(c->out, name);
        out_byte(c->out, '\n');
    } else if (rc >= 0 && c->mode == MODE_LAYERS) {
        print_layers(c->out, s, name, c->with_name || member);
    } else if (rc >= 0) {
        if (member) {
            /* a header is a line of its own, after a member that ends
             * without a newline too */
            if (c->mid_line)
                out_byte(c->out, '\n');
            c->mid_line = 0;
            out_str(c->out, "==> ");
            out_str(c->out, name);
            out_str(c->out, " <==\n");
        }
        rc = bs_guard(s, copy_out, c);
    }
    if (!c->out->err)
        out_flush(c->out);
    if (rc < 0)
        fail_msg(c, s, member ? name : NULL);
    return rc;
}

static void cat_fail(void *ctx, byte_source *s, const char *name)
{
    (void)name;
    fail_msg(ctx, s, NULL);
}

int main(int argc, char **argv)
{
    struct decode_cfg dec;
    decode_cfg_init(&dec);
    int mode = MODE_CAT;
    static const struct option longs[] = {
        DECODE_LONG_OPTIONS,
        {"layers", no_argument, 0, 'l'},
        {"list", no_argument, 0, 'L'},
        {"help", no_argument, 0, 'h'},
        {"version", no_argument, 0, 'V'},
        {0, 0, 0, 0},
    };
    int ch;
    while ((ch = getopt_long(argc, argv, "V", longs, NULL)) != -1) {
        switch (ch) {
        case 'l': mode = MODE_LAYERS; dec.no_readahead = 1; break;
        case 'L': mode = MODE_LIST; dec.no_readahead = 1; break;
        case 'h':
            printf(USAGE
                   "Write the decoded contents of each FILE ('-' or none: standard input)\n"
                   "to standard output; gzip, xz, zstd, bzip2 and lz4 are found by content,\n"
                   "and text in UTF-16, UTF-32 or --encoding is written as UTF-8.\n"
                   "\n"
                   "      --layers              print the detected layers of each FILE instead\n"
                   "      --list                print the names of the members of containers\n"
                   DECODE_HELP
                   "\n"
                   "See srccat(1).\n");
            return 0;
        case 'V':
            printf(PROG " %s (libsrc %s)\n", LIBSRC_VERSION_STRING, bs_version());
            return 0;
        default:
            if (!decode_option(&dec, ch, optarg, PROG)) {
                fprintf(stderr, USAGE);
                return 2;
            }
        }
    }
    int nfiles = argc - optind;
    struct out out;
    out_init(&out, 1);
    struct cat c = {NULL, &out, mode, nfiles > 1, NULL, 0, 0};
    struct decode_walk w = {cat_leaf, cat_fail, &c};
    for (int i = 0; i < (nfiles ? nfiles : 1); i++) {
        const char *path = nfiles ? argv[optind + i] : "-";
        int is_stdin = !strcmp(path, "-");
        const char *name = is_stdin ? STDIN_NAME : path;
        byte_source *s;
        c.file = name;
        int rc = decode_open(&dec, is_stdin ? NULL : path, name, &s);
        if (rc < 0)
            fail_msg(&c, s, NULL);
        else
            decode_walk(&dec, s, name, decode_detect(&dec, s, is_stdin), &w);
        bs_close(s);
        if (out.err) {
            if (out.err != EPIPE)
                fprintf(stderr, PROG ": write error: %s\n", strerror(out.err));
            out_free(&out);
            return 2;
        }
    }
    int status = c.status;
    out_free(&out);
    decode_cfg_free(&dec);
    return status;
}
