# fish completion for srcgrep.
#
# Installed as $(PREFIX)/share/fish/vendor_completions.d/srcgrep.fish,
# where fish loads it the first time srcgrep is completed.  The first
# operand is the pattern (unless -e or -f gave one) and is not completed;
# the others are files.
#
# tests/cli/completions.sh checks this list against the option tables of
# cli/*.c: an option added there must be added here (and to srcgrep.bash
# and _srcgrep) too.  Keep one option per line, as "-s X" and "-l NAME".

# True while the word being completed is the pattern: no -e or -f was
# given, and no operand yet.
function __srcgrep_wants_pattern
    set -l words (commandline -opc)
    set -e words[1]
    set -l skip 0
    for w in $words
        if test $skip = 1
            set skip 0
            continue
        end
        switch $w
            case '--'
                return 1
            case --regexp '--regexp=*' --file '--file=*'
                return 1
            case --max-count --label --after-context --before-context --context \
                --group-separator --binary-files --directories --devices \
                --include --exclude --exclude-dir --exclude-from --max-depth \
                --threads --sort --max-layers --decode-limit --decode-ratio \
                --xz-memlimit --zstd-window-log-max --encoding --zip-max-entries
                set skip 1
            case '--*'
            case '-?*'
                # a cluster of short options: -e or -f ends the search, one
                # that takes an argument takes the rest or the next word
                set -l letters (string split '' -- (string sub -s 2 -- $w))
                for i in (seq (count $letters))
                    switch $letters[$i]
                        case e f
                            return 1
                        case m A B C d D j
                            test $i = (count $letters); and set skip 1
                            break
                    end
                end
            case '*'
                return 1
        end
    end
    return 0
end

set -l encodings auto none utf-8 utf-16 utf-16le utf-16be utf-32 utf-32le \
    utf-32be utf-7 ascii latin1 latin2 latin9 iso-8859-1 iso-8859-2 iso-8859-5 \
    iso-8859-7 iso-8859-9 iso-8859-15 cp1250 cp1251 cp1252 cp1253 cp1254 \
    cp1255 cp1256 cp1257 cp1258 cp437 cp850 cp866 koi8-r koi8-u shift_jis \
    cp932 euc-jp iso-2022-jp gb2312 gbk gb18030 big5 euc-kr iso-2022-kr tis-620

complete -c srcgrep -n __srcgrep_wants_pattern -f

