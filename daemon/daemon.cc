#include "daemon/daemon.h"

#include <prometheus/counter.h>
#include <prometheus/gauge.h>
#include <prometheus/histogram.h>
#include <prometheus/registry.h>

#include <algorithm>
#include <boost/asio/io_context.hpp>
#include <boost/asio/post.hpp>
#include <boost/asio/signal_set.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/thread_pool.hpp>
#include <csignal>
#include <map>
#include <set>
#include <thread>
#include <unordered_map>

#include "alert/dispatcher.h"
#include "alert/sink_factory.h"
#include "alert/watchlist_router.h"
#include "core/log.h"
#include "daemon/api.h"
#include "daemon/pipeline.h"
#include "daemon/status_page.h"
#include "daemon/systemd_notifier.h"
#include "detect/engine.h"
#include "feeds/article_fetcher.h"
#include "feeds/feed_scheduler.h"
#include "feeds/feed_state.h"
#include "monitoring/health.h"
#include "monitoring/metrics_registry.h"
#include "monitoring/monitoring_routes.h"
#include "net/curl_http_client.h"
#include "net/http_server.h"
#include "store/store.h"

namespace babelwatch::daemon {
namespace {

constexpr auto kTickInterval = std::chrono::seconds(1);
constexpr auto kDrainTimeout = std::chrono::seconds(5);
constexpr auto kDeliveryGrace = std::chrono::seconds(3);
constexpr auto kOnceDeadline = std::chrono::seconds(120);
constexpr int kExitFailure = 1;
constexpr int64_t kPruneEveryMs = 3600LL * 1000;

// Counters mirrored from the pipeline's and dispatcher's own atomics once per tick.
class DaemonMetrics {
 public:
  explicit DaemonMetrics(prometheus::Registry& r)
      : items_(prometheus::BuildCounter()
                   .Name("babelwatch_pipeline_items_total")
                   .Help("Items handed to detection, by result (submitted, dropped, duplicate)")
                   .Register(r)),
        documents_(prometheus::BuildCounter()
                       .Name("babelwatch_detect_documents_total")
                       .Help("Documents analyzed and assigned to a story")
                       .Register(r)
                       .Add({})),
        analysis_seconds_(prometheus::BuildCounter()
                              .Name("babelwatch_detect_analysis_seconds_total")
                              .Help("CPU time spent analyzing documents")
                              .Register(r)
                              .Add({})),
        stories_created_(prometheus::BuildCounter()
                             .Name("babelwatch_detect_stories_created_total")
                             .Help("Stories started by a document that joined none")
                             .Register(r)
                             .Add({})),
        syndicated_(prometheus::BuildCounter()
                        .Name("babelwatch_detect_syndicated_documents_total")
                        .Help("Near-identical copies of a document already in the story")
                        .Register(r)
                        .Add({})),
        alerts_raised_(prometheus::BuildCounter()
                           .Name("babelwatch_alerts_raised_total")
                           .Help("Alerts raised by the spread detector")
                           .Register(r)
                           .Add({})),
        store_errors_(prometheus::BuildCounter()
                          .Name("babelwatch_store_errors_total")
                          .Help("Store calls that failed (disk full, read-only, I/O)")
                          .Register(r)
                          .Add({})),
        deliveries_(prometheus::BuildCounter()
                        .Name("babelwatch_alert_deliveries_total")
                        .Help("Alert delivery attempts by sink and result")
                        .Register(r)),
        outbox_(prometheus::BuildGauge()
                    .Name("babelwatch_alert_outbox")
                    .Help("Alerts in the outbox by sink and state (pending, dead)")
                    .Register(r)),
        unrouted_(prometheus::BuildGauge()
                      .Name("babelwatch_alert_outbox_unrouted")
                      .Help("Pending outbox rows addressed to sinks no longer configured "
                            "(removed by a reload); delivered if the sink comes back")
                      .Register(r)
                      .Add({})),
        unsaved_(prometheus::BuildGauge()
                     .Name("babelwatch_alert_unsaved")
                     .Help("Alerts held in memory because the store refused them")
                     .Register(r)
                     .Add({})),
        in_flight_(prometheus::BuildGauge()
                       .Name("babelwatch_pipeline_in_flight")
                       .Help("Items between submission and story assignment")
                       .Register(r)
                       .Add({})),
        stories_(prometheus::BuildGauge()
                     .Name("babelwatch_stories")
                     .Help("Stories in the window, by kind (all, cross_language)")
                     .Register(r)),
        index_documents_(prometheus::BuildGauge()
                             .Name("babelwatch_index_documents")
                             .Help("Documents in the sliding-window index")
                             .Register(r)
                             .Add({})),
        index_bytes_(prometheus::BuildGauge()
                         .Name("babelwatch_index_bytes")
                         .Help("Memory of the sketch index: signatures and postings, not text")
                         .Register(r)
                         .Add({})),
        index_evictions_(prometheus::BuildCounter()
                             .Name("babelwatch_index_evictions_total")
                             .Help("Documents evicted from the index with their expired slices")
                             .Register(r)
                             .Add({})),
        feeds_(prometheus::BuildGauge()
                   .Name("babelwatch_feeds")
                   .Help("Configured feeds by state (ok, failing)")
                   .Register(r)),
        by_language_(prometheus::BuildCounter()
                         .Name("babelwatch_detect_language_documents_total")
                         .Help("Documents assigned to a story, by detected language")
                         .Register(r)),
        analysis_duration_(prometheus::BuildHistogram()
                               .Name("babelwatch_detect_analysis_duration_seconds")
                               .Help("Time to analyze one document")
                               .Register(r)
                               .Add({}, prometheus::Histogram::BucketBoundaries{
                                            0.0001, 0.0003, 0.001, 0.003, 0.01, 0.03, 0.1,
                                            0.3, 1})),
        alert_latency_(prometheus::BuildHistogram()
                           .Name("babelwatch_alert_latency_seconds")
                           .Help("From the first sight of the document that raised an alert to "
                                 "the alert")
                           .Register(r)
                           .Add({}, prometheus::Histogram::BucketBoundaries{
                                        0.01, 0.05, 0.1, 0.5, 1, 5, 10, 30, 60})) {}

