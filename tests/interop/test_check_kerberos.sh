#!/usr/bin/env bash
# check-kerberos against a real MIT KDC and Apache with mod_auth_gssapi: every failure is produced
# for real, and the test asserts which check fails and that its fix names the right remedy.
# It breaks its bed (stops the KDC, re-keys the HTTP principal), so it runs its own, not the
# shared fixture's.
set -u
: "${SCEPCTL:?SCEPCTL must point at the scepctl binary}"
here=$(cd "$(dirname "$0")" && pwd)
BED=$(mktemp -d /tmp/scepctl-ckbed.XXXXXX)
chmod 755 "$BED" # Apache (www-data) must reach the bed
bed_up=0
on_exit() {
  [ "$bed_up" = 1 ] && { "$here/testbed/down.sh" "$BED" >/dev/null 2>&1 || true; }
  rm -rf "$BED"
}
trap on_exit EXIT
trap 'exit 130' INT TERM
"$here/testbed/up.sh" "$BED" >"$BED.up.log" 2>&1 || { cat "$BED.up.log"; rm -f "$BED.up.log"; exit 1; }
rm -f "$BED.up.log"
bed_up=1
export TESTBED_DIR=$BED
. "$here/lib.sh"
trap 'rm -rf "$WORK"; on_exit' EXIT # lib.sh's trap only removes WORK
export KRB5CCNAME=FILE:$WORK/user-ccache

# MIT's db2 KDB cannot do constrained delegation (the LDAP bed can: test_krb_ldap.sh), so the
# delegation check is not judged here except where a case says so.
base=(--service-user "$TESTBED_SVC_PRINCIPAL" --allowed-domain localhost --skip-check delegation)
keytab=(--keytab "$TESTBED_SVC_KEYTAB")

