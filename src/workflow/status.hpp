// scepctl status as a workflow: the state of the certificates the profiles write (or the files
// given), for people and for monitoring (Prometheus textfile collector). Reads only; sends nothing.
#pragma once

#include <cstdint>
#include <filesystem>
#include <optional>
#include <string>
#include <vector>

#include "config/resolve.hpp"
#include "store/renew_state.hpp"
#include "workflow/context.hpp"

namespace workflow {

// One certificate to report on, decided from the options before anything is read.
struct StatusTarget {
    std::string profile; // empty for --cert FILE
    std::filesystem::path cert;
    std::string key_ref; // the profile's key: a file, handle:..., pkcs11:...; empty: none to check
    int days_before = 30;
};

struct StatusPlan {
    std::vector<StatusTarget> targets;
    std::optional<std::filesystem::path> prometheus;
};

// --cert FILE..., else each --profile, else $SCEPCTL_PROFILE, else every profile of the file.
util::Result<StatusPlan> plan_status(const config::CommandLine& line, const config::Options& options,
                                     const config::Environment& environment);

enum class KeyMatch { match, mismatch, not_checked };
// Worst last: the exit status is that of the worst certificate.
enum class CertState { fine, due, expired, not_yet_valid, mismatch, unreadable };
std::string to_string(KeyMatch match);
std::string to_string(CertState state);

struct CertStatus {
    StatusTarget target;
    CertState state = CertState::fine;
    std::string problem; // unreadable: why
    std::string subject, issuer, serial, not_after;
    std::int64_t not_after_unix = 0;
    std::int64_t days_left = 0;
    bool due = false;
    KeyMatch key = KeyMatch::not_checked;
    std::string key_note; // why the key was not checked
    std::optional<store::RenewState> last_renew;
    std::string last_renew_problem; // a record that could not be read
};

struct StatusReport {
    std::int64_t now = 0;
    std::vector<CertStatus> certs;
    CertState worst() const;
};

// Reads every target; a certificate that cannot be read is reported (unreadable), not an error.
// Writes the Prometheus file when the plan names one.
util::Result<StatusReport> status(const StatusPlan& plan, Collaborators& with);

// The Prometheus text exposition format (version 0.0.4) of a report.
std::string prometheus_text(const StatusReport& report);
// A label value as the exposition format wants it: \ " and line feed escaped.
std::string prometheus_label_value(std::string_view value);

} // namespace workflow
