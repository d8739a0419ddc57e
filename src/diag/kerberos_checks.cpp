#include "diag/kerberos_checks.hpp"

#include <algorithm>
#include <cstdlib>
#include <memory>
#include <set>

#include "diag/clock_skew.hpp"
#include "krb/kerberos.hpp"
#include "krb/negotiate.hpp"
#include "krb/delegation.hpp"
#include "krb/probes.hpp"
#include "krb/spn_owner.hpp"
#include "ndes/challenge_page.hpp"
#include "ndes/http_outcomes.hpp"
#include "util/text.hpp"
#include "util/time.hpp"
#include "workflow/challenge.hpp"

namespace diag {

namespace {

using Status = CheckStatus;

constexpr int k_probe_timeout_ms = 3000;

// Kerberos names services by host name: no SPN is registered for an address.
std::string ip_literal_fix() {
    return "use the server's FQDN in the URL, not an IP address: Kerberos needs the host name the SPN is "
           "registered for (Windows clients do not even try Kerberos for an IP address unless IP SPNs are enabled)";
}

// "the page's error: fix" from an error that carries its fix apart, for a check's two fields.
void fail_with(CheckResult& r, const util::Error& error, std::string fallback_fix) {
    r.status = Status::fail;
    r.summary = error.message;
    r.fix = error.fix.empty() ? std::move(fallback_fix) : error.fix;
}

class KerberosWalk {
  public:
    KerberosWalk(const KerberosCheckPlan& plan, workflow::Collaborators& with, Report& report)
        : m_plan(plan), m_with(with), m_report(report), m_settings(plan.kerberos.settings) {}

    KerberosCheckRun run();

  private:
    // Records one result; in the default mode the first FAIL of a check that makes every later one
    // meaningless ends the walk.
    void report(CheckResult result);
    bool skip_if_stopped(const char* id, const char* what);
    void skip(CheckResult result, std::string why) {
        result.status = Status::skip;
        result.summary = std::move(why);
        report(std::move(result));
    }
    bool failed(const std::string& id) const { return m_report.failed(id); }

    void check_config();
    void check_allowed_domains();
    void check_dns();
    void check_kdc();
    void check_tgt();
    void check_clock();
    void check_service_ticket();
    void check_spn_owner();
    void check_delegation();
    void check_http_probe();
    void judge_probe(CheckResult& r, const scep::HttpResponse& response);
    void check_negotiate();
    void judge_rejection(CheckResult& r, const scep::HttpResponse& response, krb::NegotiateContext& context);
    void check_challenge_page();

    const KerberosCheckPlan& m_plan;
    workflow::Collaborators& m_with;
    Report& m_report;
    std::string m_stopped_by; // the failing check that ended the walk (default mode)

