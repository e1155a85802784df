/* srccat: writes the decoded bytes of each source to standard output. */
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
};

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
        if (n)
            out_add(c->out, p, n);
        if (c->out->err)
            return 0;
        if (rc != BS_OK)
            return rc == BS_END ? 0 : rc;
        bs_consume(c->s, n);
    }
}

#define USAGE "Usage: " PROG " [--layers] [--raw] [OPTION]... [FILE]...\n"

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

int main(int argc, char **argv)
{
    struct decode_cfg dec;
    decode_cfg_init(&dec);
    int layers = 0;
    static const struct option longs[] = {
        DECODE_LONG_OPTIONS,
        {"layers", no_argument, 0, 'l'},
        {"help", no_argument, 0, 'h'},
        {"version", no_argument, 0, 'V'},
        {0, 0, 0, 0},
    };
    int ch;
    while ((ch = getopt_long(argc, argv, "V", longs, NULL)) != -1) {
        switch (ch) {
        case 'l': layers = dec.no_readahead = 1; break;
        case 'h':
            printf(USAGE
                   "Write the decoded contents of each FILE ('-' or none: standard input)\n"
                   "to standard output; gzip, xz, zstd, bzip2 and lz4 are found by content,\n"
                   "and text in UTF-16, UTF-32 or --encoding is written as UTF-8.\n"
                   "\n"
                   "      --layers              print the detected layers of each FILE instead\n"
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
    int status = 0;
    int nfiles = argc - optind;
    struct out out;
    out_init(&out, 1);
    for (int i = 0; i < (nfiles ? nfiles : 1); i++) {
        const char *path = nfiles ? argv[optind + i] : "-";
        int is_stdin = !strcmp(path, "-");
        const char *name = is_stdin ? "(standard input)" : path;
        struct cat c = {NULL, &out};
        int rc = decode_open(&dec, is_stdin ? NULL : path, name, &c.s);
        if (rc >= 0)
            rc = decode_detect(&dec, c.s, is_stdin);
        if (rc >= 0 && layers)
            print_layers(&out, c.s, name, nfiles > 1);
        else if (rc >= 0)
            rc = bs_guard(c.s, copy_out, &c);
        if (!out.err)
            out_flush(&out);   /* what came before an error is shown before it */
        if (rc < 0 && !out.err) {
            fprintf(stderr, PROG ": %s%s\n", c.s ? bs_error(c.s) : "out of memory",
                    c.s ? decode_limit_hint(c.s) : "");
            status = 2;
        }
        bs_close(c.s);
        if (out.err) {
            if (out.err != EPIPE)
                fprintf(stderr, PROG ": write error: %s\n", strerror(out.err));
            out_free(&out);
            return 2;
        }
    }
    out_free(&out);
    return status;
}
