# Assertions for interop tests. Source it, use `run` and the expect_* helpers, end with `finish`.
# Each failed expectation is reported with the command's output; the last line is
# "N passed, N failed" and the exit status is non-zero when anything failed.
set -u
: "${SCEPCTL:?SCEPCTL must point at the scepctl binary}"
: "${TESTBED_DIR:?TESTBED_DIR must point at a running test bed}"
# shellcheck source=/dev/null
. "$TESTBED_DIR/env.sh"
# The bed's network has no proxy; a proxy from the environment would break every request.
unset http_proxy https_proxy HTTP_PROXY HTTPS_PROXY ALL_PROXY all_proxy no_proxy NO_PROXY

TB="$TESTBED_DIR/bin/tb"
WORK=$(mktemp -d "${TMPDIR:-/tmp}/scepctl-interop-XXXXXX")
trap 'stop_fixture; rm -rf "$WORK"' EXIT
passed=0 failed=0 current=""

# run NAME CMD...: runs CMD inside the bed, capturing $out, $err and $rc.
run() {
  current=$1; shift
  "$TB" "$@" >"$WORK/out" 2>"$WORK/err" && rc=0 || rc=$?
  out=$(cat "$WORK/out"); err=$(cat "$WORK/err")
}
# scepctl ARGS...: shorthand for run with the binary under test; NAME is the arguments.
scepctl() { run "scepctl $*" "$SCEPCTL" "$@"; }

pass() { passed=$((passed + 1)); echo "ok: $current: $1"; }
fail() {
  failed=$((failed + 1))
  echo "FAIL: $current: $1"
  echo "  exit status: $rc"
  sed 's/^/  stdout: /' <<<"$out" | head -40
  sed 's/^/  stderr: /' <<<"$err" | head -40
}
expect_rc() { [ "$rc" -eq "$1" ] && pass "exit $1" || fail "expected exit $1"; }
expect_out() { grep -qE -- "$1" <<<"$out" && pass "stdout matches /$1/" || fail "stdout does not match /$1/"; }
expect_err() { grep -qE -- "$1" <<<"$err" && pass "stderr matches /$1/" || fail "stderr does not match /$1/"; }
expect_no_out() { ! grep -qE -- "$1" <<<"$out" && pass "stdout lacks /$1/" || fail "stdout matches /$1/"; }
expect_no_err() { ! grep -qE -- "$1" <<<"$err" && pass "stderr lacks /$1/" || fail "stderr matches /$1/"; }
# An error is one line "scepctl: error: ..." on stderr, its last line (notes and warnings may precede it).
expect_one_line_error() {
  local errors; errors=$(grep -c '^scepctl: error: ' <<<"$err" || true)
  if [ "$errors" -eq 1 ] && tail -n 1 <<<"$err" | grep -q '^scepctl: error: '; then
    pass "one-line error"
  else
    fail "expected exactly one 'scepctl: error:' line, as the last line of stderr"
  fi
}
# expect_json PYTHON_EXPR: evaluates EXPR with `d` bound to the parsed stdout.
expect_json() {
  if python3 -c "import json,sys; d=json.loads(sys.stdin.read()); sys.exit(0 if ($1) else 1)" <<<"$out" 2>/dev/null; then
    pass "json: $1"
  else
    fail "json: $1"
  fi
}
# expect_key_matches CERT KEY: both readable and holding the same public key.
expect_key_matches() {
  local cert_pub key_pub
  cert_pub=$(openssl x509 -in "$1" -noout -pubkey 2>/dev/null) || cert_pub=""
  key_pub=$(openssl pkey -in "$2" -pubout 2>/dev/null) || key_pub=""
  if [ -n "$cert_pub" ] && [ "$cert_pub" = "$key_pub" ]; then
    pass "$1 matches the key $2"
  else
    fail "$1 does not match the key $2 (or one is unreadable)"
  fi
}
# snapshot DIR: a listing with modes, sizes and content hashes, to prove that a failed run changed nothing
# (but for renew's record of the run, CERT.scepctl-state, which scepctl status reads: test_status.sh).
snapshot() { (cd "$1" && find . ! -name '*.scepctl-state' -printf '%p %m %s\n' | sort &&
  find . -type f ! -name '*.scepctl-state' -exec sha256sum {} + | sort); }
# expect_unchanged DIR BEFORE: DIR's snapshot still equals BEFORE (no new, changed or temp files).
expect_unchanged() {
  local now; now=$(snapshot "$1")
  if [ "$now" = "$2" ]; then
    pass "$1 unchanged (listing, modes, hashes)"
  else
    fail "$1 changed: $(diff <(echo "$2") <(echo "$now") | grep '^[<>]' | tr '\n' ' ')"
  fi
}
# same_nonempty A B: equal and not empty (two failed commands must not count as a match).
same_nonempty() { [ -n "$1" ] && [ "$1" = "$2" ]; }
expect_file_same() { cmp -s "$1" "$2" && pass "$1 unchanged" || fail "$1 changed"; }
expect() { # expect DESCRIPTION CMD...: a free-form check
  local what=$1; shift
  if "$@"; then pass "$what"; else fail "$what"; fi
}

# bed_ndes_config CREDENTIAL TYPE FINGERPRINT: prints the [kerberos] and [ca.bed] sections of a
# config for the bed's NDES-like setup over https: the service user logs in with its keytab or
# password file (CREDENTIAL: keytab or password_file); tests append their [profile] sections.
bed_ndes_config() {
  local credential
  case $1 in
    keytab) credential="keytab = \"$TESTBED_SVC_KEYTAB\"" ;;
    password_file) credential="password_file = \"$TESTBED_SVC_PASSWORD_FILE\"" ;;
    *) echo "bed_ndes_config: unknown credential '$1'" >&2; return 1 ;;
  esac
  cat <<EOF
