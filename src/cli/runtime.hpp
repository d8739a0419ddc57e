// The real collaborators the workflows get from the command line: events printed through Output,
// a clock whose waits count down on a terminal and end on SIGINT/SIGTERM/SIGHUP, and libcurl
// transports with the run's trace, progress and cancellation hooks.
#pragma once

#include <memory>

#include "cli/output.hpp"
#include "transport/factory.hpp"
#include "util/events.hpp"
#include "workflow/context.hpp"

namespace cli {

class OutputEvents final : public util::EventSink {
  public:
    explicit OutputEvents(const Output& out) : m_out(out) {}
    void note(const std::string& text) override { m_out.note(text); }
    void warning(const std::string& text) override { m_out.warning(text); }
    void status(const std::string& text) override { m_out.status(text); }
    void clear_status() override { m_out.clear_status(); }
    bool shows_status() const override { return m_out.shows_status(); }

  private:
    const Output& m_out;
};

// Waits between polls: on a terminal the wait counts down in place; a stop signal ends it.
class SystemClock final : public workflow::Clock {
  public:
    explicit SystemClock(const Output& out) : m_out(out) {}
    bool sleep(std::chrono::seconds duration) override;

  private:
    const Output& m_out;
};

// libcurl transports; every one gets the run's user agent, --verbose trace, the "waiting for HOST"
// status line on a terminal, and cancellation by a stop signal.
class CurlTransports final : public transport::TransportFactory {
  public:
    explicit CurlTransports(const Output& out) : m_out(out) {}
    std::unique_ptr<scep::HttpTransport> open(const transport::TransportOptions& options) override;

  private:
    const Output& m_out;
};

// The stage checkpoints of renew for the interruption tests: SCEPCTL_TEST_PAUSE_AT=STAGE stops
// the process (SIGSTOP) there. Never set outside the tests; unset, this does nothing.
void test_pause_at(std::string_view stage);

} // namespace cli
