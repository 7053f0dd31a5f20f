#include "daemon/pipeline.h"

#include <algorithm>
#include <boost/asio/post.hpp>
#include <boost/asio/strand.hpp>
#include <boost/asio/thread_pool.hpp>
#include <mutex>
#include <thread>
#include <unordered_map>

#include "alert/watchlist_router.h"
#include "core/log.h"
#include "detect/engine.h"
#include "store/store.h"

namespace babelwatch::daemon {
namespace {

// Watch-lists are validated by config/ already; a failure here is a bug.
std::unique_ptr<alert::WatchlistRouter> MakeRouter(const alert::AlertOptions& options) {
  auto router = alert::WatchlistRouter::Create(options);
  if (!router) throw std::invalid_argument("watch-lists: " + router.error().message);
  return std::move(*router);
}

constexpr int64_t kFutureToleranceMs = 5 * 60 * 1000;
constexpr int64_t kSnapshotEveryMs = 1000;
}  // namespace

class Pipeline::Impl : public std::enable_shared_from_this<Pipeline::Impl> {
 public:
  Impl(Options options, const alert::AlertOptions& alert_options, detect::Engine& engine,
       store::Store& store, const Clock& clock, AlertsCallback on_alerts, PipelineStats& stats)
      : options_(std::move(options)),
        engine_(engine),
        store_(store),
        clock_(clock),
        on_alerts_(std::move(on_alerts)),
        window_ms_(options_.window_ms),
        stats_(stats),
        pool_(static_cast<size_t>(std::max(1, options_.workers))),
        strand_(boost::asio::make_strand(pool_.get_executor())),
        router_(MakeRouter(alert_options)),
        update_cooldown_ms_(alert_options.update_cooldown_ms),
        snapshot_(std::make_shared<const std::vector<StorySummary>>()) {}

  Result<void> Restore(int64_t now_ms) {
    auto window = store_.LoadWindow(now_ms - window_ms_);
    if (!window) return window.error().WithContext("restoring the detection window");
    auto spread_states = store_.LoadSpreadStates();
    if (!spread_states) return spread_states.error().WithContext("restoring alert state");
    // Story ids leave the process (API, alerts, store), so they must never repeat across
    // restarts: the engine's ids are offset past every id the store knows.
    StoryId max_id = 0;
    for (const auto& s : window->stories) max_id = std::max(max_id, s.id);
    for (const auto& d : window->documents) max_id = std::max(max_id, d.story);
    for (const auto& s : *spread_states) max_id = std::max(max_id, s.story);
    auto pending = store_.Pending(1'000'000);
    if (pending) {
      for (const auto& e : *pending) max_id = std::max(max_id, e.alert.story);
    }
    base_ = max_id;
    // Re-clustering the window rebuilds each story; it keeps the id it had (the id of its
    // earliest restored document), so links and alert state stay valid across restarts.
    std::vector<store::WindowDocument> resaved;
    resaved.reserve(window->documents.size());
    for (store::WindowDocument& doc : window->documents) {
      if (auto r = store_.MarkSeen(doc.item.feed_id, doc.item.id, doc.item.url, now_ms); !r) {
        return r.error().WithContext("marking restored documents seen");
      }
      detect::Assignment a = engine_.Add(doc.item);
      engine_to_global_.emplace(a.story, doc.story);
      doc.story = Global(a.story);
      resaved.push_back(std::move(doc));
    }
    stats_.restored_documents += resaved.size();
    for (const store::SpreadState& s : *spread_states) {
      router_->RestoreAlerted(s.scope, s.story, s.languages_alerted, s.last_alert_ms);
      alerted_[s.story] = std::max(alerted_[s.story], s.last_alert_ms);
    }
    if (!resaved.empty()) {
      if (auto r = store_.SaveDocuments(resaved); !r) {
        return r.error().WithContext("re-saving the restored window");
      }
    }
    for (const auto& story : engine_.Stories()) {
      if (auto r = store_.SaveStory(Global(story)); !r) {
        return r.error().WithContext("re-saving the restored stories");
      }
    }
    UpdateSnapshot(now_ms);
    Log(LogLevel::kInfo, "pipeline",
        "restored " + std::to_string(resaved.size()) + " documents in " +
            std::to_string(engine_to_global_.size()) + " stories; new story ids start after " +
            std::to_string(base_));
    return {};
  }

