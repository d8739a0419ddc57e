#!/usr/bin/env bash
# Hostile local environment (issue 16, items 1, 2, 6 and 7): scepctl runs as root in a directory
# that belongs to someone else, who plants links, FIFOs and journals there, or runs unprivileged
# where it may not write. "Someone else" is uid/gid 65534 (setpriv), in directories of this
# test's own. Each case asserts the exit code, one error line, and what is kept: the root-owned
# file the attacker aims at ($victim) never changes owner, mode or content, and the pair stays a
# matching pair of regular files. The cases are tests/README.md "Hostile environment".
. "$(dirname "$0")/lib.sh"

pin="sha256:$TESTBED_CA_SHA256"
FIXTURE_PORT=18985
offline_url="http://127.0.0.1:9/scep" # nothing listens there: proves a run stopped before the network
other=65534
# as_other CMD...: CMD as the other user (setpriv and env exec it: one pid).
as_other() { setpriv --reuid="$other" --regid="$other" --clear-groups env HOME="$WORK/home" "$@"; }
attacker_pid=""
stop_attacker() {
  [ -n "$attacker_pid" ] || return 0
  kill -TERM "$attacker_pid" 2>/dev/null
  wait "$attacker_pid" 2>/dev/null
  attacker_pid=""
}
trap 'stop_attacker; stop_fixture; rm -rf "$WORK"' EXIT
chmod 711 "$WORK" # the other user may pass through to its own directories, and no further
mkdir -p "$WORK/home"
chown "$other:$other" "$WORK/home"

# The file the attacker wants: root's, 0644, with content the attacker knows.
make_victim() { # make_victim PATH
  printf 'root:x:0:0:root:/root:/bin/bash\n' >"$1"
  chmod 644 "$1"
}
victim_state() { stat -c '%F %u %g %a' "$1" && sha256sum <"$1"; }
victim=$WORK/victim
make_victim "$victim"
victim_before=$(victim_state "$victim")
# expect_victim_intact NAME [FILE]
expect_victim_intact() {
  local file=${2:-$victim}
  expect "$1: $file keeps owner root, mode 0644 and its content" test "$(victim_state "$file")" = "$victim_before"
  if [ "$(victim_state "$file")" != "$victim_before" ]; then # so that each case is judged on its own
    rm -f "$file"
    make_victim "$file"
  fi
}

serial_of() { openssl x509 -in "$1" -noout -serial 2>/dev/null | cut -d= -f2; }
regular_not_link() { [ -f "$1" ] && [ ! -L "$1" ]; }
owned_by() { [ "$(stat -c '%u %g' "$2")" = "$1 $1" ]; } # owned_by UID FILE

# A pair from the bed's scepserver, copied into each case's directory.
mkdir -p "$WORK/base"
scepctl enroll --url "$TESTBED_SCEP_URL" --ca-fingerprint "$pin" --challenge-file "$TESTBED_CHALLENGE_FILE" \
  --subject "CN=hostile-env,O=scepctl tests" --out-dir "$WORK/base" -q
expect_rc 0
base_serial=$(serial_of "$WORK/base/cert.pem")
# other_pair DIR: a fresh copy of the pair in DIR; DIR and the pair belong to the other user.
other_pair() {
  rm -rf "$1"
  cp -a "$WORK/base" "$1"
  chown -R "$other:$other" "$1"
}

# ================================================================ 1. the symlink race
# While root's renew runs, the directory's owner keeps renaming a fresh symlink to $victim over
# every name renew uses besides the pair (staged files, backups, journal, temp files) as soon as
# one appears. The old renew (chown by path after staging NAME.scepctl-new) lost every run, exit 0:
# measured with this script against the code before the fix (commit 4518a18), 12 of 12 "replace"
# and 4 of 4 "move-dirs" runs lost in each of three runs, and 50 of 50 in one run of 40 + 10: in 49
# of those 50 it chowned $victim to 65534, in all 50 it left key.pem a symlink to it. So 12 runs
# suffice. The new one never follows a name there: every "replace" run renews (exit 0), and no
# run loses.
cat >"$WORK/attacker.py" <<'EOF'
import os, signal, stat, sys
directory, victim, count_file, mode = sys.argv[1:5]
names = ["key.pem.scepctl-new", "cert.pem.scepctl-new", "chain.pem.scepctl-new", "key.pem.bak", "cert.pem.bak",
         "chain.pem.bak", "cert.pem.scepctl-journal"]
