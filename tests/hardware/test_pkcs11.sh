#!/usr/bin/env bash
# PKCS#11 token keys (libengine-pkcs11-openssl) against SoftHSM2: a private SOFTHSM2_CONF and token
# directory, keys made with pkcs11-tool; OpenSC's pkcs11-spy module logs every call the driver
# makes, to count logins. Usage: test_pkcs11.sh KEY_DRIVER TESTS_DATA_DIR
DRIVER=$1 DATA=$2
. "$(dirname "$0")/lib.sh"
trap 'rm -rf "$WORK"' EXIT
multiarch=$(gcc -print-multiarch 2>/dev/null || echo x86_64-linux-gnu)
SOFTHSM=/usr/lib/softhsm/libsofthsm2.so
SPY=/usr/lib/$multiarch/pkcs11/pkcs11-spy.so
PROXY=/usr/lib/$multiarch/p11-kit-proxy.so
skip_unless softhsm2-util pkcs11-tool openssl "$SOFTHSM" "$SPY" "$PROXY" \
  "$(openssl version -e | sed 's/.*"\(.*\)"/\1/')/pkcs11.so"

W=$WORK
export SOFTHSM2_CONF=$W/softhsm2.conf
mkdir -p "$W/tokens"
printf 'directories.tokendir = %s\nobjectstore.backend = file\nlog.level = ERROR\n' "$W/tokens" >"$SOFTHSM2_CONF"
softhsm2-util --init-token --free --label device --pin 1234 --so-pin 5678 >/dev/null
p11() { pkcs11-tool --module "$SOFTHSM" --token-label device "$@"; }
p11 --login --pin 1234 --keypairgen --key-type rsa:2048 --label scep-key --id 01 >/dev/null
p11 --login --pin 1234 --keypairgen --key-type EC:prime256v1 --label ec-key --id 02 >/dev/null
printf '1234\n' >"$W/pin"
printf '9999\n' >"$W/wrong-pin"
URI="pkcs11:token=device;object=scep-key;type=private"
d() { "$DRIVER" --module "$SOFTHSM" --pin-file "$W/pin" "$@"; }
p11 --read-object --type pubkey --label scep-key -o "$W/token.pub.der" >/dev/null
openssl pkey -pubin -inform DER -in "$W/token.pub.der" -out "$W/token.pub"

# --- the token signs the CSR and the pkiMessage and opens envelopes, PKCS#1 v1.5 and OAEP
expect "CSR signed on the token" d csr "$URI" "$W/req.der"
expect "openssl verifies the CSR" openssl req -in "$W/req.der" -inform DER -verify -noout
openssl req -in "$W/req.der" -inform DER -pubkey -noout >"$W/req.pub"
expect_same "the CSR holds the token key" "$W/token.pub" "$W/req.pub"
run "location, without the PIN" d location "$URI"
expect_out "^pkcs11 pkcs11:token=device;object=scep-key;type=private$"
expect "pkiMessage signed on the token" d pkimessage "$URI" "$DATA/openssl/ra-encrypt.pem" "$W/signer.pem" "$W/msg.der"
expect "openssl verifies the pkiMessage" openssl cms -verify -inform DER -in "$W/msg.der" -binary -noverify \
  -certfile "$W/signer.pem" -out "$W/envelope.der"
expect "the RA opens its envelope" openssl cms -decrypt -inform DER -in "$W/envelope.der" -binary \
  -recip "$DATA/openssl/ra-encrypt.pem" -inkey "$DATA/openssl/ra-encrypt.key" -out "$W/inner.der"
expect "the CSR inside verifies" openssl req -in "$W/inner.der" -inform DER -verify -noout
run "the signer certificate holds the token key" d check "$URI" "$W/signer.pem"
expect_out "^matches 2048$"
run "another certificate does not" d check "$URI" "$DATA/openssl/ra-encrypt.pem"
expect_out "^differs 2048$"
openssl crl2pkcs7 -nocrl -certfile "$W/signer.pem" -outform DER -out "$W/content.p7b"
openssl cms -encrypt -binary -aes128 -in "$W/content.p7b" -outform DER -out "$W/env.der" "$W/signer.pem"
expect "PKCS#1 v1.5 envelope opened on the token" d decrypt "$URI" "$W/signer.pem" "$W/env.der" "$W/out"
expect_same "decrypted content" "$W/content.p7b" "$W/out"
openssl cms -encrypt -binary -aes128 -in "$W/content.p7b" -outform DER -out "$W/env-oaep.der" \
  -recip "$W/signer.pem" -keyopt rsa_padding_mode:oaep
expect "RSA-OAEP envelope opened on the token" d decrypt "$URI" "$W/signer.pem" "$W/env-oaep.der" "$W/out-oaep"
expect_same "decrypted OAEP content" "$W/content.p7b" "$W/out-oaep"

# --- PIN sources: pin-source in the URI; the default module is the p11-kit proxy
expect "PIN from pin-source" "$DRIVER" --module "$SOFTHSM" csr "$URI?pin-source=file:$W/pin" "$W/req2.der"
if [ -e /usr/share/p11-kit/modules/softhsm2.module ]; then
  run "default module: the p11-kit proxy" "$DRIVER" --pin-file "$W/pin" csr "$URI" "$W/req3.der"
  expect_rc 0
else
  echo "note: softhsm2 is not registered with p11-kit here: the default-module case is not run"
fi

