#include "workflow/challenge.hpp"

#include <memory>

#include "krb/kerberos.hpp"
#include "store/secret_file.hpp"
#include "util/text.hpp"

namespace workflow {

util::Result<std::optional<util::Secret>> kerberos_password(const config::KerberosPlan& plan, util::EventSink& events) {
    if (!plan.settings.keytab.empty())
        store::check_keytab_permissions(plan.settings.keytab, plan.keytab_origin, events);
    if (plan.password_file.empty()) return std::optional<util::Secret>();
    SCEP_TRY(util::Secret password, store::read_secret_file(plan.password_file, plan.password_origin, events));
    return std::optional<util::Secret>(std::move(password));
}

util::Result<ndes::FetchedChallenge>
fetch_challenge(const config::ChallengePlan& plan, const transport::TransportOptions& transport, Collaborators& with) {
    const std::unique_ptr<scep::HttpTransport> http = with.transports.open(transport);
    return fetch_challenge(plan, *http, with);
}

util::Result<ndes::FetchedChallenge> fetch_challenge(const config::ChallengePlan& plan, scep::HttpTransport& http,
                                                     Collaborators& with) {
    ndes::AdminPageAuth auth;
    auth.allow_insecure_auth = plan.allow_insecure_auth;
    auth.username = plan.username;
    if (!plan.username.empty()) {
        SCEP_TRY(auth.password,
                 store::read_secret_file(plan.user_password_file, plan.user_password_origin, with.events));
    }
    // The Kerberos session lives until the page is fetched: it makes its private credential cache
    // the one the transport's Negotiate reads.
    std::unique_ptr<krb::Session> session;
    if (plan.kerberos) {
        const config::KerberosPlan& kerberos = *plan.kerberos;
        auth.allowed_domains = util::join(kerberos.settings.allowed_domains);
        auth.may_send_token = [&kerberos](const std::string& host) {
            return krb::host_in_domains(host, kerberos.settings.allowed_domains);
        };
        auth.prepare_negotiate = [&kerberos, &session, &with](const std::string& host) -> util::Result<std::string> {
            krb::KerberosSettings settings = kerberos.settings;
            SCEP_TRY(settings.password, kerberos_password(kerberos, with.events));
            SCEP_TRY(session, krb::Session::open(settings));
            SCEP_TRY(const krb::TicketInfo tgt, session->acquire_initial_ticket());
            with.events.note("Kerberos: ticket for " + tgt.client +
                             (settings.use_ccache ? " from " + session->ccache_name() : ""));
            SCEP_TRY(const krb::TicketInfo service, session->service_ticket(host));
            if (service.weak_enctype) {
                with.events.warning("Kerberos: the ticket for " + service.server + " uses " + service.enctype +
                                    " (weak): enable AES on the account that owns the SPN");
            }
            return tgt.client + ", SPN " + service.server;
        };
    }
    return ndes::fetch_challenge(http, plan.admin_url, auth, with.events);
}

} // namespace workflow
