/* Unit tests of the tar layer and of the member machinery around it:
 * bs_next_member, bs_layer_is_container, bs_member_name, bs_display_name,
 * and bs_detect on members.
 *
 * Archives are made here, in memory, by a small tar writer of the test's
 * own (ustar headers with their checksums, GNU 'L' long names, pax 'x'
 * headers with path and size records, base-256 sizes, v7 headers without
 * a magic, directories, links, global pax headers, end markers of two zero
 * blocks or none); gzip members are made by zlib.
 *
 * Each archive is walked as the command-line tools walk it: bs_detect,
 * then bs_next_member on the container, bs_detect on each member, a
 * member that is a container again walked in turn, every leaf read to its
 * end or its failure.  What a walk meets is written down as a list of
 * entries (a leaf: its display name, its member name, the chain of layer
 * names, what bs_detect returned, its bytes, how its reading ended and
 * the message; a member that is a container; the end of a container's
 * walk), and compared with the list the test expects.  Every archive is
 * walked in each of the ways of ways[]: straight from memory, under the
 * "trickle" layer (one byte per read below the tar layer) and under the
 * "chunks" layer, with small windows, read by consuming whole windows, by
 * asking for one byte more than there is, or by bs_read into a small
 * buffer; all must give the same list.  While reading, the stream
 * contract is checked (BS_OK with bytes, BS_END sticky and empty, a
 * failure sticky with the same message) and bs_tell must count the bytes
 * of the current member only.  Messages are compared with the test layers
 * left out of their chains ("trickle > tar" is "tar").
 *
 * Damage: a failure inside a member names it ("in{m.gz}: gzip: unexpected
 * end of stream", the chain starting above the tar) and the walk goes on
 * where the tar can; a failure of the tar while it moves on (a header cut
 * short or with a bad checksum, an extended header over 1 MiB, a malformed
 * pax record, a member's data cut short) names the archive ("in: tar: bad
 * header at byte N") and sticks: every later bs_next_member gives it
 * again.  The decoded-bytes budget counts the members together.
 *
 * Buffers live in globals that are reused by every case and freed at the
 * end, so that a CHECK that returns early leaks nothing. */
#define _GNU_SOURCE
#include "unit.h"
#include "layers.h"

#include "bs_private.h"
#include "libsrc.h"

#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <zlib.h>

/* What a failed check says besides its condition: set by set_why just
 * before a CHECKC, by differs() and by after_failure(). */
