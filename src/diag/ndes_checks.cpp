#include "diag/ndes_checks.hpp"

#include <algorithm>
#include <filesystem>

#include "diag/probe_key.hpp"
#include "ndes/http_outcomes.hpp"
#include "ossl/x509.hpp"
#include "scep/client.hpp"
#include "scep/csr.hpp"
#include "store/atomic_file.hpp"
#include "store/formats.hpp"
#include "util/text.hpp"
#include "util/url.hpp"
#include "workflow/challenge.hpp"
#include "workflow/issued.hpp"
#include "workflow/request.hpp"
#include "workflow/server.hpp"

namespace diag {

namespace {

using util::Error;
using util::ErrorCode;
using Status = CheckStatus;

constexpr std::int64_t k_day = 24 * 3600;
constexpr std::int64_t k_expiry_warn_days = 30;
constexpr const char* k_test_cn_prefix = "scepctl-check-ndes-";

bool is_ra(scep::CertRole role) {
    return role == scep::CertRole::ra_signing || role == scep::CertRole::ra_encryption ||
           role == scep::CertRole::ra_both;
}

bool success(long status) {
    return status >= 200 && status <= 299;
}

class NdesChecker {
  public:
    NdesChecker(NdesCheckPlan plan, workflow::Collaborators& with, Report& report)
        : m_plan(std::move(plan)), m_with(with), m_report(report), m_now(with.clock.now_unix()),
          m_server(workflow::open_server(m_plan.server, with)) {}

    NdesCheckRun run();

  private:
    void add(CheckResult result) { m_report.add(std::move(result)); }
    void skip(const char* id, std::string why) { add({.id = id, .status = Status::skip, .summary = std::move(why)}); }
    bool failed(const std::string& id) const { return m_report.failed(id); }
    // "2031-11-23T09:18:49Z (1826 days)"
    std::string until(const scep::Certificate& cert) const {
        return cert.not_after() + " (" + std::to_string((cert.not_after_unix() - m_now) / k_day) + " days)";
    }
    std::string describe(const scep::TlsInfo& tls) const;
    std::string operation_url(std::string_view operation, std::string_view message) const {
        return m_server.client->operation_url(operation, message);
    }

    void decide_type();
    void check_reachability();
    void check_tls();
    void check_caps();
    void check_ca_cert();
    void check_fingerprint();
    void check_ra_certs();
    void check_expiry();
    util::Result<std::string> probe_url() const;
    void check_url_length();
    void judge_url_limit(CheckResult r, const std::string& what, const scep::HttpResponse& response);
    void check_challenge();
    void check_enroll();
    void judge_differences(CheckResult& r) const;
    util::Result<scep::EnrollmentResult> enroll_test(const scep::DistinguishedName& subject,
                                                     scep::AlgorithmChoice& algorithms);

