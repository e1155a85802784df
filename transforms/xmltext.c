/* The text of office XML parts: a streaming XML tokenizer (bs_xml) and the
 * extractors built on it (bs_xt).  xmltext.h documents what each gives;
 * this file says how.
 *
 * The tokenizer is a byte-driven state machine.  Text is copied into a
 * buffer and delivered when markup begins or the buffer fills, never at a
 * chunk boundary, so the events do not depend on how the input is split.
 * A tag is collected whole (up to BS_XML_TAG_MAX) and parsed at its '>'.
 *
 * The extractors see start, end and text events and write into one output
 * buffer.  Repeats (empty rows, repeated cells) are written lazily: what
 * does not fit under the high-water mark waits in a short queue of
 * (bytes, count) items, and the callback pauses the tokenizer, so a
 * million empty rows never sit in memory at once.  The queue only ever
 * points at static strings or at the extractor's own buffers, which are not
 * touched again before the queue drains: every event after a pause comes
 * after the drain. */
#define _POSIX_C_SOURCE 200809L
#include "xmltext.h"
#include "bs_private.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define ERRMAX 320

/* ---- growable byte buffers ------------------------------------------------ */

struct sbuf {
    char *p;
    size_t len, cap;
};

/* Room for `extra` more bytes; -1 when memory runs out. */
static int sb_reserve(struct sbuf *b, size_t extra)
{
    if (b->cap - b->len >= extra)
        return 0;
    if (extra > SIZE_MAX / 4 - b->len)
        return -1;
    size_t nc = b->cap ? b->cap : 256;
    while (nc - b->len < extra)
        nc *= 2;
    char *np = realloc(b->p, nc);
    if (!np)
        return -1;
    b->p = np;
    b->cap = nc;
    return 0;
}

static int sb_add(struct sbuf *b, const void *p, size_t n)
{
    if (sb_reserve(b, n + 1) < 0)
        return -1;
    if (n)
        memcpy(b->p + b->len, p, n);
    b->len += n;
    b->p[b->len] = 0;   /* always NUL-terminated, for names */
    return 0;
}

static int sb_byte(struct sbuf *b, char c)
{
    return sb_add(b, &c, 1);
}

/* ---- UTF-8 ------------------------------------------------------------------ */

static const char replacement[] = "\xEF\xBF\xBD";

static size_t put_utf8(char *d, uint32_t c)
{
    if (c < 0x80) {
        d[0] = (char)c;
        return 1;
    }
    if (c < 0x800) {
        d[0] = (char)(0xC0 | c >> 6);
        d[1] = (char)(0x80 | (c & 0x3F));
        return 2;
    }
    if (c < 0x10000) {
        d[0] = (char)(0xE0 | c >> 12);
        d[1] = (char)(0x80 | (c >> 6 & 0x3F));
        d[2] = (char)(0x80 | (c & 0x3F));
        return 3;
    }
    d[0] = (char)(0xF0 | c >> 18);
    d[1] = (char)(0x80 | (c >> 12 & 0x3F));
    d[2] = (char)(0x80 | (c >> 6 & 0x3F));
    d[3] = (char)(0x80 | (c & 0x3F));
    return 4;
}

/* The length of the valid sequence at p[0..n): 1..4; 0 if p[0..n) is a
 * valid beginning cut short by n; otherwise -k, k >= 1 the bytes of the
 * maximal invalid subpart (one U+FFFD replaces them). */
static int utf8_seq(const unsigned char *p, size_t n)
{
    unsigned c = p[0];
    if (c < 0x80)
        return 1;
    int len;
    unsigned lo = 0x80, hi = 0xBF;
    if (c >= 0xC2 && c <= 0xDF)
        len = 2;
    else if (c >= 0xE0 && c <= 0xEF) {
        len = 3;
        if (c == 0xE0)
            lo = 0xA0;
        else if (c == 0xED)
            hi = 0x9F;
    } else if (c >= 0xF0 && c <= 0xF4) {
        len = 4;
        if (c == 0xF0)
            lo = 0x90;
        else if (c == 0xF4)
            hi = 0x8F;
    } else
        return -1;
    for (int i = 1; i < len; i++) {
        if ((size_t)i >= n)
            return 0;
        unsigned b = p[i];
        if (b < lo || b > hi)
            return -i;
        lo = 0x80;
        hi = 0xBF;
    }
    return len;
}

/* Whether p[0..n) is valid UTF-8 (a sequence cut at the end is not). */
static int utf8_valid(const char *s, size_t n)
{
    const unsigned char *p = (const unsigned char *)s;
    size_t i = 0;
    while (i < n) {
        if (p[i] < 0x80) {
            i++;
            continue;
        }
        int k = utf8_seq(p + i, n - i);
        if (k <= 0)
            return 0;
        i += (size_t)k;
    }
    return 1;
}

/* Copies p[0..n) to d with U+FFFD for every invalid sequence (one cut at
 * the end included); d needs 3 * n bytes.  Returns the bytes written. */
static size_t utf8_clean(char *d, const char *s, size_t n)
{
    const unsigned char *p = (const unsigned char *)s;
    size_t i = 0, o = 0;
    while (i < n) {
        if (p[i] < 0x80) {
            d[o++] = (char)p[i++];
            continue;
        }
        int k = utf8_seq(p + i, n - i);
        if (k > 0) {
            memcpy(d + o, p + i, (size_t)k);
            o += (size_t)k;
            i += (size_t)k;
        } else {
            memcpy(d + o, replacement, 3);
            o += 3;
            i += k == 0 ? n - i : (size_t)-k;
        }
    }
    return o;
}

/* The bytes at the end of p[0..n) that begin a valid sequence not yet
 * complete (0..3): kept for the next delivery instead of replaced. */
static size_t utf8_tail(const char *s, size_t n)
{
    const unsigned char *p = (const unsigned char *)s;
    for (size_t k = 1; k <= 3 && k <= n; k++) {
        unsigned c = p[n - k];
        if (c >= 0x80 && c < 0xC0)
            continue;   /* a continuation byte: look further back */
        return c >= 0xC0 && utf8_seq(p + n - k, k) == 0 ? k : 0;
    }
    return 0;
}

/* Characters XML allows (references to others become U+FFFD). */
static int xml_char(uint32_t c)
{
    if (c < 0x20)
        return c == 9 || c == 10 || c == 13;
    if (c >= 0xD800 && c <= 0xDFFF)
        return 0;
    if (c == 0xFFFE || c == 0xFFFF)
        return 0;
    return c <= 0x10FFFF;
}

/* For messages: s[0..n) with anything but printable ASCII as \xNN, cut to
 * fit in buf. */
static const char *shown(char *buf, size_t size, const char *s, size_t n)
{
    size_t o = 0;
    for (size_t i = 0; i < n; i++) {
        unsigned char c = (unsigned char)s[i];
        if (o + 8 >= size) {
            memcpy(buf + o, "...", 3);
            o += 3;
            break;
        }
        if (c >= 0x20 && c < 0x7F)
            buf[o++] = (char)c;
        else
            o += (size_t)snprintf(buf + o, size - o, "\\x%02X", c);
    }
    buf[o] = 0;
    return buf;
}

/* ---- references ------------------------------------------------------------- */

/* A reference being read, one byte at a time (text is streamed, so a
 * reference may be cut anywhere). */
struct ref {
    int kind;       /* R_START after '&', R_HASH after "&#", R_DEC, R_HEX, R_NAME */
    uint32_t val;   /* numeric value, saturated at 0x110000 */
    int digits;
    size_t nlen;    /* length of the name (only the first 32 bytes are kept) */
    char name[33];
};

enum { R_START, R_HASH, R_DEC, R_HEX, R_NAME };
enum { REF_MORE = 0, REF_DONE = 1, REF_BAD = -1, REF_UNKNOWN = -2 };

static int name_char(unsigned char c)
{
    return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
           c == '_' || c == ':' || c == '-' || c == '.' || c >= 0x80;
}

static int hexval(unsigned char c)
{
    if (c >= '0' && c <= '9')
        return c - '0';
    if (c >= 'a' && c <= 'f')
        return c - 'a' + 10;
    if (c >= 'A' && c <= 'F')
        return c - 'A' + 10;
    return -1;
}

/* Takes byte c of a reference (the one after '&' first).  REF_DONE with
 * *cp set at the ';' (U+FFFD for a character XML does not allow). */
static int ref_step(struct ref *r, unsigned char c, uint32_t *cp)
{
    switch (r->kind) {
    case R_START:
        if (c == '#') {
            r->kind = R_HASH;
            return REF_MORE;
        }
        if (c == ';' || !name_char(c) || (c >= '0' && c <= '9') || c == '-' || c == '.')
            return REF_BAD;
        r->kind = R_NAME;
        r->name[r->nlen++] = (char)c;
        return REF_MORE;
    case R_HASH:
        if (c == 'x') {
            r->kind = R_HEX;
            return REF_MORE;
        }
        r->kind = R_DEC;
        /* fall through */
    case R_DEC:
    case R_HEX: {
        if (c == ';') {
            if (!r->digits)
                return REF_BAD;
            *cp = xml_char(r->val) ? r->val : 0xFFFD;
            return REF_DONE;
        }
        int d = r->kind == R_DEC ? (c >= '0' && c <= '9' ? c - '0' : -1) : hexval(c);
        if (d < 0)
            return REF_BAD;
        r->digits = 1;
        uint32_t v = r->val * (r->kind == R_DEC ? 10u : 16u) + (uint32_t)d;
        r->val = v > 0x110000 ? 0x110000 : v;
        return REF_MORE;
    }
    default:   /* R_NAME */
        if (c == ';') {
            static const struct {
                const char *name;
                char c;
            } known[] = {{"lt", '<'}, {"gt", '>'}, {"amp", '&'}, {"quot", '"'}, {"apos", '\''}};
            r->name[r->nlen < 32 ? r->nlen : 32] = 0;
            for (size_t i = 0; i < sizeof known / sizeof known[0]; i++)
                if (r->nlen == strlen(known[i].name) && strcmp(r->name, known[i].name) == 0) {
                    *cp = (unsigned char)known[i].c;
                    return REF_DONE;
                }
            return REF_UNKNOWN;
        }
        if (!name_char(c))
            return REF_BAD;
        if (r->nlen < 32)
            r->name[r->nlen] = (char)c;
        r->nlen++;
        return REF_MORE;
    }
}

/* ---- the tokenizer ---------------------------------------------------------- */

