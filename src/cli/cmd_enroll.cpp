// scepctl enroll: key, PKCS#10, pkiMessage, PKIOperation, polling, verified certificate on disk.
#include <unistd.h>
#include <netdb.h>
#include <pwd.h>

#include <cstdlib>
#include <ctime>
#include <filesystem>
#include <functional>
#include <iostream>
#include <iterator>
#include <map>
#include <memory>
#include <thread>

#include "cli/app.hpp"
#include "cli/challenge.hpp"
#include "cli/secrets.hpp"
#include "scep/enrollment.hpp"
#include "store/atomic_file.hpp"

namespace cli {

namespace {

namespace fs = std::filesystem;

struct EnrollOptions {
    std::string subject = "CN=${fqdn}";
    std::vector<std::string> vars;
    std::vector<std::string> sans;
    std::string challenge;
    std::string challenge_file;
    std::string key;
    std::string key_pass_file;
    int key_size = 2048;
    std::string out_dir = ".";
    std::string key_out, cert_out, chain_out;
    std::string ca_fingerprint;
    std::string message;
    std::string key_usage = "both";
    std::vector<std::string> ekus;
    std::string cipher, digest;
    bool force_alg = false;
    std::string method = "auto";
    int poll_interval = 10;
    int max_polls = 30;
    int poll_timeout = 3600;
    bool force = false;
    std::vector<std::string> allowed_digests; // only from a profile
    ChallengeOptions challenge_source;        // --challenge-url and its authentication
};

// Fills what the command line left unset from the profile and its CA: flags > environment >
// file > defaults. `given` says whether a flag was on the command line.
void apply_profile(EnrollOptions& o, const std::function<bool(const char*)>& given, const config::ProfileConfig* p,
                   const config::CaConfig* ca) {
    if (p != nullptr) {
        const auto take = [&](const char* flag, auto& field, const auto& value) {
            if (!given(flag) && value) field = *value;
        };
        take("--subject", o.subject, p->subject);
        take("--key-size", o.key_size, p->key_size);
        take("--key-usage", o.key_usage, p->key_usage);
        take("--cipher", o.cipher, p->cipher);
        take("--digest", o.digest, p->digest);
        take("--method", o.method, p->method);
        take("--max-polls", o.max_polls, p->max_polls);
        take("--poll-interval", o.poll_interval, p->poll_interval);
        take("--poll-timeout", o.poll_timeout, p->poll_timeout);
        take("--out-dir", o.out_dir, p->out_dir);
        take("--key-out", o.key_out, p->key_out);
        take("--cert-out", o.cert_out, p->cert_out);
        take("--chain-out", o.chain_out, p->chain_out);
        if (!given("--san")) o.sans = p->san;
        if (!given("--eku")) o.ekus = p->eku;
        o.allowed_digests = p->allowed_digests;
    }
    if (ca != nullptr) {
        if (!given("--ca-fingerprint")) o.ca_fingerprint = ca->ca_fingerprint;
        if (!given("--message")) o.message = ca->message;
    }
}

scep::Error usage(std::string message) { return scep::Error(scep::ErrorCode::usage, std::move(message)); }

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

// --challenge-file, then --challenge (- = stdin), then SCEPCTL_CHALLENGE. Never echoed anywhere.
scep::Result<std::optional<std::string>> read_challenge(const EnrollOptions& options, const Output& out) {
    if (!options.challenge_file.empty()) {
        SCEP_TRY(std::string challenge, read_secret_file(options.challenge_file, "--challenge-file"));
        return std::optional<std::string>(std::move(challenge));
    }
    if (options.challenge == "-") {
        std::string line;
        if (!std::getline(std::cin, line) || line.empty()) return usage("--challenge -: no challenge on standard input");
        if (!line.empty() && line.back() == '\r') line.pop_back();
        return std::optional<std::string>(std::move(line));
    }
    if (!options.challenge.empty()) {
        out.warning("--challenge VALUE is visible to every user in the process list; prefer --challenge-file FILE, "
                    "--challenge - (stdin) or SCEPCTL_CHALLENGE");
        return std::optional<std::string>(options.challenge);
    }
    if (const char* env = std::getenv("SCEPCTL_CHALLENGE"); env != nullptr && *env != '\0') {
        return std::optional<std::string>(std::string(env));
    }
    return std::optional<std::string>();
}

// ${name} for --subject and --san: --var, then the environment, then the built-ins. Values are
// raw here; the subject escapes them for its DN syntax.
scep::Result<scep::VariableLookup> template_variables(const EnrollOptions& options) {
    auto vars = std::make_shared<std::map<std::string, std::string, std::less<>>>();
    for (const auto& assignment : options.vars) {
        const auto eq = assignment.find('=');
        if (eq == std::string::npos || eq == 0) return usage("--var '" + assignment + "': expected NAME=VALUE");
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

scep::Result<scep::DistinguishedName> subject_from(const EnrollOptions& options, const scep::VariableLookup& raw) {
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

scep::Result<scep::AlgorithmPreference> algorithm_preference(const EnrollOptions& options) {
    scep::AlgorithmPreference preference;
    preference.force = options.force_alg;
    if (options.cipher == "aes128" || options.cipher == "aes") preference.cipher = scep::ContentCipher::aes128_cbc;
    else if (options.cipher == "aes256") preference.cipher = scep::ContentCipher::aes256_cbc;
    else if (options.cipher == "des3") preference.cipher = scep::ContentCipher::des3_cbc;
    else if (!options.cipher.empty()) return usage("--cipher '" + options.cipher + "': use aes128, aes256 or des3 (single DES is never used)");
    if (options.digest == "sha256") preference.digest = scep::MessageDigest::sha256;
    else if (options.digest == "sha512") preference.digest = scep::MessageDigest::sha512;
    else if (options.digest == "sha1") preference.digest = scep::MessageDigest::sha1;
    else if (!options.digest.empty()) return usage("--digest '" + options.digest + "': use sha256, sha512 or sha1 (MD5 is never used)");
    for (const auto& name : options.allowed_digests) {
        if (name == "sha256") preference.allowed_digests.push_back(scep::MessageDigest::sha256);
        else if (name == "sha512") preference.allowed_digests.push_back(scep::MessageDigest::sha512);
        else if (name == "sha1") preference.allowed_digests.push_back(scep::MessageDigest::sha1);
    }
    return preference;
}

std::string pem_of(const std::vector<scep::Certificate>& certs) {
    std::string pem;
    for (const auto& cert : certs) pem += cert.pem();
    return pem;
}

scep::Bytes bytes_of(const std::string& text) { return scep::Bytes(text.begin(), text.end()); }

scep::Result<void> run_enroll(Context& context, const CLI::App& command, EnrollOptions options) {
    const Output& out = context.output;
    SCEP_TRY(const std::string url, context.scep_url());
    SCEP_TRY(const config::ProfileConfig* profile, context.profile());
    SCEP_TRY(const config::CaConfig* ca_config, context.ca());
    apply_profile(options, [&command](const char* flag) { return command.get_option(flag)->count() > 0; }, profile,
                  ca_config);

    // Everything the user typed is checked before any key is made or any packet sent.
    SCEP_TRY(const scep::VariableLookup variables, template_variables(options));
    SCEP_TRY(const scep::DistinguishedName subject, subject_from(options, variables));
    std::vector<scep::SubjectAltName> alt_names;
    for (const auto& spec : options.sans) {
        auto expanded = scep::expand_template(spec, variables);
        if (!expanded) return std::move(expanded).error().context("--san");
        SCEP_TRY(auto name, scep::parse_subject_alt_name(*expanded));
        alt_names.push_back(std::move(name));
    }
    if (options.key_usage != "both" && options.key_usage != "signature" && options.key_usage != "encryption") {
        return usage("--key-usage '" + options.key_usage + "': use signature, encryption or both");
    }
    SCEP_TRY(const scep::AlgorithmPreference preference, algorithm_preference(options));
    scep::HttpMethod method = scep::HttpMethod::automatic;
    if (options.method == "get") method = scep::HttpMethod::get;
    else if (options.method == "post") method = scep::HttpMethod::post;
    else if (options.method != "auto") return usage("--method '" + options.method + "': use auto, get or post");
    if (options.poll_interval < 1 || options.max_polls < 0 || options.poll_timeout < 1) {
        return usage("--poll-interval and --poll-timeout must be at least 1 s, --max-polls at least 0");
    }
    std::optional<scep::Fingerprint> pinned;
    if (!options.ca_fingerprint.empty()) {
        SCEP_TRY(pinned, scep::parse_fingerprint(options.ca_fingerprint));
    }
    SCEP_TRY(std::optional<std::string> challenge, read_challenge(options, out));
    std::optional<ChallengeSource> challenge_source;
    if (!challenge) {
        SCEP_TRY(challenge_source, resolve_challenge_source(context, options.challenge_source));
        if (!challenge_source) {
            out.warning("no challenge password given (--challenge-file, --challenge -, SCEPCTL_CHALLENGE,"
                        " --challenge-url): most servers refuse such a request");
        }
    }

    std::optional<std::string> key_passphrase;
    if (!options.key_pass_file.empty()) {
        SCEP_TRY(key_passphrase, read_secret_file(options.key_pass_file, "--key-pass-file"));
    }
    std::optional<scep::PrivateKey> existing_key;
    if (!options.key.empty()) {
        SCEP_TRY(const scep::Bytes key_data, store::read_file(options.key, 1 << 20));
        auto key = scep::PrivateKey::load(key_data, key_passphrase);
        if (!key) return std::move(key).error().context("--key " + options.key);
        existing_key = std::move(key).value();
    }

    const fs::path dir(options.out_dir);
    const fs::path key_path = options.key_out.empty() ? dir / "key.pem" : fs::path(options.key_out);
    const fs::path cert_path = options.cert_out.empty() ? dir / "cert.pem" : fs::path(options.cert_out);
    const fs::path chain_path = options.chain_out.empty() ? dir / "chain.pem" : fs::path(options.chain_out);
    const auto overwrite = options.force ? store::Overwrite::replace : store::Overwrite::refuse;
    std::vector<fs::path> targets{cert_path, chain_path};
    if (!existing_key) targets.push_back(key_path);
    SCEP_TRY_VOID(store::check_new_files(targets, overwrite));

    transport::CurlTransport transport(context.transport_options());
    scep::Client client(transport, url);
    SCEP_TRY(const scep::CapsReply caps, client.get_ca_caps(options.message));
    if (caps.http_error) out.warning(caps.http_error->message + "; continuing without capabilities");
    SCEP_TRY(const scep::CaCertBundle ca, client.get_ca_cert(options.message, std::time(nullptr)));
    if (pinned) {
        SCEP_TRY_VOID(scep::verify_ca_fingerprint(ca, *pinned));
    } else {
        out.warning("no --ca-fingerprint given: the CA is not authenticated (it is " + ca.issuing_ca().subject() +
                    ", sha256:" + scep::to_hex(ca.issuing_ca().fingerprint(scep::DigestAlg::sha256)) + ")");
    }
    for (const auto& warning : ca.warnings) out.warning(warning);
    SCEP_TRY(scep::AlgorithmChoice algorithms, scep::choose_algorithms(caps.caps, preference));
    // One-time passwords are fetched last, after every check that could still stop us.
    std::string challenge_origin = challenge ? "given" : "none";
    if (challenge_source) {
        SCEP_TRY(FetchedChallenge fetched, fetch_challenge(*challenge_source, context.transport_options(), out));
        out.note("challenge fetched from " + transport::url_host(challenge_source->url) + " with " + fetched.auth);
        challenge = std::move(fetched.challenge);
        challenge_origin = "admin page (" + fetched.auth + ")";
    }

    SCEP_TRY(const scep::PrivateKey key, existing_key ? scep::Result<scep::PrivateKey>(*existing_key)
                                                      : scep::PrivateKey::generate_rsa(options.key_size));
    scep::CsrParams params;
    params.subject = subject;
    params.alt_names = alt_names;
    params.challenge_password = challenge;
    params.digital_signature = options.key_usage != "encryption";
    params.key_encipherment = options.key_usage != "signature";
    params.extended_key_usages = options.ekus;
    params.digest = algorithms.digest;
    SCEP_TRY(scep::CertificationRequest csr, scep::build_csr(key, params));
    SCEP_TRY(scep::Certificate signer, scep::make_self_signed_signer(key, csr.subject.get(), algorithms.digest));

    scep::EnrollmentRequest request{key, csr, signer, key, scep::MessageType::pkcs_req, algorithms, method,
                                    {std::chrono::seconds(options.poll_interval), options.max_polls,
                                     std::chrono::seconds(options.poll_timeout)}};
    scep::EnrollmentHooks hooks;
    hooks.progress = [&out](const std::string& line) { out.note(line); };
    hooks.sleep = [](std::chrono::seconds s) { std::this_thread::sleep_for(s); };
    auto enrolled = scep::enroll(client, ca, caps.caps, request, hooks);
    if (!enrolled) {
        // Still pending: keep the new key so the same command (with --key) can poll again.
        if (enrolled.error().code == scep::ErrorCode::pending && !existing_key) {
            SCEP_TRY(const std::string key_pem, key.to_pem(key_passphrase));
            SCEP_TRY_VOID(store::write_file_atomic(key_path, scep::as_bytes(key_pem), 0600, overwrite));
            out.note("the new key is kept in " + key_path.string() + ": re-run with --key " + key_path.string());
        }
        return std::move(enrolled).error();
    }
    for (const auto& warning : enrolled->warnings) out.warning(warning);

    store::FileSet files;
    if (!existing_key) {
        SCEP_TRY(const std::string key_pem, key.to_pem(key_passphrase));
        files.add(key_path, bytes_of(key_pem), 0600);
    }
    files.add(cert_path, bytes_of(enrolled->certificate.pem()), 0644);
    files.add(chain_path, bytes_of(pem_of(enrolled->chain)), 0644);
    SCEP_TRY_VOID(files.commit(overwrite));

    const scep::Certificate& cert = enrolled->certificate;
    out.line("subject:    " + cert.subject());
    out.line("issuer:     " + cert.issuer());
    out.line("serial:     " + cert.serial_hex());
    out.line("valid:      " + cert.not_before() + " to " + cert.not_after());
    out.line("sha256:     " + scep::to_hex_grouped(cert.fingerprint(scep::DigestAlg::sha256), ':'));
    if (!existing_key) out.line("key:        " + key_path.string());
    out.line("cert:       " + cert_path.string());
    out.line("chain:      " + chain_path.string());
    Json paths = Json::object();
    if (!existing_key) paths.set("key", key_path.string());
    paths.set("cert", cert_path.string()).set("chain", chain_path.string());
    Json result = Json::object();
    result.set("command", "enroll")
        .set("url", transport::CurlTransport::redact_url(url))
        .set("subject", cert.subject())
        .set("issuer", cert.issuer())
        .set("serial", cert.serial_hex())
        .set("not_before", cert.not_before())
        .set("not_after", cert.not_after())
        .set("sha256", scep::to_hex(cert.fingerprint(scep::DigestAlg::sha256)))
        .set("transaction_id", enrolled->transaction_id)
        .set("polls", enrolled->polls)
        .set("method", enrolled->used_post ? "POST" : "GET")
        .set("cipher", scep::to_string(algorithms.cipher))
        .set("digest", scep::to_string(algorithms.digest))
        .set("challenge", challenge ? Json("<redacted>") : Json())
        .set("challenge_source", challenge_origin)
        .set("files", std::move(paths))
        .set("warnings", Json::strings(enrolled->warnings));
    out.json(result);
    return {};
}

} // namespace

void add_enroll(CLI::App& app, Context& context) {
    auto o = std::make_shared<EnrollOptions>();
    auto* sub = app.add_subcommand("enroll", "Enroll for a certificate (PKCSReq), polling while the CA says PENDING");
    sub->add_option("--subject", o->subject, "Subject DN (RFC 4514), with ${var} templates; default CN=${fqdn}");
    sub->add_option("--var", o->vars, "Template variable NAME=VALUE for --subject (repeatable)");
    sub->add_option("--san", o->sans, "subjectAltName: dns:NAME, ip:ADDR, email:ADDR, uri:URI, upn:USER@DOMAIN, with ${var} templates (repeatable)");
    sub->add_option("--challenge-file", o->challenge_file, "Read the challenge password from FILE");
    sub->add_option("--challenge", o->challenge, "Challenge password; '-' reads it from stdin (a literal value is visible in ps)");
    sub->add_option("--key", o->key, "Use this existing RSA key (PEM or DER) instead of generating one");
    sub->add_option("--key-pass-file", o->key_pass_file, "Passphrase for --key, and to encrypt a generated key");
    sub->add_option("--key-size", o->key_size, "RSA key size for a generated key: 2048 (default), 3072 or 4096");
    sub->add_option("--out-dir", o->out_dir, "Directory for key.pem, cert.pem and chain.pem (default: .)");
    sub->add_option("--key-out", o->key_out, "Path of the generated key (default: OUT-DIR/key.pem)");
    sub->add_option("--cert-out", o->cert_out, "Path of the certificate (default: OUT-DIR/cert.pem)");
    sub->add_option("--chain-out", o->chain_out, "Path of the CA chain (default: OUT-DIR/chain.pem)");
    sub->add_option("--ca-fingerprint", o->ca_fingerprint, "Expected CA fingerprint (sha256:HEX, sha1:HEX or md5:HEX)");
    sub->add_option("--message", o->message, "CA identifier sent as the message= parameter of GetCACaps/GetCACert");
    sub->add_option("--key-usage", o->key_usage, "signature, encryption or both (default); NDES picks its template from it");
    sub->add_option("--eku", o->ekus, "Extended key usage to request: clientAuth, serverAuth, ... or an OID (repeatable)");
    sub->add_option("--cipher", o->cipher, "aes128, aes256 or des3 (default: from the server's capabilities)");
    sub->add_option("--digest", o->digest, "sha256, sha512 or sha1 (default: from the server's capabilities)");
    sub->add_flag("--force-alg", o->force_alg, "Use --cipher/--digest even when the server does not advertise them");
    sub->add_option("--method", o->method, "auto (default: POST when the server offers it), get or post");
    sub->add_option("--poll-interval", o->poll_interval, "Seconds between polls while PENDING (default 10)");
    sub->add_option("--max-polls", o->max_polls, "Polls before giving up with exit 3 (default 30)");
    sub->add_option("--poll-timeout", o->poll_timeout, "Seconds of polling before giving up with exit 3 (default 3600)");
    sub->add_flag("--force", o->force, "Replace existing output files");
    add_challenge_options(sub, o->challenge_source);
    sub->callback([&context, o, sub] { context.command = [&context, o, sub] { return run_enroll(context, *sub, *o); }; });
}

} // namespace cli
