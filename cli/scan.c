/* Literal search with a rare-byte pair filter, and newline counting.
 *
 * The filter idea (as in the memchr family of searchers): pick the two
 * bytes of the needle least likely in ordinary text, and test both at their
 * relative offsets across a whole vector at once; the full comparison runs
 * only where both agree, which on real text is rare even when each byte
 * alone is common. */
#include "scan.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#if defined(__x86_64__) || defined(__i386__)
#include <immintrin.h>
#define HAVE_X86 1
#endif

/* Rough rank of each byte's frequency in English text and source code:
 * higher is more common.  Only the order matters. */
static int byte_rank(unsigned char c)
{
    static const char common[] = " etaoinsrhldcumfpgwybvkxjqz";
    if (c >= 'A' && c <= 'Z')
        c = (unsigned char)(c - 'A' + 'a');
    const char *q = memchr(common, c, sizeof common - 1);
    if (q)
        return 200 - (int)(q - common);
    if (c == '\n' || c == '.' || c == ',' || c == '_' || c == '-' || c == '(' || c == ')')
        return 150;
    if (c >= '0' && c <= '9')
        return 120;
    if (c >= 0x80)
        return 60;
    return 100;
}

static unsigned char lower(unsigned char c)
{
    return c >= 'A' && c <= 'Z' ? (unsigned char)(c + 32) : c;
}

static unsigned char upper(unsigned char c)
{
    return c >= 'a' && c <= 'z' ? (unsigned char)(c - 32) : c;
}

int literal_init(struct literal *lit, const unsigned char *p, size_t len, int icase)
{
    memset(lit, 0, sizeof *lit);
    lit->bytes = malloc(len);
    if (!lit->bytes)
        return -1;
    memcpy(lit->bytes, p, len);
    lit->len = len;
    lit->icase = icase;
    /* An upper-case letter is rarer than its lower case in text, which a
     * case-sensitive search can use; a caseless one cannot.  The second byte
     * should differ from the first, or the pair filters no better than one. */
    int rank[2] = {0, 0};
    size_t best = 0;
    for (size_t i = 0; i < len; i++) {
        int r = byte_rank(p[i]) * 2 - (!icase && p[i] >= 'A' && p[i] <= 'Z' ? 3 : 0);
        if (i == 0 || r < rank[0]) {
            best = i;
            rank[0] = r;
        }
    }
    size_t second = best;
    for (size_t i = 0; i < len; i++) {
        if (i == best)
            continue;
        int r = byte_rank(p[i]) * 2 + (p[i] == p[best] ? 1000 : 0);
        if (second == best || r < rank[1]) {
            second = i;
            rank[1] = r;
        }
    }
    unsigned char c1 = p[lit->i1], c2 = p[lit->i2];
    lit->a1 = icase ? lower(c1) : c1;
    lit->b1 = icase ? upper(c1) : c1;
    lit->a2 = icase ? lower(c2) : c2;
    lit->b2 = icase ? upper(c2) : c2;
    return 0;
}

void literal_free(struct literal *lit)
{
    free(lit->bytes);
    lit->bytes = NULL;
}

static int matches_at(const struct literal *lit, const unsigned char *h)
{
    if (!lit->icase)
        return memcmp(h, lit->bytes, lit->len) == 0;
    for (size_t i = 0; i < lit->len; i++)
        if (lower(h[i]) != lower(lit->bytes[i]))
            return 0;
    return 1;
}

static size_t find_scalar(const struct literal *lit, const unsigned char *hay, size_t from,
                          size_t n)
{
    size_t last = n - lit->len;   /* caller ensures n >= len */
    for (size_t i = from; i <= last; i++) {
        unsigned char x = hay[i + lit->i1], y = hay[i + lit->i2];
        if ((x == lit->a1 || x == lit->b1) && (y == lit->a2 || y == lit->b2) &&
            matches_at(lit, hay + i))
            return i;
    }
    return n;
}

