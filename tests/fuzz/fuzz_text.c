/* libFuzzer harness for the text layers: utf-8 (BOM strip), utf-16le/be
 * and utf-32le/be (the library's own converters), iconv charsets, the
 * names bs_push_encoding takes, and bs_detect's text step (BOM, the UTF-16
 * guess, opt.encoding).
 *
 * Input: byte 0 picks the chain, byte 1 seeds how the input is split and
 * read; the rest is the data.  Byte 0's low nibble (pick_chain):
 *   0..3  bs_push utf-16le, utf-16be, utf-32le, utf-32be
 *   4     bs_push utf-8 (BOM removed, the rest passed through)
 *   5..8  bs_push_iconv cp1252, shift_jis, gb18030, iso-2022-jp
 *   9     bs_detect, default options (BS_TEXT_BOM if the high nibble is odd)
 *   10    bs_detect with opt.encoding = names[high nibble]
 *   11    the same under BS_TEXT_BOM
 *   12-14 bs_push_encoding(names[high nibble])
 *   15    bs_push_encoding(more_names[high nibble])  Every input is
 * decoded five ways: straight from memory in one window; through a layer
 * that hands the input out in random chunks (1..64 bytes, now and then up
 * to 4 KiB) read with varied peek sizes and bs_read; through a layer that
 * trickles it one byte at a time with opt.window 1..7, so that the text
 * layer's read() is given a cap of a few bytes (its pending-output path);
 * from memory with a tiny window and varied peeks; and in chunks of 1..7
 * bytes with a tiny window.
 *
 * Invariants (each violation aborts with a message):
 *  - the usual stream contract: BS_OK with bytes, BS_END with none (and it
 *    sticks), a window shorter than asked only at the end, bs_tell follows
 *    the bytes consumed, bs_read counts;
 *  - over a memory base these layers never fail: every decoding ends with
 *    BS_END, whatever the bytes;
 *  - the five decodings give identical bytes;
 *  - the output is valid UTF-8 (strict: no overlong forms, surrogates or
 *    values above U+10FFFF) for every layer but the utf-8 pass-through;
 *  - utf-16le/be, utf-32le/be: the output is that of the scalar reference
 *    decoder below (BOM removed at the start only, lone surrogate, value
 *    above U+10FFFF or surrogate in UTF-32 -> U+FFFD, an incomplete unit
 *    at the end -> one U+FFFD); for valid input it is also glibc iconv's
 *    (UTF-16LE/BE, UTF-32LE/BE, with one leading U+FEFF removed);
 *  - utf-8: the input without a leading EF BB BF;
 *  - iconv: the output of converting the whole input with one iconv(3)
 *    call sequence where a byte iconv refuses (or a sequence the input
 *    ends inside) becomes U+FFFD and the next byte is tried, the state
 *    starting over after it; characters iconv has taken are never lost
 *    (the converter is flushed before the U+FFFD and at the end);
 *  - bs_detect: the chain it builds is the documented one: a BOM's layer,
 *    else opt.encoding's, else (BS_TEXT_AUTO) the UTF-16 guess worked out
 *    here from the rule in libsrc.h on the bytes the layer below held (512
 *    bytes, then 4 KiB, or all there is); its return value counts the
 *    layers pushed.  Where detection finds a compression layer first only
 *    the agreement of the decodings that built the same chain is checked.
 *
 * FUZZ_TEXT_STRICT_GUESS=1 also holds the UTF-16 guess to "no unpaired
 * surrogate" for a high surrogate in the last unit of all the data there
 * is (the guess accepts one as possibly split by the 4 KiB sample).
 * FUZZ_TEXT_SKIP=utf-7 leaves out the charsets named (iconv and
 * opt.encoding names, compared without regard to case), to fuzz on past a
 * failure already known in them. */
#include "bs_private.h"

#include <errno.h>
#include <iconv.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* ---------------------------------------------------------------- output */

struct out {
    unsigned char *p;
    size_t len, cap;
};

static void reserve(struct out *o, size_t n)
{
    if (o->cap - o->len >= n)
        return;
    size_t nc = o->cap ? o->cap : 65536;
    while (nc - o->len < n)
        nc *= 2;
    unsigned char *q = realloc(o->p, nc);
    if (!q)
        abort();
    o->p = q;
    o->cap = nc;
}

static void put(struct out *o, const void *p, size_t n)
{
    if (n == 0)
        return;
    reserve(o, n);
    memcpy(o->p + o->len, p, n);
    o->len += n;
}

static void put_cp(struct out *o, uint32_t c)
{
    unsigned char b[4];
    size_t n;
    if (c < 0x80) {
        b[0] = (unsigned char)c;
        n = 1;
    } else if (c < 0x800) {
        b[0] = (unsigned char)(0xC0 | c >> 6);
        b[1] = (unsigned char)(0x80 | (c & 0x3F));
        n = 2;
    } else if (c < 0x10000) {
        b[0] = (unsigned char)(0xE0 | c >> 12);
        b[1] = (unsigned char)(0x80 | ((c >> 6) & 0x3F));
        b[2] = (unsigned char)(0x80 | (c & 0x3F));
        n = 3;
    } else {
        b[0] = (unsigned char)(0xF0 | c >> 18);
        b[1] = (unsigned char)(0x80 | ((c >> 12) & 0x3F));
        b[2] = (unsigned char)(0x80 | ((c >> 6) & 0x3F));
        b[3] = (unsigned char)(0x80 | (c & 0x3F));
        n = 4;
    }
    put(o, b, n);
}