  bool Submit(Item item) {
    ++stats_.submitted;
    if (stopping_.load()) {
      ++stats_.dropped;
      return false;
    }
    if (in_flight_.fetch_add(1) >= options_.max_in_flight) {
      in_flight_.fetch_sub(1);
      ++stats_.dropped;
      return false;
    }
    const int64_t now = ToUnixMs(clock_.SystemNow());
    if (item.published_ms > now + kFutureToleranceMs || item.published_ms < now - window_ms_) {
      item.published_ms = now;
    }
    boost::asio::post(pool_, [self = shared_from_this(), item = std::move(item), now]() mutable {
      // Items already ingested (same feed and id, or same url) are not analyzed again. A
      // store error lets the item through: a possible duplicate beats a lost story.
      Result<bool> seen = self->store_.IsSeen(item.feed_id, item.id, item.url);
      if (!seen) {
        ++self->stats_.store_errors;
        Log(LogLevel::kWarning, "pipeline", "seen-item check failed: " + seen.error().message);
      } else if (*seen) {
        ++self->stats_.duplicates;
        self->in_flight_.fetch_sub(1);
        return;
      }
      const auto start = std::chrono::steady_clock::now();
      std::shared_ptr<const detect::Doc> doc = self->engine_.Analyze(item);
      const auto ns = std::chrono::duration_cast<std::chrono::nanoseconds>(
                          std::chrono::steady_clock::now() - start)
                          .count();
      self->stats_.analysis_ns_total += ns;
      ++self->stats_.analyzed;
      if (self->options_.observe_analysis) self->options_.observe_analysis(ns / 1e9);
      boost::asio::post(self->strand_, [self, item = std::move(item), doc = std::move(doc), now]() {
        self->Assign(item, doc, now);
        self->in_flight_.fetch_sub(1);
      });
    });
    return true;
  }

  void Tick() {
    boost::asio::post(strand_, [self = shared_from_this()] {
      const int64_t now = ToUnixMs(self->clock_.SystemNow());
      self->engine_.AdvanceTo(now);
      self->ForgetExpired(now);
      self->Raise(self->router_->Tick(now));
      self->UpdateSnapshot(now);
    });
  }

  void FlushHeldUpdates(std::function<void()> done) {
    boost::asio::post(strand_, [self = shared_from_this(), done = std::move(done)] {
      const int64_t now = ToUnixMs(self->clock_.SystemNow());
      self->Raise(self->router_->Tick(now + self->update_cooldown_ms_));
      if (done) done();
    });
  }

  bool Drain(std::chrono::milliseconds timeout) {
    stopping_ = true;
    const auto deadline = std::chrono::steady_clock::now() + timeout;
    while (in_flight_.load() > 0) {
      if (std::chrono::steady_clock::now() >= deadline) return false;
      std::this_thread::sleep_for(std::chrono::milliseconds(5));
    }
    return true;
  }

  // Posts the swap to strand_: `apply`, then `next` (with `cooldown_ms`) replaces router_.
  void SwapRouter(std::unique_ptr<alert::WatchlistRouter> next, int64_t cooldown_ms,
                  std::function<void()> apply) {
    // std::function needs a copyable handler: the router travels in a shared holder.
    auto holder = std::make_shared<std::unique_ptr<alert::WatchlistRouter>>(std::move(next));
    boost::asio::post(strand_, [self = shared_from_this(), holder, cooldown = cooldown_ms,
                                apply = std::move(apply)] {
      if (apply) apply();
      std::unique_ptr<alert::WatchlistRouter> router = std::move(*holder);
      const std::vector<std::string> fresh = router->AdoptStateFrom(*self->router_);
      self->router_ = std::move(router);
      self->update_cooldown_ms_ = cooldown;
      if (fresh.empty()) return;
      // New and changed lists learn what the store recorded, so they do not alert again.
      auto states = self->store_.LoadSpreadStates();
      if (!states) {
        ++self->stats_.store_errors;
        Log(LogLevel::kWarning, "pipeline",
            "reload: alert state of new or changed watch-lists not restored (the outbox still "
            "refuses repeated idempotency keys): " +
                states.error().message);
        return;
      }
      for (const store::SpreadState& st : *states) {
        self->router_->RestoreAlerted(st.scope, st.story, st.languages_alerted, st.last_alert_ms);
      }
    });
  }

