/* Buffered output to a file descriptor, with the first write error kept. */
#ifndef SRCGREP_OUTPUT_H
#define SRCGREP_OUTPUT_H

#include <stddef.h>

struct out {
    int fd;
    char *buf;
    size_t len, cap;
    int err;   /* errno of the first failed write, 0 if none */
};

void out_init(struct out *o, int fd);
void out_free(struct out *o);
void out_add(struct out *o, const void *p, size_t n);
void out_byte(struct out *o, char c);
void out_str(struct out *o, const char *s);
void out_u64(struct out *o, unsigned long long v);
/* Writes what is buffered; returns 0 or -1 (o->err set). */
int out_flush(struct out *o);

#endif
