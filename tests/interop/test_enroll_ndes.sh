#!/usr/bin/env bash
# scepctl enroll against the NDES-like fixture (tests/fixtures/ndes_fixture.py) for what
# scepserver cannot do: RA sign/encrypt split with identical subjects, CertRep signed with SHA-1
# and without certificates, caps without AES, PENDING then SUCCESS, FAILURE with every failInfo,
# GET-only servers and IIS URL limits. The same enroll path runs against the real scepserver in
# test_enroll.sh.
. "$(dirname "$0")/lib.sh"

FIXTURE_PORT=18990
data=$FIXTURE_DATA
url="http://127.0.0.1:$FIXTURE_PORT/certsrv/mscep/mscep.dll"
pin=$FIXTURE_PIN
challenge_file="$WORK/challenge"
printf '8CE317021F690069' >"$challenge_file"

enroll_ndes() { # enroll_ndes NAME ARGS...
  local name=$1; shift
  rm -rf "$WORK/$name"; mkdir -p "$WORK/$name"
  scepctl enroll --url "$url" --ca-fingerprint "$pin" --challenge-file "$challenge_file" --out-dir "$WORK/$name" \
    --subject "CN=$name" "$@"
}

# NDES 2016 caps: no AES -> DES3 + SHA-256, POST; request encrypted to the RA encryption cert;
# CertRep signed by the RA signing cert with SHA-1 and carrying no certificates.
start_mode_fixture success
enroll_ndes ndes
expect_rc 0
expect_err 'PKCSReq sent \(POST, des3, sha256'
expect "ndes: certificate verifies against the NDES test CA" openssl verify -CAfile "$data/ca.pem" "$WORK/ndes/cert.pem"
expect "ndes: request cipher was DES3" test "$(last_event cipher)" = "des-ede3-cbc"
# The fixture decrypts with the RA encryption key only, so success plus one recipient proves the target.
expect "ndes: request encrypted to exactly one recipient" test "$(last_event recipients)" = 1
expect "ndes: the fixture signed its reply with SHA-1" test "$(last_event replyCipher)" != ""
expect "ndes: chain.pem is the NDES CA" cmp -s <(openssl x509 -in "$WORK/ndes/chain.pem" -outform DER) "$data/ca.der"

# An algorithm the caps do not list is refused, unless forced (NDES accepts AES anyway).
enroll_ndes aes --cipher aes256
expect_rc 64
expect_err 'does not offer it.*--force-alg'
enroll_ndes aes --cipher aes256 --force-alg
expect_rc 0
expect "aes: request cipher was AES-256" test "$(last_event cipher)" = "aes256-cbc"

# PENDING to the PKCSReq and two CertPolls, then SUCCESS on the third CertPoll.
start_mode_fixture pending --pending-polls 3
enroll_ndes pending --poll-interval 1 --json
expect_rc 0
expect_json 'd["polls"] == 3'
expect_err 'PENDING: polling again in 1 s \(poll 1 of 30\)'
expect "pending: last message was a CertPoll" test "$(last_event messageTypeName)" = "CertPoll"
expect "pending: certificate verifies" openssl verify -CAfile "$data/ca.pem" "$WORK/pending/cert.pem"
expect_no_err $'\x1b' # stderr is a file here: plain lines, no terminal escapes