  prometheus::Histogram& analysis_duration() { return analysis_duration_; }

  // Documents by detected language. Codes come from language identification or the config,
  // a bounded set; past kMaxLanguages distinct values the rest count as "other".
  void CountDocument(const std::string& lang) {
    static constexpr size_t kMaxLanguages = 200;
    std::string label = lang.empty() ? "un" : lang;
    if (seen_languages_.size() >= kMaxLanguages && !seen_languages_.count(label)) label = "other";
    seen_languages_.insert(label);
    by_language_.Add({{"lang", label}}).Increment();
  }
  prometheus::Histogram& alert_latency() { return alert_latency_; }

  void Sync(const PipelineStats& p, const alert::DispatcherCounters& d,
            const std::vector<StorySummary>& stories) {
    Advance(items_.Add({{"result", "submitted"}}), p.submitted.load());
    Advance(items_.Add({{"result", "dropped"}}), p.dropped.load());
    Advance(items_.Add({{"result", "duplicate"}}), p.duplicates.load());
    Advance(documents_, p.assigned.load());
    Advance(analysis_seconds_, static_cast<double>(p.analysis_ns_total.load()) / 1e9);
    Advance(stories_created_, p.new_stories.load());
    Advance(syndicated_, p.syndicated.load());
    Advance(alerts_raised_, p.alerts_raised.load());
    Advance(store_errors_, static_cast<double>(p.store_errors.load() + d.store_errors));
    for (const alert::SinkCounters& s : d.sinks) {
      Advance(deliveries_.Add({{"sink", s.sink}, {"result", "delivered"}}), s.delivered);
      Advance(deliveries_.Add({{"sink", s.sink}, {"result", "failed"}}), s.failed_attempts);
      Advance(deliveries_.Add({{"sink", s.sink}, {"result", "dead_lettered"}}), s.dead_lettered);
    }
    unsaved_.Set(static_cast<double>(d.unsaved));
    int cross = 0;
    for (const StorySummary& s : stories) cross += s.languages.size() >= 2;
    stories_.Add({{"kind", "all"}}).Set(static_cast<double>(stories.size()));
    stories_.Add({{"kind", "cross_language"}}).Set(cross);
    index_documents_.Set(static_cast<double>(p.index_documents.load()));
    index_bytes_.Set(static_cast<double>(p.index_bytes.load()));
    Advance(index_evictions_, static_cast<double>(p.index_evictions.load()));
  }

  void SetInFlight(size_t n) { in_flight_.Set(static_cast<double>(n)); }

  // Runs on the store writer thread only. Every sink reported once stays reported (a sink
  // removed by a reload shows its rows left in the outbox, then 0), so no gauge is stale.
  void SetOutbox(const std::vector<store::SinkDepth>& depth,
                 const std::vector<std::string>& sinks) {
    reported_sinks_.insert(sinks.begin(), sinks.end());
    double unrouted = 0;
    for (const auto& d : depth) {
      if (std::find(sinks.begin(), sinks.end(), d.sink) != sinks.end()) continue;
      unrouted += static_cast<double>(d.pending);
      // Bounded: outbox rows are addressed only to names the config gave.
      if (d.pending > 0 || d.dead > 0) reported_sinks_.insert(d.sink);
    }
    unrouted_.Set(unrouted);
    for (const std::string& sink : reported_sinks_) {
      double pending = 0, dead = 0;
      for (const auto& d : depth) {
        if (d.sink == sink) {
          pending = static_cast<double>(d.pending);
          dead = static_cast<double>(d.dead);
        }
      }
      outbox_.Add({{"sink", sink}, {"state", "pending"}}).Set(pending);
      outbox_.Add({{"sink", sink}, {"state", "dead"}}).Set(dead);
    }
  }

