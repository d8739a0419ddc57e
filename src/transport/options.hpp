// What the command line and the configuration decide about HTTP: trust, proxy, time limits, and
// what a transport reports while it works.
#pragma once

#include <chrono>
#include <cstddef>
#include <functional>
#include <optional>
#include <string>

namespace transport {

struct TransportOptions {
    std::string ca_file;              // --cacert; empty = the system trust store
    bool insecure = false;            // --insecure: no TLS peer or host verification
    std::optional<std::string> proxy; // --proxy; unset = libcurl's usual *_proxy environment variables
    long timeout_ms = 60'000;         // whole request (--timeout)
    long connect_timeout_ms = 15'000; // never longer than timeout_ms
    std::size_t max_body_bytes = 8u << 20;
    std::string user_agent;
    // Receives one line per event for --verbose; secrets are already redacted.
    std::function<void(const std::string&)> trace;
    // Called about once a second while a request is in flight (host, time since it started), and
    // once with done = true when it ends: the CLI shows slow servers on a terminal.
    std::function<void(const std::string& host, std::chrono::milliseconds elapsed, bool done)> waiting;
    // Asked before each request and about once a second during it: true aborts the request with
    // ErrorCode::interrupted (enroll and renew stop on SIGINT, SIGTERM, SIGHUP).
    std::function<bool()> cancelled;
};

} // namespace transport
