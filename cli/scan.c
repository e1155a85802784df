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

/* How common each byte is in text, as a rank from 0 (rarest) to 255 (most
 * common): the byte frequencies of the licence texts, a few hundred man
 * pages and C headers of a Debian system, sorted.  Only the order matters. */
static const unsigned char byte_rank[256] = {
    142, 141, 140, 139, 138, 137, 136, 149, 135, 204, 246, 134, 152, 133, 132, 131,
    130, 129, 128, 127, 126, 125, 124, 123, 122, 121, 120, 119, 118, 117, 116, 115,
    255, 160, 220, 196, 172, 164, 188, 193, 226, 222, 233, 167, 223, 232, 240, 211,
    203, 207, 200, 197, 189, 177, 178, 165, 173, 170, 194, 201, 179, 209, 186, 159,
    161, 218, 213, 219, 208, 227, 199, 195, 198, 231, 162, 169, 214, 202, 217, 212,
    224, 181, 230, 225, 229, 206, 180, 190, 192, 185, 183, 184, 239, 182, 163, 238,
    166, 249, 228, 242, 243, 254, 244, 234, 241, 252, 174, 205, 245, 235, 251, 248,
    236, 191, 247, 250, 253, 237, 216, 215, 210, 221, 187, 176, 171, 175, 168, 114,
    157, 113, 112, 111, 110, 109, 108, 107, 106, 105, 104, 103, 102, 101, 100,  99,
     98,  97,  96, 154,  95,  94,  93,  92, 151, 153,  91,  90, 155, 156,  89,  88,
    148,  87,  86,  85,  84,  83, 146,  82,  81, 144,  80, 143,  79, 145,  78,  77,
     76,  75,  74,  73,  72,  71,  70,  69,  68,  67,  66,  65,  64,  63,  62,  61,
     60,  59, 150, 147,  58,  57,  56,  55,  54,  53,  52,  51,  50,  49,  48,  47,
     46,  45,  44,  43,  42,  41,  40,  39,  38,  37,  36,  35,  34,  33,  32,  31,
     30,  29, 158,  28,  27,  26,  25,  24,  23,  22,  21,  20,  19,  18,  17,  16,
     15,  14,  13,  12,  11,  10,   9,   8,   7,   6,   5,   4,   3,   2,   1,   0,
};

static unsigned char lower(unsigned char c)
{
    return c >= 'A' && c <= 'Z' ? (unsigned char)(c + 32) : c;
}

static unsigned char upper(unsigned char c)
{
    return c >= 'a' && c <= 'z' ? (unsigned char)(c - 32) : c;
}

/* A caseless search finds a letter in either case: it is as common as the
 * more common of the two. */
static int rank_of(unsigned char c, int icase)
{
    if (!icase)
        return byte_rank[c];
    int a = byte_rank[lower(c)], b = byte_rank[upper(c)];
    return a > b ? a : b;
}

/* A pair of bytes whose ranks are both this common still passes too many
 * positions on real text: a third probe then pays for itself. */
#define COMMON_RANK 230

int literal_init(struct literal *lit, const unsigned char *p, size_t len, int icase)
{
    memset(lit, 0, sizeof *lit);
    lit->bytes = malloc(len);
    if (!lit->bytes)
        return -1;
    memcpy(lit->bytes, p, len);
    lit->len = len;
    lit->icase = icase;
    /* Pick the rarest bytes, preferring distinct values (a probe that repeats
     * another filters nothing more). */
    int rank[3] = {0, 0, 0};
    int n = 0;
    for (int k = 0; k < 3 && (size_t)k < len; k++) {
        size_t best = len;
        int rb = 0;
        for (size_t i = 0; i < len; i++) {
            int taken = 0, same = 0;
            for (int j = 0; j < n; j++) {
                taken |= lit->at[j] == i;
                same |= lower(p[lit->at[j]]) == lower(p[i]);
            }
            if (taken)
                continue;
            int r = rank_of(p[i], icase) + (same ? 1000 : 0);
            if (best == len || r < rb) {
                best = i;
                rb = r;
            }
        }
        lit->at[n] = best;
        rank[n++] = rb;
    }
    lit->nprobe = n < 2 ? n : (n == 3 && (icase || rank[1] >= COMMON_RANK) ? 3 : 2);
    for (int k = 0; k < lit->nprobe; k++) {
        unsigned char c = p[lit->at[k]];
        int letter = lower(c) != upper(c);
        lit->fold[k] = icase && letter ? 0x20 : 0;
        lit->want[k] = icase && letter ? lower(c) : c;
    }
    return 0;
}

void literal_free(struct literal *lit)
{
    free(lit->bytes);
    lit->bytes = NULL;
}

static int matches_at(const struct literal *lit, const unsigned char *h)
{
    const unsigned char *b = lit->bytes;
    size_t n = lit->len;
    if (lit->icase) {
        for (size_t i = 0; i < n; i++)
            if (lower(h[i]) != lower(b[i]))
                return 0;
        return 1;
    }
    /* most candidates fail in the first 8 bytes: compare them as a word */
    if (n >= 8) {
        uint64_t x, y;
        memcpy(&x, h, 8);
        memcpy(&y, b, 8);
        return x == y && memcmp(h + 8, b + 8, n - 8) == 0;
    }
    for (size_t i = 0; i < n; i++)
        if (h[i] != b[i])
            return 0;
    return 1;
}

