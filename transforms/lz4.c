/* lz4 frame format (liblz4): any number of frames, skippable frames,
 * block and content checksums as the frame declares them.  The legacy
 * format of `lz4 -l` is not read. */
#include "bs_private.h"

#include <lz4frame.h>
#include <stdlib.h>

struct lz {
    LZ4F_dctx *d;
    size_t hint;     /* LZ4F_decompress's last return: 0 between frames */
    uint64_t in_pos; /* bytes consumed from the layer below */
};

/* An lz4 frame or a skippable frame starts here. */
static int frame_magic(const unsigned char *p, size_t n)
{
    if (n < 4)
        return 0;
    uint32_t m = p[0] | p[1] << 8 | p[2] << 16 | (uint32_t)p[3] << 24;
    return m == 0x184D2204u || (m & 0xFFFFFFF0u) == 0x184D2A50u;
}

static int lz_bid(const unsigned char *head, size_t len, int at_end)
{
    (void)at_end;
    /* past any skippable frames, as far as the bytes shown reach */
    const unsigned char *p = head;
    while (len >= 8 && (p[0] & 0xf0) == 0x50 && p[1] == 0x2a && p[2] == 0x4d && p[3] == 0x18) {
        uint64_t skip = 8 + (uint64_t)(p[4] | p[5] << 8 | p[6] << 16 | (uint32_t)p[7] << 24);
        if (skip > len)
            return 0;
        p += skip;
        len -= (size_t)skip;
    }
    if (len < 7 || p[0] != 0x04 || p[1] != 0x22 || p[2] != 0x4d || p[3] != 0x18)
        return 0;
    /* FLG: version 01, reserved bit 1 clear; BD: reserved bits clear and a
     * block size of 4 to 7 */
    unsigned flg = p[4], bd = p[5];
    if ((flg >> 6) != 1 || (flg & 2) || (bd & 0x8f) || ((bd >> 4) & 7) < 4)
        return 0;
    return 44;
}

static int lz_init(struct bs_layer *l)
{
    struct lz *z = calloc(1, sizeof *z);
    if (!z)
        return bs_decode_fail(l, BS_ENOMEM, "out of memory");
    l->state = z;
    z->hint = 1;
    if (LZ4F_isError(LZ4F_createDecompressionContext(&z->d, LZ4F_VERSION)))
        return bs_decode_fail(l, BS_ENOMEM, "out of memory");
    return BS_OK;
}

static int lz_read(struct bs_layer *l, unsigned char *dst, size_t cap, size_t *got)
{
    struct lz *z = l->state;
    *got = 0;
    for (;;) {
        const unsigned char *p;
        size_t n;
        int prc = bs_layer_peek(l->below, 1, &p, &n);
        if (prc < 0)
            return prc;
        if (prc == BS_END && z->hint == 0)
            return *got ? BS_OK : BS_END;
        if (z->hint == 0) {
            prc = bs_layer_peek(l->below, 4, &p, &n);
            if (prc < 0)
                return prc;
            if (!frame_magic(p, n))
                return bs_decode_fail(l, BS_EFORMAT, "trailing garbage at byte %llu ignored",
                                      (unsigned long long)z->in_pos);
        }
        size_t in = n, out = cap - *got;
        size_t r = LZ4F_decompress(z->d, dst + *got, &out, p, &in, NULL);
        bs_layer_consume(l->below, in);
        z->in_pos += in;
        *got += out;
        if (LZ4F_isError(r))
            return bs_decode_fail(l, BS_EFORMAT, "%s", LZ4F_getErrorName(r));
        z->hint = r;
        if (*got == cap || (*got && in == n))
            return BS_OK;
        if (prc == BS_END && in == 0 && out == 0)
            return bs_decode_fail(l, BS_EFORMAT, "unexpected end of stream");
    }
}

static void lz_close(struct bs_layer *l)
{
    struct lz *z = l->state;
    if (!z)
        return;
    LZ4F_freeDecompressionContext(z->d);
    free(z);
    l->state = NULL;
}

const struct bs_layer_ops bs_lz4_ops = {
    .version = BS_OPS_VERSION,
    .name = "lz4",
    .flags = BS_OPS_DECODES,
    .bid = lz_bid,
    .init = lz_init,
    .read = lz_read,
    .close = lz_close,
};
