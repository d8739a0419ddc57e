#!/usr/bin/env bash
# check-ndes against the real test bed (scepserver behind Apache over TLS, the Kerberos-protected
# challenge page, a profile from a config file) and against the NDES fixture for what scepserver
# cannot show: RA certificates near expiry and expired, IIS URL limits, no POST, two RA certs.
# Every --junit file is parsed with python3's xml.etree and must hold one testcase per check.
. "$(dirname "$0")/lib.sh"

FIXTURE_PORT=18950
data=$FIXTURE_DATA

check_is() { # check_is ID STATUS [FIX-REGEX [SUMMARY-REGEX]]: that check in the JSON result
  expect_json "[c for c in d['checks'] if c['id'] == '$1'][0]['status'] == '$2'"
  [ $# -ge 3 ] && [ -n "$3" ] &&
    expect_json "__import__('re').search(r'''$3''', [c for c in d['checks'] if c['id'] == '$1'][0]['fix'] or '')"
  [ $# -ge 4 ] && expect_json "__import__('re').search(r'''$4''', [c for c in d['checks'] if c['id'] == '$1'][0]['summary'])"
  return 0
}
# junit_matches FILE: well-formed XML, one testcase per check of the JSON result (same ids, in
# order), a <failure> exactly for the FAILs and <skipped> exactly for the SKIPs.
junit_matches() {
  expect "junit $1: one testcase per check, failures and skips as in the JSON" python3 -c '
import json, sys, xml.etree.ElementTree as ET
checks = json.loads(sys.argv[2])["checks"]
root = ET.parse(sys.argv[1]).getroot()
cases = root.findall("./testsuite/testcase")
assert [c.get("name") for c in cases] == [c["id"] for c in checks], "testcase names"
for case, check in zip(cases, checks):
    assert (case.find("failure") is not None) == (check["status"] == "FAIL"), check["id"]
    assert (case.find("skipped") is not None) == (check["status"] == "SKIP"), check["id"]
    if check["status"] == "FAIL":
        assert case.find("failure").get("message") == check["summary"], check["id"]
suite = root.find("testsuite")
assert int(suite.get("tests")) == len(checks)
assert int(suite.get("failures")) == sum(c["status"] == "FAIL" for c in checks)
assert int(suite.get("skipped")) == sum(c["status"] == "SKIP" for c in checks)
' "$1" "$out"
}
all_ids="['reachability', 'tls', 'getcacaps', 'getcacert', 'ca-fingerprint', 'ra-certs', 'expiry', 'get-url-length'"

# ---------------------------------------------------------------- the test bed, from a profile
mkdir -p "$WORK/etc"
{ bed_ndes_config keytab generic "md5:$TESTBED_CA_THUMBPRINT_MD5" && printf '\n[profile.device]\nca = "bed"\n'; } \
  >"$WORK/etc/config.toml"
svc_password=$(cat "$TESTBED_SVC_PASSWORD_FILE")

# All good: every check passes, the Kerberos walk runs in-process, the throw-away enrollment works.
run "check-ndes --profile device --enroll-test --json --junit" env -u KRB5_CONFIG "$SCEPCTL" check-ndes \
  --config "$WORK/etc/config.toml" --profile device --enroll-test --json --junit "$WORK/bed.xml"
expect_rc 0
expect_json "d['result'] == 'PASS' and d['type'] == 'generic' and d['url'] == '$TESTBED_SCEP_URL_TLS'"
expect_json "d['exit_code'] == 0 and d['first_failure'] is None and 'error' not in d"
expect_json "[c['id'] for c in d['checks']] == $all_ids, 'kerberos-config', 'kerberos-allowed-domains', 'kerberos-dns', 'kerberos-kdc', 'kerberos-tgt', 'kerberos-http-probe', 'kerberos-clock', 'kerberos-service-ticket', 'kerberos-spn-owner', 'kerberos-delegation', 'kerberos-negotiate', 'kerberos-challenge-page', 'enroll-test']"
# scepserver (micromdm) issues digitalSignature only, whatever the request asks: enroll-test says so.
# The db2 bed cannot do constrained delegation: shown, not judged (skip_checks in the bed's config).
expect_json "all(c['status'] == 'PASS' for c in d['checks'] if c['id'] not in ('enroll-test', 'kerberos-delegation'))"
expect_json "[c for c in d['checks'] if c['id'] == 'kerberos-delegation'][0]['status'] == 'SKIP'"
check_is enroll-test WARN 'Key Usage wins' 'not what was asked: keyUsage: asked digitalSignature\+keyEncipherment, issued digitalSignature$'
expect_json "d['result'] == 'PASS' and d['exit_code'] == 0"
expect_json "all(set(c) == {'id', 'status', 'summary', 'evidence', 'krb5_error', 'http_status', 'spn', 'fix', 'information', 'seconds'} for c in d['checks'])"
check_is tls PASS "" 'trusted and valid for localhost; TLSv1\.[23]'
check_is get-url-length PASS "" 'GET PKIOperation of [0-9]+ characters \(RSA-4096 request\) passes'
expect_json "'CertRep FAILURE' in [c for c in d['checks'] if c['id'] == 'get-url-length'][0]['evidence']"
check_is enroll-test WARN "" "enrolled 'CN=scepctl-check-ndes-[0-9a-f]+' with a 2048-bit both key and verified it.*\(nothing kept\)"
expect_no_out "$TESTBED_CHALLENGE|$svc_password"
expect_no_err "$TESTBED_CHALLENGE|$svc_password"
junit_matches "$WORK/bed.xml"
expect "bed.xml is 0644" test "$(stat -c %a "$WORK/bed.xml")" = 644
expect "nothing was kept: no key or certificate files in the working directory" test -z "$(ls "$WORK" | grep -E 'pem$')"

# Text form, --keep: PASS lines, the enrolled key and certificate kept and verifiable.
mkdir -p "$WORK/kept"
run "check-ndes --profile device --enroll-test --keep" env -u KRB5_CONFIG "$SCEPCTL" check-ndes \
  --config "$WORK/etc/config.toml" --profile device --enroll-test --keep "$WORK/kept"
expect_rc 0
expect "nineteen PASS lines" test "$(grep -c "^PASS " <<<"$out")" = 19
expect_out '^PASS  kerberos-challenge-page: the page shows a challenge password \(16 characters, not shown\)'
expect_out "^WARN  enroll-test: .*\(kept in $WORK/kept\), but the certificate is not what was asked"
expect_out "^      fix: the NDES template overrides the request: NDES picks the template by the requested key usage"
expect "kept: the certificate verifies against the bed's CA" openssl verify -CAfile "$TESTBED_SCEP_CA" "$WORK/kept/cert.pem"
expect_key_matches "$WORK/kept/cert.pem" "$WORK/kept/key.pem"
expect "kept: key.pem is 0600" test "$(stat -c %a "$WORK/kept/key.pem")" = 600
# --keep never replaces files without --force, and says so before any request.
scepctl check-ndes --url "$TESTBED_SCEP_URL" --enroll-test --keep "$WORK/kept"
expect_rc 93
expect_one_line_error
expect_no_out 'PASS'

# --enroll-test sends the profile's request (issue 17: it used to send its own 2048-bit "both"
# request, so on NDES it tested another template than the profile's), with a given challenge
# (--challenge-file wins over the CA's challenge page: no Kerberos is needed for it).
{ bed_ndes_config keytab generic "md5:$TESTBED_CA_THUMBPRINT_MD5"
  printf '\n[profile.server]\nca = "bed"\nsubject = "CN=${host}.example.test,O=scepctl"\nkey_size = 3072\n'
  printf 'key_usage = "signature"\neku = ["serverAuth"]\nsan = ["dns:${host}.example.test"]\n'; } >"$WORK/etc/request.toml"
mkdir -p "$WORK/kept-request"
scepctl check-ndes --config "$WORK/etc/request.toml" --profile server --var host=web7 --enroll-test \
  --challenge-file "$TESTBED_CHALLENGE_FILE" --keep "$WORK/kept-request" --json
expect_rc 0
check_is challenge PASS "" 'a challenge password was given'
# scepserver gives every certificate clientAuth: the profile's serverAuth is not what it issued.
check_is enroll-test WARN 'Application Policies' "enrolled 'CN=web7.example.test,O=scepctl' with a 3072-bit signature key.*extendedKeyUsage: asked serverAuth, issued clientAuth"
expect_json "not any(c['id'].startswith('kerberos-') for c in d['checks'])"
kept_text=$(openssl x509 -in "$WORK/kept-request/cert.pem" -noout -text)
expect "profile request: the certificate's key is RSA-3072" grep -q 'Public-Key: (3072 bit)' <<<"$kept_text"
expect "profile request: the SAN of the profile" grep -q 'DNS:web7.example.test' <<<"$kept_text"

# A failing run on the bed: the pinned fingerprint is not the CA's. Exit 97, the first failure named.
scepctl check-ndes --url "$TESTBED_SCEP_URL_TLS" --cacert "$TESTBED_TLS_CA" --ca-fingerprint "sha256:$(printf '%064d' 0)" \
  --json --junit "$WORK/pin.xml"
expect_rc 97
expect_json "d['result'] == 'FAIL' and d['exit_code'] == 97 and d['first_failure'] == 'ca-fingerprint'"
expect_json "d['error']['exit_code'] == 97 and d['error']['message'].startswith('1 check(s) failed; first: ca-fingerprint')"
check_is ca-fingerprint FAIL 'pin the new fingerprint' 'CA fingerprint mismatch'
check_is challenge SKIP
check_is enroll-test SKIP "" 'not requested'
junit_matches "$WORK/pin.xml"
expect_one_line_error
expect_err 'check\(s\) failed; first: ca-fingerprint: CA fingerprint mismatch'

# scepserver is no NDES: --type microsoft wants the two RA certificates it does not have.
scepctl check-ndes --url "$TESTBED_SCEP_URL" --type microsoft --json
expect_rc 97
check_is ra-certs FAIL 'Exchange Enrollment Agent \(Offline request\) and CEP Encryption' '0 signing, 0 encryption'
check_is tls WARN 'https binding' 'plain http: no TLS'

# The TLS certificate is not trusted (no --cacert): tls FAILs with what the certificate is, and
# nothing else is asked of that server. Exit 95.
scepctl check-ndes --url "$TESTBED_SCEP_URL_TLS" --json
expect_rc 95
check_is reachability PASS
check_is tls FAIL 'chains to a CA this host trusts' 'not trusted'
expect_json "\"certificate 'CN=localhost'\" in [c for c in d['checks'] if c['id'] == 'tls'][0]['evidence']"
expect_json "all(c['status'] == 'SKIP' for c in d['checks'][2:])"

# 25 days before the TLS certificate expires (faketime +340 days; it is valid for 365): WARN, exit 0.
run "check-ndes under faketime +340d" faketime -f +340d "$SCEPCTL" check-ndes --url "$TESTBED_SCEP_URL_TLS" \
  --cacert "$TESTBED_TLS_CA" --json
expect_rc 0
check_is tls WARN 'renew the TLS certificate of localhost' 'expires in 2[45] days'

# Nothing answers: reachability FAILs with exit 95.
scepctl check-ndes --url "http://127.0.0.1:18959/certsrv/mscep/mscep.dll" --json
expect_rc 95
check_is reachability FAIL 'firewall'

# The Kerberos walk in-process fails like check-kerberos does: exit 80.
run "check-ndes, host outside the allowed domains" "$SCEPCTL" check-ndes --url "$TESTBED_SCEP_URL" \
  --challenge-url "$TESTBED_ADMIN_URL" --kerberos --service-user "$TESTBED_SVC_PRINCIPAL" --keytab "$TESTBED_SVC_KEYTAB" \
  --allowed-domain example.com --enroll-test --json
expect_rc 80
check_is kerberos-allowed-domains FAIL 'allowed_domains'
check_is enroll-test SKIP "" 'no challenge password'

# Basic authentication to the admin page (no Kerberos): the challenge check itself.
scepctl check-ndes --url "$TESTBED_SCEP_URL_TLS" --cacert "$TESTBED_TLS_CA" --challenge-url "$TESTBED_ADMIN_BASIC_URL_TLS" \
  --username "$TESTBED_BASIC_USER" --user-password-file "$TESTBED_BASIC_PASSWORD_FILE" --enroll-test --json
expect_rc 0
check_is challenge PASS "" 'shows a challenge password \(16 characters, not shown\)'
expect_json "'Basic' in [c for c in d['checks'] if c['id'] == 'challenge'][0]['evidence']"
check_is enroll-test WARN "" "but the certificate is not what was asked: keyUsage"
expect_no_out "$TESTBED_CHALLENGE"

# ---------------------------------------------------------------- the NDES fixture
# NDES as it should be (Server: Microsoft-IIS, so type microsoft), RA certificates 10 days from expiry.
start_fixture near --ra-expiry near
scepctl check-ndes --url "$FIXTURE_URL" --ca-fingerprint "$FIXTURE_PIN" --enroll-test --json --junit "$WORK/near.xml"
expect_rc 0
expect_json "d['type'] == 'microsoft'"
check_is ra-certs PASS "" 'one RA signing \(digitalSignature\) and one RA encryption \(keyEncipherment\)'
check_is expiry WARN 'renew the MSCEP-RA certificates' 'ra-signing certificate expires in (9|10) days'
check_is getcacaps PASS "" 'POST, SHA-2 and DES3'
check_is enroll-test PASS
junit_matches "$WORK/near.xml"

# The same profile against NDES (the fixture issues what the request asks for, as an NDES
# template would): the key usage and EKU the profile chose are in the certificate, so CI tests the
# template the profile lands on (signature -> SignatureTemplate), not GeneralPurposeTemplate.
{ printf '[ca.fixture]\ntype = "microsoft"\nscep_url = "%s"\nca_fingerprint = "%s"\n' "$FIXTURE_URL" "$FIXTURE_PIN"
  printf '\n[profile.server]\nca = "fixture"\nsubject = "CN=${host}.example.test,O=scepctl"\nkey_size = 3072\n'
  printf 'key_usage = "signature"\neku = ["serverAuth"]\nsan = ["dns:${host}.example.test"]\n'; } >"$WORK/etc/fixture.toml"
mkdir -p "$WORK/kept-fixture"
scepctl check-ndes --config "$WORK/etc/fixture.toml" --profile server --var host=web8 --enroll-test \
  --keep "$WORK/kept-fixture" --json
expect_rc 0
check_is enroll-test PASS "" "enrolled 'CN=web8.example.test,O=scepctl' with a 3072-bit signature key"
expect "fixture: the CSR had the profile's subject" grep -Eq "^(CN=web8.example.test,O=scepctl|O=scepctl,CN=web8.example.test)$" <<<"$(last_event csrSubject)"
kept_text=$(openssl x509 -in "$WORK/kept-fixture/cert.pem" -noout -text)
expect "fixture: RSA-3072" grep -q 'Public-Key: (3072 bit)' <<<"$kept_text"
expect "fixture: keyUsage digitalSignature only (the profile's signature usage)" \
  test "$(openssl x509 -in "$WORK/kept-fixture/cert.pem" -noout -ext keyUsage | tail -n 1 | tr -d ' ')" = "DigitalSignature"
expect "fixture: the profile's EKU" grep -q 'TLS Web Server Authentication' <<<"$kept_text"
expect "fixture: the profile's SAN" grep -q 'DNS:web8.example.test' <<<"$kept_text"

# Expired RA certificates: the classic NDES outage. FAIL, exit 97.
start_fixture expired --ra-expiry expired
scepctl check-ndes --url "$FIXTURE_URL" --ca-fingerprint "$FIXTURE_PIN" --json --junit "$WORK/expired.xml"
expect_rc 97
check_is expiry FAIL 'renew the MSCEP-RA certificates' 'ra-signing certificate expired on'
junit_matches "$WORK/expired.xml"
expect "expired.xml: the expiry testcase has a failure element naming the renewal" python3 -c '
import sys, xml.etree.ElementTree as ET
case = [c for c in ET.parse(sys.argv[1]).getroot().iter("testcase") if c.get("name") == "expiry"][0]
assert "renew the MSCEP-RA certificates" in case.find("failure").text' "$WORK/expired.xml"

# IIS URL limits with POST available: a WARN (clients that POST are fine), with the 65534 fix.
start_fixture url-limit --mode url-limit
scepctl check-ndes --url "$FIXTURE_URL" --ca-fingerprint "$FIXTURE_PIN" --json
expect_rc 0
check_is get-url-length WARN 'maxUrl and maxQueryString to 65534.*MaxFieldLength and MaxRequestBytes' \
  'refused with HTTP 404 \(404.15: query string too long\); clients that POST are not affected'
# ... and without POST: every request is a GET, so it FAILs (exit 81).
start_fixture url-limit-get --mode url-limit --post no --caps-file "$data/caps-des3-sha1-only.txt"
scepctl check-ndes --url "$FIXTURE_URL" --ca-fingerprint "$FIXTURE_PIN" --json --junit "$WORK/urllimit.xml"
expect_rc 81
check_is get-url-length FAIL '65534' 'the server offers no POST'
check_is getcacaps WARN '65534' 'only SHA-1 is offered.*no POSTPKIOperation'
junit_matches "$WORK/urllimit.xml"

# No POST (NDES without POSTPKIOperation): a WARN that names the IIS URL-limit consequence.
start_fixture get-only --mode get-only
scepctl check-ndes --url "$FIXTURE_URL" --ca-fingerprint "$FIXTURE_PIN" --enroll-test --json
expect_rc 0
check_is getcacaps WARN 'maxQueryString to 65534' 'no POSTPKIOperation: every request goes in the URL of a GET.*2048'
check_is get-url-length PASS
check_is enroll-test PASS
expect_json "'GET' in [c for c in d['checks'] if c['id'] == 'enroll-test'][0]['evidence']"

# A healthy NDES: every check passes, in well under a second on loopback (the URL-length probe
# uses the shipped probe key: no RSA-4096 key is generated, issue 18).
start_fixture healthy
t0=$(date +%s%N)
scepctl check-ndes --url "$FIXTURE_URL" --ca-fingerprint "$FIXTURE_PIN" --json
t1=$(date +%s%N)
expect_rc 0
expect_json "d['result'] == 'PASS' and all(c['status'] in ('PASS', 'SKIP') for c in d['checks'] if c['id'] != 'tls')"
check_is get-url-length PASS "" 'passes the web server.s URL limits'
expect "healthy: check-ndes took under a second ($(( (t1 - t0) / 1000000 )) ms)" test $(( (t1 - t0) / 1000000 )) -lt 1000

# The SCEP application pool stopped: every request gets HTTP.sys's 503 (exit 81).
start_fixture pool --mode app-pool-stopped
scepctl check-ndes --url "$FIXTURE_URL" --ca-fingerprint "$FIXTURE_PIN" --json --junit "$WORK/pool.xml"
expect_rc 81
check_is getcacaps FAIL 'start the SCEP application pool.*Identity' 'GetCACaps: HTTP 503: the SCEP application pool is stopped'
expect_json "d['exit_code'] == 81 and d['first_failure'] == 'getcacaps' and d['error']['http_status'] == 503"
junit_matches "$WORK/pool.xml"

# NDES cannot decrypt the request (500 to every PKIOperation): the probe and the test enrollment FAIL.
echo 8CE317021F690069 >"$WORK/fixture-challenge.txt"
start_fixture decrypt --mode cannot-decrypt --challenge 8CE317021F690069
scepctl check-ndes --url "$FIXTURE_URL" --ca-fingerprint "$FIXTURE_PIN" --enroll-test --challenge-file "$WORK/fixture-challenge.txt" \
  --json --junit "$WORK/decrypt.xml"
expect_rc 81
check_is get-url-length FAIL 'Application log.*MSCEP-RA certificates' 'HTTP 500: NDES could not decrypt or process the request'
check_is enroll-test FAIL 'Read and Enroll' 'PKIOperation: HTTP 500'
expect_json "d['first_failure'] == 'get-url-length'"
junit_matches "$WORK/decrypt.xml"

# 403 to PKIOperation (IP restrictions, or the Intune policy module): FAIL with the IIS settings.
start_fixture forbidden --mode forbidden
scepctl check-ndes --url "$FIXTURE_URL" --ca-fingerprint "$FIXTURE_PIN" --json
expect_rc 81
check_is get-url-length FAIL 'IP Address and Domain Restrictions.*Intune' 'HTTP 403: the web server forbids the request'

# A template that drops the SANs, or gives its own EKU: enroll-test WARNs naming the template
# setting (exit 0), and FAILs with --strict (exit 97).
for strict in "" --strict; do
  start_fixture template --template drop-sans --challenge 8CE317021F690069 --reusable-challenge
  scepctl check-ndes --url "$FIXTURE_URL" --ca-fingerprint "$FIXTURE_PIN" --enroll-test $strict \
    --challenge-file "$WORK/fixture-challenge.txt" --subject CN=dropped --san dns:dropped.example.test --json
  if [ -z "$strict" ]; then
    expect_rc 0
    check_is enroll-test WARN "Subject Name tab is not .Supply in the request." 'subjectAltName: asked DNS:dropped.example.test, issued none'
  else
    expect_rc 97
    check_is enroll-test FAIL "Supply in the request" 'not what was asked'
  fi
done
start_fixture template-eku --template replace-eku --challenge 8CE317021F690069
scepctl check-ndes --url "$FIXTURE_URL" --ca-fingerprint "$FIXTURE_PIN" --enroll-test \
  --challenge-file "$WORK/fixture-challenge.txt" --eku clientAuth --json
expect_rc 0
check_is enroll-test WARN 'Application Policies' 'extendedKeyUsage: asked clientAuth, issued (iKEIntermediate|1\.3\.6\.1\.5\.5\.8\.2\.2)'

# Fingerprint mismatch on the fixture: the pinned CA is another one.
scepctl check-ndes --url "$FIXTURE_URL" --ca-fingerprint "sha256:$(openssl x509 -in "$data/other-ca.pem" -outform DER | sha256sum | cut -c1-64)" --json
expect_rc 97
check_is ca-fingerprint FAIL 'pin the new fingerprint'

stop_fixture
finish
