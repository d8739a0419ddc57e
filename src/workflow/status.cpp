#include "workflow/status.hpp"

#include <algorithm>

#include "config/settings.hpp"
#include "scep/certificate.hpp"
#include "scep/key.hpp"
#include "store/atomic_file.hpp"
#include "workflow/enroll.hpp"
#include "workflow/hook.hpp"

namespace workflow {

namespace fs = std::filesystem;
using util::Error;
using util::ErrorCode;

namespace {

int days_before_of(const config::Options& options) {
    return std::stoi(options.text("days-before").value_or("30"));
}

// The files a profile's renew works on (renew_files): cert_out, else OUT_DIR/cert.pem; key_out,
// else OUT_DIR/key.pem.
util::Result<StatusTarget> profile_target(const std::string& name, const config::Options& options,
                                          const config::Environment& environment) {
    SCEP_TRY(const scep::VariableLookup variables, config::template_variables(options, environment));
    SCEP_TRY(const std::optional<std::string> out_dir, config::path_setting(options, "profile-out-dir", variables));
    SCEP_TRY(const std::optional<std::string> key, config::path_setting(options, "profile-key", variables));
    SCEP_TRY(const std::optional<std::string> cert, config::path_setting(options, "profile-cert", variables));
    const fs::path dir(out_dir.value_or("."));
    StatusTarget target;
    target.profile = name;
    target.cert = cert ? fs::path(*cert) : dir / "cert.pem";
    target.key_ref = key ? *key : (dir / "key.pem").string();
    target.days_before = days_before_of(options);
    return target;
}

std::vector<std::string> profile_names(const config::CommandLine& line, const config::Options& options) {
    if (const auto it = line.find("profile"); it != line.end() && !it->second.empty()) return it->second;
    if (const config::FileTable* profile = options.profile()) return {profile->name}; // SCEPCTL_PROFILE
    std::vector<std::string> names;
    if (const config::Config* file = options.file()) {
        for (const auto& [name, table] : file->profiles)
            names.push_back(name);
    }
    return names;
}

util::Result<scep::Certificate> read_certificate(const fs::path& path) {
    SCEP_TRY(const util::Bytes data, store::read_regular_file(path, 1 << 20));
    const std::string_view text = util::as_chars(data);
    if (text.find("-----BEGIN CERTIFICATE-----") != std::string_view::npos) {
        SCEP_TRY(std::vector<scep::Certificate> certs, scep::Certificate::from_pem(text));
        return certs.front();
    }
    return scep::Certificate::from_der(data);
}

// Whether the profile's key belongs to the certificate; status asks for no passphrase or PIN, so
// only a key file that is not encrypted can be compared.
void check_key(CertStatus& status, const scep::Certificate& cert) {
    const std::string& ref = status.target.key_ref;
    if (ref.empty()) {
        status.key_note = "no key to compare with --cert";
        return;
    }
    if (!is_key_path(ref)) {
        status.key_note = "hardware key " + ref;
        return;
    }
    auto data = store::read_regular_file(ref, 1 << 20);
    if (!data) {
        status.key = KeyMatch::mismatch;
        status.key_note = data.error().message;
        return;
    }
    const std::string_view text = util::as_chars(*data);
    if (text.find("TSS2 PRIVATE KEY") != std::string_view::npos) {
        status.key_note = "TPM key blob " + ref;
        return;
    }
    if (text.find("ENCRYPTED") != std::string_view::npos) {
        status.key_note = "encrypted key " + ref + " (status asks for no passphrase)";
        return;
    }
    auto key = scep::PrivateKey::load(*data, std::nullopt);
    if (!key) {
        status.key_note = "key " + ref + " not readable without a passphrase";
        return;
    }
    status.key = key->matches(cert) ? KeyMatch::match : KeyMatch::mismatch;
    if (status.key == KeyMatch::mismatch) status.key_note = "key " + ref + " does not belong to the certificate";
}

CertStatus check_target(const StatusTarget& target, std::int64_t now) {
    CertStatus status{.target = target};
    auto record = store::read_renew_state(target.cert);
    if (record) {
        status.last_renew = *record;
    } else {
        status.last_renew_problem = record.error().message;
    }
    auto cert = read_certificate(target.cert);
    if (!cert) {
        status.state = CertState::unreadable;
        status.problem = cert.error().message;
        return status;
    }
    status.subject = cert->subject();
    status.issuer = cert->issuer();
    status.serial = cert->serial_hex();
    status.not_after = cert->not_after();
    status.not_after_unix = cert->not_after_unix();
    const DueCheck due = renewal_due(status.not_after_unix, now, target.days_before);
    status.days_left = due.days_left;
    status.due = due.due;
    check_key(status, *cert);
    if (status.key == KeyMatch::mismatch) {
        status.state = CertState::mismatch;
    } else if (now > status.not_after_unix) {
        status.state = CertState::expired;
    } else if (now < cert->not_before_unix()) {
        status.state = CertState::not_yet_valid;
    } else if (due.due) {
        status.state = CertState::due;
    }
    return status;
}

} // namespace

std::string to_string(KeyMatch match) {
    switch (match) {
    case KeyMatch::match: return "match";
    case KeyMatch::mismatch: return "mismatch";
    case KeyMatch::not_checked: return "not_checked";
    }
    return "not_checked";
}

std::string to_string(CertState state) {
    switch (state) {
    case CertState::fine: return "ok";
    case CertState::due: return "due";
    case CertState::expired: return "expired";
    case CertState::not_yet_valid: return "not_yet_valid";
    case CertState::mismatch: return "key_mismatch";
    case CertState::unreadable: return "unreadable";
    }
    return "unreadable";
}

CertState StatusReport::worst() const {
    CertState worst = CertState::fine;
    for (const CertStatus& cert : certs)
        worst = std::max(worst, cert.state);
    return worst;
}

util::Result<StatusPlan> plan_status(const config::CommandLine& line, const config::Options& options,
                                     const config::Environment& environment) {
    StatusPlan plan;
    if (const auto file = options.text("prometheus")) plan.prometheus = fs::path(*file);
    for (const std::string& cert : options.list("cert"))
        plan.targets.push_back(StatusTarget{"", cert, "", days_before_of(options)});
    if (!plan.targets.empty()) return plan;
    for (const std::string& name : profile_names(line, options)) {
        config::CommandLine one = line;
        one["profile"] = {name};
        SCEP_TRY(const config::Options resolved, config::resolve(config::Command::status, one, environment));
        SCEP_TRY(StatusTarget target, profile_target(name, resolved, environment));
        plan.targets.push_back(std::move(target));
    }
    if (plan.targets.empty()) {
        return Error(ErrorCode::usage, "no certificate to report on: no --cert, no --profile and no profile in the "
                                       "configuration file")
            .with_fix("give --cert FILE or --profile NAME (with --config FILE)");
    }
    return plan;
}

util::Result<StatusReport> status(const StatusPlan& plan, Collaborators& with) {
    StatusReport report;
    report.now = with.clock.now_unix();
    for (const StatusTarget& target : plan.targets)
        report.certs.push_back(check_target(target, report.now));
    if (plan.prometheus) {
        const std::string text = prometheus_text(report);
        auto written =
            store::write_file_atomic(*plan.prometheus, util::as_bytes(text), 0644, store::Overwrite::replace);
        if (!written) return std::move(written).error().context("--prometheus");
    }
    return report;
}

std::string prometheus_label_value(std::string_view value) {
    std::string out;
    for (const char c : value) {
        if (c == '\\') {
            out += "\\\\";
        } else if (c == '"') {
            out += "\\\"";
        } else if (c == '\n') {
            out += "\\n";
        } else {
            out += c;
        }
    }
    return out;
}

namespace {

std::string labels_of(const CertStatus& cert) {
    return "{profile=\"" + prometheus_label_value(cert.target.profile) + "\",cert=\"" +
           prometheus_label_value(cert.target.cert.string()) + "\",subject=\"" + prometheus_label_value(cert.subject) +
           "\"}";
}

// One metric family: its HELP and TYPE lines, then a sample per certificate that has a value.
template <class Value>
void family(std::string& out, const StatusReport& report, const char* name, const char* help, Value value) {
    std::string samples;
    for (const CertStatus& cert : report.certs) {
        if (const std::optional<std::int64_t> v = value(cert)) {
            samples += std::string(name) + labels_of(cert) + " " + std::to_string(*v) + "\n";
        }
    }
    if (samples.empty()) return;
    out += std::string("# HELP ") + name + " " + help + "\n# TYPE " + name + " gauge\n" + samples;
}

} // namespace

std::string prometheus_text(const StatusReport& report) {
    using V = std::optional<std::int64_t>;
    const auto readable = [](const CertStatus& c) { return c.state != CertState::unreadable; };
    std::string out;
    family(out, report, "scepctl_certificate_readable",
           "Whether scepctl status could read the certificate (1) or not (0).",
           [](const CertStatus& c) -> V { return c.state == CertState::unreadable ? 0 : 1; });
    family(out, report, "scepctl_certificate_not_after_seconds", "The certificate's notAfter, Unix seconds.",
           [&](const CertStatus& c) -> V { return readable(c) ? V(c.not_after_unix) : V(); });
    family(out, report, "scepctl_certificate_days_left", "Whole days until notAfter (negative once expired).",
           [&](const CertStatus& c) -> V { return readable(c) ? V(c.days_left) : V(); });
    family(out, report, "scepctl_certificate_renewal_due",
           "Whether the certificate expires within the profile's days_before (1) or not (0).",
           [&](const CertStatus& c) -> V { return readable(c) ? V(c.due ? 1 : 0) : V(); });
    family(out, report, "scepctl_certificate_key_match",
           "Whether the profile's key belongs to the certificate (1) or not (0); absent when not checked.",
           [](const CertStatus& c) -> V {
               return c.key == KeyMatch::not_checked ? V() : V(c.key == KeyMatch::match ? 1 : 0);
           });
    family(out, report, "scepctl_renew_last_run_timestamp_seconds", "When scepctl renew last ran, Unix seconds.",
           [](const CertStatus& c) -> V { return c.last_renew ? V(c.last_renew->time) : V(); });
    family(out, report, "scepctl_renew_last_success_timestamp_seconds",
           "When scepctl renew last exited 0 (renewed or not due), Unix seconds.",
           [](const CertStatus& c) -> V { return c.last_renew ? c.last_renew->last_success : V(); });
    family(out, report, "scepctl_renew_last_exit_code", "The exit status of the last scepctl renew run.",
           [](const CertStatus& c) -> V { return c.last_renew ? V(c.last_renew->exit_code) : V(); });
    out += "# HELP scepctl_status_timestamp_seconds When scepctl status wrote this file, Unix seconds.\n"
           "# TYPE scepctl_status_timestamp_seconds gauge\n"
           "scepctl_status_timestamp_seconds " +
           std::to_string(report.now) + "\n";
    return out;
}

} // namespace workflow
