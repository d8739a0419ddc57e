// A value type around one X.509 certificate; copies share the OpenSSL object by reference count.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include <openssl/types.h>
#include <openssl/x509.h>

#include "ossl/shared.hpp"
#include "scep/util.hpp"

namespace scep {

enum class DigestAlg { sha256, sha1, md5 };
std::string to_string(DigestAlg alg); // "sha256", "sha1", "md5"

struct KeyUsage {
    bool present = false; // false when the certificate has no keyUsage extension
    bool digital_signature = false;
    bool non_repudiation = false;
    bool key_encipherment = false;
    bool data_encipherment = false;
    bool key_agreement = false;
    bool key_cert_sign = false;
    bool crl_sign = false;
};
std::vector<std::string> to_names(const KeyUsage& usage); // RFC 5280 names, e.g. "digitalSignature"

class Certificate {
  public:
    static Result<Certificate> from_der(ByteView der);
    // Every certificate of a PEM text, in order; fails when there is none.
    static Result<std::vector<Certificate>> from_pem(std::string_view pem);
    // Takes ownership of `cert` (must not be null).
    explicit Certificate(X509* cert) noexcept : m_cert(cert) {}

    X509* native() const { return m_cert.get(); }

    Bytes der() const;
    std::string pem() const;
    std::string subject() const; // RFC 2253 order, e.g. "CN=ca,O=Example"
    std::string issuer() const;
    std::string serial_hex() const; // upper-case hex, as openssl x509 -serial prints it
    std::string not_before() const; // ISO 8601 UTC, "2026-11-23T08:53:58Z"
    std::string not_after() const;
    std::int64_t not_after_unix() const;
    std::int64_t not_before_unix() const;
    KeyUsage key_usage() const;
    std::vector<std::string> extended_key_usage() const; // dotted OIDs; empty without the extension
    bool is_ca() const;                                  // basicConstraints cA = TRUE
    bool is_self_signed() const; // issuer == subject and the signature verifies with its own key
    bool is_rsa() const;
    // True when `issuer` issued this certificate: names match and the signature verifies.
    bool issued_by(const Certificate& issuer) const;
    Bytes fingerprint(DigestAlg alg) const;

  private:
    ossl::Shared<X509, X509_up_ref, X509_free> m_cert;
};

// The MD5 as the NDES admin page shows the CA's thumbprint: four groups of eight upper-case hex
// digits, "DC60FAA3 5B15E5C8 ...".
std::string ndes_thumbprint(const Certificate& cert);

// An out-of-band CA fingerprint, as an admin copies it: "sha256:AB:CD...", "sha1:ab cd ...",
// "md5:DC60FAA3 5B15E5C8 ..." (NDES admin page format). Colons and spaces are ignored.
// Without a prefix the algorithm is taken from the length (32, 20 or 16 bytes).
struct Fingerprint {
    DigestAlg alg = DigestAlg::sha256;
    Bytes value;
    bool matches(const Certificate& cert) const;
    std::string to_string() const; // "sha256:abcd..."
};
Result<Fingerprint> parse_fingerprint(std::string_view text);

} // namespace scep
