/* gzip (RFC 1952): every member of a multi-member file, header fields
 * parsed here, CRC32 and ISIZE checked, zero padding after the last member
 * ignored and anything else after it reported.  The deflate data itself is
 * inflated by ISA-L where the library was built with it (about 2.4 times
 * zlib's speed on text) and by zlib otherwise; "gzip-zlib" forces zlib so
 * that both engines stay tested. */
#include "bs_private.h"

#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <zlib.h>
#ifdef HAVE_ISAL
#include <isa-l/igzip_lib.h>
#endif

enum { FTEXT = 1, FHCRC = 2, FEXTRA = 4, FNAME = 8, FCOMMENT = 16, FRESERVED = 0xe0 };

enum phase { HEADER, BODY, TRAILER, AFTER };

struct gz {
    int use_isal;
    enum phase phase;
    z_stream z;
    int z_ready;
#ifdef HAVE_ISAL
    struct inflate_state *isal;
#endif
    uint32_t crc;       /* of the current member's output (zlib engine) */
    uint32_t isize;     /* its length mod 2^32 */
    uint64_t in_pos;    /* bytes consumed from the layer below */
    unsigned members;
    /* ISA-L engine: its bit buffer reads up to 8 bytes ahead, and the
     * deflate data can end (in a later call, once buffered output is out)
     * with some of them belonging to the trailer.  So the last `held`
     * bytes it has taken stay unconsumed in the layer below until the
     * end is known; `in_done`: the end was seen, only output is left. */
    size_t held;
    int in_done;
};

/* Checks the fixed part of a member header and the first deflate block's
 * type; returns the bits checked, 0 if this is not a gzip member. */
static int header_bits(const unsigned char *p, size_t len)
{
    if (len < 2 || p[0] != 0x1f || p[1] != 0x8b)
        return 0;
    if (len < 3)
        return 16;
    if (p[2] != 8)
        return 0;
    if (len < 4)
        return 24;
    if (p[3] & FRESERVED)
        return 0;
    int bits = 27;
    /* With no optional fields the first deflate block starts at byte 10;
     * its type 3 is reserved, so that is not deflate data. */
    if (!(p[3] & (FEXTRA | FNAME | FCOMMENT | FHCRC)) && len > 10) {
        if (((p[10] >> 1) & 3) == 3)
            return 0;
        bits += 2;
    }
    return bits;
}

static int gz_bid(const unsigned char *head, size_t len, int at_end)
{
    (void)at_end;
    int bits = header_bits(head, len);
    /* a whole header is 10 bytes: anything shorter is a text file that
     * happens to begin with these bytes */
    return len >= 10 ? bits : 0;
}

static int below_peek(struct bs_layer *l, size_t min, const unsigned char **p, size_t *n)
{
    return bs_layer_peek(l->below, min, p, n);
}

static void below_consume(struct bs_layer *l, struct gz *g, size_t n)
{
    bs_layer_consume(l->below, n);
    g->in_pos += n;
}

