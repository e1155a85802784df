/* libFuzzer harness for the zip layer and the member walk around it.
 *
 * Input: byte 0 picks how the archive is read, the rest is the archive.
 *   bit 0: 0 = central directory mode (straight on a memory base, which
 *          offers random access), 1 = streaming mode (under a layer that
 *          hands the input out in seeded chunks, which takes random access
 *          away, so the local headers are read in order);
 *   bit 1: layers are detected on each member (max_depth 6), and a member that
 *          is a container again (a zip in a zip, a tar in a zip) is walked;
 *   bits 2-3: how members are drained (whole windows, windows grown past
 *          what there is, bs_read into a small buffer, or a mix);
 *   bit 4: members are skipped unread now and then (decided by a seed).
 * The zip layer is pushed by name, whatever the data looks like, so that
 * every input reaches it.
 *
 * Invariants: no crash, leak or sanitizer report, no hang; every peek
 * returns BS_OK with bytes, BS_END with none, or a negative status with a
 * message that names the source (and, inside a member, begins with its
 * display name), which then sticks, for bs_next_member too; BS_ELIMIT
 * and only it records a limit; bs_tell counts the member's bytes; member
 * names are there while a member is read; the work is bounded (members,
 * bytes, with small limits).  In streaming mode the archive is read twice
 * with two different splits of the input: the same members with the same
 * names and statuses, the same bytes (the shorter output of two failures
 * a prefix of the longer), up to the first decoded-bytes limit (whose
 * accounting depends on the input consumed, and so on the split). */
#include "bs_private.h"

#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <zlib.h>

/* Small limits, so that bombs end quickly. */
#define FLOOR ((uint64_t)1 << 20)
#define RATIO 64u
#define WINDOW_MAX ((size_t)1 << 20)
#define MAX_ENTRIES 2000
#define MAX_MEMBERS 4096   /* recorded members; more are walked, not compared */

static uint32_t next_rand(uint32_t *x)
{
    *x ^= *x << 13;
    *x ^= *x >> 17;
    *x ^= *x << 5;
    return *x;
}

struct chunker {
    uint32_t rnd;
};

