#!/usr/bin/env bash
# No core dump and no other process of the same user gets at scepctl's secrets: the process is not
# dumpable (an unprivileged user cannot read /proc/PID/environ or mem of its own scepctl, SIGQUIT
# leaves no core), and the challenge password is wiped from memory once the CA has the request
# (root reads the memory of a run waiting while PENDING and finds no copy of it).
. "$(dirname "$0")/lib.sh"

FIXTURE_PORT=18996
nobody=65534
secret='Zq7ChallengeInMemory42'
printf '%s' "$secret" >"$WORK/challenge"
printf '%s\n' "$secret" >"$WORK/fixture-challenges.txt"
start_fixture secrets --mode pending --pending-polls 100 --challenge-file "$WORK/fixture-challenges.txt" \
  --reusable-challenge

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

stop_fixture
finish
