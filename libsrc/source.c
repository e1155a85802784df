/* The byte_source handle: windows, peek/consume, the chain, messages. */
#define _POSIX_C_SOURCE 200809L
#include "bs_private.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

void bs_options_init(bs_options *opt)
{
    if (!opt)
        return;
    memset(opt, 0, sizeof *opt);
    opt->mmap_mode = BS_MMAP_AUTO;
    opt->mmap_threshold = BS_MMAP_THRESHOLD_DEFAULT;
    opt->window = BS_WINDOW_DEFAULT;
    opt->window_max = BS_WINDOW_MAX_DEFAULT;
    opt->decode_floor = BS_DECODE_FLOOR_DEFAULT;
    opt->decode_ratio = BS_DECODE_RATIO_DEFAULT;
    opt->xz_memlimit = BS_XZ_MEMLIMIT_DEFAULT;
    opt->zstd_window_log_max = BS_ZSTD_WINDOW_LOG_MAX_DEFAULT;
    opt->zip_max_entries = BS_ZIP_MAX_ENTRIES_DEFAULT;
    opt->threads = 0;
}

const char *bs_version(void)
{
    return LIBSRC_VERSION_STRING;
}

static const char *display_name(const byte_source *s, int upto, char *buf, size_t len);

/* Messages leave at least this much room for what happened after the
 * name (a member name may be long, and full of escapes). */
#define NAME_IN_MESSAGE (BS_ERRMAX - 512)

static void set_verror(byte_source *s, const char *fmt, va_list ap)
{
    s->limit = BS_LIMIT_NONE;
    /* inside a member, the member is named as well */
    char nbuf[NAME_IN_MESSAGE];
    const char *name = display_name(s, s->nlayers - 1, nbuf, sizeof nbuf);
    size_t n = strlen(name);
    if (n > sizeof s->err - 3)
        n = sizeof s->err - 3;
    memcpy(s->err, name, n);
    memcpy(s->err + n, ": ", 3);
    vsnprintf(s->err + n + 2, sizeof s->err - n - 2, fmt, ap);
}

int bs_set_error(byte_source *s, int status, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    set_verror(s, fmt, ap);
    va_end(ap);
    return status;
}

/* A container's failure inside a member is kept with its message: a
 * nested container may stop reading before it comes (bs_member_failed). */
static void keep_failure(struct bs_layer *l)
{
    if (!(l->ops->flags & BS_OPS_CONTAINER))
        return;
    free(l->failmsg);
    l->failmsg = strdup(l->src->err);
}

int bs_fail(struct bs_layer *l, int status, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    set_verror(l->src, fmt, ap);
    va_end(ap);
    l->status = status;
    keep_failure(l);
    return status;
}

/* "gzip > xz": the decoding layers from the first transform (or the
 * first one above the innermost container below l) up to l. */
static size_t chain_path(struct bs_layer *l, char *buf, size_t len)
{
    if (!l || !l->below)
        return 0;
    if (l->ops->flags & BS_OPS_MOVER)
        return chain_path(l->below, buf, len);
    if (l->below->ops->flags & BS_OPS_CONTAINER) {
        int k = snprintf(buf, len, "%s", l->label);
        return k < 0 ? 0 : (size_t)k < len ? (size_t)k : len - 1;
    }
    size_t n = chain_path(l->below, buf, len);
    int k = snprintf(buf + n, len - n, "%s%s", n ? " > " : "", l->label);
    if (k < 0)
        return n;
    return n + (size_t)k < len ? n + (size_t)k : len - 1;
}

/* Appends name to d (at *k, room len) with {, }, \ and control
 * characters escaped as the CLI shows member names. */
static void put_escaped(char *d, size_t *k, size_t len, const char *name)
{
    for (const unsigned char *p = (const unsigned char *)name; *p && *k + 5 < len; p++) {
        if (*p == '{' || *p == '}' || *p == '\\') {
            d[(*k)++] = '\\';
            d[(*k)++] = (char)*p;
        } else if (*p < 0x20 || *p == 0x7F) {
            *k += (size_t)snprintf(d + *k, len - *k, "\\x%02X", *p);
        } else {
            d[(*k)++] = (char)*p;
        }
    }
    d[*k] = 0;
}