/* Hands out 1 to 64 bytes at a time (now and then up to 4 KiB). */
static int chunk_read(struct bs_layer *l, unsigned char *dst, size_t cap, size_t *got)
{
    struct chunker *c = l->state;
    const unsigned char *p;
    size_t n;
    int rc = bs_layer_peek(l->below, 1, &p, &n);
    if (rc != BS_OK)
        return rc;
    uint32_t r = next_rand(&c->rnd);
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

static const struct bs_layer_ops chunk_ops = {
    .version = BS_OPS_VERSION,
    .name = "chunks",
    .read = chunk_read,
};

/* What a walk met, member by member (leaves and containers alike). */
struct member {
    uint32_t name_hash;   /* of the display name */
    int depth;
    int is_container;
    int rc;               /* how reading ended (or the failed detection) */
    uint32_t crc;         /* of the bytes read */
    uint64_t len;
    int skipped;
    char err[200];        /* the message of a failure (for the report) */
    char name[120];       /* the display name (for the report) */
};

struct result {
    struct member *m;
    size_t n, cap;
    int end_rc[8];        /* how each level's walk ended, innermost last */
    int limited;          /* a decoded-bytes limit was met: compare no further */
    size_t limit_at;      /* ... at member index */
    uint64_t total;       /* bytes read, all members */
    uint64_t steps;       /* calls made, all members */
};

static void fail(const char *what, const char *detail)
{
    fprintf(stderr, "invariant broken: %s (%s)\n", what, detail ? detail : "");
    abort();
}

static uint32_t hash_str(const char *s)
{
    uint32_t h = 2166136261u;
    for (; *s; s++)
        h = (h ^ (unsigned char)*s) * 16777619u;
    return h;
}

static struct member *add_member(struct result *r)
{
    if (r->n == r->cap) {
        size_t nc = r->cap ? r->cap * 2 : 64;
        struct member *m = realloc(r->m, nc * sizeof *m);
        if (!m)
            abort();
        r->m = m;
        r->cap = nc;
    }
    struct member *m = &r->m[r->n++];
    memset(m, 0, sizeof *m);
    return m;
}

/* Whether message e begins with the display name d, or with the part of
 * it up to one of its containers (a failure of an outer zip, reading the
 * member that holds this one), followed by ':'. */
static int names_member(const char *e, const char *d)
{
    size_t k = strlen(d);
    for (size_t j = k; j >= 4; j--) {
        if ((j == k || d[j - 1] == '}' || j == 4) && strncmp(e, d, j) == 0 && e[j] == ':')
            return 1;
    }
    return 0;
}

/* A failure: a message that names the source (a member's failure, from
 * reading it, begins with its display name or that of a container it is
 * in); BS_ELIMIT iff a limit. */
static void check_failure(byte_source *s, int rc, const char *display)
{
    const char *e = bs_error(s);
    if (strncmp(e, "fuzz", 4) != 0 || !strstr(e, ": "))
        fail("a failure without a message naming the source", e);
    if (display && !names_member(e, display))
        fail("a member's failure does not begin with its display name", e);
    if ((rc == BS_ELIMIT) != (bs_limit(s) != BS_LIMIT_NONE))
        fail("bs_limit disagrees with the status", e);
}

struct walker {
    byte_source *s;
    struct result *r;
    int detect;
    int drain;
    int skip;
    uint32_t rnd;        /* the reads: differs with the split */
    uint32_t skip_rnd;   /* which members are skipped: the same for every split */
    uint64_t bound;      /* bytes no member may decode past */
};

/* Reads the current member to its end or failure. */
static int drain(struct walker *w, struct member *m, const char *display)
{
    byte_source *s = w->s;
    uLong crc = crc32(0, NULL, 0);
    uint64_t len = 0;
    size_t min = 1;
    int rc;
    if (bs_tell(s) != 0)
        fail("bs_tell is not 0 at the start of a member", display);
    for (;;) {
        uint32_t x = next_rand(&w->rnd);
        int how = w->drain == 3 ? (int)(x % 3) : w->drain;
        size_t n;
        w->r->steps++;
        if (how == 2) {
            unsigned char buf[777];
            size_t want = 1 + (x >> 4) % sizeof buf;
            rc = bs_read(s, buf, want, &n);
            if (rc == BS_OK && (n == 0 || n > want))
                fail("bs_read gave BS_OK with a bad count", display);
            if (rc != BS_OK && n)
                fail("bs_read gave bytes with a status", display);
            crc = crc32(crc, buf, (uInt)n);
            len += n;
        } else {
            const void *p;
            rc = bs_peek(s, min, &p, &n);
            if (rc == BS_OK && (n == 0 || !p))
                fail("BS_OK with an empty window", display);
            if (rc == BS_END && n)
                fail("BS_END with bytes", display);
            if (rc == BS_OK && how == 1 && n >= min && n < 65536 && (x & 1)) {
                min = n + 1;   /* grow the window past what there is */
                continue;
            }
            if (n) {
                crc = crc32(crc, p, (uInt)n);
                len += n;
                if (bs_consume(s, n) != BS_OK)
                    fail("consume of a whole window failed", display);
            }
            min = 1;
        }
        if (rc != BS_OK)
            break;
        if (bs_tell(s) != len)
            fail("bs_tell is not the member's bytes", display);
        if (len > w->bound)
            fail("a member decoded past every budget", display);
    }
    if (rc != BS_END && rc >= 0)
        fail("a status that is none of BS_OK, BS_END, negative", display);
    if (rc < 0) {
        check_failure(s, rc, display);
        char e[BS_ERRMAX];
        snprintf(e, sizeof e, "%s", bs_error(s));
        const void *p;
        size_t n;
        if (bs_peek(s, 1, &p, &n) != rc || n)
            fail("a failure did not stick", e);
        if (strcmp(e, bs_error(s)) != 0)
            fail("the message of a failure changed", e);
    } else {
        const void *p;
        size_t n;
        if (bs_peek(s, 1, &p, &n) != BS_END || n)
            fail("BS_END did not stick", display);
    }
    if (rc < 0)
        snprintf(m->err, sizeof m->err, "%s", bs_error(s));
    m->crc = (uint32_t)crc;
    m->len = len;
    w->r->total += len;
    return rc;
}

static void walk(struct walker *w, int c, int depth)
{
    byte_source *s = w->s;
    struct result *r = w->r;
    int rc;
    size_t members = 0;
    if (bs_member_name(s, c) != NULL)
        fail("a member name before the first member", NULL);
    while ((rc = bs_next_member(s, c)) == BS_OK) {
        if (++members > (size_t)1 << 20)
            fail("more members than the input could hold", NULL);
        const char *nm = bs_member_name(s, c);
        if (!nm)
            fail("no member name on a member", NULL);
        char display[BS_NAMEMAX + 1024];
        snprintf(display, sizeof display, "%s", bs_display_name(s));
        if (strncmp(display, "fuzz{", 5) != 0)
            fail("a display name that is not the archive's", display);
        struct member tmp, *m = r->n < MAX_MEMBERS ? add_member(r) : &tmp;
        memset(m, 0, sizeof *m);
        m->name_hash = hash_str(display);
        snprintf(m->name, sizeof m->name, "%s", display);
        m->depth = depth;
        if (w->skip && next_rand(&w->skip_rnd) % 4 == 0) {
            m->skipped = 1;
            continue;
        }
        int det = 0;
        if (w->detect) {
            det = bs_detect(s, 6);
            if (det < 0)
                check_failure(s, det, NULL);
        }
        int top = bs_layer_count(s) - 1;
        if (det >= 0 && top > c && bs_layer_is_container(s, top)) {
            m->is_container = 1;
            if (depth < 4)
                walk(w, top, depth + 1);
            continue;
        }
        m->rc = drain(w, m, display);
        if (m->rc == BS_ELIMIT && bs_limit(s) == BS_LIMIT_DECODED && !r->limited) {
            r->limited = 1;
            r->limit_at = r->n;
        }
        if (strcmp(bs_display_name(s), display) != 0)
            fail("the display name changed while the member was read", display);
    }
    if (rc != BS_END && rc >= 0)
        fail("bs_next_member returned a status that is none of BS_OK, BS_END, negative", NULL);
    if (rc < 0) {
        check_failure(s, rc, NULL);
        if (rc == BS_ELIMIT && bs_limit(s) == BS_LIMIT_DECODED && !r->limited) {
            r->limited = 1;
            r->limit_at = r->n;
        }
    }
    char e[BS_ERRMAX];
    snprintf(e, sizeof e, "%s", bs_error(s));
    int again = bs_next_member(s, c);
    if (again != rc)
        fail("the end of a walk did not stick", e);
    if (rc < 0 && strcmp(e, bs_error(s)) != 0)
        fail("the message of a container's failure changed", e);
    if (depth < 8)
        r->end_rc[depth] = rc;
}

static void run(const uint8_t *data, size_t len, unsigned sel, int stream, uint32_t seed,
                uint32_t skip_seed, struct result *r)
{
    r->n = 0;
    r->limited = 0;
    r->limit_at = 0;
    r->total = r->steps = 0;
    memset(r->end_rc, 0, sizeof r->end_rc);
    bs_options o;
    bs_options_init(&o);
    o.decode_floor = FLOOR;
    o.decode_ratio = RATIO;
    o.window_max = WINDOW_MAX;
    o.xz_memlimit = (uint64_t)32 << 20;
    o.zstd_window_log_max = 24;
    o.threads = 1;
    o.zip_max_entries = MAX_ENTRIES;
    byte_source *s;
    if (bs_open_memory(&s, data, len, "fuzz", &o) != BS_OK)
        abort();
    struct chunker c = {seed ? seed : 0x9e3779b9u};
    if (stream) {
        struct bs_layer *l;
        if (bs_layer_add(s, &chunk_ops, &l) != BS_OK)
            abort();
        l->state = &c;
    }
    if (bs_push(s, "zip") != BS_OK)
        fail("bs_push of the zip layer failed", bs_error(s));
    int top = bs_layer_count(s) - 1;
    if (!bs_layer_is_container(s, top))
        fail("the zip layer is not a container", NULL);
    /* the container's own bytes: none */
    const void *p;
    size_t n;
    int rc = bs_peek(s, 1, &p, &n);
    if (rc != BS_END || n)
        fail("the container itself has bytes", NULL);
    /* bounded work: the budget holds for every member together (each
     * layer may overshoot by a window), and no member is made of nothing */
    uint64_t bound = (uint64_t)RATIO * (len + 1) + FLOOR;
    struct walker w = {s, r, (sel >> 1) & 1, (sel >> 2) & 3, (sel >> 4) & 1, seed ^ 0x5bd1e995u,
                       skip_seed, 4 * bound + 8 * (uint64_t)WINDOW_MAX};
    walk(&w, top, 0);
    if (r->total > 4 * bound + 8 * (uint64_t)WINDOW_MAX)
        fail("the decoded-bytes budget did not hold across members", NULL);
    if (stream && r->n > len / 30 + 1 && !w.detect)
        fail("more members than local headers could fit", NULL);
    bs_close(s);
}

static void print_walk(const char *what, const struct result *r)
{
    fprintf(stderr, "%s: %zu members, ends", what, r->n);
    for (int i = 0; i < 8; i++)
        fprintf(stderr, " %d", r->end_rc[i]);
    fprintf(stderr, "\n");
    for (size_t i = 0; i < r->n && i < 40; i++)
        fprintf(stderr, "  %s%s: %d, %llu bytes %s\n", r->m[i].name,
                r->m[i].is_container ? " (container)" : r->m[i].skipped ? " (skipped)" : "",
                r->m[i].rc, (unsigned long long)r->m[i].len, r->m[i].err);
}

/* Two splits of the same stream: the same walk up to the first limit. */
static void compare(const struct result *a, const struct result *b)
{
    size_t upto = a->n < b->n ? a->n : b->n;
    int limited = a->limited || b->limited;
    if (a->limited && a->limit_at < upto)
        upto = a->limit_at;
    if (b->limited && b->limit_at < upto)
        upto = b->limit_at;
    if (!limited && a->n != b->n) {
        print_walk("first split", a);
        print_walk("second split", b);
        fail("the splits found different numbers of members", NULL);
    }
    for (size_t i = 0; i < upto; i++) {
        const struct member *x = &a->m[i], *y = &b->m[i];
        if (x->name_hash != y->name_hash || x->depth != y->depth ||
            x->is_container != y->is_container || x->skipped != y->skipped) {
            fprintf(stderr, "member %zu\n", i);
            fail("the splits found different members", NULL);
        }
        if (x->skipped || x->is_container)
            continue;
        if (x->rc == BS_ELIMIT || y->rc == BS_ELIMIT)
            return;
        if (x->rc != y->rc) {
            fprintf(stderr, "member %zu: status %d (\"%s\") vs %d (\"%s\")\n", i, x->rc, x->err,
                    y->rc, y->err);
            fail("the splits ended a member differently", NULL);
        }
        if (x->rc == BS_END && (x->len != y->len || x->crc != y->crc)) {
            fprintf(stderr, "member %zu: %llu vs %llu bytes\n", i, (unsigned long long)x->len,
                    (unsigned long long)y->len);
            fail("the splits read different bytes", NULL);
        }
    }
    if (!limited && memcmp(a->end_rc, b->end_rc, sizeof a->end_rc) != 0) {
        print_walk("first split", a);
        print_walk("second split", b);
    }
    if (!limited && memcmp(a->end_rc, b->end_rc, sizeof a->end_rc) != 0)
        fail("the splits ended the walk differently", NULL);
}

static struct result ra, rb;

int LLVMFuzzerTestOneInput(const uint8_t *buf, size_t size)
{
    if (size < 1)
        return 0;
    unsigned sel = buf[0];
    const uint8_t *data = buf + 1;
    size_t len = size - 1;
    uint32_t seed = (uint32_t)(sel >> 5) * 0x01000193u + (uint32_t)len + 1;
    uint32_t skip_seed = (uint32_t)sel * 0x9e3779b9u + 1;
    if (!(sel & 1)) {
        run(data, len, sel, 0, seed, skip_seed, &ra);
        return 0;
    }
    run(data, len, sel, 1, seed, skip_seed, &ra);
    run(data, len, sel, 1, seed * 2654435761u + 7, skip_seed, &rb);
    compare(&ra, &rb);
    return 0;
}
