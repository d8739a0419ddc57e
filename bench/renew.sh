# Sourced by bench/run.sh (issue 22, part "renew"): renew with a stored, pinned CA/RA bundle
# (--ca-cache: GetCACaps + PKIOperation) against renew that asks GetCACert too, and two growth rows:
# check-ndes on a healthy server, and renew when nothing is due (what a daily timer costs every
# host) against reading one certificate's end date with openssl. Uses run.sh's measure, pair, ms,
# kb, ratio, $tb, $url, $work, $scepctl. bench/notes/renew.md has the analysis.

renew_pin="sha256:$TESTBED_CA_SHA256"
# renew_dir NAME [ARGS...]: an enrolled pair in $work/pair_NAME (scepserver issues for a year; $work/NAME
# holds measure's figures).
renew_dir() {
  local name=$1
  shift
  mkdir -p "$work/pair_$name"
  "$tb" "$scepctl" -q enroll --url "$url" --ca-fingerprint "$renew_pin" --challenge-file "$TESTBED_CHALLENGE_FILE" \
    --subject "CN=bench-$name" --out-dir "$work/pair_$name" "$@" >/dev/null
}
renew_in() {
  local name=$1
  shift
  # --reuse-key: a new RSA key per renewal (0.1 to 0.3 s of prime search) would bury the difference.
  measure "$name" "$scepctl" -q renew --url "$url" --ca-fingerprint "$renew_pin" --reuse-key \
    --challenge-file "$TESTBED_CHALLENGE_FILE" --out-dir "$work/pair_$name" "$@"
}
run_renew_cached() { renew_in renew_cached --ca-cache "$work/pair_renew_cached/ca-ra.pem"; }
run_renew_fetched() { renew_in renew_fetched; }
run_renew_not_due() {
  measure renew_not_due "$scepctl" -q renew --url "$url" --ca-fingerprint "$renew_pin" --out-dir "$work/pair_renew_idle" \
    --days-before 30
}
run_openssl_enddate() { measure openssl_enddate openssl x509 -noout -enddate -in "$work/pair_renew_idle/cert.pem"; }
run_check_ndes() { measure check_ndes "$scepctl" -q check-ndes --url "$url" --ca-fingerprint "$renew_pin"; }
run_getcacert_pinned() { measure getcacert_pinned "$scepctl" -q getcacert --url "$url" --ca-fingerprint "$renew_pin"; }

renew_measure() {
  renew_dir renew_cached --ca-cache "$work/pair_renew_cached/ca-ra.pem"
  renew_dir renew_fetched
  renew_dir renew_idle
  pair renew_cached renew_fetched
  pair renew_not_due openssl_enddate
  pair check_ndes getcacert_pinned
}

# Rows of the first table (measurement, scepctl, peer).
renew_rows() {
  row "renew, CA/RA from --ca-cache (GetCACaps + PKIOperation)" renew_cached \
    "scepctl renew asking GetCACert too" renew_fetched
  row "renew when nothing is due (--days-before 30)" renew_not_due "openssl x509 -noout -enddate" openssl_enddate
  row "check-ndes, healthy scepserver" check_ndes "scepctl getcacert (pinned)" getcacert_pinned
}
