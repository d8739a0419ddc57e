#include "ossl/errors.hpp"

#include <openssl/err.h>

namespace ossl {

util::Error drain_into(util::Error error) {
    unsigned long code = 0;
    char buf[256];
    while ((code = ERR_get_error()) != 0) {
        ERR_error_string_n(code, buf, sizeof buf);
        error.details.emplace_back(buf);
    }
    return error;
}

util::Error error(util::ErrorCode code, std::string message) {
    return drain_into(util::Error(code, std::move(message)));
}

void clear_errors() {
    ERR_clear_error();
}

} // namespace ossl
