/* zip: members by the central directory when the archive is a file that
 * can be read at any offset, by the local headers in order otherwise (on a
 * pipe, inside a gzip or another zip), with data descriptors.  Stored and
 * deflate members are decoded here; bzip2, xz and zstd members by those
 * layers, and lzma by liblzma, each on a private layer that reads the
 * member's compressed bytes.  Every member's CRC-32 and size are checked.
 *
 * Hostile archives: every offset and size in the central directory is
 * checked against the file before use, members whose data overlap (one
 * compressed kernel shared by many entries: the "better zip bomb") make
 * the archive refused, the number of entries is capped (zip_max_entries),
 * and what members decode counts against the decoded-bytes budget. */
#define _POSIX_C_SOURCE 200809L
#include "bs_private.h"
#include "xmltext.h"

#include <lzma.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <zlib.h>

#define SIG_LOCAL 0x04034b50u
#define SIG_CENTRAL 0x02014b50u
#define SIG_END 0x06054b50u
#define SIG_END64 0x06064b50u
#define SIG_LOC64 0x07064b50u
#define SIG_DESC 0x08074b50u

#define LOCAL_LEN 30
#define CENTRAL_LEN 46
#define END_LEN 22
#define INBUF (64u << 10)

enum { M_STORED = 0, M_DEFLATE = 8, M_BZIP2 = 12, M_LZMA = 14, M_ZSTD = 93, M_XZ = 95 };

struct entry {
    const unsigned char *name;   /* in the central directory buffer */
    size_t name_len;
    uint16_t flags, method;
    uint32_t crc;
    uint64_t csize, usize, offset;
};

struct docpart {
    char *member;   /* the name it is shown by */
    char *part;     /* the zip member it comes from */
    int kind;       /* BS_XT_* */
};

struct zip {
    struct bs_layer *self;
    int stream;              /* reading local headers in order */
    int started, done;
    uint64_t size;           /* of the archive (central directory mode) */
    /* central directory */
    unsigned char *cd;
    struct entry *ent;
    size_t nent, next;
    /* the current member */
    struct entry cur;
    char *name;
    int have;                /* a member is current */
    int ended;               /* its data has all been produced and checked */
    int bad;                 /* it cannot be read: its read() fails */
    char why[96];            /* ... saying this */
    uint64_t data_off;       /* central directory mode: its data in the base */
    uint64_t raw_left;       /* compressed bytes not yet taken */
    int descriptor, zip64;   /* streaming: sizes follow the data */
    uint32_t crc;
    uint64_t out;
    z_stream zs;
    int zs_ready;
    unsigned char *inbuf;    /* compressed bytes read at an offset */
    size_t in_len;
    struct bs_layer *raw, *dec;   /* private layers for other methods */
    uint64_t pos;            /* streaming: bytes consumed from below */
    char late[160];          /* a directory failure, reported after the members */
    unsigned char *spool;    /* a document read from a stream, whole */
    /* documents (docx, xlsx, pptx, odt, ods, odp): see the section below */
    int doc;
    struct docpart *dp;
    size_t ndp, dnext;
    bs_xt *xt;               /* the extractor of the part being read */
    bs_xt *strings;          /* xlsx: the shared strings */
    int part_open, part_done, pending, member_done;
    unsigned char *feed;     /* decoded part bytes not yet fed */
    size_t feed_pos, feed_len;
    char *docname;           /* the current document member's name */
};

static uint16_t le16(const unsigned char *p) { return (uint16_t)(p[0] | p[1] << 8); }
static uint64_t le64(const unsigned char *p) { return bs_le32(p) | (uint64_t)bs_le32(p + 4) << 32; }

/* The failure of a layer below l, if one failed: its message stands, and
 * a CRC mismatch it caused is not worth one of its own. */
static int below_status(struct bs_layer *l)
{
    for (struct bs_layer *b = l->below; b; b = b->below) {
        if (b->status >= 0)
            continue;
        /* a container below keeps its message: a member's failure
         * since may have written over it */
        if (b->failmsg)
            snprintf(l->src->err, sizeof l->src->err, "%s", b->failmsg);
        return b->status;
    }
    return BS_OK;
}

static int zip_bid(const unsigned char *p, size_t len, int at_end)
{
    (void)at_end;
    if (len >= LOCAL_LEN && bs_le32(p) == SIG_LOCAL) {
        uint16_t method = le16(p + 8), version = le16(p + 4);
        if (version > 100 || (method > 20 && method != M_ZSTD && method != M_XZ && method != 98 &&
                              method != 99))
            return 0;
        return 40;
    }
    /* an empty archive is its end record alone */
    if (len == END_LEN && at_end && bs_le32(p) == SIG_END && le16(p + 8) == 0)
        return 32;
    return 0;
}

/* The base, if it offers random access and the zip sits right on it. */
static struct bs_layer *base_below(struct bs_layer *l)
{
    struct bs_layer *b = l->below;
    return !b->below && b->ops->read_at && b->ops->size ? b : NULL;
}

/* The whole archive in memory, when it is: a spooled document or a
 * mapped (or memory) base. */
static const unsigned char *whole(struct bs_layer *l)
{
    struct zip *z = l->state;
    return z->spool ? z->spool : z->stream ? NULL : l->below->direct;
}

static int read_at(struct bs_layer *l, uint64_t off, void *buf, size_t n)
{
    struct zip *z = l->state;
    if (z->spool) {
        if (off > z->size || z->size - off < n)
            return bs_decode_fail(l, BS_EFORMAT, "unexpected end of archive at byte %llu",
                                  (unsigned long long)z->size);
        memcpy(buf, z->spool + off, n);
        return BS_OK;
    }
    struct bs_layer *b = l->below;
    size_t got = 0;
    int rc = b->ops->read_at(b, off, buf, n, &got);
    if (rc < 0)
        return rc;
    if (got < n)
        return bs_decode_fail(l, BS_EFORMAT, "unexpected end of archive at byte %llu",
                              (unsigned long long)(off + got));
    return BS_OK;
}

/* The zip64 extra field (id 1) replaces the sizes and offset that are
 * 0xFFFFFFFF, in that order. */
static int zip64_extra(const unsigned char *x, size_t n, uint64_t *usize, uint64_t *csize,
                       uint64_t *offset)
{
    while (n >= 4) {
        uint16_t id = le16(x), len = le16(x + 2);
        if ((size_t)len + 4 > n)
            return -1;
        if (id == 1) {
            const unsigned char *v = x + 4;
            size_t k = len;
            uint64_t *f[3] = {usize, csize, offset};
            for (int i = 0; i < 3; i++) {
                if (!f[i] || *f[i] != 0xFFFFFFFFu)
                    continue;
                if (k < 8)
                    return -1;
                *f[i] = le64(v);
                v += 8;
                k -= 8;
            }
            return 1;
        }
        x += 4 + len;
        n -= 4 + (size_t)len;
    }
    return 0;
}

static int by_offset(const void *a, const void *b)
{
    const struct entry *x = *(struct entry *const *)a, *y = *(struct entry *const *)b;
    return x->offset < y->offset ? -1 : x->offset > y->offset;
}

/* Finds and checks the central directory: the end record in the last
 * 64 KiB + 22 bytes, the zip64 one if it points there, then every entry. */
