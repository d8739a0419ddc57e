#!/usr/bin/env bash
# examples/ansible/ (issue 23): Debian's ansible-playbook runs the scepctl role with -c local; the
# role's scepctl runs in the bed (a wrapper), its files go under $WORK. First run: enrolled,
# changed, files with their modes; second run: nothing changed; --check changes nothing; due:
# renewed; a certificate renew refuses: enrolled anew; a wrong CA fingerprint: the play fails
# with scepctl's one-line error. Results come from a callback's JSON report (ansible/scepctl_report.py)
# and the recap line, not from the task output's text.
. "$(dirname "$0")/lib.sh"

here=$(cd "$(dirname "$0")" && pwd)
examples=$(cd "$here/../../examples" && pwd)
command -v ansible-playbook >/dev/null || { echo "ansible-playbook missing (scripts/install-deps.sh: ansible-core)"; exit 1; }

# scepctl inside the bed's namespace, with the Kerberos configuration it writes itself.
cat >"$WORK/scepctl-in-bed" <<WRAPPER
#!/bin/sh
exec "$TB" env -u KRB5_CONFIG "$SCEPCTL" "\$@"
WRAPPER
chmod 0755 "$WORK/scepctl-in-bed"
password=$(cat "$TESTBED_SVC_PASSWORD_FILE")
mkdir -p "$WORK/home" "$WORK/ansible-tmp"

# write_vars NAME FINGERPRINT [DAYS_BEFORE [OUT_DIR]]: the role's variables for a host whose /etc
# is $WORK/NAME/etc (config, secrets, units) and whose certificate goes to OUT_DIR (default
# $WORK/NAME/pki; relative: to the config's directory).
write_vars() {
  local root="$WORK/$1"
  python3 - "$root" "$2" "${3:-30}" "${4:-$root/pki}" >"$WORK/vars-$1.json" <<PY
import json, os, sys
root, pin, days, out_dir = sys.argv[1], sys.argv[2], int(sys.argv[3]), sys.argv[4]
etc = root + "/etc/scepctl"
print(json.dumps({
    "scepctl_command": ["$WORK/scepctl-in-bed"],
    "scepctl_config_dir": etc,
    "scepctl_kerberos": {"realm": "$TESTBED_REALM", "kdc": ["$TESTBED_KDC"], "service_user": "$TESTBED_SVC_PRINCIPAL",
                         "password_file": etc + "/svc-password", "allowed_domains": ["localhost"]},
    "scepctl_cas": {"bed": {"type": "generic", "scep_url": "$TESTBED_SCEP_URL_TLS",
                            "challenge_url": "$TESTBED_ADMIN_URL_TLS", "prefer_kerberos": True,
                            "tls_ca_file": "$TESTBED_TLS_CA", "ca_fingerprint": pin}},
    "scepctl_profiles": {"device": {"ca": "bed", "subject": "CN=ansible-device,O=scepctl ansible",
                                    "out_dir": out_dir}},
    "scepctl_secrets": [{"dest": etc + "/svc-password", "content": os.environ["SVC_PASSWORD"]},
                        {"dest": etc + "/svc-scep.keytab", "src": "$TESTBED_SVC_KEYTAB"}],
    "scepctl_days_before": days,
    "scepctl_systemd_dir": root + "/etc/systemd/system",
    "scepctl_unit_binary": "$SCEPCTL",
    "scepctl_enable_timer": False,
}))
PY
}
# play NAME VARS [ARGS...]: ansible-playbook on this host; $out and $err its output, $report
# the callback's JSON (stats and every task's result), $recap its recap line for localhost.
play() {
  local name=$1 vars=$2
  shift 2
  current="ansible-playbook $name"
  rm -f "$WORK/report.json"
  env HOME="$WORK/home" ANSIBLE_NOCOLOR=1 ANSIBLE_CALLBACK_PLUGINS="$here/ansible" \
    ANSIBLE_CALLBACKS_ENABLED=scepctl_report SCEPCTL_ANSIBLE_REPORT="$WORK/report.json" \
    ANSIBLE_LOCAL_TEMP="$WORK/ansible-tmp" ANSIBLE_REMOTE_TEMP="$WORK/ansible-tmp" ANSIBLE_RETRY_FILES_ENABLED=0 \
    ANSIBLE_PYTHON_INTERPRETER=/usr/bin/python3 \
    ansible-playbook -c local -i localhost, -e "@$WORK/vars-$vars.json" "$@" "$examples/ansible/site.yml" \
    >"$WORK/out" 2>"$WORK/err" && rc=0 || rc=$?
  out=$(cat "$WORK/out"); err=$(cat "$WORK/err")
  report=$(cat "$WORK/report.json" 2>/dev/null)
  recap=$(grep -E '^localhost +: ok=' "$WORK/out" | tail -n 1)
}
# expect_report EXPR: EXPR over stats (ok, changed, failures, skipped, ...) and tasks (task name ->
# result: rc, stdout, msg, changed, status ok/failed/skipped) of the report is true.
expect_report() {
  if python3 -c "import json, sys
d = json.loads(sys.stdin.read()); stats = d['stats']; tasks = d['tasks']
sys.exit(0 if ($1) else 1)" <<<"$report" 2>/dev/null; then pass "report: $1"; else fail "report: $1"; fi
}
# expect_recap REGEX: the recap line (e.g. 'changed=0 .* failed=0') matches.
expect_recap() { if grep -qE -- "$1" <<<"$recap"; then pass "recap matches /$1/"; else fail "recap '$recap' does not match /$1/"; fi; }
serial_of() { openssl x509 -in "$1" -noout -serial 2>/dev/null | cut -d= -f2; }
modes() { stat -c '%a %U:%G' "$@" | tr '\n' ' '; }
enroll='Enroll when there is no certificate, or one that cannot be renewed'
renew='Renew when due'

