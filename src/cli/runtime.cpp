#include "cli/runtime.hpp"

#include <csignal>
#include <cstdlib>

#include "cli/interrupt.hpp"
#include "scepctl_version.hpp"
#include "transport/curl_transport.hpp"

namespace cli {

bool SystemClock::sleep(std::chrono::seconds duration) {
    if (!m_out.shows_status()) return interrupt::wait_for(duration);
    // On a terminal the wait counts down in place; the plain line above stays.
    bool slept = true;
    for (auto left = duration; slept && left.count() > 0; left -= std::chrono::seconds(1)) {
        m_out.status("waiting for the CA to approve: next poll in " + std::to_string(left.count()) + " s");
        slept = interrupt::wait_for(std::chrono::seconds(1));
    }
    m_out.clear_status();
    return slept;
}

std::unique_ptr<scep::HttpTransport> CurlTransports::open(const transport::TransportOptions& given) {
    transport::TransportOptions options = given;
    options.user_agent = std::string("scepctl/") + scepctl::k_version;
    // True only after SIGINT, SIGTERM or SIGHUP in enroll and renew (interrupt::install).
    options.cancelled = [] { return interrupt::received() != 0; };
    const Output* out = &m_out;
    if (m_out.options().verbose) {
        options.trace = [out](const std::string& line) { out->trace(line); };
    }
    if (m_out.shows_status()) {
        // A request that takes a while says so on a terminal, updated once a second.
        options.waiting = [out](const std::string& host, std::chrono::milliseconds elapsed, bool done) {
            if (done) {
                out->clear_status();
            } else if (elapsed >= std::chrono::seconds(2)) {
                const auto seconds = std::chrono::duration_cast<std::chrono::seconds>(elapsed).count();
                out->status("waiting for " + host + " (" + std::to_string(seconds) + " s)");
            }
        };
    }
    return std::make_unique<transport::CurlTransport>(std::move(options));
}

void test_pause_at(std::string_view stage) {
    static const char* const wanted = std::getenv("SCEPCTL_TEST_PAUSE_AT");
    if (wanted != nullptr && stage == wanted) ::raise(SIGSTOP);
}

} // namespace cli
