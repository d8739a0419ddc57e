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
#include "cli/cert_output.hpp"
#include "cli/challenge.hpp"
#include "cli/secrets.hpp"
#include "scep/enrollment.hpp"
#include "store/atomic_file.hpp"
#include "store/formats.hpp"

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
    std::string format = "pem";
    std::string key_out, cert_out, chain_out, p12_out;
    std::string p12_pass_file;
    bool resume = false;
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

// Which files a run writes, decided from the options before any request.
struct OutputFiles {
    store::Format format = store::Format::pem;
    // The generated key: written with the other files on success (not for p12 unless --key-out
    // names it), and alone when the CA still answers PENDING so that --resume can use it.
    std::optional<fs::path> key;
    bool write_key = false;
    std::optional<fs::path> cert, chain, p12;

    // A separate key file is PKCS#8 PEM with p12, else in the chosen format.
    store::Format key_format() const { return format == store::Format::p12 ? store::Format::pem : format; }

    std::vector<fs::path> all() const {
        std::vector<fs::path> paths;
        for (const auto* path : {&key, &cert, &chain, &p12}) {
            if (*path) paths.push_back(**path);
        }
        return paths;
    }
};

scep::Result<OutputFiles> output_files(const EnrollOptions& options, bool key_generated) {
    OutputFiles files;
    const auto format = store::parse_format(options.format);
    if (!format) return usage("--format '" + options.format + "': use pem, der or p12");
    files.format = *format;
    const fs::path dir(options.out_dir);
    const auto path_or = [&dir](const std::string& given, const char* name) {
        return given.empty() ? dir / name : fs::path(given);
    };
    switch (files.format) {
    case store::Format::pem:
    case store::Format::der: {
        if (!options.p12_out.empty() || !options.p12_pass_file.empty()) {
            return usage("--p12-out and --p12-pass-file are only used with --format p12");
        }
        const bool der = files.format == store::Format::der;
        if (key_generated) files.key = path_or(options.key_out, der ? "key.der" : "key.pem");
        files.write_key = key_generated;
        files.cert = path_or(options.cert_out, der ? "cert.der" : "cert.pem");
        files.chain = path_or(options.chain_out, der ? "chain.p7b" : "chain.pem");
        break;
    }
    case store::Format::p12:
        if (options.p12_pass_file.empty()) {
            return usage("--format p12 needs --p12-pass-file FILE with the passphrase for the bundle");
        }
        if (!options.cert_out.empty() || !options.chain_out.empty()) {
            return usage("--cert-out and --chain-out are not used with --format p12: certificate and chain go into "
                         "the bundle (--p12-out)");
        }
        // The key goes into the bundle; a separate key file only when asked for. A generated key
        // still needs a home in case the CA answers PENDING.
        if (key_generated) files.key = path_or(options.key_out, "key.pem");
        files.write_key = key_generated && !options.key_out.empty();
        files.p12 = path_or(options.p12_out, "bundle.p12");
        break;
    }
    return files;
}

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
    if (options.resume && options.key.empty()) {
        return usage("--resume needs --key KEY: the key of the request that is still pending (the transaction ID is"
                     " derived from it)");
    }
    SCEP_TRY(const OutputFiles output, output_files(options, options.key.empty()));
    std::optional<scep::Fingerprint> pinned;
    if (!options.ca_fingerprint.empty()) {
        SCEP_TRY(pinned, scep::parse_fingerprint(options.ca_fingerprint));
    }
    SCEP_TRY(std::optional<std::string> challenge, read_challenge(options, out));
    std::optional<ChallengeSource> challenge_source;
    if (!challenge && !options.resume) { // a CertPoll carries no CSR, so no challenge either
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
    std::optional<std::string> p12_passphrase;
    if (output.p12) {
        SCEP_TRY(p12_passphrase, read_secret_file(options.p12_pass_file, "--p12-pass-file"));
    }
    std::optional<scep::PrivateKey> existing_key;
    if (!options.key.empty()) {
        SCEP_TRY(const scep::Bytes key_data, store::read_file(options.key, 1 << 20));
        auto key = scep::PrivateKey::load(key_data, key_passphrase);
        if (!key) return std::move(key).error().context("--key " + options.key);
        existing_key = std::move(key).value();
    }

    const auto overwrite = options.force ? store::Overwrite::replace : store::Overwrite::refuse;
    if (output.key && !output.write_key) {
        if (auto checked = store::check_new_files({*output.key}, overwrite); !checked) {
            scep::Error error = std::move(checked).error();
            error.message += "; with --format p12 a generated key is kept there while the CA answers PENDING (choose"
                             " another path with --key-out)";
            return error;
        }
    }
    SCEP_TRY_VOID(store::check_new_files(output.all(), overwrite));

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
    request.start_with_poll = options.resume;
    scep::EnrollmentHooks hooks;
    hooks.progress = [&out](const std::string& line) { out.note(line); };
    hooks.sleep = [](std::chrono::seconds s) { std::this_thread::sleep_for(s); };
    auto enrolled = scep::enroll(client, ca, caps.caps, request, hooks);
    if (!enrolled) {
        scep::Error error = std::move(enrolled).error();
        if (error.code == scep::ErrorCode::pending) {
            // Keep a new key: the transaction ID is derived from it, so --resume can poll again.
            const fs::path key_path = output.key ? *output.key : fs::path(options.key);
            if (output.key) {
                SCEP_TRY(const scep::Bytes key_data, store::encode_key(key, output.key_format(), key_passphrase));
                SCEP_TRY_VOID(store::write_file_atomic(key_path, key_data, 0600, overwrite));
                out.note("the new key is kept in " + key_path.string() + " (mode 0600)");
            }
            error.message += "; re-run with --key " + key_path.string() + " --resume to poll again";
        } else if (options.resume && error.code == scep::ErrorCode::ca_failure && error.fail_info == 4) {
            error.message += " (--resume needs the same --key and --subject as the request that is pending)";
        }
        return error;
    }
    for (const auto& warning : enrolled->warnings) out.warning(warning);

    store::FileSet files;
    if (output.write_key) {
        SCEP_TRY(scep::Bytes key_data, store::encode_key(key, output.key_format(), key_passphrase));
        files.add(*output.key, std::move(key_data), 0600);
    }
    if (output.p12) {
        SCEP_TRY(scep::Bytes bundle,
                 store::encode_pkcs12(key, enrolled->certificate, enrolled->chain, *p12_passphrase));
        files.add(*output.p12, std::move(bundle), 0600); // holds the private key
    } else {
        SCEP_TRY(scep::Bytes cert_data, store::encode_certificate(enrolled->certificate, output.format));
        SCEP_TRY(scep::Bytes chain_data, store::encode_chain(enrolled->chain, output.format));
        files.add(*output.cert, std::move(cert_data), 0644);
        files.add(*output.chain, std::move(chain_data), 0644);
    }
    SCEP_TRY_VOID(files.commit(overwrite));

    const scep::Certificate& cert = enrolled->certificate;
    print_certificate_summary(out, cert);
    Json paths = Json::object();
    const auto show_file = [&](const std::string& name, const std::optional<fs::path>& path) {
        if (!path) return;
        std::string label = name + ":";
        label.resize(12, ' ');
        out.line(label + path->string());
        paths.set(name, path->string());
    };
    show_file("key", output.write_key ? output.key : std::nullopt);
    show_file("cert", output.cert);
    show_file("chain", output.chain);
    show_file("p12", output.p12);
    Json result = Json::object();
    result.set("command", "enroll").set("url", transport::CurlTransport::redact_url(url));
    set_certificate_summary(result, cert);
    result.set("transaction_id", enrolled->transaction_id)
        .set("resumed", options.resume)
        .set("polls", enrolled->polls)
        .set("method", enrolled->used_post ? "POST" : "GET")
        .set("cipher", scep::to_string(algorithms.cipher))
        .set("digest", scep::to_string(algorithms.digest))
        .set("challenge", challenge ? Json("<redacted>") : Json())
        .set("challenge_source", challenge_origin)
        .set("format", store::to_string(output.format))
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
    sub->add_flag(
        "--resume", o->resume,
        "Poll (CertPoll) for the request an earlier run left PENDING instead of sending a new one; needs --key");
    sub->add_option("--key-pass-file", o->key_pass_file, "Passphrase for --key, and to encrypt a generated key");
    sub->add_option("--key-size", o->key_size, "RSA key size for a generated key: 2048 (default), 3072 or 4096");
    sub->add_option("--out-dir", o->out_dir, "Directory for the output files with their default names (default: .)");
    sub->add_option("--format", o->format,
                    "pem (default); der: cert.der, chain.p7b (PKCS#7), key.der (PKCS#8); p12: bundle.p12 (PKCS#12)");
    sub->add_option(
        "--key-out", o->key_out,
        "Path of the generated key (default: OUT-DIR/key.pem or key.der; p12: only if given, or while PENDING)");
    sub->add_option("--cert-out", o->cert_out, "Path of the certificate (default: OUT-DIR/cert.pem or cert.der)");
    sub->add_option("--chain-out", o->chain_out, "Path of the CA chain (default: OUT-DIR/chain.pem or chain.p7b)");
    sub->add_option("--p12-out", o->p12_out, "Path of the PKCS#12 bundle (default: OUT-DIR/bundle.p12)");
    sub->add_option("--p12-pass-file", o->p12_pass_file,
                    "Read the PKCS#12 passphrase from FILE (required with --format p12; not empty)");
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
