#include "store/renew_state.hpp"

#include <charconv>

#include "store/atomic_file.hpp"

namespace store {

namespace fs = std::filesystem;

namespace {

template <class Int> std::optional<Int> number(std::string_view text) {
    Int value{};
    const auto [end, error] = std::from_chars(text.data(), text.data() + text.size(), value);
    if (error != std::errc() || end != text.data() + text.size() || text.empty()) return std::nullopt;
    return value;
}

bool known_outcome(std::string_view outcome) {
    return outcome == "renewed" || outcome == "not_due" || outcome == "failed";
}

} // namespace

fs::path renew_state_path(const fs::path& cert) {
    return fs::path(cert.string() + ".scepctl-state");
}

std::string format_renew_state(const RenewState& state) {
    std::string text = "# scepctl renew: the last run (scepctl status reads it)\n";
    text += "time=" + std::to_string(state.time) + "\n";
    text += "outcome=" + state.outcome + "\n";
    text += "exit_code=" + std::to_string(state.exit_code) + "\n";
    if (state.last_success) text += "last_success=" + std::to_string(*state.last_success) + "\n";
    return text;
}

std::optional<RenewState> parse_renew_state(std::string_view text) {
    RenewState state;
    bool time = false, outcome = false, code = false;
    while (!text.empty()) {
        const std::size_t end = text.find('\n');
        const std::string_view line = text.substr(0, end);
        text = end == std::string_view::npos ? std::string_view() : text.substr(end + 1);
        if (line.empty() || line.front() == '#') continue;
        const std::size_t eq = line.find('=');
        if (eq == std::string_view::npos) return std::nullopt;
        const std::string_view name = line.substr(0, eq), value = line.substr(eq + 1);
        if (name == "time") {
            const auto parsed = number<std::int64_t>(value);
            if (!parsed) return std::nullopt;
            state.time = *parsed;
            time = true;
        } else if (name == "outcome") {
            if (!known_outcome(value)) return std::nullopt;
            state.outcome = std::string(value);
            outcome = true;
        } else if (name == "exit_code") {
            const auto parsed = number<int>(value);
            if (!parsed) return std::nullopt;
            state.exit_code = *parsed;
            code = true;
        } else if (name == "last_success") {
            state.last_success = number<std::int64_t>(value);
            if (!state.last_success) return std::nullopt;
        } // other names: a later version's, ignored
    }
    if (!time || !outcome || !code) return std::nullopt;
    return state;
}

util::Result<std::optional<RenewState>> read_renew_state(const fs::path& cert) {
    const fs::path path = renew_state_path(cert);
    SCEP_TRY(DirEntry entry, DirEntry::open(path));
    SCEP_TRY(std::optional<OpenFile> file, open_regular(entry.dir.get(), entry.name, path));
    if (!file) return std::optional<RenewState>();
    SCEP_TRY(const util::Bytes data, read_all(file->fd.get(), path, 64 * 1024));
    const std::optional<RenewState> state = parse_renew_state(util::as_chars(data));
    if (!state) {
        return util::Error(util::ErrorCode::file, path.string() + " is not a scepctl renew record")
            .with_fix("remove it: the next renew writes it anew");
    }
    return state;
}

util::Result<void> record_renew_run(const fs::path& cert, std::int64_t now, int exit_code, std::string outcome) {
    std::error_code ignored;
    if (!fs::is_regular_file(fs::symlink_status(cert, ignored))) return {}; // a mistyped --cert leaves no record
    RenewState state{now, std::move(outcome), exit_code, std::nullopt};
    if (exit_code == 0) {
        state.last_success = now;
    } else if (auto previous = read_renew_state(cert); previous && *previous) {
        state.last_success = (*previous)->last_success;
    }
    const std::string text = format_renew_state(state);
    // A report, rewritten by every run: after a crash the previous record (complete) is as good an
    // answer as this one, so its directory is not flushed (one fsync, not two: a daily timer's
    // run that is not due writes nothing else).
    return write_file_atomic(renew_state_path(cert), util::as_bytes(text), 0644, Overwrite::replace,
                             Durability::contents);
}

} // namespace store