    krb::KerberosSettings m_settings;
    std::unique_ptr<krb::Session> m_session;
    std::string m_host;
    std::string m_spn;
    std::optional<krb::TicketInfo> m_tgt;
    std::optional<krb::SpnOwnership> m_spn_ownership;
    std::int64_t m_tgt_local_time = 0;
    std::optional<scep::HttpResponse> m_probe;
    std::int64_t m_probe_local_time = 0;
    std::optional<scep::HttpResponse> m_authenticated;
    bool m_token_allowed = false;
    std::optional<util::Secret> m_challenge; // handed to check-ndes --enroll-test, never printed
};

void KerberosWalk::report(CheckResult result) {
    if (result.status == Status::fail) {
        // Only these make every later check meaningless; the others block just what depends on them.
        static const std::set<std::string> k_stopping{"config", "dns", "kdc", "tgt"};
        if (!m_plan.all && m_stopped_by.empty() && k_stopping.count(result.id) != 0) m_stopped_by = result.id;
    }
    m_report.add(std::move(result));
}

// In the default mode everything after the first FAIL is skipped; with --all only what cannot run.
bool KerberosWalk::skip_if_stopped(const char* id, const char* what) {
    if (m_stopped_by.empty()) return false;
    report({.id = id,
            .status = Status::skip,
            .summary = std::string(what) + ": skipped, '" + m_stopped_by + "' failed (--all runs what it can)"});
    return true;
}

void KerberosWalk::check_config() {
    CheckResult r{.id = "config"};
    const std::string& realm = m_settings.realm;
    const std::string user = m_settings.use_ccache ? std::string("(default ccache)") : m_settings.principal;
    r.evidence = "realm " + (realm.empty() ? std::string("(none)") : realm) + ", service user " + user +
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
        auto session = [&]() -> util::Result<std::unique_ptr<krb::Session>> {
            SCEP_TRY(m_settings.password, workflow::kerberos_password(m_plan.kerberos, m_with.events));
            return krb::Session::open(m_settings);
        }();
        if (!session) {
            fail_with(r, session.error(), "check KRB5_CONFIG and /etc/krb5.conf");
        } else {
            m_session = std::move(session).value();
            if (!m_session->private_config_path().empty()) {
                r.evidence += " (private file first: realm, KDCs, allowed domains)";
            }
            r.summary = "Kerberos settings are consistent";
        }
    }
    report(std::move(r));
}

void KerberosWalk::check_allowed_domains() {
    if (skip_if_stopped("allowed-domains", "allowed domains")) return;
    CheckResult r{.id = "allowed-domains"};
    if (m_host.empty()) return skip(std::move(r), "no URL to check (--challenge-url, --url or a profile)");
    r.evidence = "allowed: " + util::join(m_settings.allowed_domains, ", ", "none");
    m_token_allowed = krb::host_in_domains(m_host, m_settings.allowed_domains);
    if (!m_token_allowed) {
        r.status = Status::fail;
        r.summary = m_host + " is outside the allowed domains: no Kerberos token will be sent to it";
        r.fix = "add the host's DNS domain to [kerberos] allowed_domains (--allowed-domain), or use a host name inside "
                "them";
        return report(std::move(r));
    }
    std::vector<std::string> outside;
    for (const auto& kdc : m_settings.kdcs) {
        const std::string host = krb::split_host_port(kdc).first;
        if (!krb::is_ip_literal(host) && !krb::host_in_domains(host, m_settings.allowed_domains)) {
            outside.push_back(host);
        }
    }
    r.summary = m_host + " is inside the allowed domains";
    if (!outside.empty()) {
        r.status = Status::warn;
        r.summary += "; KDC " + outside.front() + " is not";
        r.fix = "check that the KDC " + outside.front() + " belongs to the realm's domain";
    }
    report(std::move(r));
}

void KerberosWalk::check_dns() {
    if (skip_if_stopped("dns", "name resolution")) return;
    CheckResult r{.id = "dns"};
    if (m_host.empty()) return skip(std::move(r), "no URL to check");
    const krb::Resolution resolved = krb::resolve_host(m_host);
    if (!resolved.problem.empty()) {
        r.status = Status::fail;
        r.summary = m_host + " does not resolve";
        r.evidence = resolved.problem;
        r.fix = "add a DNS record for " + m_host + " (or use the NDES server's FQDN in the URL)";
        return report(std::move(r));
    }
    if (auto spn = m_session->service_principal(m_host)) m_spn = *spn;
    r.evidence = util::join(resolved.addresses);
    r.spn = m_spn;
    if (krb::is_ip_literal(m_host)) {
        r.status = Status::warn;
        r.summary = "the URL names the server by its IP address " + m_host + "; the SPN requested will be " + m_spn;
        r.fix = ip_literal_fix();
        return report(std::move(r));
    }
    r.summary = m_host + " resolves; the SPN requested will be " + m_spn + " (the one setspn must register)";
    report(std::move(r));
}

void KerberosWalk::check_kdc() {
    if (skip_if_stopped("kdc", "KDC reachability")) return;
    CheckResult r{.id = "kdc"};
    const std::vector<std::string> kdcs = m_settings.kdcs.empty() ? m_session->kdcs_for_realm() : m_settings.kdcs;
    if (kdcs.empty()) {
        r.status = Status::warn;
        r.summary = "no KDC configured for " + m_settings.realm + ": krb5 will look up DNS SRV records";
        r.fix = "set kdc in [kerberos] (--kdc) if _kerberos._tcp." + util::to_lower_ascii(m_settings.realm) +
                " SRV records are not published";
        return report(std::move(r));
    }
    std::vector<std::string> evidence;
    bool any_tcp = false, any_udp = false;
    const std::string port88 = krb::split_host_port(kdcs.front()).second;
    const auto request = m_session->initial_request();
    for (const auto& kdc : kdcs) {
        const auto [host, port] = krb::split_host_port(kdc);
        const std::string tcp = krb::tcp_reachable(host, port, k_probe_timeout_ms);
        std::string line = host + ":" + port + " tcp " + (tcp.empty() ? "open" : tcp);
        any_tcp = any_tcp || tcp.empty();
        if (request) {
            const std::string udp = krb::udp_answers(host, port, *request, k_probe_timeout_ms);
            line += std::string(", udp ") + (udp.empty() ? "answers" : udp);
            any_udp = any_udp || udp.empty();
        }
        evidence.push_back(std::move(line));
    }
    r.evidence = util::join(evidence, "; ");
    if (!any_tcp && !any_udp) {
        r.status = Status::fail;
        r.summary = "no KDC of " + m_settings.realm + " answers, neither on TCP nor on UDP";
        r.fix = "start the KDC, or open TCP and UDP port " + port88 +
                " from this host to it; check the kdc setting and the realm's DNS SRV records";
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

void KerberosWalk::check_tgt() {
    if (skip_if_stopped("tgt", "service user's ticket")) return;
    CheckResult r{.id = "tgt"};
    if (failed("kdc")) return skip(std::move(r), "skipped: no KDC reachable");
    auto tgt = m_session->acquire_initial_ticket();
    m_tgt_local_time = m_with.clock.now_unix();
    if (!tgt) {
        r.krb5_error = m_session->last_error_name();
        r.evidence = r.krb5_error;
        const auto info = m_session->last_error() ? krb::describe_error(*m_session->last_error()) : std::nullopt;
        fail_with(r, tgt.error(),
                  info ? std::string(info->fix) : "check the service user's name, realm and credentials");
        return report(std::move(r));
    }
    m_tgt = *tgt;
    r.summary = "ticket for " + tgt->client + (m_settings.use_ccache ? " from " + m_session->ccache_name() : "");
    r.evidence = "valid until " + util::format_utc(tgt->end_time) + ", " + tgt->enctype;
    report(std::move(r));
}

void KerberosWalk::check_clock() {
    if (skip_if_stopped("clock", "clock skew")) return;
    ClockReadings readings;
    const krb::ClockSettings settings = m_session->clock_settings();
    readings.kdc_timesync = settings.kdc_timesync;
    readings.allowed_skew = settings.allowed_skew;
    if (m_tgt && !m_settings.use_ccache) readings.host_minus_kdc = m_tgt_local_time - m_tgt->auth_time;
    if (m_probe && !m_probe->date.empty()) {
        if (auto server = util::parse_http_date(m_probe->date)) readings.host_minus_web = m_probe_local_time - *server;
    }
    report(judge_clock(readings));
}

void KerberosWalk::check_service_ticket() {
    if (skip_if_stopped("service-ticket", "service ticket")) return;
    CheckResult r{.id = "service-ticket", .spn = m_spn};
    if (!m_tgt || m_host.empty()) {
        return skip(std::move(r), m_host.empty() ? "no URL to check" : "skipped: no ticket for the service user");
    }
    auto ticket = m_session->service_ticket(m_host);
    if (!ticket) {
        r.krb5_error = m_session->last_error_name();
        r.evidence = r.krb5_error;
        const auto info = m_session->last_error() ? krb::describe_error(*m_session->last_error()) : std::nullopt;
        fail_with(r, ticket.error(),
                  info ? std::string(info->fix) : "see the message; run with --verbose for the krb5 text");
        if (r.krb5_error == "KRB5KDC_ERR_S_PRINCIPAL_UNKNOWN") {
            // The summary says what is wrong; the fix alone names the command.
            r.summary = "the KDC knows no SPN " + m_spn + " (KRB5KDC_ERR_S_PRINCIPAL_UNKNOWN)";
            r.fix = krb::is_ip_literal(m_host) ? ip_literal_fix()
                                               : "SPN missing: run setspn -s http/" + m_host +
                                                     " <DOMAIN>\\<account the SCEP app pool runs as>";
        }
        return report(std::move(r));
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

// setspn -s http/<fqdn> <domain>\<account>: the SPN must be on the account the app pool runs as,
// which in the NDES setup is the service user. Its own key must open the SPN's ticket.
void KerberosWalk::check_spn_owner() {
    if (skip_if_stopped("spn-owner", "SPN owner")) return;
    CheckResult r{.id = "spn-owner", .spn = m_spn};
    if (!m_tgt || m_host.empty()) {
        return skip(std::move(r), m_host.empty() ? "no URL to check" : "skipped: no ticket for the service user");
    }
    if (m_settings.use_ccache) {
        return skip(std::move(r), "skipped: needs the service user's key (a keytab or password, not --use-ccache)");
    }
    if (failed("service-ticket")) return skip(std::move(r), "skipped: the KDC issued no service ticket");
    m_spn_ownership = krb::check_spn_ownership(*m_session, m_host);
    const krb::SpnOwnership& found = *m_spn_ownership;
    r.krb5_error = found.krb5_error;
    r.summary = found.summary;
    r.evidence = std::string(krb::to_string(found.owner)) +
                 (found.details.empty() ? std::string() : "; " + util::join(found.details, "; "));
    if (!found.passed()) {
        // Not decided (KDC unreachable meanwhile, host outside the allowed domains): a WARN, not a verdict.
        r.status = found.owner == krb::SpnOwner::not_checked ? Status::warn : Status::fail;
        r.fix = found.fix;
    }
    report(std::move(r));
}

// Constrained delegation ("Use Kerberos only") to the HTTP service: S4U2Proxy with the evidence
// the SPN check accepted, one TGS-REQ to the KDC and nothing to the target.
void KerberosWalk::check_delegation() {
    if (skip_if_stopped("delegation", "constrained delegation")) return;
    CheckResult r{.id = "delegation"};
    if (!m_spn_ownership || !m_spn_ownership->passed()) {
        return skip(std::move(r), "skipped: needs the SPN's ticket accepted with the service user's key (spn-owner)");
    }
    const krb::Delegation delegation =
        krb::check_delegation(*m_session, *m_spn_ownership, {m_plan.delegate_to, m_plan.s4u_user});
    r.spn = delegation.target;
    r.krb5_error = delegation.krb5_error;
    r.summary = delegation.summary;
    r.information = delegation.information;
    r.evidence = std::string(krb::to_string(delegation.result)) +
                 (delegation.details.empty() ? std::string() : "; " + util::join(delegation.details, "; "));
    if (!delegation.passed()) {
        r.status = delegation.result == krb::DelegationResult::not_checked ? Status::warn : Status::fail;
        r.fix = delegation.fix;
    }
    report(std::move(r));
}

void KerberosWalk::check_http_probe() {
    if (skip_if_stopped("http-probe", "unauthenticated probe")) return;
    CheckResult r{.id = "http-probe"};
    if (m_plan.url.empty()) return skip(std::move(r), "no URL to check");
    const auto http = m_with.transports.open(m_plan.transport);
    auto response = http->get(m_plan.url);
    m_probe_local_time = m_with.clock.now_unix();
    if (!response) {
        r.status = Status::fail;
        r.summary = "no HTTP answer from " + m_host + ": " + response.error().message;
        r.fix = "check the URL, the firewall and TLS trust (--cacert)";
        return report(std::move(r));
    }
    m_probe = *response;
    judge_probe(r, *response);
    report(std::move(r));
}

// What the unauthenticated answer of the admin page says about its IIS authentication settings.
void KerberosWalk::judge_probe(CheckResult& r, const scep::HttpResponse& response) {
    r.http_status = response.status;
    const auto schemes = scep::offered_auth_schemes(response.www_authenticate);
    r.evidence = "HTTP " + std::to_string(response.status) + (schemes.empty() ? "" : ", offers " + util::join(schemes));
    r.status = Status::fail;
    switch (response.status) {
    case 200:
        r.summary = "the admin page answers without authentication: anonymous authentication is still enabled";
        r.fix = "IIS: CertSrv/mscep_admin > Authentication: disable Anonymous Authentication, enable Windows "
                "Authentication";
        break;
    case 401: {
        const auto negotiate = std::find(schemes.begin(), schemes.end(), "negotiate");
        if (negotiate == schemes.end()) {
            r.summary = "the page asks for authentication but does not offer Negotiate";
            r.fix = "IIS: CertSrv/mscep_admin > Windows Authentication > Providers: add Negotiate and put it first "
                    "(remove NTLM for Kerberos only)";
        } else if (negotiate != schemes.begin()) {
            // Clients that take the first scheme offered (and some proxies) then never try Kerberos.
            r.status = Status::warn;
            r.summary = "the page offers " + util::join(std::vector<std::string>(schemes.begin(), negotiate), ", ") +
                        " before Negotiate: the vendor setup wants Negotiate first";
            r.fix = "IIS: CertSrv/mscep_admin > Authentication > Windows Authentication > Providers: move Negotiate "
                    "to the top";
        } else {
            r.status = Status::pass;
            r.summary = "the page requires authentication and offers Negotiate first";
        }
        break;
    }
    default: {
        const ndes::HttpOutcome outcome = ndes::http_outcome(response.status, ndes::Endpoint::admin_page);
        r.summary = "HTTP " + std::to_string(response.status) + ": " + outcome.cause;
        r.fix = outcome.fix;
        break;
    }
    }
}

void KerberosWalk::check_negotiate() {
    if (skip_if_stopped("negotiate", "Negotiate")) return;
    CheckResult r{.id = "negotiate", .spn = m_spn};
    const bool probe_ok = m_probe && m_probe->status == 401 && !failed("http-probe");
    if (!m_tgt || failed("service-ticket") || !m_token_allowed || !probe_ok) {
        return skip(std::move(r), !m_token_allowed           ? "skipped: no token is sent outside the allowed domains"
                                  : !m_tgt                   ? "skipped: no ticket for the service user"
                                  : failed("service-ticket") ? "skipped: no service ticket"
                                                             : "skipped: the page does not ask for Negotiate");
    }
    if (util::to_lower_ascii(m_plan.url).rfind("http://", 0) == 0 && !m_plan.allow_insecure_auth) {
        m_with.events.warning("Negotiate over plain http to " + m_host +
                              ": the Kerberos token and the one-time challenge cross the network readable; use "
                              "https (--allow-insecure-auth silences this)");
    }
    auto context = krb::NegotiateContext::start(m_host);
    if (!context) {
        r.status = Status::fail;
        r.summary = context.error().message;
        r.fix = "see the service-ticket check";
        return report(std::move(r));
    }
    const auto http = m_with.transports.open(m_plan.transport);
    http->set_extra_headers({"Authorization: Negotiate " + util::base64_encode((*context)->token())});
    auto response = http->get(m_plan.url);
    if (!response) {
        r.status = Status::fail;
        r.summary = "no HTTP answer: " + response.error().message;
        return report(std::move(r));
    }
    r.http_status = response->status;
    const util::Bytes server_token = krb::negotiate_token_from(response->www_authenticate);
    r.evidence = "HTTP " + std::to_string(response->status) + (server_token.empty() ? ", no" : ", a") +
                 " Negotiate token in the answer";
    if (response->status != 200) {
        judge_rejection(r, *response, **context);
        return report(std::move(r));
    }
    m_authenticated = *response;
    if (!server_token.empty()) {
        if (auto done = (*context)->accept_server_token(server_token); !done) {
            r.status = Status::warn;
            r.summary = "the page accepted our ticket, but mutual authentication failed: " + done.error().message;
            r.fix = "check that " + m_host + " is the server the SPN belongs to";
            return report(std::move(r));
        }
    }
    r.summary = std::string("the page accepted our Kerberos ticket") +
                ((*context)->complete() ? " (mutual authentication complete)" : "");
    report(std::move(r));
}

// Why the page refused the ticket, from its Negotiate answer (a KRB-ERROR inside) or its absence.
void KerberosWalk::judge_rejection(CheckResult& r, const scep::HttpResponse& response, krb::NegotiateContext& context) {
    r.status = Status::fail;
    const util::Bytes server_token = krb::negotiate_token_from(response.www_authenticate);
    const std::string decrypt_fix =
        "the SPN " + m_spn +
        " must be registered only on the account the SCEP app pool runs as; set "
        "useAppPoolCredentials=True on CertSrv/mscep_admin (or disable kernel-mode authentication), then iisreset";
    if (response.status == 401 && !server_token.empty()) {
        auto rejected = context.accept_server_token(server_token);
        const auto code = context.krb5_error();
        const auto info = code ? krb::describe_error(*code) : std::nullopt;
        r.krb5_error = info ? std::string(info->name) : std::string();
        r.summary =
            "the server rejected our ticket: " + (rejected ? std::string("no reason given") : rejected.error().message);
        if (r.krb5_error == "KRB5KRB_AP_ERR_SKEW") {
            r.fix = "synchronise the NDES server's clock with the domain time source (w32tm /resync /rediscover)";
        } else {
            r.fix = info ? std::string(info->fix) : decrypt_fix;
        }
    } else if (response.status == 401) {
        r.summary = "the server rejected our ticket without saying why (bare 401): it could not decrypt or map it";
        r.fix = decrypt_fix + "; if Extended Protection is Required, Negotiate without channel bindings fails too";
    } else {
        r.summary = "unexpected HTTP " + std::to_string(response.status) + " with a ticket";
        r.fix = "check the IIS logs";
    }
}

void KerberosWalk::check_challenge_page() {
    if (skip_if_stopped("challenge-page", "challenge page")) return;
    CheckResult r{.id = "challenge-page"};
    const scep::HttpResponse* page = m_authenticated                     ? &*m_authenticated
                                     : m_probe && m_probe->status == 200 ? &*m_probe
                                                                         : nullptr;
    if (page == nullptr) return skip(std::move(r), "skipped: no page was fetched");
    auto challenge = ndes::parse_challenge_page(ndes::decode_page(page->body));
    if (!challenge) {
        fail_with(r, challenge.error(), "open the page in a browser as the service user");
        return report(std::move(r));
    }
    r.summary = "the page shows a challenge password (" + std::to_string(challenge->size()) + " characters, not shown)";
    m_challenge = std::move(challenge).value();
    report(std::move(r));
}

KerberosCheckRun KerberosWalk::run() {
    if (!m_plan.url.empty()) m_host = m_with.transports.open(m_plan.transport)->url_host(m_plan.url);
    check_config();
    if (!m_session) {
        for (const char* id : {"allowed-domains", "dns", "kdc", "tgt", "clock", "service-ticket", "spn-owner",
                               "delegation", "http-probe", "negotiate", "challenge-page"}) {
            report({.id = id, .status = Status::skip, .summary = "skipped: the Kerberos configuration is unusable"});
        }
        return KerberosCheckRun{m_plan.url, std::nullopt};
    }
    check_allowed_domains();
    check_dns();
    check_kdc();
    check_tgt();
    check_http_probe(); // before the clock: its Date header is compared too
    check_clock();
    check_service_ticket();
    check_spn_owner();
    check_delegation();
    check_negotiate();
    check_challenge_page();
    return KerberosCheckRun{m_plan.url, std::move(m_challenge)};
}

} // namespace

util::Result<KerberosCheckPlan> plan_kerberos_checks(const config::Options& options) {
    KerberosCheckPlan plan;
    SCEP_TRY(plan.kerberos, config::kerberos_plan(options));
    // The admin page when there is one; else the SCEP URL: the Kerberos checks still run against its host.
    plan.url = options.text("challenge-url").value_or(options.text("url").value_or(""));
    plan.transport = config::transport_settings(options);
    plan.allow_insecure_auth = options.flag("allow-insecure-auth");
    plan.all = options.flag("all");
    plan.delegate_to = options.text("delegate-to").value_or("");
    plan.s4u_user = options.text("s4u-user").value_or("");
    return plan;
}

KerberosCheckRun run_kerberos_checks(const KerberosCheckPlan& plan, workflow::Collaborators& with, Report& report) {
    return KerberosWalk(plan, with, report).run();
}

} // namespace diag
