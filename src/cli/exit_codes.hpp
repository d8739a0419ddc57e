// The documented, stable exit codes (man scepctl(1), EXIT STATUS). Never renumber.
#pragma once

#include "util/result.hpp"

namespace cli {

enum ExitCode : int {
    k_exit_ok = 0,
    k_exit_internal = 1,
    k_exit_ca_failure = 2,
    k_exit_pending = 3,
    k_exit_usage = 64,
    k_exit_bad_alg = 70, // 70..74: CA FAILURE with failInfo 0..4 (RFC 8894 §3.2.1.4), as sscep
    k_exit_config = 78,
    k_exit_auth = 80,
    k_exit_http = 81,
    k_exit_challenge = 82,
    k_exit_hook = 83,           // renew: the deploy hook failed; the renewal itself is complete
    k_exit_not_renewable = 84,  // renew: the existing certificate cannot be renewed (expired, other CA, key mismatch)
    k_exit_status_due = 85,     // status: a certificate is due for renewal (none worse)
    k_exit_status_problem = 86, // status: a certificate is expired, not yet valid, unreadable, or not its key's
    k_exit_timeout = 89,
    k_exit_file = 93,
    k_exit_network = 95,
    k_exit_reply_rejected = 97,
    k_exit_signal_base =
        128, // enroll, renew: 128 + the signal that stopped the run (129 SIGHUP, 130 SIGINT, 143 SIGTERM)
};

int exit_code_for(const util::Error& error);

} // namespace cli
