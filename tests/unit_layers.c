/* Unit tests of the decoding layers: gzip (both engines), xz, zstd, bzip2
 * and lz4, fed with data made here by the real compression libraries.
 *
 * Every format goes through the same cases (detection, pushing by name,
 * input arriving one byte at a time or in odd chunks, several members,
 * truncation, corruption, trailing data, output windows that end exactly
 * where a member ends, the decoded-bytes budget); then come the
 * format-specific cases (gzip header fields, padding and trailing garbage,
 * xz memory limit, zstd window limit, nesting depth, messages that name the
 * chain).  Per-format cases are reported as "test_name_FORMAT".
 *
 * Buffers a case allocates are registered with keep() and released after
 * the case, so that a CHECK that returns early leaks nothing; sources are
 * opened and closed inside decode().  The few files live under one
 * mkdtemp directory that is removed at the end. */
#define _GNU_SOURCE
#include "unit.h"
#include "layers.h"

#include "bs_private.h"
#include "libsrc.h"

#include <bzlib.h>
#include <errno.h>
#include <fcntl.h>
#include <ftw.h>
#include <lz4frame.h>
#include <lzma.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>
#include <zlib.h>
#include <zstd.h>

/* ---- scratch memory, released after each case --------------------------- */

static void **kept;
static size_t nkept, capkept;

static void *keep(void *p)
{
    if (!p)
        return NULL;
    if (nkept == capkept) {
        size_t nc = capkept ? capkept * 2 : 64;
        void **nk = realloc(kept, nc * sizeof *nk);
        if (!nk) {
            free(p);
            return NULL;
        }
        kept = nk;
        capkept = nc;
    }
    kept[nkept++] = p;
    return p;
}

static void release_kept(void)
{
    for (size_t i = 0; i < nkept; i++)
        free(kept[i]);
    nkept = 0;
}

static unsigned char *kmalloc(size_t n)
{
    return keep(malloc(n ? n : 1));
}

static unsigned char *kdup(const void *p, size_t n)
{
    unsigned char *q = kmalloc(n);
    if (q && n)
        memcpy(q, p, n);
    return q;
}

/* a ++ b, kept */
static unsigned char *cat2(const void *a, size_t alen, const void *b, size_t blen, size_t *len)
{
    unsigned char *p = kmalloc(alen + blen);
    if (!p)
        return NULL;
    if (alen)
        memcpy(p, a, alen);
    if (blen)
        memcpy(p + alen, b, blen);
    *len = alen + blen;
    return p;
}

/* A growing byte buffer (not kept: the decode output is reused). */
struct buf {
    unsigned char *p;
    size_t len, cap;
};

static int buf_add(struct buf *b, const void *p, size_t n)
{
    if (b->cap - b->len < n) {
        size_t nc = b->cap ? b->cap : 4096;
        while (nc - b->len < n)
            nc *= 2;
        unsigned char *np = realloc(b->p, nc);
        if (!np)
            return -1;
        b->p = np;
        b->cap = nc;
    }
    if (n)
        memcpy(b->p + b->len, p, n);
    b->len += n;
    return 0;
}

static void put_le32(unsigned char *p, uint32_t v)
{
    p[0] = (unsigned char)v;
    p[1] = (unsigned char)(v >> 8);
    p[2] = (unsigned char)(v >> 16);
    p[3] = (unsigned char)(v >> 24);
}

static int contains(const char *s, const char *sub)
{
    return strstr(s, sub) != NULL;
}

static int ends_with(const char *s, const char *tail)
{
    size_t a = strlen(s), b = strlen(tail);
    return a >= b && strcmp(s + a - b, tail) == 0;
}

/* ---- the text ----------------------------------------------------------- */

/* Real prose where the system has it, then generated log lines, so that
 * the data is compressible the way real files are, spans several decoder
 * windows and several bzip2 blocks (100 kB each at level 1). */
static unsigned char *text;
static size_t text_len;
#define TEXT_TARGET ((size_t)240 << 10)

static int make_text(void)
{
    struct buf b = {0};
    int fd = open("/usr/share/common-licenses/GPL-3", O_RDONLY | O_CLOEXEC);
    if (fd >= 0) {
        unsigned char tmp[8192];
        ssize_t r;
        while ((r = read(fd, tmp, sizeof tmp)) > 0 && b.len < TEXT_TARGET / 2)
            if (buf_add(&b, tmp, (size_t)r) < 0)
                break;
        close(fd);
    }
    static const char *const verbs[] = {"Accepted publickey", "Failed password", "session opened",
                                        "session closed", "Disconnected", "Received signal 15"};
    uint32_t x = 0x2545f491u;
    for (unsigned i = 0; b.len < TEXT_TARGET; i++) {
        char line[200];
        x ^= x << 13;
        x ^= x >> 17;
        x ^= x << 5;
        int k = snprintf(line, sizeof line,
                         "2024-03-%02u 12:%02u:%02u host%u sshd[%u]: %s for user%u from "
                         "10.%u.%u.%u port %u ssh2\n",
                         1 + i / 8000 % 28, i / 60 % 60, i % 60, x % 7, 1000 + x % 50000,
                         verbs[x % 6], x % 90, x >> 24, (x >> 16) & 255, (x >> 8) & 255,
                         1024 + x % 60000);
        if (k <= 0 || buf_add(&b, line, (size_t)k) < 0)
            break;
    }
    text = b.p;
    text_len = b.len;
    return b.len >= TEXT_TARGET ? 0 : -1;
}

/* ---- compressors (the real libraries) ------------------------------------ */

typedef unsigned char *(*make_fn)(const void *in, size_t n, size_t *outlen);

/* zlib deflate; windowBits 31 writes a gzip member, -15 raw deflate. */
static unsigned char *deflate_with(const void *in, size_t n, size_t *outlen, int wbits, int level)
{
    z_stream z;
    memset(&z, 0, sizeof z);
    if (deflateInit2(&z, level, Z_DEFLATED, wbits, 8, Z_DEFAULT_STRATEGY) != Z_OK)
        return NULL;
    size_t cap = deflateBound(&z, (uLong)n) + 64;
    unsigned char *out = kmalloc(cap);
    if (!out) {
        deflateEnd(&z);
        return NULL;
    }
    z.next_in = (Bytef *)in;
    z.avail_in = (uInt)n;
    z.next_out = out;
    z.avail_out = (uInt)cap;
    int rc = deflate(&z, Z_FINISH);
    *outlen = z.total_out;
    deflateEnd(&z);
    return rc == Z_STREAM_END ? out : NULL;
}

static unsigned char *make_gzip(const void *in, size_t n, size_t *outlen)
{
    return deflate_with(in, n, outlen, 31, 6);
}

static unsigned char *make_xz(const void *in, size_t n, size_t *outlen)
{
    size_t cap = lzma_stream_buffer_bound(n), pos = 0;
    unsigned char *out = kmalloc(cap);
    if (!out ||
        lzma_easy_buffer_encode(1, LZMA_CHECK_CRC64, NULL, in, n, out, &pos, cap) != LZMA_OK)
        return NULL;
    *outlen = pos;
    return out;
}

/* Several blocks with their sizes in the headers: what `xz -T2` writes,
 * and what liblzma's threaded decoder decodes in parallel. */
static unsigned char *make_xz_blocks(const void *in, size_t n, size_t *outlen)
{
    lzma_stream z = LZMA_STREAM_INIT;
    lzma_mt mt;
    memset(&mt, 0, sizeof mt);
    mt.threads = 2;
    mt.block_size = 16384;
    mt.preset = 1;
    mt.check = LZMA_CHECK_CRC32;
    if (lzma_stream_encoder_mt(&z, &mt) != LZMA_OK)
        return NULL;
    size_t cap = lzma_stream_buffer_bound(n) + 4096 + n / 8;
    unsigned char *out = kmalloc(cap);
    if (!out) {
        lzma_end(&z);
        return NULL;
    }
    z.next_in = in;
    z.avail_in = n;
    z.next_out = out;
    z.avail_out = cap;
    lzma_ret r;
    do
        r = lzma_code(&z, LZMA_FINISH);
    while (r == LZMA_OK && z.avail_out > 0);
    *outlen = (size_t)z.total_out;
    lzma_end(&z);
    return r == LZMA_STREAM_END ? out : NULL;
}

static unsigned char *make_zstd(const void *in, size_t n, size_t *outlen)
{
    ZSTD_CCtx *c = ZSTD_createCCtx();
    if (!c)
        return NULL;
    ZSTD_CCtx_setParameter(c, ZSTD_c_compressionLevel, 3);
    /* the checksum makes corruption of literals detectable */
    ZSTD_CCtx_setParameter(c, ZSTD_c_checksumFlag, 1);
    size_t cap = ZSTD_compressBound(n);
    unsigned char *out = kmalloc(cap);
    size_t r = out ? ZSTD_compress2(c, out, cap, in, n) : 0;
    ZSTD_freeCCtx(c);
    if (!out || ZSTD_isError(r))
        return NULL;
    *outlen = r;
    return out;
}

static unsigned char *make_bzip2(const void *in, size_t n, size_t *outlen)
{
    unsigned cap = (unsigned)(n + n / 100 + 600);
    unsigned char *out = kmalloc(cap);
    if (!out || BZ2_bzBuffToBuffCompress((char *)out, &cap, (char *)in, (unsigned)n, 1, 0, 0) !=
                    BZ_OK)
        return NULL;
    *outlen = cap;
    return out;
}

static unsigned char *make_lz4(const void *in, size_t n, size_t *outlen)
{
    LZ4F_preferences_t prefs;
    memset(&prefs, 0, sizeof prefs);
    /* 64 KB blocks: several per frame; the content checksum makes
     * corruption of literals detectable */
    prefs.frameInfo.blockSizeID = LZ4F_max64KB;
    prefs.frameInfo.contentChecksumFlag = LZ4F_contentChecksumEnabled;
    size_t cap = LZ4F_compressFrameBound(n, &prefs);
    unsigned char *out = kmalloc(cap);
    size_t r = out ? LZ4F_compressFrame(out, cap, in, n, &prefs) : 0;
    if (!out || LZ4F_isError(r))
        return NULL;
    *outlen = r;
    return out;
}

/* ---- the formats --------------------------------------------------------- */

struct fmt {
    const char *push;    /* name for bs_push, and in case names */
    const char *kind;    /* bs_layer_name once pushed by that name */
    const char *detect;  /* bs_layer_name of what bs_detect pushes for it */
    make_fn make;
    size_t header;       /* bytes of a minimal frame/member header */
    size_t whole;        /* fewer bytes than this after a member are trailing garbage */
};

