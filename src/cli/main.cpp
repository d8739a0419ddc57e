#include <cstdio>
#include <exception>

#include <sys/prctl.h>
#include <sys/resource.h>

#include "cli/app.hpp"
#include "cli/exit_codes.hpp"
#include "ossl/wiping_heap.hpp"

int main(int argc, char** argv) {
    // Challenges, passwords and keys pass through this process: no core dump may hold them, and
    // no other process of the same user may read its memory (/proc/PID/mem, ptrace attach).
    ::prctl(PR_SET_DUMPABLE, 0, 0, 0, 0);
    const rlimit no_core{0, 0};
    ::setrlimit(RLIMIT_CORE, &no_core);
    // Before OpenSSL allocates anything: its freed buffers must not keep copies of secrets.
    ossl::use_wiping_heap_for_openssl();
    try {
        return cli::run(argc, argv);
    } catch (const std::exception& e) {
        std::fprintf(stderr, "scepctl: internal error: %s\n", e.what());
    } catch (...) {
        std::fprintf(stderr, "scepctl: internal error\n");
    }
    return cli::k_exit_internal;
}
