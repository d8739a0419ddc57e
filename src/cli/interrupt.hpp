// SIGINT, SIGTERM and SIGHUP during enroll and renew. The first one asks the run to stop at the
// next safe point: a request in flight is aborted, a wait between polls ends, and a write that has
// begun finishes first (Deferred), so no half-written or temporary file stays behind. A second
// one outside a write ends the process at once, as if scepctl had no handler.
#pragma once

#include <chrono>
#include <string>

#include <signal.h>

namespace cli::interrupt {

// Installs the handlers (enroll and renew; other commands keep the default: they write no key).
// A signal that was ignored when scepctl started (nohup, a shell's background job) stays ignored.
void install();
// The signal that asked the run to stop, 0 while none has.
int received();
// Sleeps for `duration`; false when a signal ended the wait early.
bool wait_for(std::chrono::milliseconds duration);
// "SIGINT", "SIGTERM", "SIGHUP", else "signal N".
std::string name(int signal);

// Holds the three signals back while it lives: what runs meanwhile (writing the files) completes
// or fails on its own, and a signal that arrived is seen by received() afterwards.
class Deferred {
  public:
    Deferred();
    ~Deferred();
    Deferred(const Deferred&) = delete;
    Deferred& operator=(const Deferred&) = delete;

  private:
    sigset_t m_previous;
};

} // namespace cli::interrupt
