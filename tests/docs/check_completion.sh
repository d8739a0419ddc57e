#!/usr/bin/env bash
# The bash completion, driven the way bash drives it: subcommands, a subcommand's options, values.
set -u
scepctl=${1:?usage: check_completion.sh SCEPCTL COMPLETION-SCRIPT}
# shellcheck source=/dev/null
. "${2:?}"
failed=0
complete_line() { # complete_line WORD...: sets COMPREPLY for the last word
  COMP_WORDS=("$scepctl" "$@")
  COMP_CWORD=$#
  COMPREPLY=()
  _scepctl
}
expect_has() { # expect_has WORD DESCRIPTION
  if printf '%s\n' "${COMPREPLY[@]}" | grep -qxF -- "$1"; then echo "ok: $2"; else echo "FAIL: $2 (got: ${COMPREPLY[*]})"; failed=$((failed + 1)); fi
}
expect_lacks() {
  if printf '%s\n' "${COMPREPLY[@]}" | grep -qxF -- "$1"; then echo "FAIL: $2"; failed=$((failed + 1)); else echo "ok: $2"; fi
}
complete_line ""
expect_has enroll "subcommands offered"
expect_has check-kerberos "every subcommand, check-kerberos too"
complete_line decode --ca-b
expect_has --ca-bundle "decode's own options"
complete_line decode "$(dirname "${2:?}")/scepctl.ba"
expect_has "$(dirname "${2:?}")/scepctl.bash" "decode's FILE argument completes files"
complete_line en
expect_has enroll "prefix 'en' gives enroll"
expect_lacks getcacaps "prefix 'en' excludes getcacaps"
complete_line enroll --ch
expect_has --challenge-url "enroll's own options"
expect_has --challenge-file "enroll's own options (2)"
complete_line --json enroll --ke
expect_has --key-size "subcommand found after a global option"
complete_line getchallenge --k
expect_has --keytab "getchallenge options"
expect_lacks --key-size "getchallenge has no --key-size"
complete_line enroll --cipher a
expect_has aes256 "--cipher values"
complete_line --pro
expect_has --profile "global options"
complete_line enroll --js
expect_has --json "global options after the subcommand"
complete_line getcacaps --ver
expect_has --verbose "global options after the subcommand (2)"
# --profile and --ca complete the names of the configuration file in effect.
config=$(mktemp)
trap 'rm -f "$config"' EXIT
printf '[ca.ndes-prod]\nscep_url = "https://a/"\n\n[profile.web-server] # a comment\nca = "ndes-prod"\n\n[profile.vpn]\nca = "ndes-prod"\n' >"$config"
complete_line --config "$config" enroll --profile ""
expect_has web-server "--profile names from --config"
expect_has vpn "--profile names from --config (2)"
expect_lacks ndes-prod "--profile does not offer CA names"
complete_line --config "$config" getcacaps --ca nd
expect_has ndes-prod "--ca names from --config"
SCEPCTL_CONFIG=$config complete_line enroll --profile w
expect_has web-server "--profile names from SCEPCTL_CONFIG"
echo "$failed failed"
[ "$failed" -eq 0 ]
