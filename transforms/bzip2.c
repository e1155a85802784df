/* bzip2 (libbz2): every stream of a multi-stream file (pbzip2, cat a b). */
#include "bs_private.h"

#include <bzlib.h>
#include <stdlib.h>
#include <string.h>

struct bz {
    bz_stream z;
    int ready;      /* z is initialised */
    int between;    /* a stream ended: another, the end, or garbage follows */
    uint64_t in_pos;
};

static const unsigned char block_magic[6] = {0x31, 0x41, 0x59, 0x26, 0x53, 0x59};
static const unsigned char end_magic[6] = {0x17, 0x72, 0x45, 0x38, 0x50, 0x90};

/* "BZh" and a block size digit, then a block or the end-of-stream marker. */
static int stream_bits(const unsigned char *p, size_t len)
{
    if (len < 10 || p[0] != 'B' || p[1] != 'Z' || p[2] != 'h' || p[3] < '1' || p[3] > '9')
        return 0;
    if (memcmp(p + 4, block_magic, 6) != 0 && memcmp(p + 4, end_magic, 6) != 0)
        return 0;
    return 80;
}

static int bz_bid(const unsigned char *p, size_t len, int at_end)
{
    (void)at_end;
    return stream_bits(p, len);
}

static int bz_start(struct bs_layer *l, struct bz *b)
{
    if (b->ready)
        BZ2_bzDecompressEnd(&b->z);
    memset(&b->z, 0, sizeof b->z);
    b->ready = 0;
    int r = BZ2_bzDecompressInit(&b->z, 0, 0);
    if (r != BZ_OK)
        return bs_decode_fail(l, BS_ENOMEM, "cannot set up the decoder");
    b->ready = 1;
    b->between = 0;
    return BS_OK;
}

static int bz_init(struct bs_layer *l)
{
    struct bz *b = calloc(1, sizeof *b);
    if (!b)
        return bs_decode_fail(l, BS_ENOMEM, "out of memory");
    l->state = b;
    return bz_start(l, b);
}

static int bz_read(struct bs_layer *l, unsigned char *dst, size_t cap, size_t *got)
{
    struct bz *b = l->state;
    size_t made = 0;
    if (cap > 1u << 30)
        cap = 1u << 30;
    while (made < cap) {
        const unsigned char *p;
        size_t n;
        int prc = bs_layer_peek(l->below, b->between ? 10 : 1, &p, &n);
        if (prc < 0) {
            *got = made;
            return prc;
        }
        if (b->between) {
            if (prc == BS_END)
                break;
            if (!stream_bits(p, n)) {
                *got = made;
                return bs_decode_fail(l, BS_EFORMAT, "trailing garbage at byte %llu ignored",
                                      (unsigned long long)b->in_pos);
            }
            int rc = bz_start(l, b);
            if (rc < 0) {
                *got = made;
                return rc;
            }
        }
        unsigned in = n > 1u << 30 ? 1u << 30 : (unsigned)n;
        b->z.next_in = (char *)p;
        b->z.avail_in = in;
        b->z.next_out = (char *)dst + made;
        b->z.avail_out = (unsigned)(cap - made);
        int r = BZ2_bzDecompress(&b->z);
        size_t used = in - b->z.avail_in, out = cap - made - b->z.avail_out;
        bs_layer_consume(l->below, used);
        b->in_pos += used;
        made += out;
        if (r == BZ_STREAM_END) {
            b->between = 1;
            continue;
        }
        *got = made;
        if (r == BZ_MEM_ERROR)
            return bs_decode_fail(l, BS_ENOMEM, "out of memory");
        if (r == BZ_DATA_ERROR_MAGIC)
            return bs_decode_fail(l, BS_EFORMAT, "not in bzip2 format");
        if (r != BZ_OK)
            return bs_decode_fail(l, BS_EFORMAT, "corrupt data");
        if (used == 0 && out == 0) {
            if (prc == BS_END)
                return bs_decode_fail(l, BS_EFORMAT, "unexpected end of stream");
            return bs_decode_fail(l, BS_EFORMAT, "no progress");
        }
        if (made && b->z.avail_in == 0)
            break;
    }
    *got = made;
    return made || !b->between ? BS_OK : BS_END;
}

static void bz_close(struct bs_layer *l)
{
    struct bz *b = l->state;
    if (!b)
        return;
    if (b->ready)
        BZ2_bzDecompressEnd(&b->z);
    free(b);
    l->state = NULL;
}

const struct bs_layer_ops bs_bzip2_ops = {
    .version = BS_OPS_VERSION,
    .name = "bzip2",
    .flags = BS_OPS_DECODES,
    .bid = bz_bid,
    .init = bz_init,
    .read = bz_read,
    .close = bz_close,
};