static const struct fmt fmts[] = {
    {"gzip", "gzip", "gzip", make_gzip, 10, 10},
    {"gzip-zlib", "gzip-zlib", "gzip", make_gzip, 10, 10},
    {"xz", "xz", "xz", make_xz, 12, 6},
    {"zstd", "zstd", "zstd", make_zstd, 6, 4},
    {"bzip2", "bzip2", "bzip2", make_bzip2, 4, 10},
    {"lz4", "lz4", "lz4", make_lz4, 7, 4},
};
#define NFMT (sizeof fmts / sizeof fmts[0])

static const struct fmt *F;   /* the format of the running case */

static int is_gzip(void)
{
    return strcmp(F->detect, "gzip") == 0;
}

static unsigned char *zf(const void *in, size_t n, size_t *outlen)
{
    return F->make(in, n, outlen);
}

/* ---- decoding --------------------------------------------------------------- */

enum { UNDER_NONE, UNDER_TRICKLE, UNDER_CHUNKS };
enum { DRAIN_WHOLE, DRAIN_VARIED, DRAIN_READ };

/* A contract of the read calls was broken (BS_OK with nothing, BS_END with
 * bytes, a status that did not stick, bs_tell out of step). */
#define DRAIN_BROKEN 99
/* bs_open_memory or bs_push failed. */
#define DECODE_SETUP 98

static struct buf dec;              /* everything the last decode() delivered */
static char dec_err[BS_ERRMAX];     /* bs_error after it */
static int dec_limit;               /* bs_limit after it */
static int dec_pushed;              /* bs_detect's return (or 1 after a push) */
static char dec_chain[256];         /* bs_layer_name of every layer, space-separated */
static char dec_labels[256];        /* bs_layer_label of every layer, space-separated */

/* Reads s to its end or its first failure, appending every byte handed out
 * (also those handed out along with a failure) to dec.  Returns BS_END,
 * the negative status, or DRAIN_BROKEN. */
static int drain(byte_source *s, int mode)
{
    size_t min = 1;
    uint64_t base = bs_tell(s);
    for (unsigned i = 0;; i++) {
        const void *p = NULL;
        size_t n = 0;
        unsigned char tmp[333];
        int rc;
        if (mode == DRAIN_READ) {
            rc = bs_read(s, tmp, sizeof tmp, &n);
            p = tmp;
            if (rc == BS_OK && (n == 0 || n > sizeof tmp))
                return DRAIN_BROKEN;
            if (rc != BS_OK && n != 0)
                return DRAIN_BROKEN;
            if (rc == BS_OK && buf_add(&dec, tmp, n) < 0)
                return DRAIN_BROKEN;
        } else {
            rc = bs_peek(s, min, &p, &n);
            if (rc == BS_OK && (n == 0 || !p))
                return DRAIN_BROKEN;
            if (n && buf_add(&dec, p, n) < 0)
                return DRAIN_BROKEN;
            if (rc == BS_OK) {
                size_t k = n;
                if (mode == DRAIN_VARIED) {
                    k = n / 2 + i % 7;
                    k = k > n ? n : k ? k : 1;
                    dec.len -= n - k;   /* the rest is seen again next time */
                }
                if (bs_consume(s, k) != BS_OK)
                    return DRAIN_BROKEN;
                if (mode == DRAIN_VARIED) {
                    switch (i % 4) {
                    case 0: min = n - k + 1; break;
                    case 1: min = 1; break;
                    case 2: min = 100 + (i * 37) % 5000; break;
                    default: min = n - k ? n - k : 1; break;
                    }
                }
            }
        }
        if (rc == BS_OK) {
            if (bs_tell(s) != base + dec.len)
                return DRAIN_BROKEN;
            if (dec.len > ((size_t)256 << 20))
                return DRAIN_BROKEN;
            continue;
        }
        if (rc == BS_END)
            return n == 0 ? BS_END : DRAIN_BROKEN;
        /* a failure sticks, with the same message, once the bytes that
         * came with it are used */
        char msg[BS_ERRMAX];
        snprintf(msg, sizeof msg, "%s", bs_error(s));
        if (!msg[0])
            return DRAIN_BROKEN;
        if (n && bs_consume(s, n) != BS_OK)
            return DRAIN_BROKEN;
        if (bs_peek(s, 1, &p, &n) != rc || n != 0 || strcmp(msg, bs_error(s)) != 0)
            return DRAIN_BROKEN;
        return rc;
    }
}

struct how {
    const char *push;        /* a layer name; NULL: bs_detect */
    int depth;               /* for bs_detect; 0: BS_DEPTH_DEFAULT */
    int under;               /* UNDER_*: a test layer between the base and the push */
    int mode;                /* DRAIN_* */
    const bs_options *opt;   /* NULL: defaults */
};

static void describe(byte_source *s)
{
    snprintf(dec_err, sizeof dec_err, "%s", bs_error(s));
    dec_limit = bs_limit(s);
    size_t a = 0, b = 0;
    dec_chain[0] = dec_labels[0] = 0;
    for (int i = 0; i < bs_layer_count(s); i++) {
        int k = snprintf(dec_chain + a, sizeof dec_chain - a, "%s%s", i ? " " : "",
                         bs_layer_name(s, i));
        if (k > 0 && a + (size_t)k < sizeof dec_chain)
            a += (size_t)k;
        k = snprintf(dec_labels + b, sizeof dec_labels - b, "%s%s", i ? " " : "",
                     bs_layer_label(s, i));
        if (k > 0 && b + (size_t)k < sizeof dec_labels)
            b += (size_t)k;
    }
}

/* Decodes what the source s was opened on as h says, and closes s.
 * Returns what drain() returned, or the failing status of bs_detect (when
 * it fails), or DECODE_SETUP; dec, dec_err, dec_limit, dec_chain and
 * dec_pushed describe the result. */
static int decode_source(byte_source *s, int rc, const struct how *h)
{
    dec.len = 0;
    dec_pushed = 0;
    dec_err[0] = 0;
    if (rc != BS_OK) {
        describe(s);
        bs_close(s);
        return DECODE_SETUP;
    }
    if (h->under == UNDER_TRICKLE)
        rc = bs_layer_add(s, &trickle_ops, NULL);
    else if (h->under == UNDER_CHUNKS)
        rc = bs_layer_add(s, &chunk_ops, NULL);
    if (rc == BS_OK && h->push) {
        rc = bs_push(s, h->push);
        dec_pushed = rc == BS_OK;
    } else if (rc == BS_OK) {
        rc = bs_detect(s, h->depth ? h->depth : BS_DEPTH_DEFAULT);
        dec_pushed = rc;
        if (rc < 0) {
            describe(s);
            bs_close(s);
            return rc;
        }
        rc = BS_OK;
    }
    if (rc != BS_OK) {
        describe(s);
        bs_close(s);
        return DECODE_SETUP;
    }
    rc = drain(s, h->mode);
    describe(s);
    bs_close(s);
    return rc;
}

/* The same for data[0..len) in memory, named "in". */
static int decode(const void *data, size_t len, const struct how *h)
{
    byte_source *s = NULL;
    int rc = bs_open_memory(&s, data, len, "in", h->opt);
    return decode_source(s, rc, h);
}

static int same_as(const void *want, size_t len)
{
    return dec.len == len && (len == 0 || memcmp(dec.p, want, len) == 0);
}

static int prefix_of(const void *want, size_t len)
{
    return dec.len <= len && (dec.len == 0 || memcmp(dec.p, want, dec.len) == 0);
}

