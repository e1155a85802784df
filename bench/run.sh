#!/bin/sh
# make bench: the search comparison with rg, ugrep and grep (one big file,
# compressed files, encodings, archives, then trees of many files), then the
# mmap-versus-read() figures behind BS_MMAP_THRESHOLD_DEFAULT.
# Usage: sh bench/run.sh BUILD_DIR
set -eu
B=${1:-build}
dir=$(dirname "$0")
sh "$dir/search.sh" "$B"
sh "$dir/compress.sh" "$B"
sh "$dir/encoding.sh" "$B"
sh "$dir/archives.sh" "$B"
sh "$dir/tree.sh" "$B"
sh "$dir/run_mmap.sh" build data sizes dir
