// outbox_crash_child STATE_DIR URL N: the alert half of the daemon in a process the crash
// test kills with SIGKILL at random points. It (re)submits alerts 0..N-1 (the detector
// raising them again after a restart; the store deduplicates by idempotency key),
// interleaved with outbox delivery to the webhook URL, and exits 0 once every alert was
// accepted and the outbox is empty. Exit 2 on a usage or store error.
#include <boost/asio/io_context.hpp>
#include <chrono>
#include <cstdlib>
#include <iostream>
#include <string>

#include "alert/dispatcher.h"
#include "alert/webhook_sink.h"
#include "net/curl_http_client.h"
#include "store/store.h"
#include "tests/alert/test_alerts.h"

using namespace babelwatch;
using namespace std::chrono_literals;

int main(int argc, char** argv) {
  if (argc != 4) {
    std::cerr << "usage: outbox_crash_child STATE_DIR URL N\n";
    return 2;
  }
  store::StoreOptions so;
  so.state_dir = argv[1];
  auto opened = store::Store::Open(so);
  if (!opened) {
    std::cerr << "outbox_crash_child: " << opened.error() << "\n";
    return 2;
  }
  std::unique_ptr<store::Store> store = std::move(*opened);
  const int n = std::atoi(argv[3]);
  boost::asio::io_context ioc;
  net::CurlHttpClient http(ioc, net::CurlHttpClientOptions{});
  alert::SinkOptions o;
  o.name = "hook";
  o.type = "webhook";
  o.url = argv[2];
  o.max_attempts = 1000;
  o.timeout_s = 2;
  std::vector<std::unique_ptr<alert::Sink>> sinks;
  sinks.push_back(std::make_unique<alert::WebhookSink>(o, "http://bw", http));
  alert::DispatcherOptions d;
  d.backoff_initial_ms = 20;
  d.backoff_max_ms = 100;
  d.log = [](std::string_view) {};
  RealClock clock;
  alert::Dispatcher dispatcher(*store, std::move(sinks), clock, d);

  int next = 0;
  const auto deadline = std::chrono::steady_clock::now() + 60s;
  while (std::chrono::steady_clock::now() < deadline) {
    // Raise a couple of alerts per turn, as documents arrive.
    for (int k = 0; k < 2 && next < n; ++k, ++next) {
      auto s = dispatcher.Submit(alert::testing::SampleAlert(1000 + next));
      if (!s) {
        std::cerr << "outbox_crash_child: " << s.error() << "\n";
        return 2;
      }
    }
    dispatcher.Poll();
    ioc.restart();
    ioc.run_for(5ms);
    if (next == n) {
      const alert::DispatcherCounters c = dispatcher.Counters();
      auto pending = store->Pending(1);
      if (pending && pending->empty() && c.sinks[0].in_flight == 0 && c.unsaved == 0 &&
          c.uncommitted == 0) {
        return 0;
      }
    }
  }
  std::cerr << "outbox_crash_child: not done within 60 s\n";
  return 3;
}
