// Whether a KDC answers, asked the way a Kerberos client would: a TCP connection to its port, and
// a real AS-REQ in one UDP datagram (krb5 itself falls back to TCP and would hide a blocked UDP
// port). check-kerberos reports both.
#pragma once

#include <string>
#include <utility>
#include <vector>

#include "util/bytes.hpp"

namespace krb {

// The addresses a host name resolves to (numeric, each once), or why it does not resolve.
struct Resolution {
    std::vector<std::string> addresses;
    std::string problem; // gai_strerror's text when it does not resolve
};
Resolution resolve_host(const std::string& host);

// "" when a TCP connection to host:port opens within `timeout_ms`; else what went wrong.
std::string tcp_reachable(const std::string& host, const std::string& port, int timeout_ms);
// "" when some KDC answer (KRB-ERROR or AS-REP) comes back to `request`; else what went wrong.
std::string udp_answers(const std::string& host, const std::string& port, util::ByteView request, int timeout_ms);
// "host", "host:port", "[v6]:port" -> {host, port}; port 88 when none is given.
std::pair<std::string, std::string> split_host_port(const std::string& kdc);
// An IPv4 or IPv6 address rather than a name.
bool is_ip_literal(const std::string& host);

} // namespace krb