# check_json EXPR: a Python expression over `c`, the check with id $check_id, in the JSON result.
check_is() { # check_is ID STATUS [FIX-REGEX]
  expect_json "[c for c in d['checks'] if c['id'] == '$1'][0]['status'] == '$2'"
  if [ $# -ge 3 ]; then
    expect_json "__import__('re').search(r'''$3''', [c for c in d['checks'] if c['id'] == '$1'][0]['fix'] or '')"
  fi
}
failed_with() { # failed_with ID FIX-REGEX: exit 80, that check FAILs with that fix, no secret shown
  expect_rc 80
  check_is "$1" FAIL "$2"
  expect_json "d['result'] == 'FAIL' and d['exit_code'] == 80 and d['error']['exit_code'] == 80"
  expect_json "d['first_failure'] == [c['id'] for c in d['checks'] if c['status'] == 'FAIL'][0]"
  expect_no_out "$TESTBED_CHALLENGE|$svc_password"
  expect_no_err "$TESTBED_CHALLENGE|$svc_password"
}
svc_password=$(cat "$TESTBED_SVC_PASSWORD_FILE")

# All good: every check passes, in order; the text form says PASS eleven times (delegation is
# shown, not judged).
scepctl check-kerberos --challenge-url "$TESTBED_ADMIN_URL" "${base[@]}" "${keytab[@]}"
expect_rc 0
expect "eleven PASS lines" test "$(grep -c '^PASS ' <<<"$out")" = 11
expect_out '^PASS  spn-owner: a ticket for HTTP/localhost@EXAMPLE.TEST decrypts with the key of svc-scep@EXAMPLE.TEST'
expect_out '^SKIP  delegation: not judged \(--skip-check\), FAIL: constrained delegation to HTTP/localhost is not configured'
expect_no_err 'matched no check'
expect_out '^PASS  dns: localhost resolves; the SPN requested will be HTTP/localhost@EXAMPLE.TEST'
expect_out '^PASS  negotiate: the page accepted our Kerberos ticket \(mutual authentication complete\)'
expect_out '^PASS  challenge-page: the page shows a challenge password \(16 characters, not shown\)'
expect_no_out "$TESTBED_CHALLENGE"
# Our own Negotiate token went over plain http: one warning, as enroll and getchallenge give.
expect_err '^scepctl: warning: Negotiate over plain http to localhost: the Kerberos token and the one-time challenge cross the network readable; use https \(--allow-insecure-auth silences this\)$'
scepctl check-kerberos --challenge-url "$TESTBED_ADMIN_URL" "${base[@]}" "${keytab[@]}" --allow-insecure-auth
expect_rc 0
expect_no_err 'plain http'
scepctl check-kerberos --json --challenge-url "$TESTBED_ADMIN_URL_TLS" --cacert "$TESTBED_TLS_CA" "${base[@]}" \
  --password-file "$TESTBED_SVC_PASSWORD_FILE" --realm "$TESTBED_REALM" --kdc "$TESTBED_KDC" --junit "$WORK/ck.xml"
expect_rc 0
expect "--junit: well-formed, twelve testcases named like the checks, no failure" python3 -c '
import sys, xml.etree.ElementTree as ET
cases = ET.parse(sys.argv[1]).getroot().findall("./testsuite/testcase")
assert [c.get("name") for c in cases][:2] == ["config", "allowed-domains"] and len(cases) == 12
assert not any(c.find("failure") is not None for c in cases)' "$WORK/ck.xml"
expect_json "d['result'] == 'PASS' and d['exit_code'] == 0 and [c['id'] for c in d['checks']] == ['config', 'allowed-domains', 'dns', 'kdc', 'tgt', 'http-probe', 'clock', 'service-ticket', 'spn-owner', 'delegation', 'negotiate', 'challenge-page']"
expect_json "all(set(c) == {'id', 'status', 'summary', 'evidence', 'krb5_error', 'http_status', 'spn', 'fix', 'information', 'seconds'} for c in d['checks'])"
expect_no_out "$svc_password|$TESTBED_CHALLENGE"

# Judged, delegation fails on this KDC as it would on an AD account without "Trust this user for
# delegation to specified services only": exit 80, the ADUC steps as the fix.
scepctl check-kerberos --json --challenge-url "$TESTBED_ADMIN_URL" --service-user "$TESTBED_SVC_PRINCIPAL" \
  --allowed-domain localhost "${keytab[@]}"
failed_with delegation "Delegation tab: .Trust this user for delegation to specified services only., .Use Kerberos only"
check_is spn-owner PASS
check_is negotiate PASS
expect_err 'check\(s\) failed; first: delegation'
# A --skip-check that names no check is warned about.
scepctl check-kerberos --challenge-url "$TESTBED_ADMIN_URL" "${base[@]}" "${keytab[@]}" --skip-check no-such-check
expect_rc 0
expect_err '^scepctl: warning: --skip-check no-such-check matched no check$'

# Wrong service-user password: pre-authentication fails.
echo 'not-the-password' >"$WORK/wrong"
scepctl check-kerberos --json --challenge-url "$TESTBED_ADMIN_URL" "${base[@]}" --password-file "$WORK/wrong"
failed_with tgt 'check the password file, or export the keytab again'
expect_json "[c for c in d['checks'] if c['id'] == 'tgt'][0]['krb5_error'] == 'KRB5KDC_ERR_PREAUTH_FAILED'"
check_is service-ticket SKIP
expect_no_out 'not-the-password'

# Unknown service user.
scepctl check-kerberos --json --challenge-url "$TESTBED_ADMIN_URL" --service-user nobody@EXAMPLE.TEST \
  --allowed-domain localhost --password-file "$WORK/wrong"
failed_with tgt "check the service user's name and realm"
expect_json "[c for c in d['checks'] if c['id'] == 'tgt'][0]['krb5_error'] == 'KRB5KDC_ERR_C_PRINCIPAL_UNKNOWN'"

# Expired account, expired password, disabled account: each named with its own remedy.
kadm() { "$BED/bin/kadmin" -q "$1" >/dev/null 2>&1; }
for case in "-expire|KRB5KDC_ERR_NAME_EXP|extend the account.s expiry date" \
            "-pwexpire|KRB5KDC_ERR_KEY_EXP|set a new password for the account" \
            "-allow_tix|KRB5KDC_ERR_CLIENT_REVOKED|enable or unlock the account"; do
  IFS='|' read -r flag code fix <<<"$case"
  case $flag in
    -allow_tix) kadm "modprinc -allow_tix $TESTBED_SVC_PRINCIPAL" ;;
    *) kadm "modprinc $flag 2000-01-01 $TESTBED_SVC_PRINCIPAL" ;;
  esac
  scepctl check-kerberos --json --challenge-url "$TESTBED_ADMIN_URL" "${base[@]}" "${keytab[@]}"
  failed_with tgt "$fix"
  expect_json "__import__('re').fullmatch(r'$code', [c for c in d['checks'] if c['id'] == 'tgt'][0]['krb5_error'])"
  case $flag in
    -allow_tix) kadm "modprinc +allow_tix $TESTBED_SVC_PRINCIPAL" ;;
    *) kadm "modprinc $flag never $TESTBED_SVC_PRINCIPAL" ;;
  esac
done

