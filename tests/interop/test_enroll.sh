#!/usr/bin/env bash
# scepctl enroll against the real scepserver: direct, through Apache (http, https), POST and GET;
# each certificate checked with openssl; failures leave the output directory as it was.
. "$(dirname "$0")/lib.sh"

pin="sha256:$TESTBED_CA_SHA256"

# check_issued DIR CN: the certificate chains to the CA, matches the key, carries the CN.
check_issued() {
  local dir=$1 cn=$2
  expect "$cn: openssl verify against the test bed CA" openssl verify -CAfile "$TESTBED_SCEP_CA" "$dir/cert.pem"
  expect "$cn: chain.pem is the test bed CA" cmp -s <(openssl x509 -in "$dir/chain.pem" -outform DER) \
    <(openssl x509 -in "$TESTBED_SCEP_CA" -outform DER)
  expect_key_matches "$dir/cert.pem" "$dir/key.pem"
  expect "$cn: subject CN" grep -q "CN = $cn" <(openssl x509 -in "$dir/cert.pem" -noout -subject)
  expect "$cn: key.pem is 0600" test "$(stat -c %a "$dir/key.pem")" = 600
  expect "$cn: cert.pem is 0644" test "$(stat -c %a "$dir/cert.pem")" = 644
}

enroll_into() { # enroll_into NAME ARGS...: fresh directory $WORK/NAME, challenge from the file
  local name=$1; shift
  mkdir -p "$WORK/$name"
  scepctl enroll --challenge-file "$TESTBED_CHALLENGE_FILE" --ca-fingerprint "$pin" --out-dir "$WORK/$name" "$@"
}

# Direct to scepserver, POST (it advertises POSTPKIOperation).
enroll_into direct --url "$TESTBED_SCEP_DIRECT_URL" --subject "CN=direct,O=scepctl interop"
expect_rc 0
expect_err 'PKCSReq sent \(POST, aes128, sha256'
check_issued "$WORK/direct" direct

# Through Apache with the NDES URL layout, GET forced, SAN and EKU requested.
enroll_into get --url "$TESTBED_SCEP_URL" --subject "CN=get" --method get --san dns:get.example.test \
  --san ip:192.0.2.7 --eku clientAuth
expect_rc 0
expect_err 'PKCSReq sent \(GET'
check_issued "$WORK/get" get
expect "get: SAN in the issued certificate" grep -q 'DNS:get.example.test, IP Address:192.0.2.7' \
  <(openssl x509 -in "$WORK/get/cert.pem" -noout -ext subjectAltName)

# HTTPS with the test CA, RSA 3072, AES-256, template variables.
enroll_into tls --url "$TESTBED_SCEP_URL_TLS" --cacert "$TESTBED_TLS_CA" --key-size 3072 --cipher aes256 \
  --subject 'CN=${device},O=Example\, Inc.' --var device=tls-device
expect_rc 0
check_issued "$WORK/tls" tls-device
expect "tls: RSA 3072" grep -q '3072 bit' <(openssl pkey -in "$WORK/tls/key.pem" -noout -text)
expect "tls: escaped comma kept in O" grep -q 'O = "Example, Inc."' <(openssl x509 -in "$WORK/tls/cert.pem" -noout -subject)

# An existing key (made by openssl), no key.pem written; DES3 + SHA-1 when asked for.
mkdir -p "$WORK/own"
openssl genpkey -algorithm RSA -pkeyopt rsa_keygen_bits:2048 -out "$WORK/own-key.pem" 2>/dev/null
enroll_into own --url "$TESTBED_SCEP_URL" --subject CN=own --key "$WORK/own-key.pem" --cipher des3 --digest sha1
expect_rc 0
expect_err 'des3, sha1'
expect "own: no key.pem written" test ! -e "$WORK/own/key.pem"
expect_key_matches "$WORK/own/cert.pem" "$WORK/own-key.pem"

# An encrypted key (openssl, AES-256 PKCS#8) with its passphrase from a file; wrong passphrase refused.
# (The passphrase files are 0600, as secret files should be; the wrong one's name differs from its
# content, which must never be shown.)
printf 'key-pass-123' >"$WORK/pass"
printf 'wrong-pass' >"$WORK/bad-passphrase"
chmod 600 "$WORK/pass" "$WORK/bad-passphrase"
openssl genpkey -algorithm RSA -pkeyopt rsa_keygen_bits:2048 -aes-256-cbc -pass file:"$WORK/pass" \
  -out "$WORK/enc-key.pem" 2>/dev/null
