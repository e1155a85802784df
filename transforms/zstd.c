/* zstd (libzstd): any number of frames, skippable frames, and a window
 * limit (zstd's own default, 2^27) so that a frame cannot make us allocate
 * what its header claims. */
#include "bs_private.h"

#include <stdint.h>
#include <stdlib.h>
#include <zstd.h>
#include <zstd_errors.h>

struct zs {
    ZSTD_DCtx *d;
    struct bs_frames f;
};

/* A zstd frame or a skippable frame starts here. */
static int frame_magic(const unsigned char *p, size_t n)
{
    return n >= 4 && (bs_le32(p) == 0xFD2FB528u || bs_is_skippable(p, n));
}

static int zs_bid(const unsigned char *p, size_t len, int at_end)
{
    (void)at_end;
    /* pzstd writes a skippable frame first: the real one follows */
    size_t off = bs_skip_skippable(p, len);
    if (off == SIZE_MAX || len - off < 5)
        return 0;
    /* the frame header descriptor's bit 3 is reserved and must be 0 */
    if (bs_le32(p + off) == 0xFD2FB528u && !(p[off + 4] & 8))
        return 33;
    return 0;
}

static int zs_step(struct bs_layer *l, const unsigned char *src, size_t *used, unsigned char *dst,
                   size_t *made)
{
    struct zs *z = l->state;
    ZSTD_inBuffer in = {src, *used, 0};
    ZSTD_outBuffer out = {dst, *made, 0};
    size_t r = ZSTD_decompressStream(z->d, &out, &in);
    *used = in.pos;
    *made = out.pos;
    if (!ZSTD_isError(r))
        return r != 0;   /* 0: a frame is decoded and flushed */
    if (ZSTD_getErrorCode(r) == ZSTD_error_frameParameter_windowTooLarge) {
        char lim[32];
        bs_format_size(lim, sizeof lim, (uint64_t)1 << l->src->opt.zstd_window_log_max);
        return bs_limit_fail(l, BS_LIMIT_ZSTD_WINDOW,
                             "frame needs a window above the limit of %s (window log %d)", lim,
                             l->src->opt.zstd_window_log_max);
    }
    return bs_decode_fail(l, BS_EFORMAT, "%s", ZSTD_getErrorName(r));
}

static int zs_init(struct bs_layer *l)
{
    struct zs *z = calloc(1, sizeof *z);
    if (!z)
        return bs_decode_fail(l, BS_ENOMEM, "out of memory");
    l->state = z;
    z->f.is_frame = frame_magic;
    z->f.step = zs_step;
    z->f.in_frame = 1;
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
    return bs_frames_read(l, &z->f, dst, cap, got);
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
