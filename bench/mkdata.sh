#!/bin/sh
# Builds bench/data/text.txt, ~400 MB of real text: the decompressed
# contents of /usr/share/man and /usr/share/doc without NUL bytes, repeated
# if the machine has less.  Generated, never committed.
set -eu
dir=$(cd "$(dirname "$0")" && pwd)/data
out=$dir/text.txt
target=${BENCH_BYTES:-400000000}
mkdir -p "$dir"
if [ -f "$out" ] && [ "$(stat -c %s "$out")" -ge "$target" ]; then
    exit 0
fi
tmp=$dir/one.txt
: > "$tmp"
find /usr/share/man /usr/share/doc -type f -name '*.gz' -print0 2>/dev/null |
    xargs -0 -r gzip -dcq 2>/dev/null >> "$tmp" || true
find /usr/share/doc -type f ! -name '*.gz' -size -4M -print0 2>/dev/null |
    xargs -0 -r cat 2>/dev/null >> "$tmp" || true
# a few files under /usr/share/doc are binary: their NUL bytes would make
# the whole text a "binary file" for every tool, and printing cases moot
tr -d '\000' < "$tmp" > "$tmp.t" && mv "$tmp.t" "$tmp"
one=$(stat -c %s "$tmp")
[ "$one" -gt 0 ] || { echo "mkdata: no text found under /usr/share" >&2; exit 1; }
: > "$out"
while [ "$(stat -c %s "$out")" -lt "$target" ]; do
    cat "$tmp" >> "$out"
done
truncate -s "$target" "$out"
rm -f "$tmp"
