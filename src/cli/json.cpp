#include "cli/json.hpp"

#include <cmath>
#include <cstdio>

namespace cli {

std::size_t utf8_sequence_length(std::string_view text, std::size_t pos) {
    const auto byte = [&](std::size_t i) {
        return pos + i < text.size() ? static_cast<unsigned char>(text[pos + i]) : 0;
    };
    const unsigned char lead = byte(0);
    if (lead < 0x80) return pos < text.size() ? 1 : 0;
    // RFC 3629 §4: the second byte's range depends on the first; later ones are 80-BF.
    std::size_t length = 0;
    unsigned char low = 0x80, high = 0xBF;
    if (lead >= 0xC2 && lead <= 0xDF) {
        length = 2;
    } else if (lead >= 0xE0 && lead <= 0xEF) {
        length = 3;
        if (lead == 0xE0) low = 0xA0;
        if (lead == 0xED) high = 0x9F;
    } else if (lead >= 0xF0 && lead <= 0xF4) {
        length = 4;
        if (lead == 0xF0) low = 0x90;
        if (lead == 0xF4) high = 0x8F;
    } else {
        return 0;
    }
    if (byte(1) < low || byte(1) > high) return 0;
    for (std::size_t i = 2; i < length; ++i) {
        if (byte(i) < 0x80 || byte(i) > 0xBF) return 0;
    }
    return length;
}

namespace {
void escape_to(std::string& out, const std::string& s) {
    static constexpr char k_hex[] = "0123456789abcdef";
    const auto escape = [&out](unsigned code) {
        out += "\\u00";
        out.push_back(k_hex[code >> 4]);
        out.push_back(k_hex[code & 0x0f]);
    };
    out.push_back('"');
    for (std::size_t i = 0; i < s.size();) {
        const auto c = static_cast<unsigned char>(s[i]);
        if (c >= 0x80) {
            // Server text may be anything: JSON is UTF-8, so a byte that is not is U+FFFD; DEL and
            // the C1 controls (U+0080-U+009F) are escaped like C0, so a terminal never acts on them.
            const std::size_t length = utf8_sequence_length(s, i);
            if (length == 0) {
                out += "\\ufffd";
                ++i;
            } else if (c == 0xC2 && static_cast<unsigned char>(s[i + 1]) < 0xA0) {
                escape(static_cast<unsigned char>(s[i + 1]));
                i += 2;
            } else {
                out.append(s, i, length);
                i += length;
            }
            continue;
        }
        switch (c) {
        case '"': out += "\\\""; break;
        case '\\': out += "\\\\"; break;
        case '\n': out += "\\n"; break;
        case '\r': out += "\\r"; break;
        case '\t': out += "\\t"; break;
        default:
            if (c < 0x20 || c == 0x7f) {
                escape(c);
            } else {
                out.push_back(static_cast<char>(c));
            }
        }
        ++i;
    }
    out.push_back('"');
}
} // namespace

Json Json::strings(const std::vector<std::string>& items) {
    Json j = array();
    for (const auto& s : items)
        j.push(s);
    return j;
}

Json& Json::set(std::string key, Json value) {
    std::get<Object>(m_value).emplace_back(std::move(key), std::move(value));
    return *this;
}

Json& Json::prepend(std::string key, Json value) {
    auto& object = std::get<Object>(m_value);
    object.emplace(object.begin(), std::move(key), std::move(value));
    return *this;
}

bool Json::is_object() const {
    return std::holds_alternative<Object>(m_value);
}

Json& Json::push(Json value) {
    std::get<Array>(m_value).push_back(std::move(value));
    return *this;
}

std::string Json::dump() const {
    std::string out;
    dump_to(out);
    return out;
}

void Json::dump_to(std::string& out) const {
    if (std::holds_alternative<std::nullptr_t>(m_value)) {
        out += "null";
    } else if (const auto* b = std::get_if<bool>(&m_value)) {
        out += *b ? "true" : "false";
    } else if (const auto* n = std::get_if<std::int64_t>(&m_value)) {
        out += std::to_string(*n);
    } else if (const auto* d = std::get_if<double>(&m_value)) {
        if (!std::isfinite(*d)) {
            out += "null";
        } else {
            char text[64];
            std::snprintf(text, sizeof text, "%.3f", *d);
            out += text;
        }
    } else if (const auto* s = std::get_if<std::string>(&m_value)) {
        escape_to(out, *s);
    } else if (const auto* a = std::get_if<Array>(&m_value)) {
        out.push_back('[');
        for (std::size_t i = 0; i < a->size(); ++i) {
            if (i != 0) out.push_back(',');
            (*a)[i].dump_to(out);
        }
        out.push_back(']');
    } else if (const auto* o = std::get_if<Object>(&m_value)) {
        out.push_back('{');
        for (std::size_t i = 0; i < o->size(); ++i) {
            if (i != 0) out.push_back(',');
            escape_to(out, (*o)[i].first);
            out.push_back(':');
            (*o)[i].second.dump_to(out);
        }
        out.push_back('}');
    }
}

} // namespace cli
