// What every workflow is handed instead of reaching for the process: a way to get HTTP transports,
// a clock that can also wait, a sink for progress, and the process's signal handling. The command
// line passes the real ones; tests pass fakes (a replaying transport, a clock that never sleeps).
#pragma once

#include <chrono>
#include <cstdint>
#include <ctime>
#include <functional>
#include <memory>

#include "transport/factory.hpp"
#include "util/events.hpp"

namespace workflow {

class Clock {
  public:
    virtual ~Clock() = default;
    virtual std::int64_t now_unix() const { return static_cast<std::int64_t>(std::time(nullptr)); }
    virtual std::chrono::steady_clock::time_point now() const { return std::chrono::steady_clock::now(); }
    // Waits between polls; false when the wait was interrupted (a signal): the workflow then stops.
    virtual bool sleep(std::chrono::seconds duration) = 0;
};

struct Collaborators {
    transport::TransportFactory& transports;
    util::EventSink& events;
    Clock& clock;
    // Holds the stop signals back while the returned object lives: a write that has begun is
    // finished first (enroll, renew). Default: nothing to hold.
    std::function<std::shared_ptr<void>()> hold_signals = [] { return std::shared_ptr<void>(); };
    // Whether a stop signal arrived (checked after a write that held them back).
    std::function<bool()> stop_requested = [] { return false; };
};

} // namespace workflow
