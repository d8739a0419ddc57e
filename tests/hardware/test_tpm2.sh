#!/usr/bin/env bash
# TPM 2.0 keys (tpm2-openssl) against swtpm: a TPM of its own on a free 127.0.0.1 port, its own
# state directory, stopped by pid. Usage: test_tpm2.sh KEY_DRIVER TESTS_DATA_DIR
DRIVER=$1 DATA=$2
. "$(dirname "$0")/lib.sh"
skip_unless swtpm tpm2_startup tpm2_dictionarylockout openssl python3 \
  "$(openssl version -m | sed 's/.*"\(.*\)"/\1/')/tpm2.so"

swtpm_pids=()
stop_swtpms() { for pid in "${swtpm_pids[@]}"; do kill "$pid" 2>/dev/null; wait "$pid" 2>/dev/null; done; }
trap 'stop_swtpms; rm -rf "$WORK"' EXIT

# start_swtpm NAME: a fresh TPM; sets TCTI_NAME (for the driver and for tpm2-tools).
start_swtpm() {
  local name=$1 port pid
  mkdir -p "$WORK/$name"
  for _ in 1 2 3 4 5; do
    port=$(free_port_pair)
    swtpm socket --tpm2 --tpmstate dir="$WORK/$name" --flags not-need-init,startup-clear \
      --server type=tcp,port="$port",bindaddr=127.0.0.1 --ctrl type=tcp,port=$((port + 1)),bindaddr=127.0.0.1 \
      --log file="$WORK/$name.log" &
    pid=$!
    for _ in $(seq 50); do
      if TPM2TOOLS_TCTI="swtpm:host=127.0.0.1,port=$port" tpm2_getcap properties-fixed >/dev/null 2>&1; then
        swtpm_pids+=("$pid")
        printf -v "TCTI_$name" '%s' "swtpm:host=127.0.0.1,port=$port"
        return 0
      fi
      kill -0 "$pid" 2>/dev/null || break
      sleep 0.1
    done
    kill "$pid" 2>/dev/null; wait "$pid" 2>/dev/null # a port taken meanwhile: try another
  done
  echo "cannot start swtpm:"; cat "$WORK/$name.log"; exit 1
}

start_swtpm main
export TPM2TOOLS_TCTI=$TCTI_main
# First, so that a test of a wrong authorization value can never lock this TPM for 1000 s.
tpm2_dictionarylockout --setup-parameters --max-tries=4294967295 --clear-lockout >/dev/null
tpm2() { "$@" >/dev/null && tpm2_flushcontext -t >/dev/null; } # no resource manager: free every slot
d() { "$DRIVER" --tcti "$TCTI_main" "$@"; }
W=$WORK

# --- a key made in the TPM: only its blob is written, 0600, and the TPM is left as found
run "generate in the TPM" d generate tpm2 2048 "$W/key.pem"
expect_rc 0
expect_out "^tpm2 $W/key.pem$"
[ "$(stat -c %a "$W/key.pem")" = 600 ] && pass "key blob is mode 0600" || fail "key blob mode $(stat -c %a "$W/key.pem")"
head -1 "$W/key.pem" | grep -q -- '-----BEGIN TSS2 PRIVATE KEY-----' && pass "a TSS2 key blob" || fail "not a TSS2 blob"
run "no transient object left" tpm2_getcap handles-transient
[ -z "$out" ] && pass "no transient object in the TPM" || fail "objects left: $out"

# --- reloaded from the blob: the CSR signature, by the TPM, verifies with the openssl CLI
expect "CSR signed in the TPM" d csr "$W/key.pem" "$W/req.der"
expect "openssl verifies the CSR" openssl req -in "$W/req.der" -inform DER -verify -noout
expect "public key of the blob" d pubkey "$W/key.pem" "$W/key.pub"
openssl req -in "$W/req.der" -inform DER -pubkey -noout >"$W/req.pub"
expect_same "the CSR holds the TPM key's public key" "$W/key.pub" "$W/req.pub"
run "location" d location "$W/key.pem"
expect_out "^tpm2 $W/key.pem$"

