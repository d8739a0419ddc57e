#!/usr/bin/env bash
# getchallenge and enroll --profile against the test bed's NDES-like admin pages: Kerberos with a
# keytab and with a password (MIT KDC + Apache mod_auth_gssapi), Basic, anonymous, and NTLM (the
# NDES fixture's admin page); the plain-http rules; the pages' encodings and error texts; the
# allowed-domains rule; secrets never shown.
. "$(dirname "$0")/lib.sh"

admin=$TESTBED_ADMIN_URL
krb=(--kerberos --service-user "$TESTBED_SVC_PRINCIPAL" --allowed-domain localhost)
keytab=(--keytab "$TESTBED_SVC_KEYTAB")
password=(--password-file "$TESTBED_SVC_PASSWORD_FILE")
svc_password=$(cat "$TESTBED_SVC_PASSWORD_FILE")
basic_password=$(cat "$TESTBED_BASIC_PASSWORD_FILE")
# A "user's own" credential cache that scepctl must never create or touch.
user_ccache=$WORK/user-ccache
export KRB5CCNAME=FILE:$user_ccache

no_secrets() { # the account passwords never show up, whatever happened
  expect_no_out "$svc_password|$basic_password"
  expect_no_err "$svc_password|$basic_password"
}
challenge_only() { # stdout is exactly the challenge, nothing else
  expect "stdout is exactly the challenge" test "$out" = "$TESTBED_CHALLENGE"
}

# Keytab over http: the thumbprint comes first on the page; the challenge is what follows it.
scepctl getchallenge --challenge-url "$admin" "${krb[@]}" "${keytab[@]}"
expect_rc 0
challenge_only
expect_err 'with Negotiate \(Kerberos\) \(svc-scep@EXAMPLE.TEST, SPN HTTP/localhost@EXAMPLE.TEST\)'
expect "the user's credential cache was not written" test ! -e "$user_ccache"

# Password over https, with the KDC given on the command line and no krb5.conf of the bed at all:
# the private krb5.conf names realm and KDC. It goes to a TMPDIR of its own (other tests running at
# the same time make such files too), and strace shows it was made there, so that "none left
# behind" proves something. (LeakSanitizer cannot run under ptrace.)
mkdir "$WORK/tmp"
run "getchallenge password https --kdc" env -u KRB5_CONFIG TMPDIR="$WORK/tmp" ASAN_OPTIONS=detect_leaks=0 \
  strace -f -qq -e trace=openat,unlink -o "$WORK/krb5conf.strace" "$SCEPCTL" getchallenge --challenge-url "$TESTBED_ADMIN_URL_TLS" \
  --cacert "$TESTBED_TLS_CA" "${krb[@]}" "${password[@]}" --realm "$TESTBED_REALM" --kdc "$TESTBED_KDC"
expect_rc 0
challenge_only
no_secrets
expect "the private krb5.conf was made in TMPDIR" grep -q "openat(.*\"$WORK/tmp/scepctl-krb5-.*O_CREAT" "$WORK/krb5conf.strace"
expect "no private krb5.conf left behind" test -z "$(ls -A "$WORK/tmp")"

# --json carries the challenge for getchallenge (its whole point), and says how it was fetched.
scepctl getchallenge --json --challenge-url "$admin" "${krb[@]}" "${keytab[@]}"
expect_rc 0
expect_json "d['challenge'] == '$TESTBED_CHALLENGE' and d['auth'] == 'Negotiate (Kerberos)'"

# Wrong password: the KDC refuses pre-authentication; named, with the fix, password not shown.
echo 'not-the-password' >"$WORK/wrong-password"
scepctl getchallenge --challenge-url "$admin" "${krb[@]}" --password-file "$WORK/wrong-password"
expect_rc 80
expect_one_line_error
expect_err 'wrong password or stale keytab \(KRB5KDC_ERR_PREAUTH_FAILED'
expect_no_err 'not-the-password'
expect_no_out .

# A stale keytab (a key the KDC no longer has): one failed AS exchange, not two. The first AS-REQ
# carries pre-authentication (issue 22), and after PREAUTH_FAILED the ordinary exchange would fail
# with the same key again: on AD each failure counts towards the account's lockout.
printf 'addent -password -p %s -k 1 -e aes256-cts-hmac-sha1-96\nnot-the-password\nwkt %s\nquit\n' \
  "$TESTBED_SVC_PRINCIPAL" "$WORK/stale.keytab" | ktutil >/dev/null 2>&1
