/* xz (liblzma): concatenated streams and stream padding, a memory limit
 * checked before anything a header asks for is allocated, and liblzma's
 * multi-threaded decoder, which decodes the blocks of a multi-block file
 * (xz -T) in parallel and falls back to one thread for single-block ones. */
#include "bs_private.h"

#include <lzma.h>
#include <stdlib.h>
#include <string.h>
#include <zlib.h>

struct xz {
    lzma_stream z;
    int ready;
    int between;     /* a stream ended: padding, another stream, or the end */
    uint64_t in_pos; /* bytes consumed from the layer below */
};

static const unsigned char magic[6] = {0xfd, '7', 'z', 'X', 'Z', 0};

static int xz_bid(const unsigned char *p, size_t len, int at_end)
{
    (void)at_end;
    /* magic, stream flags, and the CRC32 of the flags */
    if (len < 12 || memcmp(p, magic, 6) != 0 || p[6] != 0 || (p[7] & 0xf0))
        return 0;
    uint32_t want = p[8] | p[9] << 8 | p[10] << 16 | (uint32_t)p[11] << 24;
    if ((uint32_t)crc32(0, p + 6, 2) != want)
        return 0;
    return 96;
}

/* One decoder per stream.  Streams are chained here rather than with
 * LZMA_CONCATENATED so that what follows the last one is reported as
 * trailing garbage at its offset, as the other layers do. */
static int xz_start(struct bs_layer *l, struct xz *x)
{
    if (x->ready)
        lzma_end(&x->z);
    x->ready = 0;
    lzma_stream init = LZMA_STREAM_INIT;
    x->z = init;
    const bs_options *o = &l->src->opt;
    uint64_t limit = o->xz_memlimit ? o->xz_memlimit : UINT64_MAX;
    lzma_mt mt = {0};
    mt.threads = o->threads > 0 ? (uint32_t)o->threads : lzma_cputhreads();
    if (mt.threads == 0)
        mt.threads = 1;
    /* no limit on decoding is no licence to take all memory for threads */
    uint64_t quarter = lzma_physmem() / 4;
    mt.memlimit_threading = quarter && quarter < limit ? quarter : limit;
    mt.memlimit_stop = limit;
    lzma_ret r = lzma_stream_decoder_mt(&x->z, &mt);
    l->threaded = r == LZMA_OK && mt.threads > 1;
    if (r == LZMA_UNSUPPORTED_CHECK || r == LZMA_OPTIONS_ERROR || r == LZMA_PROG_ERROR)
        r = lzma_stream_decoder(&x->z, limit, 0);
    if (r != LZMA_OK)
        return bs_decode_fail(l, BS_ENOMEM, "cannot set up the decoder (liblzma error %d)", r);
    x->ready = 1;
    x->between = 0;
    return BS_OK;
}

static int xz_init(struct bs_layer *l)
{
    struct xz *x = calloc(1, sizeof *x);
    if (!x)
        return bs_decode_fail(l, BS_ENOMEM, "out of memory");
    l->state = x;
    return xz_start(l, x);
}

/* After a stream: stream padding (zeros, a multiple of four bytes), then
 * another stream or the end.  Returns BS_OK with a new decoder ready,
 * BS_END, or a failure. */
static int next_stream(struct bs_layer *l, struct xz *x)
{
    uint64_t zeros = 0;
    for (;;) {
        const unsigned char *p;
        size_t n;
        int rc = bs_layer_peek(l->below, 1, &p, &n);
        if (rc < 0)
            return rc;
        if (rc == BS_END)
            break;
        size_t k = 0;
        while (k < n && p[k] == 0)
            k++;
        bs_layer_consume(l->below, k);
        x->in_pos += k;
        zeros += k;
        if (k < n)
            break;
    }
    const unsigned char *p;
    size_t n;
    int rc = bs_layer_peek(l->below, 12, &p, &n);
    if (rc < 0)
        return rc;
    if (zeros % 4)
        return bs_decode_fail(l, BS_EFORMAT, "stream padding of %llu bytes is not a multiple of 4",
                              (unsigned long long)zeros);
    if (n == 0)
        return BS_END;
    if (n < 6 || memcmp(p, magic, 6) != 0)
        return bs_decode_fail(l, BS_EFORMAT, "trailing garbage at byte %llu ignored",
                              (unsigned long long)x->in_pos);
    return xz_start(l, x);
}

static int xz_error(struct bs_layer *l, struct xz *x, lzma_ret r)
{
    char need[32], have[32];
    switch (r) {
    case LZMA_MEMLIMIT_ERROR:
        bs_format_size(have, sizeof have, l->src->opt.xz_memlimit);
        /* the threaded decoder reports what it holds, not what the block
         * asked for: a figure only when it is the one that was refused */
        if (lzma_memusage(&x->z) > l->src->opt.xz_memlimit) {
            bs_format_size(need, sizeof need, lzma_memusage(&x->z));
            return bs_limit_fail(l, BS_LIMIT_XZ_MEMORY, "needs %s of memory, above the limit of %s",
                                 need, have);
        }
        return bs_limit_fail(l, BS_LIMIT_XZ_MEMORY, "needs more memory than the limit of %s", have);
    case LZMA_MEM_ERROR:
        return bs_decode_fail(l, BS_ENOMEM, "out of memory");
    case LZMA_FORMAT_ERROR:
        return bs_decode_fail(l, BS_EFORMAT, "not in xz format");
    case LZMA_OPTIONS_ERROR:
        return bs_decode_fail(l, BS_EFORMAT, "unsupported options");
    case LZMA_DATA_ERROR:
        return bs_decode_fail(l, BS_EFORMAT, "corrupt data");
    case LZMA_BUF_ERROR:
        return bs_decode_fail(l, BS_EFORMAT, "unexpected end of stream");
    default:
        return bs_decode_fail(l, BS_EFORMAT, "liblzma error %d", r);
    }
}

static int xz_read(struct bs_layer *l, unsigned char *dst, size_t cap, size_t *got)
{
    struct xz *x = l->state;
    *got = 0;
    for (;;) {
        if (x->between) {
            int rc = next_stream(l, x);
            if (rc != BS_OK)
                return rc == BS_END && *got ? BS_OK : rc;
        }
        const unsigned char *p;
        size_t n;
        int prc = bs_layer_peek(l->below, 1, &p, &n);
        if (prc < 0)
            return prc;
        x->z.next_in = p;
        x->z.avail_in = n;
        x->z.next_out = dst + *got;
        x->z.avail_out = cap - *got;
        lzma_ret r = lzma_code(&x->z, prc == BS_END ? LZMA_FINISH : LZMA_RUN);
        size_t used = n - x->z.avail_in;
        bs_layer_consume(l->below, used);
        x->in_pos += used;
        *got = cap - x->z.avail_out;
        if (r == LZMA_STREAM_END) {
            x->between = 1;
            if (*got == cap)
                return BS_OK;
            continue;
        }
        if (r != LZMA_OK)
            return xz_error(l, x, r);
        if (*got == cap || (*got && x->z.avail_in == 0))
            return BS_OK;
    }
}

static void xz_close(struct bs_layer *l)
{
    struct xz *x = l->state;
    if (!x)
        return;
    if (x->ready)
        lzma_end(&x->z);
    free(x);
    l->state = NULL;
}

const struct bs_layer_ops bs_xz_ops = {
    .version = BS_OPS_VERSION,
    .name = "xz",
    .flags = BS_OPS_DECODES,
    .bid = xz_bid,
    .init = xz_init,
    .read = xz_read,
    .close = xz_close,
};
