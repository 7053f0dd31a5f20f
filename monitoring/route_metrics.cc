#include "monitoring/route_metrics.h"

#include <prometheus/counter.h>
#include <prometheus/family.h>
#include <prometheus/histogram.h>
#include <prometheus/registry.h>

#include <chrono>

namespace babelwatch::monitoring {

net::RouteHandler InstrumentRoute(prometheus::Registry& registry, std::string route,
                                  net::RouteHandler inner) {
  auto& requests = prometheus::BuildCounter()
                       .Name("babelwatch_http_requests_total")
                       .Help("HTTP requests served, by route and status code class.")
                       .Register(registry);
  auto& duration = prometheus::BuildHistogram()
                       .Name("babelwatch_http_request_duration_seconds")
                       .Help("Time to produce an HTTP response, by route.")
                       .Register(registry)
                       .Add({{"route", route}}, prometheus::Histogram::BucketBoundaries{
                                                    0.001, 0.005, 0.025, 0.1, 0.5, 2.5});
  return [&requests, &duration, route = std::move(route),
          inner = std::move(inner)](const net::HttpServerRequest& request) {
    const auto start = std::chrono::steady_clock::now();
    net::HttpServerResponse response = inner(request);
    duration.Observe(
        std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count());
    const std::string code = std::to_string(response.status / 100) + "xx";
    requests.Add({{"route", route}, {"code", code}}).Increment();
    return response;
  };
}

}  // namespace babelwatch::monitoring
