#include "workflow/hook.hpp"

#include <cerrno>
#include <cstdio>
#include <cstring>

#include <spawn.h>
#include <sys/wait.h>
#include <unistd.h>

namespace workflow {

DueCheck renewal_due(std::int64_t not_after_unix, std::int64_t now_unix, int days_before) {
    DueCheck check;
    check.seconds_left = not_after_unix - now_unix;
    // Rounded down, also below zero: one second past notAfter is day -1, not day 0.
    check.days_left = check.seconds_left >= 0 ? check.seconds_left / k_seconds_per_day
                                              : -((-check.seconds_left + k_seconds_per_day - 1) / k_seconds_per_day);
    check.due = check.seconds_left <= static_cast<std::int64_t>(days_before) * k_seconds_per_day;
    return check;
}

std::vector<std::string> hook_environment(const char* const* parent,
                                          const std::vector<std::pair<std::string, std::string>>& vars) {
    std::vector<std::string> environment;
    for (const char* const* entry = parent; entry != nullptr && *entry != nullptr; ++entry) {
        const std::string_view text(*entry);
        if (text.starts_with("SCEPCTL_")) continue;
        environment.emplace_back(text);
    }
    for (const auto& [name, value] : vars)
        environment.push_back(name + "=" + value);
    return environment;
}

util::Result<int> run_hook(const std::string& command, const std::vector<std::string>& environment) {
    std::vector<char*> envp;
    for (const auto& entry : environment)
        envp.push_back(const_cast<char*>(entry.c_str()));
    envp.push_back(nullptr);
    std::string sh = "/bin/sh", dash_c = "-c", script = command;
    char* argv[] = {sh.data(), dash_c.data(), script.data(), nullptr};

    posix_spawn_file_actions_t actions;
    if (posix_spawn_file_actions_init(&actions) != 0) {
        return util::Error(util::ErrorCode::internal, "cannot prepare the deploy hook");
    }
    posix_spawn_file_actions_adddup2(&actions, STDERR_FILENO, STDOUT_FILENO);
    // The hook inherits standard input, output and error only: not the connection to the SCEP
    // server, the Kerberos or resolver sockets, the directory lock or any other descriptor a
    // library left open without close-on-exec.
    posix_spawn_file_actions_addclosefrom_np(&actions, STDERR_FILENO + 1);
    pid_t pid = 0;
    std::fflush(stdout);
    const int rc = ::posix_spawn(&pid, "/bin/sh", &actions, nullptr, argv, envp.data());
    posix_spawn_file_actions_destroy(&actions);
    if (rc != 0) {
        return util::Error(util::ErrorCode::hook_failed,
                           std::string("cannot start the deploy hook with /bin/sh: ") + std::strerror(rc));
    }
    int status = 0;
    while (::waitpid(pid, &status, 0) < 0) {
        if (errno != EINTR) {
            return util::Error(util::ErrorCode::hook_failed,
                               std::string("cannot wait for the deploy hook: ") + std::strerror(errno));
        }
    }
    if (WIFEXITED(status)) return WEXITSTATUS(status);
    if (WIFSIGNALED(status)) return 128 + WTERMSIG(status);
    return 1;
}

} // namespace workflow