/* Parses a member header at the current input position and consumes it. */
static int parse_header(struct bs_layer *l, struct gz *g)
{
    const unsigned char *p;
    size_t n;
    int rc = below_peek(l, 10, &p, &n);
    if (rc < 0)
        return rc;
    if (n < 10)
        return bs_decode_fail(l, BS_EFORMAT, "unexpected end of stream in a member header");
    if (header_bits(p, n) == 0)
        return bs_decode_fail(l, BS_EFORMAT, "invalid member header at byte %llu",
                              (unsigned long long)g->in_pos);
    unsigned flags = p[3];
    size_t off = 10;
    if (flags & FEXTRA) {
        rc = below_peek(l, off + 2, &p, &n);
        if (rc < 0)
            return rc;
        if (n < off + 2)
            return bs_decode_fail(l, BS_EFORMAT, "unexpected end of stream in a member header");
        off += 2 + (size_t)(p[off] | p[off + 1] << 8);
    }
    for (unsigned f = FNAME; f <= FCOMMENT; f <<= 1) {
        if (!(flags & f))
            continue;
        /* a NUL-terminated string of any length: look further as needed */
        size_t from = off;
        for (;;) {
            rc = below_peek(l, from + 1, &p, &n);
            if (rc < 0)
                return rc;
            if (n <= from)
                return bs_decode_fail(l, BS_EFORMAT,
                                      "unexpected end of stream in a member header");
            const unsigned char *z = memchr(p + from, 0, n - from);
            if (z) {
                off = (size_t)(z - p) + 1;
                break;
            }
            from = n;
        }
    }
    if (flags & FHCRC) {
        rc = below_peek(l, off + 2, &p, &n);
        if (rc < 0)
            return rc;
        if (n < off + 2)
            return bs_decode_fail(l, BS_EFORMAT, "unexpected end of stream in a member header");
        uLong want = p[off] | (uLong)p[off + 1] << 8;
        uLong crc = crc32(0, Z_NULL, 0);
        for (size_t done = 0; done < off;) {
            uInt k = off - done > UINT_MAX ? UINT_MAX : (uInt)(off - done);
            crc = crc32(crc, p + done, k);
            done += k;
        }
        if ((crc & 0xffff) != want)
            return bs_decode_fail(l, BS_EFORMAT, "header CRC mismatch");
        off += 2;
    }
    rc = below_peek(l, off, &p, &n);
    if (rc < 0)
        return rc;
    if (n < off)
        return bs_decode_fail(l, BS_EFORMAT, "unexpected end of stream in a member header");
    below_consume(l, g, off);
    g->crc = (uint32_t)crc32(0, Z_NULL, 0);
    g->isize = 0;
    g->members++;
    if (!g->use_isal) {
        if (inflateReset(&g->z) != Z_OK)
            return bs_decode_fail(l, BS_EFORMAT, "inflate: cannot reset");
    }
#ifdef HAVE_ISAL
    else {
        isal_inflate_reset(g->isal);
        g->isal->crc_flag = ISAL_GZIP_NO_HDR;
        g->held = 0;
        g->in_done = 0;
    }
#endif
    g->phase = BODY;
    return BS_OK;
}

/* Inflates from input p[0..n) into out[0..cap); *used and *made say how
 * much was taken and produced, *keep how many of the bytes taken (counting
 * those held from earlier calls) must stay unconsumed below.  Returns 1 at
 * the end of the deflate data, 0 to go on, or a negative status. */
