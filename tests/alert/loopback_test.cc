// Sinks and the dispatcher over the real libcurl client against receivers on 127.0.0.1: a
// scripted webhook/Slack-like server (signature check, 429 Retry-After, 500, timeout) and
// Debian's prometheus-alertmanager started by the test.
#include <netinet/in.h>
#include <openssl/evp.h>
#include <signal.h>
#include <stdlib.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

#include <atomic>
#include <boost/asio/executor_work_guard.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/json.hpp>
#include <catch2/catch.hpp>
#include <chrono>
#include <filesystem>
#include <fstream>
#include <thread>

#include "alert/alertmanager_sink.h"
#include "alert/dispatcher.h"
#include "alert/slack_sink.h"
#include "alert/webhook_sink.h"
#include "net/curl_http_client.h"
#include "tests/alert/test_alerts.h"
#include "tests/store/result_printer.h"
#include "tests/support/loopback_http_server.h"

namespace babelwatch::alert {
namespace {

namespace fs = std::filesystem;
namespace json = boost::json;
using babelwatch::testing::LoopbackHttpServer;
using babelwatch::testing::RecordedRequest;
using babelwatch::testing::Respond;
using babelwatch::testing::ScriptedResponse;
using testing::SampleAlert;
using namespace std::chrono_literals;

std::string HmacHex(const std::string& key, const std::string& data) {
  unsigned char out[EVP_MAX_MD_SIZE];
  size_t len = 0;
  REQUIRE(EVP_Q_mac(nullptr, "HMAC", nullptr, "SHA256", nullptr, key.data(), key.size(),
                    reinterpret_cast<const unsigned char*>(data.data()), data.size(), out,
                    sizeof(out), &len) != nullptr);
  static constexpr char kHex[] = "0123456789abcdef";
  std::string hex;
  for (size_t i = 0; i < len; ++i) {
    hex += kHex[out[i] >> 4];
    hex += kHex[out[i] & 0xF];
  }
  return hex;
}

// Store + dispatcher + libcurl client on a private io_context, driven by the test thread.
class LoopbackFixture {
 protected:
  LoopbackFixture() : clock_(1'700'000'000'000) {
    std::string tmpl = (fs::temp_directory_path() / "babelwatch-loopback-XXXXXX").string();
    REQUIRE(mkdtemp(tmpl.data()) != nullptr);
    dir_ = tmpl;
    store::StoreOptions o;
    o.state_dir = (dir_ / "state").string();
    store_ = std::move(store::Store::Open(o).value());
    http_ = std::make_unique<net::CurlHttpClient>(ioc_, net::CurlHttpClientOptions{});
  }
  ~LoopbackFixture() {
    dispatcher_.reset();
    http_->CancelAll();
    ioc_.restart();
    ioc_.run_for(200ms);
    http_.reset();
    ioc_.restart();
    ioc_.run_for(200ms);
    store_.reset();
    std::error_code ec;
    fs::remove_all(dir_, ec);
  }

  void Build(std::unique_ptr<Sink> sink) {
    std::vector<std::unique_ptr<Sink>> sinks;
    sinks.push_back(std::move(sink));
    DispatcherOptions d;
    d.jitter_seed = 1;
    d.log = [](std::string_view) {};
    dispatcher_ = std::make_unique<Dispatcher>(*store_, std::move(sinks), clock_, d);
  }

  // Runs the event loop until `done` or a 20 s bound; returns done().
  template <class Pred>
  bool RunUntil(Pred done) {
    const auto deadline = std::chrono::steady_clock::now() + 20s;
    while (!done() && std::chrono::steady_clock::now() < deadline) {
      ioc_.restart();
      ioc_.run_for(20ms);
    }
    return done();
  }

  // Polls, then runs until no delivery is in flight.
  void PollAndSettle() {
    dispatcher_->Poll();
    REQUIRE(RunUntil([&] { return dispatcher_->Counters().sinks.at(0).in_flight == 0; }));
  }

  SinkOptions Options(std::string type, std::string url) {
    SinkOptions o;
    o.name = type;
    o.type = std::move(type);
    o.url = std::move(url);
    o.max_attempts = 5;
    o.timeout_s = 5;
    return o;
  }

