// File: alert/dispatcher.h
//
// Dispatcher: the outbox delivery loop. Alerts are accepted into the store's outbox
// (Submit) before anything is sent; Poll() then reads the rows that are due, hands each to
// its sink, and on the outcome deletes the row (2xx only), reschedules it with exponential
// backoff and jitter (or the sink's Retry-After), or moves it to the dead letters once the
// sink's max_attempts are spent or the failure is permanent.
//
// Driving it: the daemon calls Poll() from a steady_timer on its event loop, every second
// and right after Submit(); Poll() returns when the next row is due so the timer may sleep
// longer. Poll() only starts deliveries; their completions arrive later on the HTTP client's
// executor (any thread) and are applied under the dispatcher's mutex.
//
// Durability: Submit() returns kAccepted only after the outbox commit. If the store refuses
// the write (disk full, read-only), the alert is held in memory (bounded by max_unsaved) and
// written by a later Poll(); it is lost only if the process dies before the store recovers.
// A row whose sink answered 2xx but whose deletion failed is remembered and not sent again
// by this process; after a crash in that gap it is resent with the same idempotency key.
//
// Reload: SetSinks() replaces the sinks. Deliveries already in flight finish on the sink that
// started them and their outcome is applied as usual (delete, retry, dead letter). Rows of a
// sink that is no longer configured stay pending, are counted by Store::Depth(), and are
// delivered if a sink of that name comes back; they are never dropped silently. Store failures are
// counted in store_errors and logged at most once a minute per distinct message.
//
// Threads: thread-safe. Submit(), Poll(), SetSinks() and Counters() may be called from any
// thread.
// Lifetime: the store must outlive the dispatcher. Completions that arrive after the
// dispatcher is destroyed are ignored (their rows stay in the outbox and are resent on the
// next start). Call the HTTP client's CancelAll() before destroying sinks' client.
#pragma once

#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "alert/sink.h"
#include "core/clock.h"
#include "core/result.h"
#include "core/story.h"
#include "store/store.h"

namespace babelwatch::alert {

struct DispatcherOptions {
  int64_t backoff_initial_ms = 2'000;           // delay after the first failed attempt
  int64_t backoff_max_ms = 15 * 60 * 1000;      // cap of the exponential backoff
  int64_t max_retry_after_ms = 60 * 60 * 1000;  // cap on a sink's Retry-After
  int due_batch = 64;                           // rows read per sink per Poll()
  size_t max_unsaved = 10'000;                  // alerts held in memory while the store fails
  uint64_t jitter_seed = 0;                     // 0 = seeded from std::random_device
  // Log lines ("<4>babelwatch alert dispatcher: ..."); nullptr = stderr.
  std::function<void(std::string_view line)> log;
};

struct SinkCounters {
  std::string sink;
  int64_t delivered = 0;        // rows acknowledged (2xx)
  int64_t failed_attempts = 0;  // attempts that failed (retried or dead-lettered)
  int64_t dead_lettered = 0;
  int64_t in_flight = 0;  // now
};

struct DispatcherCounters {
  // The configured sinks in the order given, then sinks removed by SetSinks() (their totals
  // keep counting the deliveries they still had in flight).
  std::vector<SinkCounters> sinks;
  int64_t accepted = 0;         // alerts committed to the outbox by this process
  int64_t duplicates = 0;       // Submit() of an already accepted idempotency key
  int64_t store_errors = 0;     // store calls that failed
  int64_t unsaved = 0;          // alerts held in memory now, waiting for the store
  int64_t unsaved_dropped = 0;  // alerts refused because max_unsaved was reached
  int64_t uncommitted = 0;      // delivered rows whose deletion is still to be committed
};

enum class SubmitStatus {
  kAccepted,   // committed to the outbox
  kDuplicate,  // this idempotency key was accepted before; nothing to do
  kHeld,       // the store failed; held in memory and retried by Poll()
};

class Dispatcher {
 public:
  // `sinks` must have unique names. `clock` (wall time) and `store` must outlive this.
  Dispatcher(store::Store& store, std::vector<std::unique_ptr<Sink>> sinks, const Clock& clock,
             DispatcherOptions options = {});
  ~Dispatcher();
  Dispatcher(const Dispatcher&) = delete;
  Dispatcher& operator=(const Dispatcher&) = delete;

  // Accepts `alert` for delivery to the named sinks (every sink when `sinks` is empty);
  // `scope` is the watch-list that raised it ("" = the global rules; see Store::Enqueue).
  // kInvalidArgument for an unknown sink name; kResourceExhausted if the store fails and
  // max_unsaved alerts are already held (the alert is not accepted; logged and counted).
  [[nodiscard]] Result<SubmitStatus> Submit(const Alert& alert,
                                            const std::vector<std::string>& sinks = {},
                                            std::string_view scope = {});

  // Writes held alerts, retries uncommitted deletions, and starts every due delivery the
  // sinks can take now. Returns the wall-clock ms at which Poll() should run next (nullopt:
  // nothing pending besides deliveries in flight, whose completion needs no Poll()).
  std::optional<int64_t> Poll();

  // Replaces the configured sinks (a reload); `sinks` must have unique names. A sink whose
  // name stays takes over that name's pending rows and counters; a new sink starts with the
  // rows already addressed to its name. Later Submit() calls see only `sinks`.
  void SetSinks(std::vector<std::unique_ptr<Sink>> sinks);

  [[nodiscard]] DispatcherCounters Counters() const;
  // The configured sinks' names, in order.
  [[nodiscard]] std::vector<std::string> SinkNames() const;

  // The delay before attempt `failures + 1` after `failures` failed attempts, without
  // jitter: initial * 2^(failures-1), capped.
  [[nodiscard]] static int64_t BackoffMs(const DispatcherOptions& options, int failures);

 private:
  struct Impl;
  std::shared_ptr<Impl> impl_;
};

}  // namespace babelwatch::alert
