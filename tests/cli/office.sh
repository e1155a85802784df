#!/bin/sh
# Office documents made by LibreOffice, against LibreOffice's own text of
# them.  tests/data/office/ holds sample.docx, .odt, .xlsx, .ods, .pptx and
# .odp, converted by soffice from the hand-written flat ODF sources there,
# and oracle/: what LibreOffice itself exports as text (Writer's text and
# HTML export, Calc's CSV export of each sheet, Impress's PDF export read
# by pdftotext).  make.sh there remade them all; README.md says how.
# LibreOffice is not needed here: the files are committed.
#
# 1. srccat's text of each member against the oracle, after the
#    normalisations below, each with the reason it is needed: where
#    LibreOffice's export and our documented rules (transforms/xmltext.h)
#    differ by design.  Everything else must be byte for byte the same:
#    words split across formatting runs come out whole, entities decoded,
#    tabs kept, one line per paragraph or row, row N on line N.
# 2. Member names (--list) and chains (--layers).
# 3. srcgrep: -n gives the row number of a sheet, -c per member, -l names
#    FILE{MEMBER}, -w on a word split across runs, documents inside a
#    tar.gz and a zip in a zip, from standard input and a pipe, --raw
#    (the zip's bytes: no text of the deflated XML).
#
# Commands for sh -c are in single quotes, with their arguments as $1...:
# hence no expansion there.
# shellcheck disable=SC2016
. "${TESTS:-$(dirname "$0")/..}/lib.sh"

for tool in python3 tar gzip zip awk sed cmp; do
    if ! command -v "$tool" >/dev/null 2>&1; then
        fail office "$tool is missing (tools/deps.sh check installs zip)"
        exit 0
    fi
done

D=$TESTS/data/office
O=$D/oracle
W=$T/w
mkdir -p "$W" "$T/m" "$T/x"
cd "$W" || exit 1
for f in docx odt xlsx ods pptx odp; do
    cp "$D/sample.$f" . || {
        fail office "tests/data/office/sample.$f is missing"
        exit 0
    }
done
E=$T/empty
: >"$E"
TAB=$(printf '\t')

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