enum { S_TEXT, S_REF, S_LT, S_TAG, S_BANG, S_COMMENT, S_CDATA, S_PI };

struct bs_xml {
    struct bs_xml_handler h;
    void *ctx;
    int state;
    int status;      /* sticky negative status */
    int finished;
    uint64_t pos;    /* input bytes used before the current chunk */
    uint64_t mark;   /* offset of the markup or reference in progress */
    uint64_t event;  /* offset reported by bs_xml_offset */
    int bom;         /* bytes of a UTF-8 BOM matched; 3 once decided */
    int skip_lf;     /* a CR was just turned into LF: drop an LF that follows */
    /* text not yet delivered, and its cleaned copy */
    char *text;
    size_t tlen;
    char *clean;
    struct ref ref;
    /* the tag being collected (without '<' and '>') */
    char *tag;
    size_t taglen;
    char quote;      /* the quote an attribute value is open in, or 0 */
    char bang[8];    /* what follows "<!", to tell comment, CDATA, DOCTYPE */
    int nbang;
    int run;         /* '-' of a comment end, ']' of a CDATA end, '?' of a PI end */
    /* the attributes of the tag being reported */
    struct bs_xml_attr *attr;
    size_t attrcap;
    char *vals;      /* their decoded values */
    size_t valscap;
    /* the open elements' names, NUL-terminated one after the other */
    char *names;
    size_t nameslen, namescap;
    size_t off[BS_XML_DEPTH_MAX];
    int depth;
    int pend_end;    /* <a/> paused after start: the end event is still due */
    char err[ERRMAX];
};

