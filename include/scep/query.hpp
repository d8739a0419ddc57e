// GetCert and GetCRL (RFC 8894 §3.3.4): a pkiMessage carrying an IssuerAndSerialNumber, answered
// by a CertRep whose envelope holds the certificate or the CRL (§3.3.2.1). No HTTP library, no files.
#pragma once

#include <functional>
#include <string>
#include <string_view>
#include <vector>

#include "scep/crl.hpp"
#include "scep/enrollment.hpp"

namespace scep {

struct QueryRequest {
    MessageType type = MessageType::get_cert; // get_cert or get_crl
    Bytes message_data;                       // IssuerAndSerialNumber
    Certificate signer;                       // self-signed, or an existing certificate
    PrivateKey signer_key;
    AlgorithmChoice algorithms;
    HttpMethod method = HttpMethod::automatic;
};

struct QueryReply {
    Bytes content; // the decrypted degenerate PKCS#7
    TransactionId transaction_id;
    bool used_post = false;
    std::vector<std::string> warnings; // e.g. a single-DES reply envelope
};

// Sends the request in a new transaction and opens a SUCCESS reply. FAILURE is a ca_failure
// error; PENDING (which no server should answer here) is bad_reply.
Result<QueryReply> send_query(Client& client, const CaCertBundle& ca, const Capabilities& caps,
                              const QueryRequest& request, const std::function<void(const std::string&)>& progress);

// GetCert: the certificate with `serial_hex` (issued by the CA) from the reply.
Result<Certificate> certificate_from_reply(const QueryReply& reply, const CaCertBundle& ca,
                                           std::string_view serial_hex);

// GetCRL: the CRL from the reply, signed by `issuer` (the issuer of the certificate asked about).
Result<Crl> crl_from_reply(const QueryReply& reply, const Certificate& issuer);

} // namespace scep