# members FILE: srccat FILE, split into one file per member: $T/m/1, 2...
# in order, their names (what is between the braces of FILE{NAME}) one a
# line in $T/m/names.  srccat's status and stderr must be 0 and empty.
members() {
    rm -f "$T"/m/*
    "$SRCCAT" "$1" >"$T/cat.out" 2>"$T/cat.err"
    st=$?
    if [ "$st" != 0 ] || [ -s "$T/cat.err" ]; then
        fail "office/$1: srccat" "exit status $st, stderr: $(head -c 200 "$T/cat.err")"
    fi
    awk -v dir="$T/m" -v file="$1" '
        BEGIN { n = 0; head = "==> " file "{"; out = "" }
        index($0, head) == 1 && substr($0, length($0) - 4) == "} <==" {
            n++
            out = dir "/" n
            printf "" >out
            print substr($0, length(head) + 1, length($0) - length(head) - 5) >(dir "/names")
            next
        }
        out == "" { print "text before the first member: " $0 >"/dev/stderr"; next }
        { print >out }
    ' "$T/cat.out"
    [ -f "$T/m/names" ] || : >"$T/m/names"
}

# member_is NAME FILE MEMBER EXPECTED [FILTER]: the text of FILE{MEMBER}
# (split by members before), through the sed script FILTER if given, must
# be the file EXPECTED.
member_is() {
    k=$(awk -v m="$3" '$0 == m { print NR; exit }' "$T/m/names")
    if [ -z "$k" ]; then
        fail "$1" "no member $2{$3} in srccat's output (members: $(tr '\n' '|' <"$T/m/names"))"
        return
    fi
    if [ -n "${5:-}" ]; then
        sed "$5" "$T/m/$k" >"$T/member"
    else
        cp "$T/m/$k" "$T/member"
    fi
    if d=$(describe_diff "$2{$3}" "$4" "$T/member"); then
        pass "$1"
    else
        fail "$1" "$d (expected: $4, KEEP_TMP=1 keeps it)"
    fi
}

# csv2tab CSV OUT: LibreOffice's CSV (TAB-separated, '"' quoting with ""
# inside, a quoted field may hold TAB and newlines) as our documented
# sheet text: fields unquoted, a TAB, CR or LF inside a cell made a space
# (so that a line is always a row), the trailing empty fields of a row
# dropped (LibreOffice pads every row to the width of the used area; we
# write nothing after a row's last non-empty cell, so an empty row is an
# empty line).
csv2tab() {
    python3 - "$1" "$2" <<'EOF'
import csv, sys
with open(sys.argv[1], newline='', encoding='utf-8') as f, \
        open(sys.argv[2], 'w', newline='', encoding='utf-8') as out:
    for row in csv.reader(f, delimiter='\t', quotechar='"'):
        row = [c.replace('\t', ' ').replace('\r', ' ').replace('\n', ' ') for c in row]
        while row and row[-1] == '':
            row.pop()
        out.write('\t'.join(row) + '\n')
EOF
}

# page N FILE OUT: page N of pdftotext's output (pages end in a form
# feed), without its empty lines (pdftotext puts one between text frames
# and at the end of each page; neither is a paragraph of the document).
page() {
    awk -v n="$1" 'BEGIN { RS = "\f" } NR == n { printf "%s", $0 }' "$2" | sed '/^$/d' >"$3"
}

# ---- 1. text against LibreOffice's export ------------------------------------

# Writer's text export, made comparable:
#  - it starts with a UTF-8 byte order mark: dropped;
#  - it writes a note's citation where the note is anchored ("1" for the
#    footnote, "i" for the endnote); the citation is not text by our rules
#    (docx: <w:footnoteReference/>, odt: <text:note-citation>): dropped at
#    exactly those two places, so any other difference still shows.
# (sed's -e with a BOM in it: the bytes EF BB BF.)
BOM=$(printf '\357\273\277')
writer_txt() {
    sed -e "1s/^$BOM//" -e 's/“you”\.1 The rest/“you”. The rest/' -e 's/^END OF PREAMBLEi$/END OF PREAMBLE/' "$1"
}

# docx: word/document.xml against the text export.  LibreOffice reads the
# docx's heading as a numbered outline level with an empty number, and
# its text export writes that number as seven spaces before "Preamble"
# (the odt's heading has none; the HTML export shows it as <ol><li>):
# those spaces are dropped from line 1.
writer_txt "$O/sample.docx.txt" | sed '1s/^       Preamble$/Preamble/' >"$T/x/docx.txt"
if ! grep -q 'copyleft' "$T/x/docx.txt"; then
    fail "office/oracle" "tests/data/office/oracle/sample.docx.txt has no copyleft: bad oracle"
fi
members sample.docx
member_is "office/sample.docx{word/document.xml}: srccat = LibreOffice's text" sample.docx \
    word/document.xml "$T/x/docx.txt"
# The parts Writer's text export leaves out, from its HTML export: the
# header, the footer, the footnote, the endnote, the comment.  Each is a
# member named by its part (xmltext.h: docx headers, footers, footnotes,
# endnotes and comments, each by its part name).
member_is "office/sample.docx{word/header1.xml}: srccat = LibreOffice's header" sample.docx \
    word/header1.xml "$O/sample.docx.header.txt"
member_is "office/sample.docx{word/footer1.xml}: srccat = LibreOffice's footer" sample.docx \
    word/footer1.xml "$O/sample.docx.footer.txt"
member_is "office/sample.docx{word/footnotes.xml}: srccat = LibreOffice's footnote" sample.docx \
    word/footnotes.xml "$O/sample.docx.footnotes.txt"
member_is "office/sample.docx{word/endnotes.xml}: srccat = LibreOffice's endnote" sample.docx \
    word/endnotes.xml "$O/sample.docx.endnotes.txt"
member_is "office/sample.docx{word/comments.xml}: srccat = LibreOffice's comment" sample.docx \
    word/comments.xml "$O/sample.docx.comments.txt"
printf '%s\n' word/document.xml word/header1.xml word/footer1.xml word/footnotes.xml \
    word/endnotes.xml word/comments.xml >"$T/want"
same "office/sample.docx: the members, in order" 0 "$T/want" "$E" cat "$T/m/names"

# odt: content.xml against the text export.  By our rules a note's and a
# comment's paragraphs are lines of their own after the line of the
# paragraph that holds them; the text export has none of them, so they
# are put in from the HTML export, after the lines of the paragraphs
# they are anchored in (as sample.fodt has them: the comment in the
# Apache paragraph, the footnote in "Each licensee ...", the endnote in
# "END OF PREAMBLE").  The odt's header and footer are in styles.xml,
# which is not searched (the odt's member is content.xml alone): the
# oracle's sample.odt.header.txt and .footer.txt are not compared.
writer_txt "$O/sample.odt.txt" >"$T/x/odt.0"
awk -v c="$O/sample.odt.comments.txt" -v fn="$O/sample.odt.footnotes.txt" \
    -v en="$O/sample.odt.endnotes.txt" '
    function add(f,  l) { while ((getline l <f) > 0) print l; close(f) }
    { print }
    /^Licensed under the Apache License/ { add(c) }
    /^Each licensee is addressed as/ { add(fn) }
    /^END OF PREAMBLE$/ { add(en) }
' "$T/x/odt.0" >"$T/x/odt.txt"
members sample.odt
member_is "office/sample.odt{content.xml}: srccat = LibreOffice's text, notes and comment" \
    sample.odt content.xml "$T/x/odt.txt"
printf '%s\n' content.xml >"$T/want"
same "office/sample.odt: the members" 0 "$T/want" "$E" cat "$T/m/names"

# xlsx and ods: each sheet against Calc's CSV export of it (one file per
# sheet, named sample-SHEET.csv: the sheet's name is the member's name),
# through csv2tab.  The xlsx stores a date as its serial number and our
# rule for xlsx is "numbers as written, dates not formatted", while the
# CSV shows it formatted: the one date, 2024-01-15, is day 45306 counted
# from 1899-12-30 as Excel counts (the ods shows the cell's text,
# formatted, as the CSV does).
for kind in xlsx ods; do
    members sample.$kind
    : >"$T/want"
    for csv in "$O/$kind"/sample-*.csv; do
        sheet=${csv##*/sample-}
        sheet=${sheet%.csv}
        csv2tab "$csv" "$T/x/$kind-$sheet.txt"
        filter=
        [ "$kind" = xlsx ] && filter="s/${TAB}2024-01-15\$/${TAB}45306/"
        if [ "$kind" = xlsx ] && [ "$sheet" = "Budget 2024" ] &&
            ! grep -q "${TAB}2024-01-15\$" "$T/x/$kind-$sheet.txt"; then
            fail "office/oracle" "the date 2024-01-15 is not in $csv"
        fi
        if [ -n "$filter" ]; then
            sed "$filter" "$T/x/$kind-$sheet.txt" >"$T/x/$kind-$sheet.2"
            mv "$T/x/$kind-$sheet.2" "$T/x/$kind-$sheet.txt"
        fi
        member_is "office/sample.$kind{$sheet}: srccat = LibreOffice's CSV" sample.$kind "$sheet" \
            "$T/x/$kind-$sheet.txt"
    done
    # the sheets in the workbook's order (the CSV files' names say which
    # sheets there are, not their order)
    printf '%s\n' "Budget 2024" "Résumé" >"$T/want"
    same "office/sample.$kind: the sheets, in order" 0 "$T/want" "$E" cat "$T/m/names"
