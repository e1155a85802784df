#!/bin/sh
# zip archives, made by the real tools: Info-ZIP's zip (-r, -0 stored, -9,
# "zip -" writing to a pipe, which puts a data descriptor after each
# member, "zip - -" reading its member from standard input, -P for an
# encrypted member) and python3's zipfile (stored, deflate, bzip2, lzma,
# force_zip64), from the texts of corpus/good.
#
# 1. Each archive against "unzip -p ARCHIVE MEMBER | grep -P OPTS PAT"
#    (python3's zipfile where unzip has no decoder: lzma), the output of
#    each member named ARCHIVE{MEMBER}: the members are extracted to files
#    of exactly those names, which GNU grep is run over in the archive's
#    order.  Same stdout, stderr and exit status for -n, -c, -l, -L, -o,
#    -b, -h, -i, -v -c, from the file (central directory mode, mapped and
#    with --mmap and --no-mmap) and from standard input and a pipe (the
#    local headers in order).  srccat writes "==> NAME <==" and the bytes
#    of each member; srccat --list and --layers.
# 2. Nesting: a zip in a zip in a tar.gz, a .gz in a zip, UTF-16 files
#    with a BOM in a zip, a zip nested 50 deep (the --max-layers message,
#    status 2, no crash), member names with {, }, \, a tab and a newline.
# 3. Damaged and hostile archives, each between two good files whose
#    output must stay: truncated (in a member, in the central directory),
#    the central directory past the end, lying sizes and CRCs, deflate
#    data cut short, overlapping members, an encrypted member beside plain
#    ones (from a file and on standard input), --zip-max-entries, the
#    decoded-bytes budget on a stored member, an empty archive.
#
# Messages are compared exactly.
#
# The pipes are shell commands in single quotes, run with the archive as
# $1: hence no expansion there.
# shellcheck disable=SC2016
. "${TESTS:-$(dirname "$0")/..}/lib.sh"

for tool in zip unzip python3 gzip tar iconv grep; do
    if ! command -v "$tool" >/dev/null 2>&1; then
        fail zip "$tool is missing (tools/deps.sh check installs zip and unzip)"
        exit 0
    fi
done
if ! grep --version 2>/dev/null | grep -q 'GNU grep'; then
    fail zip "no GNU grep to compare with"
    exit 0
fi
if ! python3 -c 'import zipfile, bz2, lzma' 2>/dev/null; then
    fail zip "python3 cannot import zipfile, bz2 and lzma"
    exit 0
fi

W=$T/w
R=$T/ref
mkdir -p "$W" "$R"
cd "$W" || exit 1
: >"$T/empty"
E=$T/empty
CORPUS=$TOP/corpus/good

# ---- helpers -----------------------------------------------------------------

# same NAME STATUS OUT ERR CMD...: runs CMD with stdin from ${STDIN:-/dev/null};
# its stdout must equal the file OUT, its stderr the file ERR and its exit
# status STATUS.
same() {
    name=$1 want=$2 wout=$3 werr=$4
    shift 4
    "$@" <"${STDIN:-/dev/null}" >"$T/.out" 2>"$T/.err"
    got=$?
    why=""
    [ "$got" = "$want" ] || why="exit status $got, expected $want"
    cmp -s "$wout" "$T/.out" || why="${why:+$why; }$(describe_diff stdout "$wout" "$T/.out")"
    cmp -s "$werr" "$T/.err" || why="${why:+$why; }$(describe_diff stderr "$werr" "$T/.err")"
    if [ -z "$why" ]; then
        pass "$name"
    else
        cmd=$(shquote "$@")
        [ -z "${STDIN:-}" ] || cmd="$cmd <$STDIN"
        fail "$name" "$why; command, in $W (KEEP_TMP=1 keeps it): $cmd"
    fi
}

# The python3 side: listing, extracting and making archives.
cat >"$T/z.py" <<'EOF'
import sys, os, io, struct, zipfile, zlib

def members(path):
    with zipfile.ZipFile(path) as z:
        return [i for i in z.infolist() if not i.filename.endswith('/')]

cmd = sys.argv[1]
if cmd == 'list':            # list ARCHIVE: member names, one a line
    for i in members(sys.argv[2]):
        print(i.filename)
elif cmd == 'extract':       # extract ARCHIVE PREFIX LIST: PREFIX{NAME} files
    with zipfile.ZipFile(sys.argv[2]) as z, open(sys.argv[4], 'a') as lst:
        for i in members(sys.argv[2]):
            out = sys.argv[3] + '{' + i.filename + '}'
            os.makedirs(os.path.dirname(out) or '.', exist_ok=True)
            with open(out, 'wb') as f:
                f.write(z.read(i))
            lst.write(out + '\n')
elif cmd == 'make':          # make OUT METHOD ZIP64 SEEKABLE FILE...: members named as the files
    out, method, z64, seekable = sys.argv[2], int(sys.argv[3]), sys.argv[4] == '1', sys.argv[5] == '1'
    class W(io.RawIOBase):
        def __init__(s): s.b = bytearray()
        def writable(s): return True
        def write(s, x): s.b += x; return len(x)
    buf = io.BytesIO() if seekable else W()
    with zipfile.ZipFile(buf, 'w', method) as z:
        for f in sys.argv[6:]:
            with z.open(f, 'w', force_zip64=z64) as m, open(f, 'rb') as src:
                m.write(src.read())
    with open(out, 'wb') as f:
        f.write(buf.getvalue() if seekable else bytes(buf.b))
elif cmd == 'names':         # names OUT: members with awkward names
    with zipfile.ZipFile(sys.argv[2], 'w', zipfile.ZIP_DEFLATED) as z:
        z.writestr('we{ir}d.txt', 'alpha in braces\n')
        z.writestr('new\nline.txt', 'alpha after a newline\nbeta\n')
        z.writestr('back\\slash.txt', 'beta\nalpha, backslash\n')
        z.writestr('tab\tname.txt', 'alpha\ttab\n')
elif cmd == 'empty':
    zipfile.ZipFile(sys.argv[2], 'w').close()
