#!/bin/sh
# srcgrep --json against ripgrep's --json (rg 13), and srcgrep's own
# fields: "layers" and "members" in each "begin" and "end" message.
#
# 1. The table at the end: each case runs "rg --json -j1 ARGS" (-j1: the
#    files in the order given) and "srcgrep --json ARGS" (or other
#    arguments where the two differ, after "||": rg needs -z for a .gz
#    file, where srcgrep's -z is --null-data; rg's regex syntax for "any
#    byte" is not PCRE2's) and compares what they print, in the python3
#    helper below:
#    - every line srcgrep prints is a JSON object with "type" and "data";
#    - the exit status; srcgrep's stderr is empty where rg's is;
#    - the messages, in order: their types (begin, match, context, end,
#      and one summary at the very end) and the keys of each "data";
#    - begin: data.path ({"text": ...}, or {"bytes": base64} for a name
#      that is not UTF-8);
#    - match and context: path, lines (text or bytes), line_number,
#      absolute_offset and submatches (match text or bytes, start, end);
#    - end: path, binary_offset (null for text), and of stats the
#      deterministic counters: searches, searches_with_match,
#      matched_lines, matches and bytes_searched;
#    - summary: stats.matched_lines, .matches, .searches_with_match and,
#      where every file has a match, .searches and .bytes_searched.
#    Deliberately not compared:
#    - elapsed (end and summary stats) and elapsed_total (summary): times.
#      Only their shape is checked: {"secs": int, "nanos": int,
#      "human": string}.
#    - bytes_printed: what the printer wrote, which depends on the exact
#      serialisation, and srcgrep's begin and end lines carry two fields
#      rg's do not.  Only checked to be an integer.
#    - bytes_searched with -m (@nobytes): rg stops reading at the end of
#      the line that reaches the count, srcgrep at a point of its own.
#    - summary searches and bytes_searched when a file has no match
#      (@partial): rg 13 adds up the stats of files with a match only, so
#      there they are only checked to be at least rg's.
#    - -m with trailing context that itself matches: rg 13 prints such
#      lines as "match" messages and counts them, GNU grep (whose -m
#      srcgrep follows) prints them as context; no case has that shape.
#    - standard input: rg names it "<stdin>", srcgrep "(standard input)"
#      as grep does; not compared.
#    - binary files (binary_offset not null): the two tools decide
#      differently; not compared.
# 2. srcgrep's extension: every begin and end message has "layers", the
#    decoding chain of that file or member ("file", then "gzip", "xz",
#    "zip", "tar", "utf-16le", ... as srccat --layers names them), and
#    "members", the member names, one per container layer (zip, tar) in
#    layers: ["file"] and [] for a plain file, ["file","gzip"] for a .gz,
#    ["file","zip"] and ["a.txt"] for z.zip{a.txt}, ["file","zip","zip"]
#    and ["inner.zip","a.txt"] for outer.zip{inner.zip}{a.txt}.  The
#    members of archives (zip, tar.gz, a zip in a zip) are compared with
#    rg run on the same members extracted, with rg's paths renamed to
#    srcgrep's ARCHIVE{MEMBER}.
. "${TESTS:-$(dirname "$0")/..}/lib.sh"

RG=${REF_RG:-rg}
if ! "$RG" --version 2>/dev/null | grep -q '^ripgrep'; then
    fail json "no ripgrep to compare with ($RG)"
    exit 0
fi
for tool in python3 gzip zip unzip tar iconv; do
    if ! command -v "$tool" >/dev/null 2>&1; then
        fail json "$tool is missing"
        exit 0
    fi
done
unset RIPGREP_CONFIG_PATH

# ---- the comparison, in python3 ---------------------------------------------
cat >"$T/jcmp.py" <<'PY'
"""compare RG_OUT RG_STATUS RG_ERR SG_OUT SG_STATUS SG_ERR FLAGS LAYERS
     prints nothing and exits 0 when srcgrep's output agrees with rg's,
     else prints why (one line) and exits 1.  FLAGS: words among
     partial, nobytes.  LAYERS: a JSON object {path: [layers, members]}
     for the begin and end messages; any other path: [["file"], []].
   merge OUT PART=PATH...
     writes to OUT the messages of the rg outputs PART, each with its
     path replaced by PATH (the text of the path), and one summary that
     adds up their end messages: what rg would print for those files
     under those names."""