done

# pptx and odp: each slide against page N of the PDF export, each notes
# member against notes page N (the lower part of the page, below the
# picture of the slide).  pdftotext writes the gap of a TAB as a space, so
# our TABs are made spaces here (and checked as TABs with srcgrep below);
# empty lines are dropped on both sides (pdftotext writes one between text
# frames).  The pptx has a notes slide only where the slide has notes
# (notes2); LibreOffice writes notes into every page of the odp, empty on
# pages 1 and 3, and each is a member NAME/notes.
for kind in pptx odp; do
    members sample.$kind
    if [ "$kind" = pptx ]; then
        set -- slide1 slide2 slide3
    else
        set -- "Introduction" "Four freedoms" "Merci à tous"
    fi
    n=0
    : >"$T/want"
    for s in "$@"; do
        n=$((n + 1))
        if [ "$kind" = pptx ]; then nm=notes$n; else nm="$s/notes"; fi
        page $n "$O/sample.$kind.slides.txt" "$T/x/$kind-slide$n"
        page $n "$O/sample.$kind.notes.txt" "$T/x/$kind-notes$n"
        if [ ! -s "$T/x/$kind-slide$n" ]; then
            fail "office/oracle" "page $n of oracle/sample.$kind.slides.txt is empty"
        fi
        member_is "office/sample.$kind{$s}: srccat = LibreOffice's PDF" sample.$kind "$s" \
            "$T/x/$kind-slide$n" "s/$TAB/ /g; /^\$/d"
        echo "$s" >>"$T/want"
        if [ -s "$T/x/$kind-notes$n" ] || [ "$kind" = odp ]; then
            member_is "office/sample.$kind{$nm}: srccat = LibreOffice's notes page" sample.$kind \
                "$nm" "$T/x/$kind-notes$n" "s/$TAB/ /g; /^\$/d"
            echo "$nm" >>"$T/want"
        fi
    done
    same "office/sample.$kind: the members, in order" 0 "$T/want" "$E" cat "$T/m/names"
