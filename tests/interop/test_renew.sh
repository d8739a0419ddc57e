#!/usr/bin/env bash
# scepctl renew against the real scepserver (RenewalReq and PKCSReq, new key and --reuse-key,
# --days-before, --deploy-hook, refusals, profiles, SIGKILL at every step of the swap) and against
# the NDES fixture (RenewalReq without a challenge, FAILURE with and without the PKCSReq fallback,
# a forged reply signature, a connection lost mid-request, PENDING and the next run's poll).
. "$(dirname "$0")/lib.sh"

pin="sha256:$TESTBED_CA_SHA256"
FIXTURE_PORT=18980
fixture_challenge="$WORK/fixture-challenge"
printf '8CE317021F690069' >"$fixture_challenge"
offline_url="http://127.0.0.1:9/scep" # nothing listens there: proves a run needs no server

# snapshot DIR: names, modes, sizes and hashes of every file, to prove a failed run changed nothing (but for
# renew's record of the run, CERT.scepctl-state: test_status.sh).
snapshot() { (cd "$1" && find . ! -name '*.scepctl-state' -printf '%p %m %s\n' | sort &&
  find . -type f ! -name '*.scepctl-state' -exec sha256sum {} + | sort); }
serial_of() { openssl x509 -in "$1" -noout -serial 2>/dev/null | cut -d= -f2; }
pubkey_of() { openssl pkey -in "$1" -pubout 2>/dev/null | sha256sum | cut -c1-64; }
leftovers() { find "$1" \( -name '*.scepctl-*' ! -name '*.scepctl-state' \) -o -name '*.tmp.*'; }
same_files() { cmp -s "$1" "$2" && cmp -s "$3" "$4"; } # same_files A A' B B'

# enroll_pair DIR CN [ARGS...]: key.pem, cert.pem and chain.pem from scepserver in a fresh DIR.
enroll_pair() {
  local dir=$1 cn=$2
  shift 2
  rm -rf "$dir"
  mkdir -p "$dir"
  scepctl enroll --url "$TESTBED_SCEP_URL" --ca-fingerprint "$pin" --challenge-file "$TESTBED_CHALLENGE_FILE" \
    --subject "CN=$cn,O=scepctl renew" --out-dir "$dir" -q "$@"
  expect "enroll $cn for the renew tests" test "$rc" -eq 0
}
# micromdm scepserver checks its challenge for RenewalReq as well ("failed to sign CSR: invalid
# challenge" without one), so renewals there carry it; the fixture, like NDES, needs none.
renew_bed() {
  local dir=$1
  shift
  scepctl renew --url "$TESTBED_SCEP_URL" --ca-fingerprint "$pin" --out-dir "$dir" "$@"
}
renew_fixture() {
  local dir=$1
  shift
  scepctl renew --url "$FIXTURE_URL" --ca-fingerprint "$FIXTURE_PIN" --out-dir "$dir" "$@"
}

# check_renewed NAME DIR OLD_SERIAL OLD_PUBKEY new|same [CA_FILE]
check_renewed() {
  local name=$1 dir=$2 old_serial=$3 old_pub=$4 key=$5 ca=${6:-$TESTBED_SCEP_CA}
  expect "$name: the new certificate verifies against the CA" openssl verify -CAfile "$ca" "$dir/cert.pem"
  expect_key_matches "$dir/cert.pem" "$dir/key.pem"
  expect "$name: the serial changed ($old_serial -> $(serial_of "$dir/cert.pem"))" \
    test "$(serial_of "$dir/cert.pem")" != "$old_serial" -a -n "$(serial_of "$dir/cert.pem")"
  if [ "$key" = new ]; then
    expect "$name: a new key pair" test "$(pubkey_of "$dir/key.pem")" != "$old_pub"
  else
    expect "$name: the same key pair" test "$(pubkey_of "$dir/key.pem")" = "$old_pub"
  fi
  expect "$name: cert.pem.bak/key.pem.bak are the old pair" \
    test "$(serial_of "$dir/cert.pem.bak")" = "$old_serial" -a "$(pubkey_of "$dir/key.pem.bak")" = "$old_pub"
  expect_key_matches "$dir/cert.pem.bak" "$dir/key.pem.bak"
  expect "$name: key.pem 0600, cert.pem and chain.pem 0644" \
    test "$(stat -c %a "$dir/key.pem" "$dir/cert.pem" "$dir/chain.pem" | tr '\n' ' ')" = "600 644 644 "
  expect "$name: no staged, temp or journal file left" test -z "$(leftovers "$dir")"
}

