// check-kerberos's clock check: which pair of clocks is apart, and whether that breaks anything.
// Negotiate breaks when the web server and the KDC disagree by more than the allowed skew (the
// server refuses the ticket's authenticator); this host's own offset is corrected by MIT krb5 from
// the KDC's answers while kdc_timesync is on (its default), so it only costs TLS and certificate
// validity checks on this host, until compensation is turned off.
#pragma once

#include <cstdint>
#include <optional>

#include "diag/report.hpp"

namespace diag {

struct ClockReadings {
    std::optional<std::int64_t> host_minus_kdc; // this host's time minus a fresh TGT's authtime
    std::optional<std::int64_t> host_minus_web; // this host's time minus the web server's Date header
    bool kdc_timesync = true;                   // [libdefaults] kdc_timesync
    std::int64_t allowed_skew = 300;            // [libdefaults] clockskew (AD: 5 minutes)
};

// The "clock" check for these readings (id "clock"); SKIP when there is nothing to compare.
CheckResult judge_clock(const ClockReadings& readings);

} // namespace diag
