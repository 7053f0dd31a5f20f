#include <prometheus/counter.h>
#include <prometheus/registry.h>
#include <unistd.h>

#include <boost/asio/io_context.hpp>
#include <catch2/catch.hpp>
#include <chrono>
#include <ctime>
#include <optional>

#include "monitoring/api_guard.h"
#include "monitoring/health.h"
#include "monitoring/metrics_registry.h"
#include "monitoring/monitoring_routes.h"
#include "monitoring/process_collector.h"
#include "monitoring/route_metrics.h"
#include "net/curl_http_client.h"
#include "net/http_server.h"

namespace babelwatch::monitoring {
namespace {

using namespace std::chrono_literals;

Result<net::HttpResponse> Get(boost::asio::io_context& ioc, uint16_t port,
                              const std::string& path) {
  std::optional<Result<net::HttpResponse>> out;
  {
    net::CurlHttpClient client(ioc, {});
    net::HttpRequest request;
    request.url = "http://127.0.0.1:" + std::to_string(port) + path;
    client.Fetch(request, [&](Result<net::HttpResponse> r) { out = std::move(r); });
    auto deadline = std::chrono::steady_clock::now() + 10s;
    while (!out && std::chrono::steady_clock::now() < deadline) ioc.run_one_for(1s);
  }
  REQUIRE(out.has_value());
  return std::move(*out);
}

double ValueOf(const std::vector<prometheus::MetricFamily>& families, const std::string& name) {
  for (const auto& f : families) {
    if (f.name == name) {
      REQUIRE(f.metric.size() == 1);
      return f.type == prometheus::MetricType::Counter ? f.metric[0].counter.value
                                                       : f.metric[0].gauge.value;
    }
  }
  FAIL("metric " << name << " missing");
  return 0;
}

}  // namespace

TEST_CASE("MetricsRegistry: one instance for the whole process", "[monitoring]") {
  CHECK(&MetricsRegistry() == &MetricsRegistry());
}

TEST_CASE("ParseProcStat: command names with spaces and parentheses", "[monitoring]") {
  // Fields 14/15 utime/stime = 250/150 ticks, 22 starttime = 1000, 23 vsize, 24 rss pages.
  std::string stat =
      "1234 (a (weird) name) S 1 1234 1234 0 -1 4194560 100 0 0 0 250 150 0 0 20 0 1 0 1000 "
      "8192000 300 18446744073709551615 1 1 0 0 0 0 0 0 0 0 0 0 17 0 0 0 0 0 0\n";
  auto parsed = ParseProcStat(stat, 1'700'000'000, 100, 4096);
  REQUIRE(parsed.has_value());
  CHECK(parsed->cpu_seconds == Approx(4.0));
  CHECK(parsed->start_time_seconds == Approx(1'700'000'010.0));
  CHECK(parsed->virtual_bytes == 8192000);
  CHECK(parsed->resident_bytes == 300 * 4096);
}

TEST_CASE("ParseProcStat: truncated or garbled text is kInvalidArgument", "[monitoring]") {
  CHECK(ParseProcStat("", 0, 100, 4096).has_error());
  CHECK(ParseProcStat("1 (x) S 1 2 3", 0, 100, 4096).has_error());
  std::string garbled = "1 (x) S 1 1 1 0 -1 0 0 0 0 0 abc 150 0 0 20 0 1 0 1000 8192000 300 0 0\n";
  auto r = ParseProcStat(garbled, 0, 100, 4096);
  REQUIRE(r.has_error());
  CHECK(r.error().code == Code::kInvalidArgument);
  CHECK(ParseBootTime("cpu 1 2 3\nbtime 1700000000\n").value() == 1'700'000'000);
  CHECK(ParseBootTime("cpu 1 2 3\n").has_error());
}

TEST_CASE("ProcessCollector: reports this process from /proc", "[monitoring]") {
  auto families = ProcessCollector().Collect();
  CHECK(ValueOf(families, "process_open_fds") >= 3);
  CHECK(ValueOf(families, "process_resident_memory_bytes") > 0);
  CHECK(ValueOf(families, "process_max_fds") > 0);
  CHECK(ValueOf(families, "process_cpu_seconds_total") >= 0);
  double start = ValueOf(families, "process_start_time_seconds");
  double now = static_cast<double>(std::time(nullptr));
  CHECK(start <= now + 1);
  CHECK(start > now - 24 * 3600);  // this test process started less than a day ago
}

TEST_CASE("AddMonitoringRoutes: /metrics, /healthz and /readyz", "[monitoring]") {
  prometheus::Registry registry;
  auto& family = prometheus::BuildCounter()
                     .Name("babelwatch_test_things_total")
                     .Help("Things counted by the test.")
                     .Register(registry);
  family.Add({{"kind", "a"}}).Increment(3);
  HealthState health;
  boost::asio::io_context ioc;
  net::HttpServer server(ioc, {});
  AddMonitoringRoutes(server, registry, health);
  auto port = server.Start();
  REQUIRE(port.has_value());

  auto metrics = Get(ioc, *port, "/metrics");
  REQUIRE(metrics.has_value());
  CHECK(metrics->status == 200);
  CHECK(metrics->Header("content-type").find("version=0.0.4") != std::string::npos);
  CHECK(metrics->body.find("babelwatch_test_things_total{kind=\"a\"} 3") != std::string::npos);
  CHECK(metrics->body.find("# TYPE process_cpu_seconds_total counter") != std::string::npos);
  CHECK(metrics->body.find("process_open_fds ") != std::string::npos);

  auto healthz = Get(ioc, *port, "/healthz");
  REQUIRE(healthz.has_value());
  CHECK(healthz->status == 200);

  auto not_ready = Get(ioc, *port, "/readyz");
  REQUIRE(not_ready.has_value());
  CHECK(not_ready->status == 503);

  health.SetReady(true);
  auto ready = Get(ioc, *port, "/readyz");
  REQUIRE(ready.has_value());
  CHECK(ready->status == 200);

  health.SetDegraded("store", "disk full");
  auto degraded = Get(ioc, *port, "/readyz");
  REQUIRE(degraded.has_value());
  CHECK(degraded->status == 503);
  CHECK(degraded->body.find("store: disk full") != std::string::npos);
  health.SetDegraded("store", "");
  CHECK(health.ready());
}

}  // namespace babelwatch::monitoring

namespace babelwatch::monitoring {
namespace {

net::HttpServerRequest From(const std::string& address, const std::string& auth = "") {
  net::HttpServerRequest request;
  request.method = "GET";
  request.path = "/api/feeds";
  request.remote_address = address;
  if (!auth.empty()) request.headers.emplace_back("authorization", auth);
  return request;
}

net::RouteHandler Ok() {
  return [](const net::HttpServerRequest&) {
    net::HttpServerResponse response;
    response.body = "ok";
    return response;
  };
}

}  // namespace

TEST_CASE("GuardApi: a bearer token is required off loopback", "[monitoring][api]") {
  ManualClock clock;
  ServerOptions options;
  options.address = "0.0.0.0";
  options.api_token = "s3cret";
  auto guarded = GuardApi(options, clock, Ok());
  CHECK(guarded(From("10.0.0.1")).status == 401);
  CHECK(guarded(From("10.0.0.1", "Bearer wrong")).status == 401);
  CHECK(guarded(From("10.0.0.1", "Bearer s3cret0")).status == 401);
  CHECK(guarded(From("10.0.0.1", "Bearer s3cret")).status == 200);

  SECTION("an empty configured token never matches") {
    options.api_token = "";
    auto no_token = GuardApi(options, clock, Ok());
    CHECK(no_token(From("10.0.0.1", "Bearer ")).status == 401);
  }
  SECTION("no token needed on loopback") {
    options.address = "127.0.0.1";
    auto local = GuardApi(options, clock, Ok());
    CHECK(local(From("127.0.0.1")).status == 200);
  }
}

TEST_CASE("GuardApi: requests per second per client address", "[monitoring][api]") {
  ManualClock clock;
  ServerOptions options;
  options.requests_per_second = 3;
  auto guarded = GuardApi(options, clock, Ok());
  for (int i = 0; i < 3; ++i) CHECK(guarded(From("127.0.0.1")).status == 200);
  auto limited = guarded(From("127.0.0.1"));
  CHECK(limited.status == 429);
  CHECK(limited.headers.at(0).first == "Retry-After");
  CHECK(guarded(From("127.0.0.2")).status == 200);  // another client has its own budget
  clock.Advance(std::chrono::milliseconds(340));    // one token back
  CHECK(guarded(From("127.0.0.1")).status == 200);
  CHECK(guarded(From("127.0.0.1")).status == 429);
  clock.Advance(std::chrono::seconds(10));  // refills to the burst size, no more
  for (int i = 0; i < 3; ++i) CHECK(guarded(From("127.0.0.1")).status == 200);
  CHECK(guarded(From("127.0.0.1")).status == 429);
}

TEST_CASE("IsLoopbackAddress and ToHttpServerOptions", "[monitoring][api]") {
  CHECK(IsLoopbackAddress("127.0.0.1"));
  CHECK(IsLoopbackAddress("::1"));
  CHECK(IsLoopbackAddress("localhost"));
  CHECK_FALSE(IsLoopbackAddress("0.0.0.0"));
  CHECK_FALSE(IsLoopbackAddress("::"));
  ServerOptions options;
  options.address = "0.0.0.0";
  options.port = 1234;
  options.max_request_bytes = 99;
  auto http = ToHttpServerOptions(options);
  CHECK(http.address == "0.0.0.0");
  CHECK(http.port == 1234);
  CHECK(http.max_request_bytes == 99);
}

}  // namespace babelwatch::monitoring

namespace babelwatch::monitoring {

TEST_CASE("InstrumentRoute: counts by route and code class and times the handler", "[monitoring]") {
  prometheus::Registry registry;
  int status = 200;
  auto handler = InstrumentRoute(registry, "/api/feeds", [&](const net::HttpServerRequest&) {
    net::HttpServerResponse response;
    response.status = status;
    return response;
  });
  net::HttpServerRequest request;
  request.path = "/api/feeds";
  CHECK(handler(request).status == 200);
  CHECK(handler(request).status == 200);
  status = 503;
  CHECK(handler(request).status == 503);
  double ok = 0, unavailable = 0;
  uint64_t observed = 0;
  for (const auto& family : registry.Collect()) {
    for (const auto& metric : family.metric) {
      if (family.name == "babelwatch_http_requests_total") {
        for (const auto& label : metric.label) {
          if (label.name == "code" && label.value == "2xx") ok = metric.counter.value;
          if (label.name == "code" && label.value == "5xx") unavailable = metric.counter.value;
        }
      }
      if (family.name == "babelwatch_http_request_duration_seconds") {
        observed = metric.histogram.sample_count;
      }
    }
  }
  CHECK(ok == 2);
  CHECK(unavailable == 1);
  CHECK(observed == 3);
}

}  // namespace babelwatch::monitoring
