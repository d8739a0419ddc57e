#include "workflow/enroll.hpp"

#include "ossl/x509.hpp"
#include "store/atomic_file.hpp"
#include "store/key_files.hpp"
#include "store/secret_file.hpp"
#include "store/swap.hpp"
#include "workflow/ca_cache.hpp"
#include "workflow/challenge.hpp"
#include "workflow/request.hpp"
#include "workflow/server.hpp"

namespace workflow {

namespace fs = std::filesystem;
using util::Error;
using util::ErrorCode;

namespace {

Error usage(std::string message) {
    return Error(ErrorCode::usage, std::move(message));
}

// Everything the write needs, checked before any request: a one-time challenge is not used up
// for files that could not be written.
util::Result<void> check_outputs(const EnrollPlan& plan) {
    const auto overwrite = plan.force ? store::Overwrite::replace : store::Overwrite::refuse;
    const EnrollOutputs& output = plan.outputs;
    // A missing directory is made: private where the key goes, readable for the rest.
    if (output.key) SCEP_TRY_VOID(store::make_last_directory(*output.key, 0700));
    if (output.p12) SCEP_TRY_VOID(store::make_last_directory(*output.p12, 0700));
    if (output.key && !output.write_key) {
        if (auto writable = store::check_new_files({*output.key}, overwrite); !writable) {
            Error error = std::move(writable).error();
            error.message += "; with --format p12 a generated key is kept there while the CA answers PENDING (choose"
                             " another path with --key-out)";
            return error;
        }
    }
    return store::check_new_files(output.all(), overwrite, 0755);
}

// The error of a run that did not get its certificate, with what was kept and how to go on.
Error explain_failure(Error error, const EnrollPlan& plan, const fs::path& key_path, bool pending, bool key_written,
                      bool request_sent) {
    const std::string resume = "re-run with --key " + key_path.string() + " --resume";
    if (error.code == ErrorCode::pending) {
        error.message += "; " + resume + " to poll again";
    } else if (error.code == ErrorCode::interrupted) {
        error.message +=
            pending ? ": the request is PENDING at the CA" +
                          (key_written ? "; its key is kept in " + key_path.string() + " (0600)" : std::string()) +
                          "; once it is approved, " + resume + " to fetch the certificate"
            : request_sent ? ": nothing was written; the CA may have received the request (and used up "
                             "its one-time challenge)"
                           : ": nothing was written and no request was sent to the CA";
    } else if (plan.resume && error.code == ErrorCode::ca_failure &&
               scep::fail_info_is(error.fail_info, scep::FailInfo::bad_cert_id)) {
        error.message += " (--resume needs the same --key and --subject as the request that is pending)";
    }
    return error;
}

} // namespace

std::vector<store::NamedPath> EnrollOutputs::named() const {
    std::vector<store::NamedPath> paths;
    const std::pair<const char*, const std::optional<fs::path>*> outputs[] = {
        {"--key-out", &key}, {"--cert-out", &cert}, {"--chain-out", &chain}, {"--p12-out", &p12}};
    for (const auto& [option, path] : outputs) {
        if (*path) paths.push_back({option, **path});
    }
    return paths;
}

std::vector<fs::path> EnrollOutputs::all() const {
    std::vector<fs::path> paths;
    for (const auto& named_path : named())
        paths.push_back(named_path.path);
    return paths;
}

util::Result<EnrollOutputs> enroll_outputs(const config::Options& options, const scep::VariableLookup& variables,
                                           bool key_generated) {
    EnrollOutputs files;
    const std::string format = options.text("format").value_or("pem");
    files.format = *store::parse_format(format); // one of pem, der, p12: the option table checked it
    SCEP_TRY(const std::optional<std::string> out_dir, config::path_setting(options, "out-dir", variables));
    SCEP_TRY(const std::optional<std::string> key_out, config::path_setting(options, "key-out", variables));
    SCEP_TRY(const std::optional<std::string> cert_out, config::path_setting(options, "cert-out", variables));
    SCEP_TRY(const std::optional<std::string> chain_out, config::path_setting(options, "chain-out", variables));
    SCEP_TRY(const std::optional<std::string> p12_out, config::path_setting(options, "p12-out", variables));
    const fs::path dir(out_dir.value_or("."));
    const auto path_or = [&dir](const std::optional<std::string>& given, const char* name) {
        return given ? fs::path(*given) : dir / name;
    };
    switch (files.format) {
    case store::Format::pem:
    case store::Format::der: {
        if (p12_out || options.text("p12-pass-file")) {
            return usage("--p12-out and --p12-pass-file are only used with --format p12");
        }
        const bool der = files.format == store::Format::der;
        if (key_generated) files.key = path_or(key_out, der ? "key.der" : "key.pem");
        files.write_key = key_generated;
        files.cert = path_or(cert_out, der ? "cert.der" : "cert.pem");
        files.chain = path_or(chain_out, der ? "chain.p7b" : "chain.pem");
        break;
    }
    case store::Format::p12:
        if (!options.text("p12-pass-file")) {
            return usage("--format p12 needs --p12-pass-file FILE with the passphrase for the bundle");
        }
        if (cert_out || chain_out) {
            return usage("--cert-out and --chain-out are not used with --format p12: certificate and chain go into the "
                         "bundle (--p12-out)");
        }
        // The key goes into the bundle; a separate key file only when asked for. A generated key
        // still needs a home in case the CA answers PENDING.
        if (key_generated) files.key = path_or(key_out, "key.pem");
        files.write_key = key_generated && key_out.has_value();
        files.p12 = path_or(p12_out, "bundle.p12");
        break;
    }
    return files;
}

util::Result<scep::PrivateKey> load_private_key(const std::string& path, const std::optional<util::Secret>& passphrase,
                                                const char* option) {
    SCEP_TRY(const util::Bytes key_data, store::read_regular_file(path, 1 << 20));
    auto key = scep::PrivateKey::load(key_data, passphrase);
    if (!key) return std::move(key).error().context(std::string(option) + " " + path);
    return key;
}

util::Result<scep::PrivateKey> load_key_reference(const std::string& reference,
                                                  const std::optional<util::Secret>& secret,
                                                  const scep::KeyStoreOptions& hardware, const char* option) {
    auto key = store::load_key(reference, secret, hardware);
    if (!key) return std::move(key).error().context(std::string(option) + " " + reference);
    return key;
}

bool is_key_path(const std::string& reference) {
    return !reference.starts_with("handle:") && !reference.starts_with("pkcs11:");
}

namespace {

// A key made in a TPM is written as its key blob: PEM, not encrypted (the TPM protects it). A
// token key is never generated here.
util::Result<void> check_key_store(const EnrollPlan& plan) {
    if (!plan.existing_key.empty()) return {};
    if (plan.keys.store == scep::KeyStore::pkcs11) {
        return usage("--key-store pkcs11 needs the token's key as --key pkcs11:token=...;object=...: scepctl makes "
                     "no keys on a token at enroll")
            .with_fix("make the key pair with pkcs11-tool --keypairgen --key-type rsa:2048 --label LABEL, then give "
                      "--key 'pkcs11:token=TOKEN;object=LABEL'");
    }
    if (plan.keys.store != scep::KeyStore::tpm2) return {};
    if (plan.outputs.format != store::Format::pem) {
        return usage("--key-store tpm2 writes the key file as the TPM's key blob (PEM); --format " +
                     store::to_string(plan.outputs.format) + " would need the private key itself")
            .with_fix("use --format pem with --key-store tpm2");
    }
    if (plan.key_passphrase) {
        return usage("--key-pass-file: a TPM key blob is not encrypted with a passphrase, the TPM protects it")
            .with_fix("leave out --key-pass-file with --key-store tpm2");
    }
    return {};
}

} // namespace

util::Result<EnrollPlan> plan_enroll(const config::Options& options, const config::Environment& environment,
                                     std::optional<util::Secret> challenge, util::EventSink& events) {
    EnrollPlan plan;
    SCEP_TRY(plan.server, config::server_settings(options));
    SCEP_TRY(const scep::VariableLookup variables, config::template_variables(options, environment));
    SCEP_TRY(plan.request, config::request_settings(options, variables));
    plan.subject = plan.request.subject.value_or(scep::DistinguishedName{});
    plan.sans = plan.request.sans.value_or(std::vector<scep::SubjectAltName>{});
    plan.existing_key = options.text("key").value_or("");
    plan.keys = config::key_store_settings(options);
    plan.resume = options.flag("resume");
    plan.force = options.flag("force");
    if (plan.resume && plan.existing_key.empty()) {
        return usage("--resume needs --key KEY: the key of the request that is still pending (the transaction ID is "
                     "derived from it)");
    }
    SCEP_TRY(plan.outputs, enroll_outputs(options, variables, plan.existing_key.empty()));
    SCEP_TRY(plan.ca_cache, config::path_setting(options, "ca-cache", variables));
    // No output may be another output or the key it is made with, under any spelling.
    std::vector<store::NamedPath> named = plan.outputs.named();
    if (!plan.existing_key.empty() && is_key_path(plan.existing_key)) named.push_back({"--key", plan.existing_key});
    SCEP_TRY_VOID(store::check_distinct(named));
    plan.challenge = std::move(challenge);
    if (!plan.challenge && !plan.resume) { // a CertPoll carries no CSR, so no challenge either
        SCEP_TRY(const config::ChallengePlan page, config::challenge_plan(options));
        if (!page.admin_url.empty()) {
            plan.challenge_page = page;
        } else {
            events.warning("no challenge password given (--challenge-file, --challenge -, SCEPCTL_CHALLENGE,"
                           " --challenge-url): most servers refuse such a request");
        }
    }
    // "-" (standard input) and SCEPCTL_KEY_PASS are read by the command line.
    if (const auto file = options.text("key-pass-file"); file && *file != "-") {
        SCEP_TRY(plan.key_passphrase, store::read_secret_file(*file, "--key-pass-file", events));
    }
    if (plan.outputs.p12) {
        SCEP_TRY(plan.p12_passphrase,
                 store::read_secret_file(*options.text("p12-pass-file"), "--p12-pass-file", events));
    }
    SCEP_TRY_VOID(check_outputs(plan));
    SCEP_TRY_VOID(check_key_store(plan));
    return plan;
}

namespace {

// The files of a successful enrollment, written together: all of them or none.
util::Result<void> write_outputs(const EnrollPlan& plan, const scep::PrivateKey& key,
                                 const scep::EnrollmentResult& enrolled, bool key_written, Collaborators& with) {
    const EnrollOutputs& output = plan.outputs;
    const auto overwrite = plan.force ? store::Overwrite::replace : store::Overwrite::refuse;
    store::FileSet files;
    if (output.write_key && !key_written) {
        SCEP_TRY(util::Bytes key_data, store::encode_key(key, output.key_format(), plan.key_passphrase));
        files.add(*output.key, std::move(key_data), 0600);
    }
    if (output.p12) {
        SCEP_TRY(util::Bytes bundle,
                 store::encode_pkcs12(key, enrolled.certificate, enrolled.chain, *plan.p12_passphrase));
        files.add(*output.p12, std::move(bundle), 0600); // holds the private key
    } else {
        SCEP_TRY(util::Bytes cert_data, store::encode_certificate(enrolled.certificate, output.format));
        SCEP_TRY(util::Bytes chain_data, store::encode_chain(enrolled.chain, output.format));
        files.add(*output.cert, std::move(cert_data), 0644);
        files.add(*output.chain, std::move(chain_data), 0644);
    }
    // A signal now waits until every file is in place or the set is taken back.
    const auto whole_set = with.hold_signals();
    return files.commit(overwrite);
}

} // namespace

namespace {

// --key: the user's own key, in a file, a TPM or on a token; nullopt when a key is to be made.
util::Result<std::optional<scep::PrivateKey>> existing_key_of(const EnrollPlan& plan) {
    if (plan.existing_key.empty()) return std::optional<scep::PrivateKey>();
    SCEP_TRY(scep::PrivateKey key,
             load_key_reference(plan.existing_key, plan.key_passphrase, plan.keys.hardware, "--key"));
    if (plan.outputs.p12 && key.store() != scep::KeyStore::file) {
        return usage("--format p12 puts the private key into the bundle, and --key " + plan.existing_key +
                     " never leaves its " + scep::to_string(key.store()) + " store")
            .with_fix("use --format pem or der: the certificate and chain are written, the key stays where it is");
    }
    return std::optional<scep::PrivateKey>(std::move(key));
}

struct Exchanged {
    scep::EnrollmentResult result;
    bool key_written = false; // the generated key was kept at the first PENDING
};

// PKCSReq (or CertPoll with --resume), polling while PENDING. The transaction ID is derived from
// the key, so with the key on disk a later run can poll (--resume): a generated key is kept as
// soon as the CA answers PENDING, not only at exit 3, because a run stopped while it waits must
// not lose a request that used up a one-time challenge.
util::Result<Exchanged> exchange(const EnrollPlan& plan, Server& server, const CaSession& session,
                                 scep::EnrollmentRequest& request, PendingRequest* pending_request,
                                 Collaborators& with) {
    const EnrollOutputs& output = plan.outputs;
    const fs::path key_path = output.key ? *output.key : fs::path(plan.existing_key);
    bool request_sent = false, pending = plan.resume, key_written = false;
    scep::EnrollmentHooks hooks = enrollment_hooks(with);
    hooks.sending = [&request_sent](scep::MessageType) { request_sent = true; };
    hooks.first_pending = [&](const scep::TransactionId& transaction_id) -> util::Result<void> {
        pending = true;
        if (pending_request != nullptr) {
            pending_request->transaction_id = transaction_id;
            if (!plan.existing_key.empty()) pending_request->key = key_path; // --key: the user's own file
        }
        if (!output.key) return {};
        SCEP_TRY(const util::Bytes key_data, store::encode_key(request.key, output.key_format(), plan.key_passphrase));
        const auto whole_file = with.hold_signals();
        SCEP_TRY_VOID(store::write_file_atomic(key_path, key_data, 0600,
                                               plan.force ? store::Overwrite::replace : store::Overwrite::refuse));
        key_written = true;
        if (pending_request != nullptr) pending_request->key = key_path;
        with.events.note("the new key is kept in " + key_path.string() + " (mode 0600)");
        return {};
    };
    auto enrolled = scep::enroll(*server.client, session.ca, session.caps.caps, request, hooks);
    if (!enrolled) {
        return explain_failure(std::move(enrolled).error(), plan, key_path, pending, key_written, request_sent);
    }
    for (const auto& warning : enrolled->warnings)
        with.events.warning(warning);
    return Exchanged{std::move(enrolled).value(), key_written};
}

} // namespace

util::Result<EnrollOutcome> enroll(EnrollPlan plan, Collaborators& with, PendingRequest* pending_request) {
    SCEP_TRY_VOID(check_key_store(plan)); // again: the command line may have added the key's secret
    SCEP_TRY(const std::optional<scep::PrivateKey> existing_key, existing_key_of(plan));
    const EnrollOutputs& output = plan.outputs;
    // Held until the files are written: two runs into one directory never mix their files. Under
    // it, temporary files a killed run left are known to be stale and go.
    SCEP_TRY(const std::vector<store::DirectoryLock> locks, store::lock_directories_of(output.all()));
    SCEP_TRY_VOID(remove_stale_temp_files(output.all(), with.events));

    Server server = open_server(plan.server, with);
    SCEP_TRY(const CaSession session, contact_ca(server, plan.request.algorithms, with));
    // The key before the one-time password: a TPM that cannot make it does not use up a challenge.
    SCEP_TRY(const scep::PrivateKey key,
             existing_key ? util::Result<scep::PrivateKey>(*existing_key)
                          : scep::generate_key(scep::KeyGenTarget{plan.keys.store},
                                               plan.request.key_size.value_or(2048), std::nullopt, plan.keys.hardware));
    // One-time passwords are fetched last, after every check that could still stop us.
    std::string challenge_origin = plan.challenge ? "given" : "none";
    if (plan.challenge_page) {
        SCEP_TRY(ndes::FetchedChallenge fetched, fetch_challenge(*plan.challenge_page, *server.transport, with));
        with.events.note("challenge fetched from " + server.transport->url_host(plan.challenge_page->admin_url) +
                         " with " + fetched.auth);
        plan.challenge = std::move(fetched.challenge);
        challenge_origin = "admin page (" + fetched.auth + ")";
    }

    scep::CsrParams params = csr_params(plan.request, plan.subject, plan.sans,
                                        plan.request.key_usage.value_or(config::KeyUsage::both), plan.challenge);
    RequestedCertificate asked = requested_certificate(params, nullptr, key);
    SCEP_TRY(scep::EnrollmentRequest request,
             scep::make_pkcs_req(key, std::move(params), session.algorithms, plan.request.method, plan.request.poll));
    asked.subject = ossl::name_to_string(request.csr.subject.get());
    // The request holds the only copy of the challenge from here on; scep::enroll wipes it once the
    // CA has it.
    const bool challenge_sent = plan.challenge.has_value();
    plan.challenge.reset();
    request.start_with_poll = plan.resume;
    SCEP_TRY(Exchanged enrolled, exchange(plan, server, session, request, pending_request, with));
    std::vector<IssuedDifference> differences = compare_issued(asked, enrolled.result.certificate);
    for (const auto& difference : differences)
        with.events.warning("the CA issued another " + to_text(difference));
    note_validity(plan.request.validity, enrolled.result.certificate, with.events);

    SCEP_TRY_VOID(write_outputs(plan, key, enrolled.result, enrolled.key_written, with));
    if (plan.ca_cache) store_ca_cache(*plan.ca_cache, session.ca, with.events);
    scep::KeyLocation where = key.location();
    if (!existing_key) {
        where.reference = output.write_key || enrolled.key_written ? output.key->string() : std::string();
    }
    return EnrollOutcome{
        std::move(enrolled.result), session.algorithms,    output,           plan.resume,           challenge_sent,
        challenge_origin,           with.stop_requested(), std::move(where), std::move(differences)};
}

} // namespace workflow