# ================================================================ scepserver
scepctl getcacaps --url "$TESTBED_SCEP_URL"
expect_out '^Renewal$' # so --mode auto sends RenewalReq there

# A new key pair, RenewalReq (auto): subject, SANs and EKU copied from the certificate.
enroll_pair "$WORK/a" renew-a --san dns:renew-a.example.test --san ip:192.0.2.9 --eku clientAuth
cp -p "$WORK/a/cert.pem" "$WORK/a-cert-0.pem"
cp -p "$WORK/a/key.pem" "$WORK/a-key-0.pem"
serial=$(serial_of "$WORK/a/cert.pem")
pub=$(pubkey_of "$WORK/a/key.pem")
renew_bed "$WORK/a" --challenge-file "$TESTBED_CHALLENGE_FILE"
expect_rc 0
expect_err 'RenewalReq sent \(POST'
expect_no_err 'PKCSReq'
expect_out "^renewed: +serial $serial -> $(serial_of "$WORK/a/cert.pem") \(RenewalReq, new key\)$"
expect_out "^backup: +$WORK/a/key.pem.bak$"
check_renewed renewalreq "$WORK/a" "$serial" "$pub" new
expect "renewalreq: key.pem.bak and cert.pem.bak are byte for byte the old files" \
  same_files "$WORK/a/cert.pem.bak" "$WORK/a-cert-0.pem" "$WORK/a/key.pem.bak" "$WORK/a-key-0.pem"
same_ext() {
  [ "$(openssl x509 -in "$1" -noout -subject -ext subjectAltName,extendedKeyUsage)" = \
    "$(openssl x509 -in "$2" -noout -subject -ext subjectAltName,extendedKeyUsage)" ]
}
expect "renewalreq: subject, SANs and EKU as in the old certificate" same_ext "$WORK/a/cert.pem" "$WORK/a-cert-0.pem"
expect "renewalreq: ... which had them" grep -q 'DNS:renew-a.example.test, IP Address:192.0.2.9' \
  <(openssl x509 -in "$WORK/a/cert.pem" -noout -ext subjectAltName)

# --reuse-key, RenewalReq, JSON; the key file is not rewritten.
serial=$(serial_of "$WORK/a/cert.pem")
pub=$(pubkey_of "$WORK/a/key.pem")
cp -p "$WORK/a/key.pem" "$WORK/a-key-1.pem"
renew_bed "$WORK/a" --challenge-file "$TESTBED_CHALLENGE_FILE" --reuse-key --json
expect_rc 0
expect_json 'd["status"] == "renewed" and d["message_type"] == "RenewalReq" and d["new_key"] is False'
expect_json 'd["old_serial"] == "'"$serial"'" and d["serial"] != d["old_serial"] and d["fallback"] is False'
expect_json 'd["challenge"] == "<redacted>" and d["deploy_hook"] is None and d["recovery"] == "none"'
expect_json 'd["files"]["key"] == "'"$WORK/a/key.pem"'" and len(d["backups"]) == 3'
expect_json 'd["validity"]["requested"] is None and d["validity"]["as_requested"] is None and d["validity"]["issued_days"] > 0'
expect_no_out "$TESTBED_CHALLENGE"
check_renewed reuse "$WORK/a" "$serial" "$pub" same
expect "reuse: key.pem is byte for byte the old key" cmp -s "$WORK/a/key.pem" "$WORK/a-key-1.pem"