static int read_directory(struct bs_layer *l, struct zip *z)
{
    uint64_t size = z->size;
    size_t tail = size < 65557 ? (size_t)size : 65557;
    unsigned char *t = malloc(tail ? tail : 1);
    if (!t)
        return bs_decode_fail(l, BS_ENOMEM, "out of memory");
    int rc = read_at(l, size - tail, t, tail);
    if (rc < 0) {
        free(t);
        return rc;
    }
    size_t e = tail >= END_LEN ? tail - END_LEN + 1 : 0;
    int found = 0;
    while (!found && e-- > 0)
        found = bs_le32(t + e) == SIG_END && e + END_LEN + le16(t + e + 20) <= tail;
    if (!found) {
        free(t);
        return bs_decode_fail(l, BS_EFORMAT, "no central directory (end record not found)");
    }
    uint64_t end_at = size - tail + e;
    uint64_t count = le16(t + e + 10), cd_size = bs_le32(t + e + 12), cd_off = bs_le32(t + e + 16);
    if (e >= 20 && bs_le32(t + e - 20) == SIG_LOC64) {
        uint64_t at = le64(t + e - 20 + 8);
        unsigned char r[56];
        if (at > end_at || end_at - at < sizeof r) {
            free(t);
            return bs_decode_fail(l, BS_EFORMAT, "zip64 end record out of place");
        }
        rc = read_at(l, at, r, sizeof r);
        if (rc < 0) {
            free(t);
            return rc;
        }
        if (bs_le32(r) != SIG_END64) {
            free(t);
            return bs_decode_fail(l, BS_EFORMAT, "zip64 end record not found");
        }
        count = le64(r + 32);
        cd_size = le64(r + 40);
        cd_off = le64(r + 48);
        end_at = at;
    }
    free(t);
    if (cd_off > end_at || cd_size > end_at - cd_off)
        return bs_decode_fail(l, BS_EFORMAT, "central directory past the end of the file");
    uint64_t cap = l->src->opt.zip_max_entries;
    if (cap && count > cap)
        return bs_limit_fail(l, BS_LIMIT_ENTRIES, "%llu entries, more than %llu",
                             (unsigned long long)count, (unsigned long long)cap);
    if (count > cd_size / CENTRAL_LEN)
        return bs_decode_fail(l, BS_EFORMAT, "central directory too small for %llu entries",
                              (unsigned long long)count);
    z->cd = malloc(cd_size ? (size_t)cd_size : 1);
    z->ent = calloc(count ? (size_t)count : 1, sizeof *z->ent);
    struct entry **order = calloc(count ? (size_t)count : 1, sizeof *order);
    if (!z->cd || !z->ent || !order) {
        free(order);
        return bs_decode_fail(l, BS_ENOMEM, "out of memory");
    }
    rc = read_at(l, cd_off, z->cd, (size_t)cd_size);
    size_t at = 0;
    for (uint64_t i = 0; rc >= 0 && i < count; i++) {
        const unsigned char *c = z->cd + at;
        if (cd_size - at < CENTRAL_LEN || bs_le32(c) != SIG_CENTRAL) {
            rc = bs_decode_fail(l, BS_EFORMAT, "bad central directory entry %llu",
                                (unsigned long long)i + 1);
            break;
        }
        size_t nl = le16(c + 28), xl = le16(c + 30), cl = le16(c + 32);
        if (cd_size - at - CENTRAL_LEN < nl + xl + cl) {
            rc = bs_decode_fail(l, BS_EFORMAT, "central directory entry %llu runs past its end",
                                (unsigned long long)i + 1);
            break;
        }
        struct entry *en = &z->ent[z->nent];
        en->flags = le16(c + 8);
        en->method = le16(c + 10);
        en->crc = bs_le32(c + 16);
        en->csize = bs_le32(c + 20);
        en->usize = bs_le32(c + 24);
        en->offset = bs_le32(c + 42);
        en->name = c + CENTRAL_LEN;
        en->name_len = nl;
        if (zip64_extra(c + CENTRAL_LEN + nl, xl, &en->usize, &en->csize, &en->offset) < 0) {
            rc = bs_decode_fail(l, BS_EFORMAT, "bad zip64 field in entry %llu",
                                (unsigned long long)i + 1);
            break;
        }
        at += CENTRAL_LEN + nl + xl + cl;
        /* the data of every entry lies before the central directory */
        if (en->offset > cd_off || cd_off - en->offset < LOCAL_LEN + (uint64_t)nl ||
            cd_off - en->offset - LOCAL_LEN - nl < en->csize) {
            rc = bs_decode_fail(l, BS_EFORMAT, "entry %llu (%.*s) lies outside the archive",
                                (unsigned long long)i + 1, (int)(nl > 200 ? 200 : nl), en->name);
            break;
        }
        order[z->nent++] = en;
    }
    if (rc >= 0) {
        /* one entry's data may not run into the next one's header */
        qsort(order, z->nent, sizeof *order, by_offset);
        for (size_t i = 1; i < z->nent; i++) {
            const struct entry *a = order[i - 1], *b = order[i];
            if (b->offset - a->offset < LOCAL_LEN + a->name_len + a->csize) {
                rc = bs_limit_fail(l, BS_LIMIT_OVERLAP, "members %.*s and %.*s overlap "
                                   "(a zip bomb?)", (int)(a->name_len > 200 ? 200 : a->name_len),
                                   a->name, (int)(b->name_len > 200 ? 200 : b->name_len),
                                   b->name);
                break;
            }
        }
    }
    free(order);
    return rc;
}

static int zip_init(struct bs_layer *l)
{
    struct zip *z = calloc(1, sizeof *z);
    if (!z)
        return bs_decode_fail(l, BS_ENOMEM, "out of memory");
    l->state = z;
    z->self = l;
    struct bs_layer *b = base_below(l);
    z->stream = !b || b->ops->size(b, &z->size) < 0;
    return BS_OK;
}

static void end_member(struct zip *z)
{
    if (z->zs_ready)
        inflateEnd(&z->zs);
    z->zs_ready = 0;
    struct bs_layer *ls[2] = {z->dec, z->raw};
    for (int i = 0; i < 2; i++) {
        if (!ls[i])
            continue;
        if (ls[i]->ops->close)
            ls[i]->ops->close(ls[i]);
        free(ls[i]->buf);
        free(ls[i]);
    }
    z->dec = z->raw = NULL;
    z->in_len = 0;
}

static void zip_close(struct bs_layer *l)
{
    struct zip *z = l->state;
    if (!z)
        return;
    end_member(z);
    for (size_t i = 0; i < z->ndp; i++) {
        free(z->dp[i].member);
        free(z->dp[i].part);
    }
    free(z->dp);
    bs_xt_free(z->xt);
    bs_xt_free(z->strings);
    free(z->feed);
    free(z->docname);
    free(z->spool);
    free(z->cd);
    free(z->ent);
    free(z->name);
    free(z->inbuf);
    free(z);
    l->state = NULL;
}

/* ---- the compressed bytes of the current member ------------------------ */

/* Consumes n bytes of the stream below (streaming mode). */
static int skip(struct bs_layer *l, struct zip *z, uint64_t n)
{
    int rc = bs_layer_skip(l->below, n, &z->pos);
    return rc == BS_END ? bs_decode_fail(l, BS_EFORMAT, "unexpected end of archive") : rc;
}

/* Points *p at up to `want` compressed bytes of the member (fewer at its
 * end), without taking them: take() does.  *n == 0 at the end. */
