// Where the layers above get their HTTP transports: the command line hands them a factory of real
// ones (libcurl), tests a factory of replaying fakes.
#pragma once

#include <memory>

#include "scep/transport.hpp"
#include "transport/options.hpp"

namespace transport {

class TransportFactory {
  public:
    virtual ~TransportFactory() = default;
    // A transport for one run's requests to one server (it may keep the connection open).
    virtual std::unique_ptr<scep::HttpTransport> open(const TransportOptions& options) = 0;
};

} // namespace transport