# --mode pkcsreq: a PKCSReq signed by the existing certificate, new key and --reuse-key.
for key in new same; do
  serial=$(serial_of "$WORK/a/cert.pem")
  pub=$(pubkey_of "$WORK/a/key.pem")
  extra=()
  [ "$key" = same ] && extra=(--reuse-key)
  renew_bed "$WORK/a" --challenge-file "$TESTBED_CHALLENGE_FILE" --mode pkcsreq "${extra[@]}"
  expect_rc 0
  expect_err 'PKCSReq sent \(POST'
  expect_no_err 'RenewalReq'
  expect_out "\(PKCSReq, $key key\)"
  check_renewed "pkcsreq ($key key)" "$WORK/a" "$serial" "$pub" "$key"
done

# --mode renewalreq by name, over GET, the challenge from SCEPCTL_CHALLENGE.
serial=$(serial_of "$WORK/a/cert.pem")
pub=$(pubkey_of "$WORK/a/key.pem")
run "renew --mode renewalreq --method get" env SCEPCTL_CHALLENGE="$TESTBED_CHALLENGE" "$SCEPCTL" renew \
  --url "$TESTBED_SCEP_URL" --ca-fingerprint "$pin" --out-dir "$WORK/a" --mode renewalreq --method get --verbose
expect_rc 0
expect_err 'RenewalReq sent \(GET'
expect_no_err "$TESTBED_CHALLENGE"
check_renewed "renewalreq over GET" "$WORK/a" "$serial" "$pub" new

# No challenge: scepserver refuses RenewalReq with badRequest; auto tries PKCSReq once, also
# refused; nothing changes. --mode renewalreq does not fall back.
before=$(snapshot "$WORK/a")
renew_bed "$WORK/a"
expect_rc 72
expect_one_line_error
expect_err 'RenewalReq sent'
expect_err 'the CA refused RenewalReq \(badRequest\): trying once more as PKCSReq signed by the existing certificate'
expect_err 'no challenge password was sent: if this CA wants one for renewals too, give --challenge-file FILE\)$'
expect_err 'PKCSReq sent'
expect "refused twice: the files are byte-identical, modes included" test "$(snapshot "$WORK/a")" = "$before"
renew_bed "$WORK/a" --mode renewalreq
expect_rc 72
expect_no_err 'trying once more|PKCSReq'
expect "refused (renewalreq): the files are byte-identical" test "$(snapshot "$WORK/a")" = "$before"

# A network error before anything was sent: exit 95, nothing changed.
scepctl renew --url "$offline_url" --out-dir "$WORK/a" --challenge-file "$TESTBED_CHALLENGE_FILE"
expect_rc 95
expect_one_line_error
expect "network error: the files are byte-identical" test "$(snapshot "$WORK/a")" = "$before"

# --days-before: not due is exit 0 and a "not due" line, offline, nothing touched; --force renews.
scepctl renew --url "$offline_url" --out-dir "$WORK/a" --days-before 30
expect_rc 0
expect_out "^not due: $WORK/a/cert.pem is valid until [0-9TZ:-]+ \(36[45] days left; renewing within 30 days"
expect "not due: nothing touched" test "$(snapshot "$WORK/a")" = "$before"
scepctl --json renew --url "$offline_url" --out-dir "$WORK/a" --days-before 30
expect_rc 0
expect_json 'd["status"] == "not_due" and d["days_before"] == 30 and d["days_left"] in (364, 365)'
expect_json 'd["serial"] == "'"$(serial_of "$WORK/a/cert.pem")"'"'
serial=$(serial_of "$WORK/a/cert.pem")
pub=$(pubkey_of "$WORK/a/key.pem")
renew_bed "$WORK/a" --challenge-file "$TESTBED_CHALLENGE_FILE" --days-before 366
expect_rc 0
check_renewed "due (--days-before 366)" "$WORK/a" "$serial" "$pub" new
serial=$(serial_of "$WORK/a/cert.pem")
pub=$(pubkey_of "$WORK/a/key.pem")
renew_bed "$WORK/a" --challenge-file "$TESTBED_CHALLENGE_FILE" --days-before 30 --force
expect_rc 0
check_renewed "not due, --force" "$WORK/a" "$serial" "$pub" new

