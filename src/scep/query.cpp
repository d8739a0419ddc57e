#include "scep/query.hpp"

#include <algorithm>

#include "scep/pkcs7_certs.hpp"

namespace scep {

Result<QueryReply> send_query(Client& client, const CaCertBundle& ca, const Capabilities& caps,
                              const QueryRequest& request, const std::function<void(const std::string&)>& progress) {
    const bool post =
        request.method == HttpMethod::post || (request.method == HttpMethod::automatic && caps.post_pki_operation());
    OutgoingMessage message;
    message.type = request.type;
    const Nonce id = random_nonce(); // a new transaction: nothing of an enrollment is resumed
    message.transaction_id = to_upper_ascii(to_hex(id));
    message.cipher = request.algorithms.cipher;
    message.digest = request.algorithms.digest;
    SCEP_TRY(const CertRep rep,
             exchange(client, ca, message, request.message_data, request.signer, request.signer_key, post, progress));
    if (rep.status == PkiStatus::failure) return cert_rep_failure(rep);
    if (rep.status == PkiStatus::pending) {
        return Error(ErrorCode::bad_reply, "the CA answered PENDING to " + to_string(request.type) +
                                               ", which RFC 8894 does not allow (transaction " +
                                               message.transaction_id + ")");
    }
    SCEP_TRY(OpenedEnvelope opened, open_envelope(rep, request.signer, request.signer_key));
    QueryReply reply{std::move(opened.content), message.transaction_id, post, request.algorithms.warnings};
    if (opened.envelope_cipher == "DES-CBC") {
        reply.warnings.push_back("the server encrypted its reply with single DES (weak; RFC 8894 forbids it)");
    }
    return reply;
}

Result<Certificate> certificate_from_reply(const QueryReply& reply, const CaCertBundle& ca,
                                           std::string_view serial_hex) {
    auto certs = detail::certs_from_pkcs7(reply.content);
    if (!certs) return std::move(certs).error().context("GetCert reply");
    SCEP_TRY(const std::string wanted, parse_serial_hex(serial_hex));
    const auto found = std::find_if(certs->begin(), certs->end(), [&](const Certificate& cert) {
        const auto serial = parse_serial_hex(cert.serial_hex());
        return serial && *serial == wanted;
    });
    if (found == certs->end()) {
        return Error(ErrorCode::verification, "the GetCert reply holds " + std::to_string(certs->size()) +
                                                  " certificate(s), none with serial number " + wanted);
    }
    if (!found->issued_by(ca.issuing_ca())) {
        return Error(ErrorCode::verification, "the certificate with serial number " + wanted + " ('" +
                                                  found->subject() + "') is not signed by the CA '" +
                                                  ca.issuing_ca().subject() + "'");
    }
    return *found;
}

Result<Crl> crl_from_reply(const QueryReply& reply, const Certificate& issuer) {
    auto crls = crls_from_pkcs7(reply.content);
    if (!crls) return std::move(crls).error().context("GetCRL reply");
    for (const auto& crl : *crls) {
        if (crl.signed_by(issuer)) return crl;
    }
    return Error(ErrorCode::verification, "the GetCRL reply holds " + std::to_string(crls->size()) +
                                              " CRL(s), none signed by '" + issuer.subject() + "' (first issuer: '" +
                                              crls->front().issuer() + "')");
}

} // namespace scep
