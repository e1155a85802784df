#!/bin/sh
# Shell completions (completions/): bash, zsh and fish, for srcgrep and
# srccat.
#
# 1. The options of each program, from its getopt tables in cli/:
#    - long: the first string of every {"name", ...} entry of the
#      `longs[]` array in cli/PROG.c, with every NAME_LONG_OPTIONS macro
#      used in it (SEARCH_LONG_OPTIONS, WALK_LONG_OPTIONS,
#      DECODE_LONG_OPTIONS, and any added later) replaced by the body of
#      its #define in cli/*.h (table_longs below, in awk);
#    - short: the letters of getopt_long's option string in cli/PROG.c,
#      less ':' and the digits of -NUM (table_shorts).
# 2. The options each completion file offers:
#    - bash (PROG.bash): what its completion function puts in COMPREPLY
#      for "PROG -", run in bash ("--name=" counted as --name);
#    - zsh (_PROG): the -X and --name words of the _arguments specs in its
#      args=( ... ) array, descriptions in [...] left out;
#    - fish (PROG.fish): the "-s X" and "-l NAME" of its complete lines.
#    Where zsh or fish is installed, check 5 makes sure the shell itself
#    offers exactly those.
# 3. Every option of the tables is offered by each of the six files: one
#    check per file, which names the options it lacks.  An option added
#    to a table without its completions fails here.
# 4. Every option a file offers is one the built binary accepts (run alone
#    as its only argument, the binary does not call it unrecognized,
#    invalid or ambiguous) and is in the tables by its full name (getopt
#    would take an abbreviation); one check per file, naming the others.
# 5. Completions as the shells make them:
#    - bash: the completion function run with COMP_WORDS and COMP_CWORD as
#      bash sets them ("--color=al" is the words "--color" "=" "al") for
#      option names, the fixed values of arguments (--color=, -d,
#      --binary-files=w, --encoding=, ...), the pattern operand (nothing)
#      and files; and every fixed value the bash files offer, the binary
#      accepts (exit status below 2, or a file from srccat);
#    - zsh, where installed: `zsh -n` on _srcgrep and _srccat, then real
#      completion: an interactive zsh on a pseudo-terminal (zsh/zpty) with
#      compinit and completions/ on $fpath, whose compadd is wrapped to
#      write the matches to a file, is sent "COMMAND LINE<TAB>";
#    - fish, where installed: `fish -n`, then `complete -C "COMMAND LINE"`
#      after sourcing the file.
#    Where zsh or fish is not installed its checks print nothing: they
#    are not run, so they do not count as passed.
. "${TESTS:-$(dirname "$0")/..}/lib.sh"

C=$TOP/completions
mkdir -p "$T/tree/sub" && : >"$T/tree/a.log" && : >"$T/tree/b.txt"

for bin in "$SRCGREP" "$SRCCAT"; do
    if [ ! -x "$bin" ]; then
        fail completions/binaries "$bin is not built"
        exit 0
    fi
done

# ---- 1: the options in the tables ----------------------------------------

