// What an HTTP status from an NDES server means and what the administrator does about it, for
// every request scepctl makes there (SCEP operations on CertSrv/mscep, the CertSrv/mscep_admin
// page). One catalogue, so that check-ndes, check-kerberos and getchallenge say the same thing.
// Sources: ../shared/ndes-kerberos.md §1.4 (admin page errors), §2.3-2.6 (503, 500), §4 #9 and
// §4.3 (fix texts).
#pragma once

#include <string>

#include "scep/util.hpp"

namespace ndes {

enum class Endpoint { scep, admin_page };

struct HttpOutcome {
    std::string cause; // what the status means on NDES ("the SCEP application pool is stopped ...")
    std::string fix;   // the administrator's action
};

// The cause and fix of a status that is not the server working (not 2xx, not a URL-limit answer
// to a long GET). Statuses without NDES-specific meaning get a generic cause and fix.
HttpOutcome http_outcome(long status, Endpoint endpoint);

} // namespace ndes
