#include "feeds/feed_scheduler.h"

#include <algorithm>
#include <atomic>
#include <boost/asio/bind_executor.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/post.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/strand.hpp>
#include <cassert>
#include <deque>
#include <map>
#include <mutex>
#include <random>
#include <unordered_map>

#include "core/log.h"
#include "feeds/feed_metrics.h"
#include "feeds/feed_parser.h"
#include "feeds/poll_policy.h"

namespace babelwatch::feeds {
namespace {

namespace asio = boost::asio;
using Steady = std::chrono::steady_clock;
using std::chrono::milliseconds;

constexpr const char* kAccept =
    "application/rss+xml, application/atom+xml, application/feed+json, application/json;q=0.9, "
    "application/xml;q=0.9, text/xml;q=0.9, */*;q=0.8";

// At most `max_bytes` of `s`, cut before a UTF-8 continuation byte.
std::string Utf8Prefix(const std::string& s, size_t max_bytes) {
  if (s.size() <= max_bytes) return s;
  size_t n = max_bytes;
  while (n > 0 && (static_cast<unsigned char>(s[n]) & 0xC0) == 0x80) --n;
  return s.substr(0, n);
}

std::string StatusClass(int status) {
  if (status < 100 || status > 599) return "none";
  return std::to_string(status / 100) + "xx";
}

}  // namespace

FeedSpec ToFeedSpec(const FeedOptions& options) {
  FeedSpec spec;
  spec.id = options.id;
  spec.url = options.url;
  spec.language = options.language;
  spec.interval = std::chrono::seconds(std::max(0, options.interval_s));
  return spec;
}

net::CurlHttpClientOptions ToCurlHttpClientOptions(const FeedsOptions& options) {
  net::CurlHttpClientOptions out;
  out.user_agent = options.user_agent;
  out.proxy = options.proxy;
  return out;
}

SchedulerOptions ToSchedulerOptions(const FeedsOptions& o) {
  SchedulerOptions s;
  s.default_interval = std::chrono::seconds(o.default_interval_s);
  s.min_interval = std::chrono::seconds(o.min_interval_s);
  s.max_interval = std::chrono::seconds(o.max_interval_s);
  s.max_backoff = std::max(s.max_backoff, s.max_interval);
  s.per_host_concurrency = o.per_host_concurrency;
  s.per_host_spacing = milliseconds(o.per_host_spacing_ms);
  s.failing_after = o.failing_after;
  s.connect_timeout_ms = o.connect_timeout_s * 1000;
  s.total_timeout_ms = o.total_timeout_s * 1000;
  s.max_body_bytes = o.max_body_bytes;
  s.max_redirects = o.max_redirects;
  s.allow_file_urls = o.allow_file_urls;
  return s;
}

class FeedScheduler::Impl : public std::enable_shared_from_this<FeedScheduler::Impl> {
 public:
  Impl(asio::io_context& ioc, net::HttpClient& client, const Clock& clock,
       prometheus::Registry& registry, SchedulerOptions options, ItemsCallback on_items,
       StateCallback on_state)
      : ioc_(ioc),
        client_(client),
        clock_(clock),
        options_(std::move(options)),
        on_items_(std::move(on_items)),
        on_state_(std::move(on_state)),
        metrics_(registry),
        strand_(asio::make_strand(ioc)),
        random_(options_.seed != 0 ? options_.seed : std::random_device()()) {}

  void SetFeeds(std::vector<FeedSpec> feeds, std::vector<FeedState> restored) {
    asio::post(strand_, [self = shared_from_this(), feeds = std::move(feeds),
                         restored = std::move(restored)]() mutable {
      self->SetFeedsOnStrand(std::move(feeds), std::move(restored));
    });
  }

  void PollNow(const std::string& feed_id) {
    asio::post(strand_, [self = shared_from_this(), feed_id] {
      if (self->stopped_) return;
      auto it = self->feeds_.find(feed_id);
      if (it == self->feeds_.end()) return;
      FeedEntry& entry = *it->second;
      if (entry.in_flight || entry.queued) return;
      entry.timer.cancel();
      self->Enqueue(entry);
    });
  }

  void Stop() {
    if (stopped_.exchange(true)) return;
    asio::post(strand_, [self = shared_from_this()] {
      for (auto& [id, entry] : self->feeds_) entry->timer.cancel();
      for (auto& [key, host] : self->hosts_) {
        host->timer.cancel();
        host->waiting.clear();
      }
    });
  }