static int raw_peek(struct bs_layer *l, struct zip *z, const unsigned char **p, size_t *n)
{
    uint64_t left = z->raw_left;
    if (!z->stream) {
        const unsigned char *w = whole(l);
        if (w) {
            *p = w + z->data_off;
            *n = left > SIZE_MAX ? SIZE_MAX : (size_t)left;
            return BS_OK;
        }
        if (!z->inbuf && !(z->inbuf = malloc(INBUF)))
            return bs_decode_fail(l, BS_ENOMEM, "out of memory");
        if (z->in_len == 0 && left) {
            size_t k = left < INBUF ? (size_t)left : INBUF;
            int rc = read_at(l, z->data_off, z->inbuf, k);
            if (rc < 0)
                return rc;
            z->in_len = k;
        }
        *p = z->inbuf;
        *n = z->in_len;
        return BS_OK;
    }
    int rc = bs_layer_peek(l->below, 1, p, n);
    if (*n > left)
        *n = (size_t)left;
    return *n || rc >= 0 ? BS_OK : rc;
}

static void take(struct bs_layer *l, struct zip *z, size_t k)
{
    if (z->raw_left != UINT64_MAX)
        z->raw_left -= k;
    if (!z->stream) {
        /* read at offsets, not consumed: the budget counts it as input */
        if (!z->spool)
            l->src->input_at += k;
        z->data_off += k;
        if (!whole(l)) {
            memmove(z->inbuf, z->inbuf + k, z->in_len - k);
            z->in_len -= k;
        }
    } else {
        bs_layer_consume(l->below, k);
        z->pos += k;
    }
}

/* The private layer the decoders of other methods read: the member's
 * compressed bytes. */
static int data_read(struct bs_layer *r, unsigned char *dst, size_t cap, size_t *got)
{
    struct zip *z = r->state;
    struct bs_layer *l = z->self;
    const unsigned char *p;
    size_t n;
    *got = 0;
    if (z->raw_left == 0)
        return BS_END;
    int rc = raw_peek(l, z, &p, &n);
    if (rc < 0)
        return rc;
    if (n == 0)
        return bs_decode_fail(l, BS_EFORMAT, "unexpected end of archive in %s", z->name);
    size_t k = n < cap ? n : cap;
    if (!z->stream && !z->spool && l->below->direct) {
        int grc = bs_copy_guarded(l->src, dst, p, k);
        if (grc < 0)
            return grc;
    } else {
        memcpy(dst, p, k);
    }
    take(l, z, k);
    *got = k;
    return BS_OK;
}

static const struct bs_layer_ops data_ops = {
    .version = BS_OPS_VERSION,
    .name = "zip data",
    .read = data_read,
};

/* lzma (method 14): a 2-byte version, a 2-byte length, the LZMA1
 * properties, then raw LZMA1 data; the end is the member's size. */
struct zlzma {
    lzma_stream s;
    int ready;
    uint64_t left;
};

static int zl_init(struct bs_layer *l)
{
    struct zlzma *x = calloc(1, sizeof *x);
    if (!x)
        return bs_decode_fail(l, BS_ENOMEM, "out of memory");
    l->state = x;
    return BS_OK;
}

static void zl_close(struct bs_layer *l)
{
    struct zlzma *x = l->state;
    if (x && x->ready)
        lzma_end(&x->s);
    free(x);
    l->state = NULL;
}

static int zl_read(struct bs_layer *l, unsigned char *dst, size_t cap, size_t *got)
{
    struct zlzma *x = l->state;
    const unsigned char *p;
    size_t n;
    *got = 0;
    if (!x->ready) {
        int rc = bs_layer_peek(l->below, 9, &p, &n);
        if (n < 9 || le16(p + 2) != 5)
            return rc < 0 ? rc : bs_decode_fail(l, BS_EFORMAT, "bad lzma header");
        lzma_options_lzma opt;
        lzma_filter f[2] = {{LZMA_FILTER_LZMA1, NULL}, {LZMA_VLI_UNKNOWN, NULL}};
        if (lzma_properties_decode(&f[0], NULL, p + 4, 5) != LZMA_OK)
            return bs_decode_fail(l, BS_EFORMAT, "bad lzma properties");
        opt = *(lzma_options_lzma *)f[0].options;
        free(f[0].options);
        f[0].options = &opt;
        /* the dictionary is what costs memory: as xz_memlimit allows */
        uint64_t need = lzma_raw_decoder_memusage(f), lim = l->src->opt.xz_memlimit;
        if (lim && need > lim) {
            char a[32], b[32];
            bs_format_size(a, sizeof a, need);
            bs_format_size(b, sizeof b, lim);
            return bs_limit_fail(l, BS_LIMIT_XZ_MEMORY, "needs %s of memory, above the limit "
                                 "of %s", a, b);
        }
        lzma_stream init = LZMA_STREAM_INIT;
        x->s = init;
        if (lzma_raw_decoder(&x->s, f) != LZMA_OK)
            return bs_decode_fail(l, BS_ENOMEM, "cannot set up the lzma decoder");
        x->ready = 1;
        x->left = ((struct zip *)l->below->state)->cur.usize;
        bs_layer_consume(l->below, 9);
    }
    if (x->left == 0)
        return BS_END;
    if (cap > x->left)
        cap = (size_t)x->left;
    /* input may go in before any output comes out */
    for (;;) {
        int rc = bs_layer_peek(l->below, 1, &p, &n);
        if (rc < 0 && n == 0)
            return rc;
        x->s.next_in = p;
        x->s.avail_in = n;
        x->s.next_out = dst;
        x->s.avail_out = cap;
        lzma_ret r = lzma_code(&x->s, n ? LZMA_RUN : LZMA_FINISH);
        size_t used = n - x->s.avail_in;
        bs_layer_consume(l->below, used);
        *got = cap - x->s.avail_out;
        x->left -= *got;
        if (r != LZMA_OK && r != LZMA_STREAM_END)
            return bs_decode_fail(l, BS_EFORMAT, "corrupt lzma data");
        if (*got)
            return BS_OK;
        if (used == 0 || r == LZMA_STREAM_END)
            return bs_decode_fail(l, BS_EFORMAT, "unexpected end of lzma data");
    }
}

static const struct bs_layer_ops zip_lzma_ops = {
    .version = BS_OPS_VERSION,
    .name = "lzma",
    .init = zl_init,
    .read = zl_read,
    .close = zl_close,
};

/* A private layer of the given kind on `below`, not in the chain. */
static struct bs_layer *private_layer(struct bs_layer *l, const struct bs_layer_ops *ops,
                                      struct bs_layer *below, void *state)
{
    struct bs_layer *p = calloc(1, sizeof *p);
    if (!p)
        return NULL;
    p->ops = ops;
    p->src = l->src;
    p->below = below;
    p->state = state;
    snprintf(p->label, sizeof p->label, "%s", ops->name);
    if (ops->init && ops->init(p) < 0) {
        if (ops->close)
            ops->close(p);
        free(p);
        return NULL;
    }
    return p;
}

/* ---- members --------------------------------------------------------------- */

static const char *method_name(unsigned m)
{
    switch (m) {
    case 1: return "shrink";
    case 2: case 3: case 4: case 5: return "reduce";
    case 6: return "implode";
    case 9: return "deflate64";
    case 10: return "PKWARE implode";
    case 18: return "IBM TERSE";
    case 19: return "IBM LZ77";
    case 97: return "WavPack";
    case 98: return "PPMd";
    case 99: return "AES encryption";
    default: return NULL;
    }
}