run "getchallenge with a stale keytab" env KRB5_TRACE="$WORK/stale.krb5" "$SCEPCTL" getchallenge \
  --challenge-url "$admin" "${krb[@]}" --keytab "$WORK/stale.keytab"
expect_rc 80
expect_err 'wrong password or stale keytab \(KRB5KDC_ERR_PREAUTH_FAILED'
# (Answers received: after a failure krb5 also looks for a primary KDC, which the bed has not.)
expect "a stale keytab: one AS exchange (counted $(grep -c 'Received answer (' "$WORK/stale.krb5"))" \
  test "$(grep -c 'Received answer (' "$WORK/stale.krb5")" = 1
rm -f "$WORK/stale.krb5"

# Host outside the allowed domains: refused before any packet. A marker principal and query
# string would show up in the KDC and Apache logs if anything were sent (other tests use the
# bed at the same time, so counting lines would not do).
marker=nosend-$$-$RANDOM
echo 'unused' >"$WORK/marker-password"
scepctl getchallenge --challenge-url "$admin?$marker" --kerberos --service-user "$marker@EXAMPLE.TEST" \
  --password-file "$WORK/marker-password" --allowed-domain example.test --allowed-domain calhost
expect_rc 78
expect_one_line_error
expect_err 'localhost is outside the allowed domains \(example.test, calhost\).*nothing was sent'
expect "no KDC request" test "$(grep -c "$marker" "$TESTBED_DIR/log/krb5kdc.log")" = 0
expect "no HTTP request" test "$(grep -c "$marker" "$TESTBED_DIR/log/apache-access.log")" = 0

# A host with no SPN: the KDC says so, and the message is the setspn command.
scepctl getchallenge --challenge-url "http://127.0.0.1:$TESTBED_HTTP_PORT/certsrv/mscep_admin/" --kerberos \
  --service-user "$TESTBED_SVC_PRINCIPAL" "${keytab[@]}" --allowed-domain 127.0.0.1
expect_rc 80
expect_one_line_error
expect_err 'SPN HTTP/127.0.0.1@EXAMPLE.TEST is not registered: run setspn -s http/127.0.0.1'

# Negotiate-only page with Kerberos off: say that Kerberos is what it takes.
scepctl getchallenge --challenge-url "$admin" --no-kerberos
expect_rc 80
expect_one_line_error
expect_err 'requires authentication \(offers: negotiate\): enable Kerberos'

# Page encodings: UTF-8, UTF-16LE without BOM (both also with the thumbprint first).
for page in utf8.html nobom.html; do
  scepctl getchallenge --challenge-url "${admin}$page" "${krb[@]}" "${keytab[@]}"
  expect_rc 0
  challenge_only
done

# NDES error pages: exit 82 with the admin's fix.
scepctl getchallenge --challenge-url "${admin}cachefull.html" "${krb[@]}" "${keytab[@]}"
expect_rc 82
expect_one_line_error
expect_err 'password cache is full.*PasswordMax'
scepctl getchallenge --challenge-url "${admin}noperm.html" "${krb[@]}" "${keytab[@]}"
expect_rc 82
expect_one_line_error
expect_err 'may not enroll: give it Read and Enroll permission'
scepctl getchallenge --challenge-url "${admin}missing.html" "${krb[@]}" "${keytab[@]}"
expect_rc 81
expect_err 'HTTP 404'

# Basic: refused over plain http (password readable on the wire), fine over https and when allowed.
basic=(--username "$TESTBED_BASIC_USER" --user-password-file "$TESTBED_BASIC_PASSWORD_FILE")
scepctl getchallenge --challenge-url "$TESTBED_ADMIN_BASIC_URL" "${basic[@]}"
expect_rc 64
expect_one_line_error
expect_err 'only Basic authentication over plain http.*--allow-insecure-auth'
scepctl getchallenge --challenge-url "$TESTBED_ADMIN_BASIC_URL_TLS" --cacert "$TESTBED_TLS_CA" "${basic[@]}" -v
expect_rc 0
challenge_only
expect_err 'challenge fetched from localhost with Basic'
expect_err 'Authorization: Basic <redacted>'
expect_no_err "$TESTBED_CHALLENGE"
no_secrets
scepctl getchallenge --challenge-url "$TESTBED_ADMIN_BASIC_URL" "${basic[@]}" --allow-insecure-auth
expect_rc 0
challenge_only
scepctl getchallenge --challenge-url "$TESTBED_ADMIN_BASIC_URL_TLS" --cacert "$TESTBED_TLS_CA" \
  --username "$TESTBED_BASIC_USER" --user-password-file "$WORK/wrong-password"
