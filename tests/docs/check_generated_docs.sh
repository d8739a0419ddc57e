#!/usr/bin/env bash
# The man pages' OPTIONS sections and the bash completion's option values are what gen_docs makes
# of the option table: regenerates them in a copy of man/ and completion/ and compares.
set -u
gen_docs=${1:?usage: check_generated_docs.sh GEN_DOCS SOURCE_DIR}
root=${2:?usage: check_generated_docs.sh GEN_DOCS SOURCE_DIR}
copy=$(mktemp -d)
trap 'rm -rf "$copy"' EXIT
cp -r "$root/man" "$root/completion" "$copy/" || exit 1
"$root/scripts/gen-docs.sh" "$gen_docs" "$copy" || { echo "FAIL: scripts/gen-docs.sh failed"; exit 1; }
differ=0
diff -ru "$root/man" "$copy/man" || differ=1
diff -ru "$root/completion" "$copy/completion" || differ=1
if [ "$differ" -ne 0 ]; then
  echo "FAIL: the man pages or the completion differ from the option table (src/config/options.cpp)"
  echo "fix: run scripts/gen-docs.sh [BUILD_DIR] and commit the result"
  exit 1
fi
echo "ok: the man pages and the completion match the option table"
