#!/usr/bin/env bash
# No core dump and no other process of the same user gets at scepctl's secrets: the process is not
# dumpable (an unprivileged user cannot read /proc/PID/environ or mem of its own scepctl, SIGQUIT
# leaves no core), and the challenge password is wiped from memory once the CA has the request
# (root reads the memory of a run waiting while PENDING and finds no copy of it, whether the
# challenge came from a file or from the admin page).
. "$(dirname "$0")/lib.sh"

FIXTURE_PORT=18996
nobody=65534
# Hex, so that the fixture's admin page can show it as NDES would.
secret='5EC2E7C4A11E96E0B7D13A0F'
printf '%s' "$secret" >"$WORK/challenge"
start_fixture secrets --mode pending --pending-polls 100 --challenge "$secret" --reusable-challenge

# ---- an unprivileged user's own scepctl, waiting while PENDING
home="$WORK/nobody"
chmod o+x "$WORK" # nobody passes through to its own directory
mkdir -p "$home/out"
cp "$WORK/challenge" "$home/challenge"
chmod 600 "$home/challenge"
chown -R "$nobody:$nobody" "$home"
cd "$home" || exit 1
start_bg "enroll as nobody, PENDING" bash -c 'ulimit -c unlimited && exec "$@"' _ \
  setpriv --reuid=$nobody --regid=$nobody --clear-groups "$SCEPCTL" enroll --url "$FIXTURE_URL" \
  --ca-fingerprint "$FIXTURE_PIN" --challenge-file "$home/challenge" --out-dir "$home/out" --subject CN=nobody \
  --poll-interval 60
cd - >/dev/null || exit 1
if wait_text "$bg_file.err" 'PENDING: polling again'; then
  run "nobody reads its scepctl's environment" setpriv --reuid=$nobody --regid=$nobody --clear-groups \
    cat "/proc/$bg/environ"
  expect "not dumpable: the same user cannot read /proc/PID/environ" test "$rc" -ne 0
  run "nobody reads its scepctl's memory map" setpriv --reuid=$nobody --regid=$nobody --clear-groups \
    cat "/proc/$bg/maps"
  expect "not dumpable: the same user cannot read /proc/PID/maps" test "$rc" -ne 0
  kill -s QUIT "$bg"
fi
finish_bg
expect "SIGQUIT ended the run (exit 131)" test "$rc" -eq 131
expect "SIGQUIT left no core file" test -z "$(find "$home" -name 'core*')"

# ---- root reads the memory of a run waiting while PENDING: the challenge is gone from it, whether
# it came from a file or from the admin page (tests/interop/memscan.py reads /proc/PID/mem).
for source in file page; do
  dir="$WORK/scan-$source"
  mkdir -p "$dir"
  if [ "$source" = file ]; then
    from=(--challenge-file "$WORK/challenge")
  else
    from=(--challenge-url "http://127.0.0.1:$FIXTURE_PORT/certsrv/mscep_admin/")
  fi
  start_bg "enroll PENDING, challenge from the $source" "$SCEPCTL" enroll --url "$FIXTURE_URL" \
    --ca-fingerprint "$FIXTURE_PIN" "${from[@]}" --out-dir "$dir" --subject "CN=scan-$source" --poll-interval 60
  if wait_text "$bg_file.err" 'PENDING: polling again'; then
    copies=$(python3 "$(dirname "$0")/memscan.py" "$bg" "$WORK/challenge" | cut -d' ' -f1)
    current="memory of a PENDING run, challenge from the $source"
    expect "the CA has the request, and no copy of the challenge is left in memory (found $copies)" \
      test "$copies" = 0
    kill -s TERM "$bg"
  fi
  finish_bg
  expect_rc 143
done

stop_fixture
finish
