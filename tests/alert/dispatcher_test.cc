#include "alert/dispatcher.h"

#include <sqlite3.h>
#include <stdlib.h>

#include <algorithm>
#include <catch2/catch.hpp>
#include <filesystem>

#include "alert/sink_factory.h"
#include "alert/slack_sink.h"
#include "alert/watchlist_router.h"
#include "alert/webhook_sink.h"
#include "tests/alert/fake_http_client.h"
#include "tests/alert/test_alerts.h"
#include "tests/store/result_printer.h"

namespace babelwatch::alert {
namespace {

namespace fs = std::filesystem;
using testing::FakeHttpClient;
using testing::SampleAlert;

constexpr int64_t kT0 = 1'700'000'000'000;

// A store in a fresh directory, a manual clock, a fake HTTP client, and helpers to build a
// dispatcher over them (again, to simulate a restart).
class DispatcherFixture {
 protected:
  DispatcherFixture() : clock_(kT0) {
    std::string tmpl = (fs::temp_directory_path() / "babelwatch-alert-XXXXXX").string();
    REQUIRE(mkdtemp(tmpl.data()) != nullptr);
    dir_ = tmpl;
    options_.state_dir = dir_.string();
    options_.busy_timeout_ms = 0;
    OpenStore();
  }
  ~DispatcherFixture() {
    dispatcher_.reset();
    store_.reset();
    std::error_code ec;
    fs::remove_all(dir_, ec);
  }

  void OpenStore() {
    dispatcher_.reset();
    store_.reset();
    auto s = store::Store::Open(options_);
    REQUIRE(s);
    store_ = std::move(*s);
  }

  SinkOptions Sink(std::string name, std::string type, int max_attempts = 3) {
    SinkOptions o;
    o.name = std::move(name);
    o.type = std::move(type);
    o.url = "https://hooks.example/" + o.name;
    o.max_attempts = max_attempts;
    return o;
  }

  std::vector<std::unique_ptr<alert::Sink>> MakeAll(std::vector<SinkOptions> sinks) {
    std::vector<std::unique_ptr<alert::Sink>> built;
    for (SinkOptions& o : sinks) {
      if (o.type == "slack") {
        built.push_back(std::make_unique<SlackSink>(o, "http://bw", http_));
      } else {
        built.push_back(std::make_unique<WebhookSink>(o, "http://bw", http_));
      }
    }
    return built;
  }

  void Build(std::vector<SinkOptions> sinks) {
    dispatcher_.reset();
    std::vector<std::unique_ptr<alert::Sink>> built = MakeAll(std::move(sinks));
    DispatcherOptions d;
    d.jitter_seed = 7;
    d.backoff_initial_ms = 2000;
    d.backoff_max_ms = 60'000;
    d.log = [this](std::string_view line) { log_.emplace_back(line); };
    dispatcher_ = std::make_unique<Dispatcher>(*store_, std::move(built), clock_, d);
  }

  void Advance(int64_t ms) { clock_.Advance(std::chrono::milliseconds(ms)); }
  int64_t Now() const { return ToUnixMs(clock_.SystemNow()); }
  const SinkCounters& Counters(size_t i) {
    counters_ = dispatcher_->Counters();
    return counters_.sinks.at(i);
  }

  // A second connection holding the write lock: the store's writes fail (busy timeout 0).
  class WriteLock {
   public:
    explicit WriteLock(const std::string& path) {
      REQUIRE(sqlite3_open(path.c_str(), &db_) == SQLITE_OK);
      REQUIRE(sqlite3_exec(db_, "BEGIN IMMEDIATE", nullptr, nullptr, nullptr) == SQLITE_OK);
    }
    ~WriteLock() {
      sqlite3_exec(db_, "ROLLBACK", nullptr, nullptr, nullptr);
      sqlite3_close(db_);
    }

   private:
    sqlite3* db_ = nullptr;
  };