  std::vector<FeedState> States() const {
    std::lock_guard<std::mutex> lock(snapshot_mutex_);
    std::vector<FeedState> out;
    out.reserve(snapshot_.size());
    for (const auto& [id, state] : snapshot_) out.push_back(state);
    return out;
  }

 private:
  struct FeedEntry {
    FeedEntry(asio::io_context& ioc, uint64_t serial_in) : serial(serial_in), timer(ioc) {}
    FeedSpec spec;
    FeedState state;
    const uint64_t serial;  // distinguishes a removed-then-re-added feed from the old one
    asio::steady_timer timer;
    bool in_flight = false;
    bool queued = false;  // waiting for its host's limits
  };

  struct HostState {
    explicit HostState(asio::io_context& ioc) : timer(ioc) {}
    int in_flight = 0;
    Steady::time_point next_start{};
    std::deque<std::pair<std::string, uint64_t>> waiting;  // feed id, serial
    asio::steady_timer timer;
    bool timer_armed = false;
  };

  milliseconds IntervalOf(const FeedEntry& entry) const {
    // A configured interval is the user's choice, but never below the politeness floor.
    if (entry.spec.interval.count() > 0)
      return std::max(entry.spec.interval, options_.min_interval);
    if (entry.state.interval_ms > 0) {
      return std::clamp(milliseconds(entry.state.interval_ms), options_.min_interval,
                        std::max(options_.min_interval, options_.max_interval));
    }
    return std::clamp(options_.default_interval, options_.min_interval,
                      std::max(options_.min_interval, options_.max_interval));
  }

  double Random() { return std::uniform_real_distribution<double>(0.0, 1.0)(random_); }

  void SetFeedsOnStrand(std::vector<FeedSpec> feeds, std::vector<FeedState> restored) {
    assert(strand_.running_in_this_thread());
    if (stopped_) return;
    std::unordered_map<std::string, FeedState> restored_by_id;
    for (auto& s : restored) restored_by_id.emplace(s.feed_id, std::move(s));
    std::map<std::string, std::unique_ptr<FeedEntry>> next;
    const int64_t now_ms = ToUnixMs(clock_.SystemNow());
    for (auto& spec : feeds) {
      if (next.count(spec.id) != 0) continue;  // config validation rejects duplicates
      auto old = feeds_.find(spec.id);
      if (old != feeds_.end() && old->second->state.configured_url == spec.url) {
        // Kept: same state, same timer; only the spec (language, interval) may change. A
        // shorter configured interval takes effect now rather than after the old one ends.
        FeedEntry& kept = *old->second;
        kept.spec = std::move(spec);
        const milliseconds interval = IntervalOf(kept);
        if (kept.spec.interval.count() > 0) kept.state.interval_ms = interval.count();
        if (!kept.in_flight && !kept.queued &&
            kept.state.next_poll_ms - now_ms > interval.count()) {
          Schedule(kept, Jitter(interval, options_.jitter, Random()));
          Publish(kept.state);
        }
        next.emplace(old->first, std::move(old->second));
        feeds_.erase(old);
        continue;
      }
      auto entry = std::make_unique<FeedEntry>(ioc_, ++next_serial_);
      entry->state.feed_id = spec.id;
      auto r = restored_by_id.find(spec.id);
      if (old == feeds_.end() && r != restored_by_id.end() &&
          r->second.configured_url == spec.url) {
        entry->state = std::move(r->second);
        entry->state.feed_id = spec.id;
        if (entry->state.url.empty()) entry->state.url = spec.url;
      } else {
        entry->state.configured_url = spec.url;
        entry->state.url = spec.url;
      }
      entry->spec = std::move(spec);
      entry->state.interval_ms = IntervalOf(*entry).count();
      if (entry->state.failing) ++failing_count_;
      milliseconds first(0);
      if (entry->state.next_poll_ms > now_ms) {
        first = std::min(milliseconds(entry->state.next_poll_ms - now_ms), IntervalOf(*entry));
      } else if (options_.initial_spread.count() > 0) {
        first = milliseconds(
            static_cast<int64_t>(Random() * static_cast<double>(options_.initial_spread.count())));
      }
      Schedule(*entry, first);
      Publish(entry->state);
      next.emplace(entry->spec.id, std::move(entry));
    }
    // Whatever is left in feeds_ was removed (or its URL changed): drop it.
    for (auto& [id, entry] : feeds_) {
      entry->timer.cancel();
      if (entry->state.failing) --failing_count_;
      if (next.count(id) == 0) Unpublish(id);
    }
    feeds_ = std::move(next);
    metrics_.configured.Set(static_cast<double>(feeds_.size()));
    metrics_.failing.Set(static_cast<double>(failing_count_));
  }

