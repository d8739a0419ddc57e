// Secrets in memory: challenge passwords, account passwords, passphrases, and a CSR that carries
// a challenge. Every buffer that held one is wiped (OPENSSL_cleanse) before it is freed, also
// when a vector grows, so that no freed heap block keeps a copy for a core dump, a debugger or
// the next allocation to find.
#pragma once

#include <cstddef>
#include <cstdint>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include <openssl/crypto.h>

namespace util {

template <class T> struct CleansingAllocator {
    using value_type = T;
    CleansingAllocator() noexcept = default;
    template <class U> CleansingAllocator(const CleansingAllocator<U>&) noexcept {}
    T* allocate(std::size_t n) { return std::allocator<T>{}.allocate(n); }
    void deallocate(T* p, std::size_t n) noexcept {
        OPENSSL_cleanse(p, n * sizeof(T));
        std::allocator<T>{}.deallocate(p, n);
    }
    template <class U> bool operator==(const CleansingAllocator<U>&) const noexcept { return true; }
};

// Bytes that may hold a secret (a DER CSR with a challengePassword, an HTTP body with one).
using SecureBytes = std::vector<std::uint8_t, CleansingAllocator<std::uint8_t>>;

// Wipes `bytes` now and gives its memory back.
void wipe(SecureBytes& bytes);

// A secret text. Never in a std::string's inline buffer (which no allocator wipes); wiped when it
// is destroyed, cleared or grows. Copies are secrets too.
class Secret {
  public:
    Secret() = default;
    explicit Secret(std::string_view text) { append(text); }

    std::string_view view() const { return {m_text.data(), size()}; }
    const char* c_str() const { return m_text.empty() ? "" : m_text.data(); } // NUL-terminated
    std::size_t size() const { return m_text.empty() ? 0 : m_text.size() - 1; }
    bool empty() const { return size() == 0; }

    void append(std::string_view text);
    void push_back(char c) { append(std::string_view(&c, 1)); }
    void pop_back();
    char back() const { return m_text[m_text.size() - 2]; }
    void clear(); // wipes it now

    friend bool operator==(const Secret& secret, std::string_view text) { return secret.view() == text; }

  private:
    std::vector<char, CleansingAllocator<char>> m_text; // the text and a terminating NUL, or nothing
};

// Overwrites the characters of a std::string a library handed us, then empties it.
void cleanse(std::string& text);

} // namespace util
