/* tar: ustar, GNU (long names, base-256 sizes) and pax (path and size
 * records) archives, read as a stream, so they work inside any
 * compression layer and on pipes.  Regular files are the members; links,
 * directories, devices and the like are passed over. */
#define _POSIX_C_SOURCE 200809L
#include "bs_private.h"

#include <stdlib.h>
#include <string.h>

#define BLOCK 512
/* GNU long names and pax headers are read whole: a larger one is refused
 * rather than allowed to take memory without bound. */
#define META_MAX ((uint64_t)1 << 20)

struct tar {
    uint64_t left;     /* bytes of the current member not yet read */
    uint64_t pad;      /* zero bytes after it, to the next block */
    uint64_t pos;      /* bytes consumed from the layer below */
    uint64_t count;    /* members so far */
    int done;          /* the end marker (or the end of the data) was met */
    char *name;        /* the current member's name */
    char *longname;    /* from a GNU 'L' or pax 'x' header, for the next file */
    int has_size;      /* a pax size for the next file */
    uint64_t size;
};

/* The header's checksum: the sum of its bytes with the checksum field
 * taken as spaces, unsigned (POSIX) or signed (some old tars). */
static int checksum_ok(const unsigned char *h)
{
    unsigned long u = 0;
    long sg = 0;
    for (int i = 0; i < BLOCK; i++) {
        unsigned char c = i >= 148 && i < 156 ? ' ' : h[i];
        u += c;
        sg += (signed char)c;
    }
    unsigned long stored = 0;
    int digits = 0, i = 148;
    while (i < 156 && h[i] == ' ')
        i++;
    for (; i < 156 && h[i] >= '0' && h[i] <= '7'; i++, digits++)
        stored = stored * 8 + (unsigned)(h[i] - '0');
    if (!digits || (i < 156 && h[i] != ' ' && h[i] != 0))
        return 0;
    return stored == u || (long)stored == sg;
}

/* A numeric field: octal digits (spaces and NULs around them), or GNU's
 * base-256 with the high bit of the first byte set.  -1 if malformed. */
static int number(const unsigned char *f, int len, uint64_t *out)
{
    uint64_t v = 0;
    if (f[0] & 0x80) {
        if (f[0] & 0x40)
            return -1;   /* negative */
        v = f[0] & 0x3F;
        for (int i = 1; i < len; i++) {
            if (v >> 56)
                return -1;
            v = v << 8 | f[i];
        }
        *out = v;
        return 0;
    }
    int i = 0;
    while (i < len && f[i] == ' ')
        i++;
    for (; i < len && f[i] >= '0' && f[i] <= '7'; i++) {
        if (v >> 60)
            return -1;
        v = v * 8 + (uint64_t)(f[i] - '0');
    }
    for (; i < len; i++)
        if (f[i] != ' ' && f[i] != 0)
            return -1;
    *out = v;
    return 0;
}

static int all_zero(const unsigned char *p, size_t n)
{
    for (size_t i = 0; i < n; i++)
        if (p[i])
            return 0;
    return 1;
}

/* A checksum that holds is 17 bits of evidence or so; the ustar magic
 * adds its 48.  Old v7 archives have only the checksum, and a name. */
static int tar_bid(const unsigned char *p, size_t len, int at_end)
{
    (void)at_end;
    if (len < BLOCK || all_zero(p, BLOCK) || !checksum_ok(p))
        return 0;
    uint64_t size;
    if (number(p + 124, 12, &size) < 0 || p[0] == 0)
        return 0;
    if (memcmp(p + 257, "ustar", 5) == 0)
        return 64;
    return 24;
}

static int tar_init(struct bs_layer *l)
{
    struct tar *t = calloc(1, sizeof *t);
    if (!t)
        return bs_decode_fail(l, BS_ENOMEM, "out of memory");
    l->state = t;
    return BS_OK;
}

