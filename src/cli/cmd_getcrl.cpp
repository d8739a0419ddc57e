// scepctl getcrl: the CRL that covers a certificate (GetCRL, RFC 8894 §3.3.4), signed by its issuer.
#include "cli/app.hpp"
#include "scep/crl.hpp"
#include "util/url.hpp"
#include "workflow/query.hpp"

namespace cli {

util::Result<void> run_getcrl(Run& run) {
    SCEP_TRY(const workflow::QueryPlan plan, workflow::plan_query(run.options, run.with.events));
    SCEP_TRY(workflow::PreparedQuery query, workflow::prepare_query(plan, run.with));
    const scep::Certificate& cert = *plan.cert; // --cert is required
    // The CRL comes from the certificate's issuer, which must be this CA or a CA above it.
    std::optional<scep::Certificate> issuer;
    for (const auto& ca : query.ca.ca_chain()) {
        if (!issuer && cert.issued_by(ca)) issuer = ca;
    }
    if (!issuer) {
        return util::Error(util::ErrorCode::usage, "--cert " + run.options.text("cert").value_or("") + " ('" +
                                                       cert.subject() + "') was not issued by this CA ('" +
                                                       query.ca.issuing_ca().subject() + "'): ask its own CA");
    }
    SCEP_TRY(util::Bytes message_data, scep::issuer_and_serial(X509_get_issuer_name(cert.native()), cert.serial_hex()));
    SCEP_TRY(const scep::QueryReply reply,
             workflow::run_query(query, scep::MessageType::get_crl, std::move(message_data), run.with));
    SCEP_TRY(const scep::Crl crl, scep::crl_from_reply(reply, *issuer));
    SCEP_TRY_VOID(store::write_output(plan.out, util::as_bytes(crl.pem()), 0644, plan.overwrite));

    const Output& out = run.out;
    const auto revoked = crl.revocation_date(cert);
    const auto next_update = crl.next_update();
    const auto next_unix = crl.next_update_unix();
    if (next_unix && *next_unix < run.with.clock.now_unix()) {
        out.warning("the CRL is stale: its next update was due " + *next_update + " (is the CA publishing CRLs?)");
    }
    out.line("issuer:      " + crl.issuer());
    out.line("this update: " + crl.this_update());
    out.line("next update: " + next_update.value_or("(none)"));
    out.line("revoked:     " + std::to_string(crl.revoked_count()) + " certificate(s)");
    out.line("serial " + cert.serial_hex() + ": " + (revoked ? "REVOKED on " + *revoked : "not revoked"));
    out.line("crl:         " + plan.out);
    Json result = Json::object();
    result.set("command", "getcrl")
        .set("url", util::redact_url(plan.server.url))
        .set("issuer", crl.issuer())
        .set("this_update", crl.this_update())
        .set("next_update", next_update ? Json(*next_update) : Json())
        .set("revoked_count", static_cast<long long>(crl.revoked_count()))
        .set("serial", cert.serial_hex())
        .set("revoked", revoked.has_value())
        .set("revocation_date", revoked ? Json(*revoked) : Json())
        .set("transaction_id", reply.transaction_id)
        .set("method", reply.used_post ? "POST" : "GET")
        .set("out", plan.out)
        .set("warnings", Json::strings(reply.warnings));
    out.json(result);
    return {};
}

} // namespace cli
