// scepctl enroll: key, PKCS#10, pkiMessage, PKIOperation, polling, verified certificate on disk.
#include <filesystem>
#include <memory>

#include "cli/app.hpp"
#include "cli/cert_output.hpp"
#include "cli/challenge.hpp"
#include "cli/enroll_common.hpp"
#include "cli/interrupt.hpp"
#include "cli/secrets.hpp"
#include "scep/enrollment.hpp"
#include "store/atomic_file.hpp"
#include "store/formats.hpp"
#include "store/paths.hpp"
#include "store/swap.hpp"
#include "util/url.hpp"

namespace cli {

namespace {

namespace fs = std::filesystem;

// enroll's own options on top of the shared ones (enroll_common.hpp).
struct EnrollOptions : RequestOptions {
    std::string key;
    std::string format = "pem";
    std::string p12_out;
    std::string p12_pass_file;
    bool resume = false;
};

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
        for (const auto& named : named())
            paths.push_back(named.path);
        return paths;
    }
    // Each output with the option that names it, for messages.
    std::vector<store::NamedPath> named() const {
        std::vector<store::NamedPath> paths;
        const std::pair<const char*, const std::optional<fs::path>*> outputs[] = {
            {"--key-out", &key}, {"--cert-out", &cert}, {"--chain-out", &chain}, {"--p12-out", &p12}};
        for (const auto& [option, path] : outputs) {
            if (*path) paths.push_back({option, **path});
        }
        return paths;
    }
};