done

# ---- 2. --list and --layers --------------------------------------------------

printf '%s\n' "sample.pptx{slide1}" "sample.pptx{slide2}" "sample.pptx{notes2}" \
    "sample.pptx{slide3}" >"$T/want"
same "office: srccat --list sample.pptx" 0 "$T/want" "$E" "$SRCCAT" --list sample.pptx
printf '%s\n' "sample.odp{Introduction}" "sample.odp{Introduction/notes}" \
    "sample.odp{Four freedoms}" "sample.odp{Four freedoms/notes}" \
    "sample.odp{Merci à tous}" "sample.odp{Merci à tous/notes}" >"$T/want"
same "office: srccat --list sample.odp" 0 "$T/want" "$E" "$SRCCAT" --list sample.odp
printf '%s\n' "sample.xlsx{Budget 2024}" "sample.xlsx{Résumé}" >"$T/want"
same "office: srccat --list sample.xlsx" 0 "$T/want" "$E" "$SRCCAT" --list sample.xlsx

for m in word/document.xml word/header1.xml word/footer1.xml word/footnotes.xml \
    word/endnotes.xml word/comments.xml; do
    echo "sample.docx{$m}: file > docx"
done >"$T/want"
same "office: srccat --layers sample.docx" 0 "$T/want" "$E" "$SRCCAT" --layers sample.docx
printf '%s\n' "sample.odt{content.xml}: file > odt" >"$T/want"
same "office: srccat --layers sample.odt" 0 "$T/want" "$E" "$SRCCAT" --layers sample.odt
printf '%s\n' "sample.xlsx{Budget 2024}: file > xlsx" "sample.xlsx{Résumé}: file > xlsx" \
    "sample.ods{Budget 2024}: file > ods" "sample.ods{Résumé}: file > ods" >"$T/want"
same "office: srccat --layers sample.xlsx sample.ods" 0 "$T/want" "$E" \
    "$SRCCAT" --layers sample.xlsx sample.ods