/* ------------------------------------------------------------- messages */

static const uint8_t *g_input;
static size_t g_input_len;
static const char *g_what = "";

static void dump_hex(const char *label, const unsigned char *p, size_t n)
{
    fprintf(stderr, "%s (%zu bytes):", label, n);
    for (size_t i = 0; i < n && i < 96; i++)
        fprintf(stderr, " %02x", p[i]);
    fprintf(stderr, n > 96 ? " ...\n" : "\n");
}

static void fail(const char *fmt, ...) __attribute__((format(printf, 1, 2), noreturn));
static void fail(const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    fprintf(stderr, "fuzz_text: invariant broken (%s): ", g_what);
    vfprintf(stderr, fmt, ap);
    fprintf(stderr, "\n");
    va_end(ap);
    if (g_input)
        dump_hex("input (selector, seed, data)", g_input, g_input_len);
    abort();
}

/* Where two byte strings first differ, shown with some context. */
static void fail_differ(const char *what, const struct out *a, const char *an,
                        const struct out *b, const char *bn)
{
    size_t k = 0;
    while (k < a->len && k < b->len && a->p[k] == b->p[k])
        k++;
    size_t from = k > 16 ? k - 16 : 0;
    fprintf(stderr, "fuzz_text: %s: %s has %zu bytes, %s has %zu; first difference at %zu\n",
            what, an, a->len, bn, b->len, k);
    dump_hex(an, a->p + from, a->len - from < 48 ? a->len - from : 48);
    dump_hex(bn, b->p + from, b->len - from < 48 ? b->len - from : 48);
    fail("%s", what);
}

static void same(const char *what, const struct out *a, const char *an, const struct out *b,
                 const char *bn)
{
    if (a->len != b->len || (a->len && memcmp(a->p, b->p, a->len) != 0))
        fail_differ(what, a, an, b, bn);
}

/* ------------------------------------------------------- UTF-8 validity */

/* The offset of the first byte that is not part of well-formed UTF-8
 * (Unicode table 3-7), or n if all of p[0..n) is. */
static size_t utf8_bad(const unsigned char *p, size_t n)
{
    size_t i = 0;
    while (i < n) {
        unsigned c = p[i];
        if (c < 0x80) {
            i++;
            continue;
        }
        size_t len;
        unsigned lo = 0x80, hi = 0xBF;
        if (c >= 0xC2 && c <= 0xDF)
            len = 2;
        else if (c >= 0xE0 && c <= 0xEF) {
            len = 3;
            if (c == 0xE0)
                lo = 0xA0;
            if (c == 0xED)
                hi = 0x9F;
        } else if (c >= 0xF0 && c <= 0xF4) {
            len = 4;
            if (c == 0xF0)
                lo = 0x90;
            if (c == 0xF4)
                hi = 0x8F;
        } else
            return i;
        if (n - i < len)
            return i;
        if (p[i + 1] < lo || p[i + 1] > hi)
            return i;
        for (size_t k = 2; k < len; k++)
            if (p[i + k] < 0x80 || p[i + k] > 0xBF)
                return i;
        i += len;
    }
    return n;
}

static void check_utf8(const struct out *o, const char *who)
{
    size_t bad = utf8_bad(o->p, o->len);
    if (bad != o->len) {
        size_t from = bad > 8 ? bad - 8 : 0;
        dump_hex("output around it", o->p + from, o->len - from < 24 ? o->len - from : 24);
        fail("%s: output is not valid UTF-8 at byte %zu of %zu", who, bad, o->len);
    }
}

/* ------------------------------------------------- reference decoders */

enum kind { K_RAW, K_UTF8, K_U16LE, K_U16BE, K_U32LE, K_U32BE, K_ICONV };

static const char *const kind_layer[] = {NULL, "utf-8", "utf-16le", "utf-16be",
                                         "utf-32le", "utf-32be", "iconv"};

static uint32_t ld16(const uint8_t *p, int be)
{
    return be ? (uint32_t)p[0] << 8 | p[1] : (uint32_t)p[1] << 8 | p[0];
}

static uint32_t ld32(const uint8_t *p, int be)
{
    return be ? (uint32_t)p[0] << 24 | (uint32_t)p[1] << 16 | (uint32_t)p[2] << 8 | p[3]
              : (uint32_t)p[3] << 24 | (uint32_t)p[2] << 16 | (uint32_t)p[1] << 8 | p[0];
}

/* One unit at a time, as the standard says (D91, D92). */
static void ref_utf16(const uint8_t *d, size_t n, int be, struct out *o)
{
    size_t i = 0;
    if (n >= 2 && ld16(d, be) == 0xFEFF)
        i = 2;
    while (n - i >= 2) {
        uint32_t u = ld16(d + i, be);
        i += 2;
        if (u >= 0xD800 && u <= 0xDBFF) {
            if (n - i >= 2) {
                uint32_t v = ld16(d + i, be);
                if (v >= 0xDC00 && v <= 0xDFFF) {
                    i += 2;
                    put_cp(o, 0x10000 + ((u - 0xD800) << 10) + (v - 0xDC00));
                    continue;
                }
            }
            put_cp(o, 0xFFFD);   /* high surrogate without a low one */
        } else if (u >= 0xDC00 && u <= 0xDFFF) {
            put_cp(o, 0xFFFD);   /* low surrogate on its own */
        } else {
            put_cp(o, u);
        }
    }
    if (i < n)
        put_cp(o, 0xFFFD);   /* an odd byte at the end */
}

