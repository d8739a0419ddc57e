// How the layers below the command line tell the user what happens while they work: notes,
// warnings, a transient status line, and the --verbose trace. Only cli prints; it implements this
// with its Output. Workflows and checks report results in their return values, not here.
#pragma once

#include <string>

namespace util {

class EventSink {
  public:
    virtual ~EventSink() = default;
    virtual void note(const std::string& text) = 0;
    virtual void warning(const std::string& text) = 0;
    // A line that is rewritten in place on a terminal ("next poll in 7 s") and erased after.
    virtual void status(const std::string&) {}
    virtual void clear_status() {}
    // Whether status lines are shown at all (a terminal): waits then count down in seconds.
    virtual bool shows_status() const { return false; }
};

// Drops everything (tests, and the parts of a run that must stay quiet).
class NullSink final : public EventSink {
  public:
    void note(const std::string&) override {}
    void warning(const std::string&) override {}
};

} // namespace util
