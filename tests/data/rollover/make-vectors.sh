#!/usr/bin/env bash
# make-vectors.sh - regenerate the GetNextCACert and CRL test vectors in this directory with the
# openssl CLI only (no scepctl code), from the committed PKI in ../openssl. Keys and signatures
# change on every run; tests use the committed files. Writes only into this directory.
set -euo pipefail
DIR=$(cd -- "$(dirname -- "${BASH_SOURCE[0]}")" && pwd)
PKI=$(cd -- "$DIR/../openssl" && pwd)
cd "$DIR"
TMP=$(mktemp -d -p "$DIR" .tmp.XXXXXX)
trap 'rm -rf -- "$TMP"' EXIT

cat >"$TMP/ext.cnf" <<'CNF'
[root_ca]
basicConstraints = critical, CA:TRUE
keyUsage = critical, keyCertSign, cRLSign
subjectKeyIdentifier = hash
[ra_sign]
keyUsage = critical, digitalSignature
[ca]
default_ca = test
[test]
database = $ENV::TMP/index.txt
crlnumber = $ENV::TMP/crlnumber
default_md = sha256
default_crl_days = 30
CNF
export TMP

# The rollover: a new key for the same CA name, and a new RA signing certificate under it.
openssl genpkey -algorithm RSA -pkeyopt rsa_keygen_bits:2048 -out "$TMP/next-ca.key" 2>/dev/null
openssl req -new -x509 -key "$TMP/next-ca.key" -config "$TMP/ext.cnf" -extensions root_ca \
  -subj "/O=scepctl tests/CN=Test NDES Root CA" -set_serial 0x4001 -days 3650 -sha256 -out next-ca.pem
openssl genpkey -algorithm RSA -pkeyopt rsa_keygen_bits:2048 -out "$TMP/next-ra.key" 2>/dev/null
openssl req -new -key "$TMP/next-ra.key" -subj "/O=scepctl tests/CN=TESTNDES-MSCEP-RA" -out "$TMP/next-ra.csr"
openssl x509 -req -in "$TMP/next-ra.csr" -CA next-ca.pem -CAkey "$TMP/next-ca.key" -extfile "$TMP/ext.cnf" \
  -extensions ra_sign -set_serial 0x4002 -days 730 -sha256 -out next-ra-sign.pem 2>/dev/null
openssl crl2pkcs7 -nocrl -certfile next-ra-sign.pem -certfile next-ca.pem -outform DER -out next-bundle.p7b

# RFC 8894 §4.7.1: SignedData over the degenerate bundle, signed by the current CA (or its RA).
sign() { # sign SIGNER-BASE OUT
  openssl cms -sign -binary -nodetach -nosmimecap -md sha256 -in next-bundle.p7b -signer "$1.pem" -inkey "$1.key" \
    -outform DER -out "$2"
}
sign "$PKI/ca" next-signed-by-ca.p7
sign "$PKI/ra-sign" next-signed-by-ra.p7
sign "$PKI/other-ca" next-signed-by-other-ca.p7
# The CA's reply with its last byte (inside the signature) flipped.
cp next-signed-by-ca.p7 next-tampered.p7
last=$(( $(wc -c <next-tampered.p7) - 1 ))
byte=$(od -An -tu1 -j "$last" -N1 next-tampered.p7 | tr -d ' ')
printf "$(printf '\\%03o' $(( byte ^ 1 )))" | dd of=next-tampered.p7 bs=1 seek="$last" conv=notrunc 2>/dev/null

# A CRL of the CA that revokes ra-encrypt.pem (serial 0x1003), and the same as a CRLs-only PKCS#7.
: >"$TMP/index.txt"
echo 01 >"$TMP/crlnumber"
openssl ca -config "$TMP/ext.cnf" -revoke "$PKI/ra-encrypt.pem" -keyfile "$PKI/ca.key" -cert "$PKI/ca.pem" 2>/dev/null
openssl ca -config "$TMP/ext.cnf" -gencrl -keyfile "$PKI/ca.key" -cert "$PKI/ca.pem" -out crl.pem 2>/dev/null
openssl crl2pkcs7 -in crl.pem -outform DER -out crl.p7b
# The same revocation signed by another CA.
: >"$TMP/index.txt"
openssl ca -config "$TMP/ext.cnf" -gencrl -keyfile "$PKI/other-ca.key" -cert "$PKI/other-ca.pem" -out other-ca-crl.pem 2>/dev/null
echo "made with $(openssl version) on $(date -u +%Y-%m-%d)"
