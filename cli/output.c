#define _GNU_SOURCE
#include "output.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#define OUT_CHUNK (64 << 10)

void out_init(struct out *o, int fd)
{
    memset(o, 0, sizeof *o);
    o->fd = fd;
}

void out_reset(struct out *o)
{
    for (size_t i = 0; i < o->nnotes; i++)
        free(o->notes[i].text);
    o->nnotes = 0;
    o->len = 0;
}

void out_free(struct out *o)
{
    out_reset(o);
    free(o->notes);
    free(o->buf);
    o->notes = NULL;
    o->notecap = 0;
    o->buf = NULL;
    o->len = o->cap = 0;
}

static void write_all(struct out *o, int fd, const char *p, size_t n)
{
    size_t done = 0;
    while (done < n && !(fd == o->fd && o->err)) {
        ssize_t w = write(fd, p + done, n - done);
        if (w < 0) {
            if (errno == EINTR)
                continue;
            if (fd == o->fd)
                o->err = errno;
            break;   /* standard error failing is nobody's to report */
        }
        done += (size_t)w;
    }
}

static void write_line(struct out *o, const char *text)
{
    size_t k = strlen(text);
    char small[512];
    char *line = k < sizeof small ? small : malloc(k + 1);
    if (!line)
        return;
    memcpy(line, text, k);
    line[k] = '\n';
    write_all(o, 2, line, k + 1);
    if (line != small)
        free(line);
}

void out_pass(struct out *o)
{
    size_t at = 0;
    for (size_t i = 0; i < o->nnotes; i++) {
        out_add(o->to, o->buf + at, o->notes[i].at - at);
        at = o->notes[i].at;
        out_msg(o->to, o->notes[i].text);
    }
    out_add(o->to, o->buf + at, o->len - at);
    out_reset(o);
}

int out_flush(struct out *o)
{
    if (o->to) {
        out_pass(o);
        return out_flush(o->to);
    }
    size_t at = 0;
    for (size_t i = 0; i < o->nnotes; i++) {
        write_all(o, o->fd, o->buf + at, o->notes[i].at - at);
        at = o->notes[i].at;
        write_line(o, o->notes[i].text);
    }
    write_all(o, o->fd, o->buf + at, o->len - at);
    out_reset(o);
    return o->err ? -1 : 0;
}

void out_flush_if_free(struct out *o)
{
    if ((o->len || o->nnotes) && (!o->may_write || o->may_write(o, 0)))
        out_flush(o);
}

/* Room for n more bytes, in memory; 0 or -1. */
static int grow(struct out *o, size_t n)
{
    size_t cap = o->cap ? o->cap : OUT_CHUNK;
    while (cap < o->len + n)
        cap *= 2;
    if (cap == o->cap)
        return 0;
    char *b = realloc(o->buf, cap);
    if (!b) {
        o->err = ENOMEM;
        return -1;
    }
    o->buf = b;
    o->cap = cap;
    return 0;
}

void out_add(struct out *o, const void *p, size_t n)
{
    if (n == 0 || o->discard)
        return;   /* p may be NULL when n is 0 */
    o->total += n;
    if (o->len + n > o->cap) {
        o->need = n;
        int may = !o->may_write || o->may_write(o, 1);
        if (o->discard)
            return;
        if (!may) {
            /* held back: the pool lets the buffer grow */
            if (grow(o, n) < 0)
                return;
        } else if (o->to) {
            out_pass(o);
            if (n >= OUT_CHUNK) {
                out_add(o->to, p, n);
                return;
            }
            if (!o->buf && grow(o, n) < 0)
                return;
        } else {
            if (o->len || o->nnotes)
                out_flush(o);
            if (n >= OUT_CHUNK) {
                /* large pieces go straight out rather than through the buffer */
                struct out direct = *o;
                direct.nnotes = 0;
                write_all(&direct, o->fd, p, n);
                if (direct.err == EFAULT) {
                    /* The kernel met a page the bytes no longer have: a
                     * mapped file cut short.  Reading them here raises the
                     * SIGBUS that the caller's guard turns into the file's
                     * own error (and is harmless for any other EFAULT). */
                    const volatile char *q = p;
                    for (size_t k = 0; k < n; k += 4096)
                        (void)q[k];
                    (void)q[n - 1];
                }
                o->err = direct.err;
                return;
            }
            if (!o->buf && grow(o, n) < 0)
                return;
        }
    }
    memcpy(o->buf + o->len, p, n);
    o->len += n;
}

void out_byte(struct out *o, char c)
{
    if (o->len < o->cap) {
        o->buf[o->len++] = c;
        o->total++;
    } else
        out_add(o, &c, 1);
}

void out_str(struct out *o, const char *s)
{
    out_add(o, s, strlen(s));
}

void out_u64(struct out *o, unsigned long long v)
{
    char tmp[24];
    size_t i = sizeof tmp;
    do {
        tmp[--i] = (char)('0' + v % 10);
        v /= 10;
    } while (v);
    out_add(o, tmp + i, sizeof tmp - i);
}

void out_msg(struct out *o, const char *text)
{
    int may = !o->may_write || o->may_write(o, 0);
    if (o->discard)
        return;
    if (may) {
        if (o->to) {
            out_pass(o);
            out_msg(o->to, text);
        } else {
            out_flush(o);
            write_line(o, text);
        }
        return;
    }
    if (o->nnotes == o->notecap) {
        size_t cap = o->notecap ? o->notecap * 2 : 4;
        struct out_note *nn = realloc(o->notes, cap * sizeof *nn);
        if (!nn)
            return;
        o->notes = nn;
        o->notecap = cap;
    }
    char *t = strdup(text);
    if (!t)
        return;
    o->notes[o->nnotes].at = o->len;
    o->notes[o->nnotes++].text = t;
}
