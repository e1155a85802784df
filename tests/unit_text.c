/* Unit tests of the text layers: UTF-8 behind a BOM, UTF-16 and UTF-32 in
 * both byte orders, charsets converted by iconv, bs_detect's BOM rule,
 * opt.text and opt.encoding, and the UTF-16 guess.
 *
 * Inputs are built here from code points, and so is the UTF-8 they must
 * give, by an encoder of the test's own.  Every input is read in each of
 * the ways of ways[]: from memory as it is, under the "trickle" layer (one
 * byte per read below the text layer) and under the "chunks" layer, each
 * with the default window and with bs_options.window 1, 2, 3 and 5 (the
 * text layer's read then has room for less than one UTF-8 character), and
 * by a reader that asks for one byte more than it has instead of
 * consuming; all must give the same bytes and end with BS_END and no
 * message (or, in test_failure_below, with the failure of the layer
 * below).  A "split" layer of this file ends its reads exactly at chosen
 * offsets, to cut surrogate pairs and multi-byte sequences where a test
 * wants them cut.
 *
 * Buffers live in globals that are reused by every case and freed at the
 * end, so that a CHECK that returns early leaks nothing. */
#define _GNU_SOURCE
#include "unit.h"
#include "layers.h"

#include "bs_private.h"
#include "libsrc.h"

#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <zlib.h>

/* ---- byte buffers --------------------------------------------------------- */

struct buf {
    unsigned char *p;
    size_t len, cap;
};

static void buf_add(struct buf *b, const void *p, size_t n)
{
    if (b->cap - b->len < n) {
        size_t nc = b->cap ? b->cap : 4096;
        while (nc - b->len < n)
            nc *= 2;
        unsigned char *np = realloc(b->p, nc);
        if (!np) {
            printf("FAIL unit_text: out of memory\n");
            exit(1);
        }
        b->p = np;
        b->cap = nc;
    }
    if (n)
        memcpy(b->p + b->len, p, n);
    b->len += n;
}

static void buf_byte(struct buf *b, unsigned c)
{
    unsigned char x = (unsigned char)c;
    buf_add(b, &x, 1);
}

/* The input and the expected output of the running case, and scratch for
 * the large ones; all reused, freed in main. */
static struct buf in, want, big, zbuf;

static void reset(void)
{
    in.len = want.len = 0;
}

/* ---- encoders (the test's own, independent of the library) ---------------- */

static void put8(struct buf *b, uint32_t c)
{
    if (c < 0x80) {
        buf_byte(b, c);
    } else if (c < 0x800) {
        buf_byte(b, 0xC0 | c >> 6);
        buf_byte(b, 0x80 | (c & 0x3F));
    } else if (c < 0x10000) {
        buf_byte(b, 0xE0 | c >> 12);
        buf_byte(b, 0x80 | (c >> 6 & 0x3F));
        buf_byte(b, 0x80 | (c & 0x3F));
    } else {
        buf_byte(b, 0xF0 | c >> 18);
        buf_byte(b, 0x80 | (c >> 12 & 0x3F));
        buf_byte(b, 0x80 | (c >> 6 & 0x3F));
        buf_byte(b, 0x80 | (c & 0x3F));
    }
}

static void unit16(struct buf *b, int be, unsigned u)
{
    if (be) {
        buf_byte(b, u >> 8 & 0xFF);
        buf_byte(b, u & 0xFF);
    } else {
        buf_byte(b, u & 0xFF);
        buf_byte(b, u >> 8 & 0xFF);
    }
}

static void unit32(struct buf *b, int be, uint32_t u)
{
    for (int k = 0; k < 4; k++)
        buf_byte(b, u >> (be ? 24 - 8 * k : 8 * k) & 0xFF);
}

enum { U16LE, U16BE, U32LE, U32BE, NFORM };
static const char *const form_name[NFORM] = {"utf-16le", "utf-16be", "utf-32le", "utf-32be"};
static int (*const form_push[NFORM])(byte_source *) = {bs_push_utf16le, bs_push_utf16be,
                                                        bs_push_utf32le, bs_push_utf32be};
#define IS_BE(form) ((form) == U16BE || (form) == U32BE)
#define IS_16(form) ((form) == U16LE || (form) == U16BE)

/* Code point c in `form` (a surrogate pair for UTF-16 above U+FFFF). */
static void put_form(struct buf *b, int form, uint32_t c)
{
    if (!IS_16(form)) {
        unit32(b, IS_BE(form), c);
    } else if (c >= 0x10000) {
        unit16(b, IS_BE(form), 0xD800 + ((c - 0x10000) >> 10));
        unit16(b, IS_BE(form), 0xDC00 + ((c - 0x10000) & 0x3FF));
    } else {
        unit16(b, IS_BE(form), c);
    }
}

/* c into the input as `form`, and into the expected UTF-8. */
static void both(int form, uint32_t c)
{
    put_form(&in, form, c);
    put8(&want, c);
}

/* The code points of UTF-8 string s (valid: written in this file). */
static size_t next_cp(const char *s, uint32_t *c)
{
    const unsigned char *p = (const unsigned char *)s;
    if (p[0] < 0x80) {
        *c = p[0];
        return 1;
    }
    if (p[0] < 0xE0) {
        *c = (uint32_t)(p[0] & 0x1F) << 6 | (p[1] & 0x3F);
        return 2;
    }
    if (p[0] < 0xF0) {
        *c = (uint32_t)(p[0] & 0x0F) << 12 | (uint32_t)(p[1] & 0x3F) << 6 | (p[2] & 0x3F);
        return 3;
    }
    *c = (uint32_t)(p[0] & 0x07) << 18 | (uint32_t)(p[1] & 0x3F) << 12 |
         (uint32_t)(p[2] & 0x3F) << 6 | (p[3] & 0x3F);
    return 4;
}

static void both_str(int form, const char *s)
{
    while (*s) {
        uint32_t c;
        s += next_cp(s, &c);
        both(form, c);
    }
}

static void in_bytes(const void *p, size_t n)
{
    buf_add(&in, p, n);
}

static void want_bytes(const void *p, size_t n)
{
    buf_add(&want, p, n);
}

static void in_str(const char *s)
{
    buf_add(&in, s, strlen(s));
}

static void want_str(const char *s)
{
    buf_add(&want, s, strlen(s));
}

#define FFFD 0xFFFDu
static const unsigned char bom8[] = {0xEF, 0xBB, 0xBF};

static uint32_t rnd_state = 0x2545f491u;
static uint32_t rnd(void)
{
    uint32_t x = rnd_state;
    x ^= x << 13;
    x ^= x >> 17;
    x ^= x << 5;
    return rnd_state = x;
}

/* gzip of p[0..n) into zbuf, by zlib. */
static int make_gzip(const void *p, size_t n)
{
    z_stream z;
    memset(&z, 0, sizeof z);
    if (deflateInit2(&z, 6, Z_DEFLATED, 31, 8, Z_DEFAULT_STRATEGY) != Z_OK)
        return -1;
    size_t cap = deflateBound(&z, (uLong)n) + 64;
    zbuf.len = 0;
    if (zbuf.cap < cap) {
        unsigned char *np = realloc(zbuf.p, cap);
        if (!np) {
            deflateEnd(&z);
            return -1;
        }
        zbuf.p = np;
        zbuf.cap = cap;
    }
    z.next_in = (Bytef *)p;
    z.avail_in = (uInt)n;
    z.next_out = zbuf.p;
    z.avail_out = (uInt)cap;
    int rc = deflate(&z, Z_FINISH);
    zbuf.len = z.total_out;
    deflateEnd(&z);
    return rc == Z_STREAM_END ? 0 : -1;
}

/* ---- a test layer that cuts where the test says ---------------------------- */

/* "split": hands out what the layer below has, but ends a read exactly at
 * each offset of split_at[0..nsplit) (offsets into its input, ascending),
 * so that the layer above gets a window that ends there. */
static uint64_t split_at[4];
static int nsplit;

struct split {
    uint64_t at[4];
    int n, next;
    uint64_t pos;
};

static int split_init(struct bs_layer *l)
{
    struct split *sp = calloc(1, sizeof *sp);
    if (!sp)
        return bs_fail(l, BS_ENOMEM, "split: out of memory");
    sp->n = nsplit;
    memcpy(sp->at, split_at, sizeof sp->at);
    l->state = sp;
    return BS_OK;
}

