// The requested validity: parsing "365d", its MS-WCCE encoding, and what the CA made of it.
#include <array>
#include <cstdlib>
#include <ctime>

#include "scep/csr.hpp"
#include "scep/enrollment.hpp"

namespace scep {

namespace {

struct UnitName {
    std::string_view suffix;
    ValidityUnit unit;
};
// Longest first, so "mo" is not read as an "m" (which is refused: minutes or months?).
constexpr std::array<UnitName, 15> k_units{{
    {"hours", ValidityUnit::hours},
    {"hour", ValidityUnit::hours},
    {"h", ValidityUnit::hours},
    {"days", ValidityUnit::days},
    {"day", ValidityUnit::days},
    {"d", ValidityUnit::days},
    {"weeks", ValidityUnit::weeks},
    {"week", ValidityUnit::weeks},
    {"w", ValidityUnit::weeks},
    {"months", ValidityUnit::months},
    {"month", ValidityUnit::months},
    {"mo", ValidityUnit::months},
    {"years", ValidityUnit::years},
    {"year", ValidityUnit::years},
    {"y", ValidityUnit::years},
}};

// The ValidityPeriod values of [MS-WCCE] 2.2.2.7.10 (Seconds and Minutes are not offered: no
// certificate is meant to live that short).
std::string_view period_name(ValidityUnit unit) {
    switch (unit) {
    case ValidityUnit::hours: return "Hours";
    case ValidityUnit::days: return "Days";
    case ValidityUnit::weeks: return "Weeks";
    case ValidityUnit::months: return "Months";
    case ValidityUnit::years: return "Years";
    }
    return "Days";
}

std::string_view short_suffix(ValidityUnit unit) {
    switch (unit) {
    case ValidityUnit::hours: return "h";
    case ValidityUnit::days: return "d";
    case ValidityUnit::weeks: return "w";
    case ValidityUnit::months: return "mo";
    case ValidityUnit::years: return "y";
    }
    return "d";
}

// Roughly, for the range check and the tolerance: a month is 31 days, a year 366.
std::int64_t approximate_seconds(const RequestedValidity& validity) {
    const std::int64_t n = validity.count;
    switch (validity.unit) {
    case ValidityUnit::hours: return n * 3600;
    case ValidityUnit::days: return n * 86400;
    case ValidityUnit::weeks: return n * 7 * 86400;
    case ValidityUnit::months: return n * 31 * 86400;
    case ValidityUnit::years: return n * 366 * 86400;
    }
    return 0;
}

// DER of a BMPString (UCS-2, big endian) of ASCII text; every value here is short ASCII.
void append_bmp_string(Bytes& out, std::string_view ascii) {
    out.push_back(0x1e);
    out.push_back(static_cast<std::uint8_t>(ascii.size() * 2));
    for (const char c : ascii) {
        out.push_back(0);
        out.push_back(static_cast<std::uint8_t>(c));
    }
}

Bytes name_value_pair(std::string_view name, std::string_view value) {
    Bytes content;
    append_bmp_string(content, name);
    append_bmp_string(content, value);
    Bytes out{0x30, static_cast<std::uint8_t>(content.size())};
    out.insert(out.end(), content.begin(), content.end());
    return out;
}

// `start` plus the period, in calendar terms for months and years (as a CA counts them).
std::int64_t end_of(const RequestedValidity& validity, std::int64_t start) {
    if (validity.unit != ValidityUnit::months && validity.unit != ValidityUnit::years) {
        return start + approximate_seconds(validity);
    }
    const std::time_t t = static_cast<std::time_t>(start);
    std::tm tm{};
    gmtime_r(&t, &tm);
    const int months = static_cast<int>(validity.count) * (validity.unit == ValidityUnit::years ? 12 : 1);
    tm.tm_year += (tm.tm_mon + months) / 12;
    tm.tm_mon = (tm.tm_mon + months) % 12;
    return static_cast<std::int64_t>(timegm(&tm));
}

} // namespace

Result<RequestedValidity> parse_validity(std::string_view text) {
    const std::string original(trim_ascii(text));
    const std::string lower = to_lower_ascii(original);
    std::size_t digits = 0;
    while (digits < lower.size() && lower[digits] >= '0' && lower[digits] <= '9')
        ++digits;
    const std::string_view suffix = trim_ascii(std::string_view(lower).substr(digits));
    const auto bad = [&](const std::string& why) {
        return Error(ErrorCode::usage, "validity '" + original + "' " + why)
            .with_fix("write a number and a unit: 12h, 90d, 2w, 6mo or 1y");
    };
    if (digits == 0 || digits > 6) return bad(digits == 0 ? "does not start with a number" : "is too long");
    RequestedValidity validity;
    validity.count = static_cast<unsigned>(std::strtoul(lower.substr(0, digits).c_str(), nullptr, 10));
    bool known = false;
    for (const auto& unit : k_units) {
        if (suffix == unit.suffix) {
            validity.unit = unit.unit;
            known = true;
            break;
        }
    }
    if (!known) return bad(suffix.empty() ? "has no unit" : "has an unknown unit '" + std::string(suffix) + "'");
    if (validity.count == 0) return bad("is zero");
    if (approximate_seconds(validity) > std::int64_t{100} * 366 * 86400) return bad("is more than 100 years");
    return validity;
}

std::string to_string(const RequestedValidity& validity) {
    return std::to_string(validity.count) + std::string(short_suffix(validity.unit));
}

Bytes validity_attribute_der(const RequestedValidity& validity) {
    // [MS-WCCE] 2.2.2.7.10: each EnrollmentNameValuePair is one value of the attribute's SET.
    // DER orders a SET OF by encoding; "ValidityPeriod"'s pair is the shorter, so it comes first.
    const Bytes period = name_value_pair("ValidityPeriod", period_name(validity.unit));
    const Bytes units = name_value_pair("ValidityPeriodUnits", std::to_string(validity.count));
    static constexpr std::uint8_t k_oid[] = {0x06, 0x0a, 0x2b, 0x06, 0x01, 0x04,
                                             0x01, 0x82, 0x37, 0x0d, 0x02, 0x01}; // 1.3.6.1.4.1.311.13.2.1
    Bytes set{0x31, static_cast<std::uint8_t>(period.size() + units.size())};
    set.insert(set.end(), period.begin(), period.end());
    set.insert(set.end(), units.begin(), units.end());
    Bytes out{0x30, static_cast<std::uint8_t>(sizeof k_oid + set.size())};
    out.insert(out.end(), std::begin(k_oid), std::end(k_oid));
    out.insert(out.end(), set.begin(), set.end());
    return out;
}

std::optional<std::string> validity_difference(const RequestedValidity& asked, const Certificate& issued) {
    // A CA backdates notBefore a little (AD CS: 10 minutes) and counts from its own clock: an hour
    // and 1% of the period are "the same".
    const std::int64_t tolerance = 3600 + approximate_seconds(asked) / 100;
    const std::int64_t expected_end = end_of(asked, issued.not_before_unix());
    const std::int64_t difference = issued.not_after_unix() - expected_end;
    if (difference <= tolerance && difference >= -tolerance) return std::nullopt;
    const std::int64_t days = (issued.not_after_unix() - issued.not_before_unix() + 43200) / 86400;
    return "asked for a validity of " + to_string(asked) + ", the CA issued " + std::to_string(days) + " days (until " +
           issued.not_after() +
           "): the CA ignores requested validity: on AD CS enable it with `certutil -setreg policy\\EditFlags "
           "+EDITF_ATTRIBUTEENDDATE` and restart certsvc (the template's validity period stays the upper bound)";
}

} // namespace scep
