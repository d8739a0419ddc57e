#!/usr/bin/env bash
# The main job on a fresh Debian 12 machine: install, build, start the local test bed
# (real scepserver, MIT KDC and Apache in a private network namespace), show scepctl working
# against it, and stop the bed again. Needs root (apt-get, network namespace).
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
"$root/scripts/install-deps.sh"
"$root/scripts/build.sh"
scepctl=${BUILD_DIR:-$root/build}/scepctl

bed=$(mktemp -d /tmp/scepctl-demo-XXXXXX)
chmod 755 "$bed"
trap '"$root/tests/interop/testbed/down.sh" "$bed" >/dev/null && rm -rf "$bed"' EXIT
"$root/tests/interop/testbed/up.sh" "$bed" >/dev/null
# shellcheck source=/dev/null
. "$bed/env.sh"
unset http_proxy https_proxy HTTP_PROXY HTTPS_PROXY ALL_PROXY all_proxy

show() { # prints the command as a user would type it, then runs it inside the bed
  echo
  echo "\$ scepctl $*"
  "$bed/bin/tb" "$scepctl" "$@" || echo "[exit $?]"
}

echo "Test bed up in $bed: scepserver behind Apache at $TESTBED_SCEP_URL (NDES URL layout)"
show --version
show getcacaps --url "$TESTBED_SCEP_URL"
show getcacert --url "$TESTBED_SCEP_URL_TLS" --cacert "$TESTBED_TLS_CA" \
  --ca-fingerprint "$TESTBED_CA_THUMBPRINT_MD5" --out "$bed/client/ca-bundle.pem"
echo "(--ca-fingerprint took the MD5 thumbprint exactly as the NDES admin page prints it)"
mkdir -p "$bed/client/device"
show enroll --url "$TESTBED_SCEP_URL" --ca-fingerprint "sha256:$TESTBED_CA_SHA256" \
  --challenge-file "$TESTBED_CHALLENGE_FILE" --subject 'CN=${device},O=Example' --var device=demo-device \
  --san dns:demo-device.example.test --out-dir "$bed/client/device"
echo
echo "\$ openssl verify -CAfile chain.pem cert.pem"
(cd "$bed/client/device" && openssl verify -CAfile chain.pem cert.pem)
show getcacert --url "$TESTBED_SCEP_URL" --ca-fingerprint "sha256:$(printf '%064d' 0)"
echo "(a wrong fingerprint fails with exit 97 and writes nothing)"
echo
echo "Demo done; stopping the test bed."