enroll_into enc --url "$TESTBED_SCEP_URL" --subject CN=enc --key "$WORK/enc-key.pem" --key-pass-file "$WORK/pass"
expect_rc 0
expect "enc: certificate matches the encrypted key" same_nonempty "$(openssl x509 -in "$WORK/enc/cert.pem" -noout -pubkey)" \
  "$(openssl pkey -in "$WORK/enc-key.pem" -passin file:"$WORK/pass" -pubout)"
enroll_into enc-wrong --url "$TESTBED_SCEP_URL" --subject CN=enc --key "$WORK/enc-key.pem" --key-pass-file "$WORK/bad-passphrase"
expect_rc 93
expect_err 'wrong passphrase'
expect_no_err 'wrong-pass|key-pass-123'
enroll_into enc-none --url "$TESTBED_SCEP_URL" --subject CN=enc --key "$WORK/enc-key.pem"
expect_rc 93
expect_err 'encrypted: give its passphrase with --key-pass-file'

# A generated key encrypted with --key-pass-file: openssl opens it with the same passphrase.
enroll_into genenc --url "$TESTBED_SCEP_URL" --subject CN=genenc --key-pass-file "$WORK/pass"
expect_rc 0
expect "genenc: key.pem is encrypted" grep -q 'BEGIN ENCRYPTED PRIVATE KEY' "$WORK/genenc/key.pem"
expect "genenc: openssl opens it with the passphrase" openssl pkey -in "$WORK/genenc/key.pem" -passin file:"$WORK/pass" -noout

# --format der: certificate as DER, chain as a PKCS#7 certs-only bundle, key as PKCS#8 DER.
enroll_into der --url "$TESTBED_SCEP_URL" --subject CN=der --format der
expect_rc 0
expect_out "cert: +$WORK/der/cert.der"
expect_out "chain: +$WORK/der/chain.p7b"
expect "der: exactly key.der, cert.der and chain.p7b" test "$(ls "$WORK/der" | tr '\n' ' ')" = "cert.der chain.p7b key.der "
openssl x509 -inform DER -in "$WORK/der/cert.der" -out "$WORK/der-cert.pem" 2>/dev/null
expect "der: cert.der verifies against the test bed CA" openssl verify -CAfile "$TESTBED_SCEP_CA" "$WORK/der-cert.pem"
expect "der: chain.p7b holds the test bed CA" cmp -s \
  <(openssl pkcs7 -inform DER -in "$WORK/der/chain.p7b" -print_certs | openssl x509 -outform DER) \
  <(openssl x509 -in "$TESTBED_SCEP_CA" -outform DER)
expect "der: key.der (PKCS#8 DER) matches the certificate" same_nonempty \
  "$(openssl x509 -in "$WORK/der-cert.pem" -noout -pubkey)" \
  "$(openssl pkey -inform DER -in "$WORK/der/key.der" -pubout)"
expect "der: key.der is 0600" test "$(stat -c %a "$WORK/der/key.der")" = 600
expect "der: cert.der is 0644" test "$(stat -c %a "$WORK/der/cert.der")" = 644

# --format p12: one bundle (0600) with key, certificate and chain; no separate key file.
printf 'p12-pass-456\n' >"$WORK/p12pass"
: >"$WORK/empty-pass"
enroll_into p12 --url "$TESTBED_SCEP_URL" --subject "CN=p12-device,O=scepctl interop" --format p12 \
  --p12-pass-file "$WORK/p12pass" --json
