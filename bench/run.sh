#!/bin/sh
# make bench: the search comparison, then the mmap-versus-read figures.
set -eu
B=${1:-build}
dir=$(dirname "$0")
sh "$dir/search.sh" "$B"
if [ -f "$dir/run_mmap.sh" ]; then
    sh "$dir/run_mmap.sh" "$B"
fi
