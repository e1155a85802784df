/* ringbuf.c: a fixed-size byte ring buffer (sample file for the srcgrep demo). */
#include <stddef.h>
#include <stdlib.h>
#include <string.h>

struct ring {
    unsigned char *buf;
    size_t cap;      /* a power of two */
    size_t head;     /* next byte to read */
    size_t tail;     /* next byte to write */
};

/* Returns 0, or -1 if cap is not a power of two or memory ran out. */
int ring_init(struct ring *r, size_t cap)
{
    if (cap == 0 || (cap & (cap - 1)) != 0)
        return -1;
    r->buf = malloc(cap);
    if (!r->buf)
        return -1;
    r->cap = cap;
    r->head = r->tail = 0;
    return 0;
}

void ring_free(struct ring *r)
{
    free(r->buf);
    r->buf = NULL;
    r->cap = r->head = r->tail = 0;
}

size_t ring_used(const struct ring *r)
{
    return r->tail - r->head;
}

size_t ring_space(const struct ring *r)
{
    return r->cap - ring_used(r);
}

/* Copies up to n bytes in; returns how many fit. */
size_t ring_write(struct ring *r, const void *src, size_t n)
{
    const unsigned char *p = src;
    size_t room = ring_space(r);
    if (n > room)
        n = room;   /* TODO: let the caller choose to overwrite old data */
    for (size_t i = 0; i < n; i++)
        r->buf[(r->tail + i) & (r->cap - 1)] = p[i];
    r->tail += n;
    return n;
}

/* Copies up to n bytes out; returns how many there were. */
size_t ring_read(struct ring *r, void *dst, size_t n)
{
    unsigned char *p = dst;
    size_t have = ring_used(r);
    if (n > have)
        n = have;
    for (size_t i = 0; i < n; i++)
        p[i] = r->buf[(r->head + i) & (r->cap - 1)];
    r->head += n;
    return n;
}

/* The readable bytes as at most two spans, for callers that want to avoid
 * the copy.  FIXME: say in the header that the spans die on the next write. */
int ring_peek(const struct ring *r, const void **a, size_t *alen,
              const void **b, size_t *blen)
{
    size_t used = ring_used(r);
    size_t start = r->head & (r->cap - 1);
    size_t first = r->cap - start < used ? r->cap - start : used;
    *a = r->buf + start;
    *alen = first;
    *b = r->buf;
    *blen = used - first;
    return *blen ? 2 : first ? 1 : 0;
}

#ifdef RING_TEST
#include <stdio.h>
int main(void)
{
    struct ring r;
    char out[8];
    if (ring_init(&r, 8) < 0)
        return 1;
    ring_write(&r, "abcdef", 6);
    ring_read(&r, out, 4);
    ring_write(&r, "ghijk", 5);
    size_t n = ring_read(&r, out, sizeof out);
    printf("%.*s\n", (int)n, out);   /* prints "efghijk" */
    ring_free(&r);
    return 0;
}
#endif
