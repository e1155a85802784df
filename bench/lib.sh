# Sourced by the bench scripts: bench(), hyperfine medians with ratios.
# Needs RUNS set.
json=$(mktemp)
trap 'rm -f "$json"' EXIT

# bench NAME OUTPUT CMD...: medians of CMD... with output to OUTPUT (pipe or
# null), each with its ratio to $base (srcgrep's median), or to the first
# command's median when base is empty (which then becomes base)
base=
bench() {
    name=$1; out=$2; shift 2
    hyperfine -N -w 1 -r "$RUNS" -i --output="$out" --export-json "$json" "$@" >/dev/null 2>&1
    base=$(python3 - "$json" "$name" "$base" "$@" <<'PY'
import json, sys
r = json.load(open(sys.argv[1]))["results"]
m = [x["median"] for x in r]
base = float(sys.argv[3]) if sys.argv[3] else m[0]
if sys.argv[2]:
    print("%s" % sys.argv[2], file=sys.stderr)
for cmd, v in zip(sys.argv[4:], m):
    cmd = " ".join(w.rsplit("/", 1)[-1] for w in cmd.split())
    print("  %-40s %8.3f s  x%.2f" % (cmd[:40], v, v / base), file=sys.stderr)
print(base)
PY
)
}