printf '%s\n' "sample.pptx{slide1}: file > pptx" "sample.pptx{slide2}: file > pptx" \
    "sample.pptx{notes2}: file > pptx" "sample.pptx{slide3}: file > pptx" >"$T/want"
same "office: srccat --layers sample.pptx" 0 "$T/want" "$E" "$SRCCAT" --layers sample.pptx
printf '%s\n' "(standard input){Introduction}: fd > odp" \
    "(standard input){Introduction/notes}: fd > odp" \
    "(standard input){Four freedoms}: fd > odp" "(standard input){Four freedoms/notes}: fd > odp" \
    "(standard input){Merci à tous}: fd > odp" "(standard input){Merci à tous/notes}: fd > odp" \
    >"$T/want"
STDIN=sample.odp same "office: srccat --layers <sample.odp" 0 "$T/want" "$E" "$SRCCAT" --layers

# ---- 3. srcgrep --------------------------------------------------------------

# -n in a sheet is the row number: row 4 is empty (in the xlsx it is not
# there at all), rows 9 to 11 too
for kind in xlsx ods; do
    printf 'sample.%s{Budget 2024}:7:\t\tthird column only\n' $kind >"$T/want"
    same "office: srcgrep -n, row 7 of sample.$kind" 0 "$T/want" "$E" \
        "$SRCGREP" -H -n 'third column' sample.$kind
    printf 'sample.%s{Budget 2024}:12:Amounts in EUR, rounded to 0.5\n' $kind >"$T/want"
    same "office: srcgrep -n, row 12 of sample.$kind" 0 "$T/want" "$E" \
        "$SRCGREP" -n '^Amounts' sample.$kind
done
# cells joined by one TAB each, the empty ones in the middle kept, a
# formula's cached value (not its formula)
printf 'sample.xlsx{Budget 2024}:6:Licences & fees\t\t\t\tcopyleft, free software\n' >"$T/want"
same "office: srcgrep, empty cells in the middle of a row" 0 "$T/want" "$E" \
    "$SRCGREP" -n "^Licences & fees$TAB$TAB$TAB${TAB}copyleft" sample.xlsx
printf 'sample.ods{Budget 2024}:5:Sum\t2000\t1350.5\t3350.5\n' >"$T/want"
same "office: srcgrep, the cached values of formulas" 0 "$T/want" "$E" \
    "$SRCGREP" -n "^Sum${TAB}2000${TAB}1350\\.5${TAB}3350\\.5\$" sample.ods
: >"$T/want"
same "office: srcgrep, no formula text" 1 "$T/want" "$E" "$SRCGREP" -F 'SUM(' sample.xlsx sample.ods

# -c: one count per member, 0 included; the shared string used three times
printf '%s\n' "sample.xlsx{Budget 2024}:3" "sample.xlsx{Résumé}:0" \
    "sample.ods{Budget 2024}:3" "sample.ods{Résumé}:0" >"$T/want"
same "office: srcgrep -c per sheet" 0 "$T/want" "$E" "$SRCGREP" -c 'Licences & fees' sample.xlsx sample.ods
printf '%s\n' "sample.pptx{slide1}:0" "sample.pptx{slide2}:1" "sample.pptx{notes2}:0" \
    "sample.pptx{slide3}:0" >"$T/want"
same "office: srcgrep -c per slide" 0 "$T/want" "$E" "$SRCGREP" -c 'freedoms' sample.pptx

# -l: FILE{MEMBER}; "copyleft" is written copy<b>left</b> in each document
printf '%s\n' "sample.docx{word/document.xml}" "sample.odt{content.xml}" \
    "sample.xlsx{Budget 2024}" "sample.ods{Budget 2024}" "sample.pptx{notes2}" \
    "sample.odp{Four freedoms/notes}" >"$T/want"
same "office: srcgrep -l" 0 "$T/want" "$E" "$SRCGREP" -l copyleft sample.docx sample.odt \
    sample.xlsx sample.ods sample.pptx sample.odp
