#!/usr/bin/env bash
# Hostile servers (issue 7): every fault of the NDES fixture's fault injection against getcacaps,
# getcacert, enroll and renew. Each run must end with the documented exit code and one error line naming
# the cause, leave the output directory exactly as it was (listing, modes, hashes: no key, no
# certificate, no temp file) and show the challenge nowhere, --verbose and --json included.
# Then TLS (a certificate for another name, an untrusted one, --insecure), file modes under
# umask 000, clean-up when writing the results fails, and the directory fsync after each rename.
# Server text with terminal escape sequences is shown escaped; an SSH server on the port is a
# network error, not a bad URL.
# The fault matrix is tests/README.md "Hostile servers".
. "$(dirname "$0")/lib.sh"

data=$FIXTURE_DATA
port=18960
tls_port=18961
base="http://127.0.0.1:$port"
path=/certsrv/mscep/mscep.dll
pin=$FIXTURE_PIN
# A fresh challenge per run: if it shows up in any output, it came from this run.
challenge=$(openssl rand -hex 8 | tr a-f A-F)
printf '%s' "$challenge" >"$WORK/challenge"
# hostile_fixture NAME BASE_URL ARGS...: a fixture that accepts this run's challenge again and again.
hostile_fixture() {
  launch_fixture "$1" "$2" --challenge "$challenge" --reusable-challenge "${@:3}"
}
hostile_fixture plain "$base" --port "$port" || exit 1

# An output directory with a history: files, modes and contents a failed run must not touch.
outdir=$WORK/results
mkdir -p "$outdir/old"
echo "an older bundle" >"$outdir/ca-bundle.pem"
echo "notes" >"$outdir/old/notes.txt"
chmod 640 "$outdir/old/notes.txt"
chmod 750 "$outdir/old"
before=$(snapshot "$outdir")

# after_failure RC CAUSE: the exit code, one error line matching CAUSE, nothing written, no secret.
after_failure() {
  expect_rc "$1"
  expect_one_line_error
  expect_err "^scepctl: error: .*$2"
  expect_unchanged "$outdir" "$before"
  expect "no temp file left" test -z "$(find "$outdir" -name '.*.tmp.*')"
  expect_no_out "$challenge"
  expect_no_err "$challenge"
}
# A short --timeout for "hang" (the test waits for it); the other faults answer at once, and get a
# limit no loaded CI machine reaches, so that only the fault under test can fail them.
limit=20
enroll_in() { # enroll_in URL ARGS...
  local url=$1; shift
  scepctl enroll --url "$url" --ca-fingerprint "$pin" --challenge-file "$WORK/challenge" --subject CN=hostile \
    --out-dir "$outdir" --timeout "$limit" "$@"
}

# The fixture itself works at this URL: a clean enrollment into a scratch directory.
mkdir -p "$WORK/good"
scepctl enroll --url "$base$path" --ca-fingerprint "$pin" --challenge-file "$WORK/challenge" --subject CN=good \
  --out-dir "$WORK/good"
expect_rc 0
expect "good: certificate verifies" openssl verify -CAfile "$data/ca.pem" "$WORK/good/cert.pem"

