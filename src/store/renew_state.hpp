// The record of the last `scepctl renew` run of a certificate, kept next to it as
// CERT.scepctl-state (scepctl status reports it, Prometheus alerts on it). A few "name=value"
// lines, written atomically with mode 0644 (it holds no secret), never through a link.
#pragma once

#include <cstdint>
#include <filesystem>
#include <optional>
#include <string>

#include "util/result.hpp"

namespace store {

struct RenewState {
    std::int64_t time = 0;                    // when the run ended, Unix seconds
    std::string outcome;                      // "renewed", "not_due" or "failed"
    int exit_code = 0;                        // the run's exit status
    std::optional<std::int64_t> last_success; // the last run that exited 0 (renewed or not due)
};

std::filesystem::path renew_state_path(const std::filesystem::path& cert);

std::string format_renew_state(const RenewState& state);
// nullopt for text that is not such a record (a damaged or foreign file).
std::optional<RenewState> parse_renew_state(std::string_view text);

// nullopt when there is none; an error for a link or anything but a regular file there.
util::Result<std::optional<RenewState>> read_renew_state(const std::filesystem::path& cert);

// Records one run of renew: keeps the last success of the previous record when this one failed.
// Nothing is recorded next to a certificate that is not there (a mistyped --cert).
util::Result<void> record_renew_run(const std::filesystem::path& cert, std::int64_t now, int exit_code,
                                    std::string outcome);

} // namespace store
