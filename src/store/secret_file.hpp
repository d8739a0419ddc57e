// Secrets (challenge passwords, account passwords, passphrases, keytabs) come from files, never
// from argv. Every secret file gets the same check when it is read, whether the configuration or
// the command line named it: a warning when its mode lets group or others at it.
#pragma once

#include <optional>
#include <string>
#include <string_view>

#include "util/events.hpp"
#include "util/result.hpp"
#include "util/secret.hpp"

namespace store {

// The warning for the secret file open on `fd` (checked with fstat on that descriptor, so the file
// checked is the file read) when it is a regular file whose mode gives group or others any
// permission; nullopt otherwise (pipes such as --challenge-file <(pass show ndes) have no such
// mode). `what` names where the path came from ("--keytab", "[kerberos] keytab").
std::optional<std::string> secret_permission_warning(int fd, const std::string& path, std::string_view what);

// The file's content without trailing line breaks (at most 64 KiB), read into wiped memory; an
// empty file is an error. `what` names the option in messages ("--challenge-file"). The content
// never appears in any message. Warns through `events` as secret_permission_warning says.
util::Result<util::Secret> read_secret_file(const std::string& path, std::string_view what, util::EventSink& events);

// A keytab is read by the Kerberos library; this opens it first for the same check ("FILE:PATH"
// and plain paths; other keytab types are not files). A keytab that cannot be opened is left to
// the Kerberos library, which names the problem.
void check_keytab_permissions(const std::string& keytab, std::string_view what, util::EventSink& events);

} // namespace store
