/* Base sources: regular files (mapped or read), descriptors, memory. */
#define _GNU_SOURCE
#include "bs_private.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

struct fd_state {
    int fd;
    int own;
    uint64_t size;       /* regular files: size at open */
    int seekable;        /* offers bs_size/bs_read_at */
};

static int fd_read(struct bs_layer *l, unsigned char *dst, size_t cap, size_t *got)
{
    struct fd_state *st = l->state;
    for (;;) {
        ssize_t r = read(st->fd, dst, cap);
        if (r > 0) {
            *got = (size_t)r;
            return BS_OK;
        }
        if (r == 0)
            return BS_END;
        if (errno == EINTR)
            continue;
        return bs_fail(l, BS_EIO, "read: %s", strerror(errno));
    }
}

static void fd_close(struct bs_layer *l)
{
    struct fd_state *st = l->state;
    if (!st)
        return;
    if (st->own && st->fd >= 0)
        close(st->fd);
    free(st);
}

static int fd_size(struct bs_layer *l, uint64_t *size)
{
    struct fd_state *st = l->state;
    *size = st->size;
    return BS_OK;
}

static int fd_read_at(struct bs_layer *l, uint64_t off, void *buf, size_t n, size_t *got)
{
    struct fd_state *st = l->state;
    size_t done = 0;
    /* No file has bytes at or past INT64_MAX, the largest off_t, and pread
     * refuses ranges that go past it: that is the end of the source, as
     * for a mapped file, not a read error that would stick. */
    if (off >= (uint64_t)INT64_MAX) {
        *got = 0;
        return n ? BS_END : BS_OK;
    }
    if (n > (uint64_t)INT64_MAX - off)
        n = (size_t)((uint64_t)INT64_MAX - off);
    while (done < n) {
        ssize_t r = pread(st->fd, (char *)buf + done, n - done, (off_t)(off + done));
        if (r == 0)
            break;
        if (r < 0) {
            if (errno == EINTR)
                continue;
            *got = done;
            return bs_fail(l, BS_EIO, "read: %s", strerror(errno));
        }
        done += (size_t)r;
    }
    *got = done;
    return done || n == 0 ? BS_OK : BS_END;
}

/* A stream that is only read: pipes, FIFOs, terminals, devices, stdin. */
static const struct bs_layer_ops fd_ops = {
    .version = BS_OPS_VERSION,
    .name = "fd",
    .read = fd_read,
    .close = fd_close,
};

/* A regular file read with read(): also offers random access. */
static const struct bs_layer_ops file_read_ops = {
    .version = BS_OPS_VERSION,
    .name = "file",
    .read = fd_read,
    .close = fd_close,
    .size = fd_size,
    .read_at = fd_read_at,
};

struct map_state {
    void *addr;
    size_t len;
    int fd;        /* kept open for the check at the end */
    int checked;
};

static void map_close(struct bs_layer *l)
{
    struct map_state *st = l->state;
    if (!st)
        return;
    if (st->addr)
        munmap(st->addr, st->len);
    if (st->fd >= 0)
        close(st->fd);
    free(st);
}

/* A file cut short within its last mapped page reads as zeros instead of
 * faulting: compare the size once the whole mapping has been handed out. */
static int map_at_end(struct bs_layer *l)
{
    struct map_state *st = l->state;
    struct stat sb;
    if (st->checked)
        return BS_OK;
    st->checked = 1;
    if (fstat(st->fd, &sb) == 0 && (uint64_t)sb.st_size < st->len)
        return bs_fail(l, BS_ECHANGED, "file changed while being read");
    return BS_OK;
}

static int direct_size(struct bs_layer *l, uint64_t *size)
{
    *size = l->dlen;
    return BS_OK;
}

static int direct_read_at(struct bs_layer *l, uint64_t off, void *buf, size_t n, size_t *got)
{
    if (off >= l->dlen) {
        *got = 0;
        return n ? BS_END : BS_OK;
    }
    size_t k = l->dlen - (size_t)off < n ? l->dlen - (size_t)off : n;
    int rc = bs_copy_guarded(l->src, buf, l->direct + off, k);
    *got = rc < 0 ? 0 : k;
    return rc < 0 ? rc : BS_OK;
}

/* A regular file mapped whole: one window is the rest of the file. */
static const struct bs_layer_ops file_map_ops = {
    .version = BS_OPS_VERSION,
    .name = "file",
    .close = map_close,
    .size = direct_size,
    .read_at = direct_read_at,
    .at_end = map_at_end,
};