  fs::path dir_;
  ManualClock clock_;
  boost::asio::io_context ioc_;
  std::unique_ptr<store::Store> store_;
  std::unique_ptr<net::CurlHttpClient> http_;
  std::unique_ptr<Dispatcher> dispatcher_;
};

TEST_CASE_METHOD(LoopbackFixture, "Loopback: a webhook receiver verifies the signature",
                 "[alert][loopback]") {
  LoopbackHttpServer server;
  server.Set("/hook", Respond(200, "ok"));
  SinkOptions o = Options("webhook", server.Url("/hook"));
  o.secret = "loopback-secret";
  Build(std::make_unique<WebhookSink>(o, "http://bw.example", *http_));
  REQUIRE(*dispatcher_->Submit(SampleAlert()) == SubmitStatus::kAccepted);
  PollAndSettle();
  const std::vector<RecordedRequest> got = server.Requests("/hook");
  REQUIRE(got.size() == 1);
  const RecordedRequest& r = got[0];
  CHECK(r.method == "POST");
  CHECK(r.Header("content-type") == "application/json");
  CHECK(r.Header("idempotency-key") == "story-42/languages-3");
  const std::string sig = r.Header("x-babelwatch-signature");
  const size_t comma = sig.find(",v1=");
  REQUIRE(sig.rfind("t=", 0) == 0);
  REQUIRE(comma != std::string::npos);
  const std::string ts = sig.substr(2, comma - 2);
  CHECK(ts == std::to_string(ToUnixMs(clock_.SystemNow()) / 1000));
  CHECK(sig.substr(comma + 4) == HmacHex("loopback-secret", ts + "." + r.body));
  boost::system::error_code ec;
  const json::value body = json::parse(r.body, ec);
  REQUIRE_FALSE(ec);
  CHECK(body.at("link").as_string() == "http://bw.example/api/stories/42");
  CHECK(store_->Pending()->empty());
}

TEST_CASE_METHOD(LoopbackFixture,
                 "Loopback: a Slack-like receiver throttles with 429 and fails with 500",
                 "[alert][loopback][slack]") {
  LoopbackHttpServer server;
  std::atomic<int> calls{0};
  server.SetResponder("/slack", [&](const RecordedRequest&) {
    switch (calls++) {
      case 0:
        return Respond(429, "rate_limited", {{"Retry-After", "3"}});
      case 1:
        return Respond(500, "internal_error");
      default:
        return Respond(200, "ok");
    }
  });
  Build(std::make_unique<SlackSink>(Options("slack", server.Url("/slack")), "http://bw", *http_));
  REQUIRE(*dispatcher_->Submit(SampleAlert()) == SubmitStatus::kAccepted);
  PollAndSettle();
  store::OutboxEntry row = store_->Pending()->at(0);
  CHECK(row.attempts == 1);
  CHECK_THAT(row.last_error, Catch::StartsWith("HTTP 429: rate_limited"));
  CHECK(row.next_attempt_ms == ToUnixMs(clock_.SystemNow()) + 3000);
  // Not before Retry-After.
  clock_.Advance(2999ms);
  PollAndSettle();
  CHECK(server.Count("/slack") == 1);
  clock_.Advance(1ms);
  PollAndSettle();
  CHECK(server.Count("/slack") == 2);
  row = store_->Pending()->at(0);
  CHECK(row.attempts == 2);
  CHECK_THAT(row.last_error, Catch::StartsWith("HTTP 500: internal_error"));
  clock_.SetSystem(row.next_attempt_ms);
  PollAndSettle();
  CHECK(server.Count("/slack") == 3);
  CHECK(store_->Pending()->empty());
  // Every attempt carried the same message.
  const std::vector<RecordedRequest> got = server.Requests("/slack");
  CHECK(got[0].body == got[2].body);
  CHECK_THAT(got[0].body, Catch::Contains("\"blocks\""));
}

TEST_CASE_METHOD(LoopbackFixture, "Loopback: a receiver that times out is retried later",
                 "[alert][loopback]") {
  LoopbackHttpServer server;
  ScriptedResponse slow = Respond(200, "late");
  slow.delay_ms = 4000;
  server.Set("/slow", slow);
  SinkOptions o = Options("webhook", server.Url("/slow"));
  o.timeout_s = 1;
  Build(std::make_unique<WebhookSink>(o, "http://bw", *http_));
  REQUIRE(*dispatcher_->Submit(SampleAlert()) == SubmitStatus::kAccepted);
  PollAndSettle();
  const std::vector<store::OutboxEntry> pending = *store_->Pending();
  REQUIRE(pending.size() == 1);
  CHECK(pending[0].attempts == 1);
  CHECK_THAT(pending[0].last_error, Catch::StartsWith("deadline_exceeded"));
  CHECK(pending[0].next_attempt_ms > ToUnixMs(clock_.SystemNow()));
}

TEST_CASE_METHOD(LoopbackFixture, "Loopback: a refused connection is retried, not lost",
                 "[alert][loopback]") {
  uint16_t port = 0;
  {
    LoopbackHttpServer gone;
    port = gone.port();
  }  // closed: nothing listens there any more
  Build(std::make_unique<WebhookSink>(
      Options("webhook", "http://127.0.0.1:" + std::to_string(port) + "/hook"), "http://bw",
      *http_));
  REQUIRE(*dispatcher_->Submit(SampleAlert()) == SubmitStatus::kAccepted);
  PollAndSettle();
  const std::vector<store::OutboxEntry> pending = *store_->Pending();
  REQUIRE(pending.size() == 1);
  CHECK_THAT(pending[0].last_error, Catch::StartsWith("unavailable"));
}

// ------------------------------------------------------------------------ alertmanager

uint16_t FreeLoopbackPort() {
  const int fd = socket(AF_INET, SOCK_STREAM, 0);
  REQUIRE(fd >= 0);
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  addr.sin_port = 0;
  REQUIRE(bind(fd, reinterpret_cast<sockaddr*>(&addr), sizeof(addr)) == 0);
  socklen_t len = sizeof(addr);
  REQUIRE(getsockname(fd, reinterpret_cast<sockaddr*>(&addr), &len) == 0);
  close(fd);
  return ntohs(addr.sin_port);
}

// prometheus-alertmanager on 127.0.0.1, alone (no cluster), killed at the end.
class AlertmanagerProcess {
 public:
  explicit AlertmanagerProcess(const fs::path& dir) : port_(FreeLoopbackPort()) {
    fs::create_directories(dir / "am-data");
    std::ofstream(dir / "am.yml") << "route:\n  receiver: blackhole\n"
                                     "receivers:\n  - name: blackhole\n";
    const std::string config = "--config.file=" + (dir / "am.yml").string();
    const std::string storage = "--storage.path=" + (dir / "am-data").string();
    const std::string listen = "--web.listen-address=127.0.0.1:" + std::to_string(port_);
    const std::string log = (dir / "am.log").string();
    REQUIRE(access(kBinary, X_OK) == 0);  // apt-get install prometheus-alertmanager
    pid_ = fork();
    REQUIRE(pid_ >= 0);
    if (pid_ == 0) {
      FILE* f = freopen(log.c_str(), "w", stderr);
      (void)f;
      execl(kBinary, kBinary, config.c_str(), storage.c_str(), listen.c_str(),
            "--cluster.listen-address=", static_cast<char*>(nullptr));
      _exit(127);
    }
  }
  ~AlertmanagerProcess() {
    if (pid_ > 0) {
      kill(pid_, SIGTERM);
      int status = 0;
      waitpid(pid_, &status, 0);
    }
  }
  std::string Url(std::string_view path) const {
    return "http://127.0.0.1:" + std::to_string(port_) + std::string(path);
  }

