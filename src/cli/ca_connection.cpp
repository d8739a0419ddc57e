#include "cli/ca_connection.hpp"

#include <ctime>

namespace cli {

void add_ca_request_options(CLI::App* sub, CaRequestOptions& options) {
    sub->add_option("--message", options.message,
                    "CA identifier sent as the message= parameter (most servers ignore it)");
    sub->add_option("--ca-fingerprint", options.ca_fingerprint,
                    "Expected CA fingerprint: sha256:HEX, sha1:HEX or md5:HEX (colons and spaces allowed); a "
                    "mismatch fails");
}

util::Result<CaConnection> connect_ca(const Context& context, const CaRequestOptions& options) {
    CaConnection connection;
    SCEP_TRY(connection.url, context.scep_url());
    SCEP_TRY(const config::CaConfig* ca_config, context.ca());
    connection.message = options.message;
    std::string fingerprint = options.ca_fingerprint;
    if (ca_config != nullptr) {
        if (fingerprint.empty()) fingerprint = ca_config->ca_fingerprint;
        if (connection.message.empty()) connection.message = ca_config->message;
    }
    if (!fingerprint.empty()) {
        SCEP_TRY(connection.pinned, scep::parse_fingerprint(fingerprint));
    }
    connection.transport = std::make_unique<transport::CurlTransport>(context.transport_options());
    connection.client = std::make_unique<scep::Client>(*connection.transport, connection.url);
    return connection;
}

util::Result<scep::CaCertBundle> fetch_verified_ca(scep::Client& client, const std::string& message,
                                                   const std::optional<scep::Fingerprint>& pinned, const Output& out) {
    SCEP_TRY(scep::CaCertBundle bundle, client.get_ca_cert(message, std::time(nullptr)));
    if (pinned) {
        SCEP_TRY_VOID(scep::verify_ca_fingerprint(bundle, *pinned));
    } else {
        out.warning("no --ca-fingerprint given: the CA is not authenticated (it is " + bundle.issuing_ca().subject() +
                    ", sha256:" + util::to_hex(bundle.issuing_ca().fingerprint(scep::DigestAlg::sha256)) + ")");
    }
    for (const auto& warning : bundle.warnings)
        out.warning(warning);
    return bundle;
}

util::Result<scep::CaCertBundle> fetch_verified_ca(CaConnection& connection, const Output& out) {
    return fetch_verified_ca(*connection.client, connection.message, connection.pinned, out);
}

} // namespace cli