import json
import sys

TYPES = ("begin", "match", "context", "end", "summary")
CONTAINERS = ("zip", "tar")


def load(path, who, problems):
    msgs = []
    with open(path, "rb") as f:
        data = f.read()
    if data and not data.endswith(b"\n"):
        problems.append("%s: the output does not end with a newline" % who)
    lines = data.split(b"\n") if data else []
    if data.endswith(b"\n"):
        lines.pop()
    for n, raw in enumerate(lines, 1):
        try:
            m = json.loads(raw.decode("utf-8"))
        except (UnicodeDecodeError, ValueError) as e:
            problems.append("%s line %d is not JSON (%s): %r" % (who, n, e, raw[:80]))
            return None
        if not isinstance(m, dict) or m.get("type") not in TYPES or not isinstance(m.get("data"), dict):
            problems.append("%s line %d is not a message with a known type and data: %r" % (who, n, raw[:80]))
            return None
        msgs.append(m)
    return msgs


def shortpath(m):
    p = m["data"].get("path")
    if isinstance(p, dict):
        return p.get("text", p.get("bytes"))
    return p


def elapsed_ok(e):
    return (isinstance(e, dict) and set(e) == {"secs", "nanos", "human"}
            and isinstance(e["secs"], int) and isinstance(e["nanos"], int)
            and isinstance(e["human"], str))


def compare(argv):
    rg_out, rg_st, rg_err, sg_out, sg_st, sg_err, flags, layers = argv
    flags = flags.split()
    layers = json.loads(layers) if layers else {}
    problems = []
    rg = load(rg_out, "rg", problems)
    sg = load(sg_out, "srcgrep", problems)
    if rg is None:
        print("; ".join(problems))
        return 1
    if rg_st != sg_st:
        problems.append("exit status %s, rg %s" % (sg_st, rg_st))
    if open(rg_err, "rb").read() == b"" and open(sg_err, "rb").read() != b"":
        problems.append("stderr: %r" % open(sg_err, "rb").read()[:120])
    if sg is None:
        print("; ".join(problems))
        return 1
    rt = [(m["type"], shortpath(m)) for m in rg]
    st = [(m["type"], shortpath(m)) for m in sg]
    if rt != st:
        i = next((i for i in range(min(len(rt), len(st))) if rt[i] != st[i]), min(len(rt), len(st)))
        problems.append("messages differ at %d: rg %s, srcgrep %s (rg has %d, srcgrep %d)"
                        % (i + 1, rt[i] if i < len(rt) else "nothing",
                           st[i] if i < len(st) else "nothing", len(rt), len(st)))
    if not sg or sg[-1]["type"] != "summary" or [m["type"] for m in sg].count("summary") != 1:
        problems.append("srcgrep does not end with one summary")
    if problems:
        print("; ".join(problems))
        return 1

    def diff(where, field, a, b):
        problems.append("%s: %s is %s, rg %s" % (where, field, json.dumps(b), json.dumps(a)))

    for i, (r, s) in enumerate(zip(rg, sg), 1):
        rd, sd, t = r["data"], s["data"], r["type"]
        where = "message %d (%s %s)" % (i, t, shortpath(r))
        extra = {"layers", "members"} if t in ("begin", "end") else set()
        if set(sd) != set(rd) | extra:
            problems.append("%s: keys %s, expected %s" % (where, sorted(sd), sorted(set(rd) | extra)))
            continue
        fields = {"begin": ["path"],
                  "match": ["path", "lines", "line_number", "absolute_offset", "submatches"],
                  "context": ["path", "lines", "line_number", "absolute_offset", "submatches"],
                  "end": ["path", "binary_offset"],
                  "summary": []}[t]
        for k in fields:
            if rd[k] != sd[k]:
                diff(where, k, rd[k], sd[k])
        if t in ("begin", "end"):
            want = layers.get(shortpath(s), [["file"], []])
            got = [sd["layers"], sd["members"]]
            if got != want:
                problems.append("%s: layers, members are %s, expected %s"
                                % (where, json.dumps(got), json.dumps(want)))
            elif sum(1 for x in sd["layers"] if x in CONTAINERS) != len(sd["members"]):
                problems.append("%s: %d members for layers %s" % (where, len(sd["members"]), sd["layers"]))
        if t in ("end", "summary"):
            rs, ss = rd["stats"], sd["stats"]
            if set(ss) != set(rs):
                problems.append("%s: stats keys %s, rg %s" % (where, sorted(ss), sorted(rs)))
                continue
            if not elapsed_ok(ss["elapsed"]):
                problems.append("%s: stats.elapsed is %s" % (where, json.dumps(ss["elapsed"])))
            if not isinstance(ss["bytes_printed"], int):
                problems.append("%s: stats.bytes_printed is %s" % (where, json.dumps(ss["bytes_printed"])))
            exact = ["searches_with_match", "matched_lines", "matches"]
            atleast = []
            if t == "end" or "partial" not in flags:
                exact.append("searches")
            else:
                atleast.append("searches")
            if "nobytes" not in flags:
                (exact if t == "end" or "partial" not in flags else atleast).append("bytes_searched")
            for k in exact:
                if rs[k] != ss[k]:
                    diff(where, "stats." + k, rs[k], ss[k])
            for k in atleast:
                if not isinstance(ss[k], int) or ss[k] < rs[k]:
                    problems.append("%s: stats.%s is %s, rg (files with a match only) %s"
                                    % (where, k, json.dumps(ss[k]), rs[k]))
        if t == "summary" and not elapsed_ok(sd["elapsed_total"]):
            problems.append("%s: elapsed_total is %s" % (where, json.dumps(sd["elapsed_total"])))
    if problems:
        print("; ".join(problems[:4]) + ("; ..." if len(problems) > 4 else ""))
        return 1
    return 0