# --deploy-hook: the new paths and serials in its environment, no secret, its stdout kept off ours.
cat >"$WORK/hook.sh" <<'EOF'
#!/bin/sh
env >"$HOOK_OUT"
echo "hook output on stdout"
exit "${HOOK_EXIT:-0}"
EOF
chmod +x "$WORK/hook.sh"
serial=$(serial_of "$WORK/a/cert.pem")
run "renew --deploy-hook" env SCEPCTL_CHALLENGE="$TESTBED_CHALLENGE" HOOK_OUT="$WORK/hook.env" "$SCEPCTL" --json \
  renew --url "$TESTBED_SCEP_URL" --ca-fingerprint "$pin" --out-dir "$WORK/a" --deploy-hook "$WORK/hook.sh"
expect_rc 0
expect_json 'd["deploy_hook"] == {"command": "'"$WORK/hook.sh"'", "exit_status": 0}'
expect_err 'hook output on stdout'
expect_no_out 'hook output'
new_serial=$(serial_of "$WORK/a/cert.pem")
for line in "SCEPCTL_CERT=$WORK/a/cert.pem" "SCEPCTL_KEY=$WORK/a/key.pem" "SCEPCTL_CHAIN=$WORK/a/chain.pem" \
  "SCEPCTL_OLD_SERIAL=$serial" "SCEPCTL_NEW_SERIAL=$new_serial" "SCEPCTL_SUBJECT=CN=renew-a,O=scepctl renew"; do
  expect "hook environment has $line" grep -qxF "$line" "$WORK/hook.env"
done
expect "hook environment: no SCEPCTL_CHALLENGE" bash -c "! grep -q '^SCEPCTL_CHALLENGE=' '$WORK/hook.env'"
# (the bed's own env.sh exports TESTBED_CHALLENGE to everything tb runs: not scepctl's doing)
expect "hook environment: the challenge value nowhere else" \
  bash -c "! grep -v '^TESTBED_CHALLENGE=' '$WORK/hook.env' | grep -qF '$TESTBED_CHALLENGE'"
# A failing hook: exit 83, the renewal stays (new pair in place, old one in .bak).
pub=$(pubkey_of "$WORK/a/key.pem")
run "renew --deploy-hook (failing)" env HOOK_EXIT=5 HOOK_OUT="$WORK/hook2.env" "$SCEPCTL" --json renew \
  --url "$TESTBED_SCEP_URL" --ca-fingerprint "$pin" --challenge-file "$TESTBED_CHALLENGE_FILE" --out-dir "$WORK/a" \
  --deploy-hook "$WORK/hook.sh"
expect_rc 83
expect_one_line_error
expect_err 'deploy-hook exited with status 5; the renewal itself is complete'
expect_json 'd["status"] == "renewed" and d["deploy_hook"]["exit_status"] == 5 and d["error"]["exit_code"] == 83'
check_renewed "failing hook" "$WORK/a" "$new_serial" "$pub" new
expect "failing hook: it ran" test -s "$WORK/hook2.env"

# Refusals, exit 84, before anything is sent or written: a key of another pair, an expired and a
# not yet valid certificate (faketime), a certificate from another CA.
enroll_pair "$WORK/b" renew-b
before_a=$(snapshot "$WORK/a")
before_b=$(snapshot "$WORK/b")
renew_bed "$WORK/b" --key "$WORK/a/key.pem" --challenge-file "$TESTBED_CHALLENGE_FILE"
expect_rc 84
expect_one_line_error
expect_err "--key $WORK/a/key.pem does not belong to --cert $WORK/b/cert.pem"
for shift_days in +400d -2d; do
  run "renew with the clock at $shift_days" faketime -f "$shift_days" "$SCEPCTL" renew --url "$TESTBED_SCEP_URL" \
    --ca-fingerprint "$pin" --out-dir "$WORK/b" --challenge-file "$TESTBED_CHALLENGE_FILE"
  expect_rc 84
  expect_one_line_error