static void ref_utf32(const uint8_t *d, size_t n, int be, struct out *o)
{
    size_t i = 0;
    if (n >= 4 && ld32(d, be) == 0xFEFF)
        i = 4;
    while (n - i >= 4) {
        uint32_t c = ld32(d + i, be);
        i += 4;
        put_cp(o, c > 0x10FFFF || (c >= 0xD800 && c <= 0xDFFF) ? 0xFFFD : c);
    }
    if (i < n)
        put_cp(o, 0xFFFD);   /* 1 to 3 bytes at the end */
}

static int valid_utf16(const uint8_t *d, size_t n, int be)
{
    if (n % 2)
        return 0;
    for (size_t i = 0; i < n; i += 2) {
        uint32_t u = ld16(d + i, be);
        if (u >= 0xDC00 && u <= 0xDFFF)
            return 0;
        if (u >= 0xD800 && u <= 0xDBFF) {
            if (n - i < 4)
                return 0;
            uint32_t v = ld16(d + i + 2, be);
            if (v < 0xDC00 || v > 0xDFFF)
                return 0;
            i += 2;
        }
    }
    return 1;
}

static int valid_utf32(const uint8_t *d, size_t n, int be)
{
    if (n % 4)
        return 0;
    for (size_t i = 0; i < n; i += 4) {
        uint32_t c = ld32(d + i, be);
        if (c > 0x10FFFF || (c >= 0xD800 && c <= 0xDFFF))
            return 0;
    }
    return 1;
}

/* iconv descriptors to UTF-8, opened once per charset. */
struct cd_cache {
    char name[32];
    iconv_t cd;
};
static struct cd_cache cds[32];

static iconv_t get_cd(const char *cs)
{
    for (size_t i = 0; i < sizeof cds / sizeof cds[0]; i++) {
        if (cds[i].name[0] && strcmp(cds[i].name, cs) == 0)
            return cds[i].cd;
        if (!cds[i].name[0]) {
            snprintf(cds[i].name, sizeof cds[i].name, "%s", cs);
            cds[i].cd = iconv_open("UTF-8", cs);
            return cds[i].cd;
        }
    }
    abort();
}

/* Calls iconv on the rest of *ip, growing o as needed.  Returns 0 when all
 * of it was converted, or the errno (EILSEQ, EINVAL) iconv stopped with. */
static int iconv_all(iconv_t cd, char **ip, size_t *il, struct out *o)
{
    for (;;) {
        reserve(o, *il * 4 + 64);
        char *op = (char *)o->p + o->len;
        size_t ol = o->cap - o->len;
        size_t r = iconv(cd, ip, il, &op, &ol);
        int e = errno;
        o->len = o->cap - ol;
        if (r != (size_t)-1)
            return 0;
        if (e != E2BIG)
            return e;
    }
}

/* Flushes what a converter holds (glibc's CP1255, CP1258 and TCVN keep a
 * base character back until they know no combining mark follows) and puts
 * it back in the initial state. */
static void iconv_flush(iconv_t cd, struct out *o)
{
    reserve(o, 64);
    char *op = (char *)o->p + o->len;
    size_t ol = o->cap - o->len;
    iconv(cd, NULL, NULL, &op, &ol);
    o->len = o->cap - ol;
}

/* The whole input at once; a refused byte, or a sequence cut by the end
 * of the input, becomes U+FFFD and conversion starts over after it. */
static void ref_iconv(iconv_t cd, const uint8_t *d, size_t n, struct out *o)
{
    iconv(cd, NULL, NULL, NULL, NULL);
    char *ip = (char *)d;
    size_t il = n;
    while (il) {
        if (iconv_all(cd, &ip, &il, o) == 0)
            break;
        iconv_flush(cd, o);
        put_cp(o, 0xFFFD);
        ip++;
        il--;
    }
    iconv_flush(cd, o);
}

/* glibc's own decoding of valid UTF-16/32, one leading U+FEFF removed
 * where the input starts with the BOM (glibc keeps it as a character for
 * the byte-order-specific names). */
static void glibc_unicode(const char *cs, const uint8_t *d, size_t n, int bom, struct out *o)
{
    iconv_t cd = get_cd(cs);
    if (cd == (iconv_t)-1)
        fail("iconv_open(\"UTF-8\", \"%s\") failed", cs);
    iconv(cd, NULL, NULL, NULL, NULL);
    char *ip = (char *)d;
    size_t il = n;
    int e = iconv_all(cd, &ip, &il, o);
    if (e)
        fail("glibc refused valid %s (errno %d at byte %zu)", cs, e, n - il);
    if (bom) {
        if (o->len < 3 || memcmp(o->p, "\xEF\xBB\xBF", 3) != 0)
            fail("glibc %s did not keep the BOM as U+FEFF", cs);
        memmove(o->p, o->p + 3, o->len - 3);
        o->len -= 3;
    }
}

