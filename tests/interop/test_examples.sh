#!/usr/bin/env bash
# The shipped examples work against the test bed: the CI validation script passes on a good
# setup and fails the job with scepctl's exit code on a bad one.
. "$(dirname "$0")/lib.sh"
examples=$(cd "$(dirname "$0")/../../examples" && pwd)
export KRB5CCNAME=FILE:$WORK/user-ccache

write_config() { # write_config FILE FINGERPRINT
  cat >"$1" <<EOF2
[kerberos]
realm = "$TESTBED_REALM"
kdc = ["$TESTBED_KDC"]
service_user = "$TESTBED_SVC_PRINCIPAL"
keytab = "$TESTBED_SVC_KEYTAB"
allowed_domains = ["localhost"]

[ca.bed]
type = "microsoft"
scep_url = "$TESTBED_SCEP_URL_TLS"
challenge_url = "$TESTBED_ADMIN_URL_TLS"
prefer_kerberos = true
tls_ca_file = "$TESTBED_TLS_CA"
ca_fingerprint = "$2"

[profile.device]
ca = "bed"
EOF2
}

mkdir -p "$WORK/good" "$WORK/bad"
write_config "$WORK/good.toml" "sha256:$TESTBED_CA_SHA256"
run "ci-validate-ndes.sh on a good setup" env SCEPCTL="$SCEPCTL" SCEPCTL_CONFIG="$WORK/good.toml" \
  REPORT_DIR="$WORK/good" "$examples/ci-validate-ndes.sh" device
expect_rc 0
expect_out "NDES setup for profile 'device' is valid"
expect "check-kerberos report kept, result pass" python3 -c "import json,sys; sys.exit(json.load(open('$WORK/good/scepctl-check-kerberos.json'))['result'] != 'pass')"

write_config "$WORK/bad.toml" "sha256:$(printf '0%.0s' $(seq 64))"
run "ci-validate-ndes.sh with the wrong CA pinned" env SCEPCTL="$SCEPCTL" SCEPCTL_CONFIG="$WORK/bad.toml" \
  REPORT_DIR="$WORK/bad" "$examples/ci-validate-ndes.sh" device
expect_rc 97
expect_err 'FAILED: getcacert \(exit 97\)'
expect "no later step ran" test ! -e "$WORK/bad/scepctl-check-kerberos.json"
finish
