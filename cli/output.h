/* Buffered output to a file descriptor, with the first write error kept.
 *
 * Under the thread pool an output belongs to one file's search and may not
 * be written while other files' output comes first: it then grows in
 * memory, messages for standard error included, until the pool lets it
 * through (see pool.h). */
#ifndef SRCGREP_OUTPUT_H
#define SRCGREP_OUTPUT_H

#include <stddef.h>

/* A message for standard error held back at offset `at` of the output. */
struct out_note {
    size_t at;
    char *text;   /* one line, without its newline */
};

struct out {
    int fd;
    char *buf;
    size_t len, cap;
    int err;      /* errno of the first failed write, 0 if none */
    unsigned long long total;   /* bytes ever added */
    /* When set: asked whether the buffer may be written out now; returns
     * 1 if so, 0 to keep it in memory.  `wait` 0: answer at once; 1: the
     * buffer is full, and waiting is better than growing it past a bound;
     * 2: wait for the answer to be 1.  NULL: always written. */
    int (*may_write)(struct out *o, int wait);
    int discard;  /* what is added is dropped (set by may_write) */
    size_t need;  /* for may_write: the bytes that do not fit */
    void *owner;  /* for may_write */
    /* When set, bytes and messages that may be written go on to this
     * output instead of to fd. */
    struct out *to;
    struct out_note *notes;
    size_t nnotes, notecap;
};

void out_init(struct out *o, int fd);
void out_free(struct out *o);
void out_add(struct out *o, const void *p, size_t n);
void out_byte(struct out *o, char c);
void out_str(struct out *o, const char *s);
void out_u64(struct out *o, unsigned long long v);
/* A line for standard error (`text` without its newline), in its place
 * among the output's bytes. */
void out_msg(struct out *o, const char *text);
/* Writes what is buffered, messages in their places (through o->to and
 * its buffer, if set); returns 0 or -1 (err set).  Only for an output
 * that may be written. */
int out_flush(struct out *o);
/* Hands what is buffered on to o->to, without flushing that one. */
void out_pass(struct out *o);
/* Writes the buffer if may_write allows it without waiting. */
void out_flush_if_free(struct out *o);
/* Empties the output, dropping what it held (notes too). */
void out_reset(struct out *o);

#endif