static void tar_close(struct bs_layer *l)
{
    struct tar *t = l->state;
    if (!t)
        return;
    free(t->name);
    free(t->longname);
    free(t);
    l->state = NULL;
}

/* Consumes n bytes from the layer below. */
static int skip(struct bs_layer *l, struct tar *t, uint64_t n)
{
    int rc = bs_layer_skip(l->below, n, &t->pos);
    return rc == BS_END ? bs_decode_fail(l, BS_EFORMAT, "unexpected end of archive") : rc;
}

/* Reads a member's data of n bytes (and its padding) into a new string. */
static int read_meta(struct bs_layer *l, struct tar *t, uint64_t n, char **out)
{
    if (n > META_MAX)
        return bs_decode_fail(l, BS_EFORMAT, "extended header of %llu bytes at byte %llu is "
                              "larger than %llu", (unsigned long long)n,
                              (unsigned long long)t->pos, (unsigned long long)META_MAX);
    char *s = malloc((size_t)n + 1);
    if (!s)
        return bs_decode_fail(l, BS_ENOMEM, "out of memory");
    size_t have = 0;
    while (have < n) {
        const unsigned char *p;
        size_t got;
        int rc = bs_layer_peek(l->below, 1, &p, &got);
        if (got == 0) {
            free(s);
            return rc < 0 ? rc : bs_decode_fail(l, BS_EFORMAT, "unexpected end of archive");
        }
        size_t k = got < n - have ? got : (size_t)(n - have);
        memcpy(s + have, p, k);
        bs_layer_consume(l->below, k);
        t->pos += k;
        have += k;
    }
    s[n] = 0;
    int rc = skip(l, t, (BLOCK - n % BLOCK) % BLOCK);
    if (rc < 0) {
        free(s);
        return rc;
    }
    *out = s;
    return BS_OK;
}

/* pax records "LEN key=value\n": the path and size of the next file. */
static int parse_pax(struct bs_layer *l, struct tar *t, char *rec, size_t n)
{
    size_t i = 0;
    while (i < n) {
        size_t len = 0, j = i;
        while (j < n && rec[j] >= '0' && rec[j] <= '9' && len < n)
            len = len * 10 + (size_t)(rec[j++] - '0');
        if (j == i || j >= n || rec[j] != ' ' || len < j - i + 3 || len > n - i ||
            rec[i + len - 1] != '\n')
            return bs_decode_fail(l, BS_EFORMAT, "malformed pax header before byte %llu",
                                  (unsigned long long)t->pos);
        char *key = rec + j + 1, *end = rec + i + len - 1;
        char *eq = memchr(key, '=', (size_t)(end - key));
        if (eq) {
            *end = 0;
            *eq = 0;
            if (strcmp(key, "path") == 0) {
                char *copy = strdup(eq + 1);
                if (!copy)
                    return bs_decode_fail(l, BS_ENOMEM, "out of memory");
                free(t->longname);
                t->longname = copy;
            } else if (strcmp(key, "size") == 0) {
                char *e;
                unsigned long long v = strtoull(eq + 1, &e, 10);
                if (*e || e == eq + 1)
                    return bs_decode_fail(l, BS_EFORMAT, "malformed pax size before byte %llu",
                                          (unsigned long long)t->pos);
                t->size = v;
                t->has_size = 1;
            }
        }
        i += len;
    }
    return BS_OK;
}

/* The name of a ustar/GNU/v7 header: prefix/name for ustar. */
static char *header_name(const unsigned char *h)
{
    char name[256 + 2];
    size_t k = 0;
    if (memcmp(h + 257, "ustar\0", 6) == 0 && h[345]) {
        size_t pl = strnlen((const char *)h + 345, 155);
        memcpy(name, h + 345, pl);
        k = pl;
        name[k++] = '/';
    }
    size_t nl = strnlen((const char *)h, 100);
    memcpy(name + k, h, nl);
    name[k + nl] = 0;
    return strdup(name);
}