#ifdef HAVE_X86
__attribute__((target("avx2"))) static size_t find_avx2(const struct literal *lit,
                                                         const unsigned char *hay, size_t n)
{
    const __m256i a1 = _mm256_set1_epi8((char)lit->a1), b1 = _mm256_set1_epi8((char)lit->b1);
    const __m256i a2 = _mm256_set1_epi8((char)lit->a2), b2 = _mm256_set1_epi8((char)lit->b2);
    size_t last = n - lit->len, i = 0;
    const unsigned char *p1 = hay + lit->i1, *p2 = hay + lit->i2;
    for (; i + 32 <= last + 1; i += 32) {
        __m256i x = _mm256_loadu_si256((const __m256i *)(p1 + i));
        __m256i y = _mm256_loadu_si256((const __m256i *)(p2 + i));
        __m256i m = _mm256_and_si256(
            _mm256_or_si256(_mm256_cmpeq_epi8(x, a1), _mm256_cmpeq_epi8(x, b1)),
            _mm256_or_si256(_mm256_cmpeq_epi8(y, a2), _mm256_cmpeq_epi8(y, b2)));
        uint32_t bits = (uint32_t)_mm256_movemask_epi8(m);
        while (bits) {
            size_t k = i + (size_t)__builtin_ctz(bits);
            if (matches_at(lit, hay + k))
                return k;
            bits &= bits - 1;
        }
    }
    return find_scalar(lit, hay, i, n);
}

static size_t find_sse2(const struct literal *lit, const unsigned char *hay, size_t n)
{
    const __m128i a1 = _mm_set1_epi8((char)lit->a1), b1 = _mm_set1_epi8((char)lit->b1);
    const __m128i a2 = _mm_set1_epi8((char)lit->a2), b2 = _mm_set1_epi8((char)lit->b2);
    size_t last = n - lit->len, i = 0;
    const unsigned char *p1 = hay + lit->i1, *p2 = hay + lit->i2;
    for (; i + 16 <= last + 1; i += 16) {
        __m128i x = _mm_loadu_si128((const __m128i *)(p1 + i));
        __m128i y = _mm_loadu_si128((const __m128i *)(p2 + i));
        __m128i m = _mm_and_si128(_mm_or_si128(_mm_cmpeq_epi8(x, a1), _mm_cmpeq_epi8(x, b1)),
                                  _mm_or_si128(_mm_cmpeq_epi8(y, a2), _mm_cmpeq_epi8(y, b2)));
        unsigned bits = (unsigned)_mm_movemask_epi8(m);
        while (bits) {
            size_t k = i + (size_t)__builtin_ctz(bits);
            if (matches_at(lit, hay + k))
                return k;
            bits &= bits - 1;
        }
    }
    return find_scalar(lit, hay, i, n);
}
#endif

size_t literal_find(const struct literal *lit, const unsigned char *hay, size_t n)
{
    if (n < lit->len)
        return n;
    if (lit->len == 1 && !lit->icase) {
        const unsigned char *q = memchr(hay, lit->bytes[0], n);
        return q ? (size_t)(q - hay) : n;
    }
#ifdef HAVE_X86
    if (__builtin_cpu_supports("avx2"))
        return find_avx2(lit, hay, n);
    return find_sse2(lit, hay, n);
#else
    return find_scalar(lit, hay, 0, n);
#endif
}

#ifdef HAVE_X86
__attribute__((target("avx2"))) static size_t count_avx2(const unsigned char *p, size_t n,
                                                          unsigned char c)
{
    const __m256i v = _mm256_set1_epi8((char)c);
    size_t total = 0, i = 0;
    for (; i + 32 <= n; i += 32) {
        __m256i x = _mm256_loadu_si256((const __m256i *)(p + i));
        total += (size_t)__builtin_popcount((unsigned)_mm256_movemask_epi8(_mm256_cmpeq_epi8(x, v)));
    }
    for (; i < n; i++)
        total += p[i] == c;
    return total;
}
#endif

size_t count_byte(const unsigned char *p, size_t n, unsigned char c)
{
#ifdef HAVE_X86
    if (__builtin_cpu_supports("avx2"))
        return count_avx2(p, n, c);
#endif
    size_t total = 0;
    const unsigned char *end = p + n;
    while (p < end) {
        const unsigned char *q = memchr(p, c, (size_t)(end - p));
        if (!q)
            break;
        total++;
        p = q + 1;
    }
    return total;
}
