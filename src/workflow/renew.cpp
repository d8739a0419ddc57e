#include "workflow/renew.hpp"

#include <unistd.h>

#include "store/atomic_file.hpp"
#include "store/formats.hpp"
#include "store/key_files.hpp"
#include "store/paths.hpp"
#include "store/secret_file.hpp"
#include "workflow/ca_cache.hpp"
#include "workflow/challenge.hpp"
#include "workflow/enroll.hpp"
#include "workflow/hook.hpp"
#include "workflow/request.hpp"
#include "workflow/server.hpp"

extern char** environ;

namespace workflow {

namespace fs = std::filesystem;
using util::Error;
using util::ErrorCode;

std::vector<fs::path> RenewFiles::swapped() const {
    if (!key_is_file()) return {cert, chain};
    return {key, cert, chain};
}

namespace {

Error usage(std::string message) {
    return Error(ErrorCode::usage, std::move(message));
}

Error not_renewable(std::string message) {
    return Error(ErrorCode::not_renewable, std::move(message));
}

util::Result<RenewFiles> renew_files(const config::Options& options, const scep::VariableLookup& variables) {
    SCEP_TRY(const std::optional<std::string> out_dir, config::path_setting(options, "out-dir", variables));
    SCEP_TRY(const std::optional<std::string> key, config::path_setting(options, "key", variables));
    SCEP_TRY(const std::optional<std::string> cert, config::path_setting(options, "cert", variables));
    SCEP_TRY(const std::optional<std::string> chain, config::path_setting(options, "chain-out", variables));
    const fs::path dir(out_dir.value_or("."));
    RenewFiles files;
    files.key_ref = key ? *key : (dir / "key.pem").string();
    if (is_key_path(files.key_ref)) files.key = files.key_ref;
    files.cert = cert ? fs::path(*cert) : dir / "cert.pem";
    const fs::path cert_dir = files.cert.has_parent_path() ? files.cert.parent_path() : fs::path(".");
    files.chain = chain ? fs::path(*chain) : cert_dir / "chain.pem";
    files.journal = fs::path(files.cert.string() + ".scepctl-journal");
    files.pending = files.key_is_file() ? fs::path(files.key.string() + ".scepctl-pending")
                                        : fs::path(files.cert.string() + ".scepctl-pending-key");
    files.handover = fs::path(files.cert.string() + ".scepctl-token-handover");
    return files;
}

// renew writes PEM (the swap replaces files in place, so it keeps their format); DER and PKCS#12
// files from enroll --format der|p12 are refused before anything happens.
util::Result<scep::Certificate> read_pem_certificate(const fs::path& path) {
    SCEP_TRY(const util::Bytes data, store::read_regular_file(path, 1 << 20));
    const std::string_view text = util::as_chars(data);
    if (text.find("-----BEGIN CERTIFICATE-----") == std::string_view::npos) {
        return Error(ErrorCode::file, "--cert " + path.string() +
                                          " is not a PEM certificate: renew replaces PEM files only (convert with "
                                          "openssl x509 -inform DER -in FILE -out FILE.pem, or enroll anew)");
    }
    auto certs = scep::Certificate::from_pem(text);
    if (!certs) return Error(ErrorCode::file, "--cert " + path.string() + ": " + certs.error().message);
    return certs->front();
}

util::Result<void> check_pem_key(const RenewFiles& files) {
    if (!files.key_is_file()) return {}; // in the TPM or on a token
    const fs::path& path = files.key;
    SCEP_TRY(const util::Bytes data, store::read_regular_file(path, 1 << 20));
    if (util::as_chars(data).find("PRIVATE KEY-----") == std::string_view::npos) { // TSS2 PRIVATE KEY too
        return Error(ErrorCode::file, "--key " + path.string() +
                                          " is not a PEM private key: renew replaces PEM files only (convert with "
                                          "openssl pkey -in FILE -out FILE.pem)");
    }
    return {};
}

// Before the network: the pair belongs together and the certificate is inside its validity.
util::Result<void> check_existing_pair(const RenewFiles& files, const scep::Certificate& cert,
                                       const scep::PrivateKey& key, std::int64_t now) {
    if (!key.matches(cert)) {
        return not_renewable("--key " + files.key_ref + " does not belong to --cert " + files.cert.string() +
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

void report_recovery(const store::RecoveryResult& recovery, const RenewFiles& files, util::EventSink& events) {
    switch (recovery.action) {
    case store::Recovery::none: return;
    case store::Recovery::discarded:
        events.note("removed the staged files of a renewal that was interrupted before it changed anything");
        return;
    case store::Recovery::rolled_forward:
        events.note("finished the renewal an earlier run left half done (" + files.journal.string() +
                    "): key and certificate are the new pair, the old one is in .bak");
        return;
    case store::Recovery::rolled_back:
        events.warning("a file of the interrupted renewal in " + files.journal.string() +
                       " was changed by someone else: key and certificate are back to the old pair");
        return;
    }
}

// A renewal the CA answered PENDING left its new key; this run polls for it instead.
util::Result<std::optional<scep::PrivateKey>> pending_key(const RenewFiles& files, const scep::Certificate& old_cert,
                                                          const std::optional<util::Secret>& passphrase,
                                                          const scep::KeyStoreOptions& hardware) {
    SCEP_TRY(const std::optional<util::Bytes> data, store::read_own_file(files.pending, "pending key"));
    if (!data) return std::optional<scep::PrivateKey>();
    // A key file or TPM key blob; for a token key, the new key's URI.
    const std::string uri = files.key_is_file() ? std::string() : std::string(util::as_chars(*data));
    auto loaded = files.key_is_file()
                      ? scep::load_key(scep::KeyReference{scep::KeyReference::Kind::path, files.pending.string()},
                                       *data, passphrase, hardware)
                      : store::load_key(uri, passphrase, hardware);
    if (!loaded) return std::move(loaded).error().context("pending key " + files.pending.string());
    if (loaded->matches(old_cert)) { // the earlier run got its certificate after all
        ::unlink(files.pending.c_str());
        return std::optional<scep::PrivateKey>();
    }
    return std::optional<scep::PrivateKey>(std::move(loaded).value());
}

// The error of a renewal that did not get its certificate, with what was kept.
Error explain_failure(Error error, const RenewFiles& files, bool resume, bool pending, bool request_sent,
                      bool challenge_sent) {
    const std::string waiting = "the new key waits in " + files.pending.string() +
                                " (0600): run the same renew again to poll, the old key and certificate stay in use";
    if (error.code == ErrorCode::pending) {
        error.message += "; " + waiting;
    } else if (error.code == ErrorCode::interrupted) {
        error.message += pending        ? ": the renewal is PENDING at the CA; " + waiting
                         : request_sent ? ": the old key and certificate are unchanged; the CA may have received the "
                                          "request"
                                        : ": the old key and certificate are unchanged and no request was sent";
    } else if (resume && error.code == ErrorCode::ca_failure) {
        ::unlink(files.pending.c_str());
        error.message +=
            "; the pending renewal's key " + files.pending.string() + " is removed, the next run starts a new renewal";
    } else if (error.code == ErrorCode::ca_failure && !challenge_sent &&
               (scep::fail_info_is(error.fail_info, scep::FailInfo::bad_message_check) ||
                scep::fail_info_is(error.fail_info, scep::FailInfo::bad_request))) {
        error.message += " (no challenge password was sent: if this CA wants one for renewals too, give "
                         "--challenge-file FILE)";
    }
    return error;
}

// The request asks for what the certificate has, unless told otherwise.
scep::CsrParams renewal_csr(const RenewPlan& plan, const scep::Certificate& old_cert, util::EventSink& events,
                            const std::optional<util::Secret>& challenge) {
    std::vector<scep::SubjectAltName> sans;
    if (plan.request.sans) {
        sans = *plan.request.sans;
    } else {
        scep::CertificateAltNames copied = scep::subject_alt_names_of(old_cert.native());
        for (const auto& kind : copied.skipped) {
            events.warning("the certificate's " + kind +
                           " subjectAltName is not asked for again (give --san to choose)");
        }
        sans = std::move(copied.names);
    }
    config::RequestSettings request = plan.request;
    if (!request.ekus) request.ekus = old_cert.extended_key_usage();
    scep::CsrParams params =
        csr_params(request, plan.request.subject.value_or(scep::DistinguishedName{}), std::move(sans),
                   plan.request.key_usage.value_or(config::key_usage_of(old_cert.key_usage())), challenge);
    if (!plan.request.subject) params.exact_subject = X509_get_subject_name(old_cert.native());
    return params;
}

// The deploy hook in the environment certbot's hooks know: the new paths, never a secret.
util::Result<int> run_deploy_hook(const RenewPlan& plan, const scep::Certificate& old_cert,
                                  const scep::Certificate& cert, util::EventSink& events) {
    const std::vector<std::pair<std::string, std::string>> vars = {
        {"SCEPCTL_KEY", plan.files.key_is_file() ? fs::absolute(plan.files.key).string() : plan.files.key_ref},
        {"SCEPCTL_CERT", fs::absolute(plan.files.cert).string()},
        {"SCEPCTL_CHAIN", fs::absolute(plan.files.chain).string()},
        {"SCEPCTL_OLD_SERIAL", old_cert.serial_hex()},
        {"SCEPCTL_NEW_SERIAL", cert.serial_hex()},
        {"SCEPCTL_SUBJECT", cert.subject()},
        {"SCEPCTL_NOT_AFTER", cert.not_after()},
    };
    events.note("running the deploy hook");
    return run_hook(plan.deploy_hook, hook_environment(environ, vars));
}

} // namespace

util::Result<RenewPlan> plan_renew(const config::Options& options, const config::Environment& environment,
                                   std::optional<util::Secret> challenge, util::EventSink& events) {
    RenewPlan plan;
    SCEP_TRY(plan.server, config::server_settings(options));
    SCEP_TRY(const scep::VariableLookup variables, config::template_variables(options, environment));
    SCEP_TRY(plan.request, config::request_settings(options, variables));
    const std::string mode = options.text("mode").value_or("auto");
    plan.mode = mode == "renewalreq" ? RenewMode::renewal_req
                : mode == "pkcsreq"  ? RenewMode::pkcs_req
                                     : RenewMode::automatic;
    plan.reuse_key = options.flag("reuse-key");
    if (const auto days = options.text("days-before")) plan.days_before = std::stoi(*days);
    plan.force = options.flag("force");
    plan.deploy_hook = options.text("deploy-hook").value_or("");
    if (options.given("deploy-hook") && plan.deploy_hook.empty()) return usage("--deploy-hook needs a command");
    if (plan.reuse_key && options.given("key-size")) {
        return usage("--key-size and --reuse-key exclude each other: the reused key keeps its size");
    }
    SCEP_TRY(plan.files, renew_files(options, variables));
    SCEP_TRY(plan.ca_cache, config::path_setting(options, "ca-cache", variables));
    std::vector<store::NamedPath> named;
    if (plan.files.key_is_file()) named.push_back({"--key", plan.files.key}); // named first, as before
    named.insert(named.end(), {{"--cert", plan.files.cert}, {"--chain-out", plan.files.chain}});
    SCEP_TRY_VOID(store::check_distinct(named));
    if (plan.files.key_ref.starts_with("handle:") && !plan.reuse_key) {
        return usage("--key " + plan.files.key_ref +
                     ": a key at a persistent TPM handle is renewed with --reuse-key (scepctl makes no persistent "
                     "objects)")
            .with_fix("add --reuse-key, or move to a TPM key blob: enroll with --key-store tpm2");
    }
    plan.hardware = config::key_store_settings(options).hardware;
    plan.challenge = std::move(challenge);
    // RFC 8894 §2.4: a renewal needs no challenge, but some CAs (NDES with some templates) want one:
    // the CA's admin page is asked when the CA has one, as for enroll.
    if (!plan.challenge) {
        SCEP_TRY(const config::ChallengePlan page, config::challenge_plan(options));
        if (!page.admin_url.empty()) plan.challenge_page = page;
    }
    // "-" (standard input) and SCEPCTL_KEY_PASS are read by the command line.
    if (const auto file = options.text("key-pass-file"); file && *file != "-") {
        SCEP_TRY(plan.key_passphrase, store::read_secret_file(*file, "--key-pass-file", events));
    }
    return plan;
}

namespace {

// A token key's label moves to the new key after the certificate was swapped; a run stopped in
// between left the record, and this run finishes the move (the certificate is the new key's) or
// drops the record (the swap never happened). The new key when its label moved here.
util::Result<std::optional<scep::PrivateKey>>
recover_token_handover(const RenewPlan& plan, const scep::Certificate& cert, util::EventSink& events) {
    const RenewFiles& files = plan.files;
    if (files.key_is_file()) return std::optional<scep::PrivateKey>();
    SCEP_TRY(const std::optional<util::Bytes> record, store::read_own_file(files.handover, "token handover record"));
    if (!record) return std::optional<scep::PrivateKey>();
    auto handover = scep::TokenHandover::parse(util::as_chars(*record));
    if (!handover) return std::move(handover).error().context(files.handover.string());
    SCEP_TRY(const std::string new_key_uri, handover->new_key_by_id());
    auto new_key = store::load_key(new_key_uri, plan.key_passphrase, plan.hardware);
    if (!new_key) {
        return std::move(new_key).error().context("the new key of an interrupted renewal (" + files.handover.string() +
                                                  ")");
    }
    std::optional<scep::PrivateKey> moved;
    if (new_key->matches(cert)) {
        auto done = scep::hand_over_token_label(*handover, plan.key_passphrase, plan.hardware);
        if (done) {
            events.note("finished moving the key's label to the new key of an interrupted renewal (" +
                        files.handover.string() + ")");
            moved = std::move(*new_key);
        } else { // a refusal would come back on every run: the new key keeps its own label
            events.warning("the key's label cannot move to the new key (" + done.error().message +
                           "): the new key is " + new_key_uri + "; give it as --key from now on");
        }
    }
    ::unlink(files.handover.c_str());
    return moved;
}

// The certificate being renewed, under the directory locks that keep other renewals of these files
// out until this one is done. All a run that is not due reads.
struct Opened {
    std::vector<store::DirectoryLock> locks;
    store::Recovery recovery = store::Recovery::none;
    scep::Certificate cert;
    // A token key whose label an interrupted renewal moved only now (recover_token_handover).
    std::optional<scep::PrivateKey> moved_key;
};

// ... and its key, once the renewal is due.
struct Existing {
    std::vector<store::DirectoryLock> locks;
    store::Recovery recovery = store::Recovery::none;
    scep::Certificate cert;
    scep::PrivateKey key;
};

// A swap an earlier run left half done is finished (or undone) before the files are even read.
util::Result<Opened> open_existing(const RenewPlan& plan, Collaborators& with) {
    const RenewFiles& files = plan.files;
    SCEP_TRY(std::vector<store::DirectoryLock> locks, store::lock_directories_of(files.swapped()));
    SCEP_TRY(const store::RecoveryResult recovery, store::recover_swap(files.journal, files.swapped()));
    report_recovery(recovery, files, with.events);
    std::vector<fs::path> ours = files.swapped();
    ours.insert(ours.end(), {files.journal, files.pending, files.handover});
    SCEP_TRY_VOID(remove_stale_temp_files(ours, with.events));
    SCEP_TRY(scep::Certificate cert, read_pem_certificate(files.cert));
    // Like the swap's journal, an interrupted token handover is finished even by a run that is not
    // due: until then the label names a key that does not match the certificate.
    SCEP_TRY(std::optional<scep::PrivateKey> moved_key, recover_token_handover(plan, cert, with.events));
    return Opened{std::move(locks), recovery.action, std::move(cert), std::move(moved_key)};
}

// The key is loaded (decrypted, or its TPM or token opened) only for a renewal that is due: a
// daily timer's run that is not due reads the certificate and nothing else.
util::Result<Existing> load_existing(const RenewPlan& plan, Opened opened, Collaborators& with) {
    const RenewFiles& files = plan.files;
    SCEP_TRY_VOID(check_pem_key(files));
    SCEP_TRY(scep::PrivateKey key, load_key_reference(files.key_ref, plan.key_passphrase, plan.hardware, "--key"));
    // The label names the new key now (kept from the recovery: libp11 keeps the labels it read first).
    if (opened.moved_key) key = opened.moved_key->with_reference(key.location().reference);
    SCEP_TRY_VOID(check_existing_pair(files, opened.cert, key, with.clock.now_unix()));
    return Existing{std::move(opened.locks), opened.recovery, std::move(opened.cert), std::move(key)};
}

// The new key: the pending one, the old one (--reuse-key), or a new one of the configured size,
// else of the old key's.
util::Result<scep::PrivateKey> renewal_key(const RenewPlan& plan, const Existing& existing,
                                           const std::optional<scep::PrivateKey>& pending) {
    if (pending) return *pending;
    if (plan.reuse_key) return existing.key;
    const int old_bits = existing.key.bits();
    // In the old key's store: TPM -> the same TPM, token -> a new key pair on the same token.
    return scep::generate_replacement(
        existing.key, plan.request.key_size.value_or(old_bits == 3072 || old_bits == 4096 ? old_bits : 2048),
        plan.key_passphrase, plan.hardware);
}

// A new key as its file holds it: a file key encrypted with the old key's passphrase, a TPM key as
// its blob (the TPM protects it: no passphrase), a token key as its URI (where it stays).
util::Result<util::Bytes> key_file_data(const RenewPlan& plan, const scep::PrivateKey& key) {
    if (key.store() == scep::KeyStore::pkcs11) {
        return util::Bytes(key.location().reference.begin(), key.location().reference.end());
    }
    const bool file = key.store() == scep::KeyStore::file;
    return store::encode_key(key, store::Format::pem, file ? plan.key_passphrase : std::nullopt);
}

// The exchange: RenewalReq or PKCSReq signed by the existing certificate, polling while PENDING,
// and the fallback to PKCSReq when the CA refuses a RenewalReq it advertised.
util::Result<scep::EnrollmentResult> exchange(const RenewPlan& plan, Server& server, CaSession& session,
                                              scep::EnrollmentRequest& request, RenewOutcome& outcome,
                                              Collaborators& with) {
    // The new key of a PENDING renewal waits in KEY.scepctl-pending from the first PENDING reply
    // on, so that the next run can poll even if this one is stopped while it waits.
    bool request_sent = false, pending_now = outcome.resumed;
    scep::EnrollmentHooks hooks = enrollment_hooks(with);
    hooks.sending = [&request_sent](scep::MessageType) { request_sent = true; };
    hooks.first_pending = [&](const scep::TransactionId&) -> util::Result<void> {
        pending_now = true;
        if (!plan.files.key_is_file() && request.key.store() == scep::KeyStore::tpm2) return {}; // reused: no file
        SCEP_TRY(const util::Bytes key_data, key_file_data(plan, request.key));
        const auto whole_file = with.hold_signals();
        return store::write_file_atomic(plan.files.pending, key_data, 0600, store::Overwrite::replace);
    };
    auto renewed = scep::enroll(*server.client, session.ca, session.caps.caps, request, hooks);
    // --ca-cache: a request encrypted to RA certificates the server no longer has fails (nothing was
    // issued); GetCACert, and when its certificates changed, the same request once more to the new RA.
    if (!renewed && session.from_cache && may_be_stale_ra(renewed.error())) {
        SCEP_TRY(const bool changed, fetch_changed_ca(server, session, with));
        if (changed) renewed = scep::enroll(*server.client, session.ca, session.caps.caps, request, hooks);
    }
    // Some servers advertise Renewal and still refuse RenewalReq: one more try as PKCSReq signed
    // by the existing certificate, the way NDES clients and sscep renew.
    const auto refused = [&renewed] {
        return renewed.error().code == ErrorCode::ca_failure &&
               (scep::fail_info_is(renewed.error().fail_info, scep::FailInfo::bad_message_check) ||
                scep::fail_info_is(renewed.error().fail_info, scep::FailInfo::bad_request));
    };
    if (!renewed && plan.mode == RenewMode::automatic && request.type == scep::MessageType::renewal_req &&
        !outcome.resumed && refused()) {
        with.events.note("the CA refused RenewalReq (" + scep::fail_info_name(*renewed.error().fail_info) +
                         "): trying once more as PKCSReq signed by the existing certificate");
        request.type = scep::MessageType::pkcs_req;
        renewed = scep::enroll(*server.client, session.ca, session.caps.caps, request, hooks);
        outcome.fell_back = true;
    }
    if (!renewed) {
        return explain_failure(std::move(renewed).error(), plan.files, outcome.resumed, pending_now, request_sent,
                               outcome.challenge_sent);
    }
    for (const auto& warning : renewed->warnings)
        with.events.warning(warning);
    return renewed;
}

// Key, certificate and chain replaced as one unit; the old ones stay as NAME.bak. A kept key goes
// through it byte for byte as it is, so that KEY.bak and CERT.bak are always one pair.
util::Result<store::SwapResult> swap_in(const RenewPlan& plan, const scep::PrivateKey& new_key, bool key_changed,
                                        const scep::EnrollmentResult& renewed, bool resumed, Collaborators& with,
                                        const std::function<void(std::string_view)>& checkpoint) {
    const RenewFiles& files = plan.files;
    std::vector<store::SwapFile> swap;
    if (!files.key_is_file()) {
        // In the TPM or on a token: the key is not a file, certificate and chain are the unit.
    } else if (!key_changed) {
        SCEP_TRY(util::Bytes key_data, store::read_regular_file(files.key, 1 << 20));
        swap.push_back({files.key, std::move(key_data), 0600, 0660});
    } else {
        SCEP_TRY(util::Bytes key_data, key_file_data(plan, new_key));
        swap.push_back({files.key, std::move(key_data), 0600, 0660});
    }
    SCEP_TRY(util::Bytes cert_data, store::encode_certificate(renewed.certificate, store::Format::pem));
    SCEP_TRY(util::Bytes chain_data, store::encode_chain(renewed.chain, store::Format::pem));
    swap.push_back({files.cert, std::move(cert_data), 0644, 0666});
    swap.push_back({files.chain, std::move(chain_data), 0644, 0666});
    // A signal now waits until the swap is complete (or was undone); SIGKILL leaves the journal.
    const auto whole_swap = with.hold_signals();
    SCEP_TRY(store::SwapResult swapped, store::swap_files(files.journal, swap, checkpoint));
    if (resumed) ::unlink(files.pending.c_str());
    return swapped;
}

// A new token key is to take the old key's label once the certificate is swapped: the record of
// what moves is written first, so that a run stopped after the swap can finish the move. Where
// the label cannot move (the URI names the key by id, the token refuses), the old behaviour stays:
// the new key keeps its own label and its URI is printed.
std::optional<scep::TokenHandover> begin_token_handover(const RenewPlan& plan, const scep::PrivateKey& old_key,
                                                        const scep::PrivateKey& new_key, Collaborators& with) {
    auto planned = scep::plan_token_handover(old_key, new_key, plan.key_passphrase, plan.hardware);
    if (!planned) {
        with.events.warning("the new key keeps its own label: " + planned.error().message);
        return std::nullopt;
    }
    if (!*planned) return std::nullopt;
    const std::string text = (*planned)->to_text();
    // Its data now; its name in the directory with the swap's journal, which is written (and its
    // directory flushed) in the same directory before anything is replaced.
    auto written = store::write_file_atomic(plan.files.handover, util::as_bytes(text), 0600, store::Overwrite::replace,
                                            store::Durability::contents);
    if (!written) {
        with.events.warning("the new key keeps its own label: " + written.error().message);
        return std::nullopt;
    }
    return **planned;
}

// The label moves (scep::hand_over_token_label); on failure the record stays for the next run.
bool finish_token_handover(const RenewPlan& plan, const scep::TokenHandover& handover, util::EventSink& events) {
    auto moved = scep::hand_over_token_label(handover, plan.key_passphrase, plan.hardware);
    if (!moved) {
        events.warning("the certificate is renewed, but the key's label did not move to the new key (" +
                       moved.error().message + "): the next renew finishes it from " + plan.files.handover.string());
        return false;
    }
    ::unlink(plan.files.handover.c_str());
    return true;
}

// The request, signed with the existing certificate and key (§2.5): RenewalReq when the server
// lists Renewal (or --mode renewalreq), else PKCSReq. The CSR takes the plan's challenge, which
// then leaves the plan: scep::enroll wipes the CSR once the CA has it.
util::Result<scep::EnrollmentRequest> renewal_request(RenewPlan& plan, const Existing& existing,
                                                      const CaSession& session, const scep::PrivateKey& new_key,
                                                      RenewOutcome& outcome, Collaborators& with) {
    scep::CsrParams params = renewal_csr(plan, existing.cert, with.events, plan.challenge);
    params.digest = session.algorithms.digest;
    SCEP_TRY(scep::CertificationRequest csr, scep::build_csr(new_key, params));
    outcome.challenge_sent = plan.challenge.has_value();
    plan.challenge.reset();
    const bool renewal_req =
        plan.mode == RenewMode::renewal_req || (plan.mode == RenewMode::automatic && session.caps.caps.renewal());
    scep::EnrollmentRequest request{new_key,
                                    std::move(csr),
                                    existing.cert,
                                    existing.key,
                                    renewal_req ? scep::MessageType::renewal_req : scep::MessageType::pkcs_req,
                                    session.algorithms,
                                    plan.request.method,
                                    plan.request.poll};
    request.start_with_poll = outcome.resumed;
    if (!outcome.new_key) request.transaction_id = scep::renewal_transaction_id(existing.key, existing.cert);
    return request;
}

} // namespace

util::Result<RenewOutcome> renew(RenewPlan plan, Collaborators& with,
                                 const std::function<void(std::string_view)>& checkpoint) {
    const auto reached = [&checkpoint](std::string_view stage) {
        if (checkpoint) checkpoint(stage);
    };
    const RenewFiles& files = plan.files;
    SCEP_TRY(Opened opened, open_existing(plan, with));
    RenewOutcome outcome{.old_cert = opened.cert, .recovery = opened.recovery};
    if (plan.days_before && !plan.force) {
        const DueCheck due = renewal_due(opened.cert.not_after_unix(), with.clock.now_unix(), *plan.days_before);
        outcome.days_left = due.days_left;
        outcome.due = due.due;
        if (!due.due) return outcome;
    }
    SCEP_TRY(const Existing existing, load_existing(plan, std::move(opened), with));
    const scep::Certificate& old_cert = existing.cert;
    // What the swap will need, before anything is sent (a run that is not due needs none of it).
    SCEP_TRY_VOID(store::check_new_files(files.swapped(), store::Overwrite::replace));
    SCEP_TRY(const std::optional<scep::PrivateKey> pending,
             pending_key(files, old_cert, plan.key_passphrase, plan.hardware));
    outcome.resumed = pending.has_value();

    Server server = open_server(plan.server, with);
    std::optional<scep::CaCertBundle> cached;
    if (plan.ca_cache) cached = load_ca_cache(*plan.ca_cache, plan.server, with.clock.now_unix(), with.events);
    SCEP_TRY(CaSession session, contact_ca(server, plan.request.algorithms, with, std::move(cached)));
    if (!old_cert.issued_by(session.ca.issuing_ca())) {
        return not_renewable("--cert " + files.cert.string() + " was issued by '" + old_cert.issuer() +
                             "', not by this server's CA '" + session.ca.issuing_ca().subject() +
                             "' (GetCACert): renew at the CA that issued it, or enroll anew here");
    }
    outcome.challenge_origin = plan.challenge ? "given" : "none";
    if (!outcome.resumed && plan.challenge_page) { // a CertPoll carries no CSR
        SCEP_TRY(ndes::FetchedChallenge fetched, fetch_challenge(*plan.challenge_page, *server.transport, with));
        with.events.note("challenge fetched from " + server.transport->url_host(plan.challenge_page->admin_url) +
                         " with " + fetched.auth);
        plan.challenge = std::move(fetched.challenge);
        outcome.challenge_origin = "admin page (" + fetched.auth + ")";
    }

    SCEP_TRY(const scep::PrivateKey new_key, renewal_key(plan, existing, pending));
    outcome.new_key = !new_key.matches(old_cert);
    SCEP_TRY(scep::EnrollmentRequest request, renewal_request(plan, existing, session, new_key, outcome, with));
    SCEP_TRY(scep::EnrollmentResult renewed, exchange(plan, server, session, request, outcome, with));
    // NDES answers a repeated transaction with the certificate it issued then (sscep#189).
    if (renewed.certificate.serial_hex() == old_cert.serial_hex() &&
        renewed.certificate.issuer() == old_cert.issuer()) {
        return not_renewable("the CA sent back the existing certificate (serial " + renewed.certificate.serial_hex() +
                             ") instead of a new one; nothing was replaced. Renew with a new key (without "
                             "--reuse-key), or ask the CA administrator");
    }
    reached("verified");
    note_validity(plan.request.validity, renewed.certificate, with.events);
    const std::optional<scep::TokenHandover> handover =
        outcome.new_key ? begin_token_handover(plan, existing.key, new_key, with) : std::nullopt;
    SCEP_TRY(const store::SwapResult swapped,
             swap_in(plan, new_key, outcome.new_key, renewed, outcome.resumed, with, checkpoint));
    reached("swapped");
    for (const auto& warning : swapped.warnings)
        with.events.warning(warning);
    if (plan.ca_cache && !session.from_cache) store_ca_cache(*plan.ca_cache, session.ca, with.events);
    outcome.key = new_key.location();
    if (files.key_is_file()) outcome.key.reference = files.key.string();
    if (handover && finish_token_handover(plan, *handover, with.events)) {
        outcome.key.reference = existing.key.location().reference; // the label names the new key now
    } else if (outcome.new_key && new_key.store() == scep::KeyStore::pkcs11) {
        with.events.note("the new key is " + new_key.location().reference +
                         " on the same token (the old key stays "
                         "there): give it as --key from now on");
    }
    outcome.message_type = request.type;
    outcome.algorithms = session.algorithms;
    outcome.backups = swapped.backups;
    outcome.stopped_after_swap = with.stop_requested();
    if (!plan.deploy_hook.empty() && !outcome.stopped_after_swap) {
        outcome.hook_status = run_deploy_hook(plan, old_cert, renewed.certificate, with.events);
    }
    outcome.result = std::move(renewed);
    return outcome;
}

} // namespace workflow
