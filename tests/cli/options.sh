#!/bin/sh
# Bad arguments of the options issue 6 added: one exact message each on
# standard error, exit status 2, nothing searched.
. "${TESTS:-$(dirname "$0")/..}/lib.sh"

cd "$T" || exit 1
printf 'foo\n' >a
U="Usage: srcgrep [OPTION]... PATTERNS [FILE]...\nTry 'srcgrep --help' for more information.\n"
expect options/threads-word 2 '' "srcgrep: invalid thread count: 'x'\n" "$SRCGREP" -j x foo a
expect options/threads-negative 2 '' "srcgrep: invalid thread count: '-1'\n" "$SRCGREP" -j -1 foo a
expect options/threads-huge 2 '' "srcgrep: invalid thread count: '5000'\n" "$SRCGREP" --threads=5000 foo a
expect options/sort 2 '' "srcgrep: invalid sort order: 'x' (none or path)\n" "$SRCGREP" --sort=x foo a
for o in -c -l -L; do
    expect "options/json$o" 2 '' "srcgrep: --json cannot be used with -c, -l or -L\n" "$SRCGREP" --json $o foo a
done
expect options/binary-files 2 '' "srcgrep: unknown binary-files type\n" "$SRCGREP" --binary-files=bogus foo a
expect options/color 2 '' "srcgrep: invalid argument 'bogus' for '--color'\nValid arguments are 'always', 'never' and 'auto'.\n$U" \
    "$SRCGREP" --color=bogus foo a
expect options/max-depth 2 '' "srcgrep: invalid max depth: 'x'\n" "$SRCGREP" --max-depth=x foo a
expect options/devices 2 '' "srcgrep: unknown devices method\n" "$SRCGREP" -D bogus foo a
expect options/context 2 '' "srcgrep: x: invalid context length argument\n" "$SRCGREP" -A x foo a
expect options/exclude-from 2 '' "srcgrep: nothere: No such file or directory\n" "$SRCGREP" --exclude-from=nothere foo a
# and the good ones are taken
expect options/threads-zero 0 'foo\n' '' "$SRCGREP" -j0 foo a
expect options/sort-none 0 'foo\n' '' "$SRCGREP" --sort=none foo a
