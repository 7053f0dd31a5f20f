#include "alert/dispatcher.h"

#include <algorithm>
#include <deque>
#include <iostream>
#include <mutex>
#include <random>
#include <set>

namespace babelwatch::alert {

struct Dispatcher::Impl {
  Impl(store::Store& s, std::vector<std::unique_ptr<Sink>> k, const Clock& c, DispatcherOptions o)
      : store(s), clock(c), options(std::move(o)) {
    rng.seed(options.jitter_seed != 0 ? options.jitter_seed : std::random_device{}());
    for (auto& sink : k) {
      CountersOf(sink->name());
      sinks.push_back(std::move(sink));
    }
  }

  // The counters of the sink called `name`, created (after the others) on first use.
  // Requires mu (or construction).
  SinkCounters& CountersOf(const std::string& name) {
    for (SinkCounters& c : counters) {
      if (c.sink == name) return c;
    }
    counters.push_back(SinkCounters{name});
    return counters.back();
  }

  // Requires mu.
  bool Configured(const std::string& name) const {
    return std::any_of(sinks.begin(), sinks.end(),
                       [&](const auto& s) { return s->name() == name; });
  }

  int64_t Now() const { return ToUnixMs(clock.SystemNow()); }

  void Log(int priority, const std::string& message) const {
    const std::string line =
        "<" + std::to_string(priority) + ">babelwatch alert dispatcher: " + message;
    if (options.log) {
      options.log(line);
    } else {
      std::cerr << line << '\n';
    }
  }

  // Counts every store failure; logs it unless the same message was logged less than a
  // minute ago (a failing disk would otherwise log on every Poll()).
  void StoreError(const Error& e) {
    ++store_errors;
    const int64_t now = Now();
    if (e.message == last_store_error && now - last_store_error_logged_ms < 60'000) {
      ++store_errors_unlogged;
      return;
    }
    std::string line = "store error: " + e.message;
    if (store_errors_unlogged > 0) {
      line += " (" + std::to_string(store_errors_unlogged) + " similar errors not logged)";
    }
    Log(3, line);
    last_store_error = e.message;
    last_store_error_logged_ms = now;
    store_errors_unlogged = 0;
  }

  // Writes held alerts in order; stops at the first failure. Requires mu.
  void FlushUnsaved(int64_t now) {
    while (!unsaved.empty()) {
      const Held& held = unsaved.front();
      const Alert& alert = held.alert;
      Result<bool> r = store.Enqueue(alert, held.sinks, now, held.scope);
      if (!r) {
        StoreError(r.error());
        return;
      }
      if (*r) {
        ++accepted;
        Log(5, "held alert \"" + alert.idempotency_key + "\" is now in the outbox");
      } else {
        ++duplicates;
      }
      unsaved.pop_front();
    }
  }

  // `sink` is the sink that made the delivery; it may have been replaced or removed by
  // SetSinks() since, and the outcome is applied all the same.
  void OnDone(const Sink& sink, const store::OutboxEntry& entry, DeliveryOutcome outcome) {
    std::lock_guard<std::mutex> lock(mu);
    SinkCounters& c = CountersOf(sink.name());
    --c.in_flight;
    const int64_t now = Now();
    const std::string what =
        "alert \"" + entry.alert.idempotency_key + "\" to sink \"" + sink.name() + "\"";
    using Kind = DeliveryOutcome::Kind;
    switch (outcome.kind) {
      case Kind::kDelivered: {
        ++c.delivered;
        Result<void> r = store.MarkDelivered(entry.id);
        if (!r && r.error().code != Code::kNotFound) {
          StoreError(r.error());
          uncommitted.push_back(entry.id);  // stays busy: never sent again by this process
          return;
        }
        busy.erase(entry.id);
        return;
      }
      case Kind::kCancelled:
        busy.erase(entry.id);
        return;
      case Kind::kPermanent:
      case Kind::kRetry: {
        ++c.failed_attempts;
        const int failures = entry.attempts + 1;
        const bool give_up =
            outcome.kind == Kind::kPermanent || failures >= sink.options().max_attempts;
        Result<void> r;
        if (give_up) {
          const std::string reason =
              outcome.detail + (outcome.kind == Kind::kPermanent
                                    ? " (permanent)"
                                    : " (gave up after " + std::to_string(failures) + " attempts)");
          r = store.DeadLetter(entry.id, reason);
          if (r) {
            ++c.dead_lettered;
            Log(3, what + " moved to the dead letters: " + reason);
          }
        } else {
          int64_t delay = 0;
          if (outcome.retry_after_ms) {
            delay = std::clamp<int64_t>(*outcome.retry_after_ms, 0, options.max_retry_after_ms);
          } else {
            const int64_t base = BackoffMs(options, failures);
            delay = base / 2 + static_cast<int64_t>(rng() % static_cast<uint64_t>(base / 2 + 1));
          }
          r = store.MarkFailed(entry.id, now + delay, outcome.detail);
          if (r) {
            Log(4, what + " failed (attempt " + std::to_string(failures) + " of " +
                       std::to_string(sink.options().max_attempts) + "): " + outcome.detail +
                       "; retry in " + std::to_string(delay) + " ms");
          }
        }
        if (!r && r.error().code != Code::kNotFound) StoreError(r.error());
        busy.erase(entry.id);
        return;
      }
    }
  }