def merge(argv):
    out = argv[0]
    msgs = []
    stats = {"bytes_printed": 0, "bytes_searched": 0,
             "elapsed": {"human": "0.000000s", "nanos": 0, "secs": 0},
             "matched_lines": 0, "matches": 0, "searches": 0, "searches_with_match": 0}
    for spec in argv[1:]:
        part, path = spec.split("=", 1)
        with open(part) as f:
            for line in f:
                m = json.loads(line)
                if m["type"] == "summary":
                    continue
                m["data"]["path"] = {"text": path}
                if m["type"] == "end":
                    for k in ("bytes_searched", "matched_lines", "matches", "searches",
                              "searches_with_match", "bytes_printed"):
                        stats[k] += m["data"]["stats"][k]
                msgs.append(m)
    msgs.append({"type": "summary", "data": {
        "elapsed_total": {"human": "0.000000s", "nanos": 0, "secs": 0}, "stats": stats}})
    with open(out, "w") as f:
        for m in msgs:
            f.write(json.dumps(m, separators=(",", ":")) + "\n")
    return 0


if __name__ == "__main__":
    sys.exit({"compare": compare, "merge": merge}[sys.argv[1]](sys.argv[2:]))
PY

# ---- the files ---------------------------------------------------------------

W=$T/w
mkdir -p "$W/stage/sub" "$W/x"
cd "$W" || exit 1
for f in GPL-3 GPL-2 LGPL-2.1; do
    if [ ! -f "/usr/share/common-licenses/$f" ]; then
        fail json "no /usr/share/common-licenses/$f on this machine (base-files)"
        exit 0
    fi
