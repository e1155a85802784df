/* libFuzzer harness for the tar layer and the member machinery:
 * bs_next_member, bs_member_name, bs_display_name and bs_detect on
 * members (which may be compressed, UTF-16, or a tar again).
 *
 * Input: byte 0 picks how the input is split and read (see struct plan);
 * the rest is a tar archive.  The tar layer is pushed by name, so that an
 * archive whose first header does not check out is still walked.  Each
 * input is walked twice: through a layer that hands out all there is,
 * read in whole windows (the reference), and as byte 0 says: through a
 * layer that hands the input out one byte at a time, in chunks of 1, 2, 3,
 * 5, 8 ... 4181 bytes, or in random chunks of 1 to 64 bytes (now and then
 * up to 4 KiB); read by whole windows, by peeks of varied sizes consuming
 * part of each window, by bs_read into buffers of varied sizes, or a mix;
 * with the default window or one of 64 bytes.  A walk does what srcgrep
 * does: bs_next_member on the container, bs_detect on each member (its
 * depth limited as --max-layers limits it), a member that is a container
 * walked in turn, every other read to its end or its failure; byte 0 may
 * also say that some members are left after a part of them is read.
 *
 * Invariants (each violation aborts with a message):
 *  - no crash, leak or sanitizer report, no hang: every loop is bounded
 *    and a bound that is reached aborts;
 *  - the stream contract on every member: BS_OK with bytes, BS_END with
 *    none and sticky, a failure sticky with its message, which names the
 *    input ("fuzz{...}" or "fuzz: ..."); bs_read counts;
 *  - bs_tell is 0 after bs_next_member and after bs_detect, then counts
 *    the bytes of the member consumed;
 *  - bs_next_member leaves the container on top, gives a member name
 *    (bs_member_name) with BS_OK and a display name that starts with
 *    "fuzz{"; after BS_END it gives BS_END again; after a failure never
 *    BS_OK;
 *  - the two walks meet the same members, with the same display names,
 *    chains, detection results and statuses, and the same bytes (of two
 *    failures, the shorter output is a prefix of the longer, and where
 *    bs_detect met the failure in one walk, chain, detection and so
 *    bytes may differ too, as a decoder may give fewer bytes before a
 *    failure in one split than in another); only once
 *    the decoded-bytes budget is reached (it counts the input consumed,
 *    which depends on the split) is nothing more compared;
 *  - the bytes handed out stay within what the budget allows.
 *
 * FUZZ_TAR_LAX=1 lets a member that fails with a decoder in its chain (or
 * whose failure is not the tar's own) have a different message, status and
 * bytes in the two walks, to fuzz on past known bugs of a decoder: gzip's
 * ISA-L engine gives more or fewer bytes before a failure, of its own or
 * of the layer below (a tar member cut short), depending on how its input
 * is split and on its window (0, 714 or 967 bytes of one damaged member;
 * 16055 bytes of a cut one where zlib, and ISA-L on split input, give
 * 16056), so that a text layer above it ends differently too; and, given
 * its input in small pieces, it may consume more than the window below
 * holds, the message of that ("consume of 48 bytes from a 47-byte
 * window") replacing its own. */
#define _GNU_SOURCE
#include "bs_private.h"
#include "../layers.h"

#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define FLOOR ((uint64_t)1 << 20)
#define RATIO 64u
#define WINDOW_MAX ((size_t)1 << 20)
/* entries (members, containers, ends) one walk records at most */
#define MAX_ENTRIES 20000
/* status of a member left part way by the walk */
#define ABANDONED 2

struct plan {
    int split;     /* 0 whole, 1 trickle, 2 chunks (Fibonacci), 3 random chunks */
    int reads;     /* 0 whole windows, 1 varied peeks, 2 bs_read, 3 mixed */
    int small;     /* a window of 64 bytes */
    int depth;     /* layers a member's chain may have, as --max-layers */
    int abandon;   /* some members are read in part only */
};

/* ---- random chunks ----------------------------------------------------------- */

static uint32_t next_rand(uint32_t *x)
{
    *x ^= *x << 13;
    *x ^= *x >> 17;
    *x ^= *x << 5;
    return *x;
}

static int rnd_init(struct bs_layer *l)
{
    uint32_t *r = malloc(sizeof *r);
    if (!r)
        return bs_fail(l, BS_ENOMEM, "random: out of memory");
    *r = 0x9e3779b9u;
    l->state = r;
    return BS_OK;
}

static void rnd_close(struct bs_layer *l)
{
    free(l->state);
}

