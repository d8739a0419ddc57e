// Secrets (challenge passwords, account passwords, passphrases) come from files, never from argv.
#pragma once

#include <string>

#include "scep/result.hpp"

namespace cli {

// The file's content without trailing line breaks; an empty file is an error. `what` names the
// option in messages ("--challenge-file"). The content never appears in any message.
scep::Result<std::string> read_secret_file(const std::string& path, const char* what);

} // namespace cli