/* Makes the current member ready to read (its header has been parsed). */
static int start_member(struct bs_layer *l, struct zip *z)
{
    z->crc = 0;
    z->out = 0;
    z->ended = 0;
    z->bad = 0;
    z->why[0] = 0;
    free(z->name);
    z->name = malloc(z->cur.name_len + 1);
    if (!z->name)
        return bs_decode_fail(l, BS_ENOMEM, "out of memory");
    memcpy(z->name, z->cur.name, z->cur.name_len);
    z->name[z->cur.name_len] = 0;
    l->member = z->name;
    /* with a descriptor, the local header's sizes may be zero; zip
     * writing to a file fills them in (encrypted members have one) */
    z->raw_left = z->descriptor && !z->cur.csize ? UINT64_MAX : z->cur.csize;
    unsigned m = z->cur.method;
    if (z->cur.flags & 1 || m == 99) {
        z->bad = 1;
        snprintf(z->why, sizeof z->why, "encrypted member, not searched");
    } else if (m != M_STORED && m != M_DEFLATE && m != M_BZIP2 && m != M_LZMA && m != M_ZSTD &&
               m != M_XZ) {
        z->bad = 1;
        const char *nm = method_name(m);
        snprintf(z->why, sizeof z->why, "compression method %u%s%s%s not supported, not searched",
                 m, nm ? " (" : "", nm ? nm : "", nm ? ")" : "");
    } else if (z->raw_left == UINT64_MAX && m != M_DEFLATE && m != M_STORED) {
        /* deflate data tells where it ends, stored data is scanned for
         * its descriptor; the others are not looked into */
        z->bad = 1;
        snprintf(z->why, sizeof z->why, "size unknown in a stream (data descriptor), "
                 "not searched");
    } else if (m == M_DEFLATE) {
        memset(&z->zs, 0, sizeof z->zs);
        if (inflateInit2(&z->zs, -15) != Z_OK)
            return bs_decode_fail(l, BS_ENOMEM, "cannot set up inflate");
        z->zs_ready = 1;
    } else if (m != M_STORED) {
        z->raw = private_layer(l, &data_ops, NULL, z);
        const struct bs_layer_ops *ops = m == M_BZIP2 ? &bs_bzip2_ops
                                         : m == M_XZ  ? &bs_xz_ops
                                         : m == M_ZSTD ? &bs_zstd_ops
                                                       : &zip_lzma_ops;
        z->dec = z->raw ? private_layer(l, ops, z->raw, NULL) : NULL;
        if (!z->dec)
            return l->status < 0 ? l->status : bs_decode_fail(l, BS_ENOMEM, "out of memory");
        z->dec->member = NULL;
    }
    return BS_OK;
}

/* Streaming: after a member's data, its descriptor (signature optional;
 * 8-byte sizes when the header had a zip64 field). */
static int read_descriptor(struct bs_layer *l, struct zip *z)
{
    const unsigned char *p;
    size_t n;
    size_t len = z->zip64 ? 20 : 12;
    int rc = bs_layer_peek(l->below, len + 4, &p, &n);
    if (n < len)
        return rc < 0 ? rc : bs_decode_fail(l, BS_EFORMAT, "unexpected end of archive");
    size_t at = n >= 4 && bs_le32(p) == SIG_DESC && n >= len + 4 ? 4 : 0;
    z->cur.crc = bs_le32(p + at);
    z->cur.csize = z->zip64 ? le64(p + at + 4) : bs_le32(p + at + 4);
    z->cur.usize = z->zip64 ? le64(p + at + 12) : bs_le32(p + at + 8);
    return skip(l, z, at + len);
}

/* Checks what was produced against the sizes and CRC-32 stored. */
static int check_member(struct bs_layer *l, struct zip *z)
{
    z->ended = 1;
    if (z->stream && z->descriptor) {
        int rc = read_descriptor(l, z);
        if (rc < 0)
            return rc;
        z->descriptor = 0;
    }
    if (z->out == z->cur.usize && z->crc == z->cur.crc)
        return BS_END;
    int bst = below_status(l);
    if (bst < 0)
        return bst;
    if (z->out != z->cur.usize)
        return bs_decode_fail(l, BS_EFORMAT, "size mismatch (stored %llu, decoded %llu)",
                              (unsigned long long)z->cur.usize, (unsigned long long)z->out);
    return bs_decode_fail(l, BS_EFORMAT, "CRC mismatch (stored %08x, computed %08x)",
                          (unsigned)z->cur.crc, (unsigned)z->crc);
}


/* Streaming, a stored member whose size follows it (as zip writes empty
 * and incompressible files to a pipe): its data ends at the first
 * descriptor signature whose CRC and size match what came before it. */
static int stored_scan(struct bs_layer *l, struct zip *z, unsigned char *dst, size_t cap,
                       size_t *got)
{
    static const unsigned char sig[4] = {0x50, 0x4b, 0x07, 0x08};
    size_t dlen = z->zip64 ? 24 : 16, want = 1;
    for (;;) {
        const unsigned char *p;
        size_t n;
        int rc = bs_layer_peek(l->below, want, &p, &n);
        if (n < want)
            return rc < 0 ? rc : bs_decode_fail(l, BS_EFORMAT, "unexpected end of archive");
        size_t from = 0, q = n;
        while (from + 4 <= n) {
            const unsigned char *hit = memchr(p + from, 0x50, n - from - 3);
            if (!hit)
                break;
            size_t at = (size_t)(hit - p);
            if (memcmp(hit, sig, 4) == 0) {
                q = at;
                break;
            }
            from = at + 1;
        }
        if (q == n) {
            /* no signature: all but a possible start of one is data */
            size_t k = n > 3 ? n - 3 : 0;
            if (k == 0) {
                want = n + 1;
                continue;
            }
            k = k < cap ? k : cap;
            memcpy(dst, p, k);
            take(l, z, k);
            *got = k;
            return BS_OK;
        }
        if (q > 0) {
            /* the data before it, whether or not it is the end */
            size_t k = q < cap ? q : cap;
            memcpy(dst, p, k);
            take(l, z, k);
            *got = k;
            return BS_OK;
        }
        if (n < dlen) {
            want = dlen;
            continue;
        }
        uint64_t csize = z->zip64 ? le64(p + 8) : bs_le32(p + 8);
        if (bs_le32(p + 4) == z->crc && csize == z->out) {
            z->raw_left = 0;
            return BS_END;
        }
        /* data that looks like a signature */
        dst[0] = p[0];
        take(l, z, 1);
        *got = 1;
        return BS_OK;
    }
}