elif cmd == 'patch':         # patch IN OUT HOW: damage IN in one way
    d = bytearray(open(sys.argv[2], 'rb').read())
    how = sys.argv[4]
    end = d.rfind(b'PK\x05\x06')
    cdoff = struct.unpack_from('<I', d, end + 16)[0]
    cds = []
    at = cdoff
    while d[at:at + 4] == b'PK\x01\x02':
        cds.append(at)
        n, x, c = struct.unpack_from('<HHH', d, at + 28)
        at += 46 + n + x + c
    locs = [struct.unpack_from('<I', d, c + 42)[0] for c in cds]
    if how == 'cdpast':      # the end record places the directory past the end
        struct.pack_into('<I', d, end + 16, len(d) + 1000)
    elif how == 'overlap':   # entry 2 points at entry 1's local header
        struct.pack_into('<I', d, cds[1] + 42, locs[0])
    elif how.startswith('crc'):     # crc:N: a wrong CRC for member N (local and central)
        k = int(how[4:])
        for o in (locs[k] + 14, cds[k] + 16):
            struct.pack_into('<I', d, o, struct.unpack_from('<I', d, o)[0] ^ 0xFF)
    elif how.startswith('usize'):   # usize:N: one byte more in member N's size
        k = int(how[6:])
        for o in (locs[k] + 22, cds[k] + 24):
            struct.pack_into('<I', d, o, struct.unpack_from('<I', d, o)[0] + 1)
    elif how.startswith('csize'):   # csize:N: member N's deflate data ends 4 bytes early
        k = int(how[6:])
        for o in (locs[k] + 18, cds[k] + 20):
            struct.pack_into('<I', d, o, struct.unpack_from('<I', d, o)[0] - 4)
    elif how == 'cutcd':     # the file ends inside the central directory
        d = d[:cdoff + 20]
    elif how.startswith('cut:'):    # cut:N:K: the file ends K bytes into member N's data
        k, extra = int(how.split(':')[1]), int(how.split(':')[2])
        n, x = struct.unpack_from('<HH', d, locs[k] + 26)
        d = d[:locs[k] + 30 + n + x + extra]
    open(sys.argv[3], 'wb').write(d)
elif cmd == 'offset':        # offset ARCHIVE N: where member N's data starts
    d = open(sys.argv[2], 'rb').read()
    z = zipfile.ZipFile(sys.argv[2])
    i = members(sys.argv[2])[int(sys.argv[3])]
    n, x = struct.unpack_from('<HH', d, i.header_offset + 26)
    print(i.header_offset + 30 + n + x)
EOF
py() {
    python3 "$T/z.py" "$@"
}

# refs ARCHIVE LABEL LIST: each member of ARCHIVE (not directories), by
# unzip -p (python3 where unzip cannot: "REFX=py"), into $R/LABEL{MEMBER};
# those paths, relative to $R, appended to the file LIST in the archive's
# order.
refs() {
    if [ "${REFX:-unzip}" = py ]; then
        (cd "$R" && py extract "$W/$1" "$2" "$3")
        return
    fi
    unzip -Z1 "$1" | grep -v '/$' >"$T/names"
    while IFS= read -r rx_m; do
        mkdir -p "$R/$(dirname "$2{$rx_m}")"
        unzip -p "$1" "$rx_m" >"$R/$2{$rx_m}"
        printf '%s\n' "$2{$rx_m}" >>"$3"
    done <"$T/names"
}

# ref LIST OPT...: GNU grep -P OPT... over the files listed in LIST (in
# $R) into $T/ref.out and $T/ref.err ("grep:" read as "srcgrep:"), its
# status in $rs.
ref() {
    rf_l=$1
    shift
    while IFS= read -r rf_m; do
        set -- "$@" "$rf_m"
    done <"$rf_l"
    (cd "$R" && grep -P "$@") >"$T/ref.out" 2>"$T/ref.err"
    rs=$?
    sed -i 's/^grep:/srcgrep:/' "$T/ref.err"
}

# cat_ref LIST: what srccat writes for the members listed: a header and
# the bytes of each; a header is a line of its own, after a member that
# ends without a newline too.
cat_ref() {
    cr_mid=0
    while IFS= read -r cr_m; do
        [ "$cr_mid" = 0 ] || printf '\n'
        printf '==> %s <==\n' "$cr_m"
        cat "$R/$cr_m"
        cr_mid=0
        if [ -s "$R/$cr_m" ] && [ -n "$(tail -c 1 "$R/$cr_m")" ]; then
            cr_mid=1
        fi
    done <"$1"
}

# layers_ref LIST CHAIN: srccat --layers for those members.
layers_ref() {
    while IFS= read -r lr_m; do
        printf '%s: %s\n' "$lr_m" "$2"
    done <"$1"
}

# names_ref LIST: srccat --list for those members.
names_ref() {
    cat "$1"
}

PATS='error
^[A-Z][a-z]+ 
a.b
no such text here'
OPTS='-n -c -l -L -o -b -h -i -v_-c'

# grid NAME LIST CMD...: every pattern and option, CMD followed by the
# options, the pattern and nothing else (the archive comes from CMD or
# from ${STDIN}).
grid() {
    gname=$1 glist=$2
    shift 2
    printf '%s\n' "$PATS" >"$T/pats"
    while IFS= read -r p; do
        for o in "" $OPTS; do
            o=$(echo "$o" | tr _ ' ')
            case " $o " in
            *" -h "*) h= ;;
            *) h=-H ;;
            esac
            # shellcheck disable=SC2086
            ref "$glist" $h $o -e "$p"
            # shellcheck disable=SC2086
            same "$gname: srcgrep $o -e '$p'" "$rs" "$T/ref.out" "$T/ref.err" "$@" $o -e "$p"
        done
    done <"$T/pats"
}

