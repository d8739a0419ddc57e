#include "util/secret.hpp"

namespace util {

void wipe(SecureBytes& bytes) {
    OPENSSL_cleanse(bytes.data(), bytes.size());
    bytes.clear();
    bytes.shrink_to_fit();
}

void Secret::append(std::string_view text) {
    if (text.empty()) return;
    if (!m_text.empty()) m_text.pop_back(); // the NUL
    m_text.insert(m_text.end(), text.begin(), text.end());
    m_text.push_back('\0');
}

void Secret::pop_back() {
    if (m_text.size() < 2) return;
    m_text[m_text.size() - 2] = '\0';
    m_text.pop_back();
}

void Secret::clear() {
    OPENSSL_cleanse(m_text.data(), m_text.size());
    m_text.clear();
    m_text.shrink_to_fit();
}

void cleanse(std::string& text) {
    OPENSSL_cleanse(text.data(), text.size());
    text.clear();
}

} // namespace util