done
run "renew an expired certificate" faketime -f +400d "$SCEPCTL" renew --url "$offline_url" --out-dir "$WORK/b"
expect_err "cert.pem expired on .*: an expired certificate cannot sign a renewal; enroll anew"
run "renew a certificate not yet valid" faketime -f -2d "$SCEPCTL" renew --url "$offline_url" --out-dir "$WORK/b"
expect_err "is not valid before .*check this machine's clock"
start_mode_fixture success
mkdir -p "$WORK/other"
scepctl enroll --url "$FIXTURE_URL" --ca-fingerprint "$FIXTURE_PIN" --challenge-file "$fixture_challenge" \
  --subject CN=renew-other --out-dir "$WORK/other" -q
expect_rc 0
before_other=$(snapshot "$WORK/other")
renew_bed "$WORK/other" --challenge-file "$TESTBED_CHALLENGE_FILE"
expect_rc 84
expect_one_line_error
expect_err "was issued by 'CN=Test NDES Root CA,O=scepctl tests', not by this server's CA 'OU=NDES test bed CA"
expect "refusals: nothing changed" test "$(snapshot "$WORK/a")$(snapshot "$WORK/b")$(snapshot "$WORK/other")" = \
  "$before_a$before_b$before_other"

# Usage and file errors before any request.
renew_bed "$WORK/b" --mode renewal
expect_rc 64
expect_err '--mode: "renewal" is not one of auto, renewalreq, pkcsreq'
renew_bed "$WORK/b" --reuse-key --key-size 4096
expect_rc 64
renew_bed "$WORK/b" --days-before -1
expect_rc 64
renew_bed "$WORK/b" --cert "$WORK/b/key.pem"
expect_rc 64
expect_one_line_error
expect_err "^scepctl: error: --key $WORK/b/key.pem and --cert $WORK/b/key.pem are the same file: one would overwrite the other"
mkdir -p "$WORK/der"
scepctl enroll --url "$TESTBED_SCEP_URL" --ca-fingerprint "$pin" --challenge-file "$TESTBED_CHALLENGE_FILE" \
  --subject CN=renew-der --format der --out-dir "$WORK/der" -q
scepctl renew --url "$TESTBED_SCEP_URL" --cert "$WORK/der/cert.der" --key "$WORK/der/key.der"
expect_rc 93
expect_one_line_error
expect_err 'is not a PEM certificate: renew replaces PEM files only'
scepctl renew --url "$TESTBED_SCEP_URL" --out-dir "$WORK/missing"
expect_rc 93
expect_one_line_error
expect "refusals: nothing changed" test "$(snapshot "$WORK/b")" = "$before_b"

# Profiles: [ca] gives URL and pin, [profile] the files (out_dir; key_out/cert_out/chain_out) and
# the new key's size, as for enroll.
mkdir -p "$WORK/etc" "$WORK/named"
cat >"$WORK/etc/config.toml" <<EOF
[ca.bed]
scep_url = "$TESTBED_SCEP_URL"
ca_fingerprint = "$pin"

[profile.dev]
ca = "bed"
subject = "CN=renew-profile,O=scepctl renew"
out_dir = "dev"
key_size = 3072

[profile.named]
ca = "bed"
subject = "CN=renew-named"
key_out = "../named/device.key"
cert_out = "../named/device.crt"
chain_out = "../named/ca.crt"
EOF
mkdir -p "$WORK/etc/dev"
scepctl enroll --config "$WORK/etc/config.toml" --profile dev --challenge-file "$TESTBED_CHALLENGE_FILE" -q
expect_rc 0
serial=$(serial_of "$WORK/etc/dev/cert.pem")
pub=$(pubkey_of "$WORK/etc/dev/key.pem")
scepctl renew --config "$WORK/etc/config.toml" --profile dev --challenge-file "$TESTBED_CHALLENGE_FILE"
expect_rc 0
check_renewed "profile dev" "$WORK/etc/dev" "$serial" "$pub" new
expect "profile dev: the new key has the profile's 3072 bits" grep -q '3072 bit' \
  <(openssl pkey -in "$WORK/etc/dev/key.pem" -noout -text)