static int tar_next(struct bs_layer *l)
{
    struct tar *t = l->state;
    if (t->done)
        return BS_END;
    int rc = skip(l, t, t->left + t->pad);
    t->left = t->pad = 0;
    if (rc < 0)
        return rc;
    for (;;) {
        const unsigned char *h;
        size_t n;
        rc = bs_layer_peek(l->below, BLOCK, &h, &n);
        if (n == 0 && rc == BS_END) {
            /* no end marker: the archive ends with its last member */
            t->done = 1;
            return BS_END;
        }
        if (n < BLOCK)
            return rc < 0 ? rc : bs_decode_fail(l, BS_EFORMAT, "unexpected end of archive "
                                                "in a header at byte %llu",
                                                (unsigned long long)t->pos);
        if (all_zero(h, BLOCK)) {
            t->done = 1;
            return BS_END;
        }
        uint64_t size;
        if (!checksum_ok(h) || number(h + 124, 12, &size) < 0)
            return bs_decode_fail(l, BS_EFORMAT, "bad header at byte %llu",
                                  (unsigned long long)t->pos);
        unsigned char type = h[156];
        char *name = type == '0' || type == 0 || type == '7' ? header_name(h) : NULL;
        bs_layer_consume(l->below, BLOCK);
        t->pos += BLOCK;
        if (t->has_size)
            size = t->size;
        if (size > UINT64_MAX - BLOCK) {
            free(name);
            return bs_decode_fail(l, BS_EFORMAT, "bad size in the header at byte %llu",
                                  (unsigned long long)(t->pos - BLOCK));
        }
        uint64_t pad = (BLOCK - size % BLOCK) % BLOCK;
        switch (type) {
        case 'L': /* GNU: the next header's long name */
        case 'x': { /* pax: records for the next header */
            char *meta = NULL;
            rc = read_meta(l, t, size, &meta);
            if (rc < 0)
                return rc;
            if (type == 'L') {
                free(t->longname);
                t->longname = meta;
            } else {
                rc = parse_pax(l, t, meta, (size_t)size);
                free(meta);
                if (rc < 0)
                    return rc;
            }
            continue;
        }
        case '0': case 0: case '7':
            if (!name)
                return bs_decode_fail(l, BS_ENOMEM, "out of memory");
            free(t->name);
            t->name = t->longname ? t->longname : name;
            if (t->longname)
                free(name);
            t->longname = NULL;
            t->has_size = 0;
            t->left = size;
            t->pad = pad;
            t->count++;
            l->member = t->name;
            return BS_OK;
        default:
            /* links, directories, devices, volume labels, global pax
             * headers: their data (if any) is not a file's */
            free(t->longname);
            t->longname = NULL;
            t->has_size = 0;
            rc = skip(l, t, size + pad);
            if (rc < 0)
                return rc;
        }
    }
}

static int tar_read(struct bs_layer *l, unsigned char *dst, size_t cap, size_t *got)
{
    struct tar *t = l->state;
    *got = 0;
    if (!l->member || t->left == 0)
        return BS_END;
    const unsigned char *p;
    size_t n;
    int rc = bs_layer_peek(l->below, 1, &p, &n);
    if (n == 0)
        return rc < 0 ? rc : bs_decode_fail(l, BS_EFORMAT, "unexpected end of archive "
                                            "(%llu bytes of the member missing)",
                                            (unsigned long long)t->left);
    size_t k = n < cap ? n : cap;
    if (k > t->left)
        k = (size_t)t->left;
    memcpy(dst, p, k);
    bs_layer_consume(l->below, k);
    t->pos += k;
    t->left -= k;
    *got = k;
    return BS_OK;
}

const struct bs_layer_ops bs_tar_ops = {
    .version = BS_OPS_VERSION,
    .name = "tar",
    .flags = BS_OPS_CONTAINER,
    .bid = tar_bid,
    .init = tar_init,
    .read = tar_read,
    .next_member = tar_next,
    .close = tar_close,
};
