// scepctl getcacert: the CA (and RA) certificates, checked against a pinned fingerprint (RFC 8894 §4.2).
#include "cli/app.hpp"
#include "cli/cert_output.hpp"
#include "store/atomic_file.hpp"
#include "util/url.hpp"
#include "workflow/server.hpp"

namespace cli {

util::Result<void> run_getcacert(Run& run) {
    SCEP_TRY(config::ServerSettings settings, config::server_settings(run.options));
    const std::string out_file = run.options.text("out").value_or("");
    const auto overwrite = run.options.flag("force") ? store::Overwrite::replace : store::Overwrite::refuse;
    // Refuse before any network traffic, not after the download.
    if (!out_file.empty()) SCEP_TRY_VOID(store::check_new_files({out_file}, overwrite, 0755));

    workflow::Server server = workflow::open_server(std::move(settings), run.with);
    const std::optional<scep::Fingerprint>& pinned = server.settings.pin;
    SCEP_TRY(const scep::CaCertBundle bundle,
             server.client->get_ca_cert(server.settings.message, run.with.clock.now_unix()));
    if (pinned) SCEP_TRY_VOID(scep::verify_ca_fingerprint(bundle, *pinned));
    // Write before printing anything, so a failed write is the only thing the user sees.
    if (!out_file.empty()) {
        SCEP_TRY_VOID(store::write_output(out_file, util::as_bytes(bundle_pem(bundle)), 0644, overwrite));
    }

    const Output& out = run.out;
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
        .set("url", util::redact_url(server.settings.url))
        .set("format", bundle.format == scep::CaCertFormat::single_der ? "x509-ca-cert" : "x509-ca-ra-cert")
        .set("certificates", bundle_json(bundle))
        .set("fingerprint_verified", pinned.has_value())
        .set("warnings", Json::strings(bundle.warnings));
    if (!out_file.empty()) {
        out.note("wrote " + std::to_string(bundle.entries.size()) + " certificate(s) to " +
                 (store::is_standard_output(out_file) ? "standard output" : out_file));
        result.set("out", out_file);
    }
    out.json(result);
    return {};
}

} // namespace cli
