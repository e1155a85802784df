/* srccat: writes the decoded bytes of each source to standard output. */
#define _GNU_SOURCE
#include <errno.h>
#include <getopt.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

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

int main(int argc, char **argv)
{
    bs_options opt;
    bs_options_init(&opt);
    static const struct option longs[] = {
        {"mmap", no_argument, 0, 'M'},
        {"no-mmap", no_argument, 0, 'N'},
        {"help", no_argument, 0, 'h'},
        {"version", no_argument, 0, 'V'},
        {0, 0, 0, 0},
    };
    int ch;
    while ((ch = getopt_long(argc, argv, "V", longs, NULL)) != -1) {
        switch (ch) {
        case 'M': opt.mmap_mode = BS_MMAP_ALWAYS; break;
        case 'N': opt.mmap_mode = BS_MMAP_NEVER; break;
        case 'h':
            printf("Usage: " PROG " [--mmap|--no-mmap] [FILE]...\n"
                   "Write the decoded contents of each FILE ('-' or none: standard input)\n"
                   "to standard output.  See srccat(1).\n");
            return 0;
        case 'V':
            printf(PROG " %s (libsrc %s)\n", LIBSRC_VERSION_STRING, bs_version());
            return 0;
        default:
            fprintf(stderr, "Usage: " PROG " [--mmap|--no-mmap] [FILE]...\n");
            return 2;
        }
    }
    int status = 0;
    int nfiles = argc - optind;
    struct out out;
    out_init(&out, 1);
    for (int i = 0; i < (nfiles ? nfiles : 1); i++) {
        const char *path = nfiles ? argv[optind + i] : "-";
        struct cat c = {NULL, &out};
        int rc = strcmp(path, "-") ? bs_open_path(&c.s, path, &opt)
                                   : bs_open_fd(&c.s, 0, "(standard input)", 0, &opt);
        if (rc >= 0)
            rc = bs_guard(c.s, copy_out, &c);
        if (!out.err)
            out_flush(&out);   /* what came before an error is shown before it */
        if (rc < 0 && !out.err) {
            fprintf(stderr, PROG ": %s\n", c.s ? bs_error(c.s) : "out of memory");
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
