// The outbox across crashes: a child process (outbox_crash_child) raises N alerts and
// delivers them to a loopback webhook receiver; it is killed with SIGKILL at random points
// 20 times (while accepting alerts and while delivering them) and restarted each time on
// the same state directory. At the end every alert was received, none is missing, and every
// repeat carries the same idempotency key and the same body.
#include <signal.h>
#include <stdlib.h>
#include <sys/wait.h>
#include <unistd.h>

#include <catch2/catch.hpp>
#include <chrono>
#include <filesystem>
#include <map>
#include <mutex>
#include <random>
#include <thread>

#include "store/store.h"
#include "tests/store/result_printer.h"
#include "tests/support/loopback_http_server.h"

namespace babelwatch::alert {
namespace {

namespace fs = std::filesystem;
using babelwatch::testing::LoopbackHttpServer;
using babelwatch::testing::RecordedRequest;
using babelwatch::testing::Respond;
using babelwatch::testing::ScriptedResponse;
using namespace std::chrono_literals;

pid_t Spawn(const std::string& state_dir, const std::string& url, int n) {
  const std::string count = std::to_string(n);
  const pid_t pid = fork();
  REQUIRE(pid >= 0);
  if (pid == 0) {
    execl(OUTBOX_CRASH_CHILD, OUTBOX_CRASH_CHILD, state_dir.c_str(), url.c_str(), count.c_str(),
          static_cast<char*>(nullptr));
    _exit(127);
  }
  return pid;
}

TEST_CASE("Outbox: 20 SIGKILLs mid-ingest and mid-delivery lose no alert", "[alert][crash]") {
  std::string tmpl = (fs::temp_directory_path() / "babelwatch-crash-XXXXXX").string();
  REQUIRE(mkdtemp(tmpl.data()) != nullptr);
  const fs::path dir = tmpl;
  const std::string state = (dir / "state").string();
  constexpr int kAlerts = 60;

  LoopbackHttpServer server;
  std::atomic<int> calls{0};
  // Every 4th request fails and every 3rd is slow, so kills land in flight and in retries.
  std::mutex mu;
  std::map<std::string, int> acknowledged;  // GUARDED_BY(mu): 2xx answers per key
  server.SetResponder("/hook", [&](const RecordedRequest& req) {
    const int i = calls++;
    if (i % 4 == 3) return Respond(500, "try again");
    {
      std::lock_guard<std::mutex> lock(mu);
      ++acknowledged[req.Header("idempotency-key")];
    }
    ScriptedResponse r = Respond(200, "ok");
    if (i % 3 == 0) r.delay_ms = 15;
    return r;
  });
  const std::string url = server.Url("/hook");

  std::mt19937 rng(20261123);
  std::uniform_int_distribution<int> wait_ms(5, 120);
  int killed = 0;
  for (int run = 0; run < 20; ++run) {
    const pid_t pid = Spawn(state, url, kAlerts);
    std::this_thread::sleep_for(std::chrono::milliseconds(wait_ms(rng)));
    int status = 0;
    if (waitpid(pid, &status, WNOHANG) == 0) {
      REQUIRE(kill(pid, SIGKILL) == 0);
      REQUIRE(waitpid(pid, &status, 0) == pid);
      if (WIFSIGNALED(status)) ++killed;
    } else {
      // It finished before the kill: fine, as long as it finished well.
      REQUIRE(WIFEXITED(status));
      REQUIRE(WEXITSTATUS(status) == 0);
    }
  }
  // The last run goes to the end.
  const pid_t pid = Spawn(state, url, kAlerts);
  int status = 0;
  REQUIRE(waitpid(pid, &status, 0) == pid);
  REQUIRE(WIFEXITED(status));
  REQUIRE(WEXITSTATUS(status) == 0);

  std::map<std::string, std::vector<RecordedRequest>> by_key;
  for (const RecordedRequest& r : server.Requests("/hook")) {
    by_key[r.Header("idempotency-key")].push_back(r);
  }
  CHECK(by_key.count("") == 0);
  int repeats = 0;
  for (int i = 0; i < kAlerts; ++i) {
    const std::string key = "story-" + std::to_string(1000 + i) + "/languages-3";
    auto it = by_key.find(key);
    REQUIRE(it != by_key.end());  // none missing
    for (const RecordedRequest& r : it->second) CHECK(r.body == it->second.front().body);
    repeats += static_cast<int>(it->second.size()) - 1;
  }
  CHECK(by_key.size() == kAlerts);
  // Acknowledged more than once: only after a kill between the 2xx and the commit.
  int duplicates = 0;
  {
    std::lock_guard<std::mutex> lock(mu);
    for (const auto& [key, n] : acknowledged) duplicates += n - 1;
  }
  // The outbox is empty and nothing was dead-lettered.
  store::StoreOptions so;
  so.state_dir = state;
  auto s = store::Store::Open(so);
  REQUIRE(s);
  CHECK((*s)->Pending()->empty());
  CHECK((*s)->DeadLetters()->empty());
  // Repeats are requests for an alert already received: retries after a 500 and
  // redeliveries after a kill between the receiver's answer and the commit.
  WARN("crash test: " << killed << " of 20 runs killed, " << kAlerts << " alerts, "
                      << server.Requests("/hook").size() << " requests, " << repeats
                      << " repeats (all with the same key and body), " << duplicates
                      << " alerts acknowledged twice");
  std::error_code ec;
  fs::remove_all(dir, ec);
}

}  // namespace
}  // namespace babelwatch::alert
