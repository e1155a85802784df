#!/bin/sh
# The demo behind `make demo`: srcgrep and srccat over corpus/, each command
# shown before its output (standard error included) and its exit status.
# Always exits 0 once the programs exist: a grep that selects nothing
# (status 1) is part of the show.
# Usage: sh tools/demo.sh BUILD_DIR
set -u
top=$(cd "$(dirname "$0")/.." && pwd)
b=${1:-build}
case $b in /*) ;; *) b=$top/$b ;; esac
if [ ! -x "$b/srcgrep" ] || [ ! -x "$b/srccat" ]; then
    echo "demo: $b/srcgrep or $b/srccat is missing; run make first" >&2
    exit 1
fi
PATH=$b:$PATH
export PATH
cd "$top" || exit 1

# Shows and runs one command line; a pipeline's status is its last command's.
run() {
    printf '\n$ %s\n' "$1"
    eval "$1" 2>&1
    echo "[exit $?]"
}

# Prints comment lines as they are (sh's echo would expand backslashes).
say() {
    printf '%s\n' "$@"
}

say "srcgrep over corpus/ ($(srcgrep --version))"

say '' '# Every line that mentions an error, any case, with file names and line' \
    '# numbers.  The binary file gets a one-line notice instead of its bytes;' \
    '# compressed files are searched decoded.  The two damaged ones in bad/' \
    '# give the lines before the damage, then an error, hence exit status 2.'
run "srcgrep -rni error corpus"

say '' '# How many lines of each file match (0 included).'
run "srcgrep -c -i error corpus/good/*"

say '' '# Only the names of the files that match, and of those that do not.'
run "srcgrep -rl -e TODO -e FIXME corpus/good"
run "srcgrep -rL . corpus"

say '' '# Only the matched text, here IPv4 addresses, with their line numbers.'
run "srcgrep -no '\\b(?:\\d{1,3}\\.){3}\\d{1,3}\\b' corpus/good/syslog.log | head -n 6"

say '' '# Any case: "fail" is in 7 lines; as a whole word (-w) it is in none ...'
run "srcgrep -c -i fail corpus/good/syslog.log"
run "srcgrep -c -i -w fail corpus/good/syslog.log"
say '' '# ... but "Failed" and "FAILURE" are whole words.'
run "srcgrep -i -w -o 'fail(ed|ure)?' corpus/good/syslog.log | sort | uniq -c"

say '' '# PCRE2 syntax, also without -P: out-of-stock electronics (a lookahead),' \
    '# then the rows whose name is a quoted field; -m 3 stops after three.'
run "srcgrep -c '^\\d+,[^,]+,(?=electronics,)[a-z]+,0,' corpus/good/inventory.csv"
run "srcgrep -n -m 3 '^\\d+,\"[^\"]*\",' corpus/good/inventory.csv"

say '' '# CRLF lines: the CR is part of the line, so \r$ finds them.'
run "srcgrep -c '\\r\$' corpus/good/crlf.ini corpus/good/syslog.log"

say '' '# The last line has no newline; it is still a line, printed with one.'
run "srcgrep -n 'print it' corpus/good/notes-no-eol.txt"

say '' '# A binary file (it has NUL bytes): the match is reported, not printed ...'
run "srcgrep error corpus/bad/records.bin"
say '' '# ... unless -a asks for the bytes as text; -o keeps just the message.'
run "srcgrep -a -o 'error: [ -~]*' corpus/bad/records.bin"

say '' '# No line selected: exit status 1.  A missing file: status 2.'
run "srcgrep -q zebra corpus/good/syslog.log"
run "srcgrep error corpus/good/no-such-file"

say '' '# srccat writes the bytes of a source, for pipelines; - is standard input.'
run "srccat corpus/good/notes-no-eol.txt | srcgrep -c ''"
run "printf 'one\\ntwo errors\\n' | srcgrep -H -n error - corpus/good/crlf.ini"

say '' '# Mapped or read with read(): the same result either way.'
run "srcgrep --mmap -c error corpus/good/syslog.log; srcgrep --no-mmap -c error corpus/good/syslog.log"

say '' '# Compressed files are found by their content, not their names: xz,' \
    '# zstd, bzip2, lz4, and gzip inside xz.  Lines are counted decoded.'
run "srcgrep -n ERROR corpus/good/app.log.xz"
run "srcgrep -c '\" 5\\d\\d ' corpus/good/access.log.bz2"
run "srcgrep -o '\"type\":\"alert[a-z_]*\"' corpus/good/events.lz4 | sort | uniq -c"
run "srcgrep -n -e TODO -e FIXME corpus/good/notes.md.zst"
run "srcgrep -H '^2\\.5\\.[0-9]' corpus/good/archive.gz.xz"

say '' '# srccat --layers names what was found, outermost first; srccat writes' \
    '# the decoded text.'
run "srccat --layers corpus/good/*.xz corpus/good/*.zst corpus/good/*.bz2 corpus/good/*.lz4"
run "srccat corpus/good/archive.gz.xz | head -n 4"

say '' '# --raw searches the bytes as stored, where the words are not to be seen.'
run "srcgrep --raw -c ERROR corpus/good/app.log.xz"

say '' '# Damaged files: the lines decoded before the damage are searched, then' \
    '# the error names the file and the layer that met it; exit status 2.'
run "srcgrep -c checksum corpus/bad/truncated.gz"
run "srccat corpus/bad/garbage-after.gz"

say '' '# Text in other encodings is converted to UTF-8 before the search.' \
    '# A byte order mark decides: an event export in UTF-16 (as Windows' \
    '# PowerShell writes it), also inside gzip.'
run "srcgrep -n ',Error,' corpus/good/events-utf16.csv"
run "srcgrep -c Critical corpus/good/events-utf16.csv.gz"
say '' '# Without a mark, mostly ASCII UTF-16 is still recognized (a robocopy log).'
run "srcgrep -n 'ERROR [0-9]+' corpus/good/robocopy-nobom.log"
say '' '# A UTF-8 mark is removed, so ^ anchors at the first real character.'
run "srcgrep -n '^sku,' corpus/good/excel-bom.csv"
say '' '# Other charsets are never guessed: --encoding names them (any iconv name).'
run "srcgrep -c 'Zürich' corpus/good/kunden-latin1.csv"
run "srcgrep --encoding=latin1 'Zürich' corpus/good/kunden-latin1.csv"
run "srcgrep --encoding=shift_jis -n 'エラー' corpus/good/orders-sjis.csv"
run "srccat --layers corpus/good/events-utf16.csv.gz corpus/good/robocopy-nobom.log corpus/good/excel-bom.csv"
say '' '# A UTF-16 file cut inside a character: the piece becomes U+FFFD (shown' \
    '# here by od), and everything before it is searched.'
run "srccat corpus/bad/cut-utf16.csv | tail -c 12 | od -c | head -n 2"

say '' '# Archives: each member of a zip or a tar is searched as a file of its' \
    '# own, named ARCHIVE{MEMBER}; a .gz member of a tar.gz is decoded too.'
run "srcgrep -n -i 'fix' corpus/good/release-notes.zip"
run "srcgrep -c ERROR corpus/good/logs.tar.gz"
run "srccat --layers corpus/good/logs.tar.gz corpus/good/release-notes.zip"

say '' '# Office documents are searched as the text a person reads, not as XML:' \
    '# a docx by its parts (the body, then headers and footers), a word in' \
    '# bold in the middle ("re<b>lease</b>") is still one word.'
run "srcgrep -n -e 'Action:' -e TODO corpus/good/minutes.docx"
run "srcgrep -w release corpus/good/minutes.docx"
run "srcgrep internal corpus/good/minutes.docx"
say '' '# A spreadsheet: one member per sheet, one line per row (so -n is the' \
    '# row number, and an empty row is an empty line), cells joined by a' \
    '# TAB, formulas as their computed values.'
run "srccat --list corpus/good/budget.xlsx"
run "srcgrep -n Travel corpus/good/budget.xlsx"
run "srccat corpus/good/budget.xlsx | head -n 7"
say '' '# ... whereas --raw sees only the deflated zip: no word of the text.'
run "srcgrep --raw -c Travel corpus/good/budget.xlsx"

if locale -a 2>/dev/null | grep -qix 'C\.UTF-8\|C\.utf8'; then
    say '' '# In a UTF-8 locale, -i folds non-ASCII letters and . is one character.'
    run "LC_ALL=C.UTF-8 srcgrep -i -o 'été|FAÇADE|caf.' corpus/good/utf8.txt"
fi
exit 0