  void Schedule(FeedEntry& entry, milliseconds delay) {
    if (delay.count() < 0) delay = milliseconds(0);
    entry.state.next_poll_ms = ToUnixMs(clock_.SystemNow()) + delay.count();
    entry.timer.expires_after(delay);
    entry.timer.async_wait(
        asio::bind_executor(strand_, [self = shared_from_this(), id = entry.spec.id,
                                      serial = entry.serial](const boost::system::error_code& ec) {
          if (ec == asio::error::operation_aborted || self->stopped_) return;
          auto it = self->feeds_.find(id);
          if (it == self->feeds_.end() || it->second->serial != serial) return;
          FeedEntry& e = *it->second;
          if (e.in_flight || e.queued) return;
          self->Enqueue(e);
        }));
  }

  void Enqueue(FeedEntry& entry) {
    const std::string key = HostKey(entry.state.url);
    auto& host = hosts_[key];
    if (!host) host = std::make_unique<HostState>(ioc_);
    host->waiting.emplace_back(entry.spec.id, entry.serial);
    entry.queued = true;
    Pump(key);
    if (entry.queued) metrics_.host_deferrals.Increment();
  }

  void Pump(const std::string& key) {
    auto it = hosts_.find(key);
    if (it == hosts_.end()) return;
    HostState& host = *it->second;
    // file:// and other host-less URLs are local: no politeness limits apply.
    const bool local = key.empty();
    while (!host.waiting.empty()) {
      if (!local && host.in_flight >= std::max(1, options_.per_host_concurrency)) break;
      const auto now = Steady::now();
      if (!local && now < host.next_start) {
        if (!host.timer_armed) {
          host.timer_armed = true;
          host.timer.expires_at(host.next_start);
          host.timer.async_wait(asio::bind_executor(
              strand_, [self = shared_from_this(), key](const boost::system::error_code& ec) {
                if (ec == asio::error::operation_aborted || self->stopped_) return;
                auto h = self->hosts_.find(key);
                if (h == self->hosts_.end()) return;
                h->second->timer_armed = false;
                self->Pump(key);
              }));
        }
        break;
      }
      auto [id, serial] = host.waiting.front();
      host.waiting.pop_front();
      auto f = feeds_.find(id);
      if (f == feeds_.end() || f->second->serial != serial || !f->second->queued) continue;
      f->second->queued = false;
      ++host.in_flight;
      host.next_start = now + options_.per_host_spacing;
      StartFetch(*f->second, key);
    }
    if (host.waiting.empty() && host.in_flight == 0 && !host.timer_armed &&
        Steady::now() >= host.next_start) {
      hosts_.erase(it);
    }
  }

  void StartFetch(FeedEntry& entry, const std::string& host_key) {
    entry.in_flight = true;
    net::HttpRequest request;
    request.url = entry.state.url;
    request.headers.emplace_back("Accept", kAccept);
    if (!entry.state.etag.empty()) request.headers.emplace_back("If-None-Match", entry.state.etag);
    if (!entry.state.last_modified.empty()) {
      request.headers.emplace_back("If-Modified-Since", entry.state.last_modified);
    }
    request.connect_timeout_ms = options_.connect_timeout_ms;
    request.total_timeout_ms = options_.total_timeout_ms;
    request.max_body_bytes = options_.max_body_bytes;
    request.max_redirects = options_.max_redirects;
    request.allow_file_scheme = options_.allow_file_urls;
    const auto started = Steady::now();
    auto self = shared_from_this();
    client_.Fetch(std::move(request), [self, id = entry.spec.id, serial = entry.serial, host_key,
                                       started](Result<net::HttpResponse> result) {
      asio::post(self->strand_,
                 [self, id, serial, host_key, started, result = std::move(result)]() mutable {
                   self->OnFetched(id, serial, host_key, started, std::move(result));
                 });
    });
  }