static char ctx[sizeof unit_why];
static void set_why(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
static void set_why(const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(ctx, sizeof ctx, fmt, ap);
    va_end(ap);
}

/* CHECK, with ctx after the condition */
#define CHECKC(cond)                                                                   \
    do {                                                                               \
        if (!(cond)) {                                                                 \
            why_at(__LINE__, #cond);                                                   \
            return;                                                                    \
        }                                                                              \
    } while (0)

static void why_at(int line, const char *cond)
{
    char c[sizeof unit_why];
    memcpy(c, ctx, sizeof c);
    /* (through set_why: a va_list keeps -Wformat-truncation quiet) */
    set_why("%s:%d: %s%s%s", __FILE__, line, cond, c[0] ? ": " : "", c);
    memcpy(unit_why, ctx, sizeof unit_why);
    ctx[0] = 0;
    unit_failed = 1;
}

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
            printf("FAIL unit_tar: out of memory\n");
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

static void buf_zeros(struct buf *b, size_t n)
{
    static const unsigned char z[512];
    while (n) {
        size_t k = n < sizeof z ? n : sizeof z;
        buf_add(b, z, k);
        n -= k;
    }
}

static void buf_free(struct buf *b)
{
    free(b->p);
    b->p = NULL;
    b->len = b->cap = 0;
}

/* The archive being built, the archive of a member (nested tars), text of
 * members, compressed data. */
static struct buf ar, inner, text, zbuf;

/* gzip of p[0..n), appended to out, by zlib. */
static int gzip_to(struct buf *out, const void *p, size_t n)
{
    z_stream z;
    memset(&z, 0, sizeof z);
    if (deflateInit2(&z, 9, Z_DEFLATED, 31, 8, Z_DEFAULT_STRATEGY) != Z_OK)
        return -1;
    size_t cap = deflateBound(&z, (uLong)n) + 64;
    unsigned char *tmp = malloc(cap);
    if (!tmp) {
        deflateEnd(&z);
        return -1;
    }
    z.next_in = (Bytef *)p;
    z.avail_in = (uInt)n;
    z.next_out = tmp;
    z.avail_out = (uInt)cap;
    int rc = deflate(&z, Z_FINISH);
    buf_add(out, tmp, z.total_out);
    free(tmp);
    deflateEnd(&z);
    return rc == Z_STREAM_END ? 0 : -1;
}

/* ---- a tar writer (the test's own) ---------------------------------------- */

enum { F_USTAR, F_GNU, F_V7, F_PAX };

struct hdr {
    const char *name;     /* stored as is, cut at 100 bytes */
    int type;             /* '0', '5', 'L', ... */
    uint64_t size;
    int fmt;              /* F_USTAR (and F_PAX), F_GNU, F_V7 */
    const char *prefix;   /* ustar's prefix field */
    const char *link;     /* linkname */
    int base256;          /* the size in GNU's base-256 */
    int bad_sum;          /* store a checksum one off */
    int signed_sum;       /* store the checksum of the bytes taken as signed */
    const unsigned char *at345;   /* 12 bytes to put at 345 (GNU's atime) */
};

static void octal(unsigned char *f, int len, uint64_t v)
{
    /* len-1 digits and a NUL, as GNU tar writes them */
    f[len - 1] = 0;
    for (int i = len - 2; i >= 0; i--) {
        f[i] = (unsigned char)('0' + (v & 7));
        v >>= 3;
    }
}

static void put_header(struct buf *b, const struct hdr *h)
{
    unsigned char blk[512];
    memset(blk, 0, sizeof blk);
    size_t nl = strlen(h->name);
    memcpy(blk, h->name, nl < 100 ? nl : 100);
    octal(blk + 100, 8, 0644);
    octal(blk + 108, 8, 0);
    octal(blk + 116, 8, 0);
    if (h->base256) {
        blk[124] = 0x80;
        uint64_t v = h->size;
        for (int i = 11; i >= 4; i--) {
            blk[124 + i] = (unsigned char)(v & 0xFF);
            v >>= 8;
        }
    } else {
        octal(blk + 124, 12, h->size);
    }
    octal(blk + 136, 12, 1700000000);
    blk[156] = (unsigned char)h->type;
    if (h->link) {
        size_t ll = strlen(h->link);
        memcpy(blk + 157, h->link, ll < 100 ? ll : 100);
    }
    if (h->fmt == F_USTAR || h->fmt == F_PAX) {
        memcpy(blk + 257, "ustar\0" "00", 8);
    } else if (h->fmt == F_GNU) {
        memcpy(blk + 257, "ustar  \0", 8);
    }
    if (h->fmt != F_V7) {
        memcpy(blk + 265, "root", 4);
        memcpy(blk + 297, "root", 4);
    }
    if (h->prefix) {
        size_t pl = strlen(h->prefix);
        memcpy(blk + 345, h->prefix, pl < 155 ? pl : 155);
    }
    if (h->at345)
        memcpy(blk + 345, h->at345, 12);
    memset(blk + 148, ' ', 8);
    long sum = 0;
    for (int i = 0; i < 512; i++)
        sum += h->signed_sum ? (long)(signed char)blk[i] : (long)blk[i];
    if (h->bad_sum)
        sum++;
    /* six digits, a NUL and the space that was there */
    octal(blk + 148, 7, (uint64_t)sum & 0777777);
    buf_add(b, blk, 512);
}

/* n bytes of data and the zeros to the next block */
static void put_data(struct buf *b, const void *p, size_t n)
{
    buf_add(b, p, n);
    buf_zeros(b, (512 - n % 512) % 512);
}

static void simple(struct buf *b, int fmt, const char *name, int type, uint64_t size)
{
    struct hdr h = {0};
    h.name = name;
    h.type = type;
    h.size = size;
    h.fmt = fmt;
    put_header(b, &h);
}

/* "LEN key=value\n", LEN counting itself */
static void pax_rec(struct buf *r, const char *key, const char *value, size_t vlen)
{
    size_t body = 1 + strlen(key) + 1 + vlen + 1, len = body + 1;
    for (;;) {
        char d[32];
        size_t k = (size_t)snprintf(d, sizeof d, "%zu", len);
        if (k + body == len)
            break;
        len = k + body;
    }
    char head[64];
    snprintf(head, sizeof head, "%zu %s=", len, key);
    buf_str(r, head);
    buf_add(r, value, vlen);
    buf_str(r, "\n");
}

/* A pax extended header ('x', or 'g' for global) holding the bytes recs. */
static void put_pax(struct buf *b, int type, const struct buf *recs)
{
    simple(b, F_PAX, type == 'g' ? "pax_global_header" : "PaxHeaders/x", type, recs->len);
    put_data(b, recs->p, recs->len);
}

/* A regular file named `name` holding p[0..n), in format fmt: long
 * names get an 'L' header (GNU), a pax path record (pax) or are split
 * into prefix and name (ustar). */
static void add_file(struct buf *b, int fmt, const char *name, const void *p, size_t n)
{
    size_t nl = strlen(name);
    struct hdr h = {0};
    h.name = name;
    h.type = fmt == F_V7 ? 0 : '0';
    h.size = n;
    h.fmt = fmt;
    char pre[160], rest[110];
    if (nl > 100 && fmt == F_GNU) {
        simple(b, F_GNU, "././@LongLink", 'L', nl + 1);
        put_data(b, name, nl + 1);
    } else if (nl > 100 && fmt == F_PAX) {
        struct buf r = {0};
        pax_rec(&r, "path", name, nl);
        put_pax(b, 'x', &r);
        buf_free(&r);
    } else if (nl > 100 && fmt == F_USTAR) {
        /* the last '/' that leaves at most 100 bytes after it */
        const char *cut = NULL;
        for (const char *q = name; *q; q++)
            if (*q == '/' && strlen(q + 1) <= 100 && q - name <= 155)
                cut = q;
        if (cut) {
            snprintf(pre, sizeof pre, "%.*s", (int)(cut - name), name);
            snprintf(rest, sizeof rest, "%s", cut + 1);
            h.prefix = pre;
            h.name = rest;
        }
    }
    put_header(b, &h);
    put_data(b, p, n);
}

static void add_text(struct buf *b, int fmt, const char *name, const char *s)
{
    add_file(b, fmt, name, s, strlen(s));
}

static void add_end(struct buf *b)
{
    buf_zeros(b, 1024);
}

/* ---- expected walks --------------------------------------------------------- */

enum { E_LEAF, E_CONTAINER, E_END };

struct entry {
    int kind;
    char display[1024];
    char name[512];          /* bs_member_name of the innermost container */
    char chain[128];         /* layer names, test layers left out */
    int det;                 /* what bs_detect returned */
    struct buf data;
    int rc;                  /* how the reading (E_LEAF) or the walk (E_END) ended */
    char msg[BS_ERRMAX];     /* bs_error then, for a negative rc */
};

#define MAXE 80
struct walk {
    struct entry e[MAXE];
    int n;
    int broken;              /* a contract of the calls was broken */
    char why[400];
};

static struct walk want_w, got_w;

static struct entry *new_entry(struct walk *w, int kind)
{
    if (w->n >= MAXE) {
        printf("FAIL unit_tar: more than %d entries in a walk\n", MAXE);
        exit(1);
    }
    struct entry *e = &w->e[w->n++];
    e->kind = kind;
    e->display[0] = e->name[0] = e->chain[0] = e->msg[0] = 0;
    e->det = 0;
    e->data.len = 0;
    e->rc = 0;
    return e;
}

static void want_reset(void)
{
    want_w.n = 0;
}

/* A leaf read to its end. */
static void want_leaf(const char *display, const char *name, const char *chain, int det,
                      const void *p, size_t n)
{
    struct entry *e = new_entry(&want_w, E_LEAF);
    snprintf(e->display, sizeof e->display, "%s", display);
    snprintf(e->name, sizeof e->name, "%s", name);
    snprintf(e->chain, sizeof e->chain, "%s", chain);
    e->det = det;
    buf_add(&e->data, p, n);
    e->rc = BS_END;
}

/* A leaf whose reading fails with rc and msg after p[0..n). */
static void want_leaf_fail(const char *display, const char *name, const char *chain, int det,
                           const void *p, size_t n, int rc, const char *msg)
{
    want_leaf(display, name, chain, det, p, n);
    struct entry *e = &want_w.e[want_w.n - 1];
    e->rc = rc;
    snprintf(e->msg, sizeof e->msg, "%s", msg);
}

static void want_container(const char *display, const char *name, const char *chain)
{
    struct entry *e = new_entry(&want_w, E_CONTAINER);
    snprintf(e->display, sizeof e->display, "%s", display);
    snprintf(e->name, sizeof e->name, "%s", name);
    snprintf(e->chain, sizeof e->chain, "%s", chain);
    e->det = 1;
}

static void want_end(int rc, const char *msg)
{
    struct entry *e = new_entry(&want_w, E_END);
    e->rc = rc;
    if (msg)
        snprintf(e->msg, sizeof e->msg, "%s", msg);
}

/* ---- walking ------------------------------------------------------------------- */

enum { UNDER_NONE, UNDER_TRICKLE, UNDER_CHUNKS };
static const char *const under_name[] = {"memory", "trickle", "chunks"};
enum { DRAIN_WHOLE, DRAIN_GROW, DRAIN_READ };
static const char *const drain_name[] = {"whole", "grow", "read"};

struct way {
    int under;
    size_t window;   /* 0: the default */
    int drain;
};

static const struct way ways[] = {
    {UNDER_NONE, 0, DRAIN_WHOLE},    {UNDER_TRICKLE, 0, DRAIN_WHOLE},
    {UNDER_CHUNKS, 0, DRAIN_WHOLE},  {UNDER_NONE, 0, DRAIN_GROW},
    {UNDER_CHUNKS, 0, DRAIN_GROW},   {UNDER_TRICKLE, 0, DRAIN_READ},
    {UNDER_NONE, 3, DRAIN_WHOLE},    {UNDER_CHUNKS, 1, DRAIN_WHOLE},
    {UNDER_TRICKLE, 5, DRAIN_GROW},  {UNDER_NONE, 1, DRAIN_READ},
};
#define NWAYS (sizeof ways / sizeof ways[0])

static int is_test_layer(const char *name)
{
    return strcmp(name, "trickle") == 0 || strcmp(name, "chunks") == 0;
}

static void chain_of(byte_source *s, char *out, size_t len)
{
    size_t k = 0;
    out[0] = 0;
    for (int i = 0; i < bs_layer_count(s); i++) {
        const char *n = bs_layer_name(s, i);
        if (is_test_layer(n))
            continue;
        int w = snprintf(out + k, len - k, "%s%s", k ? " " : "", n);
        if (w < 0 || (size_t)w >= len - k)
            return;
        k += (size_t)w;
    }
}

/* A message without the test layers in its chain ("trickle > tar" is
 * "tar" from a memory base). */
static void copy_msg(char *dst, size_t len, const char *msg)
{
    size_t k = 0;
    while (*msg && k + 1 < len) {
        if (strncmp(msg, "trickle > ", 10) == 0) {
            msg += 10;
            continue;
        }
        if (strncmp(msg, "chunks > ", 9) == 0) {
            msg += 9;
            continue;
        }
        dst[k++] = *msg++;
    }
    dst[k] = 0;
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

/* Reads s to its end or its failure into e->data, checking the stream
 * contract.  Returns BS_END or the negative status. */
static int drain(struct walk *w, byte_source *s, int mode, struct entry *e)
{
    size_t min = 1;
    for (unsigned iter = 0;; iter++) {
        if (iter > 50000000u) {
            broken(w, "%s: reading does not end", e->display);
            return BS_EINVAL;
        }
        if (mode == DRAIN_READ) {
            unsigned char tmp[7];
            size_t got = 99;
            int rc = bs_read(s, tmp, sizeof tmp, &got);
            if (rc == BS_OK && (got == 0 || got > sizeof tmp)) {
                broken(w, "%s: bs_read gave BS_OK with %zu bytes", e->display, got);
                return BS_EINVAL;
            }
            if (rc != BS_OK && got != 0) {
                broken(w, "%s: bs_read gave %zu bytes with status %d", e->display, got, rc);
                return BS_EINVAL;
            }
            buf_add(&e->data, tmp, got);
            if (rc == BS_OK) {
                if (bs_tell(s) != e->data.len) {
                    broken(w, "%s: bs_tell %llu after %zu bytes", e->display,
                           (unsigned long long)bs_tell(s), e->data.len);
                    return BS_EINVAL;
                }
                continue;
            }
            /* bs_read handed out the bytes before a failure in the calls
             * before it */
            return rc;
        }
        const void *p = NULL;
        size_t n = 0;
        int rc = bs_peek(s, min, &p, &n);
        if (rc == BS_OK && (n == 0 || !p)) {
            broken(w, "%s: BS_OK with an empty window", e->display);
            return BS_EINVAL;
        }
        if (rc == BS_END && n) {
            broken(w, "%s: BS_END with %zu bytes", e->display, n);
            return BS_EINVAL;
        }
        /* GROW asks for one byte more than it got until a window is
         * shorter than asked, which says the end is next */
        if (mode == DRAIN_GROW && rc == BS_OK && n >= min) {
            if (n > ((size_t)64 << 20)) {
                broken(w, "%s: the window grows without end", e->display);
                return BS_EINVAL;
            }
            min = n + 1;
            continue;
        }
        if (n)
            buf_add(&e->data, p, n);
        if (n && bs_consume(s, n) != BS_OK) {
            broken(w, "%s: consume of a window's %zu bytes failed", e->display, n);
            return BS_EINVAL;
        }
        if (bs_tell(s) != e->data.len) {
            broken(w, "%s: bs_tell %llu after %zu bytes", e->display,
                   (unsigned long long)bs_tell(s), e->data.len);
            return BS_EINVAL;
        }
        if (rc == BS_OK) {
            min = 1;
            continue;
        }
        return rc;
    }
}

/* After the reading ended with rc: the same status again, with nothing,
 * and for a failure the same message. */
static void check_sticky(struct walk *w, byte_source *s, struct entry *e, int rc)
{
    const void *p;
    size_t n = 99;
    for (int k = 0; k < 2; k++) {
        int again = bs_peek(s, 1, &p, &n);
        if (again != rc || n != 0) {
            broken(w, "%s: status %d, then %d with %zu bytes", e->display, rc, again, n);
            return;
        }
        char now[BS_ERRMAX];
        copy_msg(now, sizeof now, bs_error(s));
        if (rc < 0 && strcmp(now, e->msg) != 0) {
            broken(w, "%s: the message changed from \"%s\" to \"%s\"", e->display, e->msg,
                   bs_error(s));
            return;
        }
    }
}

/* depth: bs_detect's max_depth for each member (which counts the layers
 * the member is under as well) */
static void walk_container(struct walk *w, byte_source *s, int c, int mode, int depth)
{
    int rc;
    for (int k = 0;; k++) {
        if (k > 10000) {
            broken(w, "more than 10000 members");
            return;
        }
        rc = bs_next_member(s, c);
        if (rc != BS_OK)
            break;
        if (bs_layer_count(s) != c + 1) {
            broken(w, "bs_next_member left %d layers above the container",
                   bs_layer_count(s) - c - 1);
            return;
        }
        const char *mn = bs_member_name(s, c);
        if (!mn) {
            broken(w, "no member name after BS_OK");
            return;
        }
        if (bs_tell(s) != 0) {
            broken(w, "bs_tell %llu at the start of a member", (unsigned long long)bs_tell(s));
            return;
        }
        char name[512], display[1024];
        snprintf(name, sizeof name, "%s", mn);
        snprintf(display, sizeof display, "%s", bs_display_name(s));
        int det = bs_detect(s, depth);
        int top = bs_layer_count(s) - 1;
        struct entry *e;
        if (det >= 0 && top > c && bs_layer_is_container(s, top)) {
            e = new_entry(w, E_CONTAINER);
            snprintf(e->display, sizeof e->display, "%s", display);
            snprintf(e->name, sizeof e->name, "%s", name);
            chain_of(s, e->chain, sizeof e->chain);
            e->det = det;
            walk_container(w, s, top, mode, depth);
            if (w->broken)
                return;
            continue;
        }
        e = new_entry(w, E_LEAF);
        snprintf(e->display, sizeof e->display, "%s", display);
        snprintf(e->name, sizeof e->name, "%s", name);
        chain_of(s, e->chain, sizeof e->chain);
        e->det = det;
        if (bs_tell(s) != 0) {
            broken(w, "%s: bs_tell %llu after bs_detect", display, (unsigned long long)bs_tell(s));
            return;
        }
        /* what it shows while reading: the same name */
        if (strcmp(bs_display_name(s), display) != 0) {
            broken(w, "bs_display_name \"%s\" after bs_detect, \"%s\" before", bs_display_name(s),
                   display);
            return;
        }
        e->rc = drain(w, s, mode, e);
        if (w->broken)
            return;
        if (e->rc < 0)
            copy_msg(e->msg, sizeof e->msg, bs_error(s));
        check_sticky(w, s, e, e->rc);
        if (w->broken)
            return;
    }
    struct entry *e = new_entry(w, E_END);
    e->rc = rc;
    if (rc < 0)
        copy_msg(e->msg, sizeof e->msg, bs_error(s));
    /* the end sticks */
    if (rc == BS_END && bs_next_member(s, c) != BS_END)
        broken(w, "bs_next_member after BS_END did not give BS_END again");
}

/* Walks data[0..len) in way wy into got_w.  Returns bs_detect's result
 * on the whole input (a tar must give 1). */
static int walk(const void *data, size_t len, const struct way *wy, const bs_options *opt0)
{
    struct walk *w = &got_w;
    w->n = 0;
    w->broken = 0;
    w->why[0] = 0;
    bs_options o;
    if (opt0)
        o = *opt0;
    else
        bs_options_init(&o);
    if (wy->window)
        o.window = wy->window;
    byte_source *s = NULL;
    if (bs_open_memory(&s, data, len, "in", &o) != BS_OK) {
        broken(w, "bs_open_memory failed");
        bs_close(s);
        return -100;
    }
    if (wy->under == UNDER_TRICKLE && bs_layer_add(s, &trickle_ops, NULL) != BS_OK)
        broken(w, "cannot add the trickle layer");
    if (wy->under == UNDER_CHUNKS && bs_layer_add(s, &chunk_ops, NULL) != BS_OK)
        broken(w, "cannot add the chunks layer");
    int base = bs_layer_count(s) - 1;
    int det = bs_detect(s, BS_DEPTH_DEFAULT);
    int c = bs_layer_count(s) - 1;
    if (det >= 1 && bs_layer_is_container(s, c)) {
        if (bs_member_name(s, c) != NULL)
            broken(w, "a member name before the first member");
        if (strcmp(bs_display_name(s), "in") != 0)
            broken(w, "bs_display_name \"%s\" before the first member", bs_display_name(s));
        if (!w->broken)
            walk_container(w, s, c, wy->drain, BS_DEPTH_DEFAULT);
    } else if (!w->broken) {
        broken(w, "bs_detect gave %d, layers %d above the base, top %s", det,
               bs_layer_count(s) - 1 - base, bs_layer_name(s, c));
    }
    bs_close(s);
    return det;
}

/* ---- comparing -------------------------------------------------------------- */

static const char *kind_name(int k)
{
    return k == E_LEAF ? "leaf" : k == E_CONTAINER ? "container" : "end";
}

/* The first difference of got_w from want_w, into ctx; 0 if none. */
static int differs(const char *way)
{
    const struct walk *g = &got_w, *x = &want_w;
    if (g->broken) {
        set_why( "%s: %s", way, g->why);
        return 1;
    }
    for (int i = 0; i < g->n || i < x->n; i++) {
        if (i >= g->n || i >= x->n) {
            const struct entry *e = i < g->n ? &g->e[i] : &x->e[i];
            set_why( "%s: entry %d: %s %s \"%s\" (rc %d \"%.150s\")",
                     way, i, i < g->n ? "unexpected" : "missing", kind_name(e->kind), e->display,
                     e->rc, e->msg);
            return 1;
        }
        const struct entry *a = &x->e[i], *b = &g->e[i];
        const char *what = NULL;
        if (a->kind != b->kind)
            what = "kind";
        else if (a->kind != E_END && strcmp(a->display, b->display) != 0)
            what = "display name";
        else if (a->kind != E_END && strcmp(a->name, b->name) != 0)
            what = "member name";
        else if (a->kind != E_END && strcmp(a->chain, b->chain) != 0)
            what = "chain";
        else if (a->kind != E_END && a->det != b->det)
            what = "bs_detect";
        else if (a->kind == E_LEAF &&
                 (a->data.len != b->data.len ||
                  (a->data.len && memcmp(a->data.p, b->data.p, a->data.len) != 0)))
            what = "bytes";
        else if (a->kind != E_CONTAINER && a->rc != b->rc)
            what = "status";
        else if (a->kind != E_CONTAINER && strcmp(a->msg, b->msg) != 0)
            what = "message";
        if (what) {
            size_t at = 0;
            while (at < a->data.len && at < b->data.len && a->data.p[at] == b->data.p[at])
                at++;
            set_why(
                     "%s: entry %d: %s differs: expected %s \"%s\" (%s) [%s] det %d, %zu bytes, "
                     "rc %d \"%.100s\"; got %s \"%s\" (%s) [%s] det %d, %zu bytes (the same "
                     "for %zu), rc %d \"%.100s\"",
                     way, i, what, kind_name(a->kind), a->display, a->name, a->chain, a->det,
                     a->data.len, a->rc, a->msg, kind_name(b->kind), b->display, b->name,
                     b->chain, b->det, b->data.len, at, b->rc, b->msg);
            return 1;
        }
    }
    return 0;
}

static char way_label[96];
static const char *label_of(const struct way *wy)
{
    snprintf(way_label, sizeof way_label, "%s/window %zu/%s", under_name[wy->under], wy->window,
             drain_name[wy->drain]);
    return way_label;
}

/* Walks data in every way: each must meet what want_w says. */
static int all_ways(const void *data, size_t len, const bs_options *opt)
{
    for (size_t k = 0; k < NWAYS; k++) {
        walk(data, len, &ways[k], opt);
        if (differs(label_of(&ways[k])))
            return 0;
    }
    return 1;
}

#define CHECK_WAYS(data, len, opt)         \
    do {                                   \
        if (!all_ways(data, len, opt)) {   \
            why_at(__LINE__, "all ways");  \
            return;                        \
        }                                  \
    } while (0)

#define CHECK_WAY0(data, len, opt)         \
    do {                                   \
        walk(data, len, &ways[0], opt);    \
        if (differs("memory")) {           \
            why_at(__LINE__, "memory");    \
            return;                        \
        }                                  \
    } while (0)

/* ---- sample texts ------------------------------------------------------------- */

static const char t1[] = "first line\nsecond line\n";
static const char t2[] = "a member of exactly one line without a newline";

/* n bytes of numbered lines into text (replacing it) */
static void make_lines(size_t n, const char *tag)
{
    text.len = 0;
    for (unsigned i = 0; text.len < n; i++) {
        char line[64];
        snprintf(line, sizeof line, "%s line %u of the member\n", tag, i);
        buf_str(&text, line);
    }
    text.len = n;
    text.p[n] = 0;
}

/* ---- the cases ---------------------------------------------------------------- */

/* ustar: names in order, bytes, members of 0, 1, 511, 512, 513 and more
 * bytes (padding), a prefix field, the end marker. */
static void test_ustar(void)
{
    ar.len = 0;
    want_reset();
    add_text(&ar, F_USTAR, "a/b.txt", t1);
    want_leaf("in{a/b.txt}", "a/b.txt", "memory tar", 0, t1, strlen(t1));
    add_text(&ar, F_USTAR, "empty", "");
    want_leaf("in{empty}", "empty", "memory tar", 0, "", 0);
    static const size_t sizes[] = {1, 511, 512, 513, 1024, 5000};
    for (size_t k = 0; k < sizeof sizes / sizeof sizes[0]; k++) {
        char name[32], disp[40], tag[8];
        snprintf(name, sizeof name, "size-%zu.txt", sizes[k]);
        snprintf(disp, sizeof disp, "in{%s}", name);
        snprintf(tag, sizeof tag, "s%zu", k);
        make_lines(sizes[k], tag);
        add_file(&ar, F_USTAR, name, text.p, text.len);
        want_leaf(disp, name, "memory tar", 0, text.p, text.len);
    }
    /* the prefix field: prefix/name */
    struct hdr h = {0};
    h.name = "file.txt";
    h.type = '0';
    h.size = strlen(t2);
    h.fmt = F_USTAR;
    h.prefix = "some/dir";
    put_header(&ar, &h);
    put_data(&ar, t2, strlen(t2));
    want_leaf("in{some/dir/file.txt}", "some/dir/file.txt", "memory tar", 0, t2, strlen(t2));
    /* a name of exactly 100 bytes: no NUL in the field */
    char n100[101];
    memset(n100, 'n', 100);
    n100[100] = 0;
    add_text(&ar, F_USTAR, n100, t1);
    char d100[110];
    snprintf(d100, sizeof d100, "in{%s}", n100);
    want_leaf(d100, n100, "memory tar", 0, t1, strlen(t1));
    add_end(&ar);
    want_end(BS_END, NULL);
    CHECK_WAYS(ar.p, ar.len, NULL);

    /* and the same in a tar of 10 KiB blocks, as tar writes them: zeros
     * after the end marker */
    buf_zeros(&ar, (10240 - ar.len % 10240) % 10240);
    CHECK_WAYS(ar.p, ar.len, NULL);
}

/* No end marker at all: the archive ends after its last member; one zero
 * block only is an end too. */
static void test_no_end_marker(void)
{
    ar.len = 0;
    want_reset();
    add_text(&ar, F_USTAR, "one", t1);
    add_text(&ar, F_USTAR, "two", t2);
    want_leaf("in{one}", "one", "memory tar", 0, t1, strlen(t1));
    want_leaf("in{two}", "two", "memory tar", 0, t2, strlen(t2));
    want_end(BS_END, NULL);
    CHECK_WAYS(ar.p, ar.len, NULL);
    buf_zeros(&ar, 512);
    CHECK_WAYS(ar.p, ar.len, NULL);
    /* and data after the end marker is not read */
    buf_zeros(&ar, 512);
    add_text(&ar, F_USTAR, "after-the-end", t1);
    CHECK_WAYS(ar.p, ar.len, NULL);
}

/* GNU: 'L' long names, the magic "ustar  ", base-256 sizes, and the
 * atime field at 345 that is no ustar prefix. */
static void test_gnu(void)
{
    ar.len = 0;
    want_reset();
    char longname[400];
    size_t k = 0;
    while (k < 300) {
        memcpy(longname + k, "long-directory-name/", 20);
        k += 20;
    }
    snprintf(longname + k, sizeof longname - k, "file.txt");
    add_text(&ar, F_GNU, longname, t1);
    char disp[500];
    snprintf(disp, sizeof disp, "in{%s}", longname);
    want_leaf(disp, longname, "memory tar", 0, t1, strlen(t1));
    /* a long name, then a short one: the long name is for one file only */
    add_text(&ar, F_GNU, "short.txt", t2);
    want_leaf("in{short.txt}", "short.txt", "memory tar", 0, t2, strlen(t2));
    /* a base-256 size */
    make_lines(1300, "b256");
    struct hdr h = {0};
    h.name = "base256.txt";
    h.type = '0';
    h.size = text.len;
    h.fmt = F_GNU;
    h.base256 = 1;
    put_header(&ar, &h);
    put_data(&ar, text.p, text.len);
    want_leaf("in{base256.txt}", "base256.txt", "memory tar", 0, text.p, text.len);
    /* oldgnu's atime and ctime where ustar has its prefix */
    static const unsigned char times[12] = "14746132064";
    h = (struct hdr){0};
    h.name = "times.txt";
    h.type = '0';
    h.size = strlen(t1);
    h.fmt = F_GNU;
    h.at345 = times;
    put_header(&ar, &h);
    put_data(&ar, t1, strlen(t1));
    want_leaf("in{times.txt}", "times.txt", "memory tar", 0, t1, strlen(t1));
    /* type '7', contiguous, is a regular file too */
    simple(&ar, F_GNU, "contiguous", '7', strlen(t2));
    put_data(&ar, t2, strlen(t2));
    want_leaf("in{contiguous}", "contiguous", "memory tar", 0, t2, strlen(t2));
    add_end(&ar);
    want_end(BS_END, NULL);
    CHECK_WAYS(ar.p, ar.len, NULL);
}

/* pax: path and size records, other records ignored, a record value with
 * a newline, a global header, records for a directory that must not reach
 * the next file. */
static void test_pax(void)
{
    ar.len = 0;
    want_reset();
    struct buf r = {0};
    /* a long name */
    char longname[300];
    memset(longname, 'p', 250);
    snprintf(longname + 250, sizeof longname - 250, "/end.txt");
    add_file(&ar, F_PAX, longname, t1, strlen(t1));
    char disp[400];
    snprintf(disp, sizeof disp, "in{%s}", longname);
    want_leaf(disp, longname, "memory tar", 0, t1, strlen(t1));
    /* a global header first: its records are for no file in particular */
    pax_rec(&r, "comment", "made by the test", 16);
    put_pax(&ar, 'g', &r);
    r.len = 0;
    /* mtime, atime, a path with a newline, a size that wins over the
     * header's (which says 0, as for a file over 8 GiB) */
    pax_rec(&r, "mtime", "1700000000.123456789", 20);
    pax_rec(&r, "path", "dir/new\nline.txt", 16);
    pax_rec(&r, "atime", "1700000001", 10);
    char sz[32];
    snprintf(sz, sizeof sz, "%zu", strlen(t2));
    pax_rec(&r, "size", sz, strlen(sz));
    put_pax(&ar, 'x', &r);
    r.len = 0;
    simple(&ar, F_PAX, "dir/new_line.txt", '0', 0);
    put_data(&ar, t2, strlen(t2));
    want_leaf("in{dir/new\\x0Aline.txt}", "dir/new\nline.txt", "memory tar", 0, t2, strlen(t2));
    /* a path record for a directory, then a file with its own name */
    pax_rec(&r, "path", "a-very-long-directory-name-given-by-pax/", 40);
    put_pax(&ar, 'x', &r);
    r.len = 0;
    simple(&ar, F_PAX, "a-very-long-directory-name-given-by-pax/", '5', 0);
    add_text(&ar, F_PAX, "plain.txt", t1);
    want_leaf("in{plain.txt}", "plain.txt", "memory tar", 0, t1, strlen(t1));
    /* a record without '=' is passed over; a key that only starts with
     * "path" is no path */
    buf_str(&r, "8 nokey\n");
    pax_rec(&r, "pathx", "not-this", 8);
    pax_rec(&r, "linkpath", "nor-this", 8);
    put_pax(&ar, 'x', &r);
    r.len = 0;
    add_text(&ar, F_PAX, "own-name.txt", t2);
    want_leaf("in{own-name.txt}", "own-name.txt", "memory tar", 0, t2, strlen(t2));
    add_end(&ar);
    want_end(BS_END, NULL);
    buf_free(&r);
    CHECK_WAYS(ar.p, ar.len, NULL);
}

/* v7: no magic, type NUL, the checksum alone (and one summed as signed
 * bytes, as some old tars did). */
static void test_v7(void)
{
    ar.len = 0;
    want_reset();
    add_text(&ar, F_V7, "v7-file.txt", t1);
    want_leaf("in{v7-file.txt}", "v7-file.txt", "memory tar", 0, t1, strlen(t1));
    struct hdr h = {0};
    h.name = "caf\xc3\xa9-signed.txt";
    h.type = '0';
    h.size = strlen(t2);
    h.fmt = F_V7;
    h.signed_sum = 1;
    put_header(&ar, &h);
    put_data(&ar, t2, strlen(t2));
    /* bytes above 0x7F are shown as they are */
    want_leaf("in{caf\xc3\xa9-signed.txt}", "caf\xc3\xa9-signed.txt", "memory tar", 0, t2,
              strlen(t2));
    add_end(&ar);
    want_end(BS_END, NULL);
    CHECK_WAYS(ar.p, ar.len, NULL);
}

/* Directories, symbolic links, hard links, devices, FIFOs, volume labels
 * and GNU long link names are no members; their data, if any, is passed
 * over. */
static void test_non_files(void)
{
    ar.len = 0;
    want_reset();
    simple(&ar, F_GNU, "dir/", '5', 0);
    add_text(&ar, F_GNU, "dir/f1", t1);
    want_leaf("in{dir/f1}", "dir/f1", "memory tar", 0, t1, strlen(t1));
    struct hdr h = {0};
    h.name = "dir/symlink";
    h.type = '2';
    h.fmt = F_GNU;
    h.link = "f1";
    put_header(&ar, &h);
    h.name = "dir/hardlink";
    h.type = '1';
    h.link = "dir/f1";
    put_header(&ar, &h);
    simple(&ar, F_USTAR, "dev/char", '3', 0);
    simple(&ar, F_USTAR, "dev/block", '4', 0);
    simple(&ar, F_USTAR, "fifo", '6', 0);
    simple(&ar, F_GNU, "volume label", 'V', 0);
    /* a long link name ('K') with data, and a directory with data (GNU's
     * dumpdir 'D'): passed over whole */
    char target[200];
    memset(target, 't', 150);
    target[150] = 0;
    simple(&ar, F_GNU, "././@LongLink", 'K', 151);
    put_data(&ar, target, 151);
    h = (struct hdr){0};
    h.name = "dir/longlink";
    h.type = '2';
    h.fmt = F_GNU;
    h.link = target;
    put_header(&ar, &h);
    make_lines(700, "dumpdir");
    simple(&ar, F_GNU, "dumpdir/", 'D', text.len);
    put_data(&ar, text.p, text.len);
    /* an 'L' long name for a directory must not name the next file */
    char longdir[200];
    memset(longdir, 'd', 150);
    memcpy(longdir + 150, "/", 2);
    simple(&ar, F_GNU, "././@LongLink", 'L', strlen(longdir) + 1);
    put_data(&ar, longdir, strlen(longdir) + 1);
    simple(&ar, F_GNU, "ddd/", '5', 0);
    add_text(&ar, F_GNU, "dir/f2", t2);
    want_leaf("in{dir/f2}", "dir/f2", "memory tar", 0, t2, strlen(t2));
    add_end(&ar);
    want_end(BS_END, NULL);
    CHECK_WAYS(ar.p, ar.len, NULL);

    /* a tar of directories only: a container with no members */
    ar.len = 0;
    want_reset();
    simple(&ar, F_USTAR, "d1/", '5', 0);
    simple(&ar, F_USTAR, "d1/d2/", '5', 0);
    add_end(&ar);
    want_end(BS_END, NULL);
    CHECK_WAYS(ar.p, ar.len, NULL);
}

/* Names shown escaped: '{', '}', '\' and control characters. */
static void test_display_escapes(void)
{
    ar.len = 0;
    want_reset();
    add_text(&ar, F_GNU, "q{1}.txt", t1);
    want_leaf("in{q\\{1\\}.txt}", "q{1}.txt", "memory tar", 0, t1, strlen(t1));
    add_text(&ar, F_GNU, "back\\slash", t1);
    want_leaf("in{back\\\\slash}", "back\\slash", "memory tar", 0, t1, strlen(t1));
    add_text(&ar, F_GNU, "new\nline", t1);
    want_leaf("in{new\\x0Aline}", "new\nline", "memory tar", 0, t1, strlen(t1));
    add_text(&ar, F_GNU, "tab\there\x01\x1f\x7f end", t1);
    want_leaf("in{tab\\x09here\\x01\\x1F\\x7F end}", "tab\there\x01\x1f\x7f end", "memory tar", 0,
              t1, strlen(t1));
    add_text(&ar, F_GNU, "with space and }{", t1);
    want_leaf("in{with space and \\}\\{}", "with space and }{", "memory tar", 0, t1, strlen(t1));
    add_end(&ar);
    want_end(BS_END, NULL);
    CHECK_WAYS(ar.p, ar.len, NULL);
}

/* gzip members: detected again after bs_next_member; then plain ones. */
static void test_gzip_members(void)
{
    ar.len = 0;
    want_reset();
    for (int i = 0; i < 3; i++) {
        char tag[8], name[32];
        snprintf(tag, sizeof tag, "gz%d", i);
        snprintf(name, sizeof name, "m%d.gz", i);
        make_lines(i == 1 ? 200000 : 3000 + 100 * (size_t)i, tag);
        zbuf.len = 0;
        CHECK(gzip_to(&zbuf, text.p, text.len) == 0);
        add_file(&ar, F_USTAR, name, zbuf.p, zbuf.len);
        char disp[40];
        snprintf(disp, sizeof disp, "in{%s}", name);
        want_leaf(disp, name, "memory tar gzip", 1, text.p, text.len);
        add_text(&ar, F_USTAR, "plain.txt", t1);
        want_leaf("in{plain.txt}", "plain.txt", "memory tar", 0, t1, strlen(t1));
    }
    add_end(&ar);
    want_end(BS_END, NULL);
    CHECK_WAYS(ar.p, ar.len, NULL);

    /* and the whole tar gzipped: memory gzip tar */
    struct buf tgz = {0};
    if (gzip_to(&tgz, ar.p, ar.len) != 0) {
        buf_free(&tgz);
        CHECK(0);
    }
    for (int i = 0; i < want_w.n; i++) {
        struct entry *e = &want_w.e[i];
        if (e->kind != E_LEAF)
            continue;
        char c[128];
        snprintf(c, sizeof c, "memory gzip%s", e->chain + strlen("memory"));
        snprintf(e->chain, sizeof e->chain, "%s", c);
    }
    int ok = all_ways(tgz.p, tgz.len, NULL);
    buf_free(&tgz);
    if (!ok) {
        unit_failed = 1;
        return;
    }
}

/* A tar inside a tar: the inner members are walked, then the outer goes
 * on; a gzipped tar inside a tar too; then a member abandoned part way. */
static void test_nested(void)
{
    inner.len = 0;
    add_text(&inner, F_USTAR, "x.txt", t1);
    make_lines(3000, "inner");
    add_file(&inner, F_GNU, "y.txt", text.p, text.len);
    add_end(&inner);
    buf_zeros(&inner, 10240 - inner.len % 10240);

    ar.len = 0;
    want_reset();
    add_text(&ar, F_USTAR, "before.txt", t1);
    want_leaf("in{before.txt}", "before.txt", "memory tar", 0, t1, strlen(t1));
    add_file(&ar, F_USTAR, "inner.tar", inner.p, inner.len);
    want_container("in{inner.tar}", "inner.tar", "memory tar tar");
    want_leaf("in{inner.tar}{x.txt}", "x.txt", "memory tar tar", 0, t1, strlen(t1));
    want_leaf("in{inner.tar}{y.txt}", "y.txt", "memory tar tar", 0, text.p, text.len);
    want_end(BS_END, NULL);
    zbuf.len = 0;
    CHECK(gzip_to(&zbuf, inner.p, inner.len) == 0);
    add_file(&ar, F_USTAR, "dir{1}/inner.tar.gz", zbuf.p, zbuf.len);
    want_container("in{dir\\{1\\}/inner.tar.gz}", "dir{1}/inner.tar.gz", "memory tar gzip tar");
    want_w.e[want_w.n - 1].det = 2;
    want_leaf("in{dir\\{1\\}/inner.tar.gz}{x.txt}", "x.txt", "memory tar gzip tar", 0, t1,
              strlen(t1));
    want_leaf("in{dir\\{1\\}/inner.tar.gz}{y.txt}", "y.txt", "memory tar gzip tar", 0, text.p,
              text.len);
    want_end(BS_END, NULL);
    add_text(&ar, F_USTAR, "after.txt", t2);
    want_leaf("in{after.txt}", "after.txt", "memory tar", 0, t2, strlen(t2));
    add_end(&ar);
    want_end(BS_END, NULL);
    CHECK_WAYS(ar.p, ar.len, NULL);

    /* Leaving the inner walk early: bs_next_member on the outer container
     * drops the inner one, part way through its first member. */
    for (size_t k = 0; k < NWAYS; k++) {
        byte_source *s = NULL;
        bs_options o;
        bs_options_init(&o);
        if (ways[k].window)
            o.window = ways[k].window;
        CHECK(bs_open_memory(&s, ar.p, ar.len, "in", &o) == BS_OK);
        if (ways[k].under == UNDER_TRICKLE)
            bs_layer_add(s, &trickle_ops, NULL);
        if (ways[k].under == UNDER_CHUNKS)
            bs_layer_add(s, &chunk_ops, NULL);
        int det = bs_detect(s, 8);
        int c = bs_layer_count(s) - 1;
        int r1 = bs_next_member(s, c);       /* before.txt */
        int r2 = bs_next_member(s, c);       /* inner.tar */
        int d2 = bs_detect(s, 8);
        int ic = bs_layer_count(s) - 1;
        int isc = bs_layer_is_container(s, ic);
        int r3 = bs_next_member(s, ic);      /* x.txt */
        char d3[64];
        snprintf(d3, sizeof d3, "%s", bs_display_name(s));
        const void *p;
        size_t n = 0;
        int pr = bs_peek(s, 5, &p, &n);
        int same5 = n >= 5 && memcmp(p, t1, 5) == 0;
        bs_consume(s, 5);
        int r4 = bs_next_member(s, c);       /* dir{1}/inner.tar.gz */
        int count4 = bs_layer_count(s);
        char d4[64];
        snprintf(d4, sizeof d4, "%s", bs_display_name(s));
        int r5 = bs_next_member(s, c);       /* after.txt, the .gz passed over unread */
        char d5[64];
        snprintf(d5, sizeof d5, "%s", bs_display_name(s));
        struct entry e = {0};
        struct walk *w = &got_w;
        w->broken = 0;
        int dr = drain(w, s, ways[k].drain, &e);
        int r6 = bs_next_member(s, c);
        bs_close(s);
        int same = e.data.len == strlen(t2) && memcmp(e.data.p, t2, e.data.len) == 0;
        buf_free(&e.data);
        CHECK(det == 1 && r1 == BS_OK && r2 == BS_OK && d2 == 1 && isc && ic == c + 1);
        CHECK(r3 == BS_OK && strcmp(d3, "in{inner.tar}{x.txt}") == 0);
        CHECK(pr == BS_OK && same5);
        CHECK(r4 == BS_OK && count4 == c + 1 && strcmp(d4, "in{dir\\{1\\}/inner.tar.gz}") == 0);
        CHECK(r5 == BS_OK && strcmp(d5, "in{after.txt}") == 0);
        CHECK(!w->broken && dr == BS_END && same);
        CHECK(r6 == BS_END);
    }
}

/* bs_next_member on a layer that is no container; bs_layer_is_container
 * and bs_member_name on every layer; NULL sources. */
static void test_not_container(void)
{
    ar.len = 0;
    add_text(&ar, F_USTAR, "a.txt", t1);
    add_end(&ar);
    byte_source *s = NULL;
    CHECK(bs_open_memory(&s, ar.p, ar.len, "in", NULL) == BS_OK);
    /* before detection: the base only */
    int r0 = bs_next_member(s, 0);
    char m0[BS_ERRMAX];
    snprintf(m0, sizeof m0, "%s", bs_error(s));
    int rneg = bs_next_member(s, -1), rbig = bs_next_member(s, 1), rhuge = bs_next_member(s, 99);
    int det = bs_detect(s, 8);
    int ic0 = bs_layer_is_container(s, 0), ic1 = bs_layer_is_container(s, 1),
        ic2 = bs_layer_is_container(s, 2), icn = bs_layer_is_container(s, -1);
    const char *mn0 = bs_member_name(s, 0), *mn1 = bs_member_name(s, 1);
    int rb = bs_next_member(s, 0);
    int r2 = bs_next_member(s, 2);
    int r1 = bs_next_member(s, 1);
    const char *mn = bs_member_name(s, 1);
    int named = mn && strcmp(mn, "a.txt") == 0;
    const void *p;
    size_t n = 0;
    int pr = bs_peek(s, 1, &p, &n);
    int whole = pr == BS_OK && n == strlen(t1) && memcmp(p, t1, n) == 0;
    bs_close(s);
    CHECK(r0 == BS_EINVAL && strstr(m0, "not a container") != NULL);
    CHECK(rneg == BS_EINVAL && rbig == BS_EINVAL && rhuge == BS_EINVAL);
    CHECK(det == 1);
    CHECK(ic0 == 0 && ic1 == 1 && ic2 == 0 && icn == 0);
    CHECK(mn0 == NULL && mn1 == NULL);
    CHECK(rb == BS_EINVAL && r2 == BS_EINVAL);
    /* the failed calls left the container as it was */
    CHECK(r1 == BS_OK && named && whole);

    CHECK(bs_next_member(NULL, 1) == BS_EINVAL);
    CHECK(bs_layer_is_container(NULL, 1) == 0);
    CHECK(bs_member_name(NULL, 1) == NULL);
    CHECK(strcmp(bs_display_name(NULL), "") == 0);

    /* a gzip layer is no container either */
    zbuf.len = 0;
    CHECK(gzip_to(&zbuf, t1, strlen(t1)) == 0);
    CHECK(bs_open_memory(&s, zbuf.p, zbuf.len, "z", NULL) == BS_OK);
    int dz = bs_detect(s, 8);
    int rz = bs_next_member(s, 1);
    int cz = bs_layer_count(s);
    char dn[64];
    snprintf(dn, sizeof dn, "%s", bs_display_name(s));
    pr = bs_peek(s, 1, &p, &n);
    whole = pr == BS_OK && n == strlen(t1) && memcmp(p, t1, n) == 0;
    bs_close(s);
    CHECK(dz == 1 && rz == BS_EINVAL && cz == 2 && whole);
    CHECK(strcmp(dn, "z") == 0);

    /* a plain text is not detected as tar, nor is a text of 512 bytes
     * whose "checksum" does not hold */
    make_lines(2000, "plain");
    CHECK(bs_open_memory(&s, text.p, text.len, "t", NULL) == BS_OK);
    int dt = bs_detect(s, 8);
    int ct = bs_layer_count(s);
    bs_close(s);
    CHECK(dt == 0 && ct == 1);
    /* nor a tar of less than one header (a name and nothing else) */
    CHECK(bs_open_memory(&s, ar.p, 300, "t", NULL) == BS_OK);
    dt = bs_detect(s, 8);
    ct = bs_layer_count(s);
    bs_close(s);
    CHECK(dt == 0 && ct == 1);
}

/* Opens data[0..len), detects the tar, reads `good` members whole (a
 * negative count: moves past -good members without reading them), then
 * expects bs_next_member to fail with rc, and to fail the same way, with
 * the same message, on every later call. */
static int after_failure(const void *data, size_t len, int good, int rc)
{
    byte_source *s = NULL;
    if (bs_open_memory(&s, data, len, "in", NULL) != BS_OK) {
        bs_close(s);
        return 0;
    }
    int ok = bs_detect(s, 8) == 1;
    int read = good >= 0;
    for (int k = 0; k < (good < 0 ? -good : good) && ok; k++) {
        ok = bs_next_member(s, 1) == BS_OK;
        const void *p;
        size_t n;
        while (ok && read && bs_peek(s, 1, &p, &n) == BS_OK)
            bs_consume(s, n);
    }
    int first = ok ? bs_next_member(s, 1) : 0;
    char msg[BS_ERRMAX];
    snprintf(msg, sizeof msg, "%s", bs_error(s));
    if (ok && first != rc) {
        set_why("bs_next_member gave %d (\"%s\"), expected %d", first, msg, rc);
        ok = 0;
    }
    for (int k = 0; k < 5 && ok; k++) {
        int again = bs_next_member(s, 1);
        if (again != rc || strcmp(bs_error(s), msg) != 0 || bs_member_name(s, 1) != NULL) {
            set_why("call %d after the failure: %d (\"%s\"), member %s; first %d (\"%s\")",
                    k + 2, again, bs_error(s), bs_member_name(s, 1) ? bs_member_name(s, 1) : "none",
                    first, msg);
            ok = 0;
        }
    }
    bs_close(s);
    return ok;
}

/* Damage: a header cut short, a member's data cut short, a bad checksum,
 * a pax header over 1 MiB, malformed pax records, a bad size field. */
static void test_truncated_header(void)
{
    ar.len = 0;
    want_reset();
    add_text(&ar, F_USTAR, "a.txt", t1);
    add_text(&ar, F_USTAR, "b.txt", t2);
    size_t at = 1024;   /* b.txt's header */
    for (size_t cut = at + 1; cut < at + 512; cut += 97) {
        want_reset();
        want_leaf("in{a.txt}", "a.txt", "memory tar", 0, t1, strlen(t1));
        char msg[200];
        /* a failure while moving on names the archive, not the member
         * left behind */
        snprintf(msg, sizeof msg, "in: tar: unexpected end of archive in a header at byte %zu",
                 at);
        want_end(BS_EFORMAT, msg);
        CHECK_WAYS(ar.p, cut, NULL);
    }
    /* what comes after such a failure: the same failure (it sticks, with
     * its message), never a member, and at once */
    CHECKC(after_failure(ar.p, at + 100, 1, BS_EFORMAT));
}

static void test_truncated_data(void)
{
    ar.len = 0;
    add_text(&ar, F_USTAR, "a.txt", t1);
    make_lines(3000, "cut");
    add_file(&ar, F_USTAR, "big.txt", text.p, text.len);
    add_text(&ar, F_USTAR, "c.txt", t2);
    add_end(&ar);
    size_t data = 1024 + 512;   /* big.txt's data */
    static const size_t cuts[] = {0, 1, 511, 512, 513, 1000, 2999};
    for (size_t k = 0; k < sizeof cuts / sizeof cuts[0]; k++) {
        want_reset();
        want_leaf("in{a.txt}", "a.txt", "memory tar", 0, t1, strlen(t1));
        char msg[200];
        snprintf(msg, sizeof msg, "in{big.txt}: tar: unexpected end of archive (%zu bytes of "
                                  "the member missing)", text.len - cuts[k]);
        /* cut before 512 bytes: bs_detect, waiting for them, meets the
         * failure first, and looks at what came before it all the same
         * (the failure comes at the first read); with nothing before
         * it, it fails */
        want_leaf_fail("in{big.txt}", "big.txt", "memory tar", cuts[k] ? 0 : BS_EFORMAT, text.p,
                       cuts[k], BS_EFORMAT, msg);
        /* then the walk ends: bs_next_member fails (the rest of the
         * member cannot be passed over), naming the archive */
        want_end(BS_EFORMAT, "in: tar: unexpected end of archive");
        CHECK_WAYS(ar.p, data + cuts[k], NULL);
    }
    /* and after that failure: the same failure again, never a member;
     * also when the member is left unread */
    CHECKC(after_failure(ar.p, data + 100, 2, BS_EFORMAT));
    CHECKC(after_failure(ar.p, data + 100, -2, BS_EFORMAT));
}

static void test_bad_checksum(void)
{
    make_lines(2000, "first");
    for (int fmt = F_USTAR; fmt <= F_V7; fmt++) {
        ar.len = 0;
        want_reset();
        add_file(&ar, fmt, "first.txt", text.p, text.len);
        want_leaf("in{first.txt}", "first.txt", "memory tar", 0, text.p, text.len);
        size_t at = ar.len;
        struct hdr h = {0};
        h.name = "second.txt";
        h.type = '0';
        h.size = strlen(t1);
        h.fmt = fmt;
        h.bad_sum = 1;
        put_header(&ar, &h);
        put_data(&ar, t1, strlen(t1));
        add_text(&ar, fmt, "third.txt", t2);
        add_end(&ar);
        char msg[200];
        snprintf(msg, sizeof msg, "in: tar: bad header at byte %zu", at);
        want_end(BS_EFORMAT, msg);
        CHECK_WAYS(ar.p, ar.len, NULL);
        /* the failure sticks: never a member after it, never a hang */
        CHECKC(after_failure(ar.p, ar.len, 1, BS_EFORMAT));
    }
    /* in the first header: no tar at all */
    ar.len = 0;
    struct hdr h = {0};
    h.name = "first.txt";
    h.type = '0';
    h.size = strlen(t1);
    h.fmt = F_USTAR;
    h.bad_sum = 1;
    put_header(&ar, &h);
    put_data(&ar, t1, strlen(t1));
    add_end(&ar);
    byte_source *s = NULL;
    CHECK(bs_open_memory(&s, ar.p, ar.len, "in", NULL) == BS_OK);
    int det = bs_detect(s, 8);
    int count = bs_layer_count(s);
    bs_close(s);
    CHECK(det == 0 && count == 1);
    /* a size field that is no number, and a negative base-256 size */
    for (int k = 0; k < 2; k++) {
        ar.len = 0;
        want_reset();
        add_text(&ar, F_GNU, "ok.txt", t1);
        want_leaf("in{ok.txt}", "ok.txt", "memory tar", 0, t1, strlen(t1));
        size_t at = ar.len;
        unsigned char blk[512];
        h = (struct hdr){0};
        h.name = "bad-size.txt";
        h.type = '0';
        h.size = 10;
        h.fmt = F_GNU;
        struct buf one = {0};
        put_header(&one, &h);
        memcpy(blk, one.p, 512);
        buf_free(&one);
        if (k == 0)
            memcpy(blk + 124, "0000000001x\0", 12);
        else
            memset(blk + 124, 0xFF, 12);
        /* the checksum again, over the new field */
        memset(blk + 148, ' ', 8);
        unsigned long sum = 0;
        for (int i = 0; i < 512; i++)
            sum += blk[i];
        octal(blk + 148, 7, sum);
        buf_add(&ar, blk, 512);
        put_data(&ar, t1, 10);
        add_end(&ar);
        char msg[200];
        snprintf(msg, sizeof msg, "in: tar: bad header at byte %zu", at);
        want_end(BS_EFORMAT, msg);
        CHECK_WAYS(ar.p, ar.len, NULL);
        CHECKC(after_failure(ar.p, ar.len, 1, BS_EFORMAT));
    }
}

static void test_pax_damage(void)
{
    /* over 1 MiB: refused before it is read */
    ar.len = 0;
    want_reset();
    add_text(&ar, F_PAX, "a.txt", t1);
    want_leaf("in{a.txt}", "a.txt", "memory tar", 0, t1, strlen(t1));
    size_t at = ar.len;
    struct buf r = {0};
    while (r.len <= ((size_t)1 << 20))
        pax_rec(&r, "comment", "xxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxx", 58);
    size_t rlen = r.len;
    put_pax(&ar, 'x', &r);
    buf_free(&r);
    add_text(&ar, F_PAX, "b.txt", t2);
    add_end(&ar);
    char msg[300];
    snprintf(msg, sizeof msg, "in: tar: extended header of %zu bytes at byte %zu is "
                              "larger than 1048576", rlen, at + 512);
    want_end(BS_EFORMAT, msg);
    CHECK_WAY0(ar.p, ar.len, NULL);
    walk(ar.p, ar.len, &ways[2], NULL);
    CHECKC(!differs("chunks"));
    /* it sticks: the records are not read as headers afterwards */
    CHECKC(after_failure(ar.p, ar.len, 1, BS_EFORMAT));
    /* and exactly 1 MiB is read */
    ar.len = 0;
    want_reset();
    r = (struct buf){0};
    pax_rec(&r, "path", "from-a-big-header.txt", 21);
    while (r.len < ((size_t)1 << 20) - 200)
        pax_rec(&r, "comment", "yyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyy", 58);
    char pad[300];
    size_t need = ((size_t)1 << 20) - r.len;
    /* one record to make it exactly 1 MiB: "LEN comment=...\n" */
    size_t vlen = need - strlen(" comment=\n") - 3;
    memset(pad, 'z', vlen);
    pax_rec(&r, "comment", pad, vlen);
    CHECK(r.len == ((size_t)1 << 20));
    put_pax(&ar, 'x', &r);
    buf_free(&r);
    simple(&ar, F_PAX, "short-name", '0', strlen(t1));
    put_data(&ar, t1, strlen(t1));
    add_end(&ar);
    want_leaf("in{from-a-big-header.txt}", "from-a-big-header.txt", "memory tar", 0, t1,
              strlen(t1));
    want_end(BS_END, NULL);
    CHECK_WAY0(ar.p, ar.len, NULL);

    /* malformed records */
    static const char *const bad[] = {
        "99 path=too-long\n",        /* a length beyond the header */
        "12 path=abc\nx",            /* bytes after the last record */
        "3 a\n",                     /* a length shorter than its digits, key and '=' */
        "10 path=ab\n",              /* the record does not end with a newline */
        "path=abc\n",                /* no length */
        "10path=ab\n",               /* no space after the length */
        "14 size=12z45\n",           /* a size that is no number */
        "8 size=\n",                 /* an empty size */
    };
    for (size_t k = 0; k < sizeof bad / sizeof bad[0]; k++) {
        ar.len = 0;
        want_reset();
        add_text(&ar, F_PAX, "a.txt", t1);
        want_leaf("in{a.txt}", "a.txt", "memory tar", 0, t1, strlen(t1));
        r = (struct buf){0};
        buf_str(&r, bad[k]);
        put_pax(&ar, 'x', &r);
        buf_free(&r);
        size_t after = ar.len;
        add_text(&ar, F_PAX, "b.txt", t2);
        add_end(&ar);
        snprintf(msg, sizeof msg, "in: tar: malformed pax %s before byte %zu",
                 strstr(bad[k], "size=") ? "size" : "header", after);
        want_end(BS_EFORMAT, msg);
        CHECK_WAYS(ar.p, ar.len, NULL);
        CHECKC(after_failure(ar.p, ar.len, 1, BS_EFORMAT));
    }
    /* an 'x' header first, malformed: the failure is the first call's */
    ar.len = 0;
    want_reset();
    r = (struct buf){0};
    buf_str(&r, "99 path=x\n");
    put_pax(&ar, 'x', &r);
    buf_free(&r);
    add_text(&ar, F_PAX, "b.txt", t2);
    add_end(&ar);
    want_end(BS_EFORMAT, "in: tar: malformed pax header before byte 1024");
    CHECK_WAYS(ar.p, ar.len, NULL);
    CHECKC(after_failure(ar.p, ar.len, 0, BS_EFORMAT));
}

/* A pax size of 2^64 - 1 (or more, which strtoull makes the same): the
 * member's data runs to the end of the archive and beyond, so moving on
 * without reading it must fail (or the header be refused), not take its
 * data for the next header: a header hidden there would be a member that a
 * reader of the data never sees. */
static void test_pax_size_overflow(void)
{
    /* (the first one leaves room for the padding: no wrapping there) */
    static const char *const sizes[] = {"18446744073709551100", "18446744073709551615",
                                        "18446744073709551616"};
    for (size_t k = 0; k < sizeof sizes / sizeof sizes[0]; k++) {
        ar.len = 0;
        struct buf r = {0};
        pax_rec(&r, "size", sizes[k], strlen(sizes[k]));
        put_pax(&ar, 'x', &r);
        buf_free(&r);
        simple(&ar, F_PAX, "big", '0', 0);
        add_text(&ar, F_USTAR, "hidden.txt", t1);
        add_text(&ar, F_USTAR, "after.txt", t2);
        add_end(&ar);
        byte_source *s = NULL;
        CHECKC(bs_open_memory(&s, ar.p, ar.len, "in", NULL) == BS_OK);
        int det = bs_detect(s, 8);
        char names[200] = "";
        int rc, n = 0;
        while (n < 5 && (rc = bs_next_member(s, 1)) == BS_OK) {
            size_t k2 = strlen(names);
            snprintf(names + k2, sizeof names - k2, "%s%s", n ? " " : "", bs_member_name(s, 1));
            n++;
        }
        char msg[BS_ERRMAX];
        snprintf(msg, sizeof msg, "%s", bs_error(s));
        bs_close(s);
        set_why("size %s: detect %d, members \"%s\", then %d \"%s\"", sizes[k], det, names, rc,
                msg);
        CHECKC(det == 1);
        /* "big" (whose data cannot be passed over), or nothing at all */
        CHECKC(strcmp(names, "big") == 0 || strcmp(names, "") == 0);
        CHECKC(rc == BS_EFORMAT && strncmp(msg, "in: tar: ", 9) == 0);
        CHECKC(strcmp(names, "") != 0 || k > 0);   /* the first one is a member */

        /* and read, the member is all the rest of the archive, then cut
         * short (here a text, which bs_detect takes for no tar); or its
         * header is refused */
        ar.len = 0;
        r = (struct buf){0};
        pax_rec(&r, "size", sizes[k], strlen(sizes[k]));
        put_pax(&ar, 'x', &r);
        buf_free(&r);
        simple(&ar, F_PAX, "big", '0', 0);
        make_lines(3000, "rest");
        buf_add(&ar, text.p, text.len);
        walk(ar.p, ar.len, &ways[0], NULL);
        if (got_w.n == 1 && got_w.e[0].kind == E_END && got_w.e[0].rc == BS_EFORMAT &&
            strncmp(got_w.e[0].msg, "in: tar: ", 9) == 0 && k > 0)
            continue;   /* refused */
        want_reset();
        char m[200];
        snprintf(m, sizeof m, "in{big}: tar: unexpected end of archive (%llu bytes of the member "
                 "missing)", strtoull(sizes[k], NULL, 10) - text.len);
        want_leaf_fail("in{big}", "big", "memory tar", 0, text.p, text.len, BS_EFORMAT, m);
        want_end(BS_EFORMAT, "in: tar: unexpected end of archive");
        CHECK_WAYS(ar.p, ar.len, NULL);
    }
}

/* A gzip member cut short inside an intact tar: its failure names it, the
 * chain starts above the tar, and the next member is read. */
static void test_truncated_gzip_member(void)
{
    make_lines(100000, "gzipped");
    zbuf.len = 0;
    CHECK(gzip_to(&zbuf, text.p, text.len) == 0);
    size_t half = zbuf.len / 2;
    ar.len = 0;
    add_text(&ar, F_USTAR, "a.txt", t1);
    add_file(&ar, F_USTAR, "m.gz", zbuf.p, half);
    add_text(&ar, F_USTAR, "n.txt", t2);
    add_end(&ar);
    for (size_t k = 0; k < NWAYS; k++) {
        walk(ar.p, ar.len, &ways[k], NULL);
        const struct walk *g = &got_w;
        set_why( "%s: %s", label_of(&ways[k]), g->why);
        CHECKC(!g->broken);
        CHECKC(g->n == 4);
        CHECKC(g->e[0].kind == E_LEAF && strcmp(g->e[0].display, "in{a.txt}") == 0 &&
              g->e[0].rc == BS_END);
        const struct entry *m = &g->e[1];
        set_why( "%s: m.gz: [%s] det %d rc %d \"%s\", %zu bytes",
                 label_of(&ways[k]), m->chain, m->det, m->rc, m->msg, m->data.len);
        CHECKC(m->kind == E_LEAF && strcmp(m->display, "in{m.gz}") == 0);
        CHECKC(strcmp(m->chain, "memory tar gzip") == 0 && m->det == 1);
        CHECKC(m->rc == BS_EFORMAT);
        CHECKC(strcmp(m->msg, "in{m.gz}: gzip: unexpected end of stream") == 0);
        /* what came out is the start of the text, most of half of it */
        CHECKC(m->data.len > 0 && m->data.len < text.len);
        CHECKC(memcmp(m->data.p, text.p, m->data.len) == 0);
        const struct entry *n = &g->e[2];
        CHECKC(n->kind == E_LEAF && strcmp(n->display, "in{n.txt}") == 0 && n->rc == BS_END);
        CHECKC(n->data.len == strlen(t2) && memcmp(n->data.p, t2, n->data.len) == 0);
        CHECKC(g->e[3].kind == E_END && g->e[3].rc == BS_END);
    }
    /* cut inside the gzip header (in its file name), in a member of a
     * few bytes: bs_detect meets the failure, the reading gives it again,
     * the walk goes on */
    ar.len = 0;
    want_reset();
    add_file(&ar, F_USTAR, "h.gz", "\x1f\x8b\x08\x08\0\0\0\0\0\x03name-of-fi", 20);
    add_text(&ar, F_USTAR, "n.txt", t2);
    add_end(&ar);
    want_leaf_fail("in{h.gz}", "h.gz", "memory tar gzip", BS_EFORMAT, "", 0, BS_EFORMAT,
                   "in{h.gz}: gzip: unexpected end of stream in a member header");
    want_leaf("in{n.txt}", "n.txt", "memory tar", 0, t2, strlen(t2));
    want_end(BS_END, NULL);
    CHECK_WAYS(ar.p, ar.len, NULL);
    /* a truncated tar member inside an inner tar names both */
    inner.len = 0;
    add_text(&inner, F_USTAR, "x.txt", t1);
    make_lines(2000, "inner");
    add_file(&inner, F_USTAR, "y.txt", text.p, text.len);
    ar.len = 0;
    want_reset();
    add_file(&ar, F_USTAR, "in.tar", inner.p, 1024 + 512 + 700);
    add_text(&ar, F_USTAR, "z.txt", t2);
    add_end(&ar);
    want_container("in{in.tar}", "in.tar", "memory tar tar");
    want_leaf("in{in.tar}{x.txt}", "x.txt", "memory tar tar", 0, t1, strlen(t1));
    char msg[200];
    snprintf(msg, sizeof msg, "in{in.tar}{y.txt}: tar: unexpected end of archive (%zu bytes of "
                              "the member missing)", text.len - 700);
    want_leaf_fail("in{in.tar}{y.txt}", "y.txt", "memory tar tar", 0, text.p, 700, BS_EFORMAT,
                   msg);
    want_end(BS_EFORMAT, "in{in.tar}: tar: unexpected end of archive");
    want_leaf("in{z.txt}", "z.txt", "memory tar", 0, t2, strlen(t2));
    want_end(BS_END, NULL);
    CHECK_WAYS(ar.p, ar.len, NULL);
}

/* The decoded-bytes budget covers all members together. */
static void test_budget(void)
{
    /* 700 KiB of one line repeated: about 1 KiB of gzip */
    text.len = 0;
    while (text.len < 700 * 1024)
        buf_str(&text, "the same line, again and again, compresses well\n");
    zbuf.len = 0;
    CHECK(gzip_to(&zbuf, text.p, text.len) == 0);
    CHECK(zbuf.len < 8192);
    ar.len = 0;
    for (int i = 1; i <= 4; i++) {
        char name[16];
        snprintf(name, sizeof name, "z%d.gz", i);
        add_file(&ar, F_USTAR, name, zbuf.p, zbuf.len);
    }
    add_end(&ar);
    bs_options o;
    bs_options_init(&o);
    o.decode_floor = (uint64_t)1 << 20;
    o.decode_ratio = 4;
    for (size_t k = 0; k < 3; k++) {
        walk(ar.p, ar.len, &ways[k], &o);
        const struct walk *g = &got_w;
        set_why( "%s: %s", label_of(&ways[k]), g->why);
        CHECKC(!g->broken);
        CHECKC(g->n == 5);
        /* the first member alone is under the floor: read whole */
        const struct entry *e = &g->e[0];
        set_why( "%s: z1.gz: rc %d \"%s\", %zu bytes",
                 label_of(&ways[k]), e->rc, e->msg, e->data.len);
        CHECKC(e->rc == BS_END && e->data.len == text.len);
        /* the second one takes the total over it */
        e = &g->e[1];
        set_why( "%s: z2.gz: rc %d \"%s\", %zu bytes",
                 label_of(&ways[k]), e->rc, e->msg, e->data.len);
        CHECKC(e->rc == BS_ELIMIT && e->data.len < text.len);
        CHECKC(strncmp(e->msg, "in{z2.gz}: gzip: decoded ", 25) == 0);
        CHECKC(strstr(e->msg, "more than 4:1 (a decompression bomb?)") != NULL);
        /* and the later ones are over it from their first bytes */
        for (int i = 2; i < 4; i++) {
            e = &g->e[i];
            set_why( "%s: member %d: rc %d det %d \"%s\", %zu bytes",
                     label_of(&ways[k]), i + 1, e->rc, e->det, e->msg, e->data.len);
            CHECKC(e->rc == BS_ELIMIT && e->data.len < text.len);
            CHECKC(strstr(e->msg, "a decompression bomb?") != NULL);
        }
        CHECKC(g->e[4].kind == E_END && g->e[4].rc == BS_END);
    }
    /* bs_limit says which limit */
    byte_source *s = NULL;
    CHECK(bs_open_memory(&s, ar.p, ar.len, "in", &o) == BS_OK);
    int det = bs_detect(s, 8);
    int r = bs_next_member(s, 1), d1 = bs_detect(s, 8);
    const void *p;
    size_t n;
    int rc;
    while ((rc = bs_peek(s, 1, &p, &n)) == BS_OK)
        bs_consume(s, n);
    int rc1 = rc, lim1 = bs_limit(s);
    int r2 = bs_next_member(s, 1), d2 = bs_detect(s, 8);
    while ((rc = bs_peek(s, 1, &p, &n)) == BS_OK)
        bs_consume(s, n);
    int lim2 = bs_limit(s);
    bs_close(s);
    CHECK(det == 1 && r == BS_OK && d1 == 1 && rc1 == BS_END && lim1 == BS_LIMIT_NONE);
    CHECK(r2 == BS_OK && (d2 == 1 || d2 == BS_ELIMIT) && rc == BS_ELIMIT &&
          lim2 == BS_LIMIT_DECODED);
    /* each member alone passes, and all pass without the budget */
    for (int i = 0; i < 2; i++) {
        struct buf one = {0};
        if (i == 0) {
            add_file(&one, F_USTAR, "z2.gz", zbuf.p, zbuf.len);
            add_end(&one);
        }
        bs_options o2 = o;
        if (i == 1)
            o2.decode_ratio = 0;
        walk(i == 0 ? one.p : ar.p, i == 0 ? one.len : ar.len, &ways[0], &o2);
        buf_free(&one);
        const struct walk *g = &got_w;
        CHECKC(!g->broken);
        CHECKC(g->n == (i == 0 ? 2 : 5));
        for (int j = 0; j < g->n - 1; j++)
            CHECKC(g->e[j].rc == BS_END && g->e[j].data.len == text.len);
    }
}

/* A member read in part, then the next: the rest is passed over. */
static void test_partial_reads(void)
{
    ar.len = 0;
    make_lines(20000, "partial");
    add_file(&ar, F_USTAR, "big.txt", text.p, text.len);
    zbuf.len = 0;
    CHECK(gzip_to(&zbuf, text.p, text.len) == 0);
    add_file(&ar, F_USTAR, "big.gz", zbuf.p, zbuf.len);
    add_text(&ar, F_USTAR, "last.txt", t2);
    add_end(&ar);
    static const size_t takes[] = {0, 1, 511, 512, 4000, 19999};
    for (size_t w = 0; w < NWAYS; w++) {
        for (size_t k = 0; k < sizeof takes / sizeof takes[0]; k++) {
            byte_source *s = NULL;
            bs_options o;
            bs_options_init(&o);
            if (ways[w].window)
                o.window = ways[w].window;
            CHECKC(bs_open_memory(&s, ar.p, ar.len, "in", &o) == BS_OK);
            if (ways[w].under == UNDER_TRICKLE)
                bs_layer_add(s, &trickle_ops, NULL);
            if (ways[w].under == UNDER_CHUNKS)
                bs_layer_add(s, &chunk_ops, NULL);
            int det = bs_detect(s, 8);
            int c = bs_layer_count(s) - 1;
            int ok = det == 1;
            for (int m = 0; m < 2 && ok; m++) {
                ok = bs_next_member(s, c) == BS_OK && bs_detect(s, 8) == m;
                size_t have = 0;
                while (ok && have < takes[k]) {
                    const void *p;
                    size_t n;
                    ok = bs_peek(s, 1, &p, &n) == BS_OK;
                    if (!ok)
                        break;
                    size_t t = n < takes[k] - have ? n : takes[k] - have;
                    ok = memcmp(p, text.p + have, t) == 0 && bs_consume(s, t) == BS_OK;
                    have += t;
                    ok = ok && bs_tell(s) == have;
                }
            }
            int r3 = ok ? bs_next_member(s, c) : -100;
            int det3 = bs_detect(s, 8);
            char d3[64];
            snprintf(d3, sizeof d3, "%s", bs_display_name(s));
            struct entry e = {0};
            got_w.broken = 0;
            int dr = drain(&got_w, s, ways[w].drain, &e);
            int r4 = bs_next_member(s, c);
            bs_close(s);
            int same = e.data.len == strlen(t2) && memcmp(e.data.p, t2, e.data.len) == 0;
            buf_free(&e.data);
            set_why( "%s, %zu bytes of each: ok %d r3 %d det3 %d "
                     "\"%s\" drain %d same %d r4 %d", label_of(&ways[w]), takes[k], ok, r3, det3,
                     d3, dr, same, r4);
            CHECKC(ok && r3 == BS_OK && det3 == 0 && strcmp(d3, "in{last.txt}") == 0);
            CHECKC(!got_w.broken && dr == BS_END && same && r4 == BS_END);
        }
    }
}

/* Member names and layers as the chain shows them; a failure message of a
 * member that is long and nested stays one line under BS_ERRMAX. */
static void test_labels(void)
{
    ar.len = 0;
    add_text(&ar, F_GNU, "a.txt", t1);
    add_end(&ar);
    byte_source *s = NULL;
    CHECK(bs_open_memory(&s, ar.p, ar.len, "archive.tar", NULL) == BS_OK);
    int det = bs_detect(s, 8);
    const char *name = bs_layer_name(s, 1), *label = bs_layer_label(s, 1);
    int is_tar = name && strcmp(name, "tar") == 0 && label && strcmp(label, "tar") == 0;
    int r = bs_next_member(s, 1);
    char dn[64];
    snprintf(dn, sizeof dn, "%s", bs_display_name(s));
    bs_close(s);
    CHECK(det == 1 && is_tar && r == BS_OK);
    CHECK(strcmp(dn, "archive.tar{a.txt}") == 0);

    /* a name as long as GNU allows here, full of characters to escape:
     * the display name and a message are cut, not overrun */
    ar.len = 0;
    static char huge[6000];
    for (size_t i = 0; i + 1 < sizeof huge; i++)
        huge[i] = i % 3 ? '{' : '\n';
    huge[sizeof huge - 1] = 0;
    simple(&ar, F_GNU, "././@LongLink", 'L', sizeof huge);
    put_data(&ar, huge, sizeof huge);
    simple(&ar, F_GNU, "short", '0', 1000);
    put_data(&ar, t1, strlen(t1));   /* 1000 bytes promised, fewer there */
    CHECK(bs_open_memory(&s, ar.p, ar.len - (512 - strlen(t1)), "in", NULL) == BS_OK);
    det = bs_detect(s, 8);
    r = bs_next_member(s, 1);
    const char *mn = bs_member_name(s, 1);
    int named = mn && strlen(mn) == sizeof huge - 1;
    size_t dlen = strlen(bs_display_name(s));
    static const char head[] = "in{\\x0A\\{\\{\\x0A";
    int starts = strncmp(bs_display_name(s), head, strlen(head)) == 0;
    const void *p;
    size_t n;
    int rc;
    while ((rc = bs_peek(s, 1, &p, &n)) == BS_OK)
        bs_consume(s, n);
    size_t elen = strlen(bs_error(s));
    int one_line = strchr(bs_error(s), '\n') == NULL;
    /* the name is cut to leave room for what happened */
    int says = strstr(bs_error(s), ": tar: unexpected end of archive (") != NULL;
    set_why("a message of %zu bytes, ending \"%s\"", elen,
            bs_error(s) + (elen > 60 ? elen - 60 : 0));
    bs_close(s);
    CHECK(det == 1 && r == BS_OK && named && starts);
    CHECK(dlen > 4096 && dlen < BS_NAMEMAX + 1024);
    CHECK(rc == BS_EFORMAT && elen < BS_ERRMAX && one_line);
    CHECKC(says);
}

int main(void)
{
    RUN(test_ustar);
    RUN(test_no_end_marker);
    RUN(test_gnu);
    RUN(test_pax);
    RUN(test_v7);
    RUN(test_non_files);
    RUN(test_display_escapes);
    RUN(test_gzip_members);
    RUN(test_nested);
    RUN(test_not_container);
    RUN(test_truncated_header);
    RUN(test_truncated_data);
    RUN(test_bad_checksum);
    RUN(test_pax_damage);
    RUN(test_pax_size_overflow);
    RUN(test_truncated_gzip_member);
    RUN(test_budget);
    RUN(test_partial_reads);
    RUN(test_labels);
    for (int i = 0; i < MAXE; i++) {
        buf_free(&want_w.e[i].data);
        buf_free(&got_w.e[i].data);
    }
    buf_free(&ar);
    buf_free(&inner);
    buf_free(&text);
    buf_free(&zbuf);
    return 0;
}
