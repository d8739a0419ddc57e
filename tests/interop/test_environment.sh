#!/usr/bin/env bash
# What scepctl takes from its environment (issue 16): secret files are checked for loose
# permissions wherever they are named, a deploy hook inherits no descriptor but 0-2, --timeout and
# the config's timeout take only a usable number of seconds, and a config file may start with a
# UTF-8 byte-order mark. Against the NDES fixture and the bed's Kerberos admin pages. The cases are
# rows of tests/README.md "Hostile environment".
. "$(dirname "$0")/lib.sh"

FIXTURE_PORT=18967
challenge=$(openssl rand -hex 8 | tr a-f A-F)
start_fixture env --challenge "$challenge" --reusable-challenge || exit 1
pin=$FIXTURE_PIN

# ---- Secret files: one warning for each one group or others may read or write, named in the
# config or on the command line, when it is read; none for a private one.
# expect_secret_warning WHAT FILE MODE: exactly one such warning, for FILE.
expect_secret_warning() {
  expect "one permission warning" test "$(grep -c 'readable or writable by group or others' <<<"$err")" = 1
  expect_err "^scepctl: warning: $1: secret file $2 is readable or writable by group or others \(mode $3\): chmod 600 $2$"
}
expect_no_secret_warning() { expect_no_err 'readable or writable by group or others'; }
secret() { # secret NAME MODE CONTENT: a file in $WORK/secrets
  mkdir -p "$WORK/secrets"
  printf '%s\n' "$3" >"$WORK/secrets/$1"
  chmod "$2" "$WORK/secrets/$1"
}
enroll_to() { # enroll_to DIR ARGS...: a fresh enrollment from the fixture into $WORK/DIR
  local dir=$WORK/$1; shift
  rm -rf "$dir"; mkdir -p "$dir"
  scepctl enroll --url "$FIXTURE_URL" --ca-fingerprint "$pin" --subject "CN=env" --out-dir "$dir" "$@"
}
secret challenge 644 "$challenge"
enroll_to e1 --challenge-file "$WORK/secrets/challenge"
expect_rc 0
expect_secret_warning --challenge-file "$WORK/secrets/challenge" 0644
expect_no_err "$challenge"
chmod 600 "$WORK/secrets/challenge"
enroll_to e2 --challenge-file "$WORK/secrets/challenge"
expect_rc 0
expect_no_secret_warning

secret key-pass 640 "key-pass-$RANDOM"
openssl genpkey -algorithm RSA -pkeyopt rsa_keygen_bits:2048 -aes-256-cbc -pass "file:$WORK/secrets/key-pass" \
  -out "$WORK/encrypted.key" 2>/dev/null
enroll_to e3 --challenge-file "$WORK/secrets/challenge" --key "$WORK/encrypted.key" --key-pass-file "$WORK/secrets/key-pass"
expect_rc 0
expect_secret_warning --key-pass-file "$WORK/secrets/key-pass" 0640

secret p12-pass 604 "p12-pass-$RANDOM"
enroll_to e4 --challenge-file "$WORK/secrets/challenge" --format p12 --p12-pass-file "$WORK/secrets/p12-pass"
expect_rc 0
expect_secret_warning --p12-pass-file "$WORK/secrets/p12-pass" 0604

# The admin page's secrets, on the command line: the keytab (which the Kerberos library reads;
# scepctl opens it first for the check), the Kerberos password, the NTLM/Basic password.
krb=(--kerberos --service-user "$TESTBED_SVC_PRINCIPAL" --allowed-domain localhost)
cp "$TESTBED_SVC_KEYTAB" "$WORK/secrets/svc.keytab" && chmod 640 "$WORK/secrets/svc.keytab"
scepctl getchallenge --challenge-url "$TESTBED_ADMIN_URL_TLS" --cacert "$TESTBED_TLS_CA" "${krb[@]}" \
  --keytab "$WORK/secrets/svc.keytab"
