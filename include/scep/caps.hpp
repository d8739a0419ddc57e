// GetCACaps (RFC 8894 §3.5): what the CA says it supports.
#pragma once

#include <string>
#include <string_view>
#include <vector>

#include "scep/util.hpp"

namespace scep {

class Capabilities {
  public:
    // RFC 8894 §3.5.2: keywords one per line, CRLF or LF; letter case ignored; unknown keywords
    // kept (and shown) but never acted on. Any whitespace separates keywords: none contains one.
    static Capabilities parse(std::string_view body);
    // A GetCACaps reply body (§3.5.1: plain text). Refuses what cannot be a capability list rather
    // than showing it as capabilities: an HTML page served with status 200 (Content-Type text/html:
    // a portal, login or error page) or binary data. A leading UTF-8 BOM is skipped. Errors:
    // ErrorCode::bad_reply.
    static Result<Capabilities> parse_reply(ByteView body, std::string_view content_type);

    // Case-insensitive; SCEPStandard implies AES, POSTPKIOperation and SHA-256 (§3.5.2).
    bool has(std::string_view keyword) const;
    bool empty() const { return m_keywords.empty(); }

    bool aes() const { return has("AES"); }
    bool des3() const { return has("DES3"); }
    bool post_pki_operation() const { return has("POSTPKIOperation"); }
    bool renewal() const { return has("Renewal"); }
    bool sha1() const { return has("SHA-1"); }
    bool sha256() const { return has("SHA-256"); }
    bool sha512() const { return has("SHA-512"); }
    bool scep_standard() const { return has("SCEPStandard"); }
    bool get_next_ca_cert() const { return has("GetNextCACert"); }

    // Keywords as the server spelled them, in order, without duplicates.
    const std::vector<std::string>& keywords() const { return m_keywords; }
    // Keywords this client does not know (kept for display).
    std::vector<std::string> unknown() const;
    // Keywords that hold only because SCEPStandard implies them, e.g. {"AES"} when only SCEPStandard was sent.
    std::vector<std::string> implied() const;

    static bool is_known(std::string_view keyword);

  private:
    bool has_literal(std::string_view keyword) const;
    std::vector<std::string> m_keywords;
};

} // namespace scep
