#!/usr/bin/env bash
# shellcheck disable=SC2016  # backticks and $(...) in README strings are literal on purpose
# make-vectors.sh - regenerate the scepctl GetCACert/GetCACaps test vectors.
#
# Uses only the openssl CLI (Debian 12, OpenSSL 3.0.x) and coreutils.
# Writes only into the directory that contains this script.
# The structure (subjects, serials, extensions, validity lengths, bundle
# order) is fixed; keys, signatures, dates and therefore fingerprints change
# on every run.  Tests use the committed files, not this script.
set -euo pipefail

DIR=$(cd -- "$(dirname -- "${BASH_SOURCE[0]}")" && pwd)
cd "$DIR"

TMP=$(mktemp -d -p "$DIR" .tmp.XXXXXX)
trap 'rm -rf -- "$TMP"' EXIT

O='scepctl tests'
# -subj is given in DER order (O first, then CN), so the RFC 4514 form is
# "CN=...,O=scepctl tests".
subj() { printf '/O=%s/CN=%s' "$O" "$1"; }

# Minimal config for `openssl req` so the system openssl.cnf does not matter.
cat > "$TMP/req.cnf" <<'CNF'
[req]
distinguished_name = dn
string_mask = utf8only
utf8 = yes
[dn]
[root_ca]
basicConstraints = critical, CA:TRUE
keyUsage = critical, keyCertSign, cRLSign
subjectKeyIdentifier = hash
CNF

# Extensions for certificates signed by another CA (openssl x509 -req).
cat > "$TMP/ext.cnf" <<'CNF'
[sub_ca]
basicConstraints = critical, CA:TRUE, pathlen:0
keyUsage = critical, keyCertSign, cRLSign
subjectKeyIdentifier = hash
authorityKeyIdentifier = keyid:always
[ra_sign]
keyUsage = critical, digitalSignature
subjectKeyIdentifier = hash
authorityKeyIdentifier = keyid:always
[ra_encrypt]
keyUsage = critical, keyEncipherment
subjectKeyIdentifier = hash
authorityKeyIdentifier = keyid:always
CNF

newkey() { # name
    openssl genpkey -algorithm RSA -pkeyopt rsa_keygen_bits:2048 -out "$1.key" 2>/dev/null
}

selfsigned() { # name cn serial days
    newkey "$1"
    openssl req -new -x509 -config "$TMP/req.cnf" -extensions root_ca \
        -key "$1.key" -subj "$(subj "$2")" -set_serial "$3" -days "$4" \
        -sha256 -out "$1.pem"
}

issued() { # name cn serial days issuer ext_section
    newkey "$1"
    openssl req -new -config "$TMP/req.cnf" -key "$1.key" -subj "$(subj "$2")" \
        -sha256 -out "$TMP/$1.csr"
    openssl x509 -req -in "$TMP/$1.csr" -CA "$5.pem" -CAkey "$5.key" \
        -set_serial "$3" -days "$4" -sha256 \
        -extfile "$TMP/ext.cnf" -extensions "$6" -out "$1.pem" 2>/dev/null
}

p7b() { # out cert...
    local out=$1 args=()
    shift
    for c in "$@"; do args+=(-certfile "$c.pem"); done
    openssl crl2pkcs7 -nocrl "${args[@]}" -outform DER -out "$out"
}

# --- 1. NDES-like PKI -------------------------------------------------------
selfsigned ca          'Test NDES Root CA'      0x1001 3650
issued     ra-sign     'TESTNDES-MSCEP-RA'      0x1002  730 ca ra_sign
issued     ra-encrypt  'TESTNDES-MSCEP-RA'      0x1003  730 ca ra_encrypt
openssl x509 -in ca.pem -outform DER -out ca.der

# Unrelated CA and an RA certificate it issued (for the negative vectors).
selfsigned other-ca    'Other CA'               0x2001 3650
issued     foreign-ra  'FOREIGN-MSCEP-RA'       0x2002  730 other-ca ra_sign

# Root -> issuing CA -> RA pair (enterprise NDES under an issuing CA).
issued     intermediate    'Test NDES Issuing CA'   0x1004 1825 ca sub_ca
issued     int-ra-sign     'TESTNDES2-MSCEP-RA'     0x3001  730 intermediate ra_sign
issued     int-ra-encrypt  'TESTNDES2-MSCEP-RA'     0x3002  730 intermediate ra_encrypt

