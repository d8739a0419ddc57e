// `scepctl decode --json`: the decoded message as one object (scepctl-decode(1), OUTPUT). Absent
// attributes are null, never guessed; the challenge password is only "<present>" or null.
#include "cli/decode_output.hpp"
#include "util/bytes.hpp"

namespace cli {

namespace {

template <typename T> Json optional_json(const std::optional<T>& value) {
    return value ? Json(*value) : Json();
}

Json optional_hex(const std::optional<util::Bytes>& bytes) {
    return bytes ? Json(util::to_hex(*bytes)) : Json();
}

Json certificate_json(const scep::CertificateInfo& c) {
    Json j = Json::object();
    j.set("subject", c.subject)
        .set("issuer", c.issuer)
        .set("serial", c.serial_hex)
        .set("self_signed", c.self_signed)
        .set("is_ca", c.is_ca)
        .set("role", c.role ? Json(scep::to_string(*c.role)) : Json())
        .set("not_before", c.not_before)
        .set("not_after", c.not_after)
        .set("key_type", c.key_type)
        .set("key_bits", c.key_bits)
        .set("key_usage", Json::strings(c.key_usage))
        .set("extended_key_usage", Json::strings(c.extended_key_usage))
        .set("signature_algorithm", c.signature_algorithm)
        .set("sha256", c.sha256_fingerprint);
    return j;
}

Json certificates_json(const std::vector<scep::CertificateInfo>& certs) {
    Json array = Json::array();
    for (const auto& c : certs)
        array.push(certificate_json(c));
    return array;
}

Json crls_json(const std::vector<scep::CrlInfo>& crls) {
    Json array = Json::array();
    for (const auto& crl : crls) {
        Json j = Json::object();
        j.set("issuer", crl.issuer)
            .set("last_update", crl.last_update)
            .set("next_update", crl.next_update.empty() ? Json() : Json(crl.next_update))
            .set("revoked", static_cast<long long>(crl.revoked));
        array.push(std::move(j));
    }
    return array;
}

Json csr_json(const scep::CsrInfo& csr) {
    Json j = Json::object();
    j.set("subject", csr.subject)
        .set("subject_alt_names", Json::strings(csr.subject_alt_names))
        .set("key_type", csr.key_type)
        .set("key_bits", csr.key_bits)
        .set("key_usage", Json::strings(csr.key_usage))
        .set("extended_key_usage", Json::strings(csr.extended_key_usage))
        .set("challenge_password", csr.challenge_password_present ? Json("<present>") : Json())
        .set("signature_algorithm", csr.signature_algorithm)
        .set("signature_valid", csr.signature_valid);
    return j;
}

Json content_json(const scep::DecryptedContent& content) {
    Json j = Json::object();
    j.set("kind", scep::to_string(content.kind))
        .set("size", static_cast<long long>(content.size))
        .set("csr", content.csr ? csr_json(*content.csr) : Json())
        .set("certificates", certificates_json(content.certificates))
        .set("crls", crls_json(content.crls));
    if (!content.issuer.empty()) j.set("issuer", content.issuer);
    if (!content.subject.empty()) j.set("subject", content.subject);
    if (!content.serial_hex.empty()) j.set("serial", content.serial_hex);
    return j;
}

Json recipient_json(const scep::EnvelopeRecipient& r) {
    Json j = Json::object();
    j.set("kind", r.kind)
        .set("issuer", r.issuer.empty() ? Json() : Json(r.issuer))
        .set("serial", r.serial_hex.empty() ? Json() : Json(r.serial_hex))
        .set("key_id", r.key_id_hex.empty() ? Json() : Json(r.key_id_hex))
        .set("key_encryption", r.key_encryption)
        .set("role", r.bundle_role ? Json(scep::to_string(*r.bundle_role)) : Json())
        .set("certificate_subject", r.certificate_subject.empty() ? Json() : Json(r.certificate_subject))
        .set("is_request_signer", r.is_request_signer)
        .set("server_decrypts", r.server_decrypts)
        .set("matches_key", r.matches_key);
    return j;
}

Json envelope_json(const scep::EnvelopeInfo& env) {
    Json recipients = Json::array();
    for (const auto& r : env.recipients)
        recipients.push(recipient_json(r));
    Json j = Json::object();
    j.set("content_encryption", env.content_cipher)
        .set("content_encryption_oid", env.content_cipher_oid)
        .set("encrypted_size", static_cast<long long>(env.encrypted_size))
        .set("recipients", std::move(recipients))
        .set("decrypted", env.decrypted ? content_json(*env.decrypted) : Json())
        .set("decrypt_error", env.decrypt_error.empty() ? Json() : Json(env.decrypt_error));
    return j;
}

std::string check_name(scep::SignerSummary::Check check) {
    switch (check) {
    case scep::SignerSummary::Check::valid: return "valid";
    case scep::SignerSummary::Check::invalid: return "invalid";
    case scep::SignerSummary::Check::not_checked: return "not_checked";
    }
    return "";
}

Json signer_json(const scep::SignerSummary& s) {
    Json j = Json::object();
    j.set("sid_issuer", s.sid_issuer.empty() ? Json() : Json(s.sid_issuer))
        .set("sid_serial", s.sid_serial_hex.empty() ? Json() : Json(s.sid_serial_hex))
        .set("sid_key_id", s.sid_key_id_hex.empty() ? Json() : Json(s.sid_key_id_hex))
        .set("certificate_source", scep::to_string(s.certificate_source))
        .set("certificate", s.certificate ? certificate_json(*s.certificate) : Json())
        .set("digest_algorithm", s.digest_algorithm)
        .set("signature_algorithm", s.signature_algorithm)
        .set("signature", check_name(s.signature));
    return j;
}

Json pki_message_json(const scep::PkiMessageInfo& m) {
    Json j = Json::object();
    j.set("message_type", optional_json(m.message_type))
        .set("message_type_name", m.message_type_name)
        .set("transaction_id", optional_json(m.transaction_id))
        .set("sender_nonce", optional_hex(m.sender_nonce))
        .set("recipient_nonce", optional_hex(m.recipient_nonce))
        .set("pki_status", optional_json(m.pki_status))
        .set("pki_status_name", m.pki_status_name.empty() ? Json() : Json(m.pki_status_name))
        .set("fail_info", optional_json(m.fail_info))
        .set("fail_info_name", m.fail_info_name.empty() ? Json() : Json(m.fail_info_name))
        .set("fail_info_text", optional_json(m.fail_info_text))
        .set("signer", signer_json(m.signer))
        .set("certificates", certificates_json(m.certificates))
        .set("has_content", m.has_content)
        .set("envelope", m.envelope ? envelope_json(*m.envelope) : Json());
    return j;
}

Json input_json(const scep::InputFormat& f) {
    Json j = Json::object();
    j.set("encoding", scep::to_string(f.encoding))
        .set("from_message_query", f.from_message_query)
        .set("url_encoded", f.url_encoded)
        .set("base64url", f.base64url)
        .set("line_wrapped", f.line_wrapped)
        .set("pem_label", f.pem_label.empty() ? Json() : Json(f.pem_label))
        .set("der_size", static_cast<long long>(f.der_size));
    return j;
}

} // namespace

Json decoded_json(const scep::Decoded& d) {
    Json findings = Json::array();
    for (const auto& f : d.findings) {
        Json j = Json::object();
        j.set("id", f.id).set("severity", scep::to_string(f.severity)).set("text", f.text);
        findings.push(std::move(j));
    }
    Json j = Json::object();
    j.set("input", input_json(d.input)).set("structure", scep::to_string(d.kind));
    j.set("pki_message", d.pki_message ? pki_message_json(*d.pki_message) : Json());
    if (d.certificates) {
        Json list = Json::object();
        list.set("certificates", certificates_json(d.certificates->certificates))
            .set("crls", crls_json(d.certificates->crls))
            .set("roles_known", d.certificates->roles_known)
            .set("bundle_error", d.certificates->bundle_error.empty() ? Json() : Json(d.certificates->bundle_error));
        j.set("certificate_list", std::move(list));
    } else {
        j.set("certificate_list", Json());
    }
    j.set("envelope", d.envelope ? envelope_json(*d.envelope) : Json());
    j.set("csr", d.csr ? csr_json(*d.csr) : Json());
    j.set("findings", std::move(findings));
    return j;
}

} // namespace cli