static int member_read(struct bs_layer *l, unsigned char *dst, size_t cap, size_t *got)
{
    struct zip *z = l->state;
    *got = 0;
    if (!z->have || z->ended)
        return BS_END;
    if (z->bad)
        return bs_decode_fail(l, BS_EFORMAT, "%s", z->why);
    int rc = BS_OK;
    if (z->dec) {
        rc = z->dec->ops->read(z->dec, dst, cap, got);
        if (rc == BS_END && z->raw_left && z->cur.method == M_LZMA) {
            /* the end marker, when the member has one */
            if (z->stream) {
                int sk = skip(l, z, z->raw_left);
                if (sk < 0)
                    rc = sk;
            }
            z->raw_left = 0;
        } else if (rc == BS_END && z->raw_left)
            rc = bs_decode_fail(l, BS_EFORMAT, "%llu bytes of data after the end of the "
                                "compressed stream", (unsigned long long)z->raw_left);
    } else if (z->cur.method == M_STORED && z->raw_left == UINT64_MAX) {
        rc = stored_scan(l, z, dst, cap, got);
    } else {
        const unsigned char *p;
        size_t n;
        rc = raw_peek(l, z, &p, &n);
        if (rc < 0)
            return rc;
        if (z->cur.method == M_STORED) {
            if (n == 0)
                rc = z->raw_left ? bs_decode_fail(l, BS_EFORMAT, "unexpected end of archive")
                                 : BS_END;
            else {
                size_t k = n < cap ? n : cap;
                rc = !z->stream && !z->spool && l->below->direct
                         ? bs_copy_guarded(l->src, dst, p, k)
                         : (memcpy(dst, p, k), BS_OK);
                if (rc < 0)
                    return rc;
                take(l, z, k);
                *got = k;
            }
        } else {
            if (n == 0)
                return bs_decode_fail(l, BS_EFORMAT, z->raw_left ? "unexpected end of archive"
                                                                 : "unexpected end of deflate "
                                                                   "data");
            uInt in = n > UINT32_MAX ? UINT32_MAX : (uInt)n;
            z->zs.next_in = (unsigned char *)p;
            z->zs.avail_in = in;
            z->zs.next_out = dst;
            z->zs.avail_out = cap > UINT32_MAX ? UINT32_MAX : (uInt)cap;
            uInt room = z->zs.avail_out;
            int r = inflate(&z->zs, Z_NO_FLUSH);
            take(l, z, in - z->zs.avail_in);
            *got = room - z->zs.avail_out;
            if (r == Z_STREAM_END && z->raw_left && z->raw_left != UINT64_MAX)
                return bs_decode_fail(l, BS_EFORMAT, "%llu bytes of data after the end of the "
                                      "compressed stream", (unsigned long long)z->raw_left);
            if (r == Z_STREAM_END)
                rc = BS_END;
            else if ((r == Z_NEED_DICT || r == Z_DATA_ERROR) && below_status(l) < 0)
                return below_status(l);   /* the data was cut below: that was said */
            else if (r == Z_NEED_DICT || r == Z_DATA_ERROR)
                return bs_decode_fail(l, BS_EFORMAT, "inflate: %s",
                                      z->zs.msg ? z->zs.msg : "corrupt data");
            else if (r == Z_MEM_ERROR)
                return bs_decode_fail(l, BS_ENOMEM, "out of memory");
            else if (*got == 0 && z->raw_left == 0)
                return bs_decode_fail(l, BS_EFORMAT, "unexpected end of deflate data");
        }
    }
    if (*got) {
        z->crc = (uint32_t)crc32(z->crc, dst, (uInt)*got);
        z->out += *got;
    }
    if (rc == BS_END) {
        rc = check_member(l, z);
        if (rc == BS_END && *got)
            rc = BS_OK;
    }
    return rc;
}

/* Streaming: the next local header, or the end at the central directory. */
static int next_local(struct bs_layer *l, struct zip *z)
{
    const unsigned char *p;
    size_t n;
    int rc = bs_layer_peek(l->below, LOCAL_LEN, &p, &n);
    /* every zip ends with its central directory: data that stops before
     * it was cut */
    if (n < 4)
        return rc < 0 ? rc : bs_decode_fail(l, BS_EFORMAT, "unexpected end of archive "
                                            "(no central directory)");
    uint32_t sig = bs_le32(p);
    if (sig == SIG_CENTRAL || sig == SIG_END || sig == SIG_END64)
        return BS_END;
    if (sig != SIG_LOCAL || n < LOCAL_LEN)
        return bs_decode_fail(l, BS_EFORMAT, "no local header at byte %llu",
                              (unsigned long long)z->pos);
    size_t nl = le16(p + 26), xl = le16(p + 28);
    rc = bs_layer_peek(l->below, LOCAL_LEN + nl + xl, &p, &n);
    if (n < LOCAL_LEN + nl + xl)
        return rc < 0 ? rc : bs_decode_fail(l, BS_EFORMAT, "unexpected end of archive");
    struct entry *e = &z->cur;
    e->flags = le16(p + 6);
    e->method = le16(p + 8);
    e->crc = bs_le32(p + 14);
    e->csize = bs_le32(p + 18);
    e->usize = bs_le32(p + 22);
    e->offset = z->pos;
    free(z->cd);
    z->cd = malloc(nl + 1);
    if (!z->cd)
        return bs_decode_fail(l, BS_ENOMEM, "out of memory");
    memcpy(z->cd, p + LOCAL_LEN, nl);
    e->name = z->cd;
    e->name_len = nl;
    z->zip64 = zip64_extra(p + LOCAL_LEN + nl, xl, &e->usize, &e->csize, NULL) > 0;
    z->descriptor = (e->flags & 8) != 0;
    return skip(l, z, LOCAL_LEN + nl + xl);
}

/* Streaming: the next local header of a file, past directories. */
static int next_file(struct bs_layer *l, struct zip *z)
{
    for (;;) {
        int rc = next_local(l, z);
        if (rc != BS_OK)
            return rc;
        const struct entry *e = &z->cur;
        if (!e->name_len || e->name[e->name_len - 1] != '/' || z->descriptor)
            return BS_OK;
        rc = skip(l, z, e->csize);
        if (rc < 0)
            return rc;
    }
}

/* Central directory mode: entry z->next's local header. */
static int next_entry(struct bs_layer *l, struct zip *z)
{
    for (;;) {
        if (z->next >= z->nent)
            return BS_END;
        struct entry *e = &z->ent[z->next++];
        if (e->name_len && e->name[e->name_len - 1] == '/')
            continue;   /* a directory */
        unsigned char h[LOCAL_LEN];
        int rc = read_at(l, e->offset, h, sizeof h);
        if (rc < 0)
            return rc;
        if (bs_le32(h) != SIG_LOCAL)
            return bs_decode_fail(l, BS_EFORMAT, "no local header for %.*s at byte %llu",
                                  (int)(e->name_len > 200 ? 200 : e->name_len), e->name,
                                  (unsigned long long)e->offset);
        uint64_t start = e->offset + LOCAL_LEN + le16(h + 26) + le16(h + 28);
        if (start > z->size || z->size - start < e->csize)
            return bs_decode_fail(l, BS_EFORMAT, "%.*s lies outside the archive",
                                  (int)(e->name_len > 200 ? 200 : e->name_len), e->name);
        z->cur = *e;
        z->data_off = start;
        z->descriptor = 0;
        return BS_OK;
    }
}

static int entry_next(struct bs_layer *l)
{
    struct zip *z = l->state;
    if (z->done)
        return BS_END;
    int rc = BS_OK;
    if (z->have && z->stream) {
        /* the rest of the current member, whatever state it was left in */
        if (!z->ended && !z->bad && z->descriptor && z->raw_left == UINT64_MAX) {
            /* decoded to find its end; a member the reader left is not
             * checked (grep -l stops at its first match) */
            unsigned char sink[16384];
            size_t got;
            l->status = 0;
            do
                rc = member_read(l, sink, sizeof sink, &got);
            while (rc == BS_OK);
            if (rc < 0 && !z->ended) {
                z->done = 1;
                return rc;
            }
            l->status = 0;
        } else if (!z->ended) {
            if (z->raw_left == UINT64_MAX) {
                z->done = 1;
                return bs_decode_fail(l, BS_EFORMAT, "cannot find the end of %s in a stream",
                                      z->name);
            }
            rc = skip(l, z, z->raw_left);
            if (rc >= 0 && z->descriptor)
                rc = read_descriptor(l, z);
            if (rc < 0) {
                z->done = 1;
                return rc;
            }
        }
    }
    end_member(z);
    z->have = 0;
    l->member = NULL;
    rc = z->stream ? next_file(l, z) : next_entry(l, z);
    if (rc != BS_OK) {
        z->done = 1;
        if (z->late[0])
            return bs_decode_fail(l, BS_EFORMAT, "%s; members were read from their local "
                                  "headers", z->late);
        return rc;
    }
    rc = start_member(l, z);
    if (rc < 0)
        return rc;
    z->have = 1;
    return BS_OK;
}


