/* Test-only layers for the C unit tests, header-only: each is a
 * bs_layer_ops to put between a base and the layer under test with
 * bs_layer_add(s, &trickle_ops, NULL), so that the layer above sees its
 * input cut at places a memory or file base never cuts it.  They pass the
 * bytes through unchanged and bid on nothing, so bs_detect never pushes
 * them; a test that includes this header needs the private header (the
 * unit-test build defines LIBSRC_BUILDING). */
#ifndef TESTS_LAYERS_H
#define TESTS_LAYERS_H

#include "bs_private.h"

#include <stdlib.h>
#include <string.h>

/* "trickle": hands out one byte per read, so that a decoder above sees its
 * input split at every possible place. */
__attribute__((unused)) static int trickle_read(struct bs_layer *l, unsigned char *dst, size_t cap,
                                                size_t *got)
{
    const unsigned char *p;
    size_t n;
    if (cap == 0)
        return bs_fail(l, BS_EINVAL, "trickle: no room");
    int rc = bs_layer_peek(l->below, 1, &p, &n);
    if (rc != BS_OK)
        return rc;
    dst[0] = p[0];
    bs_layer_consume(l->below, 1);
    *got = 1;
    return BS_OK;
}

__attribute__((unused)) static const struct bs_layer_ops trickle_ops = {
    .version = BS_OPS_VERSION,
    .name = "trickle",
    .read = trickle_read,
};

/* "chunks": hands out chunks of 1, 2, 3, 5, 8 ... 4181 bytes in turn, so
 * that boundaries fall inside headers, trailers and multi-byte fields alike
 * while the data still moves in pieces of a useful size. */
__attribute__((unused)) static int chunk_init(struct bs_layer *l)
{
    l->state = calloc(1, sizeof(unsigned));
    return l->state ? BS_OK : bs_fail(l, BS_ENOMEM, "chunks: out of memory");
}

__attribute__((unused)) static void chunk_close(struct bs_layer *l)
{
    free(l->state);
}

__attribute__((unused)) static int chunk_read(struct bs_layer *l, unsigned char *dst, size_t cap,
                                              size_t *got)
{
    static const size_t fib[] = {1, 2, 3, 5, 8, 13, 21, 34, 55, 89, 144, 233, 377, 610, 987,
                                 1597, 2584, 4181};
    unsigned *turn = l->state;
    const unsigned char *p;
    size_t n;
    int rc = bs_layer_peek(l->below, 1, &p, &n);
    if (rc != BS_OK)
        return rc;
    size_t k = fib[(*turn)++ % (sizeof fib / sizeof fib[0])];
    if (k > n)
        k = n;
    if (k > cap)
        k = cap;
    memcpy(dst, p, k);
    bs_layer_consume(l->below, k);
    *got = k;
    return BS_OK;
}

__attribute__((unused)) static const struct bs_layer_ops chunk_ops = {
    .version = BS_OPS_VERSION,
    .name = "chunks",
    .init = chunk_init,
    .read = chunk_read,
    .close = chunk_close,
};

#endif