# On a terminal (script(1) gives scepctl a pty) the wait between polls counts down in one line
# rewritten in place (CR + erase-line), erased before the next output; TERM=dumb gets plain lines.
on_terminal() { # on_terminal NAME TERM ARGS...: enroll_ndes under a pty; the terminal's bytes in $WORK/NAME.tty
  local name=$1 term=$2; shift 2
  rm -rf "$WORK/$name"; mkdir -p "$WORK/$name"
  run "enroll on a terminal (TERM=$term)" env TERM="$term" script -qefc "$(printf '%q ' "$SCEPCTL" enroll --url "$url" \
    --ca-fingerprint "$pin" --challenge-file "$challenge_file" --out-dir "$WORK/$name" --subject "CN=$name" "$@")" \
    "$WORK/$name.tty"
}
start_mode_fixture pending --pending-polls 1
on_terminal tty xterm --poll-interval 2
expect_rc 0
expect "tty: the countdown is drawn in place" grep -qF $'\r\x1b[Kscepctl: waiting for the CA to approve: next poll in 2 s\r\x1b[Kscepctl: waiting for the CA to approve: next poll in 1 s\r\x1b[K' "$WORK/tty.tty"
expect "tty: the plain PENDING line is there too" grep -qF 'PENDING: polling again in 2 s (poll 1 of 30)' "$WORK/tty.tty"
expect "tty: the certificate was written" openssl verify -CAfile "$data/ca.pem" "$WORK/tty/cert.pem"
start_mode_fixture pending --pending-polls 1
on_terminal dumb dumb --poll-interval 2
expect_rc 0
expect "TERM=dumb: no escape sequences" bash -c "! grep -q $'\x1b' '$WORK/dumb.tty'"
expect "TERM=dumb: the plain PENDING line" grep -qF 'PENDING: polling again in 2 s' "$WORK/dumb.tty"
# A slow server on a terminal: "waiting for HOST (N s)" from the second second on, erased before
# the error (the fixture's hang fault never answers; --timeout 4 ends it).
hang_url="http://127.0.0.1:$FIXTURE_PORT/fault/hang:getcacaps/certsrv/mscep/mscep.dll"
run "slow server on a terminal" env TERM=xterm script -qefc \
  "$(printf '%q ' "$SCEPCTL" getcacaps --url "$hang_url" --timeout 4)" "$WORK/slow.tty"
expect_rc 89
expect "slow: the wait is shown and counts" grep -qF $'\r\x1b[Kscepctl: waiting for 127.0.0.1:'"$FIXTURE_PORT"$' (2 s)\r\x1b[Kscepctl: waiting for 127.0.0.1:'"$FIXTURE_PORT"' (3 s)' "$WORK/slow.tty"
expect "slow: erased before the error line" grep -qF $'\r\x1b[Kscepctl: error: no complete answer from 127.0.0.1:' "$WORK/slow.tty"

# Two runs into one directory never mix their files: while the first holds the directory lock
# (here it waits for the CA's approval), a second, even with --force, is refused at once.
start_mode_fixture pending --pending-polls 2
rm -rf "$WORK/locked"; mkdir -p "$WORK/locked"
start_bg "first enroll into locked/" "$SCEPCTL" enroll --url "$url" --ca-fingerprint "$pin" \
  --challenge-file "$challenge_file" --out-dir "$WORK/locked" --subject CN=first --poll-interval 2
wait_text "$bg_file.err" 'PENDING: polling again'
pkcsreqs=$(grep -c '"messageTypeName": "PKCSReq"' "$state/events.jsonl")
scepctl enroll --url "$url" --ca-fingerprint "$pin" --challenge-file "$challenge_file" --out-dir "$WORK/locked" \
  --subject CN=second --force
expect_rc 93
expect_one_line_error
expect_err "^scepctl: error: another scepctl enroll or renew is working on files in '$WORK/locked'"
expect "locked: the second run sent no request" \
  test "$(grep -c '"messageTypeName": "PKCSReq"' "$state/events.jsonl")" = "$pkcsreqs"
finish_bg
expect_rc 0
expect_key_matches "$WORK/locked/cert.pem" "$WORK/locked/key.pem"
expect "locked: the first run's certificate" grep -q 'CN = first' <(openssl x509 -in "$WORK/locked/cert.pem" -noout -subject)

# Still PENDING when the budget runs out: exit 3, the key kept, how to resume printed.
start_mode_fixture pending --pending-polls 10
enroll_ndes waiting --poll-interval 1 --max-polls 1
expect_rc 3
expect_one_line_error
expect_err 'still PENDING after 1 poll'
expect_err "re-run with --key $WORK/waiting/key.pem --resume to poll again$"
expect "waiting: key kept, 0600" test "$(stat -c %a "$WORK/waiting/key.pem")" = 600
expect "waiting: no certificate written" test ! -e "$WORK/waiting/cert.pem"

# The same with --json (issue 18): the transaction ID and the kept key are fields, not only text.
start_mode_fixture pending --pending-polls 10
enroll_ndes waiting-json --poll-interval 1 --max-polls 0 --json
expect_rc 3
expect_json "d['status'] == 'PENDING' and d['key'] == '$WORK/waiting-json/key.pem'"
expect_json "d['transaction_id'] == '$(last_event transactionID)' and len(d['transaction_id']) == 64"
expect_json "d['error']['exit_code'] == 3 and d['error']['code'] == 'pending'"

