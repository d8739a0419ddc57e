#!/bin/bash
# selftest.sh: start a throwaway test bed, check it end to end from inside its namespace, stop
# it, and prove nothing is left running. Last line: "N passed, N failed"; exit 1 on any failure.
# The temporary DIR is removed after a clean run and kept (path printed) otherwise.
# shellcheck disable=SC2317  # the check functions are called indirectly, through check()
set -eu

here=$(cd "$(dirname "$0")" && pwd -P)
pass=0
fail=0
check() {   # check DESC CMD...: run CMD, count and print the result
    local desc=$1
    shift
    if "$@"; then
        pass=$((pass + 1))
        echo "ok   - $desc"
    else
        fail=$((fail + 1))
        echo "FAIL - $desc"
    fi
}

DIR=$(mktemp -d /tmp/scepctl-testbed.XXXXXX)
chmod 755 "$DIR"
# Never use (or overwrite) the caller's credentials cache.
export KRB5CCNAME=FILE:$DIR/client/ccache

# Print the summary as the last line and exit; keep DIR for inspection unless all passed.
finished=0
finish() {
    finished=1
    if [ $fail -eq 0 ]; then
        rm -rf "$DIR"
    else
        echo "test bed directory kept: $DIR"
    fi
    echo "$pass passed, $fail failed"
    exit $((fail > 0))
}
bed_up=0
on_exit() {
    local rc=$?
    [ "$finished" = 1 ] && return
    # aborted by a signal or an unexpected error: stop the bed, still end with the summary
    [ "$bed_up" = 1 ] && { "$here/down.sh" "$DIR" >/dev/null 2>&1 || true; }
    echo "selftest: aborted (exit $rc)"
    fail=$((fail + 1))
    finish
}
trap on_exit EXIT
trap 'exit 130' INT TERM

bed_up=1
check "up.sh starts the test bed" "$here/up.sh" "$DIR"
# up.sh stops what it started when it fails; nothing else can be checked then
[ $fail -eq 0 ] || { bed_up=0; finish; }
# shellcheck source=/dev/null
. "$DIR/env.sh"
tb=$DIR/bin/tb

env_complete() {
    local v
    for v in TESTBED_DIR TESTBED_REALM TESTBED_KDC TESTBED_SVC_PRINCIPAL TESTBED_SVC_KEYTAB \
             TESTBED_SVC_PASSWORD_FILE TESTBED_HTTP_PRINCIPAL TESTBED_HTTP_KEYTAB TESTBED_CHALLENGE \
             TESTBED_CHALLENGE_FILE TESTBED_SCEP_CA TESTBED_SCEP_DIRECT_URL TESTBED_SCEP_URL \
             TESTBED_SCEP_URL_TLS TESTBED_ADMIN_URL TESTBED_ADMIN_URL_TLS TESTBED_TLS_CA \
             TESTBED_CA_SHA256 TESTBED_CA_SHA1 TESTBED_CA_MD5 KRB5_CONFIG KRB5_KDC_PROFILE KRB5CCNAME \
             TESTBED_KDB; do
        [ -n "${!v:-}" ] || { echo "  $v is not set" >&2; return 1; }
    done
}
check "env.sh exports every TESTBED_* and KRB5_* variable" env_complete
secrets_ok() {
    [ "$(stat -c %a "$TESTBED_SVC_PASSWORD_FILE")" = 600 ] &&
    [ "$(stat -c %a "$TESTBED_CHALLENGE_FILE")" = 600 ] &&
    [ "$(cat "$TESTBED_CHALLENGE_FILE")" = "$TESTBED_CHALLENGE" ] &&
    [ "$(stat -c %U:%G:%a "$TESTBED_HTTP_KEYTAB")" = root:www-data:640 ] &&
    ! grep -qF "$(cat "$TESTBED_SVC_PASSWORD_FILE")" "$DIR/env.sh"
}
check "password/challenge files 0600, HTTP keytab root:www-data 0640, no password in env.sh" secrets_ok
isolated() {
    local ns
    ns=$(cat "$DIR/run/netns.id")
    [ "$ns" != "$(readlink /proc/self/ns/net)" ] &&
    [ "$(readlink "/proc/$(cat "$DIR/run/scepserver.pid")/ns/net")" = "$ns" ] &&
    [ "$("$tb" ip -o link show | wc -l)" = 1 ]   # only lo
}
check "servers run in a namespace of their own that has only lo" isolated