# Host outside the allowed domains: no token for it; Kerberos itself is still checked.
scepctl check-kerberos --json --challenge-url "$TESTBED_ADMIN_URL" --service-user "$TESTBED_SVC_PRINCIPAL" \
  "${keytab[@]}" --allowed-domain example.com
failed_with allowed-domains 'add the host.s DNS domain to \[kerberos\] allowed_domains'
check_is tgt PASS
check_is negotiate SKIP

# An IP address in the URL: Kerberos needs the host name. dns WARNs with the FQDN advice; the
# service ticket for HTTP/127.0.0.1 fails with the same advice, not with setspn for the address,
# and its summary does not repeat the fix (issue 18).
scepctl check-kerberos --json --challenge-url "http://127.0.0.1:$TESTBED_HTTP_PORT/certsrv/mscep_admin/" \
  --service-user "$TESTBED_SVC_PRINCIPAL" "${keytab[@]}" --allowed-domain 127.0.0.1
failed_with service-ticket "use the server's FQDN in the URL, not an IP address"
check_is dns WARN "use the server's FQDN in the URL"
expect_json "'setspn' not in [c for c in d['checks'] if c['id'] == 'service-ticket'][0]['fix']"
expect_json "'FQDN' not in [c for c in d['checks'] if c['id'] == 'service-ticket'][0]['summary']"
expect_json "[c for c in d['checks'] if c['id'] == 'service-ticket'][0]['spn'] == 'HTTP/127.0.0.1@EXAMPLE.TEST'"

# NTLM offered before Negotiate (the fixture's 401 in that order): WARN naming the IIS providers.
printf 'unused\n' >"$WORK/admin-password"
launch_fixture ntlm-first "http://127.0.0.1:18968" --port 18968 --admin-auth ntlm,negotiate \
  --admin-password-file "$WORK/admin-password"
scepctl check-kerberos --json --challenge-url "http://localhost:18968/certsrv/mscep_admin/" "${base[@]}" "${keytab[@]}"
check_is http-probe WARN 'Windows Authentication > Providers: move Negotiate to the top'
expect_json "'offers ntlm before Negotiate' in [c for c in d['checks'] if c['id'] == 'http-probe'][0]['summary']"
stop_fixture

# A location offering only Basic: Negotiate is not among the providers.
scepctl check-kerberos --json --challenge-url "$TESTBED_ADMIN_BASIC_URL" "${base[@]}" "${keytab[@]}"
failed_with http-probe 'Providers: add Negotiate and put it first'

# Anonymous access left on.
scepctl check-kerberos --json --challenge-url "$TESTBED_ADMIN_ANON_URL" "${base[@]}" "${keytab[@]}"
failed_with http-probe 'disable Anonymous Authentication'

# Client clock 10 minutes ahead (faketime; KDC and Apache keep real time): krb5 compensates
# (kdc_timesync), Negotiate works, so the clock only WARNs about this host (issue 18: it used to FAIL).
run "check-kerberos under faketime +10m" faketime -f +10m "$SCEPCTL" check-kerberos --json \
  --challenge-url "$TESTBED_ADMIN_URL" "${base[@]}" "${keytab[@]}"
expect_rc 0
check_is clock WARN "this host's clock"
expect_json "__import__('re').search(r'this host.s clock is 60[0-9] s off the KDC.s; krb5 compensates', [c for c in d['checks'] if c['id'] == 'clock'][0]['summary'])"
expect_json "'w32tm' not in [c for c in d['checks'] if c['id'] == 'clock'][0]['fix']"
check_is negotiate PASS
# ... and with kdc_timesync = false in krb5.conf, the same offset breaks Kerberos: FAIL.
printf '[libdefaults]\n\tkdc_timesync = false\n' >"$WORK/no-timesync.conf"
run "check-kerberos under faketime +10m, kdc_timesync off" env KRB5_CONFIG="$WORK/no-timesync.conf:${KRB5_CONFIG:-/etc/krb5.conf}" \
  faketime -f +10m "$SCEPCTL" check-kerberos --json --all --challenge-url "$TESTBED_ADMIN_URL" "${base[@]}" "${keytab[@]}"
expect_rc 80
check_is clock FAIL 'kdc_timesync = true'