  void SetFeeds(const std::vector<feeds::FeedState>& states) {
    int failing = 0;
    for (const auto& s : states) failing += s.failing;
    feeds_.Add({{"state", "ok"}}).Set(static_cast<double>(states.size()) - failing);
    feeds_.Add({{"state", "failing"}}).Set(failing);
  }

 private:
  // Counters only go up: add what the source counted since the last sync.
  static void Advance(prometheus::Counter& c, double total) {
    if (total > c.Value()) c.Increment(total - c.Value());
  }

  prometheus::Family<prometheus::Counter>& items_;
  prometheus::Counter& documents_;
  prometheus::Counter& analysis_seconds_;
  prometheus::Counter& stories_created_;
  prometheus::Counter& syndicated_;
  prometheus::Counter& alerts_raised_;
  prometheus::Counter& store_errors_;
  prometheus::Family<prometheus::Counter>& deliveries_;
  prometheus::Family<prometheus::Gauge>& outbox_;
  prometheus::Gauge& unrouted_;
  std::set<std::string> reported_sinks_;  // store writer thread only
  prometheus::Gauge& unsaved_;
  prometheus::Gauge& in_flight_;
  prometheus::Family<prometheus::Gauge>& stories_;
  prometheus::Gauge& index_documents_;
  prometheus::Gauge& index_bytes_;
  prometheus::Counter& index_evictions_;
  prometheus::Family<prometheus::Gauge>& feeds_;
  prometheus::Family<prometheus::Counter>& by_language_;
  prometheus::Histogram& analysis_duration_;
  prometheus::Histogram& alert_latency_;
  std::set<std::string> seen_languages_;  // touched only on the detect strand
};

std::vector<feeds::FeedSpec> FeedSpecs(const config::Config& c) {
  std::vector<feeds::FeedSpec> specs;
  for (const auto& f : c.feeds.feeds) specs.push_back(feeds::ToFeedSpec(f));
  return specs;
}

// The changed keys a reload does not apply (they need a restart), for the reload log line:
// "server.listen, detect.window". A section that differs in a field not named here is
// reported whole ("[detect]"), so no change is ever left unmentioned.
std::string RestartNeeded(const config::Config& a, const config::Config& b) {
  std::string out;
  bool section_named = false;
  auto key = [&](bool changed, const char* name) {
    if (!changed) return;
    out += std::string(out.empty() ? "" : ", ") + name;
    section_named = true;
  };
  auto section = [&](bool changed, const char* name) {
    if (changed && !section_named) key(true, name);
    section_named = false;
  };
  const auto& sa = a.server;
  const auto& sb = b.server;
  key(sa.address != sb.address || sa.port != sb.port, "server.listen");
  key(sa.api_token != sb.api_token, "server.api_token");
  key(sa.max_request_bytes != sb.max_request_bytes, "server.max_request_bytes");
  key(sa.requests_per_second != sb.requests_per_second, "server.requests_per_second");
  section(!(sa == sb), "[server]");
  key(a.store.state_dir != b.store.state_dir, "store.state_dir");
  section(!(a.store == b.store), "[store]");
  const auto& da = a.detect;
  const auto& db = b.detect;
  key(da.window_ms != db.window_ms, "detect.window");
  key(da.slice_ms != db.slice_ms, "detect.slice");
  key(da.minhash_bands != db.minhash_bands, "detect.bands");
  key(da.minhash_rows != db.minhash_rows, "detect.rows");
  key(da.seed != db.seed, "detect.seed");
  key(da.same_language_threshold != db.same_language_threshold, "detect.same_language_threshold");
  key(da.cross_language_threshold != db.cross_language_threshold,
      "detect.cross_language_threshold");
  key(da.worker_threads != db.worker_threads, "detect.workers");
  section(!(da == db), "[detect]");
  const auto& fa = a.feeds;
  const auto& fb = b.feeds;
  key(fa.user_agent != fb.user_agent, "fetch.user_agent");
  key(fa.proxy != fb.proxy, "fetch.proxy");
  key(fa.default_interval_s != fb.default_interval_s, "fetch.interval");
  key(fa.min_interval_s != fb.min_interval_s, "fetch.min_interval");
  key(fa.max_interval_s != fb.max_interval_s, "fetch.max_interval");
  key(fa.connect_timeout_s != fb.connect_timeout_s, "fetch.connect_timeout");
  key(fa.total_timeout_s != fb.total_timeout_s, "fetch.timeout");
  key(fa.max_body_bytes != fb.max_body_bytes, "fetch.max_body_bytes");
  key(fa.max_redirects != fb.max_redirects, "fetch.max_redirects");
  key(fa.per_host_concurrency != fb.per_host_concurrency, "fetch.per_host_concurrency");
  key(fa.per_host_spacing_ms != fb.per_host_spacing_ms, "fetch.per_host_spacing");
  key(fa.failing_after != fb.failing_after, "fetch.failing_after");
  key(fa.allow_file_urls != fb.allow_file_urls, "fetch.allow_file_urls");
  auto fetch_a = fa;
  auto fetch_b = fb;
  fetch_a.feeds.clear();
  fetch_b.feeds.clear();
  section(!(fetch_a == fetch_b), "[fetch]");
  return out;
}

// "a, b" or "none".
std::string JoinNames(const std::vector<std::string>& names) {
  std::string out;
  for (const std::string& n : names) out += (out.empty() ? "\"" : ", \"") + n + "\"";
  return out.empty() ? "none" : out;
}

// What a reload changes in the sinks, by name.
struct SinkChanges {
  std::vector<std::string> added, removed, changed;
};

SinkChanges DiffSinks(const std::vector<alert::SinkOptions>& before,
                      const std::vector<alert::SinkOptions>& after) {
  SinkChanges c;
  auto find = [](const std::vector<alert::SinkOptions>& v, const std::string& name) {
    return std::find_if(v.begin(), v.end(), [&](const auto& s) { return s.name == name; });
  };
  for (const auto& s : after) {
    auto old = find(before, s.name);
    if (old == before.end()) {
      c.added.push_back(s.name);
    } else if (!(*old == s)) {
      c.changed.push_back(s.name);
    }
  }
  for (const auto& s : before) {
    if (find(after, s.name) == after.end()) c.removed.push_back(s.name);
  }
  return c;
}

}  // namespace

struct Daemon::State {
  State(DaemonOptions o, config::Config c)
      : options(std::move(o)),
        config(std::move(c)),
        registry(monitoring::MetricsRegistry()),
        metrics(registry),
        signals(ioc, SIGINT, SIGTERM, SIGHUP),
        tick(ioc),
        watchdog(ioc),
        grace(ioc) {}

