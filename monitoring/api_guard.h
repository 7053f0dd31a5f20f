// File: monitoring/api_guard.h
//
// Access rules for the /api routes, as a wrapper around a route handler: when the server is
// bound to a non-loopback address, requests must carry "Authorization: Bearer <api_token>"
// (else 401); each client address may make at most requests_per_second requests per second,
// with bursts of the same size (else 429 with Retry-After). Also converts ServerOptions into
// net::HttpServerOptions. Thread-safe (internal mutex). The guard's state is owned by the
// returned handler; `clock` must outlive it.
#pragma once

#include "core/clock.h"
#include "monitoring/options.h"
#include "net/http_server.h"

namespace babelwatch::monitoring {

// True for 127.0.0.0/8, ::1 and "localhost".
[[nodiscard]] bool IsLoopbackAddress(std::string_view address);

// `inner` behind the token check (only when options.address is not loopback) and the
// per-client rate limit. The rate table holds at most 10,000 client addresses; when it is
// full it is cleared (clients get a fresh burst) and a warning is logged.
[[nodiscard]] net::RouteHandler GuardApi(const ServerOptions& options, const Clock& clock,
                                         net::RouteHandler inner);

// The HTTP server options for `options` (address, port, request size cap).
[[nodiscard]] net::HttpServerOptions ToHttpServerOptions(const ServerOptions& options);

}  // namespace babelwatch::monitoring
