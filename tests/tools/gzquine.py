#!/usr/bin/env python3
"""Generate a gzip quine: a .gz file that decompresses to exactly itself.

Usage: gzquine.py OUTPUT.gz

Construction (after Russ Cox, "Zip Files All The Way Down", 2010): the
deflate stream is a "program" made of two opcodes, each encoded in exactly
5 bytes so that runs of opcodes can be quoted and copied as whole units:
  L(n)  stored block: emit the next n bytes of the stream verbatim;
  R(n)  fixed-Huffman block: copy the last n output bytes (distance n).
The gzip header P and trailer S take part in the quine like ordinary code.
The CRC32 in the trailer is fixed afterwards by solving a 32-bit linear
system over GF(2), since CRC32 is affine in the bits of its input.
"""
import struct
import sys
import zlib


class Bits:
    """Deflate bit writer: fields are packed LSB first."""

    def __init__(self):
        self.val = self.n = 0

    def put(self, v, n):                 # n bits of v, least significant first
        self.val |= v << self.n
        self.n += n

    def huff(self, code, n):             # Huffman codes go MSB first
        self.put(int(format(code, '0%db' % n)[::-1], 2), n)

    def bytes(self):                     # zero-pad to a byte boundary
        return self.val.to_bytes((self.n + 7) // 8, 'little')


def L(n, final=0):
    # Stored block at a byte boundary: 3 header bits + 5 pad bits, LEN, NLEN.
    return struct.pack('<BHH', final, n, n ^ 0xFFFF)


def R(pieces, final=0):
    # One fixed-Huffman block (BTYPE=01) of length/distance copies + EOB.
    # Only lengths 3..10 (codes 257..264, no extra bits) and distances 17..24
    # (code 8, 3 extra bits) are needed here.
    b = Bits()
    b.put(final, 1)
    b.put(1, 2)
    for length, dist in pieces:
        if 3 <= length <= 10:
            b.huff(length - 3 + 1, 7)    # symbol 254+length -> 7-bit code
        elif length == 12:
            b.huff(265 - 256, 7)         # symbol 265: lengths 11..12
            b.put(1, 1)
        else:
            raise ValueError(length)
        if 17 <= dist <= 24:
            b.huff(8, 5)
            b.put(dist - 17, 3)
        elif 9 <= dist <= 12:
            b.huff(6, 5)
            b.put(dist - 9, 2)
        else:
            raise ValueError(dist)
    b.huff(0, 7)                         # end of block (symbol 256)
    return b.bytes()


# "Copy the last 20 bytes" in exactly 40 bits: 3 + 2*(7+5+3) + 7.  A single
# copy of length 20 would be only 27 bits, so it is split into two copies of
# 10 (the second one, still at distance 20, picks up where the first ended).
R20 = R([(10, 20), (10, 20)])
assert len(R20) == 5
L0, L5, L20, L12 = L(0), L(5), L(20), L(12)


def build(crc, mtime):
    # Prefix P: the 10-byte gzip header plus an empty stored block, so that
    # "P L(20)" is 20 bytes and can be copied by the same 5-byte R20.
    P = struct.pack('<BBBBIBB', 0x1F, 0x8B, 8, 0, mtime, 0, 3) + L0
    # Suffix: the final block copies its own 4 bytes plus the 8-byte trailer,
    # i.e. 12 bytes at distance 12 (25 bits -> 4 bytes).
    Rf = R([(12, 12)], final=1)
    assert len(Rf) == 4
    size = 194                           # total file length (checked below)
    S = struct.pack('<II', crc, size)
    # Left: what is in the file.  Right (comment): what it outputs.  Each
    # L emits the bytes quoted after it, each R repeats the previous output,
    # and the concatenated output spells the left column exactly.
    out = b''.join([
        P,
        L20, P + L20,                    # -> P L20
        R20,                             # -> P L20
        L5, R20,                         # -> R20
        L5, L5,                          # -> L5
        L20, R20 + L5 + L5 + L20,        # -> R20 L5 L5 L20
        R20,                             # -> R20 L5 L5 L20
        L20, R20 + L20 + R20 + L20,      # -> R20 L20 R20 L20
        R20,                             # -> R20 L20 R20 L20
        L20, R20 + L0 + L0 + L12,        # -> R20 L0 L0 L12
        R20,                             # -> R20 L0 L0 L12
        L0,                              # -> (nothing)
        L0,                              # -> (nothing)
        L12, Rf + S,                     # -> Rf S
        Rf,                              # -> Rf S   (last deflate block)
        S,                               # gzip trailer: CRC32, ISIZE
    ])
    assert len(out) == size
    return out


def solve():
    # The CRC must equal crc32(file), and the file contains that CRC (twice)
    # and the MTIME (twice).  f(x) = crc32(build(x)) ^ crc is affine over
    # GF(2) in the 64 bits x = (crc, mtime), so solve f(x) = 0 by Gaussian
    # elimination.  CRC bits come first, so MTIME stays 0 when it is not
    # needed (free variables are taken as 0).
    def f(x):
        crc, mtime = x & 0xFFFFFFFF, x >> 32
        return zlib.crc32(build(crc, mtime)) ^ crc

    f0 = f(0)
    basis = {}                           # top bit -> (vector, combination)
    for i in range(64):
        v, comb = f(1 << i) ^ f0, 1 << i
        while v:
            top = v.bit_length() - 1
            if top not in basis:
                basis[top] = (v, comb)
                break
            v ^= basis[top][0]
            comb ^= basis[top][1]
    t, x = f0, 0
    while t:
        top = t.bit_length() - 1
        if top not in basis:
            sys.exit('no CRC fixed point for this layout')
        t ^= basis[top][0]
        x ^= basis[top][1]
    return build(x & 0xFFFFFFFF, x >> 32)


def main():
    if len(sys.argv) != 2:
        sys.exit('usage: gzquine.py OUTPUT.gz')
    data = solve()
    # Self-check with an independent inflater: output == input, CRC valid.
    assert zlib.decompress(data, 31) == data
    with open(sys.argv[1], 'wb') as fh:
        fh.write(data)


if __name__ == '__main__':
    main()