expect_rc 0
expect_json 'd["format"] == "p12" and d["files"]["p12"].endswith("/p12/bundle.p12") and "key" not in d["files"]'
expect_no_out 'p12-pass-456'
expect_no_err 'p12-pass-456'
expect "p12: only bundle.p12 written" test "$(ls "$WORK/p12")" = bundle.p12
expect "p12: bundle.p12 is 0600" test "$(stat -c %a "$WORK/p12/bundle.p12")" = 600
p12info=$(openssl pkcs12 -info -nokeys -in "$WORK/p12/bundle.p12" -passin file:"$WORK/p12pass" 2>&1)
expect "p12: openssl opens it with the passphrase" grep -q 'BEGIN CERTIFICATE' <<<"$p12info"
expect "p12: SHA-256 MAC" grep -q '^MAC: sha256' <<<"$p12info"
expect "p12: key bag PBES2/PBKDF2/AES-256-CBC" grep -q 'Shrouded Keybag: PBES2, PBKDF2, AES-256-CBC' <<<"$p12info"
expect "p12: certificates PBES2/PBKDF2/AES-256-CBC" grep -q 'PKCS7 Encrypted data: PBES2, PBKDF2, AES-256-CBC' <<<"$p12info"
expect "p12: friendly name is the CN" grep -q 'friendlyName: p12-device' <<<"$p12info"
openssl pkcs12 -in "$WORK/p12/bundle.p12" -passin file:"$WORK/p12pass" -clcerts -nokeys -out "$WORK/p12-cert.pem" 2>/dev/null
openssl pkcs12 -in "$WORK/p12/bundle.p12" -passin file:"$WORK/p12pass" -cacerts -nokeys -out "$WORK/p12-ca.pem" 2>/dev/null
expect "p12: the certificate verifies against the test bed CA" openssl verify -CAfile "$TESTBED_SCEP_CA" "$WORK/p12-cert.pem"
expect "p12: the chain in the bundle is the test bed CA" cmp -s <(openssl x509 -in "$WORK/p12-ca.pem" -outform DER) \
  <(openssl x509 -in "$TESTBED_SCEP_CA" -outform DER)
expect "p12: the key in the bundle matches the certificate" same_nonempty \
  "$(openssl x509 -in "$WORK/p12-cert.pem" -noout -pubkey)" \
  "$(openssl pkcs12 -in "$WORK/p12/bundle.p12" -passin file:"$WORK/p12pass" -nocerts -nodes 2>/dev/null | openssl pkey -pubout)"
expect "p12: a wrong passphrase does not open it" bash -c \
  "! openssl pkcs12 -info -nokeys -in '$WORK/p12/bundle.p12' -passin pass:wrong >/dev/null 2>&1"

# p12 with an explicit --key-out: the key also goes to its own file; an existing key only into the bundle.
enroll_into p12key --url "$TESTBED_SCEP_URL" --subject CN=p12key --format p12 --p12-pass-file "$WORK/p12pass" \
  --key-out "$WORK/p12key/device.key" --p12-out "$WORK/p12key/device.p12"
expect_rc 0
expect "p12key: device.key and device.p12" test "$(ls "$WORK/p12key" | tr '\n' ' ')" = "device.key device.p12 "
expect "p12key: device.key is 0600" test "$(stat -c %a "$WORK/p12key/device.key")" = 600
expect "p12key: device.key is the key in the bundle" test \
  "$(openssl pkey -in "$WORK/p12key/device.key" -pubout | sha256sum)" = \
  "$(openssl pkcs12 -in "$WORK/p12key/device.p12" -passin file:"$WORK/p12pass" -nocerts -nodes 2>/dev/null | openssl pkey -pubout | sha256sum)"
enroll_into p12own --url "$TESTBED_SCEP_URL" --subject CN=p12own --key "$WORK/own-key.pem" --format p12 \
  --p12-pass-file "$WORK/p12pass"
expect_rc 0
expect "p12own: only bundle.p12" test "$(ls "$WORK/p12own")" = bundle.p12
expect "p12own: the bundle holds the given key" test \
  "$(openssl pkey -in "$WORK/own-key.pem" -pubout | sha256sum)" = \
  "$(openssl pkcs12 -in "$WORK/p12own/bundle.p12" -passin file:"$WORK/p12pass" -nocerts -nodes 2>/dev/null | openssl pkey -pubout | sha256sum)"

# p12 option errors: usage errors before any request, nothing written.
for args in "--format p12" "--format p12 --p12-pass-file $WORK/empty-pass" "--format xml" \
  "--p12-pass-file $WORK/p12pass" "--format p12 --p12-pass-file $WORK/p12pass --cert-out $WORK/p12bad/c.pem"; do
  # shellcheck disable=SC2086  # word splitting of $args is intended
  enroll_into p12bad --url "$TESTBED_SCEP_URL" --subject CN=p12bad $args
  expect_rc 64
  expect_one_line_error
  expect "p12bad ($args): nothing written" test -z "$(ls -A "$WORK/p12bad")"