/* ---- documents ---------------------------------------------------------------
 *
 * An OOXML package ([Content_Types].xml with word/document.xml,
 * xl/workbook.xml or ppt/presentation.xml) or an ODF one (a mimetype
 * member naming an OpenDocument text, spreadsheet or presentation) is
 * searched as the text a person reads: its members are the document's
 * parts as xmltext.c turns them into lines (docx: word/document.xml, then
 * headers, footers, footnotes, endnotes and comments, each by its part
 * name; xlsx: each sheet by its name; pptx: slideN and notesN in slide
 * order; odt: content.xml; ods: each sheet; odp: each page and its
 * notes).  Parts are found by name in the central directory, so a
 * document read from a stream is first read whole into memory, up to
 * DOC_SPOOL_MAX. */

#define DOC_SPOOL_MAX ((uint64_t)256 << 20)
#define PART_NAME_MAX 1024

enum { DOC_NONE, DOC_DOCX, DOC_XLSX, DOC_PPTX, DOC_ODT, DOC_ODS, DOC_ODP };
static const char *const doc_label[] = {"zip", "docx", "xlsx", "pptx", "odt", "ods", "odp"};

static const struct entry *find_entry(const struct zip *z, const char *name)
{
    size_t n = strlen(name);
    for (size_t i = 0; i < z->nent; i++)
        if (z->ent[i].name_len == n && memcmp(z->ent[i].name, name, n) == 0)
            return &z->ent[i];
    return NULL;
}

/* Makes entry e the current member, to be decoded by member_read. */
static int open_entry(struct bs_layer *l, struct zip *z, const struct entry *e)
{
    end_member(z);
    z->next = (size_t)(e - z->ent);
    int rc = next_entry(l, z);
    if (rc == BS_END)
        return bs_decode_fail(l, BS_EFORMAT, "part %.*s not found", (int)e->name_len, e->name);
    if (rc < 0)
        return rc;
    rc = start_member(l, z);
    if (rc < 0)
        return rc;
    z->have = 1;
    return BS_OK;
}

static uint64_t doc_limit(struct bs_layer *l)
{
    const bs_options *o = &l->src->opt;
    return o->decode_ratio && o->decode_floor ? o->decode_floor : 0;
}

static int xt_fail(struct bs_layer *l, struct zip *z, bs_xt *x, int rc, const char *part)
{
    (void)z;
    /* the limit we pass (the decoded-bytes floor) has an option; the
     * extractor's fixed limits (nesting, tag length, a repeated row) are
     * malformed parts as far as a reader can tell */
    const char *e = bs_xt_error(x);
    if (rc == BS_ELIMIT && (strstr(e, "longer than the limit") || strstr(e, "of strings")))
        return bs_limit_fail(l, BS_LIMIT_DECODED, "%s: %s", part, e);
    if (rc == BS_ELIMIT)
        rc = BS_EFORMAT;
    return bs_decode_fail(l, rc == BS_ENOMEM ? BS_ENOMEM : BS_EFORMAT, "%s: %s", part,
                          bs_xt_error(x));
}

/* Reads a whole part of a table kind (workbook, rels, strings) through a
 * new extractor; *out is NULL (and BS_OK returned) when the part is not
 * there and `optional`. */
static int read_table(struct bs_layer *l, struct zip *z, const char *part, int kind,
                      int optional, bs_xt **out)
{
    *out = NULL;
    const struct entry *e = find_entry(z, part);
    if (!e)
        return optional ? BS_OK
                        : bs_decode_fail(l, BS_EFORMAT, "document part %s is missing", part);
    struct bs_xt_options o = {doc_limit(l), NULL};
    bs_xt *x;
    if (bs_xt_new(&x, kind, &o) < 0)
        return bs_decode_fail(l, BS_ENOMEM, "out of memory");
    int rc = open_entry(l, z, e);
    unsigned char buf[16384];
    while (rc >= 0) {
        size_t got = 0, at = 0, n;
        rc = member_read(l, buf, sizeof buf, &got);
        if (rc < 0)
            break;
        while (at < got) {
            size_t used = 0;
            int xr = bs_xt_feed(x, buf + at, got - at, &used);
            at += used;
            if (xr < 0) {
                rc = xt_fail(l, z, x, xr, part);
                break;
            }
            bs_xt_text(x, &n);   /* table kinds make no text; none is kept */
            bs_xt_take(x, n);
        }
        if (rc == BS_END) {
            int xr;
            while ((xr = bs_xt_finish(x)) == BS_XT_PAUSE || xr == BS_XT_MEMBER) {
                bs_xt_text(x, &n);
                bs_xt_take(x, n);
            }
            if (xr < 0)
                rc = xt_fail(l, z, x, xr, part);
            break;
        }
    }
    end_member(z);
    z->have = 0;
    if (rc < 0) {
        bs_xt_free(x);
        return rc;
    }
    *out = x;
    return BS_OK;
}

/* Whether relationship r is of the kind whose type ends in `kind`
 * ("/sharedStrings", "/notesSlide", ...) and points into the package. */
static int rel_is(const struct bs_xt_rel *r, const char *kind)
{
    size_t tl = strlen(r->type), kl = strlen(kind);
    return !r->external && tl >= kl && strcmp(r->type + tl - kl, kind) == 0;
}

static int add_part(struct bs_layer *l, struct zip *z, const char *member, const char *part,
                    int kind)
{
    struct docpart *d = realloc(z->dp, (z->ndp + 1) * sizeof *d);
    if (!d)
        return bs_decode_fail(l, BS_ENOMEM, "out of memory");
    z->dp = d;
    d += z->ndp;
    d->member = strdup(member);
    d->part = strdup(part);
    d->kind = kind;
    if (!d->member || !d->part) {
        free(d->member);
        free(d->part);
        return bs_decode_fail(l, BS_ENOMEM, "out of memory");
    }
    z->ndp++;
    return BS_OK;
}

static int cmp_parts(const void *a, const void *b)
{
    const struct docpart *x = a, *y = b;
    size_t lx = strlen(x->part), ly = strlen(y->part);
    /* header2 before header10 */
    return lx != ly ? (lx < ly ? -1 : 1) : strcmp(x->part, y->part);
}

/* The parts word/document.xml points at, of the kinds a reader sees, by
 * its relationships (Word names them footnotes.xml, header1.xml, ...;
 * commentsExtended.xml and the like hold no text). */
