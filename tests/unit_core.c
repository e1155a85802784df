/* Unit tests of the libsrc core: memory, file (mapped and read), fd bases,
 * windows across refills, test-only layers (a one-byte-per-read "trickle"
 * and a failing layer), random access, open errors, the layer chain,
 * bs_push/bs_detect, and the SIGBUS guard.
 *
 * Every temporary file lives under one mkdtemp directory that is removed at
 * the end.  The program re-executes itself (via /proc/self/exe) for the one
 * case that needs a process in which libsrc's SIGBUS handler has not been
 * installed yet. */
#define _GNU_SOURCE
#include "unit.h"

#include "bs_private.h"
#include "libsrc.h"
#include "output.h"

#include <errno.h>
#include <fcntl.h>
#include <ftw.h>
#include <pthread.h>
#include <signal.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#if defined(__SANITIZE_ADDRESS__)
#define UNIT_ASAN 1
#elif defined(__has_feature)
#if __has_feature(address_sanitizer)
#define UNIT_ASAN 1
#endif
#endif

#ifdef UNIT_ASAN
/* AddressSanitizer installs its own SIGBUS handler at start-up, so the
 * handler that libsrc chains to for faults outside a guarded mapping would
 * be ASan's, which reports "BUS on unknown address" and exits with status 1
 * instead of letting the process die of SIGBUS.  The tests below check that
 * such a fault ends the process with SIGBUS exactly as it would without
 * libsrc, so ASan's SIGBUS handling is turned off for this program only (no
 * other sanitizer check is affected).  This hook is ASan's documented way to
 * set default options from inside the program, so tests/run.sh needs no
 * ASAN_OPTIONS. */
const char *__asan_default_options(void);
const char *__asan_default_options(void)
{
    return "handle_sigbus=0";
}
#endif

/* ---- helpers ------------------------------------------------------------ */

/* For helpers that return 0 on success or the failing line: reports the
 * helper's line in the FAIL message. */
