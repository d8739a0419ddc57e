#include "diag/clock_skew.hpp"

#include <cstdlib>
#include <string>
#include <vector>

#include "util/text.hpp"

namespace diag {

namespace {

constexpr std::int64_t k_skew_warn = 120; // half-way to AD's limit: worth fixing before it breaks

std::string seconds(std::int64_t value) {
    return std::to_string(value) + " s";
}

const char* k_server_fix = "synchronise the NDES server with the domain time source: w32tm /resync /rediscover "
                           "(domain members: w32tm /config /syncfromflags:domhier /update)";
const char* k_host_fix = "synchronise this host's clock with the domain's time source (NTP: chrony or "
                         "systemd-timesyncd)";

struct Finding {
    CheckStatus status;
    std::string summary;
    std::string fix;
};

// KDC against web server: the pair that breaks Negotiate, whatever this host's clock says.
std::optional<Finding> judge_server_pair(std::int64_t kdc_minus_web, std::int64_t allowed) {
    const std::int64_t off = std::llabs(kdc_minus_web);
    if (off > allowed) {
        return Finding{CheckStatus::fail,
                       "the web server's clock is " + seconds(off) + " off the KDC's (Kerberos allows " +
                           seconds(allowed) + "): it refuses every ticket as skewed",
                       k_server_fix};
    }
    if (off > k_skew_warn) {
        return Finding{CheckStatus::warn, "the web server's clock is " + seconds(off) + " off the KDC's", k_server_fix};
    }
    return std::nullopt;
}

// This host against the KDC: harmless to Kerberos while krb5 compensates.
std::optional<Finding> judge_host_pair(std::int64_t host_minus_kdc, const ClockReadings& readings) {
    const std::int64_t off = std::llabs(host_minus_kdc);
    if (off > readings.allowed_skew && !readings.kdc_timesync) {
        return Finding{CheckStatus::fail,
                       "this host's clock is " + seconds(off) +
                           " off the KDC's and kdc_timesync is off: every "
                           "ticket this host presents is refused as skewed",
                       std::string(k_host_fix) + ", or set kdc_timesync = true in [libdefaults] of krb5.conf"};
    }
    if (off > k_skew_warn) {
        return Finding{CheckStatus::warn,
                       "this host's clock is " + seconds(off) + " off the KDC's" +
                           (readings.kdc_timesync ? "; krb5 compensates (kdc_timesync), but TLS and certificate "
                                                    "validity checks on this host still use the wrong time"
                                                  : ""),
                       k_host_fix};
    }
    return std::nullopt;
}

} // namespace

CheckResult judge_clock(const ClockReadings& readings) {
    CheckResult r{.id = "clock"};
    if (!readings.host_minus_kdc && !readings.host_minus_web) {
        r.status = CheckStatus::skip;
        r.summary = "no fresh ticket and no HTTP Date to compare with";
        return r;
    }
    std::vector<std::string> evidence;
    std::vector<Finding> findings;
    if (readings.host_minus_kdc) evidence.push_back("this host minus KDC " + seconds(*readings.host_minus_kdc));
    if (readings.host_minus_web) evidence.push_back("this host minus web server " + seconds(*readings.host_minus_web));
    if (readings.host_minus_kdc && readings.host_minus_web) {
        const std::int64_t kdc_minus_web = *readings.host_minus_web - *readings.host_minus_kdc;
        evidence.push_back("KDC minus web server " + seconds(kdc_minus_web));
        if (auto found = judge_server_pair(kdc_minus_web, readings.allowed_skew)) findings.push_back(*found);
    }
    if (readings.host_minus_kdc) {
        if (auto found = judge_host_pair(*readings.host_minus_kdc, readings)) findings.push_back(*found);
    } else if (std::llabs(*readings.host_minus_web) > k_skew_warn) {
        // No fresh ticket (a credential cache): the KDC's time is unknown, so is whose clock is wrong.
        findings.push_back({CheckStatus::warn,
                            "this host's clock is " + seconds(std::llabs(*readings.host_minus_web)) +
                                " off the web server's (the KDC's time is unknown without a fresh ticket)",
                            std::string(k_host_fix) + "; if this host is right: " + k_server_fix});
    }
    evidence.push_back(std::string("kdc_timesync ") + (readings.kdc_timesync ? "on" : "off") + ", clockskew " +
                       seconds(readings.allowed_skew));
    r.evidence = util::join(evidence, "; ");
    if (findings.empty()) {
        r.summary = "clocks agree within " + seconds(k_skew_warn);
        return r;
    }
    std::vector<std::string> summaries, fixes;
    for (const auto& found : findings) {
        if (found.status == CheckStatus::fail) r.status = CheckStatus::fail;
        if (r.status != CheckStatus::fail) r.status = CheckStatus::warn;
        summaries.push_back(found.summary);
        fixes.push_back(found.fix);
    }
    r.summary = util::join(summaries, "; ");
    r.fix = util::join(fixes, "; ");
    return r;
}

} // namespace diag