printf '%s\n' "sample.pptx{slide1}" "sample.pptx{notes2}" "sample.pptx{slide3}" >"$T/want"
same "office: srcgrep -L" 0 "$T/want" "$E" "$SRCGREP" -L 'four free' sample.pptx

# a word split across formatting runs is one word: copy<b>left</b>,
# soft<b>war</b>e, <i>free</i><b>dom</b>, free<b>dom</b>s; its pieces are
# not words (but "free" is one elsewhere)
for kind in docx odt; do
    printf '%s\n' copyleft software software freedom >"$T/want"
    same "office: srcgrep -w -o, words split across runs, sample.$kind" 0 "$T/want" "$E" \
        "$SRCGREP" -h -o -w 'copyleft|software|freedom' sample.$kind
    : >"$T/want"
    same "office: srcgrep -w, no piece of a split word, sample.$kind" 1 "$T/want" "$E" \
        "$SRCGREP" -w 'copy|left|soft|war|ware|dom' sample.$kind
done
for kind in pptx odp; do
    printf '%s\n' freedoms copyleft >"$T/want"
    same "office: srcgrep -w -o, words split across runs, sample.$kind" 0 "$T/want" "$E" \
        "$SRCGREP" -h -o -w 'copyleft|freedoms' sample.$kind
done

# entities decoded, tabs and line breaks as the rules say
printf '%s\n' 'a < b and b > c, it'\''s "AS IS"' 'a < b and b > c, it'\''s "AS IS"' >"$T/want"
same "office: srcgrep, &amp; &lt; &gt; &quot; &apos; decoded" 0 "$T/want" "$E" \
    "$SRCGREP" -h -o 'a < b and b > c, it.s "AS IS"' sample.docx sample.odt
# (line 7 in the odt: the comment in the Apache paragraph is line 5)
printf '%s\n' "sample.docx{word/document.xml}:6:Section${TAB}1.${TAB}Definitions." \
    "sample.odt{content.xml}:7:Section${TAB}1.${TAB}Definitions." >"$T/want"
same "office: srcgrep, <w:tab/> and <text:tab/> are TABs" 0 "$T/want" "$E" \
    "$SRCGREP" -n "^Section${TAB}1\\.${TAB}Definitions\\.\$" sample.docx sample.odt
printf '%s\n' "sample.pptx{slide2}:3:Author${TAB}Zoë Brontë" \
    "sample.odp{Four freedoms}:3:Author${TAB}Zoë Brontë" >"$T/want"
same "office: srcgrep, <a:tab/> and <text:tab/> are TABs" 0 "$T/want" "$E" \
    "$SRCGREP" -n "^Author${TAB}Zoë" sample.pptx sample.odp
printf '%s\n' "sample.docx{word/document.xml}:8:second line after a break" \
    "sample.pptx{slide2}:5:second line after a break" >"$T/want"
same "office: srcgrep, a line break starts a line" 0 "$T/want" "$E" \
    "$SRCGREP" -n '^second line after a break$' sample.docx sample.pptx
printf '%s\n' "sample.ods{Résumé}:4:Dvořák, Antonín${TAB}He said \"ahoj\" in Praha${TAB}8.25" \
    "sample.xlsx{Résumé}:4:Dvořák, Antonín${TAB}He said \"ahoj\" in Praha${TAB}8.25" >"$T/want"
same "office: srcgrep, two paragraphs of a cell joined by a space" 0 "$T/want" "$E" \
    "$SRCGREP" -n 'ahoj" in Praha' sample.ods sample.xlsx

# inside a tar.gz and a zip inside a zip
cp sample.docx report.docx
printf 'the readme has no such word\n' >readme.txt
tar czf bundle.tar.gz report.docx readme.txt
zip -q inner.zip report.docx readme.txt
zip -q outer.zip inner.zip
line='The GNU General Public License is a free, copyleft license for software and other kinds of works.'
printf '%s\n' "bundle.tar.gz{report.docx}{word/document.xml}:2:$line" \
    "outer.zip{inner.zip}{report.docx}{word/document.xml}:2:$line" >"$T/want"
