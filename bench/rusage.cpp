// Bench helper (not installed): runs CMD and writes "MAXRSS_KIB USER_US SYS_US" for it to OUT, from
// wait4's rusage of the child alone. GNU time's %U %S round to 10 ms; these are microseconds, and
// their sum is the kernel's exact run time of the child. The child is forked from this small
// process, so its peak RSS starts, like under /usr/bin/time, from a few hundred KiB (Linux carries
// the pre-exec image's high-water mark across exec). bench/measure.py runs it.
//
//   bench_rusage OUT CMD [ARG...]      exit status: CMD's (128 + signal when killed)
#include <cerrno>
#include <cstdio>
#include <sys/resource.h>
#include <sys/wait.h>
#include <unistd.h>

namespace {
long long micros(const timeval& tv) {
    return static_cast<long long>(tv.tv_sec) * 1000000 + tv.tv_usec;
}
} // namespace

int main(int argc, char** argv) {
    if (argc < 3) {
        std::fputs("usage: bench_rusage OUT CMD [ARG...]\n", stderr);
        return 64;
    }
    const pid_t pid = fork();
    if (pid < 0) return 71;
    if (pid == 0) {
        execvp(argv[2], argv + 2);
        std::perror(argv[2]);
        _exit(127);
    }
    int status = 0;
    rusage usage{};
    while (wait4(pid, &status, 0, &usage) < 0) {
        if (errno != EINTR) return 71;
    }
    std::FILE* out = std::fopen(argv[1], "w");
    if (out == nullptr) return 73;
    std::fprintf(out, "%ld %lld %lld\n", usage.ru_maxrss, micros(usage.ru_utime), micros(usage.ru_stime));
    if (std::fclose(out) != 0) return 74;
    return WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
}
