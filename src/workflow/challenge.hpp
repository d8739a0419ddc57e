// The one-time challenge from the NDES admin page, with the Kerberos step (the service user's
// tickets) wired into the page's authentication.
#pragma once

#include "config/settings.hpp"
#include "ndes/admin_page.hpp"
#include "workflow/context.hpp"

namespace workflow {

// Fetches a challenge from plan.admin_url (set) with Kerberos when plan.kerberos is set, else
// NTLM/Basic as plan.username; the passwords are read from their files as they are needed. Call
// it after every check that could still stop the run: it uses up a one-time password.
util::Result<ndes::FetchedChallenge> fetch_challenge(const config::ChallengePlan& plan,
                                                     const transport::TransportOptions& transport, Collaborators& with);
// The same over `http`, the transport of the SCEP requests of the run: libcurl reuses its
// connection when the admin page is on the same scheme, host and port (one connection for the
// whole NDES flow). The Negotiate token goes with the page's request only.
util::Result<ndes::FetchedChallenge> fetch_challenge(const config::ChallengePlan& plan, scep::HttpTransport& http,
                                                     Collaborators& with);

// The Kerberos password of `plan` (nullopt with a keytab or --use-ccache), and the keytab's
// permission check: a secret file gets the same warning wherever it was named.
util::Result<std::optional<util::Secret>> kerberos_password(const config::KerberosPlan& plan, util::EventSink& events);

} // namespace workflow
