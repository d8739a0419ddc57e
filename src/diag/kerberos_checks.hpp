// check-kerberos: walk the path from this host through the KDC to the NDES admin page, one check
// at a time, and say for each failure which setup step is wrong and how to fix it. check-ndes runs
// the same walk when the CA prefers Kerberos for its challenge page.
#pragma once

#include <optional>
#include <string>

#include "config/settings.hpp"
#include "diag/report.hpp"
#include "workflow/context.hpp"

namespace diag {

struct KerberosCheckPlan {
    config::KerberosPlan kerberos;
    std::string url; // the admin page, else the SCEP URL (the Kerberos checks still run against its host)
    transport::TransportOptions transport;
    bool allow_insecure_auth = false;
    bool all = false;        // every check that can run, not only up to the first failure that ends the walk
    std::string delegate_to; // --delegate-to: the delegation target; empty: the page's own SPN
    std::string s4u_user;    // --s4u-user: whom the protocol-transition probe impersonates
};
util::Result<KerberosCheckPlan> plan_kerberos_checks(const config::Options& options);

struct KerberosCheckRun {
    std::string url;                       // the page (or SCEP host) checked; empty when none
    std::optional<util::Secret> challenge; // the page's challenge password when it showed one
};

// Runs every check into `report`; failed checks are in the report, not errors.
KerberosCheckRun run_kerberos_checks(const KerberosCheckPlan& plan, workflow::Collaborators& with, Report& report);

} // namespace diag
