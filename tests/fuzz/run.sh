#!/usr/bin/env bash
# tests/fuzz/run.sh [SECONDS [TARGET...]]: builds the libFuzzer targets with clang, ASan and UBSan
# in FUZZ_BUILD_DIR (default build-fuzz/, its own build directory; an existing clang build made
# with -DSCEPCTL_FUZZ=ON, such as scripts/test.sh's build-sanitize/, is reused) and runs each for
# SECONDS (default 60), one after another (run_target.sh: seeds, corpus, what fails), stopping at
# the first failure. Last lines: one summary line per target.
set -euo pipefail
seconds=${1:-60}
shift || true
root=$(cd "$(dirname "$0")/../.." && pwd)
build=${FUZZ_BUILD_DIR:-$root/build-fuzz}
all=(fuzz_caps fuzz_ca_certs fuzz_cert_rep fuzz_challenge_page fuzz_config fuzz_subject fuzz_decode)
targets=("$@")
[ ${#targets[@]} -gt 0 ] || targets=("${all[@]}")
case $seconds in '' | *[!0-9]*) echo "usage: tests/fuzz/run.sh [SECONDS [TARGET...]]" >&2; exit 64 ;; esac

command -v clang++ >/dev/null || { echo "fuzz: clang++ not found (Debian packages clang libclang-rt-14-dev)" >&2; exit 1; }
if [ -e "$build/CMakeCache.txt" ]; then
  # An existing clang build (e.g. scripts/test.sh's sanitizer build) keeps its settings.
  cmake -S "$root" -B "$build" -DSCEPCTL_FUZZ=ON >/dev/null
else
  cmake -S "$root" -B "$build" -DCMAKE_CXX_COMPILER=clang++ -DCMAKE_BUILD_TYPE=RelWithDebInfo -DSCEPCTL_FUZZ=ON \
    -DSCEPCTL_BUILD_TESTS=OFF >/dev/null
fi
cmake --build "$build" --parallel "$(nproc)" --target "${targets[@]}"

output=$(mktemp)
trap 'rm -f "$output"' EXIT
summary=()
status=0
for target in "${targets[@]}"; do
  "$root/tests/fuzz/run_target.sh" "$build" "$target" "$seconds" | tee "$output" || status=1
  summary+=("$(tail -n 1 "$output")")
  [ "$status" -eq 0 ] || break
done
echo "--"
printf '%s\n' "${summary[@]}"
exit "$status"