expect_rc 0
expect_secret_warning --keytab "$WORK/secrets/svc.keytab" 0640
scepctl getchallenge --challenge-url "$TESTBED_ADMIN_URL_TLS" --cacert "$TESTBED_TLS_CA" "${krb[@]}" \
  --keytab "FILE:$WORK/secrets/svc.keytab"
expect_rc 0
expect_secret_warning --keytab "$WORK/secrets/svc.keytab" 0640
cp "$TESTBED_SVC_PASSWORD_FILE" "$WORK/secrets/svc-password" && chmod 644 "$WORK/secrets/svc-password"
scepctl getchallenge --challenge-url "$TESTBED_ADMIN_URL_TLS" --cacert "$TESTBED_TLS_CA" "${krb[@]}" \
  --password-file "$WORK/secrets/svc-password"
expect_rc 0
expect_secret_warning --password-file "$WORK/secrets/svc-password" 0644
cp "$TESTBED_BASIC_PASSWORD_FILE" "$WORK/secrets/basic-password" && chmod 660 "$WORK/secrets/basic-password"
scepctl getchallenge --challenge-url "$TESTBED_ADMIN_BASIC_URL_TLS" --cacert "$TESTBED_TLS_CA" \
  --username "$TESTBED_BASIC_USER" --user-password-file "$WORK/secrets/basic-password"
expect_rc 0
expect_secret_warning --user-password-file "$WORK/secrets/basic-password" 0660

# The same files named in the configuration: the same warning, naming the key.
mkdir -p "$WORK/etc"
{ bed_ndes_config keytab microsoft "md5:$TESTBED_CA_THUMBPRINT_MD5" | sed "s|^keytab = .*|keytab = \"$WORK/secrets/svc.keytab\"|"
} >"$WORK/etc/keytab.toml"
scepctl getchallenge --config "$WORK/etc/keytab.toml" --ca bed
expect_rc 0
expect_secret_warning '\[kerberos\] keytab' "$WORK/secrets/svc.keytab" 0640
{ bed_ndes_config password_file microsoft "md5:$TESTBED_CA_THUMBPRINT_MD5" |
    sed "s|^password_file = .*|password_file = \"$WORK/secrets/svc-password\"|"
} >"$WORK/etc/password.toml"
scepctl getchallenge --config "$WORK/etc/password.toml" --ca bed
expect_rc 0
expect_secret_warning '\[kerberos\] password_file' "$WORK/secrets/svc-password" 0644
cat >"$WORK/etc/basic.toml" <<TOML
[ca.basic]
scep_url = "$TESTBED_SCEP_URL_TLS"
challenge_url = "$TESTBED_ADMIN_BASIC_URL_TLS"
tls_ca_file = "$TESTBED_TLS_CA"
username = "$TESTBED_BASIC_USER"
password_file = "$WORK/secrets/basic-password"
TOML
scepctl getchallenge --config "$WORK/etc/basic.toml" --ca basic
expect_rc 0
expect_secret_warning '\[ca\] password_file' "$WORK/secrets/basic-password" 0660
chmod 600 "$WORK/secrets/svc.keytab" "$WORK/secrets/svc-password" "$WORK/secrets/basic-password"
scepctl getchallenge --config "$WORK/etc/keytab.toml" --ca bed
expect_rc 0
expect_no_secret_warning
scepctl getchallenge --config "$WORK/etc/basic.toml" --ca basic
expect_rc 0
expect_no_secret_warning

# ---- The deploy hook inherits standard input, output and error, nothing else: no connection to
# the SCEP server, no other socket, no lock. It lists its own descriptors (ls adds one, the
# directory it reads).
enroll_to renewing --challenge-file "$WORK/secrets/challenge"
expect_rc 0
run "renew --deploy-hook (descriptors)" "$SCEPCTL" renew --url "$FIXTURE_URL" --ca-fingerprint "$pin" \
  --out-dir "$WORK/renewing" --force --deploy-hook "ls -l /proc/self/fd >'$WORK/hook-fds'"