  store::Store& store;
  const Clock& clock;
  const DispatcherOptions options;

  mutable std::mutex mu;
  // The configured sinks, in order; shared with the deliveries they have in flight.
  std::vector<std::shared_ptr<Sink>> sinks;  // GUARDED_BY(mu)
  std::mt19937_64 rng;                       // GUARDED_BY(mu)
  // By sink name: the configured sinks first, in order, then sinks removed by SetSinks().
  std::vector<SinkCounters> counters;  // GUARDED_BY(mu)
  std::set<int64_t> busy;              // GUARDED_BY(mu): in flight or uncommitted
  std::vector<int64_t> uncommitted;    // GUARDED_BY(mu)
  struct Held {
    Alert alert;
    std::vector<std::string> sinks;
    std::string scope;
  };
  std::deque<Held> unsaved;                // GUARDED_BY(mu)
  int64_t accepted = 0;                    // GUARDED_BY(mu)
  int64_t duplicates = 0;                  // GUARDED_BY(mu)
  int64_t store_errors = 0;                // GUARDED_BY(mu)
  int64_t unsaved_dropped = 0;             // GUARDED_BY(mu)
  std::string last_store_error;            // GUARDED_BY(mu)
  int64_t last_store_error_logged_ms = 0;  // GUARDED_BY(mu)
  int64_t store_errors_unlogged = 0;       // GUARDED_BY(mu)
};

Dispatcher::Dispatcher(store::Store& store, std::vector<std::unique_ptr<Sink>> sinks,
                       const Clock& clock, DispatcherOptions options)
    : impl_(std::make_shared<Impl>(store, std::move(sinks), clock, std::move(options))) {}

Dispatcher::~Dispatcher() = default;

int64_t Dispatcher::BackoffMs(const DispatcherOptions& options, int failures) {
  int64_t d = std::max<int64_t>(options.backoff_initial_ms, 1);
  for (int i = 1; i < failures && d < options.backoff_max_ms; ++i) d *= 2;
  return std::min(d, std::max<int64_t>(options.backoff_max_ms, 1));
}

std::vector<std::string> Dispatcher::SinkNames() const {
  const Impl& d = *impl_;
  std::lock_guard<std::mutex> lock(d.mu);
  std::vector<std::string> out;
  for (const auto& s : d.sinks) out.push_back(s->name());
  return out;
}

void Dispatcher::SetSinks(std::vector<std::unique_ptr<Sink>> sinks) {
  Impl& d = *impl_;
  std::lock_guard<std::mutex> lock(d.mu);
  d.sinks.clear();
  for (auto& sink : sinks) d.sinks.push_back(std::move(sink));
  // Configured sinks first, in the given order; removed ones keep their totals after them.
  std::vector<SinkCounters> ordered;
  for (const auto& sink : d.sinks) {
    ordered.push_back(d.CountersOf(sink->name()));
  }
  for (const SinkCounters& c : d.counters) {
    if (!d.Configured(c.sink)) ordered.push_back(c);
  }
  d.counters = std::move(ordered);
}

Result<SubmitStatus> Dispatcher::Submit(const Alert& alert, const std::vector<std::string>& sinks,
                                        std::string_view scope) {
  Impl& d = *impl_;
  std::lock_guard<std::mutex> lock(d.mu);
  std::vector<std::string> names = sinks;
  if (names.empty()) {
    for (const auto& s : d.sinks) names.push_back(s->name());
  }
  for (const std::string& n : names) {
    if (!d.Configured(n)) {
      return InvalidArgument("alert \"" + alert.idempotency_key + "\": no sink named \"" + n +
                             "\"");
    }
  }
  for (const auto& held : d.unsaved) {
    if (held.alert.idempotency_key == alert.idempotency_key) return SubmitStatus::kHeld;
  }
  const int64_t now = d.Now();
  d.FlushUnsaved(now);
  if (d.unsaved.empty()) {
    Result<bool> r = d.store.Enqueue(alert, names, now, scope);
    if (r) {
      if (*r) {
        ++d.accepted;
        return SubmitStatus::kAccepted;
      }
      ++d.duplicates;
      return SubmitStatus::kDuplicate;
    }
    if (r.error().code == Code::kInvalidArgument) return r.error();
    d.StoreError(r.error());
  }
  if (d.unsaved.size() >= d.options.max_unsaved) {
    ++d.unsaved_dropped;
    const std::string msg = "alert \"" + alert.idempotency_key +
                            "\" refused: the store is failing and " +
                            std::to_string(d.unsaved.size()) + " alerts are already held";
    d.Log(2, msg);
    return ResourceExhausted(msg);
  }
  d.unsaved.push_back(Impl::Held{alert, std::move(names), std::string(scope)});
  d.Log(4, "alert \"" + alert.idempotency_key +
               "\" held in memory until the store accepts writes again");
  return SubmitStatus::kHeld;
}

std::optional<int64_t> Dispatcher::Poll() {
  struct Start {
    std::shared_ptr<Sink> sink;
    store::OutboxEntry entry;
  };
  std::vector<Start> starts;
  Impl& d = *impl_;
  const int64_t now = d.Now();
  std::optional<int64_t> next;
  {
    std::lock_guard<std::mutex> lock(d.mu);
    d.FlushUnsaved(now);
    for (auto it = d.uncommitted.begin(); it != d.uncommitted.end();) {
      Result<void> r = d.store.MarkDelivered(*it);
      if (r || r.error().code == Code::kNotFound) {
        d.busy.erase(*it);
        it = d.uncommitted.erase(it);
      } else {
        d.StoreError(r.error());
        break;
      }
    }
    std::optional<int64_t> blocked_until;
    for (const std::shared_ptr<Sink>& sink_ptr : d.sinks) {
      Sink& sink = *sink_ptr;
      // In flight counts per name, so a sink replaced by SetSinks() and its successor
      // together stay within MaxInFlight().
      SinkCounters& c = d.CountersOf(sink.name());
      int64_t free = sink.MaxInFlight() - c.in_flight;
      if (free <= 0) continue;
      if (sink.ReadyAt() > now) {
        blocked_until = std::min(blocked_until.value_or(sink.ReadyAt()), sink.ReadyAt());
        continue;
      }
      const int limit = static_cast<int>(std::min<int64_t>(d.options.due_batch, free) +
                                         static_cast<int64_t>(d.busy.size()));
      Result<std::vector<store::OutboxEntry>> due = d.store.Due(now, sink.name(), limit);
      if (!due) {
        d.StoreError(due.error());
        continue;
      }
      for (store::OutboxEntry& e : *due) {
        if (free == 0) break;
        if (d.busy.count(e.id) > 0) continue;
        if (!sink.TryReserve(now)) {  // rate-limited (possibly by a sibling sink)
          blocked_until = std::min(blocked_until.value_or(sink.ReadyAt()), sink.ReadyAt());
          break;
        }
        d.busy.insert(e.id);
        ++c.in_flight;
        --free;
        starts.push_back(Start{sink_ptr, std::move(e)});
      }
    }
    Result<std::optional<int64_t>> at = d.store.NextAttemptMs();
    if (!at) {
      d.StoreError(at.error());
      next = now + 1000;
    } else if (*at) {
      // Rows already due but not started (sink busy or rate-limited): look again soon.
      next = **at > now ? **at : std::min(blocked_until.value_or(now + 1000), now + 1000);
    }
    if (!d.unsaved.empty() || !d.uncommitted.empty()) {
      next = std::min(next.value_or(now + 1000), now + 1000);
    }
  }
  std::weak_ptr<Impl> weak = impl_;
  for (Start& s : starts) {
    auto shared_entry = std::make_shared<const store::OutboxEntry>(std::move(s.entry));
    // The completion keeps the sink alive: it may be replaced by SetSinks() meanwhile.
    Sink& sink = *s.sink;
    sink.Deliver(shared_entry->alert, now,
                 [weak, sink = std::move(s.sink), shared_entry](DeliveryOutcome outcome) {
                   if (std::shared_ptr<Impl> impl = weak.lock()) {
                     impl->OnDone(*sink, *shared_entry, std::move(outcome));
                   }
                 });
  }
  return next;
}

DispatcherCounters Dispatcher::Counters() const {
  const Impl& d = *impl_;
  std::lock_guard<std::mutex> lock(d.mu);
  DispatcherCounters out;
  out.sinks = d.counters;
  out.accepted = d.accepted;
  out.duplicates = d.duplicates;
  out.store_errors = d.store_errors;
  out.unsaved = static_cast<int64_t>(d.unsaved.size());
  out.unsaved_dropped = d.unsaved_dropped;
  out.uncommitted = static_cast<int64_t>(d.uncommitted.size());
  return out;
}

}  // namespace babelwatch::alert
