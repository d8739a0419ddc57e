#!/usr/bin/env bash
# One full enrollment (new key, GetCACaps, GetCACert, PKCSReq over TLS through Apache to the real
# scepserver, single-DES reply, files written) under valgrind --leak-check=full: no definite
# leak and no memory error. Registered only in builds without sanitizers (valgrind cannot run an
# ASan binary); scripts/install-deps.sh installs valgrind.
. "$(dirname "$0")/lib.sh"

command -v valgrind >/dev/null || { echo "FAIL: valgrind is not installed (scripts/install-deps.sh)"; exit 1; }

mkdir -p "$WORK/device"
run "valgrind scepctl enroll" valgrind --leak-check=full --errors-for-leak-kinds=definite --error-exitcode=99 \
  --log-file="$WORK/valgrind.log" "$SCEPCTL" enroll --url "$TESTBED_SCEP_URL_TLS" --cacert "$TESTBED_TLS_CA" \
  --ca-fingerprint "sha256:$TESTBED_CA_SHA256" --challenge-file "$TESTBED_CHALLENGE_FILE" --subject CN=valgrind \
  --out-dir "$WORK/device"
expect_rc 0
expect "the certificate verifies against the test bed CA" openssl verify -CAfile "$TESTBED_SCEP_CA" "$WORK/device/cert.pem"
expect_key_matches "$WORK/device/cert.pem" "$WORK/device/key.pem"
summary=$(grep -E 'definitely lost|ERROR SUMMARY|All heap blocks were freed' "$WORK/valgrind.log")
echo "$summary"
expect "valgrind: no definite leak" grep -qE 'definitely lost: 0 bytes in 0 blocks|All heap blocks were freed' <<<"$summary"
expect "valgrind: no memory error" grep -q 'ERROR SUMMARY: 0 errors' <<<"$summary"
[ "$failed" -eq 0 ] || sed 's/^/  valgrind: /' "$WORK/valgrind.log" | head -80
finish
