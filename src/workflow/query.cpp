#include "workflow/query.hpp"

#include "store/secret_file.hpp"
#include "workflow/enroll.hpp"

namespace workflow {

using util::Error;
using util::ErrorCode;

util::Result<QueryPlan> plan_query(const config::Options& options, util::EventSink& events) {
    QueryPlan plan;
    SCEP_TRY(plan.server, config::server_settings(options));
    plan.overwrite = options.flag("force") ? store::Overwrite::replace : store::Overwrite::refuse;
    plan.out = options.text("out").value_or("");
    if (!plan.out.empty()) SCEP_TRY_VOID(store::check_new_files({plan.out}, plan.overwrite, 0755));
    plan.key = options.text("key").value_or("");
    const auto pass_file = options.text("key-pass-file");
    if (pass_file && plan.key.empty()) {
        return Error(ErrorCode::usage, "--key-pass-file is the passphrase of --key: give --key too");
    }
    if (const auto cert_path = options.text("cert")) {
        SCEP_TRY(const util::Bytes data, store::read_file(*cert_path, 1 << 20));
        auto cert = scep::Certificate::from_der(data);
        if (!cert) {
            auto pem = scep::Certificate::from_pem(util::as_chars(data));
            if (!pem) return Error(ErrorCode::file, "--cert " + *cert_path + ": not a PEM or DER certificate");
            cert = pem->front();
        }
        plan.cert = std::move(cert).value();
    }
    if (pass_file) {
        SCEP_TRY(plan.key_passphrase, store::read_secret_file(*pass_file, "--key-pass-file", events));
    }
    return plan;
}

util::Result<PreparedQuery> prepare_query(const QueryPlan& plan, Collaborators& with) {
    std::optional<scep::PrivateKey> key;
    if (!plan.key.empty()) {
        SCEP_TRY(key, load_private_key(plan.key, plan.key_passphrase, "--key"));
    }
    Server server = open_server(plan.server, with);
    SCEP_TRY(const scep::CapsReply caps, server.client->get_ca_caps(server.settings.message));
    if (caps.http_error) with.events.warning(caps.http_error->message + "; continuing without capabilities");
    SCEP_TRY(scep::CaCertBundle ca, fetch_verified_ca(server, with));
    SCEP_TRY(const scep::AlgorithmChoice algorithms, scep::choose_algorithms(caps.caps, {}));
    for (const auto& warning : algorithms.warnings)
        with.events.warning(warning);

    // RFC 8894 §2.3: an existing certificate signs with its own key; otherwise a self-signed one.
    if (!key) {
        SCEP_TRY(key, scep::PrivateKey::generate_rsa(2048));
    }
    std::optional<scep::Certificate> signer;
    if (plan.cert && key->matches(*plan.cert)) {
        signer = *plan.cert;
    } else {
        SCEP_TRY(const scep::DistinguishedName name, scep::parse_distinguished_name("CN=scepctl"));
        SCEP_TRY(const scep::X509NamePtr subject, scep::to_x509_name(name));
        SCEP_TRY(signer, scep::make_self_signed_signer(*key, subject.get(), algorithms.digest));
    }
    scep::QueryRequest request{scep::MessageType::get_cert, {}, *signer, *key, algorithms, scep::HttpMethod::automatic};
    return PreparedQuery{std::move(server), std::move(ca), caps.caps, std::move(request)};
}

util::Result<scep::QueryReply> run_query(PreparedQuery& query, scep::MessageType type, util::Bytes message_data,
                                         Collaborators& with) {
    query.request.type = type;
    query.request.message_data = std::move(message_data);
    auto sent = scep::send_query(*query.server.client, query.ca, query.caps, query.request,
                                 [&with](const std::string& line) { with.events.note(line); });
    if (!sent) {
        Error error = std::move(sent).error();
        // GetCert and GetCRL are optional (RFC 8894 §3.3.4): say so when the refusal looks like that.
        if ((error.code == ErrorCode::http_status && error.http_status && *error.http_status >= 400) ||
            (error.code == ErrorCode::ca_failure && scep::fail_info_is(error.fail_info, scep::FailInfo::bad_request))) {
            error.message += "; many servers do not implement " + scep::to_string(type) +
                             " (NDES answers FAILURE badRequest, micromdm scepserver HTTP 500)";
        }
        return error;
    }
    scep::QueryReply reply = std::move(sent).value();
    for (const auto& warning : reply.warnings)
        with.events.warning(warning);
    return reply;
}

} // namespace workflow