done
cp /usr/share/common-licenses/GPL-3 g3.txt
cp /usr/share/common-licenses/GPL-2 g2.txt
cp /usr/share/common-licenses/LGPL-2.1 lg.txt
# "match" on lines 1, 3, 4, 8, 12 and 20 (the last); line 13 empty
printf '%s\n' 'match one' two 'match three' 'match four' five six seven \
    'match eight' nine ten eleven 'match twelve' '' fourteen fifteen \
    sixteen seventeen eighteen nineteen 'match twenty' >ctx.txt
printf 'alpha\nmatch beta\ngamma\nmatch delta' >noeol.txt
printf 'first\nmatch second\nlast line without newline' >noeol2.txt
# not UTF-8: a line with a Latin-1 byte, in a file whose name has 0xff
BAD=$(printf 'bad\377name.txt')
printf 'caf\351 au lait\nplain line\ncaf\303\251 ok\nmore caf\351\n' >"$BAD"
printf 'caf\351 au lait\nplain line\ncaf\303\251 ok\n' >latin1.txt
gzip -c g3.txt >g3.txt.gz
# UTF-16LE with a BOM (rg converts it too), and that gzipped
{ printf '\377\376'; printf 'h\303\251llo w\303\266rld\nfoo match\nhello again\n' | iconv -f UTF-8 -t UTF-16LE; } >u16.txt
gzip -c u16.txt >u16.txt.gz
# archives: z.zip (a.txt, sub/b.txt, c.txt.gz, u16.txt, none.txt, in that
# order, no directory entries), t.tgz, outer.zip{inner.zip}{a.txt}
cp ctx.txt stage/a.txt
cp g3.txt stage/sub/b.txt
printf 'gz member\nanother match here\n' | gzip -c >stage/c.txt.gz
cp u16.txt stage/u16.txt
printf 'nothing to see\n' >stage/none.txt
(cd stage && zip -q -D ../z.zip a.txt sub/b.txt c.txt.gz u16.txt none.txt &&
    tar czf ../t.tgz a.txt sub/b.txt none.txt &&
    zip -q ../inner.zip a.txt) || { fail json "cannot make the archives"; exit 0; }
zip -q outer.zip inner.zip || { fail json "cannot make outer.zip"; exit 0; }
(cd x && unzip -q ../z.zip) || { fail json "cannot extract z.zip"; exit 0; }

# ---- running a case ----------------------------------------------------------

# jcase NAME FLAGS LAYERS RGARGS SGARGS EXPECTED: EXPECTED is a file of
# rg's output to compare with (made by merge), or "" to run rg with RGARGS
# (shell words, expanded here, as SGARGS).
jcase() {
    name=$1 flags=$2 layers=$3 rgargs=$4 sgargs=$5 expected=$6
    if [ -n "$expected" ]; then
        ref="rg --json on the members, extracted"
    else
        ref="rg --json -j1 ${rgshown:-$rgargs}"
    fi
    if [ -z "$expected" ]; then
        eval "set -- $rgargs"
        timeout 20 "$RG" --json -j1 "$@" </dev/null >"$T/rg.out" 2>"$T/rg.err"
        echo $? >"$T/rg.st"
    else
        cp "$expected" "$T/rg.out"
        : >"$T/rg.err"
        echo "${expected_status:-0}" >"$T/rg.st"
    fi
    eval "set -- $sgargs"
    timeout 20 "$SRCGREP" --json "$@" </dev/null >"$T/sg.out" 2>"$T/sg.err"
    echo $? >"$T/sg.st"
    read -r rs <"$T/rg.st"
    read -r ss <"$T/sg.st"
    if why=$(python3 "$T/jcmp.py" compare "$T/rg.out" "$rs" "$T/rg.err" \
        "$T/sg.out" "$ss" "$T/sg.err" "$flags" "$layers" 2>&1); then
        pass "json/$name"
    else
        fail "json/$name" "$why; command, in $W (KEEP_TMP=1 keeps it): srcgrep --json $sgargs vs $ref"
    fi
}