#define CHECK_OK(call)                                                                  \
    do {                                                                                \
        int line_ = (call);                                                             \
        if (line_) {                                                                    \
            snprintf(unit_why, sizeof unit_why, "%s:%d: %s (failed at line %d)",        \
                     __FILE__, __LINE__, #call, line_);                                 \
            unit_failed = 1;                                                            \
            return;                                                                     \
        }                                                                               \
    } while (0)
#define HCHECK(cond)          \
    do {                      \
        if (!(cond))          \
            return __LINE__;  \
    } while (0)

static char tmpdir[256];
static char self_exe[] = "/proc/self/exe";

#define TPATH(var, name)   \
    char var[512];         \
    snprintf(var, sizeof var, "%s/%s", tmpdir, name)

/* Deterministic pseudo-random bytes (xorshift32). */
static void fill_random(unsigned char *b, size_t n, uint32_t seed)
{
    uint32_t x = seed ? seed : 0x9e3779b9u;
    for (size_t i = 0; i < n; i++) {
        x ^= x << 13;
        x ^= x >> 17;
        x ^= x << 5;
        b[i] = (unsigned char)(x >> 24);
    }
}

static unsigned char *random_bytes(size_t n, uint32_t seed)
{
    unsigned char *b = malloc(n ? n : 1);
    if (b)
        fill_random(b, n, seed);
    return b;
}

static int write_file(const char *path, const void *data, size_t n)
{
    int fd = open(path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
    if (fd < 0)
        return -1;
    const unsigned char *p = data;
    while (n) {
        ssize_t w = write(fd, p, n);
        if (w < 0 && errno == EINTR)
            continue;
        if (w <= 0) {
            close(fd);
            return -1;
        }
        p += w;
        n -= (size_t)w;
    }
    return close(fd);
}

static bs_options opts(int mmap_mode, size_t window, size_t window_max)
{
    bs_options o;
    bs_options_init(&o);
    o.mmap_mode = mmap_mode;
    if (window)
        o.window = window;
    if (window_max)
        o.window_max = window_max;
    return o;
}

enum { DRAIN_WHOLE, DRAIN_VARIED, DRAIN_READ };

/* Reads s to its end and compares with want[0..len).  DRAIN_WHOLE takes
 * every window whole (peek 1, consume all); DRAIN_VARIED consumes parts of
 * windows and asks for "what is left + 1" or for fixed larger sizes, so
 * windows straddle refills; DRAIN_READ uses bs_read with an odd buffer.
 * Checks content, "fewer than min only at the end", bs_tell, and the final
 * BS_END with avail 0. */
static int drain_check(byte_source *s, const unsigned char *want, size_t len, int mode)
{
    size_t pos = 0;
    uint64_t base = bs_tell(s);
    if (mode == DRAIN_READ) {
        unsigned char buf[333];
        for (;;) {
            size_t got = 12345;
            int rc = bs_read(s, buf, sizeof buf, &got);
            if (rc == BS_END) {
                HCHECK(got == 0);
                break;
            }
            HCHECK(rc == BS_OK);
            HCHECK(got > 0 && got <= sizeof buf);
            HCHECK(pos + got <= len);
            HCHECK(memcmp(buf, want + pos, got) == 0);
            pos += got;
            HCHECK(bs_tell(s) == base + pos);
        }
    } else {
        size_t min = 1;
        for (unsigned i = 0;; i++) {
            const void *pv = NULL;
            size_t n = 0;
            int rc = bs_peek(s, min, &pv, &n);
            if (rc == BS_END) {
                HCHECK(n == 0);
                break;
            }
            HCHECK(rc == BS_OK);
            HCHECK(n > 0 && pv != NULL);
            HCHECK(pos + n <= len);
            /* fewer than min only at the end of the stream */
            HCHECK(n >= min || pos + n == len);
            HCHECK(memcmp(pv, want + pos, n) == 0);
            size_t k = n;
            if (mode == DRAIN_VARIED) {
                k = n / 2 + i % 7;
                if (k > n)
                    k = n;
                if (k == 0)
                    k = 1;
            }
            HCHECK(bs_consume(s, k) == BS_OK);
            pos += k;
            HCHECK(bs_tell(s) == base + pos);
            if (mode == DRAIN_VARIED) {
                switch (i % 4) {
                case 0: min = n - k + 1; break;          /* what I have + 1 */
                case 1: min = 1; break;
                case 2: min = 100 + (i * 37) % 900; break;
                default: min = n - k ? n - k : 1; break;  /* what I have */
                }
            }
        }
    }
    HCHECK(pos == len);
    const void *pv;
    size_t n = 99;
    HCHECK(bs_peek(s, 1, &pv, &n) == BS_END);
    HCHECK(n == 0);
    return 0;
}

/* ---- test-only layers --------------------------------------------------- */

static unsigned long trickle_calls;

/* Produces exactly one byte per call from the layer below. */
static int trickle_read(struct bs_layer *l, unsigned char *dst, size_t cap, size_t *got)
{
    const unsigned char *p;
    size_t n;
    trickle_calls++;
    if (cap == 0)
        return bs_fail(l, BS_EINVAL, "trickle: no room");
    int rc = bs_layer_peek(l->below, 1, &p, &n);
    if (rc == BS_END)
        return BS_END;
    if (rc < 0)
        return rc;
    dst[0] = p[0];
    rc = bs_layer_consume(l->below, 1);
    if (rc < 0)
        return rc;
    *got = 1;
    return BS_OK;
}

static const struct bs_layer_ops trickle_ops = {
    .version = BS_OPS_VERSION,
    .name = "trickle",
    .read = trickle_read,
};

/* Passes 10 bytes of the layer below through, then fails.  The "split"
 * kind returns the 10 bytes in one call and fails in the next; the "joint"
 * kind returns the 10 bytes and the failure from the same call. */
struct fail_state {
    size_t produced;
    int calls;
};

static int fail_init(struct bs_layer *l)
{
    l->state = calloc(1, sizeof(struct fail_state));
    if (!l->state)
        return bs_fail(l, BS_ENOMEM, "test: out of memory");
    snprintf(l->label, sizeof l->label, "test (fails after 10 bytes)");
    return BS_OK;
}

static void fail_close(struct bs_layer *l)
{
    free(l->state);
}

static int fail_read_common(struct bs_layer *l, unsigned char *dst, size_t cap, size_t *got,
                            int joint)
{
    struct fail_state *st = l->state;
    st->calls++;
    if (st->produced < 10) {
        const unsigned char *p;
        size_t n;
        int rc = bs_layer_peek(l->below, 10 - st->produced, &p, &n);
        if (rc < 0)
            return rc;
        size_t k = 10 - st->produced;
        if (k > n)
            k = n;
        if (k > cap)
            k = cap;
        memcpy(dst, p, k);
        bs_layer_consume(l->below, k);
        st->produced += k;
        *got = k;
        if (!joint || st->produced < 10)
            return k ? BS_OK : BS_END;
    }
    return bs_fail(l, BS_EFORMAT, "test: broken");
}

static int fail_read_split(struct bs_layer *l, unsigned char *dst, size_t cap, size_t *got)
{
    return fail_read_common(l, dst, cap, got, 0);
}

static int fail_read_joint(struct bs_layer *l, unsigned char *dst, size_t cap, size_t *got)
{
    return fail_read_common(l, dst, cap, got, 1);
}

static const struct bs_layer_ops fail_split_ops = {
    .version = BS_OPS_VERSION,
    .name = "test",
    .init = fail_init,
    .read = fail_read_split,
    .close = fail_close,
};
static const struct bs_layer_ops fail_joint_ops = {
    .version = BS_OPS_VERSION,
    .name = "test",
    .init = fail_init,
    .read = fail_read_joint,
    .close = fail_close,
};

/* ---- memory ------------------------------------------------------------- */

static void test_memory_source(void)
{
    static const char text[] = "hello, world\nsecond line\nthird";
    size_t len = sizeof text - 1;
    byte_source *s = NULL;
    const void *p;
    size_t n;

    CHECK(bs_open_memory(&s, text, len, "mem", NULL) == BS_OK);
    CHECK(s != NULL);
    CHECK(strcmp(bs_error(s), "") == 0);
    CHECK(strcmp(bs_name(s), "mem") == 0);
    CHECK(bs_is_mapped(s) == 0);
    CHECK(bs_tell(s) == 0);

    /* peek(1) is the whole buffer, served without copying */
    CHECK(bs_peek(s, 1, &p, &n) == BS_OK);
    CHECK(p == (const void *)text && n == len);
    /* more than there is: all of it, BS_OK (fewer than min only at the end) */
    CHECK(bs_peek(s, len + 100, &p, &n) == BS_OK);
    CHECK(p == (const void *)text && n == len);

    CHECK(bs_consume(s, 5) == BS_OK);
    CHECK(bs_tell(s) == 5);
    CHECK(bs_peek(s, 1, &p, &n) == BS_OK);
    CHECK(p == (const void *)(text + 5) && n == len - 5);
    CHECK(bs_consume(s, len - 5) == BS_OK);
    CHECK(bs_tell(s) == len);

    n = 77;
    CHECK(bs_peek(s, 1, &p, &n) == BS_END);
    CHECK(n == 0);
    CHECK(bs_peek(s, 1, &p, &n) == BS_END);
    CHECK(n == 0);
    CHECK(bs_consume(s, 0) == BS_OK);
    CHECK(bs_consume(s, 1) == BS_EINVAL);
    CHECK(bs_tell(s) == len);
    bs_close(s);

    /* consuming more than the last window */
    CHECK(bs_open_memory(&s, text, len, "mem", NULL) == BS_OK);
    CHECK(bs_peek(s, 1, &p, &n) == BS_OK && n == len);
    CHECK(bs_consume(s, len + 1) == BS_EINVAL);
    /* a consume too large is the caller's mistake: the stream goes on */
    CHECK(strstr(bs_error(s), "consume of") != NULL);
    CHECK(bs_peek(s, 1, &p, &n) == BS_OK);
    CHECK(strncmp(bs_error(s), "mem: ", 5) == 0);
    CHECK(strstr(bs_error(s), "consume") != NULL);
    CHECK(bs_tell(s) == 0);
    bs_close(s);

    /* an empty buffer, and NULL data */
    CHECK(bs_open_memory(&s, NULL, 0, NULL, NULL) == BS_OK);
    CHECK(strcmp(bs_name(s), "(memory)") == 0);
    n = 5;
    CHECK(bs_peek(s, 1, &p, &n) == BS_END && n == 0);
    bs_close(s);
    s = NULL;
    CHECK(bs_open_memory(&s, NULL, 3, "nul", NULL) == BS_EINVAL);
    CHECK(s != NULL);
    CHECK(strcmp(bs_error(s), "nul: no data given") == 0);
    bs_close(s);
    CHECK(bs_open_memory(NULL, text, len, "x", NULL) == BS_EINVAL);

    /* bs_read copies and consumes */
    CHECK(bs_open_memory(&s, text, len, "mem", NULL) == BS_OK);
    CHECK_OK(drain_check(s, (const unsigned char *)text, len, DRAIN_READ));
    bs_close(s);
}

/* ---- buffered path ------------------------------------------------------ */

static void test_buffered_small_window(void)
{
    const size_t len = 300000 + 17;
    unsigned char *data = random_bytes(len, 1234);
    CHECK(data != NULL);
    TPATH(path, "buffered.bin");
    CHECK(write_file(path, data, len) == 0);

    bs_options o = opts(BS_MMAP_NEVER, 16, 0);
    byte_source *s = NULL;
    const void *p;
    size_t n;

    /* peek(min) larger than the 16-byte window grows it */
    CHECK(bs_open_path(&s, path, &o) == BS_OK);
    CHECK(bs_is_mapped(s) == 0);
    CHECK(strcmp(bs_layer_name(s, 0), "file") == 0);
    CHECK(bs_peek(s, 1, &p, &n) == BS_OK);
    CHECK(n >= 1 && n <= 16);
    CHECK(memcmp(p, data, n) == 0);
    CHECK(bs_peek(s, 100, &p, &n) == BS_OK);
    CHECK(n >= 100 && n <= len);
    CHECK(memcmp(p, data, n) == 0);
    CHECK(bs_tell(s) == 0);
    /* consume part, ask for more than remains buffered: continuity */
    CHECK(bs_consume(s, 37) == BS_OK);
    CHECK(bs_peek(s, 5000, &p, &n) == BS_OK);
    CHECK(n >= 5000);
    CHECK(memcmp(p, data + 37, n) == 0);
    CHECK(bs_consume(s, 4999) == BS_OK);
    CHECK(bs_peek(s, 3, &p, &n) == BS_OK);
    CHECK(n >= 3);
    CHECK(memcmp(p, data + 37 + 4999, n) == 0);
    CHECK(bs_consume(s, 3) == BS_OK);
    CHECK_OK(drain_check(s, data + 37 + 4999 + 3, len - 37 - 4999 - 3, DRAIN_VARIED));
    CHECK(bs_tell(s) == len);
    CHECK(strcmp(bs_error(s), "") == 0);
    bs_close(s);

    /* whole windows, and bs_read, over the same file */
    CHECK(bs_open_path(&s, path, &o) == BS_OK);
    CHECK_OK(drain_check(s, data, len, DRAIN_WHOLE));
    bs_close(s);
    CHECK(bs_open_path(&s, path, &o) == BS_OK);
    CHECK_OK(drain_check(s, data, len, DRAIN_READ));
    bs_close(s);
    /* the default window too */
    o = opts(BS_MMAP_NEVER, 0, 0);
    CHECK(bs_open_path(&s, path, &o) == BS_OK);
    CHECK_OK(drain_check(s, data, len, DRAIN_VARIED));
    bs_close(s);

    /* window_max: peek up to the limit works, beyond it is BS_ELIMIT */
    o = opts(BS_MMAP_NEVER, 16, 1000);
    CHECK(bs_open_path(&s, path, &o) == BS_OK);
    CHECK(bs_peek(s, 1000, &p, &n) == BS_OK);
    CHECK(n == 1000);
    CHECK(memcmp(p, data, n) == 0);
    CHECK(bs_consume(s, 10) == BS_OK);
    CHECK(bs_peek(s, 1001, &p, &n) == BS_ELIMIT);
    /* the window still describes what is buffered */
    CHECK(n == 990);
    CHECK(memcmp(p, data + 10, n) == 0);
    CHECK(strncmp(bs_error(s), path, strlen(path)) == 0);
    CHECK(strstr(bs_error(s), "1000-byte limit") != NULL);
    CHECK(strstr(bs_error(s), "1001") != NULL);
    bs_close(s);

    /* BS_ELIMIT as the very first call, before any buffer exists */
    CHECK(bs_open_path(&s, path, &o) == BS_OK);
    n = 5;
    CHECK(bs_peek(s, 5000, &p, &n) == BS_ELIMIT);
    CHECK(n == 0);
    CHECK(strstr(bs_error(s), "limit") != NULL);
    bs_close(s);

    /* window_max below window is raised to window */
    o = opts(BS_MMAP_NEVER, 64, 10);
    CHECK(bs_open_path(&s, path, &o) == BS_OK);
    CHECK(bs_peek(s, 64, &p, &n) == BS_OK && n == 64);
    CHECK(bs_peek(s, 65, &p, &n) == BS_ELIMIT);
    bs_close(s);
    free(data);
}

/* A line reader that consumes whole lines and asks for "what I have + 1"
 * never makes the buffer grow past the longest line (here: never past the
 * 16-byte initial window, since every line is shorter). */
static void test_buffered_line_reader(void)
{
    size_t len = 0, cap = 64 << 10;
    unsigned char *data = malloc(cap);
    CHECK(data != NULL);
    unsigned char r[1];
    for (uint32_t i = 1; len + 16 < cap; i++) {
        fill_random(r, 1, i);
        size_t line = 1 + r[0] % 12;   /* 1..12 bytes including '\n' */
        for (size_t j = 0; j + 1 < line; j++)
            data[len++] = (unsigned char)('a' + (i + j) % 26);
        data[len++] = '\n';
    }
    data[len++] = 'e';   /* a final partial line */
    data[len++] = 'n';
    data[len++] = 'd';
    TPATH(path, "lines.txt");
    CHECK(write_file(path, data, len) == 0);

    bs_options o = opts(BS_MMAP_NEVER, 16, 0);
    byte_source *s;
    CHECK(bs_open_path(&s, path, &o) == BS_OK);
    size_t pos = 0, min = 1;
    for (;;) {
        const void *pv;
        size_t n;
        int rc = bs_peek(s, min, &pv, &n);
        if (rc == BS_END)
            break;
        CHECK(rc == BS_OK);
        CHECK(s->top->cap == 16);
        CHECK(memcmp(pv, data + pos, n) == 0);
        const unsigned char *q = pv;
        const unsigned char *nl = memrchr(q, '\n', n);
        size_t k = nl ? (size_t)(nl - q) + 1 : 0;
        if (!nl && n < min) {   /* the final partial line, at the end */
            CHECK(pos + n == len);
            k = n;
        }
        CHECK(bs_consume(s, k) == BS_OK);
        pos += k;
        min = n - k + 1;
    }
    CHECK(pos == len);
    bs_close(s);
    free(data);
}

/* ---- trickle layer ------------------------------------------------------ */

static void test_trickle_layer(void)
{
    const size_t len = 5000;
    unsigned char *data = random_bytes(len, 99);
    CHECK(data != NULL);
    byte_source *s;
    const void *p;
    size_t n;
    bs_options o = opts(BS_MMAP_AUTO, 16, 0);

    /* peek/consume */
    CHECK(bs_open_memory(&s, data, len, "tr", &o) == BS_OK);
    CHECK(bs_layer_add(s, &trickle_ops, NULL) == BS_OK);
    CHECK(bs_layer_count(s) == 2);
    CHECK_OK(drain_check(s, data, len, DRAIN_VARIED));
    bs_close(s);
    CHECK(bs_open_memory(&s, data, len, "tr", &o) == BS_OK);
    CHECK(bs_layer_add(s, &trickle_ops, NULL) == BS_OK);
    CHECK_OK(drain_check(s, data, len, DRAIN_WHOLE));
    bs_close(s);

    /* bs_read gives the same bytes */
    CHECK(bs_open_memory(&s, data, len, "tr", &o) == BS_OK);
    CHECK(bs_layer_add(s, &trickle_ops, NULL) == BS_OK);
    CHECK_OK(drain_check(s, data, len, DRAIN_READ));
    bs_close(s);

    /* peek(N) loops over one-byte reads until N bytes are there */
    CHECK(bs_open_memory(&s, data, len, "tr", &o) == BS_OK);
    CHECK(bs_layer_add(s, &trickle_ops, NULL) == BS_OK);
    trickle_calls = 0;
    CHECK(bs_peek(s, 777, &p, &n) == BS_OK);
    CHECK(n >= 777);
    CHECK(memcmp(p, data, n) == 0);
    CHECK(trickle_calls >= 777);
    CHECK(bs_consume(s, 700) == BS_OK);
    CHECK(bs_peek(s, 2000, &p, &n) == BS_OK);
    CHECK(n >= 2000);
    CHECK(memcmp(p, data + 700, n) == 0);
    /* more than is left: all of it, BS_OK, then BS_END after consuming */
    CHECK(bs_peek(s, len, &p, &n) == BS_OK);
    CHECK(n == len - 700);
    CHECK(memcmp(p, data + 700, n) == 0);
    CHECK(bs_consume(s, n) == BS_OK);
    CHECK(bs_peek(s, 1, &p, &n) == BS_END && n == 0);
    CHECK(bs_tell(s) == len);
    /* a transform without random access */
    uint64_t size;
    size_t got;
    char buf[4];
    CHECK(bs_size(s, &size) == BS_EUNSUPPORTED);
    CHECK(strcmp(bs_error(s), "tr: trickle: no random access") == 0);
    CHECK(bs_read_at(s, 0, buf, sizeof buf, &got) == BS_EUNSUPPORTED);
    bs_close(s);
    free(data);
}

/* ---- failing layer ------------------------------------------------------ */

static void test_failing_layer(void)
{
    static const char text[] = "0123456789abcdefghijklmnop";
    byte_source *s;
    const void *p;
    size_t n;

    for (int kind = 0; kind < 2; kind++) {
        const struct bs_layer_ops *ops = kind ? &fail_joint_ops : &fail_split_ops;
        CHECK(bs_open_memory(&s, text, sizeof text - 1, "brk", NULL) == BS_OK);
        CHECK(bs_layer_add(s, ops, NULL) == BS_OK);
        CHECK(bs_peek(s, 1, &p, &n) == BS_OK);
        CHECK(n == 10 && memcmp(p, "0123456789", 10) == 0);
        CHECK(strcmp(bs_error(s), "") == 0 || kind == 1);
        /* asking for more reaches the failure; the 10 bytes stay described */
        p = NULL;
        n = 0;
        CHECK(bs_peek(s, 11, &p, &n) == BS_EFORMAT);
        CHECK(n == 10 && p != NULL && memcmp(p, "0123456789", 10) == 0);
        CHECK(strcmp(bs_error(s), "brk: test: broken") == 0);
        /* the buffered bytes can still be taken */
        CHECK(bs_consume(s, 4) == BS_OK);
        CHECK(bs_peek(s, 1, &p, &n) == BS_OK);
        CHECK(n == 6 && memcmp(p, "456789", 6) == 0);
        CHECK(bs_consume(s, 6) == BS_OK);
        CHECK(bs_tell(s) == 10);
        /* then the error, sticky */
        n = 3;
        CHECK(bs_peek(s, 1, &p, &n) == BS_EFORMAT);
        CHECK(n == 0);
        struct fail_state *st = s->top->state;
        int calls = st->calls;
        CHECK(bs_peek(s, 1, &p, &n) == BS_EFORMAT);
        CHECK(n == 0);
        char buf[8];
        size_t got = 5;
        CHECK(bs_read(s, buf, sizeof buf, &got) == BS_EFORMAT);
        CHECK(got == 0);
        CHECK(st->calls == calls);   /* the layer is not asked again */
        CHECK(strcmp(bs_error(s), "brk: test: broken") == 0);
        bs_close(s);

        /* through bs_read: the 10 bytes, then the failure */
        CHECK(bs_open_memory(&s, text, sizeof text - 1, "brk", NULL) == BS_OK);
        CHECK(bs_layer_add(s, ops, NULL) == BS_OK);
        char big[64];
        got = 0;
        CHECK(bs_read(s, big, sizeof big, &got) == BS_OK);
        CHECK(got == 10 && memcmp(big, "0123456789", 10) == 0);
        CHECK(bs_read(s, big, sizeof big, &got) == BS_EFORMAT);
        CHECK(got == 0);
        CHECK(bs_read(s, big, sizeof big, &got) == BS_EFORMAT);
        CHECK(strcmp(bs_error(s), "brk: test: broken") == 0);
        bs_close(s);
    }
}

/* ---- end of stream with a partial line ---------------------------------- */

static int partial_line_check(byte_source *s, const char *text, size_t len)
{
    const void *p;
    size_t n;
    HCHECK(bs_peek(s, len + 1, &p, &n) == BS_OK);
    HCHECK(n == len && memcmp(p, text, len) == 0);
    /* a line reader: takes the complete line, asks for the rest + 1 */
    const char *nl = memchr(p, '\n', n);
    HCHECK(nl != NULL);
    size_t k = (size_t)(nl - (const char *)p) + 1;
    HCHECK(bs_consume(s, k) == BS_OK);
    HCHECK(bs_peek(s, len - k + 1, &p, &n) == BS_OK);
    HCHECK(n == len - k && memcmp(p, text + k, n) == 0);
    HCHECK(bs_consume(s, n) == BS_OK);
    n = 1;
    HCHECK(bs_peek(s, 1, &p, &n) == BS_END && n == 0);
    HCHECK(bs_peek(s, len + 1, &p, &n) == BS_END && n == 0);
    HCHECK(bs_tell(s) == len);
    return 0;
}

static void test_partial_line_at_end(void)
{
    static const char text[] = "first line\nsecond line without a newline";
    size_t len = sizeof text - 1;
    TPATH(path, "partial.txt");
    CHECK(write_file(path, text, len) == 0);
    byte_source *s;

    CHECK(bs_open_memory(&s, text, len, "m", NULL) == BS_OK);
    CHECK_OK(partial_line_check(s, text, len));
    bs_close(s);

    bs_options o = opts(BS_MMAP_NEVER, 16, 0);
    CHECK(bs_open_path(&s, path, &o) == BS_OK);
    CHECK_OK(partial_line_check(s, text, len));
    bs_close(s);

    o = opts(BS_MMAP_NEVER, 0, 0);
    CHECK(bs_open_path(&s, path, &o) == BS_OK);
    CHECK_OK(partial_line_check(s, text, len));
    bs_close(s);

    o = opts(BS_MMAP_ALWAYS, 0, 0);
    CHECK(bs_open_path(&s, path, &o) == BS_OK);
    CHECK(bs_is_mapped(s) == 1);
    CHECK_OK(partial_line_check(s, text, len));
    bs_close(s);

    o = opts(BS_MMAP_AUTO, 16, 0);
    CHECK(bs_open_memory(&s, text, len, "m", &o) == BS_OK);
    CHECK(bs_layer_add(s, &trickle_ops, NULL) == BS_OK);
    CHECK_OK(partial_line_check(s, text, len));
    bs_close(s);
}

/* ---- mmap versus read --------------------------------------------------- */

static int read_whole(const char *path, const bs_options *o, int want_mapped,
                      const unsigned char *want, size_t len)
{
    byte_source *s = NULL;
    HCHECK(bs_open_path(&s, path, o) == BS_OK);
    HCHECK(bs_is_mapped(s) == want_mapped);
    HCHECK(bs_layer_count(s) == 1 && strcmp(bs_layer_name(s, 0), "file") == 0);
    int line = drain_check(s, want, len, DRAIN_WHOLE);
    bs_close(s);
    if (line)
        return line;
    HCHECK(bs_open_path(&s, path, o) == BS_OK);
    line = drain_check(s, want, len, DRAIN_VARIED);
    bs_close(s);
    return line;
}

static void test_mmap_vs_read(void)
{
    const size_t len = 300000 + 5;
    unsigned char *data = random_bytes(len, 4242);
    CHECK(data != NULL);
    TPATH(path, "mapread.bin");
    CHECK(write_file(path, data, len) == 0);

    /* the same bytes both ways */
    bs_options o = opts(BS_MMAP_ALWAYS, 0, 0);
    CHECK_OK(read_whole(path, &o, 1, data, len));
    o = opts(BS_MMAP_NEVER, 0, 0);
    CHECK_OK(read_whole(path, &o, 0, data, len));
    /* a mapped file hands out the rest of the file as one window */
    byte_source *s;
    const void *p;
    size_t n;
    o = opts(BS_MMAP_ALWAYS, 0, 0);
    CHECK(bs_open_path(&s, path, &o) == BS_OK);
    CHECK(bs_peek(s, 1, &p, &n) == BS_OK && n == len);
    bs_close(s);

    /* AUTO with the default threshold (8 MiB): a 300 KB file is read */
    o = opts(BS_MMAP_AUTO, 0, 0);
    CHECK(o.mmap_threshold == BS_MMAP_THRESHOLD_DEFAULT);
    CHECK_OK(read_whole(path, &o, 0, data, len));
    CHECK_OK(read_whole(path, NULL, 0, data, len));

    /* AUTO with a small threshold: at least the threshold is mapped */
    TPATH(at, "auto-at.bin");
    TPATH(below, "auto-below.bin");
    CHECK(write_file(at, data, 4096) == 0);
    CHECK(write_file(below, data, 4095) == 0);
    o = opts(BS_MMAP_AUTO, 0, 0);
    o.mmap_threshold = 4096;
    CHECK_OK(read_whole(path, &o, 1, data, len));
    CHECK_OK(read_whole(at, &o, 1, data, 4096));
    CHECK_OK(read_whole(below, &o, 0, data, 4095));

    /* an empty file cannot be mapped even with ALWAYS: read, at its end */
    TPATH(empty, "empty.bin");
    CHECK(write_file(empty, "", 0) == 0);
    o = opts(BS_MMAP_ALWAYS, 0, 0);
    CHECK_OK(read_whole(empty, &o, 0, data, 0));
    free(data);
}

/* ---- random access ------------------------------------------------------ */

static int random_access_check(byte_source *s, const unsigned char *data, size_t len)
{
    const void *p;
    size_t n, got;
    uint64_t size = 0;
    unsigned char buf[6000];

    HCHECK(bs_peek(s, 1, &p, &n) == BS_OK && n >= 1);
    size_t pre = n < 1000 ? n : 1000;
    HCHECK(bs_consume(s, pre) == BS_OK);
    HCHECK(bs_tell(s) == pre);

    HCHECK(bs_size(s, &size) == BS_OK);
    HCHECK(size == len);
    HCHECK(bs_read_at(s, 0, buf, 64, &got) == BS_OK);
    HCHECK(got == 64 && memcmp(buf, data, 64) == 0);
    HCHECK(bs_read_at(s, 123457, buf, 5000, &got) == BS_OK);
    HCHECK(got == 5000 && memcmp(buf, data + 123457, 5000) == 0);
    HCHECK(bs_read_at(s, 3, buf, 1, &got) == BS_OK);
    HCHECK(got == 1 && buf[0] == data[3]);
    /* short read at the end */
    HCHECK(bs_read_at(s, len - 10, buf, 100, &got) == BS_OK);
    HCHECK(got == 10 && memcmp(buf, data + len - 10, 10) == 0);
    HCHECK(bs_read_at(s, len - 1, buf, 100, &got) == BS_OK);
    HCHECK(got == 1 && buf[0] == data[len - 1]);
    /* at and past the end */
    got = 7;
    HCHECK(bs_read_at(s, len, buf, 10, &got) == BS_END);
    HCHECK(got == 0);
    got = 7;
    HCHECK(bs_read_at(s, len + 12345, buf, 10, &got) == BS_END);
    HCHECK(got == 0);
    /* far past the end, beyond what an off_t holds: still the end, and
     * not an error that would break the stream */
    static const uint64_t far[] = {(uint64_t)1 << 62, (uint64_t)INT64_MAX - 3,
                                   (uint64_t)INT64_MAX, UINT64_MAX};
    for (size_t i = 0; i < sizeof far / sizeof far[0]; i++) {
        got = 7;
        HCHECK(bs_read_at(s, far[i], buf, 10, &got) == BS_END);
        HCHECK(got == 0);
    }
    /* nothing asked, nothing got */
    got = 7;
    HCHECK(bs_read_at(s, 5, buf, 0, &got) == BS_OK);
    HCHECK(got == 0);
    /* got may be NULL, as for bs_read */
    HCHECK(bs_read_at(s, 0, buf, 1, NULL) == BS_OK && buf[0] == data[0]);
    HCHECK(bs_size(s, NULL) == BS_EINVAL);

    /* the stream position did not move */
    HCHECK(bs_tell(s) == pre);
    HCHECK(strcmp(bs_error(s), "") == 0);
    HCHECK(bs_peek(s, 1, &p, &n) == BS_OK);
    HCHECK(((const unsigned char *)p)[0] == data[pre]);
    int line = drain_check(s, data + pre, len - pre, DRAIN_VARIED);
    if (line)
        return line;
    /* random access still works at the end of the stream */
    HCHECK(bs_read_at(s, 1, buf, 2, &got) == BS_OK);
    HCHECK(got == 2 && memcmp(buf, data + 1, 2) == 0);
    HCHECK(bs_tell(s) == len);
    return 0;
}

static void test_random_access(void)
{
    const size_t len = 200000 + 3;
    unsigned char *data = random_bytes(len, 777);
    CHECK(data != NULL);
    TPATH(path, "random.bin");
    CHECK(write_file(path, data, len) == 0);
    byte_source *s;

    bs_options o = opts(BS_MMAP_ALWAYS, 0, 0);
    CHECK(bs_open_path(&s, path, &o) == BS_OK);
    CHECK(bs_is_mapped(s) == 1);
    CHECK_OK(random_access_check(s, data, len));
    bs_close(s);

    o = opts(BS_MMAP_NEVER, 0, 0);
    CHECK(bs_open_path(&s, path, &o) == BS_OK);
    CHECK(bs_is_mapped(s) == 0);
    CHECK_OK(random_access_check(s, data, len));
    bs_close(s);

    o = opts(BS_MMAP_NEVER, 16, 0);
    CHECK(bs_open_path(&s, path, &o) == BS_OK);
    CHECK_OK(random_access_check(s, data, len));
    bs_close(s);

    CHECK(bs_open_memory(&s, data, len, "mem", NULL) == BS_OK);
    CHECK_OK(random_access_check(s, data, len));
    bs_close(s);

    /* a pipe has no random access, and saying so does not break it */
    int fds[2];
    CHECK(pipe(fds) == 0);
    CHECK(bs_open_fd(&s, fds[0], "pipe", 1, NULL) == BS_OK);
    uint64_t size = 5;
    size_t got = 5;
    char buf[16];
    CHECK(bs_size(s, &size) == BS_EUNSUPPORTED);
    CHECK(strcmp(bs_error(s), "pipe: fd: no random access") == 0);
    CHECK(bs_read_at(s, 0, buf, sizeof buf, &got) == BS_EUNSUPPORTED);
    CHECK(got == 0);
    CHECK(bs_tell(s) == 0);
    CHECK(write(fds[1], "abc", 3) == 3);
    close(fds[1]);
    const void *p;
    size_t n;
    CHECK(bs_peek(s, 4, &p, &n) == BS_OK);
    CHECK(n == 3 && memcmp(p, "abc", 3) == 0);
    CHECK(bs_consume(s, 3) == BS_OK);
    CHECK(bs_peek(s, 1, &p, &n) == BS_END);
    bs_close(s);
    free(data);
}

/* ---- pipes -------------------------------------------------------------- */

struct writer {
    int fd;
    const unsigned char *data;
    size_t len;
};

/* Writes in small pieces of 1..13 bytes, then closes the pipe. */
static void write_pieces(const struct writer *w)
{
    size_t pos = 0;
    for (unsigned i = 0; pos < w->len; i++) {
        size_t k = 1 + (i * 7) % 13;
        if (k > w->len - pos)
            k = w->len - pos;
        ssize_t r = write(w->fd, w->data + pos, k);
        if (r < 0 && errno == EINTR)
            continue;
        if (r <= 0)
            break;
        pos += (size_t)r;
        if (i % 512 == 0)
            sched_yield();
    }
    close(w->fd);
}

static void *writer_thread(void *arg)
{
    write_pieces(arg);
    return NULL;
}

static void test_pipe_fd(void)
{
    const size_t len = 60000 + 11;
    unsigned char *data = random_bytes(len, 31337);
    CHECK(data != NULL);
    int fds[2];
    byte_source *s;

    /* a writer thread; own_fd = 1 closes the read end */
    CHECK(pipe(fds) == 0);
    struct writer w = {fds[1], data, len};
    pthread_t th;
    CHECK(pthread_create(&th, NULL, writer_thread, &w) == 0);
    bs_options o = opts(BS_MMAP_AUTO, 64, 0);
    CHECK(bs_open_fd(&s, fds[0], "pipe-in", 1, &o) == BS_OK);
    CHECK(strcmp(bs_name(s), "pipe-in") == 0);
    CHECK(bs_is_mapped(s) == 0);
    int line = drain_check(s, data, len, DRAIN_VARIED);
    pthread_join(th, NULL);
    CHECK_OK(line);
    bs_close(s);
    errno = 0;
    CHECK(fcntl(fds[0], F_GETFD) == -1 && errno == EBADF);

    /* a forked writer; bs_read; own_fd = 0 leaves the read end open */
    CHECK(pipe(fds) == 0);
    pid_t pid = fork();
    CHECK(pid >= 0);
    if (pid == 0) {
        close(fds[0]);
        struct writer cw = {fds[1], data, len};
        write_pieces(&cw);
        _exit(0);
    }
    close(fds[1]);
    CHECK(bs_open_fd(&s, fds[0], "pipe-in2", 0, NULL) == BS_OK);
    line = drain_check(s, data, len, DRAIN_READ);
    int st;
    CHECK(waitpid(pid, &st, 0) == pid);
    CHECK_OK(line);
    CHECK(WIFEXITED(st) && WEXITSTATUS(st) == 0);
    bs_close(s);
    CHECK(fcntl(fds[0], F_GETFD) != -1);
    CHECK(close(fds[0]) == 0);

    /* peek(min) on a pipe waits for min bytes, across many small writes */
    CHECK(pipe(fds) == 0);
    w = (struct writer){fds[1], data, len};
    CHECK(pthread_create(&th, NULL, writer_thread, &w) == 0);
    CHECK(bs_open_fd(&s, fds[0], "pipe-in3", 1, &o) == BS_OK);
    const void *p;
    size_t n;
    int rc = bs_peek(s, 20000, &p, &n);
    int ok = rc == BS_OK && n >= 20000 && memcmp(p, data, n) == 0;
    if (ok) {
        bs_consume(s, n);
        ok = drain_check(s, data + n, len - n, DRAIN_WHOLE) == 0;
    }
    pthread_join(th, NULL);
    CHECK(ok);
    bs_close(s);
    free(data);
}

/* ---- open errors -------------------------------------------------------- */

static void test_open_errors(void)
{
    byte_source *s = NULL;
    char want[1024];

    TPATH(missing, "no-such-file.txt");
    CHECK(bs_open_path(&s, missing, NULL) < 0);
    CHECK(s != NULL);
    snprintf(want, sizeof want, "%s: No such file or directory", missing);
    CHECK(strcmp(bs_error(s), want) == 0);
    bs_close(s);

    s = NULL;
    CHECK(bs_open_path(&s, tmpdir, NULL) == BS_EIO);
    CHECK(s != NULL);
    snprintf(want, sizeof want, "%s: Is a directory", tmpdir);
    CHECK(strcmp(bs_error(s), want) == 0);
    bs_close(s);

    TPATH(locked, "unreadable.txt");
    CHECK(write_file(locked, "secret\n", 7) == 0);
    if (geteuid() != 0) {
        CHECK(chmod(locked, 0) == 0);
        s = NULL;
        CHECK(bs_open_path(&s, locked, NULL) < 0);
        CHECK(s != NULL);
        snprintf(want, sizeof want, "%s: Permission denied", locked);
        CHECK(strcmp(bs_error(s), want) == 0);
        bs_close(s);
    } else {
        printf("NOTE test_open_errors: running as root, the chmod 000 check is skipped; "
               "the read error is checked with a write-only descriptor\n");
    }

    /* a read error: a descriptor open for writing only */
    TPATH(wronly, "write-only.txt");
    CHECK(write_file(wronly, "data\n", 5) == 0);
    int fd = open(wronly, O_WRONLY | O_CLOEXEC);
    CHECK(fd >= 0);
    CHECK(bs_open_fd(&s, fd, "wronly", 1, NULL) == BS_OK);
    const void *p;
    size_t n;
    CHECK(bs_peek(s, 1, &p, &n) == BS_EIO);
    CHECK(n == 0);
    CHECK(strcmp(bs_error(s), "wronly: read: Bad file descriptor") == 0);
    CHECK(bs_peek(s, 1, &p, &n) == BS_EIO);   /* sticky */
    char buf[4];
    size_t got = 9;
    CHECK(bs_read(s, buf, sizeof buf, &got) == BS_EIO && got == 0);
    CHECK(strcmp(bs_error(s), "wronly: read: Bad file descriptor") == 0);
    bs_close(s);
    errno = 0;
    CHECK(fcntl(fd, F_GETFD) == -1 && errno == EBADF);

    /* argument errors */
    s = NULL;
    CHECK(bs_open_fd(&s, -1, "neg", 0, NULL) == BS_EINVAL);
    CHECK(s != NULL);
    CHECK(strcmp(bs_error(s), "neg: bad file descriptor") == 0);
    bs_close(s);
    s = NULL;
    CHECK(bs_open_path(&s, NULL, NULL) == BS_EINVAL);
    CHECK(s != NULL);
    CHECK(strstr(bs_error(s), "no path given") != NULL);
    bs_close(s);
    CHECK(bs_open_path(NULL, missing, NULL) == BS_EINVAL);
    CHECK(bs_open_fd(NULL, 0, "x", 0, NULL) == BS_EINVAL);
}

/* ---- the layer chain ---------------------------------------------------- */

static int chain_check(byte_source *s, const char *base)
{
    HCHECK(bs_layer_count(s) == 1);
    HCHECK(strcmp(bs_layer_name(s, 0), base) == 0);
    HCHECK(strcmp(bs_layer_label(s, 0), base) == 0);
    HCHECK(bs_layer_name(s, 1) == NULL && bs_layer_label(s, 1) == NULL);
    HCHECK(bs_layer_name(s, -1) == NULL && bs_layer_label(s, -1) == NULL);
    return 0;
}

static void test_layer_chain(void)
{
    static const char text[] = "some bytes\n";
    TPATH(path, "chain.txt");
    CHECK(write_file(path, text, sizeof text - 1) == 0);
    byte_source *s;

    bs_options o = opts(BS_MMAP_NEVER, 0, 0);
    CHECK(bs_open_path(&s, path, &o) == BS_OK);
    CHECK_OK(chain_check(s, "file"));
    bs_close(s);
    o = opts(BS_MMAP_ALWAYS, 0, 0);
    CHECK(bs_open_path(&s, path, &o) == BS_OK);
    CHECK(bs_is_mapped(s));
    CHECK_OK(chain_check(s, "file"));
    bs_close(s);

    int fds[2];
    CHECK(pipe(fds) == 0);
    CHECK(bs_open_fd(&s, fds[0], "p", 1, NULL) == BS_OK);
    CHECK_OK(chain_check(s, "fd"));
    bs_close(s);
    close(fds[1]);

    CHECK(bs_open_memory(&s, text, sizeof text - 1, "m", NULL) == BS_OK);
    CHECK_OK(chain_check(s, "memory"));
    struct bs_layer *l = NULL;
    CHECK(bs_layer_add(s, &trickle_ops, &l) == BS_OK);
    CHECK(l != NULL && s->top == l);
    CHECK(bs_layer_count(s) == 2);
    CHECK(strcmp(bs_layer_name(s, 0), "memory") == 0);
    CHECK(strcmp(bs_layer_name(s, 1), "trickle") == 0);
    CHECK(strcmp(bs_layer_label(s, 1), "trickle") == 0);
    CHECK(bs_layer_add(s, &fail_split_ops, NULL) == BS_OK);
    CHECK(bs_layer_count(s) == 3);
    CHECK(strcmp(bs_layer_name(s, 2), "test") == 0);
    CHECK(strcmp(bs_layer_label(s, 2), "test (fails after 10 bytes)") == 0);
    CHECK(bs_layer_name(s, 3) == NULL && bs_layer_label(s, 3) == NULL);
    CHECK(bs_layer_name(s, -1) == NULL);
    bs_close(s);

    CHECK(bs_layer_count(NULL) == 0);
    CHECK(bs_layer_name(NULL, 0) == NULL && bs_layer_label(NULL, 0) == NULL);

    /* at most 16 layers; reading through 15 trickles still works */
    const size_t len = 300;
    unsigned char *data = random_bytes(len, 5);
    CHECK(data != NULL);
    o = opts(BS_MMAP_AUTO, 16, 0);
    CHECK(bs_open_memory(&s, data, len, "deep", &o) == BS_OK);
    for (int i = 1; i < 16; i++)
        CHECK(bs_layer_add(s, &trickle_ops, NULL) == BS_OK);
    CHECK(bs_layer_count(s) == 16);
    CHECK(bs_layer_add(s, &trickle_ops, NULL) == BS_ELIMIT);
    CHECK(bs_layer_count(s) == 16);
    CHECK(strcmp(bs_error(s), "deep: more than 16 layers") == 0);
    CHECK_OK(drain_check(s, data, len, DRAIN_VARIED));
    bs_close(s);
    free(data);
}

/* ---- bs_push / bs_detect ------------------------------------------------ */

static void test_push_detect(void)
{
    static const char text[] = "just some plain text\nwith two lines\n";
    size_t len = sizeof text - 1;
    byte_source *s;

    CHECK(bs_open_memory(&s, text, len, "plain.txt", NULL) == BS_OK);
    CHECK(bs_push(s, "nosuchlayer") == BS_EUNSUPPORTED);
    CHECK(strcmp(bs_error(s), "plain.txt: unknown layer nosuchlayer") == 0);
    CHECK(bs_layer_count(s) == 1);
    CHECK(bs_push(s, NULL) == BS_EINVAL);
    CHECK(bs_push(NULL, "gzip") == BS_EINVAL);
    CHECK(bs_detect(s, 8) == 0);
    CHECK(bs_layer_count(s) == 1);
    /* neither consumed anything, nor broke the stream */
    CHECK(bs_tell(s) == 0);
    CHECK_OK(drain_check(s, (const unsigned char *)text, len, DRAIN_WHOLE));
    bs_close(s);

    TPATH(path, "plain.txt");
    CHECK(write_file(path, text, len) == 0);
    bs_options o = opts(BS_MMAP_NEVER, 16, 0);
    CHECK(bs_open_path(&s, path, &o) == BS_OK);
    CHECK(bs_detect(s, 8) == 0);
    CHECK(bs_layer_count(s) == 1);
    CHECK(bs_tell(s) == 0);
    CHECK_OK(drain_check(s, (const unsigned char *)text, len, DRAIN_VARIED));
    bs_close(s);

    /* an empty source: nothing to detect */
    CHECK(bs_open_memory(&s, NULL, 0, "empty", NULL) == BS_OK);
    CHECK(bs_detect(s, 8) == 0);
    bs_close(s);
    CHECK(bs_detect(NULL, 8) == BS_EINVAL);
}

/* ---- the SIGBUS guard --------------------------------------------------- */

struct touch {
    const volatile unsigned char *p;
    size_t n;
    volatile size_t pages;   /* volatile: read after a jump out of fn */
    unsigned sum;
    int ret;
};

/* Reads one byte of every page of the window. */
static int touch_pages(void *arg)
{
    struct touch *t = arg;
    size_t pg = (size_t)sysconf(_SC_PAGESIZE);
    for (size_t i = 0; i < t->n; i += pg) {
        t->sum += t->p[i];
        t->pages = t->pages + 1;
    }
    if (t->n)
        t->sum += t->p[t->n - 1];
    return t->ret;
}

static size_t page_count(size_t n)
{
    size_t pg = (size_t)sysconf(_SC_PAGESIZE);
    return (n + pg - 1) / pg;
}

#define BIG_LEN ((size_t)4 << 20)

/* Creates a mapped source over a new file of `len` random bytes. */
static int open_mapped(byte_source **s, const char *path, size_t len, uint32_t seed,
                       struct touch *t, int ret)
{
    unsigned char *data = random_bytes(len, seed);
    HCHECK(data != NULL);
    int rc = write_file(path, data, len);
    free(data);
    HCHECK(rc == 0);
    bs_options o = opts(BS_MMAP_ALWAYS, 0, 0);
    HCHECK(bs_open_path(s, path, &o) == BS_OK);
    HCHECK(bs_is_mapped(*s) == 1);
    const void *p;
    size_t n;
    HCHECK(bs_peek(*s, 1, &p, &n) == BS_OK && n == len);
    *t = (struct touch){p, n, 0, 0, ret};
    return 0;
}

static int ret42(void *arg)
{
    (void)arg;
    return 42;
}

static int ret_format(void *arg)
{
    (void)arg;
    return BS_EFORMAT;
}

static void test_sigbus_guard(void)
{
    TPATH(path, "big.bin");
    byte_source *s;
    struct touch t;
    CHECK_OK(open_mapped(&s, path, BIG_LEN, 11, &t, 7));

    /* intact: fn runs to the end and its value comes back */
    CHECK(bs_guard(s, touch_pages, &t) == 7);
    CHECK(t.pages == page_count(BIG_LEN));
    CHECK(strcmp(bs_error(s), "") == 0);

    /* truncated under the mapping: the fault is caught */
    CHECK(truncate(path, 0) == 0);
    t.pages = 0;
    CHECK(bs_guard(s, touch_pages, &t) == BS_ECHANGED);
    CHECK(t.pages < page_count(BIG_LEN));
    char want[1024];
    snprintf(want, sizeof want, "%s: file changed while being read", path);
    CHECK(strcmp(bs_error(s), want) == 0);
    /* sticky, and the other readers of the mapping are guarded too */
    const void *p;
    size_t n;
    CHECK(bs_peek(s, 1, &p, &n) == BS_ECHANGED);
    char buf[16];
    size_t got = 3;
    CHECK(bs_read(s, buf, sizeof buf, &got) == BS_ECHANGED);
    CHECK(got == 0);
    got = 3;
    CHECK(bs_read_at(s, 100, buf, sizeof buf, &got) == BS_ECHANGED);
    CHECK(got == 0);
    CHECK(strcmp(bs_error(s), want) == 0);
    /* a guard after the failure catches the fault again */
    t.pages = 0;
    CHECK(bs_guard(s, touch_pages, &t) == BS_ECHANGED);
    /* fn's value comes back unchanged when it does not fault */
    CHECK(bs_guard(s, ret42, NULL) == 42);
    bs_close(s);

    /* unmapped sources: bs_guard just returns fn's value */
    static const char text[] = "memory bytes";
    CHECK(bs_open_memory(&s, text, sizeof text - 1, "m", NULL) == BS_OK);
    CHECK(bs_guard(s, ret42, NULL) == 42);
    CHECK(bs_guard(s, ret_format, NULL) == BS_EFORMAT);
    CHECK(strcmp(bs_error(s), "") == 0);
    CHECK(bs_guard(s, NULL, NULL) == BS_EINVAL);
    CHECK(bs_guard(NULL, ret42, NULL) == BS_EINVAL);
    bs_close(s);
    TPATH(small, "small-read.txt");
    CHECK(write_file(small, text, sizeof text - 1) == 0);
    bs_options o = opts(BS_MMAP_NEVER, 0, 0);
    CHECK(bs_open_path(&s, small, &o) == BS_OK);
    CHECK(bs_is_mapped(s) == 0);
    CHECK(bs_guard(s, ret42, NULL) == 42);
    CHECK(bs_guard(s, ret_format, NULL) == BS_EFORMAT);
    CHECK(strcmp(bs_error(s), "") == 0);
    bs_close(s);

    /* after all that, a guard over an intact mapping behaves normally */
    TPATH(again, "big2.bin");
    CHECK_OK(open_mapped(&s, again, (size_t)1 << 20, 12, &t, 9));
    CHECK(bs_guard(s, touch_pages, &t) == 9);
    CHECK(t.pages == page_count((size_t)1 << 20));
    CHECK(strcmp(bs_error(s), "") == 0);
    bs_close(s);
}

struct nest {
    byte_source *inner_src;
    struct touch *inner_touch;
    struct touch *outer_touch;
    volatile int inner_rc;   /* read after a jump out of the outer fn */
};

/* Outer guard's fn: runs an inner guard, then touches the outer mapping. */
static int nest_outer(void *arg)
{
    struct nest *ns = arg;
    ns->inner_rc = bs_guard(ns->inner_src, touch_pages, ns->inner_touch);
    return touch_pages(ns->outer_touch);
}

/* A mapped file cut short inside its last page reads as zeros, with no
 * SIGBUS: the end of the stream reports it instead. */
static void test_mapped_shrink_at_end(void)
{
    TPATH(path, "shrink.txt");
    char text[10000];
    memset(text, 'x', sizeof text);
    CHECK(write_file(path, text, sizeof text) == 0);
    bs_options o = opts(BS_MMAP_ALWAYS, 0, 0);
    byte_source *s;
    CHECK(bs_open_path(&s, path, &o) == BS_OK);
    CHECK(bs_is_mapped(s));
    const void *p;
    size_t n;
    CHECK(bs_peek(s, 1, &p, &n) == BS_OK && n == sizeof text);
    CHECK(truncate(path, sizeof text - 100) == 0);
    CHECK(bs_consume(s, n) == BS_OK);
    CHECK(bs_peek(s, 1, &p, &n) == BS_ECHANGED);
    CHECK(n == 0);
    char want[1024];
    snprintf(want, sizeof want, "%s: file changed while being read", path);
    CHECK(strcmp(bs_error(s), want) == 0);
    bs_close(s);
    /* an unchanged file ends plainly */
    CHECK(write_file(path, text, sizeof text) == 0);
    CHECK(bs_open_path(&s, path, &o) == BS_OK);
    CHECK(bs_peek(s, 1, &p, &n) == BS_OK && bs_consume(s, n) == BS_OK);
    CHECK(bs_peek(s, 1, &p, &n) == BS_END);
    bs_close(s);
}

struct cut_output {
    struct out o;
    const void *p;
    size_t n;
};

static int write_window(void *arg)
{
    struct cut_output *c = arg;
    out_add(&c->o, c->p, c->n);
    return BS_OK;
}

/* srcgrep writes a piece of 64 KiB or more straight from the window.  From
 * a mapping cut short, write() then fails with EFAULT where reading the
 * bytes would fault: inside the guard this must still be the file's error,
 * not a write error that also silences all later output. */
static void test_guard_output_from_cut_mapping(void)
{
    TPATH(path, "cut.bin");
    TPATH(outpath, "cut.out");
    byte_source *s;
    struct touch t;
    CHECK_OK(open_mapped(&s, path, (size_t)256 << 10, 13, &t, 0));
    CHECK(truncate(path, 0) == 0);
    int fd = open(outpath, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
    CHECK(fd >= 0);
    struct cut_output c;
    out_init(&c.o, fd);
    c.p = (const void *)t.p;   /* the window as peeked */
    c.n = t.n;
    int rc = bs_guard(s, write_window, &c);
    int err = c.o.err;
    out_free(&c.o);
    close(fd);
    bs_close(s);
    CHECK(rc == BS_ECHANGED);
    CHECK(err == 0);
}

static void test_guard_nested(void)
{
    TPATH(apath, "nest-a.bin");
    TPATH(bpath, "nest-b.bin");
    byte_source *a, *b;
    struct touch ta, tb;
    char want[1024];

    /* the inner source is truncated: the inner guard reports it, the outer
     * one carries on */
    CHECK_OK(open_mapped(&a, apath, BIG_LEN, 21, &ta, 5));
    CHECK_OK(open_mapped(&b, bpath, BIG_LEN, 22, &tb, 6));
    CHECK(truncate(bpath, 0) == 0);
    struct nest ns = {b, &tb, &ta, 0};
    CHECK(bs_guard(a, nest_outer, &ns) == 5);
    CHECK(ns.inner_rc == BS_ECHANGED);
    CHECK(ta.pages == page_count(BIG_LEN));
    CHECK(strcmp(bs_error(a), "") == 0);
    snprintf(want, sizeof want, "%s: file changed while being read", bpath);
    CHECK(strcmp(bs_error(b), want) == 0);
    bs_close(a);
    bs_close(b);

    /* the inner fn faults in the outer source's mapping: the inner scope
     * does not cover it, the outer one does */
    CHECK_OK(open_mapped(&a, apath, BIG_LEN, 23, &ta, 5));
    CHECK_OK(open_mapped(&b, bpath, BIG_LEN, 24, &tb, 6));
    CHECK(truncate(apath, 0) == 0);
    ns = (struct nest){b, &ta, &ta, 0};   /* inner guard over b touches a */
    CHECK(bs_guard(a, nest_outer, &ns) == BS_ECHANGED);
    CHECK(ns.inner_rc == 0);   /* the inner guard never returned */
    snprintf(want, sizeof want, "%s: file changed while being read", apath);
    CHECK(strcmp(bs_error(a), want) == 0);
    CHECK(strcmp(bs_error(b), "") == 0);
    /* both scopes are gone: b alone, intact, still guards normally */
    tb.pages = 0;
    CHECK(bs_guard(b, touch_pages, &tb) == 6);
    CHECK(tb.pages == page_count(BIG_LEN));
    bs_close(a);
    bs_close(b);

    /* the same source guarded twice, nested, and truncated */
    CHECK_OK(open_mapped(&a, apath, BIG_LEN, 25, &ta, 5));
    CHECK(truncate(apath, 0) == 0);
    ns = (struct nest){a, &ta, &ta, 0};
    CHECK(bs_guard(a, nest_outer, &ns) == BS_ECHANGED);
    CHECK(ns.inner_rc == BS_ECHANGED);   /* inner caught the first fault */
    bs_close(a);
}

/* In a child: maps and guards one intact file (so libsrc's handler is
 * installed), then touches another, truncated mapping -- outside any guard
 * (inside_guard == 0) or inside a guard over the intact file (1).  Returns
 * only in the parent, with the child's wait status in *status. */
static void touch_foreign(void *arg)
{
    struct touch *t = arg;
    (void)t->p[0];
}

static int touch_foreign_fn(void *arg)
{
    touch_foreign(arg);
    return 0;
}

static int child_fault(const char *intact, const char *victim, int inside_guard)
{
    struct rlimit rl = {0, 0};
    setrlimit(RLIMIT_CORE, &rl);   /* no core file in the working directory */
    alarm(10);                      /* a handler that loops ends with SIGALRM */
    byte_source *a;
    struct touch ta;
    if (open_mapped(&a, intact, (size_t)1 << 20, 31, &ta, 3))
        return 10;
    if (bs_guard(a, touch_pages, &ta) != 3)
        return 11;
    size_t len = 1 << 16;
    unsigned char *data = random_bytes(len, 32);
    if (!data || write_file(victim, data, len))
        return 12;
    free(data);
    int fd = open(victim, O_RDWR | O_CLOEXEC);
    if (fd < 0)
        return 13;
    void *m = mmap(NULL, len, PROT_READ, MAP_SHARED, fd, 0);
    if (m == MAP_FAILED)
        return 14;
    if (ftruncate(fd, 0) != 0)
        return 15;
    struct touch tv = {m, len, 0, 0, 0};
    if (inside_guard)
        bs_guard(a, touch_foreign_fn, &tv);
    else
        touch_foreign(&tv);
    return 0;   /* survived: the fault was swallowed */
}

static void test_guard_foreign_fault(void)
{
    for (int inside = 0; inside < 2; inside++) {
        char intact[512], victim[512];
        snprintf(intact, sizeof intact, "%s/foreign-intact-%d.bin", tmpdir, inside);
        snprintf(victim, sizeof victim, "%s/foreign-victim-%d.bin", tmpdir, inside);
        fflush(NULL);
        pid_t pid = fork();
        CHECK(pid >= 0);
        if (pid == 0)
            _exit(child_fault(intact, victim, inside));
        int st;
        CHECK(waitpid(pid, &st, 0) == pid);
        if (!(WIFSIGNALED(st) && WTERMSIG(st) == SIGBUS)) {
            snprintf(unit_why, sizeof unit_why,
                     "%s:%d: child (fault %s a guard) %s %d, expected death by SIGBUS",
                     __FILE__, __LINE__, inside ? "inside" : "outside",
                     WIFSIGNALED(st) ? "died of signal" : "exited with",
                     WIFSIGNALED(st) ? WTERMSIG(st) : WEXITSTATUS(st));
            unit_failed = 1;
            return;
        }
    }
}

/* A fresh process (re-executed, so libsrc has installed nothing yet)
 * installs its own SIGBUS handler first; libsrc must chain to it for a
 * fault outside its mappings. */
static void chained_handler_info(int sig, siginfo_t *si, void *uc)
{
    (void)si;
    (void)uc;
    _exit(sig == SIGBUS ? 42 : 43);
}

static void chained_handler_plain(int sig)
{
    _exit(sig == SIGBUS ? 44 : 45);
}

static int chain_child(const char *kind, const char *dir)
{
    snprintf(tmpdir, sizeof tmpdir, "%s", dir);
    struct sigaction sa;
    memset(&sa, 0, sizeof sa);
    sigemptyset(&sa.sa_mask);
    if (strcmp(kind, "siginfo") == 0) {
        sa.sa_flags = SA_SIGINFO;
        sa.sa_sigaction = chained_handler_info;
    } else {
        sa.sa_handler = chained_handler_plain;
    }
    if (sigaction(SIGBUS, &sa, NULL) != 0)
        return 20;
    char intact[512], victim[512];
    snprintf(intact, sizeof intact, "%s/chain-intact-%s.bin", dir, kind);
    snprintf(victim, sizeof victim, "%s/chain-victim-%s.bin", dir, kind);
    return child_fault(intact, victim, 1);
}

static void test_guard_chains_previous_handler(void)
{
    static const char *const kinds[] = {"siginfo", "plain"};
    for (int i = 0; i < 2; i++) {
        fflush(NULL);
        pid_t pid = fork();
        CHECK(pid >= 0);
        if (pid == 0) {
            char *argv[] = {self_exe, (char *)"--chain-child", (char *)kinds[i], tmpdir, NULL};
            execv(self_exe, argv);
            _exit(127);
        }
        int st;
        CHECK(waitpid(pid, &st, 0) == pid);
        int want = i == 0 ? 42 : 44;
        if (!(WIFEXITED(st) && WEXITSTATUS(st) == want)) {
            snprintf(unit_why, sizeof unit_why,
                     "%s:%d: %s child %s %d, expected exit status %d from its own handler",
                     __FILE__, __LINE__, kinds[i],
                     WIFSIGNALED(st) ? "died of signal" : "exited with",
                     WIFSIGNALED(st) ? WTERMSIG(st) : WEXITSTATUS(st), want);
            unit_failed = 1;
            return;
        }
    }
}

/* ---- small things ------------------------------------------------------- */

static void test_misc(void)
{
    bs_close(NULL);

    bs_options o;
    memset(&o, 0xab, sizeof o);
    bs_options_init(&o);
    CHECK(o.mmap_mode == BS_MMAP_AUTO);
    CHECK(o.mmap_threshold == BS_MMAP_THRESHOLD_DEFAULT);
    CHECK(o.window == BS_WINDOW_DEFAULT);
    CHECK(o.window_max == BS_WINDOW_MAX_DEFAULT);
    CHECK(BS_MMAP_THRESHOLD_DEFAULT == (uint64_t)8 << 20);
    CHECK(BS_WINDOW_DEFAULT == (size_t)256 << 10);
    CHECK(BS_WINDOW_MAX_DEFAULT == (size_t)1 << 30);
    bs_options_init(NULL);

    CHECK(strcmp(bs_version(), LIBSRC_VERSION_STRING) == 0);

    /* NULL handles are refused, not dereferenced */
    const void *p = (const void *)1;
    size_t n = 9, got = 9;
    char buf[4];
    uint64_t size;
    CHECK(bs_peek(NULL, 1, &p, &n) == BS_EINVAL);
    CHECK(p == NULL && n == 0);
    CHECK(bs_consume(NULL, 0) == BS_EINVAL);
    CHECK(bs_read(NULL, buf, sizeof buf, &got) == BS_EINVAL && got == 0);
    CHECK(bs_tell(NULL) == 0);
    CHECK(bs_size(NULL, &size) == BS_EINVAL);
    CHECK(bs_read_at(NULL, 0, buf, sizeof buf, &got) == BS_EINVAL);
    CHECK(bs_is_mapped(NULL) == 0);
    CHECK(bs_error(NULL) != NULL);
    CHECK(bs_name(NULL) != NULL);

    /* options are copied at open; NULL options are the defaults */
    byte_source *s;
    CHECK(bs_open_memory(&s, "x", 1, "m", NULL) == BS_OK);
    CHECK(s->opt.window == BS_WINDOW_DEFAULT && s->opt.window_max == BS_WINDOW_MAX_DEFAULT);
    bs_close(s);
    o = opts(BS_MMAP_NEVER, 0, 0);
    o.window = 0;
    CHECK(bs_open_memory(&s, "x", 1, "m", &o) == BS_OK);
    o.window = 1;
    CHECK(s->opt.window == BS_WINDOW_DEFAULT);
    /* bs_read of zero bytes */
    got = 5;
    CHECK(bs_read(s, buf, 0, &got) == BS_OK && got == 0);
    CHECK(bs_tell(s) == 0);
    bs_close(s);
}

/* ---- main --------------------------------------------------------------- */

static int rm_entry(const char *path, const struct stat *sb, int flag, struct FTW *ftw)
{
    (void)sb;
    (void)ftw;
    if (flag == FTW_DP)
        return rmdir(path);
    return unlink(path);
}

int main(int argc, char **argv)
{
    if (argc == 4 && strcmp(argv[1], "--chain-child") == 0)
        return chain_child(argv[2], argv[3]);

    signal(SIGPIPE, SIG_IGN);
    const char *t = getenv("TMPDIR");
    snprintf(tmpdir, sizeof tmpdir, "%s/unit_core.XXXXXX", t && *t ? t : "/tmp");
    if (!mkdtemp(tmpdir)) {
        perror("mkdtemp");
        printf("FAIL unit_core: cannot create a temporary directory\n");
        return 1;
    }

    RUN(test_memory_source);
    RUN(test_buffered_small_window);
    RUN(test_buffered_line_reader);
    RUN(test_trickle_layer);
    RUN(test_failing_layer);
    RUN(test_partial_line_at_end);
    RUN(test_mmap_vs_read);
    RUN(test_random_access);
    RUN(test_pipe_fd);
    RUN(test_open_errors);
    RUN(test_layer_chain);
    RUN(test_push_detect);
    RUN(test_sigbus_guard);
    RUN(test_mapped_shrink_at_end);
    RUN(test_guard_output_from_cut_mapping);
    RUN(test_guard_nested);
    RUN(test_guard_foreign_fault);
    RUN(test_guard_chains_previous_handler);
    RUN(test_misc);

    nftw(tmpdir, rm_entry, 16, FTW_DEPTH | FTW_PHYS);
    return 0;
}
