// babelwatchd as a real process against loopback servers: seed feeds in, a webhook alert out.
#include <signal.h>

#include <boost/json.hpp>
#include <catch2/catch.hpp>
#include <functional>
#include <set>
#include <thread>

#include "tests/integration/daemon_process.h"
#include "tests/support/loopback_http_server.h"

namespace babelwatch::testing {
namespace {

using namespace std::chrono_literals;

const char* const kFeeds[][2] = {
    {"reuters", "reuters.xml"},           {"ukrinform", "ukrinform.xml"},
    {"bizmedia", "bizmedia.atom"},        {"thedeepdive", "thedeepdive.json"},
    {"kyivindependent", "kyivindependent.atom"},
};

// Serves the demo feeds (made from the seed articles) at /<file>, published in the seeds'
// order (the clusterer's result may depend on arrival order; see docs/QUALITY.md).
void ServeSeedFeeds(LoopbackHttpServer& server) {
  std::vector<std::pair<std::string, std::string>> feeds;
  for (const auto& f : kFeeds) {
    const std::string body = ReadFile(std::string(EXAMPLES_DIR) + "/feeds/" + f[1]);
    REQUIRE_FALSE(body.empty());
    feeds.emplace_back("/" + std::string(f[1]), body);
  }
  ServeInOrder(server, feeds);
}

std::string FeedsToml(const LoopbackHttpServer& server, size_t count) {
  std::string toml;
  for (size_t i = 0; i < count; ++i) {
    toml += "[[feeds]]\nid = \"" + std::string(kFeeds[i][0]) + "\"\nurl = \"" +
            server.Url("/" + std::string(kFeeds[i][1])) + "\"\n";
  }
  return toml;
}

std::string BaseToml(const TempDir& dir) {
  return "[server]\nlisten = \"127.0.0.1:0\"\n[store]\nstate_dir = \"" + dir.path() +
         "/state\"\n[fetch]\ninterval = \"2s\"\nmin_interval = \"1s\"\nper_host_spacing = "
         "\"0ms\"\nper_host_concurrency = 8\n";
}

TEST_CASE("babelwatchd: seed feeds on a loopback server raise one en/ru/uk alert on a webhook",
          "[integration]") {
  TempDir dir;
  LoopbackHttpServer feeds;
  ServeSeedFeeds(feeds);
  LoopbackHttpServer hook;
  hook.Set("/hook", Respond(200, "ok"));
  const std::string config = dir.path() + "/babelwatch.toml";
  WriteFile(config, BaseToml(dir) + FeedsToml(feeds, 5) +
                        "[alert]\nupdate_cooldown = \"0s\"\n[[sinks]]\nname = \"hook\"\n"
                        "type = \"webhook\"\nsecret = \"s3cret\"\nurl = \"" +
                        hook.Url("/hook") + "\"\n");
  DaemonProcess daemon(BABELWATCHD_PATH, {"--config", config}, dir.path() + "/log");
  auto port = daemon.ListeningPort(30s);
  REQUIRE(port.has_value());
  INFO(daemon.Log());

  // Wait until the webhook has an alert naming all three languages.
  bool all_three = false;
  std::set<std::string> keys;
  const auto deadline = std::chrono::steady_clock::now() + 90s;
  while (!all_three && std::chrono::steady_clock::now() < deadline) {
    for (const RecordedRequest& r : hook.Requests("/hook")) {
      CHECK(r.method == "POST");
      CHECK_FALSE(r.Header("x-babelwatch-signature").empty());
      CHECK_FALSE(r.Header("idempotency-key").empty());
      keys.insert(r.Header("idempotency-key"));
      const std::string& b = r.body;
      all_three = all_three || (b.find("\"en\"") != std::string::npos &&
                                b.find("\"ru\"") != std::string::npos &&
                                b.find("\"uk\"") != std::string::npos);
    }
    std::this_thread::sleep_for(200ms);
  }
  REQUIRE(all_three);
  // Every feed polled at least twice: the second poll finds nothing new, so no further
  // alert, and no key is delivered twice.
  auto polled_twice = [&] {
    for (const auto& f : kFeeds) {
      if (feeds.Count("/" + std::string(f[1])) < 2) return false;
    }
    return true;
  };
  const auto poll_deadline = std::chrono::steady_clock::now() + 60s;
  while (!polled_twice() && std::chrono::steady_clock::now() < poll_deadline) {
    std::this_thread::sleep_for(200ms);
  }
  REQUIRE(polled_twice());
  std::this_thread::sleep_for(2s);  // let a (wrong) extra alert reach the hook
  const auto requests = hook.Requests("/hook");
  std::set<std::string> distinct;
  for (const auto& r : requests) distinct.insert(r.Header("idempotency-key"));
  CHECK(distinct.size() == requests.size());
  CHECK(requests.size() <= 2);  // a spread alert and at most one update

  // The story API shows the cross-language story, and /metrics counts what happened.
  SimpleResponse stories = HttpGet(*port, "/api/stories?min_languages=3");
  REQUIRE(stories.status == 200);
  boost::json::value v = boost::json::parse(stories.body);
  REQUIRE(v.at("total").as_int64() == 1);
  CHECK(v.at("items").as_array()[0].at("documents").as_int64() == 4);

  SimpleResponse metrics = HttpGet(*port, "/metrics");
  REQUIRE(metrics.status == 200);
  CHECK(metrics.body.find("babelwatch_") != std::string::npos);
  CHECK(metrics.body.find("process_resident_memory_bytes") != std::string::npos);
  CHECK(HttpGet(*port, "/healthz").status == 200);
  CHECK(HttpGet(*port, "/readyz").status == 200);

  daemon.Signal(SIGTERM);
  auto code = daemon.Wait(20s);
  REQUIRE(code.has_value());
  CHECK(*code == 0);
}

TEST_CASE("babelwatchd: notify socket, SIGHUP reload of feeds, a bad reload is rejected",
          "[integration]") {
  TempDir dir;
  LoopbackHttpServer feeds;
  ServeSeedFeeds(feeds);
  NotifySocket notify(dir.path() + "/notify.sock");
  const std::string config = dir.path() + "/babelwatch.toml";
  WriteFile(config, BaseToml(dir) + FeedsToml(feeds, 1));
  DaemonProcess daemon(BABELWATCHD_PATH, {"--config", config}, dir.path() + "/log",
                       {"NOTIFY_SOCKET=" + notify.path(), "WATCHDOG_USEC=2000000"});
  INFO(daemon.Log());
  REQUIRE(notify.WaitFor("READY=1", 30s));
  REQUIRE(notify.WaitFor("WATCHDOG=1", 10s));
  REQUIRE(daemon.WaitForLog("feed reuters", 10s));

  // Add a feed and remove none: the new feed is polled without a restart.
  WriteFile(config, BaseToml(dir) + FeedsToml(feeds, 2));
  daemon.Signal(SIGHUP);
  REQUIRE(daemon.WaitForLog("reloaded", 10s));
  const auto deadline = std::chrono::steady_clock::now() + 20s;
  while (feeds.Count("/ukrinform.xml") == 0 && std::chrono::steady_clock::now() < deadline) {
    std::this_thread::sleep_for(100ms);
  }
  CHECK(feeds.Count("/ukrinform.xml") > 0);

  // A broken file is rejected with its errors, and the daemon keeps running the old config.
  WriteFile(config, BaseToml(dir) + "[[feeds]]\nid = \"x\"\nurl = \"htp://bad\"\n");
  daemon.Signal(SIGHUP);
  const bool rejected = daemon.WaitForLog("feeds[0].url", 10s);
  INFO(daemon.Log());
  REQUIRE(rejected);
  CHECK(daemon.Log().find("reload rejected") != std::string::npos);
  const size_t before = feeds.Count("/ukrinform.xml");
  std::this_thread::sleep_for(4s);
  CHECK(feeds.Count("/ukrinform.xml") > before);

  daemon.Signal(SIGTERM);
  auto code = daemon.Wait(20s);
  REQUIRE(code.has_value());
  CHECK(*code == 0);
  CHECK(notify.WaitFor("STOPPING=1", 1s));
}

// Polls `server` until a request for `path` satisfies `match`; false after `timeout`.
bool WaitForRequest(const LoopbackHttpServer& server, const std::string& path,
                    std::chrono::milliseconds timeout,
                    const std::function<bool(const RecordedRequest&)>& match) {
  const auto deadline = std::chrono::steady_clock::now() + timeout;
  do {
    for (const RecordedRequest& r : server.Requests(path)) {
      if (match(r)) return true;
    }
    std::this_thread::sleep_for(100ms);
  } while (std::chrono::steady_clock::now() < deadline);
  return false;
}

std::string SinkToml(const std::string& name, const std::string& url) {
  return "[[sinks]]\nname = \"" + name + "\"\ntype = \"webhook\"\nurl = \"" + url + "\"\n";
}

// The value of an unlabelled sample in a /metrics body; -1 when absent.
double MetricValue(const std::string& body, const std::string& name) {
  const std::string prefix = "\n" + name + " ";
  const size_t at = body.find(prefix);
  if (at == std::string::npos) return -1;
  return std::stod(body.substr(at + prefix.size()));
}

TEST_CASE(
    "babelwatchd: SIGHUP adds a webhook sink that gets the next alert, and reports the "
    "pending alerts of a removed sink",
    "[integration]") {
  TempDir dir;
  LoopbackHttpServer feeds;
  ServeSeedFeeds(feeds);
  LoopbackHttpServer hooks;
  hooks.Set("/hook", Respond(200, "ok"));
  // Refuses every alert for an hour: its rows stay pending in the outbox.
  hooks.Set("/down", Respond(503, "down", {{"Retry-After", "3600"}}));
  const std::string config = dir.path() + "/babelwatch.toml";
  const std::string alert_toml = "[alert]\nupdate_cooldown = \"0s\"\n";
  // One English feed and no sink: nothing spreads yet, nothing is delivered.
  WriteFile(config, BaseToml(dir) + FeedsToml(feeds, 1) + alert_toml);
  DaemonProcess daemon(BABELWATCHD_PATH, {"--config", config}, dir.path() + "/log");
  auto port = daemon.ListeningPort(30s);
  REQUIRE(port.has_value());
  REQUIRE(daemon.WaitForLog("feed reuters: ok", 30s));

  // Reload: every feed, the webhook and the failing sink. The spread alert that follows
  // reaches the webhook without a restart.
  WriteFile(config, BaseToml(dir) + FeedsToml(feeds, 5) + alert_toml +
                        SinkToml("hook", hooks.Url("/hook")) +
                        SinkToml("down", hooks.Url("/down")));
  daemon.Signal(SIGHUP);
  {
    const bool applied = daemon.WaitForLog("sinks added \"hook\", \"down\"", 10s);
    INFO(daemon.Log());
    REQUIRE(applied);
  }
  INFO(daemon.Log());
  REQUIRE(WaitForRequest(hooks, "/hook", 90s, [](const RecordedRequest& r) {
    return r.body.find("\"en\"") != std::string::npos &&
           r.body.find("\"ru\"") != std::string::npos && r.body.find("\"uk\"") != std::string::npos;
  }));
  const auto hook_requests = hooks.Requests("/hook");
  std::set<std::string> keys;
  for (const auto& r : hook_requests) keys.insert(r.Header("idempotency-key"));
  CHECK(keys.size() == hook_requests.size());  // nothing delivered twice
  REQUIRE(WaitForRequest(hooks, "/down", 10s, [](const RecordedRequest&) { return true; }));

  // Reload without "down": its pending alerts are reported (log and metric), not dropped.
  WriteFile(config, BaseToml(dir) + FeedsToml(feeds, 5) + alert_toml +
                        SinkToml("hook", hooks.Url("/hook")));
  daemon.Signal(SIGHUP);
  REQUIRE(daemon.WaitForLog("sinks added none, changed none, removed \"down\"", 10s));
  REQUIRE(daemon.WaitForLog("sink \"down\" removed with ", 10s));
  double unrouted = -1;
  const auto metric_deadline = std::chrono::steady_clock::now() + 10s;
  while (unrouted < 1 && std::chrono::steady_clock::now() < metric_deadline) {
    SimpleResponse metrics = HttpGet(*port, "/metrics");
    REQUIRE(metrics.status == 200);
    unrouted = MetricValue(metrics.body, "babelwatch_alert_outbox_unrouted");
    std::this_thread::sleep_for(200ms);
  }
  CHECK(unrouted >= 1);
  const size_t down_before = hooks.Count("/down");

  // A restart-only key is named as such.
  WriteFile(config, BaseToml(dir) + FeedsToml(feeds, 5) + alert_toml +
                        SinkToml("hook", hooks.Url("/hook")) + "[detect]\nworkers = 1\n");
  daemon.Signal(SIGHUP);
  {
    const bool named = daemon.WaitForLog("detect.workers\n", 10s);
    INFO(daemon.Log());
    CHECK(named);
    CHECK(daemon.Log().find("take effect only after a restart: ") != std::string::npos);
  }
  CHECK(hooks.Count("/down") == down_before);

  daemon.Signal(SIGTERM);
  auto code = daemon.Wait(20s);
  REQUIRE(code.has_value());
  CHECK(*code == 0);
}

TEST_CASE("babelwatchd: a bad config exits 78 with every error, an unreachable feed is no crash",
          "[integration]") {
  TempDir dir;
  const std::string config = dir.path() + "/bad.toml";
  WriteFile(config, "[[feeds]]\nid = \"a b\"\nurl = \"ftp://x\"\n[detect]\nbands = -1\n");
  DaemonProcess bad(BABELWATCHD_PATH, {"--config", config}, dir.path() + "/bad.log");
  auto code = bad.Wait(20s);
  REQUIRE(code.has_value());
  CHECK(*code == 78);
  const std::string log = bad.Log();
  CHECK(log.find("feeds[0].id") != std::string::npos);
  CHECK(log.find("feeds[0].url") != std::string::npos);
  CHECK(log.find("detect.bands") != std::string::npos);

  // Port 9 on loopback: connection refused. The daemon logs it and keeps serving.
  const std::string good = dir.path() + "/good.toml";
  WriteFile(good, BaseToml(dir) + "[[feeds]]\nid = \"gone\"\nurl = \"http://127.0.0.1:9/feed\"\n");
  DaemonProcess daemon(BABELWATCHD_PATH, {"--config", good}, dir.path() + "/good.log");
  auto port = daemon.ListeningPort(30s);
  REQUIRE(port.has_value());
  REQUIRE(daemon.WaitForLog("feed gone", 15s));
  SimpleResponse feeds = HttpGet(*port, "/api/feeds");
  REQUIRE(feeds.status == 200);
  CHECK(feeds.body.find("gone") != std::string::npos);
  daemon.Signal(SIGINT);
  auto exit_code = daemon.Wait(20s);
  REQUIRE(exit_code.has_value());
  CHECK(*exit_code == 0);
}

}  // namespace
}  // namespace babelwatch::testing
