# The NDES fixture (tests/fixtures/ndes_fixture.py) inside the bed, for interop tests. Source it
# after lib.sh with FIXTURE_PORT set; it sets $furl, $fpin (the fixture CA's pin), $data.
: "${FIXTURE_PORT:?set FIXTURE_PORT before sourcing fixture.sh}"
fixture=$(cd "$(dirname "${BASH_SOURCE[0]}")/../fixtures" && pwd)/ndes_fixture.py
data=$(cd "$(dirname "${BASH_SOURCE[0]}")/../data/openssl" && pwd)
furl="http://127.0.0.1:$FIXTURE_PORT/certsrv/mscep/mscep.dll"
fpin="sha256:$(awk '$1=="ca.pem" && $2=="sha256" {print $3}' "$data/fingerprints.txt")"
fixture_pid=""

# start_fixture NAME ARGS...: a fresh fixture with state dir $WORK/state-NAME ($state), ready
# when it answers GetCACaps.
start_fixture() {
  stop_fixture
  state="$WORK/state-$1"; shift
  rm -rf "$state"; mkdir -p "$state"
  "$TB" python3 "$fixture" --port "$FIXTURE_PORT" --state-dir "$state" "$@" >"$state/stdout" 2>&1 &
  fixture_pid=$!
  for _ in $(seq 100); do
    "$TB" curl -sf -o /dev/null "$furl?operation=GetCACaps" && return 0
    sleep 0.1
  done
  echo "fixture $* did not start:"; cat "$state/stdout"; return 1
}
stop_fixture() {
  [ -n "$fixture_pid" ] || return 0
  kill "$fixture_pid" 2>/dev/null; wait "$fixture_pid" 2>/dev/null
  fixture_pid=""
}
trap 'stop_fixture; rm -rf "$WORK"' EXIT

# last_event KEY: that key of the fixture's last PKIOperation record.
last_event() { tail -n 1 "$state/events.jsonl" | python3 -c "import json,sys; print(json.load(sys.stdin).get('$1'))"; }