static int docx_parts(struct bs_layer *l, struct zip *z)
{
    int rc = add_part(l, z, "word/document.xml", "word/document.xml", BS_XT_DOCX);
    bs_xt *rels = NULL;
    if (rc >= 0)
        rc = read_table(l, z, "word/_rels/document.xml.rels", BS_XT_RELS, 1, &rels);
    static const char *const kinds[] = {"/header", "/footer", "/footnotes", "/endnotes",
                                        "/comments"};
    char part[PART_NAME_MAX];
    for (size_t k = 0; rc >= 0 && rels && k < sizeof kinds / sizeof kinds[0]; k++) {
        size_t first = z->ndp;
        for (size_t i = 0; rc >= 0 && i < bs_xt_count(rels); i++) {
            struct bs_xt_rel r;
            bs_xt_rel(rels, i, &r);
            if (!rel_is(&r, kinds[k]) || bs_xt_part_name("word/document.xml", r.target, part, sizeof part) != BS_OK ||
                !find_entry(z, part))
                continue;
            int dup = 0;
            for (size_t j = first; j < z->ndp; j++)
                dup |= strcmp(z->dp[j].part, part) == 0;
            if (!dup)
                rc = add_part(l, z, part, part, BS_XT_DOCX);
        }
        if (rc >= 0)
            qsort(z->dp + first, z->ndp - first, sizeof *z->dp, cmp_parts);
    }
    bs_xt_free(rels);
    return rc;
}

static int xlsx_parts(struct bs_layer *l, struct zip *z)
{
    bs_xt *wb, *rels;
    int rc = read_table(l, z, "xl/workbook.xml", BS_XT_XLSX_WORKBOOK, 0, &wb);
    if (rc < 0)
        return rc;
    rc = read_table(l, z, "xl/_rels/workbook.xml.rels", BS_XT_RELS, 0, &rels);
    char part[PART_NAME_MAX];
    for (size_t i = 0; rc >= 0 && i < bs_xt_count(rels); i++) {
        struct bs_xt_rel r;
        bs_xt_rel(rels, i, &r);
        if (!rel_is(&r, "/sharedStrings") || z->strings)
            continue;
        if (bs_xt_part_name("xl/workbook.xml", r.target, part, sizeof part) == BS_OK)
            rc = read_table(l, z, part, BS_XT_XLSX_STRINGS, 1, &z->strings);
    }
    for (size_t i = 0; rc >= 0 && i < bs_xt_count(wb); i++) {
        const char *name, *rid;
        bs_xt_sheet(wb, i, &name, &rid);
        if (bs_xt_rel_part(rels, "xl/workbook.xml", rid, part, sizeof part) != BS_OK ||
            !find_entry(z, part) || strncmp(part, "xl/worksheets/", 14) != 0)
            continue;   /* a chart sheet (xl/chartsheets/) or a dangling one: no cells */
        rc = add_part(l, z, name, part, BS_XT_XLSX_SHEET);
    }
    bs_xt_free(wb);
    bs_xt_free(rels);
    return rc;
}

static int pptx_parts(struct bs_layer *l, struct zip *z)
{
    bs_xt *pres, *rels;
    int rc = read_table(l, z, "ppt/presentation.xml", BS_XT_PPTX_PRESENTATION, 0, &pres);
    if (rc < 0)
        return rc;
    rc = read_table(l, z, "ppt/_rels/presentation.xml.rels", BS_XT_RELS, 0, &rels);
    char part[PART_NAME_MAX], rp[PART_NAME_MAX], notes[PART_NAME_MAX], member[32];
    for (size_t i = 0; rc >= 0 && i < bs_xt_count(pres); i++) {
        if (bs_xt_rel_part(rels, "ppt/presentation.xml", bs_xt_slide(pres, i), part,
                           sizeof part) != BS_OK || !find_entry(z, part))
            continue;
        snprintf(member, sizeof member, "slide%zu", i + 1);
        rc = add_part(l, z, member, part, BS_XT_PPTX);
        /* its notes, named by the slide's relationships */
        bs_xt *srels = NULL;
        if (rc >= 0 && bs_xt_rels_name(part, rp, sizeof rp) == BS_OK)
            rc = read_table(l, z, rp, BS_XT_RELS, 1, &srels);
        for (size_t k = 0; rc >= 0 && srels && k < bs_xt_count(srels); k++) {
            struct bs_xt_rel r;
            bs_xt_rel(srels, k, &r);
            if (!rel_is(&r, "/notesSlide") || bs_xt_part_name(part, r.target, notes, sizeof notes) != BS_OK ||
                !find_entry(z, notes))
                continue;
            snprintf(member, sizeof member, "notes%zu", i + 1);
            rc = add_part(l, z, member, notes, BS_XT_PPTX);
            break;
        }
        bs_xt_free(srels);
    }
    bs_xt_free(pres);
    bs_xt_free(rels);
    return rc;
}

/* What kind of document the archive is, from its parts. */
static int doc_kind(struct bs_layer *l, struct zip *z)
{
    if (find_entry(z, "[Content_Types].xml")) {
        if (find_entry(z, "word/document.xml"))
            return DOC_DOCX;
        if (find_entry(z, "xl/workbook.xml"))
            return DOC_XLSX;
        if (find_entry(z, "ppt/presentation.xml"))
            return DOC_PPTX;
        return DOC_NONE;
    }
    const struct entry *m = find_entry(z, "mimetype");
    if (!m || m->method != M_STORED || m->csize > 100 || !find_entry(z, "content.xml"))
        return DOC_NONE;
    char type[101];
    if (open_entry(l, z, m) < 0)
        return DOC_NONE;
    size_t n = 0, got;
    while (n < m->usize && member_read(l, (unsigned char *)type + n, sizeof type - 1 - n,
                                       &got) == BS_OK)
        n += got;
    end_member(z);
    z->have = 0;
    l->status = 0;
    type[n] = 0;
    static const char pre[] = "application/vnd.oasis.opendocument.";
    if (strncmp(type, pre, sizeof pre - 1) != 0)
        return DOC_NONE;
    const char *t = type + sizeof pre - 1;
    return !strncmp(t, "text", 4)           ? DOC_ODT
           : !strncmp(t, "spreadsheet", 11) ? DOC_ODS
           : !strncmp(t, "presentation", 12) ? DOC_ODP
                                              : DOC_NONE;
}

/* Central directory read: a document?  Then its parts are listed. */
static int doc_setup(struct bs_layer *l, struct zip *z)
{
    int kind = doc_kind(l, z);
    int rc = BS_OK;
    switch (kind) {
    case DOC_NONE: return BS_OK;
    case DOC_DOCX: rc = docx_parts(l, z); break;
    case DOC_XLSX: rc = xlsx_parts(l, z); break;
    case DOC_PPTX: rc = pptx_parts(l, z); break;
    case DOC_ODT: rc = add_part(l, z, "content.xml", "content.xml", BS_XT_ODT); break;
    case DOC_ODS: rc = add_part(l, z, "", "content.xml", BS_XT_ODS); break;
    case DOC_ODP: rc = add_part(l, z, "", "content.xml", BS_XT_ODP); break;
    }
    if (rc < 0)
        return rc;
    z->doc = kind;
    snprintf(l->label, sizeof l->label, "%s", doc_label[kind]);
    return BS_OK;
}

/* A document in a stream: the rest of it is read into memory, then read
 * by its central directory like a file. */
