#include "workflow/decode.hpp"

#include <unistd.h>

#include "store/atomic_file.hpp"
#include "store/secret_file.hpp"
#include "util/url.hpp"
#include "workflow/enroll.hpp"
#include "workflow/server.hpp"

namespace workflow {

using util::Error;
using util::ErrorCode;

namespace {

constexpr std::size_t k_max_input = 16u << 20; // a pkiMessage is a few KiB; a CRL may be large

bool is_stdin(const std::string& input) {
    return input.empty() || input == "-";
}

util::Result<util::Bytes> read_input(const std::string& input) {
    if (is_stdin(input)) return store::read_all(STDIN_FILENO, "standard input", k_max_input);
    return store::read_file(input, k_max_input);
}

// What the user named is not a SCEP structure: a local file problem (exit 93), not a server's.
Error input_error(Error error, const std::string& what) {
    if (error.code != ErrorCode::bad_reply) return std::move(error).context(what);
    error.code = ErrorCode::file;
    return std::move(error).context(what).with_fix(
        "give the message as DER, PEM or base64 (a message= value or URL as logged is fine), as a proxy, "
        "an IIS log or scepctl --verbose shows it");
}

struct ServerSide {
    std::optional<scep::CaCertBundle> bundle;
    std::optional<scep::Capabilities> caps;
};

// GetCACaps (an HTTP error only warns, RFC 8894 §3.5.2) and, without --ca-bundle, the verified GetCACert.
util::Result<ServerSide> contact_server(const DecodePlan& plan, Collaborators& with) {
    ServerSide side;
    Server server = open_server(*plan.url, with);
    SCEP_TRY(const scep::CapsReply caps, server.client->get_ca_caps(server.settings.message));
    if (caps.http_error) {
        with.events.warning(caps.http_error->message + "; decoding without the server's capabilities");
    } else {
        side.caps = caps.caps;
    }
    if (plan.ca_bundle.empty()) {
        SCEP_TRY(side.bundle, fetch_verified_ca(server, with));
    }
    return side;
}

} // namespace

util::Result<DecodePlan> plan_decode(const config::Options& options, std::string input, util::EventSink& events) {
    DecodePlan plan;
    plan.input = std::move(input);
    plan.ca_bundle = options.text("ca-bundle").value_or("");
    plan.key = options.text("key").value_or("");
    plan.request = options.text("request").value_or("");
    if (options.text("url")) {
        SCEP_TRY(plan.url, config::server_settings(options));
    }
    const auto pass_file = options.text("key-pass-file");
    if (pass_file && plan.key.empty()) {
        return Error(ErrorCode::usage, "--key-pass-file is the passphrase of --key: give --key too");
    }
    if (pass_file) {
        SCEP_TRY(plan.key_passphrase, store::read_secret_file(*pass_file, "--key-pass-file", events));
    }
    return plan;
}

util::Result<DecodeOutcome> run_decode(const DecodePlan& plan, Collaborators& with) {
    const std::int64_t now = with.clock.now_unix();
    // Local files first: a typo in a path is reported before any request.
    SCEP_TRY(const util::Bytes input, read_input(plan.input));
    DecodeOutcome outcome;
    std::optional<scep::CaCertBundle> bundle;
    if (!plan.ca_bundle.empty()) {
        SCEP_TRY(const util::Bytes data, store::read_file(plan.ca_bundle, k_max_input));
        auto read = scep::read_ca_bundle(data, now);
        if (!read) return input_error(std::move(read).error(), "--ca-bundle " + plan.ca_bundle);
        bundle = std::move(read).value();
        outcome.bundle_source = "--ca-bundle " + plan.ca_bundle;
    }
    std::optional<scep::PrivateKey> key;
    if (!plan.key.empty()) {
        SCEP_TRY(key, load_private_key(plan.key, plan.key_passphrase, "--key"));
    }
    util::Bytes request;
    if (!plan.request.empty()) {
        SCEP_TRY(request, store::read_file(plan.request, k_max_input));
    }

    ServerSide side;
    if (plan.url) {
        SCEP_TRY(side, contact_server(plan, with));
        outcome.url = util::redact_url(plan.url->url);
        if (side.bundle) {
            bundle = std::move(side.bundle);
            outcome.bundle_source = "GetCACert from " + outcome.url;
        }
        outcome.caps_known = side.caps.has_value();
    }

    scep::DecodeOptions options;
    options.ca_bundle = bundle ? &*bundle : nullptr;
    options.key = key ? &*key : nullptr;
    options.caps = side.caps ? &*side.caps : nullptr;
    options.request = request;
    options.now_unix = now;
    auto decoded = scep::decode(input, options);
    if (!decoded) {
        Error error = std::move(decoded).error();
        if (error.code == ErrorCode::usage) return std::move(error).context("--request " + plan.request);
        return input_error(std::move(error), is_stdin(plan.input) ? "standard input" : plan.input);
    }
    outcome.decoded = std::move(decoded).value();
    return outcome;
}

} // namespace workflow
