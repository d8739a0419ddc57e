#include "scep/transport.hpp"

#include <algorithm>

namespace scep {

std::string media_type(std::string_view content_type) {
    return to_lower_ascii(trim_ascii(content_type.substr(0, content_type.find(';'))));
}

std::string to_string(HttpAuth scheme) {
    switch (scheme) {
    case HttpAuth::none: return "none";
    case HttpAuth::negotiate: return "Negotiate";
    case HttpAuth::ntlm: return "NTLM";
    case HttpAuth::basic: return "Basic";
    }
    return "unknown";
}

std::vector<std::string> offered_auth_schemes(const std::string& www_authenticate) {
    // "Negotiate, NTLM" or "Basic realm=\"x\", Negotiate": a scheme is a token at the start or
    // after a comma that is not followed by '=' (auth-params are name=value).
    std::vector<std::string> schemes;
    std::size_t pos = 0;
    while (pos < www_authenticate.size()) {
        while (pos < www_authenticate.size() && (www_authenticate[pos] == ' ' || www_authenticate[pos] == ','))
            ++pos;
        std::size_t end = pos;
        while (end < www_authenticate.size() && www_authenticate[end] != ' ' && www_authenticate[end] != ',' &&
               www_authenticate[end] != '=') {
            ++end;
        }
        const bool is_param = end < www_authenticate.size() && www_authenticate[end] == '=';
        if (end > pos && !is_param) {
            std::string scheme = to_lower_ascii(www_authenticate.substr(pos, end - pos));
            if (std::find(schemes.begin(), schemes.end(), scheme) == schemes.end()) schemes.push_back(scheme);
        }
        // Skip to the next comma outside quotes.
        bool quoted = false;
        pos = end;
        while (pos < www_authenticate.size() && (quoted || www_authenticate[pos] != ',')) {
            if (www_authenticate[pos] == '"') quoted = !quoted;
            ++pos;
        }
    }
    return schemes;
}

} // namespace scep