# The matrix: FAULT OPERATION EXIT CAUSE. The fault is applied to that operation only (the fixture's
# /fault/NAME:OP/ path); enroll's column is its PKIOperation, after GetCACaps and GetCACert went well.
host="127\.0\.0\.1:$port"
# SIGNER stands for the subject of the certificate that signed the request.
matrix=$(cat <<EOF
garbage      getcacaps    97 GetCACaps reply is not a capability list: binary data
cut-off      getcacaps    95 reply from $host was cut off before its announced end
http-500     getcacaps    81 GetCACaps: server answered HTTP 500 Internal Server Error
http-503     getcacaps    81 GetCACaps: server answered HTTP 503 Service Unavailable
hang         getcacaps    89 no complete answer from $host within 1
wrong-type   getcacaps    97 Content-Type 'text/html' for GetCACaps, expected text/plain
endless      getcacaps    97 reply from $host is larger than the limit of 8388608 bytes
garbage      getcacert    97 GetCACert: not a DER PKCS#7/CMS structure
truncated    getcacert    97 GetCACert: not a DER PKCS#7/CMS structure
cut-off      getcacert    95 reply from $host was cut off before its announced end
http-500     getcacert    81 GetCACert: server answered HTTP 500
http-503     getcacert    81 GetCACert: server answered HTTP 503
hang         getcacert    89 no complete answer from $host within 1
wrong-type   getcacert    97 GetCACert: server sent Content-Type 'text/html'.*is the URL the SCEP endpoint
endless      getcacert    97 reply from $host is larger than the limit of 8388608 bytes
wrong-signer pkioperation 97 PKIOperation reply: reply signature does not verify with 'CN=TESTNDES-MSCEP-RA
wrong-nonce  pkioperation 97 recipientNonce does not match the senderNonce we sent
wrong-txid   pkioperation 97 reply is for transaction '[0-9A-F]{64}', not ours
wrong-recipient pkioperation 97 the reply is encrypted to another certificate, not to 'CN=SIGNER' that signed our request
wrong-key-cert pkioperation 97 reply holds no certificate for our key
expired-cert pkioperation 97 the CA issued 'CN=SIGNER' \(serial [0-9A-F]+\) already expired on .*: nothing was written
future-cert  pkioperation 97 not valid before [0-9T:-]+Z, more than 5 minutes from now: nothing was written
garbage      pkioperation 97 PKIOperation reply: reply is not a DER PKCS#7 message
truncated    pkioperation 97 PKIOperation reply: reply is not a DER PKCS#7 message
cut-off      pkioperation 95 reply from $host was cut off before its announced end
http-500     pkioperation 81 PKIOperation: server answered HTTP 500
http-503     pkioperation 81 PKIOperation: server answered HTTP 503
hang         pkioperation 89 no complete answer from $host within 1
wrong-type   pkioperation 97 PKIOperation: server sent Content-Type 'text/html', expected application/x-pki-message
endless      pkioperation 97 reply from $host is larger than the limit of 8388608 bytes
EOF
)
while read -r fault op code cause <&3; do
  [ -n "$fault" ] || continue
  url="$base/fault/$fault:$op$path"
  limit=20
  [ "$fault" = hang ] && limit=1
  case $op in
    getcacaps) scepctl getcacaps --url "$url" --timeout "$limit" ;;
    getcacert) scepctl getcacert --url "$url" --timeout "$limit" --ca-fingerprint "$pin" --out "$outdir/ca.pem" ;;
    pkioperation) enroll_in "$url" ;;
  esac
  current="$fault on $op"
  after_failure "$code" "$cause"
done 3<<<"${matrix//SIGNER/hostile}"

