#!/usr/bin/env bash
# renew --ca-cache against the NDES fixture: enroll keeps the CA/RA certificates, renew uses them
# instead of GetCACert while they match the pinned CA (counted in the fixture's request log), and
# when the server's RA certificates changed (fixture --ra-expiry renewed: a new RA pair) the first
# request fails, renew asks GetCACert and sends it again to the new RA, and the file is replaced.
# Pinning is never weakened: no pin, no cache; a cache that does not match the pin is not used.
. "$(dirname "$0")/lib.sh"

FIXTURE_PORT=18983
printf '8CE317021F690069\n' >"$WORK/challenge"
d="$WORK/c"
cache="$d/ca-ra.pem"
# requests OPERATION: how many the current fixture has answered (its log has one "PATH -> STATUS"
# line per answer, besides http.server's own line).
requests() { grep -c "operation=$1.* -> [0-9]" "$state/fixture.log" || true; }
renew_cached() { scepctl renew --url "$FIXTURE_URL" --out-dir "$d" --ca-cache "$cache" "$@"; }
# fingerprints_in PEM_FILE: the SHA-256 fingerprint of each certificate in it.
fingerprints_in() {
  rm -f "$WORK"/split*.pem
  awk -v d="$WORK/split" '/BEGIN CERTIFICATE/ { n++ } n { print > (d n ".pem") }' "$1"
  for f in "$WORK"/split*.pem; do openssl x509 -in "$f" -noout -fingerprint -sha256; done
}
# holds_cert PEM_FILE CERT: CERT is one of PEM_FILE's certificates.
holds_cert() { fingerprints_in "$1" | grep -qxF "$(openssl x509 -in "$2" -noout -fingerprint -sha256)"; }
lacks_cert() { ! holds_cert "$@"; }
serial_of() { openssl x509 -in "$1" -noout -serial 2>/dev/null | cut -d= -f2; }
renewed_since() { test "$(serial_of "$d/cert.pem")" != "$1" -a -n "$(serial_of "$d/cert.pem")"; }

start_fixture cache --challenge-file "$WORK/challenge" --reusable-challenge

# enroll writes the cache: the GetCACert bundle as PEM, in the server's order, 0644.
mkdir -p "$d"
scepctl enroll --url "$FIXTURE_URL" --ca-fingerprint "$FIXTURE_PIN" --challenge-file "$WORK/challenge" \
  --subject "CN=cache,O=scepctl tests" --out-dir "$d" --ca-cache "$cache" -q
expect_rc 0
expect "enroll: the cache holds the CA and both RA certificates" test "$(grep -c 'BEGIN CERTIFICATE' "$cache")" = 3
for c in ca ra-sign ra-encrypt; do
  expect "enroll: the cache holds the fixture's $c.pem" holds_cert "$cache" "$FIXTURE_DATA/$c.pem"
done
expect "enroll: the cache is 0644" test "$(stat -c %a "$cache")" = 644

# renew with the cache and a pin: GetCACaps and PKIOperation only.
serial=$(serial_of "$d/cert.pem")
caps=$(requests GetCACaps) cacert=$(requests GetCACert) ops=$(requests PKIOperation)
renew_cached --ca-fingerprint "$FIXTURE_PIN"
expect_rc 0
expect_err "CA and RA certificates from --ca-cache $cache \(pinned CA sha256:[0-9a-f]+\): GetCACert skipped"
expect "cached: renewed" renewed_since "$serial"
expect "cached: no GetCACert ($cacert before, $(requests GetCACert) after)" test "$(requests GetCACert)" = "$cacert"
expect "cached: one GetCACaps" test "$(requests GetCACaps)" = $((caps + 1))
expect "cached: one PKIOperation" test "$(requests PKIOperation)" = $((ops + 1))

# Without a pin the cache is not trusted: GetCACert as always.
serial=$(serial_of "$d/cert.pem")
cacert=$(requests GetCACert)
renew_cached
expect_rc 0
expect_err "--ca-cache $cache is not used without a pinned CA"
expect_err 'no --ca-fingerprint given'
expect "no pin: GetCACert asked" test "$(requests GetCACert)" = $((cacert + 1))
expect "no pin: renewed" renewed_since "$serial"

# A pin of another CA: the cache is not used, and the fetched bundle fails the pin as it would
# without a cache (exit 97); nothing is renewed.
before=$(snapshot "$d")
renew_cached --ca-fingerprint "sha256:$TESTBED_CA_SHA256"
expect_rc 97
expect_one_line_error
expect_err "--ca-cache $cache does not match the pinned CA"
expect_unchanged "$d" "$before"

# The RA certificates change (a new pair, same CA): the request goes to the old RA and fails
# (FAILURE badMessageCheck, signed by the new RA: it does not verify with the cached one); renew
# asks GetCACert, sees the change and sends the request again; the cache gets the new RA.
start_fixture renewed-ra --challenge-file "$WORK/challenge" --reusable-challenge --ra-expiry renewed
serial=$(serial_of "$d/cert.pem")
renew_cached --ca-fingerprint "$FIXTURE_PIN"
expect_rc 0
expect_err 'GetCACert skipped'
expect_err "the server's CA/RA certificates changed since --ca-cache was written"
expect "RA changed: renewed" renewed_since "$serial"
expect "RA changed: one GetCACert" test "$(requests GetCACert)" = 1
expect "RA changed: two PKIOperations (the first refused)" test "$(requests PKIOperation)" = 2
expect "RA changed: the fixture could not read the first request" \
  grep -q 'FAILURE badMessageCheck: the request is not encrypted to the RA encryption' "$state/fixture.log"
expect "RA changed: the cache now holds the new RA signing certificate" holds_cert "$cache" "$state/ra/ra-sign.pem"
expect "RA changed: ... and the new RA encryption certificate" holds_cert "$cache" "$state/ra/ra-encrypt.pem"
expect "RA changed: ... and no longer the old one" lacks_cert "$cache" "$FIXTURE_DATA/ra-sign.pem"
# The next renewal uses the new cache.
renew_cached --ca-fingerprint "$FIXTURE_PIN"
expect_rc 0
expect_err 'GetCACert skipped'
expect "new cache: still one GetCACert in all" test "$(requests GetCACert)" = 1

# A damaged cache is a note, GetCACert, and a fresh cache.
printf 'garbage\n' >"$cache"
cacert=$(requests GetCACert)
renew_cached --ca-fingerprint "$FIXTURE_PIN"
expect_rc 0
expect_err "--ca-cache $cache is not a usable CA/RA bundle"
expect "damaged: GetCACert asked" test "$(requests GetCACert)" = $((cacert + 1))
expect "damaged: rewritten" test "$(grep -c 'BEGIN CERTIFICATE' "$cache")" = 3

stop_fixture
finish