stop = False
def on_term(*_):
    global stop
    stop = True
signal.signal(signal.SIGTERM, on_term)
link = os.path.join(directory, ".attacker-link")
count = moved = 0
while not stop:
    try:
        extra = [n for n in os.listdir(directory) if ".tmp." in n]
    except OSError:
        extra = []
    for name in names + extra:
        path = os.path.join(directory, name)
        try:
            st = os.lstat(path)
        except OSError:
            continue
        if stat.S_ISLNK(st.st_mode):
            continue
        try:
            os.symlink(victim, link)
        except FileExistsError:
            pass
        try:
            if stat.S_ISDIR(st.st_mode) and mode == "move-dirs":
                os.rename(path, path + ".moved-%d" % moved)  # a directory cannot be renamed over
                moved += 1
            os.rename(link, path)
            count += 1
        except OSError:
            pass
with open(count_file, "w") as f:
    f.write("%d\n" % count)
EOF
chmod 644 "$WORK/attacker.py"

# race RUNS MODE: RUNS renewals under attack; MODE replace (only rename over names) or move-dirs
# (also move directories aside and plant the link at their name).
race() {
  local runs=$1 mode=$2 i d target count lost=0 won=0
  for i in $(seq "$runs"); do
    current="race $mode #$i"
    d=$WORK/race-$mode-$i
    target=$WORK/victim-$mode-$i # a fresh one per run: each run is judged on its own
    make_victim "$target"
    other_pair "$d"
    serial=$(serial_of "$d/cert.pem")
    (exec setpriv --reuid="$other" --regid="$other" --clear-groups \
      /usr/bin/python3 "$WORK/attacker.py" "$d" "$target" "$WORK/home/attacker-$mode-$i.count" "$mode") &
    attacker_pid=$! # the attacker itself: the subshell became setpriv, then python3 (Debian's: a pyenv in root's PATH is out of its reach)
    sleep 0.2 # the attacker is looping before renew starts
    run "renew under attack ($mode #$i)" timeout 60 "$SCEPCTL" renew --url "$TESTBED_SCEP_URL" --ca-fingerprint "$pin" \
      --challenge-file "$TESTBED_CHALLENGE_FILE" --out-dir "$d"
    stop_attacker
    count=$(cat "$WORK/home/attacker-$mode-$i.count" 2>/dev/null || echo 0)
    if [ "$(victim_state "$target")" != "$victim_before" ] || ! regular_not_link "$d/key.pem" ||
      ! regular_not_link "$d/cert.pem" || ! owned_by "$other" "$d/key.pem" || ! owned_by "$other" "$d/cert.pem"; then
      lost=$((lost + 1))
    fi
    expect "the attacker was at work during the run ($count renames)" test "$count" -gt 0
    expect_victim_intact "$current" "$target"
    expect "key.pem and cert.pem are regular files, not links" eval 'regular_not_link "$d/key.pem" && regular_not_link "$d/cert.pem"'
    expect "key.pem and cert.pem belong to $other like the pair they replace" \
      eval 'owned_by "$other" "$d/key.pem" && owned_by "$other" "$d/cert.pem"'
    expect "key.pem is 0600" test "$(stat -c %a "$d/key.pem")" = 600
    expect_key_matches "$d/cert.pem" "$d/key.pem"
    if [ "$mode" = replace ]; then
      expect_rc 0
      expect "renewed: a new serial" test "$(serial_of "$d/cert.pem")" != "$serial"
    elif [ "$rc" -ne 0 ]; then
      # With our private directory moved away under it, renew may stop before its commit point.
      expect_rc 93
      expect_one_line_error
      expect_err "scepctl: error: '$d/[^']+' was replaced by something else while scepctl made it: nothing was changed"
      expect "refused: the old pair stays" test "$(serial_of "$d/cert.pem")" = "$serial"
    fi
    [ "$rc" -eq 0 ] && won=$((won + 1))
  done
  echo "race $mode: $runs runs, $lost lost, $won exited 0"
}
race 12 replace
race 4 move-dirs