static void split_close(struct bs_layer *l)
{
    free(l->state);
}

static int split_read(struct bs_layer *l, unsigned char *dst, size_t cap, size_t *got)
{
    struct split *sp = l->state;
    const unsigned char *p;
    size_t n;
    int rc = bs_layer_peek(l->below, 1, &p, &n);
    if (rc != BS_OK)
        return rc;
    while (sp->next < sp->n && sp->at[sp->next] <= sp->pos)
        sp->next++;
    size_t k = n < cap ? n : cap;
    if (sp->next < sp->n && sp->at[sp->next] - sp->pos < k)
        k = (size_t)(sp->at[sp->next] - sp->pos);
    memcpy(dst, p, k);
    bs_layer_consume(l->below, k);
    sp->pos += k;
    *got = k;
    return BS_OK;
}

static const struct bs_layer_ops split_ops = {
    .version = BS_OPS_VERSION,
    .name = "split",
    .init = split_init,
    .read = split_read,
    .close = split_close,
};

static int is_test_layer(const char *name)
{
    return strcmp(name, "trickle") == 0 || strcmp(name, "chunks") == 0 ||
           strcmp(name, "split") == 0;
}

/* ---- decoding ---------------------------------------------------------------- */

/* How the text layer gets on the source. */
enum { VIA_DETECT, VIA_PUSH, VIA_ENCODING, VIA_ICONV, VIA_FN, VIA_GZIP_ENCODING };
struct via {
    int kind;
    const char *name;               /* for bs_push, bs_push_encoding, bs_push_iconv;
                                     * VIA_GZIP_ENCODING: "gzip", then bs_push_encoding */
    int (*fn)(byte_source *);       /* VIA_FN: bs_push_utf16le, ... */
};
static const struct via DETECT = {VIA_DETECT, NULL, NULL};

/* What lies between the base and the text layer, the window, and how the
 * result is read. */
enum { UNDER_NONE, UNDER_TRICKLE, UNDER_CHUNKS, UNDER_SPLIT };
static const char *const under_name[] = {"memory", "trickle", "chunks", "split"};
enum { DRAIN_WHOLE, DRAIN_GROW };
struct way {
    int under;
    size_t window;   /* 0: the default */
    int drain;
};

static const struct way ways[] = {
    {UNDER_NONE, 0, DRAIN_WHOLE},    {UNDER_TRICKLE, 0, DRAIN_WHOLE},
    {UNDER_CHUNKS, 0, DRAIN_WHOLE},  {UNDER_NONE, 1, DRAIN_WHOLE},
    {UNDER_TRICKLE, 1, DRAIN_WHOLE}, {UNDER_CHUNKS, 1, DRAIN_WHOLE},
    {UNDER_NONE, 2, DRAIN_WHOLE},    {UNDER_TRICKLE, 2, DRAIN_WHOLE},
    {UNDER_CHUNKS, 2, DRAIN_WHOLE},  {UNDER_NONE, 3, DRAIN_WHOLE},
    {UNDER_TRICKLE, 3, DRAIN_WHOLE}, {UNDER_CHUNKS, 3, DRAIN_WHOLE},
    {UNDER_NONE, 5, DRAIN_WHOLE},    {UNDER_TRICKLE, 5, DRAIN_WHOLE},
    {UNDER_CHUNKS, 5, DRAIN_WHOLE},  {UNDER_NONE, 0, DRAIN_GROW},
    {UNDER_TRICKLE, 0, DRAIN_GROW},  {UNDER_CHUNKS, 0, DRAIN_GROW},
    {UNDER_NONE, 1, DRAIN_GROW},     {UNDER_TRICKLE, 1, DRAIN_GROW},
    {UNDER_CHUNKS, 3, DRAIN_GROW},
};
#define NWAYS (sizeof ways / sizeof ways[0])

/* The ways with the split layer under the text layer (windows of 4 KiB,
 * more than the inputs cut there: the default's 256 KiB, allocated and
 * cleared for every one of thousands of cuts, would only cost time). */
static const struct way split_ways[] = {
    {UNDER_SPLIT, 4096, DRAIN_WHOLE},
    {UNDER_SPLIT, 3, DRAIN_WHOLE},
    {UNDER_SPLIT, 4096, DRAIN_GROW},
};
#define NSPLIT_WAYS (sizeof split_ways / sizeof split_ways[0])

/* A contract of the read calls was broken (BS_OK with nothing, BS_END with
 * bytes, a status that did not stick, bs_tell out of step). */
#define DRAIN_BROKEN 99
/* bs_open_memory, the test layer, the push, bs_detect or bs_readahead
 * failed; dec_setup says how. */
#define DECODE_SETUP 98

static struct buf dec;            /* what the last decode() delivered */
static char dec_err[BS_ERRMAX];   /* bs_error after it */
static char dec_chain[256];       /* bs_layer_name of each layer but the test layers */
static char dec_top_label[BS_LABELMAX];
static int dec_setup;             /* what the push or bs_detect returned */
static int dec_ra;                /* what bs_readahead returned */

/* Reads s to its end or its first failure, appending every byte handed out
 * to dec.  DRAIN_WHOLE consumes each window whole; DRAIN_GROW asks for one
 * byte more than it has until the stream ends, as a reader of long lines
 * does.  Returns BS_END, the negative status, or DRAIN_BROKEN. */
