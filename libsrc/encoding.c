/* Charset names, and the text step of detection. */
#include "bs_private.h"

#include <ctype.h>
#include <iconv.h>
#include <string.h>

/* Our own converter for `name`, or NULL for iconv's.  Case, '-' and '_'
 * are ignored: "UTF-16LE", "utf16le" and "utf_16le" are one name. */
static const struct bs_layer_ops *own_layer(const char *name)
{
    static const struct {
        const char *name;
        const struct bs_layer_ops *ops;
    } own[] = {
        {"utf8", &bs_utf8_ops},         {"utf16", &bs_utf16le_ops},
        {"utf16le", &bs_utf16le_ops},   {"utf16be", &bs_utf16be_ops},
        {"utf32", &bs_utf32le_ops},     {"utf32le", &bs_utf32le_ops},
        {"utf32be", &bs_utf32be_ops},
    };
    char key[16];
    size_t k = 0;
    for (const char *p = name; *p; p++) {
        if (*p == '-' || *p == '_')
            continue;
        if (k + 1 >= sizeof key)
            return NULL;
        key[k++] = (char)tolower((unsigned char)*p);
    }
    key[k] = 0;
    for (size_t i = 0; i < sizeof own / sizeof own[0]; i++)
        if (strcmp(key, own[i].name) == 0)
            return own[i].ops;
    return NULL;
}

int bs_push_utf8(byte_source *s) { return bs_push(s, "utf-8"); }
int bs_push_utf16le(byte_source *s) { return bs_push(s, "utf-16le"); }
int bs_push_utf16be(byte_source *s) { return bs_push(s, "utf-16be"); }
int bs_push_utf32le(byte_source *s) { return bs_push(s, "utf-32le"); }
int bs_push_utf32be(byte_source *s) { return bs_push(s, "utf-32be"); }

int bs_push_iconv(byte_source *s, const char *charset)
{
    if (!s || !charset)
        return BS_EINVAL;
    if (!s->top)
        return bs_set_error(s, BS_EINVAL, "no base to push %s on", charset);
    return bs_layer_add_arg(s, &bs_iconv_ops, charset, NULL);
}

int bs_push_encoding(byte_source *s, const char *name)
{
    if (!s || !name)
        return BS_EINVAL;
    const struct bs_layer_ops *ops = own_layer(name);
    if (ops)
        return bs_push(s, ops->name);
    return bs_push_iconv(s, name);
}

int bs_encoding_supported(const char *name)
{
    if (!name || !*name)
        return 0;
    if (own_layer(name))
        return 1;
    iconv_t cd = iconv_open("UTF-8", name);
    if (cd == (iconv_t)-1)
        return 0;
    iconv_close(cd);
    return 1;
}

int bs_detect_text(byte_source *s, const unsigned char *p, size_t n)
{
    if (s->opt.text == BS_TEXT_NONE)
        return 0;
    const char *enc = s->opt.encoding;
    if (enc[0]) {
        /* UTF-8 is what no layer at all gives */
        if (own_layer(enc) == &bs_utf8_ops)
            return 0;
        int rc = bs_push_encoding(s, enc);
        return rc < 0 ? rc : 1;
    }
    if (s->opt.text != BS_TEXT_AUTO)
        return 0;
    /* The first 512 bytes decide whether to look at 4 KiB: text with no
     * NUL, UTF-8 logs on a pipe included, never waits for more than the
     * bids did, and the answer does not depend on how a pipe was filled. */
    const struct bs_layer_ops *ops = bs_utf16_guess(p, n < BS_BID_BYTES ? n : BS_BID_BYTES);
    if (!ops)
        return 0;
    int rc = bs_layer_peek(s->top, BS_GUESS_BYTES, &p, &n);
    if (rc < 0)
        return rc;
    if (bs_utf16_guess(p, n) != ops)
        return 0;
    rc = bs_layer_add(s, ops, NULL);
    return rc < 0 ? rc : 1;
}