same "office: srcgrep -n, a docx in a tar.gz and in a zip in a zip" 0 "$T/want" "$E" \
    "$SRCGREP" -n copyleft bundle.tar.gz outer.zip
printf '%s\n' "bundle.tar.gz{report.docx}{word/header1.xml}" "outer.zip{inner.zip}{report.docx}{word/header1.xml}" \
    >"$T/want"
same "office: srcgrep -l, the header of the nested docx" 0 "$T/want" "$E" \
    "$SRCGREP" -l 'GNU GENERAL PUBLIC LICENSE' bundle.tar.gz outer.zip
printf '%s\n' "(standard input){report.docx}{word/document.xml}:2:$line" >"$T/want"
same "office: cat bundle.tar.gz | srcgrep -n" 0 "$T/want" "$E" \
    sh -c 'cat "$1" | "$2" -n copyleft' sh bundle.tar.gz "$SRCGREP"
{
    for m in word/document.xml word/header1.xml word/footer1.xml word/footnotes.xml \
        word/endnotes.xml word/comments.xml; do
        echo "bundle.tar.gz{report.docx}{$m}: file > gzip > tar > docx"
    done
    echo "bundle.tar.gz{readme.txt}: file > gzip > tar"
    for m in word/document.xml word/header1.xml word/footer1.xml word/footnotes.xml \
        word/endnotes.xml word/comments.xml; do
        echo "outer.zip{inner.zip}{report.docx}{$m}: file > zip > zip > docx"
    done
    echo "outer.zip{inner.zip}{readme.txt}: file > zip > zip"
} >"$T/want"
same "office: srccat --layers, nested docx" 0 "$T/want" "$E" "$SRCCAT" --layers bundle.tar.gz outer.zip

# standard input: the document is read into memory, then searched by its
# central directory, from a file and from a pipe alike
printf '%s\n' "(standard input){word/document.xml}:2:$line" >"$T/want"
STDIN=sample.docx same "office: srcgrep -n <sample.docx" 0 "$T/want" "$E" "$SRCGREP" -n copyleft
same "office: cat sample.docx | srcgrep -n" 0 "$T/want" "$E" \
    sh -c 'cat "$1" | "$2" -n copyleft' sh sample.docx "$SRCGREP"
printf '%s\n' "(standard input){Budget 2024}:3" "(standard input){Résumé}:0" >"$T/want"
same "office: cat sample.xlsx | srcgrep -c" 0 "$T/want" "$E" \
    sh -c 'cat "$1" | "$2" -c "Licences & fees"' sh sample.xlsx "$SRCGREP"
for kind in xlsx pptx odp ods; do
    "$SRCCAT" sample.$kind | sed "s/^==> sample\\.$kind{/==> (standard input){/" >"$T/want"
    same "office: cat sample.$kind | srccat = srccat sample.$kind" 0 "$T/want" "$E" \
        sh -c 'cat "$1" | "$2"' sh sample.$kind "$SRCCAT"
done

# --raw: the zip's bytes.  The text is in deflated XML, so no word of it
# is there; the part names are (zip headers are not compressed), and
# they are binary data.
printf '0\n' >"$T/want"
same "office: srcgrep --raw -c, a word of the deflated text" 1 "$T/want" "$E" \
    "$SRCGREP" --raw -c copyleft sample.docx
: >"$T/want"
printf 'srcgrep: sample.docx: binary file matches\n' >"$T/want.err"
same "office: srcgrep --raw, a part name" 0 "$T/want" "$T/want.err" \
    "$SRCGREP" --raw 'word/document\.xml' sample.docx
same "office: srccat --raw writes the file" 0 sample.xlsx "$E" "$SRCCAT" --raw sample.xlsx