  static constexpr const char* kBinary = "/usr/bin/prometheus-alertmanager";

 private:
  uint16_t port_;
  pid_t pid_ = -1;
};

TEST_CASE_METHOD(LoopbackFixture,
                 "Loopback: a real Alertmanager receives the alert once, deduplicated",
                 "[alert][loopback][alertmanager]") {
  AlertmanagerProcess am(dir_);
  // Wait (bounded) until it answers /-/ready.
  auto get = [&](const std::string& url) {
    std::optional<Result<net::HttpResponse>> out;
    net::HttpRequest r;
    r.url = url;
    r.total_timeout_ms = 2000;
    http_->Fetch(r, [&](Result<net::HttpResponse> resp) { out = std::move(resp); });
    REQUIRE(RunUntil([&] { return out.has_value(); }));
    return std::move(*out);
  };
  bool ready = false;
  for (int i = 0; i < 100 && !ready; ++i) {
    Result<net::HttpResponse> r = get(am.Url("/-/ready"));
    ready = r && r->status == 200;
    if (!ready) std::this_thread::sleep_for(100ms);
  }
  REQUIRE(ready);

  // The alert is sent twice (as after a crash between the 2xx and the commit).
  Build(std::make_unique<AlertmanagerSink>(Options("alertmanager", am.Url("")), "http://bw.example",
                                           *http_));
  REQUIRE(*dispatcher_->Submit(SampleAlert()) == SubmitStatus::kAccepted);
  PollAndSettle();
  CHECK(store_->Pending()->empty());
  CHECK(dispatcher_->Counters().sinks[0].delivered == 1);
  AlertmanagerSink again(Options("alertmanager", am.Url("")), "http://bw.example", *http_);
  std::optional<DeliveryOutcome> second;
  again.Deliver(SampleAlert(), ToUnixMs(clock_.SystemNow()),
                [&](DeliveryOutcome o) { second = std::move(o); });
  REQUIRE(RunUntil([&] { return second.has_value(); }));
  CHECK(second->kind == DeliveryOutcome::Kind::kDelivered);

  Result<net::HttpResponse> list = get(am.Url("/api/v2/alerts"));
  REQUIRE(list);
  REQUIRE(list->status == 200);
  boost::system::error_code ec;
  const json::value alerts = json::parse(list->body, ec);
  REQUIRE_FALSE(ec);
  int ours = 0;
  for (const json::value& a : alerts.as_array()) {
    const json::object& labels = a.at("labels").as_object();
    if (labels.contains("idempotency_key") &&
        labels.at("idempotency_key").as_string() == "story-42/languages-3") {
      ++ours;
      CHECK(labels.at("alertname").as_string() == "BabelwatchStorySpread");
      CHECK(labels.at("languages").as_string() == "en,ru,uk");
      CHECK(a.at("annotations").at("link").as_string() == "http://bw.example/api/stories/42");
    }
  }
  CHECK(ours == 1);
}

}  // namespace
}  // namespace babelwatch::alert

