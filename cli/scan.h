/* Byte scanning primitives for the search loop. */
#ifndef SRCGREP_SCAN_H
#define SRCGREP_SCAN_H

#include <stddef.h>

/* A literal to find, prepared once: two of its bytes chosen as rare in text
 * are compared 16 or 32 positions at a time, and only positions where both
 * agree are checked in full.  With `icase`, ASCII letters match either case. */
struct literal {
    unsigned char *bytes;
    size_t len;
    int icase;
    size_t i1, i2;                 /* offsets of the two rare bytes, i1 < i2 or len == 1 */
    unsigned char a1, b1, a2, b2;  /* each rare byte in its two cases (equal if not a letter) */
};

/* Prepares `lit` for the `len` bytes at `p` (copied).  Returns 0, or -1 when
 * out of memory.  len must be at least 1. */
int literal_init(struct literal *lit, const unsigned char *p, size_t len, int icase);
void literal_free(struct literal *lit);

/* Offset of the first occurrence of the literal in hay[0..n), or n. */
size_t literal_find(const struct literal *lit, const unsigned char *hay, size_t n);

/* Number of bytes equal to c in p[0..n). */
size_t count_byte(const unsigned char *p, size_t n, unsigned char c);

#endif