static int drain(byte_source *s, int mode)
{
    size_t min = 1;
    for (;;) {
        const void *p = NULL;
        size_t n = 0;
        int rc = bs_peek(s, min, &p, &n);
        if (rc == BS_OK && (n == 0 || !p))
            return DRAIN_BROKEN;
        if (mode == DRAIN_GROW && rc == BS_OK && n >= min) {
            if (n > ((size_t)64 << 20))
                return DRAIN_BROKEN;
            min = n + 1;
            continue;
        }
        if (n)
            buf_add(&dec, p, n);
        if (rc == BS_OK) {
            if (bs_consume(s, n) != BS_OK)
                return DRAIN_BROKEN;
            if (bs_tell(s) != dec.len)
                return DRAIN_BROKEN;
            min = 1;
            continue;
        }
        if (rc == BS_END)
            return n == 0 ? BS_END : DRAIN_BROKEN;
        /* a failure sticks, with the same message */
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

static void describe(byte_source *s)
{
    snprintf(dec_err, sizeof dec_err, "%s", bs_error(s));
    size_t a = 0;
    dec_chain[0] = 0;
    dec_top_label[0] = 0;
    for (int i = 0; i < bs_layer_count(s); i++) {
        if (is_test_layer(bs_layer_name(s, i)))
            continue;
        int k = snprintf(dec_chain + a, sizeof dec_chain - a, "%s%s", a ? " " : "",
                         bs_layer_name(s, i));
        if (k > 0 && a + (size_t)k < sizeof dec_chain)
            a += (size_t)k;
        snprintf(dec_top_label, sizeof dec_top_label, "%s", bs_layer_label(s, i));
    }
}

/* Decodes data[0..len) as v and w say, with opt (NULL: the defaults) but
 * w's window; with `readahead`, calls bs_readahead before reading.
 * Returns what drain() returned, or DECODE_SETUP. */
static int decode(const void *data, size_t len, const struct via *v, const bs_options *opt,
                  const struct way *w, int readahead)
{
    bs_options o;
    if (opt)
        o = *opt;
    else
        bs_options_init(&o);
    if (w->window)
        o.window = w->window;
    dec.len = 0;
    dec_err[0] = dec_chain[0] = dec_top_label[0] = 0;
    dec_setup = 0;
    dec_ra = -100;
    byte_source *s = NULL;
    int rc = bs_open_memory(&s, data ? data : "", len, "in", &o);
    if (!s)
        return DECODE_SETUP;
    if (rc == BS_OK && w->under == UNDER_TRICKLE)
        rc = bs_layer_add(s, &trickle_ops, NULL);
    else if (rc == BS_OK && w->under == UNDER_CHUNKS)
        rc = bs_layer_add(s, &chunk_ops, NULL);
    else if (rc == BS_OK && w->under == UNDER_SPLIT)
        rc = bs_layer_add(s, &split_ops, NULL);
    if (rc == BS_OK) {
        switch (v->kind) {
        case VIA_DETECT: rc = bs_detect(s, BS_DEPTH_DEFAULT); break;
        case VIA_PUSH: rc = bs_push(s, v->name); break;
        case VIA_ENCODING: rc = bs_push_encoding(s, v->name); break;
        case VIA_ICONV: rc = bs_push_iconv(s, v->name); break;
        case VIA_GZIP_ENCODING:
            rc = bs_push(s, "gzip");
            if (rc == BS_OK)
                rc = bs_push_encoding(s, v->name);
            break;
        default: rc = v->fn(s); break;
        }
        dec_setup = rc;
        if (rc > 0)
            rc = BS_OK;
    }
    if (rc == BS_OK && readahead) {
        dec_ra = bs_readahead(s);
        if (dec_ra < 0)
            rc = dec_ra;
    }
    if (rc != BS_OK) {
        describe(s);
        bs_close(s);
        return DECODE_SETUP;
    }
    rc = drain(s, w->drain);
    describe(s);
    bs_close(s);
    return rc;
}

static int same_as(const void *p, size_t len)
{
    return dec.len == len && (len == 0 || memcmp(dec.p, p, len) == 0);
}

/* Why the last all_ways() failed. */
static char why[480];

static void say_why(const char *how, int rc, const void *exp, size_t explen, const void *data,
                    size_t len)
{
    size_t d = 0;
    while (d < dec.len && d < explen && dec.p[d] == ((const unsigned char *)exp)[d])
        d++;
    char hex[100] = "";
    const unsigned char *q = data;
    for (size_t i = 0, k = 0; i < len && i < 24 && k + 4 < sizeof hex; i++)
        k += (size_t)snprintf(hex + k, sizeof hex - k, "%02x ", q[i]);
    char got[40] = "";
    for (size_t i = d, k = 0; i < dec.len && i < d + 8 && k + 4 < sizeof got; i++)
        k += (size_t)snprintf(got + k, sizeof got - k, "%02x ", dec.p[i]);
    snprintf(why, sizeof why,
             "%s: rc %d setup %d, %zu bytes (want %zu), differ at %zu (got %s), chain \"%s\", "
             "error \"%.80s\"; input %zu bytes: %s",
             how, rc, dec_setup, dec.len, explen, d, got, dec_chain, dec_err, len, hex);
}

/* Decodes data[0..len) in every way of ways[] (of split_ways[], with the
 * split layer's cuts as set, if `split`): each must give exp[0..explen),
 * then end_rc, with no message after BS_END and one containing err_sub
 * after a failure; with the chain `chain` (test layers left out) and, if
 * setup >= 0, that return from the push or bs_detect.  0, or -1 with why
 * set. */
static int ways_check(const void *data, size_t len, const struct via *v, const bs_options *opt,
                      const void *exp, size_t explen, const char *chain, int setup, int split,
                      int end_rc, const char *err_sub)
{
    size_t nw = split ? NSPLIT_WAYS : NWAYS;
    for (size_t i = 0; i < nw; i++) {
        struct way w = split ? split_ways[i] : ways[i];
        int rc = decode(data, len, v, opt, &w, 0);
        int msg_ok = end_rc == BS_END ? dec_err[0] == 0 : strstr(dec_err, err_sub) != NULL;
        if (rc != end_rc || !msg_ok || !same_as(exp, explen) ||
            (chain && strcmp(dec_chain, chain) != 0) || (setup >= 0 && dec_setup != setup)) {
            char how[96];
            snprintf(how, sizeof how, "%s window %zu%s%s", under_name[w.under], w.window,
                     w.drain == DRAIN_GROW ? " grow" : "", v->name ? "" : " detect");
            if (split)
                snprintf(how + strlen(how), sizeof how - strlen(how), " cut at %llu",
                         (unsigned long long)split_at[0]);
            say_why(how, rc, exp, explen, data, len);
            return -1;
        }
    }
    return 0;
}

static int all_ways_split(const void *data, size_t len, const struct via *v, const bs_options *opt,
                          const void *exp, size_t explen, const char *chain, int setup, int split)
{
    return ways_check(data, len, v, opt, exp, explen, chain, setup, split, BS_END, NULL);
}

static int all_ways(const void *data, size_t len, const struct via *v, const bs_options *opt,
                    const void *exp, size_t explen, const char *chain, int setup)
{
    return ways_check(data, len, v, opt, exp, explen, chain, setup, 0, BS_END, NULL);
}

/* The running case's input and expected output, in every way. */
static int ways_in(const struct via *v, const bs_options *opt, const char *chain, int setup)
{
    return all_ways(in.p, in.len, v, opt, want.p, want.len, chain, setup);
}

/* The input as it is: nothing decoded. */
static int ways_raw(const struct via *v, const bs_options *opt, int setup)
{
    return all_ways(in.p, in.len, v, opt, in.p, in.len, "memory", setup);
}

#define CHECK_WAYS(call)                                                             \
    do {                                                                             \
        if ((call) != 0) {                                                           \
            snprintf(unit_why, sizeof unit_why, "%s:%d: %s", __FILE__, __LINE__, why); \
            unit_failed = 1;                                                         \
            return;                                                                  \
        }                                                                            \
    } while (0)

static const char *chain_of(const char *layer)
{
    static char c[64];
    snprintf(c, sizeof c, "memory %s", layer);
    return c;
}

/* A sample text with 2-, 3- and 4-byte characters. */
static const char sample[] =
    "Hello, world.\tCaf\xc3\xa9 \xe2\x82\xac" "5, \xe6\x97\xa5\xe6\x9c\xac\xe8\xaa\x9e, "
    "\xf0\x9f\x98\x80 and an ASCII tail long enough for the fast path.\r\n";

/* ---- cases ------------------------------------------------------------------- */

/* bs_detect finds each BOM, pushes the layer for it and removes it. */
static void test_bom_detect(void)
{
    for (int f = 0; f < NFORM; f++) {
        reset();
        put_form(&in, f, 0xFEFF);
        for (int r = 0; r < 3; r++)
            both_str(f, sample);
        CHECK_WAYS(ways_in(&DETECT, NULL, chain_of(form_name[f]), 1));
    }
    /* UTF-8 */
    reset();
    in_bytes(bom8, 3);
    in_bytes(sample, strlen(sample));
    want_bytes(sample, strlen(sample));
    CHECK_WAYS(ways_in(&DETECT, NULL, "memory utf-8", 1));
    /* FF FE 00 00 is the UTF-32LE mark, not the UTF-16LE one and a NUL */
    reset();
    put_form(&in, U32LE, 0xFEFF);
    both_str(U32LE, "hi");
    CHECK_WAYS(ways_in(&DETECT, NULL, "memory utf-32le", 1));
    /* FF FE then a character that is not NUL: UTF-16LE */
    reset();
    put_form(&in, U16LE, 0xFEFF);
    both_str(U16LE, "\xe6\x97\xa5hi");
    CHECK_WAYS(ways_in(&DETECT, NULL, "memory utf-16le", 1));
    /* under BS_TEXT_BOM the BOM still decides */
    bs_options o;
    bs_options_init(&o);
    o.text = BS_TEXT_BOM;
    reset();
    put_form(&in, U16BE, 0xFEFF);
    both_str(U16BE, sample);
    CHECK_WAYS(ways_in(&DETECT, &o, "memory utf-16be", 1));
    /* the label of a Unicode layer is its name */
    struct way w = {UNDER_NONE, 0, DRAIN_WHOLE};
    CHECK(decode(in.p, in.len, &DETECT, NULL, &w, 0) == BS_END);
    CHECK(strcmp(dec_top_label, "utf-16be") == 0);
}

/* Pushed by hand, by every name, with and without a BOM. */
static void test_explicit_push(void)
{
    static const char *const enc_names[NFORM][4] = {
        {"UTF-16", "utf16", "UTF-16LE", "utf_16_le"},
        {"UTF-16BE", "utf16be", "Utf_16_Be", "utf-16-be"},
        {"UTF-32", "utf32", "utf-32le", "UTF32LE"},
        {"utf_32_be", "UTF-32BE", "utf32be", "Utf-32-BE"},
    };
    for (int f = 0; f < NFORM; f++) {
        for (int bom = 0; bom < 2; bom++) {
            reset();
            if (bom)
                put_form(&in, f, 0xFEFF);
            both_str(f, sample);
            const char *chain = chain_of(form_name[f]);
            struct via fn = {VIA_FN, NULL, form_push[f]};
            CHECK_WAYS(ways_in(&fn, NULL, chain, BS_OK));
            struct via push = {VIA_PUSH, form_name[f], NULL};
            CHECK_WAYS(ways_in(&push, NULL, chain, BS_OK));
            for (int k = 0; k < 4; k++) {
                struct via enc = {VIA_ENCODING, enc_names[f][k], NULL};
                CHECK_WAYS(ways_in(&enc, NULL, chain, BS_OK));
            }
        }
        /* a U+FEFF after the start is a character, kept; so is a second
         * one at the start */
        reset();
        put_form(&in, f, 0xFEFF);
        both(f, 0xFEFF);
        both_str(f, "a");
        both(f, 0xFEFF);
        both_str(f, "b");
        struct via push = {VIA_PUSH, form_name[f], NULL};
        CHECK_WAYS(ways_in(&push, NULL, chain_of(form_name[f]), BS_OK));
        /* nothing at all */
        reset();
        CHECK_WAYS(ways_in(&push, NULL, chain_of(form_name[f]), BS_OK));
    }
    /* UTF-8: the BOM is removed, the rest passed as it is, invalid or not */
    struct via u8[] = {{VIA_FN, NULL, bs_push_utf8},
                       {VIA_PUSH, "utf-8", NULL},
                       {VIA_ENCODING, "UTF-8", NULL},
                       {VIA_ENCODING, "utf8", NULL}};
    for (size_t k = 0; k < sizeof u8 / sizeof u8[0]; k++) {
        reset();
        in_bytes(bom8, 3);
        in_bytes(sample, strlen(sample));
        want_bytes(sample, strlen(sample));
        CHECK_WAYS(ways_in(&u8[k], NULL, "memory utf-8", BS_OK));
        reset();
        in_bytes(sample, strlen(sample));
        want_bytes(sample, strlen(sample));
        CHECK_WAYS(ways_in(&u8[k], NULL, "memory utf-8", BS_OK));
        reset();
        in_bytes(bom8, 3);
        in_bytes(bom8, 3);
        in_bytes("x\xff", 2);
        want_bytes(bom8, 3);
        want_bytes("x\xff", 2);
        CHECK_WAYS(ways_in(&u8[k], NULL, "memory utf-8", BS_OK));
    }
    /* iconv: the label is the name given */
    static const struct {
        const char *name, *in, *out;
    } ic[] = {
        {"latin1", "caf\xe9 \xff\xa0!", "caf\xc3\xa9 \xc3\xbf\xc2\xa0!"},
        {"ISO-8859-1", "\xe9t\xe9", "\xc3\xa9t\xc3\xa9"},
        {"CP1252", "\x80 \x93q\x94 \x85", "\xe2\x82\xac \xe2\x80\x9cq\xe2\x80\x9d \xe2\x80\xa6"},
        {"shift_jis", "\x93\xfa\x96\x7b abc \xb1", "\xe6\x97\xa5\xe6\x9c\xac abc \xef\xbd\xb1"},
        {"gb18030", "\xc8\xd5 \x94\x39\xfc\x36.", "\xe6\x97\xa5 \xf0\x9f\x98\x80."},
        {"koi8-r", "\xf0\xd2\xc9\xd7\xc5\xd4", "\xd0\x9f\xd1\x80\xd0\xb8\xd0\xb2\xd0\xb5\xd1\x82"},
    };
    for (size_t k = 0; k < sizeof ic / sizeof ic[0]; k++) {
        struct via enc = {VIA_ENCODING, ic[k].name, NULL};
        struct via icv = {VIA_ICONV, ic[k].name, NULL};
        for (int r = 0; r < 2; r++) {
            const struct via *v = r ? &icv : &enc;
            CHECK_WAYS(all_ways(ic[k].in, strlen(ic[k].in), v, NULL, ic[k].out, strlen(ic[k].out),
                                "memory iconv", BS_OK));
            struct way w = {UNDER_NONE, 0, DRAIN_WHOLE};
            CHECK(decode(ic[k].in, strlen(ic[k].in), v, NULL, &w, 0) == BS_END);
            CHECK(strcmp(dec_top_label, ic[k].name) == 0);
        }
    }
    /* bs_push knows the Unicode layers by name only */
    struct via bad = {VIA_PUSH, "latin1", NULL};
    struct way w = {UNDER_NONE, 0, DRAIN_WHOLE};
    CHECK(decode("x", 1, &bad, NULL, &w, 0) == DECODE_SETUP);
    CHECK(dec_setup == BS_EUNSUPPORTED);
}

/* 2-, 3- and 4-byte characters among ASCII runs of every length around
 * the fast path's 16 units, at every alignment. */
static void test_non_ascii(void)
{
    static const uint32_t chars[] = {0xE9, 0x20AC, 0x65E5, 0x1F600, 0};
    static const size_t runs[] = {15, 16, 17, 31, 32, 33, 100};
    for (int f = 0; f < NFORM; f++) {
        struct via push = {VIA_PUSH, form_name[f], NULL};
        for (size_t c = 0; c < sizeof chars / sizeof chars[0]; c++) {
            for (size_t shift = 0; shift <= 16; shift++) {
                reset();
                unsigned letter = 0;
#define ASCII_RUN(n)                                        \
    for (size_t i_ = 0; i_ < (n); i_++)                     \
        both(f, "abcdefghijklmnopqrstuvwxyz0123456789 \n"[letter++ % 38])
                ASCII_RUN(shift);
                for (size_t r = 0; r < sizeof runs / sizeof runs[0]; r++) {
                    /* chars[c] == 0: each of the others in turn */
                    uint32_t x = chars[c] ? chars[c] : chars[r % 4];
                    uint32_t y = chars[c] ? chars[c] : chars[(r + 1) % 4];
                    ASCII_RUN(runs[r]);
                    both(f, x);
                    ASCII_RUN(runs[r]);
                    both(f, x);
                    both(f, y);
                    ASCII_RUN(runs[r] - shift % 3);
                    both(f, y);
                }
#undef ASCII_RUN
                CHECK_WAYS(ways_in(&push, NULL, chain_of(form_name[f]), BS_OK));
                if (shift == 0 || shift == 7) {
                    /* the same behind a BOM, detected */
                    struct buf t = {0};
                    put_form(&t, f, 0xFEFF);
                    buf_add(&t, in.p, in.len);
                    int r = all_ways(t.p, t.len, &DETECT, NULL, want.p, want.len,
                                     chain_of(form_name[f]), 1);
                    free(t.p);
                    CHECK_WAYS(r);
                }
            }
        }
    }
}

/* Invalid input: each bad unit or value becomes one U+FFFD, the rest is
 * decoded, and the stream ends with BS_END. */
static void test_invalid(void)
{
    for (int f = U16LE; f <= U16BE; f++) {
        int be = IS_BE(f);
        struct via push = {VIA_PUSH, form_name[f], NULL};
        const char *chain = chain_of(form_name[f]);
        /* a lone high surrogate followed by ASCII */
        reset();
        both_str(f, "a");
        unit16(&in, be, 0xD800);
        put8(&want, FFFD);
        both_str(f, "b");
        CHECK_WAYS(ways_in(&push, NULL, chain, BS_OK));
        /* ... at the very end, after the fast path or not */
        for (size_t lead = 0; lead < 40; lead += 13) {
            reset();
            for (size_t i = 0; i < lead; i++)
                both_str(f, "x");
            both_str(f, "a");
            unit16(&in, be, 0xDBFF);
            put8(&want, FFFD);
            CHECK_WAYS(ways_in(&push, NULL, chain, BS_OK));
        }
        /* ... as the only unit */
        reset();
        unit16(&in, be, 0xD83D);
        put8(&want, FFFD);
        CHECK_WAYS(ways_in(&push, NULL, chain, BS_OK));
        /* a lone low surrogate */
        reset();
        both_str(f, "a");
        unit16(&in, be, 0xDC00);
        put8(&want, FFFD);
        both_str(f, "b");
        CHECK_WAYS(ways_in(&push, NULL, chain, BS_OK));
        /* a low one before a good pair */
        reset();
        unit16(&in, be, 0xDFFF);
        put8(&want, FFFD);
        both(f, 0x1F600);
        CHECK_WAYS(ways_in(&push, NULL, chain, BS_OK));
        /* high followed by high: the first is lone, the second pairs or is
         * lone in turn */
        reset();
        unit16(&in, be, 0xD800);
        unit16(&in, be, 0xD800);
        put8(&want, FFFD);
        put8(&want, FFFD);
        both_str(f, "x");
        CHECK_WAYS(ways_in(&push, NULL, chain, BS_OK));
        reset();
        both_str(f, "y");
        unit16(&in, be, 0xD800);
        put8(&want, FFFD);
        both(f, 0x10000);
        both_str(f, "z");
        CHECK_WAYS(ways_in(&push, NULL, chain, BS_OK));
        /* the largest pair is fine */
        reset();
        both(f, 0x10FFFF);
        CHECK_WAYS(ways_in(&push, NULL, chain, BS_OK));
        /* an odd byte at the end, after the fast path or not */
        for (size_t lead = 0; lead < 40; lead += 19) {
            reset();
            for (size_t i = 0; i < lead; i++)
                both_str(f, "q");
            both_str(f, "ab");
            in_bytes("A", 1);
            put8(&want, FFFD);
            CHECK_WAYS(ways_in(&push, NULL, chain, BS_OK));
        }
        /* a high surrogate and an odd byte at the end */
        reset();
        both_str(f, "ab");
        unit16(&in, be, 0xD800);
        in_bytes("\xdc", 1);
        put8(&want, FFFD);
        put8(&want, FFFD);
        CHECK_WAYS(ways_in(&push, NULL, chain, BS_OK));
        /* a lone surrogate behind a detected BOM */
        reset();
        put_form(&in, f, 0xFEFF);
        both_str(f, "a");
        unit16(&in, be, 0xDC01);
        put8(&want, FFFD);
        CHECK_WAYS(ways_in(&DETECT, NULL, chain, 1));
    }
    for (int f = U32LE; f <= U32BE; f++) {
        int be = IS_BE(f);
        struct via push = {VIA_PUSH, form_name[f], NULL};
        const char *chain = chain_of(form_name[f]);
        /* 1, 2 or 3 bytes at the end */
        for (size_t extra = 1; extra <= 3; extra++) {
            for (size_t lead = 0; lead < 20; lead += 9) {
                reset();
                for (size_t i = 0; i < lead; i++)
                    both_str(f, "q");
                both_str(f, "ab");
                in_bytes("\x41\x00\x00", extra);
                put8(&want, FFFD);
                CHECK_WAYS(ways_in(&push, NULL, chain, BS_OK));
            }
        }
        /* values that are no characters */
        static const uint32_t bad[] = {0x110000, 0xFFFFFFFF, 0xD800, 0xDFFF, 0x80000000};
        for (size_t k = 0; k < sizeof bad / sizeof bad[0]; k++) {
            reset();
            both_str(f, "a");
            unit32(&in, be, bad[k]);
            put8(&want, FFFD);
            both_str(f, "b");
            CHECK_WAYS(ways_in(&push, NULL, chain, BS_OK));
            /* inside a block the fast path looks at */
            reset();
            for (size_t i = 0; i < 20; i++)
                both_str(f, "s");
            unit32(&in, be, bad[k]);
            put8(&want, FFFD);
            for (size_t i = 0; i < 20; i++)
                both_str(f, "t");
            CHECK_WAYS(ways_in(&push, NULL, chain, BS_OK));
        }
        reset();
        both(f, 0x10FFFF);
        both(f, 0);
        both(f, 0xFFFF);
        CHECK_WAYS(ways_in(&push, NULL, chain, BS_OK));
    }
}

/* A surrogate pair (or a unit) cut between two windows of the layer below
 * is put together: cut at every offset by the split layer, one cut and
 * two, and in every way of ways[]. */
static void test_split_pair(void)
{
    for (int f = 0; f < NFORM; f++) {
        struct via push = {VIA_PUSH, form_name[f], NULL};
        const char *chain = chain_of(form_name[f]);
        /* every alignment to the fast path's blocks (16 UTF-16 units, 8
         * UTF-32 units), and one lead past a whole block and more */
        size_t block = IS_16(f) ? 16 : 8;
        for (size_t li = 0; li <= block + 1; li++) {
            size_t lead = li <= block ? li : 2 * block + 5;
            reset();
            for (size_t i = 0; i < lead; i++)
                both_str(f, "p");
            both(f, 0x1F600);
            both_str(f, "zzzzzzzzzzzzzzzzzzzz");
            both(f, 0x10437);
            both(f, 0x20AC);
            both(f, 0x1F4A9);
            CHECK_WAYS(ways_in(&push, NULL, chain, BS_OK));
            for (size_t cut = 1; cut < in.len; cut++) {
                split_at[0] = cut;
                nsplit = 1;
                CHECK_WAYS(all_ways_split(in.p, in.len, &push, NULL, want.p, want.len, chain,
                                          BS_OK, 1));
                /* and the next byte on its own */
                split_at[1] = cut + 1;
                nsplit = 2;
                CHECK_WAYS(all_ways_split(in.p, in.len, &push, NULL, want.p, want.len, chain,
                                          BS_OK, 1));
            }
            nsplit = 0;
        }
    }
    /* behind a BOM, cut inside the BOM too */
    reset();
    put_form(&in, U16LE, 0xFEFF);
    both(U16LE, 0x1F600);
    struct via push = {VIA_PUSH, "utf-16le", NULL};
    for (size_t cut = 1; cut < in.len; cut++) {
        split_at[0] = cut;
        nsplit = 1;
        CHECK_WAYS(all_ways_split(in.p, in.len, &push, NULL, want.p, want.len, "memory utf-16le",
                                  BS_OK, 1));
    }
    nsplit = 0;
}

/* Nothing but a BOM: detected, removed, nothing left. */
static void test_bom_only(void)
{
    static const struct {
        const char *bytes;
        size_t len;
        const char *layer;
    } boms[] = {
        {"\xff\xfe", 2, "utf-16le"},         {"\xfe\xff", 2, "utf-16be"},
        {"\xef\xbb\xbf", 3, "utf-8"},        {"\xff\xfe\x00\x00", 4, "utf-32le"},
        {"\x00\x00\xfe\xff", 4, "utf-32be"},
    };
    for (size_t k = 0; k < sizeof boms / sizeof boms[0]; k++) {
        CHECK_WAYS(all_ways(boms[k].bytes, boms[k].len, &DETECT, NULL, "", 0,
                            chain_of(boms[k].layer), 1));
        struct via push = {VIA_PUSH, boms[k].layer, NULL};
        CHECK_WAYS(all_ways(boms[k].bytes, boms[k].len, &push, NULL, "", 0,
                            chain_of(boms[k].layer), BS_OK));
    }
    /* a BOM and an odd byte */
    CHECK_WAYS(all_ways("\xff\xfe\x41", 3, &DETECT, NULL, "\xef\xbf\xbd", 3, "memory utf-16le", 1));
    /* FF FE 00: the UTF-16LE mark, then an odd byte */
    CHECK_WAYS(all_ways("\xff\xfe\x00", 3, &DETECT, NULL, "\xef\xbf\xbd", 3, "memory utf-16le", 1));
}

/* The UTF-16 guess, opt.text and opt.encoding. */
static void test_guess(void)
{
    bs_options bom, none, latin1, utf8, be;
    bs_options_init(&bom);
    bom.text = BS_TEXT_BOM;
    bs_options_init(&none);
    none.text = BS_TEXT_NONE;
    bs_options_init(&latin1);
    snprintf(latin1.encoding, sizeof latin1.encoding, "latin1");
    bs_options_init(&utf8);
    snprintf(utf8.encoding, sizeof utf8.encoding, "utf-8");
    bs_options_init(&be);
    snprintf(be.encoding, sizeof be.encoding, "UTF-16BE");

    /* BOM-less UTF-16 text, short and long, is guessed */
    for (int f = U16LE; f <= U16BE; f++) {
        for (int n = 1; n <= 40; n += 13) {
            reset();
            for (int r = 0; r < n; r++)
                both_str(f, sample);
            CHECK_WAYS(ways_in(&DETECT, NULL, chain_of(form_name[f]), 1));
            /* not under BS_TEXT_BOM or BS_TEXT_NONE */
            CHECK_WAYS(ways_raw(&DETECT, &bom, 0));
            CHECK_WAYS(ways_raw(&DETECT, &none, 0));
            /* not when opt.encoding says UTF-8: bytes as they are */
            CHECK_WAYS(ways_raw(&DETECT, &utf8, 0));
        }
    }
    /* "hi": two ASCII units are enough */
    CHECK_WAYS(all_ways("h\0i\0", 4, &DETECT, NULL, "hi", 2, "memory utf-16le", 1));
    CHECK_WAYS(all_ways("\0h\0i", 4, &DETECT, NULL, "hi", 2, "memory utf-16be", 1));
    /* half of the units ASCII is enough, fewer is not */
    reset();
    both_str(U16LE, "ab\xe6\x97\xa5\xe6\x9c\xac");
    CHECK_WAYS(ways_in(&DETECT, NULL, "memory utf-16le", 1));
    reset();
    both_str(U16LE, "ab\xe6\x97\xa5\xe6\x9c\xac\xe8\xaa\x9e");
    CHECK_WAYS(ways_raw(&DETECT, NULL, 0));
    /* a NUL past the first 4 KiB does not matter */
    reset();
    for (int r = 0; r < 60; r++)
        both_str(U16LE, sample);
    both(U16LE, 0);
    both_str(U16LE, "tail");
    CHECK_WAYS(ways_in(&DETECT, NULL, "memory utf-16le", 1));

    /* with BS_TEXT_NONE not even a BOM is looked at */
    reset();
    put_form(&in, U16LE, 0xFEFF);
    both_str(U16LE, sample);
    CHECK_WAYS(ways_raw(&DETECT, &none, 0));
    reset();
    in_bytes(bom8, 3);
    in_bytes(sample, strlen(sample));
    CHECK_WAYS(ways_raw(&DETECT, &none, 0));
    reset();
    put_form(&in, U32BE, 0xFEFF);
    both_str(U32BE, sample);
    CHECK_WAYS(ways_raw(&DETECT, &none, 0));

    /* not guessed: ASCII, UTF-8, binary, UTF-32, units that are no text,
     * inputs too short */
    static const struct {
        const char *bytes;
        size_t len;
    } no[] = {
        {"", 0},
        {"hello, world\n", 0},
        {"h\xc3\xa9llo w\xc3\xb6rld \xe6\x97\xa5\xe6\x9c\xac\n", 0},
        {"\x00\x00\x00\x01\x00\x02\x00\x03\x00\x04\x00\x05", 12},
        {"\x00\x00\x00\x00\x00\x00\x00\x00", 8},
        {"h\0\0\0e\0\0\0l\0\0\0l\0\0\0o\0\0\0\n\0\0\0", 24},   /* UTF-32LE */
        {"\0\0\0h\0\0\0e\0\0\0l\0\0\0l\0\0\0o\0\0\0\n", 24},   /* UTF-32BE */
        {"\x7f" "ELF", 4},
        {"%PDF", 4},
        {"\x89PNG", 4},
        {"\xca\xfe\xba\xbe", 4},
        {"MZ\x90\x00", 4},
        {"\x00\x00\x01\x00", 4},
        {"h\0", 2},
        {"h\0i", 3},
        {"\0h", 2},
        {"h\0\x01\0i\0", 6},                  /* a C0 control */
        {"h\0i\0\0\0", 6},                    /* U+0000 */
        {"h\0i\0\x00\xd8j\0", 8},             /* a lone high surrogate */
        {"h\0i\0\x00\xdcj\0", 8},             /* a lone low surrogate */
        {"h\0i\0\xfe\xffj\0", 8},             /* U+FFFE */
        {"h\0i\0\xff\xffj\0", 8},             /* U+FFFF */
    };
    for (size_t k = 0; k < sizeof no / sizeof no[0]; k++) {
        size_t len = no[k].len ? no[k].len : strlen(no[k].bytes);
        CHECK_WAYS(all_ways(no[k].bytes, len, &DETECT, NULL, no[k].bytes, len, "memory", 0));
    }
    /* controls that text has are fine */
    CHECK_WAYS(all_ways("\t\0h\0\r\0\n\0\x0b\0\x0c\0\x1b\0i\0", 16, &DETECT, NULL,
                        "\th\r\n\x0b\x0c\x1bi", 8, "memory utf-16le", 1));
    /* a pair is fine, also cut by the end of the sample */
    reset();
    both_str(U16LE, "ab");
    both(U16LE, 0x1F600);
    both_str(U16LE, "c");
    CHECK_WAYS(ways_in(&DETECT, NULL, "memory utf-16le", 1));
    /* a pair cut by the end of the sample the guess looks at: at byte 512
     * (what bs_detect asks for, all trickle holds), and at 4 KiB */
    for (int f = U16LE; f <= U16BE; f++) {
        reset();
        for (int i = 0; i < 255; i++)
            both_str(f, "m");
        both(f, 0x1F600);
        for (int i = 0; i < 2047 - 257; i++)
            both_str(f, "n");
        both(f, 0x1F601);
        both_str(f, "end");
        CHECK(in.len == 4104);
        CHECK_WAYS(ways_in(&DETECT, NULL, chain_of(form_name[f]), 1));
    }

    /* opt.encoding when there is no BOM */
    reset();
    in_bytes("caf\xe9 cr\xe8me\n", 11);
    want_bytes("caf\xc3\xa9 cr\xc3\xa8me\n", 13);
    CHECK_WAYS(ways_in(&DETECT, &latin1, "memory iconv", 1));
    struct way w = {UNDER_NONE, 0, DRAIN_WHOLE};
    CHECK(decode(in.p, in.len, &DETECT, &latin1, &w, 0) == BS_END);
    CHECK(strcmp(dec_top_label, "latin1") == 0);
    /* ... wins over the guess */
    reset();
    in_bytes("h\0i\0", 4);
    want_bytes("h\0i\0", 4);
    CHECK_WAYS(ways_in(&DETECT, &latin1, "memory iconv", 1));
    reset();
    both_str(U16BE, sample);
    CHECK_WAYS(ways_in(&DETECT, &be, "memory utf-16be", 1));
    /* ... but a BOM wins over it */
    reset();
    put_form(&in, U16LE, 0xFEFF);
    both_str(U16LE, sample);
    CHECK_WAYS(ways_in(&DETECT, &latin1, "memory utf-16le", 1));
    reset();
    put_form(&in, U16BE, 0xFEFF);
    both_str(U16BE, sample);
    CHECK_WAYS(ways_in(&DETECT, &latin1, "memory utf-16be", 1));
    reset();
    in_bytes(bom8, 3);
    in_bytes(sample, strlen(sample));
    want_bytes(sample, strlen(sample));
    CHECK_WAYS(ways_in(&DETECT, &latin1, "memory utf-8", 1));
    /* "utf-8" pushes nothing */
    reset();
    in_bytes(sample, strlen(sample));
    CHECK_WAYS(ways_raw(&DETECT, &utf8, 0));
    /* under BS_TEXT_BOM opt.encoding still counts */
    bs_options bl = latin1;
    bl.text = BS_TEXT_BOM;
    reset();
    in_bytes("\xe9", 1);
    want_bytes("\xc3\xa9", 2);
    CHECK_WAYS(ways_in(&DETECT, &bl, "memory iconv", 1));
    /* under BS_TEXT_NONE it does not */
    bl.text = BS_TEXT_NONE;
    CHECK_WAYS(ways_raw(&DETECT, &bl, 0));
}

/* A UTF-16LE text with a BOM, gzipped: gzip, then the text layer, and
 * detection stops there (the text begins with a U+FEFF, whose UTF-8 is the
 * UTF-8 BOM: were detection to go on, a utf-8 layer would remove it). */
static void test_gzip_utf16(void)
{
    reset();
    put_form(&in, U16LE, 0xFEFF);
    both(U16LE, 0xFEFF);
    for (int r = 0; r < 200; r++)
        both_str(U16LE, sample);
    CHECK(make_gzip(in.p, in.len) == 0);
    CHECK_WAYS(all_ways(zbuf.p, zbuf.len, &DETECT, NULL, want.p, want.len, "memory gzip utf-16le",
                        2));
    CHECK(want.len > 3 && memcmp(want.p, bom8, 3) == 0);
    /* without a BOM: the guess looks at gzip's output */
    reset();
    for (int r = 0; r < 200; r++)
        both_str(U16BE, sample);
    CHECK(make_gzip(in.p, in.len) == 0);
    CHECK_WAYS(all_ways(zbuf.p, zbuf.len, &DETECT, NULL, want.p, want.len, "memory gzip utf-16be",
                        2));
    /* UTF-32BE and a UTF-8 BOM */
    reset();
    put_form(&in, U32BE, 0xFEFF);
    for (int r = 0; r < 50; r++)
        both_str(U32BE, sample);
    CHECK(make_gzip(in.p, in.len) == 0);
    CHECK_WAYS(all_ways(zbuf.p, zbuf.len, &DETECT, NULL, want.p, want.len, "memory gzip utf-32be",
                        2));
    reset();
    in_bytes(bom8, 3);
    in_bytes(sample, strlen(sample));
    want_bytes(sample, strlen(sample));
    CHECK(make_gzip(in.p, in.len) == 0);
    CHECK_WAYS(all_ways(zbuf.p, zbuf.len, &DETECT, NULL, want.p, want.len, "memory gzip utf-8", 2));
    /* opt.encoding applies to what gzip gives */
    bs_options o;
    bs_options_init(&o);
    snprintf(o.encoding, sizeof o.encoding, "latin1");
    reset();
    for (int r = 0; r < 100; r++) {
        in_str("na\xefve caf\xe9 ");
        want_str("na\xc3\xafve caf\xc3\xa9 ");
    }
    CHECK(make_gzip(in.p, in.len) == 0);
    CHECK_WAYS(all_ways(zbuf.p, zbuf.len, &DETECT, &o, want.p, want.len, "memory gzip iconv", 2));
}

/* Charsets converted by iconv. */
static void test_iconv(void)
{
    struct via sjis = {VIA_ENCODING, "shift_jis", NULL};
    /* an invalid sequence: U+FFFD for its first byte, then go on */
    CHECK_WAYS(all_ways("A\x81 B", 4, &sjis, NULL, "A\xef\xbf\xbd B", 6, "memory iconv", BS_OK));
    CHECK_WAYS(all_ways("\xa0xy\x93\xfa", 5, &sjis, NULL, "\xef\xbf\xbdxy\xe6\x97\xa5", 8,
                        "memory iconv", BS_OK));
    struct via cp1252 = {VIA_ICONV, "cp1252", NULL};
    CHECK_WAYS(all_ways("a\x81z", 3, &cp1252, NULL, "a\xef\xbf\xbdz", 5, "memory iconv", BS_OK));
    /* an incomplete sequence at the end */
    CHECK_WAYS(all_ways("A\x82", 2, &sjis, NULL, "A\xef\xbf\xbd", 4, "memory iconv", BS_OK));
    CHECK_WAYS(all_ways("\x93", 1, &sjis, NULL, "\xef\xbf\xbd", 3, "memory iconv", BS_OK));

    /* multi-byte characters cut at every offset (trickle and tiny windows
     * are in ways[] already) */
    static const struct {
        const char *cs, *in, *out;
    } mb[] = {
        {"shift_jis", "\x93\xfa\x96\x7b\x8c\xea x \x83\x65\x83\x4c\x83\x58\x83\x67",
         "\xe6\x97\xa5\xe6\x9c\xac\xe8\xaa\x9e x "
         "\xe3\x83\x86\xe3\x82\xad\xe3\x82\xb9\xe3\x83\x88"},
        {"gb18030", "\x94\x39\xfc\x36\xc8\xd5z\x94\x39\xfc\x36\x81\x30\x81\x30",
         "\xf0\x9f\x98\x80\xe6\x97\xa5z\xf0\x9f\x98\x80\xc2\x80"},
        /* stateful: escape sequences that make no output of their own */
        {"ISO-2022-JP", "a\x1b$BF|K\\\x1b(Bz", "a\xe6\x97\xa5\xe6\x9c\xacz"},
        /* a letter held back for a point that may follow: combined with
         * it, or let out at the end of the stream */
        {"CP1255", "a\xe0\xc8" "b\xe0", "a\xef\xac\xaf" "b\xd7\x90"},
        {"CP1258", "A\xcc\xd2", "\xc3\x80\xcc\x89"},
    };
    for (size_t k = 0; k < sizeof mb / sizeof mb[0]; k++) {
        struct via v = {VIA_ENCODING, mb[k].cs, NULL};
        size_t len = strlen(mb[k].in), olen = strlen(mb[k].out);
        CHECK_WAYS(all_ways(mb[k].in, len, &v, NULL, mb[k].out, olen, "memory iconv", BS_OK));
        for (size_t cut = 1; cut < len; cut++) {
            split_at[0] = cut;
            nsplit = 1;
            CHECK_WAYS(all_ways_split(mb[k].in, len, &v, NULL, mb[k].out, olen, "memory iconv",
                                      BS_OK, 1));
            split_at[1] = cut + 1;
            nsplit = 2;
            CHECK_WAYS(all_ways_split(mb[k].in, len, &v, NULL, mb[k].out, olen, "memory iconv",
                                      BS_OK, 1));
        }
        nsplit = 0;
    }
    /* a longer text: every read of the text layer ends inside some
     * character in one way or another */
    reset();
    for (int r = 0; r < 300; r++) {
        in_str("\x93\xfa\x96\x7b\x8c\xea abc ");
        want_str("\xe6\x97\xa5\xe6\x9c\xac\xe8\xaa\x9e abc ");
        if (r % 7 == 3) {
            in_str("\x81\x20");
            want_str("\xef\xbf\xbd ");
        }
    }
    CHECK_WAYS(ways_in(&sjis, NULL, "memory iconv", BS_OK));

    /* unknown charsets */
    static const char *const names[] = {"no-such-charset", "utf-17"};
    for (size_t k = 0; k < 2; k++) {
        for (int r = 0; r < 2; r++) {
            byte_source *s = NULL;
            CHECK(bs_open_memory(&s, "abc", 3, "in", NULL) == BS_OK);
            int rc = r ? bs_push_encoding(s, names[k]) : bs_push_iconv(s, names[k]);
            char msg[BS_ERRMAX], need[96];
            snprintf(msg, sizeof msg, "%s", bs_error(s));
            snprintf(need, sizeof need, "unknown encoding %s", names[k]);
            int count = bs_layer_count(s);
            /* the source is still usable: bytes as they are */
            const void *p;
            size_t n;
            int prc = bs_peek(s, 1, &p, &n);
            bs_close(s);
            CHECK(rc == BS_EUNSUPPORTED);
            CHECK(strstr(msg, need) != NULL);
            CHECK(count == 1);
            CHECK(prc == BS_OK && n == 3);
        }
        /* as opt.encoding, bs_detect fails the same way */
        bs_options o;
        bs_options_init(&o);
        snprintf(o.encoding, sizeof o.encoding, "%s", names[k]);
        struct way w = {UNDER_NONE, 0, DRAIN_WHOLE};
        CHECK(decode("abc", 3, &DETECT, &o, &w, 0) == DECODE_SETUP);
        CHECK(dec_setup == BS_EUNSUPPORTED);
        CHECK(strstr(dec_err, "unknown encoding") != NULL);
    }

    /* bs_encoding_supported */
    static const char *const good[] = {"utf-8", "UTF8", "utf_16", "UTF-16BE", "utf-32",
                                       "Utf32Be", "latin1", "ISO-8859-15", "CP1252", "cp1252",
                                       "shift_jis", "SJIS", "gb18030", "koi8-r", "UTF-16"};
    for (size_t k = 0; k < sizeof good / sizeof good[0]; k++)
        CHECK(bs_encoding_supported(good[k]) == 1);
    static const char *const bad[] = {"no-such-charset", "", "utf-17", "utf-16-le-and-more-so",
                                      "latin99"};
    for (size_t k = 0; k < sizeof bad / sizeof bad[0]; k++)
        CHECK(bs_encoding_supported(bad[k]) == 0);
    CHECK(bs_encoding_supported(NULL) == 0);
}

/* A failure of the layer below (a gzip member cut before its trailer:
 * every byte decoded, then "unexpected end of stream") reaches the reader
 * after everything the text layer made of the bytes before it, the same
 * in every way.  When those bytes end inside a unit, a pair or a
 * sequence, that is U+FFFD, as at the end of a stream; all of its three
 * bytes must come out before the failure, also when the text layer's
 * read has room for fewer (windows of 1 and 2 bytes). */
static int failure_case(const char *enc, const char *tail, size_t taillen, const char *out)
{
    struct via v = {VIA_GZIP_ENCODING, enc, NULL};
    int form = -1;
    for (int f = 0; f < NFORM; f++)
        if (strcmp(enc, form_name[f]) == 0)
            form = f;
    reset();
    for (int r = 0; r < 40; r++) {
        for (const char *c = "some text "; *c; c++) {
            if (form >= 0)
                put_form(&in, form, (unsigned char)*c);
            else
                buf_byte(&in, (unsigned char)*c);
            buf_byte(&want, (unsigned char)*c);
        }
    }
    in_bytes(tail, taillen);
    want_str(out);
    if (make_gzip(in.p, in.len) < 0) {
        snprintf(why, sizeof why, "gzip failed");
        return -1;
    }
    char chain[64];
    snprintf(chain, sizeof chain, "memory gzip %s", form >= 0 ? enc : "iconv");
    /* the member without its 8-byte trailer */
    return ways_check(zbuf.p, zbuf.len - 8, &v, NULL, want.p, want.len, chain, BS_OK, 0,
                      BS_EFORMAT, "gzip");
}

static void test_failure_below(void)
{
    static const struct {
        const char *enc;
        const char *tail;   /* input after the text */
        size_t taillen;
        const char *out;    /* what it becomes */
    } tails[] = {
        /* complete: nothing added */
        {"utf-16le", "\xe9\x00", 2, "\xc3\xa9"},
        {"latin1", "\xe9", 1, "\xc3\xa9"},
        {"shift_jis", "\x93\xfa", 2, "\xe6\x97\xa5"},
        /* incomplete: U+FFFD */
        {"utf-16le", "A", 1, "\xef\xbf\xbd"},                /* an odd byte */
        {"utf-16le", "\x3d\xd8", 2, "\xef\xbf\xbd"},         /* a high surrogate */
        {"utf-16be", "\xd8\x3d\xde", 3,                       /* a pair cut after 3 */
         "\xef\xbf\xbd\xef\xbf\xbd"},                        /* bytes: lone + odd */
        {"utf-32le", "A\x00", 2, "\xef\xbf\xbd"},             /* half a unit */
        {"utf-32be", "\x00\x01\xf6", 3, "\xef\xbf\xbd"},     /* three quarters */
        {"shift_jis", "\x82", 1, "\xef\xbf\xbd"},             /* a lead byte */
    };
    for (size_t k = 0; k < sizeof tails / sizeof tails[0]; k++)
        CHECK_WAYS(failure_case(tails[k].enc, tails[k].tail, tails[k].taillen, tails[k].out));
}

/* The same for a letter iconv holds back for a point that may follow
 * (CP1255): at the end of the stream it is let out (test_iconv); when the
 * layer below fails instead, it is a byte decoded before the failure, and
 * comes out before it too. */
static void test_failure_below_held(void)
{
    CHECK_WAYS(failure_case("CP1255", "\xe0", 1, "\xd7\x90"));
    CHECK_WAYS(failure_case("CP1258", "A\xcc\xd2", 3, "\xc3\x80\xcc\x89"));
}

/* Only the Unicode layers remove a BOM (libsrc.h: "the five Unicode ones
 * also remove a byte order mark"): what iconv makes of one is kept, here
 * gb18030's and UTF-8's U+FEFF. */
static void test_iconv_bom(void)
{
    static const struct {
        const char *cs, *in;
        size_t len;
    } bom[] = {
        {"gb18030", "\x84\x31\x95\x33" "a\xc8\xd5", 7},
        {"UTF-8", "\xef\xbb\xbf" "a\xe6\x97\xa5", 7},
    };
    for (size_t k = 0; k < sizeof bom / sizeof bom[0]; k++) {
        struct via v = {VIA_ICONV, bom[k].cs, NULL};
        const char *out = "\xef\xbb\xbf" "a\xe6\x97\xa5";
        CHECK_WAYS(all_ways(bom[k].in, bom[k].len, &v, NULL, out, strlen(out), "memory iconv",
                            BS_OK));
    }
}

/* Readahead over text layers: a large latin1 text by iconv, and a large
 * UTF-16 gzip, decode as they do without it. */
static const struct way ra_ways[] = {
    {UNDER_NONE, 0, DRAIN_WHOLE},   {UNDER_CHUNKS, 0, DRAIN_WHOLE},
    {UNDER_TRICKLE, 0, DRAIN_WHOLE}, {UNDER_NONE, 5, DRAIN_WHOLE},
    {UNDER_NONE, 1, DRAIN_GROW},
};

/* (gzip read one byte at a time is slow under the sanitizers, and is
 * tested in unit_layers: `trickle` 0 leaves that way out) */
static int ra_check(const void *data, size_t len, const bs_options *opt, const char *chain,
                    int trickle)
{
    char ra_chain[96];
    snprintf(ra_chain, sizeof ra_chain, "%s readahead", chain);
    for (size_t i = 0; i < sizeof ra_ways / sizeof ra_ways[0]; i++) {
        if (!trickle && ra_ways[i].under == UNDER_TRICKLE)
            continue;
        for (int ra = 0; ra < 2; ra++) {
            int rc = decode(data, len, &DETECT, opt, &ra_ways[i], ra);
            if (rc != BS_END || dec_err[0] || !same_as(big.p, big.len) ||
                strcmp(dec_chain, ra ? ra_chain : chain) != 0 || (ra && dec_ra != 1)) {
                char how[96];
                snprintf(how, sizeof how, "%s window %zu%s, readahead %s (gave %d)",
                         under_name[ra_ways[i].under], ra_ways[i].window,
                         ra_ways[i].drain == DRAIN_GROW ? " grow" : "", ra ? "on" : "off", dec_ra);
                say_why(how, rc, big.p, big.len, data, len);
                return -1;
            }
        }
    }
    return 0;
}

static void test_readahead(void)
{
    /* latin1, 1.5 MiB, in memory: iconv has work enough for a thread */
    reset();
    big.len = 0;
    while (in.len < ((size_t)3 << 19)) {
        uint32_t r = rnd();
        unsigned c = r % 5 == 0 ? 0xA0 + (r >> 8) % 96 : r % 41 == 0 ? '\n' : 'a' + (r >> 8) % 26;
        buf_byte(&in, c);
        put8(&big, c);
    }
    bs_options o;
    bs_options_init(&o);
    snprintf(o.encoding, sizeof o.encoding, "latin1");
    CHECK_WAYS(ra_check(in.p, in.len, &o, "memory iconv", 1));

    /* a UTF-16LE gzip of more than 1 MiB: random CJK, ASCII and pairs */
    reset();
    big.len = 0;
    put_form(&in, U16LE, 0xFEFF);
    while (in.len < ((size_t)5 << 19)) {
        uint32_t r = rnd(), c;
        if (r % 10 < 6)
            c = 0x4E00 + (r >> 8) % 20992;
        else if (r % 10 < 9)
            c = 'a' + (r >> 8) % 26;
        else
            c = 0x1F600 + (r >> 8) % 80;
        put_form(&in, U16LE, c);
        put8(&big, c);
    }
    CHECK(make_gzip(in.p, in.len) == 0);
    CHECK(zbuf.len > ((size_t)1 << 20));
    CHECK_WAYS(ra_check(zbuf.p, zbuf.len, NULL, "memory gzip utf-16le", 0));
}

int main(void)
{
    RUN(test_bom_detect);
    RUN(test_explicit_push);
    RUN(test_non_ascii);
    RUN(test_invalid);
    RUN(test_split_pair);
    RUN(test_bom_only);
    RUN(test_guess);
    RUN(test_gzip_utf16);
    RUN(test_iconv);
    RUN(test_failure_below);
    RUN(test_failure_below_held);
    RUN(test_iconv_bom);
    RUN(test_readahead);
    free(in.p);
    free(want.p);
    free(big.p);
    free(zbuf.p);
    free(dec.p);
    return 0;
}
