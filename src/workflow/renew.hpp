// scepctl renew as a workflow: re-enroll with the existing certificate and key (RFC 8894 §2.5),
// replace key, certificate and chain as one unit (store/swap.hpp), then run the deploy hook.
#pragma once

#include <filesystem>
#include <optional>
#include <string>
#include <vector>

#include "config/settings.hpp"
#include "scep/enrollment.hpp"
#include "store/swap.hpp"
#include "workflow/context.hpp"

namespace workflow {

// The files of one renewal, decided from the options before anything is read or sent.
struct RenewFiles {
    std::filesystem::path key, cert, chain; // key: empty for a key in the TPM (handle:) or on a token
    std::filesystem::path journal;          // CERT.scepctl-journal: present only between commit and finish
    // The new key of a renewal the CA answered PENDING: KEY.scepctl-pending (a key file or TPM key
    // blob), or for a token key CERT.scepctl-pending-key holding the new key's pkcs11: URI.
    std::filesystem::path pending;
    // A token key's label moving to the new key (scep::TokenHandover): CERT.scepctl-token-handover,
    // present only from just before the swap until the label has moved.
    std::filesystem::path handover;
    std::string key_ref; // --key as given: a path, handle:0x81..., or a pkcs11: URI

    bool key_is_file() const { return !key.empty(); }
    std::vector<std::filesystem::path> swapped() const; // key (when a file), cert, chain
};

enum class RenewMode { automatic, renewal_req, pkcs_req };

struct RenewPlan {
    config::ServerSettings server;
    config::RequestSettings request; // subject, sans, key usage, ekus set only when given
    RenewFiles files;
    RenewMode mode = RenewMode::automatic;
    bool reuse_key = false;
    std::optional<int> days_before;
    bool force = false;
    std::string deploy_hook;
    std::optional<util::Secret> challenge;               // given (file, standard input, environment)
    std::optional<config::ChallengePlan> challenge_page; // else fetched here, when the CA has one
    std::optional<util::Secret> key_passphrase;          // or the token's PIN, the TPM key's authorization value
    scep::KeyStoreOptions hardware;                      // --tpm2-tcti, --pkcs11-module
    std::optional<std::string> ca_cache;                 // --ca-cache: CA/RA certificates kept between runs
};

util::Result<RenewPlan> plan_renew(const config::Options& options, const config::Environment& environment,
                                   std::optional<util::Secret> challenge, util::EventSink& events);

struct RenewOutcome {
    bool due = true; // false: nothing was sent (--days-before), `old_cert` says until when it is valid
    std::int64_t days_left = 0;
    scep::Certificate old_cert;
    store::Recovery recovery = store::Recovery::none;
    // When renewed:
    std::optional<scep::EnrollmentResult> result{};
    scep::AlgorithmChoice algorithms{};
    scep::MessageType message_type = scep::MessageType::renewal_req;
    bool fell_back = false; // PKCSReq after the RenewalReq was refused
    bool new_key = true;
    bool resumed = false;
    bool challenge_sent = false;
    std::string challenge_origin{};
    std::vector<std::filesystem::path> backups{};
    bool stopped_after_swap = false; // a stop signal came during the swap: it is complete, the hook did not run
    std::optional<util::Result<int>> hook_status{}; // the deploy hook's exit status, when it ran
    scep::KeyLocation key{};                        // where the certificate's key lives now
};

// Errors before the swap leave everything as it was and name what was kept (a PENDING renewal's
// new key). A checkpoint(STAGE) call marks each stage ("verified", the swap's, "swapped").
util::Result<RenewOutcome> renew(RenewPlan plan, Collaborators& with,
                                 const std::function<void(std::string_view)>& checkpoint = {});

} // namespace workflow
