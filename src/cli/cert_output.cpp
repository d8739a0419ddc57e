#include "cli/cert_output.hpp"

namespace cli {

namespace {

std::string join(const std::vector<std::string>& items, const char* separator) {
    std::string out;
    for (const auto& item : items)
        out += (out.empty() ? "" : separator) + item;
    return out;
}

Json certificate_json(const scep::CaCertEntry& entry) {
    const scep::Certificate& cert = entry.cert;
    Json json = Json::object();
    json.set("role", scep::to_string(entry.role))
        .set("subject", cert.subject())
        .set("issuer", cert.issuer())
        .set("serial", cert.serial_hex())
        .set("not_before", cert.not_before())
        .set("not_after", cert.not_after())
        .set("key_usage", Json::strings(scep::to_names(cert.key_usage())))
        .set("sha256", util::to_hex(cert.fingerprint(scep::DigestAlg::sha256)))
        .set("sha1", util::to_hex(cert.fingerprint(scep::DigestAlg::sha1)))
        .set("md5", util::to_hex(cert.fingerprint(scep::DigestAlg::md5)));
    return json;
}

void print_certificate(const Output& out, const scep::CaCertEntry& entry, std::size_t index, std::size_t count) {
    const scep::Certificate& cert = entry.cert;
    const auto usage = scep::to_names(cert.key_usage());
    out.line("certificate " + std::to_string(index) + " of " + std::to_string(count) + ": " +
             scep::to_string(entry.role));
    out.line("  subject:    " + cert.subject());
    out.line("  issuer:     " + cert.issuer());
    out.line("  serial:     " + cert.serial_hex());
    out.line("  valid:      " + cert.not_before() + " to " + cert.not_after());
    out.line("  key usage:  " + (usage.empty() ? std::string("(no keyUsage extension)") : join(usage, ", ")));
    out.line("  sha256:     " + util::to_hex_grouped(cert.fingerprint(scep::DigestAlg::sha256), ':'));
    out.line("  sha1:       " + util::to_hex_grouped(cert.fingerprint(scep::DigestAlg::sha1), ':'));
    out.line("  md5:        " + util::to_hex_grouped(cert.fingerprint(scep::DigestAlg::md5), ':'));
}

} // namespace

void print_bundle(const Output& out, const scep::CaCertBundle& bundle) {
    for (std::size_t i = 0; i < bundle.entries.size(); ++i) {
        if (i != 0) out.line("");
        print_certificate(out, bundle.entries[i], i + 1, bundle.entries.size());
    }
}

Json bundle_json(const scep::CaCertBundle& bundle) {
    Json certs = Json::array();
    for (const auto& entry : bundle.entries)
        certs.push(certificate_json(entry));
    return certs;
}

std::string bundle_pem(const scep::CaCertBundle& bundle) {
    std::string pem;
    for (const auto& cert : bundle.ca_chain())
        pem += cert.pem();
    for (const auto& entry : bundle.entries) {
        const bool is_ca = entry.role == scep::CertRole::issuing_ca || entry.role == scep::CertRole::root_ca ||
                           entry.role == scep::CertRole::intermediate_ca;
        if (!is_ca) pem += entry.cert.pem();
    }
    return pem;
}

void print_certificate_summary(const Output& out, const scep::Certificate& cert) {
    out.line("subject:    " + cert.subject());
    out.line("issuer:     " + cert.issuer());
    out.line("serial:     " + cert.serial_hex());
    out.line("valid:      " + cert.not_before() + " to " + cert.not_after());
    out.line("sha256:     " + util::to_hex_grouped(cert.fingerprint(scep::DigestAlg::sha256), ':'));
}

void set_certificate_summary(Json& object, const scep::Certificate& cert) {
    object.set("subject", cert.subject())
        .set("issuer", cert.issuer())
        .set("serial", cert.serial_hex())
        .set("not_before", cert.not_before())
        .set("not_after", cert.not_after())
        .set("sha256", util::to_hex(cert.fingerprint(scep::DigestAlg::sha256)));
}

Json validity_json(const std::optional<scep::RequestedValidity>& asked, const scep::Certificate& cert) {
    const std::int64_t days = (cert.not_after_unix() - cert.not_before_unix() + 43200) / 86400; // whole days
    Json validity = Json::object();
    validity.set("requested", asked ? Json(scep::to_string(*asked)) : Json())
        .set("issued_days", Json(static_cast<long long>(days)))
        .set("as_requested", asked ? Json(!scep::validity_difference(*asked, cert).has_value()) : Json());
    return validity;
}

void add_exchange_json(Json& json, const scep::EnrollmentResult& result, const scep::AlgorithmChoice& algorithms,
                       bool resumed, bool challenge_sent, const std::string& challenge_origin) {
    json.set("transaction_id", result.transaction_id)
        .set("resumed", resumed)
        .set("polls", result.polls)
        .set("method", result.used_post ? "POST" : "GET")
        .set("cipher", scep::to_string(algorithms.cipher))
        .set("digest", scep::to_string(algorithms.digest))
        .set("challenge", challenge_sent ? Json("<redacted>") : Json())
        .set("challenge_source", challenge_origin);
}

void show_file(const Output& out, Json& files, const std::string& label, const std::string& path) {
    std::string text = label + ":";
    text.resize(12, ' ');
    out.line(text + path);
    files.set(label, path);
}

void show_key_location(const Output& out, Json& json, const scep::KeyLocation& key) {
    if (key.store != scep::KeyStore::file) out.line("key store:  " + scep::to_string(key.store));
    json.set("key", Json::object()
                        .set("store", scep::to_string(key.store))
                        .set("path", key.reference.empty() ? Json() : Json(key.reference)));
}

} // namespace cli
