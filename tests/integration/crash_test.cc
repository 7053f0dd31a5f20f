// babelwatchd killed with SIGKILL at random points, 20 times, while it ingests the seed
// feeds and delivers to a slow webhook: every alert still arrives, and a repeat carries the
// key it had the first time.
#include <signal.h>

#include <boost/json.hpp>
#include <catch2/catch.hpp>
#include <map>
#include <random>
#include <set>
#include <thread>

#include "tests/integration/daemon_process.h"
#include "tests/support/loopback_http_server.h"

namespace babelwatch::testing {
namespace {

using namespace std::chrono_literals;

constexpr int kKills = 20;

TEST_CASE("babelwatchd: 20 kill -9 restarts lose no alert and repeat none under a new key",
          "[integration][crash]") {
  TempDir dir;
  LoopbackHttpServer feeds;
  std::string toml = "[server]\nlisten = \"127.0.0.1:0\"\n[store]\nstate_dir = \"" + dir.path() +
                     "/state\"\n[fetch]\ninterval = \"1s\"\nmin_interval = \"1s\"\n"
                     "per_host_spacing = \"0ms\"\nper_host_concurrency = 8\n"
                     "[alert]\nupdate_cooldown = \"0s\"\n";
  std::vector<std::pair<std::string, std::string>> published;
  for (const char* file :
       {"reuters.xml", "ukrinform.xml", "bizmedia.atom", "thedeepdive.json", "kyivindependent.atom"}) {
    const std::string body = ReadFile(std::string(EXAMPLES_DIR) + "/feeds/" + file);
    REQUIRE_FALSE(body.empty());
    published.emplace_back(std::string("/") + file, body);
    toml += "[[feeds]]\nid = \"" + std::string(file).substr(0, std::string(file).find('.')) +
            "\"\nurl = \"" + feeds.Url(std::string("/") + file) + "\"\n";
  }
  ServeInOrder(feeds, published);
  // A slow receiver, so that kills also land while a delivery is in flight.
  LoopbackHttpServer hook;
  hook.SetResponder("/hook", [](const RecordedRequest&) {
    ScriptedResponse r = Respond(200, "ok");
    r.delay_ms = 400;
    return r;
  });
  toml += "[[sinks]]\nname = \"hook\"\ntype = \"webhook\"\nurl = \"" + hook.Url("/hook") + "\"\n";
  const std::string config = dir.path() + "/babelwatch.toml";
  WriteFile(config, toml);

  std::mt19937 rng(20261123);
  std::uniform_int_distribution<int> kill_after_ms(300, 6000);
  int killed = 0;
  for (int run = 0; run < kKills; ++run) {
    DaemonProcess daemon(BABELWATCHD_PATH, {"--config", config},
                         dir.path() + "/run" + std::to_string(run) + ".log");
    std::this_thread::sleep_for(std::chrono::milliseconds(kill_after_ms(rng)));
    daemon.Signal(SIGKILL);
    auto code = daemon.Wait(10s);
    REQUIRE(code.has_value());
    killed += *code == 128 + SIGKILL;
  }
  CHECK(killed == kKills);

  // A last run that is left alone until the story has all three languages and the hook has
  // everything the story implies.
  DaemonProcess daemon(BABELWATCHD_PATH, {"--config", config}, dir.path() + "/final.log");
  auto port = daemon.ListeningPort(30s);
  INFO(daemon.Log());
  REQUIRE(port.has_value());
  std::set<std::string> expected;
  std::set<std::string> received;
  const auto deadline = std::chrono::steady_clock::now() + 90s;
  while (std::chrono::steady_clock::now() < deadline) {
    expected.clear();
    SimpleResponse r = HttpGet(*port, "/api/stories?min_languages=2&limit=500");
    if (r.status == 200) {
      const boost::json::value page = boost::json::parse(r.body);
      for (const auto& s : page.at("items").as_array()) {
        const auto& story = s.as_object();
        const int64_t languages = static_cast<int64_t>(story.at("languages").as_array().size());
        if (story.at("independent_sources").as_int64() < 2) continue;
        for (int64_t n = 2; n <= languages; ++n) {
          expected.insert("story-" + std::to_string(story.at("id").to_number<uint64_t>()) +
                          "/languages-" + std::to_string(n));
        }
      }
    }
    received.clear();
    for (const auto& req : hook.Requests("/hook")) received.insert(req.Header("idempotency-key"));
    if (!expected.empty() && expected.size() >= 2 && received == expected) break;
    std::this_thread::sleep_for(300ms);
  }
  INFO(daemon.Log());
  CHECK(expected.size() >= 2);  // the seed story reached en, uk and ru
  CHECK(received == expected);  // none missing, none under another key

  // Repeats (a kill between the receiver's 2xx and the outbox commit) carry the same key and
  // the same body as the first delivery of that key.
  std::map<std::string, std::string> first_body;
  int repeats = 0;
  for (const auto& req : hook.Requests("/hook")) {
    const std::string key = req.Header("idempotency-key");
    auto [it, inserted] = first_body.emplace(key, req.body);
    if (!inserted) {
      ++repeats;
      CHECK(it->second == req.body);
    }
  }
  WARN("crash test: " << kKills << " kills, " << hook.Count("/hook") << " deliveries, "
                      << received.size() << " distinct alerts, " << repeats << " repeats");
  daemon.Signal(SIGTERM);
  auto code = daemon.Wait(20s);
  REQUIRE(code.has_value());
  CHECK(*code == 0);
}

}  // namespace
}  // namespace babelwatch::testing