  int Run();
  Result<void> Start();
  void OnSignal(const boost::system::error_code& ec, int signo);
  void Reload();
  void ReloadAlerts(const alert::AlertOptions& next);
  void Tick();
  void PingWatchdog();
  void Stop(int code);
  void FinishStop();
  void CheckOnce();
  void OnFeedState(const feeds::FeedState& state);
  void OnItems(const std::string& feed_id, std::vector<Item> items);

  // Constant after construction.
  const DaemonOptions options;
  config::Config config;  // replaced by Reload() on the event loop
  RealClock clock;
  prometheus::Registry& registry;
  DaemonMetrics metrics;
  SystemdNotifier notifier;
  monitoring::HealthState health;

  boost::asio::io_context ioc;
  boost::asio::signal_set signals;
  boost::asio::steady_timer tick;
  boost::asio::steady_timer watchdog;
  boost::asio::steady_timer grace;
  boost::asio::thread_pool store_writer{1};  // feed-state writes, off the event loop
  // Slack rate limits by webhook URL, kept across reloads (event loop only).
  std::shared_ptr<alert::SlackRateLimits> slack_limits = std::make_shared<alert::SlackRateLimits>();

  // Services, in construction order; destroyed in reverse by Run().
  std::unique_ptr<store::Store> store;
  std::unique_ptr<detect::Engine> engine;
  std::unique_ptr<net::CurlHttpClient> http;
  std::unique_ptr<alert::Dispatcher> dispatcher;
  std::unique_ptr<Pipeline> pipeline;
  std::unique_ptr<feeds::ArticleFetcher> articles;  // pages of full_text feeds' new items
  std::unique_ptr<feeds::FeedScheduler> scheduler;
  std::unique_ptr<Api> api;
  std::unique_ptr<net::HttpServer> server;