scepctl enroll --config "$WORK/etc/config.toml" --profile named --challenge-file "$TESTBED_CHALLENGE_FILE" -q
expect_rc 0
serial=$(serial_of "$WORK/named/device.crt")
scepctl renew --config "$WORK/etc/config.toml" --profile named --challenge-file "$TESTBED_CHALLENGE_FILE" --json
expect_rc 0
expect_json 'd["files"] == {"key": "'"$WORK/named/device.key"'", "cert": "'"$WORK/named/device.crt"'", "chain": "'"$WORK/named/ca.crt"'"}'
expect "profile named: device.key/device.crt renewed, the old pair in .bak" test \
  "$(serial_of "$WORK/named/device.crt.bak")" = "$serial" -a "$(serial_of "$WORK/named/device.crt")" != "$serial"
expect_key_matches "$WORK/named/device.crt" "$WORK/named/device.key"
expect_key_matches "$WORK/named/device.crt.bak" "$WORK/named/device.key.bak"
expect "profile named: the subject is the certificate's, not the profile's template" grep -q 'CN = renew-named' \
  <(openssl x509 -in "$WORK/named/device.crt" -noout -subject)

# renew --profile takes the challenge from the CA's challenge_url, with Kerberos when the CA
# prefers it, as enroll does (issue 17: it ignored challenge_url and failed with badRequest until
# the URL was repeated on the command line). On the bed the admin page behind mod_auth_gssapi shows
# scepserver's challenge to the service user.
{ bed_ndes_config keytab generic "sha256:$TESTBED_CA_SHA256"
  printf '\n[profile.kerb]\nca = "bed"\nsubject = "CN=renew-kerberos"\nout_dir = "%s"\n' "$WORK/kerb"; } \
  >"$WORK/etc/kerberos.toml"
mkdir -p "$WORK/kerb"
run "enroll --profile kerb" env -u KRB5_CONFIG "$SCEPCTL" enroll --config "$WORK/etc/kerberos.toml" --profile kerb -q
expect_rc 0
serial=$(serial_of "$WORK/kerb/cert.pem")
pub=$(pubkey_of "$WORK/kerb/key.pem")
run "renew --profile kerb" env -u KRB5_CONFIG "$SCEPCTL" renew --config "$WORK/etc/kerberos.toml" --profile kerb \
  --json
expect_rc 0
check_renewed "profile kerb" "$WORK/kerb" "$serial" "$pub" new
expect_json 'd["challenge"] == "<redacted>" and d["challenge_source"] == "admin page (Negotiate (Kerberos))"'
expect_err 'challenge fetched from localhost with Negotiate \(Kerberos\)'
expect_no_out "$TESTBED_CHALLENGE"
# A challenge given on the command line is used instead of fetching one.
run "renew --profile kerb --challenge-file" env -u KRB5_CONFIG "$SCEPCTL" renew --config "$WORK/etc/kerberos.toml" \
  --profile kerb --challenge-file "$TESTBED_CHALLENGE_FILE" --json
expect_rc 0
expect_json 'd["challenge_source"] == "given"'

