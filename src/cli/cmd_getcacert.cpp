// scepctl getcacert: the CA (and RA) certificates, checked against a pinned fingerprint (RFC 8894 §4.2).
#include <ctime>
#include <memory>

#include "cli/app.hpp"
#include "scep/client.hpp"
#include "store/atomic_file.hpp"

namespace cli {

namespace {

struct GetCaCertOptions {
    std::string message;
    std::string ca_fingerprint;
    std::string out;
    bool force = false;
};

std::string join(const std::vector<std::string>& items, const char* separator) {
    std::string out;
    for (const auto& item : items) out += (out.empty() ? "" : separator) + item;
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
        .set("sha256", scep::to_hex(cert.fingerprint(scep::DigestAlg::sha256)))
        .set("sha1", scep::to_hex(cert.fingerprint(scep::DigestAlg::sha1)))
        .set("md5", scep::to_hex(cert.fingerprint(scep::DigestAlg::md5)));
    return json;
}

void print_certificate(const Output& out, const scep::CaCertEntry& entry, std::size_t index, std::size_t count) {
    const scep::Certificate& cert = entry.cert;
    const auto usage = scep::to_names(cert.key_usage());
    out.line("certificate " + std::to_string(index) + " of " + std::to_string(count) + ": " + scep::to_string(entry.role));
    out.line("  subject:    " + cert.subject());
    out.line("  issuer:     " + cert.issuer());
    out.line("  serial:     " + cert.serial_hex());
    out.line("  valid:      " + cert.not_before() + " to " + cert.not_after());
    out.line("  key usage:  " + (usage.empty() ? std::string("(no keyUsage extension)") : join(usage, ", ")));
    out.line("  sha256:     " + scep::to_hex_grouped(cert.fingerprint(scep::DigestAlg::sha256), ':'));
    out.line("  sha1:       " + scep::to_hex_grouped(cert.fingerprint(scep::DigestAlg::sha1), ':'));
    out.line("  md5:        " + scep::to_hex_grouped(cert.fingerprint(scep::DigestAlg::md5), ':'));
}

// CA chain first (issuing CA up to the root), then the RA certificates, as received.
std::string bundle_pem(const scep::CaCertBundle& bundle) {
    std::string pem;
    for (const auto& cert : bundle.ca_chain()) pem += cert.pem();
    for (const auto& entry : bundle.entries) {
        const bool is_ca = entry.role == scep::CertRole::issuing_ca || entry.role == scep::CertRole::root_ca ||
                           entry.role == scep::CertRole::intermediate_ca;
        if (!is_ca) pem += entry.cert.pem();
    }
    return pem;
}

scep::Result<void> run_getcacert(Context& context, GetCaCertOptions options) {
    SCEP_TRY(const std::string url, context.scep_url());
    SCEP_TRY(const config::CaConfig* ca_config, context.ca());
    if (ca_config != nullptr) {
        if (options.ca_fingerprint.empty()) options.ca_fingerprint = ca_config->ca_fingerprint;
        if (options.message.empty()) options.message = ca_config->message;
    }
    std::optional<scep::Fingerprint> pinned;
    if (!options.ca_fingerprint.empty()) {
        SCEP_TRY(pinned, scep::parse_fingerprint(options.ca_fingerprint));
    }
    const auto overwrite = options.force ? store::Overwrite::replace : store::Overwrite::refuse;
    // Refuse before any network traffic, not after the download.
    if (!options.out.empty()) SCEP_TRY_VOID(store::check_new_files({options.out}, overwrite));

    transport::CurlTransport transport(context.transport_options());
    scep::Client client(transport, url);
    SCEP_TRY(const scep::CaCertBundle bundle, client.get_ca_cert(options.message, std::time(nullptr)));
    if (pinned) SCEP_TRY_VOID(scep::verify_ca_fingerprint(bundle, *pinned));

    // Write before printing anything, so a failed write is the only thing the user sees.
    if (!options.out.empty()) {
        SCEP_TRY_VOID(store::write_file_atomic(options.out, scep::as_bytes(bundle_pem(bundle)), 0644, overwrite));
    }

    const Output& out = context.output;
    for (std::size_t i = 0; i < bundle.entries.size(); ++i) {
        if (i != 0) out.line("");
        print_certificate(out, bundle.entries[i], i + 1, bundle.entries.size());
    }
    for (const auto& warning : bundle.warnings) out.warning(warning);
    if (pinned) {
        out.note("CA fingerprint verified (" + pinned->to_string() + ")");
    } else {
        out.warning("no --ca-fingerprint given: the CA is not authenticated; compare its fingerprint with the one your"
                    " CA administrator publishes before trusting it");
    }

    Json certs = Json::array();
    for (const auto& entry : bundle.entries) certs.push(certificate_json(entry));
    Json result = Json::object();
    result.set("command", "getcacert")
        .set("url", transport::CurlTransport::redact_url(url))
        .set("format", bundle.format == scep::CaCertFormat::single_der ? "x509-ca-cert" : "x509-ca-ra-cert")
        .set("certificates", std::move(certs))
        .set("fingerprint_verified", pinned.has_value())
        .set("warnings", Json::strings(bundle.warnings));
    if (!options.out.empty()) {
        out.note("wrote " + std::to_string(bundle.entries.size()) + " certificate(s) to " + options.out);
        result.set("out", options.out);
    }
    out.json(result);
    return {};
}

} // namespace

void add_getcacert(CLI::App& app, Context& context) {
    auto options = std::make_shared<GetCaCertOptions>();
    auto* sub = app.add_subcommand("getcacert", "Fetch and check the CA and RA certificates (GetCACert)");
    sub->add_option("--message", options->message, "CA identifier sent as the message= parameter (most servers ignore it)");
    sub->add_option("--ca-fingerprint", options->ca_fingerprint,
                    "Expected CA fingerprint: sha256:HEX, sha1:HEX or md5:HEX (colons and spaces allowed); a mismatch fails");
    sub->add_option("--out", options->out, "Write the certificates as a PEM bundle to FILE (atomically)");
    sub->add_flag("--force", options->force, "Replace the --out file if it exists");
    sub->callback([&context, options] { context.command = [&context, options] { return run_getcacert(context, *options); }; });
}

} // namespace cli
