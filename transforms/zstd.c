/* zstd (libzstd): any number of frames, skippable frames, and a window
 * limit (zstd's own default, 2^27) so that a frame cannot make us allocate
 * what its header claims. */
#include "bs_private.h"

#include <stdlib.h>
#include <zstd.h>
#include <zstd_errors.h>

struct zs {
    ZSTD_DCtx *d;
    size_t hint;     /* ZSTD_decompressStream's last return: 0 between frames */
    uint64_t in_pos; /* bytes consumed from the layer below */
};

static uint32_t le32(const unsigned char *p)
{
    return p[0] | p[1] << 8 | p[2] << 16 | (uint32_t)p[3] << 24;
}

/* A zstd frame or a skippable frame starts here. */
static int frame_magic(const unsigned char *p, size_t n)
{
    return n >= 4 && (le32(p) == 0xFD2FB528u || (le32(p) & 0xFFFFFFF0u) == 0x184D2A50u);
}

static int zs_bid(const unsigned char *p, size_t len, int at_end)
{
    (void)at_end;
    /* Skippable frames (pzstd writes one first) say nothing of the format:
     * look past them, as far as the bytes shown reach, for a real frame. */
    size_t off = 0;
    while (len - off >= 8 && (le32(p + off) & 0xFFFFFFF0u) == 0x184D2A50u) {
        uint64_t skip = 8 + (uint64_t)le32(p + off + 4);
        if (skip > len - off)
            return 0;
        off += (size_t)skip;
    }
    if (len - off < 5)
        return 0;
    /* the frame header descriptor's bit 3 is reserved and must be 0 */
    if (le32(p + off) == 0xFD2FB528u && !(p[off + 4] & 8))
        return 33;
    return 0;
}

static int zs_init(struct bs_layer *l)
{
    struct zs *z = calloc(1, sizeof *z);
    if (!z)
        return bs_decode_fail(l, BS_ENOMEM, "out of memory");
    l->state = z;
    z->hint = 1;
    z->d = ZSTD_createDCtx();
    if (!z->d)
        return bs_decode_fail(l, BS_ENOMEM, "out of memory");
    size_t r = ZSTD_DCtx_setParameter(z->d, ZSTD_d_windowLogMax, l->src->opt.zstd_window_log_max);
    if (ZSTD_isError(r))
        return bs_decode_fail(l, BS_EINVAL, "window log %d: %s", l->src->opt.zstd_window_log_max,
                              ZSTD_getErrorName(r));
    return BS_OK;
}

static int zs_read(struct bs_layer *l, unsigned char *dst, size_t cap, size_t *got)
{
    struct zs *z = l->state;
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
            /* between frames: another frame, or bytes that are not ours */
            prc = bs_layer_peek(l->below, 4, &p, &n);
            if (prc < 0)
                return prc;
            if (!frame_magic(p, n))
                return bs_decode_fail(l, BS_EFORMAT, "trailing garbage at byte %llu ignored",
                                      (unsigned long long)z->in_pos);
        }
        size_t before = *got;
        ZSTD_inBuffer in = {p, n, 0};
        ZSTD_outBuffer out = {dst, cap, *got};
        size_t r = ZSTD_decompressStream(z->d, &out, &in);
        bs_layer_consume(l->below, in.pos);
        z->in_pos += in.pos;
        *got = out.pos;
        if (ZSTD_isError(r)) {
            if (ZSTD_getErrorCode(r) == ZSTD_error_frameParameter_windowTooLarge) {
                char lim[32];
                bs_format_size(lim, sizeof lim, (uint64_t)1 << l->src->opt.zstd_window_log_max);
                return bs_limit_fail(l, BS_LIMIT_ZSTD_WINDOW,
                                     "frame needs a window above the limit of %s (window log %d)",
                                     lim, l->src->opt.zstd_window_log_max);
            }
            return bs_decode_fail(l, BS_EFORMAT, "%s", ZSTD_getErrorName(r));
        }
        z->hint = r;
        if (*got == cap || (*got && in.pos == in.size))
            return BS_OK;
        if (prc == BS_END && in.pos == 0 && out.pos == before)
            return bs_decode_fail(l, BS_EFORMAT, "unexpected end of stream");
    }
}

static void zs_close(struct bs_layer *l)
{
    struct zs *z = l->state;
    if (!z)
        return;
    ZSTD_freeDCtx(z->d);
    free(z);
    l->state = NULL;
}

const struct bs_layer_ops bs_zstd_ops = {
    .version = BS_OPS_VERSION,
    .name = "zstd",
    .flags = BS_OPS_DECODES,
    .bid = zs_bid,
    .init = zs_init,
    .read = zs_read,
    .close = zs_close,
};
