// The check-kerberos checks as a step of other commands: check-ndes runs them in-process when the
// CA prefers Kerberos for its challenge page.
#pragma once

#include <optional>
#include <string>

#include "cli/app.hpp"
#include "cli/challenge.hpp"
#include "cli/checks.hpp"

namespace cli {

struct KerberosCheckRun {
    std::string url;                       // the page (or SCEP host) checked; empty when none
    std::optional<util::Secret> challenge; // the page's challenge password when it showed one
};

// Runs every check of check-kerberos into `report`. Errors only for usage and configuration
// problems found before the first check; failed checks are in the report.
util::Result<KerberosCheckRun> run_kerberos_checks(const Context& context, const ChallengeOptions& options, bool all,
                                                   CheckReport& report);

} // namespace cli