# --- a key made on the token: never extractable; a renewal's on the same token, new label and id
run "generate on the token" d generate pkcs11 2048 "$W/new.uri" "pkcs11:token=device"
expect_rc 0
expect_out "^pkcs11 pkcs11:token=device;id=%[0-9A-F%]+;object=scepctl-[0-9]{8}T[0-9]{6}Z;type=private$"
NEW=$(cat "$W/new.uri")
expect "the new key signs" d csr "$NEW" "$W/req-new.der"
expect "openssl verifies it" openssl req -in "$W/req-new.der" -inform DER -verify -noout
label=$(sed 's/.*object=\([^;]*\).*/\1/' <<<"$NEW")
run "its attributes" p11 --login --pin 1234 --list-objects --type privkey --label "$label"
expect_out "sensitive, always sensitive, never extractable, local"
run "replacement on the token" d replace "$URI" 2048 "$W/rep.uri"
expect_rc 0
expect_out "^pkcs11 pkcs11:token=device;id=%[0-9A-F%]+;object=scep-key-[0-9]{8}T[0-9]{6}Z;type=private$"
expect "the replacement signs" d csr "$(cat "$W/rep.uri")" "$W/req-rep.der"
openssl req -in "$W/req-rep.der" -inform DER -pubkey -noout >"$W/rep.pub"
expect_differ "a new key" "$W/token.pub" "$W/rep.pub"

# --- a wrong PIN: one login attempt, never retried (the spy logs every C_Login)
run "token state before" pkcs11-tool --module "$SOFTHSM" -L
grep -q "token label *: device" <<<"$out" && ! grep -A6 "token label *: device" <<<"$out" | grep -q "PIN count low" &&
  pass "no failed login yet" || fail "token already saw a failed login"
run "wrong PIN" env PKCS11SPY="$SOFTHSM" PKCS11SPY_OUTPUT="$W/spy.log" \
  "$DRIVER" --module "$SPY" --pin-file "$W/wrong-pin" csr "$URI" "$W/x.der"
expect_rc 1
expect_err "wrong PIN for token 'device' \(one login attempt was made"
logins=$(grep -c "^[0-9]*: C_Login$" "$W/spy.log")
[ "$logins" -eq 1 ] && pass "exactly one C_Login" || fail "$logins C_Login calls"
grep -q "CKR_PIN_INCORRECT" "$W/spy.log" && pass "the token answered CKR_PIN_INCORRECT" || fail "no CKR_PIN_INCORRECT"
run "token state after" pkcs11-tool --module "$SOFTHSM" -L
grep -A6 "token label *: device" <<<"$out" | grep -q "user PIN count low" &&
  pass "the token counted one failed login" || fail "the token's flags show no failed login"
rm -f "$W/spy.log" # it holds the PINs the driver sent
run "wrong PIN when making a key" env PKCS11SPY="$SOFTHSM" PKCS11SPY_OUTPUT="$W/spy.log" \
  "$DRIVER" --module "$SPY" --pin-file "$W/wrong-pin" generate pkcs11 2048 "$W/x.uri" "pkcs11:token=device"
expect_rc 1
expect_err "wrong PIN for token 'device'"
logins=$(grep -c "^[0-9]*: C_Login$" "$W/spy.log")
[ "$logins" -eq 1 ] && pass "exactly one C_Login" || fail "$logins C_Login calls"
rm -f "$W/spy.log"
run "no PIN" env PKCS11SPY="$SOFTHSM" PKCS11SPY_OUTPUT="$W/spy.log" "$DRIVER" --module "$SPY" csr "$URI" "$W/x.der"
expect_rc 1
expect_err "token 'device' needs its user PIN: give it with --key-pass-file"
logins=$(grep -c "^[0-9]*: C_Login$" "$W/spy.log")
[ "$logins" -eq 0 ] && pass "no login without a PIN (and no prompt)" || fail "$logins C_Login calls"
rm -f "$W/spy.log"

# --- errors that name cause and fix
run "EC key" d csr "pkcs11:token=device;object=ec-key;type=private" "$W/x.der"
expect_rc 1
expect_err "is EC, but SCEP needs RSA"
run "no such token" d csr "pkcs11:token=nodev;object=scep-key" "$W/x.der"
expect_rc 1
expect_err "no token matches pkcs11:token=nodev;object=scep-key .*tokens present: 'device'"
run "no such key" d csr "pkcs11:token=device;object=nokey" "$W/x.der"
expect_rc 1
expect_err "no private key matches pkcs11:token=device;object=nokey on token 'device'"
run "module not there" "$DRIVER" --module "$W/no-module.so" --pin-file "$W/pin" csr "$URI" "$W/x.der"
expect_rc 1
expect_err "PKCS#11 module '$W/no-module.so': No such file or directory: install it"
mkdir -p "$W/no-engines"
run "engine not installed" env OPENSSL_ENGINES="$W/no-engines" "$DRIVER" --module "$SOFTHSM" --pin-file "$W/pin" \
  csr "$URI" "$W/x.der"
expect_rc 1
expect_err "OpenSSL's PKCS#11 engine is not installed: apt install libengine-pkcs11-openssl"
run "not a URI" d csr "pkcs11:token=device;object=%zz" "$W/x.der"
expect_rc 1
expect_err "the PKCS#11 URI is not valid"
run "a PIN in the URI is never shown" d csr "pkcs11:token=nodev;object=scep-key?pin-value=4321" "$W/x.der"
expect_rc 1
! grep -q 4321 <<<"$err" && pass "the error leaves out pin-value" || fail "the PIN is in the error"

expect_no_clear_keys
finish
