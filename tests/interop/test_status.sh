#!/usr/bin/env bash
# scepctl status (issue 23): a profile enrolled from the bed's scepserver and renewed, the record
# each renew run leaves (renewed, not due, failed with its exit code), status in text, --json and
# --prometheus, and the textfile read by Debian's prometheus-node-exporter (its textfile collector
# on 127.0.0.1:18971 of the bed, its own directory), scraped with curl.
. "$(dirname "$0")/lib.sh"
EXPORTER_PORT=18971
exporter=/usr/bin/prometheus-node-exporter
pin="sha256:$TESTBED_CA_SHA256"
config="$WORK/config.toml"
cat >"$config" <<TOML
[ca.bed]
scep_url = "$TESTBED_SCEP_URL"
ca_fingerprint = "$pin"

[profile.dev]
ca = "bed"
out_dir = "$WORK/dev"
days_before = 10

[profile.gone]
ca = "bed"
out_dir = "$WORK/gone"
TOML
state_of() { grep "^$2=" "$1.scepctl-state" | cut -d= -f2; }

scepctl enroll --config "$config" --profile dev --subject "CN=status-dev,O=scepctl status" \
  --challenge-file "$TESTBED_CHALLENGE_FILE" -q
expect_rc 0

# Before any renew: fine, the key matches, no record.
scepctl status --config "$config" --profile dev --json
expect_rc 0
expect_json "d['state'] == 'ok' and len(d['certificates']) == 1"
expect_json "d['certificates'][0]['profile'] == 'dev' and d['certificates'][0]['cert'] == '$WORK/dev/cert.pem'"
expect_json "d['certificates'][0]['key'] == 'match' and d['certificates'][0]['days_before'] == 10"
expect_json "d['certificates'][0]['subject'] == 'CN=status-dev,O=scepctl status' and d['certificates'][0]['last_renew'] is None"

# renew records its runs next to the certificate. The profile's days_before reaches renew too: not due
# (365 days left), then renewed with --force.
scepctl renew --config "$config" --profile dev
expect_rc 0
expect_out '^not due: .*renewing within 10 days'
expect "not due: recorded" test "$(state_of "$WORK/dev/cert.pem" outcome)" = not_due
scepctl renew --config "$config" --profile dev --challenge-file "$TESTBED_CHALLENGE_FILE" --force
expect_rc 0
expect_out '^renewed:'
expect "renewed: the record says so, mode 0644" test "$(state_of "$WORK/dev/cert.pem" outcome) $(state_of "$WORK/dev/cert.pem" exit_code) $(stat -c %a "$WORK/dev/cert.pem.scepctl-state")" = "renewed 0 644"
success=$(state_of "$WORK/dev/cert.pem" last_success)
# A failed run: exit 95 recorded; the last success stays.
scepctl renew --config "$config" --profile dev --url http://127.0.0.1:9/scep --force
expect_rc 95
expect "failed: recorded with its exit code, the last success kept" test "$(state_of "$WORK/dev/cert.pem" outcome) $(state_of "$WORK/dev/cert.pem" exit_code) $(state_of "$WORK/dev/cert.pem" last_success)" = "failed 95 $success"

# Text: one block per certificate.
scepctl status --config "$config" --profile dev
expect_rc 0
expect_out "^profile dev: $WORK/dev/cert.pem: ok$"
expect_out '^  key: +match$'
expect_out '^  last renew: .* failed \(exit 95\); last success '
# Every profile: the one never enrolled cannot be read (86); a due one alone is 85.
scepctl status --config "$config" --json
expect_rc 86
expect_json "[c['profile'] for c in d['certificates']] == ['dev', 'gone'] and d['state'] == 'unreadable' and d['exit_code'] == 86"
expect_json "d['certificates'][0]['last_renew']['outcome'] == 'failed' and d['certificates'][0]['last_renew']['exit_code'] == 95"
expect_json "d['certificates'][1]['state'] == 'unreadable' and '$WORK/gone/cert.pem' in d['certificates'][1]['problem']"
scepctl status --config "$config" --profile dev --days-before 4000
expect_rc 85
expect_out ': due$'
# A key that is not the certificate's: 86.
mkdir -p "$WORK/other"
openssl genpkey -algorithm RSA -pkeyopt rsa_keygen_bits:2048 -out "$WORK/other/key.pem" 2>/dev/null
cp "$WORK/dev/cert.pem" "$WORK/other/cert.pem"
scepctl status --config "$config" --profile dev --cert "$WORK/other/cert.pem" --json
expect_rc 0 # --cert replaces the profiles and has no key to compare
expect_json "d['certificates'][0]['key'] == 'not_checked' and d['certificates'][0]['profile'] is None"
printf '[profile.other]\nca = "bed"\nout_dir = "%s"\n' "$WORK/other" >>"$config"
scepctl status --config "$config" --profile other
expect_rc 86
expect_out '^  key: +mismatch '
# --profile twice is for status only.
scepctl status --config "$config" --profile dev --profile other -q
expect_rc 86
scepctl getcacaps --config "$config" --profile dev --profile other
expect_rc 64
expect_one_line_error

# --prometheus: written atomically (0644) and read by node_exporter's textfile collector.
mkdir -p "$WORK/textfile"
scepctl status --config "$config" --profile dev --prometheus "$WORK/textfile/scepctl.prom"
expect_rc 0
expect "the textfile is 0644" test "$(stat -c %a "$WORK/textfile/scepctl.prom")" = 644
expect "no temp file left" test -z "$(find "$WORK/textfile" -name '.*.tmp.*')"
start_bg "node_exporter" "$exporter" --web.listen-address=127.0.0.1:$EXPORTER_PORT --collector.disable-defaults \
  --collector.textfile --collector.textfile.directory="$WORK/textfile"
expect "node_exporter listens" wait_text "$bg_file.err" 'Listening on'
run "scrape node_exporter" curl -sS --max-time 10 "http://127.0.0.1:$EXPORTER_PORT/metrics"
scrape=$out scrape_rc=$rc
kill -TERM "$bg" 2>/dev/null
finish_bg
current="scrape node_exporter" out=$scrape rc=$scrape_rc
expect_rc 0
# node_exporter sorts the labels; a file it cannot parse gives node_textfile_scrape_error 1.
expect_out '^node_textfile_scrape_error 0$'
expect_out "^scepctl_certificate_not_after_seconds\\{cert=\"$WORK/dev/cert.pem\",profile=\"dev\",subject=\"CN=status-dev,O=scepctl status\"\\} [0-9.e+]+$"
expect_out '^scepctl_certificate_days_left\{.*profile="dev".*\} [0-9.e+]+$'
expect_out '^scepctl_certificate_key_match\{.*profile="dev".*\} 1$'
expect_out '^scepctl_renew_last_exit_code\{.*profile="dev".*\} 95$'
expect_out "^scepctl_renew_last_success_timestamp_seconds\\{.*profile=\"dev\".*\\} [0-9.e+]+$"
expect_out '^scepctl_status_timestamp_seconds [0-9.e+]+$'

finish
