#!/usr/bin/env bash
# scepctl getcacaps against the real scepserver: direct, through Apache over http and https.
. "$(dirname "$0")/lib.sh"

expected_caps=$("$TB" curl -sS "$TESTBED_SCEP_DIRECT_URL?operation=GetCACaps" | tr -d '\r')

scepctl getcacaps --url "$TESTBED_SCEP_DIRECT_URL"
expect_rc 0
expect "stdout equals the caps curl received" test "$out" = "$expected_caps"
expect_out '^SCEPStandard$'
expect_out '^POSTPKIOperation$'

# Global options after the subcommand, as well as before it.
scepctl --url "$TESTBED_SCEP_URL" getcacaps
expect_rc 0
expect "through Apache: same caps" test "$out" = "$expected_caps"

scepctl getcacaps --url "$TESTBED_SCEP_URL_TLS" --cacert "$TESTBED_TLS_CA"
expect_rc 0
expect "over https: same caps" test "$out" = "$expected_caps"

scepctl getcacaps --url "$TESTBED_SCEP_URL" --json
expect_rc 0
expect_json 'd["command"] == "getcacaps" and d["http_status"] == 200'
expect_json '"SCEPStandard" in d["capabilities"] and "AES" in d["effective"] and d["unknown"] == []'

# TLS verification is on by default: the bed's CA is not in the system store.
scepctl getcacaps --url "$TESTBED_SCEP_URL_TLS"
expect_rc 95
expect_one_line_error
expect_err 'not trusted.*--cacert'

scepctl getcacaps --url "$TESTBED_SCEP_URL_TLS" --insecure
expect_rc 0
expect_err 'warning: --insecure'

# Wrong path: an HTTP error must not look like "no capabilities".
scepctl getcacaps --url "http://localhost:$TESTBED_HTTP_PORT/certsrv/nosuch/mscep.dll"
expect_rc 81
expect_one_line_error
expect_err 'HTTP 404'

# Nothing listens there.
scepctl getcacaps --url "http://127.0.0.1:1/scep"
expect_rc 95
expect_one_line_error
expect_err 'cannot connect to 127.0.0.1:1'

# A server that accepts connections and never answers: the timeout is honoured and reported.
"$TB" python3 -c '
import socket
s = socket.socket(); s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
s.bind(("127.0.0.1", 18999)); s.listen(8)
held = []
while True:
    held.append(s.accept()[0])' &
silent_pid=$!
for _ in $(seq 100); do "$TB" bash -c 'exec 3<>/dev/tcp/127.0.0.1/18999' 2>/dev/null && break; sleep 0.05; done
start=$(date +%s%N)
scepctl getcacaps --url "http://127.0.0.1:18999/scep" --timeout 1
elapsed_ms=$(( ($(date +%s%N) - start) / 1000000 ))
kill "$silent_pid" 2>/dev/null; wait "$silent_pid" 2>/dev/null
expect_rc 89
expect_one_line_error
expect_err 'within 1'
expect "gave up after about 1 s (took ${elapsed_ms} ms)" test "$elapsed_ms" -lt 5000

# --verbose traces the request on stderr.
scepctl getcacaps --url "$TESTBED_SCEP_URL" --verbose
expect_rc 0
expect_err '^> GET /certsrv/mscep/mscep.dll\?operation=GetCACaps HTTP/1.1'
expect_err '^< HTTP/1.1 200'
expect_err '^> User-Agent: scepctl/[0-9]'
expect "stdout unchanged by --verbose" test "$out" = "$expected_caps"

# A proxy from --proxy or from the environment is used (here one that is not there).
scepctl getcacaps --url "$TESTBED_SCEP_URL" --proxy http://127.0.0.1:1
expect_rc 95
expect_one_line_error
expect_err 'cannot connect to localhost:[0-9]+ through proxy http://127.0.0.1:1'
run "http_proxy=... scepctl getcacaps" env http_proxy=http://127.0.0.1:1 "$SCEPCTL" getcacaps --url "$TESTBED_SCEP_URL"
expect_rc 95
expect_err 'through proxy http://127.0.0.1:1'

# A profile whose Kerberos keytab does not exist: getcacaps needs no Kerberos, so it works (issue
# 17: it refused to run). A subcommand that does need the keytab names it.
mkdir -p "$WORK/etc"
cat >"$WORK/etc/nokeytab.toml" <<EOF
[kerberos]
realm = "EXAMPLE.TEST"
service_user = "svc-scep@EXAMPLE.TEST"
keytab = "$WORK/etc/missing.keytab"

[ca.bed]
scep_url = "$TESTBED_SCEP_URL"
challenge_url = "$TESTBED_ADMIN_URL_TLS"
prefer_kerberos = true

[profile.device]
ca = "bed"
EOF
scepctl getcacaps --config "$WORK/etc/nokeytab.toml" --profile device
expect_rc 0
expect "profile without its keytab: the caps are listed" test "$out" = "$expected_caps"
scepctl getchallenge --config "$WORK/etc/nokeytab.toml" --profile device
expect_rc 78
expect_one_line_error
expect_err "kerberos.keytab: secret file $WORK/etc/missing.keytab does not exist"

# --quiet: nothing on stderr for a successful run.
scepctl getcacaps --url "$TESTBED_SCEP_URL" --quiet
expect_rc 0
expect "no stderr with --quiet" test -z "$err"

finish
