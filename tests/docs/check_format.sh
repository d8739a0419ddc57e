#!/usr/bin/env bash
# Every C++ file of the tree follows the project's .clang-format (Debian 12's clang-format 14):
# clang-format --dry-run -Werror on each, naming the files that differ and how to fix them.
set -u
root=${1:?usage: check_format.sh SOURCE_DIR}
cd "$root" || exit 1
if git rev-parse --is-inside-work-tree >/dev/null 2>&1; then
  mapfile -t files < <(git ls-files -co --exclude-standard '*.cpp' '*.hpp')
else
  mapfile -t files < <(find include src tests bench -name '*.cpp' -o -name '*.hpp')
fi
bad=()
for file in "${files[@]}"; do
  [ -f "$file" ] || continue
  clang-format --dry-run -Werror "$file" >/dev/null 2>&1 || bad+=("$file")
done
echo "${#files[@]} files checked with $(clang-format --version | head -n 1)"
if [ ${#bad[@]} -gt 0 ]; then
  printf 'FAIL: not formatted: %s\n' "${bad[@]}"
  echo "fix: clang-format -i ${bad[*]}"
  exit 1
fi
