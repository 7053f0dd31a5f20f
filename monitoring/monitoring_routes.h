// File: monitoring/monitoring_routes.h
//
// Registers the operational endpoints on a net::HttpServer:
//   GET /metrics  Prometheus text format 0.0.4 of `registry` plus the process_* metrics;
//   GET /healthz  200 "ok" while the event loop answers at all (liveness);
//   GET /readyz   200 "ready" when `health` is ready, else 503 with the reasons.
// Call before HttpServer::Start(). `registry` and `health` must outlive the server. The
// handlers run on the server's strand; registry collection is thread-safe.
#pragma once

namespace prometheus {
class Registry;
}  // namespace prometheus

namespace babelwatch::net {
class HttpServer;
}  // namespace babelwatch::net

namespace babelwatch::monitoring {

class HealthState;

void AddMonitoringRoutes(net::HttpServer& server, const prometheus::Registry& registry,
                         const HealthState& health);

}  // namespace babelwatch::monitoring
