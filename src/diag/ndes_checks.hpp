// check-ndes: every check a CI pipeline needs to trust an NDES (or other SCEP) setup, one
// PASS/WARN/FAIL/SKIP result each with evidence and fix. The test enrollment sends the request the
// profile's real enrollments send (subject, key size, key usage, EKUs, SANs), so on NDES it tests
// the template the profile lands on.
#pragma once

#include <optional>
#include <string>

#include "config/settings.hpp"
#include "diag/kerberos_checks.hpp"
#include "diag/report.hpp"
#include "workflow/context.hpp"

namespace diag {

struct NdesCheckPlan {
    config::ServerSettings server;
    std::string type;        // "microsoft" or "generic"; empty: decided from the Server header
    std::string type_origin; // "--type", "the CA's type"
    bool enroll_test = false;
    bool strict = false;                   // --strict: a certificate unlike the request FAILs enroll-test (else WARN)
    config::RequestSettings request;       // the profile's request, for --enroll-test
    config::KeyStoreSettings keys;         // where --enroll-test makes its key (file or tpm2)
    std::optional<util::Secret> challenge; // given: wins over fetching one
    std::optional<config::ChallengePlan> challenge_page;
    std::optional<KerberosCheckPlan> kerberos; // the Kerberos walk, when the page prefers Kerberos
    std::string keep;                          // --keep DIR: key.pem, cert.pem, chain.pem of the test
    bool force = false;
};
// Everything the user typed is checked here, before the first request.
util::Result<NdesCheckPlan> plan_ndes_checks(const config::Options& options, const config::Environment& environment,
                                             std::optional<util::Secret> challenge);

struct NdesCheckRun {
    std::string type; // the type the RA checks used
};
// Runs every check into `report` (FAILs are in the report, not errors).
NdesCheckRun run_ndes_checks(NdesCheckPlan plan, workflow::Collaborators& with, Report& report);

} // namespace diag
