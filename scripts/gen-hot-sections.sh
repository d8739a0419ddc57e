#!/usr/bin/env bash
# Regenerates src/cli/hot_sections.ld: the input sections of the code that `scepctl getcacaps`,
# `getcacert` and `enroll --key` (existing RSA-2048 key) execute against the test bed's scepserver,
# which the link then places together before the rest of .text. The kernel maps a binary's code in
# fault-around windows; with the executed code scattered over 2.9 MB of text, a GetCACaps mapped
# 1.8 MiB of scepctl's code, together 0.9 MiB (bench/notes/cpu.md). Run after larger changes to
# what those commands execute (a function renamed or added there falls back to the cold part:
# correct, only less compact), then rebuild.
#
#   scripts/gen-hot-sections.sh [BUILD_DIR]      (default build/; needs valgrind and the test bed)
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
build=$(cd "${1:-$root/build}" && pwd)
cmake --build "$build" --target scepctl >/dev/null
[ -f "$build/scepctl.map" ] || { echo "gen-hot-sections: no $build/scepctl.map (a sanitizer build?)" >&2; exit 1; }
command -v valgrind >/dev/null || { echo "gen-hot-sections: needs valgrind (apt-get install valgrind)" >&2; exit 1; }
bed=$(mktemp -d /tmp/scepctl-hot.XXXXXX)
chmod 755 "$bed"
trap '"$root/tests/interop/testbed/down.sh" "$bed" >/dev/null 2>&1 || true; rm -rf "$bed" "$bed.log"' EXIT
"$root/tests/interop/testbed/up.sh" "$bed" >"$bed.log" 2>&1 || { cat "$bed.log"; exit 1; }
# shellcheck source=/dev/null
. "$bed/env.sh"
tb=$bed/bin/tb
work=$bed/work
mkdir -p "$work/out"
openssl genrsa -traditional -out "$work/key.pem" 2048 2>/dev/null
grind() {
  local name=$1
  shift
  "$tb" valgrind --tool=callgrind --dump-instr=yes --compress-pos=no --compress-strings=no \
    --callgrind-out-file="$work/$name.cg" "$@" >/dev/null 2>"$work/$name.err" ||
    { cat "$work/$name.err" >&2; exit 1; }
}
grind caps "$build/scepctl" getcacaps --url "$TESTBED_SCEP_DIRECT_URL"
grind cacert "$build/scepctl" getcacert --url "$TESTBED_SCEP_DIRECT_URL"
SCEPCTL_CHALLENGE=$(cat "$TESTBED_CHALLENGE_FILE")
export SCEPCTL_CHALLENGE
grind enroll "$build/scepctl" -q enroll \
  --url "$TESTBED_SCEP_DIRECT_URL" --key "$work/key.pem" --subject CN=hot --out-dir "$work/out"
python3 "$root/scripts/hot_sections.py" "$build/scepctl.map" "$root/src/cli/hot_sections.ld" \
  "$work/caps.cg" "$work/cacert.cg" "$work/enroll.cg"
echo "written: $root/src/cli/hot_sections.ld (rebuild scepctl)"
