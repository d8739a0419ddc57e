#!/usr/bin/env bash
# The krb layer's SPN-ownership and delegation checks (src/krb/spn_owner.*, delegation.*) against
# a KDC that can hold what Active Directory holds: the bed's LDAP flavour (TESTBED_KDB=ldap, slapd
# + MIT's LDAP KDB; HTTP/localhost an alias of svc-scep, krbAllowedToDelegateTo). Each seeded case
# changes the directory, asserts the outcome and its fix text, and puts the directory back.
# Driven by tests/krb/krb_checks.cpp (the krb layer alone) and by scepctl check-kerberos (the two
# checks in the ordered walk, text, JSON and JUnit). Its own bed: it edits the directory, and runs
# beside the shared db2 bed.
set -u
: "${KRB_CHECKS:?KRB_CHECKS must point at the krb_checks test tool}"
: "${SCEPCTL:?SCEPCTL must point at the scepctl binary}"
here=$(cd "$(dirname "$0")" && pwd)
BED=$(mktemp -d /tmp/scepctl-ldapbed.XXXXXX)
chmod 755 "$BED" # Apache (www-data) must reach the bed
bed_up=0
on_exit() {
  [ "$bed_up" = 1 ] && { "$here/testbed/down.sh" "$BED" >/dev/null 2>&1 || true; }
  rm -rf "$BED"
}
trap on_exit EXIT
trap 'exit 130' INT TERM
TESTBED_KDB=ldap "$here/testbed/up.sh" "$BED" >"$BED.up.log" 2>&1 || { cat "$BED.up.log"; rm -f "$BED.up.log"; exit 1; }
rm -f "$BED.up.log"
bed_up=1
export TESTBED_DIR=$BED
. "$here/lib.sh"
trap 'rm -rf "$WORK"; on_exit' EXIT # lib.sh's trap only removes WORK
export KRB5CCNAME=FILE:$WORK/ccache

common=(--principal "$TESTBED_SVC_PRINCIPAL" --realm "$TESTBED_REALM" --kdc "$TESTBED_KDC" --allowed-domain localhost
  --host localhost)
keytab=(--keytab "$TESTBED_SVC_KEYTAB")
password=(--password-file "$TESTBED_SVC_PASSWORD_FILE")
alice=(--s4u-user "$TESTBED_USER_PRINCIPAL")
svc_password=$(cat "$TESTBED_SVC_PASSWORD_FILE")

