#!/usr/bin/env bash
# SIGINT, SIGTERM and SIGHUP during enroll and renew, sent at known points against the NDES
# fixture: while the request is PENDING (the key must already be on disk, so that --resume or the
# next renew can poll), while a request hangs, and during the final write (slowed down with
# strace's fsync delay injection). Each run must exit 128 + the signal with one line saying what
# was kept, leave no temporary file, and leave a matching pair (or the old one) behind.
. "$(dirname "$0")/lib.sh"

FIXTURE_PORT=18995
pin=$FIXTURE_PIN
printf '8CE317021F690069' >"$WORK/challenge"
leftovers() { find "$1" -name '.*.tmp.*' -o -name '*.scepctl-new' -o -name '*.scepctl-journal' -o -name '*.scepctl-tmp'; }

enroll_args() { # enroll_args DIR CN: the arguments of an enrollment from the fixture into DIR
  echo --url "$FIXTURE_URL" --ca-fingerprint "$pin" --challenge-file "$WORK/challenge" --out-dir "$1" --subject "CN=$2"
}

# ---- enroll, PENDING: the key is on disk from the first PENDING on; the signal ends the wait.
for signal_code in INT:130 TERM:143 HUP:129; do
  signal=${signal_code%:*} code=${signal_code#*:}
  dir="$WORK/pending-$signal"
  mkdir -p "$dir"
  start_mode_fixture pending --pending-polls 1
  # shellcheck disable=SC2046
  start_bg "enroll PENDING, SIG$signal" "$SCEPCTL" enroll $(enroll_args "$dir" "pending-$signal") --poll-interval 60
  if wait_text "$bg_file.err" 'PENDING: polling again'; then
    kill -s "$signal" "$bg"
  fi
  finish_bg
  expect_rc "$code"
  expect_one_line_error
  expect_err "^scepctl: error: interrupted by SIG$signal while waiting to poll for the PENDING request \(transaction [0-9A-F]{64}\): the request is PENDING at the CA; its key is kept in $dir/key.pem \(0600\); once it is approved, re-run with --key $dir/key.pem --resume to fetch the certificate$"
  expect "SIG$signal: the key is kept, 0600, no certificate, nothing else" \
    test "$(cd "$dir" && stat -c '%n %a' .[!.]* * 2>/dev/null | tr '\n' ' ')" = "key.pem 600 "
  expect "SIG$signal: the fixture saw only the PKCSReq" test "$(last_event messageTypeName)" = PKCSReq
done
# The key kept at the last signal resumes its transaction (the fixture still runs): the CertPoll
# gets the certificate.
scepctl enroll --url "$FIXTURE_URL" --ca-fingerprint "$pin" --out-dir "$WORK/pending-HUP" --subject CN=pending-HUP \
  --key "$WORK/pending-HUP/key.pem" --resume
current="resume after SIGHUP"
expect_rc 0
expect "resume after SIGHUP: the last message was a CertPoll" test "$(last_event messageTypeName)" = CertPoll
expect_key_matches "$WORK/pending-HUP/cert.pem" "$WORK/pending-HUP/key.pem"
expect "resume after SIGHUP: nothing left over" test -z "$(leftovers "$WORK/pending-HUP")"

# A signal ignored from the start stays ignored (nohup scepctl ...): SIGHUP changes nothing, the
# run goes on waiting until SIGTERM.
dir="$WORK/nohup"
mkdir -p "$dir"
start_mode_fixture pending --pending-polls 1
# shellcheck disable=SC2046
start_bg "enroll PENDING, SIGHUP ignored" env --ignore-signal=HUP "$SCEPCTL" enroll $(enroll_args "$dir" nohup) \
  --poll-interval 60
if wait_text "$bg_file.err" 'PENDING: polling again'; then
  kill -s HUP "$bg"
  sleep 1
  expect "SIGHUP ignored: still running a second later" kill -0 "$bg"
  kill -s TERM "$bg"
fi
finish_bg
expect_rc 143
expect_err '^scepctl: error: interrupted by SIGTERM while waiting to poll'
expect_no_err 'SIGHUP'

# ---- enroll, a request that hangs: SIGINT aborts it within a second or two, nothing is written.
start_mode_fixture success
dir="$WORK/hang"
mkdir -p "$dir"
# shellcheck disable=SC2046
start_bg "enroll, PKIOperation hangs, SIGINT" "$SCEPCTL" enroll --url \
  "http://127.0.0.1:$FIXTURE_PORT/fault/hang:pkioperation/certsrv/mscep/mscep.dll" --ca-fingerprint "$pin" \
  --challenge-file "$WORK/challenge" --out-dir "$dir" --subject CN=hang --timeout 60
if wait_text "$bg_file.err" 'PKCSReq sent'; then
  sleep 0.5
  sent=$(date +%s%N)
  kill -s INT "$bg"
fi
finish_bg
took_ms=$((($(date +%s%N) - sent) / 1000000))
expect_rc 130
expect_one_line_error
expect_err "^scepctl: error: interrupted by SIGINT while waiting for 127\.0\.0\.1:$FIXTURE_PORT: nothing was written; the CA may have received the request \(and used up its one-time challenge\)$"
expect "hang: stopped ${took_ms} ms after SIGINT (libcurl asks at least once a second)" test "$took_ms" -lt 3000
expect "hang: nothing written" test -z "$(ls -A "$dir")"

# ---- enroll, during the final write: every fsync is slowed by a second (strace fault injection),
# SIGTERM arrives while the first file is being staged. The write completes, then the run stops.
# (LeakSanitizer cannot run under ptrace.)
dir="$WORK/writing"
mkdir -p "$dir"
# shellcheck disable=SC2046
start_bg "enroll, SIGTERM during the final write" env ASAN_OPTIONS=detect_leaks=0 strace -f -qq -o /dev/null \
  -e trace=fsync -e inject=fsync:delay_enter=1000000 "$SCEPCTL" enroll $(enroll_args "$dir" writing) --json
for _ in $(seq 200); do
  [ -n "$(find "$dir" -name '.key.pem.tmp.*')" ] && break
  sleep 0.1
done
child=$(pgrep -P "$bg" | head -n 1)
expect "final write: a temporary file was being written when the signal came" test -n "$(find "$dir" -name '.key.pem.tmp.*')" -a -n "$child"
kill -s TERM "$child"
finish_bg
expect_rc 143
expect_one_line_error
expect_err '^scepctl: error: interrupted by SIGTERM after the certificate was written: the files above are complete and belong together$'
expect_json "d['error']['exit_code'] == 143 and d['error']['code'] == 'interrupted' and d['files']['cert'] == '$dir/cert.pem'"
expect "final write: key, certificate and chain, no temporary file" \
  test "$(cd "$dir" && ls -A | tr '\n' ' ')" = "cert.pem chain.pem key.pem "
expect_key_matches "$dir/cert.pem" "$dir/key.pem"
expect "final write: key.pem 0600" test "$(stat -c %a "$dir/key.pem")" = 600

# ---- renew: a pair from the fixture, renewed by a fixture that answers PENDING.
renewing="$WORK/renewing"
mkdir -p "$renewing"
start_mode_fixture success
# shellcheck disable=SC2046
scepctl enroll $(enroll_args "$renewing" renewing) -q
expect_rc 0
old_serial=$(openssl x509 -in "$renewing/cert.pem" -noout -serial)
cp -p "$renewing/key.pem" "$WORK/renewing-key-0.pem"
cp -p "$renewing/cert.pem" "$WORK/renewing-cert-0.pem"
start_mode_fixture pending --pending-polls 1
start_bg "renew PENDING, SIGTERM" "$SCEPCTL" renew --url "$FIXTURE_URL" --ca-fingerprint "$pin" --out-dir "$renewing" \
  --poll-interval 60
if wait_text "$bg_file.err" 'PENDING: polling again'; then
  kill -s TERM "$bg"
fi
finish_bg
expect_rc 143
expect_one_line_error
expect_err "^scepctl: error: interrupted by SIGTERM while waiting to poll for the PENDING request \(transaction [0-9A-F]{64}\): the renewal is PENDING at the CA; the new key waits in $renewing/key.pem.scepctl-pending \(0600\): run the same renew again to poll, the old key and certificate stay in use$"
expect "renew PENDING: the pending key is kept, 0600" test "$(stat -c %a "$renewing/key.pem.scepctl-pending" 2>/dev/null)" = 600
expect_file_same "$renewing/key.pem" "$WORK/renewing-key-0.pem"
expect_file_same "$renewing/cert.pem" "$WORK/renewing-cert-0.pem"
scepctl renew --url "$FIXTURE_URL" --ca-fingerprint "$pin" --out-dir "$renewing"
current="renew again after SIGTERM"
expect_rc 0
expect "renew again: it polled (CertPoll) for the pending renewal" test "$(last_event messageTypeName)" = CertPoll
expect "renew again: a new certificate" test "$(openssl x509 -in "$renewing/cert.pem" -noout -serial)" != "$old_serial"
expect_key_matches "$renewing/cert.pem" "$renewing/key.pem"
expect "renew again: the pending key is used and gone" test ! -e "$renewing/key.pem.scepctl-pending"

# ---- renew, during the swap: SIGTERM while the first staged file is flushed; the swap completes.
start_mode_fixture success
cp -p "$renewing/cert.pem" "$WORK/renewing-cert-1.pem"
start_bg "renew, SIGTERM during the swap" env ASAN_OPTIONS=detect_leaks=0 strace -f -qq -o /dev/null \
  -e trace=fsync -e inject=fsync:delay_enter=1000000 "$SCEPCTL" renew --url "$FIXTURE_URL" --ca-fingerprint "$pin" \
  --out-dir "$renewing" --deploy-hook "touch $WORK/hook-ran"
for _ in $(seq 200); do
  [ -n "$(find "$renewing" -name '*.scepctl-new' -o -name '.*.tmp.*')" ] && break
  sleep 0.1
done
child=$(pgrep -P "$bg" | head -n 1)
expect "swap: a staged file was being written when the signal came" test -n "$child"
kill -s TERM "$child"
finish_bg
expect_rc 143
expect_one_line_error
expect_err '^scepctl: error: interrupted by SIGTERM after the renewal was complete \(the new files are in place, the old ones in .bak\); the deploy hook did not run: run it by hand$'
expect "swap: the certificate was replaced" test "$(openssl x509 -in "$renewing/cert.pem" -noout -serial)" != \
  "$(openssl x509 -in "$WORK/renewing-cert-1.pem" -noout -serial)"
expect_key_matches "$renewing/cert.pem" "$renewing/key.pem"
expect_file_same "$renewing/cert.pem.bak" "$WORK/renewing-cert-1.pem"
expect "swap: no staged, temporary or journal file" test -z "$(leftovers "$renewing")"
expect "swap: the deploy hook did not run" test ! -e "$WORK/hook-ran"

stop_fixture
finish