static void reference(enum kind k, const char *cs, const uint8_t *d, size_t n, struct out *o)
{
    o->len = 0;
    switch (k) {
    case K_RAW:
        put(o, d, n);
        break;
    case K_UTF8:
        if (n >= 3 && memcmp(d, "\xEF\xBB\xBF", 3) == 0)
            put(o, d + 3, n - 3);
        else
            put(o, d, n);
        break;
    case K_U16LE:
    case K_U16BE:
        ref_utf16(d, n, k == K_U16BE, o);
        break;
    case K_U32LE:
    case K_U32BE:
        ref_utf32(d, n, k == K_U32BE, o);
        break;
    case K_ICONV:
        ref_iconv(get_cd(cs), d, n, o);
        break;
    }
}

/* ------------------------------------------------ the UTF-16 guess rule */

/* libsrc.h, bs_detect: the first 512 bytes, then the first 4 KiB (the
 * layer below then holds that much, or all there is), read as UTF-16 in
 * one byte order, are code units that are all characters of
 * text (no U+0000, no C0 control but HT LF VT FF CR ESC, no unpaired
 * surrogate, no U+FFFE or U+FFFF), at least half of them and at least two
 * ASCII.  `all` says the held bytes are the whole stream, so that a high
 * surrogate in the last unit of the sample is unpaired for sure. */
static int strict_guess;
static char skip_list[256];   /* ",name,name," in lower case */

static int skipped(const char *cs)
{
    if (!cs || !skip_list[0])
        return 0;
    char key[72];
    size_t k = 0;
    key[k++] = ',';
    for (; *cs && k + 2 < sizeof key; cs++)
        key[k++] = (char)(*cs >= 'A' && *cs <= 'Z' ? *cs - 'A' + 'a' : *cs);
    key[k++] = ',';
    key[k] = 0;
    return strstr(skip_list, key) != NULL;
}

static int ref_looks16(const uint8_t *p, size_t held, int all, int be)
{
    size_t bytes = held < 4096 ? held : 4096;
    size_t units = bytes / 2, ascii = 0;
    if (units < 2)
        return 0;
    for (size_t i = 0; i < units; i++) {
        uint32_t u = ld16(p + 2 * i, be);
        if (u < 0x80) {
            if (u < 0x20 && u != 9 && u != 10 && u != 11 && u != 12 && u != 13 && u != 0x1B)
                return 0;
            ascii++;
        } else if (u >= 0xD800 && u <= 0xDBFF) {
            if (i + 1 == units) {
                /* the low half may lie past the sample */
                if (strict_guess && all && bytes == held)
                    return 0;
                break;
            }
            uint32_t v = ld16(p + 2 * i + 2, be);
            if (v < 0xDC00 || v > 0xDFFF)
                return 0;
            i++;
        } else if ((u >= 0xDC00 && u <= 0xDFFF) || u >= 0xFFFE) {
            return 0;
        }
    }
    return ascii >= 2 && ascii * 2 >= units;
}

/* ----------------------------------------------------- charset names */

/* The names bs_push_encoding and opt.encoding may be given, with what the
 * library must make of them (its own converter, or iconv). */
struct name {
    const char *name;
    enum kind kind;
};

static const struct name names[16] = {
    {"utf-16le", K_U16LE},  {"UTF-16BE", K_U16BE},   {"utf32le", K_U32LE},
    {"UTF_32BE", K_U32BE},  {"utf-8", K_UTF8},       {"utf-16", K_U16LE},
    {"cp1252", K_ICONV},    {"shift_jis", K_ICONV},  {"gb18030", K_ICONV},
    {"iso-2022-jp", K_ICONV}, {"latin1", K_ICONV},   {"koi8-r", K_ICONV},
    {"UTF-32", K_U32LE},    {"Utf8", K_UTF8},        {"EUC-JP", K_ICONV},
    {"big5", K_ICONV},
};

/* More names for bs_push_encoding alone. */
static const struct name more_names[16] = {
    {"utf8", K_UTF8},     {"UTF-8", K_UTF8},        {"utf-16", K_U16LE},
    {"UTF_16_BE", K_U16BE}, {"Utf-32", K_U32LE},    {"utf32be", K_U32BE},
    {"UTF-16LE", K_U16LE}, {"cp932", K_ICONV},      {"ISO-2022-KR", K_ICONV},
    {"cp1258", K_ICONV},   {"UTF-7", K_ICONV},      {"EUC-KR", K_ICONV},
    {"cp1255", K_ICONV},   {"ISO-2022-JP-3", K_ICONV}, {"windows-1251", K_ICONV},
    {"UTF-32BE", K_U32BE},
};

/* ------------------------------------------------------------- chains */

enum how { PUSH, ICONV, ENCODING, DETECT };

struct chain {
    enum how how;
    const char *name;   /* PUSH: the layer; ICONV, ENCODING: the charset */
    enum kind kind;     /* what the layer must be (not for DETECT) */
    int text;           /* DETECT: opt.text */
    const char *encoding; /* DETECT: opt.encoding, "" for none */
};

