#include "monitoring/monitoring_routes.h"

#include <prometheus/registry.h>
#include <prometheus/text_serializer.h>

#include <iterator>
#include <memory>

#include "monitoring/health.h"
#include "monitoring/process_collector.h"
#include "net/http_server.h"

namespace babelwatch::monitoring {

void AddMonitoringRoutes(net::HttpServer& server, const prometheus::Registry& registry,
                         const HealthState& health) {
  auto process = std::make_shared<ProcessCollector>();
  server.Handle("GET", "/metrics", [&registry, process](const net::HttpServerRequest&) {
    auto families = registry.Collect();
    auto process_families = process->Collect();
    families.insert(families.end(), std::make_move_iterator(process_families.begin()),
                    std::make_move_iterator(process_families.end()));
    net::HttpServerResponse response;
    response.content_type = "text/plain; version=0.0.4; charset=utf-8";
    response.body = prometheus::TextSerializer().Serialize(families);
    return response;
  });
  server.Handle("GET", "/healthz", [](const net::HttpServerRequest&) {
    net::HttpServerResponse response;
    response.body = "ok\n";
    return response;
  });
  server.Handle("GET", "/readyz", [&health](const net::HttpServerRequest&) {
    net::HttpServerResponse response;
    std::string reasons = health.NotReadyReasons();
    if (reasons.empty()) {
      response.body = "ready\n";
    } else {
      response.status = 503;
      response.body = std::move(reasons);
    }
    return response;
  });
}

}  // namespace babelwatch::monitoring
