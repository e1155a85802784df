/* Unit tests of the zip layer (transforms/zip.c) and of the member
 * machinery around it: bs_next_member, bs_layer_is_container,
 * bs_member_name, bs_display_name, bs_detect on members, and the limits
 * (BS_LIMIT_ENTRIES, BS_LIMIT_OVERLAP, BS_LIMIT_DECODED).
 *
 * Archives are made here, in memory, by a small zip writer of the test's
 * own: local headers, data, data descriptors (with and without their
 * signature), the central directory and the end record, zip64 extra
 * fields and the zip64 end record with its locator; stored and deflate
 * members (raw deflate by zlib), xz (method 95) and zstd (93) members by
 * liblzma and libzstd, any other method as raw bytes given; sizes, CRCs
 * and offsets can be made to lie.  bzip2 (12) and lzma (14) members are
 * made by python3's zipfile, run through popen.
 *
 * Each archive is walked as the command-line tools walk it: bs_detect,
 * then bs_next_member on the container, bs_detect on each member, a
 * member that is a container again walked in turn, every leaf read to
 * its end or its failure.  What a walk meets is written down as a list
 * of entries (a leaf: display name, member name, the layers detected on
 * it, its bytes, how its reading ended and the message; a member that is
 * a container; the end of a container's walk with its status and
 * message) and compared with the list the test expects.  Every archive is
 * walked in each of the ways of ways[]:
 *   - central directory mode: straight from a memory base (the zip reads
 *     the mapping in place), from a file mapped and from a file read with
 *     pread (--no-mmap: the zip's own input buffer);
 *   - streaming mode: under the "trickle" layer (one byte per read) or the
 *     "chunks" layer of tests/layers.h, which take random access away, so
 *     the zip reads its local headers in order;
 * with different ways of draining a member (whole windows, windows grown
 * one byte past what there is, bs_read into a small buffer).  While
 * reading, the stream contract is checked (BS_OK with bytes, BS_END
 * sticky and empty, a failure sticky with the same message) and bs_tell
 * must count the bytes of the current member only.
 *
 * Buffers live in globals that are reused by every case and freed at the
 * end, so that a CHECK that returns early leaks nothing. */
#define _GNU_SOURCE
#include "unit.h"
#include "layers.h"

#include "bs_private.h"
#include "libsrc.h"

#include <errno.h>
#include <fcntl.h>
#include <lzma.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>
#include <zlib.h>
#include <zstd.h>

/* Sizes are kept small under the sanitizers, where everything is slower. */
#if defined(__SANITIZE_ADDRESS__)
#define SANITIZED 1
#elif defined(__has_feature)
#if __has_feature(address_sanitizer)
#define SANITIZED 1
#endif
#endif
#ifndef SANITIZED
#define SANITIZED 0
#endif

/* ---- byte buffers --------------------------------------------------------- */

struct buf {
    unsigned char *p;
    size_t len, cap;
};

static void buf_add(struct buf *b, const void *p, size_t n)
{
    if (b->cap - b->len < n + 1) {
        size_t nc = b->cap ? b->cap : 4096;
        while (nc - b->len < n + 1)
            nc *= 2;
        unsigned char *np = realloc(b->p, nc);
        if (!np) {
            printf("FAIL unit_zip: out of memory\n");
            exit(1);
        }
        b->p = np;
        b->cap = nc;
    }
    if (n)
        memcpy(b->p + b->len, p, n);
    b->len += n;
    b->p[b->len] = 0;   /* always a string too */
}

static void buf_str(struct buf *b, const char *s)
{
    buf_add(b, s, strlen(s));
}

