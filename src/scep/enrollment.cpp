#include "scep/enrollment.hpp"

#include <algorithm>

namespace scep {

namespace {

constexpr const char* k_pki_message_type = "application/x-pki-message";

std::string cause_for(int fail_info) {
    switch (fail_info) {
    case 0: return "the server does not accept the algorithms used; try --cipher des3 and/or --digest sha1";
    case 1:
        return "the server could not verify the request; on NDES this also means a wrong or used challenge password";
    case 2:
        return "on NDES usually a used or expired one-time challenge password (fetch a new one); otherwise a wrong"
               " challenge or a request the CA's template refuses";
    case 3: return "the server thinks the request is too old or too new: check the clocks (NTP) on both sides";
    case 4: return "the CA does not know the certificate the request refers to";
    default: return "the CA gave no known reason";
    }
}

} // namespace

Result<AlgorithmChoice> choose_algorithms(const Capabilities& caps, const AlgorithmPreference& preference) {
    AlgorithmChoice choice{ContentCipher::aes128_cbc, MessageDigest::sha256, {}};
    const auto offered_cipher = [&](ContentCipher c) {
        return c == ContentCipher::des3_cbc ? caps.des3() : caps.aes();
    };
    const auto offered_digest = [&](MessageDigest d) {
        switch (d) {
        case MessageDigest::sha1: return caps.sha1();
        case MessageDigest::sha256: return caps.sha256();
        case MessageDigest::sha512: return caps.sha512();
        }
        return false;
    };

    if (preference.cipher) {
        if (!offered_cipher(*preference.cipher) && !preference.force) {
            return Error(ErrorCode::usage,
                         "--cipher " + to_string(*preference.cipher) +
                             ": the server's GetCACaps does not offer it (add --force-alg to use it anyway)");
        }
        choice.cipher = *preference.cipher;
    } else if (caps.aes()) {
        choice.cipher = ContentCipher::aes128_cbc; // §3.5.2: AES means AES-128-CBC
    } else {
        // DES3 is also what RFC 8894 clients assume when the caps say nothing at all.
        choice.cipher = ContentCipher::des3_cbc;
        if (!caps.des3()) choice.warnings.push_back("the server advertises no cipher: using DES3");
    }

    if (preference.digest) {
        if (!offered_digest(*preference.digest) && !preference.force) {
            return Error(ErrorCode::usage,
                         "--digest " + to_string(*preference.digest) +
                             ": the server's GetCACaps does not offer it (add --force-alg to use it anyway)");
        }
        choice.digest = *preference.digest;
    } else {
        // Strongest common choice first; SHA-1 counts as offered when no SHA-2 is (old NDES, empty caps).
        const bool any_sha2 = caps.sha256() || caps.sha512();
        const auto usable = [&](MessageDigest d) {
            return d == MessageDigest::sha1 ? !any_sha2 || caps.sha1() : offered_digest(d);
        };
        const auto allowed = [&](MessageDigest d) {
            return preference.allowed_digests.empty() ||
                   std::find(preference.allowed_digests.begin(), preference.allowed_digests.end(), d) !=
                       preference.allowed_digests.end();
        };
        std::optional<MessageDigest> picked;
        for (MessageDigest d : {MessageDigest::sha256, MessageDigest::sha512, MessageDigest::sha1}) {
            if (allowed(d) && usable(d)) {
                picked = d;
                break;
            }
        }
        if (!picked) {
            std::string names;
            for (MessageDigest d : preference.allowed_digests)
                names += (names.empty() ? "" : ", ") + to_string(d);
            return Error(ErrorCode::usage, "the server's GetCACaps offers none of the profile's allowed_digests (" +
                                               names + "): allow another digest, or set digest with --force-alg");
        }
        choice.digest = *picked;
        if (choice.digest == MessageDigest::sha1) {
            choice.warnings.push_back(any_sha2 ? "signing with SHA-1 because the profile's allowed_digests say so"
                                               : "the server offers no SHA-2 digest: signing with SHA-1");
        }
    }
    return choice;
}

Result<void> check_issued_validity(const Certificate& cert, std::int64_t now_unix) {
    const std::string issued = "the CA issued '" + cert.subject() + "' (serial " + cert.serial_hex() + ")";
    if (cert.not_after_unix() <= cert.not_before_unix()) {
        return Error(ErrorCode::verification, issued + " with a validity that ends (" + cert.not_after() +
                                                  ") before it begins (" + cert.not_before() +
                                                  "): nothing was written; ask the CA administrator to check the "
                                                  "template's validity period");
    }
    if (cert.not_after_unix() < now_unix) {
        return Error(ErrorCode::verification, issued + " already expired on " + cert.not_after() +
                                                  ": nothing was written; check this host's clock (NTP) and the "
                                                  "validity period of the CA's template");
    }
    if (cert.not_before_unix() > now_unix + k_max_not_before_skew) {
        return Error(ErrorCode::verification, issued + " not valid before " + cert.not_before() + ", more than " +
                                                  std::to_string(k_max_not_before_skew / 60) +
                                                  " minutes from now: nothing was written; check the clocks of this "
                                                  "host and the CA (NTP)");
    }
    return {};
}

Result<EnrollmentRequest> make_pkcs_req(const PrivateKey& key, CsrParams params, const AlgorithmChoice& algorithms,
                                        HttpMethod method, PollPolicy poll) {
    params.digest = algorithms.digest;
    SCEP_TRY(CertificationRequest csr, build_csr(key, params));
    SCEP_TRY(Certificate signer, make_self_signed_signer(key, csr.subject.get(), algorithms.digest));
    return EnrollmentRequest{key, std::move(csr), std::move(signer), key, MessageType::pkcs_req, algorithms, method,
                             poll};
}

Error cert_rep_failure(const CertRep& rep) {
    std::string message = "the CA refused the request: ";
    if (rep.fail_info) {
        message += fail_info_name(*rep.fail_info);
    } else {
        message += "FAILURE without failInfo";
    }
    if (rep.fail_info_text) message += " (\"" + *rep.fail_info_text + "\")";
    message += "; " + cause_for(rep.fail_info.value_or(-1));
    Error error(ErrorCode::ca_failure, std::move(message));
    error.fail_info = rep.fail_info;
    return error;
}

Result<Bytes> pki_operation(Client& client, ByteView message, bool post) {
    HttpTransport& transport = client.transport();
    const AtMostOnce once(transport); // a second copy would present a one-time challenge twice
    Result<HttpResponse> response =
        post ? transport.post(client.operation_url("PKIOperation", ""), message, k_pki_message_type)
             : transport.get(client.operation_url("PKIOperation", base64_encode(message)));
    if (!response) return std::move(response).error();
    const long status = response->status;
    if (!post && url_too_long(*response)) {
        Error error(ErrorCode::http_status, "PKIOperation: HTTP " + std::to_string(status) +
                                                ": the request URL is too long for the server (" + iis_url_limit_fix() +
                                                ")");
        error.http_status = status;
        return error;
    }
    if (status < 200 || status > 299) return http_status_error("PKIOperation", *response);
    const std::string type = media_type(response->content_type);
    if (!type.empty() && type != k_pki_message_type && type != "application/octet-stream") {
        return Error(ErrorCode::bad_reply, "PKIOperation: server sent Content-Type '" + response->content_type +
                                               "', expected application/x-pki-message");
    }
    return Bytes(response->body.begin(), response->body.end());
}

Result<CertRep> exchange(Client& client, const CaCertBundle& ca, OutgoingMessage& message, ByteView message_data,
                         const Certificate& signer, const PrivateKey& signer_key, bool post,
                         const std::function<void(const std::string&)>& progress,
                         const std::function<void(MessageType)>& sending) {
    message.sender_nonce = random_nonce(); // fresh for every message, polls included (§3.2.1.5)
    SCEP_TRY(const Bytes pki_message, build_pki_message(message, message_data, signer, signer_key, ca.recipient()));
    if (sending) sending(message.type);
    if (progress) {
        progress(to_string(message.type) + " sent (" + (post ? "POST" : "GET") + ", " + to_string(message.cipher) +
                 ", " + to_string(message.digest) + ", transaction " + message.transaction_id.substr(0, 16) + "...)");
    }
    SCEP_TRY(const Bytes reply_der, pki_operation(client, pki_message, post));
    auto rep = parse_cert_rep(reply_der, ca.reply_signer());
    if (!rep) return std::move(rep).error().context("PKIOperation reply");
    SCEP_TRY_VOID(check_cert_rep(*rep, message.transaction_id, message.sender_nonce));
    return rep;
}

Result<EnrollmentResult> enroll(Client& client, const CaCertBundle& ca, const Capabilities& caps,
                                EnrollmentRequest& request, const EnrollmentHooks& hooks) {
    const bool use_post =
        request.method == HttpMethod::post || (request.method == HttpMethod::automatic && caps.post_pki_operation());
    std::vector<std::string> warnings = request.algorithms.warnings;
    int polls = 0;
    const auto started = hooks.now();

    OutgoingMessage message;
    message.transaction_id = request.transaction_id ? *request.transaction_id : transaction_id_for(request.key);
    message.cipher = request.algorithms.cipher;
    message.digest = request.algorithms.digest;
    SecureBytes message_data; // the CSR, with the challenge, until the first CertPoll
    // CertPoll (§3.3.3): IssuerAndSubject of the issuing CA's name and the requested subject.
    const auto start_polling = [&]() -> Result<void> {
        message.type = MessageType::cert_poll;
        SCEP_TRY(const Bytes issuer_and_subject_der,
                 issuer_and_subject(X509_get_subject_name(ca.issuing_ca().native()), request.csr.subject.get()));
        message_data.assign(issuer_and_subject_der.begin(), issuer_and_subject_der.end());
        return {};
    };
    if (request.start_with_poll) {
        SCEP_TRY_VOID(start_polling());
        polls = 1;
    } else {
        message.type = request.type;
        message_data = request.csr.der;
    }
    // The CA has the request: its challenge is not needed again in this process.
    const auto forget_csr = [&] {
        wipe(request.csr.der);
        if (message.type != MessageType::cert_poll) wipe(message_data);
    };

    for (;;) {
        SCEP_TRY(const CertRep rep, exchange(client, ca, message, message_data, request.signer, request.signer_key,
                                             use_post, hooks.progress, hooks.sending));

        if (rep.status == PkiStatus::failure) return cert_rep_failure(rep);
        forget_csr();
        if (rep.status == PkiStatus::success) {
            auto issued = open_cert_rep(rep, request.signer, request.signer_key, request.key);
            if (!issued) return std::move(issued).error();
            if (issued->envelope_cipher == "DES-CBC") {
                warnings.push_back("the server encrypted its reply with single DES (weak; RFC 8894 forbids it)");
            }
            if (!issued->certificate.issued_by(ca.issuing_ca())) {
                return Error(ErrorCode::verification, "the issued certificate '" + issued->certificate.subject() +
                                                          "' is not signed by the CA '" + ca.issuing_ca().subject() +
                                                          "'");
            }
            SCEP_TRY_VOID(check_issued_validity(issued->certificate, hooks.unix_now()));
            return EnrollmentResult{std::move(issued->certificate),
                                    ca.ca_chain(),
                                    message.transaction_id,
                                    polls,
                                    use_post,
                                    std::move(warnings)};
        }

        // PENDING (§3.3.2.2): poll with CertPoll, same transaction, within the policy.
        if (message.type != MessageType::cert_poll && hooks.first_pending) {
            SCEP_TRY_VOID(hooks.first_pending(message.transaction_id));
        }
        const auto elapsed = std::chrono::duration_cast<std::chrono::seconds>(hooks.now() - started);
        if (polls >= request.poll.max_polls || elapsed + request.poll.interval > request.poll.deadline) {
            // The caller says how to resume (the CLI: --key PATH --resume).
            return Error(ErrorCode::pending, "the request is still PENDING after " + std::to_string(polls) +
                                                 " poll(s) and " + std::to_string(elapsed.count()) +
                                                 " s (transaction " + message.transaction_id +
                                                 "): the CA administrator must approve it");
        }
        if (hooks.progress) {
            hooks.progress("PENDING: polling again in " + std::to_string(request.poll.interval.count()) + " s (poll " +
                           std::to_string(polls + 1) + " of " + std::to_string(request.poll.max_polls) + ")");
        }
        if (hooks.sleep && !hooks.sleep(request.poll.interval)) {
            return Error(ErrorCode::interrupted,
                         "while waiting to poll for the PENDING request (transaction " + message.transaction_id + ")");
        }
        ++polls;
        if (message.type != MessageType::cert_poll) SCEP_TRY_VOID(start_polling());
    }
}

} // namespace scep