# The fixture really sent a body without end, and scepctl stopped reading it near the 8 MiB cap
# (socket buffers hold a few MiB more), not at the fixture's 1 GiB.
endless_sent=$(grep '"fault": "endless"' "$WORK/state-plain/events.jsonl" | python3 -c '
import json, sys
print(max(json.loads(line)["bytesSent"] for line in sys.stdin))')
current="endless"
expect "scepctl stopped the endless body early (the fixture sent at most $endless_sent bytes)" \
  test "$endless_sent" -gt $((8 * 1024 * 1024)) -a "$endless_sent" -lt $((64 * 1024 * 1024))
# The hang fault held each request until scepctl gave up after its --timeout of 1 s.
expect "hang: scepctl gave up after about 1 s each time" python3 -c '
import json, sys
waits = [json.loads(line)["waited"] for line in open(sys.argv[1]) if "\"hang\"" in line]
sys.exit(0 if len(waits) == 3 and all(0.5 <= w <= 3 for w in waits) else 1)' "$WORK/state-plain/events.jsonl"

# enroll with the fault on every operation it applies to: the first one stops it. GetCACaps errors
# only warn (RFC 8894 §3.5.2: no capabilities), so for 500/503 it is GetCACert that fails.
while read -r fault code cause <&3; do
  [ -n "$fault" ] || continue
  limit=20
  [ "$fault" = hang ] && limit=1
  enroll_in "$base/fault/$fault$path"
  current="$fault on every operation: enroll"
  after_failure "$code" "$cause"
done 3<<EOF
garbage    97 GetCACaps reply is not a capability list
truncated  97 GetCACert: not a DER PKCS#7/CMS structure
cut-off    95 was cut off before its announced end
http-500   81 GetCACert: server answered HTTP 500
http-503   81 GetCACert: server answered HTTP 503
hang       89 no complete answer from $host within 1
wrong-type 97 Content-Type 'text/html' for GetCACaps
endless    97 is larger than the limit of 8388608 bytes
EOF
limit=20
enroll_in "$base/fault/http-500$path"
expect_err 'warning: GetCACaps: server answered HTTP 500.*continuing without capabilities'

# The PKIOperation faults again with --json --verbose: the error object carries the exit code,
# and neither the HTTP trace nor the JSON shows the challenge.
for fault_code in wrong-signer:97 wrong-nonce:97 wrong-txid:97 wrong-recipient:97 wrong-key-cert:97 expired-cert:97 \
  future-cert:97 garbage:97 \
  truncated:97 cut-off:95 http-500:81 http-503:81 wrong-type:97 endless:97; do
  fault=${fault_code%:*} code=${fault_code#*:}
  enroll_in "$base/fault/$fault:pkioperation$path" --json --verbose
  current="$fault, --json --verbose"
  expect_rc "$code"
  expect_json "d['error']['exit_code'] == $code and d['error']['code'] in ('bad_reply', 'verification', 'network', 'http_status')"
  expect_err '^> POST /fault/.*operation=PKIOperation HTTP/1.1'
  expect_unchanged "$outdir" "$before"
  expect_no_out "$challenge"
  expect_no_err "$challenge"
done

# ---- Server text with terminal escape sequences (the fixture's escape-* faults: OSC 0 sets the
# window title, ED clears the screen, SGR, and C1 CSI as one byte): in errors, the --verbose trace
# and results scepctl prints them escaped ("\x1b"), in JSON as \u001b. No control character but
# the line breaks, no C1 control and no byte that is not UTF-8 reaches stdout or stderr.
expect_terminal_safe() {
  local stream
  for stream in out err; do
    if python3 -c '
import re, sys
text = open(sys.argv[1], "rb").read().decode("utf-8", "surrogateescape")
sys.exit(1 if re.search("[\x00-\x09\x0b-\x1f\x7f-\x9f\udc80-\udcff]", text) else 0)' "$WORK/$stream"; then
      pass "$stream: no raw control character"
    else
      fail "$stream holds a raw control character: $(cat -v "$WORK/$stream" | grep -m1 -e '\^\[' -e 'M-' | cut -c1-120)"
    fi
  done
}
escaped='\\x1b\]0;scepctl-owned\\x07\\x1b\[2J\\x1b\[31m'
admin_path=/certsrv/mscep_admin/
# KIND FAULT:OP EXIT CAUSE (KIND: the command; the fault applies to that operation only)
while read -r kind fault code cause <&3; do
  [ -n "$kind" ] || continue
  for mode in plain verbose json; do
    case $mode in
      plain) extra=() ;;
      verbose) extra=(--verbose) ;;
      json) extra=(--json --verbose) ;;
    esac
    case $kind in
      getcacaps) scepctl getcacaps --url "$base/fault/$fault$path" "${extra[@]}" ;;
      getcacert) scepctl getcacert --url "$base/fault/$fault$path" --ca-fingerprint "$pin" --out "$outdir/ca.pem" "${extra[@]}" ;;
      enroll) enroll_in "$base/fault/$fault$path" "${extra[@]}" ;;
      getchallenge) scepctl getchallenge --challenge-url "$base/fault/$fault$admin_path" "${extra[@]}" ;;
    esac
    current="$fault ($kind, $mode)"
    expect_rc "$code"
    expect_terminal_safe
    if [ "$code" != 0 ]; then
      expect_one_line_error
      expect_err "^scepctl: error: .*$cause"
      expect_unchanged "$outdir" "$before"
    fi
    [ "$mode" != json ] || expect_json "d.get('error', {}).get('exit_code', 0) == $code"
    [ "$mode" = plain ] || [ "$fault" != escape-header:getcacaps ] || expect_err "^< X-Fixture-Note: $escaped\\\\x9b2J$"
  done
