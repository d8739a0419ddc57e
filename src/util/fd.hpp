// RAII for the POSIX handles scepctl opens: a file descriptor, and a getaddrinfo() list.
#pragma once

#include <memory>

#include <netdb.h>

namespace util {

// An open file descriptor, closed when the object goes.
class UniqueFd {
  public:
    explicit UniqueFd(int fd = -1) : m_fd(fd) {}
    UniqueFd(UniqueFd&& other) noexcept : m_fd(other.m_fd) { other.m_fd = -1; }
    UniqueFd& operator=(UniqueFd&& other) noexcept;
    UniqueFd(const UniqueFd&) = delete;
    UniqueFd& operator=(const UniqueFd&) = delete;
    ~UniqueFd() { reset(); }
    int get() const { return m_fd; }
    explicit operator bool() const { return m_fd >= 0; }
    int reset(); // close()'s result

  private:
    int m_fd;
};

struct AddrInfoDeleter {
    void operator()(addrinfo* list) const noexcept { ::freeaddrinfo(list); }
};
// What getaddrinfo() returned, freed when the object goes.
using AddrInfo = std::unique_ptr<addrinfo, AddrInfoDeleter>;

} // namespace util
