#!/usr/bin/env bash
# Every long option scepctl's --help lists appears in the matching man page: the global ones in
# scepctl(1), each subcommand's in scepctl-SUBCOMMAND(1). Also: every page renders without warnings.
set -u
scepctl=${1:?usage: check_man_options.sh SCEPCTL MANDIR}
man_dir=${2:?usage: check_man_options.sh SCEPCTL MANDIR}
missing=0 checked=0

# Long options in a --help text: "  -v,--verbose  ..." / "  --url TEXT ..." (help itself excluded).
options_of() { grep -oE '^  +(-[a-zA-Z],)?--[a-z0-9-]+' | sed -E 's/.*(--[a-z0-9-]+)$/\1/' | grep -vx -- '--help'; }
# In roff the dashes are escaped: --url is written \-\-url.
in_page() { grep -qF -- "$(sed 's/-/\\-/g' <<<"$1")" "$2"; }

check() { # check PAGE OPTION...
  local page=$1; shift
  if [ ! -f "$page" ]; then
    echo "FAIL: $page does not exist"
    missing=$((missing + 1))
    return
  fi
  for option in "$@"; do
    checked=$((checked + 1))
    in_page "$option" "$page" || { echo "FAIL: $option is missing from $(basename "$page")"; missing=$((missing + 1)); }
  done
}

top=$("$scepctl" --help)
# shellcheck disable=SC2046
check "$man_dir/scepctl.1" $(options_of <<<"$top")
subcommands=$(sed -n '/^Subcommands:/,$p' <<<"$top" | awk 'NR > 1 && NF { print $1 }')
[ -n "$subcommands" ] || { echo "FAIL: no subcommands found in scepctl --help"; exit 1; }
# Every subcommand page belongs to a subcommand --help lists, and -h lists the same ones (help must
# define every subcommand, though a normal run defines only the one it names).
for page in "$man_dir"/scepctl-*.1; do
  sub=$(basename "$page" .1)
  grep -qx -- "${sub#scepctl-}" <<<"$subcommands" || { echo "FAIL: ${sub#scepctl-} has a page but is not in --help"; missing=$((missing + 1)); }
done
[ "$("$scepctl" -h)" = "$top" ] || { echo "FAIL: scepctl -h differs from scepctl --help"; missing=$((missing + 1)); }
for sub in $subcommands; do
  # A subcommand's --help repeats the global options; only its own must be on its page.
  own=$("$scepctl" "$sub" --help | options_of | grep -vxF -f <(options_of <<<"$top"))
  # shellcheck disable=SC2086
  check "$man_dir/scepctl-$sub.1" $own
  in_page "scepctl-$sub" "$man_dir/scepctl.1" || { echo "FAIL: scepctl.1 does not mention $sub"; missing=$((missing + 1)); }
done
for page in "$man_dir"/*.[15]; do
  warnings=$(MANWIDTH=80 man --warnings -l "$page" 2>&1 >/dev/null)
  [ -z "$warnings" ] || { echo "FAIL: $(basename "$page") renders with warnings: $warnings"; missing=$((missing + 1)); }
done
echo "$checked options checked against $(wc -w <<<"$subcommands") subcommand pages; $missing problem(s)"
[ "$missing" -eq 0 ]
