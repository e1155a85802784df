#!/bin/sh
# Remakes the office documents of this folder and LibreOffice's own text of
# them (the oracle/ files that tests/cli/office.sh compares srccat with).
# Needs LibreOffice (soffice, headless), pdftotext (poppler-utils) and
# python3; `make check` needs none of them: what this writes is committed.
# README.md says what each file is.  Usage: sh tests/data/office/make.sh
set -eu
cd "$(dirname "$0")"
export LC_ALL=C.UTF-8 LANG=C.UTF-8
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
# A profile of its own, so that nothing a user set changes the output.
so() {
    soffice -env:UserInstallation="file://$tmp/profile" --headless "$@" >>"$tmp/log" 2>&1
}

# 1. The documents, from the hand-written flat ODF sources.
so --convert-to odt sample.fodt
so --convert-to docx sample.fodt
so --convert-to ods sample.fods
so --convert-to xlsx sample.fods
so --convert-to odp sample.fodp
so --convert-to pptx sample.fodp

rm -rf oracle
mkdir -p oracle/xlsx oracle/ods

# 2. Text documents: Writer's text export (UTF-8, LF).  It leaves out the
# header, the footer, the comments and the text of the notes (it keeps
# their numbers), so those come from Writer's HTML export of the same
# document.
for f in sample.docx sample.odt; do
    mkdir -p "$tmp/$f"
    so --convert-to 'txt:Text (encoded):UTF8,LF,,,' --outdir "$tmp/$f" "$f"
    mv "$tmp/$f/sample.txt" "oracle/$f.txt"
    so --convert-to html --outdir "$tmp/$f" "$f"
    python3 - "$tmp/$f/sample.html" "oracle/$f" <<'EOF'
# From Writer's HTML export: the paragraphs of <div title="header">,
# <div title="footer">, <div id="sdfootnoteN"> and <div id="sdendnoteN">
# (less the note's number, <a class="sdfootnotesym|sdendnotesym">), one a
# line, white space collapsed as HTML shows it; and the comments, which
# Writer writes as <!-- TEXT --> where they are anchored.  Into
# ORACLE.header.txt, .footer.txt, .footnotes.txt, .endnotes.txt and
# .comments.txt (only those that have a line).
import sys, re
from html.parser import HTMLParser
class P(HTMLParser):
    def __init__(s):
        super().__init__(convert_charrefs=True)
        s.part, s.depth, s.skip, s.cur, s.out = None, 0, 0, None, {}
    def add(s, part, text):
        s.out.setdefault(part, []).append(' '.join(text.split()))
    def handle_starttag(s, tag, attrs):
        a = dict(attrs)
        if tag == 'div':
            if s.part:
                s.depth += 1
            elif a.get('title') in ('header', 'footer'):
                s.part, s.depth = a['title'], 1
            elif re.fullmatch(r'sd(foot|end)note\d+', a.get('id') or ''):
                s.part, s.depth = a['id'][2:a['id'].index('note') + 4] + 's', 1
        elif s.part and tag == 'p':
            s.cur = ''
        elif s.part and tag == 'a' and a.get('class') in ('sdfootnotesym', 'sdendnotesym'):
            s.skip += 1
    def handle_endtag(s, tag):
        if tag == 'div' and s.part:
            s.depth -= 1
            if s.depth == 0:
                s.part = None
        elif tag == 'p' and s.cur is not None:
            s.add(s.part, s.cur)
            s.cur = None
        elif tag == 'a' and s.skip:
            s.skip -= 1
    def handle_data(s, d):
        if s.cur is not None and not s.skip:
            s.cur += d
    def handle_comment(s, d):
        s.add('comments', d)
p = P()
p.feed(open(sys.argv[1], encoding='utf-8').read())
for part, lines in p.out.items():
    with open(sys.argv[2] + '.' + part + '.txt', 'w', encoding='utf-8') as f:
        f.write(''.join(l + '\n' for l in lines))
EOF
done

# 3. Spreadsheets: Calc's CSV export of every sheet (token 12, -1: one file
# per sheet, named sample-SHEETNAME.csv), TAB-separated, '"' quoting,
# UTF-8 (76).
for f in sample.xlsx sample.ods; do
    so --convert-to 'csv:Text - txt - csv (StarCalc):9,34,76,1,,0,false,true,false,false,false,-1' \
        --outdir "oracle/${f#sample.}" "$f"
done

# 4. Presentations: Impress has no text export, so a PDF with the notes
# pages (slides 1-3, then one notes page per slide) read by pdftotext.
# A notes page also shows a picture of its slide at the top, with the
# slide's text; only the lower part of the page, where the notes frame
# is (sample.fodp puts it 15 cm down; the slide pictures end above
# 13.4 cm = 380 pt), is read for the notes.  Pages end in a form feed.
for f in sample.pptx sample.odp; do
    mkdir -p "$tmp/$f"
    so --convert-to 'pdf:impress_pdf_Export:{"ExportNotesPages":{"type":"boolean","value":"true"}}' \
        --outdir "$tmp/$f" "$f"
    pdftotext -enc UTF-8 -f 1 -l 3 "$tmp/$f/sample.pdf" "oracle/$f.slides.txt"
    pdftotext -enc UTF-8 -f 4 -l 6 -x 0 -y 390 -W 600 -H 452 "$tmp/$f/sample.pdf" \
        "oracle/$f.notes.txt"
done

for f in sample.docx sample.odt sample.xlsx sample.ods sample.pptx sample.odp; do
    n=$(wc -c <"$f")
    if [ "$n" -ge 30720 ]; then
        echo "make.sh: $f is $n bytes, more than 30 KiB" >&2
        exit 1
    fi
done
echo "made: sample.docx sample.odt sample.xlsx sample.ods sample.pptx sample.odp"
find oracle -type f | sort
