# bash completion for scepctl. Subcommands and options come from scepctl's own --help, so the
# completion never falls behind the binary; the values of options come from the option table
# (the generated block below: scripts/gen-docs.sh).
_scepctl_options() { # long options in a --help text
    sed -nE 's/^  +(-[a-zA-Z],)?(--[a-z0-9-]+).*/\2/p'
}

# The [profile.NAME] or [ca.NAME] names of the configuration file this command line would use:
# --config, else $SCEPCTL_CONFIG, else ~/.config/scepctl/config.toml, else /etc/scepctl/config.toml.
_scepctl_config_names() { # KIND WORD...
    local kind=$1 file="" i
    shift
    for ((i = 1; i < $#; i++)); do
        [[ ${!i} == --config ]] && { local next=$((i + 1)); file=${!next}; }
    done
    file=${file:-${SCEPCTL_CONFIG:-}}
    if [[ -z $file ]]; then
        for file in ~/.config/scepctl/config.toml /etc/scepctl/config.toml ""; do
            [[ -z $file || -r $file ]] && break
        done
    fi
    [[ -n $file && -r $file ]] || return 0
    sed -nE "s/^[[:space:]]*\[$kind\.([A-Za-z0-9_-]+)\][[:space:]]*(#.*)?$/\1/p" "$file"
}

_scepctl() {
    local cur prev words cword
    _init_completion 2>/dev/null || {
        cur=${COMP_WORDS[COMP_CWORD]}
        prev=${COMP_WORDS[COMP_CWORD - 1]}
        words=("${COMP_WORDS[@]}")
        cword=$COMP_CWORD
    }
    local cmd=${words[0]} top sub="" i
    top=$("$cmd" --help 2>/dev/null) || return
    local subcommands
    subcommands=$(sed -n '/^Subcommands:/,$p' <<<"$top" | awk 'NR > 1 && NF { print $1 }')
    for ((i = 1; i < cword; i++)); do
        if grep -qxF -- "${words[i]}" <<<"$subcommands"; then
            sub=${words[i]}
            break
        fi
    done

    case $prev in
        --profile | --ca)
            COMPREPLY=($(compgen -W "$(_scepctl_config_names "${prev#--}" "${words[@]}")" -- "$cur"))
            return
            ;;
    esac
    # Values: files for options that take a path, fixed words where there is a choice.
    # BEGIN GENERATED OPTIONS (scripts/gen-docs.sh)
    case $prev in
        --config | --cacert | --ca-cert-pin | --ca-cache | --out | --key | --key-pass-file | --cert | \
            --challenge-file | --pkcs11-module | --key-out | --cert-out | --chain-out | --p12-out | \
            --p12-pass-file | --keytab | --password-file | --user-password-file | --ca-bundle | --request | \
            --junit | --prometheus)
            COMPREPLY=($(compgen -f -- "$cur"))
            return
            ;;
        --out-dir | --keep)
            COMPREPLY=($(compgen -d -- "$cur"))
            return
            ;;
        --key-usage) COMPREPLY=($(compgen -W "signature encryption both" -- "$cur")); return ;;
        --key-store) COMPREPLY=($(compgen -W "file tpm2 pkcs11" -- "$cur")); return ;;
        --format) COMPREPLY=($(compgen -W "pem der p12" -- "$cur")); return ;;
        --cipher) COMPREPLY=($(compgen -W "aes128 aes256 des3" -- "$cur")); return ;;
        --digest) COMPREPLY=($(compgen -W "sha256 sha512 sha1" -- "$cur")); return ;;
        --method) COMPREPLY=($(compgen -W "auto get post" -- "$cur")); return ;;
        --mode) COMPREPLY=($(compgen -W "auto renewalreq pkcsreq" -- "$cur")); return ;;
        --type) COMPREPLY=($(compgen -W "microsoft generic" -- "$cur")); return ;;
    esac
    # END GENERATED OPTIONS

    if [[ -z $sub ]]; then
        if [[ $cur == -* ]]; then
            COMPREPLY=($(compgen -W "$(_scepctl_options <<<"$top") --help" -- "$cur"))
        else
            COMPREPLY=($(compgen -W "$subcommands" -- "$cur"))
        fi
        return
    fi
    # decode's FILE argument: a captured message.
    if [[ $sub == decode && $cur != -* ]]; then
        COMPREPLY=($(compgen -f -- "$cur"))
        return
    fi
    # The subcommand's own options, and the global ones, which may follow it too.
    COMPREPLY=($(compgen -W "$("$cmd" "$sub" --help 2>/dev/null | _scepctl_options) $(_scepctl_options <<<"$top") --help" \
        -- "$cur"))
}
complete -F _scepctl scepctl
