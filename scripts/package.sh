#!/usr/bin/env bash
# Builds the Debian package from BUILD_DIR (default: build/) and prints its path.
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
build_dir=${BUILD_DIR:-$root/build}
"$root/scripts/build.sh" >/dev/null
(cd "$build_dir" && cpack -G DEB >/dev/null)
ls -1t "$build_dir"/scepctl_*.deb | head -n 1
