# bash completion for srcgrep                              -*- shell-script -*-
#
# Installed as $(PREFIX)/share/bash-completion/completions/srcgrep, where
# bash-completion loads it the first time srcgrep is completed; it can
# also be sourced by hand.  It needs bash 4 and nothing from
# bash-completion (whose _filedir it uses for file names when it is there).
#
# Long options that take an argument are offered as "--name=" (with no
# space after them); --color and --colour, whose argument is optional, as
# "--color".  Arguments that are one of a fixed set are completed after
# "--name=" and, for the options that take their argument as the next word
# (--name ARG, -d ARG), there too.  The first operand is the pattern (unless
# -e or -f gave one) and is not completed; the others are files.
#
# tests/cli/completions.sh checks this list against the option tables of
# cli/*.c: an option added there must be added here (and to _srcgrep and
# srcgrep.fish) too.

# Prints the values an option's argument can take, one per word; fails
# for an option whose argument is not one of a fixed set.
_srcgrep_values()
{
    case $1 in
    --color | --colour) echo always never auto ;;
    --binary-files) echo binary text without-match ;;
    -d | --directories) echo read skip recurse ;;
    -D | --devices) echo read skip ;;
    --sort) echo none path ;;
    --encoding)
        echo auto none utf-8 utf-16 utf-16le utf-16be utf-32 utf-32le utf-32be \
            utf-7 ascii latin1 latin2 latin9 iso-8859-1 iso-8859-2 iso-8859-5 \
            iso-8859-7 iso-8859-9 iso-8859-15 cp1250 cp1251 cp1252 cp1253 \
            cp1254 cp1255 cp1256 cp1257 cp1258 cp437 cp850 cp866 koi8-r koi8-u \
            shift_jis cp932 euc-jp iso-2022-jp gb2312 gbk gb18030 big5 euc-kr \
            iso-2022-kr tis-620
        ;;
    *) return 1 ;;
    esac
}

# _srcgrep_args OPTION VALUE [PREFIX]: sets COMPREPLY to what OPTION's
# argument can be, among the words that start with VALUE, each after PREFIX.
_srcgrep_args()
{
    local opt=$1 val=$2 prefix=${3-} v i
    COMPREPLY=()
    case $opt in
    -f | --file | --exclude-from | --exclude-dir)
        if [[ -z $prefix ]] && declare -F _filedir >/dev/null; then
            local cur=$val
            if [[ $opt == --exclude-dir ]]; then _filedir -d; else _filedir; fi
        else
            local IFS=$'\n'
            if [[ $opt == --exclude-dir ]]; then
                COMPREPLY=($(compgen -d -- "$val"))
            else
                COMPREPLY=($(compgen -f -- "$val"))
            fi
            compopt -o filenames 2>/dev/null
        fi
        ;;
    *)
        v=$(_srcgrep_values "$opt") || return 0
        COMPREPLY=($(compgen -W "$v" -- "$val"))
        ;;
    esac
    if [[ -n $prefix ]]; then
        for i in "${!COMPREPLY[@]}"; do
            COMPREPLY[i]=$prefix${COMPREPLY[i]}
        done
    fi
}

_srcgrep()
{
    # Options, short then long; those that take an argument end in '='
    # (short: in the next word or attached, long: "--name=ARG" or the
    # next word).
    local shorts='-e= -f= -i -v -w -x -F -E -P -c -l -L -n -b -H -h -o -q -s -m=
        -Z -z -T -A= -B= -C= -a -U -I -r -R -d= -D= -j= -V'
    local longs='--regexp= --file= --ignore-case --invert-match --word-regexp
        --line-regexp --fixed-strings --extended-regexp --perl-regexp
        --count --files-with-matches --files-without-match --line-number
        --byte-offset --with-filename --no-filename --only-matching --quiet
        --silent --no-messages --max-count= --label= --null --null-data
        --initial-tab --column --vimgrep --json --stats --line-buffered
        --color --colour --after-context= --before-context= --context=
        --group-separator= --no-group-separator --text --binary
        --binary-files= --recursive --dereference-recursive --directories=
        --devices= --include= --exclude= --exclude-dir= --exclude-from=
        --max-depth= --threads= --sort= --raw --max-layers= --decode-limit=
        --decode-ratio= --xz-memlimit= --zstd-window-log-max= --mmap
        --no-mmap --encoding= --no-utf16-guess --zip-max-entries= --help
        --version'
    local cur=${COMP_WORDS[COMP_CWORD]} prev= prev2= w opt i j c
    ((COMP_CWORD >= 1)) && prev=${COMP_WORDS[COMP_CWORD - 1]}
    ((COMP_CWORD >= 2)) && prev2=${COMP_WORDS[COMP_CWORD - 2]}
    COMPREPLY=()

    # "--name=VALUE": bash splits it at the '=' (COMP_WORDBREAKS has it),
    # into "--name" "=" "VALUE", and completes the text after the '='.
    if [[ $cur == = && $prev == --* ]]; then
        _srcgrep_args "$prev" ""
        return 0
    fi
    if [[ $prev == = && $prev2 == --* ]]; then
        _srcgrep_args "$prev2" "$cur"
        return 0
    fi
    if [[ $cur == --*=* ]]; then   # COMP_WORDBREAKS without '='
        _srcgrep_args "${cur%%=*}" "${cur#*=}" "${cur%%=*}="
        return 0
    fi

    # What the words before this one are: options, their arguments, "--",
    # the pattern (from -e/-f or the first operand), files.
    local pattern=0 operands=0 ended=0 takes=
    for ((i = 1; i < COMP_CWORD; i++)); do
        w=${COMP_WORDS[i]}
        if [[ -n $takes ]]; then        # the argument of the option before
            takes=
            continue
        fi
        if ((ended)) || [[ $w != -?* ]]; then
            ((operands++))
            continue
        fi
        case $w in
        --)
            ended=1
            continue
            ;;
        --regexp | --file | --regexp=* | --file=*) pattern=1 ;;
        esac
        if [[ ${COMP_WORDS[i + 1]} == = ]] && ((i + 1 < COMP_CWORD)); then
            ((i += 2))                  # "--name" "=" "VALUE"
            continue
        fi
        if [[ $w == --* ]]; then
            [[ $w != *=* && " ${longs//$'\n'/ } " == *" $w= "* ]] && takes=$w
            continue
        fi
        for ((j = 1; j < ${#w}; j++)); do   # a cluster of short options
            c=${w:j:1}
            [[ $c == [ef] ]] && pattern=1
            if [[ " ${shorts//$'\n'/ } " == *" -$c= "* ]]; then
                ((j == ${#w} - 1)) && takes=-$c
                break
            fi
        done
    done

    # the argument of the option before, given as the next word
    if [[ -n $takes ]]; then
        _srcgrep_args "$takes" "$cur"
        return 0
    fi

    if [[ $cur == -* ]] && ((!ended)); then
        COMPREPLY=($(compgen -W "$shorts $longs" -- "$cur"))
        # "-e=" is how the table marks an argument: offer "-e"
        for i in "${!COMPREPLY[@]}"; do
            [[ ${COMPREPLY[i]} == -[!-]= ]] && COMPREPLY[i]=${COMPREPLY[i]%=}
        done
        [[ ${#COMPREPLY[@]} == 1 && $COMPREPLY == *= ]] && compopt -o nospace 2>/dev/null
        return 0
    fi

    # the pattern: nothing to complete
    ((!pattern && operands == 0)) && return 0

    _srcgrep_args --file "$cur"
    return 0
}
complete -F _srcgrep srcgrep