# check ARCHIVE CHAIN [nostdin]: the grid from the file and from standard
# input; --mmap, --no-mmap, a pipe; srccat, --list and --layers (CHAIN is
# what --layers prints after "file > zip", as " > gzip", usually "").
check() {
    a=$1 chain=$2
    n="zip/$a"
    rm -rf "$R"
    mkdir -p "$R"
    : >"$T/list"
    : >"$T/list.in"
    refs "$a" "$a" "$T/list"
    refs "$a" "(standard input)" "$T/list.in"
    if [ ! -s "$T/list" ]; then
        fail "$n/reference" "no members extracted from $a"
        return
    fi
    grid "$n" "$T/list" "$SRCGREP" "$a"
    for mm in --mmap --no-mmap; do
        ref "$T/list" -H -n -e 'a.b'
        same "$n: srcgrep $mm -n a.b" "$rs" "$T/ref.out" "$T/ref.err" "$SRCGREP" "$mm" -n -e 'a.b' "$a"
    done
    cat_ref "$T/list" >"$T/cat.ref"
    same "$n: srccat" 0 "$T/cat.ref" "$E" "$SRCCAT" "$a"
    names_ref "$T/list" >"$T/list.ref"
    same "$n: srccat --list" 0 "$T/list.ref" "$E" "$SRCCAT" --list "$a"
    layers_ref "$T/list" "file > zip$chain" >"$T/layers.ref"
    same "$n: srccat --layers" 0 "$T/layers.ref" "$E" "$SRCCAT" --layers "$a"
    [ "${3:-}" = nostdin ] && return
    STDIN=$a grid "$n <stdin" "$T/list.in" "$SRCGREP"
    ref "$T/list.in" -H -c -e 'a.b'
    same "$n: cat | srcgrep -c a.b" "$rs" "$T/ref.out" "$T/ref.err" \
        sh -c 'cat "$1" | "$2" -c -e a.b' sh "$a" "$SRCGREP"
    cat_ref "$T/list.in" >"$T/cat.ref"
    same "$n: cat | srccat" 0 "$T/cat.ref" "$E" sh -c 'cat "$1" | "$2"' sh "$a" "$SRCCAT"
    names_ref "$T/list.in" >"$T/list.ref"
    STDIN=$a same "$n: srccat --list <stdin" 0 "$T/list.ref" "$E" "$SRCCAT" --list
    layers_ref "$T/list.in" "fd > zip$chain" >"$T/layers.ref"
    STDIN=$a same "$n: srccat --layers <stdin" 0 "$T/layers.ref" "$E" "$SRCCAT" --layers
}

# ---- the texts -------------------------------------------------------------------

mkdir -p d/sub/deeper
cp "$CORPUS/syslog.log" "$CORPUS/inventory.csv" "$CORPUS/notes-no-eol.txt" "$CORPUS/utf8.txt" \
    "$CORPUS/kunden-latin1.csv" d/
cp "$CORPUS/ringbuf.c" "$CORPUS/crlf.ini" d/sub/
# a member larger than a window, in several
if [ "$SANITIZED" = 1 ]; then lines=4000; else lines=40000; fi
awk -v n=$lines 'BEGIN { for (i = 0; i < n; i++)
    printf "%06d %s line of the big member, a%cb %s\n", i, (i % 97 ? "plain" : "Error"),
        65 + i % 26, (i % 1000 == 7 ? "error" : "ok") }' >d/sub/deeper/big.txt
for f in d/syslog.log d/sub/deeper/big.txt; do
    [ -s "$f" ] || {
        fail zip/generate "$f is empty"
        exit 0
    }
done

# ---- 1. archives by Info-ZIP and python3, against grep ------------------------------

zip -qr r.zip d
zip -qr0 s.zip d
zip -qr9 n9.zip d
# to a pipe: every file member gets a data descriptor
zip -qr - d | cat >p.zip
# the member read from standard input: "-", zip64 extra field, descriptor
cat d/syslog.log d/sub/ringbuf.c | zip -q - - | cat >si.zip
if python3 - p.zip si.zip <<'EOF'
import sys, zipfile
for a in sys.argv[1:]:
    with zipfile.ZipFile(a) as z:
        if not all(i.flag_bits & 8 for i in z.infolist() if not i.filename.endswith('/')):
            sys.exit(1)
EOF
then
    pass "zip/generate: zip - writes data descriptors"
else
    fail "zip/generate: zip - writes data descriptors" "p.zip or si.zip has a member without one"
fi

check r.zip ""
check s.zip ""
check n9.zip ""
check p.zip ""
check si.zip ""

(cd d && find . -type f | sed 's|^\./||' | sort) >"$T/files"
# shellcheck disable=SC2046
(cd d && py make ../py-stored.zip 0 0 1 $(cat "$T/files") &&
    py make ../py-deflate.zip 8 0 1 $(cat "$T/files") &&
    py make ../py-bzip2.zip 12 0 1 $(cat "$T/files") &&
    py make ../py-lzma.zip 14 0 1 $(cat "$T/files") &&
    py make ../py-zip64.zip 8 1 1 $(cat "$T/files") &&
    py make ../py-lzma64.zip 14 1 1 $(cat "$T/files") &&
    py make ../py-desc.zip 8 1 0 $(cat "$T/files"))
check py-stored.zip ""
check py-deflate.zip ""
check py-bzip2.zip ""
REFX=py
check py-lzma.zip ""
REFX=unzip
check py-zip64.zip ""
REFX=py
check py-lzma64.zip ""
REFX=unzip
check py-desc.zip ""

# several archives and a plain file on one command line
cp d/inventory.csv plain.csv
rm -rf "$R"
mkdir -p "$R"
: >"$T/list"
refs r.zip r.zip "$T/list"
cp plain.csv "$R/plain.csv"
echo plain.csv >>"$T/list"
REFX=py
refs py-lzma.zip py-lzma.zip "$T/list"
REFX=unzip
ref "$T/list" -n -e 'a.b'
same "zip/several files: srcgrep -n a.b r.zip plain.csv py-lzma.zip" "$rs" "$T/ref.out" \
    "$T/ref.err" "$SRCGREP" -n -e 'a.b' r.zip plain.csv py-lzma.zip
ref "$T/list" -c -e 'error'
same "zip/several files: srcgrep -c error" "$rs" "$T/ref.out" "$T/ref.err" \
    "$SRCGREP" -c -e 'error' r.zip plain.csv py-lzma.zip