# A template that drops the SANs (Subject Name not 'Supply in the request'): the certificate is
# written, a warning names the template setting, JSON lists the difference (issue 18).
start_mode_fixture success --template drop-sans
enroll_ndes dropped --san dns:dropped.example.test --json
expect_rc 0
expect_err "^scepctl: warning: the CA issued another subjectAltName: asked DNS:dropped.example.test, issued none \\(the template's Subject Name tab is not 'Supply in the request'"
expect_json "[(x['field'], x['asked'], x['issued']) for x in d['issued_differences']] == [('subjectAltName', 'DNS:dropped.example.test', 'none')]"
start_mode_fixture success
enroll_ndes as-asked --san dns:as-asked.example.test --json
expect_rc 0
expect_json "d['issued_differences'] == []"
expect_json "d['validity'] == {'requested': None, 'issued_days': 365, 'as_requested': None}"
expect_no_err 'the CA issued another'

# --resume: the first run gives up after the PKCSReq (exit 3, key kept); the second, with that key,
# sends only CertPolls in the same transaction and gets the certificate on the third.
start_mode_fixture pending --pending-polls 3
enroll_ndes resume --poll-interval 1 --max-polls 0
expect_rc 3
expect_err "re-run with --key $WORK/resume/key.pem --resume"
txid=$(sed -n 's/.*(transaction \([0-9A-F]*\)).*/\1/p' <<<"$err")
expect "resume: the exit message names the transaction" test -n "$txid"
expect "resume: the fixture saw one PKCSReq" test "$(last_event messageTypeName)" = PKCSReq
expect "resume: ... in that transaction" test "$(last_event transactionID)" = "$txid"
first_run_events=$(wc -l <"$state/events.jsonl")
key_before=$(sha256sum <"$WORK/resume/key.pem")
scepctl enroll --url "$url" --ca-fingerprint "$pin" --out-dir "$WORK/resume" --subject CN=resume \
  --key "$WORK/resume/key.pem" --resume --poll-interval 1 --json
expect_rc 0
expect_json 'd["resumed"] is True and d["polls"] == 3 and d["transaction_id"] == "'"$txid"'"'
expect_json '"key" not in d["files"]'
expect_err 'CertPoll sent'
expect_no_err 'PKCSReq sent'
expect_no_err 'no challenge password given'
expect "resume: the second run sent only CertPolls, three, all in the first run's transaction" python3 -c '
import json, sys
events = [json.loads(line) for line in open(sys.argv[1])][int(sys.argv[2]):]
ok = len(events) == 3 and all(e["messageTypeName"] == "CertPoll" and e["transactionID"] == sys.argv[3] for e in events)
sys.exit(0 if ok and events[-1]["pkiStatus"] == "SUCCESS" else 1)' "$state/events.jsonl" "$first_run_events" "$txid"
expect "resume: one PKCSReq in all" test "$(grep -c '"messageTypeName": "PKCSReq"' "$state/events.jsonl")" = 1
expect "resume: the certificate verifies" openssl verify -CAfile "$data/ca.pem" "$WORK/resume/cert.pem"
expect_key_matches "$WORK/resume/cert.pem" "$WORK/resume/key.pem"
expect "resume: the key file is unchanged" test "$(sha256sum <"$WORK/resume/key.pem")" = "$key_before"

# --resume with another subject than the pending request: the CA knows no such request (badCertId).
mkdir -p "$WORK/resume-other"
scepctl enroll --url "$url" --ca-fingerprint "$pin" --out-dir "$WORK/resume-other" --subject CN=other \
  --key "$WORK/resume/key.pem" --resume
expect_rc 74
expect_one_line_error
expect_err 'badCertId.*--resume needs the same --key and --subject'
expect "resume-other: nothing written" test -z "$(ls -A "$WORK/resume-other")"

# PENDING with --format p12: the generated key waits in key.pem (no bundle yet); --resume then
# writes the bundle with that key and leaves key.pem as it was.
start_mode_fixture pending --pending-polls 1
printf 'p12-pass-789' >"$WORK/p12pass"
enroll_ndes p12wait --format p12 --p12-pass-file "$WORK/p12pass" --max-polls 0
expect_rc 3
expect "p12wait: only key.pem, 0600" test "$(ls "$WORK/p12wait")" = key.pem -a "$(stat -c %a "$WORK/p12wait/key.pem")" = 600
scepctl enroll --url "$url" --ca-fingerprint "$pin" --out-dir "$WORK/p12wait" --subject CN=p12wait \
  --format p12 --p12-pass-file "$WORK/p12pass" --key "$WORK/p12wait/key.pem" --resume
