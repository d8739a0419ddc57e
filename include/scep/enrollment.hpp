// The PKCSReq/RenewalReq exchange with polling (RFC 8894 §2.3-2.5, §3.3): no HTTP library, no files.
#pragma once

#include <chrono>
#include <cstdint>
#include <ctime>
#include <functional>
#include <optional>
#include <string>
#include <vector>

#include "scep/ca_certs.hpp"
#include "scep/caps.hpp"
#include "scep/client.hpp"
#include "scep/csr.hpp"
#include "scep/pki_message.hpp"

namespace scep {

struct AlgorithmPreference {
    std::optional<ContentCipher> cipher;        // --cipher
    std::optional<MessageDigest> digest;        // --digest
    bool force = false;                         // --force-alg: use them even when the caps do not list them
    std::vector<MessageDigest> allowed_digests; // a profile's allowed_digests; empty = any
};

struct AlgorithmChoice {
    ContentCipher cipher;
    MessageDigest digest;
    std::vector<std::string> warnings;
};

// From the caps (§3.5.2): AES-128 (AES-256 on request) else DES3; SHA-256, SHA-512 on request,
// SHA-1 only when nothing better is offered. Never single DES or MD5. An explicit choice the caps
// do not offer is a usage error unless forced.
Result<AlgorithmChoice> choose_algorithms(const Capabilities& caps, const AlgorithmPreference& preference);

enum class HttpMethod { automatic, get, post };

// Polling is a value: interval, attempt count and deadline, never an endless loop.
struct PollPolicy {
    std::chrono::seconds interval{10};
    int max_polls = 30;
    std::chrono::seconds deadline{3600};
};

struct EnrollmentRequest {
    PrivateKey key;
    CertificationRequest csr;
    Certificate signer;    // self-signed for PKCSReq; the existing certificate for renewal
    PrivateKey signer_key; // its key
    MessageType type = MessageType::pkcs_req;
    AlgorithmChoice algorithms;
    HttpMethod method = HttpMethod::automatic;
    PollPolicy poll;
    // Resume a transaction an earlier run left PENDING: skip `type` and send CertPoll first
    // (same transaction ID, derived from `key`; IssuerAndSubject from the CA and csr.subject).
    // That first CertPoll counts as a poll.
    bool start_with_poll = false;
    // Default: transaction_id_for(key); a renewal that keeps its key passes renewal_transaction_id.
    std::optional<TransactionId> transaction_id{};
};

struct EnrollmentHooks {
    std::function<void(const std::string&)> progress; // one line per request and poll
    // Waits between polls (tests pass a fake); false when the wait was interrupted, which ends
    // the enrollment with ErrorCode::interrupted.
    std::function<bool(std::chrono::seconds)> sleep;
    // Called right before each pkiMessage is sent: from then on the CA may know the request.
    std::function<void(MessageType)> sending;
    // Called once, at the first PENDING reply of a request (not when resuming with CertPoll): the
    // caller keeps the key now, so that a later run can poll even if this one is stopped. An error
    // ends the enrollment.
    std::function<Result<void>(const TransactionId&)> first_pending;
    std::function<std::chrono::steady_clock::time_point()> now = [] { return std::chrono::steady_clock::now(); };
    // The wall clock that judges the issued certificate's validity (tests pass a fixed time).
    std::function<std::int64_t()> unix_now = [] { return static_cast<std::int64_t>(std::time(nullptr)); };
};

struct EnrollmentResult {
    Certificate certificate;
    std::vector<Certificate> chain; // issuing CA upwards
    TransactionId transaction_id;
    int polls = 0;
    bool used_post = false;
    std::vector<std::string> warnings;
};

// How far in the future an issued certificate's notBefore may lie: clocks of host and CA differ
// a little (the CA may also backdate), and Kerberos tolerates the same five minutes.
constexpr std::int64_t k_max_not_before_skew = 300;

// An issued certificate is only written when it is valid now: notAfter after notBefore, notAfter
// not past, notBefore at most k_max_not_before_skew ahead of `now_unix`. A certificate that is not
// valid would replace a working pair (renew) or be useless from the start. Errors: verification.
Result<void> check_issued_validity(const Certificate& cert, std::int64_t now_unix);

// A one-line note when the CA issued `issued` for another period than `asked` (beyond the CA's
// backdating and rounding); nullopt when it honoured the request.
std::optional<std::string> validity_difference(const RequestedValidity& asked, const Certificate& issued);

// The initial request of RFC 8894 §2.3: the PKCS#10 for `key` (signed with the chosen digest),
// and the self-signed certificate for the same key and subject that signs the pkiMessage. The one
// sequence enroll and check-ndes --enroll-test share.
Result<EnrollmentRequest> make_pkcs_req(const PrivateKey& key, CsrParams params, const AlgorithmChoice& algorithms,
                                        HttpMethod method, PollPolicy poll);

// The error for a FAILURE reply: ca_failure with fail_info, the name and the likely cause.
Error cert_rep_failure(const CertRep& rep);

// One PKIOperation round trip (§4.3): POST with the DER message, or GET with it in standard
// base64, percent-encoded (§4.1). Returns the reply body; HTTP errors, URL-length refusals and a
// wrong Content-Type are errors.
Result<Bytes> pki_operation(Client& client, ByteView message, bool post);

// One pkiMessage round trip: a fresh senderNonce in `message`, signed with signer/signer_key and
// encrypted to the CA's recipient certificate, sent, and the CertRep verified (signed by the
// CA's reply signer, our transaction ID, our nonce). FAILURE and PENDING replies are returned.
Result<CertRep> exchange(Client& client, const CaCertBundle& ca, OutgoingMessage& message, ByteView message_data,
                         const Certificate& signer, const PrivateKey& signer_key, bool post,
                         const std::function<void(const std::string&)>& progress,
                         const std::function<void(MessageType)>& sending = {});

// Sends the request and polls while PENDING. The request's CSR (it carries the challenge
// password) is wiped as soon as the CA has accepted it, at the first PENDING or the SUCCESS reply:
// nothing sends it again. After a FAILURE it is kept (renew retries as PKCSReq).
Result<EnrollmentResult> enroll(Client& client, const CaCertBundle& ca, const Capabilities& caps,
                                EnrollmentRequest& request, const EnrollmentHooks& hooks);

} // namespace scep