expect_rc 80
expect_err 'refused Basic authentication as ndes-admin'
# Kerberos preferred, but the page offers only Basic: fall back to the configured user, and say so.
scepctl getchallenge --challenge-url "$TESTBED_ADMIN_BASIC_URL_TLS" --cacert "$TESTBED_TLS_CA" "${krb[@]}" "${keytab[@]}" "${basic[@]}"
expect_rc 0
challenge_only
expect_err 'does not offer Negotiate'
expect_err 'falling back to Basic as ndes-admin'

# NTLM, against the NDES fixture's admin page (it checks the NTLMv2 response): over plain http it
# needs --allow-insecure-auth like Basic, because an NTLMv2 response seen on the wire can be
# cracked offline or relayed; the refusal comes before any NTLM message is sent. Over https it
# needs nothing.
ntlm_challenge=$(openssl rand -hex 8 | tr a-f A-F)
printf 'ntlm-%s\n' "$(openssl rand -hex 6)" >"$WORK/ntlm-password"
chmod 600 "$WORK/ntlm-password"
ntlm_tls=$WORK/ntlm-tls
mkdir -p "$ntlm_tls"
(cd "$ntlm_tls" &&
  openssl req -x509 -newkey rsa:2048 -nodes -keyout ca.key -out ca.pem -days 2 -subj "/CN=ntlm test TLS CA" \
    -addext basicConstraints=critical,CA:TRUE -addext keyUsage=critical,keyCertSign &&
  openssl req -new -newkey rsa:2048 -nodes -keyout server.key -out server.csr -subj "/CN=127.0.0.1" &&
  printf 'subjectAltName=IP:127.0.0.1\nextendedKeyUsage=serverAuth\n' >server.ext &&
  openssl x509 -req -in server.csr -CA ca.pem -CAkey ca.key -set_serial 0x4e71 -days 2 -extfile server.ext \
    -out server.pem) >"$WORK/ntlm-tls.log" 2>&1 || { echo "openssl failed:"; cat "$WORK/ntlm-tls.log"; exit 1; }
ntlm_fixture=(--challenge "$ntlm_challenge" --admin-auth ntlm --admin-password-file "$WORK/ntlm-password")
launch_fixture ntlm http://127.0.0.1:18964 --port 18964 "${ntlm_fixture[@]}" || exit 1
ntlm_events=$state/events.jsonl
launch_fixture ntlm-tls https://127.0.0.1:18965 --port 18965 "${ntlm_fixture[@]}" --tls-cert "$ntlm_tls/server.pem" \
  --tls-key "$ntlm_tls/server.key" || exit 1
ntlm_user=(--username ndes-admin --user-password-file "$WORK/ntlm-password")
ntlm_password=$(cat "$WORK/ntlm-password")
ntlm_sent() { grep -c '"auth": "NTLM"' "$ntlm_events" || true; }
scepctl getchallenge --challenge-url http://127.0.0.1:18964/certsrv/mscep_admin/ "${ntlm_user[@]}"
expect_rc 64
expect_one_line_error
expect_err 'NDES admin page on 127.0.0.1 offers NTLM over plain http, whose response anyone on the path can crack offline or relay: use https, or --allow-insecure-auth'
expect "NTLM over http: no NTLM message was sent" test "$(ntlm_sent)" = 0
expect_no_err "$ntlm_password"
scepctl getchallenge --challenge-url http://127.0.0.1:18964/certsrv/mscep_admin/ "${ntlm_user[@]}" --allow-insecure-auth
expect_rc 0
expect "NTLM over http with --allow-insecure-auth: stdout is the challenge" test "$out" = "$ntlm_challenge"
expect_err 'challenge fetched from 127.0.0.1 with NTLM'
expect "the fixture accepted the NTLMv2 response" grep -q '"message": "authenticate", "operation": "admin", "result": "ok"' "$ntlm_events"
scepctl getchallenge --challenge-url https://127.0.0.1:18965/certsrv/mscep_admin/ --cacert "$ntlm_tls/ca.pem" \
  "${ntlm_user[@]}"
