// A value type around one X.509 CRL (GetCRL, RFC 8894 §3.3.4); copies share the OpenSSL object.
#pragma once

#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include <openssl/types.h>
#include <openssl/x509.h>

#include "ossl/shared.hpp"
#include "scep/util.hpp"
#include "scep/certificate.hpp"

namespace scep {

class Crl {
  public:
    static Result<Crl> from_der(ByteView der);
    // Takes ownership of `crl` (must not be null).
    explicit Crl(X509_CRL* crl);

    X509_CRL* native() const { return m_crl.get(); }
    Bytes der() const;
    std::string pem() const;
    std::string issuer() const;                     // RFC 2253, like Certificate::subject()
    std::string this_update() const;                // ISO 8601 UTC
    std::optional<std::string> next_update() const; // absent in some CRLs
    std::optional<std::int64_t> next_update_unix() const;
    std::size_t revoked_count() const;
    // True when `issuer` signed this CRL: names match and the signature verifies with its key.
    bool signed_by(const Certificate& issuer) const;
    // The revocation date (ISO 8601) when `cert` (same issuer and serial) is on the list.
    std::optional<std::string> revocation_date(const Certificate& cert) const;

  private:
    ossl::Shared<X509_CRL, X509_CRL_up_ref, X509_CRL_free> m_crl;
};

// The CRLs of a degenerate CRLs-only PKCS#7 SignedData (the content of a GetCRL reply, §3.3.2.1).
Result<std::vector<Crl>> crls_from_pkcs7(ByteView der);

} // namespace scep
