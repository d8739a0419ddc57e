// scepctl getnextcacert: the CA's rollover certificates (RFC 8894 §4.7), signed by the current CA.
#include <ctime>
#include <memory>

#include "cli/app.hpp"
#include "cli/ca_connection.hpp"
#include "cli/cert_output.hpp"
#include "store/atomic_file.hpp"
#include "util/url.hpp"

namespace cli {

namespace {

struct GetNextCaCertOptions {
    CaRequestOptions ca;
    std::string out;
    bool force = false;
};

util::Result<void> run_getnextcacert(Context& context, const GetNextCaCertOptions& options) {
    SCEP_TRY(CaConnection connection, connect_ca(context, options.ca));
    const auto overwrite = options.force ? store::Overwrite::replace : store::Overwrite::refuse;
    if (!options.out.empty()) SCEP_TRY_VOID(store::check_new_files({options.out}, overwrite));

    const Output& out = context.output;
    SCEP_TRY(const scep::CapsReply caps, connection.client->get_ca_caps(connection.message));
    if (!caps.caps.get_next_ca_cert()) {
        // RFC 8894 §3.5.2: only a server that advertises GetNextCACert may be asked for it.
        return util::Error(util::ErrorCode::usage,
                           "the server does not advertise GetNextCACert in GetCACaps" +
                               std::string(caps.http_error ? " (" + caps.http_error->message + ")" : "") +
                               ": it has no rollover certificates to hand out (NDES never does); use getcacert for "
                               "the current ones");
    }
    // The rollover bundle is trusted because the current CA signed it: that CA must be the pinned one.
    SCEP_TRY(const scep::CaCertBundle current, fetch_verified_ca(connection, out));
    SCEP_TRY(const scep::NextCaCerts next,
             connection.client->get_next_ca_cert(connection.message, current, std::time(nullptr)));

    if (!options.out.empty()) {
        SCEP_TRY_VOID(store::write_file_atomic(options.out, util::as_bytes(bundle_pem(next.bundle)), 0644, overwrite));
    }
    print_bundle(out, next.bundle);
    for (const auto& warning : next.bundle.warnings)
        out.warning("next CA: " + warning);
    out.note("signed by the current " + std::string(next.signer.is_ca() ? "CA" : "RA") + " '" + next.signer.subject() +
             "' (verified)");

    Json result = Json::object();
    result.set("command", "getnextcacert")
        .set("url", util::redact_url(connection.url))
        .set("signer", next.signer.subject())
        .set("signer_sha256", util::to_hex(next.signer.fingerprint(scep::DigestAlg::sha256)))
        .set("certificates", bundle_json(next.bundle))
        .set("fingerprint_verified", connection.pinned.has_value())
        .set("warnings", Json::strings(next.bundle.warnings));
    if (!options.out.empty()) {
        out.note("wrote " + std::to_string(next.bundle.entries.size()) + " certificate(s) to " + options.out);
        result.set("out", options.out);
    }
    out.json(result);
    return {};
}

} // namespace

void add_getnextcacert(CLI::App& app, Context& context) {
    auto options = std::make_shared<GetNextCaCertOptions>();
    auto* sub = app.add_subcommand(
        "getnextcacert", "Fetch the CA's rollover certificates (GetNextCACert), verified against the current CA");
    add_ca_request_options(sub, options->ca);
    sub->add_option("--out", options->out, "Write the new certificates as a PEM bundle to FILE (atomically)");
    sub->add_flag("--force", options->force, "Replace the --out file if it exists");
    sub->callback([&context, options] {
        context.command = [&context, options] { return run_getnextcacert(context, *options); };
    });
}

} // namespace cli
