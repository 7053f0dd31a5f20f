// File: monitoring/options.h
//
// Options of the HTTP server that serves /metrics, health, the API and the status page.
#pragma once

#include <cstdint>
#include <string>

namespace babelwatch::monitoring {

struct ServerOptions {
  std::string address = "127.0.0.1";
  uint16_t port = 9797;   // 0 = any free port (tests)
  std::string api_token;  // required as a bearer token when address is not loopback
  int64_t max_request_bytes = 64 * 1024;
  int requests_per_second = 50;  // per client address, for /api

  bool operator==(const ServerOptions&) const = default;
};

}  // namespace babelwatch::monitoring
