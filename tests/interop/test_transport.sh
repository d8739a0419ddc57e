#!/usr/bin/env bash
# What the full NDES flow costs on the wire, counted (issue 22): one connection for the admin page
# and mscep.dll on the same scheme, host and port (Apache's access log: the client port of each
# request, field 2), the Negotiate token on the admin page's request only, the KDC exchanges
# (krb5's trace: two with a keytab, three with a password); and a PKIOperation never sent twice when a
# kept-alive connection closes before the answer (NDES fixture fault close-kept-alive).
. "$(dirname "$0")/lib.sh"

FIXTURE_PORT=18975
krb=(--kerberos --service-user "$TESTBED_SVC_PRINCIPAL" --allowed-domain localhost)
pin="sha256:$TESTBED_CA_SHA256"
access=$TESTBED_DIR/log/apache-access.log

# ndes_flow NAME SCEP_URL ADMIN_URL ARGS...: enroll with a challenge from the admin page; the URLs
# carry a marker so that this run's lines in the shared access log can be told apart; krb5's
# trace goes to $WORK/NAME.krb5 (read here, never kept: it names keys).
ndes_flow() {
  local name=$1 scep=$2 admin=$3
  shift 3
  marker="transport-$name-$$"
  run "enroll $name" env KRB5_TRACE="$WORK/$name.krb5" "$SCEPCTL" enroll --url "$scep?run=$marker" \
    --challenge-url "$admin?run=$marker" "${krb[@]}" --ca-fingerprint "$pin" --subject "CN=$name" \
    --out-dir "$WORK/$name" --verbose "$@"
  lines=$(grep -F "run=$marker" "$access")
}
# count_is WHAT EXPECTED ACTUAL
count_is() { expect "$1: $2 (counted $3)" test "$3" = "$2"; }
# The requests the trace shows with an Authorization: Negotiate header (their request lines).
negotiate_requests() { awk '/^> (GET|POST) /{request=$0} /^> Authorization: Negotiate/{print request}' <<<"$err"; }
flow_counts() { # NAME KDC_EXCHANGES: the counts of a full NDES flow
  expect_rc 0
  count_is "$1: requests (GetCACaps, GetCACert, admin page, PKIOperation)" 4 "$(wc -l <<<"$lines")"
  count_is "$1: connections (distinct client ports)" 1 \
    "$(awk '{print $2}' <<<"$lines" | sort -u | wc -l)"
  count_is "$1: the admin page's requests: one, with the token at once (no 401 first)" "200" \
    "$(grep mscep_admin <<<"$lines" | awk '{print $10}' | xargs)"
  count_is "$1: requests with a Negotiate token" 1 "$(negotiate_requests | wc -l)"
  expect "$1: the token went to the admin page only" test -z "$(negotiate_requests | grep -v mscep_admin)"
  count_is "$1: KDC exchanges" "$2" "$(grep -c 'Sending request (' "$WORK/$1.krb5")"
}

# Keytab over https: one connection, four requests, two KDC exchanges (AS with pre-authentication
# in the first request: the keytab holds the key; TGS).
ndes_flow keytab-https "$TESTBED_SCEP_URL_TLS" "$TESTBED_ADMIN_URL_TLS" --keytab "$TESTBED_SVC_KEYTAB" \
  --cacert "$TESTBED_TLS_CA"
flow_counts keytab-https 2
expect_err 'challenge fetched from localhost with Negotiate \(Kerberos\)'
# Password over http: three KDC exchanges, as a password's key needs the salt that only the KDC's
# PREAUTH_REQUIRED answer names (AS without, AS with pre-authentication, TGS).
ndes_flow password-http "$TESTBED_SCEP_URL" "$TESTBED_ADMIN_URL" --password-file "$TESTBED_SVC_PASSWORD_FILE" \
  --allow-insecure-auth
flow_counts password-http 3

# The admin page on another port (https) than mscep.dll (http): two connections, and the token
# still goes to the admin page only.
ndes_flow two-ports "$TESTBED_SCEP_URL" "$TESTBED_ADMIN_URL_TLS" --keytab "$TESTBED_SVC_KEYTAB" \
  --cacert "$TESTBED_TLS_CA"
expect_rc 0
count_is "two ports: connections" 2 "$(awk '{print $2}' <<<"$lines" | sort -u | wc -l)"
expect "two ports: the token went to the admin page only" test -z "$(negotiate_requests | grep -v mscep_admin)"

# A kept-alive connection closed as the PKIOperation arrives (after GetCACaps and GetCACert on it):
# libcurl would send the request again on a new connection, presenting the one-time challenge a
# second time. scepctl stops that copy: the fixture gets one PKIOperation, the outcome is a clear
# error (exit 95, network) that says the request was not sent again.
# An existing key: nothing slow between GetCACert and the PKIOperation, whose connection is
# reused only when it was idle for less than a second (after that a new one is made).
printf '8CE317021F690069\n' >"$WORK/challenges.txt"
openssl genpkey -algorithm RSA -pkeyopt rsa_keygen_bits:2048 -out "$WORK/once.key" 2>/dev/null
pkioperations() { grep -c '"operation": "PKIOperation"' "$state/events.jsonl"; }
for method in post get; do
  start_fixture "close-kept-alive-$method" --fault close-kept-alive --challenge-file "$WORK/challenges.txt"
  scepctl enroll --url "$FIXTURE_URL" --ca-fingerprint "$FIXTURE_PIN" --challenge-file "$WORK/challenges.txt" \
    --key "$WORK/once.key" --subject "CN=once-$method" --out-dir "$WORK/once-$method" --method "$method"
  expect_rc 95
  expect_one_line_error
  expect_err 'closed the connection without answering, after the request was sent: it was not sent again'
  count_is "$method: PKIOperations the fixture received" 1 "$(pkioperations)"
  expect "$method: the fixture closed the kept-alive connection" \
    grep -q 'kept-alive connection closed without an answer' "$state/events.jsonl"
  expect "$method: nothing was written" test -z "$(ls -A "$WORK/once-$method" 2>/dev/null)"
done
stop_fixture

finish