static int inflate_some(struct bs_layer *l, struct gz *g, const unsigned char *p, size_t n,
                        unsigned char *out, size_t cap, size_t *used, size_t *made, size_t *keep)
{
    uint32_t in = n > (1u << 30) ? 1u << 30 : (uint32_t)n;
    uint32_t room = cap > (1u << 30) ? 1u << 30 : (uint32_t)cap;
    *keep = 0;
#ifdef HAVE_ISAL
    if (g->use_isal) {
        struct inflate_state *s = g->isal;
        if (g->in_done)
            in = 0;
        s->next_in = (uint8_t *)p;
        s->avail_in = in;
        s->next_out = out;
        s->avail_out = room;
        int rc = isal_inflate(s);
        *used = in - s->avail_in;
        *made = room - s->avail_out;
        /* ISA-L's decoder (2.30) moves its output pointer past a copy
         * before it checks the copy's distance: on a bad distance or
         * distance code, up to 258 bytes it never wrote (stale buffer
         * contents) end what it reports.  Those are dropped, with any good
         * ones among them, as the stream is broken anyway. */
        if (rc == ISAL_INVALID_SYMBOL || rc == ISAL_INVALID_LOOKBACK)
            *made = *made > 258 ? *made - 258 : 0;
        switch (rc) {
        case ISAL_DECOMP_OK:
        case ISAL_END_INPUT:
        case ISAL_OUT_OVERFLOW:
            break;
        case ISAL_INVALID_BLOCK:
            return bs_decode_fail(l, BS_EFORMAT, "inflate: invalid block");
        case ISAL_INVALID_SYMBOL:
            return bs_decode_fail(l, BS_EFORMAT, "inflate: invalid code");
        case ISAL_INVALID_LOOKBACK:
            return bs_decode_fail(l, BS_EFORMAT, "inflate: invalid distance too far back");
        default:
            return bs_decode_fail(l, BS_EFORMAT, "inflate: corrupt data (ISA-L error %d)", rc);
        }
        size_t taken = g->held + *used;
        if (!g->in_done && (s->block_state == ISAL_BLOCK_INPUT_DONE ||
                            s->block_state == ISAL_BLOCK_FINISH)) {
            /* whole bytes still in the bit buffer follow the deflate data:
             * they are the trailer's, left below for it (never more than
             * were held back, as the buffer holds at most 8) */
            size_t back = (size_t)(s->read_in_length > 0 ? s->read_in_length / 8 : 0);
            *keep = back < taken ? back : taken;
            g->in_done = 1;
        } else if (!g->in_done) {
            *keep = taken < 8 ? taken : 8;
        }
        if (s->block_state == ISAL_BLOCK_FINISH) {
            g->crc = s->crc;
            g->isize = s->total_out;
            return 1;
        }
        return 0;
    }
#endif
    z_stream *z = &g->z;
    z->next_in = (Bytef *)p;
    z->avail_in = in;
    z->next_out = out;
    z->avail_out = room;
    int rc = inflate(z, Z_NO_FLUSH);
    *used = in - z->avail_in;
    *made = room - z->avail_out;
    if (*made) {
        g->crc = (uint32_t)crc32(g->crc, out, (uInt)*made);
        g->isize += (uint32_t)*made;
    }
    switch (rc) {
    case Z_STREAM_END:
        return 1;
    case Z_OK:
    case Z_BUF_ERROR: /* no progress possible: more input is needed */
        return 0;
    case Z_MEM_ERROR:
        return bs_decode_fail(l, BS_ENOMEM, "inflate: out of memory");
    default:
        return bs_decode_fail(l, BS_EFORMAT, "inflate: %s", z->msg ? z->msg : "corrupt data");
    }
}

static int check_trailer(struct bs_layer *l, struct gz *g)
{
    const unsigned char *p;
    size_t n;
    int rc = below_peek(l, 8, &p, &n);
    if (rc < 0)
        return rc;
    if (n < 8)
        return bs_decode_fail(l, BS_EFORMAT, "unexpected end of stream in a member trailer");
    uint32_t crc = p[0] | p[1] << 8 | p[2] << 16 | (uint32_t)p[3] << 24;
    uint32_t len = p[4] | p[5] << 8 | p[6] << 16 | (uint32_t)p[7] << 24;
    if (crc != g->crc)
        return bs_decode_fail(l, BS_EFORMAT, "CRC mismatch in member %u (stored %08x, computed %08x)",
                              g->members, crc, g->crc);
    if (len != g->isize)
        return bs_decode_fail(l, BS_EFORMAT, "length mismatch in member %u (stored %u, decoded %u)",
                              g->members, len, g->isize);
    below_consume(l, g, 8);
    g->phase = AFTER;
    return BS_OK;
}

/* After a member: the next member, zero padding, the end, or garbage. */
static int after_member(struct bs_layer *l, struct gz *g)
{
    const unsigned char *p;
    size_t n;
    int rc = below_peek(l, 1, &p, &n);
    if (rc == BS_END)
        return BS_END;
    if (rc < 0)
        return rc;
    if (p[0] == 0x1f) {
        /* 11 bytes, so that header_bits sees the first block's type
         * however the input is split (an answer that depended on the
         * split would make the same bytes garbage or a broken member) */
        rc = below_peek(l, 11, &p, &n);
        if (rc < 0)
            return rc;
        if (header_bits(p, n) && n >= 10) {
            g->phase = HEADER;
            return BS_OK;
        }
    } else if (p[0] == 0) {
        /* padding, as tape and block devices leave: only zeros may follow */
        for (;;) {
            size_t z = 0;
            while (z < n && p[z] == 0)
                z++;
            if (z < n) {
                return bs_decode_fail(l, BS_EFORMAT, "trailing garbage at byte %llu ignored",
                                      (unsigned long long)(g->in_pos + z));
            }
            below_consume(l, g, n);
            rc = below_peek(l, 1, &p, &n);
            if (rc == BS_END)
                return BS_END;
            if (rc < 0)
                return rc;
        }
    }
    return bs_decode_fail(l, BS_EFORMAT, "trailing garbage at byte %llu ignored",
                          (unsigned long long)g->in_pos);
}