# ---------------------------------------------------------------- check mode on a bare host
SVC_PASSWORD=$password write_vars bare "sha256:$TESTBED_CA_SHA256"
play "--check on a bare host" bare --check
expect_rc 0
expect_report 'stats["failures"] == 0 and tasks["'"$enroll"'"]["status"] == "skipped"'
expect "--check on a bare host: nothing written" test ! -e "$WORK/bare"

# ---------------------------------------------------------------- first run: enrolled
SVC_PASSWORD=$password write_vars host "sha256:$TESTBED_CA_SHA256"
mkdir -p "$WORK/host/etc/systemd/system" # a host has it
mkdir -m 0710 "$WORK/host/pki"             # like /etc/ssl/private: the role leaves its mode alone
play "first run" host
expect_rc 0
expect_report 'stats["failures"] == 0 and stats["changed"] > 0'
expect_recap ' changed=[1-9][0-9]* .* failed=0 '
expect_report 'tasks["'"$enroll"'"]["changed"] is True and tasks["'"$renew"'"]["status"] == "skipped"'
expect_report 'json.loads(tasks["'"$enroll"'"]["stdout"])["files"]["cert"] == "'"$WORK/host/pki/cert.pem"'"'
expect "first run: the certificate verifies against the bed's CA" openssl verify -CAfile "$TESTBED_SCEP_CA" "$WORK/host/pki/cert.pem"
expect_key_matches "$WORK/host/pki/cert.pem" "$WORK/host/pki/key.pem"
etc="$WORK/host/etc"
expect "config 0644, secrets 0600, units 0644, all root's ($(modes "$etc/scepctl/config.toml" "$etc/scepctl/svc-password" "$etc/scepctl/svc-scep.keytab"))" \
  test "$(modes "$etc/scepctl/config.toml" "$etc/scepctl/svc-password" "$etc/scepctl/svc-scep.keytab" \
    "$etc/systemd/system/scepctl-renew.service" "$etc/systemd/system/scepctl-renew.timer")" = \
  "644 root:root 600 root:root 600 root:root 644 root:root 644 root:root "
expect "the password file holds the password, the keytab is the bed's" \
  test "$(cat "$etc/scepctl/svc-password")" = "$password" -a "$(cmp "$etc/scepctl/svc-scep.keytab" "$TESTBED_SVC_KEYTAB" && echo same)" = same
expect "the service password is in no output" test -n "$password" -a "$(grep -c -F -- "$password" "$WORK/out" "$WORK/err" | awk -F: '{s += $2} END {print s}')" = 0
expect "the timer is examples/systemd's" cmp -s "$etc/systemd/system/scepctl-renew.timer" "$examples/systemd/scepctl-renew.timer"
expect "the existing certificate directory kept its mode" test "$(stat -c %a "$WORK/host/pki")" = 710
run "systemd-analyze verify" systemd-analyze verify "$etc/systemd/system/scepctl-renew.service" "$etc/systemd/system/scepctl-renew.timer"
expect_rc 0
expect "systemd-analyze has nothing to say about the installed units" test -z "$err$out"
expect "the service renews the profile with the installed config" \
  grep -qx "ExecStart=$SCEPCTL -q renew --profile device --days-before 30" "$etc/systemd/system/scepctl-renew.service"
serial=$(serial_of "$WORK/host/pki/cert.pem")

# ---------------------------------------------------------------- second run: nothing to do
before=$(snapshot "$WORK/host")
play "second run" host
expect_rc 0
expect_report 'stats["failures"] == 0 and stats["changed"] == 0'
expect_recap ' changed=0 .* failed=0 '
expect_report 'json.loads(tasks["'"$renew"'"]["stdout"])["status"] == "not_due" and tasks["'"$enroll"'"]["status"] == "skipped"'
expect_unchanged "$WORK/host" "$before"

