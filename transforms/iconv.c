/* Any other charset glibc's iconv knows (latin1, cp1252, shift_jis,
 * gb18030, koi8-r, ...), transcoded to UTF-8.  A byte iconv refuses
 * becomes U+FFFD and the next byte is tried; a sequence cut by the end of
 * a window is completed from the next one, and becomes U+FFFD only at the
 * end of the stream.
 *
 * Single-byte charsets (the Latin-1 family, the Windows code pages,
 * KOI8-R, ...) are found at set-up by asking iconv for each byte alone:
 * they are then converted through a 256-entry table, with a fast path for
 * ASCII, instead of by iconv, which is several times slower (97 MB of
 * Latin-1: 0.13 s by iconv). */
#include "bs_private.h"

#include <errno.h>
#include <iconv.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* Room enough for what iconv may hold back plus U+FFFD (pend's size). */
#define FLUSH_ROOM 32

struct ic {
    iconv_t cd;
    int table;                  /* single-byte: converted through map */
    int ascii;                  /* ... and bytes below 0x80 are ASCII */
    unsigned char map[256][4];  /* each byte's UTF-8, maplen[b] bytes of it */
    unsigned char maplen[256];
    unsigned char pend[FLUSH_ROOM];   /* converted bytes that did not fit */
    size_t plen, ppos;
    int flushed;                /* the end of the stream reached iconv */
};

static const unsigned char replacement[3] = {0xEF, 0xBF, 0xBD};

/* Whether every byte converts by itself to one character at most 4 UTF-8
 * bytes long, with nothing held back for the next byte (glibc's CP1255 and
 * CP1258 hold a letter back to combine it with an accent that follows). */
static int probe_bytes(struct ic *c)
{
    c->ascii = 1;
    for (int b = 0; b < 256; b++) {
        char in = (char)b, out[16], *ip = &in, *op = out;
        size_t il = 1, ol = sizeof out;
        iconv(c->cd, NULL, NULL, NULL, NULL);
        if (iconv(c->cd, &ip, &il, &op, &ol) == (size_t)-1) {
            if (errno != EILSEQ)
                return 0;   /* the start of a longer sequence */
            memcpy(c->map[b], replacement, sizeof replacement);
            c->maplen[b] = sizeof replacement;
            c->ascii &= b >= 0x80;
            continue;
        }
        size_t k = sizeof out - ol;
        if (il || k == 0 || k > 4 || iconv(c->cd, NULL, NULL, &op, &ol) == (size_t)-1 ||
            sizeof out - ol != k)
            return 0;
        memcpy(c->map[b], out, k);
        c->maplen[b] = (unsigned char)k;
        if (b < 0x80 && (k != 1 || (unsigned char)out[0] != b))
            c->ascii = 0;
    }
    return 1;
}

static int build_table(struct ic *c)
{
    int ok = probe_bytes(c);
    /* drop whatever a probe left held back */
    iconv(c->cd, NULL, NULL, NULL, NULL);
    return ok;
}

static int ascii16(const unsigned char *p)
{
    uint64_t a, b;
    memcpy(&a, p, 8);
    memcpy(&b, p + 8, 8);
    return ((a | b) & 0x8080808080808080ull) == 0;
}

static size_t table_convert(const struct ic *c, const unsigned char *in, size_t n, size_t *used,
                            unsigned char *out, size_t cap)
{
    size_t i = 0, o = 0;
    for (;;) {
        while (c->ascii && n - i >= 16 && cap - o >= 16 && ascii16(in + i)) {
            memcpy(out + o, in + i, 16);
            i += 16;
            o += 16;
        }
        for (int k = 0; k < 16; k++) {
            if (i == n || cap - o < 4)
                goto done;
            unsigned b = in[i++];
            memcpy(out + o, c->map[b], 4);
            o += c->maplen[b];
        }
    }
done:
    *used = i;
    return o;
}