  void Stop() {
    stopping_ = true;
    pool_.stop();
  }

  void Join() { pool_.join(); }

  std::shared_ptr<const std::vector<StorySummary>> Stories() const {
    std::lock_guard<std::mutex> lock(snapshot_mu_);
    return snapshot_;
  }

  size_t InFlight() const { return in_flight_.load(); }

 private:
  // The id a story of the engine has outside the process.
  StoryId Global(StoryId engine_id) const {
    auto it = engine_to_global_.find(engine_id);
    return it != engine_to_global_.end() ? it->second : base_ + engine_id;
  }
  StorySummary Global(StorySummary story) const {
    story.id = Global(story.id);
    return story;
  }

  // Runs on strand_. An item is marked seen only after its document is saved: a crash
  // before that leaves it unseen, so the next poll brings it again; a crash between the two
  // is mended by Restore(), which marks every restored document seen.
  void Assign(const Item& item, const std::shared_ptr<const detect::Doc>& doc,
              int64_t first_seen_ms) {
    // The same item may have been queued twice (two polls before the first was assigned).
    if (auto seen = store_.IsSeen(item.feed_id, item.id, item.url); seen && *seen) {
      ++stats_.duplicates;
      return;
    }
    detect::Assignment a = engine_.Assign(doc);
    ++stats_.assigned;
    if (options_.observe_document) options_.observe_document(a.lang);
    stats_.new_stories += a.new_story;
    stats_.syndicated += a.syndicated;
    const StoryId id = Global(a.story);
    if (auto r = store_.SaveDocument({item, id, a.lang, a.syndicated}); !r) {
      ++stats_.store_errors;
      Log(LogLevel::kWarning, "pipeline", "document not saved: " + r.error().message);
    }
    const int64_t seen_ms = ToUnixMs(clock_.SystemNow());
    if (auto r = store_.MarkSeen(item.feed_id, item.id, item.url, seen_ms); !r) {
      ++stats_.store_errors;
      Log(LogLevel::kWarning, "pipeline", "item not marked seen: " + r.error().message);
    }
    std::optional<StorySummary> story = engine_.Story(a.story);
    if (!story) return;
    StorySummary global = Global(std::move(*story));
    if (auto r = store_.SaveStory(global); !r) {
      ++stats_.store_errors;
      Log(LogLevel::kWarning, "pipeline", "story not saved: " + r.error().message);
    }
    Raise(router_->Observe(global, item.published_ms, item.feed_id), first_seen_ms);
    const int64_t now = ToUnixMs(clock_.SystemNow());
    if (now - last_snapshot_ms_ >= kSnapshotEveryMs) UpdateSnapshot(now);
  }

  // Runs on strand_. Hands raised alerts to the callback, which commits them to the outbox.
  void Raise(std::vector<alert::RoutedAlert> alerts, int64_t first_seen_ms = 0) {
    if (alerts.empty()) return;
    if (first_seen_ms > 0 && options_.observe_alert_latency) {
      const int64_t now = ToUnixMs(clock_.SystemNow());
      for (size_t i = 0; i < alerts.size(); ++i) {
        options_.observe_alert_latency(static_cast<double>(now - first_seen_ms) / 1000.0);
      }
    }
    for (const auto& a : alerts) alerted_[a.alert.story] = a.alert.at_ms;
    stats_.alerts_raised += alerts.size();
    if (on_alerts_) on_alerts_(alerts);
  }

