// A minimal JSON value for --json output: objects keep insertion order.
#pragma once

#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>
#include <utility>
#include <variant>
#include <vector>

namespace cli {

// The length of the well-formed UTF-8 sequence at text[pos] (1 to 4; no overlong forms, no
// surrogates, nothing above U+10FFFF), or 0 when the bytes there are not one.
std::size_t utf8_sequence_length(std::string_view text, std::size_t pos);

class Json {
  public:
    using Array = std::vector<Json>;
    using Object = std::vector<std::pair<std::string, Json>>;

    Json() = default; // null
    Json(bool b) : m_value(b) {}
    Json(int n) : m_value(static_cast<std::int64_t>(n)) {}
    Json(long n) : m_value(static_cast<std::int64_t>(n)) {}
    Json(long long n) : m_value(static_cast<std::int64_t>(n)) {}
    Json(double d) : m_value(d) {} // written with millisecond precision; NaN and infinity as null
    Json(const char* s) : m_value(std::string(s)) {}
    Json(std::string s) : m_value(std::move(s)) {}
    Json(Array a) : m_value(std::move(a)) {}

    static Json object() {
        Json j;
        j.m_value = Object{};
        return j;
    }
    static Json array() { return Json(Array{}); }
    static Json strings(const std::vector<std::string>& items);

    Json& set(std::string key, Json value);     // on an object
    Json& prepend(std::string key, Json value); // on an object: becomes its first member
    Json& push(Json value);                     // on an array
    bool is_object() const;

    std::string dump() const; // compact, one line

  private:
    void dump_to(std::string& out) const;
    std::variant<std::nullptr_t, bool, std::int64_t, double, std::string, Array, Object> m_value = nullptr;
};

} // namespace cli