# -r finds archives in a tree and searches their members
mkdir -p tree/x
cp r.zip tree/x/
cp plain.csv tree/
rm -rf "$R"
mkdir -p "$R"
: >"$T/list"
cp plain.csv "$R/plain.csv"
mkdir -p "$R/tree/x"
cp plain.csv "$R/tree/plain.csv"
echo tree/plain.csv >>"$T/list"
refs r.zip tree/x/r.zip "$T/list"
ref "$T/list" -n -e 'Error'
same "zip/-r: srcgrep -r -n Error tree" "$rs" "$T/ref.out" "$T/ref.err" "$SRCGREP" -r -n -e Error tree

# ---- 2. nesting ---------------------------------------------------------------------

# a zip in a zip in a tar.gz
mkdir -p nest
(cd d && zip -qr ../nest/inner.zip . -x 'sub/*')
printf 'other alpha a-b line\n' >nest/other.txt
printf 'readme: a=b\nno error\n' >nest/readme.txt
(cd nest && zip -q mid.zip inner.zip other.txt && tar czf ../nest.tgz mid.zip readme.txt)
rm -rf "$R"
mkdir -p "$R"
: >"$T/list"
: >"$T/list.in"
for pre in nest.tgz "(standard input)"; do
    lst=$T/list
    [ "$pre" = nest.tgz ] || lst=$T/list.in
    refs nest/inner.zip "$pre{mid.zip}{inner.zip}" "$lst"
    cp nest/other.txt "$R/$pre{mid.zip}{other.txt}"
    printf '%s\n' "$pre{mid.zip}{other.txt}" >>"$lst"
    cp nest/readme.txt "$R/$pre{readme.txt}"
    printf '%s\n' "$pre{readme.txt}" >>"$lst"
done
for o in -n -c -l -o_-b; do
    o=$(echo "$o" | tr _ ' ')
    # shellcheck disable=SC2086
    ref "$T/list" -H $o -e 'a.b'
    # shellcheck disable=SC2086
    same "zip/nest.tgz: srcgrep $o a.b" "$rs" "$T/ref.out" "$T/ref.err" "$SRCGREP" $o -e 'a.b' nest.tgz
    # shellcheck disable=SC2086
    ref "$T/list.in" -H $o -e 'a.b'
    # shellcheck disable=SC2086
    STDIN=nest.tgz same "zip/nest.tgz <stdin: srcgrep $o a.b" "$rs" "$T/ref.out" "$T/ref.err" \
        "$SRCGREP" $o -e 'a.b'
done
cat_ref "$T/list" >"$T/cat.ref"
same "zip/nest.tgz: srccat" 0 "$T/cat.ref" "$E" "$SRCCAT" nest.tgz
names_ref "$T/list" >"$T/list.ref"
same "zip/nest.tgz: srccat --list" 0 "$T/list.ref" "$E" "$SRCCAT" --list nest.tgz
{
    sed -e '/{other.txt}$/d' -e '/{readme.txt}$/d' "$T/list" | sed 's/$/: file > gzip > tar > zip > zip/'
    echo "nest.tgz{mid.zip}{other.txt}: file > gzip > tar > zip"
    echo "nest.tgz{readme.txt}: file > gzip > tar"
} >"$T/layers.ref"
same "zip/nest.tgz: srccat --layers" 0 "$T/layers.ref" "$E" "$SRCCAT" --layers nest.tgz

# a .gz in a zip, and a zip of the zip (the inner one read as a stream)
gzip -c d/syslog.log >s.log.gz
zip -q gz.zip s.log.gz plain.csv
zip -q gzz.zip gz.zip
rm -rf "$R"
mkdir -p "$R"
gzip -dc s.log.gz >"$R/gz.zip{s.log.gz}"
cp plain.csv "$R/gz.zip{plain.csv}"
printf '%s\n' "gz.zip{s.log.gz}" "gz.zip{plain.csv}" >"$T/list"
mkdir -p "$R/gzz.zip{gz.zip}"
gzip -dc s.log.gz >"$R/gzz.zip{gz.zip}{s.log.gz}"
cp plain.csv "$R/gzz.zip{gz.zip}{plain.csv}"
printf '%s\n' "gzz.zip{gz.zip}{s.log.gz}" "gzz.zip{gz.zip}{plain.csv}" >"$T/list2"
for o in -n -c -L -b_-o; do
    o=$(echo "$o" | tr _ ' ')
    # shellcheck disable=SC2086
    ref "$T/list" -H $o -e 'Failed|a.b'
    # shellcheck disable=SC2086
    same "zip/gz.zip: srcgrep $o" "$rs" "$T/ref.out" "$T/ref.err" "$SRCGREP" $o -e 'Failed|a.b' gz.zip
    # shellcheck disable=SC2086
    ref "$T/list2" -H $o -e 'Failed|a.b'
    # shellcheck disable=SC2086
    same "zip/gzz.zip: srcgrep $o" "$rs" "$T/ref.out" "$T/ref.err" "$SRCGREP" $o -e 'Failed|a.b' gzz.zip
done
printf '%s\n' "gz.zip{s.log.gz}: file > zip > gzip" "gz.zip{plain.csv}: file > zip" >"$T/layers.ref"
same "zip/gz.zip: srccat --layers" 0 "$T/layers.ref" "$E" "$SRCCAT" --layers gz.zip
printf '%s\n' "gzz.zip{gz.zip}{s.log.gz}: file > zip > zip > gzip" \
    "gzz.zip{gz.zip}{plain.csv}: file > zip > zip" >"$T/layers.ref"
same "zip/gzz.zip: srccat --layers" 0 "$T/layers.ref" "$E" "$SRCCAT" --layers gzz.zip
cat_ref "$T/list2" >"$T/cat.ref"
same "zip/gzz.zip: srccat" 0 "$T/cat.ref" "$E" "$SRCCAT" gzz.zip