static int rnd_read(struct bs_layer *l, unsigned char *dst, size_t cap, size_t *got)
{
    const unsigned char *p;
    size_t n;
    int rc = bs_layer_peek(l->below, 1, &p, &n);
    if (rc != BS_OK)
        return rc;
    uint32_t r = next_rand(l->state);
    size_t want = r % 16 == 0 ? 1 + (r >> 8) % 4096 : 1 + (r >> 8) % 64;
    if (want > cap)
        want = cap;
    if (want > n)
        want = n;
    memcpy(dst, p, want);
    bs_layer_consume(l->below, want);
    *got = want;
    return BS_OK;
}

/* "whole": hands out all the layer below has, as a memory base does; under
 * the tar in the reference walk, so that both walks have as many layers
 * (bs_detect counts them against its depth) */
static int whole_read(struct bs_layer *l, unsigned char *dst, size_t cap, size_t *got)
{
    const unsigned char *p;
    size_t n;
    int rc = bs_layer_peek(l->below, 1, &p, &n);
    if (rc != BS_OK)
        return rc;
    size_t k = n < cap ? n : cap;
    memcpy(dst, p, k);
    bs_layer_consume(l->below, k);
    *got = k;
    return BS_OK;
}

static const struct bs_layer_ops whole_ops = {
    .version = BS_OPS_VERSION,
    .name = "whole",
    .read = whole_read,
};

static const struct bs_layer_ops rnd_ops = {
    .version = BS_OPS_VERSION,
    .name = "random",
    .init = rnd_init,
    .read = rnd_read,
    .close = rnd_close,
};

/* ---- what a walk meets --------------------------------------------------------- */

enum { E_LEAF, E_CONTAINER, E_END };

struct entry {
    int kind;
    char *display;
    char *chain;
    char *msg;
    int det, rc;
    int lim;           /* bs_limit after an BS_ELIMIT in det or rc */
    size_t off, len;   /* the member's bytes in run.data */
};

struct run {
    struct entry *e;
    size_t n, cap;
    unsigned char *data;
    size_t len, dcap;
    int full;          /* MAX_ENTRIES reached: the walk stopped there */
    uint64_t iters;
};

static struct run ref, alt;

static void die(const char *what, const char *detail)
{
    fprintf(stderr, "invariant broken: %s%s%s\n", what, detail ? ": " : "", detail ? detail : "");
    abort();
}

static char *dup_str(const char *s)
{
    char *d = strdup(s ? s : "(null)");
    if (!d)
        abort();
    return d;
}

/* A message without the test layers in its chain. */
static char *dup_msg(const char *m)
{
    char *d = dup_str(m);
    static const char *const names[] = {"trickle > ", "chunks > ", "random > ", "whole > "};
    for (size_t k = 0; k < 4; k++) {
        size_t nl = strlen(names[k]);
        char *q;
        while ((q = strstr(d, names[k])) != NULL)
            memmove(q, q + nl, strlen(q + nl) + 1);
    }
    return d;
}

static void run_reset(struct run *r)
{
    for (size_t i = 0; i < r->n; i++) {
        free(r->e[i].display);
        free(r->e[i].chain);
        free(r->e[i].msg);
    }
    r->n = 0;
    r->len = 0;
    r->full = 0;
    r->iters = 0;
}

static struct entry *add_entry(struct run *r, int kind)
{
    if (r->n == r->cap) {
        size_t nc = r->cap ? r->cap * 2 : 64;
        struct entry *ne = realloc(r->e, nc * sizeof *ne);
        if (!ne)
            abort();
        r->e = ne;
        r->cap = nc;
    }
    struct entry *e = &r->e[r->n++];
    memset(e, 0, sizeof *e);
    e->kind = kind;
    e->off = r->len;
    return e;
}

static void add_data(struct run *r, const void *p, size_t n)
{
    if (!n)
        return;
    if (r->dcap - r->len < n) {
        size_t nc = r->dcap ? r->dcap : 65536;
        while (nc - r->len < n)
            nc *= 2;
        unsigned char *q = realloc(r->data, nc);
        if (!q)
            abort();
        r->data = q;
        r->dcap = nc;
    }
    memcpy(r->data + r->len, p, n);
    r->len += n;
}

/* ---- walking ----------------------------------------------------------------------- */

struct walker {
    struct run *r;
    const struct plan *pl;
    int reads;           /* this walk's read mode */
    int nsplit;          /* test layers under the tar (1) */
    uint32_t rnd;
    unsigned ordinal;    /* members met so far */
    uint64_t bound;      /* bytes the walk may hand out */
};

