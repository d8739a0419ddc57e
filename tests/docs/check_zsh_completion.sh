#!/usr/bin/env bash
# The zsh completion (completion/_scepctl), driven the way zsh drives it: a real interactive zsh on
# a pseudo-terminal (zsh/zpty) with compinit and the completion on its fpath types a command line
# and TAB; a wrapper around compadd prints every match zsh would offer, the shell exits after the
# completion, and the matches are compared with what they should be.
set -u
scepctl=${1:?usage: check_zsh_completion.sh SCEPCTL COMPLETION-DIR}
completion_dir=${2:?usage: check_zsh_completion.sh SCEPCTL COMPLETION-DIR}
command -v zsh >/dev/null || { echo "FAIL: zsh is not installed (scripts/install-deps.sh installs it)"; exit 1; }
bin=$(mktemp -d)
trap 'rm -rf "$bin"' EXIT
# The completion is for the command named scepctl: put the binary under test on PATH by that name.
ln -s "$(cd "$(dirname "$scepctl")" && pwd)/$(basename "$scepctl")" "$bin/scepctl"
mkdir "$bin/home"

# The interactive shell's setup: compinit without a dump, TAB completes, every compadd prints
# "match:WORD" for each word zsh keeps (after its own filtering against the prefix), then exit.
cat >"$bin/init.zsh" <<EOF
PS1='' PROMPT='' RPROMPT=''
fpath=("$completion_dir" \$fpath)
autoload -Uz compinit && compinit -u -D
compadd() {
  # internal calls that only collect words (-O/-A/-D) pass through untouched
  if [[ \${@[1,(i)(-|--)]} == *-(O|A|D)\ * ]]; then builtin compadd "\$@"; return; fi
  local -a __matches
  builtin compadd -O __matches "\$@"
  (( \$#__matches )) && print -rl -- "" "match:"\${^__matches} # from a line of its own
  builtin compadd "\$@"
}
comppostfuncs=(_scepctl_test_done)
_scepctl_test_done() { print -r -- "completion-done"; exit }
bindkey '^I' complete-word
EOF

# complete LINE: the matches zsh offers for LINE (the cursor at its end), one a line.
complete() {
  HOME=$bin/home PATH="$bin:$PATH" ZDOTDIR=$bin/home LINE=$1 INIT=$bin/init.zsh timeout 20 zsh -f -c '
    zmodload zsh/zpty || exit 1
    zpty z "zsh -f -i"
    zpty -w z "source ${(q)INIT}"
    zpty -w -n z "$LINE"$'"'"'\t'"'"'
    output=""
    while zpty -r z chunk; do
      output+=$chunk
      [[ $output == *completion-done* ]] && break
    done
    zpty -d z
    print -r -- "$output"' | tr -d '\r' | sed -n 's/^match://p'
}
failed=0
expect_has() { # expect_has MATCHES WORD DESCRIPTION
  if grep -qxF -- "$2" <<<"$1"; then echo "ok: $3"; else echo "FAIL: $3 (got: $(tr '\n' ' ' <<<"$1"))"; failed=$((failed + 1)); fi
}
expect_lacks() {
  if grep -qxF -- "$2" <<<"$1"; then echo "FAIL: $3"; failed=$((failed + 1)); else echo "ok: $3"; fi
}

got=$(complete "scepctl ")
expect_has "$got" enroll "subcommands offered"
expect_has "$got" check-kerberos "every subcommand, check-kerberos too"
got=$(complete "scepctl en")
expect_has "$got" enroll "prefix 'en' gives enroll"
expect_lacks "$got" getcacaps "prefix 'en' excludes getcacaps"
got=$(complete "scepctl enroll --ch")
expect_has "$got" --challenge-url "enroll's own options"
expect_has "$got" --challenge-file "enroll's own options (2)"
expect_lacks "$got" --json "only what matches the prefix"
got=$(complete "scepctl --json enroll --ke")
expect_has "$got" --key-size "subcommand found after a global option"
got=$(complete "scepctl getchallenge --k")
expect_has "$got" --keytab "getchallenge options"
expect_lacks "$got" --key-size "getchallenge has no --key-size"
got=$(complete "scepctl enroll --cipher a")
expect_has "$got" aes256 "--cipher values"
expect_has "$got" aes128 "--cipher values (2)"
expect_lacks "$got" des3 "--cipher values match the prefix"
got=$(complete "scepctl --pro")
expect_has "$got" --profile "global options"
got=$(complete "scepctl enroll --js")
expect_has "$got" --json "global options after the subcommand"
got=$(complete "scepctl getcacaps --ver")
expect_has "$got" --verbose "global options after the subcommand (2)"
got=$(complete "scepctl decode $completion_dir/_scep")
expect_has "$got" _scepctl "decode's FILE argument completes files"

# --profile and --ca complete the names of the configuration file in effect.
config=$bin/config.toml
printf '[ca.ndes-prod]\nscep_url = "https://a/"\n\n[profile.web-server] # a comment\nca = "ndes-prod"\n\n[profile.vpn]\nca = "ndes-prod"\n' >"$config"
got=$(complete "scepctl --config $config enroll --profile ")
expect_has "$got" web-server "--profile names from --config"
expect_has "$got" vpn "--profile names from --config (2)"
expect_lacks "$got" ndes-prod "--profile does not offer CA names"
got=$(complete "scepctl --config $config getcacaps --ca nd")
expect_has "$got" ndes-prod "--ca names from --config"
got=$(SCEPCTL_CONFIG=$config complete "scepctl enroll --profile w")
expect_has "$got" web-server "--profile names from SCEPCTL_CONFIG"
echo "$failed failed"
[ "$failed" -eq 0 ]
