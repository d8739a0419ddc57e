// scepctl getnextcacert: the CA's rollover certificates (RFC 8894 §4.7), signed by the current CA.
#include "cli/app.hpp"
#include "cli/cert_output.hpp"
#include "store/atomic_file.hpp"
#include "util/url.hpp"
#include "workflow/server.hpp"

namespace cli {

util::Result<void> run_getnextcacert(Run& run) {
    SCEP_TRY(config::ServerSettings settings, config::server_settings(run.options));
    const std::string out_file = run.options.text("out").value_or("");
    const auto overwrite = run.options.flag("force") ? store::Overwrite::replace : store::Overwrite::refuse;
    if (!out_file.empty()) SCEP_TRY_VOID(store::check_new_files({out_file}, overwrite, 0755));

    workflow::Server server = workflow::open_server(std::move(settings), run.with);
    SCEP_TRY(const scep::CapsReply caps, server.client->get_ca_caps(server.settings.message));
    if (!caps.caps.get_next_ca_cert()) {
        // RFC 8894 §3.5.2: only a server that advertises GetNextCACert may be asked for it.
        return util::Error(util::ErrorCode::usage,
                           "the server does not advertise GetNextCACert in GetCACaps" +
                               std::string(caps.http_error ? " (" + caps.http_error->message + ")" : "") +
                               ": it has no rollover certificates to hand out (NDES never does); use getcacert for "
                               "the current ones");
    }
    // The rollover bundle is trusted because the current CA signed it: that CA must be the pinned one.
    SCEP_TRY(const scep::CaCertBundle current, workflow::fetch_verified_ca(server, run.with));
    SCEP_TRY(const scep::NextCaCerts next,
             server.client->get_next_ca_cert(server.settings.message, current, run.with.clock.now_unix()));
    if (!out_file.empty()) {
        SCEP_TRY_VOID(store::write_output(out_file, util::as_bytes(bundle_pem(next.bundle)), 0644, overwrite));
    }

    const Output& out = run.out;
    print_bundle(out, next.bundle);
    for (const auto& warning : next.bundle.warnings)
        out.warning("next CA: " + warning);
    out.note("signed by the current " + std::string(next.signer.is_ca() ? "CA" : "RA") + " '" + next.signer.subject() +
             "' (verified)");
    Json result = Json::object();
    result.set("command", "getnextcacert")
        .set("url", util::redact_url(server.settings.url))
        .set("signer", next.signer.subject())
        .set("signer_sha256", util::to_hex(next.signer.fingerprint(scep::DigestAlg::sha256)))
        .set("certificates", bundle_json(next.bundle))
        .set("fingerprint_verified", server.settings.pin.has_value())
        .set("warnings", Json::strings(next.bundle.warnings));
    if (!out_file.empty()) {
        out.note("wrote " + std::to_string(next.bundle.entries.size()) + " certificate(s) to " +
                 (store::is_standard_output(out_file) ? "standard output" : out_file));
        result.set("out", out_file);
    }
    out.json(result);
    return {};
}

} // namespace cli
