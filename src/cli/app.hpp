// The command line: the subcommand table, and the edge where errors become exit codes. Each
// subcommand is one function: resolve its options (done before it is called), plan, run the
// workflow or the checks, render the outcome as text or JSON.
#pragma once

#include <optional>
#include <string>
#include <vector>

#include "cli/json.hpp"
#include "cli/output.hpp"
#include "config/resolve.hpp"
#include "util/result.hpp"
#include "util/secret.hpp"
#include "workflow/context.hpp"

namespace cli {

// One run of one subcommand.
struct Run {
    const config::Options& options;
    const config::Environment& environment; // without the secret variables (SCEPCTL_CHALLENGE)
    const Output& out;
    workflow::Collaborators& with;
    // What a command that failed after doing its work reports with --json next to the error.
    std::optional<Json> result_on_error{};
    // The flags as typed (status resolves each --profile on its own).
    const config::CommandLine* line = nullptr;
    // The exit status of a command that succeeded but has something to report (status: 85, 86).
    int exit_code = 0;
};

// The challenge the user gave: --challenge-file, --challenge VALUE or - (standard input), else
// SCEPCTL_CHALLENGE (wiped from the environment once read). Never echoed anywhere.
util::Result<std::optional<util::Secret>> given_challenge(const Run& run);
// The key's passphrase, TPM authorization value or token PIN when it is not in a file: --key-pass-file
// - (standard input), else SCEPCTL_KEY_PASS (wiped from the environment once read). Nothing when
// --key-pass-file names a file: the workflow reads that.
util::Result<std::optional<util::Secret>> given_key_secret(const Run& run);

util::Result<void> run_getcacaps(Run& run);
util::Result<void> run_getcacert(Run& run);
util::Result<void> run_enroll(Run& run);
util::Result<void> run_renew(Run& run);
util::Result<void> run_getchallenge(Run& run);
util::Result<void> run_check_kerberos(Run& run);
util::Result<void> run_check_ndes(Run& run);
util::Result<void> run_getnextcacert(Run& run);
util::Result<void> run_getcert(Run& run);
util::Result<void> run_getcrl(Run& run);
util::Result<void> run_decode(Run& run);
util::Result<void> run_fingerprint(Run& run);
util::Result<void> run_status(Run& run);

// Parses argv, runs the chosen subcommand and returns the process exit code.
int run(int argc, char** argv);

} // namespace cli
