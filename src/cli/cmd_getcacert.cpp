// scepctl getcacert: the CA (and RA) certificates, checked against a pinned fingerprint (RFC 8894 §4.2).
#include <ctime>
#include <memory>

#include "cli/app.hpp"
#include "cli/ca_connection.hpp"
#include "cli/cert_output.hpp"
#include "scep/client.hpp"
#include "store/atomic_file.hpp"
#include "util/url.hpp"

namespace cli {

namespace {

struct GetCaCertOptions {
    CaRequestOptions ca;
    std::string out;
    bool force = false;
};

util::Result<void> run_getcacert(Context& context, const GetCaCertOptions& options) {
    SCEP_TRY(CaConnection connection, connect_ca(context, options.ca));
    const std::string& url = connection.url;
    const std::optional<scep::Fingerprint>& pinned = connection.pinned;
    const auto overwrite = options.force ? store::Overwrite::replace : store::Overwrite::refuse;
    // Refuse before any network traffic, not after the download.
    if (!options.out.empty()) SCEP_TRY_VOID(store::check_new_files({options.out}, overwrite));

    SCEP_TRY(const scep::CaCertBundle bundle, connection.client->get_ca_cert(connection.message, std::time(nullptr)));
    if (pinned) SCEP_TRY_VOID(scep::verify_ca_fingerprint(bundle, *pinned));

    // Write before printing anything, so a failed write is the only thing the user sees.
    if (!options.out.empty()) {
        SCEP_TRY_VOID(store::write_file_atomic(options.out, util::as_bytes(bundle_pem(bundle)), 0644, overwrite));
    }

    const Output& out = context.output;
    print_bundle(out, bundle);
    for (const auto& warning : bundle.warnings)
        out.warning(warning);
    if (pinned) {
        out.note("CA fingerprint verified (" + pinned->to_string() + ")");
    } else {
        out.warning("no --ca-fingerprint given: the CA is not authenticated; compare its fingerprint with the one your"
                    " CA administrator publishes before trusting it");
    }

    Json result = Json::object();
    result.set("command", "getcacert")
        .set("url", util::redact_url(url))
        .set("format", bundle.format == scep::CaCertFormat::single_der ? "x509-ca-cert" : "x509-ca-ra-cert")
        .set("certificates", bundle_json(bundle))
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
    add_ca_request_options(sub, options->ca);
    sub->add_option("--out", options->out, "Write the certificates as a PEM bundle to FILE (atomically)");
    sub->add_flag("--force", options->force, "Replace the --out file if it exists");
    sub->callback(
        [&context, options] { context.command = [&context, options] { return run_getcacert(context, *options); }; });
}

} // namespace cli
