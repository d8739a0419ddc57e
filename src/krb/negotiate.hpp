// Our own SPNEGO (HTTP Negotiate) exchange, for check-kerberos: unlike libcurl's, it lets us read
// the Kerberos error a server sends back in a 401 (RFC 4559; MIT decodes the KRB-ERROR).
#pragma once

#include <memory>
#include <optional>
#include <string>
#include <string_view>

#include "util/bytes.hpp"
#include "util/result.hpp"

namespace krb {

class NegotiateContext {
  public:
    // Starts a mutual-auth SPNEGO context for SERVICE@host with the thread's default credentials
    // (a krb::Session makes its private cache that default) and makes the first token.
    static util::Result<std::unique_ptr<NegotiateContext>> start(std::string_view host,
                                                                 std::string_view service = "HTTP");
    ~NegotiateContext();
    NegotiateContext(const NegotiateContext&) = delete;
    NegotiateContext& operator=(const NegotiateContext&) = delete;

    const util::Bytes& token() const;

    // Feeds the server's token (from WWW-Authenticate: Negotiate <base64>). Success: the context
    // is complete (mutual authentication done). Error: the Kerberos reason, with its MIT code in
    // krb5_error() when there is one (e.g. KRB5KRB_AP_ERR_MODIFIED: the server cannot decrypt).
    util::Result<void> accept_server_token(util::ByteView server_token);
    bool complete() const;
    std::optional<long> krb5_error() const;

    struct State;

  private:
    explicit NegotiateContext(std::unique_ptr<State> state);
    std::unique_ptr<State> m_state;
};

// "Negotiate oYG..." -> the decoded token; empty when the header carries none.
util::Bytes negotiate_token_from(const std::string& www_authenticate);

} // namespace krb
