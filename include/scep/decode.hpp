// Decoding a captured SCEP message for troubleshooting (`scepctl decode`): a pkiMessage (request
// or CertRep, RFC 8894 §3), a GetCACert reply or certs-only PKCS#7 (§4.2), a bare EnvelopedData
// or PKCS#10, read from DER, PEM or base64 as a proxy, an IIS log or --verbose shows it. Bytes in,
// plain data out: no printing, no files, no HTTP. The input is outside data: nothing in it is
// trusted, a malformed part is reported (a finding, an empty field), never a crash.
//
// Strings in the result (subjects, transactionID, failInfoText) are as the message holds them and
// may contain control characters: escape them before they reach a terminal. A challenge password
// in a decrypted PKCS#10 is never returned, only whether one is there.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "scep/ca_certs.hpp"
#include "scep/caps.hpp"
#include "scep/certificate.hpp"
#include "scep/key.hpp"
#include "scep/pki_message.hpp"

namespace scep {

// How the input was written.
enum class InputEncoding { der, pem, base64 };
std::string to_string(InputEncoding encoding); // "DER", "PEM", "base64"

struct InputFormat {
    InputEncoding encoding = InputEncoding::der;
    bool from_message_query = false; // base64 taken from a `message=` query (a URL, an IIS log line)
    bool url_encoded = false;        // percent-escapes (%2B, %2F, %3D) were decoded
    bool base64url = false;          // the '-' '_' alphabet (micromdm/scep#249), not RFC 8894 §4.1's
    bool line_wrapped = false;       // line breaks inside the base64 text
    std::string pem_label;           // "PKCS7", "CERTIFICATE", ... for PEM
    std::size_t der_size = 0;        // the bytes decoded
};
// One phrase, e.g. "URL-encoded base64 from a message= query, line-wrapped".
std::string describe(const InputFormat& format);

struct DetectedInput {
    InputFormat format;
    Bytes der;                           // the first (or only) structure
    std::vector<Bytes> pem_certificates; // every CERTIFICATE block, when the input is a PEM certificate list
};
// Finds the DER in `input`: raw DER (starts with a SEQUENCE), PEM, or base64 (standard or
// base64url, URL-encoded or not, line-wrapped or not, alone or as the `message=` parameter of a
// URL or IIS log line). Errors: bad_reply, naming what the input looked like.
Result<DetectedInput> detect_input(ByteView input);

struct CertificateInfo {
    std::string subject;
    std::string issuer;
    std::string serial_hex;
    std::string not_before; // ISO 8601 UTC
    std::string not_after;
    std::int64_t not_before_unix = 0;
    std::int64_t not_after_unix = 0;
    bool self_signed = false;
    bool is_ca = false;
    std::string key_type; // "RSA", "EC", ...
    int key_bits = 0;
    std::vector<std::string> key_usage;          // RFC 5280 names; empty without the extension
    std::vector<std::string> extended_key_usage; // short names ("clientAuth") or dotted OIDs
    std::string signature_algorithm;             // "sha256WithRSAEncryption"
    std::string sha256_fingerprint;              // "AB:CD:..."
    std::optional<CertRole> role;                // in a CA/RA bundle
};
CertificateInfo describe_certificate(const Certificate& cert);

// The inner PKCS#10 of a PKCSReq / RenewalReq (§3.3.1).
struct CsrInfo {
    std::string subject;
    std::vector<std::string> subject_alt_names; // "DNS:host.example", "IP Address:192.0.2.1", ...
    std::string key_type;
    int key_bits = 0;
    std::vector<std::string> key_usage;
    std::vector<std::string> extended_key_usage;
    bool challenge_password_present = false; // the value itself is never read out
    bool signature_valid = false;            // self-signature of the request
    std::string signature_algorithm;
};

struct CrlInfo {
    std::string issuer;
    std::string last_update;
    std::string next_update; // empty when absent
    std::size_t revoked = 0;
};

// What a decrypted envelope held.
struct DecryptedContent {
    enum class Kind {
        certification_request, // PKCSReq, RenewalReq
        issuer_and_subject,    // CertPoll (§3.3.3)
        issuer_and_serial,     // GetCert, GetCRL (§3.3.4)
        certificates,          // CertRep SUCCESS: degenerate certs-only (and/or CRLs-only) PKCS#7
        unknown,
    };
    Kind kind = Kind::unknown;
    std::size_t size = 0;
    std::optional<CsrInfo> csr;
    std::vector<CertificateInfo> certificates;
    std::vector<CrlInfo> crls;
    std::string issuer;     // issuer_and_subject, issuer_and_serial
    std::string subject;    // issuer_and_subject
    std::string serial_hex; // issuer_and_serial
};
std::string to_string(DecryptedContent::Kind kind); // "PKCS#10", "IssuerAndSubject", ...

struct EnvelopeRecipient {
    std::string kind;   // "key transport", "key agreement", "KEK", "password", "other"
    std::string issuer; // issuerAndSerialNumber (RFC 5652 §6.2.1), when used
    std::string serial_hex;
    std::string key_id_hex;     // subjectKeyIdentifier, when used instead
    std::string key_encryption; // "rsaEncryption" (PKCS#1 v1.5), "rsaesOaep", ...
    // The certificate it names, when the CA/RA bundle or the request holds it.
    std::optional<CertRole> bundle_role;
    std::string certificate_subject;
    bool is_request_signer = false; // a CertRep encrypted to the certificate that signed the request
    bool server_decrypts = false;   // the bundle's certificate NDES decrypts requests with (§3.1)
    bool matches_key = false;       // the given private key is this recipient's
};

struct EnvelopeInfo {
    std::string content_cipher;     // "AES-128-CBC", "DES-EDE3-CBC", "DES-CBC", or the OID
    std::string content_cipher_oid; // dotted
    std::size_t encrypted_size = 0;
    std::vector<EnvelopeRecipient> recipients;
    std::optional<DecryptedContent> decrypted; // with a key that opens it
    std::string decrypt_error;                 // with a key that did not
};

struct SignerSummary {
    std::string sid_issuer; // how the SignerInfo names its certificate: issuerAndSerialNumber ...
    std::string sid_serial_hex;
    std::string sid_key_id_hex; // ... or subjectKeyIdentifier
    enum class Source { message, bundle, request, none };
    Source certificate_source = Source::none; // where the signer's certificate was found
    std::optional<CertificateInfo> certificate;
    std::string digest_algorithm;    // "SHA256"
    std::string signature_algorithm; // "rsaEncryption", "sha256WithRSAEncryption", ...
    enum class Check { valid, invalid, not_checked };
    Check signature = Check::not_checked; // checked with the certificate found (not_checked: none)
};
std::string to_string(SignerSummary::Source source); // "message", "CA/RA bundle", "request", "none"

// A pkiMessage (§3.2). Attributes are optional: whatever is missing or malformed is absent here
// and named in a finding.
struct PkiMessageInfo {
    std::optional<int> message_type; // the number sent; absent when missing or not a number
    std::string message_type_text;   // the attribute as sent
    std::string message_type_name;   // "PKCSReq", "CertRep", "unknown(42)", "absent"
    std::optional<std::string> transaction_id;
    std::optional<Bytes> sender_nonce;
    std::optional<Bytes> recipient_nonce;
    std::optional<int> pki_status; // CertRep: 0, 2, 3 or what was sent
    std::string pki_status_name;   // "SUCCESS", "FAILURE", "PENDING", "unknown(7)"
    std::optional<int> fail_info;
    std::string fail_info_name; // "badRequest", "unknown(9)"
    std::optional<std::string> fail_info_text;
    SignerSummary signer;
    std::vector<CertificateInfo> certificates; // carried in the SignedData
    bool has_content = false;                  // eContent present (a PENDING/FAILURE may have none)
    std::optional<EnvelopeInfo> envelope;      // the pkcsPKIEnvelope
    bool is_request() const { return message_type && *message_type != static_cast<int>(MessageType::cert_rep); }
};
std::string message_type_name(int type); // "PKCSReq", ..., "unknown(42)"
std::string pki_status_name(int status); // "SUCCESS", "FAILURE", "PENDING", "unknown(7)"

// A GetCACert reply, a certs-only PKCS#7 or a PEM certificate list.
struct CertificateListInfo {
    std::vector<CertificateInfo> certificates; // with roles when they form a CA/RA bundle
    std::vector<CrlInfo> crls;
    bool roles_known = false; // classified as a GetCACert bundle (scep/ca_certs.hpp)
    std::string bundle_error; // why not, when not
};

enum class FindingSeverity { error, warning, info };
std::string to_string(FindingSeverity severity); // "error", "warning", "info"

// One thing a troubleshooter should know, with a stable id for --json and scripts.
struct Finding {
    std::string id; // e.g. "encrypted-to-ca-not-ra"
    FindingSeverity severity = FindingSeverity::info;
    std::string text; // one sentence: what is wrong and what follows from it
};

struct DecodeOptions {
    const CaCertBundle* ca_bundle = nullptr; // the server's GetCACert reply (--ca-bundle, --url)
    const PrivateKey* key = nullptr;         // requester's key, or the RA key on the server side
    const Capabilities* caps = nullptr;      // the server's GetCACaps
    ByteView request;                        // the request a CertRep answers (any input form), or empty
    std::int64_t now_unix = 0;               // for validity findings
};

struct Decoded {
    enum class Kind { pki_message, certificates, enveloped_data, certification_request };
    InputFormat input;
    Kind kind = Kind::pki_message;
    std::optional<PkiMessageInfo> pki_message;
    std::optional<CertificateListInfo> certificates;
    std::optional<EnvelopeInfo> envelope; // a bare EnvelopedData
    std::optional<CsrInfo> csr;           // a bare PKCS#10
    std::vector<Finding> findings;
    bool has(const std::string& finding_id) const;
};
std::string to_string(Decoded::Kind kind); // "pkiMessage", "certificates", "EnvelopedData", "PKCS#10"

// A CA/RA bundle for DecodeOptions::ca_bundle from a file in any form detect_input reads: a
// GetCACert reply (certs-only PKCS#7 or one DER certificate) or PEM certificates, classified by
// parse_get_ca_cert (scep/ca_certs.hpp). Errors: bad_reply, verification.
Result<CaCertBundle> read_ca_bundle(ByteView input, std::int64_t now_unix);

// Decodes `input` (any form detect_input reads). Errors only when nothing in it is a structure
// scepctl knows (bad_reply), or when options.request is given and cannot be read (usage).
Result<Decoded> decode(ByteView input, const DecodeOptions& options);

} // namespace scep
