#include "config/toml_guard.hpp"

#include <cstdint>
#include <optional>
#include <utility>
#include <variant>

namespace config {

using util::Error;
using util::ErrorCode;

namespace {

// toml++ 3.3.0 (Debian 12) reaches __builtin_unreachable, i.e. undefined behaviour, when its
// whitespace test meets U+00A1-U+0499, U+2CEE-U+30E7 or U+FBB6-U+FEFE (upstream issues 190 and
// 295, fixed after 3.3.0). It asks that question of every character it reads outside strings and
// comments, and in a multi-line basic string of the character after a backslash and of each one
// it trims after a line-ending backslash. TOML allows non-ASCII text only inside strings and
// comments, so TomlTextGuard walks the text as toml++ does and refuses non-ASCII text anywhere
// else, before toml++ sees it. It must agree with toml++ on where strings and comments start: a
// string starts only where a key or a value starts (in `a = 0"x"` the quote belongs to the bare
// value 0"x", as toml++ reads it). Where the text leaves TOML's grammar toml++ stops with a syntax
// error at or before that point; the guard then refuses every non-ASCII character after it.
struct TextProblem {
    std::size_t offset = 0; // of the refused character, in bytes
    std::string what;
    // Where the guard lost TOML's grammar before `offset` (toml++'s syntax error is there or earlier).
    std::optional<std::size_t> syntax_error;
};

constexpr std::string_view k_non_ascii_outside =
    "non-ASCII character outside a string or comment (keys and values other than strings are ASCII in TOML: put "
    "the text in quotes)";
constexpr std::string_view k_non_ascii_after_backslash =
    "a non-ASCII character right after a backslash in a multi-line string: write it as \\uXXXX";
constexpr std::string_view k_non_ascii_continued =
    "a non-ASCII character right after a line-ending backslash in a multi-line string: start the line with an "
    "ASCII character or write it as \\uXXXX";

class TomlTextGuard {
  public:
    explicit TomlTextGuard(std::string_view text) : m_text(text) {}

    std::optional<TextProblem> check() {
        if (document()) return std::nullopt;
        if (m_problem) return m_problem;
        const std::size_t lost_at = m_pos;
        for (; m_pos < m_text.size(); ++m_pos) {
            if (non_ascii()) return TextProblem{m_pos, std::string(k_non_ascii_outside), lost_at};
        }
        return std::nullopt;
    }

  private:
    static constexpr int k_eof = -1;
    // toml++ allows 256 nested arrays and inline tables; deeper, the guard gives up (refuses more).
    static constexpr int k_max_depth = 256;

    int peek(std::size_t ahead = 0) const {
        return m_pos + ahead < m_text.size() ? static_cast<unsigned char>(m_text[m_pos + ahead]) : k_eof;
    }
    bool non_ascii() const { return peek() >= 0x80; }
    static bool is_bare_key_char(int c) {
        return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '_' || c == '-';
    }
    static bool is_key_start(int c) { return is_bare_key_char(c) || c == '"' || c == '\''; }
    // toml++'s is_value_terminator, with every control character (and the end) counted in: a bare
    // value is never shorter than toml++ reads it, only at worst longer.
    static bool ends_value(int c) { return c <= ' ' || c == ']' || c == '}' || c == ',' || c == '#'; }

    void skip_blanks() {
        while (peek() == ' ' || peek() == '\t')
            ++m_pos;
    }
    bool line_break() {
        if (peek() == '\n') {
            ++m_pos;
            return true;
        }
        if (peek() == '\r' && peek(1) == '\n') {
            m_pos += 2;
            return true;
        }
        return false;
    }
    // At '#': the rest of the line, without its line break.
    void comment() {
        while (peek() != k_eof && peek() != '\n' && !(peek() == '\r' && peek(1) == '\n'))
            ++m_pos;
    }
    bool refuse(std::string_view what) {
        m_problem = TextProblem{m_pos, std::string(what), std::nullopt};
        return false;
    }
    // Text toml++ does not accept here: a non-ASCII character is refused, anything else is a
    // syntax error toml++ reports itself.
    bool unexpected() {
        if (non_ascii()) return refuse(k_non_ascii_outside);
        return false;
    }