# UTF-16 with a BOM in a zip: converted to UTF-8, line numbers and -b of
# the UTF-8 text
iconv -f UTF-8 -t UTF-16 d/utf8.txt >u16.txt
cp "$CORPUS/events-utf16.csv" events.csv
zip -q u16.zip u16.txt events.csv plain.csv
rm -rf "$R"
mkdir -p "$R"
iconv -f UTF-16 -t UTF-8 u16.txt >"$R/u16.zip{u16.txt}"
iconv -f UTF-16 -t UTF-8 events.csv >"$R/u16.zip{events.csv}"
cp plain.csv "$R/u16.zip{plain.csv}"
printf '%s\n' "u16.zip{u16.txt}" "u16.zip{events.csv}" "u16.zip{plain.csv}" >"$T/list"
for o in -n -c -b -o_-b; do
    o=$(echo "$o" | tr _ ' ')
    for p in 'a.b' '[0-9]+:[0-9]+'; do
        # shellcheck disable=SC2086
        ref "$T/list" -H $o -e "$p"
        # shellcheck disable=SC2086
        same "zip/u16.zip: srcgrep $o '$p'" "$rs" "$T/ref.out" "$T/ref.err" "$SRCGREP" $o -e "$p" u16.zip
    done
done
cat_ref "$T/list" >"$T/cat.ref"
same "zip/u16.zip: srccat" 0 "$T/cat.ref" "$E" "$SRCCAT" u16.zip
printf '%s\n' "u16.zip{u16.txt}: file > zip > utf-16le" "u16.zip{events.csv}: file > zip > utf-16le" \
    "u16.zip{plain.csv}: file > zip" >"$T/layers.ref"
same "zip/u16.zip: srccat --layers" 0 "$T/layers.ref" "$E" "$SRCCAT" --layers u16.zip

# a zip nested 50 deep: the --max-layers message, once, status 2
mkdir -p deep
(
    cd deep || exit 1
    echo "deep alpha" >l0
    i=1
    while [ $i -le 50 ]; do
        if [ $((i % 2)) = 0 ]; then zip -q0 "l$i.zip" "l$((i - 1))"*; else zip -q "l$i.zip" "l$((i - 1))"*; fi
        i=$((i + 1))
    done
)
cp deep/l50.zip deep50.zip
cp deep/l8.zip deep8.zip
cp deep/l9.zip deep9.zip
chain=""
i=49
while [ $i -ge 42 ]; do
    chain="$chain{l$i.zip}"
    i=$((i - 1))
done
printf 'srcgrep: deep50.zip%s: more than 8 nested layers (zip inside zip) (see --max-layers)\n' \
    "$chain" >"$T/want.err"
same "zip/nested 50 deep: srcgrep" 2 "$E" "$T/want.err" "$SRCGREP" alpha deep50.zip
sed 's/^srcgrep/srccat/' "$T/want.err" >"$T/want2.err"
same "zip/nested 50 deep: srccat" 2 "$E" "$T/want2.err" "$SRCCAT" deep50.zip
sed 's/deep50\.zip/(standard input)/' "$T/want.err" >"$T/want3.err"
STDIN=deep50.zip same "zip/nested 50 deep: srcgrep <stdin" 2 "$E" "$T/want3.err" "$SRCGREP" alpha
printf 'deep8.zip{l7.zip}{l6.zip}{l5.zip}{l4.zip}{l3.zip}{l2.zip}{l1.zip}{l0}:deep alpha\n' >"$T/want.out"
same "zip/nested 8 deep: found" 0 "$T/want.out" "$E" "$SRCGREP" alpha deep8.zip
printf 'srcgrep: deep9.zip{l8.zip}{l7.zip}{l6.zip}{l5.zip}{l4.zip}{l3.zip}{l2.zip}{l1.zip}: more than 8 nested layers (zip inside zip) (see --max-layers)\n' >"$T/want.err"
same "zip/nested 9 deep: the limit" 2 "$E" "$T/want.err" "$SRCGREP" alpha deep9.zip
printf 'deep9.zip{l8.zip}{l7.zip}{l6.zip}{l5.zip}{l4.zip}{l3.zip}{l2.zip}{l1.zip}{l0}:deep alpha\n' >"$T/want.out"
same "zip/nested 9 deep, --max-layers=9" 0 "$T/want.out" "$E" "$SRCGREP" --max-layers=9 alpha deep9.zip
chain=""
i=49
while [ $i -ge 36 ]; do
    chain="$chain{l$i.zip}"
    i=$((i - 1))
done
printf 'srcgrep: deep50.zip%s: more than 14 nested layers (zip inside zip) (see --max-layers)\n' \
    "$chain" >"$T/want.err"
same "zip/nested 50 deep, --max-layers=14" 2 "$E" "$T/want.err" "$SRCGREP" --max-layers=14 alpha deep50.zip

# member names with {, }, \, a tab and a newline: escaped, one line each
py names names.zip
printf '%s\n' 'names.zip{we\{ir\}d.txt}:1:alpha in braces' \
    'names.zip{new\x0Aline.txt}:1:alpha after a newline' \
    'names.zip{back\\slash.txt}:2:alpha, backslash' \
    "names.zip{tab\\x09name.txt}:1:alpha	tab" >"$T/want.out"
same "zip/names: srcgrep -n" 0 "$T/want.out" "$E" "$SRCGREP" -n alpha names.zip
sed 's/^names\.zip/(standard input)/' "$T/want.out" >"$T/want2.out"
STDIN=names.zip same "zip/names: srcgrep -n <stdin" 0 "$T/want2.out" "$E" "$SRCGREP" -n alpha
printf '%s\n' 'names.zip{we\{ir\}d.txt}' 'names.zip{new\x0Aline.txt}' 'names.zip{back\\slash.txt}' \
    'names.zip{tab\x09name.txt}' >"$T/want.out"
same "zip/names: srccat --list" 0 "$T/want.out" "$E" "$SRCCAT" --list names.zip
same "zip/names: srcgrep -l" 0 "$T/want.out" "$E" "$SRCGREP" -l alpha names.zip
printf '%s\n' 'names.zip{we\{ir\}d.txt}:1' 'names.zip{new\x0Aline.txt}:1' \
    'names.zip{back\\slash.txt}:1' 'names.zip{tab\x09name.txt}:1' >"$T/want.out"
same "zip/names: srcgrep -c" 0 "$T/want.out" "$E" "$SRCGREP" -c alpha names.zip

# ---- 3. damaged and hostile archives ---------------------------------------------------

printf 'before alpha\n' >before.txt
printf 'after alpha\n' >after.txt
BEFORE='before.txt:before alpha'
AFTER='after.txt:after alpha'

