// scepctl getcert: a certificate the CA issued, by serial number (GetCert, RFC 8894 §3.3.4).
#include <memory>

#include "cli/app.hpp"
#include "cli/cert_output.hpp"
#include "cli/pki_query.hpp"
#include "util/url.hpp"

namespace cli {

namespace {

struct GetCertOptions {
    QueryOptions query;
    std::string serial;
};

util::Result<void> run_getcert(Context& context, const GetCertOptions& options) {
    // The serial is checked before anything is sent.
    SCEP_TRY_VOID(scep::parse_serial_hex(options.serial));
    SCEP_TRY(PreparedQuery query, prepare_query(context, options.query));
    SCEP_TRY(util::Bytes message_data,
             scep::issuer_and_serial(X509_get_subject_name(query.ca.issuing_ca().native()), options.serial));
    SCEP_TRY(const scep::QueryReply reply,
             run_query(context, query, scep::MessageType::get_cert, std::move(message_data)));
    SCEP_TRY(const scep::Certificate cert, scep::certificate_from_reply(reply, query.ca, options.serial));
    SCEP_TRY_VOID(store::write_file_atomic(options.query.out, util::as_bytes(cert.pem()), 0644, query.overwrite));

    const Output& out = context.output;
    print_certificate_summary(out, cert);
    out.line("cert:       " + options.query.out);
    Json result = Json::object();
    result.set("command", "getcert").set("url", util::redact_url(query.connection.url));
    set_certificate_summary(result, cert);
    result.set("transaction_id", reply.transaction_id)
        .set("method", reply.used_post ? "POST" : "GET")
        .set("out", options.query.out)
        .set("warnings", Json::strings(reply.warnings));
    out.json(result);
    return {};
}

} // namespace

void add_getcert(CLI::App& app, Context& context) {
    auto options = std::make_shared<GetCertOptions>();
    auto* sub = app.add_subcommand("getcert", "Fetch a certificate the CA issued, by serial number (GetCert)");
    sub->add_option("--serial", options->serial,
                    "Serial number in hex, as openssl x509 -serial and Windows show it (colons allowed)")
        ->required();
    add_query_options(sub, options->query,
                      "Certificate that signs the request with --key (default: a self-signed one)");
    sub->callback(
        [&context, options] { context.command = [&context, options] { return run_getcert(context, *options); }; });
}

} // namespace cli