    bool document() {
        for (;;) {
            skip_blanks();
            const int c = peek();
            if (c == k_eof) return true;
            if (line_break()) continue;
            if (c == '#') {
                comment();
                continue;
            }
            if (c == '[') {
                if (!table_header()) return false;
            } else if (is_key_start(c)) {
                if (!key_value(0)) return false;
            } else {
                return unexpected();
            }
            if (!end_of_line()) return false;
        }
    }

    // After a table header or a key-value pair: blanks, then a comment, a line break or the end.
    bool end_of_line() {
        skip_blanks();
        if (peek() == k_eof || line_break()) return true;
        if (peek() == '#') {
            comment();
            return true;
        }
        return unexpected();
    }

    bool table_header() {
        ++m_pos;
        const bool array_of_tables = peek() == '[';
        if (array_of_tables) ++m_pos;
        skip_blanks();
        if (!key()) return false;
        for (int closing = array_of_tables ? 2 : 1; closing > 0; --closing) {
            if (peek() != ']') return unexpected();
            ++m_pos;
        }
        return true;
    }

    // Dotted segments, bare or quoted, and the blanks after the key.
    bool key() {
        for (;;) {
            const int c = peek();
            if (is_bare_key_char(c)) {
                while (is_bare_key_char(peek()))
                    ++m_pos;
            } else if (c == '"' || c == '\'') {
                if (!string()) return false;
            } else {
                return unexpected();
            }
            skip_blanks();
            if (peek() != '.') return true;
            ++m_pos;
            skip_blanks();
        }
    }

    bool key_value(int depth) {
        if (!key()) return false;
        if (peek() != '=') return unexpected();
        ++m_pos;
        skip_blanks();
        return value(depth);
    }

    bool value(int depth) {
        const int c = peek();
        if (c == '"' || c == '\'') return string();
        if (c == '[') return array(depth + 1);
        if (c == '{') return inline_table(depth + 1);
        if (ends_value(c)) return unexpected();
        return bare_value();
    }

    // A number, boolean, date or time: toml++ reads on to the next value terminator, testing each
    // character, so every byte up to there must be ASCII (a quote in it starts no string).
    bool bare_value() {
        for (;;) {
            while (!ends_value(peek())) {
                if (non_ascii()) return refuse(k_non_ascii_outside);
                ++m_pos;
            }
            // A date and a time with a space between (1979-05-27 07:32:00): toml++ reads on.
            if (peek() == ' ' && peek(1) >= '0' && peek(1) <= '9') {
                ++m_pos;
                continue;
            }
            return true;
        }
    }

    // Arrays and inline tables; line breaks and comments are allowed in both (TOML 1.1 allows them
    // in inline tables too; where toml++ 3.3.0 does not, it stops with a syntax error).
    bool array(int depth) {
        if (depth > k_max_depth) return false;
        ++m_pos;
        for (;;) {
            skip_blanks();
            if (line_break()) continue;
            const int c = peek();
            if (c == '#') {
                comment();
            } else if (c == ']') {
                ++m_pos;
                return true;
            } else if (c == ',') {
                ++m_pos;
            } else if (!value(depth)) {
                return false;
            }
        }
    }

    bool inline_table(int depth) {
        if (depth > k_max_depth) return false;
        ++m_pos;
        for (;;) {
            skip_blanks();
            if (line_break()) continue;
            const int c = peek();
            if (c == '#') {
                comment();
            } else if (c == '}') {
                ++m_pos;
                return true;
            } else if (c == ',') {
                ++m_pos;
            } else if (!is_key_start(c)) {
                return unexpected();
            } else if (!key_value(depth)) {
                return false;
            }
        }
    }

    // At a quote that starts a key or a value.
    bool string() {
        const int quote = peek();
        if (peek(1) == quote && peek(2) == quote) return quote == '"' ? multi_line_basic() : multi_line_literal();
        ++m_pos;
        for (;;) {
            const int c = peek();
            if (c == k_eof || c == '\n' || c == '\r') return false; // unterminated: toml++ says so
            ++m_pos;
            if (c == quote) return true;
            if (quote == '"' && c == '\\') {
                if (peek() == k_eof) return false;
                ++m_pos; // the escaped character; toml++ tests only ASCII ones
            }
        }
    }

    // At the closing delimiter of a multi-line string: up to two more quotes are content.
    bool closes(int quote) {
        std::size_t run = 0;
        while (peek(run) == quote)
            ++run;
        if (run < 3) {
            m_pos += run;
            return false;
        }
        m_pos += std::min<std::size_t>(run, 5);
        return true;
    }