static void read_member(struct walker *w, byte_source *s, struct entry *e, size_t limit)
{
    struct run *r = w->r;
    size_t have = 0, min = 1;
    int rc;
    for (;;) {
        if (++r->iters > w->bound + 1000000)
            die("reading does not end", e->display);
        if (have >= limit) {
            e->rc = ABANDONED;
            return;
        }
        uint32_t x = next_rand(&w->rnd);
        int how = w->reads == 3 ? (int)(x % 3) : w->reads;
        const void *p;
        size_t n = 0;
        if (how == 2) {
            unsigned char buf[4096];
            size_t want = 1 + (x >> 4) % sizeof buf;
            if (want > limit - have)
                want = limit - have;
            rc = bs_read(s, buf, want, &n);
            if (rc == BS_OK && (n == 0 || n > want))
                die("bs_read gave BS_OK with a bad count", e->display);
            if (rc != BS_OK && n != 0)
                die("bs_read gave bytes with a status", e->display);
            add_data(r, buf, n);
            have += n;
        } else {
            rc = bs_peek(s, min, &p, &n);
            if (rc == BS_OK && (n == 0 || !p))
                die("BS_OK with an empty window", e->display);
            if (rc == BS_END && n != 0)
                die("BS_END with bytes", e->display);
            /* (BS_OK with fewer than min bytes: the end is next) */
            if (n) {
                size_t k = how == 0 || rc != BS_OK ? n : 1 + (x >> 4) % n;
                if (k > limit - have)
                    k = limit - have;
                add_data(r, p, k);
                if (bs_consume(s, k) != BS_OK)
                    die("consume of a window's bytes failed", e->display);
                have += k;
                if (rc != BS_OK && k < n) {
                    /* left with bytes still before the failure */
                    e->rc = ABANDONED;
                    e->len = r->len - e->off;
                    return;
                }
                min = how == 0 ? 1 : 1 + (x >> 20) % ((n - k) % 65536 + 64);
            }
        }
        if (bs_tell(s) != have)
            die("bs_tell is not the bytes of the member consumed", e->display);
        if (r->len > w->bound)
            die("the decoded-bytes budget did not hold", e->display);
        if (rc == BS_OK)
            continue;
        if (rc != BS_END && rc >= 0)
            die("a status that is none of BS_OK, BS_END, negative", e->display);
        break;
    }
    if (have >= limit && rc != BS_END) {
        e->rc = ABANDONED;
        return;
    }
    e->rc = rc;
    if (rc < 0) {
        e->msg = dup_msg(bs_error(s));
        if (strncmp(bs_error(s), "fuzz", 4) != 0 || !bs_error(s)[4])
            die("a failure without a message naming the input", bs_error(s));
        if ((rc == BS_ELIMIT) != (bs_limit(s) != BS_LIMIT_NONE))
            die("bs_limit disagrees with the status", bs_error(s));
        if (rc == BS_ELIMIT)
            e->lim = bs_limit(s);
    }
    /* it sticks */
    for (int k = 0; k < 2; k++) {
        const void *p;
        size_t n = 99;
        int again = bs_peek(s, 1, &p, &n);
        if (again != rc || n != 0)
            die("the end or failure of a member did not stick", e->display);
        if (rc < 0) {
            char *m = dup_msg(bs_error(s));
            int same = strcmp(m, e->msg) == 0;
            free(m);
            if (!same)
                die("the message changed", e->display);
        }
    }
}

