// SCEP pkiMessage (RFC 8894 §3): SignedData over EnvelopedData, with SCEP's signed attributes.
#pragma once

#include <array>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "scep/certificate.hpp"
#include "scep/key.hpp"

namespace scep {

// RFC 8894 §3.2.1.2
enum class MessageType { cert_rep = 3, renewal_req = 17, pkcs_req = 19, cert_poll = 20, get_cert = 21, get_crl = 22 };
// RFC 8894 §3.2.1.3
enum class PkiStatus { success = 0, failure = 2, pending = 3 };
// RFC 8894 §3.2.1.4; held as int so unknown values survive parsing and are reported, never crash.
enum class FailInfo { bad_alg = 0, bad_message_check = 1, bad_request = 2, bad_time = 3, bad_cert_id = 4 };
std::string fail_info_name(int fail_info); // "badRequest", or "unknown(7)"
// Whether an error's failInfo (§3.2.1.4, unset when the CA sent none) is `which`.
inline bool fail_info_is(const std::optional<int>& fail_info, FailInfo which) {
    return fail_info == static_cast<int>(which);
}
std::string to_string(MessageType type);

enum class ContentCipher { aes128_cbc, aes256_cbc, des3_cbc };
enum class MessageDigest { sha1, sha256, sha512 };
std::string to_string(ContentCipher cipher); // "aes128", "aes256", "des3"
std::string to_string(MessageDigest digest); // "sha1", "sha256", "sha512"
// The inverses of to_string; nullopt for any other name.
std::optional<ContentCipher> cipher_from_string(std::string_view name);
std::optional<MessageDigest> digest_from_string(std::string_view name);

using TransactionId = std::string; // PrintableString (§3.2.1.1)
using Nonce = std::array<std::uint8_t, 16>;

Nonce random_nonce();
// Stable across runs for the same key, printable (§3.2.1.1): upper-case hex SHA-256 of the
// SubjectPublicKeyInfo. The same key resumes the same transaction.
TransactionId transaction_id_for(const PrivateKey& key);
// For a renewal that keeps its key (§2.5 allows it): the same rule over the SubjectPublicKeyInfo
// followed by the DER of the certificate being renewed. transaction_id_for(key) would repeat the
// ID of the request that issued that certificate, and NDES answers a repeated ID with the
// certificate it issued then (certnanny/sscep#189). Stable, so a PENDING renewal can be resumed.
TransactionId renewal_transaction_id(const PrivateKey& key, const Certificate& renewed);

struct OutgoingMessage {
    MessageType type = MessageType::pkcs_req;
    TransactionId transaction_id;
    Nonce sender_nonce{};
    ContentCipher cipher = ContentCipher::aes128_cbc;
    MessageDigest digest = MessageDigest::sha256;
};

// Encrypts message_data (a DER CSR, IssuerAndSubject, ...) to `recipient` and signs the envelope
// with signer_cert/signer_key, adding messageType, transactionID and senderNonce (§3.2).
Result<Bytes> build_pki_message(const OutgoingMessage& message, ByteView message_data, const Certificate& signer_cert,
                                const PrivateKey& signer_key, const Certificate& recipient);

// The self-signed certificate that signs an initial request (§2.3): same subject and key as the
// CSR, keyUsage digitalSignature + keyEncipherment.
Result<Certificate> make_self_signed_signer(const PrivateKey& key, const X509_NAME* subject, MessageDigest digest);

// IssuerAndSubject (§3.3.3) for CertPoll.
Result<Bytes> issuer_and_subject(const X509_NAME* issuer, const X509_NAME* subject);

// A serial number in hex as openssl and Windows show it (colons, spaces and a 0x prefix allowed),
// as upper-case hex without leading zeros; usage error when it is not hex or longer than 20 bytes.
Result<std::string> parse_serial_hex(std::string_view text);

// IssuerAndSerialNumber (RFC 5652 §10.2.4) for GetCert and GetCRL (§3.3.4): `issuer` and a serial
// number as parse_serial_hex reads it.
Result<Bytes> issuer_and_serial(const X509_NAME* issuer, std::string_view serial_hex);

struct CertRep {
    PkiStatus status = PkiStatus::failure;
    std::optional<int> fail_info;
    std::optional<std::string> fail_info_text;
    TransactionId transaction_id;
    Nonce recipient_nonce{};
    std::string signature_digest; // e.g. "SHA1" (NDES signs CertRep with SHA-1)
    Bytes enveloped_data;         // DER EnvelopedData, present on SUCCESS
};

// Parses a CertRep and verifies its signature with `expected_signer` only: certificates inside
// the message are ignored for that (NDES sends none). Errors: bad_reply (malformed, missing or
// invalid attributes, unknown status or message type), verification (signature).
Result<CertRep> parse_cert_rep(ByteView der, const Certificate& expected_signer);

// §3.2.1.5: the reply must echo our transaction ID and our nonce.
Result<void> check_cert_rep(const CertRep& rep, const TransactionId& transaction_id, const Nonce& sender_nonce);

struct IssuedCertificates {
    Certificate certificate;         // the one whose public key is ours
    std::vector<Certificate> others; // the rest of the degenerate PKCS#7, in order
    std::string envelope_cipher;     // e.g. "DES-EDE3-CBC", for reporting weak server choices
};

// Decrypts a SUCCESS reply's envelope with the key of the certificate that signed our request
// (§3.3.2.1: the reply is encrypted to it) and picks the certificate issued to `requested_key`,
// the key of our CSR: the same key for an initial request, the new key of a renewal (§2.5).
Result<IssuedCertificates> open_cert_rep(const CertRep& rep, const Certificate& our_cert, const PrivateKey& our_key,
                                         const PrivateKey& requested_key);
inline Result<IssuedCertificates> open_cert_rep(const CertRep& rep, const Certificate& our_cert,
                                                const PrivateKey& our_key) {
    return open_cert_rep(rep, our_cert, our_key, our_key);
}

struct OpenedEnvelope {
    Bytes content;               // the degenerate certs-only (or CRLs-only) PKCS#7 inside
    std::string envelope_cipher; // e.g. "DES-EDE3-CBC"
};

// Decrypts a SUCCESS reply's envelope (§3.3.2.1: encrypted to the certificate that signed our
// request) with our key.
Result<OpenedEnvelope> open_envelope(const CertRep& rep, const Certificate& our_cert, const PrivateKey& our_key);

} // namespace scep