# table_longs cli/PROG.c: the long option names of its longs[] table, one
# a line; a macro with no #define in cli/*.h is printed as "?NAME".
table_longs() {
    awk -v main="$1" '
    function names(s, depth,   t) {
        while (match(s, /\{[ \t]*"[^"]*"|[A-Z][A-Z0-9_]*_LONG_OPTIONS/)) {
            t = substr(s, RSTART, RLENGTH)
            s = substr(s, RSTART + RLENGTH)
            if (t ~ /^\{/) {
                sub(/^\{[ \t]*"/, "", t)
                sub(/"$/, "", t)
                print t
            } else if (!(t in body) || depth > 8) {
                print "?" t
            } else {
                names(body[t], depth + 1)
            }
        }
    }
    FILENAME != main {
        if (def == "" && $1 == "#define" && $2 ~ /_LONG_OPTIONS$/) {
            def = $2
            line = $0
            sub(/^[ \t]*#[ \t]*define[ \t]+[A-Za-z0-9_]+/, "", line)
            body[def] = line
        } else if (def != "") {
            body[def] = body[def] " " $0
        }
        if (def != "" && $0 !~ /\\[ \t]*$/)
            def = ""
        next
    }
    /longs\[\][ \t]*=/ { intab = 1 }
    intab {
        names($0, 0)
        if ($0 ~ /}[ \t]*;/)
            intab = 0
    }
    ' "$TOP"/cli/*.h "$1"
}

# table_shorts cli/PROG.c: the letters of the option string given to
# getopt_long, one a line (string literals joined, ':' and digits left out).
table_shorts() {
    tr '\n' ' ' <"$1" |
        sed -n 's/.*getopt_long([^,]*,[^,]*,[ ]*\(\("[^"]*"[ ]*\)*\),.*/\1/p' |
        tr -d '" :0-9' | fold -w 1
}

for p in srcgrep srccat; do
    {
        table_longs "$TOP/cli/$p.c" | sed 's/^[^?]/--&/'
        table_shorts "$TOP/cli/$p.c" | sed 's/^/-/'
    } | sort -u >"$T/$p.table"
    nl=$(grep -c '^--' "$T/$p.table")
    ns=$(grep -c '^-[^-]' "$T/$p.table")
    bad=$(grep '^?' "$T/$p.table" | tr -d '?' | tr '\n' ' ')
    if [ -n "$bad" ]; then
        fail "completions/tables $p" "no #define in cli/*.h for ${bad% }"
    elif [ "$nl" -lt 8 ] || [ "$ns" -lt 1 ]; then
        fail "completions/tables $p" "found $nl long and $ns short options in cli/$p.c: is the extraction broken?"
    else
        pass "completions/tables $p"
    fi
    grep -v '^?' "$T/$p.table" >"$T/.table"
    mv "$T/.table" "$T/$p.table"
done

# ---- 2: the options the files offer ----------------------------------------

# bash_complete PROG WORD...: the completions of bash's completion for PROG
# (completions/PROG.bash) of the command line made of the WORDs, the last
# being the word completed, run in $T/tree; one a line, sorted.
bash_complete() {
    f=$C/$1.bash
    (cd "$T/tree" && bash --norc --noprofile -c '
        . "$1" || exit 3
        shift
        fn=$(complete -p "$1" 2>/dev/null | sed -n "s/.* -F \([^ ]*\) .*/\1/p")
        [ -n "$fn" ] || { echo "no complete -F for $1" >&2; exit 4; }
        COMP_WORDS=("$@")
        COMP_CWORD=$(($# - 1))
        COMP_LINE="$*"
        COMP_POINT=${#COMP_LINE}
        COMPREPLY=()
        "$fn" "$1" "${COMP_WORDS[COMP_CWORD]}" "${COMP_WORDS[COMP_CWORD - 1]}"
        [ ${#COMPREPLY[@]} = 0 ] || printf "%s\n" "${COMPREPLY[@]}"
    ' sh "$f" "$@") | sort
}

have_bash=0
command -v bash >/dev/null 2>&1 && have_bash=1
for p in srcgrep srccat; do
    if [ $have_bash = 1 ]; then
        bash_complete $p $p - | sed 's/=$//' | sort -u >"$T/$p.bash.offers"
    fi
    sed -n '/^args=(/,/^)/p' "$C/_$p" | grep -v '^[[:space:]]*#' |
        sed 's/\[[^]]*\]//g' |
        grep -oE '(^|[^A-Za-z0-9_-])--?[A-Za-z0-9][A-Za-z0-9-]*' |
        sed 's/^[^-]*//' | sort -u >"$T/$p.zsh.offers"
    awk '$1 == "complete" {
        for (i = 2; i < NF; i++) {
            if ($i == "-s") print "-" $(i + 1)
            if ($i == "-l") print "--" $(i + 1)
        }
    }' "$C/$p.fish" | sort -u >"$T/$p.fish.offers"
done

# ---- 3 and 4: tables against files -----------------------------------------

# accepts PROG OPTION: the built PROG does not reject OPTION (given alone,
# without its argument: "requires an argument" is no rejection).
accepts() {
    case $1 in srccat) bin=$SRCCAT ;; *) bin=$SRCGREP ;; esac
    (cd "$T/tree" && "$bin" "$2" </dev/null >/dev/null 2>"$T/.accepts")
    ! grep -q -e 'unrecognized option' -e 'invalid option' -e 'is ambiguous' "$T/.accepts"
}

for p in srcgrep srccat; do
    for kind in bash zsh fish; do
        case $kind in
        bash) file=$p.bash ;;
        zsh) file=_$p ;;
        fish) file=$p.fish ;;
        esac
        o=$T/$p.$kind.offers
        [ -f "$o" ] || continue # no bash: nothing to run it in
        name="completions/$file"
        if [ ! -s "$o" ]; then
            fail "$name offers every option" "no option found in completions/$file"
            continue
        fi
        missing=$(comm -23 "$T/$p.table" "$o" | tr '\n' ' ')
        if [ -z "$missing" ]; then
            pass "$name offers every option"
        else
            fail "$name offers every option" "missing: ${missing% }"
        fi
        rejected="" untabled=""
        while read -r opt; do
            if ! accepts $p "$opt"; then
                rejected="$rejected $opt"
            elif ! grep -qxF -e "$opt" "$T/$p.table"; then
                untabled="$untabled $opt"
            fi
        done <"$o"
        why=""
        [ -z "$rejected" ] || why="$p rejects:$rejected"
        [ -z "$untabled" ] || why="${why:+$why; }not in the tables of cli/ (by that name):$untabled"
        if [ -z "$why" ]; then
            pass "$name offers only accepted options"
        else
            fail "$name offers only accepted options" "$why"
        fi
    done
done

# ---- 5: bash -------------------------------------------------------------------

# check_bash EXPECTED PROG WORD...: the bash completion of the WORDs is the
# words of EXPECTED, in any order.
check_bash() {
    printf '%s\n' $1 | sed '/^$/d' | sort >"$T/.want"
    shift
    bash_complete "$@" >"$T/.got" 2>"$T/.err"
    if cmp -s "$T/.want" "$T/.got" && [ ! -s "$T/.err" ]; then
        pass "completions/bash $(shquote "$@")"
    else
        fail "completions/bash $(shquote "$@")" \
            "expected \"$(tr '\n' ' ' <"$T/.want")\", got \"$(tr '\n' ' ' <"$T/.got")\" $(head -c 200 "$T/.err")"
    fi
}

if [ $have_bash = 1 ]; then
    check_bash '--color --colour --column' srcgrep --col
    check_bash 'always never auto' srcgrep --color =
    check_bash 'always' srcgrep --colour = al
    check_bash '--color=always' srcgrep --color=al # COMP_WORDBREAKS without '='
    check_bash 'without-match' srcgrep --binary-files = w
    check_bash 'binary text without-match' srcgrep --binary-files ''
    check_bash 'read skip recurse' srcgrep -d ''
    check_bash 'read skip recurse' srcgrep --directories = ''
    check_bash 'read skip' srcgrep -D ''
    check_bash 'none path' srcgrep --sort = ''
    check_bash 'utf-16 utf-16le utf-16be' srcgrep --encoding = utf-16
    check_bash '--max-count=' srcgrep --max-c
    check_bash '--null --null-data' srcgrep --nul
    check_bash '' srcgrep ''                       # the pattern
    check_bash '' srcgrep -i -A 3 ''               # still the pattern
    check_bash 'a.log b.txt sub' srcgrep pattern ''
    check_bash 'a.log b.txt sub' srcgrep -e pattern ''
    check_bash 'a.log b.txt sub' srcgrep -ie pattern ''
    check_bash 'a.log b.txt sub' srcgrep --regexp = pattern ''
    check_bash 'a.log b.txt sub' srcgrep -f ''
    check_bash 'a.log' srcgrep --exclude-from = a
    check_bash 'sub' srcgrep --exclude-dir = ''
    check_bash 'a.log b.txt sub' srcgrep -- -pattern ''
    check_bash '--layers --list' srccat --l
    check_bash 'cp1250 cp1251 cp1252 cp1253 cp1254 cp1255 cp1256 cp1257 cp1258' srccat --encoding = cp125
    check_bash 'latin1' srccat --encoding latin1
    check_bash 'a.log b.txt sub' srccat ''
    check_bash 'a.log b.txt sub' srccat --raw --max-layers 3 ''

    # every fixed value the bash completions offer is one the binary takes
    for po in srcgrep:--color srcgrep:--binary-files srcgrep:--directories srcgrep:--devices \
        srcgrep:--sort srcgrep:--encoding srccat:--encoding; do
        p=${po%%:*} opt=${po#*:}
        # an option the binary does not know yet fails in check 4 already
        accepts "$p" "$opt" || continue
        bad=""
        for v in $(bash_complete "$p" "$p" "$opt" = ''); do
            if [ $p = srccat ]; then
                "$SRCCAT" "$opt=$v" "$T/tree/a.log" >"$T/.out" 2>&1
            else
                "$SRCGREP" "$opt=$v" x "$T/tree/a.log" >"$T/.out" 2>&1
            fi
            [ $? -lt 2 ] || bad="$bad $v"
        done
        if [ -z "$bad" ]; then
            pass "completions/bash $p $opt= values accepted"
        else
            fail "completions/bash $p $opt= values accepted" "$p rejects$bad"
        fi
    done
fi

# ---- 5: zsh --------------------------------------------------------------------

# zsh_complete OUT LINE...: completes each command LINE in an interactive
# zsh (zsh/zpty) run in $T/tree; OUT gets, for each, a line "--LINE-- LINE",
# the matches one a line, then "--END--".
zsh_complete() {
    out=$1
    shift
    cat >"$T/capture.zsh" <<'EOF'
zmodload zsh/zpty || exit 3
dir=$1 out=$2
shift 2
: >$out
zpty z zsh -f -i
zpty -w z "PS1='' PROMPT='' RPROMPT=''; unsetopt zle_bracketed_paste 2>/dev/null"
# -D: no dump file (never "-d FILE" too: it turns dumping back on, and the
# dump is moved over FILE)
zpty -w z "fpath=(${(q)dir} \$fpath); autoload -Uz compinit; compinit -u -D"
zpty -w z "zstyle ':completion:*' insert-tab false; zstyle ':completion:*' list-grouped false"
# compadd, wrapped: the matches it adds are written to $out (the calls that
# only fill arrays, -O -A -D, are passed on as they are)
zpty -w z 'compadd() { local -a __h; if (( ${@[(I)-[OAD]]} )); then builtin compadd "$@"; return; fi; builtin compadd -A __h "$@"; (( $#__h )) && print -rl -- $__h >>'"${(q)out}"'; builtin compadd "$@"; }'
zpty -w z '__cap() { zle complete-word; print -r -- --END-- >>'"${(q)out}"'; }; zle -N __cap; bindkey "^I" __cap'
n=0
for line in "$@"; do
  n=$((n + 1))
  marker="--LINE-- $line"
  zpty -w z "print -r -- ${(q)marker} >>${(q)out}"
  zpty -wn z "$line"$'\t'
  for i in {1..200}; do
    (( $(grep -c -e '^--END--$' $out) >= n )) && break
    sleep 0.05
  done
  zpty -wn z $'\C-u'
done
zpty -d z
EOF
    (cd "$T/tree" && HOME=$T ZDOTDIR=$T zsh -f "$T/capture.zsh" "$C" "$out" "$@" </dev/null >/dev/null 2>&1)
}

# zsh_matches OUT LINE: the matches for LINE in zsh_complete's OUT, sorted,
# without repeats; "!" if LINE's completion did not end.
zsh_matches() {
    awk -v line="--LINE-- $2" '
        $0 == line { on = 1; ended = 0; next }
        on && $0 == "--END--" { ended = 1; on = 0; next }
        on && /^--LINE-- / { on = 0 }
        on { print }
        END { if (!ended) print "!" }
    ' "$1" | sort -u
}

if command -v zsh >/dev/null 2>&1; then
    for p in srcgrep srccat; do
        if zsh -n "$C/_$p" 2>"$T/.err"; then
            pass "completions/zsh -n _$p"
        else
            fail "completions/zsh -n _$p" "$(head -c 300 "$T/.err")"
        fi
    done
    if zsh -fc 'zmodload zsh/zpty' 2>/dev/null; then
        set -- 'srcgrep -' 'srccat -' 'srcgrep --col' 'srcgrep --color=' \
            'srcgrep --binary-files=w' 'srcgrep -d ' 'srcgrep --sort=' 'srcgrep --encoding=utf-16' \
            'srcgrep ' 'srcgrep x ' 'srcgrep -e x ' 'srcgrep --exclude-dir=' 'srccat --l' 'srccat '
        zsh_complete "$T/zsh.out" "$@"
        # check_zsh LINE EXPECTED
        check_zsh() {
            zsh_matches "$T/zsh.out" "$1" >"$T/.got"
            printf '%s\n' $2 | sed '/^$/d' | sort -u >"$T/.want"
            if cmp -s "$T/.want" "$T/.got"; then
                pass "completions/zsh $1<TAB>"
            else
                fail "completions/zsh $1<TAB>" \
                    "expected \"$(tr '\n' ' ' <"$T/.want")\", got \"$(tr '\n' ' ' <"$T/.got")\""
            fi
        }
        check_zsh 'srcgrep -' "$(cat "$T/srcgrep.zsh.offers")"
        check_zsh 'srccat -' "$(cat "$T/srccat.zsh.offers")"
        check_zsh 'srcgrep --col' '--color --colour --column'
        check_zsh 'srcgrep --color=' 'always never auto'
        check_zsh 'srcgrep --binary-files=w' 'without-match'
        check_zsh 'srcgrep -d ' 'read skip recurse'
        check_zsh 'srcgrep --sort=' 'none path'
        check_zsh 'srcgrep --encoding=utf-16' 'utf-16 utf-16le utf-16be'
        check_zsh 'srcgrep ' ''
        check_zsh 'srcgrep x ' 'a.log b.txt sub'
        check_zsh 'srcgrep -e x ' 'a.log b.txt sub'
        check_zsh 'srcgrep --exclude-dir=' 'sub'
        check_zsh 'srccat --l' '--layers --list'
        check_zsh 'srccat ' 'a.log b.txt sub'
    fi
fi

# ---- 5: fish -------------------------------------------------------------------

# fish_complete PROG LINE: fish's completions of LINE after sourcing
# completions/PROG.fish, without their descriptions, sorted, no repeats.
fish_complete() {
    (cd "$T/tree" && HOME=$T XDG_CONFIG_HOME=$T/config XDG_DATA_HOME=$T/data \
        fish --no-config -c 'source $argv[1]; and complete -C $argv[2]' "$C/$1.fish" "$2" \
        </dev/null 2>"$T/.err") | cut -f 1 | sort -u
}

# check_fish PROG LINE EXPECTED
check_fish() {
    fish_complete "$1" "$2" >"$T/.got"
    printf '%s\n' $3 | sed '/^$/d' | sort -u >"$T/.want"
    if cmp -s "$T/.want" "$T/.got" && [ ! -s "$T/.err" ]; then
        pass "completions/fish $2<TAB>"
    else
        fail "completions/fish $2<TAB>" \
            "expected \"$(tr '\n' ' ' <"$T/.want")\", got \"$(tr '\n' ' ' <"$T/.got")\" $(head -c 200 "$T/.err")"
    fi
}

if command -v fish >/dev/null 2>&1; then
    for p in srcgrep srccat; do
        if fish --no-config -n "$C/$p.fish" 2>"$T/.err"; then
            pass "completions/fish -n $p.fish"
        else
            fail "completions/fish -n $p.fish" "$(head -c 300 "$T/.err")"
        fi
    done
    # fish offers "--name" and also "--name=" for options with values
    for p in srcgrep srccat; do
        fish_complete $p "$p -" | sed 's/=$//' | sort -u >"$T/.got"
        if cmp -s "$T/$p.fish.offers" "$T/.got"; then
            pass "completions/fish $p -<TAB>"
        else
            fail "completions/fish $p -<TAB>" "offers $(comm -3 "$T/$p.fish.offers" "$T/.got" | tr -d '\t' | tr '\n' ' ')differently from its complete lines"
        fi
    done
    check_fish srcgrep 'srcgrep --col' '--color --color= --colour --colour= --column'
    check_fish srcgrep 'srcgrep --color=' '--color=always --color=never --color=auto'
    check_fish srcgrep 'srcgrep --binary-files=w' '--binary-files=without-match'
    check_fish srcgrep 'srcgrep -d ' 'read skip recurse'
    check_fish srcgrep 'srcgrep --sort=' '--sort=none --sort=path'
    check_fish srcgrep 'srcgrep ' ''
    check_fish srcgrep 'srcgrep -i -A 3 ' ''
    check_fish srcgrep 'srcgrep x ' 'a.log b.txt sub/'
    check_fish srcgrep 'srcgrep -e x ' 'a.log b.txt sub/'
    check_fish srcgrep 'srcgrep --exclude-dir=' '--exclude-dir=sub/'
    check_fish srccat 'srccat --l' '--layers --list'
    check_fish srccat 'srccat --encoding=utf-16' '--encoding=utf-16 --encoding=utf-16le --encoding=utf-16be'
    check_fish srccat 'srccat ' 'a.log b.txt sub/'
fi
