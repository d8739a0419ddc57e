// scepctl getcrl: the CRL that covers a certificate (GetCRL, RFC 8894 §3.3.4), signed by its issuer.
#include <ctime>
#include <memory>

#include "cli/app.hpp"
#include "cli/pki_query.hpp"
#include "util/url.hpp"

namespace cli {

namespace {

util::Result<void> run_getcrl(Context& context, const QueryOptions& options) {
    SCEP_TRY(PreparedQuery query, prepare_query(context, options));
    const scep::Certificate& cert = *query.cert; // --cert is required
    // The CRL comes from the certificate's issuer, which must be this CA or a CA above it.
    std::optional<scep::Certificate> issuer;
    for (const auto& ca : query.ca.ca_chain()) {
        if (!issuer && cert.issued_by(ca)) issuer = ca;
    }
    if (!issuer) {
        return util::Error(util::ErrorCode::usage, "--cert " + options.cert + " ('" + cert.subject() +
                                                       "') was not issued by this CA ('" +
                                                       query.ca.issuing_ca().subject() + "'): ask its own CA");
    }
    SCEP_TRY(util::Bytes message_data, scep::issuer_and_serial(X509_get_issuer_name(cert.native()), cert.serial_hex()));
    SCEP_TRY(const scep::QueryReply reply,
             run_query(context, query, scep::MessageType::get_crl, std::move(message_data)));
    SCEP_TRY(const scep::Crl crl, scep::crl_from_reply(reply, *issuer));
    SCEP_TRY_VOID(store::write_file_atomic(options.out, util::as_bytes(crl.pem()), 0644, query.overwrite));

    const Output& out = context.output;
    const auto revoked = crl.revocation_date(cert);
    const auto next_update = crl.next_update();
    const auto next_unix = crl.next_update_unix();
    if (next_unix && *next_unix < std::time(nullptr)) {
        out.warning("the CRL is stale: its next update was due " + *next_update + " (is the CA publishing CRLs?)");
    }
    out.line("issuer:      " + crl.issuer());
    out.line("this update: " + crl.this_update());
    out.line("next update: " + next_update.value_or("(none)"));
    out.line("revoked:     " + std::to_string(crl.revoked_count()) + " certificate(s)");
    out.line("serial " + cert.serial_hex() + ": " + (revoked ? "REVOKED on " + *revoked : "not revoked"));
    out.line("crl:         " + options.out);
    Json result = Json::object();
    result.set("command", "getcrl")
        .set("url", util::redact_url(query.connection.url))
        .set("issuer", crl.issuer())
        .set("this_update", crl.this_update())
        .set("next_update", next_update ? Json(*next_update) : Json())
        .set("revoked_count", static_cast<long long>(crl.revoked_count()))
        .set("serial", cert.serial_hex())
        .set("revoked", revoked.has_value())
        .set("revocation_date", revoked ? Json(*revoked) : Json())
        .set("transaction_id", reply.transaction_id)
        .set("method", reply.used_post ? "POST" : "GET")
        .set("out", options.out)
        .set("warnings", Json::strings(reply.warnings));
    out.json(result);
    return {};
}

} // namespace

void add_getcrl(CLI::App& app, Context& context) {
    auto options = std::make_shared<QueryOptions>();
    auto* sub = app.add_subcommand("getcrl", "Fetch the CRL that covers a certificate (GetCRL) and say whether it is "
                                             "revoked");
    add_query_options(sub, *options,
                      "The certificate whose CRL is wanted (PEM or DER); it also signs the request when --key is its "
                      "key");
    sub->get_option("--cert")->required();
    sub->callback(
        [&context, options] { context.command = [&context, options] { return run_getcrl(context, *options); }; });
}

} // namespace cli