# --- 2. GetCACert replies ---------------------------------------------------
cp ca.der getcacert-single.der
p7b getcacert-ndes.p7b          ra-sign ca ra-encrypt
p7b getcacert-ca-first.p7b      ca ra-sign ra-encrypt
p7b getcacert-ca-only.p7b       ca
p7b getcacert-foreign-ra.p7b    ca foreign-ra
p7b getcacert-no-ca.p7b         ra-sign ra-encrypt
p7b getcacert-two-cas.p7b       ca other-ca
p7b getcacert-intermediate.p7b  ca intermediate int-ra-sign int-ra-encrypt
head -c $(( $(wc -c < getcacert-ndes.p7b) / 2 )) getcacert-ndes.p7b > getcacert-truncated.p7b
openssl rand -out getcacert-garbage.bin 64
cp ca.pem getcacert-pem.txt

# --- 3. Fingerprints --------------------------------------------------------
: > fingerprints.txt
for f in ca.pem ra-sign.pem ra-encrypt.pem intermediate.pem; do
    for alg in sha256 sha1 md5; do
        hex=$(openssl x509 -noout -fingerprint "-$alg" -in "$f" \
              | sed 's/^.*=//' | tr -d ':' | tr 'A-F' 'a-f')
        printf '%s %s %s\n' "$f" "$alg" "$hex" >> fingerprints.txt
    done
done

# --- 4. Expected parser output ----------------------------------------------
: > expected.txt
for f in ca.pem ra-sign.pem ra-encrypt.pem intermediate.pem int-ra-sign.pem \
         int-ra-encrypt.pem other-ca.pem foreign-ra.pem; do
    {
        printf '== %s\n' "$f"
        printf '$ openssl x509 -noout -subject -issuer -serial -startdate -enddate -ext keyUsage\n'
        openssl x509 -noout -subject -issuer -serial -startdate -enddate -ext keyUsage -in "$f"
        printf '$ openssl x509 -noout -nameopt RFC2253 -subject -issuer\n'
        openssl x509 -noout -nameopt RFC2253 -subject -issuer -in "$f"
    } >> expected.txt
done

# --- 5. GetCACaps bodies (hand-typed; documented server replies) ------------
printf 'POSTPKIOperation\r\nRenewal\r\nSHA-512\r\nSHA-256\r\nSHA-1\r\nDES3\r\n' > caps-ndes-2016.txt
printf 'SCEPStandard' > caps-scepstandard-only.txt
printf 'aes\nsha-256\nPostPKIOperation\nFutureCap\n\n' > caps-mixed-case.txt
: > caps-empty.txt
printf 'DES3\nSHA-1\n' > caps-des3-sha1-only.txt