/* Byte 0's low nibble. */
static void pick_chain(unsigned sel, struct chain *c)
{
    unsigned lo = sel & 15, hi = sel >> 4;
    memset(c, 0, sizeof *c);
    c->encoding = "";
    switch (lo) {
    case 0: *c = (struct chain){PUSH, "utf-16le", K_U16LE, 0, ""}; break;
    case 1: *c = (struct chain){PUSH, "utf-16be", K_U16BE, 0, ""}; break;
    case 2: *c = (struct chain){PUSH, "utf-32le", K_U32LE, 0, ""}; break;
    case 3: *c = (struct chain){PUSH, "utf-32be", K_U32BE, 0, ""}; break;
    case 4: *c = (struct chain){PUSH, "utf-8", K_UTF8, 0, ""}; break;
    case 5: *c = (struct chain){ICONV, "cp1252", K_ICONV, 0, ""}; break;
    case 6: *c = (struct chain){ICONV, "shift_jis", K_ICONV, 0, ""}; break;
    case 7: *c = (struct chain){ICONV, "gb18030", K_ICONV, 0, ""}; break;
    case 8: *c = (struct chain){ICONV, "iso-2022-jp", K_ICONV, 0, ""}; break;
    case 9:   /* default options; BS_TEXT_BOM for an odd high nibble */
        *c = (struct chain){DETECT, NULL, K_RAW, hi & 1 ? BS_TEXT_BOM : BS_TEXT_AUTO, ""};
        break;
    case 10:  /* opt.encoding set, from the high nibble */
    case 11:  /* the same under BS_TEXT_BOM */
        *c = (struct chain){DETECT, NULL, K_RAW, lo == 11 ? BS_TEXT_BOM : BS_TEXT_AUTO,
                            names[hi].name};
        break;
    case 12: case 13: case 14:   /* bs_push_encoding */
        *c = (struct chain){ENCODING, names[hi].name, names[hi].kind, 0, ""};
        break;
    default:
        *c = (struct chain){ENCODING, more_names[hi].name, more_names[hi].kind, 0, ""};
        break;
    }
}

/* ---------------------------------------------------- the split layers */

static uint32_t next_rand(uint32_t *x)
{
    *x ^= *x << 13;
    *x ^= *x >> 17;
    *x ^= *x << 5;
    return *x;
}

enum { SPLIT_NONE, SPLIT_RANDOM, SPLIT_TRICKLE, SPLIT_SMALL };

struct chunker {
    int mode;
    uint32_t rnd;
};

/* Hands out the layer below in pieces: as fuzz_layers.c (1 to 64 bytes,
 * now and then up to 4 KiB), one byte at a time, or 1 to 7 bytes. */
