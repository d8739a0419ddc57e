// `scepctl decode` findings: what in a decoded message explains a failure a troubleshooter sees.
// Every text names the cause and what follows from it; NDES behaviour is cited from the project's
// notes (shared/ndes-kerberos.md §2) and the NDES fixture that reproduces it.
#include <algorithm>

#include "scep/decode_detail.hpp"

namespace scep::detail {

namespace {

constexpr std::size_t k_nonce_size = 16; // RFC 8894 §3.2.1.5

std::string quoted(const std::string& text) {
    return "'" + text + "'";
}

// "SHA256" (OpenSSL's short name) as GetCACaps spells it: "SHA-256".
std::string digest_name(const std::string& short_name) {
    if (short_name.rfind("SHA", 0) == 0 && short_name.size() > 3 && short_name[3] != '-')
        return "SHA-" + short_name.substr(3);
    return short_name;
}

// A role as a troubleshooter names it: "RA encryption", "CA".
std::string role_phrase(CertRole role) {
    switch (role) {
    case CertRole::root_ca: return "root CA";
    case CertRole::intermediate_ca: return "intermediate CA";
    case CertRole::issuing_ca: return "CA";
    case CertRole::ra_signing: return "RA signing";
    case CertRole::ra_encryption: return "RA encryption";
    case CertRole::ra_both: return "RA";
    }
    return "unknown";
}

const CertificateInfo* signer_certificate(const PkiMessageInfo& info) {
    return info.signer.certificate ? &*info.signer.certificate : nullptr;
}

// How the SignerInfo names its certificate, for texts.
std::string signer_id(const SignerSummary& signer) {
    if (!signer.sid_issuer.empty()) return "issuer " + quoted(signer.sid_issuer) + " serial " + signer.sid_serial_hex;
    return "key identifier " + signer.sid_key_id_hex;
}

std::string recipient_name(const EnvelopeRecipient& r) {
    if (!r.certificate_subject.empty()) return quoted(r.certificate_subject);
    if (!r.issuer.empty()) return "issuer " + quoted(r.issuer) + " serial " + r.serial_hex;
    if (!r.key_id_hex.empty()) return "key identifier " + r.key_id_hex;
    return "a " + r.kind + " recipient";
}

void validity_findings(const CertificateInfo& cert, const std::string& what, const DecodeContext& ctx) {
    const std::int64_t now = ctx.options.now_unix;
    if (now == 0) return;
    if (cert.not_after_unix < now) {
        ctx.add("signer-expired", FindingSeverity::error,
                what + " " + quoted(cert.subject) + " expired on " + cert.not_after +
                    ": the other side refuses a message it signs (NDES answers a RenewalReq with badRequest)");
    } else if (cert.not_before_unix > now) {
        ctx.add("signer-not-yet-valid", FindingSeverity::error,
                what + " " + quoted(cert.subject) + " is not valid before " + cert.not_before +
                    ": a clock is wrong on one side (a server checking it answers badTime or badRequest)");
    }
}

void attribute_findings(const PkiMessageInfo& info, const DecodeContext& ctx) {
    if (!info.message_type) {
        ctx.add("missing-message-type", FindingSeverity::error,
                "no numeric messageType attribute (" + info.message_type_name +
                    "): not a SCEP pkiMessage, or a broken one (RFC 8894 §3.2.1.2)");
    } else if (info.message_type_name.rfind("unknown", 0) == 0) {
        ctx.add("unknown-message-type", FindingSeverity::warning,
                "messageType " + std::to_string(*info.message_type) +
                    " is not one RFC 8894 §3.2.1.2 defines (3, 17, 19, 20, 21, 22): servers refuse it");
    }
    if (!info.transaction_id) {
        ctx.add("missing-transaction-id", FindingSeverity::error,
                "no transactionID attribute (PrintableString, RFC 8894 §3.2.1.1): the server cannot match it");
    }
    const bool request = info.is_request();
    if (!info.sender_nonce) {
        ctx.add("missing-sender-nonce", request ? FindingSeverity::error : FindingSeverity::warning,
                "no senderNonce attribute (16-byte OCTET STRING, RFC 8894 §3.2.1.5)");
    } else if (info.sender_nonce->size() != k_nonce_size) {
        ctx.add("nonce-length", FindingSeverity::warning,
                "senderNonce has " + std::to_string(info.sender_nonce->size()) + " bytes, not 16 (RFC 8894 §3.2.1.5)");
    }
    if (info.recipient_nonce && info.recipient_nonce->size() != k_nonce_size) {
        ctx.add("nonce-length", FindingSeverity::warning,
                "recipientNonce has " + std::to_string(info.recipient_nonce->size()) +
                    " bytes, not 16: it cannot echo a client's senderNonce");
    }
}

void signature_findings(const PkiMessageInfo& info, const DecodeContext& ctx) {
    const bool request = info.is_request();
    const CertificateInfo* cert = signer_certificate(info);
    if (cert == nullptr) {
        if (request) {
            ctx.add("signer-certificate-missing", FindingSeverity::error,
                    "the message does not carry the certificate its SignerInfo names (" + signer_id(info.signer) +
                        "): the server cannot verify the request (RFC 8894 §3.2 requires it)");
        } else {
            ctx.add("signer-certificate-missing", FindingSeverity::info,
                    "the reply carries no signer certificate (NDES sends none): give the CA/RA bundle to check "
                    "its signature");
        }
        return;
    }
    if (info.signer.signature == SignerSummary::Check::invalid) {
        ctx.add("signature-invalid", FindingSeverity::error,
                "the signature does not verify with " + quoted(cert->subject) +
                    (request ? ": altered, or signed with another key; the server answers FAILURE badMessageCheck"
                             : ": altered, or signed with another key; scepctl refuses the reply (exit 97)"));
    }
    validity_findings(*cert, request ? "the request's signer certificate" : "the reply's signer certificate", ctx);
}

void algorithm_findings(const PkiMessageInfo& info, const DecodeContext& ctx) {
    const std::string digest = digest_name(info.signer.digest_algorithm);
    const Capabilities* caps = ctx.options.caps;
    if (caps == nullptr || !info.is_request()) return;
    if (digest == "SHA-1" && caps->sha256()) {
        ctx.add("digest-sha1-while-sha256", FindingSeverity::warning,
                "signed with SHA-1 while the server advertises SHA-256: use SHA-256");
    } else if ((digest == "SHA-256" && !caps->sha256()) || (digest == "SHA-512" && !caps->sha512())) {
        ctx.add("digest-not-advertised", FindingSeverity::error,
                "signed with " + digest + ", which the server does not advertise in GetCACaps: expect FAILURE badAlg");
    }
    if (!info.envelope) return;
    const std::string& cipher = info.envelope->content_cipher;
    if (cipher.rfind("AES", 0) == 0 && !caps->aes()) {
        ctx.add("cipher-not-advertised", FindingSeverity::error,
                "encrypted with " + cipher + " while the server does not advertise AES: expect FAILURE badAlg");
    } else if (cipher == "DES-EDE3-CBC" && caps->aes()) {
        ctx.add("cipher-des3-while-aes", FindingSeverity::info,
                "encrypted with triple DES while the server advertises AES: prefer AES");
    }
}

// Which certificate of the CA/RA bundle the request is encrypted to, and whether NDES can open it.
void request_recipient_findings(const EnvelopeInfo& envelope, const DecodeContext& ctx) {
    const CaCertBundle* bundle = ctx.options.ca_bundle;
    if (bundle == nullptr || envelope.recipients.empty()) return;
    if (std::any_of(envelope.recipients.begin(), envelope.recipients.end(),
                    [](const EnvelopeRecipient& r) { return r.server_decrypts; })) {
        return;
    }
    const std::string decrypter = quoted(bundle->recipient().subject());
    for (const auto& r : envelope.recipients) {
        if (!r.bundle_role) continue;
        if (*r.bundle_role == CertRole::issuing_ca && bundle->has_ra()) {
            ctx.add("encrypted-to-ca-not-ra", FindingSeverity::error,
                    "encrypted to the CA certificate " + recipient_name(r) +
                        ", but this server has an RA encryption certificate " + decrypter + ": NDES answers HTTP 500");
        } else if (*r.bundle_role == CertRole::ra_signing) {
            ctx.add("encrypted-to-ra-signing", FindingSeverity::error,
                    "encrypted to the RA signing certificate " + recipient_name(r) +
                        " (digitalSignature only), not to the RA encryption certificate " + decrypter +
                        ": the server cannot decrypt it (NDES: FAILURE badMessageCheck or HTTP 500)");
        } else {
            ctx.add("encrypted-to-wrong-certificate", FindingSeverity::error,
                    "encrypted to the " + role_phrase(*r.bundle_role) + " certificate " + recipient_name(r) +
                        ", not to " + decrypter + ", the one the server decrypts with");
        }
        return;
    }
    ctx.add("encrypted-to-unknown-certificate", FindingSeverity::error,
            "encrypted to " + recipient_name(envelope.recipients.front()) +
                ", which is not in the server's CA/RA bundle: the server cannot decrypt it (a stale RA "
                "certificate, or another server's); it decrypts with " +
                decrypter);
}

void renewal_findings(const PkiMessageInfo& info, const DecodeContext& ctx) {
    const CertificateInfo* cert = signer_certificate(info);
    if (cert == nullptr || info.message_type != static_cast<int>(MessageType::renewal_req)) return;
    if (cert->self_signed) {
        ctx.add("renewal-self-signed", FindingSeverity::error,
                "a RenewalReq signed by a self-signed certificate: it must be signed by the certificate being "
                "renewed (RFC 8894 §2.5); NDES answers FAILURE badRequest");
    } else if (const CaCertBundle* bundle = ctx.options.ca_bundle;
               bundle && cert->issuer != bundle->issuing_ca().subject()) {
        ctx.add("renewal-signer-not-from-ca", FindingSeverity::error,
                "a RenewalReq signed by " + quoted(cert->subject) + ", issued by " + quoted(cert->issuer) +
                    ", not by this server's CA " + quoted(bundle->issuing_ca().subject()) +
                    ": the server answers FAILURE badRequest");
    }
}

std::string fail_info_explanation(const std::optional<int>& fail_info) {
    switch (fail_info.value_or(-1)) {
    case 0: return "the server does not support the digest or cipher the request used: pick one GetCACaps offers";
    case 1:
        return "the server could not verify or decrypt the request: encrypted to the wrong certificate, or "
               "the signature does not verify";
    case 2:
        return "the server refused the request: on NDES a wrong, used or missing challenge password, a "
               "request the template does not allow, or a RenewalReq signed by a certificate it did not issue";
    case 3: return "the message's time was not close enough to the server's clock";
    case 4:
        return "no certificate or transaction matches: a CertPoll for a transaction the server does not know, "
               "or a GetCert for an unknown serial";
    default: return "the reason is not one RFC 8894 §3.2.1.4 defines";
    }
}

void status_findings(const PkiMessageInfo& info, const DecodeContext& ctx) {
    if (!info.recipient_nonce) {
        ctx.add("missing-recipient-nonce", FindingSeverity::error,
                "a CertRep without recipientNonce: the client cannot tie it to its request (RFC 8894 §3.2.1.5)");
    }
    if (!info.pki_status) {
        ctx.add("missing-pki-status", FindingSeverity::error,
                "a CertRep without a numeric pkiStatus attribute (" +
                    (info.pki_status_name.empty() ? std::string("absent") : info.pki_status_name) +
                    ", RFC 8894 §3.2.1.3)");
        return;
    }
    if (*info.pki_status == 2) {
        std::string text = "FAILURE" + (info.fail_info_name.empty() ? std::string() : " " + info.fail_info_name);
        if (info.fail_info_text) text += " (\"" + *info.fail_info_text + "\")";
        ctx.add("ca-failure", FindingSeverity::error, text + ": " + fail_info_explanation(info.fail_info));
    } else if (*info.pki_status == 3) {
        ctx.add("pending", FindingSeverity::info,
                "PENDING: the request waits for approval; poll with CertPoll under the same transactionID");
    } else if (*info.pki_status == 0 && !info.envelope) {
        ctx.add("success-without-envelope", FindingSeverity::error,
                "SUCCESS without an encrypted certificate envelope (RFC 8894 §3.3.2): nothing to install");
    } else if (*info.pki_status != 0) {
        ctx.add("unknown-pki-status", FindingSeverity::error,
                "pkiStatus " + std::to_string(*info.pki_status) + " is not SUCCESS (0), FAILURE (2) or PENDING (3)");
    }
}

void reply_signer_findings(const MessageAnalysis& message, const DecodeContext& ctx) {
    const CaCertBundle* bundle = ctx.options.ca_bundle;
    const PkiMessageInfo& info = message.info;
    if (bundle == nullptr) return;
    const std::string expected = quoted(bundle->reply_signer().subject());
    if (!message.signer_bundle_role) {
        ctx.add("reply-signer-not-in-bundle", FindingSeverity::error,
                "the reply is signed by " + signer_id(info.signer) +
                    ", which is not in the CA/RA bundle: scepctl "
                    "checks it with " +
                    expected + " and refuses it (another server's or a renewed RA key?)");
    } else if (X509_cmp(message.signer->native(), bundle->reply_signer().native()) != 0) {
        ctx.add("reply-signer-not-expected", FindingSeverity::error,
                "the reply is signed by the " + role_phrase(*message.signer_bundle_role) + " certificate " +
                    quoted(message.signer->subject()) + ", but the bundle's reply signer is " + expected +
                    ": scepctl checks it with that one and refuses it");
    }
}

void request_match_findings(const MessageAnalysis& message, const DecodeContext& ctx) {
    if (ctx.request == nullptr) return;
    const PkiMessageInfo& reply = message.info;
    const PkiMessageInfo& request = ctx.request->analysis.info;
    if (reply.transaction_id && request.transaction_id && *reply.transaction_id != *request.transaction_id) {
        ctx.add("transaction-id-mismatch", FindingSeverity::error,
                "the reply's transactionID " + quoted(*reply.transaction_id) + " is not the request's " +
                    quoted(*request.transaction_id) + ": a reply to another request");
    }
    if (reply.recipient_nonce && request.sender_nonce && *reply.recipient_nonce != *request.sender_nonce) {
        ctx.add("recipient-nonce-mismatch", FindingSeverity::error,
                "recipientNonce does not match the request's senderNonce: a replayed or misrouted reply, or a "
                "reply to an earlier send of the request");
    }
    if (reply.envelope && !reply.envelope->recipients.empty() &&
        std::none_of(reply.envelope->recipients.begin(), reply.envelope->recipients.end(),
                     [](const EnvelopeRecipient& r) { return r.is_request_signer; })) {
        ctx.add("reply-encrypted-to-other", FindingSeverity::error,
                "the reply is encrypted to " + recipient_name(reply.envelope->recipients.front()) +
                    ", not to the certificate that signed the request (RFC 8894 §3.3.2): the client cannot open it");
    }
}

void issued_findings(const EnvelopeInfo& envelope, const DecodeContext& ctx) {
    if (!envelope.decrypted || ctx.options.now_unix == 0) return;
    for (const auto& cert : envelope.decrypted->certificates) {
        if (cert.is_ca || cert.self_signed) continue;
        if (cert.not_after_unix < ctx.options.now_unix) {
            ctx.add("issued-expired", FindingSeverity::error,
                    "the issued certificate " + quoted(cert.subject) + " (serial " + cert.serial_hex + ") expired on " +
                        cert.not_after + ": a server clock or template validity problem");
        } else if (cert.not_before_unix > ctx.options.now_unix + 300) {
            ctx.add("issued-not-yet-valid", FindingSeverity::error,
                    "the issued certificate " + quoted(cert.subject) + " is not valid before " + cert.not_before +
                        ": the server's clock is ahead");
        }
    }
}

} // namespace

void input_findings(const InputFormat& format, const DecodeContext& ctx) {
    if (format.base64url) {
        ctx.add("base64url", FindingSeverity::warning,
                "the message is in the base64url alphabet ('-', '_'): RFC 8894 §4.1 requires standard base64, "
                "and servers that follow it refuse it (micromdm scepclient's GET, micromdm/scep#249)");
    }
}

void envelope_findings(const EnvelopeInfo& envelope, std::optional<int> message_type, const DecodeContext& ctx) {
    if (envelope.content_cipher == "DES-CBC") {
        ctx.add("cipher-single-des", FindingSeverity::warning,
                "encrypted with single DES (56-bit, broken): micromdm's scepclient and scepserver use it; OpenSSL 3 "
                "reads it only with its legacy provider (certmonger fails with 'unsupported')");
    }
    if (ctx.options.key != nullptr && !envelope.decrypted) {
        std::string names;
        for (const auto& r : envelope.recipients)
            names += (names.empty() ? "" : ", ") + recipient_name(r);
        ctx.add("key-does-not-decrypt", FindingSeverity::error,
                "the key given does not open the envelope (" + envelope.decrypt_error + "); it is encrypted to " +
                    (names.empty() ? std::string("no recipient") : names));
    }
    if (envelope.decrypted && envelope.decrypted->csr) csr_findings(*envelope.decrypted->csr, message_type, ctx);
    issued_findings(envelope, ctx);
}

void csr_findings(const CsrInfo& csr, std::optional<int> message_type, const DecodeContext& ctx) {
    if (!csr.signature_valid) {
        ctx.add("csr-signature-invalid", FindingSeverity::error,
                "the PKCS#10 request's self-signature does not verify: the server refuses it (badRequest)");
    }
    if (csr.key_type == "RSA" && csr.key_bits < 2048) {
        ctx.add("csr-key-small", FindingSeverity::warning,
                "the requested key is RSA " + std::to_string(csr.key_bits) +
                    " bits: CA templates usually require at least 2048");
    }
    if (message_type == static_cast<int>(MessageType::pkcs_req) && !csr.challenge_password_present) {
        ctx.add("challenge-missing", FindingSeverity::warning,
                "the PKCSReq's PKCS#10 has no challengePassword: NDES (which requires one by default) answers "
                "FAILURE badRequest");
    }
}

void certificate_list_findings(const CertificateListInfo& list, const std::vector<std::string>& bundle_warnings,
                               const DecodeContext& ctx) {
    if (!list.roles_known) {
        if (!list.bundle_error.empty()) {
            ctx.add("not-a-ca-bundle", FindingSeverity::info, "not a usable GetCACert bundle: " + list.bundle_error);
        }
        return;
    }
    for (const auto& warning : bundle_warnings)
        ctx.add("bundle-certificate-validity", FindingSeverity::warning,
                warning + ": NDES stops answering when "
                          "its RA certificates expire");
    const auto has = [&](CertRole role) {
        return std::any_of(list.certificates.begin(), list.certificates.end(),
                           [&](const CertificateInfo& c) { return c.role == role; });
    };
    if (has(CertRole::ra_signing) && !has(CertRole::ra_encryption) && !has(CertRole::ra_both)) {
        ctx.add("ra-encryption-missing", FindingSeverity::error,
                "an RA signing certificate but no RA encryption certificate: clients encrypt to the CA, which NDES "
                "cannot decrypt (HTTP 500)");
    } else if (!has(CertRole::ra_signing) && !has(CertRole::ra_encryption) && !has(CertRole::ra_both)) {
        ctx.add("no-ra-certificate", FindingSeverity::info,
                "no RA certificate: requests are encrypted to the CA itself and replies signed by it (a plain RFC "
                "8894 server such as scepserver; NDES always sends its RA certificates)");
    }
}

void pki_message_findings(const MessageAnalysis& message, const DecodeContext& ctx) {
    const PkiMessageInfo& info = message.info;
    attribute_findings(info, ctx);
    signature_findings(info, ctx);
    algorithm_findings(info, ctx);
    if (info.is_request()) {
        renewal_findings(info, ctx);
        if (info.envelope) request_recipient_findings(*info.envelope, ctx);
    } else if (info.message_type) {
        status_findings(info, ctx);
        reply_signer_findings(message, ctx);
        request_match_findings(message, ctx);
    }
    if (info.envelope) envelope_findings(*info.envelope, info.message_type, ctx);
}

} // namespace scep::detail
