/* Any other charset glibc's iconv knows (latin1, cp1252, shift_jis,
 * gb18030, koi8-r, ...), transcoded to UTF-8.  A byte iconv refuses
 * becomes U+FFFD and the next byte is tried; a sequence cut by the end of
 * a window is completed from the next one, and becomes U+FFFD only at the
 * end of the stream. */
#include "bs_private.h"

#include <errno.h>
#include <iconv.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

struct ic {
    iconv_t cd;
    unsigned char pend[32];   /* converted bytes that did not fit */
    size_t plen, ppos;
};

static const unsigned char replacement[3] = {0xEF, 0xBF, 0xBD};

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
    char *ip = (char *)in, *op = (char *)out;
    size_t il = n, ol = cap;
    while (il) {
        if (iconv(c->cd, &ip, &il, &op, &ol) != (size_t)-1)
            break;
        if (errno == E2BIG || ol < sizeof replacement)
            break;
        if (errno == EINVAL && !at_end)
            break;   /* the rest of the sequence is in the next window */
        /* EILSEQ, or a sequence the stream ends inside: U+FFFD for its
         * first byte, and the bytes after it are tried again */
        memcpy(op, replacement, sizeof replacement);
        op += sizeof replacement;
        ol -= sizeof replacement;
        ip++;
        il--;
        /* a stateful charset starts over after the damage */
        iconv(c->cd, NULL, NULL, NULL, NULL);
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
        if (n == 0) {
            *got = made;
            return rc == BS_END && made ? BS_OK : rc;
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
            return rc < 0 && used == n ? rc : BS_OK;
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