  void OnFetched(const std::string& id, uint64_t serial, const std::string& host_key,
                 Steady::time_point started, Result<net::HttpResponse> result) {
    assert(strand_.running_in_this_thread());
    auto h = hosts_.find(host_key);
    if (h != hosts_.end() && h->second->in_flight > 0) --h->second->in_flight;
    if (stopped_) return;
    metrics_.fetch_duration.Observe(std::chrono::duration<double>(Steady::now() - started).count());
    auto it = feeds_.find(id);
    if (it != feeds_.end() && it->second->serial == serial) {
      FeedEntry& entry = *it->second;
      entry.in_flight = false;
      const bool was_failing = entry.state.failing;
      milliseconds delay = Process(entry, std::move(result));
      if (entry.state.failing != was_failing) {
        failing_count_ += entry.state.failing ? 1 : -1;
        metrics_.failing.Set(static_cast<double>(failing_count_));
        if (entry.state.failing) {
          Log(LogLevel::kWarning, "feeds",
              "feed \"" + id + "\" is failing after " +
                  std::to_string(entry.state.consecutive_errors) +
                  " consecutive errors; last: " + entry.state.last_error);
        } else {
          Log(LogLevel::kInfo, "feeds", "feed \"" + id + "\" recovered");
        }
      }
      Schedule(entry, delay);
      Publish(entry.state);
      if (on_state_ && !stopped_) on_state_(entry.state);
    }
    Pump(host_key);
  }

  // Applies one fetch result to `entry` and returns the delay until its next poll.
  milliseconds Process(FeedEntry& entry, Result<net::HttpResponse> result) {
    FeedState& state = entry.state;
    const int64_t now_ms = ToUnixMs(clock_.SystemNow());
    state.last_fetch_ms = now_ms;
    const milliseconds interval = IntervalOf(entry);
    const std::string where = "feed \"" + entry.spec.id + "\"";
    auto fail = [&](std::string message, std::optional<milliseconds> retry_after) {
      ++state.consecutive_errors;
      state.last_error = std::move(message);
      if (state.consecutive_errors >= std::max(1, options_.failing_after)) state.failing = true;
      milliseconds delay = Jitter(Backoff(state.consecutive_errors, interval, options_.max_backoff),
                                  options_.jitter, Random());
      if (retry_after) delay = std::max(delay, std::min(*retry_after, options_.max_retry_after));
      return delay;
    };

    if (result.has_error()) {
      const Error& error = result.error();
      metrics_.Fetch(std::string(CodeName(error.code)), "none").Increment();
      state.last_status = 0;
      if (error.code == Code::kCancelled) {
        return Jitter(interval, options_.jitter, Random());  // not the feed's fault
      }
      return fail(where + ": " + error.message, std::nullopt);
    }
    net::HttpResponse& response = *result;
    state.last_status = response.status;
    metrics_.fetch_bytes.Increment(static_cast<double>(response.body.size()));
    const std::string status_class = StatusClass(response.status);

    if (response.status == 304 || response.status == 200) {
      if (!response.permanent_redirects.empty() &&
          response.permanent_redirects.back() != state.url) {
        const std::string& target = response.permanent_redirects.back();
        Log(LogLevel::kNotice, "feeds",
            where + ": permanent redirect, URL now " + target + " (was " + state.url + ")");
        state.url = target;
        metrics_.url_updates.Increment();
      }
    }
    if (response.status == 304) {
      metrics_.Fetch("not_modified", status_class).Increment();
      Succeed(state, now_ms);
      return SuccessDelay(interval, response);
    }
    if (response.status != 200) {
      metrics_.Fetch("http_error", status_class).Increment();
      std::optional<milliseconds> retry_after;
      if (response.status == 429 || response.status == 503) {
        retry_after = ParseRetryAfter(response.Header("retry-after"), now_ms);
      }
      return fail(where + ": HTTP " + std::to_string(response.status) + " from " + state.url,
                  retry_after);
    }

    ParseContext context;
    context.url = response.effective_url.empty() ? state.url : response.effective_url;
    context.content_type = response.Header("content-type");
    context.content_language = response.Header("content-language");
    context.fetch_time_ms = now_ms;
    context.feed_id = entry.spec.id;
    context.declared_language = entry.spec.language;
    auto parsed = ParseFeed(response.body, context);
    if (parsed.has_error()) {
      metrics_.Fetch("parse_error", status_class).Increment();
      metrics_.ParseError(std::string(CodeName(parsed.error().code))).Increment();
      return fail(where + ": " + parsed.error().message, std::nullopt);
    }
    metrics_.Fetch("ok", status_class).Increment();
    if (parsed->incomplete) metrics_.ParseError("incomplete").Increment();
    metrics_.items_parsed.Increment(static_cast<double>(parsed->items.size()));
    metrics_.undated_items.Increment(parsed->undated_items);
    // Validators only from a response that parsed: a broken body must be fetched again.
    state.etag = response.Header("etag");
    state.last_modified = response.Header("last-modified");
    state.title = Utf8Prefix(parsed->title, 512);
    state.last_items = static_cast<int>(parsed->items.size());
    state.items_total += static_cast<int64_t>(parsed->items.size());
    Succeed(state, now_ms);
    if (entry.spec.interval.count() == 0) {
      const milliseconds adapted = AdaptiveInterval(
          parsed->items, now_ms, now_ms, options_.min_interval, options_.max_interval, interval);
      state.interval_ms = adapted.count();
    }
    if (!parsed->items.empty() && on_items_ && !stopped_) {
      on_items_(entry.spec.id, std::move(parsed->items));
    }
    return SuccessDelay(IntervalOf(entry), response);
  }

