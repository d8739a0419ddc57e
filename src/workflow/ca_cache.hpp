// --ca-cache FILE: the server's CA and RA certificates kept between runs, so that renew (run
// daily from a timer) need not ask GetCACert each time. Only a pinned CA makes the file usable,
// and only while the pin matches; when the server's RA certificates changed since the file was
// written, a failed exchange makes renew fetch them again (fetch_changed_ca) and retry once.
#pragma once

#include <cstdint>
#include <filesystem>
#include <optional>

#include "config/settings.hpp"
#include "scep/ca_certs.hpp"
#include "util/events.hpp"
#include "workflow/server.hpp"

namespace workflow {

// The bundle in `path` when it may stand in for GetCACert: `server` has a pin and it matches the
// file's CA, every certificate is valid at `now`, every RA and intermediate certificate is signed
// within the bundle (scep::read_ca_bundle). nullopt otherwise (missing silently; anything else
// with a note saying why GetCACert is asked instead).
std::optional<scep::CaCertBundle> load_ca_cache(const std::filesystem::path& path, const config::ServerSettings& server,
                                                std::int64_t now, util::EventSink& events);

// Writes `bundle` to `path` (PEM, the server's order, mode 0644, atomically, not flushed: a cache).
// A failure is a warning: the run's result does not depend on it.
void store_ca_cache(const std::filesystem::path& path, const scep::CaCertBundle& bundle, util::EventSink& events);

// True when the two bundles hold the same certificates in the same order.
bool same_bundle(const scep::CaCertBundle& a, const scep::CaCertBundle& b);

// Whether a failed exchange may come from RA certificates that changed since they were cached: the
// reply does not verify (signed by a new RA), the CA could not read the request (badMessageCheck:
// encrypted to an RA key it no longer has), or an HTTP 500 (what some NDES versions answer then).
bool may_be_stale_ra(const util::Error& error);

// After such a failure with a cached bundle: GetCACert, checked against the pin. True, with
// `session.ca` replaced, when the server's certificates differ from the cached ones; false when
// they are the same (the failure has another cause). `session.from_cache` is false afterwards.
util::Result<bool> fetch_changed_ca(Server& server, CaSession& session, Collaborators& with);

} // namespace workflow
