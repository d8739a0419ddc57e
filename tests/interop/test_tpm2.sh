#!/usr/bin/env bash
# scepctl with keys in a TPM 2.0 (tpm2-openssl) against swtpm, started here inside the bed on a
# port of this test (19000, control 19001) with its own state directory, stopped by pid: enroll
# with a key made in the TPM against scepserver and the NDES fixture, enroll with a persistent
# handle, renew TPM -> TPM, a key blob of another TPM, check-ndes --enroll-test with the TPM, and
# no private key in the clear anywhere.
. "$(dirname "$0")/lib.sh"

for need in swtpm tpm2_getcap tpm2_dictionarylockout tpm2_evictcontrol; do
  command -v "$need" >/dev/null || { echo "SKIP: $need is not installed (scripts/install-deps.sh installs it)"; exit 125; }
done
[ -e "$(openssl version -m | sed 's/.*"\(.*\)"/\1/')/tpm2.so" ] ||
  { echo "SKIP: tpm2-openssl is not installed (scripts/install-deps.sh installs it)"; exit 125; }

pin="sha256:$TESTBED_CA_SHA256"
FIXTURE_PORT=18997
export TMPDIR="$WORK/tmp" # scepctl's temporary files land here too, for the leak check
mkdir -p "$TMPDIR" "$WORK"/{bed,text,ndes,handle,none,other,foreign,missing,der}
chmod 600 "$WORK/fixture-challenges.txt" 2>/dev/null || true
swtpm_pids=()
trap 'stop_fixture; for p in "${swtpm_pids[@]}"; do kill "$p" 2>/dev/null; wait "$p" 2>/dev/null; done; rm -rf "$WORK"' EXIT

# start_swtpm NAME PORT: a fresh TPM in the bed; TCTI_NAME names it.
start_swtpm() {
  mkdir -p "$WORK/$1"
  "$TB" swtpm socket --tpm2 --tpmstate dir="$WORK/$1" --flags not-need-init,startup-clear \
    --server type=tcp,port="$2",bindaddr=127.0.0.1 --ctrl type=tcp,port=$(($2 + 1)),bindaddr=127.0.0.1 \
    --log file="$WORK/$1.log" &
  swtpm_pids+=($!)
  printf -v "TCTI_$1" '%s' "swtpm:host=127.0.0.1,port=$2"
  for _ in $(seq 100); do
    "$TB" env TPM2TOOLS_TCTI="swtpm:host=127.0.0.1,port=$2" tpm2_getcap properties-fixed >/dev/null 2>&1 && return 0
    sleep 0.1
  done
  echo "swtpm $1 did not start:"; cat "$WORK/$1.log"; exit 1
}
start_swtpm main 19000
tpm() { "$TB" env TPM2TOOLS_TCTI="$TCTI_main" "$@"; }
# First, so that no wrong authorization value can lock this TPM for 1000 s.
tpm tpm2_dictionarylockout --setup-parameters --max-tries=4294967295 --clear-lockout >/dev/null
# The public key of a TPM key blob, as the TPM provider reads it.
blob_pubkey() { "$TB" env TPM2OPENSSL_TCTI="$TCTI_main" openssl pkey -provider tpm2 -provider default -in "$1" -pubout; }
cert_pubkey() { openssl x509 -in "$1" -noout -pubkey; }

# --- enroll with a key made in the TPM, against scepserver
out_dir="$WORK/bed"
scepctl enroll --url "$TESTBED_SCEP_URL" --ca-fingerprint "$pin" --challenge-file "$TESTBED_CHALLENGE_FILE" \
  --subject "CN=tpm device,O=scepctl" --out-dir "$out_dir" --key-store tpm2 --tpm2-tcti "$TCTI_main" --json