done
enroll_into p12bad --url "$TESTBED_SCEP_URL" --subject CN=p12bad --format p12
expect_err 'format p12 needs --p12-pass-file'
enroll_into p12bad --url "$TESTBED_SCEP_URL" --subject CN=p12bad --format p12 --p12-pass-file "$WORK/empty-pass"
expect_err "p12-pass-file: '.*empty-pass' is empty"
# With p12 a generated key waits in OUT-DIR/key.pem while PENDING, so an existing key.pem is refused up front.
mkdir -p "$WORK/p12old"
echo 'not a key' >"$WORK/p12old/key.pem"
enroll_into p12old --url "$TESTBED_SCEP_URL" --subject CN=p12old --format p12 --p12-pass-file "$WORK/p12pass"
expect_rc 93
expect_one_line_error
expect_err "key.pem' already exists.*kept there while the CA answers PENDING.*--key-out"
expect "p12old: no bundle written, key.pem untouched" test "$(ls "$WORK/p12old")" = key.pem -a "$(cat "$WORK/p12old/key.pem")" = 'not a key'
# An existing bundle is refused before any request.
before=$(snapshot "$WORK/p12")
enroll_into p12 --url "$TESTBED_SCEP_URL" --subject CN=p12-device --format p12 --p12-pass-file "$WORK/p12pass"
expect_rc 93
expect_err "bundle.p12' already exists"
expect "p12: existing bundle untouched" test "$(snapshot "$WORK/p12")" = "$before"

# JSON: the challenge is redacted; it never appears in any output, not even with --verbose.
mkdir -p "$WORK/json"
scepctl --json --verbose enroll --url "$TESTBED_SCEP_URL" --challenge-file "$TESTBED_CHALLENGE_FILE" \
  --subject CN=json --out-dir "$WORK/json"
expect_rc 0
expect_json 'd["command"] == "enroll" and d["challenge"] == "<redacted>" and d["method"] == "POST"'
expect_json 'd["files"]["cert"].endswith("/json/cert.pem") and len(d["sha256"]) == 64'
expect_no_out "$TESTBED_CHALLENGE"
expect_no_err "$TESTBED_CHALLENGE"

# Challenge on stdin.
mkdir -p "$WORK/stdin"
run "enroll --challenge -" bash -c "\"\$1\" enroll --url \"\$2\" --challenge - --subject CN=stdin --out-dir \"\$3\" --quiet <\"\$4\"" \
  _ "$SCEPCTL" "$TESTBED_SCEP_URL" "$WORK/stdin" "$TESTBED_CHALLENGE_FILE"
expect_rc 0
expect "stdin: certificate written" test -s "$WORK/stdin/cert.pem"

# Wrong challenge: scepserver answers FAILURE badRequest -> exit 72, nothing written.
mkdir -p "$WORK/wrong"
before=$(snapshot "$WORK/wrong")
run "enroll with a wrong challenge" env SCEPCTL_CHALLENGE=0000000000000000 "$SCEPCTL" enroll --url "$TESTBED_SCEP_URL" \
  --subject CN=wrong --out-dir "$WORK/wrong"
expect_rc 72
expect_one_line_error
expect_err 'badRequest.*challenge'
expect "wrong challenge: output directory unchanged" test "$(snapshot "$WORK/wrong")" = "$before"

# Existing output files: refused before any request, files untouched.
before=$(snapshot "$WORK/direct")
enroll_into direct --url "$TESTBED_SCEP_URL" --subject CN=again
expect_rc 93
expect_one_line_error
expect_err "cert.pem' already exists|key.pem' already exists"
expect "existing files untouched" test "$(snapshot "$WORK/direct")" = "$before"

# --force replaces them with a new, valid set.
enroll_into direct --url "$TESTBED_SCEP_URL" --subject CN=again --force
expect_rc 0
check_issued "$WORK/direct" again

# Wrong CA fingerprint: exit 97 before anything is sent or written.
mkdir -p "$WORK/pin"
scepctl enroll --url "$TESTBED_SCEP_URL" --challenge-file "$TESTBED_CHALLENGE_FILE" --subject CN=pin \
  --ca-fingerprint "sha256:$(printf '%064d' 0)" --out-dir "$WORK/pin"
expect_rc 97
expect "fingerprint mismatch: nothing written" test -z "$(ls -A "$WORK/pin")"

# A certificate that is not valid now is never written: scepserver issues for 365 days from its
# own clock, so to a host whose clock is 400 days ahead the new certificate has already expired.
mkdir -p "$WORK/late"
run "enroll with the clock 400 days ahead" faketime -f +400d "$SCEPCTL" enroll --url "$TESTBED_SCEP_URL" \
  --challenge-file "$TESTBED_CHALLENGE_FILE" --ca-fingerprint "$pin" --subject CN=late --out-dir "$WORK/late"