static const struct bs_layer_ops memory_ops = {
    .version = BS_OPS_VERSION,
    .name = "memory",
    .size = direct_size,
    .read_at = direct_read_at,
};

/* The open failure message follows grep: "PATH: strerror". */
static int open_fail(byte_source *s, int err)
{
    return bs_set_error(s, BS_EIO, "%s", strerror(err));
}

static int add_fd_layer(byte_source *s, const struct bs_layer_ops *ops, int fd, int own,
                        uint64_t size, int seekable)
{
    struct fd_state *st = malloc(sizeof *st);
    if (!st) {
        if (own)
            close(fd);
        return bs_set_error(s, BS_ENOMEM, "out of memory");
    }
    *st = (struct fd_state){fd, own, size, seekable};
    struct bs_layer *l;
    int rc = bs_layer_add(s, ops, &l);
    if (rc < 0) {
        if (own)
            close(fd);
        free(st);
        return rc;
    }
    l->state = st;
    return BS_OK;
}

/* The searcher walks a mapping front to back once.  Huge pages matter
 * more: where the kernel can keep the file in 2 MiB blocks, one fault maps
 * 2 MiB instead of 4 KiB, and the mapping itself reads ahead in such blocks
 * (bench/README.md: 4 MiB scanned in 66 us with MADV_HUGEPAGE, 323 us
 * without).  Both are hints; failures change nothing. */
static void advise(void *addr, size_t len)
{
    madvise(addr, len, MADV_SEQUENTIAL);
#ifdef MADV_HUGEPAGE
    madvise(addr, len, MADV_HUGEPAGE);
#endif
}

static int try_map(byte_source *s, int fd, uint64_t size)
{
    if (size == 0 || size > SIZE_MAX)
        return 0;
    void *addr = mmap(NULL, (size_t)size, PROT_READ, MAP_PRIVATE, fd, 0);
    if (addr == MAP_FAILED)
        return 0;   /* not every file system maps: fall back to read() */
    advise(addr, (size_t)size);
    struct map_state *st = malloc(sizeof *st);
    struct bs_layer *l = NULL;
    int rc = st ? bs_layer_add(s, &file_map_ops, &l) : BS_ENOMEM;
    if (rc < 0) {
        munmap(addr, (size_t)size);
        free(st);
        return 0;
    }
    st->addr = addr;
    st->len = (size_t)size;
    st->fd = fd;
    st->checked = 0;
    l->state = st;
    l->direct = addr;
    l->dlen = (size_t)size;
    s->map = addr;
    s->maplen = (size_t)size;
    return 1;
}

int bs_base_open_path(byte_source *s, const char *path)
{
    int fd = open(path, O_RDONLY | O_CLOEXEC | O_NOCTTY);
    if (fd < 0)
        return open_fail(s, errno);
    struct stat sb;
    if (fstat(fd, &sb) < 0) {
        int e = errno;
        close(fd);
        return open_fail(s, e);
    }
    if (S_ISDIR(sb.st_mode)) {
        close(fd);
        return open_fail(s, EISDIR);
    }
    if (!S_ISREG(sb.st_mode))
        return add_fd_layer(s, &fd_ops, fd, 1, 0, 0);
    uint64_t size = (uint64_t)sb.st_size;
    int map = s->opt.mmap_mode == BS_MMAP_ALWAYS ||
              (s->opt.mmap_mode == BS_MMAP_AUTO && size >= s->opt.mmap_threshold);
    if (map && try_map(s, fd, size))
        return BS_OK;
#ifdef POSIX_FADV_SEQUENTIAL
    /* read-ahead pays only for files longer than one window */
    if (size > s->opt.window)
        posix_fadvise(fd, 0, 0, POSIX_FADV_SEQUENTIAL);
#endif
    int rc = add_fd_layer(s, &file_read_ops, fd, 1, size, 1);
    if (rc == BS_OK)
        s->top->size_hint = size;
    return rc;
}

int bs_base_open_fd(byte_source *s, int fd, int own_fd)
{
    if (fd < 0) {
        return bs_set_error(s, BS_EINVAL, "bad file descriptor");
    }
    return add_fd_layer(s, &fd_ops, fd, own_fd, 0, 0);
}

int bs_base_open_memory(byte_source *s, const void *data, size_t len)
{
    struct bs_layer *l;
    int rc = bs_layer_add(s, &memory_ops, &l);
    if (rc < 0)
        return rc;
    l->direct = data;
    l->dlen = len;
    return BS_OK;
}