static int chunk_read(struct bs_layer *l, unsigned char *dst, size_t cap, size_t *got)
{
    struct chunker *c = l->state;
    const unsigned char *p;
    size_t n;
    int rc = bs_layer_peek(l->below, 1, &p, &n);
    if (rc != BS_OK)
        return rc;
    uint32_t r = next_rand(&c->rnd);
    size_t want;
    if (c->mode == SPLIT_TRICKLE)
        want = 1;
    else if (c->mode == SPLIT_SMALL)
        want = 1 + (r >> 8) % 7;
    else
        want = r % 16 == 0 ? 1 + (r >> 8) % 4096 : 1 + (r >> 8) % 64;
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

/* ------------------------------------------------------------ decoding */

struct variant {
    const char *what;
    int split;      /* SPLIT_* */
    size_t window;  /* opt.window, 0 for the default */
    int reads;      /* 0: peek 1, consume all; 1: varied peeks; 2: bs_read; 3: mixed */
};

#define MAX_CHAIN 8

struct result {
    struct out out;
    int rc;
    int detected;                 /* bs_detect's return */
    int nchain;                   /* layers above the base and the splitter */
    const char *chain[MAX_CHAIN]; /* their names */
    char label[BS_LABELMAX];      /* the top layer's label */
    int nontext;                  /* a layer in the chain is not a text layer */
    /* what the text step of detection looked at */
    const unsigned char *sample;
    size_t held;
    int held_all;                 /* the held bytes are all the stream */
    unsigned char sample_copy[4096];
};

static void decode(const uint8_t *data, size_t len, const struct chain *ch,
                   const struct variant *v, uint32_t seed, struct result *r)
{
    g_what = v->what;
    r->out.len = 0;
    r->rc = 0;
    r->detected = 0;
    r->nchain = 0;
    r->label[0] = 0;
    r->nontext = 0;
    r->held = 0;
    r->held_all = 0;
    bs_options o;
    bs_options_init(&o);
    o.decode_floor = (uint64_t)1 << 20;
    o.decode_ratio = 64;
    o.window_max = (size_t)1 << 20;
    o.xz_memlimit = (uint64_t)32 << 20;
    o.zstd_window_log_max = 24;
    o.threads = 1;
    if (v->window)
        o.window = v->window;
    if (ch->how == DETECT) {
        o.text = ch->text;
        snprintf(o.encoding, sizeof o.encoding, "%s", ch->encoding);
    }
    byte_source *s;
    if (bs_open_memory(&s, data, len, "fuzz", &o) != BS_OK)
        fail("bs_open_memory failed: %s", bs_error(s));
    struct chunker c = {v->split, seed ? seed : 0x9e3779b9u};
    uint32_t rnd = c.rnd ^ 0x5bd1e995u;
    int base = 1;
    if (v->split != SPLIT_NONE) {
        struct bs_layer *l;
        if (bs_layer_add(s, &chunk_ops, &l) != BS_OK)
            abort();
        l->state = &c;
        base = 2;
    }
    int rc;
    switch (ch->how) {
    case PUSH:
        rc = bs_push(s, ch->name);
        if (rc != BS_OK)
            fail("bs_push(%s) returned %d: %s", ch->name, rc, bs_error(s));
        break;
    case ICONV:
        rc = bs_push_iconv(s, ch->name);
        if (rc != BS_OK)
            fail("bs_push_iconv(%s) returned %d: %s", ch->name, rc, bs_error(s));
        break;
    case ENCODING:
        rc = bs_push_encoding(s, ch->name);
        if (rc != BS_OK)
            fail("bs_push_encoding(%s) returned %d: %s", ch->name, rc, bs_error(s));
        break;
    case DETECT:
        rc = bs_detect(s, BS_DEPTH_DEFAULT);
        r->detected = rc;
        if (rc < 0 && !bs_error(s)[0])
            fail("bs_detect failed without a message");
        if (rc >= 0 && bs_layer_count(s) != base + rc)
            fail("bs_detect returned %d but the chain grew by %d", rc,
                 bs_layer_count(s) - base);
        if (rc >= 0) {
            /* what the text step saw: the top before a text layer */
            struct bs_layer *t = s->top;
            if (t->ops->flags & BS_OPS_TEXT)
                t = t->below;
            if (t->direct) {
                r->sample = t->direct + t->dpos;
                r->held = t->dlen - t->dpos;
                r->held_all = 1;
            } else {
                r->sample = t->buf ? t->buf + t->start : NULL;
                r->held = t->end - t->start;
                r->held_all = t->eof;
            }
            /* the utf-8 layer consumed its BOM when it was pushed; the
             * bytes are still there just before */
            if (s->top != t && !s->top->ops->read && t->consumed >= 3) {
                r->sample -= 3;
                r->held += 3;
            }
            size_t k = r->held < sizeof r->sample_copy ? r->held : sizeof r->sample_copy;
            if (k)
                memcpy(r->sample_copy, r->sample, k);
            r->sample = r->sample_copy;
        }
        break;
    }
    for (int i = base; i < bs_layer_count(s) && r->nchain < MAX_CHAIN; i++) {
        r->chain[r->nchain++] = bs_layer_name(s, i);
        if (!(s->layers[i]->ops->flags & BS_OPS_TEXT))
            r->nontext = 1;
    }
    snprintf(r->label, sizeof r->label, "%s", bs_layer_label(s, bs_layer_count(s) - 1));

    size_t min = 1;
    size_t short_at = SIZE_MAX;   /* where a window came short of min */
    for (;;) {
        uint32_t x = next_rand(&rnd);
        int how = v->reads == 3 ? (int)(x % 3) : v->reads;
        const void *p;
        size_t n;
        if (how == 2) {
            unsigned char buf[4096];
            size_t want = 1 + (x >> 4) % (x & 0x100 ? 7 : sizeof buf);
            rc = bs_read(s, buf, want, &n);
            if (rc == BS_OK && (n == 0 || n > want))
                fail("bs_read gave BS_OK with %zu bytes for %zu", n, want);
            if (rc != BS_OK && n != 0)
                fail("bs_read gave %zu bytes with status %d", n, rc);
            put(&r->out, buf, n);
        } else {
            size_t asked = min;
            rc = bs_peek(s, asked, &p, &n);
            if (rc == BS_OK && (n == 0 || !p))
                fail("BS_OK with an empty window");
            if (rc == BS_END && n != 0)
                fail("BS_END with %zu bytes", n);
            if (rc == BS_OK) {
                if (n < asked) {
                    /* only at the end: every short window ends there */
                    if (short_at != SIZE_MAX && short_at != r->out.len + n)
                        fail("windows shorter than asked end at %zu and %zu", short_at,
                             r->out.len + n);
                    short_at = r->out.len + n;
                }
                size_t k = how == 0 ? n : 1 + (x >> 4) % n;
                put(&r->out, p, k);
                if (bs_consume(s, k) != BS_OK)
                    fail("consume of %zu bytes of a %zu-byte window failed", k, n);
                min = how == 0 ? 1 : 1 + (x >> 20) % ((n - k) % 65536 + 64);
            } else if (rc < 0 && n) {
                put(&r->out, p, n);
                if (bs_consume(s, n) != BS_OK)
                    fail("consume of the bytes before a failure failed");
            }
        }
        if (rc == BS_END)
            break;
        if (rc < 0)
            break;
        if (rc != BS_OK)
            fail("status %d is none of BS_OK, BS_END, negative", rc);
        if (bs_tell(s) != r->out.len)
            fail("bs_tell says %llu, %zu bytes were consumed", (unsigned long long)bs_tell(s),
                 r->out.len);
    }
    r->rc = rc;
    if (rc == BS_END) {
        const void *p;
        size_t n;
        if (bs_peek(s, 1, &p, &n) != BS_END || n != 0)
            fail("BS_END did not stick");
        if (short_at != SIZE_MAX && short_at != r->out.len)
            fail("a window shorter than asked %zu bytes before the end", r->out.len - short_at);
    } else if (rc < 0 && !r->nontext) {
        fail("a text layer over memory failed with %d: %s", rc, bs_error(s));
    }
    if (r->detected < 0 && rc != r->detected)
        fail("reading after bs_detect failed with %d ended with %d", r->detected, rc);
    bs_close(s);
}

/* --------------------------------------------------------- expectations */

/* Lower case, '-' and '_' dropped: how the library compares the names of
 * its own converters. */
static void squash(const char *in, char *out, size_t cap)
{
    size_t k = 0;
    for (; *in && k + 1 < cap; in++) {
        if (*in == '-' || *in == '_')
            continue;
        out[k++] = (char)(*in >= 'A' && *in <= 'Z' ? *in - 'A' + 'a' : *in);
    }
    out[k] = 0;
}

static enum kind kind_of_name(const char *name)
{
    char k[64];
    squash(name, k, sizeof k);
    if (!strcmp(k, "utf8"))
        return K_UTF8;
    if (!strcmp(k, "utf16") || !strcmp(k, "utf16le"))
        return K_U16LE;
    if (!strcmp(k, "utf16be"))
        return K_U16BE;
    if (!strcmp(k, "utf32") || !strcmp(k, "utf32le"))
        return K_U32LE;
    if (!strcmp(k, "utf32be"))
        return K_U32BE;
    return K_ICONV;
}

/* The layer a byte order mark at the start of p[0..n) calls for. */
static int bom_kind(const uint8_t *p, size_t n, enum kind *k)
{
    if (n >= 4 && !memcmp(p, "\xFF\xFE\0\0", 4))
        *k = K_U32LE;
    else if (n >= 4 && !memcmp(p, "\0\0\xFE\xFF", 4))
        *k = K_U32BE;
    else if (n >= 3 && !memcmp(p, "\xEF\xBB\xBF", 3))
        *k = K_UTF8;
    else if (n >= 2 && !memcmp(p, "\xFF\xFE", 2))
        *k = K_U16LE;
    else if (n >= 2 && !memcmp(p, "\xFE\xFF", 2))
        *k = K_U16BE;
    else
        return 0;
    return 1;
}

/* What bs_detect had to push on the bytes r says it looked at, as the
 * documentation has it; *cs is set for iconv. */
static enum kind expected_detect(const struct chain *ch, const struct result *r,
                                 const char **cs)
{
    enum kind k;
    *cs = NULL;
    /* the bid peeks 512 bytes: it sees at least min(512, all) */
    if (bom_kind(r->sample, r->held < 512 ? r->held : 512, &k))
        return k;
    if (ch->encoding[0]) {
        k = kind_of_name(ch->encoding);
        if (k == K_UTF8)
            return K_RAW;   /* UTF-8 is what no layer gives */
        if (k == K_ICONV)
            *cs = ch->encoding;
        return k;
    }
    if (ch->text != BS_TEXT_AUTO)
        return K_RAW;
    /* the first 512 bytes, then (read on only if they pass) 4 KiB */
    size_t h512 = r->held < 512 ? r->held : 512;
    for (int be = 0; be < 2; be++)
        if (ref_looks16(r->sample, h512, r->held_all && h512 == r->held, be) &&
            ref_looks16(r->sample, r->held, r->held_all, be))
            return be ? K_U16BE : K_U16LE;
    return K_RAW;
}

static void check_chain(const struct result *r, enum kind k, const char *cs)
{
    const char *want = kind_layer[k];
    int n = want ? 1 : 0;
    if (r->nchain != n || (n && strcmp(r->chain[0], want) != 0))
        fail("the chain is %d layer(s), top \"%s\"; expected %s", r->nchain,
             r->nchain ? r->chain[r->nchain - 1] : "-", want ? want : "none");
    if (k == K_ICONV && strcmp(r->label, cs) != 0)
        fail("the iconv layer's label is \"%s\", not \"%s\"", r->label, cs);
}

/* ---------------------------------------------------------------- main */

static struct result res[5];
static struct out ref, ref2;

static const char *const variant_names[5] = {
    "whole", "random chunks", "trickle, tiny window", "whole, tiny window",
    "chunks of 1..7, tiny window",
};

int LLVMFuzzerInitialize(int *argc, char ***argv)
{
    (void)argc;
    (void)argv;
    const char *e = getenv("FUZZ_TEXT_STRICT_GUESS");
    strict_guess = e && *e == '1';
    e = getenv("FUZZ_TEXT_SKIP");
    if (e && *e) {
        size_t k = 0;
        skip_list[k++] = ',';
        for (; *e && k + 2 < sizeof skip_list; e++)
            skip_list[k++] = (char)(*e >= 'A' && *e <= 'Z' ? *e - 'A' + 'a' : *e);
        skip_list[k++] = ',';
        skip_list[k] = 0;
    }
    /* every charset the harness names must be there, or the run means
     * little */
    for (size_t i = 0; i < 16; i++) {
        const struct name *t[2] = {&names[i], &more_names[i]};
        for (int j = 0; j < 2; j++)
            if (t[j]->kind == K_ICONV && get_cd(t[j]->name) == (iconv_t)-1)
                fprintf(stderr, "fuzz_text: warning: iconv does not know %s\n", t[j]->name);
    }
    return 0;
}

int LLVMFuzzerTestOneInput(const uint8_t *buf, size_t size)
{
    if (size < 2)
        return 0;
    g_input = buf;
    g_input_len = size;
    struct chain ch;
    pick_chain(buf[0], &ch);
    uint32_t seed = buf[1] * 0x01000193u + 1;
    const uint8_t *data = buf + 2;
    size_t len = size - 2;
    if (skipped(ch.how == DETECT ? ch.encoding : ch.name))
        return 0;
    if (ch.kind == K_ICONV && ch.how != DETECT && get_cd(ch.name) == (iconv_t)-1)
        return 0;   /* a charset this system's iconv lacks */
    if (ch.how == DETECT && ch.encoding[0] && kind_of_name(ch.encoding) == K_ICONV &&
        get_cd(ch.encoding) == (iconv_t)-1)
        return 0;

    uint32_t x = seed;
    struct variant vs[5];
    vs[0] = (struct variant){variant_names[0], SPLIT_NONE, 0, 0};
    next_rand(&x);
    vs[1] = (struct variant){variant_names[1], SPLIT_RANDOM, x & 8 ? 64 : 0, (int)(x & 3)};
    next_rand(&x);
    vs[2] = (struct variant){variant_names[2], SPLIT_TRICKLE, 1 + x % 7, 0};
    next_rand(&x);
    vs[3] = (struct variant){variant_names[3], SPLIT_NONE, 1 + x % 7, 1 + (int)((x >> 8) % 3)};
    next_rand(&x);
    vs[4] = (struct variant){variant_names[4], SPLIT_SMALL, 1 + x % 7, (int)((x >> 8) & 3)};

    for (int i = 0; i < 5; i++)
        decode(data, len, &ch, &vs[i], seed + (uint32_t)i, &res[i]);
    g_what = "checks";

    /* what the chain had to be */
    enum kind k = ch.kind;
    const char *cs = ch.how == ICONV || (ch.how == ENCODING && k == K_ICONV) ? ch.name : NULL;
    if (ch.how == DETECT) {
        for (int i = 0; i < 5; i++) {
            g_what = vs[i].what;
            if (res[i].nontext)
                continue;
            if (res[i].detected < 0)
                fail("bs_detect failed with %d", res[i].detected);
            if (res[i].held < 512 && !res[i].held_all)
                fail("detection looked at %zu bytes, fewer than 512 and not all", res[i].held);
            const char *dcs;
            enum kind dk = expected_detect(&ch, &res[i], &dcs);
            check_chain(&res[i], dk, dcs);
            if (i == 0) {
                k = dk;
                cs = dcs;
            }
        }
        g_what = "checks";
        /* a compression layer first: only decodings that built the same
         * chain must agree, and a converter on top still makes UTF-8 (of
         * what was decoded before a failure, too) */
        for (int i = 0; i < 5; i++) {
            if (!res[i].nontext || !res[i].nchain)
                continue;
            const char *top = res[i].chain[res[i].nchain - 1];
            g_what = vs[i].what;
            if (!strcmp(top, "iconv") || (strcmp(top, "utf-8") && !strncmp(top, "utf-", 4)))
                check_utf8(&res[i].out, top);
        }
        g_what = "checks";
        if (res[0].nontext) {
            for (int i = 1; i < 5; i++) {
                if (res[i].nchain != res[0].nchain)
                    continue;
                int eq = 1;
                for (int j = 0; j < res[0].nchain; j++)
                    eq &= strcmp(res[i].chain[j], res[0].chain[j]) == 0;
                if (!eq || res[0].rc != BS_END || res[i].rc != BS_END)
                    continue;
                same("the same chain gave different bytes", &res[0].out, vs[0].what,
                     &res[i].out, vs[i].what);
            }
            return 0;
        }
    } else {
        check_chain(&res[0], k, cs);
    }

    /* the guess may differ where less was held: compare those with a
     * decoding by the layer they chose */
    for (int i = 1; i < 5; i++) {
        if (ch.how == DETECT && (res[i].nchain != res[0].nchain ||
                                 (res[0].nchain && strcmp(res[i].chain[0], res[0].chain[0])))) {
            const char *dcs;
            enum kind dk = expected_detect(&ch, &res[i], &dcs);
            reference(dk, dcs, data, len, &ref2);
            g_what = vs[i].what;
            same("output differs from the reference for the chain detected", &res[i].out,
                 vs[i].what, &ref2, "reference");
            continue;
        }
        same("output depends on how the input is split and read", &res[0].out, vs[0].what,
             &res[i].out, vs[i].what);
    }

    reference(k, cs, data, len, &ref);
    same("output differs from the reference decoder", &res[0].out, "library", &ref,
         "reference");

    if (k != K_RAW && k != K_UTF8)
        check_utf8(&res[0].out, kind_layer[k]);
    if (k == K_RAW || k == K_UTF8)
        return 0;

    /* glibc agrees on valid UTF-16 and UTF-32 */
    const char *gname = NULL;
    int valid = 0, bom = 0;
    if (k == K_U16LE || k == K_U16BE) {
        int be = k == K_U16BE;
        valid = valid_utf16(data, len, be);
        bom = len >= 2 && ld16(data, be) == 0xFEFF;
        gname = be ? "UTF-16BE" : "UTF-16LE";
    } else if (k == K_U32LE || k == K_U32BE) {
        int be = k == K_U32BE;
        valid = valid_utf32(data, len, be);
        bom = len >= 4 && ld32(data, be) == 0xFEFF;
        gname = be ? "UTF-32BE" : "UTF-32LE";
    }
    if (gname && valid) {
        ref2.len = 0;
        glibc_unicode(gname, data, len, bom, &ref2);
        same("output differs from glibc iconv on valid input", &res[0].out, "library", &ref2,
             "glibc");
    }
    return 0;
}