# ================================================================ 2. journals and FIFOs it did not write
# A pair in a directory of the other user's; renew (offline: every case stops before the network)
# under `timeout`, so that a hang is a failure, not a stuck test. Each case: exit 93, one line
# naming the cause, the directory and $victim unchanged.
# The journal the attacker writes: it names $victim with its real hash as a file the swap "created",
# and cert.pem as changed behind the swap's back, so a roll-back would delete $victim.
victim_sha=$(sha256sum <"$victim" | cut -c1-64)
evil_journal() {
  printf 'scepctl-renew-journal 1\nreplace %s - %s\nreplace %s %s %s\n' "$victim_sha" "$victim" \
    "$(printf 'a%.0s' $(seq 64))" "$(printf 'b%.0s' $(seq 64))" "$1/cert.pem"
}
# hostile_renew NAME DIR CAUSE: renew there must refuse with CAUSE and change nothing.
hostile_renew() {
  local name=$1 d=$2 cause=$3 before
  before=$(snapshot "$d")
  run "$name" timeout 20 "$SCEPCTL" renew --url "$offline_url" --out-dir "$d"
  expect "$name: did not hang" test "$rc" -ne 124
  expect_rc 93
  expect_one_line_error
  expect_err "^scepctl: error: .*$cause"
  expect_unchanged "$d" "$before"
  expect_victim_intact "$name"
  expect_key_matches "$d/cert.pem" "$d/key.pem"
}

d=$WORK/journal-other
other_pair "$d"
as_other sh -c 'umask 077 && cat >"$1"' _ "$d/cert.pem.scepctl-journal" <<<"$(evil_journal "$d")"
hostile_renew "journal owned by $other" "$d" \
  "renewal journal '$d/cert.pem.scepctl-journal' belongs to uid $other, not to uid 0 that runs scepctl"

d=$WORK/journal-mode
other_pair "$d"
evil_journal "$d" >"$d/cert.pem.scepctl-journal"
chmod 644 "$d/cert.pem.scepctl-journal"
hostile_renew "journal with mode 0644" "$d" "renewal journal '$d/cert.pem.scepctl-journal' has mode 0644, not 0600"

d=$WORK/journal-outside
other_pair "$d"
(umask 077 && evil_journal "$d" >"$d/cert.pem.scepctl-journal")
hostile_renew "journal naming a file outside the run's three" "$d" \
  "names '$victim', which is not one of this renewal's key, certificate and chain files: not trusted, nothing was changed"

d=$WORK/journal-link
other_pair "$d"
(umask 077 && evil_journal "$d" >"$WORK/journal-elsewhere")
as_other ln -s "$WORK/journal-elsewhere" "$d/cert.pem.scepctl-journal"
hostile_renew "journal a symlink (to a journal of root's)" "$d" \
  "renewal journal '$d/cert.pem.scepctl-journal' is a symbolic link: scepctl trusts only a file it wrote itself"

d=$WORK/journal-fifo
other_pair "$d"
as_other mkfifo -m 600 "$d/cert.pem.scepctl-journal"
hostile_renew "journal a FIFO" "$d" "renewal journal '$d/cert.pem.scepctl-journal' is a FIFO"

d=$WORK/pending-fifo
other_pair "$d"
as_other mkfifo -m 600 "$d/key.pem.scepctl-pending"
hostile_renew "pending key a FIFO" "$d" "pending key '$d/key.pem.scepctl-pending' is a FIFO"