    bool multi_line_basic() {
        m_pos += 3;
        bool trimming = false; // after a line-ending backslash, toml++ tests each character for whitespace
        for (;;) {
            const int c = peek();
            if (c == k_eof) return false;
            if (c == '"') {
                trimming = false;
                if (closes('"')) return true;
                continue;
            }
            if (c == '\\') {
                ++m_pos;
                trimming = false;
                const int escaped = peek();
                if (escaped >= 0x80) return refuse(k_non_ascii_after_backslash);
                if (escaped == ' ' || escaped == '\t' || (escaped >= '\n' && escaped <= '\r')) {
                    skip_blanks();
                    if (non_ascii()) return refuse(k_non_ascii_after_backslash);
                    if (!line_break()) return false;
                    trimming = true;
                } else if (escaped == k_eof) {
                    return false;
                } else {
                    ++m_pos;
                }
                continue;
            }
            if (line_break()) continue;
            if (c >= '\n' && c <= '\r') return false; // a lone CR, VT or FF: toml++ refuses it
            if (c >= 0x80) {
                if (trimming) return refuse(k_non_ascii_continued);
            } else if (c != ' ' && c != '\t') {
                trimming = false;
            }
            ++m_pos;
        }
    }

    bool multi_line_literal() {
        m_pos += 3;
        for (;;) {
            const int c = peek();
            if (c == k_eof) return false;
            if (c == '\'') {
                if (closes('\'')) return true;
                continue;
            }
            ++m_pos;
        }
    }

    std::string_view m_text;
    std::size_t m_pos = 0;
    std::optional<TextProblem> m_problem;
};

// Line and column (in characters, as toml++ counts them) of a byte offset.
std::pair<std::uint32_t, std::uint32_t> position_of(std::string_view text, std::size_t offset) {
    std::uint32_t line = 1;
    std::uint32_t column = 1;
    for (std::size_t i = 0; i < offset && i < text.size(); ++i) {
        const auto c = static_cast<unsigned char>(text[i]);
        if (c == '\n') {
            ++line;
            column = 1;
        } else if ((c & 0xC0) != 0x80) {
            ++column;
        }
    }
    return {line, column};
}

util::Error syntax_error(const std::string& source, const toml::parse_error& e) {
    const auto& begin = e.source().begin;
    return Error(ErrorCode::config, source + ":" + std::to_string(begin.line) + ":" + std::to_string(begin.column) +
                                        ": TOML syntax error: " + std::string(e.description()));
}

// toml++'s table, or its syntax error.
std::variant<toml::table, toml::parse_error> parse_toml(std::string_view text, const std::string& source) {
#if TOML_EXCEPTIONS
    try {
        return toml::parse(text, std::string_view(source));
    } catch (const toml::parse_error& e) {
        return e;
    }
#else
    toml::parse_result parsed = toml::parse(text, std::string_view(source));
    if (!parsed) return parsed.error();
    return std::move(parsed).table();
#endif
}

// Windows editors save UTF-8 with a byte-order mark; TOML text starts after it.
constexpr std::string_view k_utf8_bom = "\xEF\xBB\xBF";

} // namespace

util::Result<toml::table> read_toml(std::string_view text, const std::string& source) {
    if (text.starts_with(k_utf8_bom)) text.remove_prefix(k_utf8_bom.size());
    if (const auto problem = TomlTextGuard(text).check()) {
        if (problem->syntax_error) {
            // toml++ names the syntax error the guard stopped at: it reads only the text before
            // the refused character, which the guard has checked.
            const auto [lost_line, lost_column] = position_of(text, *problem->syntax_error);
            const auto prefix = parse_toml(text.substr(0, problem->offset), source);
            if (const auto* e = std::get_if<toml::parse_error>(&prefix)) {
                const auto& begin = e->source().begin;
                if (begin.line < lost_line || (begin.line == lost_line && begin.column <= lost_column)) {
                    return syntax_error(source, *e);
                }
            }
        }
        const auto [line, column] = position_of(text, problem->offset);
        return Error(ErrorCode::config,
                     source + ":" + std::to_string(line) + ":" + std::to_string(column) + ": " + problem->what);
    }
    auto parsed = parse_toml(text, source);
    if (const auto* e = std::get_if<toml::parse_error>(&parsed)) return syntax_error(source, *e);
    return std::move(std::get<toml::table>(parsed));
}

} // namespace config