/* "PATH{member}{inner}" for the containers among layers 0..upto, into
 * buf (cut to fit).  A buffer of the caller's: a layer failing on the
 * readahead thread writes its message while the reader may be asking
 * for the name. */
static const char *display_name(const byte_source *s, int upto, char *buf, size_t len)
{
    size_t k = (size_t)snprintf(buf, len, "%s", s->name);
    if (k >= len)
        k = len - 1;
    for (int i = 0; i <= upto && i < s->nlayers; i++) {
        const char *m = s->layers[i]->member;
        if (!m || !(s->layers[i]->ops->flags & BS_OPS_CONTAINER) || k + 8 >= len)
            continue;
        buf[k++] = '{';
        put_escaped(buf, &k, len - 2, m);
        buf[k++] = '}';
        buf[k] = 0;
    }
    return buf;
}

const char *bs_display_name(byte_source *s)
{
    return s ? display_name(s, s->nlayers - 1, s->display, sizeof s->display) : "";
}

static void set_vlayer_error(struct bs_layer *l, const char *fmt, va_list ap)
{
    char path[BS_LABELMAX * 4];
    path[0] = 0;
    chain_path(l, path, sizeof path);
    byte_source *s = l->src;
    s->limit = BS_LIMIT_NONE;
    int upto = 0;
    while (upto < s->nlayers && s->layers[upto] != l)
        upto++;
    char nbuf[NAME_IN_MESSAGE];
    int n = snprintf(s->err, sizeof s->err, "%s: %s: ", display_name(s, upto, nbuf, sizeof nbuf),
                     path);
    if (n < 0 || (size_t)n >= sizeof s->err)
        return;
    vsnprintf(s->err + n, sizeof s->err - (size_t)n, fmt, ap);
}

int bs_decode_fail(struct bs_layer *l, int status, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    set_vlayer_error(l, fmt, ap);
    va_end(ap);
    l->status = status;
    keep_failure(l);
    return status;
}

int bs_limit_fail(struct bs_layer *l, int limit, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    set_vlayer_error(l, fmt, ap);
    va_end(ap);
    l->status = BS_ELIMIT;
    l->src->limit = limit;
    keep_failure(l);
    return BS_ELIMIT;
}

void bs_format_size(char *buf, size_t len, uint64_t n)
{
    static const char *const unit[] = {"bytes", "KiB", "MiB", "GiB", "TiB", "PiB", "EiB"};
    int u = 0;
    double v = (double)n;
    while (v >= 1024 && u < 6) {
        v /= 1024;
        u++;
    }
    if (u == 0)
        snprintf(buf, len, "%llu bytes", (unsigned long long)n);
    else if (v == (double)(uint64_t)v)
        snprintf(buf, len, "%llu %s", (unsigned long long)v, unit[u]);
    else
        snprintf(buf, len, "%.1f %s", v, unit[u]);
}

int bs_limit(const byte_source *s)
{
    return s ? s->limit : BS_LIMIT_NONE;
}

/* The decoded-bytes budget (see BS_DECODE_FLOOR_DEFAULT). */
static int over_budget(struct bs_layer *l)
{
    const bs_options *o = &l->src->opt;
    uint64_t made = l->produced + l->src->decoded_past;
    if (!o->decode_ratio || !o->decode_floor || made <= o->decode_floor)
        return 0;
    uint64_t in = l->src->layers[0]->consumed + l->src->input_at;
    if (in && made / in < o->decode_ratio)
        return 0;
    char a[32], b[32];
    bs_format_size(a, sizeof a, made);
    bs_format_size(b, sizeof b, in);
    bs_limit_fail(l, BS_LIMIT_DECODED,
                  "decoded %s from %s of input, more than %u:1 (a decompression bomb?)", a, b,
                  o->decode_ratio);
    return 1;
}

