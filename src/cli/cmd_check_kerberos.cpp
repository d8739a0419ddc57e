// scepctl check-kerberos: walk the path from this host through the KDC to the NDES admin page,
// one check at a time, and say for each failure which setup step is wrong and how to fix it.
#include <netdb.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <cerrno>
#include <cstdlib>
#include <cstring>
#include <ctime>
#include <memory>
#include <set>

#include "cli/app.hpp"
#include "cli/challenge.hpp"
#include "cli/check_kerberos.hpp"
#include "krb/kerberos.hpp"
#include "krb/negotiate.hpp"
#include "ndes/challenge_page.hpp"
#include "store/atomic_file.hpp"
#include "util/url.hpp"

namespace cli {

namespace {

using util::Error;
using util::ErrorCode;

using Status = CheckStatus;

struct CheckOptions {
    ChallengeOptions auth; // realm, kdc, service user, keytab/password, allowed domains, challenge URL
    bool all = false;
    std::string junit;
};

constexpr std::time_t k_skew_warn = 120;
constexpr std::time_t k_skew_fail = 300;

// Resolves host:port and tries `attempt` on each address until one succeeds (returns "");
// the result is "" or the last address's problem.
template <class Attempt>
std::string try_addresses(const std::string& host, const std::string& port, int socktype, Attempt attempt) {
    addrinfo hints{};
    hints.ai_socktype = socktype;
    addrinfo* list = nullptr;
    if (const int rc = ::getaddrinfo(host.c_str(), port.c_str(), &hints, &list); rc != 0) {
        return std::string("does not resolve (") + ::gai_strerror(rc) + ")";
    }
    std::unique_ptr<addrinfo, decltype(&::freeaddrinfo)> guard(list, ::freeaddrinfo);
    std::string last = "no address";
    for (addrinfo* a = list; a != nullptr; a = a->ai_next) {
        const int fd = ::socket(a->ai_family, a->ai_socktype | SOCK_NONBLOCK | SOCK_CLOEXEC, a->ai_protocol);
        if (fd < 0) continue;
        last = attempt(fd, *a);
        ::close(fd);
        if (last.empty()) return {};
    }
    return last;
}

// TCP connect with a deadline, the way a KDC client would reach port 88.
std::string tcp_reachable(const std::string& host, const std::string& port, int timeout_ms) {
    return try_addresses(host, port, SOCK_STREAM, [timeout_ms](int fd, const addrinfo& a) -> std::string {
        if (::connect(fd, a.ai_addr, a.ai_addrlen) == 0) return {};
        if (errno != EINPROGRESS) return std::strerror(errno);
        pollfd p{fd, POLLOUT, 0};
        const int ready = ::poll(&p, 1, timeout_ms);
        if (ready == 0) return "no connection within " + std::to_string(timeout_ms / 1000) + " s";
        if (ready < 0) return std::strerror(errno);
        int err = 0;
        socklen_t len = sizeof err;
        ::getsockopt(fd, SOL_SOCKET, SO_ERROR, &err, &len);
        return err == 0 ? std::string() : std::string(std::strerror(err));
    });
}

// Sends a real AS-REQ in one UDP datagram and waits for any answer (the KDC replies with
// PREAUTH_REQUIRED or an AS-REP): krb5 itself would fall back to TCP and hide a blocked UDP port.
std::string udp_answers(const std::string& host, const std::string& port, util::ByteView request, int timeout_ms) {
    return try_addresses(host, port, SOCK_DGRAM, [&request, timeout_ms](int fd, const addrinfo& a) -> std::string {
        if (::connect(fd, a.ai_addr, a.ai_addrlen) != 0 || ::send(fd, request.data(), request.size(), 0) < 0) {
            return std::strerror(errno);
        }
        pollfd p{fd, POLLIN, 0};
        if (::poll(&p, 1, timeout_ms) != 1) return "no answer within " + std::to_string(timeout_ms / 1000) + " s";
        std::uint8_t reply[2048];
        const ssize_t n = ::recv(fd, reply, sizeof reply, 0);
        if (n <= 0) return n < 0 ? std::string(std::strerror(errno)) : std::string("empty answer");
        if (reply[0] != 0x7e && reply[0] != 0x6b) return "answer is not Kerberos"; // KRB-ERROR, AS-REP
        return {};
    });
}

std::pair<std::string, std::string> split_host_port(const std::string& kdc) {
    // "host", "host:port", "[v6]:port"
    if (!kdc.empty() && kdc.front() == '[') {
        const auto close = kdc.find(']');
        if (close != std::string::npos) {
            const std::string host = kdc.substr(1, close - 1);
            if (close + 1 < kdc.size() && kdc[close + 1] == ':') return {host, kdc.substr(close + 2)};
            return {host, "88"};
        }
    }
    const auto colon = kdc.rfind(':');
    if (colon != std::string::npos && kdc.find(':') == colon) return {kdc.substr(0, colon), kdc.substr(colon + 1)};
    return {kdc, "88"};
}

bool is_ip_literal(const std::string& host) {
    return host.find_first_not_of("0123456789.") == std::string::npos || host.find(':') != std::string::npos;
}

// RFC 9110 IMF-fixdate: "Mon, 23 Nov 2026 08:54:03 GMT".
std::optional<std::time_t> parse_http_date(const std::string& value) {
    std::tm tm{};
    const char* end = ::strptime(value.c_str(), "%a, %d %b %Y %H:%M:%S GMT", &tm);
    if (end == nullptr) return std::nullopt;
    return ::timegm(&tm);
}

std::string format_time(std::time_t t) {
    std::tm tm{};
    ::gmtime_r(&t, &tm);
    char buf[32];
    std::strftime(buf, sizeof buf, "%Y-%m-%dT%H:%M:%SZ", &tm);
    return buf;
}

class Checker {
  public:
    Checker(const Context& context, const ChallengeOptions& options, bool all, CheckReport& report)
        : m_context(context), m_options(options), m_all(all), m_report(report) {}