static int ic_init(struct bs_layer *l)
{
    const char *cs = l->arg;
    if (!cs || !*cs)
        return bs_fail(l, BS_EINVAL, "iconv: no charset given");
    struct ic *c = calloc(1, sizeof *c);
    if (!c)
        return bs_decode_fail(l, BS_ENOMEM, "out of memory");
    c->cd = iconv_open("UTF-8", cs);
    if (c->cd == (iconv_t)-1) {
        free(c);
        return bs_fail(l, BS_EUNSUPPORTED, "unknown encoding %s", cs);
    }
    l->state = c;
    c->table = build_table(c);
    snprintf(l->label, sizeof l->label, "%s", cs);
    return BS_OK;
}

static void ic_close(struct bs_layer *l)
{
    struct ic *c = l->state;
    if (!c)
        return;
    iconv_close(c->cd);
    free(c);
    l->state = NULL;
}

/* Converts from in[0..n) into out[0..cap) (cap >= 3); *used and the
 * return value as for the Unicode layers' convert. */
static size_t convert(struct ic *c, const unsigned char *in, size_t n, size_t *used,
                      unsigned char *out, size_t cap, int at_end)
{
    if (c->table)
        return table_convert(c, in, n, used, out, cap);
    char *ip = (char *)in, *op = (char *)out;
    size_t il = n, ol = cap;
    while (il) {
        if (iconv(c->cd, &ip, &il, &op, &ol) != (size_t)-1)
            break;
        if (errno == E2BIG || ol < FLUSH_ROOM)
            break;
        if (errno == EINVAL && !at_end)
            break;   /* the rest of the sequence is in the next window */
        /* EILSEQ, or a sequence the stream ends inside: what iconv held
         * back comes out first (a letter waiting for an accent), and its
         * state starts over; then U+FFFD for the first byte, and the
         * bytes after it are tried again */
        iconv(c->cd, NULL, NULL, &op, &ol);
        if (ol < sizeof replacement)
            break;
        memcpy(op, replacement, sizeof replacement);
        op += sizeof replacement;
        ol -= sizeof replacement;
        ip++;
        il--;
    }
    *used = n - il;
    return cap - ol;
}

static int ic_read(struct bs_layer *l, unsigned char *dst, size_t cap, size_t *got)
{
    struct ic *c = l->state;
    const unsigned char *p;
    size_t n, made = 0;
    while (c->ppos < c->plen && made < cap)
        dst[made++] = c->pend[c->ppos++];
    if (made == cap) {
        *got = made;
        return BS_OK;
    }
    size_t need = 1;
    for (;;) {
        int rc = bs_layer_peek(l->below, need, &p, &n);
        if (n == 0 && rc != BS_OK && !c->flushed && !c->table) {
            /* a character held back for an accent that never came */
            char *op = (char *)c->pend;
            size_t ol = sizeof c->pend;
            c->flushed = 1;
            iconv(c->cd, NULL, NULL, &op, &ol);
            c->plen = sizeof c->pend - ol;
            c->ppos = 0;
            while (c->ppos < c->plen && made < cap)
                dst[made++] = c->pend[c->ppos++];
        }
        if (n == 0) {
            *got = made;
            /* a failure below waits until pend is handed out */
            return made && (rc == BS_END || c->ppos < c->plen) ? BS_OK : rc;
        }
        int at_end = rc != BS_OK || n < need;
        size_t used, o;
        if (cap - made >= sizeof c->pend) {
            o = convert(c, p, n, &used, dst + made, cap - made, at_end);
        } else {
            /* too little room for sure: convert a little into pend */
            o = convert(c, p, n, &used, c->pend, sizeof c->pend, at_end);
            c->plen = o;
            c->ppos = 0;
            while (c->ppos < c->plen && made < cap)
                dst[made++] = c->pend[c->ppos++];
            o = 0;
        }
        bs_layer_consume(l->below, used);
        made += o;
        if (made) {
            *got = made;
            return rc < 0 && used == n && c->ppos == c->plen ? rc : BS_OK;
        }
        /* nothing made: past an incomplete sequence, look further */
        need = used ? 1 : n + 1;
    }
}

const struct bs_layer_ops bs_iconv_ops = {
    .version = BS_OPS_VERSION,
    .name = "iconv",
    .flags = BS_OPS_TEXT | BS_OPS_WORK,
    .init = ic_init,
    .read = ic_read,
    .close = ic_close,
};
