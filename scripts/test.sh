#!/usr/bin/env bash
# The whole test suite on a fresh Debian 12 machine: install, build, run every test through CTest.
# Needs root: apt-get, and the interop test bed runs its servers in a private network namespace.
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
"$root/scripts/install-deps.sh"
"$root/scripts/build.sh"
cd "${BUILD_DIR:-$root/build}"
ctest --output-on-failure --parallel 2