# ---------------------------------------------------------------- SIGKILL at every step
# SCEPCTL_TEST_PAUSE_AT (test-only) makes renew stop itself at a stage; it is then killed. On
# disk there must be a matching pair, or a journal whose .bak pair is the old matching pair; the
# next renew (offline: --days-before 0 only repairs and then says "not due") leaves the old pair
# (killed before the commit point) or the complete new one (after it).
enroll_pair "$WORK/k" renew-kill
base_serial=$(serial_of "$WORK/k/cert.pem")
for stage in verified staged:key.pem staged:cert.pem staged backed-up journal renamed:key.pem renamed:cert.pem \
  renamed:chain.pem renamed swapped; do
  current="kill at $stage"
  d="$WORK/kill-${stage//:/-}"
  rm -rf "$d"
  cp -a "$WORK/k" "$d"
  "$TB" env SCEPCTL_TEST_PAUSE_AT="$stage" "$SCEPCTL" renew --url "$TESTBED_SCEP_URL" --ca-fingerprint "$pin" \
    --challenge-file "$TESTBED_CHALLENGE_FILE" --out-dir "$d" >"$WORK/kill.out" 2>&1 &
  pid=$!
  if wait_stopped "$pid"; then pass "renew stopped itself at $stage"; else fail "renew did not stop at $stage"; fi
  kill -KILL "$pid" 2>/dev/null
  wait "$pid" 2>/dev/null
  case $stage in
  journal | renamed*) committed=1 ;;
  *) committed=0 ;;
  esac
  if [ -e "$d/cert.pem.scepctl-journal" ]; then
    expect "$stage: a journal, as expected only after the commit point" test "$committed" = 1
    expect "$stage: the .bak pair is the old pair" test "$(serial_of "$d/cert.pem.bak")" = "$base_serial"
    expect_key_matches "$d/cert.pem.bak" "$d/key.pem.bak"
  else
    expect "$stage: no journal, as expected before the commit point or once done" test "$committed" = 0
    expect_key_matches "$d/cert.pem" "$d/key.pem"
  fi
  scepctl renew --url "$offline_url" --out-dir "$d" --days-before 0
  expect_rc 0
  expect_out '^not due'
  [ "$committed" = 1 ] && expect_err 'finished the renewal an earlier run left half done'
  expect_key_matches "$d/cert.pem" "$d/key.pem"
  case $stage in
  verified | staged* | backed-up)
    expect "$stage: the old pair, byte for byte" same_files "$d/cert.pem" "$WORK/k/cert.pem" "$d/key.pem" "$WORK/k/key.pem"
    ;;
  *)
    expect "$stage: the new pair, complete" test "$(serial_of "$d/cert.pem")" != "$base_serial"
    expect "$stage: ... and it verifies" openssl verify -CAfile "$TESTBED_SCEP_CA" "$d/cert.pem"
    expect "$stage: ... with the chain" cmp -s "$d/chain.pem" "$WORK/k/chain.pem"
    ;;
  esac
  expect "$stage: nothing staged or journaled left after the repair" test -z "$(leftovers "$d")"
done

# ================================================================ NDES fixture
# RenewalReq without a challenge, signed by the certificate (the fixture checks it was issued by
# its CA and is valid, as NDES does), reply encrypted to that certificate.
start_mode_fixture success
mkdir -p "$WORK/f"
scepctl enroll --url "$FIXTURE_URL" --ca-fingerprint "$FIXTURE_PIN" --challenge-file "$fixture_challenge" \
  --subject "CN=renew-f,O=scepctl renew" --out-dir "$WORK/f" -q
expect_rc 0
serial=$(serial_of "$WORK/f/cert.pem")
pub=$(pubkey_of "$WORK/f/key.pem")
# --validity: the fixture ignores it by default (its template's 365 days): a note, and JSON says so.
renew_fixture "$WORK/f" --json --validity 30d
expect_rc 0
expect_json 'd["validity"] == {"requested": "30d", "issued_days": 365, "as_requested": False}'
expect_err 'asked for a validity of 30d, the CA issued 365 days'
expect "fixture: the renewal asked for 30 Days" test "$(last_event requestedValidity)" = "30 Days"
issuing_txid=$(python3 -c 'import json,sys; print(json.loads(sys.stdin.read())["transaction_id"])' <<<"$out")
expect_err 'RenewalReq sent \(POST, des3, sha256'
expect_no_err 'no challenge password'
expect "fixture: it got a RenewalReq" test "$(last_event messageTypeName)" = RenewalReq
expect "fixture: ... without a challenge" test "$(last_event csrHasChallenge)" = False
expect "fixture: ... signed by the certificate being renewed" test "$(last_event renewal)" = ok -a \
  "$(last_event signerSubject)" = "CN=renew-f,O=scepctl renew"
