#include "cli/exit_codes.hpp"

#include <csignal>

namespace cli {

int exit_code_for(const util::Error& error) {
    using util::ErrorCode;
    switch (error.code) {
    case ErrorCode::internal: return k_exit_internal;
    case ErrorCode::usage: return k_exit_usage;
    case ErrorCode::config: return k_exit_config;
    case ErrorCode::file: return k_exit_file;
    case ErrorCode::network: return k_exit_network;
    case ErrorCode::timeout: return k_exit_timeout;
    case ErrorCode::http_auth: return k_exit_auth;
    case ErrorCode::http_status: return k_exit_http;
    case ErrorCode::bad_reply:
    case ErrorCode::verification: return k_exit_reply_rejected;
    case ErrorCode::ca_failure:
        if (error.fail_info && *error.fail_info >= 0 && *error.fail_info <= 4) return k_exit_bad_alg + *error.fail_info;
        return k_exit_ca_failure;
    case ErrorCode::pending: return k_exit_pending;
    case ErrorCode::challenge_unavailable: return k_exit_challenge;
    case ErrorCode::hook_failed: return k_exit_hook;
    case ErrorCode::not_renewable: return k_exit_not_renewable;
    case ErrorCode::interrupted: return k_exit_signal_base + error.signal.value_or(SIGINT);
    }
    return k_exit_internal;
}

} // namespace cli