expect_rc 0
expect_json 'd["key"] == {"store": "tpm2", "path": "'"$out_dir"'/key.pem"}'
expect "the key file is a TSS2 key blob" grep -q -- '-----BEGIN TSS2 PRIVATE KEY-----' "$out_dir/key.pem"
expect "the key blob is mode 0600" test "$(stat -c %a "$out_dir/key.pem")" = 600
expect "the certificate verifies against the bed's CA" openssl verify -CAfile "$out_dir/chain.pem" "$out_dir/cert.pem"
expect "the certificate holds the TPM key" test "$(blob_pubkey "$out_dir/key.pem")" = "$(cert_pubkey "$out_dir/cert.pem")"
scepctl enroll --url "$TESTBED_SCEP_URL" --ca-fingerprint "$pin" --challenge-file "$TESTBED_CHALLENGE_FILE" \
  --subject "CN=tpm text" --out-dir "$WORK/text" --key-store tpm2 --tpm2-tcti "$TCTI_main"
expect_rc 0
expect_out '^key store: +tpm2$'

# --- renew TPM -> TPM: a new key in the same TPM, blob and certificate swapped as one unit
cp "$out_dir/key.pem" "$WORK/old-key.pem"
scepctl renew --url "$TESTBED_SCEP_URL" --ca-fingerprint "$pin" --challenge-file "$TESTBED_CHALLENGE_FILE" \
  --out-dir "$out_dir" --tpm2-tcti "$TCTI_main" --json
expect_rc 0
expect_json 'd["new_key"] is True and d["key"]["store"] == "tpm2"'
expect "the new key file is a TSS2 key blob" grep -q -- '-----BEGIN TSS2 PRIVATE KEY-----' "$out_dir/key.pem"
expect "the key blob changed" sh -c '! cmp -s "$1" "$2"' _ "$WORK/old-key.pem" "$out_dir/key.pem"
expect "the old blob is the backup" cmp -s "$WORK/old-key.pem" "$out_dir/key.pem.bak"
expect "the new certificate holds the new TPM key" \
  test "$(blob_pubkey "$out_dir/key.pem")" = "$(cert_pubkey "$out_dir/cert.pem")"

# --- against the NDES fixture (RA split, DES3 from its caps), with the TPM key
start_mode_fixture success
scepctl enroll --url "$FIXTURE_URL" --ca-fingerprint "$FIXTURE_PIN" --challenge-file "$WORK/fixture-challenges.txt" \
  --subject "CN=tpm ndes" --out-dir "$WORK/ndes" --key-store tpm2 --tpm2-tcti "$TCTI_main"
expect_rc 0
expect "ndes: certificate verifies" openssl verify -CAfile "$FIXTURE_DATA/ca.pem" "$WORK/ndes/cert.pem"
expect "ndes: the certificate holds the TPM key" \
  test "$(blob_pubkey "$WORK/ndes/key.pem")" = "$(cert_pubkey "$WORK/ndes/cert.pem")"

# --- check-ndes --enroll-test with the TPM
scepctl check-ndes --url "$FIXTURE_URL" --ca-fingerprint "$FIXTURE_PIN" --challenge-file \
  "$WORK/fixture-challenges.txt" --enroll-test --key-store tpm2 --tpm2-tcti "$TCTI_main" --json
expect_json '[c for c in d["checks"] if c["id"] == "enroll-test"][0]["status"] == "PASS"'
expect_json '"TPM key" in [c for c in d["checks"] if c["id"] == "enroll-test"][0]["summary"]'

# --- a persistent key at a handle, made with tpm2-tools
tpm tpm2_createprimary -Q -C o -c "$WORK/primary.ctx"
tpm tpm2_create -Q -C "$WORK/primary.ctx" -G rsa2048 -u "$WORK/p.pub" -r "$WORK/p.priv"
tpm tpm2_flushcontext -t
tpm tpm2_load -Q -C "$WORK/primary.ctx" -u "$WORK/p.pub" -r "$WORK/p.priv" -c "$WORK/p.ctx"
tpm tpm2_evictcontrol -Q -C o -c "$WORK/p.ctx" 0x81000001 >/dev/null
tpm tpm2_flushcontext -t
tpm tpm2_readpublic -Q -c 0x81000001 -f pem -o "$WORK/handle.pub"
scepctl enroll --url "$TESTBED_SCEP_URL" --ca-fingerprint "$pin" --challenge-file "$TESTBED_CHALLENGE_FILE" \
  --subject "CN=tpm handle" --out-dir "$WORK/handle" --key handle:0x81000001 --tpm2-tcti "$TCTI_main" --json