  // Runs on strand_. The router keeps state only for stories that alerted; it is dropped
  // once such a story has had no alert for a whole window, so memory stays bounded.
  void ForgetExpired(int64_t now_ms) {
    for (auto it = alerted_.begin(); it != alerted_.end();) {
      if (now_ms - it->second > window_ms_) {
        router_->Forget(it->first);
        it = alerted_.erase(it);
      } else {
        ++it;
      }
    }
  }

  // Runs on strand_ (or before any work starts).
  void UpdateSnapshot(int64_t now_ms) {
    stats_.index_documents = engine_.documents();
    stats_.index_bytes = engine_.index_bytes();
    stats_.index_evictions = engine_.index_evictions();
    auto stories = std::make_shared<std::vector<StorySummary>>();
    for (StorySummary& s : engine_.Stories()) stories->push_back(Global(std::move(s)));
    std::sort(stories->begin(), stories->end(), [](const StorySummary& a, const StorySummary& b) {
      return a.last_seen_ms != b.last_seen_ms ? a.last_seen_ms > b.last_seen_ms : a.id > b.id;
    });
    std::lock_guard<std::mutex> lock(snapshot_mu_);
    snapshot_ = std::move(stories);
    last_snapshot_ms_ = now_ms;
  }

  // Constant after construction.
  const Options options_;
  detect::Engine& engine_;
  store::Store& store_;
  const Clock& clock_;
  const AlertsCallback on_alerts_;
  const int64_t window_ms_;
  PipelineStats& stats_;

  boost::asio::thread_pool pool_;
  boost::asio::strand<boost::asio::thread_pool::executor_type> strand_;
  std::atomic<size_t> in_flight_{0};
  std::atomic<bool> stopping_{false};

  // State below is touched only on strand_ (or in Restore(), before any work).
  std::unique_ptr<alert::WatchlistRouter> router_;
  int64_t update_cooldown_ms_;                    // replaced with the router by SetAlertOptions()
  std::unordered_map<StoryId, int64_t> alerted_;  // story -> time of its latest alert
  StoryId base_ = 0;                              // new stories get base_ + engine id
  std::unordered_map<StoryId, StoryId> engine_to_global_;  // restored stories keep their id
  int64_t last_snapshot_ms_ = 0;

  mutable std::mutex snapshot_mu_;
  std::shared_ptr<const std::vector<StorySummary>> snapshot_;  // GUARDED_BY(snapshot_mu_)
};

Pipeline::Pipeline(Options options, const alert::AlertOptions& alert_options,
                   detect::Engine& engine, store::Store& store, const Clock& clock,
                   AlertsCallback on_alerts)
    : impl_(std::make_shared<Impl>(std::move(options), alert_options, engine, store, clock,
                                   std::move(on_alerts), stats_)) {}

Pipeline::~Pipeline() {
  impl_->Stop();
  impl_->Join();
}

Result<void> Pipeline::Restore(int64_t now_ms) { return impl_->Restore(now_ms); }
bool Pipeline::Submit(Item item) { return impl_->Submit(std::move(item)); }
void Pipeline::Tick() { impl_->Tick(); }
void Pipeline::FlushHeldUpdates(std::function<void()> done) {
  impl_->FlushHeldUpdates(std::move(done));
}
bool Pipeline::Drain(std::chrono::milliseconds timeout) { return impl_->Drain(timeout); }
void Pipeline::Stop() { impl_->Stop(); }
Result<void> Pipeline::SetAlertOptions(const alert::AlertOptions& options,
                                       std::function<void()> apply) {
  auto router = alert::WatchlistRouter::Create(options);
  if (!router) return router.error().WithContext("watch-lists");
  impl_->SwapRouter(std::move(*router), options.update_cooldown_ms, std::move(apply));
  return {};
}
std::shared_ptr<const std::vector<StorySummary>> Pipeline::Stories() const {
  return impl_->Stories();
}
size_t Pipeline::InFlight() const { return impl_->InFlight(); }

}  // namespace babelwatch::daemon
