/* Unicode text layers: UTF-8 behind a byte order mark, and UTF-16 and
 * UTF-32 in either byte order transcoded to UTF-8; plus the guess that
 * finds UTF-16 without a BOM.  Invalid input (a lone surrogate, a value
 * above U+10FFFF, an odd byte at the end) becomes U+FFFD and decoding goes
 * on; a code unit or surrogate pair split between two windows of the layer
 * below is completed from the next one, never replaced. */
#include "bs_private.h"

#include <stdlib.h>
#include <string.h>

#if defined(__BYTE_ORDER__) && __BYTE_ORDER__ == __ORDER_BIG_ENDIAN__
#define HOST_BE 1
#else
#define HOST_BE 0
#endif

#define REPLACEMENT 0xFFFDu

/* Converts the code units of in[0..n) into out[0..cap), which has room
 * for at least 8 bytes.  Stops with fewer than 4 bytes of room left, or
 * before an incomplete unit or pair at the end of the input unless
 * `at_end`, where that becomes U+FFFD.  Sets *used to the input bytes
 * taken and returns the output bytes made. */
typedef size_t convert_fn(const unsigned char *in, size_t n, size_t *used, unsigned char *out,
                          size_t cap, int at_end);

struct kind {
    const unsigned char *bom;
    size_t bomlen;
    convert_fn *convert;
};

struct uni {
    const struct kind *kind;
    int started;                /* a leading BOM has been looked for */
    unsigned char pend[8];      /* converted bytes that did not fit */
    size_t plen, ppos;
};

static inline size_t put_utf8(unsigned char *o, uint32_t c)
{
    if (c < 0x80) {
        o[0] = (unsigned char)c;
        return 1;
    }
    if (c < 0x800) {
        o[0] = (unsigned char)(0xC0 | c >> 6);
        o[1] = (unsigned char)(0x80 | (c & 0x3F));
        return 2;
    }
    if (c < 0x10000) {
        o[0] = (unsigned char)(0xE0 | c >> 12);
        o[1] = (unsigned char)(0x80 | (c >> 6 & 0x3F));
        o[2] = (unsigned char)(0x80 | (c & 0x3F));
        return 3;
    }
    o[0] = (unsigned char)(0xF0 | c >> 18);
    o[1] = (unsigned char)(0x80 | (c >> 12 & 0x3F));
    o[2] = (unsigned char)(0x80 | (c >> 6 & 0x3F));
    o[3] = (unsigned char)(0x80 | (c & 0x3F));
    return 4;
}

static inline uint32_t load16(const unsigned char *p, int be)
{
    return be ? (uint32_t)p[0] << 8 | p[1] : p[0] | (uint32_t)p[1] << 8;
}

static inline uint32_t load32(const unsigned char *p, int be)
{
    return be ? (uint32_t)p[0] << 24 | (uint32_t)p[1] << 16 | (uint32_t)p[2] << 8 | p[3]
              : bs_le32(p);
}

/* The ASCII fast path: 16 UTF-16 units that are all below 0x80 become 16
 * bytes.  Fixed-size loops over a local copy, which the compiler turns
 * into a few vector instructions. */
static inline int ascii16(const unsigned char *in, unsigned char *out, int be)
{
    uint16_t u[16], acc = 0;
    memcpy(u, in, sizeof u);
    int swap = be != HOST_BE;
    for (int k = 0; k < 16; k++)
        acc |= u[k];
    if (acc & (swap ? 0x80FF : 0xFF80))
        return 0;
    for (int k = 0; k < 16; k++)
        out[k] = (unsigned char)(swap ? u[k] >> 8 : u[k]);
    return 1;
}

static inline int ascii32(const unsigned char *in, unsigned char *out, int be)
{
    uint32_t u[8], acc = 0;
    memcpy(u, in, sizeof u);
    int swap = be != HOST_BE;
    for (int k = 0; k < 8; k++)
        acc |= u[k];
    if (acc & (swap ? 0x80FFFFFFu : 0xFFFFFF80u))
        return 0;
    for (int k = 0; k < 8; k++)
        out[k] = (unsigned char)(swap ? u[k] >> 24 : u[k]);
    return 1;
}

static inline size_t utf16_convert(const unsigned char *in, size_t n, size_t *used,
                                   unsigned char *out, size_t cap, int at_end, int be)
{
    size_t i = 0, o = 0;
    for (;;) {
        while (n - i >= 32 && cap - o >= 16 && ascii16(in + i, out + o, be)) {
            i += 32;
            o += 16;
        }
        /* one block's worth one by one, then the fast path again */
        for (size_t k = 0; k < 16; k++) {
            if (cap - o < 4)
                goto done;
            if (n - i < 2) {
                if (at_end && n > i) {
                    o += put_utf8(out + o, REPLACEMENT);
                    i = n;
                }
                goto done;
            }
            uint32_t u = load16(in + i, be);
            i += 2;
            if (u < 0x80) {
                out[o++] = (unsigned char)u;
                continue;
            }
            if (u - 0xD800 < 0x800) {
                if (u < 0xDC00) {
                    if (n - i < 2 && !at_end) {
                        i -= 2;   /* the low half is in the next window */
                        goto done;
                    }
                    uint32_t v = n - i >= 2 ? load16(in + i, be) : 0;
                    if (v - 0xDC00 < 0x400) {
                        i += 2;
                        o += put_utf8(out + o, 0x10000 + ((u - 0xD800) << 10) + (v - 0xDC00));
                        continue;
                    }
                }
                u = REPLACEMENT;
            }
            o += put_utf8(out + o, u);
        }
    }
done:
    *used = i;
    return o;
}

