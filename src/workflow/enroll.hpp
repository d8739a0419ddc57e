// scepctl enroll as a workflow: everything checked and read before the first request, GetCACaps
// and a verified GetCACert, the challenge fetched last, key -> PKCS#10 -> PKCSReq, polling while
// PENDING (the key kept from the first PENDING on), the files written together.
#pragma once

#include <filesystem>
#include <optional>
#include <string>
#include <vector>

#include "config/settings.hpp"
#include "scep/enrollment.hpp"
#include "store/formats.hpp"
#include "store/paths.hpp"
#include "workflow/context.hpp"
#include "workflow/issued.hpp"

namespace workflow {

// Which files a run writes, decided from the options before any request.
struct EnrollOutputs {
    store::Format format = store::Format::pem;
    // The generated key: written with the other files on success (not for p12 unless --key-out
    // names it), and alone as soon as the CA answers PENDING so that --resume can use it.
    std::optional<std::filesystem::path> key;
    bool write_key = false;
    std::optional<std::filesystem::path> cert, chain, p12;

    // A separate key file is PKCS#8 PEM with p12, else in the chosen format.
    store::Format key_format() const { return format == store::Format::p12 ? store::Format::pem : format; }
    std::vector<store::NamedPath> named() const; // each with the option that names it
    std::vector<std::filesystem::path> all() const;
};
util::Result<EnrollOutputs> enroll_outputs(const config::Options& options, const scep::VariableLookup& variables,
                                           bool key_generated);

// A private key file (PEM or DER), never read through a link; errors name `option` and the path.
util::Result<scep::PrivateKey> load_private_key(const std::string& path, const std::optional<util::Secret>& passphrase,
                                                const char* option);
// The key `reference` names (a key file, a TPM key blob, handle:..., a pkcs11: URI: store::load_key);
// `secret` is its passphrase, authorization value or PIN. Errors name `option` and the reference.
util::Result<scep::PrivateKey> load_key_reference(const std::string& reference,
                                                  const std::optional<util::Secret>& secret,
                                                  const scep::KeyStoreOptions& hardware, const char* option);
// True for a --key that names a file (not handle:... or pkcs11:...).
bool is_key_path(const std::string& reference);

struct EnrollPlan {
    config::ServerSettings server;
    config::RequestSettings request;
    scep::DistinguishedName subject;
    std::vector<scep::SubjectAltName> sans;
    std::string existing_key;      // --key: no key is generated or written
    config::KeyStoreSettings keys; // where a generated key is made, how hardware is reached
    bool resume = false;           // CertPoll for the request an earlier run left PENDING
    bool force = false;
    EnrollOutputs outputs;
    std::optional<util::Secret> challenge;               // given (file, standard input, environment)
    std::optional<config::ChallengePlan> challenge_page; // else fetched here, when configured
    std::optional<util::Secret> key_passphrase;          // --key-pass-file
    std::optional<util::Secret> p12_passphrase;          // --p12-pass-file
    std::optional<std::string> ca_cache;                 // --ca-cache: where the CA/RA certificates are kept
};

// The plan from the options; `challenge` is what the command line read. Usage and file problems
// are found here, before any key is made or packet sent.
util::Result<EnrollPlan> plan_enroll(const config::Options& options, const config::Environment& environment,
                                     std::optional<util::Secret> challenge, util::EventSink& events);

struct EnrollOutcome {
    scep::EnrollmentResult result;
    scep::AlgorithmChoice algorithms;
    EnrollOutputs outputs; // the files written
    bool resumed = false;
    bool challenge_sent = false;
    std::string challenge_origin; // "given", "none" or "admin page (AUTH)"
    // A stop signal arrived while the files were written: they are complete, the run stops here.
    bool stopped_after_write = false;
    scep::KeyLocation key; // where the certificate's key lives (its key file, TPM blob, handle, URI)
    std::vector<IssuedDifference> differences; // what the CA issued otherwise than asked (also warned)
};

// A request the CA left PENDING (filled in as soon as it answers PENDING): what --resume needs.
struct PendingRequest {
    std::string transaction_id;
    std::optional<std::filesystem::path> key; // where the key is kept; unset when none was written
};

// Errors name what was kept: a PENDING request's key and how to resume it.
// `pending`, when given, is filled in once the CA answers PENDING.
util::Result<EnrollOutcome> enroll(EnrollPlan plan, Collaborators& with, PendingRequest* pending = nullptr);

} // namespace workflow
