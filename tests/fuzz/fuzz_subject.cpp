// libFuzzer target: what an admin types for --subject, --san and --var: template expansion with
// DN escaping, the RFC 4514 parser and the X.509 Name built from it; the SAN parser and the
// GENERAL_NAMES built from it. The input is "TEMPLATE\nSAN\nSAN...".
#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include <openssl/x509v3.h>

#include "scep/subject.hpp"

namespace {

std::optional<std::string> variable(std::string_view name) {
    if (name == "device") return "dev,ice+1\\\"=#";
    if (name == "fqdn") return "host.example.test";
    if (name == "empty") return "";
    if (name == "utf8") return "M\xC3\xBCller \xE2\x82\xAC";
    return std::nullopt;
}

void subject(std::string_view text) {
    const scep::VariableLookup escaped = [](std::string_view name) -> std::optional<std::string> {
        auto value = variable(name);
        if (!value) return std::nullopt;
        return scep::escape_dn_value(*value);
    };
    auto expanded = scep::expand_template(text, escaped);
    auto dn = scep::parse_distinguished_name(expanded ? std::string_view(*expanded) : text);
    if (!dn) return;
    static_cast<void>(scep::to_x509_name(*dn)); // the name, if any, is freed right away
}

} // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
    const std::string_view input(reinterpret_cast<const char*>(data), size);
    const auto newline = input.find('\n');
    subject(input.substr(0, newline));
    if (newline == std::string_view::npos) return 0;

    std::vector<scep::SubjectAltName> names;
    std::string_view rest = input.substr(newline + 1);
    while (!rest.empty()) {
        const auto end = rest.find('\n');
        const std::string_view spec = rest.substr(0, end);
        auto expanded = scep::expand_template(spec, variable);
        if (expanded) {
            if (auto name = scep::parse_subject_alt_name(*expanded)) names.push_back(std::move(name).value());
        }
        rest = end == std::string_view::npos ? std::string_view() : rest.substr(end + 1);
    }
    if (!names.empty()) {
        static_cast<void>(scep::to_general_names(names));
    }
    return 0;
}
