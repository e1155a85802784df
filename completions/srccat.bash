# bash completion for srccat                               -*- shell-script -*-
#
# Installed as $(PREFIX)/share/bash-completion/completions/srccat, where
# bash-completion loads it the first time srccat is completed; it can also
# be sourced by hand.  It needs bash 4 and nothing from bash-completion
# (whose _filedir it uses for file names when it is there).
#
# Long options that take an argument are offered as "--name=" (with no
# space after them); --encoding's argument is completed after "--encoding="
# and after "--encoding ".  Operands are files.
#
# tests/cli/completions.sh checks this list against the option tables of
# cli/srccat.c and cli/decode.h: an option added there must be added here
# (and to _srccat and srccat.fish) too.

_srccat_values()
{
    case $1 in
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

# _srccat_args OPTION VALUE [PREFIX]: sets COMPREPLY to what OPTION's
# argument can be, among the words that start with VALUE, each after PREFIX.
# OPTION "" is an operand: a file.
_srccat_args()
{
    local opt=$1 val=$2 prefix=${3-} v i
    COMPREPLY=()
    case $opt in
    "" | --exclude-from)
        if declare -F _filedir >/dev/null; then
            local cur=$val
            _filedir
        else
            local IFS=$'\n'
            COMPREPLY=($(compgen -f -- "$val"))
            compopt -o filenames 2>/dev/null
        fi
        ;;
    *)
        v=$(_srccat_values "$opt") || return 0
        COMPREPLY=($(compgen -W "$v" -- "$val"))
        ;;
    esac
    if [[ -n $prefix ]]; then
        for i in "${!COMPREPLY[@]}"; do
            COMPREPLY[i]=$prefix${COMPREPLY[i]}
        done
    fi
}

_srccat()
{
    # Options; those that take an argument end in '='.
    local opts='-V --layers --list --raw --max-layers= --decode-limit=
        --decode-ratio= --xz-memlimit= --zstd-window-log-max= --mmap
        --no-mmap --encoding= --no-utf16-guess --zip-max-entries= --include=
        --exclude= --exclude-from= --help --version'
    local cur=${COMP_WORDS[COMP_CWORD]} prev= prev2= w i ended=0 takes=
    ((COMP_CWORD >= 1)) && prev=${COMP_WORDS[COMP_CWORD - 1]}
    ((COMP_CWORD >= 2)) && prev2=${COMP_WORDS[COMP_CWORD - 2]}
    COMPREPLY=()

    # "--name=VALUE", split by bash at the '=' (see srcgrep's)
    if [[ $cur == = && $prev == --* ]]; then
        _srccat_args "$prev" ""
        return 0
    fi
    if [[ $prev == = && $prev2 == --* ]]; then
        _srccat_args "$prev2" "$cur"
        return 0
    fi
    if [[ $cur == --*=* ]]; then
        _srccat_args "${cur%%=*}" "${cur#*=}" "${cur%%=*}="
        return 0
    fi

    for ((i = 1; i < COMP_CWORD; i++)); do
        w=${COMP_WORDS[i]}
        if [[ -n $takes ]]; then
            takes=
            continue
        fi
        ((ended)) && continue
        case $w in
        --) ended=1 ;;
        --*=*) ;;
        --?*)
            if [[ ${COMP_WORDS[i + 1]} == = ]] && ((i + 1 < COMP_CWORD)); then
                ((i += 2))
            elif [[ " ${opts//$'\n'/ } " == *" $w= "* ]]; then
                takes=$w
            fi
            ;;
        esac
    done

    if [[ -n $takes ]]; then
        _srccat_args "$takes" "$cur"
        return 0
    fi
    if [[ $cur == -* ]] && ((!ended)); then
        COMPREPLY=($(compgen -W "$opts" -- "$cur"))
        [[ ${#COMPREPLY[@]} == 1 && $COMPREPLY == *= ]] && compopt -o nospace 2>/dev/null
        return 0
    fi
    _srccat_args "" "$cur"
    return 0
}
complete -F _srccat srccat
