/* srccat: writes the decoded bytes of each source to standard output. */
#define _GNU_SOURCE
#include <errno.h>
#include <getopt.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "libsrc.h"

#define PROG "srccat"

struct cat {
    byte_source *s;
    int write_err;
};

static int copy_out(void *arg)
{
    struct cat *c = arg;
    for (;;) {
        const void *p;
        size_t n;
        int rc = bs_peek(c->s, 1, &p, &n);
        size_t done = 0;
        while (done < n) {
            ssize_t w = write(1, (const char *)p + done, n - done);
            if (w < 0 && errno == EINTR)
                continue;
            if (w < 0 && errno == EFAULT && bs_is_mapped(c->s)) {
                /* The kernel met a page of the mapping that the file no
                 * longer has.  Touching it here, inside the guard, turns
                 * that into the source's own "file changed" error. */
                const volatile unsigned char *q = (const unsigned char *)p + done;
                size_t left = n - done;
                for (size_t k = 0; k < left; k += 4096)
                    (void)q[k];
                (void)q[left - 1];
            }
            if (w < 0) {
                c->write_err = errno;
                return 0;
            }
            done += (size_t)w;
        }
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
    for (int i = 0; i < (nfiles ? nfiles : 1); i++) {
        const char *path = nfiles ? argv[optind + i] : "-";
        struct cat c = {0};
        int rc = strcmp(path, "-") ? bs_open_path(&c.s, path, &opt)
                                   : bs_open_fd(&c.s, 0, "(standard input)", 0, &opt);
        if (rc >= 0)
            rc = bs_guard(c.s, copy_out, &c);
        if (rc < 0) {
            fprintf(stderr, PROG ": %s\n", c.s ? bs_error(c.s) : "out of memory");
            status = 2;
        }
        bs_close(c.s);
        if (c.write_err) {
            if (c.write_err != EPIPE)
                fprintf(stderr, PROG ": write error: %s\n", strerror(c.write_err));
            return 2;
        }
    }
    return status;
}
