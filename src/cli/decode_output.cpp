#include "cli/decode_output.hpp"

#include "util/bytes.hpp"
#include "util/text.hpp"

namespace cli {

namespace {

using scep::CertificateInfo;

// "label:" padded so that values line up; `indent` for nested parts.
void field(const Output& out, const std::string& label, const std::string& value, int indent = 0) {
    std::string line(static_cast<std::size_t>(indent), ' ');
    line += label + ":";
    constexpr std::size_t width = 22; // values line up at every depth
    if (line.size() < width)
        line.append(width - line.size(), ' ');
    else
        line += ' ';
    out.line(line + value);
}

// "RA encryption", as a troubleshooter names the role.
std::string role_text(scep::CertRole role) {
    switch (role) {
    case scep::CertRole::root_ca: return "root CA";
    case scep::CertRole::intermediate_ca: return "intermediate CA";
    case scep::CertRole::issuing_ca: return "CA";
    case scep::CertRole::ra_signing: return "RA signing";
    case scep::CertRole::ra_encryption: return "RA encryption";
    case scep::CertRole::ra_both: return "RA";
    }
    return "unknown";
}

std::string list_or_none(const std::vector<std::string>& items) {
    return util::join(items, ", ", "(none)");
}

std::string key_text(const std::string& type, int bits) {
    return type + (bits > 0 ? " " + std::to_string(bits) : std::string());
}

void print_certificate(const Output& out, const CertificateInfo& c, int indent) {
    field(out, "subject", c.subject, indent);
    field(out, "issuer", c.issuer + (c.self_signed ? " (self-signed)" : ""), indent);
    field(out, "serial", c.serial_hex, indent);
    if (c.role) field(out, "role", role_text(*c.role), indent);
    field(out, "validity", c.not_before + " to " + c.not_after, indent);
    field(out, "key", key_text(c.key_type, c.key_bits), indent);
    if (!c.key_usage.empty()) field(out, "key usage", list_or_none(c.key_usage), indent);
    if (!c.extended_key_usage.empty()) field(out, "extended key usage", list_or_none(c.extended_key_usage), indent);
    field(out, "sha256", c.sha256_fingerprint, indent);
}

void print_certificates(const Output& out, const std::string& what, const std::vector<CertificateInfo>& certs,
                        int indent) {
    for (std::size_t i = 0; i < certs.size(); ++i) {
        field(out, what, std::to_string(i + 1) + " of " + std::to_string(certs.size()), indent);
        print_certificate(out, certs[i], indent + 2);
    }
}

void print_crls(const Output& out, const std::vector<scep::CrlInfo>& crls, int indent) {
    for (const auto& crl : crls) {
        field(out, "CRL", crl.issuer, indent);
        field(out, "updated", crl.last_update + (crl.next_update.empty() ? "" : ", next " + crl.next_update),
              indent + 2);
        field(out, "revoked", std::to_string(crl.revoked), indent + 2);
    }
}

void print_csr(const Output& out, const scep::CsrInfo& csr, int indent) {
    field(out, "subject", csr.subject, indent);
    field(out, "subjectAltName", list_or_none(csr.subject_alt_names), indent);
    field(out, "key", key_text(csr.key_type, csr.key_bits), indent);
    field(out, "key usage", list_or_none(csr.key_usage), indent);
    field(out, "extended key usage", list_or_none(csr.extended_key_usage), indent);
    field(out, "challengePassword", csr.challenge_password_present ? "<present>" : "(none)", indent);
    field(out, "signature", csr.signature_algorithm + (csr.signature_valid ? ", valid" : ", DOES NOT VERIFY"), indent);
}

void print_content(const Output& out, const scep::DecryptedContent& content, int indent) {
    field(out, "decrypted", scep::to_string(content.kind) + " (" + std::to_string(content.size) + " bytes)", indent);
    indent += 2;
    if (content.csr) print_csr(out, *content.csr, indent);
    if (!content.issuer.empty()) field(out, "issuer", content.issuer, indent);
    if (!content.subject.empty()) field(out, "subject", content.subject, indent);
    if (!content.serial_hex.empty()) field(out, "serial", content.serial_hex, indent);
    print_certificates(out, "certificate", content.certificates, indent);
    print_crls(out, content.crls, indent);
}

std::string recipient_text(const scep::EnvelopeRecipient& r) {
    std::string text = r.kind;
    if (!r.key_encryption.empty()) text += " (" + r.key_encryption + ")";
    if (!r.issuer.empty()) text += " to issuer " + r.issuer + ", serial " + r.serial_hex;
    if (!r.key_id_hex.empty()) text += " to key identifier " + r.key_id_hex;
    if (r.bundle_role) text += ": the " + role_text(*r.bundle_role) + " certificate " + r.certificate_subject;
    if (r.is_request_signer) text += ": the request's signer " + r.certificate_subject;
    if (r.server_decrypts) text += " (the server decrypts with it)";
    if (r.matches_key) text += " (--key opens it)";
    return text;
}

void print_envelope(const Output& out, const scep::EnvelopeInfo& env, int indent) {
    field(out, "envelope",
          env.content_cipher + " (" + env.content_cipher_oid + "), " + std::to_string(env.encrypted_size) +
              " bytes encrypted",
          indent);
    for (std::size_t i = 0; i < env.recipients.size(); ++i)
        field(out, "recipient " + std::to_string(i + 1), recipient_text(env.recipients[i]), indent + 2);
    if (env.decrypted) print_content(out, *env.decrypted, indent + 2);
    if (!env.decrypt_error.empty()) field(out, "not decrypted", env.decrypt_error, indent + 2);
}

std::string signer_text(const scep::SignerSummary& s) {
    if (!s.sid_issuer.empty()) return "issuer " + s.sid_issuer + ", serial " + s.sid_serial_hex;
    return "key identifier " + s.sid_key_id_hex;
}

std::string check_text(scep::SignerSummary::Check check) {
    switch (check) {
    case scep::SignerSummary::Check::valid: return "valid";
    case scep::SignerSummary::Check::invalid: return "DOES NOT VERIFY";
    case scep::SignerSummary::Check::not_checked: return "not checked (no certificate)";
    }
    return "";
}

std::string optional_hex(const std::optional<util::Bytes>& bytes) {
    return bytes ? util::to_hex(*bytes) : std::string("(absent)");
}

void print_pki_message(const Output& out, const scep::PkiMessageInfo& m) {
    field(out, "messageType",
          m.message_type_name + (m.message_type ? " (" + std::to_string(*m.message_type) + ")" : std::string()));
    field(out, "transactionID", m.transaction_id.value_or("(absent)"));
    field(out, "senderNonce", optional_hex(m.sender_nonce));
    field(out, "recipientNonce", optional_hex(m.recipient_nonce));
    if (!m.pki_status_name.empty()) field(out, "pkiStatus", m.pki_status_name);
    if (!m.fail_info_name.empty()) field(out, "failInfo", m.fail_info_name);
    if (m.fail_info_text) field(out, "failInfoText", *m.fail_info_text);
    field(out, "signer", signer_text(m.signer));
    field(out, "certificate from", scep::to_string(m.signer.certificate_source), 2);
    if (m.signer.certificate) print_certificate(out, *m.signer.certificate, 2);
    field(out, "digest", m.signer.digest_algorithm, 2);
    field(out, "signature", m.signer.signature_algorithm + ", " + check_text(m.signer.signature), 2);
    field(out, "certificates", std::to_string(m.certificates.size()) + " in the message");
    if (m.envelope) {
        print_envelope(out, *m.envelope, 0);
    } else {
        field(out, "envelope", m.has_content ? "(content is not an EnvelopedData)" : "(none)");
    }
}

} // namespace

void print_decoded(const Output& out, const scep::Decoded& d) {
    field(out, "input", scep::describe(d.input));
    field(out, "structure", scep::to_string(d.kind));
    if (d.pki_message) print_pki_message(out, *d.pki_message);
    if (d.certificates) {
        if (!d.certificates->roles_known && !d.certificates->bundle_error.empty())
            field(out, "roles", "unknown: " + d.certificates->bundle_error);
        print_certificates(out, "certificate", d.certificates->certificates, 0);
        print_crls(out, d.certificates->crls, 0);
    }
    if (d.envelope) print_envelope(out, *d.envelope, 0);
    if (d.csr) print_csr(out, *d.csr, 0);
    if (d.findings.empty()) {
        field(out, "findings", "none");
        return;
    }
    out.line("findings:");
    for (const auto& f : d.findings)
        out.line("  " + scep::to_string(f.severity) + " [" + f.id + "]: " + f.text);
}

} // namespace cli
