/* The read loop of decoders whose input is a sequence of frames (zstd,
 * lz4): between frames, the next bytes must start another frame, or the
 * stream ends; anything else is trailing garbage at its offset. */
#include "bs_private.h"

#include <stdint.h>

int bs_frames_read(struct bs_layer *l, struct bs_frames *f, unsigned char *dst, size_t cap,
                   size_t *got)
{
    *got = 0;
    for (;;) {
        const unsigned char *p;
        size_t n;
        int prc = bs_layer_peek(l->below, 1, &p, &n);
        if (prc < 0)
            return prc;
        if (!f->in_frame) {
            if (prc == BS_END)
                return *got ? BS_OK : BS_END;
            prc = bs_layer_peek(l->below, 4, &p, &n);
            if (prc < 0)
                return prc;
            if (!f->is_frame(p, n))
                return bs_decode_fail(l, BS_EFORMAT, "trailing garbage at byte %llu ignored",
                                      (unsigned long long)f->in_pos);
        }
        size_t used = n, made = cap - *got;
        int rc = f->step(l, p, &used, dst + *got, &made);
        bs_layer_consume(l->below, used);
        f->in_pos += used;
        *got += made;
        if (rc < 0)
            return rc;
        f->in_frame = rc;
        if (*got == cap || (*got && used == n))
            return BS_OK;
        if (prc == BS_END && used == 0 && made == 0)
            return bs_decode_fail(l, BS_EFORMAT, "unexpected end of stream");
    }
}

int bs_is_skippable(const unsigned char *p, size_t len)
{
    return len >= 4 && (bs_le32(p) & 0xFFFFFFF0u) == 0x184D2A50u;
}

size_t bs_skip_skippable(const unsigned char *p, size_t len)
{
    size_t off = 0;
    while (len - off >= 8 && bs_is_skippable(p + off, len - off)) {
        uint64_t skip = 8 + (uint64_t)bs_le32(p + off + 4);
        if (skip > len - off)
            return SIZE_MAX;
        off += (size_t)skip;
    }
    return off;
}
