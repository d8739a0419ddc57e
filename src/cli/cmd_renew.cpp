// scepctl renew: re-enroll with the existing certificate and key (RFC 8894 §2.5), replace key,
// certificate and chain as one unit (store/swap.hpp), then run the deploy hook.
#include <signal.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cstdlib>
#include <ctime>
#include <filesystem>
#include <memory>

#include "cli/app.hpp"
#include "cli/cert_output.hpp"
#include "cli/enroll_common.hpp"
#include "cli/interrupt.hpp"
#include "cli/renewal.hpp"
#include "scep/enrollment.hpp"
#include "store/atomic_file.hpp"
#include "store/formats.hpp"
#include "store/paths.hpp"
#include "store/swap.hpp"
#include "util/url.hpp"

extern char** environ;

namespace cli {

namespace {

namespace fs = std::filesystem;

// renew's own options on top of the shared ones (enroll_common.hpp); --key and --cert are the
// shared key_out and cert_out, so that a profile's key_out/cert_out name them.
struct RenewOptions : RequestOptions {
    std::string mode = "auto";
    bool reuse_key = false;
    std::optional<int> days_before;
    std::string deploy_hook;
};

// TEST ONLY. SCEPCTL_TEST_PAUSE_AT=STAGE makes renew stop itself (SIGSTOP) when it reaches STAGE,
// so that tests/interop/test_renew.sh can SIGKILL it at exactly that point: "verified" (the reply
// is verified, nothing written yet), the swap's stages ("staged:FILE", "staged", "backed-up",
// "journal", "renamed:FILE", "renamed", see store::swap_files) and "swapped". Never set outside
// the tests; unset, this does nothing.
void test_pause_at(std::string_view stage) {
    static const char* const wanted = std::getenv("SCEPCTL_TEST_PAUSE_AT");
    if (wanted != nullptr && stage == wanted) ::raise(SIGSTOP);
}

// The files of one renewal, decided from the options before anything is read or sent.
struct RenewFiles {
    fs::path key, cert, chain;
    fs::path journal; // CERT.scepctl-journal: present only while a swap is between commit and finish
    fs::path pending; // KEY.scepctl-pending: the new key of a renewal the CA answered PENDING
};

RenewFiles renew_files(const RenewOptions& o) {
    const fs::path dir(o.out_dir);
    RenewFiles files;
    files.key = o.key_out.empty() ? dir / "key.pem" : fs::path(o.key_out);
    files.cert = o.cert_out.empty() ? dir / "cert.pem" : fs::path(o.cert_out);
    const fs::path cert_dir = files.cert.has_parent_path() ? files.cert.parent_path() : fs::path(".");
    files.chain = o.chain_out.empty() ? cert_dir / "chain.pem" : fs::path(o.chain_out);
    files.journal = fs::path(files.cert.string() + ".scepctl-journal");
    files.pending = fs::path(files.key.string() + ".scepctl-pending");
    return files;
}

util::Error not_renewable(std::string message) {
    return util::Error(util::ErrorCode::not_renewable, std::move(message));
}

// renew writes PEM (the swap replaces files in place, so it keeps their format); DER and PKCS#12
// files from enroll --format der|p12 are refused before anything happens.
util::Result<scep::Certificate> read_pem_certificate(const fs::path& path) {
    SCEP_TRY(const util::Bytes data, store::read_regular_file(path, 1 << 20));
    const std::string_view text = util::as_chars(data);
    if (text.find("-----BEGIN CERTIFICATE-----") == std::string_view::npos) {
        return util::Error(util::ErrorCode::file,
                           "--cert " + path.string() +
                               " is not a PEM certificate: renew replaces PEM files only (convert with openssl x509 "
                               "-inform DER -in FILE -out FILE.pem, or enroll anew)");
    }
    auto certs = scep::Certificate::from_pem(text);
    if (!certs) return util::Error(util::ErrorCode::file, "--cert " + path.string() + ": " + certs.error().message);
    return certs->front();
}

util::Result<void> check_pem_key(const fs::path& path) {
    SCEP_TRY(const util::Bytes data, store::read_regular_file(path, 1 << 20));
    if (util::as_chars(data).find("PRIVATE KEY-----") == std::string_view::npos) {
        return util::Error(util::ErrorCode::file, "--key " + path.string() +
                                                      " is not a PEM private key: renew replaces PEM files only "
                                                      "(convert with openssl pkey -in FILE -out FILE.pem)");
    }
    return {};
}

// Before the network: the pair belongs together and the certificate is inside its validity.
util::Result<void> check_existing_pair(const RenewFiles& files, const scep::Certificate& cert,
                                       const scep::PrivateKey& key, std::int64_t now) {
    if (!key.matches(cert)) {
        return not_renewable("--key " + files.key.string() + " does not belong to --cert " + files.cert.string() +
                             " (their public keys differ): give the key that certificate was issued for");
    }
    if (now < cert.not_before_unix()) {
        return not_renewable("--cert " + files.cert.string() + " is not valid before " + cert.not_before() +
                             ": check this machine's clock");
    }
    if (now > cert.not_after_unix()) {
        return not_renewable("--cert " + files.cert.string() + " expired on " + cert.not_after() +
                             ": an expired certificate cannot sign a renewal; enroll anew with a challenge "
                             "(scepctl enroll)");
    }
    return {};
}

void report_recovery(const store::RecoveryResult& recovery, const RenewFiles& files, const Output& out) {
    switch (recovery.action) {
    case store::Recovery::none: return;
    case store::Recovery::discarded:
        out.note("removed the staged files of a renewal that was interrupted before it changed anything");
        return;
    case store::Recovery::rolled_forward:
        out.note("finished the renewal an earlier run left half done (" + files.journal.string() +
                 "): key and certificate are the new pair, the old one is in .bak");
        return;
    case store::Recovery::rolled_back:
        out.warning("a file of the interrupted renewal in " + files.journal.string() +
                    " was changed by someone else: key and certificate are back to the old pair");
        return;
    }
}

util::Result<void> run_renew(Context& context, const CLI::App& command, RenewOptions options) {
    interrupt::install();
    const Output& out = context.output;
    SCEP_TRY(const std::string url, context.scep_url());
    SCEP_TRY(const config::ProfileConfig* profile, context.profile());
    SCEP_TRY(const config::CaConfig* ca_config, context.ca());
    const auto given = [&command](const char* flag) { return command.get_option(flag)->count() > 0; };
    apply_profile(options, given, profile, ca_config, RequestCommand::renew);

    // Everything the user typed is checked before any file is read or packet sent.
    if (options.mode != "auto" && options.mode != "renewalreq" && options.mode != "pkcsreq") {
        return usage_error("--mode '" + options.mode + "': use auto, renewalreq or pkcsreq");
    }
    if (options.days_before && *options.days_before < 0) return usage_error("--days-before must be 0 or more");
    if (given("--deploy-hook") && options.deploy_hook.empty()) return usage_error("--deploy-hook needs a command");
    if (options.reuse_key && given("--key-size")) {
        return usage_error("--key-size and --reuse-key exclude each other: the reused key keeps its size");
    }
    const RenewFiles files = renew_files(options);
    SCEP_TRY_VOID(store::check_distinct({{"--key", files.key}, {"--cert", files.cert}, {"--chain-out", files.chain}}));
    std::optional<scep::DistinguishedName> subject;
    std::optional<std::vector<scep::SubjectAltName>> alt_names;
    if (given("--subject") || given("--san")) {
        SCEP_TRY(const scep::VariableLookup vars, template_variables(options));
        if (given("--subject")) {
            SCEP_TRY(subject, subject_from(options, vars));
        }
        if (given("--san")) {
            SCEP_TRY(alt_names, alt_names_from(options, vars));
        }
    }
    SCEP_TRY(const CheckedRequest checked, check_request_options(options));
    SCEP_TRY(std::optional<util::Secret> challenge, read_challenge(options, out));
    std::optional<ChallengeSource> challenge_source;
    // RFC 8894 §2.4: a renewal needs no challenge. The admin page is asked only when told to.
    if (!challenge && !options.challenge_source.challenge_url.empty()) {
        SCEP_TRY(challenge_source, resolve_challenge_source(context, options.challenge_source));
    }
    SCEP_TRY(const std::optional<util::Secret> key_passphrase, read_key_passphrase(options, out));

    // No other renewal of these files runs meanwhile; a swap an earlier run left half done is
    // finished (or undone) before the files are even read.
    SCEP_TRY(const std::vector<store::DirectoryLock> locks,
             store::lock_directories_of({files.key, files.cert, files.chain}));
    SCEP_TRY(const store::RecoveryResult recovery,
             store::recover_swap(files.journal, {files.key, files.cert, files.chain}));
    report_recovery(recovery, files, out);
    SCEP_TRY_VOID(remove_stale_temp_files({files.key, files.cert, files.chain, files.journal, files.pending}, out));

    SCEP_TRY(const scep::Certificate old_cert, read_pem_certificate(files.cert));
    SCEP_TRY_VOID(check_pem_key(files.key));
    SCEP_TRY(const scep::PrivateKey old_key, load_private_key(files.key.string(), key_passphrase, "--key"));
    const std::int64_t now = std::time(nullptr);
    SCEP_TRY_VOID(check_existing_pair(files, old_cert, old_key, now));
    if (options.days_before && !options.force) {
        const DueCheck due = renewal_due(old_cert.not_after_unix(), now, *options.days_before);
        if (!due.due) {
            out.line("not due: " + files.cert.string() + " is valid until " + old_cert.not_after() + " (" +
                     std::to_string(due.days_left) + " days left; renewing within " +
                     std::to_string(*options.days_before) + " days of expiry, or with --force)");
            Json result = Json::object();
            result.set("command", "renew")
                .set("status", "not_due")
                .set("cert", files.cert.string())
                .set("serial", old_cert.serial_hex())
                .set("not_after", old_cert.not_after())
                .set("days_left", static_cast<long long>(due.days_left))
                .set("days_before", *options.days_before)
                .set("recovery", store::to_string(recovery.action));
            out.json(result);
            return {};
        }
    }

    // What the swap will need, before anything is sent (a run that is not due needs none of it).
    SCEP_TRY_VOID(store::check_new_files({files.key, files.cert, files.chain}, store::Overwrite::replace));

    // A renewal the CA answered PENDING left its new key; this run polls for it instead.
    std::optional<scep::PrivateKey> pending_key;
    SCEP_TRY(const std::optional<util::Bytes> pending_data, store::read_own_file(files.pending, "pending key"));
    if (pending_data) {
        auto loaded = scep::PrivateKey::load(*pending_data, key_passphrase);
        if (!loaded) return std::move(loaded).error().context("pending key " + files.pending.string());
        pending_key = std::move(loaded).value();
        if (pending_key->matches(old_cert)) { // the earlier run got its certificate after all
            ::unlink(files.pending.c_str());
            pending_key.reset();
        }
    }
    const bool resume = pending_key.has_value();

    transport::CurlTransport transport(context.transport_options());
    scep::Client client(transport, url);
    SCEP_TRY(const CaSession session, contact_ca(client, options, checked, out));
    if (!old_cert.issued_by(session.ca.issuing_ca())) {
        return not_renewable("--cert " + files.cert.string() + " was issued by '" + old_cert.issuer() +
                             "', not by this server's CA '" + session.ca.issuing_ca().subject() +
                             "' (GetCACert): renew at the CA that issued it, or enroll anew here");
    }
    std::string challenge_origin = "none";
    if (!resume) { // a CertPoll carries no CSR
        SCEP_TRY(challenge_origin, fetch_challenge_if_needed(challenge, challenge_source, context, out));
    }

    const scep::AlgorithmChoice& algorithms = session.algorithms;
    int key_size = options.key_size;
    if (!given("--key-size") && !(profile != nullptr && profile->key_size)) {
        const int old_bits = old_key.bits();
        key_size = old_bits == 3072 || old_bits == 4096 ? old_bits : 2048;
    }
    SCEP_TRY(const scep::PrivateKey new_key, pending_key         ? util::Result<scep::PrivateKey>(*pending_key)
                                             : options.reuse_key ? util::Result<scep::PrivateKey>(old_key)
                                                                 : scep::PrivateKey::generate_rsa(key_size));
    const bool key_kept = new_key.matches(old_cert);

    // The request asks for what the certificate has, unless told otherwise.
    if (!given("--key-usage")) options.key_usage = key_usage_option(old_cert.key_usage());
    if (!given("--eku")) options.ekus = old_cert.extended_key_usage();
    if (!alt_names) {
        scep::CertificateAltNames copied = scep::subject_alt_names_of(old_cert.native());
        for (const auto& kind : copied.skipped) {
            out.warning("the certificate's " + kind + " subjectAltName is not asked for again (give --san to choose)");
        }
        alt_names = std::move(copied.names);
    }
    std::optional<scep::CertificationRequest> csr;
    {
        scep::CsrParams params =
            csr_params(options, subject.value_or(scep::DistinguishedName{}), *alt_names, challenge, algorithms.digest);
        if (!subject) params.exact_subject = X509_get_subject_name(old_cert.native());
        SCEP_TRY(csr, scep::build_csr(new_key, params));
    }
    // The CSR holds the only copy of the challenge from here on; enroll() wipes it once the CA has it.
    const bool challenge_sent = challenge.has_value();
    challenge.reset();

    const bool renewal_req = options.mode == "renewalreq" || (options.mode == "auto" && session.caps.caps.renewal());
    scep::EnrollmentRequest request{new_key,
                                    std::move(*csr),
                                    old_cert,
                                    old_key,
                                    renewal_req ? scep::MessageType::renewal_req : scep::MessageType::pkcs_req,
                                    algorithms,
                                    checked.method,
                                    poll_policy(options)};
    request.start_with_poll = resume;
    if (key_kept) request.transaction_id = scep::renewal_transaction_id(old_key, old_cert);
    // The new key of a PENDING renewal waits in KEY.scepctl-pending from the first PENDING reply
    // on, so that the next run can poll even if this one is stopped while it waits.
    bool request_sent = false, pending = resume;
    scep::EnrollmentHooks hooks = progress_hooks(out);
    hooks.sending = [&request_sent](scep::MessageType) { request_sent = true; };
    hooks.first_pending = [&](const scep::TransactionId&) -> util::Result<void> {
        pending = true;
        SCEP_TRY(const util::Bytes key_data, store::encode_key(new_key, store::Format::pem, key_passphrase));
        const interrupt::Deferred whole_file;
        return store::write_file_atomic(files.pending, key_data, 0600, store::Overwrite::replace);
    };
    auto renewed = scep::enroll(client, session.ca, session.caps.caps, request, hooks);
    bool fell_back = false;
    // Some servers advertise Renewal and still refuse RenewalReq: one more try as PKCSReq signed
    // by the existing certificate, the way NDES clients and sscep renew.
    if (!renewed && options.mode == "auto" && renewal_req && !resume &&
        renewed.error().code == util::ErrorCode::ca_failure &&
        (renewed.error().fail_info == 1 || renewed.error().fail_info == 2)) {
        out.note("the CA refused RenewalReq (" + scep::fail_info_name(*renewed.error().fail_info) +
                 "): trying once more as PKCSReq signed by the existing certificate");
        request.type = scep::MessageType::pkcs_req;
        renewed = scep::enroll(client, session.ca, session.caps.caps, request, hooks);
        fell_back = true;
    }
    if (!renewed) {
        util::Error error = std::move(renewed).error();
        const std::string waiting =
            "the new key waits in " + files.pending.string() +
            " (0600): run the same renew again to poll, the old key and certificate stay in use";
        if (error.code == util::ErrorCode::pending) {
            error.message += "; " + waiting;
        } else if (error.code == util::ErrorCode::interrupted) {
            error.message += pending        ? ": the renewal is PENDING at the CA; " + waiting
                             : request_sent ? ": the old key and certificate are unchanged; the CA may have received "
                                              "the request"
                                            : ": the old key and certificate are unchanged and no request was sent";
        } else if (resume && error.code == util::ErrorCode::ca_failure) {
            ::unlink(files.pending.c_str());
            error.message += "; the pending renewal's key " + files.pending.string() +
                             " is removed, the next run starts a new renewal";
        } else if (error.code == util::ErrorCode::ca_failure && !challenge_sent &&
                   (error.fail_info == 1 || error.fail_info == 2)) {
            error.message += " (no challenge password was sent: if this CA wants one for renewals too, give "
                             "--challenge-file FILE)";
        }
        return error;
    }
    for (const auto& warning : renewed->warnings)
        out.warning(warning);
    const scep::Certificate& cert = renewed->certificate;
    // NDES answers a repeated transaction with the certificate it issued then (sscep#189).
    if (cert.serial_hex() == old_cert.serial_hex() && cert.issuer() == old_cert.issuer()) {
        return not_renewable("the CA sent back the existing certificate (serial " + cert.serial_hex() +
                             ") instead of a new one; nothing was replaced. Renew with a new key (without "
                             "--reuse-key), or ask the CA administrator");
    }
    test_pause_at("verified");

    // The swap: key, certificate, chain; the old ones stay as NAME.bak. A kept key goes through it
    // byte for byte as it is, so that KEY.bak and CERT.bak are always one pair.
    std::vector<store::SwapFile> swap;
    if (key_kept) {
        SCEP_TRY(util::Bytes key_data, store::read_regular_file(files.key, 1 << 20));
        swap.push_back({files.key, std::move(key_data), 0600, 0660});
    } else {
        SCEP_TRY(util::Bytes key_data, store::encode_key(new_key, store::Format::pem, key_passphrase));
        swap.push_back({files.key, std::move(key_data), 0600, 0660});
    }
    SCEP_TRY(util::Bytes cert_data, store::encode_certificate(cert, store::Format::pem));
    SCEP_TRY(util::Bytes chain_data, store::encode_chain(renewed->chain, store::Format::pem));
    swap.push_back({files.cert, std::move(cert_data), 0644, 0666});
    swap.push_back({files.chain, std::move(chain_data), 0644, 0666});
    std::optional<store::SwapResult> swapped;
    {
        // A signal now waits until the swap is complete (or was undone); SIGKILL leaves the journal.
        const interrupt::Deferred whole_swap;
        SCEP_TRY(swapped, store::swap_files(files.journal, swap, test_pause_at));
        if (resume) ::unlink(files.pending.c_str());
    }
    test_pause_at("swapped");
    for (const auto& warning : swapped->warnings)
        out.warning(warning);

    print_certificate_summary(out, cert);
    out.line("renewed:    serial " + old_cert.serial_hex() + " -> " + cert.serial_hex() + " (" +
             to_string(request.type) + (fell_back ? " after RenewalReq was refused" : "") + ", " +
             (key_kept ? "same key" : "new key") + ")");
    Json paths = Json::object();
    show_file(out, paths, "key", files.key.string());
    show_file(out, paths, "cert", files.cert.string());
    show_file(out, paths, "chain", files.chain.string());
    Json backups = Json::array();
    for (const auto& backup : swapped->backups) {
        out.line("backup:     " + backup.string());
        backups.push(backup.string());
    }
    Json result = Json::object();
    result.set("command", "renew").set("status", "renewed").set("url", util::redact_url(url));
    set_certificate_summary(result, cert);
    result.set("old_serial", old_cert.serial_hex())
        .set("message_type", to_string(request.type))
        .set("fallback", fell_back)
        .set("new_key", !key_kept);
    add_exchange_json(result, *renewed, algorithms, resume, challenge_sent, challenge_origin);
    result.set("files", std::move(paths))
        .set("backups", std::move(backups))
        .set("recovery", store::to_string(recovery.action))
        .set("warnings", Json::strings(renewed->warnings));

    if (interrupt::received() != 0) {
        result.set("deploy_hook", Json());
        context.result_on_error = std::move(result);
        return util::Error(util::ErrorCode::interrupted,
                           "after the renewal was complete (the new files are in place, the old ones in .bak)" +
                               std::string(options.deploy_hook.empty() ? ""
                                                                       : "; the deploy hook did not run: run it "
                                                                         "by hand"));
    }
    if (options.deploy_hook.empty()) {
        result.set("deploy_hook", Json());
        out.json(result);
        return {};
    }
    // certbot's way: the new paths in the environment; never a secret (no SCEPCTL_* is inherited).
    const std::vector<std::pair<std::string, std::string>> vars = {
        {"SCEPCTL_KEY", fs::absolute(files.key).string()},
        {"SCEPCTL_CERT", fs::absolute(files.cert).string()},
        {"SCEPCTL_CHAIN", fs::absolute(files.chain).string()},
        {"SCEPCTL_OLD_SERIAL", old_cert.serial_hex()},
        {"SCEPCTL_NEW_SERIAL", cert.serial_hex()},
        {"SCEPCTL_SUBJECT", cert.subject()},
        {"SCEPCTL_NOT_AFTER", cert.not_after()},
    };
    out.note("running the deploy hook");
    auto status = run_hook(options.deploy_hook, hook_environment(environ, vars));
    Json hook = Json::object();
    hook.set("command", options.deploy_hook).set("exit_status", status ? Json(*status) : Json());
    result.set("deploy_hook", std::move(hook));
    if (!status || *status != 0) {
        context.result_on_error = result;
        if (!status) return std::move(status).error().context("--deploy-hook");
        return util::Error(util::ErrorCode::hook_failed,
                           "--deploy-hook exited with status " + std::to_string(*status) +
                               "; the renewal itself is complete (new files in place, the old ones in .bak): fix "
                               "the hook and run it by hand");
    }
    out.json(result);
    return {};
}

} // namespace

void add_renew(CLI::App& app, Context& context) {
    auto o = std::make_shared<RenewOptions>();
    auto* sub = app.add_subcommand(
        "renew", "Renew a certificate with itself (RenewalReq or PKCSReq), swapping in the new key and certificate");
    sub->add_option("--cert", o->cert_out, "The certificate to renew, PEM; replaced (default: OUT-DIR/cert.pem)");
    sub->add_option("--key", o->key_out, "Its private key, PEM; replaced by the new key (default: OUT-DIR/key.pem)");
    add_request_options(sub, *o, RequestCommand::renew);
    sub->add_option("--mode", o->mode,
                    "auto (default: RenewalReq when the server lists Renewal, else PKCSReq, and PKCSReq once more if "
                    "RenewalReq is refused), renewalreq or pkcsreq");
    sub->add_flag("--reuse-key", o->reuse_key,
                  "Keep the existing key pair instead of making a new one (RFC 8894 §2.5)");
    sub->add_option("--days-before", o->days_before,
                    "Renew only when the certificate expires within N days; otherwise print \"not due\" and exit 0");
    sub->add_flag("--force", o->force, "Renew even when --days-before says it is not due");
    sub->add_option("--deploy-hook", o->deploy_hook,
                    "Run CMD with /bin/sh -c after a successful renewal, the new paths in SCEPCTL_KEY, SCEPCTL_CERT, "
                    "SCEPCTL_CHAIN (exit 83 if it fails)");
    sub->callback(
        [&context, o, sub] { context.command = [&context, o, sub] { return run_renew(context, *sub, *o); }; });
}

} // namespace cli
