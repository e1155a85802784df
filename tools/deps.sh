#!/bin/sh
# Checks for what a target needs and, run as root, installs what is missing
# with apt-get; otherwise prints the exact command and fails.
# Usage: tools/deps.sh build|check|fuzz|bench
set -u
need=""
have_cmd() { command -v "$1" >/dev/null 2>&1; }
want_cmd() { have_cmd "$1" || need="$need $2"; }
want_pc() { pkg-config --exists "$1" 2>/dev/null || need="$need $2"; }

want_cmd cc gcc
want_cmd make make
want_cmd pkg-config pkg-config
if have_cmd pkg-config; then
    want_pc libpcre2-8 libpcre2-dev
    want_pc zlib zlib1g-dev
    want_pc liblzma liblzma-dev
    want_pc libzstd libzstd-dev
    want_pc liblz4 liblz4-dev
    # ISA-L is optional for the library (zlib is the fallback) but the
    # speed goals need it, so it is installed where apt can
    want_pc libisal libisal-dev
else
    need="$need libpcre2-dev zlib1g-dev liblzma-dev libzstd-dev liblz4-dev libisal-dev"
fi
[ -e /usr/include/bzlib.h ] || need="$need libbz2-dev"
case "${1:-build}" in
check)
    want_cmd grep grep
    want_cmd gzip gzip
    # files made by the real tools, and the differential references
    want_cmd pigz pigz
    want_cmd xz xz-utils
    want_cmd zstd zstd
    want_cmd bzip2 bzip2
    want_cmd lz4 lz4
    want_cmd zgrep gzip
    # zip archives made by Info-ZIP, and their reference extraction
    want_cmd zip zip
    want_cmd unzip unzip
    # python3's zipfile makes the zips of every method the tests read
    want_cmd python3 python3-minimal
    # --json is compared with ripgrep's, field by field
    want_cmd rg ripgrep
    # the completions are tried in the shells they are for
    want_cmd bash bash
    want_cmd zsh zsh
    want_cmd fish fish
    # the sanitizer run needs the compiler's runtime libraries
    [ -n "$(cc -print-file-name=libasan.so 2>/dev/null | grep /)" ] || need="$need libasan8"
    ;;
fuzz)
    want_cmd clang clang
    [ -e /usr/lib/llvm-14/lib/clang/14.0.6/lib/linux/libclang_rt.fuzzer-x86_64.a ] || \
        ls /usr/lib/llvm-*/lib/clang/*/lib/linux/libclang_rt.fuzzer-*.a >/dev/null 2>&1 || \
        need="$need libclang-rt-dev"
    ;;
bench)
    want_cmd rg ripgrep
    want_cmd ugrep ugrep
    want_cmd hyperfine hyperfine
    want_cmd python3 python3-minimal
    want_cmd gzip gzip
    want_cmd xz xz-utils
    want_cmd zstd zstd
    want_cmd zip zip
    want_cmd unzip unzip
    want_cmd igzip isal
    ;;
esac
# an empty list, or only what's on the machine already
need=$(echo $need | tr ' ' '\n' | sort -u | tr '\n' ' ')
[ -z "$(echo $need)" ] && exit 0
cmd="apt-get install -y --no-install-recommends $need"
if [ "$(id -u)" = 0 ] && have_cmd apt-get; then
    echo "deps: installing $need" >&2
    (apt-get update -qq && DEBIAN_FRONTEND=noninteractive $cmd -qq) >/dev/null 2>&1 || {
        echo "deps: '$cmd' failed" >&2
        exit 1
    }
    exit 0
fi
echo "deps: missing $need; run as root: apt-get update && $cmd" >&2
exit 1