[kerberos]
realm = "$TESTBED_REALM"
kdc = ["$TESTBED_KDC"]
service_user = "$TESTBED_SVC_PRINCIPAL"
$credential
allowed_domains = ["localhost"]

[ca.bed]
type = "$2"
scep_url = "$TESTBED_SCEP_URL_TLS"
challenge_url = "$TESTBED_ADMIN_URL_TLS"
prefer_kerberos = true
tls_ca_file = "$TESTBED_TLS_CA"
ca_fingerprint = "$3"
# MIT's db2 KDB cannot do constrained delegation (the LDAP bed can): shown, not judged.
skip_checks = ["delegation"]
EOF
}

# The NDES-like fixture (tests/fixtures/ndes_fixture.py) inside the bed. FIXTURE_DATA holds its
# PKI's public files, FIXTURE_PIN is the SHA-256 pin of its CA.
FIXTURE=$(cd "$(dirname "${BASH_SOURCE[0]}")/../fixtures" && pwd)/ndes_fixture.py
FIXTURE_DATA=$(cd "$(dirname "${BASH_SOURCE[0]}")/../data/openssl" && pwd)
FIXTURE_PIN="sha256:$(awk '$1=="ca.pem" && $2=="sha256" {print $3}' "$FIXTURE_DATA/fingerprints.txt")"
fixture_pids=()
# launch_fixture NAME BASE_URL ARGS...: one more fixture (ARGS go to ndes_fixture.py, --port among
# them), state dir $WORK/state-NAME (also $state), ready when BASE_URL answers GetCACaps.
launch_fixture() {
  local name=$1 base=$2
  shift 2
  state="$WORK/state-$name"; rm -rf "$state"; mkdir -p "$state"
  "$TB" python3 "$FIXTURE" --state-dir "$state" "$@" >"$state/stdout" 2>&1 &
  fixture_pids+=($!)
  for _ in $(seq 100); do
    "$TB" curl -skf -o /dev/null "$base/certsrv/mscep/mscep.dll?operation=GetCACaps" && return 0
    sleep 0.1
  done
  echo "fixture $name did not start:"; cat "$state/stdout"; return 1
}
# stop_fixture: stops every fixture this test started (by pid).
stop_fixture() {
  local pid
  for pid in "${fixture_pids[@]}"; do kill "$pid" 2>/dev/null; wait "$pid" 2>/dev/null; done
  fixture_pids=()
}
# start_fixture NAME ARGS...: the test's fixture on FIXTURE_PORT (each test its own port), replacing
# the one before; FIXTURE_URL is its SCEP URL.
start_fixture() {
  : "${FIXTURE_PORT:?set FIXTURE_PORT before start_fixture}"
  FIXTURE_URL="http://127.0.0.1:$FIXTURE_PORT/certsrv/mscep/mscep.dll"
  stop_fixture
  launch_fixture "$1" "http://127.0.0.1:$FIXTURE_PORT" --port "$FIXTURE_PORT" "${@:2}"
}
# start_mode_fixture MODE ARGS...: start_fixture in that --mode; the challenge 8CE317021F690069 is
# valid and reusable.
start_mode_fixture() {
  printf '8CE317021F690069\n' >"$WORK/fixture-challenges.txt"
  start_fixture "$1" --mode "$@" --challenge-file "$WORK/fixture-challenges.txt" --reusable-challenge
}
# last_event KEY: that key of the fixture's last PKIOperation record.
last_event() { tail -n 1 "$state/events.jsonl" | python3 -c "import json,sys; print(json.load(sys.stdin).get('$1'))"; }

# start_bg NAME CMD...: CMD inside the bed in the background; its pid in $bg (nsenter and env
# exec, so the pid is the command's own), its output in $bg_file.out and $bg_file.err. A
# shell starts background jobs with SIGINT and SIGQUIT ignored, which scepctl keeps (as for
# nohup): env puts the defaults back, as an interactive shell would have them.
start_bg() {
  bg_name=$1 bg_file="$WORK/bg-${1//[^A-Za-z0-9]/_}"
  shift
  "$TB" env --default-signal=INT,QUIT "$@" >"$bg_file.out" 2>"$bg_file.err" &
  bg=$!
}
# wait_text FILE REGEX: waits up to 20 s for REGEX to appear in FILE.
wait_text() {
  for _ in $(seq 200); do
    grep -qE -- "$2" "$1" 2>/dev/null && return 0
    sleep 0.1
  done
  return 1
}
# wait_stopped PID: true once the process is stopped (state T: SCEPCTL_TEST_PAUSE_AT), false if it
# ended first; waits up to 30 s.
wait_stopped() {
  for _ in $(seq 300); do
    [ "$(awk '{print $3}' "/proc/$1/stat" 2>/dev/null)" = T ] && return 0
    kill -0 "$1" 2>/dev/null || return 1
    sleep 0.1
  done
  return 1
}
# finish_bg: waits for the background command; $rc, $out, $err as `run` sets them.
finish_bg() {
  current=$bg_name
  wait "$bg" && rc=0 || rc=$?
  out=$(cat "$bg_file.out"); err=$(cat "$bg_file.err")
}
finish() {
  echo "$passed passed, $failed failed"
  [ "$failed" -eq 0 ]
}