static int gz_read(struct bs_layer *l, unsigned char *dst, size_t cap, size_t *got)
{
    struct gz *g = l->state;
    size_t made_total = 0;
    int rc = BS_OK;
    while (made_total < cap) {
        if (g->phase == HEADER) {
            rc = parse_header(l, g);
        } else if (g->phase == TRAILER) {
            rc = check_trailer(l, g);
        } else if (g->phase == AFTER) {
            rc = after_member(l, g);
        } else {
            const unsigned char *p;
            size_t n, used = 0, made = 0, keep = 0;
            /* the held bytes are at the start of the window below */
            int prc = below_peek(l, g->held + 1, &p, &n);
            if (prc < 0) {
                rc = prc;
                break;
            }
            size_t fresh = n > g->held ? n - g->held : 0;
            int end = inflate_some(l, g, p + g->held, fresh, dst + made_total, cap - made_total,
                                   &used, &made, &keep);
            below_consume(l, g, g->held + used - keep);
            g->held = g->in_done ? 0 : keep;
            made_total += made;
            if (end < 0) {
                rc = end;
                break;
            }
            if (end == 1) {
                g->phase = TRAILER;
            } else if (used == 0 && made == 0) {
                /* fewer bytes than asked for: the end of the input */
                if (fresh == 0)
                    rc = bs_decode_fail(l, BS_EFORMAT, "unexpected end of stream");
                else
                    rc = bs_decode_fail(l, BS_EFORMAT, "inflate: no progress");
                break;
            }
            continue;
        }
        if (rc != BS_OK)
            break;
    }
    *got = made_total;
    if (rc == BS_END && made_total)
        rc = BS_OK;  /* the end is reported by the next call */
    if (rc == BS_END)
        return BS_END;
    return rc;
}

static int gz_init_engine(struct bs_layer *l, int use_isal)
{
    struct gz *g = calloc(1, sizeof *g);
    if (!g)
        return bs_decode_fail(l, BS_ENOMEM, "out of memory");
    l->state = g;
    snprintf(l->label, sizeof l->label, "gzip");
    g->use_isal = use_isal;
    g->phase = HEADER;
#ifdef HAVE_ISAL
    if (use_isal) {
        /* zeroed: see inflate_some on what ISA-L may hand out of it */
        g->isal = calloc(1, sizeof *g->isal);
        if (!g->isal)
            return bs_decode_fail(l, BS_ENOMEM, "out of memory");
        isal_inflate_init(g->isal);
        return BS_OK;
    }
#endif
    if (inflateInit2(&g->z, -15) != Z_OK)
        return bs_decode_fail(l, BS_ENOMEM, "inflate: cannot initialise");
    g->z_ready = 1;
    return BS_OK;
}

static int gz_init(struct bs_layer *l)
{
#ifdef HAVE_ISAL
    return gz_init_engine(l, 1);
#else
    return gz_init_engine(l, 0);
#endif
}

static int gz_init_zlib(struct bs_layer *l)
{
    return gz_init_engine(l, 0);
}

static void gz_close(struct bs_layer *l)
{
    struct gz *g = l->state;
    if (!g)
        return;
    if (g->z_ready)
        inflateEnd(&g->z);
#ifdef HAVE_ISAL
    free(g->isal);
#endif
    free(g);
    l->state = NULL;
}

const struct bs_layer_ops bs_gzip_ops = {
    .version = BS_OPS_VERSION,
    .name = "gzip",
    .flags = BS_OPS_DECODES,
    .bid = gz_bid,
    .init = gz_init,
    .read = gz_read,
    .close = gz_close,
};

/* Not in the bidding: pushed by name only. */
const struct bs_layer_ops bs_gzip_zlib_ops = {
    .version = BS_OPS_VERSION,
    .name = "gzip-zlib",
    .flags = BS_OPS_DECODES,
    .init = gz_init_zlib,
    .read = gz_read,
    .close = gz_close,
};