# The table: FLAGS ARGS, or FLAGS RGARGS || SGARGS, one case a line.
# Flags: @partial, @nobytes (see the top), @layers=JSON.
while IFS= read -r line; do
    case $line in
    '' | '#'*) continue ;;
    esac
    case $line in
    *' || '*) rgpart=${line%% || *} sgpart=${line#* || } ;;
    *) rgpart=$line sgpart="" ;;
    esac
    flags="" layers="" rgargs=""
    eval "set -- $rgpart"
    for a; do
        case $a in
        @partial | @nobytes) flags="$flags ${a#@}" ;;
        @layers=*) layers=${a#@layers=} ;;
        *) rgargs="${rgargs:+$rgargs }$(shquote "$a")" ;;
        esac
    done
    # the arguments as the table has them, for messages
    rgshown=$(printf '%s\n' "$rgpart" | sed 's/@[a-z]*=[^ ]* //g; s/@[a-z]* //g')
    jcase "$line" "$flags" "$layers" "$rgargs" "${sgpart:-$rgshown}" ""
done <<'EOF'
# ---- one file: matches, submatches, offsets
match ctx.txt
'e[a-z]' ctx.txt
'x*' noeol.txt
Program g3.txt
'GNU General Public License' g2.txt
@partial zzzz ctx.txt
# ---- context
-A1 match ctx.txt
-B2 match ctx.txt
-C1 match ctx.txt
-C2 match ctx.txt
-C3 copyleft g3.txt
-A2 -B1 eight ctx.txt
-A1 'match second' noeol2.txt
-B1 delta noeol.txt
-C1 beta noeol.txt
# ---- -i, -v, -m
-i MATCH ctx.txt
-i 'free software' g3.txt
-v match ctx.txt
-v -C1 e ctx.txt
@nobytes -m2 match ctx.txt
@nobytes -m1 -A1 match ctx.txt
@nobytes -m3 Program g3.txt
@nobytes -m1 -B2 eight ctx.txt
# ---- several files
'Free Software Foundation' g3.txt g2.txt lg.txt
@partial copyleft g3.txt ctx.txt g2.txt
@partial -C1 match ctx.txt g3.txt noeol.txt
@partial -i 'warranty' noeol.txt g2.txt g3.txt
# ---- not UTF-8: lines and a file name as {"bytes": base64}
caf "$(printf 'bad\377name.txt')"
-C1 plain "$(printf 'bad\377name.txt')"
'(?-u:caf.)' latin1.txt || 'caf.' latin1.txt
'(?-u:caf.)' "$(printf 'bad\377name.txt')" || 'caf.' "$(printf 'bad\377name.txt')"
# ---- decoded by both: gzip (rg -z), UTF-16 with a BOM
@layers='{"g3.txt.gz":[["file","gzip"],[]]}' -z copyleft g3.txt.gz || copyleft g3.txt.gz
@layers='{"g3.txt.gz":[["file","gzip"],[]]}' -z -C2 -i 'the gnu' g3.txt.gz || -C2 -i 'the gnu' g3.txt.gz
@layers='{"u16.txt":[["file","utf-16le"],[]]}' -C1 match u16.txt
@layers='{"u16.txt":[["file","utf-16le"],[]]}' 'h\S*llo' u16.txt
@layers='{"u16.txt.gz":[["file","gzip","utf-16le"],[]]}' -z match u16.txt.gz || match u16.txt.gz
@layers='{"g3.txt.gz":[["file","gzip"],[]],"u16.txt":[["file","utf-16le"],[]]}' -z 'match|copyleft' ctx.txt g3.txt.gz u16.txt || 'match|copyleft' ctx.txt g3.txt.gz u16.txt
EOF

# ---- archives: rg on the members, extracted, renamed -------------------------
# merge_parts OUT ARGS FILE=NAME...: OUT is what "rg --json ARGS" prints
# for each FILE (with -z for a .gz) in turn, as if FILE were named NAME.
merge_parts() {
    out=$1 args=$2
    shift 2
    i=0
    for spec; do
        i=$((i + 1))
        src=${spec%%=*}
        z=""
        case $src in *.gz) z=-z ;; esac
        eval "\"\$RG\" --json -j1 $z $args \"\$src\"" >"$T/part$i" 2>/dev/null
        set -- "$@" "$T/part$i=${spec#*=}"
    done
    shift "$i"
    python3 "$T/jcmp.py" merge "$out" "$@"
}

