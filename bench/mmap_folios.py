#!/usr/bin/env python3
"""Shows how the page cache holds files: the sizes of the folios backing each
file and how much of a mapping of it gets 2 MiB (PMD) entries.  Diagnostic
for bench/run_mmap.sh (see bench/README.md): mmap's cost per byte depends on
it.  Needs root (page frame numbers in /proc/self/pagemap, /proc/kpageflags).
Maps each file and touches every page, so it also brings the file into the
cache if it was not there (then the folios are the ones a mapping creates).

Usage: sudo bench/mmap_folios.py FILE...
"""
import collections
import mmap
import os
import struct
import sys

KPF_COMPOUND_TAIL = 16


def folios(path, kpf):
    with open(path, "rb") as f:
        size = os.fstat(f.fileno()).st_size
        if size == 0:
            print(f"{path}: empty")
            return
        m = mmap.mmap(f.fileno(), 0, prot=mmap.PROT_READ)
        npages = (size + 4095) // 4096
        for i in range(npages):
            m[i * 4096]
        # the mapping's address: the maps line naming this file
        ino = os.fstat(f.fileno()).st_ino
        addr = None
        with open("/proc/self/maps") as maps:
            for line in maps:
                fields = line.split()
                if len(fields) >= 6 and int(fields[4]) == ino and \
                        os.path.samefile(fields[5], path):
                    addr = int(fields[0].split("-")[0], 16)
                    break
        with open("/proc/self/pagemap", "rb") as pm:
            pm.seek(addr // 4096 * 8)
            entries = pm.read(npages * 8)
        counts = collections.Counter()
        run = 0
        for i in range(npages):
            pfn = struct.unpack_from("<Q", entries, i * 8)[0] & ((1 << 55) - 1)
            if pfn == 0:
                sys.exit("no page frame numbers: run as root")
            kpf.seek(pfn * 8)
            flags = struct.unpack("<Q", kpf.read(8))[0]
            if flags >> KPF_COMPOUND_TAIL & 1:
                run += 1
            else:
                if run:
                    counts[run * 4] += 1
                run = 1
        counts[run * 4] += 1
        with open("/proc/self/smaps_rollup") as sm:
            pmd = next((l.split()[1] for l in sm if l.startswith("FilePmdMapped")), "?")
        desc = ", ".join(f"{n} x {k} KiB" for k, n in sorted(counts.items()))
        print(f"{path}: folios {desc}; PMD-mapped {pmd} KiB")
        m.close()


def main():
    if len(sys.argv) < 2:
        sys.exit(__doc__)
    with open("/proc/kpageflags", "rb") as kpf:
        for p in sys.argv[1:]:
            folios(p, kpf)


if __name__ == "__main__":
    main()
