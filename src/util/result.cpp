#include "util/result.hpp"

namespace util {

std::string to_string(ErrorCode code) {
    switch (code) {
    case ErrorCode::internal: return "internal";
    case ErrorCode::usage: return "usage";
    case ErrorCode::config: return "config";
    case ErrorCode::file: return "file";
    case ErrorCode::network: return "network";
    case ErrorCode::timeout: return "timeout";
    case ErrorCode::http_auth: return "http_auth";
    case ErrorCode::http_status: return "http_status";
    case ErrorCode::bad_reply: return "bad_reply";
    case ErrorCode::verification: return "verification";
    case ErrorCode::ca_failure: return "ca_failure";
    case ErrorCode::pending: return "pending";
    case ErrorCode::challenge_unavailable: return "challenge_unavailable";
    case ErrorCode::hook_failed: return "hook_failed";
    case ErrorCode::not_renewable: return "not_renewable";
    case ErrorCode::interrupted: return "interrupted";
    }
    return "unknown";
}

} // namespace util