# z.zip's members, in order; none.txt has no match
ZIPM="x/a.txt=z.zip{a.txt} x/sub/b.txt=z.zip{sub/b.txt} x/c.txt.gz=z.zip{c.txt.gz} x/u16.txt=z.zip{u16.txt} x/none.txt=z.zip{none.txt}"
ZL='{"z.zip{a.txt}":[["file","zip"],["a.txt"]],"z.zip{sub/b.txt}":[["file","zip"],["sub/b.txt"]],"z.zip{c.txt.gz}":[["file","zip","gzip"],["c.txt.gz"]],"z.zip{u16.txt}":[["file","zip","utf-16le"],["u16.txt"]],"z.zip{none.txt}":[["file","zip"],["none.txt"]]}'
TL='{"t.tgz{a.txt}":[["file","gzip","tar"],["a.txt"]],"t.tgz{sub/b.txt}":[["file","gzip","tar"],["sub/b.txt"]],"t.tgz{none.txt}":[["file","gzip","tar"],["none.txt"]]}'
OL='{"outer.zip{inner.zip}{a.txt}":[["file","zip","zip"],["inner.zip","a.txt"]]}'

# acase FLAGS LAYERS ARGS ARCHIVES FILE=NAME...: srcgrep --json ARGS
# ARCHIVES against rg --json ARGS on each FILE, renamed NAME.  Members
# without a match make every archive case @partial.
acase() {
    aflags=$1 alayers=$2 args=$3 archives=$4
    shift 4
    merge_parts "$T/expected" "$args" "$@"
    if grep -q '"type":"match"' "$T/expected"; then expected_status=0; else expected_status=1; fi
    jcase "$args $archives" "partial $aflags" "$alayers" "" "$args $archives" "$T/expected"
}
# (ZIPM: one word a member)
# shellcheck disable=SC2086
acase "" "$ZL" "'match|copyleft'" z.zip $ZIPM
# shellcheck disable=SC2086
acase "" "$ZL" "-C1 -i MATCH" z.zip $ZIPM
# shellcheck disable=SC2086
acase nobytes "$ZL" "-v -m2 e" z.zip $ZIPM
# shellcheck disable=SC2086
acase "" "$ZL" "-C1 copyleft" "ctx.txt z.zip g2.txt" ctx.txt=ctx.txt $ZIPM g2.txt=g2.txt
acase "" "$TL" "-A1 'match|copyleft'" t.tgz \
    x/a.txt='t.tgz{a.txt}' x/sub/b.txt='t.tgz{sub/b.txt}' x/none.txt='t.tgz{none.txt}'
acase "" "$OL" match outer.zip x/a.txt='outer.zip{inner.zip}{a.txt}'

# A binary file (a NUL before its match): as rg, begin and end with the
# NUL's offset, and no line printed; the summary agrees with the messages.
printf 'abc\000def\nmatch here\n' >"$T/b.bin"
"$SRCGREP" --json match "$T/b.bin" >"$T/bin.json" 2>"$T/bin.err"
st=$?
why=$(python3 - "$T/bin.json" <<'PY'
import json, sys
msgs = [json.loads(l) for l in open(sys.argv[1])]
types = [m["type"] for m in msgs]
if types != ["begin", "end", "summary"]:
    print("types %s" % types); sys.exit()
end = msgs[1]["data"]
if end["binary_offset"] != 3:
    print("binary_offset %r" % end["binary_offset"]); sys.exit()
s = msgs[2]["data"]["stats"]
if s["matched_lines"] != end["stats"]["matched_lines"] or s["bytes_printed"] != end["stats"]["bytes_printed"]:
    print("summary %r against end %r" % (s, end["stats"]))
PY
)
if [ "$st" = 0 ] && [ -z "$why" ]; then pass json/binary; else fail json/binary "status $st; $why"; fi
exit 0
