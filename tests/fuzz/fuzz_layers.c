/* libFuzzer harness for the decoding layers: gzip (ISA-L and zlib
 * engines), xz, zstd, bzip2, lz4, and bs_detect choosing among them.
 *
 * Input: byte 0 picks what is decoded and how (see struct plan), byte 1
 * seeds the sizes of the chunks the input arrives in and of the reads;
 * the rest is the data.  Each input is decoded straight from memory, again
 * through a layer that hands the input out in seeded chunk sizes, and for
 * gzip once more by the other engine.
 *
 * Invariants: no crash, leak or sanitizer report; every peek returns BS_OK
 * with bytes, BS_END with none, or a negative status with a message that
 * names the source, which then sticks; BS_ELIMIT and only it records a
 * limit; bs_tell follows the bytes consumed; the decoded-bytes budget
 * holds; how the input is split changes neither the status nor the bytes
 * (the shorter output of two failures is a prefix of the longer); the two
 * gzip engines agree on the bytes of everything both decode.  Set
 * FUZZ_ENGINES_STRICT=1 to also require that they agree on which inputs
 * are valid (they may not: ISA-L is laxer about some malformed Huffman
 * tables, which is not this library's business). */
#include "bs_private.h"

#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static const char *const layer_names[] = {"gzip", "gzip-zlib", "xz", "zstd", "bzip2", "lz4"};

/* Small limits, so that bombs and huge windows end quickly. */
#define FLOOR ((uint64_t)1 << 20)
#define RATIO 64u
#define WINDOW_MAX ((size_t)1 << 20)

struct plan {
    int layer;     /* index into layer_names, or -1 for bs_detect */
    int threads;   /* xz decoder threads */
    int reads;     /* 0: peek 1, consume all; 1: varied peeks; 2: bs_read; 3: mixed */
    int small;     /* tiny windows: many refills */
};

/* xorshift32: chunk and read sizes from byte 1 */
static uint32_t next_rand(uint32_t *x)
{
    *x ^= *x << 13;
    *x ^= *x >> 17;
    *x ^= *x << 5;
    return *x;
}

struct chunker {
    uint32_t rnd;
};

/* Hands out 1 to 64 bytes at a time (now and then up to 4 KiB). */
static int chunk_read(struct bs_layer *l, unsigned char *dst, size_t cap, size_t *got)
{
    struct chunker *c = l->state;
    const unsigned char *p;
    size_t n;
    int rc = bs_layer_peek(l->below, 1, &p, &n);
    if (rc != BS_OK)
        return rc;
    uint32_t r = next_rand(&c->rnd);
    size_t want = r % 16 == 0 ? 1 + (r >> 8) % 4096 : 1 + (r >> 8) % 64;
    if (want > cap)
        want = cap;
    if (want > n)
        want = n;
    memcpy(dst, p, want);
    bs_layer_consume(l->below, want);
    *got = want;
    return BS_OK;
}

static const struct bs_layer_ops chunk_ops = {
    .version = BS_OPS_VERSION,
    .name = "chunks",
    .read = chunk_read,
};

struct result {
    unsigned char *out;
    size_t len, cap;
    int rc;        /* BS_END or the negative status */
    int detected;  /* bs_detect's return in detect mode */
    char err[BS_ERRMAX];
};

static void fail(const char *what, const struct result *r)
{
    fprintf(stderr, "invariant broken: %s (rc %d, %zu bytes out, \"%s\")\n", what, r->rc, r->len,
            r->err);
    abort();
}

static void append(struct result *r, const void *p, size_t n)
{
    if (n == 0)
        return;
    if (r->cap - r->len < n) {
        size_t nc = r->cap ? r->cap : 65536;
        while (nc - r->len < n)
            nc *= 2;
        unsigned char *q = realloc(r->out, nc);
        if (!q)
            abort();
        r->out = q;
        r->cap = nc;
    }
    memcpy(r->out + r->len, p, n);
    r->len += n;
}

/* After a failure: a message naming the source, the status sticks, and
 * only BS_ELIMIT records a limit. */
static void check_failure(byte_source *s, struct result *r, int rc)
{
    r->rc = rc;
    snprintf(r->err, sizeof r->err, "%s", bs_error(s));
    if (strncmp(r->err, "fuzz: ", 6) != 0 || !r->err[6])
        fail("a failure without a message naming the source", r);
    if ((rc == BS_ELIMIT) != (bs_limit(s) != BS_LIMIT_NONE))
        fail("bs_limit disagrees with the status", r);
    const void *p;
    size_t n;
    if (bs_peek(s, 1, &p, &n) != rc || n != 0)
        fail("the failure did not stick", r);
    if (strcmp(r->err, bs_error(s)) != 0)
        fail("the message changed", r);
}

