#include "ndes/http_outcomes.hpp"

namespace ndes {

HttpOutcome http_outcome(long status, Endpoint endpoint) {
    const std::string app =
        endpoint == Endpoint::admin_page ? std::string("CertSrv/mscep_admin") : std::string("CertSrv/mscep");
    switch (status) {
    case 401:
        if (endpoint == Endpoint::admin_page) {
            return {"the page refused the credentials",
                    "check the user name and password, or the Kerberos setup (scepctl check-kerberos)"};
        }
        return {"the SCEP endpoint asks for authentication (devices cannot authenticate there)",
                "IIS: enable Anonymous Authentication on CertSrv/mscep (keep it disabled on mscep_admin)"};
    case 403:
        return {"the web server forbids the request",
                "IIS: check IP Address and Domain Restrictions and SSL Settings (client certificates) on " + app +
                    (endpoint == Endpoint::scep
                         ? "; with the Intune policy module (Certificate Connector) NDES answers 403 to requests "
                           "without a challenge the connector issued"
                         : "")};
    case 404:
        return endpoint == Endpoint::admin_page
                   ? HttpOutcome{"no admin page at this URL",
                                 "the mscep_admin application is missing or was removed by hardening; the URL ends in "
                                 "/certsrv/mscep_admin/"}
                   : HttpOutcome{"no SCEP endpoint at this URL",
                                 "check the URL: NDES uses /certsrv/mscep/mscep.dll, others often "
                                 "/cgi-bin/pkiclient.exe"};
    case 500:
        return {endpoint == Endpoint::admin_page
                    ? "NDES failed to make a password (it cannot decrypt its EncryptedPassword value, or its service "
                      "account or RA certificates are unusable)"
                    : "NDES could not decrypt or process the request (RA certificates, service account or CA)",
                "read the NDES events in the Application log; check that the MSCEP-RA certificates are present, "
                "unexpired and their keys readable by the NDES service account, that the account has Read and "
                "Enroll on the SCEP templates and the CA is reachable; events 2 and 49 on mscep_admin: delete "
                "HKLM\\SOFTWARE\\Microsoft\\Cryptography\\MSCEP\\EncryptedPassword, then iisreset"};
    case 503:
        return {"the SCEP application pool is stopped or crashing",
                "IIS: start the SCEP application pool; if it stops again, renew the password of its identity (the "
                "NDES service account) in AD and in the pool's Identity, and read the Application log for w3wp "
                "crashes (intermediate CA certificates in Trusted Root crash it)"};
    default: return {"unexpected HTTP " + std::to_string(status), "check the URL and the web server's logs"};
    }
}

} // namespace ndes