static void walk_container(struct walker *w, byte_source *s, int c, int level)
{
    struct run *r = w->r;
    for (;;) {
        if (r->n >= MAX_ENTRIES) {
            r->full = 1;
            return;
        }
        int rc = bs_next_member(s, c);
        if (rc != BS_OK) {
            if (rc != BS_END && rc >= 0)
                die("bs_next_member gave a status that is none of BS_OK, BS_END, negative",
                    NULL);
            struct entry *e = add_entry(r, E_END);
            e->rc = rc;
            if (rc < 0) {
                e->msg = dup_msg(bs_error(s));
                if (strncmp(bs_error(s), "fuzz", 4) != 0)
                    die("a container's failure without a message naming the input",
                        bs_error(s));
            }
            for (int k = 0; k < 2; k++) {
                int again = bs_next_member(s, c);
                if (again == BS_OK)
                    die("a member after the end or a failure of the container", e->msg);
                if (rc == BS_END && again != BS_END)
                    die("BS_END from bs_next_member did not stick", NULL);
            }
            if (bs_layer_count(s) != c + 1)
                die("bs_next_member left layers above the container", NULL);
            return;
        }
        if (bs_layer_count(s) != c + 1)
            die("bs_next_member left layers above the container", NULL);
        if (!bs_member_name(s, c))
            die("no member name after BS_OK", NULL);
        if (bs_tell(s) != 0)
            die("bs_tell is not 0 at the start of a member", bs_display_name(s));
        const char *dn = bs_display_name(s);
        if (strncmp(dn, "fuzz{", 5) != 0)
            die("a display name that does not start with the input's name", dn);
        char *display = dup_str(dn);
        /* the depth counts the layers the member is under, the test's
         * one apart */
        int det = bs_detect(s, w->pl->depth + w->nsplit);
        if (det < 0 && !bs_error(s)[0])
            die("bs_detect failed without a message", display);
        int dlim = det == BS_ELIMIT ? bs_limit(s) : BS_LIMIT_NONE;
        if (bs_tell(s) != 0)
            die("bs_tell is not 0 after bs_detect", display);
        int top = bs_layer_count(s) - 1;
        if (det >= 0 && top != c + det)
            die("bs_detect's count disagrees with the chain", display);
        char chain[BS_LABELMAX * 16];
        size_t k = 0;
        chain[0] = 0;
        for (int i = c + 1; i <= top && k + BS_LABELMAX + 2 < sizeof chain; i++)
            k += (size_t)snprintf(chain + k, sizeof chain - k, " %s", bs_layer_name(s, i));
        unsigned ord = w->ordinal++;
        if (det >= 0 && top > c && bs_layer_is_container(s, top)) {
            if (level > 16)
                die("containers nested deeper than a source's layers", display);
            struct entry *e = add_entry(r, E_CONTAINER);
            e->display = display;
            e->chain = dup_str(chain);
            e->det = det;
            e->lim = dlim;
            walk_container(w, s, top, level + 1);
            if (r->full)
                return;
            continue;
        }
        struct entry *e = add_entry(r, E_LEAF);
        e->display = display;
        e->chain = dup_str(chain);
        e->det = det;
        e->lim = dlim;
        size_t limit = SIZE_MAX;
        if (w->pl->abandon && ord % 3 == 1)
            limit = (ord * 37u) % 700;
        read_member(w, s, e, limit);
        e->len = r->len - e->off;
    }
}

static void walk(const uint8_t *data, size_t len, const struct plan *pl, int split, int reads,
                 int small, struct run *r)
{
    run_reset(r);
    bs_options o;
    bs_options_init(&o);
    o.decode_floor = FLOOR;
    o.decode_ratio = RATIO;
    o.window_max = WINDOW_MAX;
    o.xz_memlimit = (uint64_t)32 << 20;
    o.zstd_window_log_max = 24;
    o.threads = 1;
    if (small)
        o.window = 64;
    byte_source *s;
    if (bs_open_memory(&s, data, len, "fuzz", &o) != BS_OK)
        abort();
    struct walker w = {r, pl, reads, 0, 0x2545f491u, 0, 0};
    /* every decoding layer stops soon after FLOOR, or RATIO times the
     * input; each member may go one window past it */
    w.bound = (uint64_t)RATIO * len + FLOOR + len + (uint64_t)(len / 512 + 2) * 2 * WINDOW_MAX;
    static const struct bs_layer_ops *const splits[] = {&whole_ops, &trickle_ops, &chunk_ops,
                                                         &rnd_ops};
    if (bs_layer_add(s, splits[split], NULL) != BS_OK)
        abort();
    w.nsplit = 1;
    if (bs_push(s, "tar") != BS_OK)
        die("bs_push of tar failed", bs_error(s));
    int c = bs_layer_count(s) - 1;
    if (!bs_layer_is_container(s, c) || bs_layer_is_container(s, c - 1))
        die("bs_layer_is_container is wrong about the chain", NULL);
    if (bs_member_name(s, c) != NULL)
        die("a member name before the first member", NULL);
    if (strcmp(bs_display_name(s), "fuzz") != 0)
        die("a display name before the first member", bs_display_name(s));
    if (bs_next_member(s, c - 1) != BS_EINVAL)
        die("bs_next_member on a layer that is no container", NULL);
    walk_container(&w, s, c, 0);
    bs_close(s);
}

/* ---- comparing ----------------------------------------------------------------------- */