# between NAME STATUS OUTFILE ERRLINE ARCHIVE [OPT...]: srcgrep OPT... ${PAT:-alpha}
# before.txt ARCHIVE after.txt: the lines of before.txt, then OUTFILE, then
# after.txt's, status STATUS, and ERRLINE ("" for none) as the only message.
between() {
    bn=$1 bs=$2 bo=$3 be=$4 ba=$5
    shift 5
    { printf '%s\n' "$BEFORE"; cat "$bo"; printf '%s\n' "$AFTER"; } >"$T/b.out"
    if [ -n "$be" ]; then printf '%s\n' "$be" >"$T/b.err"; else : >"$T/b.err"; fi
    same "zip/$bn" "$bs" "$T/b.out" "$T/b.err" "$SRCGREP" "$@" -e "${PAT:-alpha}" before.txt "$ba" after.txt
}

# The base for the damage: three stored members of known content.
printf 'alpha one\nline two\n' >m1.txt
awk 'BEGIN { for (i = 0; i < 500; i++) printf "m2 line %d%s\n", i, (i % 100 == 5 ? " alpha" : "") }' >m2.txt
printf 'alpha three\n' >m3.txt
zip -q0 base0.zip m1.txt m2.txt m3.txt
zip -q base8.zip m1.txt m2.txt m3.txt
all3() {
    printf '%s\n' "$1{m1.txt}:alpha one"
    grep alpha m2.txt | sed "s/^/$1{m2.txt}:/"
    printf '%s\n' "$1{m3.txt}:alpha three"
}

# truncated inside the central directory: every member, then the message
py patch base0.zip cutcd.zip cutcd
all3 cutcd.zip >"$T/o"
between "truncated in the central directory" 2 "$T/o" \
    "srcgrep: cutcd.zip: zip: no central directory (end record not found); members were read from their local headers" cutcd.zip
# truncated inside m2's data: m1, the whole lines of m2 before the cut,
# one message
py patch base0.zip cutm2.zip cut:1:3000
{
    printf '%s\n' "cutm2.zip{m1.txt}:alpha one"
    head -c 3000 m2.txt | sed '$d' | grep alpha | sed 's/^/cutm2.zip{m2.txt}:/'
} >"$T/o"
between "truncated in a member" 2 "$T/o" "srcgrep: cutm2.zip{m2.txt}: zip: unexpected end of archive" cutm2.zip
sed 's/cutm2\.zip/(standard input)/' "$T/o" >"$T/o2"
printf 'srcgrep: (standard input){m2.txt}: zip: unexpected end of archive\n' >"$T/b.err2"
STDIN=cutm2.zip same "zip/truncated in a member <stdin" 2 "$T/o2" "$T/b.err2" "$SRCGREP" alpha
# the central directory past the end of the file
py patch base8.zip cdpast.zip cdpast
all3 cdpast.zip >"$T/o"
between "central directory past the end" 2 "$T/o" \
    "srcgrep: cdpast.zip: zip: central directory past the end of the file; members were read from their local headers" cdpast.zip
# ... which a stream never reads
all3 "(standard input)" >"$T/o"
STDIN=cdpast.zip same "zip/central directory past the end <stdin" 0 "$T/o" "$E" "$SRCGREP" alpha
# lying CRC and size: the member is searched, then reported
py patch base8.zip crc.zip crc:1
crc=$(python3 -c 'import zlib; print("%08x" % zlib.crc32(open("m2.txt","rb").read()))')
bad=$(python3 -c 'import sys; print("%08x" % (int(sys.argv[1], 16) ^ 0xFF))' "$crc")
all3 crc.zip >"$T/o"
between "lying CRC" 2 "$T/o" "srcgrep: crc.zip{m2.txt}: zip: CRC mismatch (stored $bad, computed $crc)" crc.zip
all3 "(standard input)" >"$T/o.in"
printf 'srcgrep: (standard input){m2.txt}: zip: CRC mismatch (stored %s, computed %s)\n' "$bad" "$crc" >"$T/e.in"
STDIN=crc.zip same "zip/lying CRC <stdin" 2 "$T/o.in" "$T/e.in" "$SRCGREP" alpha
py patch base0.zip usize.zip usize:0
size=$(wc -c <m1.txt)
all3 usize.zip >"$T/o"
between "lying size" 2 "$T/o" "srcgrep: usize.zip{m1.txt}: zip: size mismatch (stored $((size + 1)), decoded $size)" usize.zip
# deflate data cut short by a lying compressed size: the archive is whole,
# the member's data is what ends early
py patch base8.zip csize.zip csize:1
{
    printf '%s\n' "csize.zip{m1.txt}:alpha one"
    printf '%s\n' "csize.zip{m3.txt}:alpha three"
} >"$T/o"
PAT='alpha [ot]|after|before' between "lying compressed size" 2 "$T/o" \
    "srcgrep: csize.zip{m2.txt}: zip: unexpected end of deflate data" csize.zip
# in a stream the member's size is all there is to find the next header
# by: the walk ends there (m3 is not searched), with the member's message
printf '%s\n' "(standard input){m1.txt}:alpha one" >"$T/o.in"
printf 'srcgrep: (standard input){m2.txt}: zip: unexpected end of deflate data\n' >"$T/e.in"
STDIN=csize.zip same "zip/lying compressed size <stdin" 2 "$T/o.in" "$T/e.in" "$SRCGREP" -e 'alpha [ot]'
# deflate data followed by bytes the compressed size counts: reported as
# for the other methods, and the next member is read
python3 - base8.zip trail.zip 1 <<'PYEOF'
import sys, struct
d = bytearray(open(sys.argv[1], 'rb').read())
k = int(sys.argv[3])
end = d.rfind(b'PK\x05\x06')
cdoff = struct.unpack_from('<I', d, end + 16)[0]
cds, c = [], cdoff
while d[c:c + 4] == b'PK\x01\x02':
    cds.append(c)
    nn, xx, cc = struct.unpack_from('<HHH', d, c + 28)
    c += 46 + nn + xx + cc