# The web server's clock 10 minutes ahead (Apache restarted under faketime; KDC and this host keep
# real time): the pair that breaks Negotiate. clock FAILs with the w32tm fix on the server.
# (libfaketime preloaded: the faketime wrapper would wait for the daemonized server.)
stop_apache() {
  local pid; pid=$(cat "$BED/run/apache2.pid")
  kill "$pid"
  for _ in $(seq 100); do kill -0 "$pid" 2>/dev/null || break; sleep 0.05; done
}
faketime_lib=$(ls /usr/lib/*/faketime/libfaketime.so.1 | head -n 1)
stop_apache
sed "s|apache2 -f |LD_PRELOAD=$faketime_lib FAKETIME=+10m apache2 -f |" "$BED/bin/start-apache" >"$WORK/start-apache-skewed"
sh "$WORK/start-apache-skewed" >/dev/null
scepctl check-kerberos --json --all --challenge-url "$TESTBED_ADMIN_URL" "${base[@]}" "${keytab[@]}"
failed_with clock 'w32tm /resync /rediscover'
expect_json "__import__('re').search(r'the web server.s clock is (59[0-9]|60[0-9]) s off the KDC.s', [c for c in d['checks'] if c['id'] == 'clock'][0]['summary'])"
stop_apache
"$BED/bin/start-apache" >/dev/null

# A "KDC" that takes TCP connections but never answers UDP: reachable only half-way.
"$TB" python3 -c 'import socket, time
s = socket.socket(); s.bind(("127.0.0.1", 18889)); s.listen(8); time.sleep(60)' &
tcp_only=$!
for _ in $(seq 100); do "$TB" bash -c 'exec 3<>/dev/tcp/127.0.0.1/18889' 2>/dev/null && break; sleep 0.05; done
scepctl check-kerberos --json --all --challenge-url "$TESTBED_ADMIN_URL" "${base[@]}" "${keytab[@]}" \
  --realm "$TESTBED_REALM" --kdc 127.0.0.1:18889
check_is kdc WARN 'open UDP port 18889 to the KDC as well'
expect_json "'tcp open, udp Connection refused' in [c for c in d['checks'] if c['id'] == 'kdc'][0]['evidence']"
kill "$tcp_only" 2>/dev/null; wait "$tcp_only" 2>/dev/null

# KDC down.
kill "$(cat "$BED/run/krb5kdc.pid")"
for _ in $(seq 100); do kill -0 "$(cat "$BED/run/krb5kdc.pid")" 2>/dev/null || break; sleep 0.05; done
scepctl check-kerberos --json --challenge-url "$TESTBED_ADMIN_URL" "${base[@]}" "${keytab[@]}"
failed_with kdc 'start the KDC, or open TCP and UDP port 18888'
expect_json "'neither on TCP nor on UDP' in [c for c in d['checks'] if c['id'] == 'kdc'][0]['summary']"
check_is tgt SKIP
"$BED/bin/start-kdc" >/dev/null

# Stale server keytab: the HTTP principal gets a new key after Apache loaded the old one, so the
# server cannot decrypt our ticket and says so in its 401.
"$BED/bin/kadmin" -q "cpw -randkey $TESTBED_HTTP_PRINCIPAL" >/dev/null 2>&1
scepctl check-kerberos --json --challenge-url "$TESTBED_ADMIN_URL" "${base[@]}" "${keytab[@]}"
failed_with negotiate 'export the service keytab again|useAppPoolCredentials=True'
# The SPN's key is no longer the service user's: the SPN check names setspn (AD: the SPN is on
# another account, or the account's password changed without iisreset).
check_is spn-owner FAIL 'setspn -Q http/localhost'
expect_json "[c for c in d['checks'] if c['id'] == 'negotiate'][0]['krb5_error'] == 'KRB5KRB_AP_ERR_BADKEYVER'"
expect_json "[c for c in d['checks'] if c['id'] == 'negotiate'][0]['http_status'] == 401"
check_is service-ticket PASS

# The text form of a failure: FAIL line, fix line, one-line error naming the check.
scepctl check-kerberos --challenge-url "$TESTBED_ADMIN_URL" "${base[@]}" "${keytab[@]}" --junit "$WORK/ck-fail.xml"
expect_rc 80
expect "--junit: the negotiate testcase fails, the page is skipped" python3 -c '
import sys, xml.etree.ElementTree as ET
cases = {c.get("name"): c for c in ET.parse(sys.argv[1]).getroot().iter("testcase")}
assert cases["negotiate"].find("failure").get("message").startswith("the server rejected our ticket")
assert cases["challenge-page"].find("skipped") is not None' "$WORK/ck-fail.xml"
expect_out '^FAIL  negotiate: the server rejected our ticket'
expect_out '^      fix: '
expect_one_line_error
expect_err 'check\(s\) failed; first: spn-owner'

expect "the user's credential cache was never written" test ! -e "$WORK/user-ccache"
finish
