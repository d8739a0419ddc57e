#include "workflow/ca_cache.hpp"

#include <system_error>

#include "scep/decode.hpp"
#include "store/atomic_file.hpp"

namespace workflow {

namespace fs = std::filesystem;
using util::ErrorCode;

std::optional<scep::CaCertBundle> load_ca_cache(const fs::path& path, const config::ServerSettings& server,
                                                std::int64_t now, util::EventSink& events) {
    std::error_code missing;
    if (!fs::exists(fs::symlink_status(path, missing))) return std::nullopt; // the first run writes it
    const std::string unused = "--ca-cache " + path.string();
    if (!server.pin) {
        events.note(unused + " is not used without a pinned CA (--ca-fingerprint or --ca-cert-pin): asking GetCACert");
        return std::nullopt;
    }
    auto data = store::read_regular_file(path, 1 << 20);
    if (!data) {
        events.note(unused + " cannot be read (" + data.error().message + "): asking GetCACert");
        return std::nullopt;
    }
    auto bundle = scep::read_ca_bundle(*data, now);
    if (!bundle) {
        events.note(unused + " is not a usable CA/RA bundle (" + bundle.error().message + "): asking GetCACert");
        return std::nullopt;
    }
    for (const auto& entry : bundle->entries) {
        if (now < entry.cert.not_before_unix() || now > entry.cert.not_after_unix()) {
            events.note(unused + " holds '" + entry.cert.subject() + "', valid " + entry.cert.not_before() + " to " +
                        entry.cert.not_after() + ": asking GetCACert");
            return std::nullopt;
        }
    }
    if (auto pinned = scep::verify_ca_fingerprint(*bundle, *server.pin); !pinned) {
        events.note(unused + " does not match the pinned CA (" + pinned.error().message + "): asking GetCACert");
        return std::nullopt;
    }
    events.note("CA and RA certificates from " + unused + " (pinned CA " + server.pin->to_string() +
                "): GetCACert skipped");
    return std::move(bundle).value();
}

void store_ca_cache(const fs::path& path, const scep::CaCertBundle& bundle, util::EventSink& events) {
    std::string pem;
    for (const auto& entry : bundle.entries)
        pem += entry.cert.pem();
    // Rebuilt from GetCACert whenever it cannot be read: atomic, but no fsync is worth its cost.
    if (auto written = store::write_file_atomic(path, util::as_bytes(pem), 0644, store::Overwrite::replace,
                                                store::Durability::cache);
        !written) {
        events.warning("--ca-cache " + path.string() + " was not written (" + written.error().message +
                       "): the next renew asks GetCACert");
    }
}

bool same_bundle(const scep::CaCertBundle& a, const scep::CaCertBundle& b) {
    if (a.entries.size() != b.entries.size()) return false;
    for (std::size_t i = 0; i < a.entries.size(); ++i) {
        if (a.entries[i].cert.der() != b.entries[i].cert.der()) return false;
    }
    return true;
}

bool may_be_stale_ra(const util::Error& error) {
    switch (error.code) {
    case ErrorCode::verification: return true;
    case ErrorCode::ca_failure: return scep::fail_info_is(error.fail_info, scep::FailInfo::bad_message_check);
    case ErrorCode::http_status: return error.http_status == 500;
    default: return false;
    }
}

util::Result<bool> fetch_changed_ca(Server& server, CaSession& session, Collaborators& with) {
    session.from_cache = false;
    SCEP_TRY(scep::CaCertBundle fetched, fetch_verified_ca(server, with));
    if (same_bundle(fetched, session.ca)) return false;
    with.events.note("the server's CA/RA certificates changed since --ca-cache was written (GetCACert): sending the "
                     "request again, to the new RA");
    session.ca = std::move(fetched);
    return true;
}

} // namespace workflow