static byte_source *handle_new(const char *name, const bs_options *opt)
{
    byte_source *s = calloc(1, sizeof *s);
    if (!s)
        return NULL;
    if (opt)
        s->opt = *opt;
    else
        bs_options_init(&s->opt);
    if (s->opt.window == 0)
        s->opt.window = BS_WINDOW_DEFAULT;
    if (s->opt.window_max < s->opt.window)
        s->opt.window_max = s->opt.window;
    s->opt.encoding[sizeof s->opt.encoding - 1] = 0;
    if (s->opt.zstd_window_log_max < 10 || s->opt.zstd_window_log_max > 31)
        s->opt.zstd_window_log_max = BS_ZSTD_WINDOW_LOG_MAX_DEFAULT;
    const char *nm = name ? name : "(unnamed)";
    size_t k = strlen(nm) < sizeof s->name - 1 ? strlen(nm) : sizeof s->name - 1;
    memcpy(s->name, nm, k);
    return s;
}

int bs_open_path(byte_source **out, const char *path, const bs_options *opt)
{
    if (!out)
        return BS_EINVAL;
    *out = handle_new(path, opt);
    if (!*out)
        return BS_ENOMEM;
    if (!path) {
        return bs_set_error(*out, BS_EINVAL, "no path given");
    }
    return bs_base_open_path(*out, path);
}

int bs_open_fd(byte_source **out, int fd, const char *name, int own_fd, const bs_options *opt)
{
    if (!out)
        return BS_EINVAL;
    *out = handle_new(name, opt);
    if (!*out) {
        if (own_fd && fd >= 0)
            close(fd);
        return BS_ENOMEM;
    }
    return bs_base_open_fd(*out, fd, own_fd);
}

int bs_open_memory(byte_source **out, const void *data, size_t len, const char *name,
                   const bs_options *opt)
{
    if (!out)
        return BS_EINVAL;
    *out = handle_new(name ? name : "(memory)", opt);
    if (!*out)
        return BS_ENOMEM;
    if (!data && len) {
        return bs_set_error(*out, BS_EINVAL, "no data given");
    }
    return bs_base_open_memory(*out, data, len);
}

int bs_layer_add(byte_source *s, const struct bs_layer_ops *ops, struct bs_layer **out)
{
    return bs_layer_add_arg(s, ops, NULL, out);
}

int bs_layer_add_arg(byte_source *s, const struct bs_layer_ops *ops, const char *arg,
                     struct bs_layer **out)
{
    int max = (int)(sizeof s->layers / sizeof s->layers[0]);
    if (s->nlayers >= max) {
        bs_set_error(s, BS_ELIMIT, "more than %d layers", max);
        s->limit = BS_LIMIT_DEPTH;
        return BS_ELIMIT;
    }
    struct bs_layer *l = calloc(1, sizeof *l);
    if (!l) {
        return bs_set_error(s, BS_ENOMEM, "out of memory");
    }
    l->ops = ops;
    l->src = s;
    l->below = s->top;
    l->arg = arg;
    snprintf(l->label, sizeof l->label, "%s", ops->name);
    if (ops->init) {
        int rc = ops->init(l);
        l->arg = NULL;
        if (rc < 0) {
            if (ops->close)
                ops->close(l);
            free(l->buf);
            free(l);
            return rc;
        }
    }
    s->layers[s->nlayers++] = l;
    s->top = l;
    if (out)
        *out = l;
    return BS_OK;
}

int bs_layer_insert(byte_source *s, const struct bs_layer_ops *ops, int i)
{
    if (i < 1 || i > s->nlayers)
        return BS_EINVAL;
    if (i == s->nlayers)
        return bs_layer_add(s, ops, NULL);
    int n = s->nlayers;
    if (n >= (int)(sizeof s->layers / sizeof s->layers[0])) {
        s->limit = BS_LIMIT_DEPTH;
        return bs_set_error(s, BS_ELIMIT, "more than %d layers", n);
    }
    /* build it on the layers below i, then slide it under the rest */
    struct bs_layer *above[16], *top = s->top;
    memcpy(above, s->layers + i, (size_t)(n - i) * sizeof above[0]);
    s->top = s->layers[i - 1];
    s->nlayers = i;
    struct bs_layer *l = NULL;
    int rc = bs_layer_add(s, ops, &l);
    memcpy(s->layers + i + (rc == BS_OK), above, (size_t)(n - i) * sizeof above[0]);
    s->nlayers = n + (rc == BS_OK);
    s->top = top;
    if (rc < 0)
        return rc;
    above[0]->below = l;
    return BS_OK;
}

