#!/usr/bin/env bash
# scepctl getcacert against the real scepserver: direct, through Apache over http and https;
# fingerprint pinning (match and mismatch), atomic --out, JSON.
. "$(dirname "$0")/lib.sh"

grouped_sha256=$(sed 's/../&:/g; s/:$//' <<<"${TESTBED_CA_SHA256^^}")

scepctl getcacert --url "$TESTBED_SCEP_DIRECT_URL"
expect_rc 0
expect_out '^certificate 1 of 1: ca$'
expect_out "sha256: +$grouped_sha256"
expect_err 'warning: no --ca-fingerprint given'

scepctl getcacert --url "$TESTBED_SCEP_URL" --ca-fingerprint "sha256:$TESTBED_CA_SHA256"
expect_rc 0
expect_err 'CA fingerprint verified \(sha256:'
expect_no_err 'warning'

scepctl getcacert --url "$TESTBED_SCEP_URL_TLS" --cacert "$TESTBED_TLS_CA" --ca-fingerprint "sha1:$TESTBED_CA_SHA1"
expect_rc 0
expect_err 'verified \(sha1:'

# The MD5 thumbprint exactly as the NDES admin page shows it: four groups, no prefix.
scepctl getcacert --url "$TESTBED_SCEP_URL" --ca-fingerprint "$TESTBED_CA_THUMBPRINT_MD5"
expect_rc 0
expect_err 'verified \(md5:'

# Mismatch: exit 97, one line naming both fingerprints, nothing written.
wrong=$(printf '%064d' 0)
scepctl getcacert --url "$TESTBED_SCEP_URL" --ca-fingerprint "sha256:$wrong" --out "$WORK/mismatch.pem"
expect_rc 97
expect_one_line_error
expect_err "fingerprint mismatch: expected sha256:$wrong, .* has sha256:$TESTBED_CA_SHA256"
expect "no --out file after a mismatch" test ! -e "$WORK/mismatch.pem"
expect "no temp file left" test -z "$(ls -A "$WORK" | grep -v '^out$\|^err$')"

scepctl getcacert --url "$TESTBED_SCEP_URL" --ca-fingerprint "sha256:not-hex"
expect_rc 64
expect_one_line_error

# --out writes the PEM bundle atomically, 0644, and refuses to replace it without --force.
scepctl getcacert --url "$TESTBED_SCEP_URL" --ca-fingerprint "sha256:$TESTBED_CA_SHA256" --out "$WORK/ca.pem"
expect_rc 0
expect "bundle fingerprint equals the CA's" test \
  "$(openssl x509 -in "$WORK/ca.pem" -noout -fingerprint -sha256 | cut -d= -f2)" = "$grouped_sha256"
expect "bundle equals scepserver's CA" cmp -s <(openssl x509 -in "$WORK/ca.pem" -outform DER) <(openssl x509 -in "$TESTBED_SCEP_CA" -outform DER)
expect "bundle mode 0644" test "$(stat -c %a "$WORK/ca.pem")" = 644
cp "$WORK/ca.pem" "$WORK/ca.pem.orig"
echo "# marker" >>"$WORK/ca.pem"; cp "$WORK/ca.pem" "$WORK/ca.pem.marked"

scepctl getcacert --url "$TESTBED_SCEP_URL" --out "$WORK/ca.pem"
expect_rc 93
expect_one_line_error
expect_err 'already exists \(use --force'
expect_file_same "$WORK/ca.pem" "$WORK/ca.pem.marked"

scepctl getcacert --url "$TESTBED_SCEP_URL" --out "$WORK/ca.pem" --force
expect_rc 0
expect_file_same "$WORK/ca.pem" "$WORK/ca.pem.orig"

scepctl getcacert --url "$TESTBED_SCEP_URL" --out "$WORK/no/such/dir/ca.pem"
expect_rc 93
expect_one_line_error
expect_err "directory '.*/no/such/dir' for '.*/no/such/dir/ca.pem' does not exist"
expect "nothing printed on stdout" test -z "$out"

# JSON: one object, fingerprints as lowercase hex.
scepctl --json getcacert --url "$TESTBED_SCEP_URL" --ca-fingerprint "sha256:$TESTBED_CA_SHA256"
expect_rc 0
expect_json 'd["format"] == "x509-ca-cert" and d["fingerprint_verified"] is True'
expect_json "d['certificates'][0]['sha256'] == '$TESTBED_CA_SHA256' and d['certificates'][0]['role'] == 'ca'"
expect_json "d['certificates'][0]['md5'] == '$TESTBED_CA_MD5'"

# JSON errors go to stdout as {"error": ...} as well as one line on stderr.
scepctl --json getcacert --url "$TESTBED_SCEP_URL" --ca-fingerprint "sha256:$wrong"
expect_rc 97
expect_json 'd["error"]["exit_code"] == 97 and d["error"]["code"] == "verification"'

# The admin page is not a SCEP endpoint: 401 without Kerberos.
scepctl getcacert --url "$TESTBED_ADMIN_URL"
expect_rc 80
expect_one_line_error
expect_err 'HTTP 401'

# The web server's root is no SCEP endpoint.
scepctl getcacert --url "http://localhost:$TESTBED_HTTP_PORT/"
expect_rc 81
expect_one_line_error
expect_err 'HTTP 404 Not Found \(check the URL'