loc = struct.unpack_from('<I', d, cds[k] + 42)[0]
n, x = struct.unpack_from('<HH', d, loc + 26)
cs = struct.unpack_from('<I', d, loc + 18)[0]
at = loc + 30 + n + x + cs    # after member k's data: 5 bytes more, counted in its size
struct.pack_into('<I', d, loc + 18, cs + 5)
struct.pack_into('<I', d, cds[k] + 20, cs + 5)
for c in cds[k + 1:]:
    struct.pack_into('<I', d, c + 42, struct.unpack_from('<I', d, c + 42)[0] + 5)
struct.pack_into('<I', d, end + 16, cdoff + 5)
d[at:at] = b'XXXXX'
open(sys.argv[2], 'wb').write(d)
PYEOF
all3 trail.zip >"$T/o"
between "deflate data with bytes after it" 2 "$T/o" \
    "srcgrep: trail.zip{m2.txt}: zip: 5 bytes of data after the end of the compressed stream" trail.zip
all3 "(standard input)" >"$T/o.in"
printf 'srcgrep: (standard input){m2.txt}: zip: 5 bytes of data after the end of the compressed stream\n' >"$T/e.in"
STDIN=trail.zip same "zip/deflate data with bytes after it <stdin" 2 "$T/o.in" "$T/e.in" "$SRCGREP" alpha
# overlapping members: refused, nothing searched
py patch base8.zip overlap.zip overlap
between "overlapping members" 2 "$E" "srcgrep: overlap.zip: zip: members m1.txt and m2.txt overlap (a zip bomb?)" overlap.zip
# more entries than --zip-max-entries
all3 base8.zip >"$T/o"
between "--zip-max-entries=3" 0 "$T/o" "" base8.zip --zip-max-entries=3
between "--zip-max-entries=2" 2 "$E" "srcgrep: base8.zip: zip: 3 entries, more than 2 (see --zip-max-entries)" base8.zip --zip-max-entries=2
between "--zip-max-entries=0" 0 "$T/o" "" base8.zip --zip-max-entries=0
# an encrypted member beside plain ones (zip -P flags it with a data
# descriptor, sizes in the local header too)
cp m1.txt secret.txt
zip -q -P pw enc.zip secret.txt
zip -q enc.zip m2.txt m3.txt
{
    grep alpha m2.txt | sed 's/^/enc.zip{m2.txt}:/'
    printf '%s\n' "enc.zip{m3.txt}:alpha three"
} >"$T/o"
between "encrypted member" 2 "$T/o" "srcgrep: enc.zip{secret.txt}: zip: encrypted member, not searched" enc.zip
sed 's/enc\.zip/(standard input)/' "$T/o" >"$T/o.in"
printf 'srcgrep: (standard input){secret.txt}: zip: encrypted member, not searched\n' >"$T/e.in"
STDIN=enc.zip same "zip/encrypted member <stdin" 2 "$T/o.in" "$T/e.in" "$SRCGREP" alpha
printf '%s\n' 'enc.zip{secret.txt}' 'enc.zip{m2.txt}' 'enc.zip{m3.txt}' >"$T/o"
same "zip/encrypted member: srccat --list" 0 "$T/o" "$E" "$SRCCAT" --list enc.zip
{
    printf '==> enc.zip{secret.txt} <==\n==> enc.zip{m2.txt} <==\n'
    cat m2.txt
    printf '==> enc.zip{m3.txt} <==\n'
    cat m3.txt
} >"$T/o"
printf 'srccat: enc.zip{secret.txt}: zip: encrypted member, not searched\n' >"$T/e"
same "zip/encrypted member: srccat" 2 "$T/o" "$T/e" "$SRCCAT" enc.zip
# a stored member with a descriptor in a stream (zip -r - of a tree with
# an empty file): it ends at the descriptor that matches it, and the rest
# of the archive is searched
mkdir -p em
: >em/empty.txt
printf 'alpha em\n' >em/z.txt
(cd em && zip -q - empty.txt z.txt | cat >../em.zip)
printf 'em.zip{z.txt}:alpha em\n' >"$T/o"
same "zip/zip - with an empty file" 0 "$T/o" "$E" "$SRCGREP" alpha em.zip
printf '(standard input){z.txt}:alpha em\n' >"$T/o"
STDIN=em.zip same "zip/zip - with an empty file <stdin" 0 "$T/o" "$E" "$SRCGREP" alpha
# a member with a data descriptor and a wrong CRC, larger than a window,
# that -l stops reading at its first line: in a stream the rest is read to
# find the next member, which must be searched as it is from the file
python3 - <<'PYEOF'
import io, zipfile
class W(io.RawIOBase):
    def __init__(s): s.b = bytearray()
    def writable(s): return True
    def write(s, x): s.b += x; return len(x)
w = W()
with zipfile.ZipFile(w, 'w', zipfile.ZIP_DEFLATED) as z:
    z.writestr('a.txt', 'alpha first\n' + ''.join('filler line %d\n' % i for i in range(100000)))
    z.writestr('b.txt', 'alpha second\n')
d = bytearray(w.b)
i = d.find(b'PK\x07\x08')
d[i + 4] ^= 0xFF            # a.txt's descriptor
c = d.find(b'PK\x01\x02')
d[c + 16] ^= 0xFF           # and its central entry
open('desccrc.zip', 'wb').write(bytes(d))
PYEOF
printf '%s\n' 'desccrc.zip{a.txt}' 'desccrc.zip{b.txt}' >"$T/o"
same "zip/-l stops in a member with a bad CRC" 0 "$T/o" "$E" "$SRCGREP" -l alpha desccrc.zip
printf '%s\n' '(standard input){a.txt}' '(standard input){b.txt}' >"$T/o"
STDIN=desccrc.zip same "zip/-l stops in a member with a bad CRC <stdin" 0 "$T/o" "$E" "$SRCGREP" -l alpha
# a zip member whose own CRC is wrong and that is a zip: its members are
# whole and are searched, then the outer member's damage is reported once
python3 - <<'PYEOF'
import io, zipfile, zlib
b = io.BytesIO()
with zipfile.ZipFile(b, 'w', zipfile.ZIP_DEFLATED) as z:
    z.writestr('a.txt', 'alpha inner\n')