util::Result<OutputFiles> output_files(const EnrollOptions& options, bool key_generated) {
    OutputFiles files;
    const auto format = store::parse_format(options.format);
    if (!format) return usage_error("--format '" + options.format + "': use pem, der or p12");
    files.format = *format;
    const fs::path dir(options.out_dir);
    const auto path_or = [&dir](const std::string& given, const char* name) {
        return given.empty() ? dir / name : fs::path(given);
    };
    switch (files.format) {
    case store::Format::pem:
    case store::Format::der: {
        if (!options.p12_out.empty() || !options.p12_pass_file.empty()) {
            return usage_error("--p12-out and --p12-pass-file are only used with --format p12");
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
            return usage_error("--format p12 needs --p12-pass-file FILE with the passphrase for the bundle");
        }
        if (!options.cert_out.empty() || !options.chain_out.empty()) {
            return usage_error(
                "--cert-out and --chain-out are not used with --format p12: certificate and chain go into "
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

util::Result<void> run_enroll(Context& context, const CLI::App& command, EnrollOptions options) {
    interrupt::install();
    const Output& out = context.output;
    SCEP_TRY(const std::string url, context.scep_url());
    SCEP_TRY(const config::ProfileConfig* profile, context.profile());
    SCEP_TRY(const config::CaConfig* ca_config, context.ca());
    apply_profile(
        options, [&command](const char* flag) { return command.get_option(flag)->count() > 0; }, profile, ca_config,
        RequestCommand::enroll);

    // Everything the user typed is checked before any key is made or any packet sent.
    SCEP_TRY(const scep::VariableLookup variables, template_variables(options));
    SCEP_TRY(const scep::DistinguishedName subject, subject_from(options, variables));
    SCEP_TRY(std::vector<scep::SubjectAltName> alt_names, alt_names_from(options, variables));
    SCEP_TRY(const CheckedRequest checked, check_request_options(options));
    if (options.resume && options.key.empty()) {
        return usage_error("--resume needs --key KEY: the key of the request that is still pending (the transaction "
                           "ID is derived from it)");
    }
    SCEP_TRY(const OutputFiles output, output_files(options, options.key.empty()));
    // No output may be another output or the key it is made with, under any spelling.
    std::vector<store::NamedPath> named = output.named();
    if (!options.key.empty()) named.push_back({"--key", options.key});
    SCEP_TRY_VOID(store::check_distinct(named));
    SCEP_TRY(std::optional<util::Secret> challenge, read_challenge(options, out));
    std::optional<ChallengeSource> challenge_source;
    if (!challenge && !options.resume) { // a CertPoll carries no CSR, so no challenge either
        SCEP_TRY(challenge_source, resolve_challenge_source(context, options.challenge_source));
        if (!challenge_source) {
            out.warning("no challenge password given (--challenge-file, --challenge -, SCEPCTL_CHALLENGE,"
                        " --challenge-url): most servers refuse such a request");
        }
    }

    SCEP_TRY(const std::optional<util::Secret> key_passphrase, read_key_passphrase(options, out));
    std::optional<util::Secret> p12_passphrase;
    if (output.p12) {
        SCEP_TRY(p12_passphrase, read_secret_file(options.p12_pass_file, "--p12-pass-file", out));
    }
    std::optional<scep::PrivateKey> existing_key;
    if (!options.key.empty()) {
        SCEP_TRY(existing_key, load_private_key(options.key, key_passphrase, "--key"));
    }

    const auto overwrite = options.force ? store::Overwrite::replace : store::Overwrite::refuse;
    if (output.key && !output.write_key) {
        if (auto writable = store::check_new_files({*output.key}, overwrite); !writable) {
            util::Error error = std::move(writable).error();
            error.message += "; with --format p12 a generated key is kept there while the CA answers PENDING (choose"
                             " another path with --key-out)";
            return error;
        }
    }
    SCEP_TRY_VOID(store::check_new_files(output.all(), overwrite));
    // Held until the files are written: two runs into one directory never mix their files. Under
    // it, temporary files a killed run left are known to be stale and go.
    SCEP_TRY(const std::vector<store::DirectoryLock> locks, store::lock_directories_of(output.all()));
    SCEP_TRY_VOID(remove_stale_temp_files(output.all(), out));

    transport::CurlTransport transport(context.transport_options());
    scep::Client client(transport, url);
    SCEP_TRY(const CaSession session, contact_ca(client, options, checked, out));
    const scep::AlgorithmChoice& algorithms = session.algorithms;
    // One-time passwords are fetched last, after every check that could still stop us.
    SCEP_TRY(const std::string challenge_origin, fetch_challenge_if_needed(challenge, challenge_source, context, out));

    SCEP_TRY(const scep::PrivateKey key, existing_key ? util::Result<scep::PrivateKey>(*existing_key)
                                                      : scep::PrivateKey::generate_rsa(options.key_size));
    SCEP_TRY(scep::CertificationRequest csr,
             scep::build_csr(key, csr_params(options, subject, std::move(alt_names), challenge, algorithms.digest)));
    SCEP_TRY(scep::Certificate signer, scep::make_self_signed_signer(key, csr.subject.get(), algorithms.digest));

    // The CSR holds the only copy of the challenge from here on; enroll() wipes it once the CA has it.
    const bool challenge_sent = challenge.has_value();
    challenge.reset();
    scep::EnrollmentRequest request{key,
                                    std::move(csr),
                                    signer,
                                    key,
                                    scep::MessageType::pkcs_req,
                                    algorithms,
                                    checked.method,
                                    poll_policy(options)};
    request.start_with_poll = options.resume;
    // The transaction ID is derived from the key, so with the key on disk a later run can poll
    // (--resume). A generated key is kept as soon as the CA answers PENDING, not only at exit 3:
    // a run stopped while it waits must not lose a request that used up a one-time challenge.
    const fs::path key_path = output.key ? *output.key : fs::path(options.key);
    bool request_sent = false, pending = options.resume, key_written = false;
    scep::EnrollmentHooks hooks = progress_hooks(out);
    hooks.sending = [&request_sent](scep::MessageType) { request_sent = true; };
    hooks.first_pending = [&](const scep::TransactionId&) -> util::Result<void> {
        pending = true;
        if (!output.key) return {};
        SCEP_TRY(const util::Bytes key_data, store::encode_key(key, output.key_format(), key_passphrase));
        const interrupt::Deferred whole_file;
        SCEP_TRY_VOID(store::write_file_atomic(key_path, key_data, 0600, overwrite));
        key_written = true;
        out.note("the new key is kept in " + key_path.string() + " (mode 0600)");
        return {};
    };
    auto enrolled = scep::enroll(client, session.ca, session.caps.caps, request, hooks);
    if (!enrolled) {
        util::Error error = std::move(enrolled).error();
        const std::string resume = "re-run with --key " + key_path.string() + " --resume";
        if (error.code == util::ErrorCode::pending) {
            error.message += "; " + resume + " to poll again";
        } else if (error.code == util::ErrorCode::interrupted) {
            error.message +=
                pending ? ": the request is PENDING at the CA" +
                              (key_written ? "; its key is kept in " + key_path.string() + " (0600)" : std::string()) +
                              "; once it is approved, " + resume + " to fetch the certificate"
                : request_sent ? ": nothing was written; the CA may have received the request (and "
                                 "used up its one-time challenge)"
                               : ": nothing was written and no request was sent to the CA";
        } else if (options.resume && error.code == util::ErrorCode::ca_failure && error.fail_info == 4) {
            error.message += " (--resume needs the same --key and --subject as the request that is pending)";
        }
        return error;
    }
    for (const auto& warning : enrolled->warnings)
        out.warning(warning);

    store::FileSet files;
    if (output.write_key && !key_written) {
        SCEP_TRY(util::Bytes key_data, store::encode_key(key, output.key_format(), key_passphrase));
        files.add(*output.key, std::move(key_data), 0600);
    }
    if (output.p12) {
        SCEP_TRY(util::Bytes bundle,
                 store::encode_pkcs12(key, enrolled->certificate, enrolled->chain, *p12_passphrase));
        files.add(*output.p12, std::move(bundle), 0600); // holds the private key
    } else {
        SCEP_TRY(util::Bytes cert_data, store::encode_certificate(enrolled->certificate, output.format));
        SCEP_TRY(util::Bytes chain_data, store::encode_chain(enrolled->chain, output.format));
        files.add(*output.cert, std::move(cert_data), 0644);
        files.add(*output.chain, std::move(chain_data), 0644);
    }
    {
        // A signal now waits until every file is in place or the set is taken back.
        const interrupt::Deferred whole_set;
        SCEP_TRY_VOID(files.commit(overwrite));
    }

    const scep::Certificate& cert = enrolled->certificate;
    print_certificate_summary(out, cert);
    Json paths = Json::object();
    const auto show = [&](const std::string& name, const std::optional<fs::path>& path) {
        if (path) show_file(out, paths, name, path->string());
    };
    show("key", output.write_key ? output.key : std::nullopt);
    show("cert", output.cert);
    show("chain", output.chain);
    show("p12", output.p12);
    Json result = Json::object();
    result.set("command", "enroll").set("url", util::redact_url(url));
    set_certificate_summary(result, cert);
    add_exchange_json(result, *enrolled, algorithms, options.resume, challenge_sent, challenge_origin);
    result.set("format", store::to_string(output.format))
        .set("files", std::move(paths))
        .set("warnings", Json::strings(enrolled->warnings));
    if (interrupt::received() != 0) {
        context.result_on_error = std::move(result);
        return util::Error(util::ErrorCode::interrupted,
                           "after the certificate was written: the files above are complete and belong together");
    }
    out.json(result);
    return {};
}

} // namespace

void add_enroll(CLI::App& app, Context& context) {
    auto o = std::make_shared<EnrollOptions>();
    auto* sub = app.add_subcommand("enroll", "Enroll for a certificate (PKCSReq), polling while the CA says PENDING");
    add_request_options(sub, *o, RequestCommand::enroll);
    sub->add_option("--key", o->key, "Use this existing RSA key (PEM or DER) instead of generating one");
    sub->add_flag(
        "--resume", o->resume,
        "Poll (CertPoll) for the request an earlier run left PENDING instead of sending a new one; needs --key");
    sub->add_option("--format", o->format,
                    "pem (default); der: cert.der, chain.p7b (PKCS#7), key.der (PKCS#8); p12: bundle.p12 (PKCS#12)");
    sub->add_option(
        "--key-out", o->key_out,
        "Path of the generated key (default: OUT-DIR/key.pem or key.der; p12: only if given, or while PENDING)");
    sub->add_option("--cert-out", o->cert_out, "Path of the certificate (default: OUT-DIR/cert.pem or cert.der)");
    sub->add_option("--p12-out", o->p12_out, "Path of the PKCS#12 bundle (default: OUT-DIR/bundle.p12)");
    sub->add_option("--p12-pass-file", o->p12_pass_file,
                    "Read the PKCS#12 passphrase from FILE (required with --format p12; not empty)");
    sub->add_flag("--force", o->force, "Replace existing output files");
    sub->callback(
        [&context, o, sub] { context.command = [&context, o, sub] { return run_enroll(context, *sub, *o); }; });
}

} // namespace cli
