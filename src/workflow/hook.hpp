// The pieces of scepctl renew that decide without the network: when a certificate is due, and
// the deploy hook's environment and run.
#pragma once

#include <cstdint>
#include <string>
#include <utility>
#include <vector>

#include "scep/certificate.hpp"
#include "util/result.hpp"

namespace workflow {

constexpr std::int64_t k_seconds_per_day = 86400;

// --days-before N: due when the certificate expires within N days (exactly N days left is due).
struct DueCheck {
    bool due = true;
    std::int64_t seconds_left = 0; // until notAfter; negative once expired
    std::int64_t days_left = 0;    // whole days, rounded down
};
DueCheck renewal_due(std::int64_t not_after_unix, std::int64_t now_unix, int days_before);

// The deploy hook's environment: the parent's, without any SCEPCTL_* variable (SCEPCTL_CHALLENGE
// is a secret), plus `vars` (NAME, VALUE). Entries are "NAME=VALUE".
std::vector<std::string> hook_environment(const char* const* parent,
                                          const std::vector<std::pair<std::string, std::string>>& vars);

// Runs `command` with /bin/sh -c in `environment`, its standard output sent to our standard error
// (standard output is for results and --json), and waits. Returns its exit status, or 128 + the
// signal that ended it; an error only when it could not be started.
util::Result<int> run_hook(const std::string& command, const std::vector<std::string>& environment);

} // namespace workflow