    NdesCheckPlan m_plan;
    workflow::Collaborators& m_with;
    Report& m_report;
    const std::int64_t m_now;
    workflow::Server m_server;
    std::string m_host;
    bool m_https = false;
    std::optional<scep::HttpResponse> m_caps_response;
    std::optional<Error> m_reach_error;
    std::optional<scep::TlsInfo> m_unverified_tls; // read without verification to explain a TLS failure
    scep::Capabilities m_caps;
    std::optional<scep::CaCertBundle> m_bundle;
    std::optional<util::Secret> m_challenge;               // only ever put into the enrollment test's CSR
    std::vector<workflow::IssuedDifference> m_differences; // the test certificate against its request
};

std::string NdesChecker::describe(const scep::TlsInfo& tls) const {
    std::string text = tls.version.empty() ? std::string("TLS version unknown") : tls.version;
    if (!tls.cipher.empty()) text += ", " + tls.cipher;
    if (tls.peer) {
        text += ", certificate '" + tls.peer->subject() + "' issued by '" + tls.peer->issuer() + "', valid until " +
                until(*tls.peer);
    }
    return text;
}

// --type, else the CA's type, else what the Server header says.
void NdesChecker::decide_type() {
    if (!m_plan.type.empty()) return;
    const bool iis = m_caps_response && m_caps_response->server.find("Microsoft-IIS") != std::string::npos;
    m_plan.type = iis ? "microsoft" : "generic";
    m_plan.type_origin = iis ? "Server: Microsoft-IIS" : "no Microsoft-IIS Server header";
}

void NdesChecker::check_reachability() {
    CheckResult r{.id = "reachability"};
    const std::string url = operation_url("GetCACaps", m_plan.server.message);
    auto response = m_server.transport->get(url);
    if (response) {
        r.http_status = response->status;
        r.summary = m_host + " answers HTTP";
        r.evidence = "GetCACaps: HTTP " + std::to_string(response->status) +
                     (response->server.empty() ? "" : ", Server: " + response->server);
        m_caps_response = std::move(response).value();
        return add(std::move(r));
    }
    m_reach_error = response.error();
    if (response.error().tls) {
        // Look at the certificate without trusting it, only to say what is wrong with it.
        transport::TransportOptions unverified = m_plan.server.transport;
        unverified.insecure = true;
        unverified.trace = nullptr;
        if (auto seen = m_with.transports.open(unverified)->get(url)) {
            m_unverified_tls = seen->tls;
            r.http_status = seen->status;
            r.summary = m_host + " answers HTTP, but its TLS certificate is not accepted (see the tls check)";
            r.evidence = "GetCACaps without certificate verification: HTTP " + std::to_string(seen->status);
            return add(std::move(r));
        }
    }
    r.status = Status::fail;
    r.error_code = response.error().code;
    r.summary = response.error().message;
    r.fix = "check the URL's host name and port, DNS, the firewall and any proxy (--proxy)";
    add(std::move(r));
}

void NdesChecker::check_tls() {
    CheckResult r{.id = "tls"};
    if (!m_https) {
        r.status = Status::warn;
        r.summary = "plain http: no TLS (SCEP messages are encrypted, but the capabilities, CA certificates and an "
                    "admin page on the same host travel readable and unauthenticated)";
        r.fix = "serve " + m_host + " over https (IIS: an https binding with a certificate for " + m_host +
                "), and pin the CA fingerprint";
        return add(std::move(r));
    }
    if (failed("reachability")) return skip("tls", "skipped: the server is not reachable");
    if (m_reach_error) {
        r.status = Status::fail;
        r.error_code = ErrorCode::network;
        r.summary = m_reach_error->message;
        if (m_unverified_tls) r.evidence = describe(*m_unverified_tls);
        r.fix = "give " + m_host + " a certificate that is valid now, names " + m_host +
                " (subjectAltName) and chains to a CA this host trusts (or pass that CA with --cacert / tls_ca_file)";
        return add(std::move(r));
    }
    const auto& tls = m_caps_response->tls;
    if (!tls) {
        r.status = Status::warn;
        r.summary = "the TLS session could not be read (libcurl is not built with OpenSSL)";
        return add(std::move(r));
    }
    r.evidence = describe(*tls);
    if (tls->version == "TLSv1" || tls->version == "TLSv1.1" || tls->version == "SSLv3") {
        r.status = Status::fail;
        r.error_code = ErrorCode::network;
        r.summary = "the server negotiated " + tls->version + ", older than TLS 1.2";
        r.fix = "enable TLS 1.2 (and 1.3) on " + m_host + " and disable older versions (Windows: SCHANNEL protocols)";
        return add(std::move(r));
    }
    const std::int64_t days = tls->peer ? (tls->peer->not_after_unix() - m_now) / k_day : 9999;
    if (days < k_expiry_warn_days) {
        r.status = Status::warn;
        r.summary = "the TLS certificate of " + m_host + " expires in " + std::to_string(days) + " days";
        r.fix = "renew the TLS certificate of " + m_host + " and bind the new one in IIS";
        return add(std::move(r));
    }
    r.summary = "the certificate is trusted and valid for " + m_host + "; " + tls->version;
    add(std::move(r));
}

void NdesChecker::check_caps() {
    CheckResult r{.id = "getcacaps"};
    if (!m_caps_response) return skip("getcacaps", "skipped: no answer from the server");
    const scep::HttpResponse& response = *m_caps_response;
    r.http_status = response.status;
    if (!success(response.status)) {
        const ndes::HttpOutcome outcome = ndes::http_outcome(response.status, ndes::Endpoint::scep);
        r.status = Status::fail;
        r.error_code = scep::http_status_error("GetCACaps", response).code;
        r.summary = "GetCACaps: HTTP " + std::to_string(response.status) + ": " + outcome.cause;
        r.fix = outcome.fix;
        return add(std::move(r));
    }
    m_caps = scep::Capabilities::parse(util::as_chars(response.body));
    r.evidence = m_caps.empty() ? "(empty)" : util::join(m_caps.keywords(), ", ");
    if (m_caps.empty()) {
        r.status = Status::warn;
        r.summary = "the server advertises no capabilities: clients fall back to GET, DES3 and SHA-1";
        r.fix =
            "on Windows Server 2008 NDES install the GetCACaps update; newer NDES lists POSTPKIOperation and SHA-256";
        return add(std::move(r));
    }
    std::vector<std::string> problems, fixes;
    if (!m_caps.sha256() && !m_caps.sha512()) {
        problems.push_back("only SHA-1 is offered for signatures");
        fixes.push_back("enable SHA-256 on the server (NDES 2012 R2 and later offer it)");
    }
    if (!m_caps.aes() && !m_caps.des3()) {
        problems.push_back("no cipher is advertised (clients assume DES3)");
    } else if (!m_caps.aes()) {
        r.evidence += "; no AES: requests use DES3 (NDES accepts AES-256 anyway: enroll --cipher aes256 --force-alg)";
    }
    if (!m_caps.post_pki_operation()) {
        problems.push_back("no POSTPKIOperation: every request goes in the URL of a GET, which IIS limits to 2048"
                           " query characters by default (404.15 for RSA-2048 keys and larger)");
        fixes.push_back(scep::iis_url_limit_fix());
    }
    if (!problems.empty()) {
        r.status = Status::warn;
        r.summary = util::join(problems, "; ");
        r.fix = util::join(fixes, "; ");
    } else {
        r.summary = "POST, SHA-2 and " + std::string(m_caps.aes() ? "AES" : "DES3") + " are advertised";
    }
    add(std::move(r));
}

void NdesChecker::check_ca_cert() {
    CheckResult r{.id = "getcacert"};
    if (!m_caps_response) return skip("getcacert", "skipped: no answer from the server");
    auto bundle = m_server.client->get_ca_cert(m_plan.server.message, m_now);
    if (!bundle) {
        r.status = Status::fail;
        r.error_code = bundle.error().code;
        r.http_status = bundle.error().http_status;
        r.summary = bundle.error().message;
        if (const auto status = bundle.error().http_status) {
            const ndes::HttpOutcome outcome = ndes::http_outcome(*status, ndes::Endpoint::scep);
            r.summary = "GetCACert: HTTP " + std::to_string(*status) + ": " + outcome.cause;
            r.fix = outcome.fix;
            return add(std::move(r));
        }
        r.fix = bundle.error().message.find("RA certificate") != std::string::npos
                    ? "renew the MSCEP-RA certificates from the issuing CA (NDES: re-run the role configuration or "
                      "request new Exchange Enrollment Agent (Offline request) and CEP Encryption certificates), "
                      "then iisreset"
                    : "check the SCEP URL and that the server is a SCEP endpoint";
        return add(std::move(r));
    }
    m_bundle = std::move(bundle).value();
    std::vector<std::string> roles;
    for (const auto& entry : m_bundle->entries)
        roles.push_back(scep::to_string(entry.role));
    r.summary = "CA '" + m_bundle->issuing_ca().subject() + "'" +
                (m_bundle->has_ra() ? " with RA certificates, each signed by the CA" : ", no RA");
    r.evidence = std::string(m_bundle->format == scep::CaCertFormat::single_der ? "x509-ca-cert" : "x509-ca-ra-cert") +
                 ": " + util::join(roles, ", ");
    add(std::move(r));
}

void NdesChecker::check_fingerprint() {
    CheckResult r{.id = "ca-fingerprint"};
    if (!m_bundle) return skip("ca-fingerprint", "skipped: no CA certificate");
    const scep::Certificate& ca = m_bundle->issuing_ca();
    r.evidence = "sha256:" + util::to_hex(ca.fingerprint(scep::DigestAlg::sha256)) +
                 ", md5 (NDES admin page): " + scep::ndes_thumbprint(ca);
    const auto& pin = m_plan.server.pin;
    if (!pin) {
        r.status = Status::warn;
        r.summary = "no CA fingerprint pinned: nothing proves this is your CA";
        r.fix = "compare the fingerprint with your CA's and set ca_fingerprint in the [ca] table (--ca-fingerprint)";
        return add(std::move(r));
    }
    if (auto verified = scep::verify_ca_fingerprint(*m_bundle, *pin); !verified) {
        r.status = Status::fail;
        r.error_code = ErrorCode::verification;
        r.summary = verified.error().message;
        r.fix = "if the CA was renewed on purpose, pin the new fingerprint; otherwise find out who answers at " +
                util::redact_url(m_plan.server.url);
        return add(std::move(r));
    }
    r.summary = "the CA matches the pinned " + pin->to_string();
    add(std::move(r));
}

void NdesChecker::check_ra_certs() {
    CheckResult r{.id = "ra-certs"};
    if (!m_bundle) return skip("ra-certs", "skipped: no CA certificate");
    int signing = 0, encryption = 0, both = 0;
    std::vector<std::string> details;
    for (const auto& entry : m_bundle->entries) {
        signing += entry.role == scep::CertRole::ra_signing ? 1 : 0;
        encryption += entry.role == scep::CertRole::ra_encryption ? 1 : 0;
        both += entry.role == scep::CertRole::ra_both ? 1 : 0;
        if (is_ra(entry.role)) {
            const auto usage = scep::to_names(entry.cert.key_usage());
            details.push_back(scep::to_string(entry.role) + " '" + entry.cert.subject() + "' (" +
                              (usage.empty() ? std::string("no keyUsage") : util::join(usage, "+")) + ")");
        }
    }
    r.evidence = "type " + m_plan.type + " (" + m_plan.type_origin + ")" +
                 (details.empty() ? "" : "; " + util::join(details, "; "));
    if (m_plan.type == "microsoft") {
        if (signing == 1 && encryption == 1 && both == 0) {
            r.summary = "one RA signing (digitalSignature) and one RA encryption (keyEncipherment) certificate, as NDES"
                        " needs";
            return add(std::move(r));
        }
        r.status = Status::fail;
        r.error_code = ErrorCode::verification;
        r.summary = "NDES must send exactly one RA signing and one RA encryption certificate; the server sent " +
                    std::to_string(signing) + " signing, " + std::to_string(encryption) + " encryption and " +
                    std::to_string(both) + " dual-use";
        r.fix = "request the MSCEP-RA certificates again from the Exchange Enrollment Agent (Offline request) and CEP "
                "Encryption templates, remove stale ones from the NDES machine store, then iisreset (or use --type "
                "generic for a non-NDES server)";
        return add(std::move(r));
    }
    if (signing + encryption + both == 0) {
        r.summary = "no RA: the CA itself decrypts requests and signs replies";
    } else if (signing > 1 || encryption > 1 || both > 1) {
        r.status = Status::warn;
        r.summary = "several RA certificates for the same purpose: clients may pick another one than the server uses";
        r.fix = "remove the stale RA certificates from the server";
    } else {
        r.summary = "RA certificates present, each with the key usage of its role";
    }
    add(std::move(r));
}

void NdesChecker::check_expiry() {
    CheckResult r{.id = "expiry"};
    if (!m_bundle) return skip("expiry", "skipped: no CA certificate");
    std::vector<std::string> evidence, expired, soon;
    bool ra_problem = false;
    for (const auto& entry : m_bundle->entries) {
        const std::string what = scep::to_string(entry.role);
        evidence.push_back(what + " until " + until(entry.cert));
        if (entry.cert.not_after_unix() < m_now) {
            expired.push_back(what + " certificate expired on " + entry.cert.not_after());
        } else if (entry.cert.not_before_unix() > m_now) {
            expired.push_back(what + " certificate is not valid before " + entry.cert.not_before());
        } else if (entry.cert.not_after_unix() - m_now < k_expiry_warn_days * k_day) {
            soon.push_back(what + " certificate expires in " +
                           std::to_string((entry.cert.not_after_unix() - m_now) / k_day) + " days");
        } else {
            continue;
        }
        ra_problem = ra_problem || is_ra(entry.role);
    }
    r.evidence = util::join(evidence, "; ");
    const std::string fix = ra_problem ? "renew the MSCEP-RA certificates (NDES answers HTTP 500 once they expire), "
                                         "then iisreset"
                                       : "renew the CA certificate and publish the new one to the clients";
    if (!expired.empty()) {
        r.status = Status::fail;
        r.error_code = ErrorCode::verification;
        r.summary = util::join(expired, "; ");
        r.fix = fix;
    } else if (!soon.empty()) {
        r.status = Status::warn;
        r.summary = util::join(soon, "; ");
        r.fix = fix;
    } else {
        r.summary = "every certificate is valid for " + std::to_string(k_expiry_warn_days) + " days or more";
    }
    add(std::move(r));
}
// A PKCSReq as a large client sends it (RSA-4096), with its CSR signature deliberately broken so
// that no server can issue anything for it. The key is the documented probe key (probe_key.hpp),
// not a generated one; the transaction ID is random, as long as a real one, so that no server
// links two probes.
util::Result<std::string> NdesChecker::probe_url() const {
    SCEP_TRY(const scep::PrivateKey key, scep::PrivateKey::load(util::as_bytes(k_probe_key_pem), std::nullopt));
    // The broken CSR and the signer certificate are shipped (probe_key.hpp): only the pkiMessage's
    // own signature is made here, one RSA-4096 operation instead of three.
    std::string csr_base64(k_probe_csr_der_base64);
    std::erase_if(csr_base64, [](char c) { return c == '\n'; });
    const std::optional<util::Bytes> csr_der = util::base64_decode(csr_base64);
    SCEP_TRY(const std::vector<scep::Certificate> signers, scep::Certificate::from_pem(k_probe_signer_pem));
    if (!csr_der) return Error(ErrorCode::internal, "the shipped probe request is not base64");
    const scep::Certificate& signer = signers.front();
    scep::OutgoingMessage message;
    message.transaction_id =
        util::to_upper_ascii(util::to_hex(scep::random_nonce()) + util::to_hex(scep::random_nonce()));
    message.sender_nonce = scep::random_nonce();
    message.cipher = scep::ContentCipher::des3_cbc;
    SCEP_TRY(const util::Bytes pki_message,
             scep::build_pki_message(message, *csr_der, signer, key, m_bundle->recipient()));
    return operation_url("PKIOperation", util::base64_encode(pki_message));
}

// Sent with GET to see whether a URL of that length passes. Only a CertRep (the server refusing
// the broken request itself) or a documented URL-limit answer is a server at work.
void NdesChecker::check_url_length() {
    CheckResult r{.id = "get-url-length"};
    if (!m_bundle) return skip("get-url-length", "skipped: no CA certificate to encrypt the test request to");
    const auto built = probe_url();
    if (!built) {
        r.status = Status::fail;
        r.error_code = built.error().code;
        r.summary = "cannot build the test request: " + built.error().message;
        return add(std::move(r));
    }
    const std::string& url = *built;
    const std::string what = "a GET PKIOperation of " + std::to_string(url.size()) + " characters (RSA-4096 request)";
    auto response = m_server.transport->get(url);
    if (!response) {
        r.status = Status::fail;
        r.error_code = response.error().code;
        r.summary = what + " got no answer: " + response.error().message;
        r.fix = "a proxy or load balancer in front of the server may limit URL length; " + scep::iis_url_limit_fix();
        return add(std::move(r));
    }
    r.http_status = response->status;
    r.evidence = "URL of " + std::to_string(url.size()) + " characters, HTTP " + std::to_string(response->status);
    const std::string body(util::as_chars(response->body).substr(0, 1024));
    // Remote IIS clients see a plain 404 without the 404.14/404.15 detail; the same URL answered
    // GetCACaps, so a 404 here is the length.
    const bool limited = scep::url_too_long(*response) ||
                         (response->status == 404 && success(m_caps_response->status)) ||
                         (response->status == 400 && body.find("Too Long") != std::string::npos);
    if (limited) return judge_url_limit(std::move(r), what, *response);
    if (!success(response->status)) {
        const ndes::HttpOutcome outcome = ndes::http_outcome(response->status, ndes::Endpoint::scep);
        r.status = Status::fail;
        r.error_code = ErrorCode::http_status;
        r.summary = what + " was answered HTTP " + std::to_string(response->status) + ": " + outcome.cause;
        r.fix = outcome.fix;
        return add(std::move(r));
    }
    auto rep = scep::parse_cert_rep(response->body, m_bundle->reply_signer());
    if (!rep) {
        r.status = Status::fail;
        r.error_code = ErrorCode::http_status;
        r.summary = what + " was answered HTTP " + std::to_string(response->status) +
                    " without a CertRep the RA signed: " + rep.error().message;
        r.fix = "check that the URL is the SCEP endpoint (NDES: /certsrv/mscep/mscep.dll) and that no proxy answers "
                "in its place";
        return add(std::move(r));
    }
    r.evidence += rep->status == scep::PkiStatus::failure && rep->fail_info
                      ? ", CertRep FAILURE " + scep::fail_info_name(*rep->fail_info)
                      : ", a CertRep";
    r.summary =
        what + " passes the web server's URL limits (the server refused the deliberately broken request itself)";
    add(std::move(r));
}

void NdesChecker::judge_url_limit(CheckResult r, const std::string& what, const scep::HttpResponse& response) {
    const std::string body(util::as_chars(response.body).substr(0, 1024));
    const char* which = body.find("404.15") != std::string::npos   ? " (404.15: query string too long)"
                        : body.find("404.14") != std::string::npos ? " (404.14: URL too long)"
                                                                   : "";
    r.summary = what + " is refused with HTTP " + std::to_string(response.status) + which;
    r.fix = scep::iis_url_limit_fix();
    if (m_caps.post_pki_operation()) {
        r.status = Status::warn;
        r.summary += "; clients that POST are not affected";
    } else {
        r.status = Status::fail;
        r.error_code = ErrorCode::http_status;
        r.summary += ", and the server offers no POST";
    }
    add(std::move(r));
}

void NdesChecker::check_challenge() {
    if (m_plan.challenge) {
        m_challenge = std::move(m_plan.challenge);
        return add({.id = "challenge", .summary = "a challenge password was given (not fetched, not shown)"});
    }
    if (!m_plan.challenge_page) {
        return skip("challenge", "no challenge URL configured (--challenge-url or the CA's challenge_url)");
    }
    if (m_plan.kerberos) {
        // The check-kerberos walk, step by step; its failures are authentication failures (exit 80).
        m_report.set_id_prefix("kerberos-");
        m_report.set_default_failure(ErrorCode::http_auth);
        KerberosCheckRun run = run_kerberos_checks(*m_plan.kerberos, m_with, m_report);
        m_report.set_id_prefix("");
        m_report.set_default_failure(ErrorCode::internal);
        m_challenge = std::move(run.challenge);
        return;
    }
    CheckResult r{.id = "challenge"};
    auto fetched = workflow::fetch_challenge(*m_plan.challenge_page, m_plan.server.transport, m_with);
    if (!fetched) {
        const Error& error = fetched.error();
        r.status = Status::fail;
        r.error_code = error.code;
        r.http_status = error.http_status;
        r.summary = error.message;
        r.fix = error.fix.empty() ? "check the challenge URL and its authentication" : error.fix;
        return add(std::move(r));
    }
    r.summary = "the admin page shows a challenge password (" + std::to_string(fetched->challenge.size()) +
                " characters, not shown)";
    r.evidence = "authenticated with " + fetched->auth + (fetched->detail.empty() ? "" : " as " + fetched->detail);
    m_challenge = std::move(fetched->challenge);
    add(std::move(r));
}

// The profile's request (subject, key size, key usage, EKUs, SANs) with a throw-away key; no
// polling: a CA that waits for approval is reported, not waited for.
util::Result<scep::EnrollmentResult> NdesChecker::enroll_test(const scep::DistinguishedName& subject,
                                                              scep::AlgorithmChoice& algorithms) {
    const config::RequestSettings& request = m_plan.request;
    SCEP_TRY(algorithms, scep::choose_algorithms(m_caps, request.algorithms));
    // In the profile's key store: a TPM key proves the hardware path end to end.
    SCEP_TRY(const scep::PrivateKey key,
             scep::generate_key(scep::KeyGenTarget{m_plan.keys.store}, request.key_size.value_or(2048), std::nullopt,
                                m_plan.keys.hardware));
    scep::CsrParams params =
        workflow::csr_params(request, subject, request.sans.value_or(std::vector<scep::SubjectAltName>{}),
                             request.key_usage.value_or(config::KeyUsage::both), m_challenge);
    workflow::RequestedCertificate asked = workflow::requested_certificate(params, nullptr, key);
    SCEP_TRY(scep::EnrollmentRequest pkcs_req,
             scep::make_pkcs_req(key, std::move(params), algorithms, request.method,
                                 {std::chrono::seconds(1), 0, std::chrono::seconds(1)}));
    asked.subject = ossl::name_to_string(pkcs_req.csr.subject.get());
    scep::EnrollmentHooks hooks = workflow::enrollment_hooks(m_with);
    hooks.progress = [this](const std::string& line) { m_with.events.note("enroll-test: " + line); };
    SCEP_TRY(scep::EnrollmentResult result, scep::enroll(*m_server.client, *m_bundle, m_caps, pkcs_req, hooks));
    if (!key.matches(result.certificate)) {
        return Error(ErrorCode::verification, "the CA issued a certificate for another public key than the " +
                                                  scep::to_string(key.store()) + " key that signed the request");
    }
    m_differences = workflow::compare_issued(asked, result.certificate);
    if (!m_plan.keep.empty()) {
        const std::filesystem::path dir(m_plan.keep);
        store::FileSet files;
        SCEP_TRY(util::Bytes key_data, store::encode_key(key, store::Format::pem, std::nullopt));
        SCEP_TRY(util::Bytes cert_data, store::encode_certificate(result.certificate, store::Format::pem));
        SCEP_TRY(util::Bytes chain_data, store::encode_chain(result.chain, store::Format::pem));
        files.add(dir / "key.pem", std::move(key_data), 0600);
        files.add(dir / "cert.pem", std::move(cert_data), 0644);
        files.add(dir / "chain.pem", std::move(chain_data), 0644);
        SCEP_TRY_VOID(files.commit(m_plan.force ? store::Overwrite::replace : store::Overwrite::refuse));
    }
    return result;
}

void NdesChecker::check_enroll() {
    CheckResult r{.id = "enroll-test"};
    if (!m_plan.enroll_test) return skip("enroll-test", "not requested (--enroll-test)");
    if (!m_bundle) return skip("enroll-test", "skipped: no CA certificate");
    if (m_plan.challenge_page && !m_challenge) return skip("enroll-test", "skipped: no challenge password");
    scep::DistinguishedName subject;
    if (m_plan.request.subject) {
        subject = *m_plan.request.subject;
    } else {
        // No profile subject: a name nobody else uses, so the certificate is easy to find and revoke.
        subject = scep::parse_distinguished_name("CN=" + std::string(k_test_cn_prefix) +
                                                 util::to_hex(scep::random_nonce()).substr(0, 12))
                      .value();
    }
    scep::AlgorithmChoice algorithms{};
    const auto enrolled = enroll_test(subject, algorithms);
    const std::string key_text = std::to_string(m_plan.request.key_size.value_or(2048)) + "-bit " +
                                 config::to_string(m_plan.request.key_usage.value_or(config::KeyUsage::both)) + " " +
                                 (m_plan.keys.store == scep::KeyStore::tpm2 ? "TPM " : "") + "key";
    if (!enrolled) {
        const Error& error = enrolled.error();
        if (error.code == ErrorCode::pending) {
            r.status = Status::warn;
            r.summary = "the CA answered PENDING: requests wait for a CA manager's approval";
            r.fix = "deny the pending test request on the CA, or let the template issue automatically";
            return add(std::move(r));
        }
        r.status = Status::fail;
        r.error_code = error.code;
        r.fail_info = error.fail_info;
        r.http_status = error.http_status;
        r.summary = "enrollment of a " + key_text + " failed: " + error.message;
        if (error.http_status && !success(*error.http_status)) {
            const ndes::HttpOutcome outcome = ndes::http_outcome(*error.http_status, ndes::Endpoint::scep);
            r.summary = "enrollment of a " + key_text + " failed: PKIOperation: HTTP " +
                        std::to_string(*error.http_status) + ": " + outcome.cause;
            r.fix = outcome.fix;
            return add(std::move(r));
        }
        r.fix = error.code == ErrorCode::ca_failure
                    ? "check the NDES template for this key usage (SignatureTemplate, EncryptionTemplate or "
                      "GeneralPurposeTemplate) and the service account's Enroll permission; the CA's event log names "
                      "the reason"
                : error.fix.empty() ? "see the message"
                                    : error.fix;
        return add(std::move(r));
    }
    const scep::Certificate& cert = enrolled->certificate;
    r.summary = "enrolled '" + cert.subject() + "' with a " + key_text +
                " and verified it: signed by the CA, for our key" +
                std::string(m_plan.keep.empty() ? " (nothing kept)" : " (kept in " + m_plan.keep + ")");
    r.evidence = "serial " + cert.serial_hex() + ", valid until " + cert.not_after() + ", " +
                 (enrolled->used_post ? "POST" : "GET") + ", " + scep::to_string(algorithms.cipher) + ", " +
                 scep::to_string(algorithms.digest);
    if (!m_differences.empty()) judge_differences(r);
    add(std::move(r));
}

// The CA issued something else than asked: the template overrides the request (WARN; FAIL with --strict).
void NdesChecker::judge_differences(CheckResult& r) const {
    std::vector<std::string> texts, settings;
    for (const auto& d : m_differences) {
        texts.push_back(d.field + ": asked " + d.asked + ", issued " + d.issued);
        if (std::find(settings.begin(), settings.end(), d.setting) == settings.end()) settings.push_back(d.setting);
    }
    r.status = m_plan.strict ? Status::fail : Status::warn;
    if (m_plan.strict) r.error_code = ErrorCode::verification;
    r.summary += ", but the certificate is not what was asked: " + util::join(texts, "; ");
    r.fix = "the NDES template overrides the request: " + util::join(settings, "; ");
}

NdesCheckRun NdesChecker::run() {
    m_host = m_server.transport->url_host(m_plan.server.url);
    m_https = util::to_lower_ascii(m_plan.server.url).rfind("https://", 0) == 0;
    check_reachability();
    decide_type();
    check_tls();
    if (failed("tls") || failed("reachability")) {
        // Nothing more is asked of a server that cannot be reached or trusted.
        for (const char* id : {"getcacaps", "getcacert", "ca-fingerprint", "ra-certs", "expiry", "get-url-length",
                               "challenge", "enroll-test"}) {
            skip(id, "skipped: " + std::string(failed("tls") ? "TLS" : "the server") + " failed");
        }
        return NdesCheckRun{m_plan.type};
    }
    check_caps();
    check_ca_cert();
    check_fingerprint();
    check_ra_certs();
    check_expiry();
    check_url_length();
    check_challenge();
    check_enroll();
    return NdesCheckRun{m_plan.type};
}

} // namespace

util::Result<NdesCheckPlan> plan_ndes_checks(const config::Options& options, const config::Environment& environment,
                                             std::optional<util::Secret> challenge) {
    NdesCheckPlan plan;
    SCEP_TRY(plan.server, config::server_settings(options));
    if (const config::Setting* type = options.get("type")) {
        plan.type = type->values.front();
        plan.type_origin = type->origin == config::Origin::command_line ? "--type" : "the CA's type";
    } else if (options.ca() != nullptr) {
        plan.type = "generic"; // a configured CA is generic unless it says microsoft
        plan.type_origin = "the CA's type";
    }
    plan.enroll_test = options.flag("enroll-test");
    plan.strict = options.flag("strict");
    plan.keep = options.text("keep").value_or("");
    plan.force = options.flag("force");
    SCEP_TRY(const scep::VariableLookup variables, config::template_variables(options, environment));
    SCEP_TRY(plan.request, config::request_settings(options, variables));
    // Only a subject the user or the profile chose; else a unique one, easy to find and revoke.
    if (const config::Setting* subject = options.get("subject");
        subject && subject->origin == config::Origin::built_in) {
        plan.request.subject.reset();
    }
    plan.challenge = std::move(challenge);
    if (!plan.challenge) {
        SCEP_TRY(config::ChallengePlan page, config::challenge_plan(options));
        if (!page.admin_url.empty()) {
            if (page.kerberos) {
                SCEP_TRY(plan.kerberos, plan_kerberos_checks(options));
            }
            plan.challenge_page = std::move(page);
        }
    }
    plan.keys = config::key_store_settings(options);
    if (plan.enroll_test && plan.keys.store == scep::KeyStore::pkcs11) {
        return Error(ErrorCode::usage, "--enroll-test makes its key in the profile's key store, and scepctl makes no "
                                       "keys on a PKCS#11 token")
            .with_fix("use --key-store file or tpm2 for the test (enroll and renew use token keys given with --key)");
    }
    if (plan.strict && !plan.enroll_test) {
        return Error(ErrorCode::usage, "--strict judges what --enroll-test enrolls: add --enroll-test");
    }
    if (!plan.keep.empty() && !plan.enroll_test) {
        return Error(ErrorCode::usage, "--keep DIR keeps what --enroll-test enrolls: add --enroll-test");
    }
    if (!plan.keep.empty()) {
        const std::filesystem::path dir(plan.keep);
        SCEP_TRY_VOID(store::check_new_files({dir / "key.pem", dir / "cert.pem", dir / "chain.pem"},
                                             plan.force ? store::Overwrite::replace : store::Overwrite::refuse,
                                             0700)); // it will hold a private key
    }
    return plan;
}

NdesCheckRun run_ndes_checks(NdesCheckPlan plan, workflow::Collaborators& with, Report& report) {
    return NdesChecker(std::move(plan), with, report).run();
}

} // namespace diag
