#!/usr/bin/env bash
# getcert and getcrl (RFC 8894 §3.3.4) against the NDES fixture with --getcert-getcrl, and the
# refusals of servers without them: NDES (the fixture's default, FAILURE badRequest) and
# scepserver (HTTP 500).
. "$(dirname "$0")/lib.sh"
FIXTURE_PORT=18952
data=$FIXTURE_DATA

start_fixture rfc --getcert-getcrl
# A certificate to ask about: enrolled with scepctl, kept with its key.
mkdir -p "$WORK/dev"
scepctl enroll --url "$FIXTURE_URL" --ca-fingerprint "$FIXTURE_PIN" --subject CN=getcert-device --out-dir "$WORK/dev"
expect_rc 0
serial=$(openssl x509 -in "$WORK/dev/cert.pem" -noout -serial | cut -d= -f2)

# GetCert with a throw-away self-signed signer: the very certificate, PEM, atomically written.
scepctl getcert --url "$FIXTURE_URL" --ca-fingerprint "$FIXTURE_PIN" --serial "$serial" --out "$WORK/got.pem"
expect_rc 0
expect_err 'GetCert sent \(POST, des3, sha256'
expect_out "^serial:     $serial$"
expect "got.pem is the enrolled certificate" cmp -s <(openssl x509 -in "$WORK/got.pem" -outform DER) \
  <(openssl x509 -in "$WORK/dev/cert.pem" -outform DER)
expect "the fixture saw GetCert (21) for that serial, from a self-signed signer" test \
  "$(last_event messageType) $(last_event querySerial) $(last_event signerSelfSigned)" = \
  "21 $(tr 'A-F' 'a-f' <<<"$serial" | sed 's/^0*//') True"
# The serial as colon-separated lower case, signed with the device's own certificate and key.
colons=$(tr 'A-F' 'a-f' <<<"$serial" | sed 's/../&:/g; s/:$//')
scepctl getcert --url "$FIXTURE_URL" --ca-fingerprint "$FIXTURE_PIN" --serial "$colons" --cert "$WORK/dev/cert.pem" \
  --key "$WORK/dev/key.pem" --out "$WORK/got2.pem" --json
expect_rc 0
expect_json "d['serial'] == '$serial' and d['method'] == 'POST' and d['subject'] == 'CN=getcert-device'"
expect "the fixture saw the device certificate as signer" test "$(last_event signerSubject)" = "CN=getcert-device"
# An unknown serial: the CA says badCertId (exit 74), nothing written.
scepctl getcert --url "$FIXTURE_URL" --ca-fingerprint "$FIXTURE_PIN" --serial 0BADC0DE --out "$WORK/none.pem"
expect_rc 74
expect_one_line_error
expect_err 'badCertId'
expect "unknown serial: nothing written" test ! -e "$WORK/none.pem"
# Usage errors before any request: not hex, no --out, an existing --out.
n_events=$(wc -l <"$state/events.jsonl")
scepctl getcert --url "$FIXTURE_URL" --serial 12G4 --out "$WORK/x.pem"
expect_rc 64
expect_err "serial number '12G4' is not hexadecimal"
scepctl getcert --url "$FIXTURE_URL" --serial 01
expect_rc 64
scepctl getcert --url "$FIXTURE_URL" --serial 01 --out "$WORK/got.pem"
expect_rc 93
expect "no request was sent for the usage errors" test "$(wc -l <"$state/events.jsonl")" = "$n_events"

# GetCRL: not revoked, then revoked; the CRL verifies with openssl against the CA.
scepctl getcrl --url "$FIXTURE_URL" --ca-fingerprint "$FIXTURE_PIN" --cert "$WORK/dev/cert.pem" --out "$WORK/crl.pem" --json
expect_rc 0
expect_json "d['revoked'] is False and d['revoked_count'] == 0 and d['issuer'] == 'CN=Test NDES Root CA,O=scepctl tests'"
expect "the fixture saw GetCRL (22) for the device's serial" test "$(last_event messageType)" = 22
expect "crl.pem verifies against the CA (openssl crl -verify)" openssl crl -in "$WORK/crl.pem" -CAfile "$data/ca.pem" -noout -verify
echo "$serial" >"$state/revoked.txt"
scepctl getcrl --url "$FIXTURE_URL" --ca-fingerprint "$FIXTURE_PIN" --cert "$WORK/dev/cert.pem" --key "$WORK/dev/key.pem" \
  --out "$WORK/crl2.pem"
expect_rc 0
expect_out "^serial $serial: REVOKED on "
expect_out '^revoked:     1 certificate\(s\)'
expect "crl2.pem lists the serial (openssl crl -text)" grep -q "Serial Number: $serial" \
  <(openssl crl -in "$WORK/crl2.pem" -noout -text)
expect "with the matching --key, the device certificate signed the GetCRL" test "$(last_event signerSubject)" = "CN=getcert-device"
# A certificate of another CA: refused before any request.
scepctl getcrl --url "$FIXTURE_URL" --ca-fingerprint "$FIXTURE_PIN" --cert "$data/other-ca.pem" --out "$WORK/other.pem"
expect_rc 64
expect_one_line_error
expect_err 'was not issued by this CA'

# NDES does not implement either: FAILURE badRequest (exit 72), and the message says why.
start_fixture ndes --mode success
scepctl getcert --url "$FIXTURE_URL" --ca-fingerprint "$FIXTURE_PIN" --serial "$serial" --out "$WORK/ndes.pem"
expect_rc 72
expect_one_line_error
expect_err 'badRequest.*many servers do not implement GetCert \(NDES answers FAILURE badRequest'
scepctl getcrl --url "$FIXTURE_URL" --ca-fingerprint "$FIXTURE_PIN" --cert "$WORK/dev/cert.pem" --out "$WORK/ndes-crl.pem"
expect_rc 72
expect_err 'many servers do not implement GetCRL'
expect "ndes: nothing written" test ! -e "$WORK/ndes.pem" -a ! -e "$WORK/ndes-crl.pem"
stop_fixture

# scepserver: HTTP 500 to both, explained the same way (exit 81).
scepctl getcert --url "$TESTBED_SCEP_URL_TLS" --cacert "$TESTBED_TLS_CA" --ca-fingerprint "sha256:$TESTBED_CA_SHA256" \
  --serial 02 --out "$WORK/bed.pem"
expect_rc 81
expect_one_line_error
expect_err 'HTTP 500.*many servers do not implement GetCert'
scepctl getcrl --url "$TESTBED_SCEP_URL_TLS" --cacert "$TESTBED_TLS_CA" --ca-fingerprint "sha256:$TESTBED_CA_SHA256" \
  --cert "$TESTBED_SCEP_CA" --out "$WORK/bed-crl.pem"
expect_rc 81
expect_err 'HTTP 500.*many servers do not implement GetCRL'
expect "scepserver: nothing written" test ! -e "$WORK/bed.pem" -a ! -e "$WORK/bed-crl.pem"

finish