expect_rc 0
expect_json 'd["key"] == {"store": "tpm2", "path": "handle:0x81000001"}'
expect "handle: no key file written" test ! -e "$WORK/handle/key.pem"
expect "handle: the certificate holds the persistent key" \
  test "$(cat "$WORK/handle.pub")" = "$(cert_pubkey "$WORK/handle/cert.pem")"
scepctl renew --url "$TESTBED_SCEP_URL" --ca-fingerprint "$pin" --out-dir "$WORK/handle" --key handle:0x81000001 \
  --tpm2-tcti "$TCTI_main"
expect_rc 64
expect_err 'persistent TPM handle is renewed with --reuse-key'
scepctl enroll --url "$TESTBED_SCEP_URL" --ca-fingerprint "$pin" --challenge-file "$TESTBED_CHALLENGE_FILE" \
  --subject "CN=tpm none" --out-dir "$WORK/none" --key handle:0x81000002 --tpm2-tcti "$TCTI_main"
expect_rc 93
expect_err 'there is no key at handle:0x81000002'
expect_one_line_error

# --- a key blob from another TPM: a clear error, nothing sent
start_swtpm other 19002
scepctl enroll --url "$TESTBED_SCEP_URL" --ca-fingerprint "$pin" --challenge-file "$TESTBED_CHALLENGE_FILE" \
  --subject "CN=tpm other" --out-dir "$WORK/other" --key-store tpm2 --tpm2-tcti "$TCTI_other"
expect_rc 0
scepctl enroll --url "$TESTBED_SCEP_URL" --ca-fingerprint "$pin" --challenge-file "$TESTBED_CHALLENGE_FILE" \
  --subject "CN=tpm foreign" --out-dir "$WORK/foreign" --key "$WORK/other/key.pem" --tpm2-tcti "$TCTI_main"
expect_rc 93
expect_err 'was made by another TPM'
expect_err 'enroll again on this machine with --key-store tpm2'
expect "foreign: nothing written" test ! -e "$WORK/foreign/cert.pem"

# --- no TPM there: the error says which and how to pick another
scepctl enroll --url "$TESTBED_SCEP_URL" --ca-fingerprint "$pin" --challenge-file "$TESTBED_CHALLENGE_FILE" \
  --subject "CN=tpm missing" --out-dir "$WORK/missing" --key-store tpm2 --tpm2-tcti "device:$WORK/no-tpm"
expect_rc 78
expect_err "no TPM at $WORK/no-tpm"
expect_err '--tpm2-tcti'
expect "missing: nothing written" test ! -e "$WORK/missing/cert.pem"
# A TPM key blob is PEM: --format der or p12 would need the key itself.
scepctl enroll --url "$TESTBED_SCEP_URL" --ca-fingerprint "$pin" --challenge-file "$TESTBED_CHALLENGE_FILE" \
  --subject "CN=tpm der" --out-dir "$WORK/der" --key-store tpm2 --tpm2-tcti "$TCTI_main" --format der
expect_rc 64
expect_err 'use --format pem with --key-store tpm2'

# --- nothing written anywhere holds a private key in the clear
current="no private key in the clear"
found=$(grep -rlaE -- '-----BEGIN (RSA |ENCRYPTED )?PRIVATE KEY-----' "$WORK" || true)
[ -z "$found" ] && pass "no PEM private key under $WORK" || fail "private keys in: $found"

finish