d=$WORK/pending-other
other_pair "$d"
as_other cp "$d/key.pem" "$d/key.pem.scepctl-pending"
hostile_renew "pending key owned by $other" "$d" "pending key '$d/key.pem.scepctl-pending' belongs to uid $other"

# A link where the key, the certificate or the chain should be: refused, never read through.
for name in key cert chain; do
  d=$WORK/link-$name
  other_pair "$d"
  as_other sh -c 'cp "$1" "$2" && ln -sf "$2" "$1"' _ "$d/$name.pem" "$d/$name-real.pem"
  hostile_renew "$name.pem a symlink" "$d" "'$d/$name.pem' is a symbolic link: scepctl never follows"
done
d=$WORK/link-enroll-key
other_pair "$d"
as_other ln -s "$d/key.pem" "$d/key-link.pem"
mkdir -p "$WORK/link-enroll-out"
before=$(snapshot "$d")
scepctl enroll --url "$offline_url" --key "$d/key-link.pem" --subject CN=x --out-dir "$WORK/link-enroll-out"
expect_rc 93
expect_one_line_error
expect_err "--key.*'$d/key-link.pem' is a symbolic link|'$d/key-link.pem' is a symbolic link"
expect_unchanged "$d" "$before"

# ================================================================ 6. temp files a killed run left
# Ours (root's, 0600, the name of a temp file for a file this run writes) are removed by the next
# enroll or renew there; someone else's, or a link, is left alone (and named), never followed.
plant_stale() { # plant_stale DIR (the other user's)
  printf 'stale private key\n' >"$1/.key.pem.tmp.AbCdEf"
  chmod 600 "$1/.key.pem.tmp.AbCdEf"
  as_other sh -c 'umask 077 && echo theirs >"$1"' _ "$1/.cert.pem.tmp.Other1"
  as_other ln -s "$victim" "$1/.chain.pem.tmp.Link11"
}
check_stale() { # check_stale NAME DIR
  expect "$1: our stale temp file is gone" test ! -e "$2/.key.pem.tmp.AbCdEf"
  expect_err "removed '$2/.key.pem.tmp.AbCdEf', a temp file an interrupted scepctl left"
  expect "$1: someone else's is left alone" test "$(cat "$2/.cert.pem.tmp.Other1")" = theirs
  expect_err "left '$2/.cert.pem.tmp.Other1' alone: it has the name of a scepctl temp file but belongs to uid $other"
  expect "$1: the link is left alone" test "$(readlink "$2/.chain.pem.tmp.Link11")" = "$victim"
  expect_err "left '$2/.chain.pem.tmp.Link11' alone: .* is a symbolic link"
  expect_victim_intact "$1"
}
d=$WORK/stale-enroll
mkdir -p "$d"
chown "$other:$other" "$d"
plant_stale "$d"
scepctl enroll --url "$TESTBED_SCEP_URL" --ca-fingerprint "$pin" --challenge-file "$TESTBED_CHALLENGE_FILE" \
  --subject CN=stale-enroll --out-dir "$d"
expect_rc 0
check_stale "enroll" "$d"
expect_key_matches "$d/cert.pem" "$d/key.pem"
d=$WORK/stale-renew
other_pair "$d"
plant_stale "$d"
run "renew over stale temp files" "$SCEPCTL" renew --url "$TESTBED_SCEP_URL" --ca-fingerprint "$pin" \
  --challenge-file "$TESTBED_CHALLENGE_FILE" --out-dir "$d"
expect_rc 0
check_stale "renew" "$d"
expect_key_matches "$d/cert.pem" "$d/key.pem"

