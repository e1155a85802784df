/* Byte scanning primitives for the search loop. */
#ifndef SRCGREP_SCAN_H
#define SRCGREP_SCAN_H

#include <stddef.h>

/* A literal to find, prepared once: two or three of its bytes, chosen as
 * rare in text, are compared 32 positions at a time (16 without AVX2), and
 * only positions where all agree are checked in full.  With `icase`, ASCII
 * letters match either case. */
struct literal {
    unsigned char *bytes;
    size_t len;
    int icase;
    int nprobe;                /* 1 to 3 */
    size_t at[3];              /* offsets of the probe bytes in the literal */
    unsigned char want[3];     /* the byte expected there, after OR-ing fold */
    unsigned char fold[3];     /* 0x20 for a caseless letter (folds to lower case), else 0 */
};

/* Prepares `lit` for the `len` bytes at `p` (copied).  Returns 0, or -1 when
 * out of memory.  len must be at least 1. */
int literal_init(struct literal *lit, const unsigned char *p, size_t len, int icase);
void literal_free(struct literal *lit);

/* Offset of the first occurrence of the literal in hay[0..n), or n. */
size_t literal_find(const struct literal *lit, const unsigned char *hay, size_t n);

/* Number of bytes equal to c in p[0..n). */
size_t count_byte(const unsigned char *p, size_t n, unsigned char c);

/* Whether p[0..n) is well-formed UTF-8 (no overlong forms, surrogates or
 * code points above U+10FFFF). */
int utf8_valid(const unsigned char *p, size_t n);

#endif