void bs_close(byte_source *s)
{
    if (!s)
        return;
    for (int i = s->nlayers - 1; i >= 0; i--) {
        struct bs_layer *l = s->layers[i];
        if (l->ops->close)
            l->ops->close(l);
        free(l->buf);
        free(l->failmsg);
        free(l);
    }
    free(s);
}

/* Makes room for `min` unconsumed bytes in a buffered layer's window.  The
 * unconsumed tail is moved to the front only when the space after it is too
 * small, and the buffer only grows when min itself does not fit: a caller
 * that keeps consuming whole lines never causes more than its last partial
 * line to be copied.  A small file gets a buffer its size, not a full
 * window: many small files then cost no large allocations. */
static int make_room(struct bs_layer *l, size_t min)
{
    size_t have = l->end - l->start;
    if (have == 0)
        l->start = l->end = 0;
    if (l->buf && l->cap - l->start >= min && l->end < l->cap)
        return BS_OK;
    if (l->start) {
        memmove(l->buf, l->buf + l->start, have);
        l->start = 0;
        l->end = have;
    }
    if (l->buf && l->cap >= min && l->end < l->cap)
        return BS_OK;
    size_t max = l->src->opt.window_max, want = l->cap;
    if (!want) {
        want = l->src->opt.window;
        if (l->size_hint && l->size_hint < want) {
            /* one byte more than the file, so the read that finds the end
             * needs no second allocation */
            want = (size_t)l->size_hint + 1;
            want = want < 4096 ? 4096 : want;
        }
    }
    while ((want < min || want <= have) && want < max)
        want = want > max / 2 ? max : want * 2;
    unsigned char *nb = realloc(l->buf, want);
    if (!nb)
        return bs_fail(l, BS_ENOMEM, "%s: out of memory for a %zu-byte window", l->ops->name, want);
    /* Matchers may read a little past the window's end (vector loads);
     * bytes there are then initialised, if meaningless. */
    memset(nb + l->cap, 0, want - l->cap);
    l->buf = nb;
    l->cap = want;
    return BS_OK;
}

int bs_layer_peek(struct bs_layer *l, size_t min, const unsigned char **p, size_t *avail)
{
    if (l->below && !l->ops->read) {
        int rc = bs_layer_peek(l->below, min, p, avail);
        l->last_avail = *avail;
        return rc;
    }
    if (l->direct || !l->ops->read) {
        /* after a fault the mapping is not to be touched again */
        size_t n = l->status < 0 ? 0 : l->dlen - l->dpos;
        *p = l->direct ? l->direct + l->dpos : NULL;
        *avail = n;
        l->last_avail = n;
        if (l->status < 0)
            return l->status;
        if (n == 0 && l->ops->at_end) {
            int rc = l->ops->at_end(l);
            if (rc < 0)
                return rc;
        }
        return n ? BS_OK : BS_END;
    }
    if (min == 0)
        min = 1;
    if (min > l->src->opt.window_max && l->end - l->start < min) {
        *p = l->buf ? l->buf + l->start : NULL;
        *avail = l->last_avail = l->end - l->start;
        bs_fail(l, BS_ELIMIT, "%s: window of %zu bytes exceeds the %zu-byte limit", l->label,
                min, l->src->opt.window_max);
        l->src->limit = BS_LIMIT_WINDOW;
        return BS_ELIMIT;
    }
    while (l->end - l->start < min && !l->eof && l->status == 0) {
        int rc = make_room(l, min);
        if (rc < 0)
            break;
        size_t got = 0;
        rc = l->ops->read(l, l->buf + l->end, l->cap - l->end, &got);
        l->end += got;
        if ((l->ops->flags & BS_OPS_DECODES) && got) {
            l->produced += got;
            if (l->status == 0 && over_budget(l))
                break;
        }
        if (rc == BS_END)
            l->eof = 1;
        else if (rc < 0 && l->status == 0)
            l->status = rc;
    }
    *p = l->buf ? l->buf + l->start : NULL;
    *avail = l->last_avail = l->end - l->start;
    if (*avail >= min || (*avail && l->status == 0))
        return BS_OK;
    if (l->status < 0) {
        /* a container's failure comes with its own message, whatever
         * failed in a member above it since */
        if (l->failmsg)
            snprintf(l->src->err, sizeof l->src->err, "%s", l->failmsg);
        return l->status;
    }
    return *avail ? BS_OK : BS_END;
}

