// Where everything the user sees goes: results to stdout, diagnostics to stderr.
#pragma once

#include <string>
#include <string_view>

#include "cli/json.hpp"
#include "util/result.hpp"

namespace cli {

// Every JSON object scepctl prints starts with "schema_version": k_json_schema_version. Within a
// version, members are only ever added, never removed or changed in meaning (see scepctl(1)).
constexpr int k_json_schema_version = 1;

struct OutputOptions {
    bool json = false;    // results as one JSON object on stdout
    bool quiet = false;   // no notes or warnings on stderr; errors still shown
    bool verbose = false; // HTTP trace and error details on stderr
    // stderr is a terminal (and TERM is not "dumb"): waits are shown as one line that updates in
    // place. Otherwise (pipes, files, CI logs) only the plain lines are written.
    bool terminal = false;
    // Standard output carries a file (--out -): the result lines go to stderr instead.
    bool results_to_stderr = false;
};

// `text` as it may reach a terminal: C0 controls (the line break too), DEL, C1 controls
// (U+0080-U+009F) and bytes that are not UTF-8 become "\x1b"-style escapes, so that server text
// (a header, a page title, an error that quotes the server) can carry no escape sequence.
std::string terminal_safe(std::string_view text);

class Output {
  public:
    explicit Output(OutputOptions options = {}) : m_options(options) {}
    Output(const Output&) = delete;
    Output& operator=(const Output&) = delete;
    const OutputOptions& options() const { return m_options; }
    void set_options(OutputOptions options) { m_options = options; }
    ~Output() { clear_status(); }

    // Every writer prints its text through terminal_safe(): one line each, nothing a terminal acts on.
    void line(const std::string& text) const;    // a result line on stdout (text mode only)
    void json(const Json& value) const;          // the result object on stdout (JSON mode only)
    void note(const std::string& text) const;    // stderr, unless --quiet
    void warning(const std::string& text) const; // stderr, unless --quiet
    void trace(const std::string& text) const;   // stderr, only with --verbose
    // A transient line on a terminal ("waiting for the CA: next poll in 7 s"), rewritten in place
    // and erased before anything else is printed; nothing without a terminal or with --quiet.
    void status(const std::string& text) const;
    void clear_status() const;
    bool shows_status() const { return m_options.terminal && !m_options.quiet; }
    // One line on stderr; with --json also {"error": {...}} on stdout, inside `result` when the
    // command got that far (renew: the renewal is done, its deploy hook failed).
    void error(const util::Error& error, int exit_code, const Json* result = nullptr) const;

  private:
    OutputOptions m_options;
    mutable bool m_json_written = false; // one JSON object per run: an error after a result adds none
    mutable bool m_status_shown = false;
    mutable std::string m_status_text; // what the status line shows: unchanged text is not redrawn
};

} // namespace cli