  bool stopping = false;
  int exit_code = 0;
  int64_t started_ms = 0;
  int64_t last_prune_ms = 0;  // 0: the first tick prunes what expired while stopped
  MonotonicTime once_deadline;
  bool once_flushing = false;
  std::atomic<bool> once_flushed{false};
  std::unordered_map<std::string, std::string> feed_errors;  // scheduler strand only
};

Result<void> Daemon::State::Start() {
  started_ms = ToUnixMs(clock.SystemNow());
  auto opened = store::Store::Open(config.store);
  if (!opened) return opened.error().WithContext("opening the store");
  store = std::move(*opened);
  Log(LogLevel::kInfo, "babelwatchd", "store " + store->path() + " open");

  auto e = detect::Engine::Create(config.detect);
  if (!e) return e.error().WithContext("loading the detection resources");
  engine = std::move(*e);
  Log(LogLevel::kInfo, "babelwatchd",
      "detection resources loaded in " + std::to_string(engine->resource_load_seconds()) + " s");

  http = std::make_unique<net::CurlHttpClient>(ioc, feeds::ToCurlHttpClientOptions(config.feeds));

  alert::SinkContext sink_context;
  sink_context.http = http.get();
  sink_context.public_url = config.alert.public_url;
  sink_context.slack_limits = slack_limits;
  auto sinks = alert::MakeSinks(config.alert.sinks, sink_context);
  if (!sinks) return sinks.error().WithContext("configuring sinks");
  if (sinks->empty()) {
    Log(LogLevel::kWarning, "babelwatchd", "no [[sinks]] configured: alerts are only kept in "
                                           "the outbox and shown by /api/alerts");
  }
  dispatcher = std::make_unique<alert::Dispatcher>(*store, std::move(*sinks), clock);

  Pipeline::Options popts;
  popts.workers = config.detect.worker_threads > 0
                      ? config.detect.worker_threads
                      : static_cast<int>(std::max(1u, std::thread::hardware_concurrency()));
  popts.window_ms = config.detect.window_ms;
  popts.observe_analysis = [this](double s) { metrics.analysis_duration().Observe(s); };
  popts.observe_alert_latency = [this](double s) { metrics.alert_latency().Observe(s); };
  popts.observe_document = [this](const std::string& lang) { metrics.CountDocument(lang); };
  pipeline = std::make_unique<Pipeline>(
      popts, config.alert, *engine, *store, clock,
      [this](const std::vector<alert::RoutedAlert>& alerts) {
        for (const alert::RoutedAlert& routed : alerts) {
          const Alert& a = routed.alert;
          std::string langs;
          for (const auto& l : a.languages) langs += (langs.empty() ? "" : ",") + l;
          Log(LogLevel::kNotice, "alert",
              a.kind + " story " + std::to_string(a.story) + " [" + langs + "] from " +
                  std::to_string(a.sources) + " sources (" + a.idempotency_key + ")");
          auto r = dispatcher->Submit(a, routed.sinks, routed.watchlist);
          if (!r) Log(LogLevel::kError, "alert", "not accepted: " + r.error().message);
        }
        boost::asio::post(ioc, [this] {
          if (dispatcher) dispatcher->Poll();
        });
      });
  if (auto r = pipeline->Restore(started_ms); !r) return r;

  feeds::ArticleFetcherOptions article_options;
  article_options.per_host_spacing = std::chrono::milliseconds(config.feeds.per_host_spacing_ms);
  article_options.connect_timeout_ms = config.feeds.connect_timeout_s * 1000;
  article_options.max_redirects = config.feeds.max_redirects;
  articles = std::make_unique<feeds::ArticleFetcher>(
      ioc, *http, registry, article_options, [this](Item item) {
        if (!pipeline->Submit(std::move(item))) {
          Log(LogLevel::kWarning, "pipeline", "item with fetched page refused (queue full)");
        }
      });

  feeds::SchedulerOptions scheduler_options = feeds::ToSchedulerOptions(config.feeds);
  if (options.once) scheduler_options.initial_spread = std::chrono::milliseconds(0);
  scheduler = std::make_unique<feeds::FeedScheduler>(
      ioc, *http, clock, registry, scheduler_options,
      [this](const std::string& feed_id, std::vector<Item> items) {
        OnItems(feed_id, std::move(items));
      },
      [this](const feeds::FeedState& state) { OnFeedState(state); });
  std::vector<feeds::FeedState> restored;
  if (auto blobs = store->LoadFeedStates()) {
    for (const store::FeedState& b : *blobs) {
      auto fs = feeds::FeedStateFromJson(b.json);
      if (!fs) continue;
      // The first poll after a start is unconditional: items of a 200 that was persisted
      // but not yet processed when the process died would otherwise hide behind a 304.
      fs->etag.clear();
      fs->last_modified.clear();
      restored.push_back(std::move(*fs));
    }
  } else {
    Log(LogLevel::kWarning, "babelwatchd", "feed state not restored: " + blobs.error().message);
  }
  scheduler->SetFeeds(FeedSpecs(config), std::move(restored));

  net::HttpServerOptions sopts;
  sopts.address = config.server.address;
  sopts.port = config.server.port;
  sopts.max_request_bytes = config.server.max_request_bytes;
  server = std::make_unique<net::HttpServer>(ioc, sopts);
  monitoring::AddMonitoringRoutes(*server, registry, health);
  AddStatusPage(*server, [this] {
    return std::to_string(scheduler->States().size()) + " feeds · store " + store->path();
  });
  Api::Sources sources;
  sources.stories = [this] { return pipeline->Stories(); };
  sources.store = store.get();
  sources.feeds = [this] {
    std::vector<std::string> out;
    for (const auto& s : scheduler->States()) out.push_back(feeds::FeedStateToJson(s));
    return out;
  };
  api = std::make_unique<Api>(config.server, std::move(sources), clock);
  api->Register(*server);
  auto port = server->Start();
  if (!port) {
    return port.error().WithContext("listening on " + config.server.address + ":" +
                                    std::to_string(config.server.port));
  }
  Log(LogLevel::kInfo, "babelwatchd",
      "listening on " + config.server.address + ":" + std::to_string(*port));
  return {};
}

void Daemon::State::OnItems(const std::string& feed_id, std::vector<Item> items) {
  bool full_text = false;
  for (const auto& f : config.feeds.feeds) {
    if (f.id == feed_id) full_text = f.full_text;
  }
  size_t refused = 0;
  for (Item& item : items) {
    if (item.feed_id.empty()) item.feed_id = feed_id;
    if (full_text) {
      // Only new items are worth a page fetch; the pipeline checks again after it.
      auto seen = store->IsSeen(item.feed_id, item.id, item.url);
      if (seen && *seen) continue;
      if (articles->Submit(item)) continue;  // the page's text joins the item, then Submit
    }
    if (!pipeline->Submit(std::move(item))) ++refused;
  }
  if (refused > 0) {
    Log(LogLevel::kWarning, "pipeline",
        "feed " + feed_id + ": " + std::to_string(refused) + " items refused (queue full)");
  }
}

void Daemon::State::OnFeedState(const feeds::FeedState& state) {
  // Log transitions only: first success, a new error, recovery.
  auto [it, first] = feed_errors.emplace(state.feed_id, "\x01");
  if (!state.last_error.empty() && it->second != state.last_error) {
    Log(LogLevel::kWarning, "feeds",
        "feed " + state.feed_id + ": " + state.last_error +
            (state.failing ? " (failing after " + std::to_string(state.consecutive_errors) +
                                 " errors)"
                           : ""));
  } else if (state.last_error.empty() && it->second != "") {
    Log(LogLevel::kInfo, "feeds",
        "feed " + state.feed_id + ": ok, " + std::to_string(state.last_items) + " items from " +
            state.url);
  }
  it->second = state.last_error;
  (void)first;
  boost::asio::post(store_writer, [this, id = state.feed_id, json = feeds::FeedStateToJson(state),
                                   now = ToUnixMs(clock.SystemNow())] {
    if (auto r = store->PutFeedState(id, json, now); !r) {
      Log(LogLevel::kWarning, "feeds", "feed " + id + ": state not saved: " + r.error().message);
    }
  });
}

void Daemon::State::OnSignal(const boost::system::error_code& ec, int signo) {
  if (ec == boost::asio::error::operation_aborted) return;
  if (ec) {
    Log(LogLevel::kError, "babelwatchd", "signal wait failed: " + ec.message());
    return;
  }
  if (signo == SIGHUP) {
    Reload();
  } else {
    Log(LogLevel::kInfo, "babelwatchd",
        std::string("received ") + (signo == SIGTERM ? "SIGTERM" : "SIGINT") + ", stopping");
    Stop(0);
  }
  if (!stopping || signo == SIGHUP) {
    signals.async_wait([this](const boost::system::error_code& e, int s) { OnSignal(e, s); });
  }
}

void Daemon::State::Reload() {
  notifier.Reloading();
  auto next = config::LoadConfigFile(options.config_path);
  if (!next) {
    Log(LogLevel::kError, "config",
        "reload rejected, keeping the running configuration: " + options.config_path);
    const std::string& m = next.error().message;
    for (size_t start = 0; start <= m.size();) {
      size_t end = m.find('\n', start);
      if (end == std::string::npos) end = m.size();
      Log(LogLevel::kError, "config", m.substr(start, end - start));
      start = end + 1;
    }
    notifier.Ready();
    return;
  }
  std::map<std::string, bool> before, after;
  for (const auto& f : config.feeds.feeds) before[f.id] = true;
  for (const auto& f : next->feeds.feeds) after[f.id] = true;
  int added = 0, removed = 0;
  for (const auto& [id, _] : after) added += !before.count(id);
  for (const auto& [id, _] : before) {
    if (!after.count(id)) {
      ++removed;
      boost::asio::post(store_writer, [this, id = id] { (void)store->DeleteFeedState(id); });
    }
  }
  const std::string restart = RestartNeeded(config, *next);
  // Alerting first: alerts raised by items of newly added feeds meet the new sinks.
  if (!(config.alert == next->alert)) ReloadAlerts(next->alert);
  config.feeds.feeds = next->feeds.feeds;
  scheduler->SetFeeds(FeedSpecs(config));
  Log(LogLevel::kInfo, "config",
      "reloaded " + options.config_path + ": " + std::to_string(config.feeds.feeds.size()) +
          " feeds (" + std::to_string(added) + " added, " + std::to_string(removed) +
          " removed), " + std::to_string(config.alert.sinks.size()) + " sinks, " +
          std::to_string(config.alert.watchlists.size()) + " watch-lists");
  if (!restart.empty()) {
    Log(LogLevel::kWarning, "config",
        "changed keys that take effect only after a restart: " + restart);
  }
  notifier.Ready();
}

// Applies [alert], [[sinks]] and [[watchlists]] together, or nothing of them: the new sinks
// replace the dispatcher's on the detect strand right before the new watch-lists replace the
// router, so every alert is routed to sinks that exist. Rows already in the outbox keep their
// delivery; those of a removed sink stay pending and are reported here and by
// babelwatch_alert_outbox_unrouted.
void Daemon::State::ReloadAlerts(const alert::AlertOptions& next) {
  const SinkChanges changes = DiffSinks(config.alert.sinks, next.sinks);
  alert::SinkContext sink_context;
  sink_context.http = http.get();
  sink_context.public_url = next.public_url;
  sink_context.slack_limits = slack_limits;
  auto made = alert::MakeSinks(next.sinks, sink_context);
  if (!made) {
    Log(LogLevel::kError, "config",
        "reload: [alert], [[sinks]] and [[watchlists]] not applied, keeping the running ones: " +
            made.error().message);
    return;
  }
  auto sinks = std::make_shared<std::vector<std::unique_ptr<alert::Sink>>>(std::move(*made));
  alert::Dispatcher* d = dispatcher.get();
  auto applied = pipeline->SetAlertOptions(next, [d, sinks] { d->SetSinks(std::move(*sinks)); });
  if (!applied) {
    Log(LogLevel::kError, "config",
        "reload: [alert], [[sinks]] and [[watchlists]] not applied, keeping the running ones: " +
            applied.error().message);
    return;
  }
  const bool thresholds_changed = config.alert.min_languages != next.min_languages ||
                                  config.alert.min_sources != next.min_sources ||
                                  config.alert.update_cooldown_ms != next.update_cooldown_ms;
  const bool watchlists_changed = !(config.alert.watchlists == next.watchlists);
  config.alert = next;
  Log(LogLevel::kInfo, "config",
      "reload: sinks added " + JoinNames(changes.added) + ", changed " +
          JoinNames(changes.changed) + ", removed " + JoinNames(changes.removed) +
          (thresholds_changed ? "; new alert thresholds" : "") +
          (watchlists_changed ? "; new watch-lists" : ""));
  if (changes.removed.empty()) return;
  // Report what the removed sinks leave in the outbox (off the event loop, like Tick()).
  boost::asio::post(store_writer, [removed = changes.removed, this] {
    auto depth = store->Depth();
    if (!depth) {
      Log(LogLevel::kWarning, "config",
          "reload: outbox of the removed sinks not read: " + depth.error().message);
      return;
    }
    for (const std::string& name : removed) {
      for (const store::SinkDepth& row : *depth) {
        if (row.sink != name || (row.pending == 0 && row.dead == 0)) continue;
        Log(LogLevel::kWarning, "config",
            "reload: sink \"" + name + "\" removed with " + std::to_string(row.pending) +
                " alerts pending and " + std::to_string(row.dead) +
                " dead letters in the outbox; they stay there (see /api/alerts and "
                "babelwatch_alert_outbox_unrouted) and are delivered if the sink is configured "
                "again");
      }
    }
  });
}

void Daemon::State::Tick() {
  if (stopping) return;
  pipeline->Tick();
  dispatcher->Poll();
  auto stories = pipeline->Stories();
  metrics.Sync(pipeline->stats(), dispatcher->Counters(), *stories);
  metrics.SetInFlight(pipeline->InFlight());
  metrics.SetFeeds(scheduler->States());
  boost::asio::post(store_writer, [this, sinks = dispatcher->SinkNames()] {
    if (auto depth = store->Depth()) metrics.SetOutbox(*depth, sinks);
  });
  const int64_t now = ToUnixMs(clock.SystemNow());
  if (now - last_prune_ms >= kPruneEveryMs) {
    last_prune_ms = now;
    boost::asio::post(store_writer, [this, now] {
      auto pruned = store->Prune(now, now - config.detect.window_ms);
      if (!pruned) {
        Log(LogLevel::kWarning, "store", "prune failed: " + pruned.error().message);
      } else if (pruned->seen + pruned->documents + pruned->stories + pruned->alerts > 0) {
        Log(LogLevel::kInfo, "store",
            "pruned " + std::to_string(pruned->seen) + " seen items, " +
                std::to_string(pruned->documents) + " documents, " +
                std::to_string(pruned->stories) + " stories, " +
                std::to_string(pruned->alerts) + " alert records");
      }
    });
  }
  if (options.once) CheckOnce();
  tick.expires_after(kTickInterval);
  tick.async_wait([this](const boost::system::error_code& ec) {
    if (!ec) Tick();
  });
}

void Daemon::State::CheckOnce() {
  if (stopping) return;
  if (clock.MonotonicNow() > once_deadline) {
    Log(LogLevel::kWarning, "babelwatchd",
        "--once: gave up waiting after 120 s; undelivered alerts stay in the outbox");
    Stop(0);
    return;
  }
  if (!once_flushing) {
    const auto states = scheduler->States();
    size_t fetched = 0;
    for (const auto& s : states) fetched += s.last_fetch_ms >= started_ms;
    if (fetched < config.feeds.feeds.size()) return;  // not every feed was fetched yet
    if (pipeline->InFlight() > 0) return;
    once_flushing = true;
    pipeline->FlushHeldUpdates([this] { once_flushed = true; });
    return;
  }
  if (!once_flushed) return;
  const auto counters = dispatcher->Counters();
  for (const auto& s : counters.sinks) {
    if (s.in_flight > 0) return;
  }
  auto pending = store->Pending(1);
  if (pending && !pending->empty() && counters.unsaved == 0) {
    // Rows still due or waiting for a retry: keep going until the deadline.
    const auto next = store->NextAttemptMs();
    if (next && *next && **next <= ToUnixMs(clock.SystemNow()) + 30'000) return;
  }
  Log(LogLevel::kInfo, "babelwatchd", "--once: every feed polled and every alert handled");
  Stop(0);
}

void Daemon::State::PingWatchdog() {
  if (!notifier.watchdog_interval() || stopping) return;
  notifier.Watchdog();
  watchdog.expires_after(*notifier.watchdog_interval() / 2);
  watchdog.async_wait([this](const boost::system::error_code& ec) {
    if (!ec) PingWatchdog();
  });
}

void Daemon::State::Stop(int code) {
  if (stopping) return;
  stopping = true;
  exit_code = code;
  notifier.Stopping();
  health.SetReady(false);
  tick.cancel();
  watchdog.cancel();
  if (scheduler) scheduler->Stop();
  if (articles) articles->Stop();
  if (pipeline && !pipeline->Drain(kDrainTimeout)) {
    Log(LogLevel::kWarning, "babelwatchd",
        std::to_string(pipeline->InFlight()) + " items still queued at stop (polled again later)");
  }
  if (dispatcher) dispatcher->Poll();
  // Give deliveries in flight a moment, then cancel what remains: those rows stay in the
  // outbox and are sent after the next start.
  grace.expires_after(kDeliveryGrace);
  grace.async_wait([this](const boost::system::error_code&) { FinishStop(); });
}

void Daemon::State::FinishStop() {
  if (http) http->CancelAll();
  if (server) server->Stop();
  signals.cancel();
  ioc.stop();
}

int Daemon::State::Run() {
  if (auto r = Start(); !r) {
    Log(LogLevel::kError, "babelwatchd", r.error().message);
    return r.error().code == Code::kInvalidArgument ? config::kExitConfig : kExitFailure;
  }
  signals.async_wait([this](const boost::system::error_code& e, int s) { OnSignal(e, s); });
  health.SetReady(true);
  notifier.Ready();
  notifier.Status("polling " + std::to_string(config.feeds.feeds.size()) + " feeds");
  Log(LogLevel::kInfo, "babelwatchd",
      "ready: " + std::to_string(config.feeds.feeds.size()) + " feeds, " +
          std::to_string(dispatcher->SinkNames().size()) + " sinks");
  once_deadline = clock.MonotonicNow() + kOnceDeadline;
  PingWatchdog();
  Tick();
  ioc.run();

  // Reverse order of construction.
  server.reset();
  api.reset();
  scheduler.reset();
  articles.reset();
  pipeline.reset();
  store_writer.join();
  dispatcher.reset();
  http.reset();
  engine.reset();
  store.reset();
  Log(LogLevel::kInfo, "babelwatchd", "stopped");
  return exit_code;
}

Daemon::Daemon(DaemonOptions options, config::Config config)
    : state_(std::make_unique<State>(std::move(options), std::move(config))) {}

Daemon::~Daemon() = default;

int Daemon::Run() { return state_->Run(); }

}  // namespace babelwatch::daemon