int bs_layer_read_into(struct bs_layer *l, unsigned char *dst, size_t cap, size_t *got)
{
    *got = 0;
    if (l->below && !l->ops->read) {
        int rc = bs_layer_read_into(l->below, dst, cap, got);
        l->consumed += *got;
        return rc;
    }
    size_t have = l->end - l->start;
    if (have) {
        size_t k = have < cap ? have : cap;
        memcpy(dst, l->buf + l->start, k);
        l->start += k;
        l->consumed += k;
        l->last_avail = 0;
        *got = k;
        return BS_OK;
    }
    if (l->status < 0)
        return l->status;
    if (l->eof)
        return BS_END;
    int rc = l->ops->read(l, dst, cap, got);
    if ((l->ops->flags & BS_OPS_DECODES) && *got) {
        l->produced += *got;
        if (l->status == 0 && over_budget(l))
            rc = l->status;
    }
    l->consumed += *got;
    if (rc == BS_END)
        l->eof = 1;
    else if (rc < 0 && l->status == 0)
        l->status = rc;
    if (rc == BS_END && *got)
        rc = BS_OK;
    return rc;
}

int bs_layer_consume(struct bs_layer *l, size_t n)
{
    /* a caller's mistake, not a broken stream: reported, not sticky */
    if (n > l->last_avail)
        return bs_set_error(l->src, BS_EINVAL, "consume of %zu bytes from a %zu-byte window", n,
                            l->last_avail);
    l->last_avail -= n;
    l->consumed += n;
    if (l->below && !l->ops->read)
        return bs_layer_consume(l->below, n);
    if (l->direct || !l->ops->read)
        l->dpos += n;
    else
        l->start += n;
    return BS_OK;
}

int bs_layer_skip(struct bs_layer *l, uint64_t n, uint64_t *done)
{
    while (n) {
        const unsigned char *p;
        size_t got;
        int rc = bs_layer_peek(l, 1, &p, &got);
        if (got == 0)
            return rc < 0 ? rc : BS_END;
        size_t k = got < n ? got : (size_t)n;
        bs_layer_consume(l, k);
        *done += k;
        n -= k;
    }
    return BS_OK;
}

int bs_peek(byte_source *s, size_t min, const void **p, size_t *avail)
{
    const unsigned char *q = NULL;
    size_t n = 0;
    int rc = s && s->top ? bs_layer_peek(s->top, min, &q, &n) : BS_EINVAL;
    if (p)
        *p = q;
    if (avail)
        *avail = n;
    return rc;
}

int bs_consume(byte_source *s, size_t n)
{
    if (!s || !s->top)
        return BS_EINVAL;
    return bs_layer_consume(s->top, n);
}

struct copy_ctx {
    void *dst;
    const void *src;
    size_t n;
};

static int copy_fn(void *arg)
{
    struct copy_ctx *c = arg;
    memcpy(c->dst, c->src, c->n);
    return BS_OK;
}

int bs_copy_guarded(byte_source *s, void *dst, const void *src, size_t n)
{
    struct copy_ctx c = {dst, src, n};
    return bs_guard(s, copy_fn, &c);
}