inner = b.getvalue()
with zipfile.ZipFile('outercrc.zip', 'w', zipfile.ZIP_STORED) as z:
    z.writestr('inner.zip', inner)
    z.writestr('x.txt', 'alpha outer\n')
d = bytearray(open('outercrc.zip', 'rb').read())
d[14] ^= 0xFF               # inner.zip's CRC, in its local header
e = d.rfind(b'PK\x05\x06')
c = int.from_bytes(d[e + 16:e + 20], 'little')
d[c + 16] ^= 0xFF           # and in its central entry (the outer directory's first)
open('outercrc.zip', 'wb').write(d)
crc = zlib.crc32(inner)
print('%08x %08x' % (crc ^ 0xFF, crc), file=open('outercrc.crc', 'w'))
PYEOF
read -r stored computed <outercrc.crc
printf '%s\n' 'outercrc.zip{inner.zip}{a.txt}:alpha inner' 'outercrc.zip{x.txt}:alpha outer' >"$T/o"
printf 'srcgrep: outercrc.zip{inner.zip}: zip: CRC mismatch (stored %s, computed %s)\n' "$stored" "$computed" >"$T/e"
same "zip/a zip member with a bad CRC holding a zip" 2 "$T/o" "$T/e" "$SRCGREP" alpha outercrc.zip
sed 's/outercrc\.zip/(standard input)/' "$T/o" >"$T/o.in"
sed 's/outercrc\.zip/(standard input)/' "$T/e" >"$T/e.in"
STDIN=outercrc.zip same "zip/a zip member with a bad CRC holding a zip <stdin" 2 "$T/o.in" "$T/e.in" "$SRCGREP" alpha
# an lzma member whose header asks for a 4 GiB dictionary: held to
# --xz-memlimit as xz is (the message names the option), the next member
# searched
python3 - <<'PYEOF'
import struct, zlib
def archive(members):
    out, cd = b'', b''
    for name, method, comp, data in members:
        crc = zlib.crc32(data)
        h = struct.pack('<IHHHHHIIIHH', 0x04034b50, 63, 0, method, 0, 0x21, crc, len(comp),
                        len(data), len(name), 0) + name
        off = len(out)
        out += h + comp
        cd += struct.pack('<IHHHHHHIIIHHHHHII', 0x02014b50, 63, 63, 0, method, 0, 0x21, crc,
                          len(comp), len(data), len(name), 0, 0, 0, 0, 0, off) + name
    return out + cd + struct.pack('<IHHHHIIH', 0x06054b50, 0, 0, len(members), len(members),
                                  len(cd), len(out), 0)
bomb = bytes([0x10, 0x02, 0x05, 0x00, 0x5D, 0xFF, 0xFF, 0xFF, 0xFF]) + bytes(16)
z = zlib.compressobj(6, zlib.DEFLATED, -15)
ok = z.compress(b'alpha after\n') + z.flush()
open('lzbomb.zip', 'wb').write(archive([(b'bomb.txt', 14, bomb, b'alpha\n'),
                                        (b'next.txt', 8, ok, b'alpha after\n')]))
PYEOF
"$SRCGREP" --xz-memlimit=64M alpha lzbomb.zip >"$T/lz.out" 2>"$T/lz.err"
st=$?
if [ $st = 2 ] && [ "$(cat "$T/lz.out")" = 'lzbomb.zip{next.txt}:alpha after' ] &&
    [ "$(wc -l <"$T/lz.err")" = 1 ] &&
    grep -q '^srcgrep: lzbomb\.zip{bomb\.txt}: .*(see --xz-memlimit)$' "$T/lz.err"; then
    pass "zip/lzma dictionary over --xz-memlimit"
else
    fail "zip/lzma dictionary over --xz-memlimit" "status $st, stdout \"$(head -c 200 "$T/lz.out")\", stderr \"$(head -c 300 "$T/lz.err")\"; command: $SRCGREP --xz-memlimit=64M alpha lzbomb.zip in $W"
fi
# an empty archive: no member, no message
py empty empty.zip
between "empty archive" 0 "$E" "" empty.zip
STDIN=empty.zip same "zip/empty archive <stdin" 1 "$E" "$E" "$SRCGREP" alpha
same "zip/empty archive: srccat --list" 0 "$E" "$E" "$SRCCAT" --list empty.zip
# the decoded-bytes budget: stored members decode 1:1, far under any ratio
if [ "$SANITIZED" = 1 ]; then n=60000; else n=120000; fi
awk -v n=$n 'BEGIN { for (i = 0; i < n; i++) printf "%07d flat text %d\n", i, i * 7 }' >flat.txt
zip -q0 flat.zip flat.txt
printf 'flat.zip{flat.txt}:%s\n' "$(grep -c 7 flat.txt)" >"$T/o"
same "zip/stored member over --decode-limit" 0 "$T/o" "$E" "$SRCGREP" -c --decode-limit=1M --decode-ratio=4 7 flat.zip
same "zip/stored member over --decode-limit, --no-mmap" 0 "$T/o" "$E" "$SRCGREP" -c --no-mmap --decode-limit=1M --decode-ratio=4 7 flat.zip
sed 's/^flat\.zip/(standard input)/' "$T/o" >"$T/o.in"
STDIN=flat.zip same "zip/stored member over --decode-limit <stdin" 0 "$T/o.in" "$E" "$SRCGREP" -c --decode-limit=1M --decode-ratio=4 7
# ... while one that decodes far past the ratio is stopped
awk 'BEGIN { for (i = 0; i < 100000; i++) print "the same line again and again" }' >same.txt
zip -q9 bomb.zip same.txt
"$SRCGREP" -c --decode-limit=1M --decode-ratio=4 same bomb.zip >"$T/bomb.out" 2>"$T/bomb.err"
st=$?
if [ $st = 2 ] && grep -q '^srcgrep: bomb\.zip{same\.txt}: zip: decoded .* more than 4:1 (a decompression bomb?) (see --decode-limit and --decode-ratio)$' "$T/bomb.err" &&
    [ "$(wc -l <"$T/bomb.err")" = 1 ]; then
    pass "zip/deflate member past --decode-ratio"
else
    fail "zip/deflate member past --decode-ratio" "status $st, stderr: $(head -c 300 "$T/bomb.err")"
fi