# ---------------------------------------------------------------- check mode, renewal due: no change
SVC_PASSWORD=$password write_vars host "sha256:$TESTBED_CA_SHA256" 36500
play "--check with the renewal due" host --check
expect_rc 0
expect_report 'stats["failures"] == 0 and tasks["'"$renew"'"]["status"] == "skipped"'
expect_report 'tasks["Renewal service and timer"]["changed"] is True' # --days-before 36500 in the unit: not written
expect_unchanged "$WORK/host" "$before"

# ---------------------------------------------------------------- due: renewed
play "run with the renewal due" host
expect_rc 0
expect_report 'stats["failures"] == 0 and tasks["'"$renew"'"]["changed"] is True and tasks["'"$enroll"'"]["status"] == "skipped"'
expect_report 'json.loads(tasks["'"$renew"'"]["stdout"])["status"] == "renewed"'
expect "renewed: a new serial ($serial -> $(serial_of "$WORK/host/pki/cert.pem"))" \
  test "$(serial_of "$WORK/host/pki/cert.pem")" != "$serial" -a "$(serial_of "$WORK/host/pki/cert.pem.bak")" = "$serial"
expect_key_matches "$WORK/host/pki/cert.pem" "$WORK/host/pki/key.pem"

# ---------------------------------------------------------------- a certificate renew refuses: enrolled anew
openssl req -x509 -newkey rsa:2048 -nodes -subj "/CN=not from the bed" -days 1 \
  -keyout "$WORK/host/pki/key.pem" -out "$WORK/host/pki/cert.pem" 2>/dev/null
SVC_PASSWORD=$password write_vars host "sha256:$TESTBED_CA_SHA256"
play "run with a certificate from another CA" host
expect_rc 0
expect_report 'stats["failures"] == 0 and tasks["'"$renew"'"]["rc"] == 84 and tasks["'"$renew"'"]["changed"] is False'
expect_report 'tasks["'"$enroll"'"]["changed"] is True'
expect "enrolled anew: the certificate verifies against the bed's CA" openssl verify -CAfile "$TESTBED_SCEP_CA" "$WORK/host/pki/cert.pem"
expect_key_matches "$WORK/host/pki/cert.pem" "$WORK/host/pki/key.pem"

# ---------------------------------------------------------------- a wrong CA fingerprint: the play fails
# (out_dir relative to the config's directory, $WORK/wrong/etc/scepctl: the role creates $WORK/wrong/pki)
SVC_PASSWORD=$password write_vars wrong "sha256:$(printf '0%.0s' $(seq 64))" 30 ../../pki
mkdir -p "$WORK/wrong/etc/systemd/system"
play "wrong CA fingerprint" wrong
expect "the play failed (exit $rc)" test "$rc" -ne 0
expect_recap ' failed=1 '
expect_report 'stats["failures"] == 1 and tasks["'"$enroll"'"]["rc"] == 97'
expect_out 'scepctl enroll failed \(exit 97\): scepctl: error: '
expect_report 'tasks["Enrollment failed"]["msg"].startswith("scepctl enroll failed (exit 97): scepctl: error: ")'
expect_report '"fingerprint" in tasks["Enrollment failed"]["msg"] and "\n" not in tasks["Enrollment failed"]["msg"]'
expect "wrong CA fingerprint: $WORK/wrong/pki made, no key or certificate written" \
  test -d "$WORK/wrong/pki" -a -z "$(ls -A "$WORK/wrong/pki")"

# ---------------------------------------------------------------- the README's example variables
# ... render a configuration scepctl loads (its keytab and out_dir moved under $WORK): renew then
# fails only for the missing certificate (93), not for the configuration (78).
awk '/^```yaml$/ {f = 1; next} /^```$/ {f = 0} f' "$examples/ansible/README.md" >"$WORK/readme-vars.yml"
cp "$TESTBED_SVC_KEYTAB" "$WORK/readme.keytab"
mkdir "$WORK/readme-pki"
python3 - "$WORK" >"$WORK/vars-readme.json" <<'PY'
import json, sys, yaml
work = sys.argv[1]
v = yaml.safe_load(open(work + "/readme-vars.yml"))
v["scepctl_kerberos"]["keytab"] = work + "/readme.keytab"
v["scepctl_profiles"]["device"]["out_dir"] = work + "/readme-pki"
print(json.dumps(v))
PY
run "the README's variables rendered" env HOME="$WORK/home" ANSIBLE_LOCAL_TEMP="$WORK/ansible-tmp" \
  ansible localhost -c local -i localhost, -e ansible_python_interpreter=/usr/bin/python3 \
  -m ansible.builtin.template -a "src=$examples/ansible/roles/scepctl/templates/config.toml.j2 dest=$WORK/readme.toml" \
  -e "@$WORK/vars-readme.json" -e ansible_fqdn=web01.example.com
expect_rc 0
scepctl renew --config "$WORK/readme.toml" --profile device --days-before 30
expect_rc 93
expect_err "$WORK/readme-pki/cert.pem"

finish
