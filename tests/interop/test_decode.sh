#!/usr/bin/env bash
# scepctl decode (issue 23): captured SCEP messages made by third-party clients and servers
# (tests/data/decode, README.md there), an IIS log line's URL-encoded message= value, and a live
# exchange with the NDES fixture, whose GetCACaps and GetCACert --url fetches.
. "$(dirname "$0")/lib.sh"
FIXTURE_PORT=18970
vectors=$(cd "$(dirname "$0")/../data/decode" && pwd)
data=$FIXTURE_DATA
challenge=8CE317021F690069 # the challenge inside the scepclient and strongSwan vectors

start_mode_fixture success

# strongSwan pki encrypted to the CA: with the server's certificates fetched, the finding says why
# NDES answers HTTP 500.
scepctl decode --url "$FIXTURE_URL" --ca-fingerprint "$FIXTURE_PIN" "$vectors/strongswan-ndes-pkcsreq-to-ca.der"
expect_rc 0
expect_out '^messageType: +PKCSReq \(19\)$'
expect_out '^transactionID: +4C9107F6103F74353B4A37B70E28F3261E876422$'
expect_out "encrypted to the CA certificate 'CN=Test NDES Root CA,O=scepctl tests', but this server has an RA encryption certificate 'CN=TESTNDES-MSCEP-RA,O=scepctl tests': NDES answers HTTP 500"
expect_err "CA/RA bundle: GetCACert from $FIXTURE_URL"
expect "GetCACaps and GetCACert reached the fixture" grep -q 'GetCACert' "$state/fixture.log"

# micromdm scepclient's SHA-1 request, while the fixture (NDES 2016 caps) advertises SHA-256.
scepctl decode --json --url "$FIXTURE_URL" --ca-fingerprint "$FIXTURE_PIN" "$vectors/scepclient-ndes-pkcsreq.der"
expect_rc 0
expect_json "d['pki_message']['signer']['digest_algorithm'] == 'SHA1' and d['caps_known']"
expect_json "any(f['id'] == 'digest-sha1-while-sha256' and f['text'] == 'signed with SHA-1 while the server advertises SHA-256: use SHA-256' for f in d['findings'])"
expect_json "[r['role'] for r in d['pki_message']['envelope']['recipients']] == ['ca', 'ra-signing', 'ra-encryption']"
expect_json "[r['server_decrypts'] for r in d['pki_message']['envelope']['recipients']] == [False, False, True]"

# An IIS log line: the GET's message= query, URL-encoded base64, from standard input.
python3 - "$vectors/scepclient-ndes-pkcsreq.der" >"$WORK/u_ex261204.log" <<'PY'
import base64, sys, urllib.parse
b64 = base64.b64encode(open(sys.argv[1], "rb").read()).decode()
print("2026-12-04 22:10:27 10.0.0.5 GET /certsrv/mscep/mscep.dll operation=PKIOperation&message="
      + urllib.parse.quote(b64, safe="") + " 80 - 10.0.0.9 Go-http-client/1.1 - 200 0 0 15")
PY
expect "the log line is URL-encoded" grep -q '%2B\|%2F\|%3D' "$WORK/u_ex261204.log"
run "scepctl decode - < IIS log line" bash -c "'$SCEPCTL' decode --ca-bundle '$data/getcacert-ndes.p7b' - <'$WORK/u_ex261204.log'"
expect_rc 0
expect_out '^input: +URL-encoded base64 from a message= query'
expect_out '^senderNonce: +9fbeaecb959fd85cb2d03224530a80c0$'
expect_out '^  recipient 3: .*the RA encryption certificate CN=TESTNDES-MSCEP-RA,O=scepctl tests \(the server decrypts with it\)'

# The server side: the RA encryption key opens the request; the challenge is only <present>.
scepctl decode --ca-bundle "$data/getcacert-ndes.p7b" --key "$data/ra-encrypt.key" "$vectors/scepclient-ndes-pkcsreq.der"
expect_rc 0
expect_out '^    challengePassword: +<present>$'
expect_out '^    subject: +CN=scepclient-decode,OU=MDM,O=scepctl decode vectors,C=US$'
expect "the challenge value is not in the text output" bash -c "! grep -q '$challenge' '$WORK/out' '$WORK/err'"
scepctl decode --json --ca-bundle "$data/getcacert-ndes.p7b" --key "$data/ra-encrypt.key" "$vectors/scepclient-ndes-pkcsreq.der"
expect_rc 0
expect_json "d['pki_message']['envelope']['decrypted']['csr']['challenge_password'] == '<present>'"
expect "the challenge value is not in the JSON output" bash -c "! grep -q '$challenge' '$WORK/out' '$WORK/err'"

# A reply to another request: the recipientNonce does not echo the request's senderNonce.
scepctl decode --ca-bundle "$data/getcacert-ndes.p7b" --request "$vectors/scepclient-ndes-pkcsreq.der" \
  "$vectors/strongswan-ndes-certrep-success.der"
expect_rc 0
expect_out "error \[recipient-nonce-mismatch\]: recipientNonce does not match the request's senderNonce"
expect_out '^pkiStatus: +SUCCESS$'

# NDES's FAILURE with failInfoText, as the fixture answered certmonger.
scepctl decode "$vectors/certmonger-ndes-certrep-badrequest.der"
expect_rc 0
expect_out '^failInfo: +badRequest$'
expect_out 'error \[ca-failure\]: FAILURE badRequest'

# A live exchange: scepctl enrolls with the fixture, which saves the request and its reply; decoding
# the reply with the key written opens the certificate the fixture issued.
mkdir -p "$WORK/live"
scepctl enroll --url "$FIXTURE_URL" --ca-fingerprint "$FIXTURE_PIN" --challenge-file "$WORK/fixture-challenges.txt" \
  --out-dir "$WORK/live" --subject "CN=decode-live"
expect_rc 0
request=$(ls "$state"/messages/*-request.der | tail -n 1)
reply=$(ls "$state"/messages/*-reply.der | tail -n 1)
scepctl decode --json --url "$FIXTURE_URL" --ca-fingerprint "$FIXTURE_PIN" --key "$WORK/live/key.pem" \
  --request "$request" "$reply"
expect_rc 0
serial=$(openssl x509 -in "$WORK/live/cert.pem" -noout -serial | cut -d= -f2)
expect_json "d['pki_message']['pki_status_name'] == 'SUCCESS' and d['pki_message']['signer']['signature'] == 'valid'"
expect_json "'$serial' in [c['serial'] for c in d['pki_message']['envelope']['decrypted']['certificates']]"
expect_json "not [f for f in d['findings'] if f['severity'] == 'error']"

# What is no SCEP message: one line naming the file, exit 93.
scepctl decode "$data/caps-ndes-2016.txt"
expect_rc 93
expect_one_line_error
expect_err "caps-ndes-2016.txt"
scepctl decode "$WORK/missing.der"
expect_rc 93
expect_one_line_error
finish
