// feed_poll_bench: CPU and memory of polling N feeds with FeedScheduler + CurlHttpClient
// against a loopback feed server in the same process (issue 3: 5,000 feeds at a 60 s
// interval). Prints figures; asserts nothing.
//
//   feed_poll_bench [feeds=5000] [interval_s=60] [duration_s=120] [mode=conditional|cold]
//
// conditional: the server sends an ETag and answers revalidations with 304 (steady state).
// cold: no validators, every poll is a full 200 with a parse (first start, or hostile feeds).
// The poller runs on the main thread; its CPU is measured with RUSAGE_THREAD so the server's
// threads are not counted. Resident memory is the whole process (server included).
#include <prometheus/registry.h>
#include <sys/resource.h>

#include <boost/asio/io_context.hpp>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <fstream>
#include <string>

#include "core/clock.h"
#include "feeds/feed_scheduler.h"
#include "net/curl_http_client.h"
#include "tests/support/loopback_http_server.h"

namespace {

using namespace babelwatch;
using namespace std::chrono_literals;

double ThreadCpuSeconds() {
  rusage usage{};
  getrusage(RUSAGE_THREAD, &usage);
  return static_cast<double>(usage.ru_utime.tv_sec + usage.ru_stime.tv_sec) +
         static_cast<double>(usage.ru_utime.tv_usec + usage.ru_stime.tv_usec) / 1e6;
}

long StatusKb(const char* field) {
  std::ifstream in("/proc/self/status");
  std::string line;
  while (std::getline(in, line)) {
    if (line.rfind(field, 0) == 0) return std::atol(line.c_str() + std::strlen(field));
  }
  return -1;
}

std::string Rss(int feed, int items) {
  std::string out = "<?xml version=\"1.0\"?><rss version=\"2.0\"><channel><title>Feed " +
                    std::to_string(feed) + "</title><link>http://example.com/</link>";
  for (int i = 0; i < items; ++i) {
    out += "<item><title>Story " + std::to_string(i) + " of feed " + std::to_string(feed) +
           "</title><link>http://example.com/" + std::to_string(feed) + "/" + std::to_string(i) +
           "</link><guid>g" + std::to_string(feed) + "-" + std::to_string(i) +
           "</guid><pubDate>Mon, 23 Nov 2026 " + std::to_string(10 + i % 10) +
           ":00:00 GMT</pubDate><description>Some text about the story, long enough to look "
           "like a real summary of a news article.</description></item>";
  }
  return out + "</channel></rss>";
}

}  // namespace

int main(int argc, char** argv) {
  const int feeds = argc > 1 ? std::atoi(argv[1]) : 5000;
  const int interval_s = argc > 2 ? std::atoi(argv[2]) : 60;
  const int duration_s = argc > 3 ? std::atoi(argv[3]) : 120;
  const bool cold = argc > 4 && std::string(argv[4]) == "cold";

  testing::LoopbackHttpServer server;
  for (int i = 0; i < feeds; ++i) {
    const std::string body = Rss(i, 10);
    const std::string etag = "\"v" + std::to_string(i) + "\"";
    server.SetResponder("/f" + std::to_string(i),
                        [body, etag, cold](const testing::RecordedRequest& r) {
                          if (!cold && r.Header("if-none-match") == etag)
                            return testing::Respond(304);
                          net::Headers headers = {{"Content-Type", "application/rss+xml"}};
                          if (!cold) headers.emplace_back("ETag", etag);
                          return testing::Respond(200, body, headers);
                        });
  }

  boost::asio::io_context ioc;
  RealClock clock;
  prometheus::Registry registry;
  net::CurlHttpClientOptions client_options;
  client_options.max_connections = 32;
  client_options.max_connections_per_host = 32;
  net::CurlHttpClient client(ioc, client_options);
  feeds::SchedulerOptions options;
  options.min_interval = std::chrono::seconds(interval_s);
  options.max_interval = std::chrono::seconds(interval_s);
  options.default_interval = std::chrono::seconds(interval_s);
  options.initial_spread = std::chrono::seconds(interval_s);
  options.per_host_concurrency = 16;  // every feed is on one loopback host here
  options.per_host_spacing = 0ms;
  long items = 0;
  long fetches = 0;
  feeds::FeedScheduler scheduler(
      ioc, client, clock, registry, options,
      [&](const std::string&, std::vector<Item> batch) {
        items += static_cast<long>(batch.size());
      },
      [&](const feeds::FeedState&) { ++fetches; });
  std::vector<feeds::FeedSpec> specs;
  for (int i = 0; i < feeds; ++i) {
    feeds::FeedSpec spec;
    spec.id = "f" + std::to_string(i);
    spec.url = server.Url("/f" + std::to_string(i));
    specs.push_back(spec);
  }
  const long rss_before_kb = StatusKb("VmRSS:");
  const double cpu_before = ThreadCpuSeconds();
  const auto start = std::chrono::steady_clock::now();
  scheduler.SetFeeds(std::move(specs));
  ioc.run_for(std::chrono::seconds(duration_s));
  const double wall =
      std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
  const double cpu = ThreadCpuSeconds() - cpu_before;
  long failing = 0;
  for (const auto& s : scheduler.States()) failing += s.consecutive_errors > 0 ? 1 : 0;
  std::printf("feeds=%d interval=%ds duration=%.0fs mode=%s\n", feeds, interval_s, wall,
              cold ? "cold" : "conditional");
  std::printf("fetches=%ld (%.1f/s) items=%ld feeds_with_errors=%ld requests_seen=%zu\n", fetches,
              static_cast<double>(fetches) / wall, items, failing, server.AllRequests().size());
  std::printf("poller CPU: %.2f s = %.2f%% of one core, %.0f us per fetch\n", cpu,
              100.0 * cpu / wall, fetches > 0 ? 1e6 * cpu / static_cast<double>(fetches) : 0.0);
  std::printf("process RSS: %ld kB before polling, %ld kB after, peak %ld kB\n", rss_before_kb,
              StatusKb("VmRSS:"), StatusKb("VmHWM:"));
  scheduler.Stop();
  return 0;
}
