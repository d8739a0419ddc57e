#!/bin/sh
# Validate an NDES setup from a CI pipeline with scepctl; the job fails with scepctl's exit code
# (documented in scepctl(1): 80 Kerberos/auth, 81 HTTP, 82 challenge, 95 network/TLS,
# 97 verification, ...), so the pipeline shows which class of problem it is.
#
#   SCEPCTL_CONFIG=/etc/scepctl/config.toml examples/ci-validate-ndes.sh device
#
# Argument: the profile to validate (its CA must have scep_url, ca_fingerprint and, for the
# Kerberos checks, challenge_url with prefer_kerberos). Set SCEPCTL to use another binary.
set -u
profile=${1:?usage: ci-validate-ndes.sh PROFILE}
scepctl=${SCEPCTL:-scepctl}
report_dir=${REPORT_DIR:-.}

step() { # step NAME ARGS...: run one scepctl check, keep its JSON, stop the job on failure
    name=$1
    shift
    echo "== $name"
    "$scepctl" --profile "$profile" --json "$@" >"$report_dir/scepctl-$name.json"
    rc=$?
    if [ "$rc" -ne 0 ]; then
        echo "FAILED: $name (exit $rc); details in $report_dir/scepctl-$name.json" >&2
        exit "$rc"
    fi
}

step getcacaps getcacaps
step getcacert getcacert           # checks the CA against the profile's ca_fingerprint
step check-kerberos check-kerberos # realm, KDC, tickets, SPN, IIS authentication, the page
echo "NDES setup for profile '$profile' is valid"
