# fish completion for srccat.
#
# Installed as $(PREFIX)/share/fish/vendor_completions.d/srccat.fish,
# where fish loads it the first time srccat is completed.  Operands are
# files.
#
# tests/cli/completions.sh checks this list against the option tables of
# cli/srccat.c and cli/decode.h: an option added there must be added here
# (and to srccat.bash and _srccat) too.  Keep one option per line, as
# "-s X" and "-l NAME".

set -l encodings auto none utf-8 utf-16 utf-16le utf-16be utf-32 utf-32le \
    utf-32be utf-7 ascii latin1 latin2 latin9 iso-8859-1 iso-8859-2 iso-8859-5 \
    iso-8859-7 iso-8859-9 iso-8859-15 cp1250 cp1251 cp1252 cp1253 cp1254 \
    cp1255 cp1256 cp1257 cp1258 cp437 cp850 cp866 koi8-r koi8-u shift_jis \
    cp932 euc-jp iso-2022-jp gb2312 gbk gb18030 big5 euc-kr iso-2022-kr tis-620

complete -c srccat -l layers -d 'Print the detected layers of each file instead'
complete -c srccat -l list -d 'Print the names of the members of containers'
complete -c srccat -l raw -d 'Write the bytes as stored, without decoding'
complete -c srccat -l max-layers -x -d 'Decode at most N nested layers'
complete -c srccat -l decode-limit -x -d 'Bomb guard: decode at least SIZE'
complete -c srccat -l decode-ratio -x -d 'Bomb guard: stop beyond N times the input'
complete -c srccat -l xz-memlimit -x -d 'Memory the xz decoder may use'
complete -c srccat -l zstd-window-log-max -x -a '(seq 10 31)' -d 'Largest zstd window, 2^N bytes'
complete -c srccat -l mmap -d 'Map regular files into memory'
complete -c srccat -l no-mmap -d 'Read regular files, never map them'
complete -c srccat -l encoding -x -a "$encodings" -d 'Charset of text without a BOM'
complete -c srccat -l no-utf16-guess -d 'Only a BOM makes text UTF-16'
complete -c srccat -l zip-max-entries -x -d 'Entries a zip may list (0: any)'
complete -c srccat -l include -x -d 'Write only archive members so named'
complete -c srccat -l exclude -x -d 'Skip archive members so named'
complete -c srccat -l exclude-from -r -F -d 'Skip archive members named by the globs in FILE'
complete -c srccat -l help -d 'Show the help'
complete -c srccat -s V -l version -d 'Show the version'