expect_rc 0
expect "NTLM over https: stdout is the challenge" test "$out" = "$ntlm_challenge"
expect_no_err 'warning'
scepctl getchallenge --challenge-url https://127.0.0.1:18965/certsrv/mscep_admin/ --cacert "$ntlm_tls/ca.pem" \
  --username ndes-admin --user-password-file "$WORK/wrong-password"
expect_rc 80
expect_err 'refused NTLM authentication as ndes-admin'
# The same rule when the page offers NTLM and Basic over http: neither without the opt-in.
stop_fixture
launch_fixture ntlm-basic http://127.0.0.1:18964 --port 18964 --challenge "$ntlm_challenge" --admin-auth basic,ntlm \
  --admin-password-file "$WORK/ntlm-password" || exit 1
scepctl getchallenge --challenge-url http://127.0.0.1:18964/certsrv/mscep_admin/ "${ntlm_user[@]}"
expect_rc 64
expect_err 'offers NTLM over plain http'
expect "NTLM or Basic over http: nothing was sent" test "$(grep -c '"user"' "$state/events.jsonl" || true)" = 0
stop_fixture

# Negotiate over plain http works, with one warning: the token and the challenge cross the network
# readable. --allow-insecure-auth silences it; over https there is nothing to warn about.
scepctl getchallenge --challenge-url "$admin" "${krb[@]}" "${keytab[@]}"
expect_rc 0
challenge_only
expect "Negotiate over http: exactly one warning line" test "$(grep -c '^scepctl: warning: ' <<<"$err")" = 1
expect_err '^scepctl: warning: Negotiate over plain http to localhost: the Kerberos token and the one-time challenge cross the network readable; use https \(--allow-insecure-auth silences this\)$'
scepctl getchallenge --challenge-url "$admin" "${krb[@]}" "${keytab[@]}" --allow-insecure-auth
expect_rc 0
challenge_only
expect_no_err 'warning'
scepctl getchallenge --challenge-url "$TESTBED_ADMIN_URL_TLS" --cacert "$TESTBED_TLS_CA" "${krb[@]}" "${keytab[@]}"
expect_rc 0
challenge_only
expect_no_err 'warning'

