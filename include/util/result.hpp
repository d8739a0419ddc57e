// The one way the core reports failure: a Result<T> holding a value or an Error.
// Shaped like std::expected, which clang 14 cannot compile with libstdc++ 12.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <utility>
#include <variant>
#include <vector>

namespace util {

// What went wrong, at the granularity the CLI maps to exit codes (see man scepctl(1)).
enum class ErrorCode {
    internal,              // a bug or an unclassified failure
    usage,                 // the command line is wrong
    config,                // a configuration file or value is wrong
    file,                  // reading or writing a local file failed
    network,               // DNS, connect, TLS handshake, connection reset
    timeout,               // the server did not answer in time
    http_auth,             // HTTP 401/407, Kerberos or Negotiate failure
    http_status,           // any other HTTP error status
    bad_reply,             // the server's reply is malformed, truncated, of the wrong type or too large
    verification,          // signature, nonce, transaction ID, fingerprint or chain check failed
    ca_failure,            // the CA answered FAILURE (fail_info says why, if it did)
    pending,               // the CA still answers PENDING and the polling budget is spent
    challenge_unavailable, // no challenge password could be obtained
    hook_failed,           // a command run after success (renew --deploy-hook) failed; the work itself is done
    not_renewable,         // the certificate to renew is expired, from another CA, not ours, or came back unchanged
    interrupted,           // SIGINT, SIGTERM or SIGHUP stopped the run at a safe point (`signal` says which)
};

struct Error {
    ErrorCode code = ErrorCode::internal;
    std::string message;              // one line: the cause (and the fix, where `fix` is empty)
    std::string fix;                  // what the user does about it, when known apart from the cause
    std::vector<std::string> details; // extra lines: drained OpenSSL errors, GSS texts (shown with --verbose)
    std::optional<long> http_status;
    std::optional<int> fail_info; // RFC 8894 §3.2.1.4, when code == ca_failure
    std::optional<int> signal;    // when code == interrupted: the signal number
    bool tls = false;             // when code == network: the TLS handshake or the server's certificate failed

    Error() = default;
    Error(ErrorCode c, std::string msg) : code(c), message(std::move(msg)) {}

    Error& with_detail(std::string line) & {
        details.push_back(std::move(line));
        return *this;
    }
    Error&& with_detail(std::string line) && {
        details.push_back(std::move(line));
        return std::move(*this);
    }
    Error&& with_fix(std::string text) && {
        fix = std::move(text);
        return std::move(*this);
    }
    // The one line a user reads: the cause, then the fix.
    std::string text() const { return fix.empty() ? message : message + ": " + fix; }
    // Prefixes context to the message ("GetCACert: " + message) without losing the code.
    Error&& context(const std::string& prefix) && {
        message = prefix + ": " + message;
        return std::move(*this);
    }
};

std::string to_string(ErrorCode code);

template <class T> class [[nodiscard]] Result {
  public:
    Result(T value) : m_state(std::in_place_index<0>, std::move(value)) {}
    Result(Error error) : m_state(std::in_place_index<1>, std::move(error)) {}

    bool has_value() const { return m_state.index() == 0; }
    explicit operator bool() const { return has_value(); }

    T& value() & { return std::get<0>(m_state); }
    const T& value() const& { return std::get<0>(m_state); }
    T&& value() && { return std::get<0>(std::move(m_state)); }
    T& operator*() & { return value(); }
    const T& operator*() const& { return value(); }
    T* operator->() { return &value(); }
    const T* operator->() const { return &value(); }

    const Error& error() const& { return std::get<1>(m_state); }
    Error&& error() && { return std::get<1>(std::move(m_state)); }

  private:
    std::variant<T, Error> m_state;
};

template <> class [[nodiscard]] Result<void> {
  public:
    Result() = default;
    Result(Error error) : m_error(std::move(error)) {}

    bool has_value() const { return !m_error.has_value(); }
    explicit operator bool() const { return has_value(); }
    const Error& error() const& { return *m_error; }
    Error&& error() && { return std::move(*m_error); }

  private:
    std::optional<Error> m_error;
};

// Propagates an error from a Result-returning expression: SCEP_TRY(auto x, f());
#define SCEP_CONCAT_INNER(a, b) a##b
#define SCEP_CONCAT(a, b) SCEP_CONCAT_INNER(a, b)
#define SCEP_TRY(decl, expr) SCEP_TRY_IMPL(decl, expr, SCEP_CONCAT(scep_try_, __LINE__))
#define SCEP_TRY_IMPL(decl, expr, tmp)                                                                                 \
    auto tmp = (expr);                                                                                                 \
    if (!tmp) return std::move(tmp).error();                                                                           \
    decl = std::move(tmp).value()
#define SCEP_TRY_VOID(expr)                                                                                            \
    do {                                                                                                               \
        auto scep_try_void_ = (expr);                                                                                  \
        if (!scep_try_void_) return std::move(scep_try_void_).error();                                                 \
    } while (0)

} // namespace util
