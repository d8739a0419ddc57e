// The certificates of a degenerate certs-only PKCS#7/CMS SignedData (GetCACert, CertRep content).
#pragma once

#include <vector>

#include "scep/certificate.hpp"

namespace scep::detail {

Result<std::vector<Certificate>> certs_from_pkcs7(ByteView der);

} // namespace scep::detail