# --- 6. README with provenance ----------------------------------------------
VER=$(openssl version)
DATE=$(date -u +%Y-%m-%d)
S='make-vectors.sh'
{
cat <<MD
# OpenSSL-generated SCEP test vectors

Generated by \`$S\` in this directory on $DATE (UTC) with \`$VER\`
(Debian 12 openssl CLI) and coreutils. None of these files was produced by
scepctl code. Keys are random, so fingerprints, signatures and dates change
if the script is re-run; tests must read the committed files, not re-run the
script. All private keys are unencrypted, test-only keys.

DNs are encoded O first, then CN, so the RFC 4514 form is
\`CN=<name>,O=scepctl tests\` (OpenSSL's default display order is DER order:
\`O = scepctl tests, CN = <name>\`). All keys are RSA 2048 and all signatures
use sha256WithRSAEncryption.

## Provenance (one line per file)

MD
prov() { printf -- '- `%s`: %s; %s, %s step: %s.\n' "$1" "$VER" "$DATE" "$S" "$2"; }
prov ca.key              'openssl genpkey -algorithm RSA -pkeyopt rsa_keygen_bits:2048'
prov ca.pem              'openssl req -new -x509 -extensions root_ca -subj "/O=scepctl tests/CN=Test NDES Root CA" -set_serial 0x1001 -days 3650 -sha256'
prov ca.der              'openssl x509 -in ca.pem -outform DER'
prov ra-sign.key         'openssl genpkey -algorithm RSA -pkeyopt rsa_keygen_bits:2048'
prov ra-sign.pem         'openssl req -new + openssl x509 -req -CA ca.pem -extensions ra_sign (keyUsage critical digitalSignature) -set_serial 0x1002 -days 730'
prov ra-encrypt.key      'openssl genpkey -algorithm RSA -pkeyopt rsa_keygen_bits:2048'
prov ra-encrypt.pem      'openssl req -new + openssl x509 -req -CA ca.pem -extensions ra_encrypt (keyUsage critical keyEncipherment) -set_serial 0x1003 -days 730'
prov other-ca.key        'openssl genpkey -algorithm RSA -pkeyopt rsa_keygen_bits:2048'
prov other-ca.pem        'openssl req -new -x509 -extensions root_ca -subj "/O=scepctl tests/CN=Other CA" -set_serial 0x2001 -days 3650'
prov foreign-ra.key      'openssl genpkey -algorithm RSA -pkeyopt rsa_keygen_bits:2048'
prov foreign-ra.pem      'openssl x509 -req -CA other-ca.pem -extensions ra_sign, subject CN=FOREIGN-MSCEP-RA,O=scepctl tests, -set_serial 0x2002 -days 730'
prov intermediate.key    'openssl genpkey -algorithm RSA -pkeyopt rsa_keygen_bits:2048'
prov intermediate.pem    'openssl x509 -req -CA ca.pem -extensions sub_ca (CA:TRUE, pathlen:0), subject CN=Test NDES Issuing CA,O=scepctl tests, -set_serial 0x1004 -days 1825'
prov int-ra-sign.key     'openssl genpkey -algorithm RSA -pkeyopt rsa_keygen_bits:2048'
prov int-ra-sign.pem     'openssl x509 -req -CA intermediate.pem -extensions ra_sign, subject CN=TESTNDES2-MSCEP-RA,O=scepctl tests, -set_serial 0x3001 -days 730'
prov int-ra-encrypt.key  'openssl genpkey -algorithm RSA -pkeyopt rsa_keygen_bits:2048'
prov int-ra-encrypt.pem  'openssl x509 -req -CA intermediate.pem -extensions ra_encrypt, subject CN=TESTNDES2-MSCEP-RA,O=scepctl tests, -set_serial 0x3002 -days 730'
prov getcacert-single.der      'cp ca.der getcacert-single.der'
prov getcacert-ndes.p7b        'openssl crl2pkcs7 -nocrl -certfile ra-sign.pem -certfile ca.pem -certfile ra-encrypt.pem -outform DER'
prov getcacert-ca-first.p7b    'openssl crl2pkcs7 -nocrl -certfile ca.pem -certfile ra-sign.pem -certfile ra-encrypt.pem -outform DER'
prov getcacert-ca-only.p7b     'openssl crl2pkcs7 -nocrl -certfile ca.pem -outform DER'
prov getcacert-foreign-ra.p7b  'openssl crl2pkcs7 -nocrl -certfile ca.pem -certfile foreign-ra.pem -outform DER'
prov getcacert-no-ca.p7b       'openssl crl2pkcs7 -nocrl -certfile ra-sign.pem -certfile ra-encrypt.pem -outform DER'
prov getcacert-two-cas.p7b     'openssl crl2pkcs7 -nocrl -certfile ca.pem -certfile other-ca.pem -outform DER'
prov getcacert-intermediate.p7b 'openssl crl2pkcs7 -nocrl -certfile ca.pem -certfile intermediate.pem -certfile int-ra-sign.pem -certfile int-ra-encrypt.pem -outform DER'
prov getcacert-truncated.p7b   'head -c $(( $(wc -c < getcacert-ndes.p7b) / 2 )) getcacert-ndes.p7b'
prov getcacert-garbage.bin     'openssl rand 64'
prov getcacert-pem.txt         'cp ca.pem getcacert-pem.txt'
prov fingerprints.txt          'openssl x509 -noout -fingerprint -sha256|-sha1|-md5, then sed "s/^.*=//" | tr -d ":" | tr A-F a-f'
prov expected.txt              'openssl x509 -noout -subject -issuer -serial -startdate -enddate -ext keyUsage, plus openssl x509 -noout -nameopt RFC2253 -subject -issuer'
for c in caps-ndes-2016.txt caps-scepstandard-only.txt caps-mixed-case.txt caps-empty.txt caps-des3-sha1-only.txt; do
    printf -- '- `%s`: hand-typed (printf in %s, %s), not captured from a server; represents a documented/reported GetCACaps reply (see table).\n' "$c" "$S" "$DATE"
done
printf -- '- `make-vectors.sh`: hand-written bash generator (not generated); run as ./make-vectors.sh on %s.\n' "$DATE"
printf -- '- `README.md`: written by %s, %s, with `%s`.\n' "$S" "$DATE" "$VER"
cat <<'MD'

## What each vector is for

| File | Content | Expected client behaviour |
|---|---|---|
| `ca.pem`, `ca.der`, `ca.key` | Root CA `CN=Test NDES Root CA,O=scepctl tests`, serial 0x1001, basicConstraints critical CA:TRUE, keyUsage critical keyCertSign,cRLSign, 10 years | Trust anchor for all positive vectors |
| `ra-sign.pem`, `ra-sign.key` | RA cert `CN=TESTNDES-MSCEP-RA,O=scepctl tests`, serial 0x1002, keyUsage critical digitalSignature only, issued by CA | The cert that verifies CertRep signatures (NDES "Exchange Enrollment Agent (Offline request)") |
| `ra-encrypt.pem`, `ra-encrypt.key` | Same subject, different key, serial 0x1003, keyUsage critical keyEncipherment only, issued by CA | The cert to encrypt PKCSReq to (NDES "CEP Encryption") |
| `intermediate.pem`, `intermediate.key` | Issuing CA `CN=Test NDES Issuing CA,O=scepctl tests`, serial 0x1004, CA:TRUE pathlen:0, issued by root | Chain-building through an intermediate |
| `int-ra-sign.pem`/`.key`, `int-ra-encrypt.pem`/`.key` | RA pair `CN=TESTNDES2-MSCEP-RA,O=scepctl tests` issued by the intermediate (digitalSignature / keyEncipherment only) | RA selection under an issuing CA |
| `other-ca.pem`/`.key` | Unrelated root `CN=Other CA,O=scepctl tests` | Second anchor for negative vectors |
| `foreign-ra.pem`/`.key` | RA `CN=FOREIGN-MSCEP-RA,O=scepctl tests`, digitalSignature only, issued by Other CA | Must NOT chain to `ca.pem` |
| `getcacert-single.der` | CA cert alone, DER (`application/x-x509-ca-cert`) | Accept; CA = RA |
| `getcacert-ndes.p7b` | Degenerate PKCS#7 certs-only: ra-sign, ca, ra-encrypt (CA not first) | Accept; find CA by self-signature, pick RA by keyUsage, not by position |
| `getcacert-ca-first.p7b` | Same three certs, CA first | Accept; same result as `getcacert-ndes.p7b` |
| `getcacert-ca-only.p7b` | PKCS#7 with only the CA | Accept; CA = RA |
| `getcacert-foreign-ra.p7b` | CA + foreign-ra | Reject: RA does not chain to the CA |
| `getcacert-no-ca.p7b` | ra-sign + ra-encrypt, no self-signed cert | Reject (or require a pinned CA): no anchor in the bundle |
| `getcacert-two-cas.p7b` | ca + other-ca, both self-signed | Reject as ambiguous unless a fingerprint selects one |
| `getcacert-intermediate.p7b` | root, intermediate, int-ra-sign, int-ra-encrypt | Accept; RA chain = RA -> intermediate -> root |
| `getcacert-truncated.p7b` | First half of `getcacert-ndes.p7b` | Clean parse error, no crash |
| `getcacert-garbage.bin` | 64 random bytes | Clean parse error, no crash |
| `getcacert-pem.txt` | CA as PEM text | May accept or reject, must not crash |
| `fingerprints.txt` | `FILE ALG HEX` for sha256/sha1/md5 of ca, ra-sign, ra-encrypt, intermediate | `--ca-fingerprint` matching (hex is lowercase, no colons) |
| `expected.txt` | openssl's view of subject/issuer/serial/dates/keyUsage of every cert | Compare against what our parser reports |
| `caps-ndes-2016.txt` | `POSTPKIOperation\r\nRenewal\r\nSHA-512\r\nSHA-256\r\nSHA-1\r\nDES3\r\n` (CRLF) | The list reported (not primary-captured) for NDES on WS2012 R2-2022 (see ndes-kerberos.md §2.2): POST, SHA-512, DES3, Renewal; no AES |
| `caps-scepstandard-only.txt` | `SCEPStandard`, no trailing newline | RFC 8894 §3.5.2: implies AES, POSTPKIOperation, SHA-256 |
| `caps-mixed-case.txt` | `aes\nsha-256\nPostPKIOperation\nFutureCap\n\n` | Case-insensitive match; ignore unknown `FutureCap` and the blank line |
| `caps-empty.txt` | empty | "No capabilities" (old NDES returned a zero-length body) |
| `caps-des3-sha1-only.txt` | `DES3\nSHA-1\n` | Legacy server: must pick DES3 + SHA-1 (or refuse by policy), never DES/MD5 |
| `make-vectors.sh` | The generator | Documentation of how the files were made |
MD
} > README.md
