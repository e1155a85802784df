#!/bin/sh
# Archives and documents: srcgrep against ugrep -z (which searches zip
# members, and the XML of documents as it is) and unzip -p | grep, on
# the same files in the same run.  The inputs are made from
# bench/data/text.txt: a zip of 2000 text files of 25 KB, a .tar.gz of
# the same files, a docx of its first 20 MB as paragraphs and an xlsx of
# 200000 rows.  Medians of RUNS runs, ratios to srcgrep's median; counts
# first.  Output to a pipe.
# Usage: sh bench/archives.sh BUILD_DIR
set -eu
B=${1:-build}
top=$(cd "$(dirname "$0")/.." && pwd)
SRCGREP=$top/$B/srcgrep
D=$top/bench/data
F=$D/text.txt
RUNS=${RUNS:-7}
PAT=${BENCH_ARCHIVE_PAT:-Copyright}
export LC_ALL=${BENCH_LOCALE:-C.UTF-8}
sh "$top/bench/mkdata.sh"
A=$D/arch
if [ ! -s "$A/many.zip" ] || [ "$F" -nt "$A/many.zip" ]; then
    rm -rf "$A"
    mkdir -p "$A/many"
    head -c 50000000 "$F" | split -b 25000 -d -a 4 - "$A/many/part-"
    (cd "$A" && zip -q -r many.zip many && tar czf many.tar.gz many)
    python3 - "$F" "$A" <<'PY'
import sys, zipfile
from xml.sax.saxutils import escape
src, out = sys.argv[1], sys.argv[2]
text = open(src, 'rb').read(20000000).decode('utf-8', 'replace').replace('\x00', '')
lines = [l for l in text.split('\n') if l.strip()]
W = 'xmlns:w="http://schemas.openxmlformats.org/wordprocessingml/2006/main"'
CT = '<?xml version="1.0"?><Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types"/>'
clean = lambda s: ''.join(c for c in s if c >= ' ' or c == '\t')
body = ''.join('<w:p><w:r><w:t xml:space="preserve">%s</w:t></w:r></w:p>' % escape(clean(l)) for l in lines)
with zipfile.ZipFile(out + '/big.docx', 'w', zipfile.ZIP_DEFLATED) as z:
    z.writestr('[Content_Types].xml', CT)
    z.writestr('word/document.xml', '<?xml version="1.0"?><w:document %s><w:body>%s</w:body></w:document>' % (W, body))
S = 'xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main" xmlns:r="http://schemas.openxmlformats.org/officeDocument/2006/relationships"'
rows = []
for i, l in enumerate(lines[:200000]):
    words = clean(l).split()[:3] + ['', '', '']
    rows.append('<row r="%d"><c r="A%d" t="inlineStr"><is><t>%s</t></is></c><c r="B%d"><v>%d</v></c><c r="C%d" t="inlineStr"><is><t>%s</t></is></c></row>'
                % (i + 1, i + 1, escape(words[0]), i + 1, i, i + 1, escape(' '.join(words[1:3]))))
with zipfile.ZipFile(out + '/big.xlsx', 'w', zipfile.ZIP_DEFLATED) as z:
    z.writestr('[Content_Types].xml', CT)
    z.writestr('xl/workbook.xml', '<workbook %s><sheets><sheet name="Data" sheetId="1" r:id="rId1"/></sheets></workbook>' % S)
    z.writestr('xl/_rels/workbook.xml.rels', '<Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships"><Relationship Id="rId1" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/worksheet" Target="worksheets/sheet1.xml"/></Relationships>')
    z.writestr('xl/worksheets/sheet1.xml', '<worksheet %s><sheetData>%s</sheetData></worksheet>' % (S, ''.join(rows)))
PY
fi
. "$top/bench/lib.sh"

echo "archives made from $F, pattern '$PAT' with -c, $(nproc) cores, median of $RUNS runs"
for f in many.zip many.tar.gz big.docx big.xlsx; do
    p=$A/$f
    cat "$p" > /dev/null
    # counts: srcgrep per member; ugrep -z per member too
    c1=$("$SRCGREP" -c "$PAT" "$p" | awk -F: '{s += $NF} END {print s}')
    c2=$(ugrep -z -c "$PAT" "$p" 2>/dev/null | awk -F: '{s += $NF} END {print s}')
    echo "matching lines in $f: srcgrep $c1, ugrep -z $c2 (ugrep searches document XML as it is)"
    base=
    case $f in
    *.zip|*.docx|*.xlsx)
        bench "$(stat -c %s "$p") bytes $f" pipe "$SRCGREP -c $PAT $p" "ugrep -z -c $PAT $p" \
            "sh -c 'unzip -p $p | grep -c $PAT'" ;;
    *)
        bench "$(stat -c %s "$p") bytes $f" pipe "$SRCGREP -c $PAT $p" "ugrep -z -c $PAT $p" \
            "sh -c 'tar xzOf $p | grep -c $PAT'" ;;
    esac
done
