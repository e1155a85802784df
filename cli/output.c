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

void out_free(struct out *o)
{
    free(o->buf);
    o->buf = NULL;
    o->len = o->cap = 0;
}

int out_flush(struct out *o)
{
    size_t done = 0;
    while (done < o->len && !o->err) {
        ssize_t w = write(o->fd, o->buf + done, o->len - done);
        if (w < 0) {
            if (errno == EINTR)
                continue;
            o->err = errno;
            break;
        }
        done += (size_t)w;
    }
    o->len = 0;
    return o->err ? -1 : 0;
}

void out_add(struct out *o, const void *p, size_t n)
{
    if (o->len + n > o->cap) {
        if (o->len)
            out_flush(o);
        if (n >= OUT_CHUNK) {
            /* large pieces go straight out rather than through the buffer */
            struct out direct = *o;
            direct.buf = (char *)p;
            direct.len = n;
            out_flush(&direct);
            if (direct.err == EFAULT) {
                /* The kernel met a page the bytes no longer have: a mapped
                 * file cut short.  Reading them here raises the SIGBUS
                 * that the caller's guard turns into the file's own error
                 * (and is harmless for any other EFAULT). */
                const volatile char *q = p;
                for (size_t k = 0; k < n; k += 4096)
                    (void)q[k];
                (void)q[n - 1];
            }
            o->err = direct.err;
            return;
        }
        if (!o->buf) {
            o->buf = malloc(OUT_CHUNK);
            if (!o->buf) {
                o->err = ENOMEM;
                return;
            }
            o->cap = OUT_CHUNK;
        }
    }
    memcpy(o->buf + o->len, p, n);
    o->len += n;
}

void out_byte(struct out *o, char c)
{
    if (o->len < o->cap)
        o->buf[o->len++] = c;
    else
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
