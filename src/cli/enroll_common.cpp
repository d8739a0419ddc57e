#include "cli/enroll_common.hpp"

#include <netdb.h>
#include <pwd.h>
#include <unistd.h>

#include <cerrno>
#include <cstdlib>
#include <cstring>
#include <map>
#include <memory>

#include "cli/ca_connection.hpp"
#include "cli/interrupt.hpp"
#include "cli/secrets.hpp"
#include "store/atomic_file.hpp"

namespace cli {

namespace {

std::string host_name() {
    char buf[256] = {};
    if (::gethostname(buf, sizeof buf - 1) != 0) return "localhost";
    return buf;
}

// The canonical name from the resolver, the plain host name when there is none.
std::string fully_qualified_host_name() {
    const std::string host = host_name();
    addrinfo hints{};
    hints.ai_flags = AI_CANONNAME;
    addrinfo* info = nullptr;
    std::string fqdn = host;
    if (::getaddrinfo(host.c_str(), nullptr, &hints, &info) == 0 && info != nullptr && info->ai_canonname != nullptr) {
        fqdn = info->ai_canonname;
    }
    if (info != nullptr) ::freeaddrinfo(info);
    return fqdn;
}

std::string user_name() {
    if (const passwd* pw = ::getpwuid(::geteuid()); pw != nullptr) return pw->pw_name;
    return std::to_string(::geteuid());
}

} // namespace

void add_request_options(CLI::App* sub, RequestOptions& o, RequestCommand command) {
    const bool renew = command == RequestCommand::renew;
    sub->add_option("--subject", o.subject,
                    renew ? "Subject DN (RFC 4514), with ${var} templates; default: the existing certificate's subject"
                          : "Subject DN (RFC 4514), with ${var} templates; default CN=${fqdn}");
    sub->add_option("--var", o.vars, "Template variable NAME=VALUE for --subject (repeatable)");
    sub->add_option("--san", o.sans,
                    std::string("subjectAltName: dns:NAME, ip:ADDR, email:ADDR, uri:URI, upn:USER@DOMAIN, with ${var} "
                                "templates (repeatable)") +
                        (renew ? "; default: the existing certificate's" : ""));
    sub->add_option("--challenge-file", o.challenge_file, "Read the challenge password from FILE");
    sub->add_option("--challenge", o.challenge,
                    "Challenge password; '-' reads it from stdin (a literal value is visible in ps)");
    sub->add_option("--key-pass-file", o.key_pass_file,
                    renew ? "Passphrase of the existing --key; the new key is encrypted with it too"
                          : "Passphrase for --key, and to encrypt a generated key");
    sub->add_option("--key-size", o.key_size,
                    renew ? "RSA key size of the new key: 2048, 3072 or 4096 (default: that of the existing key)"
                          : "RSA key size for a generated key: 2048 (default), 3072 or 4096");
    sub->add_option("--out-dir", o.out_dir,
                    renew ? "Directory of key.pem, cert.pem and chain.pem where --key, --cert, --chain-out are not "
                            "given (default: .)"
                          : "Directory for the output files with their default names (default: .)");
    sub->add_option("--chain-out", o.chain_out,
                    renew ? "Path of the CA chain (default: chain.pem next to the certificate)"
                          : "Path of the CA chain (default: OUT-DIR/chain.pem or chain.p7b)");
    sub->add_option("--ca-fingerprint", o.ca_fingerprint, "Expected CA fingerprint (sha256:HEX, sha1:HEX or md5:HEX)");
    sub->add_option("--message", o.message, "CA identifier sent as the message= parameter of GetCACaps/GetCACert");
    sub->add_option("--key-usage", o.key_usage,
                    std::string("signature, encryption or both; NDES picks its template from it (default: ") +
                        (renew ? "as the existing certificate)" : "both)"));
    sub->add_option("--eku", o.ekus,
                    std::string("Extended key usage to request: clientAuth, serverAuth, ... or an OID (repeatable)") +
                        (renew ? "; default: those of the existing certificate" : ""));
    sub->add_option("--cipher", o.cipher, "aes128, aes256 or des3 (default: from the server's capabilities)");
    sub->add_option("--digest", o.digest, "sha256, sha512 or sha1 (default: from the server's capabilities)");
    sub->add_flag("--force-alg", o.force_alg, "Use --cipher/--digest even when the server does not advertise them");
    sub->add_option("--method", o.method, "auto (default: POST when the server offers it), get or post");
    sub->add_option("--poll-interval", o.poll_interval, "Seconds between polls while PENDING (default 10)");
    sub->add_option("--max-polls", o.max_polls, "Polls before giving up with exit 3 (default 30)");
    sub->add_option("--poll-timeout", o.poll_timeout, "Seconds of polling before giving up with exit 3 (default 3600)");
    add_challenge_options(sub, o.challenge_source);
}

void apply_profile(RequestOptions& o, const std::function<bool(const char*)>& given, const config::ProfileConfig* p,
                   const config::CaConfig* ca, RequestCommand command) {
    const bool renew = command == RequestCommand::renew;
    if (p != nullptr) {
        const auto take = [&](const char* flag, auto& field, const auto& value) {
            if (!given(flag) && value) field = *value;
        };
        if (!renew) {
            take("--subject", o.subject, p->subject);
            take("--key-usage", o.key_usage, p->key_usage);
            if (!given("--san")) o.sans = p->san;
            if (!given("--eku")) o.ekus = p->eku;
        }
        take("--key-size", o.key_size, p->key_size);
        take("--cipher", o.cipher, p->cipher);
        take("--digest", o.digest, p->digest);
        take("--method", o.method, p->method);
        take("--max-polls", o.max_polls, p->max_polls);
        take("--poll-interval", o.poll_interval, p->poll_interval);
        take("--poll-timeout", o.poll_timeout, p->poll_timeout);
        take("--out-dir", o.out_dir, p->out_dir);
        take(renew ? "--key" : "--key-out", o.key_out, p->key_out);
        take(renew ? "--cert" : "--cert-out", o.cert_out, p->cert_out);
        take("--chain-out", o.chain_out, p->chain_out);
        o.allowed_digests = p->allowed_digests;
    }
    if (ca != nullptr) {
        if (!given("--ca-fingerprint")) o.ca_fingerprint = ca->ca_fingerprint;
        if (!given("--message")) o.message = ca->message;
    }
}

util::Error usage_error(std::string message) {
    return util::Error(util::ErrorCode::usage, std::move(message));
}

namespace {

// One line from standard input, read with read(2): no stdio buffer keeps a copy.
util::Result<util::Secret> read_stdin_line(const char* what) {
    util::Secret line;
    char c = 0;
    for (;;) {
        const ssize_t n = ::read(STDIN_FILENO, &c, 1);
        if (n < 0 && errno == EINTR) continue;
        if (n <= 0 || c == '\n') break;
        line.push_back(c);
    }
    c = 0;
    if (!line.empty() && line.back() == '\r') line.pop_back();
    if (line.empty()) return usage_error(std::string(what) + ": nothing on standard input");
    return line;
}

} // namespace

util::Result<std::optional<util::Secret>> read_challenge(const RequestOptions& options, const Output& out) {
    if (!options.challenge_file.empty()) {
        SCEP_TRY(util::Secret challenge, read_secret_file(options.challenge_file, "--challenge-file", out));
        return std::optional<util::Secret>(std::move(challenge));
    }
    if (options.challenge == "-") {
        SCEP_TRY(util::Secret challenge, read_stdin_line("--challenge -"));
        return std::optional<util::Secret>(std::move(challenge));
    }
    if (!options.challenge.empty()) {
        out.warning("--challenge VALUE is visible to every user in the process list; prefer --challenge-file FILE, "
                    "--challenge - (stdin) or SCEPCTL_CHALLENGE");
        return std::optional<util::Secret>(util::Secret(options.challenge));
    }
    if (char* env = std::getenv("SCEPCTL_CHALLENGE"); env != nullptr && *env != '\0') {
        util::Secret challenge(env);
        // The environment block is ours to overwrite: no copy stays there (nor in /proc/PID/environ).
        OPENSSL_cleanse(env, std::strlen(env));
        ::unsetenv("SCEPCTL_CHALLENGE");
        return std::optional<util::Secret>(std::move(challenge));
    }
    return std::optional<util::Secret>();
}

util::Result<std::optional<util::Secret>> read_key_passphrase(const RequestOptions& options, const Output& out) {
    if (options.key_pass_file.empty()) return std::optional<util::Secret>();
    SCEP_TRY(util::Secret passphrase, read_secret_file(options.key_pass_file, "--key-pass-file", out));
    return std::optional<util::Secret>(std::move(passphrase));
}

util::Result<scep::PrivateKey> load_private_key(const std::string& path, const std::optional<util::Secret>& passphrase,
                                                const char* option) {
    SCEP_TRY(const util::Bytes key_data, store::read_regular_file(path, 1 << 20));
    auto key = scep::PrivateKey::load(key_data, passphrase);
    if (!key) return std::move(key).error().context(std::string(option) + " " + path);
    return key;
}

util::Result<void> remove_stale_temp_files(const std::vector<std::filesystem::path>& paths, const Output& out) {
    SCEP_TRY(const store::StaleTempFiles stale, store::remove_stale_temp_files(paths));
    for (const auto& path : stale.removed)
        out.note("removed '" + path.string() + "', a temp file an interrupted scepctl left");
    for (const auto& line : stale.kept)
        out.warning(line);
    return {};
}

// Values are raw here; the subject escapes them for its DN syntax.
util::Result<scep::VariableLookup> template_variables(const RequestOptions& options) {
    auto vars = std::make_shared<std::map<std::string, std::string, std::less<>>>();
    for (const auto& assignment : options.vars) {
        const auto eq = assignment.find('=');
        if (eq == std::string::npos || eq == 0) return usage_error("--var '" + assignment + "': expected NAME=VALUE");
        (*vars)[assignment.substr(0, eq)] = assignment.substr(eq + 1);
    }
    return scep::VariableLookup([vars](std::string_view name) -> std::optional<std::string> {
        if (auto it = vars->find(name); it != vars->end()) return it->second;
        if (const char* env = std::getenv(std::string(name).c_str()); env != nullptr) return std::string(env);
        if (name == "hostname") return host_name();
        if (name == "fqdn") return fully_qualified_host_name();
        if (name == "user") return user_name();
        return std::nullopt;
    });
}

util::Result<scep::DistinguishedName> subject_from(const RequestOptions& options, const scep::VariableLookup& raw) {
    const scep::VariableLookup escaped = [&raw](std::string_view name) -> std::optional<std::string> {
        auto value = raw(name);
        if (!value) return std::nullopt;
        return scep::escape_dn_value(*value);
    };
    SCEP_TRY(const std::string expanded, scep::expand_template(options.subject, escaped));
    auto dn = scep::parse_distinguished_name(expanded);
    if (!dn) return std::move(dn).error().context("--subject");
    return dn;
}

util::Result<std::vector<scep::SubjectAltName>> alt_names_from(const RequestOptions& options,
                                                               const scep::VariableLookup& variables) {
    std::vector<scep::SubjectAltName> alt_names;
    for (const auto& spec : options.sans) {
        auto expanded = scep::expand_template(spec, variables);
        if (!expanded) return std::move(expanded).error().context("--san");
        SCEP_TRY(auto name, scep::parse_subject_alt_name(*expanded));
        alt_names.push_back(std::move(name));
    }
    return alt_names;
}

namespace {

std::optional<scep::ContentCipher> cipher_named(std::string_view name) {
    if (name == "aes128" || name == "aes") return scep::ContentCipher::aes128_cbc;
    if (name == "aes256") return scep::ContentCipher::aes256_cbc;
    if (name == "des3") return scep::ContentCipher::des3_cbc;
    return std::nullopt;
}

std::optional<scep::MessageDigest> digest_named(std::string_view name) {
    if (name == "sha256") return scep::MessageDigest::sha256;
    if (name == "sha512") return scep::MessageDigest::sha512;
    if (name == "sha1") return scep::MessageDigest::sha1;
    return std::nullopt;
}

util::Result<scep::AlgorithmPreference> algorithm_preference(const RequestOptions& options) {
    scep::AlgorithmPreference preference;
    preference.force = options.force_alg;
    if (!options.cipher.empty()) {
        preference.cipher = cipher_named(options.cipher);
        if (!preference.cipher) {
            return usage_error("--cipher '" + options.cipher +
                               "': use aes128, aes256 or des3 (single DES is never used)");
        }
    }
    if (!options.digest.empty()) {
        preference.digest = digest_named(options.digest);
        if (!preference.digest) {
            return usage_error("--digest '" + options.digest + "': use sha256, sha512 or sha1 (MD5 is never used)");
        }
    }
    for (const auto& name : options.allowed_digests) { // checked when the file was loaded
        if (auto digest = digest_named(name)) preference.allowed_digests.push_back(*digest);
    }
    return preference;
}

} // namespace

util::Result<CheckedRequest> check_request_options(const RequestOptions& options) {
    CheckedRequest checked;
    if (options.key_usage != "both" && options.key_usage != "signature" && options.key_usage != "encryption") {
        return usage_error("--key-usage '" + options.key_usage + "': use signature, encryption or both");
    }
    SCEP_TRY(checked.preference, algorithm_preference(options));
    if (options.method == "get")
        checked.method = scep::HttpMethod::get;
    else if (options.method == "post")
        checked.method = scep::HttpMethod::post;
    else if (options.method != "auto")
        return usage_error("--method '" + options.method + "': use auto, get or post");
    if (options.poll_interval < 1 || options.max_polls < 0 || options.poll_timeout < 1) {
        return usage_error("--poll-interval and --poll-timeout must be at least 1 s, --max-polls at least 0");
    }
    if (!options.ca_fingerprint.empty()) {
        SCEP_TRY(checked.pinned, scep::parse_fingerprint(options.ca_fingerprint));
    }
    return checked;
}

util::Result<CaSession> contact_ca(scep::Client& client, const RequestOptions& options, const CheckedRequest& checked,
                                   const Output& out) {
    SCEP_TRY(scep::CapsReply caps, client.get_ca_caps(options.message));
    if (caps.http_error) out.warning(caps.http_error->message + "; continuing without capabilities");
    SCEP_TRY(scep::CaCertBundle ca, fetch_verified_ca(client, options.message, checked.pinned, out));
    SCEP_TRY(scep::AlgorithmChoice algorithms, scep::choose_algorithms(caps.caps, checked.preference));
    return CaSession{std::move(caps), std::move(ca), std::move(algorithms)};
}

util::Result<std::string> fetch_challenge_if_needed(std::optional<util::Secret>& challenge,
                                                    const std::optional<ChallengeSource>& source,
                                                    const Context& context, const Output& out) {
    if (!source) return std::string(challenge ? "given" : "none");
    SCEP_TRY(FetchedChallenge fetched, fetch_challenge(*source, context.transport_options(), out));
    out.note("challenge fetched from " + transport::url_host(source->url) + " with " + fetched.auth);
    challenge = std::move(fetched.challenge);
    return "admin page (" + fetched.auth + ")";
}

scep::CsrParams csr_params(const RequestOptions& options, scep::DistinguishedName subject,
                           std::vector<scep::SubjectAltName> alt_names, const std::optional<util::Secret>& challenge,
                           scep::MessageDigest digest) {
    scep::CsrParams params;
    params.subject = std::move(subject);
    params.alt_names = std::move(alt_names);
    params.challenge_password = challenge;
    params.digital_signature = options.key_usage != "encryption";
    params.key_encipherment = options.key_usage != "signature";
    params.extended_key_usages = options.ekus;
    params.digest = digest;
    return params;
}

scep::PollPolicy poll_policy(const RequestOptions& options) {
    return {std::chrono::seconds(options.poll_interval), options.max_polls, std::chrono::seconds(options.poll_timeout)};
}

scep::EnrollmentHooks progress_hooks(const Output& out) {
    scep::EnrollmentHooks hooks;
    hooks.progress = [&out](const std::string& line) { out.note(line); };
    hooks.sleep = [&out](std::chrono::seconds wait) {
        if (!out.shows_status()) return interrupt::wait_for(wait);
        // On a terminal the wait counts down in place; the plain line above stays.
        bool slept = true;
        for (auto left = wait; slept && left.count() > 0; left -= std::chrono::seconds(1)) {
            out.status("waiting for the CA to approve: next poll in " + std::to_string(left.count()) + " s");
            slept = interrupt::wait_for(std::chrono::seconds(1));
        }
        out.clear_status();
        return slept;
    };
    return hooks;
}

void add_exchange_json(Json& json, const scep::EnrollmentResult& result, const scep::AlgorithmChoice& algorithms,
                       bool resumed, bool challenge_sent, const std::string& challenge_origin) {
    json.set("transaction_id", result.transaction_id)
        .set("resumed", resumed)
        .set("polls", result.polls)
        .set("method", result.used_post ? "POST" : "GET")
        .set("cipher", scep::to_string(algorithms.cipher))
        .set("digest", scep::to_string(algorithms.digest))
        .set("challenge", challenge_sent ? Json("<redacted>") : Json())
        .set("challenge_source", challenge_origin);
}

void show_file(const Output& out, Json& files, const std::string& label, const std::string& path) {
    std::string text = label + ":";
    text.resize(12, ' ');
    out.line(text + path);
    files.set(label, path);
}

} // namespace cli
