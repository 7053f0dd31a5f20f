// File: monitoring/route_metrics.h
//
// InstrumentRoute wraps a net::RouteHandler so each request is counted by route and status
// code class and timed: babelwatch_http_requests_total{route,code} and
// babelwatch_http_request_duration_seconds{route}. `route` is a fixed name chosen by the
// caller ("/api/feeds"), never the request path, so label cardinality stays bounded.
// Thread-safe (prometheus-cpp metrics are). `registry` must outlive the returned handler.
#pragma once

#include <string>

#include "net/http_server.h"

namespace prometheus {
class Registry;
}  // namespace prometheus

namespace babelwatch::monitoring {

[[nodiscard]] net::RouteHandler InstrumentRoute(prometheus::Registry& registry, std::string route,
                                                net::RouteHandler inner);

}  // namespace babelwatch::monitoring