static void decode(const uint8_t *data, size_t len, const struct plan *pl, int layer, int chunked,
                   uint32_t seed, struct result *r)
{
    r->len = 0;
    r->rc = 0;
    r->detected = 0;
    r->err[0] = 0;
    bs_options o;
    bs_options_init(&o);
    o.decode_floor = FLOOR;
    o.decode_ratio = RATIO;
    o.window_max = WINDOW_MAX;
    o.xz_memlimit = (uint64_t)32 << 20;
    o.zstd_window_log_max = 24;
    o.threads = pl->threads;
    if (pl->small)
        o.window = 64;
    byte_source *s;
    if (bs_open_memory(&s, data, len, "fuzz", &o) != BS_OK)
        abort();
    struct chunker c = {seed ? seed : 0x9e3779b9u};
    uint32_t rnd = c.rnd ^ 0x5bd1e995u;
    if (chunked) {
        struct bs_layer *l;
        if (bs_layer_add(s, &chunk_ops, &l) != BS_OK)
            abort();
        l->state = &c;
    }
    int rc;
    if (layer >= 0) {
        rc = bs_push(s, layer_names[layer]);
        if (rc != BS_OK)
            fail("bs_push of a known layer failed", r);
    } else {
        rc = bs_detect(s, 4);
        r->detected = rc;
        if (rc < 0 && !bs_error(s)[0])
            fail("bs_detect failed without a message", r);
        /* after a failure the bytes a layer decoded before it are still
         * there to read, then the failure */
        if (rc >= 0 && bs_layer_count(s) != 1 + chunked + rc)
            fail("bs_detect's count disagrees with the chain", r);
    }
    uint64_t bound = (uint64_t)RATIO * len > FLOOR ? (uint64_t)RATIO * len : FLOOR;
    bound += WINDOW_MAX + 1;
    size_t min = 1;
    for (unsigned i = 0;; i++) {
        uint32_t x = next_rand(&rnd);
        int how = pl->reads == 3 ? (int)(x % 3) : pl->reads;
        const void *p;
        size_t n;
        if (how == 2) {
            unsigned char buf[4096];
            size_t want = 1 + (x >> 4) % sizeof buf;
            rc = bs_read(s, buf, want, &n);
            if (rc == BS_OK && (n == 0 || n > want))
                fail("bs_read gave BS_OK with a bad count", r);
            if (rc != BS_OK && n != 0)
                fail("bs_read gave bytes with a status", r);
            append(r, buf, n);
        } else {
            rc = bs_peek(s, min, &p, &n);
            if (rc == BS_OK && (n == 0 || !p))
                fail("BS_OK with an empty window", r);
            if (rc == BS_END && n != 0)
                fail("BS_END with bytes", r);
            if (rc == BS_OK) {
                size_t k = how == 0 ? n : 1 + (x >> 4) % n;
                append(r, p, k);
                if (bs_consume(s, k) != BS_OK)
                    fail("consume of a window's bytes failed", r);
                /* up to what is left + 64, never enough to reach the
                 * window limit */
                min = how == 0 ? 1 : 1 + (x >> 20) % ((n - k) % 65536 + 64);
            } else if (rc < 0 && n) {
                /* bytes decoded before the failure are still handed out */
                append(r, p, n);
                if (bs_consume(s, n) != BS_OK)
                    fail("consume of the bytes before a failure failed", r);
            }
        }
        if (rc == BS_END) {
            r->rc = BS_END;
            break;
        }
        if (rc < 0) {
            check_failure(s, r, rc);
            break;
        }
        if (rc != BS_OK)
            fail("a status that is none of BS_OK, BS_END, negative", r);
        if (bs_tell(s) != r->len)
            fail("bs_tell is not the bytes consumed", r);
        if (r->len > bound)
            fail("the decoded-bytes budget did not hold", r);
    }
    if (r->detected < 0 && r->rc != r->detected)
        fail("reading after a failed bs_detect ended otherwise", r);
    bs_close(s);
}

/* Two decodings of the same bytes: the same status and the same bytes, or
 * failures where one output is a prefix of the other.  Limits are left
 * out: the budget counts input consumed, which depends on the split. */
static void compare(const struct result *a, const struct result *b, int strict, const char *what)
{
    if (a->rc == BS_ELIMIT || b->rc == BS_ELIMIT)
        return;
    size_t k = a->len < b->len ? a->len : b->len;
    if (k && memcmp(a->out, b->out, k) != 0) {
        fprintf(stderr, "%s: outputs differ within the first %zu bytes\n", what, k);
        fail("outputs differ", b);
    }
    if (a->rc == BS_END && b->rc == BS_END && a->len != b->len) {
        fprintf(stderr, "%s: %zu vs %zu bytes\n", what, a->len, b->len);
        fail("complete outputs of different lengths", b);
    }
    if (strict && a->rc != b->rc) {
        fprintf(stderr, "%s: status %d (\"%s\") vs %d\n", what, a->rc, a->err, b->rc);
        fail("statuses differ", b);
    }
}

static struct result ra, rb, rc_;

int LLVMFuzzerTestOneInput(const uint8_t *buf, size_t size)
{
    static int strict_engines = -1;
    if (strict_engines < 0) {
        const char *e = getenv("FUZZ_ENGINES_STRICT");
        strict_engines = e && *e == '1';
    }
    if (size < 2)
        return 0;
    struct plan pl;
    unsigned sel = buf[0] & 7;
    pl.layer = sel < 6 ? (int)sel : -1;
    pl.threads = buf[0] & 8 ? 2 : 1;
    pl.reads = (buf[0] >> 4) & 3;
    pl.small = (buf[0] >> 6) & 1;
    uint32_t seed = buf[1] * 0x01000193u + 1;
    const uint8_t *data = buf + 2;
    size_t len = size - 2;

    decode(data, len, &pl, pl.layer, 0, seed, &ra);
    decode(data, len, &pl, pl.layer, 1, seed, &rb);
    compare(&ra, &rb, 1, "whole vs chunked input");
    if (pl.layer < 0 && ra.detected >= 0 && rb.detected >= 0 && ra.detected != rb.detected)
        fail("bs_detect found different chains in the same bytes", &rb);
    if (pl.layer == 0 || pl.layer == 1) {
        decode(data, len, &pl, 1 - pl.layer, 0, seed, &rc_);
        compare(&ra, &rc_, strict_engines, "ISA-L vs zlib");
    }
    return 0;
}