static void differ(const char *what, size_t i, const struct entry *a, const struct entry *b)
{
    fprintf(stderr,
            "entry %zu: %s differs\n  whole: kind %d \"%s\" [%s] det %d rc %d \"%s\" %zu bytes\n"
            "  split: kind %d \"%s\" [%s] det %d rc %d \"%s\" %zu bytes\n",
            i, what, a->kind, a->display ? a->display : "", a->chain ? a->chain : "", a->det,
            a->rc, a->msg ? a->msg : "", a->len, b->kind, b->display ? b->display : "",
            b->chain ? b->chain : "", b->det, b->rc, b->msg ? b->msg : "", b->len);
    die("the split walk differs from the whole one", what);
}

static int eq(const char *a, const char *b)
{
    return strcmp(a ? a : "", b ? b : "") == 0;
}

static void compare(const struct run *a, const struct run *b, int lax)
{
    size_t n = a->n < b->n ? a->n : b->n;
    for (size_t i = 0; i < n; i++) {
        const struct entry *x = &a->e[i], *y = &b->e[i];
        /* the budget depends on the input consumed: no comparing past it */
        if (x->lim == BS_LIMIT_DECODED || y->lim == BS_LIMIT_DECODED)
            return;
        if (x->kind != y->kind)
            differ("kind", i, x, y);
        if (x->kind != E_END && !eq(x->display, y->display))
            differ("display name", i, x, y);
        /* A member that fails in both walks, in bs_detect in one of them:
         * a decoder may give fewer bytes before a failure in one split
         * than in another (the shorter a prefix of the longer), and
         * bs_detect fails when it gets fewer than it looks at.  Its
         * chain and detection may then differ, not its failure. */
        int damaged = x->kind == E_LEAF && (x->det < 0 || y->det < 0) && x->rc < 0 &&
                      y->rc < 0;
        if (x->kind != E_END && !damaged && !eq(x->chain, y->chain))
            differ("chain", i, x, y);
        if (x->kind != E_END && !damaged && x->det != y->det)
            differ("bs_detect", i, x, y);
        /* FUZZ_TAR_LAX: a member that fails with a decoder in its chain,
         * or whose failure is not the tar's, may have another message,
         * status and bytes (to fuzz on past known bugs of a decoder) */
        int other = x->kind == E_LEAF && (x->rc < 0 || y->rc < 0) &&
                    (x->chain[0] || y->chain[0] ||
                     (x->rc < 0 && !strstr(x->msg, ": tar: ")) ||
                     (y->rc < 0 && !strstr(y->msg, ": tar: ")));
        if (x->kind != E_CONTAINER && x->rc != y->rc && !(lax && other))
            differ("status", i, x, y);
        if (x->kind != E_CONTAINER && !eq(x->msg, y->msg) && !(lax && other))
            differ("message", i, x, y);
        if (x->kind == E_LEAF && (!damaged || eq(x->chain, y->chain))) {
            size_t k = x->len < y->len ? x->len : y->len;
            if (k && memcmp(a->data + x->off, b->data + y->off, k) != 0 && !(lax && other)) {
                size_t at = 0;
                while (a->data[x->off + at] == b->data[y->off + at])
                    at++;
                fprintf(stderr, "the bytes differ from byte %zu on:", at);
                for (size_t j = at; j < k && j < at + 8; j++)
                    fprintf(stderr, " %02x/%02x", a->data[x->off + j], b->data[y->off + j]);
                fprintf(stderr, " (whole/split)\n");
                differ("bytes", i, x, y);
            }
            if (x->len != y->len && x->rc >= 0 && y->rc >= 0 && !(lax && other))
                differ("length", i, x, y);
        }
    }
    if (a->n != b->n && !a->full && !b->full) {
        fprintf(stderr, "%zu entries whole, %zu split\n", a->n, b->n);
        die("the walks met different numbers of members", NULL);
    }
}

int LLVMFuzzerTestOneInput(const uint8_t *buf, size_t size)
{
    if (size < 1)
        return 0;
    struct plan pl;
    pl.split = buf[0] & 3;
    pl.reads = (buf[0] >> 2) & 3;
    pl.small = (buf[0] >> 4) & 1;
    pl.depth = 1 + 2 * ((buf[0] >> 5) & 3);
    pl.abandon = (buf[0] >> 7) & 1;
    const uint8_t *data = buf + 1;
    size_t len = size - 1;
    static int lax = -1;
    if (lax < 0) {
        const char *e = getenv("FUZZ_TAR_LAX");
        lax = e && *e == '1';
    }
    walk(data, len, &pl, 0, 0, 0, &ref);
    walk(data, len, &pl, pl.split, pl.reads, pl.small, &alt);
    compare(&ref, &alt, lax);
    return 0;
}