namespace babelwatch::alert {
namespace {

TEST_CASE("Loopback: completions on other threads while Submit and Poll run",
          "[alert][loopback][threads]") {
  std::string tmpl = (fs::temp_directory_path() / "babelwatch-threads-XXXXXX").string();
  REQUIRE(mkdtemp(tmpl.data()) != nullptr);
  const fs::path dir = tmpl;
  LoopbackHttpServer server;
  std::atomic<int> calls{0};
  server.SetResponder(
      "/hook", [&](const RecordedRequest&) { return Respond(calls++ % 5 == 4 ? 503 : 200, ""); });
  constexpr int kAlerts = 100;
  {
    store::StoreOptions so;
    so.state_dir = (dir / "state").string();
    std::unique_ptr<store::Store> store = std::move(store::Store::Open(so).value());
    boost::asio::io_context ioc;
    auto guard = boost::asio::make_work_guard(ioc);
    net::CurlHttpClient http(ioc, net::CurlHttpClientOptions{});
    std::vector<std::thread> loop;
    for (int i = 0; i < 2; ++i) loop.emplace_back([&] { ioc.run_for(60s); });
    SinkOptions o;
    o.name = "hook";
    o.type = "webhook";
    o.url = server.Url("/hook");
    o.max_attempts = 100;
    std::vector<std::unique_ptr<Sink>> sinks;
    sinks.push_back(std::make_unique<WebhookSink>(o, "http://bw", http));
    RealClock clock;
    DispatcherOptions d;
    d.backoff_initial_ms = 2;
    d.backoff_max_ms = 10;
    d.log = [](std::string_view) {};
    Dispatcher dispatcher(*store, std::move(sinks), clock, d);
    std::atomic<int> accepted{0};  // Catch assertions are not thread-safe: count instead
    std::thread submitter([&] {
      for (int i = 0; i < kAlerts; ++i) {
        Result<SubmitStatus> s = dispatcher.Submit(SampleAlert(5000 + i));
        if (s && *s == SubmitStatus::kAccepted) ++accepted;
      }
    });
    const auto deadline = std::chrono::steady_clock::now() + 30s;
    bool done = false;
    while (!done && std::chrono::steady_clock::now() < deadline) {
      dispatcher.Poll();
      std::this_thread::sleep_for(2ms);
      done = dispatcher.Counters().sinks[0].delivered == kAlerts;
    }
    submitter.join();
    CHECK(accepted == kAlerts);
    CHECK(done);
    CHECK(store->Pending()->empty());
    http.CancelAll();
    guard.reset();
    ioc.stop();
    for (std::thread& t : loop) t.join();
  }
  std::error_code ec;
  fs::remove_all(dir, ec);
}

}  // namespace
}  // namespace babelwatch::alert
