# Helpers for the hardware key tests: run a command capturing $out/$err/$rc, expectations, a free
# 127.0.0.1 port, and the last line "N passed, N failed". Source it after setting DRIVER and DATA.
set -u
: "${DRIVER:?DRIVER must point at key_driver}"
WORK=$(mktemp -d "${TMPDIR:-/tmp}/scepctl-hardware-XXXXXX")
# The driver's own temp files land here too, so the leak check below sees them.
export TMPDIR="$WORK/tmp"
mkdir -p "$TMPDIR"
passed=0 failed=0 current=""

# skip_unless PROGRAM|FILE...: exit 125 (CTest: skipped) naming what is missing.
skip_unless() {
  for need in "$@"; do
    if [[ $need == /* ]]; then [ -e "$need" ] && continue; else command -v "$need" >/dev/null && continue; fi
    echo "SKIP: $need is not installed (scripts/install-deps.sh installs it)"
    exit 125
  done
}

# run NAME CMD...: runs CMD, capturing $out, $err and $rc.
run() {
  current=$1; shift
  "$@" >"$WORK/out" 2>"$WORK/err" && rc=0 || rc=$?
  out=$(cat "$WORK/out"); err=$(cat "$WORK/err")
}
pass() { passed=$((passed + 1)); echo "ok: $current: $1"; }
fail() {
  failed=$((failed + 1))
  echo "FAIL: $current: $1"
  echo "  exit status: ${rc:-}"
  sed 's/^/  stdout: /' <<<"${out:-}" | head -20
  sed 's/^/  stderr: /' <<<"${err:-}" | head -20
}
expect_rc() { [ "$rc" -eq "$1" ] && pass "exit $1" || fail "expected exit $1"; }
expect_out() { grep -qE -- "$1" <<<"$out" && pass "stdout matches /$1/" || fail "stdout does not match /$1/"; }
expect_err() { grep -qE -- "$1" <<<"$err" && pass "stderr matches /$1/" || fail "stderr does not match /$1/"; }
# expect NAME CMD...: CMD succeeds.
expect() {
  local name=$1; shift
  run "$name" "$@"
  [ "$rc" -eq 0 ] && pass "succeeds" || fail "expected success"
}
expect_same() { # expect_same WHAT A B: the files A and B hold the same bytes
  cmp -s "$2" "$3" && pass "$1" || fail "$1: $2 and $3 differ"
}
expect_differ() {
  cmp -s "$2" "$3" && fail "$1: $2 and $3 are the same" || pass "$1"
}

free_port() { python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])'; }
# A free port P whose P+1 is free too (swtpm's TCTI finds the control channel at P+1).
free_port_pair() {
  python3 -c '
import socket
for _ in range(100):
    a = socket.socket(); a.bind(("127.0.0.1", 0)); port = a.getsockname()[1]
    b = socket.socket()
    try:
        b.bind(("127.0.0.1", port + 1)); print(port); break
    except OSError:
        pass
'
}

# Nothing the tests wrote holds private key material in the clear: no PKCS#8, PKCS#1 or
# encrypted PEM key, and no DER PrivateKeyInfo (the openssl-made test keys live in tests/data).
expect_no_clear_keys() {
  current="no private key in the clear"
  local found
  found=$(grep -rlaE -- '-----BEGIN (RSA |EC |ENCRYPTED )?PRIVATE KEY-----' "$WORK" || true)
  [ -z "$found" ] && pass "no PEM private key under $WORK" || fail "private keys in: $found"
}

finish() {
  echo "$passed passed, $failed failed"
  [ "$failed" -eq 0 ]
}