# ================================================================ 7. the pre-flight check, unprivileged
# The other user enrolls at the NDES fixture with a one-time challenge. Where it cannot write, or
# where a link is at an output path, enroll stops before any PKIOperation: the fixture records
# none and the challenge is still unused, as the last, good enrollment proves.
challenge=$(openssl rand -hex 8 | tr a-f A-F)
printf '%s\n' "$challenge" >"$WORK/fixture-challenges.txt"
start_fixture preflight --mode success --challenge-file "$WORK/fixture-challenges.txt" || exit 1
mkdir -p "$WORK/other"
printf '%s' "$challenge" >"$WORK/other/challenge"
chmod 600 "$WORK/other/challenge"
mkdir -p "$WORK/other/readonly" "$WORK/other/out"
chown "$other:$other" "$WORK/other" "$WORK/other/challenge" "$WORK/other/out"
other_enroll() { # other_enroll NAME ARGS...
  local name=$1
  shift
  run "$name" setpriv --reuid="$other" --regid="$other" --clear-groups env HOME="$WORK/home" "$SCEPCTL" enroll \
    --url "$FIXTURE_URL" --ca-fingerprint "$FIXTURE_PIN" --challenge-file "$WORK/other/challenge" \
    --subject CN=preflight "$@"
}
expect_no_request() {
  expect "$1: the fixture saw no PKIOperation" test ! -s "$state/events.jsonl"
  expect "$1: the challenge is unused" bash -c "! grep -qF '$challenge' '$state/used-challenges.txt' 2>/dev/null"
}
before=$(snapshot "$WORK/other/readonly")
other_enroll "enroll into a directory the user cannot write" --out-dir "$WORK/other/readonly"
expect_rc 93
expect_one_line_error
expect_err "cannot write to directory '$WORK/other/readonly' for '$WORK/other/readonly/(key|cert|chain).pem': Permission denied"
expect_no_request "unwritable directory"
expect_unchanged "$WORK/other/readonly" "$before"

as_other ln -s "$WORK/other/out/nowhere.pem" "$WORK/other/out/cert.pem" # dangling
for force in "" --force; do
  other_enroll "enroll with a dangling symlink at --cert-out ${force:-(no --force)}" --out-dir "$WORK/other/out" $force
  expect_rc 93
  expect_one_line_error
  expect_err "'$WORK/other/out/cert.pem' is a symbolic link: scepctl never follows, writes through or replaces a link it did not create"
  expect_no_request "dangling symlink ${force:-(no --force)}"
  expect "the symlink is untouched" test "$(readlink "$WORK/other/out/cert.pem")" = "$WORK/other/out/nowhere.pem"
  expect "nothing was written" test ! -e "$WORK/other/out/nowhere.pem" -a ! -e "$WORK/other/out/key.pem"
done
# A symlink to an existing file with --force: refused too, never replaced.
as_other sh -c 'echo mine >"$1" && ln -sfn "$1" "$2"' _ "$WORK/other/out/mine.pem" "$WORK/other/out/cert.pem"
other_enroll "enroll --force with a symlink to a file at --cert-out" --out-dir "$WORK/other/out" --force
expect_rc 93
expect_one_line_error
expect_err "'$WORK/other/out/cert.pem' is a symbolic link"
expect_no_request "symlink to a file with --force"
expect "the symlink and its file are untouched" test "$(readlink "$WORK/other/out/cert.pem")" = "$WORK/other/out/mine.pem" \
  -a "$(cat "$WORK/other/out/mine.pem")" = mine

# The challenge was never used: the same user enrolls with it where it may write.
mkdir -p "$WORK/other/good"
chown "$other:$other" "$WORK/other/good"
other_enroll "enroll where the user may write, with the same challenge" --out-dir "$WORK/other/good"
expect_rc 0
expect "the fixture saw one PKIOperation, with a valid challenge" test "$(last_event challenge)" = ok -a \
  "$(wc -l <"$state/events.jsonl")" -eq 1
expect_key_matches "$WORK/other/good/cert.pem" "$WORK/other/good/key.pem"
expect "the files belong to the user" owned_by "$other" "$WORK/other/good/key.pem"

stop_fixture
finish
