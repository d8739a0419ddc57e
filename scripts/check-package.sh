#!/usr/bin/env bash
# CI step: build the .deb, install it on this machine with apt (so its dependencies resolve),
# and check that the installed tool runs and its man pages and completion are in place.
# It installs system-wide: meant for the throw-away CI machine (remove with apt-get remove scepctl).
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
deb=$("$root/scripts/package.sh")
echo "package: $deb"
apt-get install -y "$deb" >/dev/null
test "$(command -v scepctl)" = /usr/bin/scepctl
/usr/bin/scepctl --version
# (whole pages into variables: grep -q closing the pipe early would fail the pipeline)
page=$(man -P cat scepctl); grep -qE 'SCEP +\(RFC +8894\) +enrollment +client' <<<"$page"
page=$(man -P cat 5 scepctl.toml); grep -qE 'configuration +file +for +scepctl' <<<"$page"
page=$(man -P cat scepctl-enroll); grep -qE 'enroll +for +a +certificate +with +SCEP' <<<"$page"
test -f /usr/share/bash-completion/completions/scepctl
test -f /usr/share/zsh/vendor-completions/_scepctl
test -f /usr/share/doc/scepctl/examples/ndes-kerberos.toml
echo "package check: OK"