# Replies of the wrong kind, from a plain static web server (python3 -m http.server ignores the query).
static="$WORK/static"
mkdir "$static"
head -c $((9 * 1024 * 1024)) /dev/zero >"$static/big"
printf '<html><body>IIS default page</body></html>' >"$static/page.html"
"$TB" python3 -m http.server 18998 --bind 127.0.0.1 --directory "$static" >/dev/null 2>&1 &
static_pid=$!
for _ in $(seq 100); do "$TB" curl -fso /dev/null http://127.0.0.1:18998/page.html && break; sleep 0.05; done

scepctl getcacert --url http://127.0.0.1:18998/big
expect_rc 97
expect_one_line_error
expect_err 'larger than the limit of 8388608 bytes'

scepctl getcacaps --url http://127.0.0.1:18998/big
expect_rc 97
expect_err 'larger than the limit'

scepctl getcacert --url http://127.0.0.1:18998/page.html
expect_rc 97
expect_one_line_error
expect_err "Content-Type 'text/html'.*is the URL the SCEP endpoint"
kill "$static_pid"; wait "$static_pid" 2>/dev/null

# openssl's whole fingerprint line, pasted as printed (issue 21).
scepctl getcacert --url "$TESTBED_SCEP_URL" --ca-fingerprint "$(openssl x509 -in "$TESTBED_SCEP_CA" -noout -fingerprint -sha256)"
expect_rc 0
expect_err 'verified \(sha256:'
scepctl getcacert --url "$TESTBED_SCEP_URL" --ca-fingerprint "$(openssl x509 -in "$TESTBED_SCEP_CA" -noout -fingerprint -sha1)"
expect_rc 0
expect_err 'verified \(sha1:'

# --ca-cert-pin: the SHA-256 of a copy of the CA certificate, PEM or DER; another CA's is refused.
openssl x509 -in "$TESTBED_SCEP_CA" -outform DER -out "$WORK/bed-ca.der"
scepctl getcacert --url "$TESTBED_SCEP_URL" --ca-cert-pin "$TESTBED_SCEP_CA"
expect_rc 0
expect_err "CA fingerprint verified \(sha256:$TESTBED_CA_SHA256\)"
scepctl getcacert --url "$TESTBED_SCEP_URL" --ca-cert-pin "$WORK/bed-ca.der"
expect_rc 0
expect_err "verified \(sha256:$TESTBED_CA_SHA256\)"
scepctl getcacert --url "$TESTBED_SCEP_URL" --ca-cert-pin "$FIXTURE_DATA/other-ca.pem"
expect_rc 97
scepctl getcacert --url "$TESTBED_SCEP_URL" --ca-cert-pin "$TESTBED_SCEP_CA" --ca-fingerprint "sha256:$TESTBED_CA_SHA256"
expect_rc 64
scepctl getcacert --url "$TESTBED_SCEP_URL" --ca-cert-pin "$WORK/none.pem"
expect_rc 64
expect_err "--ca-cert-pin: cannot read $WORK/none.pem"
expect_one_line_error

# scepctl fingerprint: what openssl prints, and the NDES page's MD5 form.
scepctl fingerprint "$TESTBED_SCEP_CA"
expect_rc 0
expect_out "^sha256: +$grouped_sha256$"
expect_out "^sha1: +$(openssl x509 -in "$TESTBED_SCEP_CA" -noout -fingerprint -sha1 | cut -d= -f2)$"
expect_out "^md5: +$TESTBED_CA_THUMBPRINT_MD5 "
expect_out "^pin: +--ca-fingerprint sha256:$TESTBED_CA_SHA256$"
scepctl fingerprint "$WORK/bed-ca.der" --json
expect_rc 0
expect_json "d['certificates'][0]['sha256'] == '$TESTBED_CA_SHA256'"
scepctl fingerprint
expect_rc 64

# --out - and --out /dev/stdout: the PEM on stdout (the summary on stderr); not with --json.
scepctl getcacert --url "$TESTBED_SCEP_URL" --ca-fingerprint "sha256:$TESTBED_CA_SHA256" --out -
expect_rc 0
expect "--out -: stdout is the CA as PEM" cmp -s <(openssl x509 -outform DER <<<"$out") "$WORK/bed-ca.der"
expect_err 'certificate 1 of 1: ca'
expect "--out -: no file named -" test ! -e ./-
expect_err 'wrote 1 certificate\(s\) to standard output'
expect_no_err 'to -$'
scepctl getcacert --url "$TESTBED_SCEP_URL" --ca-fingerprint "sha256:$TESTBED_CA_SHA256" --out /dev/stdout
expect_rc 0
expect "--out /dev/stdout: stdout is the CA as PEM" cmp -s <(openssl x509 -outform DER <<<"$out") "$WORK/bed-ca.der"
expect_err 'wrote 1 certificate\(s\) to standard output'
scepctl getcacert --url "$TESTBED_SCEP_URL" --ca-fingerprint "sha256:$TESTBED_CA_SHA256" --out - --json
expect_rc 64
expect_err 'both write to standard output'

# A missing output directory is made (its last component only, 0755 for certificates).
scepctl getcacert --url "$TESTBED_SCEP_URL" --ca-fingerprint "sha256:$TESTBED_CA_SHA256" --out "$WORK/newdir/ca.pem"
expect_rc 0
expect "newdir: made with mode 0755" test "$(stat -c %a "$WORK/newdir")" = 755
expect "newdir: the bundle is there" test -s "$WORK/newdir/ca.pem"
scepctl getcacert --url "$TESTBED_SCEP_URL" --ca-fingerprint "sha256:$TESTBED_CA_SHA256" --out "$WORK/deep/er/ca.pem"
expect_rc 93
expect_err 'makes only the last directory'
expect "deep: nothing made" test ! -e "$WORK/deep"

finish