int bs_read(byte_source *s, void *buf, size_t n, size_t *got)
{
    if (got)
        *got = 0;
    if (!s || !s->top || (!buf && n))
        return BS_EINVAL;
    if (n == 0)
        return BS_OK;
    const void *p;
    size_t avail;
    int rc = bs_peek(s, 1, &p, &avail);
    if (avail == 0)
        return rc;
    size_t k = avail < n ? avail : n;
    rc = bs_copy_guarded(s, buf, p, k);
    if (rc < 0)
        return rc;
    bs_consume(s, k);
    if (got)
        *got = k;
    return BS_OK;
}

uint64_t bs_tell(const byte_source *s)
{
    return s && s->top ? s->top->consumed : 0;
}

int bs_size(byte_source *s, uint64_t *size)
{
    if (!s || !s->top || !size)
        return BS_EINVAL;
    struct bs_layer *l = s->top;
    if (!l->ops->size) {
        return bs_set_error(s, BS_EUNSUPPORTED, "%s: no random access", l->ops->name);
    }
    return l->ops->size(l, size);
}

int bs_read_at(byte_source *s, uint64_t off, void *buf, size_t n, size_t *got)
{
    size_t dummy;
    if (!got)
        got = &dummy;
    *got = 0;
    if (!s || !s->top || (!buf && n))
        return BS_EINVAL;
    struct bs_layer *l = s->top;
    if (!l->ops->read_at) {
        return bs_set_error(s, BS_EUNSUPPORTED, "%s: no random access", l->ops->name);
    }
    return l->ops->read_at(l, off, buf, n, got);
}

int bs_layer_count(const byte_source *s)
{
    return s ? s->nlayers : 0;
}

const char *bs_layer_name(const byte_source *s, int i)
{
    return s && i >= 0 && i < s->nlayers ? s->layers[i]->ops->name : NULL;
}

const char *bs_layer_label(const byte_source *s, int i)
{
    return s && i >= 0 && i < s->nlayers ? s->layers[i]->label : NULL;
}

uint64_t bs_layer_bytes(const byte_source *s, int i)
{
    if (!s || i < 0 || i >= s->nlayers)
        return 0;
    return s->layers[i]->consumed + (i == 0 ? s->input_at : 0);
}

int bs_is_mapped(const byte_source *s)
{
    return s && s->map != NULL;
}

const char *bs_name(const byte_source *s)
{
    return s ? s->name : "";
}

const char *bs_error(const byte_source *s)
{
    return s ? s->err : "out of memory";
}

/* Drops the top layer, keeping what it decoded in the budget. */
static void pop_top(byte_source *s)
{
    struct bs_layer *l = s->layers[--s->nlayers];
    if (l->ops->flags & BS_OPS_DECODES)
        s->decoded_past += l->produced;
    if (l->ops->close)
        l->ops->close(l);
    free(l->buf);
    free(l->failmsg);
    free(l);
    s->top = s->layers[s->nlayers - 1];
}

int bs_layer_is_container(const byte_source *s, int i)
{
    return s && i > 0 && i < s->nlayers && (s->layers[i]->ops->flags & BS_OPS_CONTAINER);
}

const char *bs_member_name(const byte_source *s, int i)
{
    return bs_layer_is_container(s, i) ? s->layers[i]->member : NULL;
}

int bs_member_failed(byte_source *s, int i)
{
    if (!bs_layer_is_container(s, i))
        return BS_OK;
    struct bs_layer *l = s->layers[i];
    /* the rest of the member, which the archive inside did not read (its
     * directory): only then are the member's size and CRC checked */
    for (int guard = 0; l->status == 0 && !l->eof && guard < 1 << 20; guard++) {
        const unsigned char *p;
        size_t n;
        int rc = bs_layer_peek(l, 1, &p, &n);
        if (n)
            bs_layer_consume(l, n);
        if (rc != BS_OK)
            break;
    }
    if (l->status >= 0 || !l->failmsg)
        return BS_OK;
    /* an inner archive may have met it and stopped quietly (at its
     * directory), or never read so far: the caller knows none of its
     * members failed */
    snprintf(s->err, sizeof s->err, "%s", l->failmsg);
    free(l->failmsg);
    l->failmsg = NULL;
    return l->status;
}