expect_rc 0
expect_err 'CertPoll sent'
expect_no_err 'PKCSReq sent|p12-pass-789'
expect "p12wait: key.pem and bundle.p12" test "$(ls "$WORK/p12wait" | tr '\n' ' ')" = "bundle.p12 key.pem "
expect "p12wait: the bundle holds the kept key" test \
  "$(openssl pkey -in "$WORK/p12wait/key.pem" -pubout | sha256sum)" = \
  "$(openssl pkcs12 -in "$WORK/p12wait/bundle.p12" -passin file:"$WORK/p12pass" -nocerts -nodes 2>/dev/null | openssl pkey -pubout | sha256sum)"

# FAILURE with each failInfo: exit 70-74, the name in the message, nothing written.
code=70
for info in badAlg badMessageCheck badRequest badTime badCertId; do
  start_mode_fixture "failure-$info"
  enroll_ndes "fail-$info"
  expect_rc "$code"
  expect_one_line_error
  expect_err "refused the request: $info"
  expect "fail-$info: nothing written" test -z "$(ls -A "$WORK/fail-$info")"
  code=$((code + 1))
done

# A server without POST: GET with standard base64.
start_mode_fixture get-only
enroll_ndes getonly
expect_rc 0
expect_err 'PKCSReq sent \(GET'
expect "getonly: the fixture saw a GET" test "$(last_event method)" = "GET"

# IIS URL limits: a GET too long for maxQueryString is explained with the fix.
start_mode_fixture url-limit
enroll_ndes urllimit --method get --key-size 4096
expect_rc 81
expect_one_line_error
expect_err 'too long.*65534'

# DES3 + SHA-1 only: a warning about SHA-1, still enrolls.
start_mode_fixture caps-des3-sha1
enroll_ndes sha1only
expect_rc 0
expect_err 'warning: the server offers no SHA-2 digest: signing with SHA-1'
expect "sha1only: digest was SHA-1" test "$(last_event digest)" = "sha1"

# A reply envelope in AES-256.
start_mode_fixture aes-reply
enroll_ndes aesreply
expect_rc 0
expect "aesreply: certificate verifies" openssl verify -CAfile "$data/ca.pem" "$WORK/aesreply/cert.pem"

# --validity: the MS-WCCE ValidityPeriod/ValidityPeriodUnits pairs. A CA that honours them (the
# fixture as AD CS with EDITF_ATTRIBUTEENDDATE) issues that period and scepctl says nothing; one
# that ignores them (the fixture's default, 365 days) gets one note with the certutil fix.
validity_days() { # validity_days CERT: whole days from notBefore to notAfter
  local nb na
  nb=$(date -ud "$(openssl x509 -in "$1" -noout -startdate | cut -d= -f2)" +%s)
  na=$(date -ud "$(openssl x509 -in "$1" -noout -enddate | cut -d= -f2)" +%s)
  echo $(((na - nb + 43200) / 86400))
}
start_mode_fixture success --attribute-end-date
enroll_ndes validity --validity 90d --json
expect_rc 0
expect_json "d['validity'] == {'requested': '90d', 'issued_days': 90, 'as_requested': True}"
expect "validity: the fixture read 90 Days from the request" test "$(last_event requestedValidity)" = "90 Days"
expect "validity: issued for 90 days" test "$(validity_days "$WORK/validity/cert.pem")" = 90
expect_no_err 'validity'
start_mode_fixture success
enroll_ndes validity-ignored --validity 90d --json
expect_rc 0
expect_json "d['validity'] == {'requested': '90d', 'issued_days': 365, 'as_requested': False}"
expect "validity-ignored: the request still asked for 90 Days" test "$(last_event requestedValidity)" = "90 Days"
expect "validity-ignored: issued for the template's 365 days" test "$(validity_days "$WORK/validity-ignored/cert.pem")" = 365
expect_err 'asked for a validity of 90d, the CA issued 365 days .*certutil -setreg policy\\EditFlags \+EDITF_ATTRIBUTEENDDATE'
expect "validity-ignored: one line about it" test "$(grep -c 'asked for a validity' <<<"$err")" = 1
enroll_ndes validity-bad --validity 90
expect_rc 64
expect_one_line_error
expect_err "validity '90' has no unit"

stop_fixture
finish
