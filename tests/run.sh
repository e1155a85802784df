#!/bin/sh
# Runs every test and ends with "N passed, M failed".
# Each unit program (build/tests/unit_*) and each script tests/cli/*.sh
# prints one line per case: "PASS name" or "FAIL name: why".
B=${B:-build}
TOP=$(cd "$(dirname "$0")/.." && pwd)
export SRCGREP="$TOP/$B/srcgrep" SRCCAT="$TOP/$B/srccat" TESTS="$TOP/tests" TOP B
log=$(mktemp)
trap 'rm -f "$log"' EXIT
for t in "$TOP/$B"/tests/unit_*; do
    [ -x "$t" ] || continue
    "$t" >>"$log" 2>&1 || grep -q '^FAIL' "$log" || echo "FAIL $(basename "$t"): exited with status $?" >>"$log"
done
for t in "$TOP"/tests/cli/*.sh; do
    [ -f "$t" ] || continue
    sh "$t" >>"$log" 2>&1 || echo "FAIL $(basename "$t"): exited with status $?" >>"$log"
done
grep '^FAIL' "$log"
passed=$(grep -c '^PASS' "$log")
failed=$(grep -c '^FAIL' "$log")
echo "$passed passed, $failed failed"
[ "$failed" -eq 0 ] && [ "$passed" -gt 0 ]