static inline size_t utf32_convert(const unsigned char *in, size_t n, size_t *used,
                                   unsigned char *out, size_t cap, int at_end, int be)
{
    size_t i = 0, o = 0;
    for (;;) {
        while (n - i >= 32 && cap - o >= 8 && ascii32(in + i, out + o, be)) {
            i += 32;
            o += 8;
        }
        for (size_t k = 0; k < 8; k++) {
            if (cap - o < 4)
                goto done;
            if (n - i < 4) {
                if (at_end && n > i) {
                    o += put_utf8(out + o, REPLACEMENT);
                    i = n;
                }
                goto done;
            }
            uint32_t c = load32(in + i, be);
            i += 4;
            if (c > 0x10FFFF || c - 0xD800 < 0x800)
                c = REPLACEMENT;
            o += put_utf8(out + o, c);
        }
    }
done:
    *used = i;
    return o;
}

static size_t utf16le_convert(const unsigned char *in, size_t n, size_t *used,
                              unsigned char *out, size_t cap, int at_end)
{
    return utf16_convert(in, n, used, out, cap, at_end, 0);
}

static size_t utf16be_convert(const unsigned char *in, size_t n, size_t *used,
                              unsigned char *out, size_t cap, int at_end)
{
    return utf16_convert(in, n, used, out, cap, at_end, 1);
}

static size_t utf32le_convert(const unsigned char *in, size_t n, size_t *used,
                              unsigned char *out, size_t cap, int at_end)
{
    return utf32_convert(in, n, used, out, cap, at_end, 0);
}

static size_t utf32be_convert(const unsigned char *in, size_t n, size_t *used,
                              unsigned char *out, size_t cap, int at_end)
{
    return utf32_convert(in, n, used, out, cap, at_end, 1);
}

static const unsigned char bom8[] = {0xEF, 0xBB, 0xBF};
static const unsigned char bom16le[] = {0xFF, 0xFE}, bom16be[] = {0xFE, 0xFF};
static const unsigned char bom32le[] = {0xFF, 0xFE, 0, 0}, bom32be[] = {0, 0, 0xFE, 0xFF};

static const struct kind k16le = {bom16le, 2, utf16le_convert};
static const struct kind k16be = {bom16be, 2, utf16be_convert};
static const struct kind k32le = {bom32le, 4, utf32le_convert};
static const struct kind k32be = {bom32be, 4, utf32be_convert};

static int has_bom(const unsigned char *p, size_t len, const unsigned char *bom, size_t n)
{
    return len >= n && memcmp(p, bom, n) == 0;
}

/* A BOM is all these layers bid on: 8 bits per byte of it, so that the
 * UTF-32LE mark (FF FE 00 00) beats the UTF-16LE one it begins with. */
static int bid8(const unsigned char *p, size_t len, int at_end)
{
    (void)at_end;
    return has_bom(p, len, bom8, 3) ? 24 : 0;
}
static int bid16le(const unsigned char *p, size_t len, int at_end)
{
    (void)at_end;
    return has_bom(p, len, bom16le, 2) ? 16 : 0;
}
static int bid16be(const unsigned char *p, size_t len, int at_end)
{
    (void)at_end;
    return has_bom(p, len, bom16be, 2) ? 16 : 0;
}
static int bid32le(const unsigned char *p, size_t len, int at_end)
{
    (void)at_end;
    return has_bom(p, len, bom32le, 4) ? 32 : 0;
}
static int bid32be(const unsigned char *p, size_t len, int at_end)
{
    (void)at_end;
    return has_bom(p, len, bom32be, 4) ? 32 : 0;
}

/* UTF-8: the BOM is consumed here, and the layer then passes the windows
 * of the layer below through (no read): no copy at all. */
static int utf8_init(struct bs_layer *l)
{
    const unsigned char *p;
    size_t n;
    bs_layer_peek(l->below, sizeof bom8, &p, &n);
    if (has_bom(p, n, bom8, sizeof bom8))
        bs_layer_consume(l->below, sizeof bom8);
    /* a failure of the layer below sticks there and comes at the first read */
    return BS_OK;
}

static int uni_init(struct bs_layer *l, const struct kind *k)
{
    struct uni *u = calloc(1, sizeof *u);
    if (!u)
        return bs_decode_fail(l, BS_ENOMEM, "out of memory");
    u->kind = k;
    l->state = u;
    return BS_OK;
}