expect_rc 97
expect_one_line_error
expect_err "^scepctl: error: the CA issued 'CN=late' \(serial [0-9A-F]+\) already expired on .*: nothing was written; check this host's clock"
expect "expired on issue: nothing written" test -z "$(ls -A "$WORK/late")"

# Outputs that are the same file, under any spelling, are refused before anything is sent (nothing
# listens at the URL: a request would be exit 95), and the file that is there stays as it was.
offline_url="http://127.0.0.1:9/scep"
mkdir -p "$WORK/same/sub"
printf 'precious\n' >"$WORK/same/x.pem"
openssl genpkey -algorithm RSA -pkeyopt rsa_keygen_bits:2048 -out "$WORK/same/my.key" 2>/dev/null
ln -s x.pem "$WORK/same/link.pem"
same_before=$(snapshot "$WORK/same")
same_case() { # same_case DESCRIPTION OPTION-A OPTION-B ARGS...
  local what=$1 a=$2 b=$3; shift 3
  scepctl enroll --url "$offline_url" --challenge-file "$TESTBED_CHALLENGE_FILE" --subject CN=same \
    --out-dir "$WORK/same" --force "$@"
  current="same file: $what"
  expect_rc 64
  expect_one_line_error
  expect_err "^scepctl: error: $a .* and $b .* are the same file: one would overwrite the other; give each its own path$"
  expect_unchanged "$WORK/same" "$same_before"
}
same_case "key, cert and chain in one" --key-out --cert-out --key-out "$WORK/same/x.pem" --cert-out "$WORK/same/x.pem" \
  --chain-out "$WORK/same/x.pem"
same_case "the certificate over the only key" --cert-out --key --key "$WORK/same/my.key" --cert-out "$WORK/same/my.key"
same_case "another spelling" --cert-out --chain-out --cert-out "$WORK/same/sub/../x.pem" --chain-out "$WORK/same/./x.pem"
same_case "through a symlink" --cert-out --chain-out --cert-out "$WORK/same/link.pem" --chain-out "$WORK/same/x.pem"

# An EC key is refused with the reason.
openssl genpkey -algorithm EC -pkeyopt ec_paramgen_curve:P-256 -out "$WORK/ec.pem" 2>/dev/null
mkdir -p "$WORK/ec"
enroll_into ec --url "$TESTBED_SCEP_URL" --subject CN=ec --key "$WORK/ec.pem"
expect_rc 64
expect_err 'SCEP needs RSA'

# Bad input is a usage error before any request.
enroll_into bad --url "$TESTBED_SCEP_URL" --subject 'CN=${nosuchvar}'
expect_rc 64
expect_err 'nosuchvar'
# scepserver ignores the MS-WCCE validity attribute: the certificate has its own period, and one
# note says so with the fix for AD CS.
enroll_into validity --url "$TESTBED_SCEP_URL" --subject CN=validity --validity 7d
expect_rc 0
check_issued "$WORK/validity" validity
expect_err 'asked for a validity of 7d, the CA issued [0-9]+ days .*EDITF_ATTRIBUTEENDDATE'

# A missing --out-dir is made, private (it holds the key): only its last component.
scepctl enroll --challenge-file "$TESTBED_CHALLENGE_FILE" --ca-fingerprint "$pin" --url "$TESTBED_SCEP_URL" \
  --subject CN=fresh --out-dir "$WORK/fresh"
expect_rc 0
check_issued "$WORK/fresh" fresh
expect "fresh: the new directory is 0700" test "$(stat -c %a "$WORK/fresh")" = 700
scepctl enroll --challenge-file "$TESTBED_CHALLENGE_FILE" --ca-fingerprint "$pin" --url "$TESTBED_SCEP_URL" \
  --subject CN=deep --out-dir "$WORK/no/such/dir"
expect_rc 93
expect_err 'makes only the last directory'

enroll_into bad --url "$TESTBED_SCEP_URL" --subject CN=x --san bogus:thing
expect_rc 64
enroll_into bad --url "$TESTBED_SCEP_URL" --subject CN=x --cipher des
expect_rc 64
expect_err 'single DES is never used'
enroll_into bad --url "$TESTBED_SCEP_URL" --subject CN=x --resume
expect_rc 64
expect_one_line_error
expect_err '--resume needs --key'

finish