static int spool(struct bs_layer *l, struct zip *z)
{
    size_t cap = 1 << 16, len = 0;
    unsigned char *b = malloc(cap);
    for (;;) {
        const unsigned char *p;
        size_t n;
        int rc = b ? bs_layer_peek(l->below, 1, &p, &n) : BS_ENOMEM;
        if (rc == BS_ENOMEM && !b)
            return bs_decode_fail(l, BS_ENOMEM, "out of memory");
        if (n == 0 && rc == BS_END)
            break;
        if (n == 0) {
            free(b);
            return rc;
        }
        if (len + n > DOC_SPOOL_MAX) {
            free(b);
            return bs_decode_fail(l, BS_EFORMAT, "a document of more than %llu MiB in a "
                                  "stream", (unsigned long long)(DOC_SPOOL_MAX >> 20));
        }
        if (len + n > cap) {
            while (len + n > cap)
                cap *= 2;
            unsigned char *nb = realloc(b, cap);
            if (!nb) {
                free(b);
                return bs_decode_fail(l, BS_ENOMEM, "out of memory");
            }
            b = nb;
        }
        memcpy(b + len, p, n);
        len += n;
        bs_layer_consume(l->below, n);
        z->pos += n;
    }
    z->spool = b;
    z->size = len;
    z->stream = 0;
    return BS_OK;
}

/* Whether a stream's first member says it is a document package. */
static int looks_like_document(struct bs_layer *l)
{
    const unsigned char *p;
    size_t n;
    bs_layer_peek(l->below, LOCAL_LEN + 20, &p, &n);
    if (n < LOCAL_LEN || bs_le32(p) != SIG_LOCAL)
        return 0;
    size_t nl = le16(p + 26);
    static const char *const first[] = {"[Content_Types].xml", "mimetype", "_rels/.rels"};
    for (size_t i = 0; i < sizeof first / sizeof first[0]; i++)
        if (nl == strlen(first[i]) && n >= LOCAL_LEN + nl &&
            memcmp(p + LOCAL_LEN, first[i], nl) == 0)
            return 1;
    return 0;
}

/* Feeds the open part to the extractor until there is text, a member
 * boundary, or the end of the part. */
static int doc_fill(struct bs_layer *l, struct zip *z)
{
    const char *part = z->dp[z->dnext - 1].part;
    for (;;) {
        size_t have;
        bs_xt_text(z->xt, &have);
        if (have || z->pending || z->part_done)
            return BS_OK;
        if (z->feed_pos == z->feed_len && z->have) {
            size_t got = 0;
            int rc = member_read(l, z->feed, INBUF, &got);
            if (rc < 0)
                return rc;
            z->feed_pos = 0;
            z->feed_len = got;
            if (rc == BS_END && got == 0) {
                end_member(z);
                z->have = 0;
            }
        }
        size_t used = 0;
        int xr = z->feed_pos < z->feed_len
                     ? bs_xt_feed(z->xt, z->feed + z->feed_pos, z->feed_len - z->feed_pos, &used)
                     : bs_xt_finish(z->xt);
        z->feed_pos += used;
        if (xr < 0)
            return xt_fail(l, z, z->xt, xr, part);
        if (xr == BS_XT_MEMBER)
            z->pending = 1;
        else if (xr == BS_OK && !z->have && z->feed_pos == z->feed_len)
            z->part_done = 1;
    }
}

static int doc_read(struct bs_layer *l, unsigned char *dst, size_t cap, size_t *got)
{
    struct zip *z = l->state;
    *got = 0;
    if (!z->xt || z->member_done)
        return BS_END;
    int rc = doc_fill(l, z);
    if (rc < 0)
        return rc;
    size_t n;
    const char *t = bs_xt_text(z->xt, &n);
    if (n == 0) {
        z->member_done = 1;
        return BS_END;
    }
    if (n > cap)
        n = cap;
    memcpy(dst, t, n);
    bs_xt_take(z->xt, n);
    *got = n;
    return BS_OK;
}

/* Opens document part dp[dnext] with a new extractor. */
static int open_part(struct bs_layer *l, struct zip *z)
{
    const struct docpart *d = &z->dp[z->dnext++];
    const struct entry *e = find_entry(z, d->part);
    if (!e)
        return bs_decode_fail(l, BS_EFORMAT, "document part %s is missing", d->part);
    bs_xt_free(z->xt);
    z->xt = NULL;
    struct bs_xt_options o = {doc_limit(l), z->strings};
    if (bs_xt_new(&z->xt, d->kind, &o) < 0)
        return bs_decode_fail(l, BS_ENOMEM, "out of memory");
    if (!z->feed && !(z->feed = malloc(INBUF)))
        return bs_decode_fail(l, BS_ENOMEM, "out of memory");
    z->feed_pos = z->feed_len = 0;
    z->part_done = z->pending = 0;
    return open_entry(l, z, e);
}

static int doc_next(struct bs_layer *l)
{
    struct zip *z = l->state;
    int multi = z->doc == DOC_ODS || z->doc == DOC_ODP;
    int rc;
    l->member = NULL;
    if (!multi || !z->xt) {
        if (z->dnext >= z->ndp)
            return BS_END;
        rc = open_part(l, z);
        if (rc < 0)
            return rc;
        if (!multi) {
            z->member_done = 0;
            free(z->docname);
            z->docname = strdup(z->dp[z->dnext - 1].member);
            if (!z->docname)
                return bs_decode_fail(l, BS_ENOMEM, "out of memory");
            l->member = z->docname;
            return BS_OK;
        }
    }
    /* ods, odp: text up to the next member boundary is the rest of the
     * member before (or of none, before the first) */
    for (;;) {
        size_t n;
        bs_xt_text(z->xt, &n);
        bs_xt_take(z->xt, n);
        if (z->pending)
            break;
        if (z->part_done)
            return BS_END;
        rc = doc_fill(l, z);
        if (rc < 0)
            return rc;
    }
    z->pending = 0;
    z->member_done = 0;
    free(z->docname);
    z->docname = strdup(bs_xt_member(z->xt));
    if (!z->docname)
        return bs_decode_fail(l, BS_ENOMEM, "out of memory");
    l->member = z->docname;
    return BS_OK;
}

static int zip_read(struct bs_layer *l, unsigned char *dst, size_t cap, size_t *got)
{
    struct zip *z = l->state;
    return z->doc ? doc_read(l, dst, cap, got) : member_read(l, dst, cap, got);
}

static int zip_next(struct bs_layer *l)
{
    struct zip *z = l->state;
    if (!z->started && z->stream && looks_like_document(l)) {
        int rc = spool(l, z);
        if (rc < 0) {
            z->started = z->done = 1;
            return rc;
        }
    }
    if (!z->started && !z->stream) {
        z->started = 1;
        int rc = read_directory(l, z);
        if (rc >= 0)
            rc = doc_setup(l, z);
        if (rc == BS_EFORMAT && !z->doc && !z->spool) {
            /* a truncated or damaged directory: the members can still be
             * read from their local headers, and the damage is reported
             * after them */
            const char *e = bs_error(l->src);
            size_t k = strlen(bs_display_name(l->src)) + strlen(": zip: ");
            snprintf(z->late, sizeof z->late, "%s", strlen(e) > k ? e + k : "bad directory");
            z->stream = 1;
            l->status = 0;
        } else if (rc < 0) {
            z->done = 1;
            return rc;
        }
    }
    z->started = 1;
    int rc = z->doc ? doc_next(l) : entry_next(l);
    if (rc < 0 && z->late[0] && !z->doc) {
        /* whatever stopped the local headers, the directory said it first */
        rc = bs_decode_fail(l, BS_EFORMAT, "%s; members were read from their local headers",
                            z->late);
        z->late[0] = 0;
    }
    return rc;
}

const struct bs_layer_ops bs_zip_ops = {
    .version = BS_OPS_VERSION,
    .name = "zip",
    .flags = BS_OPS_CONTAINER | BS_OPS_DECODES,
    .bid = zip_bid,
    .init = zip_init,
    .read = zip_read,
    .next_member = zip_next,
    .close = zip_close,
};
