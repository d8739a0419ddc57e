#!/usr/bin/env bash
# The whole test suite on a fresh Debian 12 machine: install, build, run every test through CTest.
# Needs root: apt-get, and the interop test bed runs its servers in a private network namespace.
#
# Two builds, then one CTest run over the tests of both from SUITE_DIR (default build-suite/; its
# summary line ends the output):
#   1. g++ in BUILD_DIR (default build/): every unit, interop and docs test, valgrind included
#   2. clang with ASan + UBSan and libFuzzer coverage in SANITIZE_BUILD_DIR (default
#      build-sanitize/, its own test bed): the unit and interop tests again, named "asan ...",
#      and a smoke run of each fuzz target ("fuzz: TARGET smoke", FUZZ_SECONDS each, default 15)
# SCEPCTL_TEST_STAGES picks builds, e.g. "1" for the quick run (default "1 2").
set -uo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
stages=${SCEPCTL_TEST_STAGES:-1 2}
build=${BUILD_DIR:-$root/build}
sanitize_build=${SANITIZE_BUILD_DIR:-$root/build-sanitize}
suite=${SUITE_DIR:-$root/build-suite}

"$root/scripts/install-deps.sh" || exit 1

selected() { case " $stages " in *" $1 "*) return 0 ;; esac; return 1; }
tested=()
if selected 1; then
  echo "=== build 1: g++"
  "$root/scripts/build.sh" || exit 1
  tested+=("$build")
fi
if selected 2; then
  echo "=== build 2: clang, ASan + UBSan, libFuzzer targets"
  # -O1 with line tables only: what ASan's docs recommend, and half the compile time of -O2 -g.
  BUILD_DIR=$sanitize_build "$root/scripts/build.sh" -DCMAKE_CXX_COMPILER=clang++ -DSCEPCTL_SANITIZE=ON \
    -DSCEPCTL_FUZZ=ON "-DSCEPCTL_FUZZ_SMOKE_SECONDS=${FUZZ_SECONDS:-15}" \
    "-DCMAKE_CXX_FLAGS_RELWITHDEBINFO=-O1 -gline-tables-only -DNDEBUG" || exit 1
  tested+=("$sanitize_build")
fi
[ ${#tested[@]} -gt 0 ] || { echo "SCEPCTL_TEST_STAGES='$stages' selects no build (1, 2)" >&2; exit 64; }

# One CTest run over every selected build: CTest reads each build's tests through subdirs().
mkdir -p "$suite"
{
  echo "# Written by scripts/test.sh: the tests of these builds, run as one suite."
  printf 'subdirs("%s")\n' "${tested[@]}"
} >"$suite/CTestTestfile.cmake"
echo "=== tests of: ${tested[*]}"
# LeakSanitizer is on in the sanitizer build: a leak fails the test that leaked.
cd "$suite" && exec ctest --output-on-failure --parallel 2
