#!/usr/bin/env bash
# getnextcacert (RFC 8894 §4.7) against the NDES fixture, which can serve a rollover bundle signed
# by the current CA, by its RA, or by an unrelated key, and against scepserver, which does not
# advertise GetNextCACert (nor does NDES).
. "$(dirname "$0")/lib.sh"
FIXTURE_PORT=18951
data=$FIXTURE_DATA

# fingerprints FILE: the SHA-256 of every certificate in a PEM file, sorted, one per line.
fingerprints() {
  local dir; dir=$(mktemp -d "$WORK/fp.XXXXXX")
  csplit -s -z -f "$dir/c" "$1" '/-----BEGIN CERTIFICATE-----/' '{*}'
  for f in "$dir"/c*; do openssl x509 -in "$f" -noout -fingerprint -sha256; done | sort
}

# Signed by the current CA: written as PEM, exactly the fixture's next CA and RA pair.
start_fixture next-ca --next-ca ca
scepctl getnextcacert --url "$FIXTURE_URL" --ca-fingerprint "$FIXTURE_PIN" --out "$WORK/next.pem"
expect_rc 0
expect_err "signed by the current CA 'CN=Test NDES Root CA,O=scepctl tests' \(verified\)"
expect_err "wrote 3 certificate\(s\) to $WORK/next.pem"
expect_out '^certificate 1 of 3: ra-signing'
expect "next.pem holds the fixture's next CA, RA signing and RA encryption certificates" test \
  "$(fingerprints "$WORK/next.pem")" = \
  "$(cat "$state/next-ca/ca.pem" "$state/next-ca/ra-sign.pem" "$state/next-ca/ra-encrypt.pem" >"$WORK/expected.pem"; fingerprints "$WORK/expected.pem")"
expect "next.pem starts with the new CA" cmp -s <(openssl x509 -in "$WORK/next.pem" -outform DER) \
  <(openssl x509 -in "$state/next-ca/ca.pem" -outform DER)
expect "the new CA is not the current one" test "$(openssl x509 -in "$WORK/next.pem" -noout -fingerprint -sha256)" != \
  "$(openssl x509 -in "$data/ca.pem" -noout -fingerprint -sha256)"
expect "next.pem is 0644" test "$(stat -c %a "$WORK/next.pem")" = 644
# --out -: the PEM on standard output, and the note says so (not "to -").
scepctl getnextcacert --url "$FIXTURE_URL" --ca-fingerprint "$FIXTURE_PIN" --out -
expect_rc 0
expect "--out -: stdout holds the three certificates" test "$(grep -c 'BEGIN CERTIFICATE' <<<"$out")" = 3
expect_err 'wrote 3 certificate\(s\) to standard output'
expect_no_err 'to -$'
# --out never replaces a file without --force, and refuses before any request.
scepctl getnextcacert --url "$FIXTURE_URL" --ca-fingerprint "$FIXTURE_PIN" --out "$WORK/next.pem"
expect_rc 93
expect_one_line_error
scepctl getnextcacert --url "$FIXTURE_URL" --ca-fingerprint "$FIXTURE_PIN" --out "$WORK/next.pem" --force --json
expect_rc 0
expect_json "d['signer'] == 'CN=Test NDES Root CA,O=scepctl tests' and len(d['certificates']) == 3 and d['fingerprint_verified']"
expect_json "[c['role'] for c in d['certificates']] == ['ra-signing', 'ca', 'ra-encryption']"

# The trust in the rollover rests on the current CA: a wrong pin stops it (exit 97).
scepctl getnextcacert --url "$FIXTURE_URL" --ca-fingerprint "sha256:$(printf '%064d' 0)" --out "$WORK/pin.pem"
expect_rc 97
expect_one_line_error
expect_err 'CA fingerprint mismatch'
expect "pin: nothing written" test ! -e "$WORK/pin.pem"

# Signed by the current RA signing key: accepted, and the RA is named.
start_fixture next-ra --next-ca ra
scepctl getnextcacert --url "$FIXTURE_URL" --ca-fingerprint "$FIXTURE_PIN" --out "$WORK/next-ra.pem"
expect_rc 0
expect_err "signed by the current RA 'CN=TESTNDES-MSCEP-RA,O=scepctl tests' \(verified\)"

# Signed by a key that is neither the CA's nor its RA's (the signer certificate is in the reply,
# which proves nothing): refused, exit 97, nothing written.
start_fixture next-foreign --next-ca foreign
scepctl getnextcacert --url "$FIXTURE_URL" --ca-fingerprint "$FIXTURE_PIN" --out "$WORK/foreign.pem"
expect_rc 97
expect_one_line_error
expect_err 'not signed by the current CA .* or its RA'
expect "foreign: nothing written" test ! -e "$WORK/foreign.pem"

# Not advertised (NDES as it is): a clear refusal, exit 64, no GetNextCACert request sent.
start_fixture ndes --mode success
scepctl getnextcacert --url "$FIXTURE_URL" --ca-fingerprint "$FIXTURE_PIN" --out "$WORK/ndes.pem"
expect_rc 64
expect_one_line_error
expect_err 'does not advertise GetNextCACert in GetCACaps.*NDES never does'
expect "ndes: no GetNextCACert request reached the fixture" bash -c "! grep -q 'GetNextCACert' '$state/fixture.log'"
stop_fixture

# scepserver does not advertise it either.
scepctl getnextcacert --url "$TESTBED_SCEP_URL_TLS" --cacert "$TESTBED_TLS_CA" --ca-fingerprint "sha256:$TESTBED_CA_SHA256"
expect_rc 64
expect_one_line_error
expect_err 'does not advertise GetNextCACert'

finish
