#include "krb/probes.hpp"

#include <netdb.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstdint>
#include <cstring>

#include "util/fd.hpp"

namespace krb {

namespace {

// Resolves host:port and tries `attempt` on each address until one succeeds (returns "");
// the result is "" or the last address's problem.
template <class Attempt>
std::string try_addresses(const std::string& host, const std::string& port, int socktype, Attempt attempt) {
    addrinfo hints{};
    hints.ai_socktype = socktype;
    addrinfo* list = nullptr;
    if (const int rc = ::getaddrinfo(host.c_str(), port.c_str(), &hints, &list); rc != 0) {
        return std::string("does not resolve (") + ::gai_strerror(rc) + ")";
    }
    const util::AddrInfo guard(list);
    std::string last = "no address";
    for (addrinfo* a = list; a != nullptr; a = a->ai_next) {
        const util::UniqueFd fd(::socket(a->ai_family, a->ai_socktype | SOCK_NONBLOCK | SOCK_CLOEXEC, a->ai_protocol));
        if (!fd) continue;
        last = attempt(fd.get(), *a);
        if (last.empty()) return {};
    }
    return last;
}

} // namespace

Resolution resolve_host(const std::string& host) {
    addrinfo hints{};
    hints.ai_socktype = SOCK_STREAM;
    addrinfo* list = nullptr;
    if (const int rc = ::getaddrinfo(host.c_str(), nullptr, &hints, &list); rc != 0) return {{}, ::gai_strerror(rc)};
    const util::AddrInfo guard(list);
    Resolution resolution;
    for (addrinfo* a = list; a != nullptr; a = a->ai_next) {
        char text[NI_MAXHOST] = {};
        if (::getnameinfo(a->ai_addr, a->ai_addrlen, text, sizeof text, nullptr, 0, NI_NUMERICHOST) != 0) continue;
        if (std::find(resolution.addresses.begin(), resolution.addresses.end(), text) == resolution.addresses.end()) {
            resolution.addresses.emplace_back(text);
        }
    }
    return resolution;
}

// TCP connect with a deadline, the way a KDC client would reach port 88.
std::string tcp_reachable(const std::string& host, const std::string& port, int timeout_ms) {
    return try_addresses(host, port, SOCK_STREAM, [timeout_ms](int fd, const addrinfo& a) -> std::string {
        if (::connect(fd, a.ai_addr, a.ai_addrlen) == 0) return {};
        if (errno != EINPROGRESS) return std::strerror(errno);
        pollfd p{fd, POLLOUT, 0};
        const int ready = ::poll(&p, 1, timeout_ms);
        if (ready == 0) return "no connection within " + std::to_string(timeout_ms / 1000) + " s";
        if (ready < 0) return std::strerror(errno);
        int err = 0;
        socklen_t len = sizeof err;
        ::getsockopt(fd, SOL_SOCKET, SO_ERROR, &err, &len);
        return err == 0 ? std::string() : std::string(std::strerror(err));
    });
}

// Sends a real AS-REQ in one UDP datagram and waits for any answer (the KDC replies with
// PREAUTH_REQUIRED or an AS-REP): krb5 itself would fall back to TCP and hide a blocked UDP port.
std::string udp_answers(const std::string& host, const std::string& port, util::ByteView request, int timeout_ms) {
    return try_addresses(host, port, SOCK_DGRAM, [&request, timeout_ms](int fd, const addrinfo& a) -> std::string {
        if (::connect(fd, a.ai_addr, a.ai_addrlen) != 0 || ::send(fd, request.data(), request.size(), 0) < 0) {
            return std::strerror(errno);
        }
        pollfd p{fd, POLLIN, 0};
        if (::poll(&p, 1, timeout_ms) != 1) return "no answer within " + std::to_string(timeout_ms / 1000) + " s";
        std::uint8_t reply[2048];
        const ssize_t n = ::recv(fd, reply, sizeof reply, 0);
        if (n <= 0) return n < 0 ? std::string(std::strerror(errno)) : std::string("empty answer");
        if (reply[0] != 0x7e && reply[0] != 0x6b) return "answer is not Kerberos"; // KRB-ERROR, AS-REP
        return {};
    });
}

std::pair<std::string, std::string> split_host_port(const std::string& kdc) {
    // "host", "host:port", "[v6]:port"
    if (!kdc.empty() && kdc.front() == '[') {
        const auto close = kdc.find(']');
        if (close != std::string::npos) {
            const std::string host = kdc.substr(1, close - 1);
            if (close + 1 < kdc.size() && kdc[close + 1] == ':') return {host, kdc.substr(close + 2)};
            return {host, "88"};
        }
    }
    const auto colon = kdc.rfind(':');
    if (colon != std::string::npos && kdc.find(':') == colon) return {kdc.substr(0, colon), kdc.substr(colon + 1)};
    return {kdc, "88"};
}

bool is_ip_literal(const std::string& host) {
    return host.find_first_not_of("0123456789.") == std::string::npos || host.find(':') != std::string::npos;
}

} // namespace krb
