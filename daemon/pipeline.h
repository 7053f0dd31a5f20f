// File: daemon/pipeline.h
//
// Pipeline: feeds → detect → alert inside the daemon. Items submitted from any thread are
// checked against the store's seen items, analyzed on a worker pool (pure CPU, in parallel),
// then assigned to stories, checked for spread (alert::WatchlistRouter) and persisted on one
// detect strand, so the Engine, the router and story ids are touched by one thread at a
// time without a mutex. Raised alerts go to the `on_alerts` callback on the detect strand;
// the daemon commits them to the outbox there (alert::Dispatcher::Submit) before anything
// is delivered.
//
// Thread-safe: Submit(), Stories(), stats and InFlight() may be called from any thread.
// Time: each document is placed at its published time unless that lies in the future or
// before the window, then at the time it was first seen (publishers' clocks are not trusted
// to move the window).
#pragma once

#include <atomic>
#include <chrono>
#include <functional>
#include <memory>
#include <string>
#include <vector>

#include "alert/options.h"
#include "core/clock.h"
#include "core/item.h"
#include "core/result.h"
#include "core/story.h"
#include "detect/options.h"

namespace babelwatch::alert {
struct RoutedAlert;
}
namespace babelwatch::detect {
class Engine;
}
namespace babelwatch::store {
class Store;
}

namespace babelwatch::daemon {

struct PipelineStats {
  std::atomic<uint64_t> submitted{0};   // items handed to Submit()
  std::atomic<uint64_t> dropped{0};     // refused because the queue was full
  std::atomic<uint64_t> duplicates{0};  // seen before (by id or url), not analyzed
  std::atomic<uint64_t> analyzed{0};
  std::atomic<uint64_t> assigned{0};
  std::atomic<uint64_t> new_stories{0};
  std::atomic<uint64_t> syndicated{0};
  std::atomic<uint64_t> alerts_raised{0};  // handed to the alerts callback (all lists)
  std::atomic<uint64_t> store_errors{0};   // store calls that failed
  std::atomic<uint64_t> restored_documents{0};
  std::atomic<int64_t> analysis_ns_total{0};
  // The window index as of the last snapshot (read on the detect strand, published here).
  std::atomic<uint64_t> index_documents{0};
  std::atomic<uint64_t> index_bytes{0};
  std::atomic<uint64_t> index_evictions{0};
};

class Pipeline {
 public:
  struct Options {
    int workers = 2;
    size_t max_in_flight = 10'000;  // items between Submit() and assignment
    int64_t window_ms = 72LL * 3600 * 1000;
    // Optional observers (thread-safe, e.g. Prometheus histograms): the analysis time of each
    // document, and for each alert a document raised, the time from that document's first
    // sight (Submit) to the alert.
    std::function<void(double seconds)> observe_analysis;
    std::function<void(double seconds)> observe_alert_latency;
    // Called on the detect strand with the language of each assigned document.
    std::function<void(const std::string& lang)> observe_document;
  };
  // Alerts with the watch-list that raised them and the sinks it routes to.
  using AlertsCallback = std::function<void(const std::vector<alert::RoutedAlert>&)>;

  // `engine`, `store` and `clock` must outlive the pipeline. `on_alerts` is called on the
  // detect strand with the alerts the spread detector raised.
  Pipeline(Options options, const alert::AlertOptions& alert_options, detect::Engine& engine,
           store::Store& store, const Clock& clock, AlertsCallback on_alerts);
  ~Pipeline();  // waits for the workers; call Stop() first to bound the wait

  Pipeline(const Pipeline&) = delete;
  Pipeline& operator=(const Pipeline&) = delete;

  // Rebuilds the window and the spread state from the store (before any Submit()).
  [[nodiscard]] Result<void> Restore(int64_t now_ms);

  // Queues one new item. Returns false, and counts it, when the queue is full or stopping.
  bool Submit(Item item);

  // Expires old documents and releases held-back updates. Posted to
  // the detect strand; call it from a timer.
  void Tick();

  // Releases every update the cooldown still holds back (a run that ends now has no later
  // tick). Posted to the detect strand; `done` runs there afterwards.
  void FlushHeldUpdates(std::function<void()> done);

  // Reload: the watch-lists and spread thresholds of `options` replace the running ones.
  // Posted to the detect strand, where `apply` (may be empty) runs first, so no alert is
  // raised between the two (the daemon swaps the dispatcher's sinks in `apply`). Lists whose
  // rules are unchanged keep their state; new and changed ones are given what the store
  // recorded, so a story does not alert twice for one list. kInvalidArgument, and nothing
  // changes, when the watch-lists are invalid (an unknown sink, a duplicate name).
  [[nodiscard]] Result<void> SetAlertOptions(const alert::AlertOptions& options,
                                             std::function<void()> apply);

  // Stops accepting items and waits up to `timeout` for queued ones. True if drained.
  bool Drain(std::chrono::milliseconds timeout);
  void Stop();

  // Stories in the window, newest activity first, as of the last update (≤ 1 s old).
  [[nodiscard]] std::shared_ptr<const std::vector<StorySummary>> Stories() const;
  [[nodiscard]] size_t InFlight() const;
  [[nodiscard]] const PipelineStats& stats() const { return stats_; }

  class Impl;

 private:
  PipelineStats stats_;
  std::shared_ptr<Impl> impl_;
};

}  // namespace babelwatch::daemon