# What goes on the wire stays there: a capturing proxy records the Authorization headers scepctl
# really sent (the Kerberos token, Basic credentials) and the server's Negotiate reply token; with
# --verbose and --json none of them, nor any password, shows on stdout or stderr. Each token is
# looked for by its first 24 characters and by 24 from its middle, so a token cut short by the
# trace's line limit is caught too.
proxy_port=18962
proxy_log=$WORK/proxy.jsonl
"$TB" python3 "$(dirname "$0")/../fixtures/capture_proxy.py" --port "$proxy_port" --log "$proxy_log" &
proxy_pid=$!
for _ in $(seq 100); do "$TB" bash -c "exec 3<>/dev/tcp/127.0.0.1/$proxy_port" 2>/dev/null && break; sleep 0.05; done
# wire_secrets SCHEME: the credentials of that scheme in the captured requests and replies, one per line.
wire_secrets() {
  python3 -c '
import json, sys
for line in open(sys.argv[1]):
    e = json.loads(line)
    for name, value in e["headers"] + e["response_headers"]:
        if name.lower() in ("authorization", "www-authenticate") and value.startswith(sys.argv[2] + " "):
            token = value.split(" ", 1)[1]
            print(token[:24])
            print(token[len(token) // 2:len(token) // 2 + 24])' "$proxy_log" "$1" | sort -u
}
expect_no_wire_secret() { # expect_no_wire_secret SCHEME: a token was captured, and none is in our output
  local tokens; tokens=$(wire_secrets "$1")
  expect "the proxy captured $1 credentials" test -n "$tokens"
  while read -r token; do
    [ -n "$token" ] || continue
    expect_no_out "$token"
    expect_no_err "$token"
  done <<<"$tokens"
}
scepctl getchallenge --challenge-url "$admin" "${krb[@]}" "${password[@]}" --proxy "http://127.0.0.1:$proxy_port" \
  --verbose --json
expect_rc 0
expect_json "d['challenge'] == '$TESTBED_CHALLENGE' and d['auth'] == 'Negotiate (Kerberos)'"
expect_err '^> Authorization: Negotiate <redacted>$'
expect_no_wire_secret Negotiate
no_secrets
: >"$proxy_log"
scepctl getchallenge --challenge-url "$TESTBED_ADMIN_BASIC_URL" "${basic[@]}" --allow-insecure-auth \
  --proxy "http://127.0.0.1:$proxy_port" --verbose --json
expect_rc 0
expect_err '^> Authorization: Basic <redacted>$'
expect_no_wire_secret Basic
no_secrets
kill "$proxy_pid" 2>/dev/null; wait "$proxy_pid" 2>/dev/null

# Anonymous access left on: works, with a warning to switch it off.
scepctl getchallenge --challenge-url "$TESTBED_ADMIN_ANON_URL"
expect_rc 0
challenge_only
expect_err 'answers without authentication: disable Anonymous Authentication'

# The whole flow from a profile: challenge with Kerberos, then enrollment; verbose and JSON
# never show the challenge or the password.
mkdir -p "$WORK/etc" "$WORK/profile-out"
{ bed_ndes_config password_file microsoft "md5:$TESTBED_CA_THUMBPRINT_MD5" && cat <<EOF

[profile.device]
ca = "bed"
subject = "CN=\${device},O=scepctl profile"
san = ["dns:\${device}.example.test", "ip:\${device_ip}"]
key_usage = "both"
out_dir = "$WORK/profile-out"
EOF
} >"$WORK/etc/config.toml"
run "enroll --profile device" env -u KRB5_CONFIG "$SCEPCTL" enroll --config "$WORK/etc/config.toml" --profile device \
  --var device=profile-device --var device_ip=192.0.2.9 --json -v
expect_rc 0
expect_json "d['challenge'] == '<redacted>' and d['challenge_source'] == 'admin page (Negotiate (Kerberos))'"
expect_json "d['subject'].startswith('CN=profile-device')"
expect_no_out "$TESTBED_CHALLENGE"
expect_no_err "$TESTBED_CHALLENGE"
no_secrets
expect "profile: certificate verifies against the CA" openssl verify -CAfile "$TESTBED_SCEP_CA" "$WORK/profile-out/cert.pem"
expect_key_matches "$WORK/profile-out/cert.pem" "$WORK/profile-out/key.pem"
expect "profile: SAN templates filled in" grep -q 'DNS:profile-device.example.test, IP Address:192.0.2.9' \
  <(openssl x509 -in "$WORK/profile-out/cert.pem" -noout -ext subjectAltName)

# A flag beats the file: --out-dir overrides the profile's out_dir.
mkdir -p "$WORK/flag-out"
run "enroll --profile device --out-dir" env -u KRB5_CONFIG "$SCEPCTL" enroll --config "$WORK/etc/config.toml" \
  --profile device --var device=flag-device --var device_ip=192.0.2.10 --out-dir "$WORK/flag-out"
expect_rc 0
expect "flag wins: cert in --out-dir" test -s "$WORK/flag-out/cert.pem"

# A config error names file, line and key, and nothing is sent.
printf '[ca.bed]\nscep_url = "ftp://x"\n' >"$WORK/etc/bad.toml"
scepctl getcacaps --config "$WORK/etc/bad.toml" --ca bed
expect_rc 78
expect_one_line_error
expect_err 'bad.toml:2: ca.bed.scep_url'

# --use-ccache: the tickets of whoever ran kinit; without any, say to run kinit.
kinit_cache=FILE:$WORK/kinit-ccache
run "use-ccache without kinit" env KRB5CCNAME="$kinit_cache" "$SCEPCTL" getchallenge --challenge-url "$admin" \
  --kerberos --use-ccache --allowed-domain localhost
expect_rc 80
expect_one_line_error
expect_err 'no ticket in the default credential cache.*run kinit'
run "kinit" env KRB5CCNAME="$kinit_cache" kinit -k -t "$TESTBED_SVC_KEYTAB" "$TESTBED_SVC_PRINCIPAL"
expect_rc 0
run "use-ccache after kinit" env KRB5CCNAME="$kinit_cache" "$SCEPCTL" getchallenge --challenge-url "$admin" \
  --kerberos --use-ccache --allowed-domain localhost
expect_rc 0
challenge_only
expect_err 'ticket for svc-scep@EXAMPLE.TEST from FILE:'

expect "the user's credential cache was never written" test ! -e "$user_ccache"
finish