# patterns
complete -c srcgrep -s e -l regexp -x -d 'Use PATTERNS for matching'
complete -c srcgrep -s f -l file -r -F -d 'Take PATTERNS from FILE, one per line'
complete -c srcgrep -s i -l ignore-case -d 'Ignore case distinctions'
complete -c srcgrep -s v -l invert-match -d 'Select non-matching lines'
complete -c srcgrep -s w -l word-regexp -d 'Match only whole words'
complete -c srcgrep -s x -l line-regexp -d 'Match only whole lines'
complete -c srcgrep -s F -l fixed-strings -d 'PATTERNS are strings'
complete -c srcgrep -s E -l extended-regexp -d 'PATTERNS are PCRE2 regular expressions (the default)'
complete -c srcgrep -s P -l perl-regexp -d 'PATTERNS are PCRE2 regular expressions (the default)'
# output
complete -c srcgrep -s c -l count -d 'Print only a count of selected lines per file'
complete -c srcgrep -s l -l files-with-matches -d 'Print only names of files with selected lines'
complete -c srcgrep -s L -l files-without-match -d 'Print only names of files with no selected lines'
complete -c srcgrep -s n -l line-number -d 'Print line numbers'
complete -c srcgrep -s b -l byte-offset -d 'Print byte offsets'
complete -c srcgrep -s H -l with-filename -d 'Print file names'
complete -c srcgrep -s h -l no-filename -d 'Do not print file names'
complete -c srcgrep -s o -l only-matching -d 'Show only the matching part of lines'
complete -c srcgrep -s q -l quiet -d 'Print nothing, exit 0 on the first selected line'
complete -c srcgrep -l silent -d 'Print nothing, exit 0 on the first selected line'
complete -c srcgrep -s s -l no-messages -d 'Suppress messages about unreadable files'
complete -c srcgrep -s m -l max-count -x -d 'Stop after NUM selected lines per file'
complete -c srcgrep -l label -x -d 'Show standard input as LABEL'
complete -c srcgrep -s Z -l null -d 'Print a NUL byte after file names'
complete -c srcgrep -s z -l null-data -d 'Lines end with a NUL byte, not a newline'
complete -c srcgrep -s T -l initial-tab -d 'Put a tab before the line, to align it'
complete -c srcgrep -l column -d 'Print the column of the first match'
complete -c srcgrep -l vimgrep -d 'Print each match as file, line, column and line'
complete -c srcgrep -l json -d 'Print the results as JSON lines'
complete -c srcgrep -l stats -d 'Print statistics at the end'
complete -c srcgrep -l line-buffered -d 'Flush the output after every line'
complete -c srcgrep -l color -f -a 'always never auto' -d 'Highlight the matches'
complete -c srcgrep -l colour -f -a 'always never auto' -d 'Highlight the matches'
# context
complete -c srcgrep -s A -l after-context -x -d 'Print NUM lines after each selected line'
complete -c srcgrep -s B -l before-context -x -d 'Print NUM lines before each selected line'
complete -c srcgrep -s C -l context -x -d 'Print NUM lines around each selected line'
complete -c srcgrep -l group-separator -x -d 'Print SEP between groups of context'
complete -c srcgrep -l no-group-separator -d 'Print nothing between groups of context'
# binary files
complete -c srcgrep -s a -l text -d 'Search binary files as text'
complete -c srcgrep -s U -l binary -d 'Read and write bytes as they are (no effect)'
complete -c srcgrep -s I -d 'Skip binary files'
complete -c srcgrep -l binary-files -x -a 'binary text without-match' -d 'How to treat binary files'
# files
complete -c srcgrep -s r -l recursive -d 'Search directories, following symlinks only when named'
complete -c srcgrep -s R -l dereference-recursive -d 'Search directories, following all symlinks'
complete -c srcgrep -s d -l directories -x -a 'read skip recurse' -d 'Read, recurse or skip directory operands'
complete -c srcgrep -s D -l devices -x -a 'read skip' -d 'Read or skip devices, FIFOs and sockets named as operands'
complete -c srcgrep -l include -x -d 'Search only files and archive members so named'
complete -c srcgrep -l exclude -x -d 'Skip files and archive members so named'
complete -c srcgrep -l exclude-dir -x -a '(__fish_complete_directories (commandline -ct | string replace -r -- "^--[^=]*=" ""))' -d 'Skip directories so named'
complete -c srcgrep -l exclude-from -r -F -d 'Skip files named by the globs in FILE'
complete -c srcgrep -l max-depth -x -d 'Search at most N levels below the operands'
complete -c srcgrep -s j -l threads -x -d 'Search with NUM threads (0: one per core)'
complete -c srcgrep -l sort -x -a 'none path' -d 'Order of the output'
# decoding
complete -c srcgrep -l raw -d 'Search the bytes as stored, without decoding'
complete -c srcgrep -l max-layers -x -d 'Decode at most N nested layers'
complete -c srcgrep -l decode-limit -x -d 'Bomb guard: decode at least SIZE'
complete -c srcgrep -l decode-ratio -x -d 'Bomb guard: stop beyond N times the input'
complete -c srcgrep -l xz-memlimit -x -d 'Memory the xz decoder may use'
complete -c srcgrep -l zstd-window-log-max -x -a '(seq 10 31)' -d 'Largest zstd window, 2^N bytes'
complete -c srcgrep -l mmap -d 'Map regular files into memory'
complete -c srcgrep -l no-mmap -d 'Read regular files, never map them'
complete -c srcgrep -l encoding -x -a "$encodings" -d 'Charset of text without a BOM'
complete -c srcgrep -l no-utf16-guess -d 'Only a BOM makes text UTF-16'
complete -c srcgrep -l zip-max-entries -x -d 'Entries a zip may list (0: any)'
# information
complete -c srcgrep -l help -d 'Show the help'
complete -c srcgrep -s V -l version -d 'Show the version'