done 3<<EOF2
getcacaps    escape-location:getcacaps     81 server answered HTTP 302 redirecting to http://127\.0\.0\.1/moved/$escaped\\\\x9b2J: use that URL
getcacaps    escape-header:getcacaps       0  -
getcacert    escape-type:getcacert         97 GetCACert: server sent Content-Type 'application/x-x509-ca-ra-cert$escaped\\\\x9b2J'
enroll       escape-location:pkioperation  81 redirecting to http://127\.0\.0\.1/moved/$escaped
enroll       escape-text:pkioperation      72 badRequest \("request refused $escaped\\\\xc2\\\\x9b2Jby the fixture
getchallenge escape-auth:admin             80 requires authentication \(offers: negotiate, \\\\x1b\]0;scepctl-owned\\\\x07
getchallenge escape-location:admin         81 redirecting to http://127\.0\.0\.1/moved/$escaped
getchallenge escape-text:admin             82 not understood \(title: 'Server Error \?\]0;scepctl-owned\?
EOF2

# ---- A reply that is not HTTP: an SSH server on the port (it sends its banner as soon as a client
# connects). libcurl reads the banner as an HTTP/0.9 reply and refuses it; that is a network error
# (95, like the failed TLS handshake an https URL to that port gets), not a bad URL (64). A URL
# that does not parse is still 64, found before any request.
ssh_port=18966
"$TB" python3 -c '
import socket, sys, threading
server = socket.socket()
server.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
server.bind(("127.0.0.1", int(sys.argv[1])))
server.listen(16)
def serve(conn):
    with conn:
        conn.sendall(b"SSH-2.0-OpenSSH_9.2p1 Debian-2+deb12u3\r\n")
        conn.settimeout(5)
        try:
            conn.recv(65536)  # what the client sends; then SSH would want its banner
        except OSError:
            pass
while True:
    conn, _ = server.accept()
    threading.Thread(target=serve, args=(conn,), daemon=True).start()' "$ssh_port" &
ssh_pid=$!
for _ in $(seq 100); do "$TB" bash -c "exec 3<>/dev/tcp/127.0.0.1/$ssh_port" 2>/dev/null && break; sleep 0.05; done
ssh_url="http://127.0.0.1:$ssh_port$path"
scepctl getcacaps --url "$ssh_url"
current="SSH banner: getcacaps"
after_failure 95 "127\.0\.0\.1:$ssh_port did not answer with HTTP \(Received HTTP/0\.9 when not allowed\): is another service \(SSH, SMTP, \.\.\.\) on that port\? Check the port in the URL"
expect_no_out .
enroll_in "$ssh_url"
current="SSH banner: enroll"
after_failure 95 "did not answer with HTTP"
scepctl getcacert --url "$ssh_url" --ca-fingerprint "$pin" --out "$outdir/ca.pem" --json
current="SSH banner: getcacert --json"
after_failure 95 "did not answer with HTTP"
expect_json "d['error']['exit_code'] == 95 and d['error']['code'] == 'network'"
scepctl getcacaps --url "https://127.0.0.1:$ssh_port$path"
current="SSH banner: https"
after_failure 95 "TLS handshake with 127\.0\.0\.1:$ssh_port failed"
scepctl getchallenge --challenge-url "http://127.0.0.1:$ssh_port/certsrv/mscep_admin/"
current="SSH banner: getchallenge"
after_failure 95 "did not answer with HTTP"
kill "$ssh_pid" 2>/dev/null; wait "$ssh_pid" 2>/dev/null
# A malformed URL is still a usage error, and nothing is sent.
for bad in 'http://[::1/certsrv/mscep/mscep.dll' 'http://exa mple.test/certsrv/mscep/mscep.dll' 'http://127.0.0.1:99999/x'; do
  scepctl getcacaps --url "$bad"
  current="malformed URL '$bad'"
  after_failure 64 "is not a valid http or https URL"
done

# ---- renew: the matrix's PKIOperation faults (and two on GetCACert) leave the pair it renews
# exactly as it was (no new key, no .bak, no journal or lock left), with the same one-line errors.
mkdir -p "$WORK/renewing"
scepctl enroll --url "$base$path" --ca-fingerprint "$pin" --challenge-file "$WORK/challenge" --subject CN=renewing \
  --out-dir "$WORK/renewing"
expect_rc 0
renew_before=$(snapshot "$WORK/renewing")
while read -r fault op code cause <&3; do
  [ -n "$fault" ] || continue
  limit=20
  [ "$fault" = hang ] && limit=1
  scepctl renew --url "$base/fault/$fault:$op$path" --ca-fingerprint "$pin" --out-dir "$WORK/renewing" \
    --timeout "$limit"
  current="$fault on $op: renew"
  expect_rc "$code"
  expect_one_line_error
  expect_err "^scepctl: error: .*$cause"
  expect_unchanged "$WORK/renewing" "$renew_before"
  expect_no_out "$challenge"
  expect_no_err "$challenge"
done 3< <(grep -E '^((garbage|http-503) +getcacert|[a-z-]+ +pkioperation) ' <<<"${matrix//SIGNER/renewing}")
# The same renewal without a fault works: the faults, not the setup, made those runs fail.
scepctl renew --url "$base$path" --ca-fingerprint "$pin" --out-dir "$WORK/renewing"
current="renew without a fault"
expect_rc 0
expect "renewed: a new certificate that verifies" openssl verify -CAfile "$data/ca.pem" "$WORK/renewing/cert.pem"

# ---- TLS: a certificate for another name, an untrusted one, --insecure
tls=$WORK/tls
mkdir -p "$tls"
(cd "$tls" &&
  openssl req -x509 -newkey rsa:2048 -nodes -keyout ca.key -out ca.pem -days 2 -subj "/CN=hostile test TLS CA" \
    -addext basicConstraints=critical,CA:TRUE -addext keyUsage=critical,keyCertSign &&
  openssl req -new -newkey rsa:2048 -nodes -keyout server.key -out server.csr -subj "/CN=scep.wrong.example.test" &&
  printf 'subjectAltName=DNS:scep.wrong.example.test\nextendedKeyUsage=serverAuth\n' >server.ext &&
  openssl x509 -req -in server.csr -CA ca.pem -CAkey ca.key -set_serial 0x7e57 -days 2 -extfile server.ext \
    -out server.pem) >"$WORK/tls.log" 2>&1 || { echo "openssl failed:"; cat "$WORK/tls.log"; exit 1; }
tls_url="https://127.0.0.1:$tls_port$path"
hostile_fixture tls "https://127.0.0.1:$tls_port" --port "$tls_port" --tls-cert "$tls/server.pem" \
  --tls-key "$tls/server.key" || exit 1

scepctl getcacaps --url "$tls_url" --cacert "$tls/ca.pem"
current="TLS, certificate for another name"
after_failure 95 "TLS: the certificate of 127\.0\.0\.1:$tls_port is issued for another name \(.*'127\.0\.0\.1'\); use a host name in --url"
enroll_in "$tls_url" --cacert "$tls/ca.pem"
after_failure 95 'is issued for another name'

scepctl getcacaps --url "$tls_url"
current="TLS, untrusted certificate"
after_failure 95 "TLS: the certificate of 127\.0\.0\.1:$tls_port is not trusted \(.*\); pass its issuing CA with --cacert FILE"
enroll_in "$tls_url"
after_failure 95 'is not trusted'

scepctl getcacaps --url "$tls_url" --insecure
expect_rc 0
expect_err '^scepctl: warning: --insecure: the server.s TLS certificate is not verified'
expect_out '^POSTPKIOperation$'

# ---- Files: modes under umask 000; a failed write leaves nothing behind; fsync after rename
umask_enroll() { # umask_enroll NAME ARGS...: enroll into $WORK/NAME under umask 000
  local name=$1; shift
  mkdir -p "$WORK/$name"
  run "enroll under umask 000 ($name)" bash -c 'umask 000 && exec "$@"' _ "$SCEPCTL" enroll --url "$base$path" \
    --ca-fingerprint "$pin" --challenge-file "$WORK/challenge" --subject "CN=$name" --out-dir "$WORK/$name" "$@"
  expect_rc 0
}
umask_enroll umask-pem
expect "key.pem 0600, cert.pem and chain.pem 0644 under umask 000" test \
  "$(stat -c '%n %a' "$WORK/umask-pem"/* | sed 's|.*/||' | tr '\n' ' ')" = "cert.pem 644 chain.pem 644 key.pem 600 "
umask_enroll umask-der --format der
expect "key.der 0600 under umask 000" test "$(stat -c %a "$WORK/umask-der/key.der")" = 600
printf 'p12-pass-hostile' >"$WORK/p12pass"
umask_enroll umask-p12 --format p12 --p12-pass-file "$WORK/p12pass"
expect "bundle.p12 0600 under umask 000" test "$(stat -c %a "$WORK/umask-p12/bundle.p12")" = 600

# Writing the results fails after a good enrollment (a chain file name too long for its temp
# file): exit 93, and the key and certificate already staged are removed again.
long_name=$(printf 'c%.0s' $(seq 250))
enroll_in "$base$path" --chain-out "$outdir/$long_name"
current="write failure after enrollment"
after_failure 93 "cannot create a temporary file in '$outdir'"

# Every rename of a result file is followed by an fsync of its directory (strace -y names the fds:
# the rename is relative to the directory's descriptor, renameat2(TEMPDIR_FD, "NAME", DIR_FD, "NAME")).
# LeakSanitizer cannot work under ptrace; the other runs check for leaks in a sanitizer build.
mkdir -p "$WORK/synced"
run "enroll under strace" env ASAN_OPTIONS=detect_leaks=0 strace -f -y -qq -e trace=rename,renameat,renameat2,fsync -o "$WORK/strace.log" \
  "$SCEPCTL" enroll --url "$base$path" --ca-fingerprint "$pin" --challenge-file "$WORK/challenge" --subject CN=synced \
  --out-dir "$WORK/synced"
expect_rc 0
expect "strace: three renames into the directory, each followed by an fsync of it" python3 -c '
import re, sys
log, d = open(sys.argv[1]).read().splitlines(), sys.argv[2]
renames = [i for i, l in enumerate(log) if re.search(r"rename\w*\(.*<%s>, \"\w+\.pem\"" % re.escape(d), l) and l.endswith("= 0")]
synced = [i for i, l in enumerate(log) if re.search(r"fsync\(\d+<%s>\) = 0" % re.escape(d), l)]
sys.exit(0 if len(renames) == 3 and all(any(s > r for s in synced) for r in renames) else 1)' "$WORK/strace.log" "$WORK/synced"

stop_fixture
finish