  fs::path dir_;
  store::StoreOptions options_;
  ManualClock clock_;
  FakeHttpClient http_;
  std::unique_ptr<store::Store> store_;
  std::unique_ptr<Dispatcher> dispatcher_;
  std::vector<std::string> log_;
  DispatcherCounters counters_;
};

TEST_CASE_METHOD(DispatcherFixture, "Dispatcher: an accepted alert is delivered and removed",
                 "[alert][dispatcher]") {
  Build({Sink("hook", "webhook")});
  REQUIRE(*dispatcher_->Submit(SampleAlert()) == SubmitStatus::kAccepted);
  // Committed before anything is sent.
  CHECK(store_->Due(Now())->size() == 1);
  CHECK(http_.pending() == 0);
  dispatcher_->Poll();
  REQUIRE(http_.pending() == 1);
  CHECK(FakeHttpClient::Header(http_.next(), "Idempotency-Key") == "story-42/languages-3");
  // In flight: another Poll does not send it again.
  dispatcher_->Poll();
  CHECK(http_.pending() == 1);
  http_.CompleteNext(200);
  CHECK(store_->Pending()->empty());
  CHECK(Counters(0).delivered == 1);
  CHECK(Counters(0).in_flight == 0);
  CHECK(dispatcher_->Poll() == std::nullopt);
  CHECK(http_.sent().size() == 1);
}

TEST_CASE_METHOD(DispatcherFixture,
                 "Dispatcher: SetSinks lets deliveries in flight finish and routes new alerts "
                 "to the new sinks",
                 "[alert][dispatcher][reload]") {
  Build({Sink("a", "webhook"), Sink("b", "webhook")});
  REQUIRE(*dispatcher_->Submit(SampleAlert(42)) == SubmitStatus::kAccepted);
  dispatcher_->Poll();
  REQUIRE(http_.pending() == 2);

  // "a" is removed, "b" is rebuilt, "c" is new; both deliveries are still in flight.
  dispatcher_->SetSinks(MakeAll({Sink("b", "webhook"), Sink("c", "webhook")}));
  CHECK(dispatcher_->SinkNames() == std::vector<std::string>{"b", "c"});
  // In flight on "b" counts for its successor: nothing is sent twice.
  dispatcher_->Poll();
  CHECK(http_.pending() == 2);
  http_.CompleteNext(200);
  http_.CompleteNext(200);
  CHECK(store_->Pending()->empty());
  const DispatcherCounters c = dispatcher_->Counters();
  REQUIRE(c.sinks.size() == 3);
  CHECK(c.sinks[0].sink == "b");
  CHECK(c.sinks[0].delivered == 1);
  CHECK(c.sinks[1].sink == "c");
  CHECK(c.sinks[1].delivered == 0);
  CHECK(c.sinks[2].sink == "a");  // removed: its total stays
  CHECK(c.sinks[2].delivered == 1);
  CHECK(c.sinks[2].in_flight == 0);

  // A new alert goes to the configured sinks only; the removed one is unknown.
  REQUIRE(*dispatcher_->Submit(SampleAlert(43)) == SubmitStatus::kAccepted);
  auto refused = dispatcher_->Submit(SampleAlert(44), {"a"});
  REQUIRE_FALSE(refused.has_value());
  CHECK(refused.error().code == Code::kInvalidArgument);
  dispatcher_->Poll();
  REQUIRE(http_.pending() == 2);
  std::vector<std::string> urls;
  while (http_.pending() > 0) {
    urls.push_back(http_.next().url);
    http_.CompleteNext(200);
  }
  std::sort(urls.begin(), urls.end());
  CHECK(urls == std::vector<std::string>{"https://hooks.example/b", "https://hooks.example/c"});
  CHECK(store_->Pending()->empty());
}

TEST_CASE_METHOD(DispatcherFixture,
                 "Dispatcher: rows of a sink removed by SetSinks stay pending until it returns",
                 "[alert][dispatcher][reload]") {
  Build({Sink("a", "webhook")});
  REQUIRE(*dispatcher_->Submit(SampleAlert(42)) == SubmitStatus::kAccepted);
  dispatcher_->SetSinks(MakeAll({Sink("b", "webhook")}));
  dispatcher_->Poll();
  CHECK(http_.pending() == 0);
  auto depth = store_->Depth();
  REQUIRE(depth);
  REQUIRE(depth->size() == 1);
  CHECK((*depth)[0].sink == "a");
  CHECK((*depth)[0].pending == 1);

  dispatcher_->SetSinks(MakeAll({Sink("a", "webhook")}));
  dispatcher_->Poll();
  REQUIRE(http_.pending() == 1);
  CHECK(http_.next().url == "https://hooks.example/a");
  http_.CompleteNext(200);
  CHECK(store_->Pending()->empty());
}

TEST_CASE_METHOD(DispatcherFixture, "Dispatcher: the same idempotency key is accepted once",
                 "[alert][dispatcher]") {
  Build({Sink("hook", "webhook")});
  REQUIRE(*dispatcher_->Submit(SampleAlert()) == SubmitStatus::kAccepted);
  CHECK(*dispatcher_->Submit(SampleAlert()) == SubmitStatus::kDuplicate);
  // And after a restart.
  OpenStore();
  Build({Sink("hook", "webhook")});
  CHECK(*dispatcher_->Submit(SampleAlert()) == SubmitStatus::kDuplicate);
  CHECK(dispatcher_->Counters().duplicates == 1);
  Result<SubmitStatus> unknown = dispatcher_->Submit(SampleAlert(7), {"nope"});
  REQUIRE_FALSE(unknown);
  CHECK_THAT(unknown.error().message, Catch::Contains("no sink named \"nope\""));
}

TEST_CASE_METHOD(DispatcherFixture,
                 "Dispatcher: a restart delivers what was pending, with the same key",
                 "[alert][dispatcher]") {
  Build({Sink("hook", "webhook")});
  REQUIRE(*dispatcher_->Submit(SampleAlert()) == SubmitStatus::kAccepted);
  dispatcher_->Poll();
  REQUIRE(http_.pending() == 1);
  // The process dies with the request in flight; its late completion is ignored.
  dispatcher_.reset();
  http_.CompleteNext(200);
  OpenStore();
  Build({Sink("hook", "webhook")});
  dispatcher_->Poll();
  REQUIRE(http_.pending() == 1);
  CHECK(FakeHttpClient::Header(http_.sent()[0], "Idempotency-Key") ==
        FakeHttpClient::Header(http_.sent()[1], "Idempotency-Key"));
  http_.CompleteNext(204);
  CHECK(store_->Pending()->empty());
}

TEST_CASE_METHOD(DispatcherFixture, "Dispatcher: failures back off exponentially, then dead-letter",
                 "[alert][dispatcher]") {
  Build({Sink("hook", "webhook", 3)});
  REQUIRE(*dispatcher_->Submit(SampleAlert()) == SubmitStatus::kAccepted);
  int64_t previous_delay = 0;
  for (int attempt = 1; attempt <= 2; ++attempt) {
    dispatcher_->Poll();
    REQUIRE(http_.pending() == 1);
    http_.CompleteNext(500, {}, "down");
    const store::OutboxEntry row = store_->Pending()->at(0);
    CHECK(row.attempts == attempt);
    CHECK(row.last_error == "HTTP 500: down");
    const int64_t delay = row.next_attempt_ms - Now();
    DispatcherOptions backoff;
    backoff.backoff_initial_ms = 2000;
    backoff.backoff_max_ms = 60'000;
    const int64_t base = Dispatcher::BackoffMs(backoff, attempt);
    CHECK(base == (attempt == 1 ? 2000 : 4000));
    // Equal jitter: between half the backoff and the backoff.
    CHECK(delay >= base / 2);
    CHECK(delay <= base);
    CHECK(delay > previous_delay / 2);
    previous_delay = delay;
    // Not before its time.
    CHECK(dispatcher_->Poll() == std::optional<int64_t>(row.next_attempt_ms));
    CHECK(http_.pending() == 0);
    Advance(delay);
  }
  dispatcher_->Poll();
  REQUIRE(http_.pending() == 1);
  http_.CompleteNext(DeadlineExceeded("https://hooks.example/hook: timeout after 10000 ms"));
  CHECK(store_->Pending()->empty());
  const std::vector<store::OutboxEntry> dead = *store_->DeadLetters();
  REQUIRE(dead.size() == 1);
  CHECK(dead[0].attempts == 3);
  CHECK_THAT(dead[0].last_error, Catch::Contains("timeout after 10000 ms"));
  CHECK_THAT(dead[0].last_error, Catch::Contains("gave up after 3 attempts"));
  CHECK(Counters(0).dead_lettered == 1);
  CHECK(Counters(0).failed_attempts == 3);
  CHECK_THAT(log_.back(), Catch::StartsWith("<3>"));
  CHECK_THAT(log_.back(), Catch::Contains("dead letters"));
  Advance(10'000'000);
  dispatcher_->Poll();
  CHECK(http_.pending() == 0);
}

TEST_CASE("Dispatcher: the backoff doubles up to its cap", "[alert][dispatcher]") {
  DispatcherOptions o;
  o.backoff_initial_ms = 1000;
  o.backoff_max_ms = 10'000;
  CHECK(Dispatcher::BackoffMs(o, 1) == 1000);
  CHECK(Dispatcher::BackoffMs(o, 2) == 2000);
  CHECK(Dispatcher::BackoffMs(o, 4) == 8000);
  CHECK(Dispatcher::BackoffMs(o, 5) == 10'000);
  CHECK(Dispatcher::BackoffMs(o, 1000) == 10'000);
}

TEST_CASE_METHOD(DispatcherFixture, "Dispatcher: a permanent failure dead-letters at once",
                 "[alert][dispatcher]") {
  Build({Sink("hook", "webhook", 10)});
  REQUIRE(*dispatcher_->Submit(SampleAlert()) == SubmitStatus::kAccepted);
  dispatcher_->Poll();
  http_.CompleteNext(404, {}, "no such hook");
  const std::vector<store::OutboxEntry> dead = *store_->DeadLetters();
  REQUIRE(dead.size() == 1);
  CHECK(dead[0].last_error == "HTTP 404: no such hook (permanent)");
}

TEST_CASE_METHOD(DispatcherFixture, "Dispatcher: a cancelled attempt is not counted",
                 "[alert][dispatcher]") {
  Build({Sink("hook", "webhook", 1)});
  REQUIRE(*dispatcher_->Submit(SampleAlert()) == SubmitStatus::kAccepted);
  dispatcher_->Poll();
  http_.CancelAll();
  const std::vector<store::OutboxEntry> pending = *store_->Pending();
  REQUIRE(pending.size() == 1);
  CHECK(pending[0].attempts == 0);
  dispatcher_->Poll();
  CHECK(http_.pending() == 1);
}

TEST_CASE_METHOD(DispatcherFixture,
                 "Dispatcher: Slack's 429 Retry-After and 1/s limit hold the webhook back",
                 "[alert][dispatcher][slack]") {
  Build({Sink("slack", "slack", 5)});
  for (StoryId id = 1; id <= 3; ++id) {
    REQUIRE(*dispatcher_->Submit(SampleAlert(id)) == SubmitStatus::kAccepted);
  }
  dispatcher_->Poll();
  REQUIRE(http_.pending() == 1);  // one at a time
  CHECK_THAT(http_.next().body, Catch::Contains("Story 1 spread"));
  http_.CompleteNext(429, {{"retry-after", "30"}}, "rate_limited");
  const store::OutboxEntry first = store_->Pending()->at(0);
  CHECK(first.alert.story == 1);
  CHECK(first.next_attempt_ms == Now() + 30'000);
  // Stories 2 and 3 are due but the whole webhook waits for Retry-After.
  CHECK(dispatcher_->Poll() == std::optional<int64_t>(Now() + 1000));
  CHECK(http_.pending() == 0);
  Advance(29'000);
  dispatcher_->Poll();
  CHECK(http_.pending() == 0);
  Advance(1'000);
  dispatcher_->Poll();
  REQUIRE(http_.pending() == 1);
  CHECK_THAT(http_.next().body, Catch::Contains("Story 2 spread"));
  http_.CompleteNext(200, {}, "ok");
  // Next message: not within the same second.
  dispatcher_->Poll();
  CHECK(http_.pending() == 0);
  // Then story 3, due since the start, and then story 1, due since its Retry-After.
  Advance(1'000);
  dispatcher_->Poll();
  REQUIRE(http_.pending() == 1);
  CHECK_THAT(http_.next().body, Catch::Contains("Story 3 spread"));
  http_.CompleteNext(200, {}, "ok");
  Advance(1'000);
  dispatcher_->Poll();
  REQUIRE(http_.pending() == 1);
  CHECK_THAT(http_.next().body, Catch::Contains("Story 1 spread"));
  http_.CompleteNext(200, {}, "ok");
  CHECK(store_->Pending()->empty());
  CHECK(Counters(0).delivered == 3);
}

TEST_CASE_METHOD(DispatcherFixture, "Dispatcher: sinks fail and succeed independently",
                 "[alert][dispatcher]") {
  Build({Sink("a", "webhook"), Sink("b", "webhook")});
  REQUIRE(*dispatcher_->Submit(SampleAlert()) == SubmitStatus::kAccepted);
  dispatcher_->Poll();
  REQUIRE(http_.pending() == 2);
  CHECK(http_.next().url == "https://hooks.example/a");
  http_.CompleteNext(503);
  http_.CompleteNext(200);
  const std::vector<store::OutboxEntry> pending = *store_->Pending();
  REQUIRE(pending.size() == 1);
  CHECK(pending[0].sink == "a");
  SECTION("routing to one sink only") {
    REQUIRE(*dispatcher_->Submit(SampleAlert(9), {"b"}) == SubmitStatus::kAccepted);
    dispatcher_->Poll();
    REQUIRE(http_.pending() == 1);
    CHECK(http_.next().url == "https://hooks.example/b");
  }
}

TEST_CASE_METHOD(DispatcherFixture,
                 "Dispatcher: while the store refuses writes, alerts are held, not lost",
                 "[alert][dispatcher][errors]") {
  Build({Sink("hook", "webhook")});
  {
    WriteLock lock(store_->path());
    Result<SubmitStatus> s = dispatcher_->Submit(SampleAlert(1));
    REQUIRE(s);
    CHECK(*s == SubmitStatus::kHeld);
    CHECK(*dispatcher_->Submit(SampleAlert(1)) == SubmitStatus::kHeld);
    CHECK(*dispatcher_->Submit(SampleAlert(2)) == SubmitStatus::kHeld);
    CHECK(dispatcher_->Poll() == std::optional<int64_t>(Now() + 1000));
    CHECK(http_.pending() == 0);
    const DispatcherCounters c = dispatcher_->Counters();
    CHECK(c.unsaved == 2);
    CHECK(c.store_errors >= 3);
    bool said_so = false;
    for (const std::string& l : log_) {
      if (l.find(store_->path()) != std::string::npos) said_so = true;
    }
    CHECK(said_so);
  }
  dispatcher_->Poll();
  CHECK(dispatcher_->Counters().unsaved == 0);
  CHECK(dispatcher_->Counters().accepted == 2);
  REQUIRE(http_.pending() == 2);
  http_.CompleteNext(200);
  http_.CompleteNext(200);
  CHECK(store_->Pending()->empty());
}

TEST_CASE_METHOD(DispatcherFixture, "Dispatcher: too many held alerts are refused loudly",
                 "[alert][dispatcher][errors]") {
  DispatcherOptions d;
  d.max_unsaved = 1;
  d.log = [this](std::string_view line) { log_.emplace_back(line); };
  std::vector<std::unique_ptr<alert::Sink>> sinks;
  sinks.push_back(std::make_unique<WebhookSink>(Sink("hook", "webhook"), "http://bw", http_));
  dispatcher_ = std::make_unique<Dispatcher>(*store_, std::move(sinks), clock_, d);
  WriteLock lock(store_->path());
  CHECK(*dispatcher_->Submit(SampleAlert(1)) == SubmitStatus::kHeld);
  Result<SubmitStatus> refused = dispatcher_->Submit(SampleAlert(2));
  REQUIRE_FALSE(refused);
  CHECK(refused.error().code == Code::kResourceExhausted);
  CHECK_THAT(refused.error().message, Catch::Contains("story-2/languages-3"));
  CHECK(dispatcher_->Counters().unsaved_dropped == 1);
}

TEST_CASE_METHOD(DispatcherFixture, "Dispatcher: a delivery whose deletion fails is not sent again",
                 "[alert][dispatcher][errors]") {
  Build({Sink("hook", "webhook")});
  REQUIRE(*dispatcher_->Submit(SampleAlert()) == SubmitStatus::kAccepted);
  dispatcher_->Poll();
  REQUIRE(http_.pending() == 1);
  {
    WriteLock lock(store_->path());
    http_.CompleteNext(200);
    CHECK(dispatcher_->Counters().uncommitted == 1);
    Advance(60'000);
    dispatcher_->Poll();
    CHECK(http_.pending() == 0);
    CHECK(store_->Pending()->size() == 1);  // still on disk
  }
  dispatcher_->Poll();
  CHECK(dispatcher_->Counters().uncommitted == 0);
  CHECK(store_->Pending()->empty());
  CHECK(http_.sent().size() == 1);
}

}  // namespace
}  // namespace babelwatch::alert

namespace babelwatch::alert {
namespace {

TEST_CASE_METHOD(DispatcherFixture, "Dispatcher: a failing store is logged once a minute",
                 "[alert][dispatcher][errors]") {
  Build({Sink("hook", "webhook")});
  WriteLock lock(store_->path());
  REQUIRE(*dispatcher_->Submit(SampleAlert(1)) == SubmitStatus::kHeld);
  const size_t after_submit = log_.size();
  for (int i = 0; i < 30; ++i) {
    dispatcher_->Poll();
    Advance(1000);
  }
  // Thirty failing polls, at most one more store-error line (plus none per poll).
  size_t store_lines = 0;
  for (size_t i = after_submit; i < log_.size(); ++i) {
    if (log_[i].find("store error") != std::string::npos) ++store_lines;
  }
  CHECK(store_lines <= 1);
  Advance(60'000);
  dispatcher_->Poll();
  CHECK_THAT(log_.back(), Catch::Contains("similar errors not logged"));
  CHECK(dispatcher_->Counters().store_errors >= 31);
}

}  // namespace
}  // namespace babelwatch::alert

namespace babelwatch::alert {
namespace {

TEST_CASE_METHOD(DispatcherFixture,
                 "Dispatcher: two Slack sinks of one webhook share its 1/s limit",
                 "[alert][dispatcher][slack]") {
  SinkContext ctx;
  ctx.http = &http_;
  ctx.public_url = "http://bw";
  SinkOptions a = Sink("team-a", "slack");
  SinkOptions b = Sink("team-b", "slack");
  b.url = a.url;  // the same incoming webhook
  SinkOptions c = Sink("other", "slack");
  auto sinks = MakeSinks({a, b, c}, ctx);
  REQUIRE(sinks);
  DispatcherOptions d;
  d.log = [](std::string_view) {};
  dispatcher_ = std::make_unique<Dispatcher>(*store_, std::move(*sinks), clock_, d);
  REQUIRE(*dispatcher_->Submit(SampleAlert()) == SubmitStatus::kAccepted);
  dispatcher_->Poll();
  // team-a and other start; team-b waits for the shared webhook's next second.
  REQUIRE(http_.pending() == 2);
  CHECK(http_.sent()[0].url == a.url);
  CHECK(http_.sent()[1].url == c.url);
  http_.CompleteNext(200, {}, "ok");
  http_.CompleteNext(200, {}, "ok");
  CHECK(dispatcher_->Poll() == std::optional<int64_t>(Now() + 1000));
  CHECK(http_.pending() == 0);
  Advance(1000);
  dispatcher_->Poll();
  REQUIRE(http_.pending() == 1);
  CHECK(http_.next().url == a.url);
  http_.CompleteNext(200, {}, "ok");
  CHECK(store_->Pending()->empty());
}

}  // namespace
}  // namespace babelwatch::alert

namespace babelwatch::alert {
namespace {

// The wiring the daemon uses: router -> Dispatcher::Submit(alert, sinks, scope) -> store;
// on restart, Store::LoadSpreadStates() -> router->RestoreAlerted(scope, ...).
class Wiring {
 public:
  Wiring(store::Store& store, Dispatcher& dispatcher, const AlertOptions& options)
      : store_(store), dispatcher_(dispatcher) {
    auto r = WatchlistRouter::Create(options);
    REQUIRE(r);
    router_ = std::move(*r);
    for (const store::SpreadState& s : *store_.LoadSpreadStates()) {
      router_->RestoreAlerted(s.scope, s.story, s.languages_alerted, s.last_alert_ms);
    }
  }
  int Observe(const StorySummary& story, int64_t now_ms) {
    int accepted = 0;
    for (const RoutedAlert& r : router_->Observe(story, now_ms)) {
      Result<SubmitStatus> s = dispatcher_.Submit(r.alert, r.sinks, r.watchlist);
      REQUIRE(s);
      if (*s == SubmitStatus::kAccepted) ++accepted;
    }
    return accepted;
  }

 private:
  store::Store& store_;
  Dispatcher& dispatcher_;
  std::unique_ptr<WatchlistRouter> router_;
};

StorySummary Languages(StoryId id, std::vector<std::string> langs) {
  StorySummary s;
  s.id = id;
  for (auto& l : langs) s.languages.push_back(StoryLanguage{l, 0, "t", "src", "http://x/"});
  s.independent_sources = static_cast<int>(langs.size());
  return s;
}

TEST_CASE_METHOD(DispatcherFixture, "Restart: a story alerts once across a restart",
                 "[alert][dispatcher][restart]") {
  AlertOptions options;
  options.sinks = {Sink("hook", "webhook")};
  WatchlistOptions kz;
  kz.name = "kz";
  kz.min_languages = 3;
  WatchlistOptions all;
  all.name = "all";
  options.watchlists = {all, kz};
  Build({Sink("hook", "webhook")});
  {
    Wiring w(*store_, *dispatcher_, options);
    CHECK(w.Observe(Languages(1, {"en"}), 0) == 0);        // one language before ...
    CHECK(w.Observe(Languages(2, {"en", "uk"}), 0) == 1);  // "all" alerts story 2
  }
  OpenStore();  // the process restarts
  Build({Sink("hook", "webhook")});
  Wiring w(*store_, *dispatcher_, options);
  CHECK(w.Observe(Languages(1, {"en", "uk"}), 10) == 1);               // ... and a second after it
  CHECK(w.Observe(Languages(2, {"en", "uk"}), 10) == 0);               // not again
  CHECK(w.Observe(Languages(2, {"en", "uk", "ru"}), 1'000'000) == 2);  // update + kz
  std::vector<std::string> keys;
  for (const store::OutboxEntry& e : *store_->Pending()) keys.push_back(e.alert.idempotency_key);
  CHECK(keys ==
        std::vector<std::string>{"story-2/languages-2/watch-all", "story-1/languages-2/watch-all",
                                 "story-2/languages-3/watch-all", "story-2/languages-3/watch-kz"});
}

}  // namespace
}  // namespace babelwatch::alert