checks() { run "krb_checks $*" "$KRB_CHECKS" "$@"; }
# field CHECK KEY: the value of KEY in the JSON line of CHECK (spn-owner, delegation).
field() { python3 -c '
import json, sys
for line in sys.stdin:
    d = json.loads(line)
    if d["check"] == sys.argv[1]:
        v = d[sys.argv[2]]
        print(" | ".join(v) if isinstance(v, list) else v)' "$1" "$2" <<<"$out"; }
is() { # is CHECK KEY VALUE
  local got; got=$(field "$1" "$2")
  [ "$got" = "$3" ] && pass "$1.$2 = $3" || fail "$1.$2 is '$got', expected '$3'"
}
has() { # has CHECK KEY REGEX
  local got; got=$(field "$1" "$2")
  grep -qE -- "$3" <<<"$got" && pass "$1.$2 matches /$3/" || fail "$1.$2 '$got' does not match /$3/"
}
no_secret() { expect_no_out "$svc_password"; expect_no_err "$svc_password"; }
ldap_modify() { "$BED/bin/ldap" ldapmodify >>"$WORK/ldap.log" 2>&1; }
kadmin() { "$BED/bin/kadmin" -q "$1" >>"$WORK/kadmin.log" 2>&1; }
kdc_log_mark() { mark=$(wc -l <"$BED/log/krb5kdc.log"); }
kdc_log_new() { tail -n +"$((mark + 1))" "$BED/log/krb5kdc.log"; }

# --- all good: the SPN is the service user's alias, delegation to it is allowed ---------------
for source in keytab password; do
  declare -n creds=$source
  kdc_log_mark
  checks "${common[@]}" "${creds[@]}" "${alice[@]}"
  expect_rc 0
  is spn-owner status this-account
  is spn-owner spn HTTP/localhost@EXAMPLE.TEST
  is spn-owner account svc-scep@EXAMPLE.TEST
  is spn-owner fix ''
  is spn-owner forwardable True
  is delegation status granted
  is delegation target HTTP/localhost@EXAMPLE.TEST
  is delegation fix ''
  is delegation protocol_transition disabled
  has delegation information "^protocol transition is off on svc-scep \('Use Kerberos only'"
  no_secret
  expect "the KDC logged the S4U2Proxy request ($source)" grep -q 'CONSTRAINED-DELEGATION s4u-client=svc-scep@' <(kdc_log_new)
done
# The protocol-transition probe with no --s4u-user impersonates the service user itself, which
# MIT's KDC does not answer usably (AD does): the line says unknown, the checks still pass.
checks "${common[@]}" "${keytab[@]}"
expect_rc 0
is delegation protocol_transition unknown
has delegation information '^protocol transition unknown: S4U2Self for svc-scep@EXAMPLE.TEST'

# The key never touches the disk: no file is created except the session's private krb5.conf (no
# keytab copy, no replay cache). LeakSanitizer cannot run under ptrace: off for this run only.
run "strace krb_checks" env ASAN_OPTIONS=detect_leaks=0 \
  strace -f -qq -e trace=openat,open,creat -o "$WORK/strace" "$KRB_CHECKS" "${common[@]}" \
  "${password[@]}" "${alice[@]}"
expect_rc 0
expect "only the private krb5.conf is created" \
  test -z "$(grep -E 'O_CREAT|creat\(' "$WORK/strace" | grep -vE '/scepctl-krb5-[A-Za-z0-9]{6}"' | grep -v ENOENT)"

# A host outside the allowed domains: not checked, and nothing about it reaches the KDC.
kdc_log_mark
checks --principal "$TESTBED_SVC_PRINCIPAL" --realm "$TESTBED_REALM" --kdc "$TESTBED_KDC" --allowed-domain localhost \
  --host ndes.elsewhere.test "${keytab[@]}"
expect_rc 1
is spn-owner status not-checked
has spn-owner summary '^ndes.elsewhere.test is outside the allowed domains'
is delegation status not-checked
expect "the KDC never saw ndes.elsewhere.test" bash -c "! grep -q elsewhere <<<'$(kdc_log_new)'"
# A delegation target outside the allowed domains: the same.
kdc_log_mark
checks "${common[@]}" "${keytab[@]}" --delegate-to HTTP/web.elsewhere.test
expect_rc 1
is spn-owner status this-account
is delegation status not-checked
has delegation summary '^web.elsewhere.test is outside the allowed domains'
expect "the KDC never saw web.elsewhere.test" bash -c "! grep -q elsewhere <<<'$(kdc_log_new)'"

# --- all good through scepctl check-kerberos: every check passes, delegation with its INFO line
ck=(--challenge-url "$TESTBED_ADMIN_URL_TLS" --cacert "$TESTBED_TLS_CA" --service-user "$TESTBED_SVC_PRINCIPAL"
  --realm "$TESTBED_REALM" --kdc "$TESTBED_KDC" --allowed-domain localhost "${keytab[@]}")
scepctl check-kerberos --json "${ck[@]}" --s4u-user "$TESTBED_USER_PRINCIPAL" --junit "$WORK/ldap.xml"
expect_rc 0
expect_json "d['result'] == 'PASS' and all(c['status'] == 'PASS' for c in d['checks'])"
expect_json "[c['id'] for c in d['checks']][7:10] == ['service-ticket', 'spn-owner', 'delegation']"
expect_json "[c for c in d['checks'] if c['id'] == 'delegation'][0]['information'].startswith('protocol transition is off on svc-scep')"
expect_json "[c for c in d['checks'] if c['id'] == 'delegation'][0]['spn'] == 'HTTP/localhost@EXAMPLE.TEST'"
expect "--junit: the delegation testcase passes and carries the info line" python3 -c '
import sys, xml.etree.ElementTree as ET
case = [c for c in ET.parse(sys.argv[1]).getroot().iter("testcase") if c.get("name") == "delegation"][0]
assert case.find("failure") is None and "info: protocol transition is off" in case.find("system-out").text' "$WORK/ldap.xml"
no_secret
scepctl check-kerberos "${ck[@]}" --s4u-user "$TESTBED_USER_PRINCIPAL"
expect_rc 0
expect_out '^PASS  spn-owner: a ticket for HTTP/localhost@EXAMPLE.TEST decrypts with the key of svc-scep@EXAMPLE.TEST'
expect_out '^PASS  delegation: the KDC issued a ticket for HTTP/localhost@EXAMPLE.TEST on behalf of svc-scep'
expect_out "^      info: protocol transition is off on svc-scep"

# --- krbAllowedToDelegateTo removed: S4U2Proxy refused ----------------------------------------
printf 'dn: %s\nchangetype: modify\ndelete: krbAllowedToDelegateTo\n' "$TESTBED_SVC_DN" | ldap_modify
kdc_log_mark
checks "${common[@]}" "${keytab[@]}" "${alice[@]}"
expect_rc 1
is spn-owner status this-account
is delegation status not-configured
is delegation krb5_error KRB5KDC_ERR_BADOPTION
has delegation summary '^constrained delegation to HTTP/localhost is not configured on svc-scep@EXAMPLE.TEST'
has delegation fix "Delegation tab: 'Trust this user for delegation to specified services only', 'Use Kerberos only'"
has delegation fix "msDS-AllowedToDelegateTo'='HTTP/localhost'"
is delegation protocol_transition unknown
expect "the KDC refused the S4U2Proxy request" grep -q "KDC can't fulfill requested option" <(kdc_log_new)
# ... and through check-kerberos: the delegation check FAILs with the ADUC steps (exit 80).
scepctl check-kerberos --json "${ck[@]}"
expect_rc 80
expect_json "[c for c in d['checks'] if c['id'] == 'delegation'][0]['status'] == 'FAIL'"
expect_json "'Delegation tab' in [c for c in d['checks'] if c['id'] == 'delegation'][0]['fix']"
expect_json "[c for c in d['checks'] if c['id'] == 'delegation'][0]['krb5_error'] == 'KRB5KDC_ERR_BADOPTION'"
expect_json "[c for c in d['checks'] if c['id'] == 'negotiate'][0]['status'] == 'PASS'"
expect_err 'check\(s\) failed; first: delegation'
printf 'dn: %s\nchangetype: modify\nadd: krbAllowedToDelegateTo\nkrbAllowedToDelegateTo: %s\n' \
  "$TESTBED_SVC_DN" "$TESTBED_DELEGATE_TO" | ldap_modify

# --- another delegation target (--delegate-to): allowed only once it is listed ----------------
printf 'dn: %s\nchangetype: modify\nadd: krbCanonicalName\nkrbCanonicalName: %s\n-\nadd: krbPrincipalName\nkrbPrincipalName: HTTP/web.localhost@EXAMPLE.TEST\n' \
  "$TESTBED_OTHER_DN" "$TESTBED_OTHER_PRINCIPAL" | ldap_modify
checks "${common[@]}" "${keytab[@]}" --delegate-to HTTP/web.localhost
expect_rc 1
is delegation status not-configured
is delegation target HTTP/web.localhost@EXAMPLE.TEST
has delegation summary '^constrained delegation to HTTP/web.localhost is not configured'
printf 'dn: %s\nchangetype: modify\nadd: krbAllowedToDelegateTo\nkrbAllowedToDelegateTo: HTTP/web.localhost@EXAMPLE.TEST\n' \
  "$TESTBED_SVC_DN" | ldap_modify
checks "${common[@]}" "${keytab[@]}" --delegate-to HTTP/web.localhost
expect_rc 0
is delegation status granted
checks "${common[@]}" "${keytab[@]}" --delegate-to HTTP/nothing.localhost
expect_rc 1
is delegation status target-unknown
printf 'dn: %s\nchangetype: modify\ndelete: krbAllowedToDelegateTo\nkrbAllowedToDelegateTo: HTTP/web.localhost@EXAMPLE.TEST\n' \
  "$TESTBED_SVC_DN" | ldap_modify

# --- the SPN moved to another account: the service user's key does not decrypt it -------------
printf 'dn: %s\nchangetype: modify\ndelete: krbPrincipalName\nkrbPrincipalName: %s\n' \
  "$TESTBED_SVC_DN" "$TESTBED_HTTP_PRINCIPAL" | ldap_modify
printf 'dn: %s\nchangetype: modify\nadd: krbPrincipalName\nkrbPrincipalName: %s\n' \
  "$TESTBED_OTHER_DN" "$TESTBED_HTTP_PRINCIPAL" | ldap_modify
for source in keytab password; do
  declare -n creds=$source
  checks "${common[@]}" "${creds[@]}"
  expect_rc 1
  is spn-owner status other-account
  is spn-owner krb5_error KRB5KRB_AP_ERR_NOT_US
  has spn-owner details 'Cannot decrypt ticket for HTTP/localhost@EXAMPLE.TEST using keytab key for svc-scep@EXAMPLE.TEST'
  has spn-owner summary "^tickets for HTTP/localhost@EXAMPLE.TEST are encrypted with another account's key, not with svc-scep@EXAMPLE.TEST's"
  has spn-owner fix '^setspn -Q http/localhost shows which account holds the SPN; remove it there with setspn -D http/localhost <DOMAIN>\\<that account> and register it on the service account with setspn -S http/localhost <DOMAIN>\\svc-scep'
  is delegation status not-checked
  no_secret
done

# --- the SPN on no account ---------------------------------------------------------------------
printf 'dn: %s\nchangetype: modify\ndelete: krbPrincipalName\nkrbPrincipalName: %s\n' \
  "$TESTBED_OTHER_DN" "$TESTBED_HTTP_PRINCIPAL" | ldap_modify
checks "${common[@]}" "${keytab[@]}"
expect_rc 1
is spn-owner status missing
is spn-owner krb5_error KRB5KDC_ERR_S_PRINCIPAL_UNKNOWN
has spn-owner fix '^register the SPN on the service account: setspn -S http/localhost <DOMAIN>\\svc-scep$'

# --- the SPN on two accounts --------------------------------------------------------------------
# The directory holds the duplicate, but MIT's LDAP KDB never answers KDC_ERR_PRINCIPAL_NOT_UNIQUE:
# it takes the first entry the LDAP search returns (mdb: the older entry). So the outcome depends
# on which account is older (tests/README.md shows the KDC's answers).
printf 'dn: %s\nchangetype: modify\nadd: krbPrincipalName\nkrbPrincipalName: %s\n' \
  "$TESTBED_SVC_DN" "$TESTBED_HTTP_PRINCIPAL" | ldap_modify
printf 'dn: %s\nchangetype: modify\nadd: krbPrincipalName\nkrbPrincipalName: %s\n' \
  "$TESTBED_OTHER_DN" "$TESTBED_HTTP_PRINCIPAL" | ldap_modify
expect "the directory holds HTTP/localhost on two entries" test "$("$BED/bin/ldap" ldapsearch -LLL \
  -b dc=example,dc=test "(krbPrincipalName=$TESTBED_HTTP_PRINCIPAL)" dn | grep -c '^dn:')" = 2
checks "${common[@]}" "${keytab[@]}" "${alice[@]}"
expect_rc 0 # the service user's entry is the older one: the KDC answers with its key
is spn-owner status this-account
# The service user's entry made anew (same keys), so that the other account's is the older one.
"$BED/bin/ldap" ldapsearch -LLL -b "$TESTBED_SVC_DN" -s base >"$WORK/svc.ldif" 2>>"$WORK/ldap.log"
"$BED/bin/ldap" ldapdelete "$TESTBED_SVC_DN" >>"$WORK/ldap.log" 2>&1
"$BED/bin/ldap" ldapadd -f "$WORK/svc.ldif" >>"$WORK/ldap.log" 2>&1
checks "${common[@]}" "${keytab[@]}"
expect_rc 1
is spn-owner status other-account
has spn-owner fix '^setspn -Q http/localhost shows which account holds the SPN'
printf 'dn: %s\nchangetype: modify\ndelete: krbPrincipalName\nkrbPrincipalName: %s\n' \
  "$TESTBED_OTHER_DN" "$TESTBED_HTTP_PRINCIPAL" | ldap_modify
checks "${common[@]}" "${keytab[@]}" "${alice[@]}"
expect_rc 0 # the duplicate removed: all good again
is delegation status granted

# --- the service user's tickets not forwardable (AD: "Account is sensitive and cannot be delegated")
kadmin "modprinc -allow_forwardable $TESTBED_SVC_PRINCIPAL"
for source in keytab password; do
  declare -n creds=$source
  kdc_log_mark
  checks "${common[@]}" "${creds[@]}"
  expect_rc 1
  is spn-owner status this-account
  is spn-owner forwardable False
  is delegation status not-forwardable
  has delegation summary '^the service user.s ticket for HTTP/localhost@EXAMPLE.TEST is not forwardable, so S4U2Proxy cannot use it'
  has delegation fix "^clear 'Account is sensitive and cannot be delegated' on svc-scep"
  has delegation fix 'kinit -f'
  expect "no S4U2Proxy request was sent" bash -c "! grep -q CONSTRAINED-DELEGATION <<<'$(kdc_log_new)'"
done
kadmin "modprinc +allow_forwardable $TESTBED_SVC_PRINCIPAL"

# --- protocol transition on (ok_to_auth_as_delegate): pass, with the information line ---------
kadmin "modprinc +ok_to_auth_as_delegate $TESTBED_SVC_PRINCIPAL"
checks "${common[@]}" "${keytab[@]}" "${alice[@]}"
expect_rc 0
is spn-owner status this-account
is delegation status granted
is delegation protocol_transition enabled
has delegation information "^protocol transition is also enabled on svc-scep \('Use any authentication protocol': S4U2Self gave a forwardable ticket\); the NDES setup asks for 'Use Kerberos only'$"
kadmin "modprinc -ok_to_auth_as_delegate $TESTBED_SVC_PRINCIPAL"

finish