/* CHECK for a decode: the FAIL line tells what came back and the message. */
#define CHECK_RC(call, want)                                                              \
    do {                                                                                  \
        int rc_ = (call);                                                                 \
        if (rc_ != (want)) {                                                              \
            snprintf(unit_why, sizeof unit_why, "%s:%d: %s gave %d after %zu bytes: \"%.300s\"", \
                     __FILE__, __LINE__, #call, rc_, dec.len, dec_err);                   \
            unit_failed = 1;                                                              \
            return;                                                                       \
        }                                                                                 \
    } while (0)

/* ---- per-format cases ----------------------------------------------------- */

/* bs_detect finds the format, bs_push by name gives the same bytes, with
 * each way of reading and with windows small enough to refill often. */
static void test_roundtrip(void)
{
    size_t zlen;
    unsigned char *z = zf(text, text_len, &zlen);
    CHECK(z != NULL && zlen > 0 && zlen < text_len);
    bs_options small;
    bs_options_init(&small);
    small.window = 4096;

    struct how h = {NULL, 0, UNDER_NONE, DRAIN_WHOLE, NULL};
    CHECK_RC(decode(z, zlen, &h), BS_END);
    CHECK(dec_pushed == 1);
    char want[64];
    snprintf(want, sizeof want, "memory %s", F->detect);
    CHECK(strcmp(dec_chain, want) == 0);
    CHECK(strcmp(dec_labels, want) == 0);
    CHECK(same_as(text, text_len));
    CHECK(strcmp(dec_err, "") == 0);

    h.push = F->push;
    for (int mode = DRAIN_WHOLE; mode <= DRAIN_READ; mode++) {
        h.mode = mode;
        h.opt = NULL;
        CHECK_RC(decode(z, zlen, &h), BS_END);
        snprintf(want, sizeof want, "memory %s", F->kind);
        CHECK(strcmp(dec_chain, want) == 0);
        /* both gzip engines call themselves "gzip" in messages */
        snprintf(want, sizeof want, "memory %s", F->detect);
        CHECK(strcmp(dec_labels, want) == 0);
        CHECK(same_as(text, text_len));
        h.opt = &small;
        CHECK_RC(decode(z, zlen, &h), BS_END);
        CHECK(same_as(text, text_len));
    }

    /* the empty input compressed is a valid, empty stream */
    unsigned char *e = zf("", 0, &zlen);
    CHECK(e != NULL);
    h.mode = DRAIN_WHOLE;
    h.opt = NULL;
    CHECK_RC(decode(e, zlen, &h), BS_END);
    CHECK(dec.len == 0);
}

/* The decoder's input arrives one byte, or a few odd-sized chunks, at a
 * time, and its output window is tiny: the same bytes. */
static void test_trickle_under(void)
{
    size_t len = 60000, zlen;
    unsigned char *z = zf(text, len, &zlen);
    CHECK(z != NULL);
    bs_options tiny;
    bs_options_init(&tiny);
    tiny.window = 16;
    struct how h = {F->push, 0, UNDER_TRICKLE, DRAIN_WHOLE, NULL};
    CHECK_RC(decode(z, zlen, &h), BS_END);
    CHECK(same_as(text, len));
    char want[64];
    snprintf(want, sizeof want, "memory trickle %s", F->kind);
    CHECK(strcmp(dec_chain, want) == 0);
    h.mode = DRAIN_VARIED;
    h.opt = &tiny;
    CHECK_RC(decode(z, zlen, &h), BS_END);
    CHECK(same_as(text, len));

    h.under = UNDER_CHUNKS;
    for (int mode = DRAIN_WHOLE; mode <= DRAIN_READ; mode++) {
        h.mode = mode;
        h.opt = NULL;
        CHECK_RC(decode(z, zlen, &h), BS_END);
        CHECK(same_as(text, len));
        h.opt = &tiny;
        CHECK_RC(decode(z, zlen, &h), BS_END);
        CHECK(same_as(text, len));
    }

    /* detection through the one-byte layer: it looks at 512 bytes */
    h.push = NULL;
    h.under = UNDER_TRICKLE;
    h.mode = DRAIN_WHOLE;
    h.opt = NULL;
    CHECK_RC(decode(z, zlen, &h), BS_END);
    CHECK(dec_pushed == 1);
    snprintf(want, sizeof want, "memory trickle %s", F->detect);
    CHECK(strcmp(dec_chain, want) == 0);
    CHECK(same_as(text, len));
}

static char tmpdir[256];

static int write_file(const char *path, const void *data, size_t n)
{
    int fd = open(path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
    if (fd < 0)
        return -1;
    const unsigned char *p = data;
    while (n) {
        ssize_t w = write(fd, p, n);
        if (w < 0 && errno == EINTR)
            continue;
        if (w <= 0) {
            close(fd);
            return -1;
        }
        p += (size_t)w;
        n -= (size_t)w;
    }
    return close(fd);
}

/* Over a file, mapped or read through a small buffer: the same bytes, and
 * messages that name the path. */
static void test_file_base(void)
{
    size_t zlen;
    unsigned char *z = zf(text, text_len, &zlen);
    CHECK(z != NULL);
    char path[512];
    snprintf(path, sizeof path, "%s/data.%s", tmpdir, F->push);
    CHECK(write_file(path, z, zlen) == 0);
    static const int modes[] = {BS_MMAP_ALWAYS, BS_MMAP_NEVER};
    for (size_t i = 0; i < 2; i++) {
        bs_options o;
        bs_options_init(&o);
        o.mmap_mode = modes[i];
        o.window = 4096;
        for (int push = 0; push <= 1; push++) {
            struct how h = {push ? F->push : NULL, 0, UNDER_NONE, DRAIN_VARIED, &o};
            byte_source *s = NULL;
            int rc = bs_open_path(&s, path, &o);
            CHECK_RC(decode_source(s, rc, &h), BS_END);
            CHECK(same_as(text, text_len));
        }
    }
    /* cut short on disk */
    CHECK(write_file(path, z, zlen / 2) == 0);
    bs_options o;
    bs_options_init(&o);
    o.mmap_mode = BS_MMAP_NEVER;
    struct how h = {F->push, 0, UNDER_NONE, DRAIN_WHOLE, &o};
    byte_source *s = NULL;
    int rc = bs_open_path(&s, path, &o);
    CHECK_RC(decode_source(s, rc, &h), BS_EFORMAT);
    char want[600];
    snprintf(want, sizeof want, "%s: %s: ", path, F->detect);
    CHECK(strncmp(dec_err, want, strlen(want)) == 0);
    CHECK(contains(dec_err, "unexpected end of stream"));
    CHECK(prefix_of(text, text_len));
    unlink(path);
}

/* Frames that gzip, xz, zstd and lz4 may skip between members. */
static unsigned char *separator(size_t *len)
{
    if (strcmp(F->push, "xz") == 0) {
        /* stream padding: a multiple of four zero bytes */
        *len = 8;
        return keep(calloc(1, 8));
    }
    if (strcmp(F->push, "zstd") == 0 || strcmp(F->push, "lz4") == 0) {
        /* a skippable frame (magic 0x184D2A50..5F, size, payload) */
        static const unsigned char skip[] = {0x5a, 0x2a, 0x4d, 0x18, 5, 0, 0, 0,
                                             0x1f, 0x8b, 0x08, 'B', 'Z'};
        *len = sizeof skip;
        return kdup(skip, sizeof skip);
    }
    *len = 0;
    return NULL;
}

/* Several members concatenated (as `cat a.gz b.gz`, pigz, pbzip2, xz -T,
 * zstd -T): the concatenation of their contents, whichever way the input
 * arrives; empty members anywhere are nothing. */
static void test_multi_member(void)
{
    size_t cut = text_len / 3, alen, blen, elen, len, slen;
    unsigned char *a = zf(text, cut, &alen);
    unsigned char *b = zf(text + cut, text_len - cut, &blen);
    unsigned char *e = zf("", 0, &elen);
    CHECK(a && b && e);
    unsigned char *ab = cat2(a, alen, b, blen, &len);
    CHECK(ab != NULL);
    for (int under = UNDER_NONE; under <= UNDER_CHUNKS; under++) {
        struct how h = {F->push, 0, under, DRAIN_VARIED, NULL};
        CHECK_RC(decode(ab, len, &h), BS_END);
        CHECK(same_as(text, text_len));
        h.push = NULL;
        h.mode = DRAIN_WHOLE;
        CHECK_RC(decode(ab, len, &h), BS_END);
        CHECK(dec_pushed == 1);
        CHECK(same_as(text, text_len));
    }

    /* empty, a, empty, b, empty */
    size_t l2, l3, l4, l5;
    unsigned char *p2 = cat2(e, elen, a, alen, &l2);
    unsigned char *p3 = p2 ? cat2(p2, l2, e, elen, &l3) : NULL;
    unsigned char *p4 = p3 ? cat2(p3, l3, b, blen, &l4) : NULL;
    unsigned char *p5 = p4 ? cat2(p4, l4, e, elen, &l5) : NULL;
    CHECK(p5 != NULL);
    struct how h = {F->push, 0, UNDER_NONE, DRAIN_WHOLE, NULL};
    CHECK_RC(decode(p5, l5, &h), BS_END);
    CHECK(same_as(text, text_len));
    h.under = UNDER_TRICKLE;
    CHECK_RC(decode(p5, l5, &h), BS_END);
    CHECK(same_as(text, text_len));

    /* many small members, as some log rotators and pigz --independent write */
    struct buf many = {0};
    size_t pos = 0;
    for (unsigned i = 0; pos < 20000; i++) {
        size_t k = 1 + (i * 97) % 700, zl;
        unsigned char *m = zf(text + pos, k, &zl);
        CHECK(m != NULL);
        if (buf_add(&many, m, zl) < 0) {
            free(many.p);
            CHECK(0);
        }
        pos += k;
    }
    CHECK(keep(many.p) != NULL);
    for (int under = UNDER_NONE; under <= UNDER_CHUNKS; under++) {
        h.under = under;
        CHECK_RC(decode(many.p, many.len, &h), BS_END);
        CHECK(same_as(text, pos));
    }

    /* what the format lets stand between members */
    unsigned char *sep = separator(&slen);
    if (sep) {
        unsigned char *as = cat2(a, alen, sep, slen, &l2);
        unsigned char *asb = as ? cat2(as, l2, b, blen, &l3) : NULL;
        unsigned char *sasb = asb ? cat2(sep, slen, asb, l3, &l4) : NULL;
        unsigned char *sasbs = sasb ? cat2(sasb, l4, sep, slen, &l5) : NULL;
        unsigned char *asbs = asb ? cat2(asb, l3, sep, slen, &l4) : NULL;
        CHECK(sasbs && asbs);
        for (int under = UNDER_NONE; under <= UNDER_CHUNKS; under++) {
            h.under = under;
            CHECK_RC(decode(asb, l3, &h), BS_END);
            CHECK(same_as(text, text_len));
            CHECK_RC(decode(asbs, l4, &h), BS_END);
            CHECK(same_as(text, text_len));
            /* xz allows padding only after a stream; a skippable frame may
             * come first */
            if (strcmp(F->push, "xz") == 0)
                continue;
            CHECK_RC(decode(sasbs, l5, &h), BS_END);
            CHECK(same_as(text, text_len));
        }
    }
}

/* The decoder's output window ends exactly where a member ends, or a few
 * bytes either side: each member's end, trailer and the next header are
 * found whatever the window left over. */
static void test_window_edges(void)
{
    bs_options o;
    bs_options_init(&o);
    o.window = 4096;
    size_t tlen, tail = 300;
    unsigned char *t = zf(text + 200000, tail, &tlen);
    CHECK(t != NULL);
    for (size_t k = 1; k <= 2; k++) {
        for (int d = -9; d <= 9; d++) {
            size_t len = 4096 * k + (size_t)(long)d, zlen, mlen;
            unsigned char *z = zf(text, len, &zlen);
            CHECK(z != NULL);
            unsigned char *m = cat2(z, zlen, t, tlen, &mlen);
            CHECK(m != NULL);
            struct how h = {F->push, 0, UNDER_NONE, DRAIN_WHOLE, &o};
            CHECK_RC(decode(z, zlen, &h), BS_END);
            CHECK(same_as(text, len));
            CHECK_RC(decode(m, mlen, &h), BS_END);
            CHECK(dec.len == len + tail);
            CHECK(memcmp(dec.p, text, len) == 0);
            CHECK(memcmp(dec.p + len, text + 200000, tail) == 0);
            h.under = UNDER_CHUNKS;
            CHECK_RC(decode(m, mlen, &h), BS_END);
            CHECK(dec.len == len + tail);
            CHECK(memcmp(dec.p, text, len) == 0);
            CHECK(memcmp(dec.p + len, text + 200000, tail) == 0);
        }
    }
}

/* Cut anywhere: a negative status, "unexpected end of stream" in the
 * message, and what was delivered is a prefix of the original. */
static void test_truncated(void)
{
    size_t len = 150000, zlen, alen;
    unsigned char *z = zf(text, len, &zlen);
    /* a second member cut short: the first one's bytes come out whole */
    unsigned char *a = zf(text, 1000, &alen);
    CHECK(z && a);
    size_t cuts[] = {0, 1, F->header - 1, F->header, F->header + 1, 100, zlen / 3, zlen / 2,
                     zlen - 9, zlen - 8, zlen - 5, zlen - 4, zlen - 2, zlen - 1};
    for (size_t i = 0; i < sizeof cuts / sizeof cuts[0]; i++) {
        size_t c = cuts[i], mlen;
        unsigned char *m = cat2(a, alen, z, c, &mlen);
        CHECK(m != NULL);
        for (int under = UNDER_NONE; under <= UNDER_CHUNKS; under++) {
            struct how h = {F->push, 0, under, DRAIN_VARIED, NULL};
            int rc = decode(z, c, &h);
            if (rc != BS_EFORMAT || !contains(dec_err, "unexpected end of stream") ||
                !prefix_of(text, len)) {
                snprintf(unit_why, sizeof unit_why, "cut at %zu of %zu (under %d): rc %d, \"%.300s\"",
                         c, zlen, under, rc, dec_err);
                unit_failed = 1;
                return;
            }
            /* the message names the source and the layer that failed */
            CHECK(strncmp(dec_err, "in: ", 4) == 0);
            CHECK(contains(dec_err, is_gzip() ? "gzip: " : F->push));
            if (c == 0)
                continue;
            /* a next member too short to hold its magic number (gzip,
             * bzip2: its header) is trailing garbage, as gzip(1) and
             * bzip2(1) have it */
            char want[128];
            if (c < F->whole)
                snprintf(want, sizeof want, "trailing garbage at byte %zu ignored", alen);
            else
                snprintf(want, sizeof want, "unexpected end of stream");
            rc = decode(m, mlen, &h);
            if (rc != BS_EFORMAT || !contains(dec_err, want) ||
                dec.len < 1000 || memcmp(dec.p, text, 1000) != 0 ||
                (dec.len > 1000 && memcmp(dec.p + 1000, text, dec.len - 1000) != 0)) {
                snprintf(unit_why, sizeof unit_why,
                         "member 2 cut at %zu of %zu (under %d): rc %d, %zu bytes, \"%.300s\"", c, zlen,
                         under, rc, dec.len, dec_err);
                unit_failed = 1;
                return;
            }
        }
    }
    /* cut where detection still recognises the header.  Formats that
     * decode whole blocks (zstd, bzip2, lz4) may have nothing to show
     * before the cut: then bs_detect itself fails, looking for a nested
     * layer, with the layer pushed and the same message. */
    struct how h = {NULL, 0, UNDER_NONE, DRAIN_WHOLE, NULL};
    CHECK_RC(decode(z, zlen / 2, &h), BS_EFORMAT);
    CHECK(dec_pushed == 1 || dec_pushed == BS_EFORMAT);
    char want[64];
    snprintf(want, sizeof want, "memory %s", F->detect);
    CHECK(strcmp(dec_chain, want) == 0);
    CHECK(contains(dec_err, "unexpected end of stream"));
    CHECK(prefix_of(text, len));
    /* a cut after the first member: its bytes come out first */
    size_t mlen;
    unsigned char *m = cat2(a, alen, z, zlen / 2, &mlen);
    CHECK(m != NULL);
    CHECK_RC(decode(m, mlen, &h), BS_EFORMAT);
    CHECK(dec_pushed == 1);
    CHECK(contains(dec_err, "unexpected end of stream"));
    CHECK(dec.len >= 1000 && memcmp(dec.p, text, 1000) == 0);
}

/* Flipped bytes in the middle: a negative status (every format here
 * carries a checksum of the content), a message, no crash. */
static void test_corrupt(void)
{
    size_t len = 100000, zlen;
    unsigned char *z = zf(text, len, &zlen);
    CHECK(z != NULL);
    unsigned char *bad = kmalloc(zlen);
    CHECK(bad != NULL);
    for (unsigned i = 1; i <= 24; i++) {
        size_t at = F->header + 20 + (zlen - F->header - 60) * i / 25;
        for (unsigned x = 1; x <= 0x80; x <<= 3) {
            memcpy(bad, z, zlen);
            bad[at] ^= (unsigned char)x;
            for (int under = UNDER_NONE; under <= UNDER_TRICKLE; under++) {
                struct how h = {F->push, 0, under, DRAIN_WHOLE, NULL};
                int rc = decode(bad, zlen, &h);
                if (rc >= 0 || rc == DRAIN_BROKEN || strncmp(dec_err, "in: ", 4) != 0) {
                    snprintf(unit_why, sizeof unit_why,
                             "byte %zu of %zu xor %#x (under %d): rc %d, \"%.300s\"", at, zlen, x,
                             under, rc, dec_err);
                    unit_failed = 1;
                    return;
                }
                CHECK(dec_limit == BS_LIMIT_NONE);
            }
        }
    }
}

/* Data after the last member that is neither a member nor what the format
 * allows: everything before it is delivered, then a failure. */
static void test_trailing_garbage(void)
{
    static const char junk[] = "this is not compressed\n";
    size_t zlen, len;
    unsigned char *z = zf(text, 5000, &zlen);
    CHECK(z != NULL);
    unsigned char *g = cat2(z, zlen, junk, sizeof junk - 1, &len);
    CHECK(g != NULL);
    for (int under = UNDER_NONE; under <= UNDER_CHUNKS; under++) {
        struct how h = {F->push, 0, under, DRAIN_WHOLE, NULL};
        int rc = decode(g, len, &h);
        CHECK(rc < 0 && rc != DRAIN_BROKEN);
        CHECK(same_as(text, 5000));
        CHECK(strncmp(dec_err, "in: ", 4) == 0);
    }
}

/* The decoded-bytes budget stops a bomb in every decoder; the defaults
 * let the same data through. */
static void test_budget(void)
{
    size_t n = (size_t)8 << 20, zlen;
    unsigned char *zeros = keep(calloc(1, n));
    CHECK(zeros != NULL);
    unsigned char *z = zf(zeros, n, &zlen);
    CHECK(z != NULL);
    CHECK(zlen * 100 < n);
    bs_options o;
    bs_options_init(&o);
    o.decode_floor = (uint64_t)1 << 20;
    o.decode_ratio = 100;
    struct how h = {F->push, 0, UNDER_NONE, DRAIN_WHOLE, &o};
    CHECK_RC(decode(z, zlen, &h), BS_ELIMIT);
    CHECK(dec_limit == BS_LIMIT_DECODED);
    CHECK(contains(dec_err, "decompression bomb"));
    CHECK(contains(dec_err, "more than 100:1"));
    char want[64];
    snprintf(want, sizeof want, "in: %s: decoded ", F->detect);
    CHECK(strncmp(dec_err, want, strlen(want)) == 0);
    /* it stopped soon after the floor, and what came out was right */
    CHECK(dec.len > ((size_t)1 << 20) && dec.len < n);
    CHECK(prefix_of(zeros, n));

    h.push = NULL;
    CHECK_RC(decode(z, zlen, &h), BS_ELIMIT);
    CHECK(dec_limit == BS_LIMIT_DECODED);

    h.push = F->push;
    h.opt = NULL;
    CHECK_RC(decode(z, zlen, &h), BS_END);
    CHECK(same_as(zeros, n));
    CHECK(dec_limit == BS_LIMIT_NONE);
    /* either field 0 turns the budget off */
    o.decode_ratio = 0;
    h.opt = &o;
    CHECK_RC(decode(z, zlen, &h), BS_END);
    CHECK(dec.len == n);
    o.decode_ratio = 100;
    o.decode_floor = 0;
    CHECK_RC(decode(z, zlen, &h), BS_END);
    CHECK(dec.len == n);
    /* real text is far from any ratio that matters */
    o.decode_floor = 4096;
    o.decode_ratio = 50;
    size_t tlen;
    unsigned char *t = zf(text, text_len, &tlen);
    CHECK(t != NULL);
    CHECK_RC(decode(t, tlen, &h), BS_END);
    CHECK(same_as(text, text_len));
}

/* Decoding on the readahead thread: the same bytes, and a failure reaches
 * the reader after the bytes decoded before it, with the same message. */
static void test_readahead(void)
{
    /* over 1 MiB of input, or no thread is started: bytes that do not
     * compress, then text */
    size_t n = (size_t)1200 << 10, zlen;
    unsigned char *raw = kmalloc(n + text_len);
    CHECK(raw != NULL);
    uint32_t x = 0x1234567u;
    for (size_t i = 0; i < n; i++) {
        x ^= x << 13;
        x ^= x >> 17;
        x ^= x << 5;
        raw[i] = (unsigned char)(x >> 24);
    }
    memcpy(raw + n, text, text_len);
    n += text_len;
    unsigned char *z = zf(raw, n, &zlen);
    CHECK(z != NULL && zlen > ((size_t)1 << 20));
    /* one xz thread: with more, xz decodes on threads of its own and no
     * readahead thread is added (checked below) */
    bs_options one;
    bs_options_init(&one);
    one.threads = 1;
    for (int cut = 0; cut <= 1; cut++) {
        for (int mode = DRAIN_WHOLE; mode <= DRAIN_READ; mode++) {
            byte_source *s;
            CHECK(bs_open_memory(&s, z, cut ? zlen - 20 : zlen, "in", &one) == BS_OK);
            /* by detection where that picks this layer */
            int rc = strcmp(F->kind, F->detect) ? bs_push(s, F->push) : bs_detect(s, 8);
            int ra = rc >= 0 ? bs_readahead(s) : rc;
            dec.len = 0;
            int drc = ra == 1 ? drain(s, mode) : DECODE_SETUP;
            describe(s);
            bs_close(s);
            CHECK(rc >= 0 && ra == 1);
            char want[64];
            snprintf(want, sizeof want, "memory %s readahead", F->kind);
            CHECK(strcmp(dec_chain, want) == 0);
            if (!cut) {
                CHECK_RC(drc, BS_END);
                CHECK(same_as(raw, n));
            } else {
                CHECK_RC(drc, BS_EFORMAT);
                CHECK(contains(dec_err, "unexpected end of stream"));
                snprintf(want, sizeof want, "in: %s: ", F->detect);
                CHECK(strncmp(dec_err, want, strlen(want)) == 0);
                CHECK(prefix_of(raw, n));
                CHECK(dec.len > ((size_t)1 << 20));
            }
        }
    }
    byte_source *s;
    if (!strcmp(F->kind, "xz")) {
        bs_options two;
        bs_options_init(&two);
        two.threads = 2;
        CHECK(bs_open_memory(&s, z, zlen, "in", &two) == BS_OK);
        int pushed = bs_detect(s, 8), ra = bs_readahead(s);
        bs_close(s);
        CHECK(pushed == 1 && ra == 0);
    }
    /* closed while the thread is ahead of the reader */
    CHECK(bs_open_memory(&s, z, zlen, "in", &one) == BS_OK);
    int rc = bs_push(s, F->push);
    int ra = bs_readahead(s);
    const void *p;
    size_t got = 0;
    int prc = bs_peek(s, 100, &p, &got);
    bs_close(s);
    CHECK(rc == BS_OK && ra == 1 && prc == BS_OK && got >= 100);
    /* under 1 MiB of input: no thread */
    size_t slen;
    unsigned char *small = zf(text, 100000, &slen);
    CHECK(small != NULL);
    CHECK(bs_open_memory(&s, small, slen, "in", NULL) == BS_OK);
    rc = bs_push(s, F->push);
    ra = bs_readahead(s);
    int count = bs_layer_count(s);
    bs_close(s);
    CHECK(rc == BS_OK && ra == 0 && count == 2);
}

/* ---- gzip ------------------------------------------------------------------- */

/* A gzip member with every optional header field: FTEXT, FHCRC, FEXTRA
 * (xlen bytes that include zeros and gzip magic), FNAME (name_len bytes),
 * FCOMMENT; the body is raw deflate from zlib, then CRC32 and ISIZE. */
static unsigned char *gzip_with_fields(const void *in, size_t n, size_t xlen, size_t name_len,
                                       size_t *outlen)
{
    struct buf b = {0};
    unsigned char h[12] = {0x1f, 0x8b, 8, 0x1f, 0x00, 0x5e, 0x21, 0x65, 0, 3,
                           (unsigned char)xlen, (unsigned char)(xlen >> 8)};
    int ok = buf_add(&b, h, sizeof h) == 0;
    for (size_t i = 0; ok && i < xlen; i++) {
        static const unsigned char pat[] = {'X', 'Y', 4, 0, 0x1f, 0x8b, 8, 0};
        ok = buf_add(&b, &pat[i % sizeof pat], 1) == 0;
    }
    for (size_t i = 0; ok && i < name_len; i++) {
        unsigned char c = (unsigned char)('a' + i % 26);
        ok = buf_add(&b, &c, 1) == 0;
    }
    ok = ok && buf_add(&b, "", 1) == 0;
    ok = ok && buf_add(&b, "made by unit_layers\n", 21) == 0;
    if (ok) {
        uint32_t c = (uint32_t)crc32(0, b.p, (uInt)b.len);
        unsigned char hc[2] = {(unsigned char)c, (unsigned char)(c >> 8)};
        ok = buf_add(&b, hc, 2) == 0;
    }
    size_t rlen;
    unsigned char *raw = ok ? deflate_with(in, n, &rlen, -15, 6) : NULL;
    ok = raw && buf_add(&b, raw, rlen) == 0;
    unsigned char tr[8];
    put_le32(tr, (uint32_t)crc32(0, in, (uInt)n));
    put_le32(tr + 4, (uint32_t)n);
    ok = ok && buf_add(&b, tr, 8) == 0;
    if (!ok) {
        free(b.p);
        return NULL;
    }
    *outlen = b.len;
    return keep(b.p);
}

static void test_gzip_header_fields(void)
{
    size_t len = 30000, zlen, plen, mlen;
    unsigned char *z = gzip_with_fields(text, len, 14, 9, &zlen);
    unsigned char *plain = make_gzip(text + len, 1000, &plen);
    CHECK(z && plain);
    for (int under = UNDER_NONE; under <= UNDER_CHUNKS; under++) {
        struct how h = {F->push, 0, under, DRAIN_VARIED, NULL};
        CHECK_RC(decode(z, zlen, &h), BS_END);
        CHECK(same_as(text, len));
        /* a plain member after it, and the fields in the second member */
        unsigned char *m = cat2(z, zlen, plain, plen, &mlen);
        CHECK(m != NULL);
        CHECK_RC(decode(m, mlen, &h), BS_END);
        CHECK(same_as(text, len + 1000));
        m = cat2(plain, plen, z, zlen, &mlen);
        CHECK(m != NULL);
        CHECK_RC(decode(m, mlen, &h), BS_END);
        CHECK(dec.len == len + 1000);
        CHECK(memcmp(dec.p, text + len, 1000) == 0 && memcmp(dec.p + 1000, text, len) == 0);
    }
    /* detected too, although the optional fields leave fewer bits to check */
    struct how h = {NULL, 0, UNDER_NONE, DRAIN_WHOLE, NULL};
    CHECK_RC(decode(z, zlen, &h), BS_END);
    CHECK(strcmp(dec_chain, "memory gzip") == 0);
    CHECK(same_as(text, len));

    /* fields far longer than any window: the header parser looks further */
    bs_options tiny;
    bs_options_init(&tiny);
    tiny.window = 16;
    z = gzip_with_fields(text, len, 65535, 300000, &zlen);
    CHECK(z != NULL);
    for (int under = UNDER_NONE; under <= UNDER_CHUNKS; under++) {
        struct how hh = {F->push, 0, under, DRAIN_WHOLE, &tiny};
        CHECK_RC(decode(z, zlen, &hh), BS_END);
        CHECK(same_as(text, len));
    }

    /* a wrong header CRC */
    z = gzip_with_fields(text, len, 14, 9, &zlen);
    CHECK(z != NULL);
    size_t hcrc = 12 + 14 + 10 + 21;
    z[hcrc] ^= 1;
    h.push = F->push;
    CHECK_RC(decode(z, zlen, &h), BS_EFORMAT);
    CHECK(strcmp(dec_err, "in: gzip: header CRC mismatch") == 0);
    CHECK(dec.len == 0);
    z[hcrc] ^= 1;
    /* cut inside each field */
    size_t cuts[] = {11, 12 + 5, 12 + 14 + 4, 12 + 14 + 10 + 7, hcrc + 1};
    for (size_t i = 0; i < sizeof cuts / sizeof cuts[0]; i++) {
        CHECK_RC(decode(z, cuts[i], &h), BS_EFORMAT);
        CHECK(strcmp(dec_err, "in: gzip: unexpected end of stream in a member header") == 0);
    }
    /* a reserved flag bit */
    z[3] |= 0x20;
    CHECK_RC(decode(z, zlen, &h), BS_EFORMAT);
    CHECK(strcmp(dec_err, "in: gzip: invalid member header at byte 0") == 0);
}

static void test_gzip_trailer(void)
{
    size_t len = 20000, zlen, alen, mlen;
    unsigned char *z = make_gzip(text, len, &zlen);
    unsigned char *a = make_gzip(text, 777, &alen);
    CHECK(z && a);
    unsigned char *bad = kdup(z, zlen);
    CHECK(bad != NULL);
    struct how h = {F->push, 0, UNDER_NONE, DRAIN_WHOLE, NULL};

    /* CRC32 of member 1 */
    bad[zlen - 8] ^= 0x40;
    CHECK_RC(decode(bad, zlen, &h), BS_EFORMAT);
    CHECK(contains(dec_err, "CRC mismatch in member 1"));
    CHECK(strncmp(dec_err, "in: gzip: CRC mismatch in member 1 (stored ", 43) == 0);
    CHECK(same_as(text, len));   /* the data was out before the trailer was read */
    /* ... of member 2 */
    unsigned char *m = cat2(a, alen, bad, zlen, &mlen);
    CHECK(m != NULL);
    for (int under = UNDER_NONE; under <= UNDER_CHUNKS; under++) {
        h.under = under;
        CHECK_RC(decode(m, mlen, &h), BS_EFORMAT);
        CHECK(contains(dec_err, "gzip: CRC mismatch in member 2 (stored "));
        CHECK(dec.len == 777 + len);
    }
    h.under = UNDER_NONE;
    /* ISIZE */
    memcpy(bad, z, zlen);
    bad[zlen - 1] ^= 1;
    CHECK_RC(decode(bad, zlen, &h), BS_EFORMAT);
    char want[128];
    snprintf(want, sizeof want, "in: gzip: length mismatch in member 1 (stored %u, decoded %u)",
             (unsigned)len | 1u << 24, (unsigned)len);
    CHECK(strcmp(dec_err, want) == 0);
}

/* Writes deflate bits: fields LSB first, Huffman codes MSB first. */
struct bits {
    unsigned char b[1024];
    size_t n;   /* bits written */
};

static void put_bits(struct bits *w, unsigned v, int len)
{
    for (int i = 0; i < len; i++, w->n++)
        if (v >> i & 1)
            w->b[w->n / 8] |= (unsigned char)(1u << (w->n % 8));
}

static void put_code(struct bits *w, unsigned code, int len)
{
    for (int i = len - 1; i >= 0; i--)
        put_bits(w, code >> i & 1, 1);
}

/* One member, one fixed-Huffman block: the literals of lit, then a copy of
 * 10 bytes from `dist` back, then `after` more literals 'z' and the end of
 * the block; the trailer is zeros (a stream with a bad copy never gets
 * there).  The literals after the copy give ISA-L's fast loop the slack
 * it needs to decode the copy itself. */
static unsigned char *gzip_with_copy(const char *lit, unsigned dist, unsigned after,
                                     size_t *outlen)
{
    struct bits w;
    memset(&w, 0, sizeof w);
    put_bits(&w, 1, 1);   /* BFINAL */
    put_bits(&w, 1, 2);   /* fixed Huffman codes */
    for (const char *c = lit; *c; c++)
        put_code(&w, 0x30u + (unsigned char)*c, 8);   /* literals 0..143 */
    put_code(&w, 264 - 256, 7);                        /* length 10 */
    unsigned dcode = 0, base = 1;
    static const unsigned dbase[] = {1,    2,    3,    4,    5,    7,     9,     13,    17,    25,
                                     33,   49,   65,   97,   129,  193,   257,   385,   513,   769,
                                     1025, 1537, 2049, 3073, 4097, 6145, 8193, 12289, 16385, 24577};
    for (unsigned i = 0; i < 30; i++)
        if (dbase[i] <= dist) {
            dcode = i;
            base = dbase[i];
        }
    put_code(&w, dcode, 5);
    int extra = dcode < 4 ? 0 : (int)(dcode / 2 - 1);
    put_bits(&w, dist - base, extra);
    for (unsigned i = 0; i < after; i++)
        put_code(&w, 0x30u + 'z', 8);
    put_code(&w, 0, 7);   /* end of block */
    size_t body = (w.n + 7) / 8;
    static const unsigned char hdr[10] = {0x1f, 0x8b, 8, 0, 0, 0, 0, 0, 0, 3};
    unsigned char *g = kmalloc(10 + body + 8);
    if (!g)
        return NULL;
    memcpy(g, hdr, 10);
    memcpy(g + 10, w.b, body);
    memset(g + 10 + body, 0, 8);
    *outlen = 10 + body + 8;
    return g;
}

/* A copy from before the start of the member: both engines refuse it and
 * hand out nothing that was not in the data (ISA-L 2.30 reports up to 258
 * bytes of its buffer it never wrote; they must not reach the reader). */
static void test_gzip_bad_distance(void)
{
    char lit[301];
    memcpy(lit, text + 5000, 300);
    lit[300] = 0;
    CHECK(strlen(lit) == 300);
    size_t len;
    unsigned char *g = gzip_with_copy(lit, 340, 100, &len);
    CHECK(g != NULL);
    for (int under = UNDER_NONE; under <= UNDER_CHUNKS; under++) {
        for (int mode = DRAIN_WHOLE; mode <= DRAIN_READ; mode++) {
            struct how h = {F->push, 0, under, mode, NULL};
            CHECK_RC(decode(g, len, &h), BS_EFORMAT);
            CHECK(ends_with(dec_err, "gzip: inflate: invalid distance too far back"));
            CHECK(prefix_of(lit, 300));
        }
    }
    /* a valid copy decodes (the trailer is zeros: a CRC failure) */
    g = gzip_with_copy(lit, 4, 100, &len);
    CHECK(g != NULL);
    struct how h = {F->push, 0, UNDER_NONE, DRAIN_WHOLE, NULL};
    CHECK_RC(decode(g, len, &h), BS_EFORMAT);
    CHECK(contains(dec_err, "CRC mismatch in member 1"));
    CHECK(dec.len == 410 && memcmp(dec.p, lit, 300) == 0);
    CHECK(memcmp(dec.p + 300, lit + 296, 4) == 0 && memcmp(dec.p + 304, lit + 296, 4) == 0);
    CHECK(dec.p[409] == 'z');
    /* a copy reaching back into the previous member: each member starts
     * with no history */
    size_t alen, mlen;
    unsigned char *a = make_gzip(text, 3000, &alen);
    g = gzip_with_copy(lit, 1000, 100, &len);
    unsigned char *m = a && g ? cat2(a, alen, g, len, &mlen) : NULL;
    CHECK(m != NULL);
    for (int under = UNDER_NONE; under <= UNDER_CHUNKS; under++) {
        h.under = under;
        CHECK_RC(decode(m, mlen, &h), BS_EFORMAT);
        CHECK(ends_with(dec_err, "gzip: inflate: invalid distance too far back"));
        CHECK(dec.len >= 3000 && dec.len <= 3300);
        CHECK(memcmp(dec.p, text, 3000) == 0);
        CHECK(memcmp(dec.p + 3000, lit, dec.len - 3000) == 0);
    }
}

/* Zero padding after the last member is accepted (tape blocks); anything
 * else is reported with its offset, after all the data was delivered. */
static void test_gzip_trailing(void)
{
    size_t len = 20000, zlen, plen, glen;
    unsigned char *z = make_gzip(text, len, &zlen);
    CHECK(z != NULL);
    unsigned char *zeros = keep(calloc(1, 70000));
    CHECK(zeros != NULL);
    char want[128];
    size_t pads[] = {1, 7, 512, 70000};
    for (size_t i = 0; i < sizeof pads / sizeof pads[0]; i++) {
        unsigned char *p = cat2(z, zlen, zeros, pads[i], &plen);
        CHECK(p != NULL);
        for (int under = UNDER_NONE; under <= UNDER_CHUNKS; under++) {
            struct how h = {F->push, 0, under, DRAIN_WHOLE, NULL};
            CHECK_RC(decode(p, plen, &h), BS_END);
            CHECK(same_as(text, len));
            /* then something that is not zero */
            unsigned char *g = cat2(p, plen, "x", 1, &glen);
            CHECK(g != NULL);
            CHECK_RC(decode(g, glen, &h), BS_EFORMAT);
            CHECK(same_as(text, len));
            snprintf(want, sizeof want, "gzip: trailing garbage at byte %zu ignored", plen);
            CHECK(ends_with(dec_err, want));
            if (under == UNDER_NONE) {
                snprintf(want, sizeof want, "in: gzip: trailing garbage at byte %zu ignored",
                         plen);
                CHECK(strcmp(dec_err, want) == 0);
            }
        }
    }

    /* garbage right after the member, some of it looking like a header */
    static const struct {
        const char *s;
        size_t n;
    } junk[] = {
        {"garbage\n", 8},
        {"\x1f", 1},
        {"\x1f\x8b", 2},
        {"\x1f\x8b\x08\x00\x00\x00\x00\x00\x00", 9},   /* a header one byte short */
        {"\x1f\x8b\x08\xe0\x00\x00\x00\x00\x00\x03xxxx", 14},   /* reserved flags */
        {"\x1f\x8b\x07\x00\x00\x00\x00\x00\x00\x03xxxx", 14},   /* not deflate */
        {"\x1f\x8b\x08\x00\x00\x00\x00\x00\x00\x03\x07xxx", 14}, /* block type 3 */
        {"\x01\x00", 2},
    };
    for (size_t i = 0; i < sizeof junk / sizeof junk[0]; i++) {
        unsigned char *g = cat2(z, zlen, junk[i].s, junk[i].n, &glen);
        CHECK(g != NULL);
        for (int under = UNDER_NONE; under <= UNDER_TRICKLE; under++) {
            struct how h = {F->push, 0, under, DRAIN_VARIED, NULL};
            int rc = decode(g, glen, &h);
            snprintf(want, sizeof want, "gzip: trailing garbage at byte %zu ignored", zlen);
            if (rc != BS_EFORMAT || !ends_with(dec_err, want) || !same_as(text, len)) {
                snprintf(unit_why, sizeof unit_why, "junk %zu (under %d): rc %d, %zu bytes, \"%.300s\"",
                         i, under, rc, dec.len, dec_err);
                unit_failed = 1;
                return;
            }
        }
    }
    /* a valid header after the member starts a member: cut short, that is
     * the end of the stream, not garbage */
    unsigned char *g = cat2(z, zlen, "\x1f\x8b\x08\x00\x00\x00\x00\x00\x00\x03", 10, &glen);
    CHECK(g != NULL);
    struct how h = {F->push, 0, UNDER_NONE, DRAIN_WHOLE, NULL};
    CHECK_RC(decode(g, glen, &h), BS_EFORMAT);
    CHECK(strcmp(dec_err, "in: gzip: unexpected end of stream") == 0);
    CHECK(same_as(text, len));
}

/* ---- bzip2 ------------------------------------------------------------------ */

static void test_bzip2_trailing(void)
{
    size_t len = 20000, zlen, glen;
    unsigned char *z = make_bzip2(text, len, &zlen);
    CHECK(z != NULL);
    static const char *const junk[] = {"garbage", "BZh", "BZh9xxxxxxxx", "\0\0\0\0\0\0\0\0"};
    static const size_t jlen[] = {7, 3, 12, 8};
    char want[128];
    snprintf(want, sizeof want, "in: bzip2: trailing garbage at byte %zu ignored", zlen);
    for (size_t i = 0; i < sizeof junk / sizeof junk[0]; i++) {
        unsigned char *g = cat2(z, zlen, junk[i], jlen[i], &glen);
        CHECK(g != NULL);
        for (int under = UNDER_NONE; under <= UNDER_CHUNKS; under++) {
            struct how h = {"bzip2", 0, under, DRAIN_WHOLE, NULL};
            CHECK_RC(decode(g, glen, &h), BS_EFORMAT);
            CHECK(same_as(text, len));
            CHECK(ends_with(dec_err, want + 4));
        }
    }
    struct how h = {"bzip2", 0, UNDER_NONE, DRAIN_WHOLE, NULL};
    unsigned char *g = cat2(z, zlen, "garbage", 7, &glen);
    CHECK_RC(decode(g, glen, &h), BS_EFORMAT);
    CHECK(strcmp(dec_err, want) == 0);
}

/* ---- detection --------------------------------------------------------------- */

/* Data that merely starts like a compressed format is left alone: nothing
 * pushed, every byte read back as it was. */
static void test_detect_lookalikes(void)
{
    static const char prose[] = "Hello, this is plain text that happens to follow a magic number."
                                " It goes on for a while so that detection sees whole headers.\n";
    static const struct {
        const char *head;
        size_t n;
    } heads[] = {
        {"", 0},
        {"\x1f\x8b", 2},                     /* too short for a member header */
        {"\x1f\x8b\x08", 3},                 /* then text: reserved flag bits set */
        {"\x1f\x8b\x08\x00\x00\x00\x00\x00\x00\x03\x06", 11}, /* deflate block type 3 */
        {"\x1f\x8b\x09\x00", 4},             /* method 9 */
        {"BZh9", 4},                         /* no block magic */
        {"BZh0\x31\x41\x59\x26\x53\x59", 10}, /* block size 0 */
        {"\xfd" "7zXZ\x00\x00\x04\x00\x00\x00\x00", 12}, /* flags CRC wrong */
        {"\xfd" "7zXZ\x00\x00\x10", 8},      /* reserved stream flags */
        {"\x28\xb5\x2f\xfd\x08", 5},         /* zstd reserved bit */
        {"\x04\x22\x4d\x18\x24\x40", 6},     /* lz4 version 00 */
        {"\x04\x22\x4d\x18\x64\x30", 6},     /* lz4 block size 3 */
        {"\x04\x22\x4d\x18\x66\x40", 6},     /* lz4 reserved FLG bit */
    };
    for (size_t i = 0; i < sizeof heads / sizeof heads[0]; i++) {
        size_t len;
        unsigned char *d = cat2(heads[i].head, heads[i].n, prose, sizeof prose - 1, &len);
        CHECK(d != NULL);
        for (int mode = DRAIN_WHOLE; mode <= DRAIN_READ; mode++) {
            struct how h = {NULL, 0, UNDER_NONE, mode, NULL};
            int rc = decode(d, len, &h);
            if (rc != BS_END || dec_pushed != 0 || !same_as(d, len) ||
                strcmp(dec_chain, "memory") != 0) {
                snprintf(unit_why, sizeof unit_why, "lookalike %zu: rc %d, pushed %d, chain %s", i,
                         rc, dec_pushed, dec_chain);
                unit_failed = 1;
                return;
            }
            h.under = UNDER_TRICKLE;
            CHECK_RC(decode(d, len, &h), BS_END);
            CHECK(dec_pushed == 0);
            CHECK(same_as(d, len));
        }
        /* and the header alone, which is all there is */
        struct how h = {NULL, 0, UNDER_NONE, DRAIN_WHOLE, NULL};
        CHECK_RC(decode(heads[i].head, heads[i].n, &h), BS_END);
        CHECK(dec_pushed == 0);
        CHECK(same_as(heads[i].head, heads[i].n));
    }
    /* an empty source */
    byte_source *s;
    CHECK(bs_open_memory(&s, NULL, 0, "empty", NULL) == BS_OK);
    int rc = bs_detect(s, 8);
    bs_close(s);
    CHECK(rc == 0);
}

/* Each format inside each other: the whole chain is detected, in order. */
static void test_detect_chain(void)
{
    size_t len = 50000, l1, l2, l3, l4, l5;
    unsigned char *a = make_lz4(text, len, &l1);
    unsigned char *b = a ? make_bzip2(a, l1, &l2) : NULL;
    unsigned char *c = b ? make_zstd(b, l2, &l3) : NULL;
    unsigned char *d = c ? make_xz(c, l3, &l4) : NULL;
    unsigned char *e = d ? make_gzip(d, l4, &l5) : NULL;
    CHECK(e != NULL);
    for (int under = UNDER_NONE; under <= UNDER_CHUNKS; under++) {
        struct how h = {NULL, 0, under, DRAIN_VARIED, NULL};
        CHECK_RC(decode(e, l5, &h), BS_END);
        CHECK(dec_pushed == 5);
        CHECK(ends_with(dec_chain, " gzip xz zstd bzip2 lz4"));
        CHECK(same_as(text, len));
    }
    /* the other way round */
    a = make_gzip(text, len, &l1);
    b = a ? make_xz(a, l1, &l2) : NULL;
    c = b ? make_zstd(b, l2, &l3) : NULL;
    d = c ? make_bzip2(c, l3, &l4) : NULL;
    e = d ? make_lz4(d, l4, &l5) : NULL;
    CHECK(e != NULL);
    struct how h = {NULL, 0, UNDER_NONE, DRAIN_WHOLE, NULL};
    CHECK_RC(decode(e, l5, &h), BS_END);
    CHECK(strcmp(dec_chain, "memory lz4 bzip2 zstd xz gzip") == 0);
    CHECK(same_as(text, len));
    /* a multi-block xz file, decoded by one thread and by two */
    unsigned char *x = make_xz_blocks(text, text_len, &l1);
    CHECK(x != NULL);
    for (int threads = 1; threads <= 2; threads++) {
        bs_options o;
        bs_options_init(&o);
        o.threads = threads;
        struct how hx = {NULL, 0, UNDER_NONE, DRAIN_VARIED, &o};
        CHECK_RC(decode(x, l1, &hx), BS_END);
        CHECK(strcmp(dec_chain, "memory xz") == 0);
        CHECK(same_as(text, text_len));
        hx.under = UNDER_CHUNKS;
        CHECK_RC(decode(x, l1, &hx), BS_END);
        CHECK(same_as(text, text_len));
        /* cut in a later block */
        hx.under = UNDER_NONE;
        CHECK_RC(decode(x, l1 * 2 / 3, &hx), BS_EFORMAT);
        CHECK(strcmp(dec_err, "in: xz: unexpected end of stream") == 0);
        CHECK(prefix_of(text, text_len));
    }
}

/* ---- limits ------------------------------------------------------------------- */

/* gzip applied `times` times to text[0..len). */
static unsigned char *gzip_nested(size_t len, int times, size_t *outlen)
{
    const unsigned char *p = text;
    size_t n = len;
    for (int i = 0; i < times; i++) {
        p = make_gzip(p, n, &n);
        if (!p)
            return NULL;
    }
    *outlen = n;
    return (unsigned char *)p;
}

static void test_limit_depth(void)
{
    size_t len = 3000, zlen;
    unsigned char *z = gzip_nested(len, 10, &zlen);
    CHECK(z != NULL);
    struct how h = {NULL, 8, UNDER_NONE, DRAIN_WHOLE, NULL};
    CHECK_RC(decode(z, zlen, &h), BS_ELIMIT);
    CHECK(dec_limit == BS_LIMIT_DEPTH);
    CHECK(strcmp(dec_err, "in: more than 8 nested layers (gzip inside gzip)") == 0);
    h.depth = 10;
    CHECK_RC(decode(z, zlen, &h), BS_END);
    CHECK(dec_pushed == 10);
    CHECK(same_as(text, len));
    h.depth = 9;
    CHECK_RC(decode(z, zlen, &h), BS_ELIMIT);
    CHECK(contains(dec_err, "more than 9 nested layers"));
    /* max_depth 0: detect only, push nothing */
    byte_source *s;
    CHECK(bs_open_memory(&s, z, zlen, "in", NULL) == BS_OK);
    int rc = bs_detect(s, 0);
    int lim = bs_limit(s), count = bs_layer_count(s);
    snprintf(dec_err, sizeof dec_err, "%s", bs_error(s));
    bs_close(s);
    CHECK(rc == BS_ELIMIT && lim == BS_LIMIT_DEPTH && count == 1);
    CHECK(strcmp(dec_err, "in: more than 0 nested layers (gzip inside memory)") == 0);

    /* a source holds 16 layers at most, whatever max_depth says */
    z = gzip_nested(len, 16, &zlen);
    CHECK(z != NULL);
    h.depth = 100;
    CHECK_RC(decode(z, zlen, &h), BS_ELIMIT);
    CHECK(dec_limit == BS_LIMIT_DEPTH);
    CHECK(strcmp(dec_err, "in: more than 16 layers") == 0);
    z = gzip_nested(len, 15, &zlen);
    CHECK(z != NULL);
    CHECK_RC(decode(z, zlen, &h), BS_END);
    CHECK(dec_pushed == 15);
    CHECK(same_as(text, len));
}

/* A gzip of a gzip of 64 MiB of zeros (272 bytes): the inner layer trips
 * the budget, and the message names both. */
static void test_limit_nested_bomb(void)
{
    size_t n = (size_t)64 << 20, l1, l2;
    unsigned char *zeros = keep(calloc(1, n));
    CHECK(zeros != NULL);
    unsigned char *a = make_gzip(zeros, n, &l1);
    unsigned char *b = a ? make_gzip(a, l1, &l2) : NULL;
    CHECK(b != NULL);
    bs_options o;
    bs_options_init(&o);
    o.decode_floor = (uint64_t)4 << 20;
    o.decode_ratio = 4096;
    struct how h = {NULL, 0, UNDER_NONE, DRAIN_WHOLE, &o};
    CHECK_RC(decode(b, l2, &h), BS_ELIMIT);
    CHECK(dec_pushed == 2);
    CHECK(dec_limit == BS_LIMIT_DECODED);
    CHECK(strncmp(dec_err, "in: gzip > gzip: decoded ", 25) == 0);
    CHECK(contains(dec_err, "more than 4096:1 (a decompression bomb?)"));
    CHECK(dec.len >= ((size_t)4 << 20) && dec.len < ((size_t)8 << 20));
    CHECK(prefix_of(zeros, n));
    /* the defaults stop it only at 1 GiB: all 64 MiB come out */
    h.opt = NULL;
    CHECK_RC(decode(b, l2, &h), BS_END);
    CHECK(same_as(zeros, n));
}

/* Rewrites the LZMA2 dictionary size in the first block header of an xz
 * stream to the property byte `prop`, and fixes the header's CRC32.  The
 * decoder sizes its memory from this field, so a small stream can ask for
 * a large dictionary without the encoder ever allocating one (a larger
 * dictionary than the data needs decodes the same). */
static int xz_set_dict(unsigned char *x, size_t len, unsigned char prop)
{
    if (len < 12 + 16)
        return -1;
    unsigned char *h = x + 12;
    size_t hsize = ((size_t)h[0] + 1) * 4;
    if (h[0] == 0 || 12 + hsize > len || (h[1] & 3) != 0)
        return -1;
    size_t i = 2;
    for (unsigned bit = 0x40; bit <= 0x80; bit <<= 1) {
        if (!(h[1] & bit))
            continue;
        while (i < hsize && (h[i] & 0x80))
            i++;
        i++;
    }
    if (i + 3 > hsize - 4 || h[i] != 0x21 || h[i + 1] != 1)
        return -1;
    h[i + 2] = prop;
    put_le32(h + hsize - 4, (uint32_t)crc32(0, h, (uInt)(hsize - 4)));
    return 0;
}

static void test_limit_xz_memory(void)
{
    size_t len = 10000, zlen;
    unsigned char *z = make_xz(text, len, &zlen);
    CHECK(z != NULL);
    CHECK(xz_set_dict(z, zlen, 24) == 0);   /* 16 MiB */
    bs_options o;
    bs_options_init(&o);
    o.xz_memlimit = (uint64_t)1 << 20;
    for (int threads = 1; threads <= 2; threads++) {
        o.threads = threads;
        struct how h = {"xz", 0, UNDER_NONE, DRAIN_WHOLE, &o};
        CHECK_RC(decode(z, zlen, &h), BS_ELIMIT);
        CHECK(dec_limit == BS_LIMIT_XZ_MEMORY);
        /* liblzma's threaded decoder does not say how much it wanted */
        CHECK(strncmp(dec_err, "in: xz: needs ", 14) == 0);
        CHECK(ends_with(dec_err, " of memory, above the limit of 1 MiB") ||
              ends_with(dec_err, " more memory than the limit of 1 MiB"));
        CHECK(dec.len == 0);
        h.push = NULL;
        CHECK_RC(decode(z, zlen, &h), BS_ELIMIT);
        CHECK(dec_limit == BS_LIMIT_XZ_MEMORY);
    }
    /* the same stream with the default limit (256 MiB), and with none */
    struct how h = {"xz", 0, UNDER_NONE, DRAIN_WHOLE, NULL};
    CHECK_RC(decode(z, zlen, &h), BS_END);
    CHECK(same_as(text, len));
    o.xz_memlimit = 0;
    h.opt = &o;
    CHECK_RC(decode(z, zlen, &h), BS_END);
    CHECK(same_as(text, len));
    /* 1 GiB asked for, 256 MiB allowed */
    CHECK(xz_set_dict(z, zlen, 36) == 0);
    h.opt = NULL;
    CHECK_RC(decode(z, zlen, &h), BS_ELIMIT);
    CHECK(dec_limit == BS_LIMIT_XZ_MEMORY);
    CHECK(ends_with(dec_err, "above the limit of 256 MiB") ||
          ends_with(dec_err, "more memory than the limit of 256 MiB"));
}

/* A zstd frame with a 256 MiB (2^28) window: the content size is not in
 * the header, so the window is not shrunk to fit the data. */
static void test_limit_zstd_window(void)
{
    size_t len = 20000;
    ZSTD_CCtx *c = ZSTD_createCCtx();
    CHECK(c != NULL);
    ZSTD_CCtx_setParameter(c, ZSTD_c_compressionLevel, 1);
    ZSTD_CCtx_setParameter(c, ZSTD_c_windowLog, 28);
    size_t cap = ZSTD_compressBound(len) + 64;
    unsigned char *z = kmalloc(cap);
    ZSTD_inBuffer in = {text, len, 0};
    ZSTD_outBuffer out = {z, cap, 0};
    size_t r = 0;
    int ok = z != NULL;
    /* streaming with ZSTD_e_continue first: the size is never pledged */
    while (ok && in.pos < in.size) {
        r = ZSTD_compressStream2(c, &out, &in, ZSTD_e_continue);
        ok = !ZSTD_isError(r);
    }
    do {
        r = ZSTD_compressStream2(c, &out, &in, ZSTD_e_end);
        ok = ok && !ZSTD_isError(r);
    } while (ok && r != 0);
    ZSTD_freeCCtx(c);
    CHECK(ok);
    size_t zlen = out.pos;
    /* no single-segment flag, and a window descriptor of exactly 2^28 */
    CHECK(zlen > 6 && !(z[4] & 0x20) && z[5] == (28 - 10) << 3);

    bs_options o;
    bs_options_init(&o);
    o.zstd_window_log_max = 27;
    struct how h = {"zstd", 0, UNDER_NONE, DRAIN_WHOLE, &o};
    CHECK_RC(decode(z, zlen, &h), BS_ELIMIT);
    CHECK(dec_limit == BS_LIMIT_ZSTD_WINDOW);
    CHECK(strcmp(dec_err,
                 "in: zstd: frame needs a window above the limit of 128 MiB (window log 27)") == 0);
    CHECK(dec.len == 0);
    /* the default is 27 too; out-of-range values mean the default */
    h.opt = NULL;
    CHECK_RC(decode(z, zlen, &h), BS_ELIMIT);
    CHECK(dec_limit == BS_LIMIT_ZSTD_WINDOW);
    o.zstd_window_log_max = 5;
    h.opt = &o;
    CHECK_RC(decode(z, zlen, &h), BS_ELIMIT);
    CHECK(contains(dec_err, "(window log 27)"));
    o.zstd_window_log_max = 28;
    CHECK_RC(decode(z, zlen, &h), BS_END);
    CHECK(same_as(text, len));
    CHECK(dec_limit == BS_LIMIT_NONE);
    h.push = NULL;
    CHECK_RC(decode(z, zlen, &h), BS_END);
    CHECK(same_as(text, len));
}

/* ---- names and messages -------------------------------------------------------- */

static void test_push_names(void)
{
    byte_source *s;
    CHECK(bs_open_memory(&s, text, 100, "in", NULL) == BS_OK);
    int rc = bs_push(s, "gzip2");
    int n = bs_layer_count(s);
    char msg[BS_ERRMAX];
    snprintf(msg, sizeof msg, "%s", bs_error(s));
    int rc2 = bs_push(s, "GZIP");
    int rc3 = bs_push(s, "");
    bs_close(s);
    CHECK(rc == BS_EUNSUPPORTED);
    CHECK(strcmp(msg, "in: unknown layer gzip2") == 0);
    CHECK(n == 1);
    CHECK(rc2 == BS_EUNSUPPORTED && rc3 == BS_EUNSUPPORTED);

    /* the named push functions, each on its own format */
    static int (*const pushers[])(byte_source *) = {bs_push_gzip, bs_push_xz, bs_push_zstd,
                                                    bs_push_bzip2, bs_push_lz4};
    static const make_fn makers[] = {make_gzip, make_xz, make_zstd, make_bzip2, make_lz4};
    static const char *const names[] = {"gzip", "xz", "zstd", "bzip2", "lz4"};
    for (size_t i = 0; i < 5; i++) {
        size_t zlen;
        unsigned char *z = makers[i](text, 5000, &zlen);
        CHECK(z != NULL);
        CHECK(bs_open_memory(&s, z, zlen, "in", NULL) == BS_OK);
        rc = pushers[i](s);
        const char *name = bs_layer_name(s, 1);
        int ok = rc == BS_OK && name && strcmp(name, names[i]) == 0 && bs_layer_count(s) == 2;
        dec.len = 0;
        int drc = ok ? drain(s, DRAIN_WHOLE) : rc;
        bs_close(s);
        CHECK(ok);
        CHECK(drc == BS_END);
        CHECK(same_as(text, 5000));
    }
}

/* A failure deep in a chain names every decoding layer up to the one that
 * failed, joined by " > ". */
static void test_error_chain(void)
{
    size_t len = 40000, glen, xlen, zlen;
    unsigned char *g = make_gzip(text, len, &glen);
    CHECK(g != NULL);
    /* xz > gzip, the gzip cut short */
    unsigned char *x = make_xz(g, glen / 2, &xlen);
    CHECK(x != NULL);
    for (int under = UNDER_NONE; under <= UNDER_CHUNKS; under++) {
        struct how h = {NULL, 0, under, DRAIN_WHOLE, NULL};
        CHECK_RC(decode(x, xlen, &h), BS_EFORMAT);
        CHECK(dec_pushed == 2);
        CHECK(ends_with(dec_chain, "xz gzip"));
        if (under == UNDER_NONE)
            CHECK(strcmp(dec_err, "in: xz > gzip: unexpected end of stream") == 0);
        else
            CHECK(ends_with(dec_err, " > xz > gzip: unexpected end of stream"));
        CHECK(prefix_of(text, len));
        CHECK(dec.len > 0);
    }
    /* xz cut short, the gzip whole: the xz layer is the one named */
    x = make_xz(g, glen, &xlen);
    CHECK(x != NULL);
    struct how h = {NULL, 0, UNDER_NONE, DRAIN_WHOLE, NULL};
    CHECK_RC(decode(x, xlen - 30, &h), BS_EFORMAT);
    CHECK(strcmp(dec_err, "in: xz: unexpected end of stream") == 0);
    CHECK(prefix_of(text, len));
    /* zstd > gzip with garbage after the gzip member */
    size_t tlen;
    unsigned char *t = cat2(g, glen, "!!", 2, &tlen);
    unsigned char *z = t ? make_zstd(t, tlen, &zlen) : NULL;
    CHECK(z != NULL);
    CHECK_RC(decode(z, zlen, &h), BS_EFORMAT);
    char want[128];
    snprintf(want, sizeof want, "in: zstd > gzip: trailing garbage at byte %zu ignored", glen);
    CHECK(strcmp(dec_err, want) == 0);
    CHECK(same_as(text, len));
    /* lz4 > bzip2 > gzip with a bad gzip CRC */
    unsigned char *bad = kdup(g, glen);
    CHECK(bad != NULL);
    bad[glen - 6] ^= 0xff;
    size_t blen, llen;
    unsigned char *b = make_bzip2(bad, glen, &blen);
    unsigned char *l = b ? make_lz4(b, blen, &llen) : NULL;
    CHECK(l != NULL);
    CHECK_RC(decode(l, llen, &h), BS_EFORMAT);
    CHECK(strncmp(dec_err, "in: lz4 > bzip2 > gzip: CRC mismatch in member 1 (stored ", 57) == 0);
    CHECK(same_as(text, len));
}

/* Every layer pushed by name onto nothing: the end came too early. */
static void test_empty_input(void)
{
    for (size_t i = 0; i < NFMT; i++) {
        for (int under = UNDER_NONE; under <= UNDER_TRICKLE; under++) {
            struct how h = {fmts[i].push, 0, under, DRAIN_WHOLE, NULL};
            int rc = decode("", 0, &h);
            if (rc != BS_EFORMAT || !contains(dec_err, "unexpected end of stream") ||
                dec.len != 0) {
                snprintf(unit_why, sizeof unit_why, "%s (under %d): rc %d, \"%.300s\"", fmts[i].push,
                         under, rc, dec_err);
                unit_failed = 1;
                return;
            }
        }
    }
}

/* ---- main ---------------------------------------------------------------------- */

#define RUN_EACH(fn)                                                      \
    do {                                                                  \
        for (size_t f_ = 0; f_ < NFMT; f_++) {                            \
            F = &fmts[f_];                                                \
            unit_failed = 0;                                              \
            fn();                                                         \
            release_kept();                                               \
            if (unit_failed)                                              \
                printf("FAIL %s_%s: %s\n", #fn, F->push, unit_why);      \
            else                                                          \
                printf("PASS %s_%s\n", #fn, F->push);                     \
            fflush(stdout);                                               \
        }                                                                 \
    } while (0)

/* Only the two gzip engines. */
#define RUN_GZIP(fn)                                                      \
    do {                                                                  \
        for (size_t f_ = 0; f_ < 2; f_++) {                               \
            F = &fmts[f_];                                                \
            unit_failed = 0;                                              \
            fn();                                                         \
            release_kept();                                               \
            if (unit_failed)                                              \
                printf("FAIL %s_%s: %s\n", #fn, F->push, unit_why);      \
            else                                                          \
                printf("PASS %s_%s\n", #fn, F->push);                     \
            fflush(stdout);                                               \
        }                                                                 \
    } while (0)

#define RUN_ONE(fn)      \
    do {                 \
        RUN(fn);         \
        release_kept();  \
    } while (0)

static int rm_entry(const char *path, const struct stat *sb, int flag, struct FTW *ftw)
{
    (void)sb;
    (void)ftw;
    if (flag == FTW_DP)
        return rmdir(path);
    return unlink(path);
}

int main(void)
{
    if (make_text() < 0) {
        printf("FAIL unit_layers: cannot make the test text\n");
        return 1;
    }
    const char *t = getenv("TMPDIR");
    snprintf(tmpdir, sizeof tmpdir, "%s/unit_layers.XXXXXX", t && *t ? t : "/tmp");
    if (!mkdtemp(tmpdir)) {
        perror("mkdtemp");
        printf("FAIL unit_layers: cannot create a temporary directory\n");
        return 1;
    }
    RUN_EACH(test_roundtrip);
    RUN_EACH(test_trickle_under);
    RUN_EACH(test_multi_member);
    RUN_EACH(test_window_edges);
    RUN_EACH(test_truncated);
    RUN_EACH(test_corrupt);
    RUN_EACH(test_trailing_garbage);
    RUN_EACH(test_budget);
    RUN_EACH(test_file_base);
    RUN_EACH(test_readahead);
    RUN_GZIP(test_gzip_header_fields);
    RUN_GZIP(test_gzip_trailer);
    RUN_GZIP(test_gzip_trailing);
    RUN_GZIP(test_gzip_bad_distance);
    RUN_ONE(test_bzip2_trailing);
    RUN_ONE(test_detect_lookalikes);
    RUN_ONE(test_detect_chain);
    RUN_ONE(test_limit_depth);
    RUN_ONE(test_limit_nested_bomb);
    RUN_ONE(test_limit_xz_memory);
    RUN_ONE(test_limit_zstd_window);
    RUN_ONE(test_push_names);
    RUN_ONE(test_error_chain);
    RUN_ONE(test_empty_input);
    nftw(tmpdir, rm_entry, 16, FTW_DEPTH | FTW_PHYS);
    free(text);
    free(dec.p);
    free(kept);
    return 0;
}