static int probes_agree(const struct literal *lit, const unsigned char *h)
{
    for (int k = 0; k < lit->nprobe; k++)
        if ((h[lit->at[k]] | lit->fold[k]) != lit->want[k])
            return 0;
    return 1;
}

static size_t find_scalar(const struct literal *lit, const unsigned char *hay, size_t from,
                          size_t n)
{
    size_t last = n - lit->len;   /* caller ensures n >= len */
    for (size_t i = from; i <= last; i++)
        if (probes_agree(lit, hay + i) && matches_at(lit, hay + i))
            return i;
    return n;
}

/* Checks the candidate positions i + (set bits of `bits`). */
static size_t verify_bits(const struct literal *lit, const unsigned char *hay, size_t i,
                          uint64_t bits, size_t none)
{
    while (bits) {
        size_t k = i + (size_t)__builtin_ctzll(bits);
        if (matches_at(lit, hay + k))
            return k;
        bits &= bits - 1;
    }
    return none;
}

#ifdef HAVE_X86
#define AVX2 __attribute__((target("avx2")))

AVX2 static inline __m256i probe32(const unsigned char *p, __m256i want, __m256i fold)
{
    __m256i x = _mm256_loadu_si256((const __m256i *)p);
    return _mm256_cmpeq_epi8(_mm256_or_si256(x, fold), want);
}

/* 64 positions a round; the masks are looked at only when a position
 * passes every probe. */
AVX2 static size_t find_avx2(const struct literal *lit, const unsigned char *hay, size_t n)
{
    __m256i w[3], f[3];
    const unsigned char *p[3];
    int np = lit->nprobe;
    for (int k = 0; k < 3; k++) {
        int j = k < np ? k : np - 1;
        w[k] = _mm256_set1_epi8((char)lit->want[j]);
        f[k] = _mm256_set1_epi8((char)lit->fold[j]);
        p[k] = hay + lit->at[j];
    }
    size_t last = n - lit->len, i = 0;
    for (; i + 64 <= last + 1; i += 64) {
        __m256i m0 = _mm256_and_si256(probe32(p[0] + i, w[0], f[0]), probe32(p[1] + i, w[1], f[1]));
        __m256i m1 = _mm256_and_si256(probe32(p[0] + i + 32, w[0], f[0]),
                                      probe32(p[1] + i + 32, w[1], f[1]));
        if (np == 3) {   /* loop-invariant: the compiler unswitches it */
            m0 = _mm256_and_si256(m0, probe32(p[2] + i, w[2], f[2]));
            m1 = _mm256_and_si256(m1, probe32(p[2] + i + 32, w[2], f[2]));
        }
        __m256i any = _mm256_or_si256(m0, m1);
        if (_mm256_testz_si256(any, any))
            continue;
        uint64_t bits = (uint32_t)_mm256_movemask_epi8(m0) |
                        (uint64_t)(uint32_t)_mm256_movemask_epi8(m1) << 32;
        size_t k = verify_bits(lit, hay, i, bits, n);
        if (k < n)
            return k;
    }
    return find_scalar(lit, hay, i, n);
}

static size_t find_sse2(const struct literal *lit, const unsigned char *hay, size_t n)
{
    __m128i w[3], f[3];
    int np = lit->nprobe;
    for (int k = 0; k < np; k++) {
        w[k] = _mm_set1_epi8((char)lit->want[k]);
        f[k] = _mm_set1_epi8((char)lit->fold[k]);
    }
    size_t last = n - lit->len, i = 0;
    for (; i + 16 <= last + 1; i += 16) {
        __m128i m = _mm_set1_epi8(-1);
        for (int k = 0; k < np; k++) {
            __m128i x = _mm_loadu_si128((const __m128i *)(hay + lit->at[k] + i));
            m = _mm_and_si128(m, _mm_cmpeq_epi8(_mm_or_si128(x, f[k]), w[k]));
        }
        unsigned bits = (unsigned)_mm_movemask_epi8(m);
        if (bits) {
            size_t k = verify_bits(lit, hay, i, bits, n);
            if (k < n)
                return k;
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
AVX2 static size_t count_avx2(const unsigned char *p, size_t n,
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

int utf8_valid(const unsigned char *p, size_t n)
{
    size_t i = 0;
    while (i < n) {
        /* ASCII runs, a word at a time */
        while (i + 8 <= n) {
            uint64_t w;
            memcpy(&w, p + i, 8);
            if (w & 0x8080808080808080ull)
                break;
            i += 8;
        }
        if (i >= n)
            break;
        unsigned char c = p[i];
        if (c < 0x80) {
            i++;
            continue;
        }
        size_t len;
        unsigned char lo = 0x80, hi = 0xBF;   /* range of the second byte */
        if (c >= 0xC2 && c <= 0xDF)
            len = 2;
        else if (c >= 0xE0 && c <= 0xEF) {
            len = 3;
            if (c == 0xE0)
                lo = 0xA0;   /* overlong */
            else if (c == 0xED)
                hi = 0x9F;   /* surrogates */
        } else if (c >= 0xF0 && c <= 0xF4) {
            len = 4;
            if (c == 0xF0)
                lo = 0x90;
            else if (c == 0xF4)
                hi = 0x8F;   /* above U+10FFFF */
        } else
            return 0;
        if (i + len > n || p[i + 1] < lo || p[i + 1] > hi)
            return 0;
        for (size_t k = 2; k < len; k++)
            if ((p[i + k] & 0xC0) != 0x80)
                return 0;
        i += len;
    }
    return 1;
}
