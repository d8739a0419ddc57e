#!/usr/bin/env bash
# The shipped examples work against the test bed: the CI validation script passes on a good
# setup and fails the job with scepctl's exit code on a bad one.
. "$(dirname "$0")/lib.sh"
examples=$(cd "$(dirname "$0")/../../examples" && pwd)
export KRB5CCNAME=FILE:$WORK/user-ccache

write_config() { # write_config FILE FINGERPRINT
  { bed_ndes_config keytab generic "$2" && printf '\n[profile.device]\nca = "bed"\n'; } >"$1"
}

mkdir -p "$WORK/good" "$WORK/bad"
write_config "$WORK/good.toml" "sha256:$TESTBED_CA_SHA256"
run "ci-validate-ndes.sh on a good setup" env SCEPCTL="$SCEPCTL" SCEPCTL_CONFIG="$WORK/good.toml" \
  REPORT_DIR="$WORK/good" ENROLL_TEST=1 "$examples/ci-validate-ndes.sh" device
expect_rc 0
expect_out "NDES setup for profile 'device' is valid"
expect "check-ndes report kept, result PASS, the Kerberos walk and the test enrollment in it" python3 -c "
import json, sys
d = json.load(open('$WORK/good/scepctl-check-ndes.json'))
ids = [c['id'] for c in d['checks']]
sys.exit(not (d['result'] == 'PASS' and 'kerberos-negotiate' in ids and 'enroll-test' in ids))"
expect "the JUnit report has one testcase per check, no failure" python3 -c "
import sys, xml.etree.ElementTree as ET
cases = list(ET.parse('$WORK/good/scepctl-check-ndes.xml').getroot().iter('testcase'))
sys.exit(not (len(cases) > 10 and not any(c.find('failure') is not None for c in cases)))"

write_config "$WORK/bad.toml" "sha256:$(printf '0%.0s' $(seq 64))"
run "ci-validate-ndes.sh with the wrong CA pinned" env SCEPCTL="$SCEPCTL" SCEPCTL_CONFIG="$WORK/bad.toml" \
  REPORT_DIR="$WORK/bad" "$examples/ci-validate-ndes.sh" device
expect_rc 97
expect_err 'FAILED: check-ndes \(exit 97\)'
expect "the JUnit report names the failing check" grep -q '<testcase[^>]*name="ca-fingerprint"' "$WORK/bad/scepctl-check-ndes.xml"

# The shipped unit is valid for systemd, and it may write every directory the shipped example
# profile writes to (under ProtectSystem=strict anything else is read-only: renew would fail).
sed "s|/usr/bin/scepctl|$SCEPCTL|" "$examples/systemd/scepctl-renew.service" >"$WORK/scepctl-renew.service"
cp "$examples/systemd/scepctl-renew.timer" "$WORK/"
run "systemd-analyze verify" systemd-analyze verify "$WORK/scepctl-renew.service" "$WORK/scepctl-renew.timer"
expect_rc 0
expect "systemd-analyze has nothing to say about the units" test -z "$err$out"
writable=$(sed -n 's/^ReadWritePaths=//p' "$examples/systemd/scepctl-renew.service")
profile_dirs=$(python3 -c "
import os, tomllib
p = tomllib.load(open('$examples/ndes-kerberos.toml', 'rb'))['profile']['device']
out = p.get('out_dir', '.')
for key, name in (('key_out', 'key.pem'), ('cert_out', 'cert.pem'), ('chain_out', 'chain.pem')):
    print(os.path.dirname(p.get(key, os.path.join(out, name))))" | sort -u)
for dir in $profile_dirs; do
  covered=false
  for allowed in $writable; do
    case "$dir/" in "$allowed"/*) covered=true ;; esac
  done
  expect "the unit may write $dir (a directory of [profile.device])" $covered
done

# The systemd service and the cron line, run as written (binary, config path and the deploy
# hook substituted): not due on a fresh certificate; due, renewed and deployed 340 days later.
mkdir -p "$WORK/pki"
cat >"$WORK/renew.toml" <<EOF2
[ca.bed]
scep_url = "$TESTBED_SCEP_URL"
ca_fingerprint = "sha256:$TESTBED_CA_SHA256"

[profile.device]
ca = "bed"
subject = "CN=renew-example"
out_dir = "$WORK/pki"
EOF2
# scepserver wants the challenge on renewals too (NDES does not); the service would get it
# from an EnvironmentFile.
export SCEPCTL_CHALLENGE=$TESTBED_CHALLENGE
scepctl enroll --config "$WORK/renew.toml" --profile device
expect_rc 0
first_serial=$(openssl x509 -in "$WORK/pki/cert.pem" -noout -serial)
adapt() { # the example's command with our binary, config and a recording hook
  sed -e "s|/usr/bin/scepctl|$SCEPCTL|" -e "s|/etc/scepctl/config.toml|$WORK/renew.toml|" \
      -e "s|systemctl reload nginx|echo deployed \$SCEPCTL_NEW_SERIAL >>$WORK/hook.log|" <<<"$1"
}
service_line=$(adapt "$(sed -n 's/^ExecStart=//p' "$examples/systemd/scepctl-renew.service")")
expect "the service has one ExecStart" test -n "$service_line"
run "systemd service, fresh certificate" env SCEPCTL_CONFIG="$WORK/renew.toml" sh -c "$service_line"
expect_rc 0
expect_out 'not due'
expect "no hook ran" test ! -e "$WORK/hook.log"
run "systemd service, 340 days later" faketime -f +340d env SCEPCTL_CONFIG="$WORK/renew.toml" sh -c "$service_line"
expect_rc 0
expect "the hook ran once" test "$(wc -l <"$WORK/hook.log" 2>/dev/null)" = 1
expect "a new certificate" test "$(openssl x509 -in "$WORK/pki/cert.pem" -noout -serial)" != "$first_serial"
expect_key_matches "$WORK/pki/cert.pem" "$WORK/pki/key.pem"
cron_line=$(adapt "$(grep -v '^#' "$examples/scepctl-renew.cron" | awk 'NF { $1 = $2 = $3 = $4 = $5 = $6 = ""; print }')")
expect "the cron file has a command" test -n "$cron_line"
run "cron line" sh -c "$cron_line"
expect_rc 0
expect_out 'not due'
grep -q '^OnCalendar=daily' "$examples/systemd/scepctl-renew.timer" && grep -q '^Persistent=true' "$examples/systemd/scepctl-renew.timer"
expect "the timer runs daily and catches up" test $? -eq 0
finish
