#include "cli/interrupt.hpp"

#include <poll.h>
#include <unistd.h>

#include <cerrno>
#include <fcntl.h>

namespace cli::interrupt {

namespace {

constexpr int k_signals[] = {SIGINT, SIGTERM, SIGHUP};

volatile sig_atomic_t g_received = 0;
// The handler writes a byte here so that a wait in poll() ends even when the signal arrived just
// before it began (the self-pipe trick).
int g_wake[2] = {-1, -1};

extern "C" void on_signal(int signal) {
    if (g_received != 0) {
        // The second one: the user insists. Only async-signal-safe calls here.
        ::signal(signal, SIG_DFL);
        ::raise(signal);
        return;
    }
    g_received = signal;
    const int saved = errno;
    [[maybe_unused]] const ssize_t ignored = ::write(g_wake[1], "!", 1);
    errno = saved;
}

sigset_t handled_set() {
    sigset_t set;
    sigemptyset(&set);
    for (const int signal : k_signals)
        sigaddset(&set, signal);
    return set;
}

} // namespace

void install() {
    if (g_wake[0] < 0 && ::pipe2(g_wake, O_CLOEXEC | O_NONBLOCK) != 0) g_wake[0] = g_wake[1] = -1;
    struct sigaction action {};
    action.sa_handler = on_signal;
    sigemptyset(&action.sa_mask);
    action.sa_flags = 0; // no SA_RESTART: a blocking call returns EINTR and the run looks at received()
    for (const int signal : k_signals) {
        // A signal ignored from the start stays ignored: `nohup scepctl renew` must survive SIGHUP,
        // and a shell starts background jobs with SIGINT ignored.
        struct sigaction previous {};
        if (::sigaction(signal, nullptr, &previous) == 0 && previous.sa_handler == SIG_IGN) continue;
        ::sigaction(signal, &action, nullptr);
    }
}

int received() {
    return g_received;
}

bool wait_for(std::chrono::milliseconds duration) {
    const auto deadline = std::chrono::steady_clock::now() + duration;
    while (g_received == 0) {
        const auto left =
            std::chrono::duration_cast<std::chrono::milliseconds>(deadline - std::chrono::steady_clock::now());
        if (left.count() <= 0) return true;
        pollfd wake{g_wake[0], POLLIN, 0};
        ::poll(&wake, g_wake[0] >= 0 ? 1 : 0, static_cast<int>(left.count()));
    }
    return false;
}

std::string name(int signal) {
    switch (signal) {
    case SIGINT: return "SIGINT";
    case SIGTERM: return "SIGTERM";
    case SIGHUP: return "SIGHUP";
    default: return "signal " + std::to_string(signal);
    }
}

Deferred::Deferred() {
    const sigset_t set = handled_set();
    ::sigprocmask(SIG_BLOCK, &set, &m_previous);
}

Deferred::~Deferred() {
    ::sigprocmask(SIG_SETMASK, &m_previous, nullptr);
}

} // namespace cli::interrupt
