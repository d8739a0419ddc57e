#include <cstdio>
#include <exception>

#include "cli/app.hpp"
#include "cli/exit_codes.hpp"

int main(int argc, char** argv) {
    try {
        return cli::run(argc, argv);
    } catch (const std::exception& e) {
        std::fprintf(stderr, "scepctl: internal error: %s\n", e.what());
    } catch (...) {
        std::fprintf(stderr, "scepctl: internal error\n");
    }
    return cli::k_exit_internal;
}
