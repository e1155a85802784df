/* lz4 frame format (liblz4): any number of frames, skippable frames,
 * block and content checksums as the frame declares them.  The legacy
 * format of `lz4 -l` is not read. */
#include "bs_private.h"

#include <lz4frame.h>
#include <stdint.h>
#include <stdlib.h>

struct lz {
    LZ4F_dctx *d;
    struct bs_frames f;
};

/* An lz4 frame or a skippable frame starts here. */
static int frame_magic(const unsigned char *p, size_t n)
{
    return n >= 4 && (bs_le32(p) == 0x184D2204u || bs_is_skippable(p, n));
}

static int lz_bid(const unsigned char *head, size_t len, int at_end)
{
    (void)at_end;
    size_t off = bs_skip_skippable(head, len);
    if (off == SIZE_MAX)
        return 0;
    const unsigned char *p = head + off;
    len -= off;
    if (len < 7 || bs_le32(p) != 0x184D2204u)
        return 0;
    /* FLG: version 01, reserved bit 1 clear; BD: reserved bits clear and a
     * block size of 4 to 7 */
    unsigned flg = p[4], bd = p[5];
    if ((flg >> 6) != 1 || (flg & 2) || (bd & 0x8f) || ((bd >> 4) & 7) < 4)
        return 0;
    return 44;
}

static int lz_step(struct bs_layer *l, const unsigned char *in, size_t *used, unsigned char *out,
                   size_t *made)
{
    struct lz *z = l->state;
    size_t r = LZ4F_decompress(z->d, out, made, in, used, NULL);
    if (LZ4F_isError(r))
        return bs_decode_fail(l, BS_EFORMAT, "%s", LZ4F_getErrorName(r));
    return r != 0;
}

static int lz_init(struct bs_layer *l)
{
    struct lz *z = calloc(1, sizeof *z);
    if (!z)
        return bs_decode_fail(l, BS_ENOMEM, "out of memory");
    l->state = z;
    z->f.is_frame = frame_magic;
    z->f.step = lz_step;
    z->f.in_frame = 1;
    if (LZ4F_isError(LZ4F_createDecompressionContext(&z->d, LZ4F_VERSION)))
        return bs_decode_fail(l, BS_ENOMEM, "out of memory");
    return BS_OK;
}

static int lz_read(struct bs_layer *l, unsigned char *dst, size_t cap, size_t *got)
{
    struct lz *z = l->state;
    return bs_frames_read(l, &z->f, dst, cap, got);
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