  void Succeed(FeedState& state, int64_t now_ms) {
    state.last_success_ms = now_ms;
    state.last_error.clear();
    state.consecutive_errors = 0;
    state.failing = false;
  }

  milliseconds SuccessDelay(milliseconds interval, const net::HttpResponse& response) {
    milliseconds delay = Jitter(interval, options_.jitter, Random());
    if (auto max_age = ParseMaxAge(response.Header("cache-control"))) {
      // The server says the document stays fresh this long; never wait beyond max_interval.
      const milliseconds cap = std::max(options_.min_interval, options_.max_interval);
      delay = std::max(delay, std::min(*max_age, cap));
    }
    return delay;
  }

  void Publish(const FeedState& state) {
    std::lock_guard<std::mutex> lock(snapshot_mutex_);
    snapshot_[state.feed_id] = state;
  }

  void Unpublish(const std::string& id) {
    std::lock_guard<std::mutex> lock(snapshot_mutex_);
    snapshot_.erase(id);
  }

  // Constant after construction.
  asio::io_context& ioc_;
  net::HttpClient& client_;
  const Clock& clock_;
  const SchedulerOptions options_;
  const ItemsCallback on_items_;
  const StateCallback on_state_;
  FeedsMetrics metrics_;
  asio::strand<asio::io_context::executor_type> strand_;

  std::atomic<bool> stopped_{false};

  // State below is used only on strand_.
  std::mt19937_64 random_;
  uint64_t next_serial_ = 0;
  int failing_count_ = 0;
  std::map<std::string, std::unique_ptr<FeedEntry>> feeds_;
  std::map<std::string, std::unique_ptr<HostState>> hosts_;

  mutable std::mutex snapshot_mutex_;
  std::map<std::string, FeedState> snapshot_;  // GUARDED_BY(snapshot_mutex_)
};

FeedScheduler::FeedScheduler(boost::asio::io_context& ioc, net::HttpClient& client,
                             const Clock& clock, prometheus::Registry& registry,
                             SchedulerOptions options, ItemsCallback on_items,
                             StateCallback on_state)
    : impl_(std::make_shared<Impl>(ioc, client, clock, registry, std::move(options),
                                   std::move(on_items), std::move(on_state))) {}

FeedScheduler::~FeedScheduler() { impl_->Stop(); }

void FeedScheduler::SetFeeds(std::vector<FeedSpec> feeds, std::vector<FeedState> restored) {
  impl_->SetFeeds(std::move(feeds), std::move(restored));
}

void FeedScheduler::PollNow(const std::string& feed_id) { impl_->PollNow(feed_id); }

void FeedScheduler::Stop() { impl_->Stop(); }

std::vector<FeedState> FeedScheduler::States() const { return impl_->States(); }

}  // namespace babelwatch::feeds