check_renewed "fixture renewalreq" "$WORK/f" "$serial" "$pub" new "$FIXTURE_DATA/ca.pem"
# --reuse-key: a transaction ID of its own, not the one that issued the certificate (derived from
# the same key), so a new certificate: NDES answers a repeated ID with the certificate it issued
# then (sscep#189), and so does the fixture.
serial=$(serial_of "$WORK/f/cert.pem")
pub=$(pubkey_of "$WORK/f/key.pem")
renew_fixture "$WORK/f" --reuse-key --json
expect_rc 0
expect_json 'd["new_key"] is False and d["transaction_id"] != "'"$issuing_txid"'"'
expect "fixture --reuse-key: the fixture saw a new transaction ID" test "$(last_event transactionID)" != "$issuing_txid"
expect "fixture --reuse-key: ... and issued a new certificate" test "$(last_event note)" = None
check_renewed "fixture --reuse-key" "$WORK/f" "$serial" "$pub" same "$FIXTURE_DATA/ca.pem"

# Failures leave the files byte-identical: FAILURE badRequest (auto: RenewalReq, then PKCSReq once),
# FAILURE badTime (no fallback), a reply signed with the wrong key, a connection lost.
check_unchanged() { expect "$1: the files are byte-identical, modes included" test "$(snapshot "$WORK/f")" = "$before"; }
before=$(snapshot "$WORK/f")
start_mode_fixture failure-badRequest
renew_fixture "$WORK/f"
expect_rc 72
expect_one_line_error
expect_err 'trying once more as PKCSReq'
expect "failure-badRequest: RenewalReq, then one PKCSReq" test \
  "$(python3 -c 'import json,sys; print(" ".join(json.loads(l)["messageTypeName"] for l in open(sys.argv[1])))' \
    "$state/events.jsonl")" = "RenewalReq PKCSReq"
check_unchanged failure-badRequest
start_mode_fixture failure-badTime
renew_fixture "$WORK/f"
expect_rc 73
expect_one_line_error
expect_no_err 'trying once more'
check_unchanged failure-badTime
start_mode_fixture bad-signature
renew_fixture "$WORK/f"
expect_rc 97
expect_one_line_error
expect_err 'signature does not verify'
check_unchanged bad-signature
start_mode_fixture drop-pkioperation
renew_fixture "$WORK/f"
expect_rc 95
expect_one_line_error
expect_err 'closed the connection without answering'
expect "drop-pkioperation: the request did reach the fixture, which closed the connection" \
  grep -q 'connection closed without an answer' "$state/events.jsonl"
# libcurl would send it again, once, as the connection was reused: scepctl stops that copy.
expect "drop-pkioperation: one PKIOperation, not sent again" \
  test "$(grep -c '"operation": "PKIOperation"' "$state/events.jsonl")" = 1
check_unchanged drop-pkioperation

# PENDING: exit 3, the new key waits in key.pem.scepctl-pending, the pair stays; the next run
# polls (CertPoll) in the same transaction and swaps in the issued pair.
start_mode_fixture pending --pending-polls 1
renew_fixture "$WORK/f" --max-polls 0
expect_rc 3
expect_one_line_error
expect_err "the new key waits in $WORK/f/key.pem.scepctl-pending \(0600\): run the same renew again"
expect "pending: the waiting key is 0600" test "$(stat -c %a "$WORK/f/key.pem.scepctl-pending")" = 600
expect "pending: key, certificate and chain unchanged" test \
  "$(snapshot "$WORK/f" | grep -v -e scepctl-pending -e '^\. ')" = "$(grep -v '^\. ' <<<"$before")"
pending_pub=$(pubkey_of "$WORK/f/key.pem.scepctl-pending")
serial=$(serial_of "$WORK/f/cert.pem")
pub=$(pubkey_of "$WORK/f/key.pem")
renew_fixture "$WORK/f" --poll-interval 1 --json
expect_rc 0
expect_err 'CertPoll sent'
expect_no_err 'RenewalReq sent|PKCSReq sent'
expect_json 'd["resumed"] is True and d["polls"] == 1'
expect "pending: the issued certificate is for the key that waited" test "$(pubkey_of "$WORK/f/key.pem")" = "$pending_pub"
check_renewed "pending, then polled" "$WORK/f" "$serial" "$pub" new "$FIXTURE_DATA/ca.pem"

stop_fixture
finish
