#!/usr/bin/env bash
# The main job on a fresh Debian 12 machine: install, build, start the local test bed (real
# scepserver, MIT KDC and Apache with mod_auth_gssapi as the NDES admin page, in a private
# network namespace), show scepctl working against it — the plain SCEP commands, then the Kerberos
# story NDES setups need — and stop the bed again. Needs root (apt-get, network namespace).
#   scripts/demo.sh          everything, then the bed stops
#   scripts/demo.sh --keep   leave the bed running, to paste the commands shown into a shell
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
keep=false
[ "${1:-}" = --keep ] && keep=true
"$root/scripts/install-deps.sh"
"$root/scripts/build.sh"
scepctl=${BUILD_DIR:-$root/build}/scepctl

bed=$(mktemp -d /tmp/scepctl-demo-XXXXXX)
chmod 755 "$bed"
if $keep; then
  trap 'echo "The bed is still up: enter it with $bed/bin/tb bash; stop it with $root/tests/interop/testbed/down.sh $bed"' EXIT
else
  trap '"$root/tests/interop/testbed/down.sh" "$bed" >/dev/null && rm -rf "$bed"' EXIT
fi
"$root/tests/interop/testbed/up.sh" "$bed" >/dev/null
# shellcheck source=/dev/null
. "$bed/env.sh"
# scepctl makes its own private krb5.conf from [kerberos]: the bed's client config is not needed.
unset http_proxy https_proxy HTTP_PROXY HTTPS_PROXY ALL_PROXY all_proxy KRB5_CONFIG

quote() { # one word as a shell reads it back: as is when safe, else in single quotes
  if [[ $1 =~ ^[A-Za-z0-9_./:=@%+,-]+$ ]]; then printf '%s' "$1"; else printf "'%s'" "${1//\'/\'\\\'\'}"; fi
}
show() { # prints the command as a user would type it (paste-able), then runs it inside the bed
  local word line="scepctl"
  for word in "$@"; do line+=" $(quote "$word")"; done
  echo
  echo "\$ $line"
  "$bed/bin/tb" "$scepctl" "$@" || echo "[exit $?]"
}

echo "Test bed up in $bed: scepserver behind Apache at $TESTBED_SCEP_URL (NDES URL layout),"
echo "the NDES admin page at $TESTBED_ADMIN_URL_TLS behind Kerberos (realm $TESTBED_REALM)."
echo "Run the commands below yourself inside the bed: $bed/bin/tb bash (keep it up with --keep)."
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

# The Kerberos story: the connector's service account fetches one-time challenges from the NDES
# admin page with HTTP Negotiate, the way the vendor's connector page configures it.
config=$bed/client/config.toml
cat >"$config" <<EOF
# scepctl configuration for the demo test bed (scepctl.toml(5)), written by scripts/demo.sh.
[kerberos]
realm = "$TESTBED_REALM"
kdc = ["$TESTBED_KDC"]
service_user = "$TESTBED_SVC_PRINCIPAL"
keytab = "$TESTBED_SVC_KEYTAB"
allowed_domains = ["localhost"]

[ca.ndes]
type = "generic"
scep_url = "$TESTBED_SCEP_URL_TLS"
challenge_url = "$TESTBED_ADMIN_URL_TLS"
prefer_kerberos = true
tls_ca_file = "$TESTBED_TLS_CA"
ca_fingerprint = "sha256:$TESTBED_CA_SHA256"
# The bed's KDC (MIT, db2) cannot do constrained delegation, which AD does: shown, not judged.
skip_checks = ["delegation"]

[profile.device]
ca = "ndes"
subject = "CN=\${device}.example.test,O=Example"
san = ["dns:\${device}.example.test"]
out_dir = "$bed/client/\${device}"
EOF
echo
echo "A configuration file for the bed is in $config: the [kerberos] service user with its"
echo "keytab, the CA with its admin page (prefer_kerberos), and a device profile."
show check-kerberos --config "$config" --profile device
show getchallenge --config "$config" --profile device
echo "(a fresh one-time challenge, fetched with the service user's Kerberos ticket)"
mkdir -p "$bed/client/kiosk-7"
show enroll --config "$config" --profile device --var device=kiosk-7
echo "(enroll fetched its own challenge from the admin page, just before the request)"
show check-ndes --config "$config" --profile device --var device=ci-probe --enroll-test --junit "$bed/client/ndes.xml"
echo "(and wrote the same checks as JUnit XML to $bed/client/ndes.xml for a CI job)"
echo
echo "Demo done."
