#!/usr/bin/env bash
# Rewrites the generated parts of the man pages (OPTIONS, GLOBAL OPTIONS) and of the bash and zsh
# completions (the values of options) from the option table, src/config/options.cpp:
#   scripts/gen-docs.sh [BUILD_DIR | GEN_DOCS_BINARY] [TREE]
# BUILD_DIR (default: $BUILD_DIR, else build/, as for scripts/build.sh) gets the gen_docs target
# built first; TREE (default: this checkout) is the tree whose man/ and completion/ are rewritten.
# Only the lines between the markers
#   .\" BEGIN GENERATED OPTIONS (scripts/gen-docs.sh)  ...  .\" END GENERATED OPTIONS
# (in the completion: # BEGIN ... / # END ...) change; everything around them is hand-written.
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
target=${1:-${BUILD_DIR:-$root/build}}
tree=${2:-$root}
if [ -d "$target" ]; then
  cmake --build "$target" --target gen_docs >/dev/null
  gen_docs=$target/tools/gen_docs
else
  gen_docs=$target
fi
[ -x "$gen_docs" ] || { echo "gen-docs.sh: $gen_docs is not an executable; build the gen_docs target" >&2; exit 1; }
generated=$(mktemp)
trap 'rm -f "$generated" "$generated.new"' EXIT

# replace FILE: the lines between its one pair of markers become $generated's.
replace() {
  awk -v generated="$generated" '
    /^(\.\\"|[[:space:]]*#) BEGIN GENERATED OPTIONS/ {
      print; begins++; skipping = 1
      while ((getline line < generated) > 0) print line
      close(generated)
      next
    }
    /^(\.\\"|[[:space:]]*#) END GENERATED OPTIONS/ { skipping = 0; ends++ }
    !skipping { print }
    END { if (begins != 1 || ends != 1) exit 1 }' "$1" >"$generated.new" ||
    { echo "gen-docs.sh: $1 needs exactly one BEGIN and one END GENERATED OPTIONS marker" >&2; exit 1; }
  cmp -s "$generated.new" "$1" || cat "$generated.new" >"$1"
}

"$gen_docs" man-global >"$generated"
replace "$tree/man/scepctl.1"
commands=$("$gen_docs" commands)
for command in $commands; do
  "$gen_docs" man "$command" >"$generated"
  replace "$tree/man/scepctl-$command.1"
done
"$gen_docs" completion >"$generated"
replace "$tree/completion/scepctl.bash"
"$gen_docs" completion-zsh >"$generated"
replace "$tree/completion/_scepctl"
