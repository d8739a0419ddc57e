#include "cli/pki_query.hpp"

#include "cli/secrets.hpp"

namespace cli {

using util::Error;
using util::ErrorCode;

void add_query_options(CLI::App* sub, QueryOptions& options, const std::string& cert_help) {
    add_ca_request_options(sub, options.ca);
    sub->add_option("--key", options.key,
                    "RSA key (PEM or DER) that signs the request and opens the reply (default: a throw-away key)");
    sub->add_option("--key-pass-file", options.key_pass_file, "Passphrase for --key");
    sub->add_option("--cert", options.cert, cert_help);
    sub->add_option("--out", options.out, "Write the result as PEM to FILE (atomically)")->required();
    sub->add_flag("--force", options.force, "Replace the --out file if it exists");
}

util::Result<PreparedQuery> prepare_query(Context& context, const QueryOptions& options) {
    PreparedQuery query;
    query.overwrite = options.force ? store::Overwrite::replace : store::Overwrite::refuse;
    if (!options.out.empty()) SCEP_TRY_VOID(store::check_new_files({options.out}, query.overwrite));
    if (!options.key_pass_file.empty() && options.key.empty()) {
        return Error(ErrorCode::usage, "--key-pass-file is the passphrase of --key: give --key too");
    }
    if (!options.cert.empty()) {
        SCEP_TRY(const util::Bytes data, store::read_file(options.cert, 1 << 20));
        auto cert = scep::Certificate::from_der(data);
        if (!cert) {
            auto pem = scep::Certificate::from_pem(util::as_chars(data));
            if (!pem) return Error(ErrorCode::file, "--cert " + options.cert + ": not a PEM or DER certificate");
            cert = pem->front();
        }
        query.cert = std::move(cert).value();
    }
    std::optional<scep::PrivateKey> key;
    if (!options.key.empty()) {
        std::optional<util::Secret> passphrase;
        if (!options.key_pass_file.empty()) {
            SCEP_TRY(passphrase, read_secret_file(options.key_pass_file, "--key-pass-file", context.output));
        }
        SCEP_TRY(const util::Bytes data, store::read_file(options.key, 1 << 20));
        auto loaded = scep::PrivateKey::load(data, passphrase);
        if (!loaded) return std::move(loaded).error().context("--key " + options.key);
        key = std::move(loaded).value();
    }

    SCEP_TRY(query.connection, connect_ca(context, options.ca));
    SCEP_TRY(const scep::CapsReply caps, query.connection.client->get_ca_caps(query.connection.message));
    if (caps.http_error) context.output.warning(caps.http_error->message + "; continuing without capabilities");
    query.caps = caps.caps;
    SCEP_TRY(query.ca, fetch_verified_ca(query.connection, context.output));
    SCEP_TRY(const scep::AlgorithmChoice algorithms, scep::choose_algorithms(query.caps, {}));
    for (const auto& warning : algorithms.warnings)
        context.output.warning(warning);

    // RFC 8894 §2.3: an existing certificate signs with its own key; otherwise a self-signed one.
    if (!key) {
        SCEP_TRY(key, scep::PrivateKey::generate_rsa(2048));
    }
    std::optional<scep::Certificate> signer;
    if (query.cert && key->matches(*query.cert)) {
        signer = *query.cert;
    } else {
        SCEP_TRY(const scep::DistinguishedName name, scep::parse_distinguished_name("CN=scepctl"));
        SCEP_TRY(const scep::X509NamePtr subject, scep::to_x509_name(name));
        SCEP_TRY(signer, scep::make_self_signed_signer(*key, subject.get(), algorithms.digest));
    }
    query.request =
        scep::QueryRequest{scep::MessageType::get_cert, {}, *signer, *key, algorithms, scep::HttpMethod::automatic};
    return query;
}

util::Result<scep::QueryReply> run_query(Context& context, PreparedQuery& query, scep::MessageType type,
                                         util::Bytes message_data) {
    query.request->type = type;
    query.request->message_data = std::move(message_data);
    const Output& out = context.output;
    auto sent = scep::send_query(*query.connection.client, query.ca, query.caps, *query.request,
                                 [&out](const std::string& line) { out.note(line); });
    if (!sent) {
        Error error = std::move(sent).error();
        // GetCert and GetCRL are optional (RFC 8894 §3.3.4): say so when the refusal looks like that.
        if ((error.code == ErrorCode::http_status && error.http_status && *error.http_status >= 400) ||
            (error.code == ErrorCode::ca_failure && error.fail_info == 2)) {
            error.message += "; many servers do not implement " + scep::to_string(type) +
                             " (NDES answers FAILURE badRequest, micromdm scepserver HTTP 500)";
        }
        return error;
    }
    scep::QueryReply reply = std::move(sent).value();
    for (const auto& warning : reply.warnings)
        out.warning(warning);
    return reply;
}

} // namespace cli
