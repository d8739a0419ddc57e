#include "cli/json.hpp"

namespace cli {

namespace {
void escape_to(std::string& out, const std::string& s) {
    static constexpr char k_hex[] = "0123456789abcdef";
    out.push_back('"');
    for (unsigned char c : s) {
        switch (c) {
        case '"': out += "\\\""; break;
        case '\\': out += "\\\\"; break;
        case '\n': out += "\\n"; break;
        case '\r': out += "\\r"; break;
        case '\t': out += "\\t"; break;
        default:
            if (c < 0x20) {
                out += "\\u00";
                out.push_back(k_hex[c >> 4]);
                out.push_back(k_hex[c & 0x0f]);
            } else {
                out.push_back(static_cast<char>(c));
            }
        }
    }
    out.push_back('"');
}
} // namespace

Json Json::strings(const std::vector<std::string>& items) {
    Json j = array();
    for (const auto& s : items) j.push(s);
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

bool Json::is_object() const { return std::holds_alternative<Object>(m_value); }

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