    util::Result<KerberosCheckRun> run();

  private:
    // Records and prints one result; in the default mode the first FAIL ends the walk.
    void report(CheckResult result);
    bool skip_if_stopped(const char* id, const char* what);
    void skip(CheckResult result, std::string why) {
        result.status = Status::skip;
        result.summary = std::move(why);
        report(std::move(result));
    }
    bool failed(const std::string& id) const { return m_failed.count(id) != 0; }

    void check_config();
    void check_allowed_domains();
    void check_dns();
    void check_kdc();
    void check_tgt();
    void check_clock();
    void check_service_ticket();
    void check_http_probe();
    void check_negotiate();
    void check_challenge_page();

    const Context& m_context;
    const ChallengeOptions& m_options;
    const bool m_all;
    CheckReport& m_report;
    std::set<std::string> m_failed;
    std::string m_stopped_by; // the failing check that ended the walk (default mode)

    krb::KerberosSettings m_settings;
    std::unique_ptr<krb::Session> m_session;
    std::string m_url;
    std::string m_host;
    std::string m_spn;
    std::optional<krb::TicketInfo> m_tgt;
    std::time_t m_tgt_local_time = 0;
    std::optional<scep::HttpResponse> m_probe;
    std::time_t m_probe_local_time = 0;
    std::optional<scep::HttpResponse> m_authenticated;
    bool m_token_allowed = false;
    std::optional<util::Secret> m_challenge; // handed to check-ndes --enroll-test, never printed
};

void Checker::report(CheckResult result) {
    if (result.status == Status::fail) {
        m_failed.insert(result.id);
        // Only these make every later check meaningless; the others block just what depends on them.
        static const std::set<std::string> k_stopping{"config", "dns", "kdc", "tgt"};
        if (!m_all && m_stopped_by.empty() && k_stopping.count(result.id) != 0) m_stopped_by = result.id;
    }
    m_report.add(std::move(result));
}

// In the default mode everything after the first FAIL is skipped; with --all only what cannot run.
bool Checker::skip_if_stopped(const char* id, const char* what) {
    if (m_stopped_by.empty()) return false;
    report({.id = id,
            .status = Status::skip,
            .summary = std::string(what) + ": skipped, '" + m_stopped_by + "' failed (--all runs what it can)"});
    return true;
}

void Checker::check_config() {
    CheckResult r{.id = "config"};
    const std::string realm = m_settings.realm;
    std::string evidence = "realm " + (realm.empty() ? std::string("(none)") : realm) + ", service user " +
                           (m_settings.use_ccache ? std::string("(default ccache)") : m_settings.principal) +
                           ", krb5 config " + krb::config_files();
    if (realm.empty()) {
        r.status = Status::fail;
        r.summary = "no Kerberos realm configured";
        r.fix = "set --realm or realm in [kerberos]: the AD DNS domain in upper case";
    } else if (realm != util::to_upper_ascii(realm)) {
        r.status = Status::fail;
        r.summary = "realm '" + realm + "' is not upper case";
        r.fix = "use the AD DNS domain in upper case as realm (" + util::to_upper_ascii(realm) + ")";
    } else if (!m_settings.use_ccache) {
        const auto at = m_settings.principal.rfind('@');
        const std::string user_realm = at == std::string::npos ? realm : m_settings.principal.substr(at + 1);
        if (user_realm != realm) {
            r.status = Status::fail;
            r.summary = "the service user's realm " + user_realm + " is not the realm " + realm;
            r.fix = "write the service user as user@" + realm;
        }
    }
    if (r.status == Status::pass) {
        auto session = krb::Session::open(m_settings);
        if (!session) {
            r.status = Status::fail;
            r.summary = session.error().message;
            r.fix = "check KRB5_CONFIG and /etc/krb5.conf";
        } else {
            m_session = std::move(session).value();
            if (!m_session->private_config_path().empty()) {
                evidence = "realm " + realm + ", service user " + m_settings.principal + ", krb5 config " +
                           krb::config_files() + " (private file first: realm, KDCs, allowed domains)";
            }
            r.summary = "Kerberos settings are consistent";
        }
    }
    r.evidence = evidence;
    report(std::move(r));
}

void Checker::check_allowed_domains() {
    if (skip_if_stopped("allowed-domains", "allowed domains")) return;
    CheckResult r{.id = "allowed-domains"};
    std::string list;
    for (const auto& d : m_settings.allowed_domains)
        list += (list.empty() ? "" : ", ") + d;
    if (list.empty()) list = "none";
    if (m_host.empty()) {
        return skip(std::move(r), "no URL to check (--challenge-url, --url or a profile)");
    }
    m_token_allowed = krb::host_in_domains(m_host, m_settings.allowed_domains);
    if (!m_token_allowed) {
        r.status = Status::fail;
        r.summary = m_host + " is outside the allowed domains: no Kerberos token will be sent to it";
        r.evidence = "allowed: " + list;
        r.fix = "add the host's DNS domain to [kerberos] allowed_domains (--allowed-domain), or use a host name inside "
                "them";
        report(std::move(r));
        return;
    }
    std::vector<std::string> outside;
    for (const auto& kdc : m_settings.kdcs) {
        const std::string host = split_host_port(kdc).first;
        if (!is_ip_literal(host) && !krb::host_in_domains(host, m_settings.allowed_domains)) outside.push_back(host);
    }
    r.summary = m_host + " is inside the allowed domains";
    r.evidence = "allowed: " + list;
    if (!outside.empty()) {
        r.status = Status::warn;
        r.summary += "; KDC " + outside.front() + " is not";
        r.fix = "check that the KDC " + outside.front() + " belongs to the realm's domain";
    }
    report(std::move(r));
}

void Checker::check_dns() {
    if (skip_if_stopped("dns", "name resolution")) return;
    CheckResult r{.id = "dns"};
    if (m_host.empty()) {
        return skip(std::move(r), "no URL to check");
    }
    addrinfo hints{};
    hints.ai_socktype = SOCK_STREAM;
    addrinfo* list = nullptr;
    if (const int rc = ::getaddrinfo(m_host.c_str(), nullptr, &hints, &list); rc != 0) {
        r.status = Status::fail;
        r.summary = m_host + " does not resolve";
        r.evidence = ::gai_strerror(rc);
        r.fix = "add a DNS record for " + m_host + " (or use the NDES server's FQDN in the URL)";
        report(std::move(r));
        return;
    }
    std::string addresses;
    for (addrinfo* a = list; a != nullptr; a = a->ai_next) {
        char text[NI_MAXHOST] = {};
        if (::getnameinfo(a->ai_addr, a->ai_addrlen, text, sizeof text, nullptr, 0, NI_NUMERICHOST) == 0 &&
            addresses.find(text) == std::string::npos) {
            addresses += (addresses.empty() ? "" : ", ") + std::string(text);
        }
    }
    ::freeaddrinfo(list);
    if (auto spn = m_session->service_principal(m_host)) m_spn = *spn;
    r.summary = m_host + " resolves; the SPN requested will be " + m_spn + " (the one setspn must register)";
    r.evidence = addresses;
    r.spn = m_spn;
    report(std::move(r));
}

void Checker::check_kdc() {
    if (skip_if_stopped("kdc", "KDC reachability")) return;
    CheckResult r{.id = "kdc"};
    std::vector<std::string> kdcs = m_settings.kdcs.empty() ? m_session->kdcs_for_realm() : m_settings.kdcs;
    if (kdcs.empty()) {
        r.status = Status::warn;
        r.summary = "no KDC configured for " + m_settings.realm + ": krb5 will look up DNS SRV records";
        r.fix = "set kdc in [kerberos] (--kdc) if _kerberos._tcp." + util::to_lower_ascii(m_settings.realm) +
                " SRV records are not published";
        report(std::move(r));
        return;
    }
    std::string evidence;
    bool any_tcp = false;
    bool any_udp = false;
    const std::string port88 = split_host_port(kdcs.front()).second;
    const auto request = m_session->initial_request();
    for (const auto& kdc : kdcs) {
        const auto [host, port] = split_host_port(kdc);
        const std::string tcp = tcp_reachable(host, port, 3000);
        evidence += (evidence.empty() ? "" : "; ") + host + ":" + port + " tcp " + (tcp.empty() ? "open" : tcp);
        any_tcp = any_tcp || tcp.empty();
        if (request) {
            const std::string udp = udp_answers(host, port, *request, 3000);
            evidence += std::string(", udp ") + (udp.empty() ? "answers" : udp);
            any_udp = any_udp || udp.empty();
        }
    }
    r.evidence = evidence;
    const std::string fix = "start the KDC, or open TCP and UDP port " + port88 +
                            " from this host to it; check the kdc setting and the realm's DNS SRV records";
    if (!any_tcp && !any_udp) {
        r.status = Status::fail;
        r.summary = "no KDC of " + m_settings.realm + " answers, neither on TCP nor on UDP";
        r.fix = fix;
    } else if (!any_tcp || (request && !any_udp)) {
        // krb5 can work over either, but AD replies with a PAC often exceed UDP and need TCP.
        r.status = Status::warn;
        r.summary = std::string("the KDC answers only on ") + (any_tcp ? "TCP" : "UDP");
        r.fix = "open " + std::string(any_tcp ? "UDP" : "TCP") + " port " + port88 + " to the KDC as well";
    } else {
        r.summary = "KDC reachable on TCP and UDP";
    }
    report(std::move(r));
}

void Checker::check_tgt() {
    if (skip_if_stopped("tgt", "service user's ticket")) return;
    CheckResult r{.id = "tgt"};
    if (failed("kdc") || !m_session) {
        return skip(std::move(r), "skipped: no KDC reachable");
    }
    auto tgt = m_session->acquire_initial_ticket();
    m_tgt_local_time = std::time(nullptr);
    if (!tgt) {
        r.status = Status::fail;
        r.summary = tgt.error().message;
        r.krb5_error = m_session->last_error_name();
        r.evidence = r.krb5_error;
        const auto info = m_session->last_error() ? krb::describe_error(*m_session->last_error()) : std::nullopt;
        r.fix = info ? std::string(info->fix) : "check the service user's name, realm and credentials";
        if (info && r.summary.size() > r.fix.size() + 2 &&
            r.summary.compare(r.summary.size() - r.fix.size(), r.fix.size(), r.fix) == 0) {
            r.summary.resize(r.summary.size() - r.fix.size() - 2); // the fix has its own line
        }
        report(std::move(r));
        return;
    }
    m_tgt = *tgt;
    r.summary = "ticket for " + tgt->client + (m_settings.use_ccache ? " from " + m_session->ccache_name() : "");
    r.evidence = "valid until " + format_time(tgt->end_time) + ", " + tgt->enctype;
    report(std::move(r));
}

void Checker::check_clock() {
    if (skip_if_stopped("clock", "clock skew")) return;
    CheckResult r{.id = "clock"};
    std::vector<std::string> parts;
    std::time_t worst = 0;
    std::string worst_with;
    if (m_tgt && !m_settings.use_ccache) {
        const std::time_t skew = m_tgt_local_time - m_tgt->auth_time;
        parts.push_back("KDC " + std::to_string(skew) + " s");
        if (std::llabs(skew) > std::llabs(worst)) {
            worst = skew;
            worst_with = "the KDC";
        }
    }
    if (m_probe && !m_probe->date.empty()) {
        if (auto server = parse_http_date(m_probe->date)) {
            const std::time_t skew = m_probe_local_time - *server;
            parts.push_back("web server " + std::to_string(skew) + " s");
            if (std::llabs(skew) > std::llabs(worst)) {
                worst = skew;
                worst_with = "the web server";
            }
        }
    }
    if (parts.empty()) {
        return skip(std::move(r), "no fresh ticket and no HTTP Date to compare with");
    }
    std::string evidence;
    for (const auto& p : parts)
        evidence += (evidence.empty() ? "" : ", ") + p;
    r.evidence = "local clock minus " + evidence;
    const std::time_t magnitude = std::llabs(worst);
    if (magnitude > k_skew_fail) {
        r.status = Status::fail;
        r.summary =
            "this host's clock is " + std::to_string(magnitude) + " s off " + worst_with + " (Kerberos allows 300 s)";
    } else if (magnitude > k_skew_warn) {
        r.status = Status::warn;
        r.summary = "this host's clock is " + std::to_string(magnitude) + " s off " + worst_with;
    } else {
        r.summary = "clocks agree within " + std::to_string(k_skew_warn) + " s";
    }
    r.fix = "synchronise this host and the NDES server with the domain time source (NTP; on Windows w32tm /resync "
            "/rediscover)";
    report(std::move(r));
}

void Checker::check_service_ticket() {
    if (skip_if_stopped("service-ticket", "service ticket")) return;
    CheckResult r{.id = "service-ticket", .spn = m_spn};
    if (!m_tgt || m_host.empty()) {
        return skip(std::move(r), m_host.empty() ? "no URL to check" : "skipped: no ticket for the service user");
    }
    auto ticket = m_session->service_ticket(m_host);
    if (!ticket) {
        r.status = Status::fail;
        r.summary = ticket.error().message;
        r.krb5_error = m_session->last_error_name();
        r.evidence = r.krb5_error;
        const auto info = m_session->last_error() ? krb::describe_error(*m_session->last_error()) : std::nullopt;
        if (r.krb5_error == "KRB5KDC_ERR_S_PRINCIPAL_UNKNOWN") {
            r.fix = "SPN missing: run setspn -s http/" + m_host + " <DOMAIN>\\<account the SCEP app pool runs as>";
        } else {
            r.fix = info ? std::string(info->fix) : "see the message; run with --verbose for the krb5 text";
        }
        report(std::move(r));
        return;
    }
    r.summary = "service ticket for " + ticket->server;
    r.evidence = ticket->enctype + ", kvno " + std::to_string(ticket->kvno);
    if (ticket->weak_enctype) {
        r.status = Status::warn;
        r.summary += " uses the weak " + ticket->enctype;
        r.fix = "enable AES for the account that owns the SPN ('This account supports Kerberos AES 256'), reset its "
                "password once, iisreset";
    }
    report(std::move(r));
}

void Checker::check_http_probe() {
    if (skip_if_stopped("http-probe", "unauthenticated probe")) return;
    CheckResult r{.id = "http-probe"};
    if (m_url.empty()) {
        return skip(std::move(r), "no URL to check");
    }
    transport::CurlTransport http(m_context.transport_options());
    auto response = http.get(m_url);
    m_probe_local_time = std::time(nullptr);
    if (!response) {
        r.status = Status::fail;
        r.summary = "no HTTP answer from " + m_host + ": " + response.error().message;
        r.fix = "check the URL, the firewall and TLS trust (--cacert)";
        report(std::move(r));
        return;
    }
    m_probe = *response;
    r.http_status = response->status;
    const auto schemes = scep::offered_auth_schemes(response->www_authenticate);
    std::string offered;
    for (const auto& s : schemes)
        offered += (offered.empty() ? "" : ", ") + s;
    r.evidence = "HTTP " + std::to_string(response->status) + (offered.empty() ? "" : ", offers " + offered);
    switch (response->status) {
    case 200:
        r.status = Status::fail;
        r.summary = "the admin page answers without authentication: anonymous authentication is still enabled";
        r.fix = "IIS: CertSrv/mscep_admin > Authentication: disable Anonymous Authentication, enable Windows "
                "Authentication";
        break;
    case 401:
        if (std::find(schemes.begin(), schemes.end(), "negotiate") == schemes.end()) {
            r.status = Status::fail;
            r.summary = "the page asks for authentication but does not offer Negotiate";
            r.fix = "IIS: CertSrv/mscep_admin > Windows Authentication > Providers: add Negotiate and put it first "
                    "(remove NTLM for Kerberos only)";
        } else {
            r.summary = "the page requires authentication and offers Negotiate";
        }
        break;
    case 404:
        r.status = Status::fail;
        r.summary = "no admin page at this URL";
        r.fix = "the CertSrv/mscep_admin application is missing (removed by hardening?): check the URL ends in "
                "/certsrv/mscep_admin/";
        break;
    case 503:
        r.status = Status::fail;
        r.summary = "the SCEP application pool is stopped or crashing";
        r.fix = "start the SCEP application pool in IIS and read the Application event log";
        break;
    default:
        r.status = Status::fail;
        r.summary = "unexpected HTTP " + std::to_string(response->status);
        r.fix = "check the URL and the IIS logs";
        break;
    }
    report(std::move(r));
}

void Checker::check_negotiate() {
    if (skip_if_stopped("negotiate", "Negotiate")) return;
    CheckResult r{.id = "negotiate", .spn = m_spn};
    const bool probe_ok = m_probe && m_probe->status == 401 && !failed("http-probe");
    if (!m_tgt || failed("service-ticket") || !m_token_allowed || !probe_ok) {
        return skip(std::move(r), !m_token_allowed           ? "skipped: no token is sent outside the allowed domains"
                                  : !m_tgt                   ? "skipped: no ticket for the service user"
                                  : failed("service-ticket") ? "skipped: no service ticket"
                                                             : "skipped: the page does not ask for Negotiate");
    }
    if (util::to_lower_ascii(m_url).rfind("http://", 0) == 0 && !m_options.allow_insecure_auth) {
        m_context.output.warning("Negotiate over plain http to " + m_host +
                                 ": the Kerberos token and the one-time challenge cross the network readable; use "
                                 "https (--allow-insecure-auth silences this)");
    }
    auto context = krb::NegotiateContext::start(m_host);
    if (!context) {
        r.status = Status::fail;
        r.summary = context.error().message;
        r.fix = "see the service-ticket check";
        report(std::move(r));
        return;
    }
    transport::CurlTransport http(m_context.transport_options());
    http.set_extra_headers({"Authorization: Negotiate " + util::base64_encode((*context)->token())});
    auto response = http.get(m_url);
    if (!response) {
        r.status = Status::fail;
        r.summary = "no HTTP answer: " + response.error().message;
        report(std::move(r));
        return;
    }
    r.http_status = response->status;
    const util::Bytes server_token = krb::negotiate_token_from(response->www_authenticate);
    r.evidence = "HTTP " + std::to_string(response->status) + (server_token.empty() ? ", no" : ", a") +
                 " Negotiate token in the answer";
    const std::string decrypt_fix =
        "the SPN " + m_spn +
        " must be registered only on the account the SCEP app pool runs as; set "
        "useAppPoolCredentials=True on CertSrv/mscep_admin (or disable kernel-mode authentication), then iisreset";
    if (response->status == 200) {
        m_authenticated = *response;
        if (!server_token.empty()) {
            if (auto done = (*context)->accept_server_token(server_token); !done) {
                r.status = Status::warn;
                r.summary = "the page accepted our ticket, but mutual authentication failed: " + done.error().message;
                r.fix = "check that " + m_host + " is the server the SPN belongs to";
                report(std::move(r));
                return;
            }
        }
        r.summary = std::string("the page accepted our Kerberos ticket") +
                    ((*context)->complete() ? " (mutual authentication complete)" : "");
        report(std::move(r));
        return;
    }
    r.status = Status::fail;
    if (response->status == 401 && !server_token.empty()) {
        auto rejected = (*context)->accept_server_token(server_token);
        const auto code = (*context)->krb5_error();
        const auto info = code ? krb::describe_error(*code) : std::nullopt;
        r.krb5_error = info ? std::string(info->name) : std::string();
        r.summary =
            "the server rejected our ticket: " + (rejected ? std::string("no reason given") : rejected.error().message);
        if (r.krb5_error == "KRB5KRB_AP_ERR_SKEW") {
            r.fix = "synchronise the NDES server's clock with the domain time source (w32tm /resync /rediscover)";
        } else {
            r.fix = info ? std::string(info->fix) : decrypt_fix;
        }
    } else if (response->status == 401) {
        r.summary = "the server rejected our ticket without saying why (bare 401): it could not decrypt or map it";
        r.fix = decrypt_fix + "; if Extended Protection is Required, Negotiate without channel bindings fails too";
    } else {
        r.summary = "unexpected HTTP " + std::to_string(response->status) + " with a ticket";
        r.fix = "check the IIS logs";
    }
    report(std::move(r));
}

void Checker::check_challenge_page() {
    if (skip_if_stopped("challenge-page", "challenge page")) return;
    CheckResult r{.id = "challenge-page"};
    const scep::HttpResponse* page = m_authenticated                     ? &*m_authenticated
                                     : m_probe && m_probe->status == 200 ? &*m_probe
                                                                         : nullptr;
    if (page == nullptr) {
        return skip(std::move(r), "skipped: no page was fetched");
    }
    auto challenge = ndes::parse_challenge_page(ndes::decode_page(page->body));
    if (!challenge) {
        r.status = Status::fail;
        const std::string& message = challenge.error().message;
        const auto colon = message.rfind(": ");
        r.summary = colon == std::string::npos ? message : message.substr(0, colon);
        r.fix =
            colon == std::string::npos ? "open the page in a browser as the service user" : message.substr(colon + 2);
        report(std::move(r));
        return;
    }
    r.summary = "the page shows a challenge password (" + std::to_string(challenge->size()) + " characters, not shown)";
    m_challenge = std::move(challenge).value();
    report(std::move(r));
}

util::Result<KerberosCheckRun> Checker::run() {
    SCEP_TRY(m_settings, resolve_kerberos_settings(m_context, m_options));
    SCEP_TRY(const std::optional<ChallengeSource> source, resolve_challenge_source(m_context, m_options));
    if (source) {
        m_url = source->url;
    } else if (!m_context.global.url.empty()) {
        m_url = m_context.global.url; // no admin page: the Kerberos checks still run against the SCEP host
    }
    if (!m_url.empty()) m_host = transport::url_host(m_url);

    check_config();
    if (!m_session) {
        for (const char* id : {"allowed-domains", "dns", "kdc", "tgt", "clock", "service-ticket", "http-probe",
                               "negotiate", "challenge-page"}) {
            report({.id = id, .status = Status::skip, .summary = "skipped: the Kerberos configuration is unusable"});
        }
    } else {
        check_allowed_domains();
        check_dns();
        check_kdc();
        check_tgt();
        check_http_probe(); // before the clock: its Date header is compared too
        check_clock();
        check_service_ticket();
        check_negotiate();
        check_challenge_page();
    }

    return KerberosCheckRun{m_url, std::move(m_challenge)};
}

util::Result<void> run_check_kerberos(const Context& context, const CheckOptions& options) {
    if (!options.junit.empty()) SCEP_TRY_VOID(store::check_new_files({options.junit}, store::Overwrite::replace));
    CheckReport report(context.output, ErrorCode::http_auth);
    SCEP_TRY(const KerberosCheckRun run, run_kerberos_checks(context, options.auth, options.all, report));
    Json result = Json::object();
    result.set("command", "check-kerberos")
        .set("url", run.url.empty() ? Json() : Json(util::redact_url(run.url)))
        .set("result", report.failures() == 0 ? "pass" : "fail")
        .set("checks", report.checks_json());
    context.output.json(result);
    if (!options.junit.empty()) SCEP_TRY_VOID(write_junit(options.junit, "scepctl check-kerberos", report.results()));
    return report.outcome();
}

} // namespace

util::Result<KerberosCheckRun> run_kerberos_checks(const Context& context, const ChallengeOptions& options, bool all,
                                                   CheckReport& report) {
    return Checker(context, options, all, report).run();
}

void add_check_kerberos(CLI::App& app, Context& context) {
    auto options = std::make_shared<CheckOptions>();
    auto* sub = app.add_subcommand("check-kerberos",
                                   "Check the Kerberos/Negotiate path to the NDES admin page step by step, with fixes");
    add_challenge_options(sub, options->auth);
    sub->add_flag("--all", options->all, "Run every check that can run, not only up to the first failure");
    sub->add_option("--junit", options->junit, "Also write the checks as JUnit XML to FILE (one testcase per check)");
    sub->callback([&context, options] {
        context.command = [&context, options] { return run_check_kerberos(context, *options); };
    });
}

} // namespace cli