static int xml_fail(bs_xml *x, int status, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

static int xml_fail(bs_xml *x, int status, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(x->err, sizeof x->err, fmt, ap);
    va_end(ap);
    x->status = status;
    return status;
}

int bs_xml_set_error(bs_xml *x, int status, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(x->err, sizeof x->err, fmt, ap);
    va_end(ap);
    x->status = status;
    return status;
}

const char *bs_xml_error(const bs_xml *x)
{
    return x->err;
}

uint64_t bs_xml_offset(const bs_xml *x)
{
    return x->event;
}

int bs_xml_new(bs_xml **out, const struct bs_xml_handler *h, void *ctx)
{
    *out = NULL;
    bs_xml *x = calloc(1, sizeof *x);
    if (!x)
        return BS_ENOMEM;
    x->h = *h;
    x->ctx = ctx;
    /* +8: a reference may add up to 4 bytes past the flush threshold */
    x->text = malloc(BS_XML_TEXT_MAX + 8);
    x->tag = malloc(BS_XML_TAG_MAX + 1);
    if (!x->text || !x->tag) {
        bs_xml_free(x);
        return BS_ENOMEM;
    }
    *out = x;
    return BS_OK;
}

void bs_xml_free(bs_xml *x)
{
    if (!x)
        return;
    free(x->text);
    free(x->clean);
    free(x->tag);
    free(x->names);
    free(x->attr);
    free(x->vals);
    free(x);
}

/* A callback's return: negative stops for good (with a message of ours if
 * the handler left none), positive pauses. */
static int callback_rc(bs_xml *x, int rc)
{
    if (rc < 0) {
        if (!x->err[0])
            snprintf(x->err, sizeof x->err, "XML: the handler failed (status %d)", rc);
        x->status = rc;
    }
    return rc;
}

/* Delivers the buffered text, `at` being the input offset reached (the
 * same however the input is split).  Unless `final`, a valid sequence cut
 * at the end stays for the next delivery; at markup it is invalid and
 * replaced. */
static int flush_text(bs_xml *x, int final, uint64_t at)
{
    size_t keep = final ? 0 : utf8_tail(x->text, x->tlen);
    size_t m = x->tlen - keep;
    int rc = 0;
    if (m && x->h.text) {
        x->event = at;
        if (utf8_valid(x->text, m)) {
            rc = x->h.text(x->ctx, x->text, m);
        } else {
            /* made only when some input is not UTF-8 */
            if (!x->clean && !(x->clean = malloc(3 * (BS_XML_TEXT_MAX + 8))))
                return xml_fail(x, BS_ENOMEM, "XML: out of memory");
            rc = x->h.text(x->ctx, x->clean, utf8_clean(x->clean, x->text, m));
        }
    }
    memmove(x->text, x->text + m, keep);
    x->tlen = keep;
    return callback_rc(x, rc);
}

static void text_add(bs_xml *x, const void *p, size_t n)
{
    memcpy(x->text + x->tlen, p, n);
    x->tlen += n;
}

static void text_char(bs_xml *x, uint32_t cp)
{
    x->tlen += put_utf8(x->text + x->tlen, cp);
}

static int is_space(unsigned char c)
{
    return c == ' ' || c == '\t' || c == '\n' || c == '\r';
}

static int ref_fail(bs_xml *x, int r, uint64_t at)
{
    if (r == REF_UNKNOWN) {
        char nm[80];
        shown(nm, sizeof nm, x->ref.name, x->ref.nlen < 32 ? x->ref.nlen : 32);
        return xml_fail(x, BS_EFORMAT, "XML: unknown entity &%s%s; at byte %llu", nm,
                        x->ref.nlen > 32 ? "..." : "", (unsigned long long)at);
    }
    return xml_fail(x, BS_EFORMAT, "XML: malformed reference at byte %llu",
                    (unsigned long long)at);
}

/* Decodes the attribute value v[0..n) (at input offset `at`) into d:
 * references, white space normalised, invalid UTF-8 replaced.  d needs
 * 3 * n + 1 bytes.  Returns the length, or -1 after failing x. */
static long decode_value(bs_xml *x, const char *v, size_t n, uint64_t at, char *d)
{
    size_t o = 0, i = 0;
    while (i < n) {
        size_t j = i;
        while (j < n && v[j] != '&' && !is_space((unsigned char)v[j]))
            j++;
        o += utf8_clean(d + o, v + i, j - i);
        if (j == n)
            break;
        if (v[j] == '&') {
            struct ref r = {0};
            uint32_t cp = 0;
            size_t k = j + 1;
            int rc = REF_BAD;
            for (; k < n; k++) {
                rc = ref_step(&r, (unsigned char)v[k], &cp);
                if (rc != REF_MORE)
                    break;
            }
            if (rc != REF_DONE) {
                x->ref = r;
                ref_fail(x, k == n ? REF_BAD : rc, at + j);
                return -1;
            }
            o += put_utf8(d + o, cp);
            i = k + 1;
        } else {
            /* CR LF is one line end, so one space */
            d[o++] = ' ';
            i = v[j] == '\r' && j + 1 < n && v[j + 1] == '\n' ? j + 2 : j + 1;
        }
    }
    d[o] = 0;
    return (long)o;
}

/* A start tag x->tag[0..taglen): its name and attributes, then the events. */
static int start_tag(bs_xml *x)
{
    char *t = x->tag;
    size_t n = x->taglen;
    uint64_t at = x->mark;
    int empty = n > 0 && t[n - 1] == '/';
    if (empty)
        n--;
    size_t i = 0;
    while (i < n && !is_space((unsigned char)t[i]) && t[i] != '/' && t[i] != '=' &&
           t[i] != '"' && t[i] != '\'' && t[i] != '<')
        i++;
    size_t nl = i;
    if (nl == 0)
        return xml_fail(x, BS_EFORMAT, "XML: malformed tag at byte %llu", (unsigned long long)at);
    /* a value decodes to at most 3 bytes per byte (U+FFFD for one invalid
     * byte), and each takes a NUL */
    if (x->valscap < 3 * n + n / 2 + 16) {
        size_t nc = 3 * n + n / 2 + 16;
        if (nc < 4096)
            nc = 4096;
        char *v = realloc(x->vals, nc);
        if (!v)
            return xml_fail(x, BS_ENOMEM, "XML: out of memory");
        x->vals = v;
        x->valscap = nc;
    }
    size_t na = 0, vo = 0;
    for (;;) {
        size_t s = i;
        while (i < n && is_space((unsigned char)t[i]))
            i++;
        if (i == n)
            break;
        if (i == s)
            return xml_fail(x, BS_EFORMAT, "XML: malformed tag at byte %llu",
                            (unsigned long long)at);
        size_t a0 = i;
        while (i < n && !is_space((unsigned char)t[i]) && t[i] != '=' && t[i] != '"' &&
               t[i] != '\'' && t[i] != '/' && t[i] != '<')
            i++;
        size_t a1 = i;
        while (i < n && is_space((unsigned char)t[i]))
            i++;
        if (a1 == a0 || i == n || t[i] != '=')
            return xml_fail(x, BS_EFORMAT, "XML: malformed attribute at byte %llu",
                            (unsigned long long)(at + 1 + a0));
        i++;
        while (i < n && is_space((unsigned char)t[i]))
            i++;
        if (i == n || (t[i] != '"' && t[i] != '\''))
            return xml_fail(x, BS_EFORMAT, "XML: malformed attribute at byte %llu",
                            (unsigned long long)(at + 1 + a0));
        char q = t[i++];
        const char *end = memchr(t + i, q, n - i);
        if (!end)
            return xml_fail(x, BS_EFORMAT, "XML: malformed attribute at byte %llu",
                            (unsigned long long)(at + 1 + a0));
        size_t v1 = (size_t)(end - t);
        long len = decode_value(x, t + i, v1 - i, at + 1 + i, x->vals + vo);
        if (len < 0)
            return x->status;
        if (na == x->attrcap) {
            size_t nc = x->attrcap ? 2 * x->attrcap : 16;
            struct bs_xml_attr *a = realloc(x->attr, nc * sizeof *a);
            if (!a)
                return xml_fail(x, BS_ENOMEM, "XML: out of memory");
            x->attr = a;
            x->attrcap = nc;
        }
        t[a1] = 0;   /* '=' or a space, already read */
        x->attr[na].name = t + a0;
        x->attr[na].value = x->vals + vo;
        x->attr[na].len = (size_t)len;
        na++;
        vo += (size_t)len + 1;
        i = v1 + 1;
    }
    if (x->depth == BS_XML_DEPTH_MAX)
        return xml_fail(x, BS_ELIMIT, "XML: elements nested deeper than %d at byte %llu",
                        BS_XML_DEPTH_MAX, (unsigned long long)at);
    if (nl + 1 > BS_XML_NAMES_MAX - x->nameslen)
        return xml_fail(x, BS_ELIMIT,
                        "XML: names of open elements longer than %d bytes in all at byte %llu",
                        BS_XML_NAMES_MAX, (unsigned long long)at);
    if (nl + 1 > x->namescap - x->nameslen) {
        size_t nc = x->namescap ? x->namescap : 1024;
        while (nl + 1 > nc - x->nameslen)
            nc *= 2;
        if (nc > BS_XML_NAMES_MAX)
            nc = BS_XML_NAMES_MAX;
        char *np = realloc(x->names, nc);
        if (!np)
            return xml_fail(x, BS_ENOMEM, "XML: out of memory");
        x->names = np;
        x->namescap = nc;
    }
    char *name = x->names + x->nameslen;
    memcpy(name, t, nl);
    name[nl] = 0;
    x->off[x->depth++] = x->nameslen;
    x->nameslen += nl + 1;
    x->event = at;
    int rc = x->h.start ? x->h.start(x->ctx, name, x->attr, na) : 0;
    if (rc)
        x->pend_end = rc > 0 && empty;
    else if (empty)
        x->pend_end = 1;
    if (rc)
        return callback_rc(x, rc);
    return 0;
}

/* The end event of the innermost element, and its name off the stack. */
static int end_event(bs_xml *x)
{
    x->pend_end = 0;
    const char *name = x->names + x->off[x->depth - 1];
    int rc = x->h.end ? x->h.end(x->ctx, name) : 0;
    x->depth--;
    x->nameslen = x->off[x->depth];
    return callback_rc(x, rc);
}

static int end_tag(bs_xml *x)
{
    const char *t = x->tag + 1;
    size_t n = x->taglen - 1, nl = 0;
    uint64_t at = x->mark;
    while (nl < n && !is_space((unsigned char)t[nl]))
        nl++;
    for (size_t i = nl; i < n; i++)
        if (!is_space((unsigned char)t[i]))
            return xml_fail(x, BS_EFORMAT, "XML: malformed end tag at byte %llu",
                            (unsigned long long)at);
    char a[80], b[80];
    if (x->depth == 0)
        return xml_fail(x, BS_EFORMAT, "XML: </%s> without a start tag at byte %llu",
                        shown(a, sizeof a, t, nl), (unsigned long long)at);
    const char *open = x->names + x->off[x->depth - 1];
    if (strlen(open) != nl || memcmp(open, t, nl) != 0)
        return xml_fail(x, BS_EFORMAT, "XML: </%s> does not close <%s> at byte %llu",
                        shown(a, sizeof a, t, nl), shown(b, sizeof b, open, strlen(open)),
                        (unsigned long long)at);
    x->event = at;
    return end_event(x);
}

/* What "<!" begins, from the bytes after it: 1 comment, 2 CDATA, 0 not
 * known yet, -1 DOCTYPE, -2 anything else. */
static int bang_kind(const char *b, int n)
{
    static const char *const words[] = {"--", "[CDATA[", "DOCTYPE"};
    int prefix = 0;
    for (int w = 0; w < 3; w++) {
        size_t wl = strlen(words[w]);
        if ((size_t)n <= wl && memcmp(b, words[w], (size_t)n) == 0) {
            if ((size_t)n == wl)
                return w == 2 ? -1 : w + 1;
            prefix = 1;
        }
    }
    return prefix ? 0 : -2;
}

int bs_xml_feed(bs_xml *x, const void *data, size_t n, size_t *used)
{
    const unsigned char *p = data;
    size_t i = 0;
    int rc = 0;
    *used = 0;
    if (x->status < 0)
        return x->status;
    if (x->finished)
        return xml_fail(x, BS_EINVAL, "XML: data after the end");
    if (x->pend_end) {
        rc = end_event(x);
        if (rc)
            return rc;
    }
    while (i < n) {
        unsigned char c = p[i];
        if (x->bom < 3) {
            /* a UTF-8 BOM at the very start is skipped; UTF-16 and UTF-32
             * (which office formats never use) are refused plainly */
            static const unsigned char bom[3] = {0xEF, 0xBB, 0xBF};
            if (x->pos + i == (uint64_t)x->bom && c == bom[x->bom]) {
                x->bom++;
                i++;
                continue;
            }
            if (x->bom == 0 && (c == 0xFE || c == 0xFF || c == 0)) {
                rc = xml_fail(x, BS_EFORMAT, "XML: not UTF-8 (UTF-16 or UTF-32?) at byte 0");
                goto out;
            }
            if (x->bom > 0)
                text_add(x, bom, (size_t)x->bom);
            x->bom = 3;
        }
        switch (x->state) {
        case S_TEXT: {
            if (x->skip_lf) {
                x->skip_lf = 0;
                if (c == '\n') {
                    i++;
                    continue;
                }
            }
            if (c == '<') {
                if (x->tlen && (rc = flush_text(x, 1, x->pos + i)) != 0)
                    goto out;
                x->mark = x->pos + i;
                x->state = S_LT;
                i++;
                continue;
            }
            if (c == '&') {
                memset(&x->ref, 0, sizeof x->ref);
                x->mark = x->pos + i;
                x->state = S_REF;
                i++;
                continue;
            }
            if (c == '\r') {
                text_add(x, "\n", 1);
                x->skip_lf = 1;
                i++;
            } else {
                size_t j = i, room = BS_XML_TEXT_MAX - x->tlen;
                size_t lim = n - i < room ? n : i + room;
                while (j < lim && p[j] != '<' && p[j] != '&' && p[j] != '\r')
                    j++;
                text_add(x, p + i, j - i);
                i = j;
            }
            if (x->tlen >= BS_XML_TEXT_MAX && (rc = flush_text(x, 0, x->pos + i)) != 0)
                goto out;
            continue;
        }
        case S_REF: {
            uint32_t cp = 0;
            int r = ref_step(&x->ref, c, &cp);
            i++;
            if (r == REF_MORE)
                continue;
            if (r != REF_DONE) {
                rc = ref_fail(x, r, x->mark);
                goto out;
            }
            text_char(x, cp);
            x->state = S_TEXT;
            if (x->tlen >= BS_XML_TEXT_MAX && (rc = flush_text(x, 0, x->pos + i)) != 0)
                goto out;
            continue;
        }
        case S_LT:
            x->taglen = 0;
            x->quote = 0;
            x->run = 0;
            if (c == '!') {
                i++;
                x->nbang = 0;
                x->state = S_BANG;
            } else if (c == '?') {
                i++;
                x->state = S_PI;
            } else {
                x->state = S_TAG;   /* c is the tag's first byte: read there */
            }
            continue;
        case S_TAG: {
            /* up to the '>' outside quotes; a quoted value (most of a tag's
             * bytes) is passed over with memchr */
            size_t j = i;
            for (;;) {
                if (x->quote) {
                    const unsigned char *q = memchr(p + j, x->quote, n - j);
                    if (!q) {
                        j = n;
                        break;
                    }
                    j = (size_t)(q - p) + 1;
                    x->quote = 0;
                }
                while (j < n && p[j] != '>' && p[j] != '"' && p[j] != '\'')
                    j++;
                if (j == n || p[j] == '>')
                    break;
                x->quote = (char)p[j++];
            }
            size_t k = j - i;
            if (k > BS_XML_TAG_MAX - x->taglen) {
                rc = xml_fail(x, BS_ELIMIT, "XML: tag longer than %d bytes at byte %llu",
                              BS_XML_TAG_MAX, (unsigned long long)x->mark);
                goto out;
            }
            memcpy(x->tag + x->taglen, p + i, k);
            x->taglen += k;
            i = j;
            if (j == n)
                continue;
            i++;   /* the '>' */
            x->state = S_TEXT;
            x->tag[x->taglen] = 0;
            rc = x->tag[0] == '/' ? end_tag(x) : start_tag(x);
            if (rc)
                goto out;
            if (x->pend_end && (rc = end_event(x)) != 0)
                goto out;
            continue;
        }
        case S_BANG: {
            i++;
            x->bang[x->nbang++] = (char)c;
            int k = bang_kind(x->bang, x->nbang);
            if (k == 1) {
                x->state = S_COMMENT;
                x->run = 0;
            } else if (k == 2) {
                x->state = S_CDATA;
                x->run = 0;
            } else if (k == -1) {
                rc = xml_fail(x, BS_EFORMAT, "XML: DOCTYPE not allowed at byte %llu",
                              (unsigned long long)x->mark);
                goto out;
            } else if (k == -2) {
                rc = xml_fail(x, BS_EFORMAT, "XML: malformed markup at byte %llu",
                              (unsigned long long)x->mark);
                goto out;
            }
            continue;
        }
        case S_COMMENT:
            i++;
            if (c == '-') {
                if (x->run < 2)
                    x->run++;
            } else if (c == '>' && x->run == 2) {
                x->state = S_TEXT;
            } else {
                x->run = 0;
            }
            continue;
        case S_PI:
            i++;
            if (c == '>' && x->run)
                x->state = S_TEXT;
            else
                x->run = c == '?';
            continue;
        case S_CDATA:
            i++;
            if (x->skip_lf) {
                x->skip_lf = 0;
                if (c == '\n')
                    continue;
            }
            if (c == ']') {
                if (x->run < 2)
                    x->run++;
                else
                    text_add(x, "]", 1);
            } else if (c == '>' && x->run == 2) {
                x->state = S_TEXT;
                x->run = 0;
            } else {
                text_add(x, "]]", (size_t)x->run);
                x->run = 0;
                if (c == '\r') {
                    text_add(x, "\n", 1);
                    x->skip_lf = 1;
                } else {
                    text_add(x, &c, 1);
                }
            }
            if (x->tlen >= BS_XML_TEXT_MAX && (rc = flush_text(x, 0, x->pos + i)) != 0)
                goto out;
            continue;
        }
    }
out:
    *used = i;
    x->pos += i;
    return rc;
}

int bs_xml_finish(bs_xml *x)
{
    if (x->status < 0)
        return x->status;
    if (x->finished)
        return BS_OK;
    if (x->pend_end) {
        int rc = end_event(x);
        if (rc)
            return rc;
    }
    unsigned long long at = x->mark;
    switch (x->state) {
    case S_TEXT:
        break;
    case S_REF:
        return xml_fail(x, BS_EFORMAT, "XML: truncated reference at byte %llu", at);
    case S_LT:
    case S_TAG:
        return xml_fail(x, BS_EFORMAT, "XML: truncated tag at byte %llu", at);
    case S_BANG:
    case S_COMMENT:
        return xml_fail(x, BS_EFORMAT, "XML: truncated comment at byte %llu", at);
    case S_CDATA:
        return xml_fail(x, BS_EFORMAT, "XML: truncated CDATA section at byte %llu", at);
    default:
        return xml_fail(x, BS_EFORMAT, "XML: truncated processing instruction at byte %llu",
                        at);
    }
    if (x->tlen) {
        int rc = flush_text(x, 1, x->pos);
        if (rc)
            return rc;
    }
    if (x->depth > 0) {
        char a[80];
        const char *open = x->names + x->off[x->depth - 1];
        return xml_fail(x, BS_EFORMAT, "XML: truncated: <%s> not closed at byte %llu",
                        shown(a, sizeof a, open, strlen(open)), (unsigned long long)x->pos);
    }
    x->finished = 1;
    return BS_OK;
}

/* ---- the extractors: state -------------------------------------------------- */

/* What an open element is to the extractor (x->role[depth]). */
enum {
    RO_NONE,
    RO_PARA,     /* a paragraph: w:p, a:p, text:p, text:h */
    RO_BARRIER,  /* inside a paragraph, text that is not the paragraph's (ODF notes...) */
    RO_RUN,      /* w:r: where w:tab and w:br mean something */
    RO_TEXT,     /* w:t, a:t, <v>, <t>: its text is taken */
    RO_SD,       /* sheetData */
    RO_ROW,
    RO_CELL,
    RO_IS,       /* an inline string */
    RO_ISRUN,    /* a rich-text run in <is> or <si> */
    RO_SI,       /* a shared string */
    RO_LIST,     /* <sheets>, <sldIdLst> */
    RO_TABLE,    /* an ODS table */
    RO_PAGE      /* an ODP page */
};

#define XT_SKIP 100    /* from a kind's start: skip the element and all inside it */
#define XT_QMAX 8      /* queued writes: at most 4 are made by one event */
#define XT_SPACES_MAX 65536
#define XLSX_ROWS 1048576
#define XLSX_COLS 16384

/* A write not made yet: count more copies of p[0..n). */
struct pend {
    const char *p;
    size_t n;
    uint64_t count;
};

/* A paragraph or barrier open, with the white-space state of what holds
 * it, restored at its end. */
struct ctx {
    unsigned char role, ws_mode, ws_pending;
};

struct kind;

struct bs_xt {
    const struct kind *k;
    int kind;
    bs_xml *xml;
    int status;              /* sticky negative status */
    uint64_t limit;          /* UINT64_MAX for none */
    uint64_t planned;        /* bytes produced: written, queued, or tabled */
    struct sbuf out;
    size_t out_start;        /* out.p[out_start..out.len) is not taken yet */
    struct pend q[XT_QMAX];
    int qh, qn;
    int member_due;          /* a member began: say so once the output is out */
    struct sbuf member;
    int depth, skip;         /* open elements; depth of the one skipped, or 0 */
    unsigned char role[BS_XML_DEPTH_MAX + 1];

    /* paragraphs (docx, pptx, odt, odp, and the cells of ods) */
    struct ctx ctx[BS_XML_DEPTH_MAX + 1];
    int nctx;
    int para;                /* paragraphs open */
    int odf;                 /* ODF: white space collapses */
    int ws_mode;             /* 1: white space now becomes a space; 0: it is dropped */
    int ws_pending;          /* a space is due before the next text */
    struct sbuf defer;       /* lines of paragraphs inside a paragraph */
    int active;              /* text is taken (odp: inside a page) */
    int cellmode;            /* ods: paragraph text goes to the cell */

    /* xlsx sheets (in_row, in_cell and v serve the shared strings too) */
    const bs_xt *sst;
    int in_sd, in_row, in_cell, cap_is;
    char ctype;
    uint64_t row;            /* lines written: the last row's number */
    uint64_t ncols;          /* columns written in this row: last non-empty + 1 */
    uint64_t col, next_col;
    struct sbuf v, is, cell;

    /* ods, odp */
    int table_depth;
    unsigned ntables, npages;
    uint64_t row_repeat, cell_repeat, pending_rows;
    int row_nonempty, cell_has_para;
    struct sbuf rowbuf, fallback, pagename;

    /* the tables: strings one after the other, NUL-terminated */
    struct sbuf tab;
    size_t *off;
    size_t ntab, offcap;
    int in_list;
};

struct kind {
    const char *name;   /* for messages */
    int (*start)(bs_xt *x, const char *name, const char *ln, const struct bs_xml_attr *a,
                 size_t na);
    int (*end)(bs_xt *x, const char *name, const char *ln);
    int (*text)(bs_xt *x, const char *p, size_t n);
    int fields;         /* table kinds: strings per record */
};

static int xt_fail(bs_xt *x, int status, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

static int xt_fail(bs_xt *x, int status, const char *fmt, ...)
{
    char m[ERRMAX];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(m, sizeof m, fmt, ap);
    va_end(ap);
    x->status = status;
    return bs_xml_set_error(x->xml, status, "%s", m);
}

static int nomem(bs_xt *x)
{
    return xt_fail(x, BS_ENOMEM, "%s: out of memory", x->k->name);
}

static unsigned long long at(const bs_xt *x)
{
    return (unsigned long long)bs_xml_offset(x->xml);
}

static int limit_fail(bs_xt *x)
{
    char sz[64];
    bs_format_size(sz, sizeof sz, x->limit);
    return xt_fail(x, BS_ELIMIT, "%s: text longer than the limit of %s at byte %llu",
                   x->k->name, sz, at(x));
}

/* ---- output ----------------------------------------------------------------- */

static size_t pending(const bs_xt *x)
{
    return x->out.len - x->out_start;
}

/* Counts n * count more bytes against the limit. */
static int budget(bs_xt *x, size_t n, uint64_t count)
{
    if (count > (x->limit - x->planned) / n)
        return limit_fail(x);
    x->planned += n * count;
    return BS_OK;
}

/* Appends k copies of p[0..n) to the output (k * n is small: see fit). */
static int out_rep(bs_xt *x, const char *p, size_t n, uint64_t k)
{
    size_t total = n * (size_t)k;
    if (x->out_start && x->out.cap - x->out.len < total) {
        memmove(x->out.p, x->out.p + x->out_start, pending(x));
        x->out.len -= x->out_start;
        x->out_start = 0;
    }
    if (sb_reserve(&x->out, total) < 0)
        return nomem(x);
    char *d = x->out.p + x->out.len;
    if (n == 1)
        memset(d, p[0], (size_t)k);
    else
        for (uint64_t i = 0; i < k; i++, d += n)
            memcpy(d, p, n);
    x->out.len += total;
    return BS_OK;
}

/* How many of `count` copies of n bytes to write now: up to the high-water
 * mark (at least one if `one`). */
static uint64_t fit(const bs_xt *x, size_t n, uint64_t count, int one)
{
    size_t have = pending(x);
    uint64_t k = have < BS_XT_HIGH_WATER ? (BS_XT_HIGH_WATER - have + n - 1) / n : 0;
    if (k == 0 && one)
        k = 1;
    return k < count ? k : count;
}

/* Writes count copies of p[0..n) to the output: the first at once, the
 * others while under the high-water mark, the rest queued (p must then
 * stay as it is until the queue drains: a static string, or a buffer of
 * ours that no event touches before). */
static int emit(bs_xt *x, const char *p, size_t n, uint64_t count)
{
    if (!n || !count)
        return BS_OK;
    int rc = budget(x, n, count);
    if (rc)
        return rc;
    if (!x->qn) {
        uint64_t k = fit(x, n, count, 1);
        if ((rc = out_rep(x, p, n, k)) != 0)
            return rc;
        count -= k;
        if (!count)
            return BS_OK;
    }
    if (x->qn == XT_QMAX)
        return xt_fail(x, BS_EINVAL, "%s: internal error: output queue full", x->k->name);
    struct pend *e = &x->q[(x->qh + x->qn) % XT_QMAX];
    e->p = p;
    e->n = n;
    e->count = count;
    x->qn++;
    return BS_OK;
}

/* Writes the queue out, as far as the high-water mark lets it. */
static int drain(bs_xt *x)
{
    while (x->qn) {
        struct pend *e = &x->q[x->qh];
        uint64_t k = fit(x, e->n, e->count, 0);
        if (k) {
            int rc = out_rep(x, e->p, e->n, k);
            if (rc)
                return rc;
            e->count -= k;
        }
        if (e->count)
            return BS_XT_PAUSE;
        x->qh = (x->qh + 1) % XT_QMAX;
        x->qn--;
    }
    return BS_OK;
}

/* Appends count copies of p[0..n) to a buffer of ours that will become
 * output (so it counts against the limit), at most `max` bytes (0: none). */
static int hold(bs_xt *x, struct sbuf *b, const char *p, size_t n, uint64_t count, size_t max)
{
    if (!n || !count)
        return BS_OK;
    uint64_t room = x->limit - x->planned;
    room = b->len < room ? room - b->len : 0;
    if (count > room / n)
        return limit_fail(x);
    if (max && count > (max - b->len) / n) {
        char sz[64];
        bs_format_size(sz, sizeof sz, max);
        return xt_fail(x, BS_ELIMIT, "%s: a repeated row longer than %s at byte %llu",
                       x->k->name, sz, at(x));
    }
    if (sb_reserve(b, n * (size_t)count + 1) < 0)
        return nomem(x);
    for (uint64_t i = 0; i < count; i++) {
        memcpy(b->p + b->len, p, n);
        b->len += n;
    }
    return BS_OK;
}

/* ---- attributes and numbers ------------------------------------------------- */

static const char *local(const char *name)
{
    const char *c = strrchr(name, ':');
    return c ? c + 1 : name;
}

static const char *attr(const struct bs_xml_attr *a, size_t na, const char *qname)
{
    for (size_t i = 0; i < na; i++)
        if (strcmp(a[i].name, qname) == 0)
            return a[i].value;
    return NULL;
}

/* An attribute by local name, unprefixed (prefixed = 0) or prefixed (1):
 * "r:id" is the relationship, "id" of p:sldId is not. */
static const char *attr_local(const struct bs_xml_attr *a, size_t na, const char *ln,
                              int prefixed)
{
    for (size_t i = 0; i < na; i++)
        if ((strchr(a[i].name, ':') != NULL) == prefixed && strcmp(local(a[i].name), ln) == 0)
            return a[i].value;
    return NULL;
}

/* Decimal digits with white space around, saturating at UINT64_MAX.
 * 0 on success, -1 if not a number. */
static int parse_u64(const char *s, size_t n, uint64_t *out)
{
    size_t i = 0;
    while (i < n && is_space((unsigned char)s[i]))
        i++;
    while (n > i && is_space((unsigned char)s[n - 1]))
        n--;
    if (i == n)
        return -1;
    uint64_t v = 0;
    for (; i < n; i++) {
        if (s[i] < '0' || s[i] > '9')
            return -1;
        unsigned d = (unsigned)(s[i] - '0');
        v = v > (UINT64_MAX - d) / 10 ? UINT64_MAX : v * 10 + d;
    }
    *out = v;
    return 0;
}

/* An ODF repeat count: 1 when absent or not a positive number. */
static uint64_t repeat(const struct bs_xml_attr *a, size_t na, const char *qname)
{
    const char *s = attr(a, na, qname);
    uint64_t v;
    if (!s || parse_u64(s, strlen(s), &v) < 0 || v == 0)
        return 1;
    return v > UINT32_MAX ? UINT32_MAX : v;
}

static uint64_t sat_add(uint64_t a, uint64_t b)
{
    return a > UINT64_MAX - b ? UINT64_MAX : a + b;
}

static int set_member(bs_xt *x, const char *name, const char *suffix)
{
    x->member.len = 0;
    if (sb_add(&x->member, name, strlen(name)) < 0 ||
        sb_add(&x->member, suffix, strlen(suffix)) < 0)
        return nomem(x);
    x->member_due = 1;
    return BS_OK;
}

/* ---- paragraphs ------------------------------------------------------------- */

/* Whether text here is the text of a paragraph: a paragraph is open, and no
 * barrier inside it. */
static int in_para(const bs_xt *x)
{
    return x->nctx > 0 && x->ctx[x->nctx - 1].role == RO_PARA;
}

/* Writes where the paragraph's text goes: the cell (ods), the deferred
 * lines (a paragraph inside a paragraph), or the output.  Only a `stable`
 * p may be written more than once (see emit). */
static int wr(bs_xt *x, const char *p, size_t n, uint64_t count, int stable)
{
    if (x->cellmode)
        return hold(x, &x->cell, p, n, count, 0);
    if (x->para >= 2)
        return hold(x, &x->defer, p, n, count, 0);
    if (!stable && (x->qn || count > 1))
        return xt_fail(x, BS_EINVAL, "%s: internal error: text behind queued output",
                       x->k->name);
    return emit(x, p, n, count);
}

/* Text of the paragraph; for ODF with white space collapsed: a run of
 * white space is one space, none at the start or the end of a paragraph. */
static int wr_text(bs_xt *x, const char *p, size_t n)
{
    if (!x->odf)
        return wr(x, p, n, 1, 0);
    size_t i = 0;
    while (i < n) {
        if (is_space((unsigned char)p[i])) {
            if (x->ws_mode)
                x->ws_pending = 1;
            i++;
            continue;
        }
        size_t j = i;
        while (j < n && !is_space((unsigned char)p[j]))
            j++;
        int rc = 0;
        if (x->ws_pending) {
            x->ws_pending = 0;
            rc = wr(x, " ", 1, 1, 1);
        }
        if (rc || (rc = wr(x, p + i, j - i, 1, 0)) != 0)
            return rc;
        x->ws_mode = 1;
        i = j;
    }
    return BS_OK;
}

/* A character an element stands for (tab, line break, spaces).  In a
 * spreadsheet cell a tab or a line break is a space: a line is a row. */
static int wr_char(bs_xt *x, char c, uint64_t count)
{
    int rc = 0;
    if (x->odf) {
        if (x->ws_pending)
            rc = wr(x, " ", 1, 1, 1);
        /* white space right after it is dropped, as after a space */
        x->ws_pending = 0;
        x->ws_mode = 0;
    }
    if (x->cellmode && (c == '\t' || c == '\n'))
        c = ' ';
    const char *s = c == ' ' ? " " : c == '\t' ? "\t" : c == '\n' ? "\n" : "-";
    return rc ? rc : wr(x, s, 1, count, 1);
}

static void ctx_push(bs_xt *x, int role)
{
    struct ctx *c = &x->ctx[x->nctx++];
    c->role = (unsigned char)role;
    c->ws_mode = (unsigned char)x->ws_mode;
    c->ws_pending = (unsigned char)x->ws_pending;
    x->role[x->depth] = (unsigned char)role;
}

static void ctx_pop(bs_xt *x)
{
    struct ctx *c = &x->ctx[--x->nctx];
    x->ws_mode = c->ws_mode;
    x->ws_pending = c->ws_pending;
}

static int para_start(bs_xt *x)
{
    ctx_push(x, RO_PARA);
    x->para++;
    x->ws_mode = 0;
    x->ws_pending = 0;
    if (x->cellmode) {
        /* the paragraphs of a cell are joined by a space */
        x->ws_pending = x->cell.len > 1;
        x->cell_has_para = 1;
        return BS_OK;
    }
    /* a paragraph inside a paragraph begins a deferred line */
    if (x->para >= 2 && x->defer.len && x->defer.p[x->defer.len - 1] != '\n')
        return hold(x, &x->defer, "\n", 1, 1, 0);
    return BS_OK;
}

/* A paragraph ends its line; the outermost one then writes the lines of
 * the paragraphs it held (notes, comments, text boxes). */
static int para_end(bs_xt *x)
{
    ctx_pop(x);
    x->para--;
    if (x->cellmode)
        return BS_OK;
    if (x->para >= 1)
        return hold(x, &x->defer, "\n", 1, 1, 0);
    int rc = emit(x, "\n", 1, 1);
    if (!rc && x->defer.len) {
        rc = emit(x, x->defer.p, x->defer.len, 1);
        x->defer.len = 0;   /* its bytes stay put until the queue drains */
    }
    return rc;
}

/* The end of an element in a kind made of paragraphs. */
static int lines_end(bs_xt *x, const char *name, const char *ln)
{
    (void)name;
    (void)ln;
    int r = x->role[x->depth];
    if (r == RO_PARA)
        return para_end(x);
    if (r == RO_BARRIER)
        ctx_pop(x);
    return BS_OK;
}

static int lines_text(bs_xt *x, const char *p, size_t n)
{
    if (x->odf ? !in_para(x) : x->role[x->depth] != RO_TEXT || !in_para(x))
        return BS_OK;
    return wr_text(x, p, n);
}

/* ---- docx and pptx ---------------------------------------------------------- */

static int docx_start(bs_xt *x, const char *name, const char *ln, const struct bs_xml_attr *a,
                      size_t na)
{
    (void)name;
    if (strcmp(ln, "p") == 0)
        return para_start(x);
    if (strcmp(ln, "r") == 0) {
        x->role[x->depth] = RO_RUN;
        return BS_OK;
    }
    if (strcmp(ln, "t") == 0) {
        x->role[x->depth] = RO_TEXT;
        return BS_OK;
    }
    /* deleted and moved-away text; the copy of a text box kept for old
     * readers (the mc:Choice one is read) */
    if (strcmp(ln, "del") == 0 || strcmp(ln, "moveFrom") == 0 || strcmp(ln, "Fallback") == 0)
        return XT_SKIP;
    if (strcmp(ln, "footnote") == 0 || strcmp(ln, "endnote") == 0) {
        const char *t = attr_local(a, na, "type", 1);
        if (t && strcmp(t, "normal") != 0)
            return XT_SKIP;   /* the separator lines */
        return BS_OK;
    }
    /* w:tab also sets tab stops in w:pPr; only in a run is it a TAB */
    if (x->role[x->depth - 1] != RO_RUN || !in_para(x))
        return BS_OK;
    if (strcmp(ln, "tab") == 0 || strcmp(ln, "ptab") == 0)
        return wr_char(x, '\t', 1);
    if (strcmp(ln, "br") == 0 || strcmp(ln, "cr") == 0)
        return wr_char(x, '\n', 1);
    if (strcmp(ln, "noBreakHyphen") == 0)
        return wr_char(x, '-', 1);
    return BS_OK;
}

static int pptx_start(bs_xt *x, const char *name, const char *ln, const struct bs_xml_attr *a,
                      size_t na)
{
    (void)name;
    (void)a;
    (void)na;
    if (strcmp(ln, "p") == 0)
        return para_start(x);
    if (strcmp(ln, "t") == 0) {
        x->role[x->depth] = RO_TEXT;
        return BS_OK;
    }
    if (strcmp(ln, "Fallback") == 0)
        return XT_SKIP;
    if (strcmp(ln, "br") == 0 && in_para(x))
        return wr_char(x, '\n', 1);
    return BS_OK;
}

/* ---- odt and odp ------------------------------------------------------------ */

/* Inside a paragraph, what is not the paragraph's text (ODF 1.2 6.1.1):
 * notes (whose citation is not searched either), ruby text, comments, and
 * drawing shapes and frames. */
static int odf_barrier(const char *name)
{
    return strcmp(name, "text:note") == 0 || strcmp(name, "text:ruby-text") == 0 ||
           strcmp(name, "office:annotation") == 0 || strncmp(name, "draw:", 5) == 0 ||
           strncmp(name, "dr3d:", 5) == 0;
}

static int odf_paragraph(const char *name)
{
    return strcmp(name, "text:p") == 0 || strcmp(name, "text:h") == 0;
}

/* text:s, text:tab, text:line-break; 1 if name was one of them. */
static int odf_char(bs_xt *x, const char *name, const struct bs_xml_attr *a, size_t na, int *rc)
{
    if (strcmp(name, "text:s") == 0) {
        const char *c = attr(a, na, "text:c");
        uint64_t k = 1;
        if (c && parse_u64(c, strlen(c), &k) < 0)
            k = 1;
        *rc = wr_char(x, ' ', k > XT_SPACES_MAX ? XT_SPACES_MAX : k);
        return 1;
    }
    if (strcmp(name, "text:tab") == 0) {
        *rc = wr_char(x, '\t', 1);
        return 1;
    }
    if (strcmp(name, "text:line-break") == 0) {
        *rc = wr_char(x, '\n', 1);
        return 1;
    }
    return 0;
}

static int odt_start(bs_xt *x, const char *name, const char *ln, const struct bs_xml_attr *a,
                     size_t na)
{
    (void)ln;
    int rc = BS_OK;
    if (strcmp(name, "text:tracked-changes") == 0)
        return XT_SKIP;   /* deleted text and the changes' authors */
    if (odf_paragraph(name))
        return para_start(x);
    if (x->para == 0)
        return BS_OK;
    if (odf_barrier(name)) {
        ctx_push(x, RO_BARRIER);
        return BS_OK;
    }
    if (in_para(x) && odf_char(x, name, a, na, &rc))
        return rc;
    return BS_OK;
}

static int odp_start(bs_xt *x, const char *name, const char *ln, const struct bs_xml_attr *a,
                     size_t na)
{
    if (!x->active) {
        if (strcmp(name, "draw:page") != 0)
            return BS_OK;
        char dflt[32];
        const char *nm = attr(a, na, "draw:name");
        x->npages++;
        if (!nm || !*nm) {
            snprintf(dflt, sizeof dflt, "page%u", x->npages);
            nm = dflt;
        }
        x->pagename.len = 0;
        if (sb_add(&x->pagename, nm, strlen(nm)) < 0)
            return nomem(x);
        x->active = 1;
        x->role[x->depth] = RO_PAGE;
        return set_member(x, nm, "");
    }
    if (strcmp(name, "presentation:notes") == 0 && x->para == 0)
        return set_member(x, x->pagename.p, "/notes");
    return odt_start(x, name, ln, a, na);
}

static int odp_end(bs_xt *x, const char *name, const char *ln)
{
    if (x->role[x->depth] == RO_PAGE) {
        x->active = 0;
        return BS_OK;
    }
    return lines_end(x, name, ln);
}

/* ---- ods -------------------------------------------------------------------- */

/* Cells go to the output, or into the row when the row is repeated. */
static int ods_put(bs_xt *x, const char *p, size_t n, uint64_t count)
{
    if (x->row_repeat > 1)
        return hold(x, &x->rowbuf, p, n, count, BS_XT_ROW_MAX);
    return emit(x, p, n, count);
}

static int ods_cell_start(bs_xt *x, const struct bs_xml_attr *a, size_t na)
{
    x->in_cell = 1;
    x->cellmode = 1;
    x->role[x->depth] = RO_CELL;
    x->cell_repeat = repeat(a, na, "table:number-columns-repeated");
    x->cell_has_para = 0;
    x->ws_mode = 0;
    x->ws_pending = 0;
    /* the cell buffer holds a TAB then the text: one repeat is cell[0..len) */
    x->cell.len = 0;
    x->fallback.len = 0;
    if (sb_byte(&x->cell, '\t') < 0)
        return nomem(x);
    /* the value, for a cell without a paragraph (not from LibreOffice) */
    static const char *const types[][2] = {
        {"float", "office:value"},       {"percentage", "office:value"},
        {"currency", "office:value"},    {"date", "office:date-value"},
        {"time", "office:time-value"},   {"boolean", "office:boolean-value"},
        {"string", "office:string-value"}};
    const char *t = attr(a, na, "office:value-type");
    for (size_t i = 0; t && i < sizeof types / sizeof types[0]; i++)
        if (strcmp(t, types[i][0]) == 0) {
            const char *v = attr(a, na, types[i][1]);
            if (v && sb_add(&x->fallback, v, strlen(v)) < 0)
                return nomem(x);
            break;
        }
    return BS_OK;
}

static int ods_cell_end(bs_xt *x)
{
    int rc = BS_OK;
    x->in_cell = 0;
    x->cellmode = 0;
    if (!x->cell_has_para && x->fallback.len &&
        (rc = hold(x, &x->cell, x->fallback.p, x->fallback.len, 1, 0)) != 0)
        return rc;
    for (size_t i = 1; i < x->cell.len; i++)
        if (x->cell.p[i] == '\t' || x->cell.p[i] == '\n' || x->cell.p[i] == '\r')
            x->cell.p[i] = ' ';
    size_t len = x->cell.len - 1;
    uint64_t r = x->cell_repeat;
    if (len) {
        /* empty rows and cells before this one are written now */
        if (!x->row_nonempty) {
            x->row_nonempty = 1;
            if (x->row_repeat == 1) {
                rc = emit(x, "\n", 1, x->pending_rows);
                x->pending_rows = 0;
            }
        }
        uint64_t tabs = x->ncols == 0 ? x->col : x->col - x->ncols + 1;
        if (rc || (rc = ods_put(x, "\t", 1, tabs)) != 0 ||
            (rc = ods_put(x, x->cell.p + 1, len, 1)) != 0 ||
            (rc = ods_put(x, x->cell.p, len + 1, r - 1)) != 0)
            return rc;
        x->ncols = sat_add(x->col, r);
    }
    x->col = sat_add(x->col, r);
    return BS_OK;
}

static int ods_row_end(bs_xt *x)
{
    x->in_row = 0;
    if (!x->row_nonempty) {
        /* written only if a non-empty row follows in this table */
        x->pending_rows = sat_add(x->pending_rows, x->row_repeat);
        return BS_OK;
    }
    if (x->row_repeat == 1)
        return emit(x, "\n", 1, 1);
    int rc = hold(x, &x->rowbuf, "\n", 1, 1, BS_XT_ROW_MAX);
    if (rc || (rc = emit(x, "\n", 1, x->pending_rows)) != 0)
        return rc;
    x->pending_rows = 0;
    return emit(x, x->rowbuf.p, x->rowbuf.len, x->row_repeat);
}

static int ods_start(bs_xt *x, const char *name, const char *ln, const struct bs_xml_attr *a,
                     size_t na)
{
    int rc = BS_OK;
    if (strcmp(ln, "tracked-changes") == 0)
        return XT_SKIP;
    if (!x->table_depth) {
        if (strcmp(name, "table:table") != 0)
            return BS_OK;
        char dflt[32];
        const char *nm = attr(a, na, "table:name");
        x->ntables++;
        if (!nm || !*nm) {
            snprintf(dflt, sizeof dflt, "Sheet%u", x->ntables);
            nm = dflt;
        }
        x->table_depth = x->depth;
        x->role[x->depth] = RO_TABLE;
        x->pending_rows = 0;
        return set_member(x, nm, "");
    }
    if (x->in_cell) {
        if (odf_paragraph(name))
            return para_start(x);
        /* comments and shapes in a cell are not its value */
        if (odf_barrier(name) || strcmp(name, "table:table") == 0)
            return XT_SKIP;
        if (in_para(x) && odf_char(x, name, a, na, &rc))
            return rc;
        return BS_OK;
    }
    if (strcmp(name, "table:table") == 0)
        return XT_SKIP;
    if (!x->in_row) {
        if (strcmp(name, "table:table-row") != 0)
            return BS_OK;
        x->in_row = 1;
        x->role[x->depth] = RO_ROW;
        x->row_repeat = repeat(a, na, "table:number-rows-repeated");
        x->row_nonempty = 0;
        x->ncols = 0;
        x->col = 0;
        x->rowbuf.len = 0;
        return BS_OK;
    }
    if (strcmp(name, "table:table-cell") == 0 || strcmp(name, "table:covered-table-cell") == 0)
        return ods_cell_start(x, a, na);
    return BS_OK;
}

static int ods_end(bs_xt *x, const char *name, const char *ln)
{
    switch (x->role[x->depth]) {
    case RO_TABLE:
        /* trailing empty rows (LibreOffice's 1048576) are never written */
        x->table_depth = 0;
        x->pending_rows = 0;
        return BS_OK;
    case RO_ROW:
        return ods_row_end(x);
    case RO_CELL:
        return ods_cell_end(x);
    default:
        return lines_end(x, name, ln);
    }
}

/* ---- xlsx ------------------------------------------------------------------- */

/* Excel's _xHHHH_ escapes (a UTF-16 unit each) decoded, p[0..n) appended
 * to d. */
static int xdecode(const char *p, size_t n, struct sbuf *d)
{
    size_t i = 0;
    while (i < n) {
        const char *u = memchr(p + i, '_', n - i);
        size_t j = u ? (size_t)(u - p) : n;
        if (sb_add(d, p + i, j - i) < 0)
            return -1;
        i = j;
        if (i == n)
            break;
        int hv[8];
        int unit = -1;
        if (n - i >= 7 && p[i + 1] == 'x' && p[i + 6] == '_') {
            unit = 0;
            for (int k = 0; k < 4; k++) {
                hv[k] = hexval((unsigned char)p[i + 2 + k]);
                if (hv[k] < 0)
                    unit = -1;
                else if (unit >= 0)
                    unit = unit * 16 + hv[k];
            }
        }
        if (unit < 0) {
            if (sb_byte(d, '_') < 0)
                return -1;
            i++;
            continue;
        }
        uint32_t cp = (uint32_t)unit;
        i += 7;
        if (cp >= 0xD800 && cp <= 0xDBFF && n - i >= 7 && p[i] == '_' && p[i + 1] == 'x' &&
            p[i + 6] == '_') {
            int lo = 0;
            for (int k = 0; k < 4 && lo >= 0; k++) {
                int h = hexval((unsigned char)p[i + 2 + k]);
                lo = h < 0 ? -1 : lo * 16 + h;
            }
            if (lo >= 0xDC00 && lo <= 0xDFFF) {
                cp = 0x10000 + ((cp - 0xD800) << 10) + ((uint32_t)lo - 0xDC00);
                i += 7;
            }
        }
        if ((cp >= 0xD800 && cp <= 0xDFFF) || cp == 0)
            cp = 0xFFFD;
        char b[4];
        if (sb_add(d, b, put_utf8(b, cp)) < 0)
            return -1;
    }
    return 0;
}

static void trim(const char **p, size_t *n)
{
    while (*n && is_space((unsigned char)**p)) {
        (*p)++;
        (*n)--;
    }
    while (*n && is_space((unsigned char)(*p)[*n - 1]))
        (*n)--;
}

/* "B3" -> column 1 (0-based); -1 if not a reference Excel could hold. */
static int64_t column_of(const char *r)
{
    int64_t c = 0;
    int k = 0;
    for (; r[k] >= 'A' && r[k] <= 'Z'; k++) {
        if (k == 3)
            return -1;
        c = c * 26 + (r[k] - 'A' + 1);
    }
    if (k == 0 || c > XLSX_COLS || r[k] < '1' || r[k] > '9')
        return -1;
    return c - 1;
}

static int sheet_row_start(bs_xt *x, const struct bs_xml_attr *a, size_t na)
{
    x->in_row = 1;
    x->role[x->depth] = RO_ROW;
    x->ncols = 0;
    x->next_col = 0;
    const char *r = attr(a, na, "r");
    uint64_t rn = 0;
    if (!r || parse_u64(r, strlen(r), &rn) < 0 || rn > XLSX_ROWS)
        rn = 0;
    if (rn <= x->row) {
        x->row++;   /* no number, or out of order: the next line */
        return BS_OK;
    }
    /* rows the part leaves out are empty lines: line N is row N */
    uint64_t gap = rn - x->row - 1;
    x->row = rn;
    return emit(x, "\n", 1, gap);
}

static int sheet_cell_start(bs_xt *x, const struct bs_xml_attr *a, size_t na)
{
    x->in_cell = 1;
    x->role[x->depth] = RO_CELL;
    const char *r = attr(a, na, "r");
    int64_t c = r ? column_of(r) : -1;
    x->col = c >= 0 ? (uint64_t)c : x->next_col;
    const char *t = attr(a, na, "t");
    x->ctype = !t                        ? 'n'
               : strcmp(t, "s") == 0     ? 's'
               : strcmp(t, "str") == 0   ? 'S'
               : strcmp(t, "inlineStr") == 0 ? 'i'
               : strcmp(t, "b") == 0     ? 'b'
                                         : 'n';   /* n, e, d: as stored */
    x->v.len = 0;
    x->is.len = 0;
    return BS_OK;
}

static int sheet_cell_end(bs_xt *x)
{
    x->in_cell = 0;
    x->cell.len = 0;
    const char *v = x->v.p ? x->v.p : "";
    size_t vn = x->v.len;
    int rc = 0;
    switch (x->ctype) {
    case 's': {
        trim(&v, &vn);
        if (!vn)
            break;
        uint64_t idx;
        size_t sl = 0;
        const char *s = NULL;
        if (parse_u64(v, vn, &idx) < 0)
            return xt_fail(x, BS_EFORMAT, "xlsx: shared string index is not a number at byte %llu",
                           at(x));
        if (x->sst && idx < bs_xt_count(x->sst))
            s = bs_xt_string(x->sst, (size_t)idx, &sl);
        if (!s)
            return xt_fail(x, BS_EFORMAT,
                           "xlsx: shared string %llu out of range (%zu strings) at byte %llu",
                           (unsigned long long)idx, x->sst ? bs_xt_count(x->sst) : 0, at(x));
        rc = sb_add(&x->cell, s, sl);
        break;
    }
    case 'i':
        rc = xdecode(x->is.p, x->is.len, &x->cell);
        break;
    case 'S':
        rc = xdecode(v, vn, &x->cell);
        break;
    case 'b':
        trim(&v, &vn);
        if (vn == 1 && (v[0] == '0' || v[0] == '1')) {
            v = v[0] == '1' ? "TRUE" : "FALSE";
            vn = strlen(v);
        }
        rc = sb_add(&x->cell, v, vn);
        break;
    default:
        trim(&v, &vn);
        rc = sb_add(&x->cell, v, vn);
        break;
    }
    if (rc < 0)
        return nomem(x);
    for (size_t i = 0; i < x->cell.len; i++)
        if (x->cell.p[i] == '\t' || x->cell.p[i] == '\n' || x->cell.p[i] == '\r')
            x->cell.p[i] = ' ';
    uint64_t c = x->col < x->ncols ? x->ncols : x->col;   /* out of order: after */
    x->next_col = c + 1;
    if (!x->cell.len)
        return BS_OK;   /* empty cells are written only as the TABs before the next */
    uint64_t tabs = x->ncols == 0 ? c : c - x->ncols + 1;
    x->ncols = c + 1;
    if ((rc = emit(x, "\t", 1, tabs)) != 0)
        return rc;
    return emit(x, x->cell.p, x->cell.len, 1);
}

static int sheet_start(bs_xt *x, const char *name, const char *ln, const struct bs_xml_attr *a,
                       size_t na)
{
    (void)name;
    if (strcmp(ln, "Fallback") == 0)
        return XT_SKIP;
    if (!x->in_sd) {
        if (strcmp(ln, "sheetData") == 0) {
            x->in_sd = 1;
            x->role[x->depth] = RO_SD;
        }
        return BS_OK;
    }
    if (!x->in_row)
        return strcmp(ln, "row") == 0 ? sheet_row_start(x, a, na) : BS_OK;
    if (!x->in_cell)
        return strcmp(ln, "c") == 0 ? sheet_cell_start(x, a, na) : BS_OK;
    int up = x->role[x->depth - 1];
    if (strcmp(ln, "rPh") == 0)
        return XT_SKIP;   /* phonetic reading, not shown */
    if (up == RO_CELL && strcmp(ln, "v") == 0) {
        x->role[x->depth] = RO_TEXT;
        x->cap_is = 0;
    } else if (up == RO_CELL && strcmp(ln, "is") == 0) {
        x->role[x->depth] = RO_IS;
    } else if (up == RO_IS && strcmp(ln, "r") == 0) {
        x->role[x->depth] = RO_ISRUN;
    } else if ((up == RO_IS || up == RO_ISRUN) && strcmp(ln, "t") == 0) {
        x->role[x->depth] = RO_TEXT;
        x->cap_is = 1;
    }
    return BS_OK;
}

static int sheet_end(bs_xt *x, const char *name, const char *ln)
{
    (void)name;
    (void)ln;
    switch (x->role[x->depth]) {
    case RO_SD:
        x->in_sd = 0;
        return BS_OK;
    case RO_ROW:
        x->in_row = 0;
        return emit(x, "\n", 1, 1);
    case RO_CELL:
        return sheet_cell_end(x);
    default:
        return BS_OK;
    }
}

static int sheet_text(bs_xt *x, const char *p, size_t n)
{
    if (x->role[x->depth] != RO_TEXT)
        return BS_OK;
    return hold(x, x->cap_is ? &x->is : &x->v, p, n, 1, 0);
}

/* ---- the tables ------------------------------------------------------------- */

static int tab_add(bs_xt *x, const char *p, size_t n)
{
    if (x->planned + n + 1 > x->limit || x->planned + n + 1 < x->planned) {
        char sz[64];
        bs_format_size(sz, sizeof sz, x->limit);
        return xt_fail(x, BS_ELIMIT, "%s: more than %s of strings at byte %llu", x->k->name, sz,
                       at(x));
    }
    if (x->ntab == x->offcap) {
        size_t nc = x->offcap ? 2 * x->offcap : 64;
        size_t *o = realloc(x->off, nc * sizeof *o);
        if (!o)
            return nomem(x);
        x->off = o;
        x->offcap = nc;
    }
    x->off[x->ntab] = x->tab.len;
    if (sb_add(&x->tab, p, n) < 0)
        return nomem(x);
    x->tab.len++;   /* keep the NUL */
    x->ntab++;
    x->planned += n + 1;
    return BS_OK;
}

static int tab_str(bs_xt *x, const char *s)
{
    return tab_add(x, s ? s : "", s ? strlen(s) : 0);
}

static const char *tab_get(const bs_xt *x, size_t i)
{
    return x->tab.p + x->off[i];
}

static int sst_start(bs_xt *x, const char *name, const char *ln, const struct bs_xml_attr *a,
                     size_t na)
{
    (void)name;
    (void)a;
    (void)na;
    if (strcmp(ln, "Fallback") == 0 || strcmp(ln, "rPh") == 0)
        return XT_SKIP;
    int up = x->role[x->depth - 1];
    if (!x->in_row) {
        if (strcmp(ln, "si") == 0) {
            x->in_row = 1;
            x->role[x->depth] = RO_SI;
            x->v.len = 0;
        }
    } else if (up == RO_SI && strcmp(ln, "r") == 0) {
        x->role[x->depth] = RO_ISRUN;
    } else if ((up == RO_SI || up == RO_ISRUN) && strcmp(ln, "t") == 0) {
        x->role[x->depth] = RO_TEXT;
    }
    return BS_OK;
}

static int sst_end(bs_xt *x, const char *name, const char *ln)
{
    (void)name;
    (void)ln;
    if (x->role[x->depth] != RO_SI)
        return BS_OK;
    x->in_row = 0;
    x->cell.len = 0;
    if (xdecode(x->v.p, x->v.len, &x->cell) < 0)
        return nomem(x);
    return tab_add(x, x->cell.p ? x->cell.p : "", x->cell.len);
}

static int sst_text(bs_xt *x, const char *p, size_t n)
{
    if (x->role[x->depth] != RO_TEXT)
        return BS_OK;
    return hold(x, &x->v, p, n, 1, 0);
}

static int list_end(bs_xt *x, const char *name, const char *ln)
{
    (void)name;
    (void)ln;
    if (x->role[x->depth] == RO_LIST)
        x->in_list = 0;
    return BS_OK;
}

static int workbook_start(bs_xt *x, const char *name, const char *ln,
                          const struct bs_xml_attr *a, size_t na)
{
    (void)name;
    int rc;
    if (strcmp(ln, "Fallback") == 0)
        return XT_SKIP;
    if (strcmp(ln, "sheets") == 0) {
        x->in_list = 1;
        x->role[x->depth] = RO_LIST;
    } else if (x->in_list && x->role[x->depth - 1] == RO_LIST && strcmp(ln, "sheet") == 0) {
        if ((rc = tab_str(x, attr(a, na, "name"))) != 0)
            return rc;
        return tab_str(x, attr_local(a, na, "id", 1));
    }
    return BS_OK;
}

static int presentation_start(bs_xt *x, const char *name, const char *ln,
                              const struct bs_xml_attr *a, size_t na)
{
    (void)name;
    if (strcmp(ln, "Fallback") == 0)
        return XT_SKIP;
    if (strcmp(ln, "sldIdLst") == 0) {
        x->in_list = 1;
        x->role[x->depth] = RO_LIST;
    } else if (x->in_list && x->role[x->depth - 1] == RO_LIST && strcmp(ln, "sldId") == 0) {
        return tab_str(x, attr_local(a, na, "id", 1));
    }
    return BS_OK;
}

static int rels_start(bs_xt *x, const char *name, const char *ln, const struct bs_xml_attr *a,
                      size_t na)
{
    (void)name;
    int rc;
    if (strcmp(ln, "Relationship") != 0)
        return BS_OK;
    const char *mode = attr(a, na, "TargetMode");
    if ((rc = tab_str(x, attr(a, na, "Id"))) != 0 || (rc = tab_str(x, attr(a, na, "Type"))) != 0 ||
        (rc = tab_str(x, attr(a, na, "Target"))) != 0)
        return rc;
    return tab_str(x, mode && strcmp(mode, "External") == 0 ? "1" : "");
}

static int no_end(bs_xt *x, const char *name, const char *ln)
{
    (void)x;
    (void)name;
    (void)ln;
    return BS_OK;
}

static const struct kind kinds[BS_XT_KINDS] = {
    [BS_XT_DOCX] = {"docx", docx_start, lines_end, lines_text, 0},
    [BS_XT_PPTX] = {"pptx", pptx_start, lines_end, lines_text, 0},
    [BS_XT_XLSX_SHEET] = {"xlsx", sheet_start, sheet_end, sheet_text, 0},
    [BS_XT_ODT] = {"odt", odt_start, lines_end, lines_text, 0},
    [BS_XT_ODS] = {"ods", ods_start, ods_end, lines_text, 0},
    [BS_XT_ODP] = {"odp", odp_start, odp_end, lines_text, 0},
    [BS_XT_XLSX_STRINGS] = {"xlsx", sst_start, sst_end, sst_text, 1},
    [BS_XT_XLSX_WORKBOOK] = {"xlsx", workbook_start, list_end, NULL, 2},
    [BS_XT_PPTX_PRESENTATION] = {"pptx", presentation_start, list_end, NULL, 1},
    [BS_XT_RELS] = {"rels", rels_start, no_end, NULL, 4},
};

/* ---- the events ------------------------------------------------------------- */

/* After an event: pause when something waits (queued writes, a member to
 * announce) or the output is full. */
static int after(bs_xt *x, int rc)
{
    if (rc < 0)
        return rc;
    if (x->qn || x->member_due || pending(x) >= BS_XT_HIGH_WATER)
        return BS_XT_PAUSE;
    return BS_OK;
}

static int on_start(void *ctx, const char *name, const struct bs_xml_attr *a, size_t na)
{
    bs_xt *x = ctx;
    x->depth++;
    if (x->skip)
        return BS_OK;
    x->role[x->depth] = RO_NONE;
    int rc = x->k->start(x, name, local(name), a, na);
    if (rc == XT_SKIP) {
        x->skip = x->depth;
        rc = BS_OK;
    }
    return after(x, rc);
}

static int on_end(void *ctx, const char *name)
{
    bs_xt *x = ctx;
    int rc = BS_OK;
    if (x->skip) {
        if (x->skip == x->depth)
            x->skip = 0;
    } else {
        rc = x->k->end(x, name, local(name));
    }
    x->depth--;
    return after(x, rc);
}

/* Text never pauses: it is written whole (it is at most BS_XML_TEXT_MAX),
 * and the next tag pauses if the output is full. */
static int on_text(void *ctx, const char *p, size_t n)
{
    bs_xt *x = ctx;
    if (x->skip || !x->k->text)
        return BS_OK;
    int rc = x->k->text(x, p, n);
    return rc < 0 ? rc : BS_OK;
}

/* ---- the API ---------------------------------------------------------------- */

int bs_xt_new(bs_xt **out, int kind, const struct bs_xt_options *opt)
{
    *out = NULL;
    if (kind <= 0 || kind >= BS_XT_KINDS)
        return BS_EINVAL;
    if (opt && opt->strings && opt->strings->kind != BS_XT_XLSX_STRINGS)
        return BS_EINVAL;
    bs_xt *x = calloc(1, sizeof *x);
    if (!x)
        return BS_ENOMEM;
    static const struct bs_xml_handler h = {on_start, on_end, on_text};
    if (bs_xml_new(&x->xml, &h, x) != BS_OK) {
        free(x);
        return BS_ENOMEM;
    }
    x->kind = kind;
    x->k = &kinds[kind];
    x->limit = opt && opt->limit ? opt->limit : UINT64_MAX;
    x->sst = opt ? opt->strings : NULL;
    x->odf = kind == BS_XT_ODT || kind == BS_XT_ODS || kind == BS_XT_ODP;
    x->active = kind != BS_XT_ODP;
    if (sb_add(&x->member, "", 0) < 0) {
        bs_xt_free(x);
        return BS_ENOMEM;
    }
    *out = x;
    return BS_OK;
}

void bs_xt_free(bs_xt *x)
{
    if (!x)
        return;
    bs_xml_free(x->xml);
    struct sbuf *bufs[] = {&x->out,  &x->member,   &x->defer,    &x->v,        &x->is,
                           &x->cell, &x->rowbuf, &x->fallback, &x->pagename, &x->tab};
    for (size_t i = 0; i < sizeof bufs / sizeof bufs[0]; i++)
        free(bufs[i]->p);
    free(x->off);
    free(x);
}

/* What the tokenizer's pause means to the caller. */
static int paused(bs_xt *x)
{
    if (!x->qn && x->member_due) {
        x->member_due = 0;
        return BS_XT_MEMBER;
    }
    return BS_XT_PAUSE;
}

int bs_xt_feed(bs_xt *x, const void *p, size_t n, size_t *used)
{
    *used = 0;
    if (x->status < 0)
        return x->status;
    int rc = drain(x);
    if (rc)
        return rc < 0 ? (x->status = rc) : rc;
    if (x->member_due)
        return paused(x);
    rc = bs_xml_feed(x->xml, p, n, used);
    if (rc < 0)
        return x->status = rc;
    return rc > 0 ? paused(x) : BS_OK;
}

int bs_xt_finish(bs_xt *x)
{
    if (x->status < 0)
        return x->status;
    int rc = drain(x);
    if (rc)
        return rc < 0 ? (x->status = rc) : rc;
    if (x->member_due)
        return paused(x);
    rc = bs_xml_finish(x->xml);
    if (rc < 0)
        return x->status = rc;
    return rc > 0 ? paused(x) : BS_OK;
}

const char *bs_xt_text(const bs_xt *x, size_t *len)
{
    *len = pending(x);
    return x->out.p ? x->out.p + x->out_start : "";
}

void bs_xt_take(bs_xt *x, size_t n)
{
    if (n > pending(x))
        n = pending(x);
    x->out_start += n;
    if (x->out_start == x->out.len)
        x->out_start = x->out.len = 0;
}

const char *bs_xt_member(const bs_xt *x)
{
    return x->member.p;
}

const char *bs_xt_error(const bs_xt *x)
{
    return bs_xml_error(x->xml);
}

size_t bs_xt_count(const bs_xt *x)
{
    return x->k->fields ? x->ntab / (size_t)x->k->fields : 0;
}

const char *bs_xt_string(const bs_xt *x, size_t i, size_t *len)
{
    if (x->kind != BS_XT_XLSX_STRINGS || i >= x->ntab)
        return NULL;
    if (len)
        *len = (i + 1 < x->ntab ? x->off[i + 1] : x->tab.len) - x->off[i] - 1;
    return tab_get(x, i);
}

int bs_xt_sheet(const bs_xt *x, size_t i, const char **name, const char **rid)
{
    if (x->kind != BS_XT_XLSX_WORKBOOK || i >= bs_xt_count(x))
        return BS_EINVAL;
    *name = tab_get(x, 2 * i);
    *rid = tab_get(x, 2 * i + 1);
    return BS_OK;
}

const char *bs_xt_slide(const bs_xt *x, size_t i)
{
    if (x->kind != BS_XT_PPTX_PRESENTATION || i >= bs_xt_count(x))
        return NULL;
    return tab_get(x, i);
}

int bs_xt_rel(const bs_xt *x, size_t i, struct bs_xt_rel *r)
{
    if (x->kind != BS_XT_RELS || i >= bs_xt_count(x))
        return BS_EINVAL;
    r->id = tab_get(x, 4 * i);
    r->type = tab_get(x, 4 * i + 1);
    r->target = tab_get(x, 4 * i + 2);
    r->external = *tab_get(x, 4 * i + 3) != 0;
    return BS_OK;
}

/* ---- part names ------------------------------------------------------------- */

/* Adds the path segment s[0..n) to out[0..*len): "." and "" are nothing,
 * ".." removes the last segment. */
static int path_add(char *out, size_t outlen, size_t *len, const char *s, size_t n)
{
    if (n == 0 || (n == 1 && s[0] == '.'))
        return BS_OK;
    if (n == 2 && s[0] == '.' && s[1] == '.') {
        if (*len == 0)
            return BS_EFORMAT;   /* above the root of the package */
        while (*len > 0 && out[*len - 1] != '/')
            (*len)--;
        if (*len > 0)
            (*len)--;
        out[*len] = 0;
        return BS_OK;
    }
    size_t need = (*len ? 1 : 0) + n + 1;
    if (need > outlen - *len)
        return BS_ELIMIT;
    if (*len)
        out[(*len)++] = '/';
    memcpy(out + *len, s, n);
    *len += n;
    out[*len] = 0;
    return BS_OK;
}

static int path_add_all(char *out, size_t outlen, size_t *len, const char *s, size_t n)
{
    size_t i = 0;
    while (i < n) {
        const char *sl = memchr(s + i, '/', n - i);
        size_t j = sl ? (size_t)(sl - s) : n;
        int rc = path_add(out, outlen, len, s + i, j - i);
        if (rc)
            return rc;
        i = j + 1;
    }
    return BS_OK;
}

int bs_xt_part_name(const char *source, const char *target, char *out, size_t outlen)
{
    size_t len = 0;
    if (!outlen)
        return BS_ELIMIT;
    out[0] = 0;
    if (!*target)
        return BS_EFORMAT;
    int rc = BS_OK;
    if (target[0] == '/') {
        target++;
    } else {
        const char *sl = strrchr(source, '/');
        if (sl)
            rc = path_add_all(out, outlen, &len, source, (size_t)(sl - source));
    }
    if (!rc)
        rc = path_add_all(out, outlen, &len, target, strlen(target));
    if (!rc && len == 0)
        rc = BS_EFORMAT;
    if (rc)
        out[0] = 0;
    return rc;
}

int bs_xt_rels_name(const char *part, char *out, size_t outlen)
{
    const char *sl = strrchr(part, '/');
    size_t dir = sl ? (size_t)(sl - part) + 1 : 0;
    int n = snprintf(out, outlen, "%.*s_rels/%s.rels", (int)dir, part, part + dir);
    if (n < 0 || (size_t)n >= outlen) {
        if (outlen)
            out[0] = 0;
        return BS_ELIMIT;
    }
    return BS_OK;
}

int bs_xt_rel_part(const bs_xt *rels, const char *source, const char *id, char *out,
                   size_t outlen)
{
    struct bs_xt_rel r;
    for (size_t i = 0; bs_xt_rel(rels, i, &r) == BS_OK; i++)
        if (strcmp(r.id, id) == 0) {
            if (r.external)
                return BS_EFORMAT;
            return bs_xt_part_name(source, r.target, out, outlen);
        }
    return BS_EFORMAT;
}