expect_rc 0
expect "the hook ran" test -s "$WORK/hook-fds"
fds=$(awk 'NF >= 11 {print $9, $11}' "$WORK/hook-fds")
expect "the hook has descriptors 0, 1, 2 and the listing's own: $(tr '\n' ' ' <<<"$fds")" python3 -c '
import re, sys
fds = dict(line.split(" ", 1) for line in sys.argv[1].splitlines())
extra = {fd: target for fd, target in fds.items() if fd not in ("0", "1", "2")}
sys.exit(0 if {"0", "1", "2"} <= set(fds) and len(extra) == 1 and
         re.fullmatch(r"/proc/\d+/fd", list(extra.values())[0]) else 1)' "$fds"
expect "no socket among them" test "$(grep -c 'socket:' "$WORK/hook-fds")" = 0

# ---- --timeout and the config's timeout: a finite number of seconds from 0.001 to 86400. What
# would round to 0 ms or overflow (no limit at all for libcurl) is refused before any request.
requests_before=$(grep -c 'GetCACaps' "$state/fixture.log")
for value in 0.0001 0 -1 inf nan 1e300 86401; do
  scepctl getcacaps --url "$FIXTURE_URL" --timeout "$value"
  expect_rc 64
  expect_one_line_error
  expect_err "^scepctl: error: --timeout: \"$value\" is not a number of seconds from 0\.001 to 86400"
  expect_no_out .
done
for value in 0.0001 0 -1.5 inf nan 1e300 86401; do
  printf '[ca.f]\nscep_url = "%s"\ntimeout = %s\n' "$FIXTURE_URL" "$value" >"$WORK/etc/timeout.toml"
  scepctl getcacaps --config "$WORK/etc/timeout.toml" --ca f
  expect_rc 78
  expect_one_line_error
  expect_err "^scepctl: error: $WORK/etc/timeout.toml:3: ca.f.timeout: .* is not a number of seconds from 0\.001 to 86400$"
done
current="out-of-range timeouts"
expect "no request was sent for any of them" test "$(grep -c 'GetCACaps' "$state/fixture.log")" = "$requests_before"
scepctl getcacaps --url "$FIXTURE_URL" --timeout 86400
expect_rc 0
printf '[ca.f]\nscep_url = "%s"\ntimeout = 0.5\n' "$FIXTURE_URL" >"$WORK/etc/timeout.toml"
scepctl getcacaps --config "$WORK/etc/timeout.toml" --ca f
expect_rc 0
scepctl getcacaps --url "http://127.0.0.1:$FIXTURE_PORT/fault/hang$(sed 's|^http://[^/]*||' <<<"$FIXTURE_URL")" --timeout 0.5
expect_rc 89
expect_err 'within 0\.500 s'

# ---- A config file saved with a UTF-8 byte-order mark (Notepad, PowerShell 5) is read.
printf '\xef\xbb\xbf# K\xc3\xb6ln\n[ca.f]\nscep_url = "%s"\nmessage = "caf\xc3\xa9"\n' "$FIXTURE_URL" >"$WORK/etc/bom.toml"
scepctl getcacaps --config "$WORK/etc/bom.toml" --ca f
expect_rc 0
expect_out '^POSTPKIOperation$'
expect_no_err .

stop_fixture

# Help and usage errors point to the right place (issue 21): a subcommand's --help names the
# global options, which CLI11 lists only under scepctl --help; unexpected arguments are named in
# the order typed, with the subcommand's --help.
scepctl enroll --help
expect_rc 0
expect_out '^Global options \(before or after the subcommand; see scepctl --help\):.* --profile NAME,.* --json,'
scepctl enroll first second
expect_rc 64
expect_err '^scepctl: error: unexpected arguments: first second \(see scepctl enroll --help\)$'
scepctl getcacaps --bogus
expect_rc 64
expect_err '^scepctl: error: unexpected argument: --bogus \(see scepctl getcacaps --help\)$'
scepctl --bogus
expect_rc 64
expect_err '\(see scepctl --help\)$'

finish
