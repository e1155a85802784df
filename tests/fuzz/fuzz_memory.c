/* libFuzzer harness over the in-memory path: the buffered core (through a
 * layer that hands out chunks of fuzzer-chosen sizes), peek/consume with
 * varying minimums, and the line matcher with its literal prefilter.
 *
 * Input: byte 0 = flags, then a pattern up to the first '\n' (at most 32
 * bytes), then the data.  Invariants checked: the chunked stream yields
 * exactly the data; every line the matcher reports is a real line of the
 * window, matches when matched alone, and no line it passes over does (as
 * GNU grep matches lines); the prefilter agrees with memmem for fixed
 * case-sensitive patterns. */
#define _GNU_SOURCE
#include "bs_private.h"
#include "matcher.h"
#include "scan.h"

#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

struct chunker {
    const uint8_t *sizes;
    size_t nsizes, next;
};

static int chunk_read(struct bs_layer *l, unsigned char *dst, size_t cap, size_t *got)
{
    struct chunker *c = l->state;
    const unsigned char *p;
    size_t n;
    int rc = bs_layer_peek(l->below, 1, &p, &n);
    if (rc != BS_OK)
        return rc;
    size_t want = c->nsizes ? (size_t)c->sizes[c->next++ % c->nsizes] % 7 + 1 : 1;
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

static void check_stream(const uint8_t *data, size_t len, const uint8_t *sizes, size_t nsizes)
{
    byte_source *s;
    bs_options o;
    bs_options_init(&o);
    o.window = 8;
    if (bs_open_memory(&s, data, len, "fuzz", &o) != BS_OK)
        abort();
    struct chunker c = {sizes, nsizes, 0};
    struct bs_layer *l;
    if (bs_layer_add(s, &chunk_ops, &l) != BS_OK)
        abort();
    l->state = &c;
    size_t pos = 0, step = 0;
    for (;;) {
        const void *p;
        size_t n;
        size_t min = nsizes ? (size_t)sizes[step++ % nsizes] % 40 + 1 : 1;
        int rc = bs_peek(s, min, &p, &n);
        if (rc == BS_END)
            break;
        if (rc != BS_OK || (n < min && pos + n != len) || pos + n > len ||
            memcmp(p, data + pos, n) != 0)
            abort();
        size_t take = (n + 1) / 2;
        bs_consume(s, take);
        pos += take;
    }
    if (pos != len)
        abort();
    bs_close(s);
}

static void check_matcher(const uint8_t *flags, const char *pat, size_t plen, const uint8_t *data,
                          size_t len)
{
    struct matcher_opts mo = {0};
    mo.fixed = *flags & 1;
    mo.icase = (*flags >> 1) & 1;
    mo.word = (*flags >> 2) & 1;
    mo.line = (*flags >> 3) & 1;
    mo.utf = (*flags >> 4) & 1;
    int nul_eol = (*flags >> 5) & 1;
    char *pats[1] = {(char *)pat};
    size_t lens[1] = {plen};
    struct matcher m;
    char err[300];
    if (matcher_compile(&m, pats, lens, 1, &mo, err, sizeof err) < 0)
        return;
    struct match_state ms;
    if (match_state_init(&ms, &m) < 0)
        abort();
    /* as srcgrep chooses for a window holding a NUL */
    if (nul_eol && m.anchored && !m.has_lit && memchr(data, 0, len))
        nul_eol = MATCH_NUL_EACH;
    /* the oracle: each line matched alone, as GNU grep matches it */
    size_t next = 0;   /* start of the next line the oracle has not seen */
    int failed = 0;
    size_t pos = 0, ls, le;
    for (;;) {
        int rc = pos <= len ? matcher_next_line(&m, &ms, data, len, pos, nul_eol, &ls, &le) : 0;
        if (rc < 0)
            break;
        if (rc > 0) {
            if (ls < pos || le < ls || le > len || (le < len && data[le] != '\n' && !(nul_eol && data[le] == 0)))
                abort();
            if (ls > 0 && data[ls - 1] != '\n' && !(nul_eol && data[ls - 1] == 0) && ls != pos)
                abort();
        }
        /* every line before the one reported (all of them if none) holds no
         * match, and the one reported holds one */
        size_t stop = rc > 0 ? ls : len + 1;
        while (next < stop && !failed) {
            size_t e = matcher_line_end(data, len, next, nul_eol), a, b;
            int r = matcher_in_line(&m, &ms, data + next, e - next, 0, &a, &b);
            if (r > 0) {
                fprintf(stderr, "line [%zu,%zu) matches alone but was passed over\n", next, e);
                abort();
            }
            failed = r < 0;
            next = e + 1;
        }
        if (rc == 0 || failed)
            break;
        size_t a, b;
        int r = matcher_in_line(&m, &ms, data + ls, le - ls, 0, &a, &b);
        if (r == 0) {
            fprintf(stderr, "line [%zu,%zu) reported but does not match alone\n", ls, le);
            abort();
        }
        if (r < 0)
            break;
        next = pos = le + 1;
    }
    if (m.has_lit && mo.fixed && !mo.icase && plen > 0) {
        size_t k = literal_find(&m.lit, data, len);
        const void *q = memmem(data, len, pat, plen);
        size_t want = q ? (size_t)((const uint8_t *)q - data) : len;
        if (k != want) {
            fprintf(stderr, "k=%zu want=%zu len=%zu litlen=%zu np=%d\n", k, want, len, m.lit.len, m.lit.nprobe);
            abort();
        }
    }
    match_state_free(&ms);
    matcher_free(&m);
}

int LLVMFuzzerTestOneInput(const uint8_t *buf, size_t size)
{
    if (size < 2)
        return 0;
    const uint8_t *flags = buf;
    const uint8_t *rest = buf + 1;
    size_t n = size - 1;
    const uint8_t *nl = memchr(rest, '\n', n < 33 ? n : 33);
    size_t plen = nl ? (size_t)(nl - rest) : (n < 32 ? n : 32);
    char pat[33];
    memcpy(pat, rest, plen);
    pat[plen] = 0;
    const uint8_t *data = rest + plen + (nl ? 1 : 0);
    size_t len = n - plen - (nl ? 1 : 0);
    check_stream(data, len, rest, plen);
    check_matcher(flags, pat, plen, data, len);
    return 0;
}