static int init16le(struct bs_layer *l) { return uni_init(l, &k16le); }
static int init16be(struct bs_layer *l) { return uni_init(l, &k16be); }
static int init32le(struct bs_layer *l) { return uni_init(l, &k32le); }
static int init32be(struct bs_layer *l) { return uni_init(l, &k32be); }

static void uni_close(struct bs_layer *l)
{
    free(l->state);
    l->state = NULL;
}

static int uni_read(struct bs_layer *l, unsigned char *dst, size_t cap, size_t *got)
{
    struct uni *u = l->state;
    const struct kind *k = u->kind;
    const unsigned char *p;
    size_t n, made = 0;
    /* the rest of a character that did not fit last time */
    while (u->ppos < u->plen && made < cap)
        dst[made++] = u->pend[u->ppos++];
    if (made == cap) {
        *got = made;
        return BS_OK;
    }
    if (!u->started) {
        int rc = bs_layer_peek(l->below, k->bomlen, &p, &n);
        if (rc < 0 && n == 0) {
            *got = made;
            return rc;
        }
        u->started = 1;
        if (has_bom(p, n, k->bom, k->bomlen))
            bs_layer_consume(l->below, k->bomlen);
    }
    size_t need = 1;
    for (;;) {
        int rc = bs_layer_peek(l->below, need, &p, &n);
        if (n == 0) {
            *got = made;
            return rc == BS_END && made ? BS_OK : rc;
        }
        int at_end = rc != BS_OK || n < need;
        size_t used, o;
        if (cap - made >= 8) {
            o = k->convert(p, n, &used, dst + made, cap - made, at_end);
        } else {
            /* too little room for a whole character: convert one into
             * pend and hand out what fits */
            o = k->convert(p, n, &used, u->pend, sizeof u->pend, at_end);
            u->plen = o;
            u->ppos = 0;
            while (u->ppos < u->plen && made < cap)
                dst[made++] = u->pend[u->ppos++];
            o = 0;
        }
        bs_layer_consume(l->below, used);
        made += o;
        if (made) {
            *got = made;
            /* a failure below comes once its bytes are all converted and
             * handed out */
            return rc < 0 && used == n && u->ppos == u->plen ? rc : BS_OK;
        }
        /* nothing made: past an incomplete sequence, look further */
        need = used ? 1 : n + 1;
    }
}

const struct bs_layer_ops bs_utf8_ops = {
    .version = BS_OPS_VERSION,
    .name = "utf-8",
    .flags = BS_OPS_TEXT,
    .bid = bid8,
    .init = utf8_init,
};

#define UNI_OPS(var, nm, bidfn, initfn)                                         \
    const struct bs_layer_ops var = {                                           \
        .version = BS_OPS_VERSION,                                              \
        .name = nm,                                                             \
        .flags = BS_OPS_TEXT,                                                   \
        .bid = bidfn,                                                           \
        .init = initfn,                                                         \
        .read = uni_read,                                                       \
        .close = uni_close,                                                     \
    }

UNI_OPS(bs_utf16le_ops, "utf-16le", bid16le, init16le);
UNI_OPS(bs_utf16be_ops, "utf-16be", bid16be, init16be);
UNI_OPS(bs_utf32le_ops, "utf-32le", bid32le, init32le);
UNI_OPS(bs_utf32be_ops, "utf-32be", bid32be, init32be);

/* The UTF-16 guess (documented with bs_detect): in the sample, every
 * code unit is a character of text (no U+0000, no C0 control other than
 * tab, newline, vertical tab, form feed, carriage return and escape, no
 * unpaired surrogate, no U+FFFE or U+FFFF), and at least half of them,
 * and at least two, are ASCII, so that the other byte of each is a NUL. */
static int looks_utf16(const unsigned char *p, size_t n, int be)
{
    size_t units = (n < BS_GUESS_BYTES ? n : BS_GUESS_BYTES) / 2, ascii = 0;
    if (units < 2)
        return 0;
    for (size_t i = 0; i < units; i++) {
        uint32_t u = load16(p + 2 * i, be);
        if (u < 0x80) {
            if (u < 0x20 && !(u >= '\t' && u <= '\r') && u != 0x1B)
                return 0;
            ascii++;
        } else if (u - 0xD800 < 0x400) {
            if (i + 1 == units)
                break;   /* the low half lies past the sample */
            if (load16(p + 2 * i + 2, be) - 0xDC00 >= 0x400)
                return 0;
            i++;
        } else if (u - 0xDC00 < 0x400 || u >= 0xFFFE) {
            return 0;
        }
    }
    return ascii >= 2 && ascii * 2 >= units;
}

const struct bs_layer_ops *bs_utf16_guess(const unsigned char *p, size_t n)
{
    if (looks_utf16(p, n, 0))
        return &bs_utf16le_ops;
    if (looks_utf16(p, n, 1))
        return &bs_utf16be_ops;
    return NULL;
}