caps_standard() { "$tb" curl -fsS "$1?operation=GetCACaps" | grep -qx SCEPStandard; }
check "GetCACaps direct lists SCEPStandard" caps_standard "$TESTBED_SCEP_DIRECT_URL"
check "GetCACaps through Apache lists SCEPStandard" caps_standard "$TESTBED_SCEP_URL"

cacert_ok() {   # $1 = output file, then extra curl options; the DER must be the SCEP CA
    local out=$DIR/client/$1
    shift
    "$tb" curl -fsS -o "$out" "$@" &&
    openssl x509 -inform DER -in "$out" -noout &&
    [ "$(sha256sum <"$out" | cut -d' ' -f1)" = "$TESTBED_CA_SHA256" ]
}
check "GetCACert through Apache: DER, SHA-256 = TESTBED_CA_SHA256" \
    cacert_ok cacert-http.der "$TESTBED_SCEP_URL?operation=GetCACert"
check "GetCACert over HTTPS (--cacert TLS CA): DER, SHA-256 = TESTBED_CA_SHA256" \
    cacert_ok cacert-https.der --cacert "$TESTBED_TLS_CA" "$TESTBED_SCEP_URL_TLS?operation=GetCACert"

status() { "$tb" curl -sS -o "$DIR/client/page" -D "$DIR/client/headers" -w '%{http_code}' "$@"; }
no_ticket_401() {
    "$tb" kdestroy -q 2>/dev/null || true
    [ "$(status --negotiate -u : "$TESTBED_ADMIN_URL")" = 401 ]
}
check "admin page without a ticket: 401" no_ticket_401

page_text() { iconv -f UTF-16 -t UTF-8 "$DIR/client/page"; }
negotiate_200() {
    "$tb" kinit -k -t "$TESTBED_SVC_KEYTAB" "$TESTBED_SVC_PRINCIPAL" &&
    [ "$(status --negotiate -u : "$TESTBED_ADMIN_URL")" = 200 ] &&
    grep -qi '^content-type: text/html; charset=utf-16' "$DIR/client/headers" &&
    [ "$(head -c 2 "$DIR/client/page" | od -An -tx1 | tr -d ' ')" = fffe ] &&
    page_text | grep -qF "The enrollment challenge password is: <B> $TESTBED_CHALLENGE </B>"
}
check "kinit -k + Negotiate: 200, UTF-16LE+BOM page with the challenge" negotiate_200
thumbprint_first() {
    # NDES order: the MD5 thumbprint of the CA (as GetCACert returned it) before the challenge
    local expected
    expected=$(md5sum <"$DIR/client/cacert-http.der" | cut -d' ' -f1 | tr a-f A-F | sed 's/.\{8\}/& /g; s/ $//')
    page_text | grep -qF "for the CA certificate is: <B> $expected </B> <P> The enrollment challenge password is:"
}
check "admin page shows the MD5 thumbprint of GetCACert's CA before the challenge" thumbprint_first
negotiate_tls_200() { [ "$(status --cacert "$TESTBED_TLS_CA" --negotiate -u : "$TESTBED_ADMIN_URL_TLS")" = 200 ]; }
check "Negotiate over HTTPS: 200" negotiate_tls_200