static void buf_fmt(struct buf *b, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static void buf_fmt(struct buf *b, const char *fmt, ...)
{
    char tmp[1024];
    va_list ap;
    va_start(ap, fmt);
    int k = vsnprintf(tmp, sizeof tmp, fmt, ap);
    va_end(ap);
    if (k > 0)
        buf_add(b, tmp, (size_t)k < sizeof tmp ? (size_t)k : sizeof tmp - 1);
}

static void buf_free(struct buf *b)
{
    free(b->p);
    b->p = NULL;
    b->len = b->cap = 0;
}

static void le16(struct buf *b, unsigned v)
{
    unsigned char x[2] = {(unsigned char)v, (unsigned char)(v >> 8)};
    buf_add(b, x, 2);
}

static void le32(struct buf *b, uint32_t v)
{
    unsigned char x[4] = {(unsigned char)v, (unsigned char)(v >> 8), (unsigned char)(v >> 16),
                          (unsigned char)(v >> 24)};
    buf_add(b, x, 4);
}

static void le64(struct buf *b, uint64_t v)
{
    le32(b, (uint32_t)v);
    le32(b, (uint32_t)(v >> 32));
}

static void put32(unsigned char *p, uint32_t v)
{
    p[0] = (unsigned char)v;
    p[1] = (unsigned char)(v >> 8);
    p[2] = (unsigned char)(v >> 16);
    p[3] = (unsigned char)(v >> 24);
}

static uint32_t get32(const unsigned char *p)
{
    return p[0] | p[1] << 8 | p[2] << 16 | (uint32_t)p[3] << 24;
}

static unsigned get16(const unsigned char *p)
{
    return p[0] | p[1] << 8;
}

/* Archives, member contents, compressed scratch, an inner archive: all
 * reused, freed in main. */
static struct buf ar, cdir, comp, inner, t1, t2, t3, t4, big;

/* ---- compressors (zlib, liblzma, libzstd) -------------------------------- */

/* Raw deflate (as zip stores it), or gzip when gz is set. */
static int deflate_to(struct buf *out, const void *p, size_t n, int gz, int level)
{
    z_stream zs;
    memset(&zs, 0, sizeof zs);
    if (deflateInit2(&zs, level, Z_DEFLATED, gz ? 31 : -15, 8, Z_DEFAULT_STRATEGY) != Z_OK)
        return -1;
    out->len = 0;
    zs.next_in = (unsigned char *)p;
    zs.avail_in = (uInt)n;
    int r;
    do {
        unsigned char tmp[65536];
        zs.next_out = tmp;
        zs.avail_out = sizeof tmp;
        r = deflate(&zs, Z_FINISH);
        buf_add(out, tmp, sizeof tmp - zs.avail_out);
    } while (r == Z_OK || r == Z_BUF_ERROR);
    deflateEnd(&zs);
    return r == Z_STREAM_END ? 0 : -1;
}

/* Room for n bytes in b (its length set to 0). */
static int buf_room(struct buf *b, size_t n)
{
    b->len = 0;
    if (b->cap <= n) {
        unsigned char *np = realloc(b->p, n + 1);
        if (!np)
            return -1;
        b->p = np;
        b->cap = n + 1;
    }
    return 0;
}

static int xz_to(struct buf *out, const void *p, size_t n)
{
    size_t cap = lzma_stream_buffer_bound(n), pos = 0;
    if (buf_room(out, cap) < 0)
        return -1;
    if (lzma_easy_buffer_encode(6, LZMA_CHECK_CRC64, NULL, p, n, out->p, &pos, cap) != LZMA_OK)
        return -1;
    out->len = pos;
    return 0;
}

static int zstd_to(struct buf *out, const void *p, size_t n)
{
    size_t cap = ZSTD_compressBound(n);
    if (buf_room(out, cap) < 0)
        return -1;
    size_t k = ZSTD_compress(out->p, cap, p, n, 3);
    if (ZSTD_isError(k))
        return -1;
    out->len = k;
    return 0;
}

/* ---- a zip writer ----------------------------------------------------------- */

#define SIG_LOCAL 0x04034b50u
#define SIG_CENTRAL 0x02014b50u
#define SIG_END 0x06054b50u
#define SIG_END64 0x06064b50u
#define SIG_LOC64 0x07064b50u
#define SIG_DESC 0x08074b50u

/* One member to write.  Zeroed fields give a plain member. */
struct zf {
    const char *name;
    size_t nlen;              /* 0: strlen(name) */
    const void *data;         /* the member's bytes */
    size_t len;
    int method;               /* 0 and 8 are made here, 93 and 95 too; others: raw */
    const void *raw;          /* compressed bytes as stored, for the other methods */
    size_t rawlen;
    unsigned flags;           /* extra flag bits (1: encrypted) */
    int desc;                 /* 0: no data descriptor; 1: with its signature; 2: without */
    int local_sizes;          /* with desc: the local header still holds the sizes */
    int zip64;                /* zip64 extra fields, 0xFFFFFFFF in the headers */
    uint32_t crc_xor;         /* lies: in the CRC everywhere, */
    int64_t usize_add;        /* ... in the uncompressed size, */
    int64_t csize_add;        /* ... in the compressed size (not the data) */
    const void *pad;          /* bytes written after the data, before the descriptor */
    size_t padlen;
};

static struct {
    unsigned n;
    uint64_t cdoff;           /* where zw_end put the central directory */
    uint64_t offs[64];        /* local header offsets */
} zw;

static void zw_reset(void)
{
    ar.len = cdir.len = 0;
    zw.n = 0;
    zw.cdoff = 0;
}

/* Appends member f: local header, data, descriptor; its central entry
 * goes to cdir. */
static int zw_add(const struct zf *f)
{
    size_t nlen = f->nlen ? f->nlen : strlen(f->name);
    const void *cp = f->raw;
    size_t clen = f->rawlen;
    if (!f->raw) {
        if (f->method == 0) {
            cp = f->data;
            clen = f->len;
        } else if (f->method == 8 || f->method == 93 || f->method == 95) {
            int rc = f->method == 8    ? deflate_to(&comp, f->data, f->len, 0, 6)
                     : f->method == 93 ? zstd_to(&comp, f->data, f->len)
                                       : xz_to(&comp, f->data, f->len);
            if (rc < 0)
                return -1;
            cp = comp.p;
            clen = comp.len;
        }
    }
    uint32_t crc = (uint32_t)crc32(0, f->data, (uInt)f->len) ^ f->crc_xor;
    uint64_t us = (uint64_t)((int64_t)f->len + f->usize_add);
    uint64_t cs = (uint64_t)((int64_t)clen + f->csize_add);
    uint64_t off = ar.len;
    unsigned flags = f->flags | (f->desc ? 8u : 0u);
    int zeros = f->desc && !f->local_sizes;
    if (zw.n < 64)
        zw.offs[zw.n] = off;
    /* local header */
    le32(&ar, SIG_LOCAL);
    le16(&ar, f->zip64 ? 45 : 20);
    le16(&ar, flags);
    le16(&ar, (unsigned)f->method);
    le16(&ar, 0);
    le16(&ar, 0x21);
    le32(&ar, zeros ? 0 : crc);
    if (f->zip64) {
        le32(&ar, 0xFFFFFFFFu);
        le32(&ar, 0xFFFFFFFFu);
    } else {
        le32(&ar, zeros ? 0 : (uint32_t)cs);
        le32(&ar, zeros ? 0 : (uint32_t)us);
    }
    le16(&ar, (unsigned)nlen);
    le16(&ar, f->zip64 ? 20 : 0);
    buf_add(&ar, f->name, nlen);
    if (f->zip64) {
        le16(&ar, 1);
        le16(&ar, 16);
        le64(&ar, zeros ? 0 : us);
        le64(&ar, zeros ? 0 : cs);
    }
    buf_add(&ar, cp, clen);
    if (f->padlen)
        buf_add(&ar, f->pad, f->padlen);
    if (f->desc) {
        if (f->desc == 1)
            le32(&ar, SIG_DESC);
        le32(&ar, crc);
        if (f->zip64) {
            le64(&ar, cs);
            le64(&ar, us);
        } else {
            le32(&ar, (uint32_t)cs);
            le32(&ar, (uint32_t)us);
        }
    }
    /* central entry */
    le32(&cdir, SIG_CENTRAL);
    le16(&cdir, 0x031E);
    le16(&cdir, f->zip64 ? 45 : 20);
    le16(&cdir, flags);
    le16(&cdir, (unsigned)f->method);
    le16(&cdir, 0);
    le16(&cdir, 0x21);
    le32(&cdir, crc);
    le32(&cdir, f->zip64 ? 0xFFFFFFFFu : (uint32_t)cs);
    le32(&cdir, f->zip64 ? 0xFFFFFFFFu : (uint32_t)us);
    le16(&cdir, (unsigned)nlen);
    le16(&cdir, f->zip64 ? 28 : 0);
    le16(&cdir, 0);
    le16(&cdir, 0);
    le16(&cdir, 0);
    le32(&cdir, 0);
    le32(&cdir, f->zip64 ? 0xFFFFFFFFu : (uint32_t)off);
    buf_add(&cdir, f->name, nlen);
    if (f->zip64) {
        le16(&cdir, 1);
        le16(&cdir, 24);
        le64(&cdir, us);
        le64(&cdir, cs);
        le64(&cdir, off);
    }
    zw.n++;
    return 0;
}

/* The central directory and the end record (after a zip64 end record and
 * its locator if z64). */
static void zw_end(int z64)
{
    uint64_t cdoff = ar.len, cdsize = cdir.len;
    zw.cdoff = cdoff;
    buf_add(&ar, cdir.p, cdir.len);
    if (z64) {
        uint64_t at = ar.len;
        le32(&ar, SIG_END64);
        le64(&ar, 44);
        le16(&ar, 45);
        le16(&ar, 45);
        le32(&ar, 0);
        le32(&ar, 0);
        le64(&ar, zw.n);
        le64(&ar, zw.n);
        le64(&ar, cdsize);
        le64(&ar, cdoff);
        le32(&ar, SIG_LOC64);
        le32(&ar, 0);
        le64(&ar, at);
        le32(&ar, 1);
    }
    le32(&ar, SIG_END);
    le16(&ar, 0);
    le16(&ar, 0);
    le16(&ar, z64 ? 0xFFFF : zw.n);
    le16(&ar, z64 ? 0xFFFF : zw.n);
    le32(&ar, z64 ? 0xFFFFFFFFu : (uint32_t)cdsize);
    le32(&ar, z64 ? 0xFFFFFFFFu : (uint32_t)cdoff);
    le16(&ar, 0);
}

/* Offset in ar of central entry i (from 0), after zw_end. */
static size_t cd_entry(unsigned i)
{
    size_t at = (size_t)zw.cdoff;
    while (i--)
        at += 46 + get16(ar.p + at + 28) + get16(ar.p + at + 30) + get16(ar.p + at + 32);
    return at;
}

/* Offset in ar of the end record (no comment). */
static size_t end_record(void)
{
    return ar.len - 22;
}

/* A whole archive of text members, deflate. */
static int zip_of(struct buf *out, const char *const *names, const char *const *texts, int n,
                  int method)
{
    zw_reset();
    for (int i = 0; i < n; i++) {
        struct zf f = {.name = names[i], .data = texts[i], .len = strlen(texts[i]),
                       .method = method};
        if (zw_add(&f) < 0)
            return -1;
    }
    zw_end(0);
    out->len = 0;
    buf_add(out, ar.p, ar.len);
    return 0;
}

/* ---- what a walk meets -------------------------------------------------- */

enum { E_LEAF = 1, E_CONT, E_END };

#define MAXE 48
#define ANY_NEG (-100)   /* an expected status: any failure */

struct entry {
    int kind;
    char disp[600];
    char name[300];
    char chain[160];      /* layers detected on a leaf, "gzip" or "" */
    int det;              /* what bs_detect returned on the member */
    struct buf data;      /* a leaf's bytes */
    int rc;               /* BS_END, or the failure */
    int limit;            /* bs_limit after a BS_ELIMIT */
    char err[700];        /* the message; "" after BS_END */
    int prefix;           /* expected entries: err only has to begin the message */
};

struct walk {
    struct entry e[MAXE];
    int n;
    int broken;           /* a contract was broken: why says how */
    char why[400];
};

static struct walk want_w, got_w;

static struct entry *new_entry(struct walk *w, int kind)
{
    if (w->n >= MAXE) {
        w->broken = 1;
        snprintf(w->why, sizeof w->why, "more than %d entries", MAXE);
        return &w->e[MAXE - 1];
    }
    struct entry *e = &w->e[w->n++];
    struct buf keep = e->data;
    memset(e, 0, sizeof *e);
    e->data = keep;
    e->data.len = 0;
    e->kind = kind;
    return e;
}

static void want_reset(void)
{
    want_w.n = 0;
    want_w.broken = 0;
}

/* A leaf read to its end. */
static void want_leaf(const char *disp, const char *name, const char *chain, const void *p,
                      size_t n)
{
    struct entry *e = new_entry(&want_w, E_LEAF);
    snprintf(e->disp, sizeof e->disp, "%s", disp);
    snprintf(e->name, sizeof e->name, "%s", name);
    snprintf(e->chain, sizeof e->chain, "%s", chain);
    buf_add(&e->data, p, n);
    e->rc = BS_END;
}

/* A leaf whose reading fails with rc and message err (err ending in '*':
 * only its beginning is compared) after the bytes p[0..n). */
static void want_leaf_fail(const char *disp, const char *name, const char *chain, const void *p,
                           size_t n, int rc, const char *err)
{
    struct entry *e = new_entry(&want_w, E_LEAF);
    snprintf(e->disp, sizeof e->disp, "%s", disp);
    snprintf(e->name, sizeof e->name, "%s", name);
    snprintf(e->chain, sizeof e->chain, "%s", chain);
    buf_add(&e->data, p, n);
    e->rc = rc;
    size_t k = strlen(err);
    e->prefix = k && err[k - 1] == '*';
    snprintf(e->err, sizeof e->err, "%.*s", (int)(e->prefix ? k - 1 : k), err);
}

static void want_container(const char *disp, const char *name)
{
    struct entry *e = new_entry(&want_w, E_CONT);
    snprintf(e->disp, sizeof e->disp, "%s", disp);
    snprintf(e->name, sizeof e->name, "%s", name);
}

/* The end of a container's walk: BS_END, or a failure with its message. */
static void want_end(int rc, const char *err)
{
    struct entry *e = new_entry(&want_w, E_END);
    e->rc = rc;
    size_t k = strlen(err);
    e->prefix = k && err[k - 1] == '*';
    snprintf(e->err, sizeof e->err, "%.*s", (int)(e->prefix ? k - 1 : k), err);
}

/* ---- ways of walking -------------------------------------------------------- */

enum { U_MEMORY, U_MMAP, U_PREAD, U_TRICKLE, U_CHUNKS };
enum { D_WHOLE, D_GROW, D_READ };
static const char *const under_name[] = {"memory", "file mapped", "file read", "trickle",
                                         "chunks"};
static const char *const drain_name[] = {"whole windows", "grown windows", "bs_read"};

struct way {
    int under;
    int drain;
};

#define WAYS_CD 1      /* central directory mode */
#define WAYS_STREAM 2  /* streaming mode */
#define WAYS_ALL 3
#define WAYS_FAST 4    /* leave out the trickle (large archives) */

static const struct way ways[] = {
    {U_MEMORY, D_WHOLE}, {U_MEMORY, D_READ}, {U_MMAP, D_WHOLE}, {U_PREAD, D_GROW},
    {U_TRICKLE, D_WHOLE}, {U_CHUNKS, D_GROW}, {U_CHUNKS, D_READ},
};
#define NWAYS (sizeof ways / sizeof ways[0])

static int is_stream(const struct way *w)
{
    return w->under == U_TRICKLE || w->under == U_CHUNKS;
}

/* Detection on members: bs_detect's max_depth (0: no detection at all).
 * Room for the containers and the test layer below a member, and for the
 * layers of a member of a member. */
static int member_depth = 8;
static const char *tmp_path;   /* a scratch file for the file ways */

static int is_test_layer(const char *name)
{
    return !strcmp(name, "trickle") || !strcmp(name, "chunks");
}

/* The layers above container c, by name, "gzip > utf-16le". */
static void chain_of(byte_source *s, int c, char *out, size_t len)
{
    size_t k = 0;
    out[0] = 0;
    for (int i = c + 1; i < bs_layer_count(s); i++) {
        const char *nm = bs_layer_name(s, i);
        if (is_test_layer(nm))
            continue;
        int m = snprintf(out + k, len - k, "%s%s", k ? " > " : "", nm);
        if (m < 0 || (size_t)m >= len - k)
            break;
        k += (size_t)m;
    }
}

static void broken(struct walk *w, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static void broken(struct walk *w, const char *fmt, ...)
{
    if (w->broken)
        return;
    w->broken = 1;
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(w->why, sizeof w->why, fmt, ap);
    va_end(ap);
}

/* A failure must stick, with the same message. */
static void check_sticky(struct walk *w, byte_source *s, struct entry *e, int rc)
{
    const void *p;
    size_t n;
    int again = bs_peek(s, 1, &p, &n);
    if (again != rc || n != 0)
        broken(w, "%s: after status %d a peek gave %d with %zu bytes", e->disp, rc, again, n);
    if (strcmp(bs_error(s), e->err) != 0)
        broken(w, "%s: the message changed from \"%s\" to \"%s\"", e->disp, e->err, bs_error(s));
}

/* Reads the current member to its end or failure into e. */
static void drain(struct walk *w, byte_source *s, int mode, struct entry *e)
{
    int rc;
    size_t want = 1;
    if (bs_tell(s) != 0)
        broken(w, "%s: bs_tell %llu at the start of a member", e->disp,
               (unsigned long long)bs_tell(s));
    for (;;) {
        const void *pv;
        size_t n;
        if (mode == D_READ) {
            unsigned char tmp[7];
            rc = bs_read(s, tmp, sizeof tmp, &n);
            if (rc == BS_OK && (n == 0 || n > sizeof tmp))
                broken(w, "%s: bs_read gave BS_OK with %zu bytes", e->disp, n);
            if (rc != BS_OK && n)
                broken(w, "%s: bs_read gave %zu bytes with status %d", e->disp, n, rc);
            buf_add(&e->data, tmp, n);
            if (rc != BS_OK)
                break;
        } else {
            rc = bs_peek(s, want, &pv, &n);
            if (rc == BS_OK && n == 0)
                broken(w, "%s: BS_OK with an empty window", e->disp);
            if (rc == BS_END && n != 0)
                broken(w, "%s: BS_END with %zu bytes", e->disp, n);
            if (rc < 0) {
                /* the bytes decoded before the failure are still there */
                buf_add(&e->data, pv, n);
                if (n && bs_consume(s, n) != BS_OK)
                    broken(w, "%s: consume before a failure failed", e->disp);
                break;
            }
            if (rc == BS_END)
                break;
            if (mode == D_GROW && n >= want && n < (256u << 10)) {
                want = n + 1;   /* ask for one byte more than there is */
                continue;
            }
            buf_add(&e->data, pv, n);
            if (bs_consume(s, n) != BS_OK)
                broken(w, "%s: consume of a whole window failed", e->disp);
            want = 1;
        }
        if (bs_tell(s) != e->data.len)
            broken(w, "%s: bs_tell %llu after %zu bytes", e->disp,
                   (unsigned long long)bs_tell(s), e->data.len);
    }
    e->rc = rc;
    if (rc < 0) {
        snprintf(e->err, sizeof e->err, "%s", bs_error(s));
        e->limit = bs_limit(s);
        if ((rc == BS_ELIMIT) != (e->limit != BS_LIMIT_NONE))
            broken(w, "%s: status %d but bs_limit %d", e->disp, rc, e->limit);
        check_sticky(w, s, e, rc);
    } else {
        const void *p;
        size_t n;
        if (bs_peek(s, 1, &p, &n) != BS_END || n)
            broken(w, "%s: BS_END did not stick", e->disp);
    }
}

static void walk_container(struct walk *w, byte_source *s, int c, int mode, int depth)
{
    int rc;
    if (bs_member_name(s, c) != NULL)
        broken(w, "a member name before the first member");
    while ((rc = bs_next_member(s, c)) == BS_OK) {
        const char *nm = bs_member_name(s, c);
        if (!nm) {
            broken(w, "bs_member_name is NULL on a member");
            nm = "";
        }
        char name[300], disp[600];
        snprintf(name, sizeof name, "%s", nm);
        snprintf(disp, sizeof disp, "%s", bs_display_name(s));
        int det = member_depth ? bs_detect(s, member_depth) : 0;
        int top = bs_layer_count(s) - 1;
        if (det >= 0 && top > c && bs_layer_is_container(s, top)) {
            struct entry *e = new_entry(w, E_CONT);
            snprintf(e->name, sizeof e->name, "%s", name);
            snprintf(e->disp, sizeof e->disp, "%s", disp);
            e->det = det;
            if (depth < 6)
                walk_container(w, s, top, mode, depth + 1);
        } else {
            struct entry *e = new_entry(w, E_LEAF);
            snprintf(e->name, sizeof e->name, "%s", name);
            snprintf(e->disp, sizeof e->disp, "%s", disp);
            chain_of(s, c, e->chain, sizeof e->chain);
            e->det = det;
            drain(w, s, mode, e);
            /* the member's name stays while it is read */
            if (strcmp(bs_display_name(s), disp) != 0)
                broken(w, "%s: display name became \"%s\"", disp, bs_display_name(s));
        }
    }
    struct entry *e = new_entry(w, E_END);
    e->rc = rc;
    if (rc < 0) {
        snprintf(e->err, sizeof e->err, "%s", bs_error(s));
        e->limit = bs_limit(s);
        if ((rc == BS_ELIMIT) != (e->limit != BS_LIMIT_NONE))
            broken(w, "container: status %d but bs_limit %d", rc, e->limit);
    } else if (rc != BS_END) {
        broken(w, "bs_next_member returned %d", rc);
    }
    /* the end sticks, as a failure does, and never hangs */
    int again = bs_next_member(s, c);
    if (again != rc)
        broken(w, "bs_next_member after %d gave %d", rc, again);
    if (rc < 0 && strcmp(bs_error(s), e->err) != 0)
        broken(w, "container: the message changed from \"%s\" to \"%s\"", e->err, bs_error(s));
}

/* Options of the next walks; reset by every case. */
static bs_options opt;

static void opt_reset(void)
{
    bs_options_init(&opt);
}

static int write_file(const char *path, const void *p, size_t n)
{
    FILE *f = fopen(path, "wb");
    if (!f)
        return -1;
    int ok = fwrite(p, 1, n, f) == n;
    return fclose(f) == 0 && ok ? 0 : -1;
}

/* Walks data as way wy says into got_w; returns bs_detect's status on the
 * archive itself. */
static int walk(const void *data, size_t len, const struct way *wy)
{
    got_w.n = 0;
    got_w.broken = 0;
    byte_source *s = NULL;
    bs_options o = opt;
    int rc;
    if (wy->under == U_MMAP || wy->under == U_PREAD) {
        if (write_file(tmp_path, data, len) < 0) {
            broken(&got_w, "cannot write %s", tmp_path);
            return BS_EIO;
        }
        o.mmap_mode = wy->under == U_MMAP ? BS_MMAP_ALWAYS : BS_MMAP_NEVER;
        rc = bs_open_path(&s, tmp_path, &o);
    } else {
        rc = bs_open_memory(&s, data, len, "in", &o);
    }
    if (rc != BS_OK) {
        broken(&got_w, "open failed: %s", bs_error(s));
        bs_close(s);
        return rc;
    }
    if (wy->under == U_TRICKLE || wy->under == U_CHUNKS) {
        struct bs_layer *l;
        if (bs_layer_add(s, wy->under == U_TRICKLE ? &trickle_ops : &chunk_ops, &l) != BS_OK)
            broken(&got_w, "cannot add the test layer");
    }
    int det = bs_detect(s, 4);
    int top = bs_layer_count(s) - 1;
    if (det < 0) {
        broken(&got_w, "bs_detect on the archive failed (%d): %s", det, bs_error(s));
    } else if (!bs_layer_is_container(s, top) || strcmp(bs_layer_name(s, top), "zip") != 0) {
        broken(&got_w, "the archive was not detected as a zip (top layer %s)",
               bs_layer_name(s, top));
    } else {
        if (bs_layer_is_container(s, 0) || bs_layer_is_container(s, top - 1))
            broken(&got_w, "a layer below the zip is a container");
        walk_container(&got_w, s, top, wy->drain, 0);
    }
    bs_close(s);
    return det;
}

static const char *kind_name(int k)
{
    return k == E_LEAF ? "leaf" : k == E_CONT ? "container member" : "end";
}

/* A message that replaces the file name of the file ways by "in", so that
 * every way can expect the same. */
static void fix_name(char *msg)
{
    size_t k = strlen(tmp_path);
    if (strncmp(msg, tmp_path, k) == 0) {
        memmove(msg + 2, msg + k, strlen(msg + k) + 1);
        memcpy(msg, "in", 2);
    }
}

/* The test layers are named in the chain of messages ("in: trickle >
 * zip: ..."): they are taken out, so that every way expects the same. */
static void drop_test_layers(char *msg)
{
    static const char *const names[] = {"trickle > ", "chunks > "};
    for (int i = 0; i < 2; i++) {
        char *p;
        while ((p = strstr(msg, names[i])) != NULL)
            memmove(p, p + strlen(names[i]), strlen(p + strlen(names[i])) + 1);
    }
}

static int err_match(const struct entry *want, const char *got)
{
    return want->prefix ? strncmp(got, want->err, strlen(want->err)) == 0
                        : strcmp(got, want->err) == 0;
}

/* Compares got_w with want_w; on a difference writes why into unit_why
 * and returns 1. */
static int differs(const char *way)
{
    if (got_w.broken) {
        snprintf(unit_why, sizeof unit_why, "%s: %s", way, got_w.why);
        return 1;
    }
    for (int i = 0; i < got_w.n || i < want_w.n; i++) {
        if (i >= got_w.n || i >= want_w.n) {
            const struct entry *x = i >= got_w.n ? &want_w.e[i] : &got_w.e[i];
            snprintf(unit_why, sizeof unit_why, "%s: entry %d: %s %s \"%s\" (%d, \"%s\")", way,
                     i + 1, i >= got_w.n ? "missing" : "extra", kind_name(x->kind), x->disp,
                     x->rc, x->err);
            return 1;
        }
        struct entry *g = &got_w.e[i];
        const struct entry *x = &want_w.e[i];
        if (g->kind == E_LEAF || g->kind == E_CONT) {
            fix_name(g->disp);
        }
        fix_name(g->err);
        drop_test_layers(g->err);
        if (g->kind != x->kind) {
            snprintf(unit_why, sizeof unit_why, "%s: entry %d: %s \"%s\" (%d, \"%s\") where %s "
                     "\"%s\" was expected", way, i + 1, kind_name(g->kind), g->disp, g->rc, g->err,
                     kind_name(x->kind), x->disp);
            return 1;
        }
        if (g->kind != E_END && (strcmp(g->disp, x->disp) || strcmp(g->name, x->name))) {
            snprintf(unit_why, sizeof unit_why, "%s: entry %d: \"%s\" (name \"%s\"), expected "
                     "\"%s\" (name \"%s\")", way, i + 1, g->disp, g->name, x->disp, x->name);
            return 1;
        }
        if (g->kind == E_LEAF && strcmp(g->chain, x->chain)) {
            snprintf(unit_why, sizeof unit_why, "%s: %s: layers \"%s\", expected \"%s\"", way,
                     g->disp, g->chain, x->chain);
            return 1;
        }
        if (g->kind != E_CONT &&
            (x->rc == ANY_NEG ? g->rc >= 0 : g->rc != x->rc || !err_match(x, g->err))) {
            snprintf(unit_why, sizeof unit_why, "%s: %s %s: status %d \"%s\", expected %d \"%s%s\"",
                     way, kind_name(g->kind), g->disp, g->rc, g->err, x->rc, x->err,
                     x->prefix ? "...": "");
            return 1;
        }
        if (g->kind == E_LEAF &&
            (g->data.len != x->data.len || (g->data.len && memcmp(g->data.p, x->data.p, g->data.len)))) {
            size_t k = 0;
            while (k < g->data.len && k < x->data.len && g->data.p[k] == x->data.p[k])
                k++;
            snprintf(unit_why, sizeof unit_why, "%s: %s: %zu bytes, expected %zu; first "
                     "difference at byte %zu", way, g->disp, g->data.len, x->data.len, k);
            return 1;
        }
    }
    return 0;
}

static char way_label[96];
static const char *label_of(const struct way *wy)
{
    snprintf(way_label, sizeof way_label, "%s, %s", under_name[wy->under], drain_name[wy->drain]);
    return way_label;
}

/* Walks data in each way of `which` (WAYS_*) and compares with want_w;
 * 0 if all agree, else 1 with unit_why set. */
static int all_ways(const void *data, size_t len, int which)
{
    for (size_t i = 0; i < NWAYS; i++) {
        const struct way *wy = &ways[i];
        if (!(which & (is_stream(wy) ? WAYS_STREAM : WAYS_CD)))
            continue;
        if ((which & WAYS_FAST) && wy->under == U_TRICKLE)
            continue;
        walk(data, len, wy);
        if (differs(label_of(wy)))
            return 1;
    }
    return 0;
}

#define ALL_WAYS(data, len, which)             \
    do {                                       \
        if (all_ways((data), (len), (which))) { \
            unit_failed = 1;                   \
            return;                            \
        }                                      \
    } while (0)

/* ---- texts ---------------------------------------------------------------- */

static const char txt_a[] = "alpha line one\nsecond line of a\n";
static const char txt_b[] = "beta: a member of exactly one line without a newline";
static const char txt_c[] = "gamma\n\n\tindented\r\nwith CRLF\r\nend\n";

/* n lines "NNNNNN tag lorem ipsum...\n" into b (text that deflates ~4:1). */
static void make_lines(struct buf *b, size_t n, const char *tag)
{
    b->len = 0;
    uint32_t x = 0x9e3779b9u;
    for (size_t i = 0; i < n; i++) {
        x ^= x << 13;
        x ^= x >> 17;
        x ^= x << 5;
        buf_fmt(b, "%06zu %s %08x lorem ipsum dolor sit amet %u\n", i, tag, x, x % 977);
    }
}

/* ---- the cases ---------------------------------------------------------- */

/* Stored, deflate, an empty member, a directory (skipped), deflate with
 * data descriptors with and without their signature, a stored member with
 * a descriptor (readable in central directory mode only). */
static void test_basic(void)
{
    opt_reset();
    zw_reset();
    make_lines(&t1, 300, "lines");
    struct zf fs[] = {
        {.name = "a.txt", .data = txt_a, .len = strlen(txt_a), .method = 0},
        {.name = "dir/", .data = "", .len = 0, .method = 0},
        {.name = "dir/b.txt", .data = txt_b, .len = strlen(txt_b), .method = 8},
        {.name = "empty", .data = "", .len = 0, .method = 0},
        {.name = "dir/sub/", .data = "", .len = 0, .method = 0},
        {.name = "lines.txt", .data = t1.p, .len = t1.len, .method = 8, .desc = 1},
        {.name = "c.txt", .data = txt_c, .len = strlen(txt_c), .method = 8, .desc = 2},
        {.name = "empty-deflate", .data = "", .len = 0, .method = 8, .desc = 1},
    };
    for (size_t i = 0; i < sizeof fs / sizeof fs[0]; i++)
        CHECK(zw_add(&fs[i]) == 0);
    zw_end(0);
    want_reset();
    want_leaf("in{a.txt}", "a.txt", "", txt_a, strlen(txt_a));
    want_leaf("in{dir/b.txt}", "dir/b.txt", "", txt_b, strlen(txt_b));
    want_leaf("in{empty}", "empty", "", "", 0);
    want_leaf("in{lines.txt}", "lines.txt", "", t1.p, t1.len);
    want_leaf("in{c.txt}", "c.txt", "", txt_c, strlen(txt_c));
    want_leaf("in{empty-deflate}", "empty-deflate", "", "", 0);
    want_end(BS_END, "");
    ALL_WAYS(ar.p, ar.len, WAYS_ALL);
}

/* The container API around the walk. */
static void test_api(void)
{
    opt_reset();
    const char *names[] = {"one", "two"};
    const char *texts[] = {txt_a, txt_b};
    CHECK(zip_of(&t4, names, texts, 2, 8) == 0);
    byte_source *s;
    CHECK(bs_open_memory(&s, t4.p, t4.len, "arch.zip", NULL) == BS_OK);
    CHECK(bs_next_member(s, 0) == BS_EINVAL);
    CHECK(bs_detect(s, 4) == 1);
    CHECK(bs_layer_count(s) == 2);
    CHECK(strcmp(bs_layer_name(s, 1), "zip") == 0);
    CHECK(bs_layer_is_container(s, 1) == 1);
    CHECK(bs_layer_is_container(s, 0) == 0);
    CHECK(bs_layer_is_container(s, 2) == 0);
    CHECK(bs_member_name(s, 1) == NULL);
    CHECK(bs_member_name(s, 0) == NULL);
    CHECK(strcmp(bs_display_name(s), "arch.zip") == 0);
    /* the container's own bytes, before the first member: none */
    const void *p;
    size_t n;
    CHECK(bs_peek(s, 1, &p, &n) == BS_END && n == 0);
    CHECK(bs_next_member(s, 1) == BS_OK);
    CHECK(strcmp(bs_member_name(s, 1), "one") == 0);
    CHECK(strcmp(bs_display_name(s), "arch.zip{one}") == 0);
    CHECK(bs_tell(s) == 0);
    CHECK(bs_peek(s, 5, &p, &n) == BS_OK && n >= 5 && memcmp(p, txt_a, 5) == 0);
    CHECK(bs_consume(s, 5) == BS_OK && bs_tell(s) == 5);
    /* leaving a member half read */
    CHECK(bs_next_member(s, 1) == BS_OK);
    CHECK(strcmp(bs_member_name(s, 1), "two") == 0);
    CHECK(bs_tell(s) == 0);
    /* a layer pushed on a member is dropped by the next call */
    CHECK(bs_push(s, "utf-16le") == BS_OK);
    CHECK(bs_layer_count(s) == 3);
    CHECK(bs_next_member(s, 2) == BS_EINVAL);
    CHECK(bs_next_member(s, 1) == BS_END);
    CHECK(bs_layer_count(s) == 2);
    CHECK(bs_member_name(s, 1) == NULL);
    CHECK(strcmp(bs_display_name(s), "arch.zip") == 0);
    CHECK(bs_next_member(s, 1) == BS_END);
    CHECK(bs_peek(s, 1, &p, &n) == BS_END && n == 0);
    bs_close(s);
}

/* Member names with {, }, \ and a newline: bs_member_name as stored,
 * bs_display_name escaped. */
static void test_display_escapes(void)
{
    opt_reset();
    zw_reset();
    struct zf fs[] = {
        {.name = "a{b}.txt", .data = "x\n", .len = 2},
        {.name = "back\\slash", .data = "y\n", .len = 2, .method = 8},
        {.name = "new\nline", .data = "z\n", .len = 2},
        {.name = "{}\\\x01\x7f", .data = "w\n", .len = 2, .method = 8},
        {.name = "d{ir}/f", .data = "v\n", .len = 2},
    };
    for (size_t i = 0; i < sizeof fs / sizeof fs[0]; i++)
        CHECK(zw_add(&fs[i]) == 0);
    zw_end(0);
    want_reset();
    want_leaf("in{a\\{b\\}.txt}", "a{b}.txt", "", "x\n", 2);
    want_leaf("in{back\\\\slash}", "back\\slash", "", "y\n", 2);
    want_leaf("in{new\\x0Aline}", "new\nline", "", "z\n", 2);
    want_leaf("in{\\{\\}\\\\\\x01\\x7F}", "{}\\\x01\x7f", "", "w\n", 2);
    want_leaf("in{d\\{ir\\}/f}", "d{ir}/f", "", "v\n", 2);
    want_end(BS_END, "");
    ALL_WAYS(ar.p, ar.len, WAYS_ALL);
}

/* An archive with no members: its end record alone. */
static void test_empty(void)
{
    opt_reset();
    zw_reset();
    zw_end(0);
    CHECK(ar.len == 22);
    want_reset();
    want_end(BS_END, "");
    ALL_WAYS(ar.p, ar.len, WAYS_STREAM);
    ALL_WAYS(ar.p, ar.len, WAYS_CD);
}

/* zip64: extra fields in the local and central headers with 0xFFFFFFFF in
 * the headers, the zip64 end record and its locator; with descriptors of
 * 8-byte sizes in streaming mode. */
static void test_zip64(void)
{
    opt_reset();
    zw_reset();
    make_lines(&t1, 2000, "z64");
    struct zf fs[] = {
        {.name = "s64", .data = txt_a, .len = strlen(txt_a), .method = 0, .zip64 = 1},
        {.name = "d64", .data = t1.p, .len = t1.len, .method = 8, .zip64 = 1},
        {.name = "plain", .data = txt_b, .len = strlen(txt_b), .method = 8},
        {.name = "d64desc", .data = txt_c, .len = strlen(txt_c), .method = 8, .zip64 = 1,
         .desc = 1},
        {.name = "d64desc-nosig", .data = t1.p, .len = 999, .method = 8, .zip64 = 1, .desc = 2},
    };
    for (size_t i = 0; i < sizeof fs / sizeof fs[0]; i++)
        CHECK(zw_add(&fs[i]) == 0);
    zw_end(1);
    want_reset();
    want_leaf("in{s64}", "s64", "", txt_a, strlen(txt_a));
    want_leaf("in{d64}", "d64", "", t1.p, t1.len);
    want_leaf("in{plain}", "plain", "", txt_b, strlen(txt_b));
    want_leaf("in{d64desc}", "d64desc", "", txt_c, strlen(txt_c));
    want_leaf("in{d64desc-nosig}", "d64desc-nosig", "", t1.p, 999);
    want_end(BS_END, "");
    ALL_WAYS(ar.p, ar.len, WAYS_ALL);
    /* the zip64 end record is what counts: the plain one's fields are
     * 0xFFFF... and would place nothing */
    CHECK(get32(ar.p + end_record() + 16) == 0xFFFFFFFFu);
}

/* A member beyond 4 GiB in a sparse file: only its zip64 offset reaches
 * it (central directory mode). */
static void test_zip64_offset(void)
{
    opt_reset();
    const uint64_t at = ((uint64_t)1 << 32) + 12345;
    zw_reset();
    struct zf f = {.name = "far.txt", .data = txt_a, .len = strlen(txt_a), .method = 8,
                   .zip64 = 1};
    CHECK(zw_add(&f) == 0);
    struct zf g = {.name = "far2.txt", .data = txt_c, .len = strlen(txt_c), .method = 0,
                   .zip64 = 1};
    CHECK(zw_add(&g) == 0);
    /* the local headers and data go at `at`; the central entries carry
     * offsets relative to it, fixed up below */
    zw_end(1);
    /* patch the offsets (central: zip64 extra) and the directory's */
    for (unsigned i = 0; i < 2; i++) {
        size_t e = cd_entry(i);
        size_t x = e + 46 + get16(ar.p + e + 28) + 4 + 16;
        uint64_t o = zw.offs[i] + at;
        for (int k = 0; k < 8; k++)
            ar.p[x + k] = (unsigned char)(o >> 8 * k);
    }
    size_t e64 = ar.len - 22 - 20 - 56;
    uint64_t cdoff = zw.cdoff + at;
    for (int k = 0; k < 8; k++)
        ar.p[e64 + 48 + k] = (unsigned char)(cdoff >> 8 * k);
    uint64_t loc = e64 + at;
    for (int k = 0; k < 8; k++)
        ar.p[ar.len - 22 - 20 + 8 + k] = (unsigned char)(loc >> 8 * k);
    int fd = open(tmp_path, O_RDWR | O_CREAT | O_TRUNC, 0600);
    CHECK(fd >= 0);
    int ok = pwrite(fd, ar.p, ar.len, (off_t)at) == (ssize_t)ar.len;
    struct stat sb;
    ok = ok && fstat(fd, &sb) == 0;
    close(fd);
    CHECK(ok);
    if ((uint64_t)sb.st_blocks * 512 > ((uint64_t)64 << 20)) {
        /* no sparse files here: nothing to learn at that cost */
        unlink(tmp_path);
        return;
    }
    for (int m = 0; m < 2; m++) {
        bs_options o;
        bs_options_init(&o);
        o.mmap_mode = m ? BS_MMAP_NEVER : BS_MMAP_ALWAYS;
        byte_source *s;
        CHECK(bs_open_path(&s, tmp_path, &o) == BS_OK || (bs_close(s), 0));
        int det = bs_detect(s, 4);
        /* the file starts with zeros: nothing bids, so the zip is pushed by name */
        if (det == 0 && bs_layer_count(s) == 1)
            det = bs_push(s, "zip") == BS_OK ? 1 : -1;
        int good = det == 1;
        int rc1 = good ? bs_next_member(s, 1) : -99;
        char got[64] = "";
        size_t n = 0;
        if (rc1 == BS_OK)
            bs_read(s, got, sizeof got - 1, &n);
        int first = rc1 == BS_OK && !strcmp(bs_member_name(s, 1), "far.txt") &&
                    n == strlen(txt_a) && !memcmp(got, txt_a, n);
        int rc2 = good ? bs_next_member(s, 1) : -99;
        n = 0;
        if (rc2 == BS_OK)
            bs_read(s, got, sizeof got - 1, &n);
        int second = rc2 == BS_OK && n == strlen(txt_c) && !memcmp(got, txt_c, n);
        int rc3 = good ? bs_next_member(s, 1) : -99;
        if (!(first && second && rc3 == BS_END))
            snprintf(unit_why, sizeof unit_why, "%s: det %d, members %d %d %d: %s",
                     m ? "pread" : "mmap", det, rc1, rc2, rc3, bs_error(s));
        bs_close(s);
        if (!(first && second && rc3 == BS_END)) {
            unlink(tmp_path);
            unit_failed = 1;
            return;
        }
    }
    unlink(tmp_path);
}

/* Streaming: deflate members with descriptors are found to end where
 * their data does; a wrong CRC or size in the descriptor is reported. */
static void test_descriptor_checks(void)
{
    opt_reset();
    zw_reset();
    struct zf fs[] = {
        {.name = "crc", .data = txt_a, .len = strlen(txt_a), .method = 8, .desc = 1,
         .crc_xor = 0x10},
        {.name = "size", .data = txt_c, .len = strlen(txt_c), .method = 8, .desc = 2,
         .usize_add = 3},
        {.name = "ok", .data = txt_b, .len = strlen(txt_b), .method = 8, .desc = 1},
    };
    for (size_t i = 0; i < sizeof fs / sizeof fs[0]; i++)
        CHECK(zw_add(&fs[i]) == 0);
    zw_end(0);
    char msg[200];
    uint32_t crc = (uint32_t)crc32(0, (const unsigned char *)txt_a, (uInt)strlen(txt_a));
    snprintf(msg, sizeof msg, "in{crc}: zip: CRC mismatch (stored %08x, computed %08x)",
             crc ^ 0x10, crc);
    want_reset();
    want_leaf_fail("in{crc}", "crc", "", txt_a, strlen(txt_a), BS_EFORMAT, msg);
    snprintf(msg, sizeof msg, "in{size}: zip: size mismatch (stored %zu, decoded %zu)",
             strlen(txt_c) + 3, strlen(txt_c));
    want_leaf_fail("in{size}", "size", "", txt_c, strlen(txt_c), BS_EFORMAT, msg);
    want_leaf("in{ok}", "ok", "", txt_b, strlen(txt_b));
    want_end(BS_END, "");
    ALL_WAYS(ar.p, ar.len, WAYS_ALL);
}

/* A stored member with a data descriptor: read in central directory mode;
 * in a stream its end cannot be found: the member fails, and the walk
 * stops with a message (and does not hang). */
static void test_stored_descriptor(void)
{
    opt_reset();
    zw_reset();
    struct zf fs[] = {
        {.name = "first", .data = txt_b, .len = strlen(txt_b), .method = 8},
        {.name = "a.txt", .data = txt_a, .len = strlen(txt_a), .method = 0, .desc = 1},
        {.name = "after", .data = txt_c, .len = strlen(txt_c), .method = 0},
    };
    for (size_t i = 0; i < sizeof fs / sizeof fs[0]; i++)
        CHECK(zw_add(&fs[i]) == 0);
    zw_end(0);
    want_reset();
    want_leaf("in{first}", "first", "", txt_b, strlen(txt_b));
    want_leaf("in{a.txt}", "a.txt", "", txt_a, strlen(txt_a));
    want_leaf("in{after}", "after", "", txt_c, strlen(txt_c));
    want_end(BS_END, "");
    ALL_WAYS(ar.p, ar.len, WAYS_CD);
    /* in a stream, a stored member of unknown size ends at the first
     * descriptor whose CRC and size match what came before it */
    ALL_WAYS(ar.p, ar.len, WAYS_STREAM);
    /* and the same with the member skipped unread */
    byte_source *s;
    CHECK(bs_open_memory(&s, ar.p, ar.len, "in", NULL) == BS_OK);
    struct bs_layer *l;
    CHECK(bs_layer_add(s, &chunk_ops, &l) == BS_OK);
    CHECK(bs_detect(s, 4) == 1);
    int r1 = bs_next_member(s, 2), r2 = bs_next_member(s, 2), r3 = bs_next_member(s, 2);
    int r4 = bs_next_member(s, 2);
    char e3[300];
    snprintf(e3, sizeof e3, "%s", bs_error(s));
    drop_test_layers(e3);
    bs_close(s);
    CHECK(r1 == BS_OK && r2 == BS_OK && r3 == BS_OK && r4 == BS_END);
    (void)e3;
}

/* Encrypted members (flag bit 0, and method 99: AES) are reported and the
 * next members are read. */
static void test_encrypted(void)
{
    opt_reset();
    zw_reset();
    static const unsigned char junk[] = "\x8f\x01\xfe\x22 twelve byte encryption header and data";
    struct zf fs[] = {
        {.name = "plain1", .data = txt_a, .len = strlen(txt_a), .method = 8},
        {.name = "secret.txt", .data = txt_b, .len = strlen(txt_b), .method = 8, .flags = 1,
         .raw = junk, .rawlen = sizeof junk - 1},
        {.name = "plain2", .data = txt_c, .len = strlen(txt_c), .method = 0},
        {.name = "aes.txt", .data = txt_b, .len = strlen(txt_b), .method = 99, .flags = 1,
         .raw = junk, .rawlen = sizeof junk - 1},
        {.name = "stored-secret", .data = txt_b, .len = strlen(txt_b), .method = 0, .flags = 1,
         .raw = junk, .rawlen = sizeof junk - 1},
        {.name = "plain3", .data = txt_b, .len = strlen(txt_b), .method = 8},
    };
    for (size_t i = 0; i < sizeof fs / sizeof fs[0]; i++)
        CHECK(zw_add(&fs[i]) == 0);
    zw_end(0);
    want_reset();
    want_leaf("in{plain1}", "plain1", "", txt_a, strlen(txt_a));
    want_leaf_fail("in{secret.txt}", "secret.txt", "", "", 0, BS_EFORMAT,
                   "in{secret.txt}: zip: encrypted member, not searched");
    want_leaf("in{plain2}", "plain2", "", txt_c, strlen(txt_c));
    want_leaf_fail("in{aes.txt}", "aes.txt", "", "", 0, BS_EFORMAT,
                   "in{aes.txt}: zip: encrypted member, not searched");
    want_leaf_fail("in{stored-secret}", "stored-secret", "", "", 0, BS_EFORMAT,
                   "in{stored-secret}: zip: encrypted member, not searched");
    want_leaf("in{plain3}", "plain3", "", txt_b, strlen(txt_b));
    want_end(BS_END, "");
    ALL_WAYS(ar.p, ar.len, WAYS_ALL);
    /* without detection on the members too (nothing peeks at them) */
    member_depth = 0;
    int bad = all_ways(ar.p, ar.len, WAYS_ALL);
    member_depth = 8;
    if (bad)
        unit_failed = 1;
}

/* Info-ZIP's zip -P sets flag bit 3 on every encrypted member, even
 * when writing to a file, and keeps the sizes in the local header too:
 * in a stream that size is all there is to skip the member by, and the
 * members after it are to be searched as they are from the directory. */
static void test_encrypted_descriptor(void)
{
    opt_reset();
    zw_reset();
    static const unsigned char junk[] = "\x8f\x01\xfe\x22 twelve byte encryption header and data";
    struct zf fs[] = {
        {.name = "plain1", .data = txt_a, .len = strlen(txt_a), .method = 8},
        {.name = "secret.txt", .data = txt_b, .len = strlen(txt_b), .method = 0, .flags = 1,
         .raw = junk, .rawlen = sizeof junk - 1, .desc = 1, .local_sizes = 1},
        {.name = "secret2.txt", .data = txt_b, .len = strlen(txt_b), .method = 8, .flags = 1,
         .raw = junk, .rawlen = sizeof junk - 1, .desc = 1, .local_sizes = 1},
        {.name = "plain2", .data = txt_c, .len = strlen(txt_c), .method = 0},
    };
    for (size_t i = 0; i < sizeof fs / sizeof fs[0]; i++)
        CHECK(zw_add(&fs[i]) == 0);
    zw_end(0);
    want_reset();
    want_leaf("in{plain1}", "plain1", "", txt_a, strlen(txt_a));
    want_leaf_fail("in{secret.txt}", "secret.txt", "", "", 0, BS_EFORMAT,
                   "in{secret.txt}: zip: encrypted member, not searched");
    want_leaf_fail("in{secret2.txt}", "secret2.txt", "", "", 0, BS_EFORMAT,
                   "in{secret2.txt}: zip: encrypted member, not searched");
    want_leaf("in{plain2}", "plain2", "", txt_c, strlen(txt_c));
    want_end(BS_END, "");
    ALL_WAYS(ar.p, ar.len, WAYS_CD);
    ALL_WAYS(ar.p, ar.len, WAYS_STREAM);
}

/* An lzma member (14) whose properties ask for a 4 GiB dictionary: the
 * decoder must be held to xz_memlimit as the xz layer is (BS_ELIMIT,
 * BS_LIMIT_XZ_MEMORY), not allocate it; the next member is read. */
static void test_lzma_memlimit(void)
{
    opt_reset();
    opt.xz_memlimit = (uint64_t)64 << 20;
    static const unsigned char big_dict[] = {0x10, 0x02, 0x05, 0x00, 0x5D, 0xFF, 0xFF, 0xFF, 0xFF,
                                             0x00, 0x30, 0x98, 0x88, 0x4a, 0x00, 0x00, 0x00,
                                             0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00};
    zw_reset();
    struct zf fs[] = {
        {.name = "bomb", .data = txt_a, .len = strlen(txt_a), .method = 14, .raw = big_dict,
         .rawlen = sizeof big_dict},
        {.name = "next", .data = txt_b, .len = strlen(txt_b), .method = 8},
    };
    for (size_t i = 0; i < sizeof fs / sizeof fs[0]; i++)
        CHECK(zw_add(&fs[i]) == 0);
    zw_end(0);
    member_depth = 0;
    for (size_t w = 0; w < NWAYS; w++) {
        if (ways[w].under == U_MMAP || ways[w].under == U_PREAD)
            continue;
        walk(ar.p, ar.len, &ways[w]);
        const struct entry *e = got_w.e;
        int ok = !got_w.broken && got_w.n == 3 && e[0].kind == E_LEAF && e[0].rc == BS_ELIMIT &&
                 e[0].limit == BS_LIMIT_XZ_MEMORY && e[1].rc == BS_END &&
                 e[1].data.len == strlen(txt_b) && e[2].kind == E_END && e[2].rc == BS_END;
        if (!ok) {
            snprintf(unit_why, sizeof unit_why, "%s: %d entries; bomb: status %d, limit %d, "
                     "\"%.200s\"%s%.100s", label_of(&ways[w]), got_w.n, got_w.n ? e[0].rc : 0,
                     got_w.n ? e[0].limit : 0, got_w.n ? e[0].err : "",
                     got_w.broken ? "; " : "", got_w.broken ? got_w.why : "");
            member_depth = 8;
            unit_failed = 1;
            return;
        }
    }
    member_depth = 8;
}

/* Methods the layer does not decode are reported by number and name. */
static void test_unknown_methods(void)
{
    opt_reset();
    zw_reset();
    static const unsigned char junk[] = "some compressed-looking bytes \x01\x02\x03";
    struct zf fs[] = {
        {.name = "ok", .data = txt_a, .len = strlen(txt_a), .method = 8},
        {.name = "d64", .data = txt_b, .len = strlen(txt_b), .method = 9, .raw = junk,
         .rawlen = sizeof junk - 1},
        {.name = "ppmd", .data = txt_b, .len = strlen(txt_b), .method = 98, .raw = junk,
         .rawlen = sizeof junk - 1},
        {.name = "shrunk", .data = txt_b, .len = strlen(txt_b), .method = 1, .raw = junk,
         .rawlen = sizeof junk - 1},
        {.name = "odd", .data = txt_b, .len = strlen(txt_b), .method = 77, .raw = junk,
         .rawlen = sizeof junk - 1},
        {.name = "ok2", .data = txt_c, .len = strlen(txt_c), .method = 0},
    };
    for (size_t i = 0; i < sizeof fs / sizeof fs[0]; i++)
        CHECK(zw_add(&fs[i]) == 0);
    zw_end(0);
    want_reset();
    want_leaf("in{ok}", "ok", "", txt_a, strlen(txt_a));
    want_leaf_fail("in{d64}", "d64", "", "", 0, BS_EFORMAT,
                   "in{d64}: zip: compression method 9 (deflate64) not supported, not searched");
    want_leaf_fail("in{ppmd}", "ppmd", "", "", 0, BS_EFORMAT,
                   "in{ppmd}: zip: compression method 98 (PPMd) not supported, not searched");
    want_leaf_fail("in{shrunk}", "shrunk", "", "", 0, BS_EFORMAT,
                   "in{shrunk}: zip: compression method 1 (shrink) not supported, not searched");
    want_leaf_fail("in{odd}", "odd", "", "", 0, BS_EFORMAT,
                   "in{odd}: zip: compression method 77 not supported, not searched");
    want_leaf("in{ok2}", "ok2", "", txt_c, strlen(txt_c));
    want_end(BS_END, "");
    ALL_WAYS(ar.p, ar.len, WAYS_ALL);
}

/* A wrong CRC or size in both headers: the bytes are read, then the
 * member fails; the next member is read. */
static void test_crc_size_mismatch(void)
{
    opt_reset();
    zw_reset();
    make_lines(&t1, 500, "crc");
    struct zf fs[] = {
        {.name = "a.txt", .data = txt_a, .len = strlen(txt_a), .method = 0, .crc_xor = 0xFF},
        {.name = "b.txt", .data = t1.p, .len = t1.len, .method = 8, .crc_xor = 0x80000000u},
        {.name = "c.txt", .data = txt_c, .len = strlen(txt_c), .method = 8, .usize_add = -1},
        {.name = "d.txt", .data = txt_b, .len = strlen(txt_b), .method = 0},
    };
    for (size_t i = 0; i < sizeof fs / sizeof fs[0]; i++)
        CHECK(zw_add(&fs[i]) == 0);
    zw_end(0);
    uint32_t ca = (uint32_t)crc32(0, (const unsigned char *)txt_a, (uInt)strlen(txt_a));
    uint32_t cb = (uint32_t)crc32(0, t1.p, (uInt)t1.len);
    char m1[200], m2[200], m3[200];
    snprintf(m1, sizeof m1, "in{a.txt}: zip: CRC mismatch (stored %08x, computed %08x)",
             ca ^ 0xFF, ca);
    snprintf(m2, sizeof m2, "in{b.txt}: zip: CRC mismatch (stored %08x, computed %08x)",
             cb ^ 0x80000000u, cb);
    snprintf(m3, sizeof m3, "in{c.txt}: zip: size mismatch (stored %zu, decoded %zu)",
             strlen(txt_c) - 1, strlen(txt_c));
    want_reset();
    want_leaf_fail("in{a.txt}", "a.txt", "", txt_a, strlen(txt_a), BS_EFORMAT, m1);
    want_leaf_fail("in{b.txt}", "b.txt", "", t1.p, t1.len, BS_EFORMAT, m2);
    want_leaf_fail("in{c.txt}", "c.txt", "", txt_c, strlen(txt_c), BS_EFORMAT, m3);
    want_leaf("in{d.txt}", "d.txt", "", txt_b, strlen(txt_b));
    want_end(BS_END, "");
    ALL_WAYS(ar.p, ar.len, WAYS_ALL);
}

/* A stored member whose sizes disagree: it is read by its compressed
 * size, and its uncompressed size is checked. */
static void test_stored_sizes_differ(void)
{
    opt_reset();
    zw_reset();
    struct zf fs[] = {
        {.name = "a.txt", .data = txt_a, .len = strlen(txt_a), .method = 0, .usize_add = 4},
        {.name = "b.txt", .data = txt_b, .len = strlen(txt_b), .method = 0},
    };
    for (size_t i = 0; i < sizeof fs / sizeof fs[0]; i++)
        CHECK(zw_add(&fs[i]) == 0);
    zw_end(0);
    char m[200];
    snprintf(m, sizeof m, "in{a.txt}: zip: size mismatch (stored %zu, decoded %zu)",
             strlen(txt_a) + 4, strlen(txt_a));
    want_reset();
    want_leaf_fail("in{a.txt}", "a.txt", "", txt_a, strlen(txt_a), BS_EFORMAT, m);
    want_leaf("in{b.txt}", "b.txt", "", txt_b, strlen(txt_b));
    want_end(BS_END, "");
    ALL_WAYS(ar.p, ar.len, WAYS_ALL);
}

/* Damaged deflate data: "inflate: ..." with zlib's words; the next member
 * (whose size is known) is read. */
static void test_corrupt_deflate(void)
{
    opt_reset();
    zw_reset();
    /* BFINAL 1, BTYPE 11: a reserved block type */
    static const unsigned char bad[] = {0x07, 0x00, 0x11, 0x22, 0x33};
    /* a valid start, then a stored block whose LEN and NLEN disagree */
    static const unsigned char bad2[] = {0x00, 0x05, 0x00, 0xFA, 0xFF, 'h', 'e', 'l', 'l', 'o',
                                         0x01, 0x03, 0x00, 0x00, 0x00, 'x', 'y', 'z'};
    struct zf fs[] = {
        {.name = "a.txt", .data = txt_a, .len = strlen(txt_a), .method = 8, .raw = bad,
         .rawlen = sizeof bad},
        {.name = "b.txt", .data = "helloxyz", .len = 8, .method = 8, .raw = bad2,
         .rawlen = sizeof bad2},
        {.name = "c.txt", .data = txt_c, .len = strlen(txt_c), .method = 8},
    };
    for (size_t i = 0; i < sizeof fs / sizeof fs[0]; i++)
        CHECK(zw_add(&fs[i]) == 0);
    zw_end(0);
    want_reset();
    want_leaf_fail("in{a.txt}", "a.txt", "", "", 0, BS_EFORMAT,
                   "in{a.txt}: zip: inflate: invalid block type");
    want_leaf_fail("in{b.txt}", "b.txt", "", "hello", 5, BS_EFORMAT,
                   "in{b.txt}: zip: inflate: invalid stored block lengths");
    want_leaf("in{c.txt}", "c.txt", "", txt_c, strlen(txt_c));
    want_end(BS_END, "");
    ALL_WAYS(ar.p, ar.len, WAYS_ALL);
}

/* Deflate data that ends before the member's compressed size says:
 * the bytes after it are reported, as they are for the other methods, and
 * the next member is read in both modes. */
static void test_deflate_trailing(void)
{
    opt_reset();
    zw_reset();
    struct zf fs[] = {
        {.name = "a.txt", .data = txt_a, .len = strlen(txt_a), .method = 8, .csize_add = 5,
         .pad = "XXXXX", .padlen = 5},
        {.name = "x.txt", .data = txt_a, .len = strlen(txt_a), .method = 95, .csize_add = 5,
         .pad = "XXXXX", .padlen = 5},
        {.name = "b.txt", .data = txt_b, .len = strlen(txt_b), .method = 8},
    };
    for (size_t i = 0; i < sizeof fs / sizeof fs[0]; i++)
        CHECK(zw_add(&fs[i]) == 0);
    zw_end(0);
    want_reset();
    want_leaf_fail("in{a.txt}", "a.txt", "", txt_a, strlen(txt_a), BS_EFORMAT,
                   "in{a.txt}: zip: 5 bytes of data after the end of the compressed stream");
    /* (the xz layer itself may be the one to see them) */
    want_leaf_fail("in{x.txt}", "x.txt", "", txt_a, strlen(txt_a), BS_EFORMAT, "in{x.txt}: *");
    want_leaf("in{b.txt}", "b.txt", "", txt_b, strlen(txt_b));
    want_end(BS_END, "");
    ALL_WAYS(ar.p, ar.len, WAYS_ALL);
}

/* xz (95) and zstd (93) members, decoded by those layers. */
static void test_xz_zstd_members(void)
{
    opt_reset();
    zw_reset();
    make_lines(&t1, 3000, "xzzstd");
    struct zf fs[] = {
        {.name = "a.xz-member", .data = t1.p, .len = t1.len, .method = 95},
        {.name = "b.zstd-member", .data = t1.p, .len = t1.len, .method = 93},
        {.name = "c.small", .data = txt_a, .len = strlen(txt_a), .method = 95},
        {.name = "d.small", .data = txt_c, .len = strlen(txt_c), .method = 93},
        {.name = "e.empty", .data = "", .len = 0, .method = 93},
    };
    for (size_t i = 0; i < sizeof fs / sizeof fs[0]; i++)
        CHECK(zw_add(&fs[i]) == 0);
    zw_end(0);
    want_reset();
    want_leaf("in{a.xz-member}", "a.xz-member", "", t1.p, t1.len);
    want_leaf("in{b.zstd-member}", "b.zstd-member", "", t1.p, t1.len);
    want_leaf("in{c.small}", "c.small", "", txt_a, strlen(txt_a));
    want_leaf("in{d.small}", "d.small", "", txt_c, strlen(txt_c));
    want_leaf("in{e.empty}", "e.empty", "", "", 0);
    want_end(BS_END, "");
    ALL_WAYS(ar.p, ar.len, WAYS_ALL);
}

/* Central directory damage: members are read from their local headers,
 * and the damage is reported after them. */
static void test_cd_past_end(void)
{
    opt_reset();
    const char *names[] = {"a.txt", "b.txt", "c.txt"};
    const char *texts[] = {txt_a, txt_b, txt_c};
    CHECK(zip_of(&t4, names, texts, 3, 8) == 0);
    put32(t4.p + t4.len - 22 + 16, (uint32_t)t4.len + 100);
    want_reset();
    want_leaf("in{a.txt}", "a.txt", "", txt_a, strlen(txt_a));
    want_leaf("in{b.txt}", "b.txt", "", txt_b, strlen(txt_b));
    want_leaf("in{c.txt}", "c.txt", "", txt_c, strlen(txt_c));
    want_end(BS_EFORMAT, "in: zip: central directory past the end of the file; members were "
                         "read from their local headers");
    ALL_WAYS(t4.p, t4.len, WAYS_CD);
    /* a stream never looks at the directory */
    want_w.e[want_w.n - 1].rc = BS_END;
    want_w.e[want_w.n - 1].err[0] = 0;
    ALL_WAYS(t4.p, t4.len, WAYS_STREAM);
}

/* An entry whose offset lies past the directory. */
static void test_entry_outside(void)
{
    opt_reset();
    const char *names[] = {"a.txt", "b.txt", "c.txt"};
    const char *texts[] = {txt_a, txt_b, txt_c};
    CHECK(zip_of(&t4, names, texts, 3, 8) == 0);
    put32(ar.p + cd_entry(1) + 42, (uint32_t)zw.cdoff + 7);
    want_reset();
    want_leaf("in{a.txt}", "a.txt", "", txt_a, strlen(txt_a));
    want_leaf("in{b.txt}", "b.txt", "", txt_b, strlen(txt_b));
    want_leaf("in{c.txt}", "c.txt", "", txt_c, strlen(txt_c));
    want_end(BS_EFORMAT, "in: zip: entry 2 (b.txt) lies outside the archive; members were read "
                         "from their local headers");
    ALL_WAYS(ar.p, ar.len, WAYS_CD);
    /* a size that runs past the directory */
    CHECK(zip_of(&t4, names, texts, 3, 8) == 0);
    put32(ar.p + cd_entry(2) + 20, 0x7FFFFFF0u);
    want_w.e[want_w.n - 1].prefix = 0;
    snprintf(want_w.e[want_w.n - 1].err, sizeof want_w.e[0].err, "%s",
             "in: zip: entry 3 (c.txt) lies outside the archive; members were read "
             "from their local headers");
    ALL_WAYS(ar.p, ar.len, WAYS_CD);
    /* an entry pointing at no local header (inside another's data) */
    zw_reset();
    make_lines(&t1, 50, "pad");
    struct zf f1 = {.name = "a.txt", .data = t1.p, .len = t1.len, .method = 0};
    struct zf f2 = {.name = "b.txt", .data = txt_b, .len = strlen(txt_b), .method = 0};
    CHECK(zw_add(&f1) == 0 && zw_add(&f2) == 0);
    zw_end(0);
    /* b's local header moved to the start of a's data: no signature there,
     * and the overlap check sees a's data run into it */
    put32(ar.p + cd_entry(1) + 42, 30 + 5 + 100);
    byte_source *s;
    CHECK(bs_open_memory(&s, ar.p, ar.len, "in", NULL) == BS_OK);
    CHECK(bs_detect(s, 4) == 1);
    int rc = bs_next_member(s, 1);
    char e[300];
    snprintf(e, sizeof e, "%s", bs_error(s));
    int lim = bs_limit(s);
    bs_close(s);
    CHECK(rc == BS_ELIMIT && lim == BS_LIMIT_OVERLAP);
    CHECK(strcmp(e, "in: zip: members a.txt and b.txt overlap (a zip bomb?)") == 0);
}

/* A central entry whose local header is not where it says: reported with
 * the entry's name, in central directory mode. */
static void test_no_local_header(void)
{
    opt_reset();
    zw_reset();
    struct zf f1 = {.name = "a.txt", .data = txt_a, .len = strlen(txt_a), .method = 0};
    struct zf f2 = {.name = "b.txt", .data = txt_b, .len = strlen(txt_b), .method = 0};
    CHECK(zw_add(&f1) == 0 && zw_add(&f2) == 0);
    zw_end(0);
    /* spoil b's local signature */
    ar.p[zw.offs[1]] = 'Q';
    want_reset();
    want_leaf("in{a.txt}", "a.txt", "", txt_a, strlen(txt_a));
    char m[200];
    snprintf(m, sizeof m, "in: zip: no local header for b.txt at byte %llu",
             (unsigned long long)zw.offs[1]);
    want_end(BS_EFORMAT, m);
    ALL_WAYS(ar.p, ar.len, WAYS_CD);
    snprintf(m, sizeof m, "in: zip: no local header at byte %llu",
             (unsigned long long)zw.offs[1]);
    want_w.e[want_w.n - 1].prefix = 0;
    snprintf(want_w.e[want_w.n - 1].err, sizeof want_w.e[0].err, "%s", m);
    ALL_WAYS(ar.p, ar.len, WAYS_STREAM);
}

/* Truncated archives. */
static void test_truncated(void)
{
    opt_reset();
    make_lines(&t1, 400, "trunc");
    const char *names[] = {"a.txt", "b.txt", "c.txt"};
    const char *texts[] = {txt_a, (const char *)t1.p, txt_c};
    CHECK(zip_of(&t4, names, texts, 3, 0) == 0);
    /* cut inside the central directory: every member, then the damage */
    size_t cut = (size_t)zw.cdoff + 30;
    want_reset();
    want_leaf("in{a.txt}", "a.txt", "", txt_a, strlen(txt_a));
    want_leaf("in{b.txt}", "b.txt", "", t1.p, t1.len);
    want_leaf("in{c.txt}", "c.txt", "", txt_c, strlen(txt_c));
    want_end(BS_EFORMAT, "in: zip: no central directory (end record not found); members were "
                         "read from their local headers");
    ALL_WAYS(t4.p, cut, WAYS_CD);
    /* cut inside c's local header */
    cut = (size_t)zw.offs[2] + 10;
    want_reset();
    want_leaf("in{a.txt}", "a.txt", "", txt_a, strlen(txt_a));
    want_leaf("in{b.txt}", "b.txt", "", t1.p, t1.len);
    want_end(BS_EFORMAT, "in: zip: no central directory (end record not found); members were "
                         "read from their local headers");
    ALL_WAYS(t4.p, cut, WAYS_CD);
    /* in a stream the same cut is the end of the stream inside a header */
    want_w.e[want_w.n - 1].rc = BS_EFORMAT;
    want_w.e[want_w.n - 1].prefix = 1;
    snprintf(want_w.e[want_w.n - 1].err, sizeof want_w.e[0].err, "in: zip: ");
    ALL_WAYS(t4.p, cut, WAYS_STREAM);
    /* cut inside b's data (stored): a, then b fails where the data ends
     * (its bytes up to the cut were read), then the damage */
    size_t b_data = (size_t)zw.offs[1] + 30 + 5;
    cut = b_data + 1000;
    want_reset();
    want_leaf("in{a.txt}", "a.txt", "", txt_a, strlen(txt_a));
    want_leaf_fail("in{b.txt}", "b.txt", "", t1.p, 1000, BS_EFORMAT,
                   "in{b.txt}: zip: unexpected end of archive");
    want_end(BS_EFORMAT, "in: zip: no central directory (end record not found); members were "
                         "read from their local headers");
    ALL_WAYS(t4.p, cut, WAYS_CD);
}

/* The same with b deflated: a stream fails at its end too. */
static void test_truncated_stream(void)
{
    opt_reset();
    make_lines(&t1, 400, "trunc");
    const char *names[] = {"a.txt", "b.txt", "c.txt"};
    const char *texts[] = {txt_a, (const char *)t1.p, txt_c};
    CHECK(zip_of(&t4, names, texts, 3, 8) == 0);
    size_t cut = (size_t)zw.offs[1] + 30 + 5 + 200;
    /* how much of b comes out before the cut depends on the reads: check
     * the statuses and that what came out is b's beginning */
    for (size_t i = 0; i < NWAYS; i++) {
        walk(t4.p, cut, &ways[i]);
        if (got_w.broken) {
            snprintf(unit_why, sizeof unit_why, "%s: %s", label_of(&ways[i]), got_w.why);
            unit_failed = 1;
            return;
        }
        const struct entry *e = got_w.e;
        int ok = got_w.n == 3 && e[0].kind == E_LEAF && e[0].rc == BS_END &&
                 e[0].data.len == strlen(txt_a) && e[1].kind == E_LEAF && e[1].rc == BS_EFORMAT &&
                 strcmp(e[1].disp + strlen(e[1].disp) - 7, "{b.txt}") == 0 &&
                 e[1].data.len < t1.len && memcmp(e[1].data.p, t1.p, e[1].data.len) == 0 &&
                 e[2].kind == E_END && e[2].rc < 0;
        if (!ok) {
            snprintf(unit_why, sizeof unit_why, "%s: %d entries; b: %d \"%.200s\"; end: %d \"%.200s\"",
                     label_of(&ways[i]), got_w.n, got_w.n > 1 ? e[1].rc : 0,
                     got_w.n > 1 ? e[1].err : "", got_w.n > 2 ? e[2].rc : 0,
                     got_w.n > 2 ? e[2].err : "");
            unit_failed = 1;
            return;
        }
    }
}

/* Entries whose data overlap: refused before any member. */
static void test_overlap(void)
{
    opt_reset();
    zw_reset();
    struct zf f = {.name = "a", .data = txt_a, .len = strlen(txt_a), .method = 8};
    CHECK(zw_add(&f) == 0);
    /* a second central entry "b" for the same local header */
    struct buf one = {0};
    buf_add(&one, cdir.p, cdir.len);
    buf_add(&cdir, one.p, one.len);
    buf_free(&one);
    /* rename the copy "b" */
    size_t second = 46 + 1;
    cdir.p[second + 46] = 'b';
    zw.n = 2;
    zw_end(0);
    byte_source *s;
    CHECK(bs_open_memory(&s, ar.p, ar.len, "in", NULL) == BS_OK);
    CHECK(bs_detect(s, 4) == 1);
    int rc = bs_next_member(s, 1);
    char e[300];
    snprintf(e, sizeof e, "%s", bs_error(s));
    int lim = bs_limit(s);
    int again = bs_next_member(s, 1);
    bs_close(s);
    CHECK(rc == BS_ELIMIT);
    CHECK(lim == BS_LIMIT_OVERLAP);
    CHECK(strcmp(e, "in: zip: members a and b overlap (a zip bomb?)") == 0);
    CHECK(again == BS_ELIMIT);
    /* the "better zip bomb": entries at distinct offsets, each one's data
     * running over the next one's header to a shared kernel */
    zw_reset();
    make_lines(&t1, 2000, "bomb");
    CHECK(deflate_to(&comp, t1.p, t1.len, 0, 9) == 0);
    /* headers h3 h2 h1 then the kernel: entry k's data starts at its
     * header's end and covers the later headers and the kernel */
    const char *nm[3] = {"h3", "h2", "h1"};
    size_t hdr = 30 + 2;
    size_t kern = comp.len;
    ar.len = 0;
    for (int k = 0; k < 3; k++) {
        uint32_t cs = (uint32_t)(kern + (size_t)(2 - k) * hdr);
        le32(&ar, SIG_LOCAL);
        le16(&ar, 20);
        le16(&ar, 0);
        le16(&ar, 0);   /* stored: the headers after it are its first bytes */
        le16(&ar, 0);
        le16(&ar, 0x21);
        le32(&ar, 0);
        le32(&ar, cs);
        le32(&ar, cs);
        le16(&ar, 2);
        le16(&ar, 0);
        buf_add(&ar, nm[k], 2);
    }
    buf_add(&ar, comp.p, comp.len);
    cdir.len = 0;
    for (int k = 0; k < 3; k++) {
        uint32_t cs = (uint32_t)(kern + (size_t)(2 - k) * hdr);
        le32(&cdir, SIG_CENTRAL);
        le16(&cdir, 20);
        le16(&cdir, 20);
        le16(&cdir, 0);
        le16(&cdir, 0);
        le16(&cdir, 0);
        le16(&cdir, 0x21);
        le32(&cdir, 0);
        le32(&cdir, cs);
        le32(&cdir, cs);
        le16(&cdir, 2);
        le16(&cdir, 0);
        le16(&cdir, 0);
        le16(&cdir, 0);
        le16(&cdir, 0);
        le32(&cdir, 0);
        le32(&cdir, (uint32_t)(k * hdr));
        buf_add(&cdir, nm[k], 2);
    }
    zw.n = 3;
    zw_end(0);
    CHECK(bs_open_memory(&s, ar.p, ar.len, "in", NULL) == BS_OK);
    CHECK(bs_detect(s, 4) == 1);
    rc = bs_next_member(s, 1);
    snprintf(e, sizeof e, "%s", bs_error(s));
    lim = bs_limit(s);
    bs_close(s);
    CHECK(rc == BS_ELIMIT && lim == BS_LIMIT_OVERLAP);
    CHECK(strcmp(e, "in: zip: members h3 and h2 overlap (a zip bomb?)") == 0);
}

/* zip_max_entries. */
static void test_max_entries(void)
{
    const char *names[] = {"a.txt", "b.txt", "c.txt"};
    const char *texts[] = {txt_a, txt_b, txt_c};
    CHECK(zip_of(&t4, names, texts, 3, 8) == 0);
    opt_reset();
    opt.zip_max_entries = 2;
    byte_source *s;
    CHECK(bs_open_memory(&s, t4.p, t4.len, "in", &opt) == BS_OK);
    CHECK(bs_detect(s, 4) == 1);
    int rc = bs_next_member(s, 1);
    char e[300];
    snprintf(e, sizeof e, "%s", bs_error(s));
    int lim = bs_limit(s);
    bs_close(s);
    CHECK(rc == BS_ELIMIT && lim == BS_LIMIT_ENTRIES);
    CHECK(strcmp(e, "in: zip: 3 entries, more than 2") == 0);
    /* 3 allowed, and 0 (any) */
    want_reset();
    want_leaf("in{a.txt}", "a.txt", "", txt_a, strlen(txt_a));
    want_leaf("in{b.txt}", "b.txt", "", txt_b, strlen(txt_b));
    want_leaf("in{c.txt}", "c.txt", "", txt_c, strlen(txt_c));
    want_end(BS_END, "");
    opt.zip_max_entries = 3;
    ALL_WAYS(t4.p, t4.len, WAYS_CD);
    opt.zip_max_entries = 0;
    ALL_WAYS(t4.p, t4.len, WAYS_CD);
    /* a directory counts as an entry */
    zw_reset();
    struct zf fs[] = {{.name = "d/", .data = "", .len = 0},
                      {.name = "d/x", .data = "x", .len = 1}};
    CHECK(zw_add(&fs[0]) == 0 && zw_add(&fs[1]) == 0);
    zw_end(0);
    opt.zip_max_entries = 1;
    CHECK(bs_open_memory(&s, ar.p, ar.len, "in", &opt) == BS_OK);
    CHECK(bs_detect(s, 4) == 1);
    rc = bs_next_member(s, 1);
    lim = bs_limit(s);
    bs_close(s);
    CHECK(rc == BS_ELIMIT && lim == BS_LIMIT_ENTRIES);
}

/* A zip inside a zip member (stored and deflated), a gzip member, a
 * UTF-16 member: layers detected on members; the inner zip is read as a
 * stream, then the outer one goes on. */
static void test_nested(void)
{
    opt_reset();
    make_lines(&t1, 200, "inner");
    /* the inner archive: deflate with descriptors, as "zip -" writes */
    zw_reset();
    struct zf in1 = {.name = "i1.txt", .data = t1.p, .len = t1.len, .method = 8, .desc = 1};
    struct zf in2 = {.name = "dir/", .data = "", .len = 0};
    struct zf in3 = {.name = "i2.txt", .data = txt_c, .len = strlen(txt_c), .method = 0};
    CHECK(zw_add(&in1) == 0 && zw_add(&in2) == 0 && zw_add(&in3) == 0);
    zw_end(0);
    inner.len = 0;
    buf_add(&inner, ar.p, ar.len);
    /* a gzip member */
    CHECK(deflate_to(&t2, txt_a, strlen(txt_a), 1, 6) == 0);
    /* a UTF-16LE member with its BOM */
    t3.len = 0;
    buf_add(&t3, "\xff\xfe", 2);
    for (const char *p = "utf16 line\n"; *p; p++)
        buf_add(&t3, (char[2]){*p, 0}, 2);
    zw_reset();
    struct zf fs[] = {
        {.name = "first.txt", .data = txt_b, .len = strlen(txt_b), .method = 8},
        {.name = "inner.zip", .data = inner.p, .len = inner.len, .method = 0},
        {.name = "inner2.zip", .data = inner.p, .len = inner.len, .method = 8},
        {.name = "log.gz", .data = t2.p, .len = t2.len, .method = 0},
        {.name = "log2.gz", .data = t2.p, .len = t2.len, .method = 8},
        {.name = "u16.txt", .data = t3.p, .len = t3.len, .method = 8},
        {.name = "last.txt", .data = txt_a, .len = strlen(txt_a), .method = 0},
    };
    for (size_t i = 0; i < sizeof fs / sizeof fs[0]; i++)
        CHECK(zw_add(&fs[i]) == 0);
    zw_end(0);
    want_reset();
    want_leaf("in{first.txt}", "first.txt", "", txt_b, strlen(txt_b));
    want_container("in{inner.zip}", "inner.zip");
    want_leaf("in{inner.zip}{i1.txt}", "i1.txt", "", t1.p, t1.len);
    want_leaf("in{inner.zip}{i2.txt}", "i2.txt", "", txt_c, strlen(txt_c));
    want_end(BS_END, "");
    want_container("in{inner2.zip}", "inner2.zip");
    want_leaf("in{inner2.zip}{i1.txt}", "i1.txt", "", t1.p, t1.len);
    want_leaf("in{inner2.zip}{i2.txt}", "i2.txt", "", txt_c, strlen(txt_c));
    want_end(BS_END, "");
    want_leaf("in{log.gz}", "log.gz", "gzip", txt_a, strlen(txt_a));
    want_leaf("in{log2.gz}", "log2.gz", "gzip", txt_a, strlen(txt_a));
    want_leaf("in{u16.txt}", "u16.txt", "utf-16le", "utf16 line\n", 11);
    want_leaf("in{last.txt}", "last.txt", "", txt_a, strlen(txt_a));
    want_end(BS_END, "");
    ALL_WAYS(ar.p, ar.len, WAYS_ALL);
    /* a failure inside the inner zip names both members, and the outer
     * walk goes on */
    zw_reset();
    struct zf b1 = {.name = "bad.txt", .data = txt_a, .len = strlen(txt_a), .method = 0,
                    .crc_xor = 1};
    struct zf b2 = {.name = "good.txt", .data = txt_b, .len = strlen(txt_b), .method = 8};
    CHECK(zw_add(&b1) == 0 && zw_add(&b2) == 0);
    zw_end(0);
    inner.len = 0;
    buf_add(&inner, ar.p, ar.len);
    zw_reset();
    struct zf o1 = {.name = "sub.zip", .data = inner.p, .len = inner.len, .method = 8};
    struct zf o2 = {.name = "z.txt", .data = txt_c, .len = strlen(txt_c), .method = 8};
    CHECK(zw_add(&o1) == 0 && zw_add(&o2) == 0);
    zw_end(0);
    uint32_t c = (uint32_t)crc32(0, (const unsigned char *)txt_a, (uInt)strlen(txt_a));
    char m[200];
    snprintf(m, sizeof m, "in{sub.zip}{bad.txt}: zip: CRC mismatch (stored %08x, computed %08x)",
             c ^ 1, c);
    want_reset();
    want_container("in{sub.zip}", "sub.zip");
    want_leaf_fail("in{sub.zip}{bad.txt}", "bad.txt", "", txt_a, strlen(txt_a), BS_EFORMAT, m);
    want_leaf("in{sub.zip}{good.txt}", "good.txt", "", txt_b, strlen(txt_b));
    want_end(BS_END, "");
    want_leaf("in{z.txt}", "z.txt", "", txt_c, strlen(txt_c));
    want_end(BS_END, "");
    ALL_WAYS(ar.p, ar.len, WAYS_ALL);
}

/* "Messages of failures inside a member begin with the same name"
 * (bs_display_name): also those of the core, the depth limit of bs_detect
 * and the window limit. */
static void test_member_messages(void)
{
    opt_reset();
    CHECK(deflate_to(&t2, txt_a, strlen(txt_a), 1, 6) == 0);
    t3.len = 0;
    while (t3.len < 20000)
        buf_str(&t3, "one very long line without an end ");
    zw_reset();
    struct zf f1 = {.name = "x.gz", .data = t2.p, .len = t2.len, .method = 0};
    struct zf f2 = {.name = "long.txt", .data = t3.p, .len = t3.len, .method = 8};
    CHECK(zw_add(&f1) == 0 && zw_add(&f2) == 0);
    zw_end(0);
    opt.window = 1024;
    opt.window_max = 4096;
    byte_source *s;
    CHECK(bs_open_memory(&s, ar.p, ar.len, "in", &opt) == BS_OK);
    CHECK(bs_detect(s, 4) == 1);
    CHECK(bs_next_member(s, 1) == BS_OK);
    int rc = bs_detect(s, 0);
    char e1[300], e2[300];
    snprintf(e1, sizeof e1, "%s", bs_error(s));
    int lim1 = bs_limit(s);
    int rc2 = bs_next_member(s, 1);
    const void *p;
    size_t n;
    int rc3 = bs_peek(s, 8192, &p, &n);
    snprintf(e2, sizeof e2, "%s", bs_error(s));
    int lim2 = bs_limit(s);
    bs_close(s);
    CHECK(rc == BS_ELIMIT && lim1 == BS_LIMIT_DEPTH);
    CHECK(rc2 == BS_OK);
    if (!(rc3 == BS_ELIMIT && lim2 == BS_LIMIT_WINDOW)) {
        snprintf(unit_why, sizeof unit_why, "peek of 8192 with window_max 4096: %d, limit %d, %zu bytes: %.300s", rc3, lim2, n, e2);
        unit_failed = 1;
        return;
    }
    if (strcmp(e1, "in{x.gz}: more than 0 nested layers (gzip inside zip)") != 0 ||
        strncmp(e2, "in{long.txt}: ", 14) != 0) {
        snprintf(unit_why, sizeof unit_why, "messages \"%.200s\" and \"%.200s\" do not begin with the "
                 "member's display name", e1, e2);
        unit_failed = 1;
    }
}

/* An outer zip fails in the middle of a member that is a zip (its deflate
 * data is damaged), in the same read that hands out the bytes before the
 * damage.  The inner zip's a.txt lies whole before the damage: when its
 * own CRC is right it is read to its end like any other, whatever the
 * outer layer met after it (the bytes decoded before a failure are there
 * to read); when its CRC is wrong or its deflate data damaged, its own
 * message or the outer failure may be given.  b.txt runs into the damage:
 * its message must be the outer zip's, not one left over from a.txt. */
static void nested_outer_failure(int bad_a)
{
    /* bad_a: 0 a good a.txt, 1 a wrong CRC, 2 damaged deflate data */
    static const unsigned char bad_deflate[600] = {0x07};
    make_lines(&t1, 100, "bbb");
    make_lines(&t3, 20, "aaa");   /* the first 512 bytes, for detection, come whole */
    zw_reset();
    struct zf i1 = {.name = "a.txt", .data = t3.p, .len = t3.len, .method = 0,
                    .crc_xor = bad_a == 1 ? 1 : 0};
    if (bad_a == 2) {
        i1.method = 8;
        i1.raw = bad_deflate;
        i1.rawlen = sizeof bad_deflate;
    }
    struct zf i2 = {.name = "b.txt", .data = t1.p, .len = t1.len, .method = 0};
    CHECK(zw_add(&i1) == 0 && zw_add(&i2) == 0);
    zw_end(0);
    inner.len = 0;
    buf_add(&inner, ar.p, ar.len);
    /* the outer member's deflate data: a stored block of the inner zip up
     * to 100 bytes into b.txt's data, then a block of a reserved type */
    size_t k = (size_t)zw.offs[1] + 30 + 5 + 100;
    CHECK(k < 65535);
    t2.len = 0;
    unsigned char hdr[5] = {0x00, (unsigned char)k, (unsigned char)(k >> 8),
                            (unsigned char)~k, (unsigned char)(~k >> 8)};
    buf_add(&t2, hdr, 5);
    buf_add(&t2, inner.p, k);
    buf_add(&t2, "\x07\x00\x00\x00", 4);
    zw_reset();
    struct zf o1 = {.name = "inner.zip", .data = inner.p, .len = inner.len, .method = 8,
                    .raw = t2.p, .rawlen = t2.len};
    struct zf o2 = {.name = "after.txt", .data = txt_c, .len = strlen(txt_c), .method = 0};
    CHECK(zw_add(&o1) == 0 && zw_add(&o2) == 0);
    zw_end(0);
    want_reset();
    want_container("in{inner.zip}", "inner.zip");
    if (bad_a)
        want_leaf_fail("in{inner.zip}{a.txt}", "a.txt", "", t3.p, bad_a == 1 ? t3.len : 0,
                       BS_EFORMAT, "in{inner.zip}*");
    else
        want_leaf("in{inner.zip}{a.txt}", "a.txt", "", t3.p, t3.len);
    want_leaf_fail("in{inner.zip}{b.txt}", "b.txt", "", t1.p, 100, BS_EFORMAT,
                   "in{inner.zip}: zip: inflate: invalid block type");
    want_end(BS_EFORMAT, "in{inner.zip}: zip: inflate: invalid block type");
    want_leaf("in{after.txt}", "after.txt", "", txt_c, strlen(txt_c));
    want_end(BS_END, "");
    ALL_WAYS(ar.p, ar.len, WAYS_CD);
}

static void test_nested_outer_failure(void)
{
    opt_reset();
    nested_outer_failure(1);
}

static void test_nested_outer_failure_after_good_member(void)
{
    opt_reset();
    nested_outer_failure(0);
}

static void test_nested_outer_failure_after_bad_deflate(void)
{
    opt_reset();
    nested_outer_failure(2);
}

/* Zips nested in zips: the 16 layers a source holds end it. */
static void test_nested_deep(void)
{
    opt_reset();
    inner.len = 0;
    buf_add(&inner, txt_a, strlen(txt_a));
    for (int d = 0; d < 20; d++) {
        zw_reset();
        char nm[32];
        snprintf(nm, sizeof nm, "l%d", d);
        struct zf f = {.name = nm, .data = inner.p, .len = inner.len, .method = d % 2 ? 8 : 0};
        CHECK(zw_add(&f) == 0);
        zw_end(0);
        inner.len = 0;
        buf_add(&inner, ar.p, ar.len);
    }
    /* a walk of 20 levels: the 16 layers of a source stop it somewhere;
     * no crash, no hang, and a failure with a message at the bottom */
    byte_source *s;
    CHECK(bs_open_memory(&s, inner.p, inner.len, "in", NULL) == BS_OK);
    CHECK(bs_detect(s, 4) == 1);
    int c = 1, levels = 0, rc = BS_OK;
    while ((rc = bs_next_member(s, c)) == BS_OK) {
        /* (whether max_depth counts the layers already there or not, 16
         * is more than a source holds) */
        int det = bs_detect(s, 16);
        int top = bs_layer_count(s) - 1;
        if (det < 0) {
            rc = det;
            break;
        }
        if (!bs_layer_is_container(s, top))
            break;
        c = top;
        levels++;
    }
    char e[600];
    snprintf(e, sizeof e, "%s", bs_error(s));
    int lim = bs_limit(s);
    bs_close(s);
    if (!(levels >= 10 && levels < 16 && rc == BS_ELIMIT && lim == BS_LIMIT_DEPTH &&
          strstr(e, "more than 16 layers") && strncmp(e, "in", 2) == 0)) {
        snprintf(unit_why, sizeof unit_why, "%d levels, status %d, limit %d: %.300s", levels, rc,
                 lim, e);
        unit_failed = 1;
    }
}

/* Members skipped unread or half read: the next member starts where it
 * should in both modes. */
static void test_skip_members(void)
{
    opt_reset();
    zw_reset();
    make_lines(&t1, 3000, "skip");
    struct zf fs[] = {
        {.name = "s1", .data = t1.p, .len = t1.len, .method = 0},
        {.name = "d1", .data = t1.p, .len = t1.len, .method = 8},
        {.name = "dd", .data = t1.p, .len = t1.len, .method = 8, .desc = 1},
        {.name = "x1", .data = t1.p, .len = t1.len, .method = 95},
        {.name = "z1", .data = t1.p, .len = t1.len, .method = 93},
        {.name = "end", .data = txt_a, .len = strlen(txt_a), .method = 8},
    };
    for (size_t i = 0; i < sizeof fs / sizeof fs[0]; i++)
        CHECK(zw_add(&fs[i]) == 0);
    zw_end(0);
    for (size_t w = 0; w < NWAYS; w++) {
        if (ways[w].under == U_MMAP || ways[w].under == U_PREAD)
            continue;
        for (int partial = 0; partial < 3; partial++) {
            byte_source *s;
            CHECK(bs_open_memory(&s, ar.p, ar.len, "in", NULL) == BS_OK);
            if (is_stream(&ways[w])) {
                struct bs_layer *l;
                CHECK(bs_layer_add(s, ways[w].under == U_TRICKLE ? &trickle_ops : &chunk_ops,
                                   &l) == BS_OK);
            }
            CHECK(bs_detect(s, 4) == 1);
            int c = bs_layer_count(s) - 1, k = 0, ok = 1;
            const char *expect[] = {"s1", "d1", "dd", "x1", "z1", "end"};
            int rc;
            while ((rc = bs_next_member(s, c)) == BS_OK) {
                ok = ok && k < 6 && !strcmp(bs_member_name(s, c), expect[k]);
                k++;
                if (k == 6) {
                    char got[128];
                    size_t n, have = 0;
                    while (have < sizeof got && bs_read(s, got + have, sizeof got - have, &n) == BS_OK)
                        have += n;
                    ok = ok && have == strlen(txt_a) && !memcmp(got, txt_a, have);
                } else if (partial) {
                    /* some bytes, from a window or two */
                    size_t want = partial == 1 ? 3 : 70000, have = 0;
                    while (have < want) {
                        const void *p;
                        size_t n;
                        if (bs_peek(s, 1, &p, &n) != BS_OK)
                            break;
                        size_t take = n < want - have ? n : want - have;
                        ok = ok && !memcmp(p, t1.p + have, take);
                        bs_consume(s, take);
                        have += take;
                    }
                    ok = ok && have == want;
                }
            }
            char e[300];
            snprintf(e, sizeof e, "%s", bs_error(s));
            bs_close(s);
            if (!ok || rc != BS_END || k != 6) {
                snprintf(unit_why, sizeof unit_why, "%s, partial %d: %d members, status %d: %s",
                         under_name[ways[w].under], partial, k, rc, e);
                unit_failed = 1;
                return;
            }
        }
    }
}

/* A member with a data descriptor left before its end (the reader
 * stopped at its first match, as grep -l does, or a layer detected on it
 * failed): in a stream bs_next_member reads the rest to find its end.
 * What it finds wrong in the member it skips (a CRC mismatch) is no reason
 * to stop the walk, whose position is known: the next members are read,
 * as they are from the central directory. */
static void test_skip_descriptor_damage(void)
{
    opt_reset();
    make_lines(&t1, 30000, "skipped");   /* more than a window */
    zw_reset();
    struct zf fs[] = {
        {.name = "big.txt", .data = t1.p, .len = t1.len, .method = 8, .desc = 1,
         .crc_xor = 0x100},
        {.name = "next.txt", .data = txt_a, .len = strlen(txt_a), .method = 8, .desc = 1},
    };
    for (size_t i = 0; i < sizeof fs / sizeof fs[0]; i++)
        CHECK(zw_add(&fs[i]) == 0);
    zw_end(0);
    for (size_t w = 0; w < NWAYS; w++) {
        if (ways[w].under == U_MMAP || ways[w].under == U_PREAD || ways[w].under == U_TRICKLE)
            continue;
        byte_source *s;
        CHECK(bs_open_memory(&s, ar.p, ar.len, "in", NULL) == BS_OK);
        if (is_stream(&ways[w])) {
            struct bs_layer *l;
            CHECK(bs_layer_add(s, &chunk_ops, &l) == BS_OK);
        }
        CHECK(bs_detect(s, 4) == 1);
        int c = bs_layer_count(s) - 1;
        int r1 = bs_next_member(s, c);
        const void *p;
        size_t n;
        int rp = bs_peek(s, 1, &p, &n);
        if (rp == BS_OK)
            bs_consume(s, n < 10 ? n : 10);
        int r2 = bs_next_member(s, c);
        char e[300] = "";
        if (r2 < 0)
            snprintf(e, sizeof e, "%s", bs_error(s));
        const char *nm = r2 == BS_OK ? bs_member_name(s, c) : "";
        int named = r2 == BS_OK && !strcmp(nm, "next.txt");
        size_t have = 0;
        char got[64];
        while (r2 == BS_OK && have < sizeof got && bs_read(s, got + have, sizeof got - have, &n) == BS_OK)
            have += n;
        int r3 = bs_next_member(s, c);
        bs_close(s);
        if (r1 != BS_OK || rp != BS_OK || !named || have != strlen(txt_a) ||
            memcmp(got, txt_a, have) || r3 != BS_END) {
            snprintf(unit_why, sizeof unit_why, "%s: members %d %d %d, the second: %zu bytes; %.200s",
                     under_name[ways[w].under], r1, r2, r3, have, e);
            unit_failed = 1;
            return;
        }
    }
}

/* bzip2 (12) and lzma (14) members, and python's other choices (zip64,
 * descriptors when the output is not seekable), by python3's zipfile. */
static const char py_script[] =
    "import sys, io, zipfile\n"
    "d, method, seekable, z64 = sys.argv[1], int(sys.argv[2]), sys.argv[3] == '1', "
    "sys.argv[4] == '1'\n"
    "class W(io.RawIOBase):\n"
    "    def __init__(s): s.b = bytearray()\n"
    "    def writable(s): return True\n"
    "    def write(s, x): s.b += x; return len(x)\n"
    "out = io.BytesIO() if seekable else W()\n"
    "with zipfile.ZipFile(out, 'w', method) as z:\n"
    "    for i, n in enumerate(sys.argv[5:]):\n"
    "        data = open('%s/%d' % (d, i), 'rb').read()\n"
    "        with z.open(n, 'w', force_zip64=z64) as f:\n"
    "            f.write(data)\n"
    "sys.stdout.buffer.write(out.getvalue() if seekable else bytes(out.b))\n";

static char py_dir[64];

/* Runs the script over the texts; the archive in t4. */
static int py_zip(int method, int seekable, int z64, const char *const *names,
                  const struct buf *const *texts, int n)
{
    char path[128];
    for (int i = 0; i < n; i++) {
        snprintf(path, sizeof path, "%s/%d", py_dir, i);
        if (write_file(path, texts[i]->p, texts[i]->len) < 0)
            return -1;
    }
    snprintf(path, sizeof path, "%s/zip.py", py_dir);
    if (write_file(path, py_script, strlen(py_script)) < 0)
        return -1;
    struct buf cmd = {0};
    buf_fmt(&cmd, "python3 %s %s %d %d %d", path, py_dir, method, seekable, z64);
    for (int i = 0; i < n; i++)
        buf_fmt(&cmd, " '%s'", names[i]);
    FILE *f = popen((char *)cmd.p, "r");
    buf_free(&cmd);
    if (!f)
        return -1;
    t4.len = 0;
    char tmp[65536];
    size_t k;
    while ((k = fread(tmp, 1, sizeof tmp, f)) > 0)
        buf_add(&t4, tmp, k);
    int st = pclose(f);
    return st == 0 && t4.len ? 0 : -1;
}

static int have_python(void)
{
    return system("python3 -c 'import zipfile, bz2, lzma' >/dev/null 2>&1") == 0;
}

static void test_python_methods(void)
{
    opt_reset();
    if (!have_python()) {
        snprintf(unit_why, sizeof unit_why, "python3 with zipfile, bz2 and lzma is missing");
        unit_failed = 1;
        return;
    }
    make_lines(&t1, 5000, "py");
    t2.len = 0;
    buf_str(&t2, txt_a);
    t3.len = 0;
    const char *names[] = {"big.txt", "dir/small.txt", "empty"};
    const struct buf *texts[] = {&t1, &t2, &t3};
    static const struct {
        int method, seekable, z64, ways;
        const char *label;
    } runs[] = {
        {0, 1, 0, WAYS_ALL, "stored"},
        {8, 1, 0, WAYS_ALL, "deflate"},
        {12, 1, 0, WAYS_ALL, "bzip2"},
        {14, 1, 0, WAYS_ALL, "lzma"},
        {0, 1, 1, WAYS_ALL, "stored zip64"},
        {8, 1, 1, WAYS_ALL, "deflate zip64"},
        {12, 1, 1, WAYS_ALL, "bzip2 zip64"},
        {14, 1, 1, WAYS_ALL, "lzma zip64"},
        {8, 0, 0, WAYS_ALL, "deflate, descriptors"},
        {8, 0, 1, WAYS_ALL, "deflate zip64, descriptors"},
        {12, 0, 0, WAYS_CD, "bzip2, descriptors"},
        {14, 0, 1, WAYS_CD, "lzma zip64, descriptors"},
    };
    /* every run, the first failure reported with the number of them */
    int failures = 0;
    char first[sizeof unit_why] = "";
    for (size_t r = 0; r < sizeof runs / sizeof runs[0]; r++) {
        if (py_zip(runs[r].method, runs[r].seekable, runs[r].z64, names, texts, 3) < 0) {
            snprintf(unit_why, sizeof unit_why, "%s: python3 failed", runs[r].label);
            unit_failed = 1;
            return;
        }
        want_reset();
        want_leaf("in{big.txt}", "big.txt", "", t1.p, t1.len);
        want_leaf("in{dir/small.txt}", "dir/small.txt", "", t2.p, t2.len);
        want_leaf("in{empty}", "empty", "", "", 0);
        want_end(BS_END, "");
        if (all_ways(t4.p, t4.len, runs[r].ways) && failures++ == 0)
            snprintf(first, sizeof first, "%s: %.400s", runs[r].label, unit_why);
    }
    if (failures) {
        snprintf(unit_why, sizeof unit_why, "%d of %zu runs failed; %s", failures,
                 sizeof runs / sizeof runs[0], first);
        unit_failed = 1;
        return;
    }
    /* bzip2 and lzma with descriptors cannot be read in a stream */
    if (py_zip(12, 0, 0, names, texts, 3) < 0) {
        snprintf(unit_why, sizeof unit_why, "bzip2: python3 failed");
        unit_failed = 1;
        return;
    }
    want_reset();
    want_leaf_fail("in{big.txt}", "big.txt", "", "", 0, BS_EFORMAT,
                   "in{big.txt}: zip: size unknown in a stream (data descriptor), not searched");
    want_end(BS_EFORMAT, "in: zip: cannot find the end of big.txt in a stream");
    ALL_WAYS(t4.p, t4.len, WAYS_STREAM);
}

/* The decoded-bytes budget counts every member together. */
static void test_budget(void)
{
    opt_reset();
    /* five members of 512 KiB of one repeated line: ~1000:1 each */
    big.len = 0;
    while (big.len < (512u << 10))
        buf_str(&big, "all work and no play makes a very compressible line\n");
    zw_reset();
    for (int i = 0; i < 5; i++) {
        char nm[16];
        snprintf(nm, sizeof nm, "m%d", i);
        struct zf f = {.name = nm, .data = big.p, .len = big.len, .method = 8};
        CHECK(zw_add(&f) == 0);
    }
    zw_end(0);
    opt.decode_floor = 1u << 20;
    opt.decode_ratio = 4;
    member_depth = 0;
    for (size_t w = 0; w < NWAYS; w++) {
        if (ways[w].under == U_TRICKLE)
            continue;
        walk(ar.p, ar.len, &ways[w]);
        int first = -1;
        for (int i = 0; i < got_w.n; i++)
            if (got_w.e[i].kind == E_LEAF && got_w.e[i].rc == BS_ELIMIT && first < 0)
                first = i;
        struct entry *f = first >= 0 ? &got_w.e[first] : NULL;
        if (f) {
            fix_name(f->err);
            drop_test_layers(f->err);
        }
        int ok = !got_w.broken && f && first >= 1 && f->limit == BS_LIMIT_DECODED &&
                 strstr(f->err, ": zip: decoded ") && strstr(f->err, "more than 4:1 (a "
                                                                     "decompression bomb?)");
        /* members before it are whole */
        for (int i = 0; ok && i < first; i++)
            ok = got_w.e[i].rc == BS_END && got_w.e[i].data.len == big.len;
        if (!ok) {
            snprintf(unit_why, sizeof unit_why, "%s: %.200s; first limit at entry %d: \"%.200s\"",
                     label_of(&ways[w]), got_w.broken ? got_w.why : "", first,
                     f ? f->err : "none");
            member_depth = 8;
            unit_failed = 1;
            return;
        }
    }
    member_depth = 8;
}

/* Stored members decode 1:1, far below the ratio: the budget never
 * stops them, whatever mode reads them. */
static void test_budget_stored(void)
{
    opt_reset();
    size_t n = SANITIZED ? (3u << 20) / 2 : 3u << 20;
    big.len = 0;
    uint32_t x = 12345;
    while (big.len < n) {
        char line[80];
        x = x * 1103515245u + 12345u;
        int k = snprintf(line, sizeof line, "%08x %08x random-ish text\n", x, x * 2654435761u);
        buf_add(&big, line, (size_t)k);
    }
    zw_reset();
    struct zf f = {.name = "flat.txt", .data = big.p, .len = big.len, .method = 0};
    CHECK(zw_add(&f) == 0);
    zw_end(0);
    opt.decode_floor = 1u << 20;
    opt.decode_ratio = 4;
    want_reset();
    want_leaf("in{flat.txt}", "flat.txt", "", big.p, big.len);
    want_end(BS_END, "");
    member_depth = 0;
    int bad = all_ways(ar.p, ar.len, WAYS_ALL | WAYS_FAST);
    member_depth = 8;
    if (bad)
        unit_failed = 1;
}

/* One large member. */
static void test_big_member(void)
{
    opt_reset();
    size_t n = SANITIZED ? (1u << 20) : 10u * 1000 * 1000;
    big.len = 0;
    size_t i = 0;
    while (big.len < n) {
        buf_fmt(&big, "%09zu the quick brown fox jumps over the lazy dog %zu\n", i, i * 7919);
        i++;
    }
    big.len = n;   /* a last line without its end */
    zw_reset();
    struct zf f = {.name = "big.log", .data = big.p, .len = big.len, .method = 8};
    CHECK(zw_add(&f) == 0);
    zw_end(0);
    want_reset();
    want_leaf("in{big.log}", "big.log", "", big.p, big.len);
    want_end(BS_END, "");
    ALL_WAYS(ar.p, ar.len, WAYS_ALL | WAYS_FAST);
}

int main(void)
{
    char tmpl[] = "/tmp/unit_zip.XXXXXX";
    if (!mkdtemp(tmpl)) {
        printf("FAIL unit_zip: cannot make a temporary directory\n");
        return 1;
    }
    snprintf(py_dir, sizeof py_dir, "%s", tmpl);
    static char tp[96];
    snprintf(tp, sizeof tp, "%s/archive.zip", tmpl);
    tmp_path = tp;

    RUN(test_basic);
    RUN(test_api);
    RUN(test_display_escapes);
    RUN(test_empty);
    RUN(test_zip64);
    RUN(test_zip64_offset);
    RUN(test_descriptor_checks);
    RUN(test_stored_descriptor);
    RUN(test_encrypted);
    RUN(test_encrypted_descriptor);
    RUN(test_lzma_memlimit);
    RUN(test_unknown_methods);
    RUN(test_crc_size_mismatch);
    RUN(test_stored_sizes_differ);
    RUN(test_corrupt_deflate);
    RUN(test_deflate_trailing);
    RUN(test_xz_zstd_members);
    RUN(test_cd_past_end);
    RUN(test_entry_outside);
    RUN(test_no_local_header);
    RUN(test_truncated);
    RUN(test_truncated_stream);
    RUN(test_overlap);
    RUN(test_max_entries);
    RUN(test_nested);
    RUN(test_member_messages);
    RUN(test_nested_outer_failure);
    RUN(test_nested_outer_failure_after_good_member);
    RUN(test_nested_outer_failure_after_bad_deflate);
    RUN(test_nested_deep);
    RUN(test_skip_members);
    RUN(test_skip_descriptor_damage);
    RUN(test_python_methods);
    RUN(test_budget);
    RUN(test_budget_stored);
    RUN(test_big_member);

    buf_free(&ar);
    buf_free(&cdir);
    buf_free(&comp);
    buf_free(&inner);
    buf_free(&t1);
    buf_free(&t2);
    buf_free(&t3);
    buf_free(&t4);
    buf_free(&big);
    for (int i = 0; i < MAXE; i++) {
        buf_free(&want_w.e[i].data);
        buf_free(&got_w.e[i].data);
    }
    char cmd[160];
    snprintf(cmd, sizeof cmd, "rm -rf '%s'", tmpl);
    if (system(cmd) != 0)
        printf("FAIL unit_zip: cannot remove %s\n", tmpl);
    return 0;
}
