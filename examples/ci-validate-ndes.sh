#!/bin/sh
# Validate an NDES setup from a CI pipeline with scepctl check-ndes: TLS, capabilities, CA and RA
# certificates against the pinned fingerprint, IIS URL limits, the admin page (with the Kerberos
# walk when the CA prefers Kerberos) and, with ENROLL_TEST=1, a test enrollment with the profile's
# real request. The checks go to a JUnit XML file for the CI's test report and a JSON file; the job
# fails with scepctl's exit code (scepctl(1): 80 Kerberos/auth, 81 HTTP, 82 challenge, 95
# network/TLS, 97 verification, ...), so the pipeline shows which class of problem it is.
#
#   SCEPCTL_CONFIG=/etc/scepctl/config.toml examples/ci-validate-ndes.sh device
#
# Argument: the profile to validate (its CA must have scep_url, ca_fingerprint and, for the
# Kerberos checks, challenge_url with prefer_kerberos). Set SCEPCTL to use another binary and
# REPORT_DIR for the reports (default: the current directory).
set -u
profile=${1:?usage: ci-validate-ndes.sh PROFILE}
scepctl=${SCEPCTL:-scepctl}
report_dir=${REPORT_DIR:-.}
enroll_test=
[ "${ENROLL_TEST:-0}" = 1 ] && enroll_test=--enroll-test

# shellcheck disable=SC2086 # $enroll_test is one flag or nothing
"$scepctl" --profile "$profile" --json check-ndes $enroll_test \
    --junit "$report_dir/scepctl-check-ndes.xml" >"$report_dir/scepctl-check-ndes.json"
rc=$?
if [ "$rc" -ne 0 ]; then
    echo "FAILED: check-ndes (exit $rc); JUnit in $report_dir/scepctl-check-ndes.xml, details in" \
        "$report_dir/scepctl-check-ndes.json" >&2
    exit "$rc"
fi
echo "NDES setup for profile '$profile' is valid"