# TESTBED_KDB=ldap: the AD-like directory, checked with MIT's own tools (kvno, kinit, klist) and
# the KDC's log, before anything of ours relies on it.
if [ "$TESTBED_KDB" = ldap ]; then
    ldap_isolated() {
        [ "$(readlink "/proc/$(cat "$DIR/run/slapd.pid")/ns/net")" = "$(cat "$DIR/run/netns.id")" ] &&
        [ "$(stat -c %a "$TESTBED_LDAP_PASSWORD_FILE")" = 600 ] &&
        [ "$(stat -c %a "$DIR/etc/slapd.conf")" = 600 ] &&
        "$tb" ss -lnt | grep -q "127.0.0.1:$TESTBED_LDAP_PORT "
    }
    check "slapd runs in the bed on 127.0.0.1:$TESTBED_LDAP_PORT; its password and config are 0600" ldap_isolated
    alias_in_directory() {
        "$DIR/bin/ldap" ldapsearch -LLL -o ldif-wrap=no -b "$TESTBED_SVC_DN" -s base krbPrincipalName \
            krbAllowedToDelegateTo >"$DIR/client/svc.ldif" &&
        grep -qx "krbPrincipalName: $TESTBED_HTTP_PRINCIPAL" "$DIR/client/svc.ldif" &&
        grep -qx "krbAllowedToDelegateTo: $TESTBED_DELEGATE_TO" "$DIR/client/svc.ldif"
    }
    check "the service user's entry holds the SPN alias and krbAllowedToDelegateTo" alias_in_directory
    kdc_log_mark() { mark=$(wc -l <"$DIR/log/krb5kdc.log"); }
    kdc_log_new() { tail -n +"$((mark + 1))" "$DIR/log/krb5kdc.log" | grep -q "$1"; }
    svc_tgt() { "$tb" kdestroy -q 2>/dev/null || true; "$tb" kinit -f "$TESTBED_SVC_PRINCIPAL" <"$TESTBED_SVC_PASSWORD_FILE" >/dev/null; }
    one_key() {   # a ticket for HTTP/localhost decrypts with the service user's own keytab
        svc_tgt && "$tb" kvno -k "$TESTBED_SVC_KEYTAB" "$TESTBED_HTTP_PRINCIPAL" | grep -q 'keytab entry valid'
    }
    check "kvno -k svc-scep.keytab HTTP/localhost: the SPN's ticket is in the service user's key" one_key
    kerberos_only() {   # S4U2Self gives no forwardable ticket, so S4U2Proxy after it is refused
        svc_tgt && kdc_log_mark && ! "$tb" kvno -U "${TESTBED_USER_PRINCIPAL%@*}" -P "$TESTBED_DELEGATE_TO" >/dev/null 2>&1 &&
        kdc_log_new EVIDENCE_TKT_NOT_FORWARDABLE
    }
    check "Kerberos only: kvno -U alice -P HTTP/localhost refused (KDC: EVIDENCE_TKT_NOT_FORWARDABLE)" kerberos_only
    "$DIR/bin/kadmin" -q "modprinc +ok_to_auth_as_delegate $TESTBED_SVC_PRINCIPAL" >/dev/null 2>&1
    transition() {
        svc_tgt && kdc_log_mark && "$tb" kvno -U "${TESTBED_USER_PRINCIPAL%@*}" -P "$TESTBED_DELEGATE_TO" >/dev/null &&
        "$tb" klist -f | grep -A1 "^.* $TESTBED_DELEGATE_TO\$" | grep -q "for client $TESTBED_USER_PRINCIPAL" &&
        kdc_log_new 'CONSTRAINED-DELEGATION s4u-client=alice@'
    }
    check "ok_to_auth_as_delegate: kvno -U alice -P HTTP/localhost granted (KDC: CONSTRAINED-DELEGATION)" transition
    printf 'dn: %s\nchangetype: modify\ndelete: krbAllowedToDelegateTo\n' "$TESTBED_SVC_DN" |
        "$DIR/bin/ldap" ldapmodify >/dev/null
    no_target() {
        svc_tgt && kdc_log_mark && ! "$tb" kvno -U "${TESTBED_USER_PRINCIPAL%@*}" -P "$TESTBED_DELEGATE_TO" >/dev/null 2>&1 &&
        kdc_log_new 'KDC can.t fulfill requested option'
    }
    check "krbAllowedToDelegateTo removed: the same request refused (KDC: BADOPTION)" no_target
    user_kinit() { "$tb" kinit -c "FILE:$DIR/client/alice" "$TESTBED_USER_PRINCIPAL" <"$TESTBED_USER_PASSWORD_FILE" >/dev/null; }
    check "alice gets a TGT with her password" user_kinit
fi

# Remember what ran, stop the bed, then prove none of it is left.
pids=$(cat "$DIR"/run/*.pid 2>/dev/null || true)
ns=$(cat "$DIR/run/netns.id" 2>/dev/null || true)
check "down.sh stops the test bed" "$here/down.sh" "$DIR"
bed_up=0
nothing_left() {
    local pid state
    for pid in $pids; do
        # a stopped process may linger as a zombie until init reaps it; that is not running
        state=$(sed 's/.*) //' "/proc/$pid/stat" 2>/dev/null | cut -d' ' -f1)
        [ -z "$state" ] || [ "$state" = Z ] || { echo "  pid $pid still running" >&2; return 1; }
    done
    ! stat -L -c '%i' /proc/[0-9]*/ns/net 2>/dev/null | grep -qx "$(echo "$ns" | tr -dc 0-9)"
}
check "no recorded pid and no process in the namespace left" nothing_left

finish