int bs_next_member(byte_source *s, int i)
{
    if (!s)
        return BS_EINVAL;
    if (!bs_layer_is_container(s, i) || !s->layers[i]->ops->next_member)
        return bs_set_error(s, BS_EINVAL, "layer %d is not a container", i);
    while (s->nlayers - 1 > i)
        pop_top(s);
    struct bs_layer *l = s->layers[i];
    if (l->status < 0 && l->member == NULL)
        return l->status;   /* it failed before a member, or moving on */
    if (l->ops->flags & BS_OPS_DECODES)
        s->decoded_past += l->produced;
    l->start = l->end = 0;
    l->last_avail = 0;
    l->eof = 0;
    l->status = 0;
    l->consumed = l->produced = 0;
    free(l->failmsg);
    l->failmsg = NULL;
    /* failures while moving on name the archive, not the member left */
    l->member = NULL;
    int rc = l->ops->next_member(l);
    if (rc < 0)
        l->status = rc;
    else if (rc == BS_END)
        l->eof = 1;
    return rc;
}

int bs_push(byte_source *s, const char *layer)
{
    if (!s || !layer)
        return BS_EINVAL;
    if (!s->top)
        return bs_set_error(s, BS_EINVAL, "no base to push %s on", layer);
    for (int i = 0; bs_registry[i]; i++)
        if (strcmp(bs_registry[i]->name, layer) == 0)
            return bs_layer_add(s, bs_registry[i], NULL);
    return bs_set_error(s, BS_EUNSUPPORTED, "unknown layer %s", layer);
}

int bs_push_gzip(byte_source *s) { return bs_push(s, "gzip"); }
int bs_push_xz(byte_source *s) { return bs_push(s, "xz"); }
int bs_push_zstd(byte_source *s) { return bs_push(s, "zstd"); }
int bs_push_bzip2(byte_source *s) { return bs_push(s, "bzip2"); }
int bs_push_lz4(byte_source *s) { return bs_push(s, "lz4"); }


int bs_detect(byte_source *s, int max_depth)
{
    if (!s || !s->top)
        return BS_EINVAL;
    /* the layers already there (the containers a member is in, and
     * theirs) count: depth is nesting, however it was reached */
    int pushed = 0, have = 0;
    for (int i = 1; i < s->nlayers; i++)
        have += !(s->layers[i]->ops->flags & (BS_OPS_TEXT | BS_OPS_MOVER));
    for (;;) {
        const unsigned char *p;
        size_t n;
        int rc = bs_layer_peek(s->top, BS_BID_BYTES, &p, &n);
        /* what came before a failure is still looked at: a member cut
         * short is still a gzip (or a zip) as far as it goes */
        if (rc < 0 && n == 0)
            return rc;
        int at_end = n < BS_BID_BYTES;
        const struct bs_layer_ops *best = NULL;
        int best_bid = 0;
        for (int i = 0; bs_registry[i]; i++) {
            const struct bs_layer_ops *o = bs_registry[i];
            if (!o->bid || ((o->flags & BS_OPS_TEXT) && s->opt.text == BS_TEXT_NONE))
                continue;
            int b = o->bid(p, n, at_end);
            if (b > best_bid) {
                best_bid = b;
                best = o;
            }
        }
        /* a text layer ends the chain, so it cannot feed a loop: it is
         * not counted against max_depth */
        if (!best) {
            rc = bs_detect_text(s, p, n);
            return rc < 0 ? rc : pushed + rc;
        }
        if (have + pushed >= max_depth && !(best->flags & BS_OPS_TEXT)) {
            bs_set_error(s, BS_ELIMIT, "more than %d nested layers (%s inside %s)", max_depth,
                         best->name, s->top->label);
            s->limit = BS_LIMIT_DEPTH;
            return BS_ELIMIT;
        }
        rc = bs_layer_add(s, best, NULL);
        if (rc < 0)
            return rc;
        pushed++;
        if (best->flags & (BS_OPS_TEXT | BS_OPS_CONTAINER))
            return pushed;
    }
}
