// libFuzzer target: the TOML configuration file (scepctl.toml(5)) through toml++ and every
// validation of parse_config: tables, keys, types, URLs, fingerprints, paths, profiles.
#include <cstddef>
#include <cstdint>
#include <string_view>

#include "config/config.hpp"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
    const std::string_view text(reinterpret_cast<const char*>(data), size);
    auto config = config::parse_config(text, "/etc/scepctl/config.toml");
    if (config) {
        for (const auto& [name, profile] : config->profiles) {
            if (config->profile(name) == nullptr || config->ca(profile.text("ca").value_or("")) == nullptr)
                __builtin_trap();
        }
    }
    return 0;
}