# --- pkiMessage: SignedData signed in the TPM, envelope to the RA
expect "pkiMessage signed in the TPM" d pkimessage "$W/key.pem" "$DATA/openssl/ra-encrypt.pem" "$W/signer.pem" "$W/msg.der"
expect "openssl verifies the pkiMessage" openssl cms -verify -inform DER -in "$W/msg.der" -binary -noverify \
  -certfile "$W/signer.pem" -out "$W/envelope.der"
expect "the RA opens its envelope" openssl cms -decrypt -inform DER -in "$W/envelope.der" -binary \
  -recip "$DATA/openssl/ra-encrypt.pem" -inkey "$DATA/openssl/ra-encrypt.key" -out "$W/inner.der"
expect "the CSR inside verifies" openssl req -in "$W/inner.der" -inform DER -verify -noout
expect "signer certificate verifies with the TPM key" openssl verify -CAfile "$W/signer.pem" "$W/signer.pem"
run "the signer certificate holds the TPM key" d check "$W/key.pem" "$W/signer.pem"
expect_out "^matches 2048$"
run "another certificate does not" d check "$W/key.pem" "$DATA/openssl/ra-encrypt.pem"
expect_out "^differs 2048$"

# --- a CertRep envelope made by openssl to the signer certificate, opened in the TPM
openssl crl2pkcs7 -nocrl -certfile "$W/signer.pem" -outform DER -out "$W/content.p7b"
openssl cms -encrypt -binary -aes128 -in "$W/content.p7b" -outform DER -out "$W/env-aes.der" "$W/signer.pem"
expect "AES envelope, PKCS#1 v1.5 key transport" d decrypt "$W/key.pem" "$W/signer.pem" "$W/env-aes.der" "$W/out-aes"
expect_same "decrypted content is what openssl encrypted" "$W/content.p7b" "$W/out-aes"
openssl cms -encrypt -binary -des -provider legacy -provider default -in "$W/content.p7b" -outform DER \
  -out "$W/env-des.der" "$W/signer.pem"
expect "single-DES envelope (scepserver)" d decrypt "$W/key.pem" "$W/signer.pem" "$W/env-des.der" "$W/out-des"
expect_same "decrypted DES content" "$W/content.p7b" "$W/out-des"
openssl cms -encrypt -binary -aes128 -in "$W/content.p7b" -outform DER -out "$W/env-oaep.der" \
  -recip "$W/signer.pem" -keyopt rsa_padding_mode:oaep
run "RSA-OAEP envelope" d decrypt "$W/key.pem" "$W/signer.pem" "$W/env-oaep.der" "$W/out-oaep"
expect_rc 1
expect_err "RSA-OAEP, which the TPM provider \(tpm2-openssl\) cannot decrypt"
# An envelope for another key with our certificate's name: the key must really decrypt it.
openssl req -x509 -newkey rsa:2048 -nodes -keyout "$W/other.key" -subj "/CN=hardware key test" -days 1 \
  -set_serial "0x$(openssl x509 -in "$W/signer.pem" -noout -serial | cut -d= -f2)" -out "$W/other.pem" 2>/dev/null
openssl cms -encrypt -binary -aes128 -in "$W/content.p7b" -outform DER -out "$W/env-other.der" "$W/other.pem"
run "envelope to another key under our name" d decrypt "$W/key.pem" "$W/signer.pem" "$W/env-other.der" "$W/out-other"
expect_rc 1
expect_err "cannot decrypt the reply's content key"
rm -f "$W/other.key"

