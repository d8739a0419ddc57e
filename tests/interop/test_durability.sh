#!/usr/bin/env bash
# How many times enroll and renew flush to disk (strace -c: fsync, fdatasync, sync_file_range,
# syncfs), against scepserver: what durability needs and no more (bench/notes/renew.md says why
# each is needed). A count, never a time.
#   enroll (key, cert, chain in one directory): 3 files' data, then the directory once = 4
#   renew, due (journaled swap, store/swap.hpp): 3 staged files + directory before the commit +
#     the journal's data + the commit + the renames + the journal's removal + the renew record's
#     data (its directory is not flushed: a report) = 9
#   renew, not due: the renew record's data = 1
#   --ca-cache adds none (a cache, rebuilt when unreadable)
. "$(dirname "$0")/lib.sh"

pin="sha256:$TESTBED_CA_SHA256"
# traced NAME CMD...: CMD inside the bed under strace; $syncs is how many flushes it made.
traced() {
  local trace="$WORK/strace-${1//[^A-Za-z0-9]/_}" name=$1
  shift
  run "$name" strace -f -c -o "$trace" -e trace=fsync,fdatasync,sync_file_range,syncfs "$@"
  syncs=$(awk '$NF ~ /^(fsync|fdatasync|sync_file_range|syncfs)$/ { n += $4 } END { print n + 0 }' "$trace")
}
expect_syncs() { expect "$current: $1 flushes (strace counted $syncs)" test "$syncs" = "$1"; }

mkdir -p "$WORK/a"
traced "enroll" "$SCEPCTL" enroll --url "$TESTBED_SCEP_URL" --ca-fingerprint "$pin" \
  --challenge-file "$TESTBED_CHALLENGE_FILE" --subject "CN=durable,O=scepctl tests" --out-dir "$WORK/a" -q \
  --ca-cache "$WORK/a/ca-ra.pem"
expect_rc 0
expect_syncs 4
expect "enroll: key, certificate, chain and cache written" test -s "$WORK/a/key.pem" -a -s "$WORK/a/cert.pem" \
  -a -s "$WORK/a/chain.pem" -a -s "$WORK/a/ca-ra.pem"

traced "renew, due" "$SCEPCTL" renew --url "$TESTBED_SCEP_URL" --ca-fingerprint "$pin" \
  --challenge-file "$TESTBED_CHALLENGE_FILE" --out-dir "$WORK/a" --ca-cache "$WORK/a/ca-ra.pem" -q
expect_rc 0
expect_syncs 9
expect "renew: the old pair kept in .bak" test -s "$WORK/a/cert.pem.bak" -a -s "$WORK/a/key.pem.bak"
expect "renew: the record says renewed" grep -qx 'outcome=renewed' "$WORK/a/cert.pem.scepctl-state"

traced "renew, not due" "$SCEPCTL" renew --url "$TESTBED_SCEP_URL" --ca-fingerprint "$pin" \
  --out-dir "$WORK/a" --days-before 30
expect_rc 0
expect_out '^not due'
expect_syncs 1
expect "not due: the record says so" grep -qx 'outcome=not_due' "$WORK/a/cert.pem.scepctl-state"

finish
