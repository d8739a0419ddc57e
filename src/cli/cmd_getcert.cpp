// scepctl getcert: a certificate the CA issued, by serial number (GetCert, RFC 8894 §3.3.4).
#include "cli/app.hpp"
#include "cli/cert_output.hpp"
#include "util/url.hpp"
#include "workflow/query.hpp"

namespace cli {

util::Result<void> run_getcert(Run& run) {
    const std::string serial = run.options.text("serial").value_or("");
    // The serial is checked before anything is sent.
    SCEP_TRY_VOID(scep::parse_serial_hex(serial));
    SCEP_TRY(const workflow::QueryPlan plan, workflow::plan_query(run.options, run.with.events));
    SCEP_TRY(workflow::PreparedQuery query, workflow::prepare_query(plan, run.with));
    SCEP_TRY(util::Bytes message_data,
             scep::issuer_and_serial(X509_get_subject_name(query.ca.issuing_ca().native()), serial));
    SCEP_TRY(const scep::QueryReply reply,
             workflow::run_query(query, scep::MessageType::get_cert, std::move(message_data), run.with));
    SCEP_TRY(const scep::Certificate cert, scep::certificate_from_reply(reply, query.ca, serial));
    SCEP_TRY_VOID(store::write_output(plan.out, util::as_bytes(cert.pem()), 0644, plan.overwrite));

    const Output& out = run.out;
    print_certificate_summary(out, cert);
    out.line("cert:       " + plan.out);
    Json result = Json::object();
    result.set("command", "getcert").set("url", util::redact_url(plan.server.url));
    set_certificate_summary(result, cert);
    result.set("transaction_id", reply.transaction_id)
        .set("method", reply.used_post ? "POST" : "GET")
        .set("out", plan.out)
        .set("warnings", Json::strings(reply.warnings));
    out.json(result);
    return {};
}

} // namespace cli