# --- a persistent key at a handle, made with tpm2-tools
tpm2 tpm2_createprimary -Q -C o -c "$W/primary.ctx"
tpm2 tpm2_create -Q -C "$W/primary.ctx" -G rsa2048 -u "$W/p.pub" -r "$W/p.priv"
tpm2_load -Q -C "$W/primary.ctx" -u "$W/p.pub" -r "$W/p.priv" -c "$W/p.ctx" >/dev/null &&
  tpm2 tpm2_evictcontrol -Q -C o -c "$W/p.ctx" 0x81000001
tpm2_flushcontext -t
expect "CSR signed by handle:0x81000001" d csr handle:0x81000001 "$W/req-handle.der"
expect "openssl verifies it" openssl req -in "$W/req-handle.der" -inform DER -verify -noout
tpm2_readpublic -Q -c 0x81000001 -f pem -o "$W/handle.pub"
openssl req -in "$W/req-handle.der" -inform DER -pubkey -noout >"$W/req-handle.pub"
expect_same "the CSR holds the persistent key" "$W/handle.pub" "$W/req-handle.pub"
run "no key at an empty handle" d csr handle:0x81000002 "$W/x.der"
expect_rc 1
expect_err "there is no key at handle:0x81000002"
run "not a persistent handle" d csr handle:0x80000001 "$W/x.der"
expect_rc 1
expect_err "not a persistent TPM handle"

# --- renewal: the replacement is made in the same TPM
run "replacement in the TPM" d replace "$W/key.pem" 2048 "$W/new.pem"
expect_rc 0
expect_out "^tpm2 $W/new.pem$"
d pubkey "$W/new.pem" "$W/new.pub"
expect_differ "a new key" "$W/key.pub" "$W/new.pub"
expect "the new key signs" d csr "$W/new.pem" "$W/req-new.der"

# --- errors that name cause and fix
start_swtpm other
run "blob from another TPM" "$DRIVER" --tcti "$TCTI_other" csr "$W/key.pem" "$W/x.der"
expect_rc 1
expect_err "was made by another TPM"
mkdir -p "$W/no-modules"
run "provider not installed" env OPENSSL_MODULES="$W/no-modules" "$DRIVER" --tcti "$TCTI_main" csr "$W/key.pem" "$W/x.der"
expect_rc 1
expect_err "TPM provider for OpenSSL \(tpm2.so\) is not installed: apt install tpm2-openssl"
run "no TPM" "$DRIVER" --tcti "device:$W/no-tpm" csr "$W/key.pem" "$W/x.der"
expect_rc 1
expect_err "no TPM at $W/no-tpm"
run "TPM not answering" "$DRIVER" --tcti "swtpm:host=127.0.0.1,port=$(free_port)" csr "$W/key.pem" "$W/x.der"
expect_rc 1
expect_err "cannot reach the TPM through TCTI"
# Three objects fill swtpm's slots (no resource manager swaps them out).
for i in 1 2 3; do tpm2_createprimary -Q -C o -c "$W/fill$i.ctx" >/dev/null; done
run "TPM out of object memory" d generate tpm2 2048 "$W/full.pem"
expect_rc 1
expect_err "TPM is out of object memory"
tpm2_flushcontext -t
run "EC key in the TPM" bash -c "tpm2_createprimary -Q -C o -c '$W/ecp.ctx' && tpm2_create -Q -C '$W/ecp.ctx' -G ecc256 -u '$W/ec.pub' -r '$W/ec.priv' && tpm2_flushcontext -t && tpm2_load -Q -C '$W/ecp.ctx' -u '$W/ec.pub' -r '$W/ec.priv' -c '$W/ec.ctx' && tpm2_evictcontrol -Q -C o -c '$W/ec.ctx' 0x81000010 && tpm2_flushcontext -t"
run "an EC key is refused" d csr handle:0x81000010 "$W/x.der"
expect_rc 1
expect_err "is EC, but SCEP needs RSA"
run "every object freed" tpm2_getcap handles-transient
[ -z "$out" ] && pass "no transient object left by any run" || fail "objects left: $out"

expect_no_clear_keys
finish
