// File: feeds/poll_policy.h
//
// The pure rules of polling politely: how long to wait after a success (adaptive to the feed's
// publishing rate), after an error (exponential backoff with a cap), and what a server asked
// for (Retry-After, Cache-Control max-age). Pure functions, thread-safe, no I/O; the
// FeedScheduler applies them.
#pragma once

#include <chrono>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "core/item.h"

namespace babelwatch::feeds {

using Millis = std::chrono::milliseconds;

// Interval that polls about twice per expected new item: half the mean gap between the
// publication times of the newest items (at most 20, ignoring those dated after `now_ms` or
// at exactly `undated_ms`, the fetch time used for undated items), clamped to [min, max].
// Returns `fallback` clamped to [min, max] when fewer than two distinct dates are usable.
[[nodiscard]] Millis AdaptiveInterval(const std::vector<Item>& items, int64_t now_ms,
                                      int64_t undated_ms, Millis min, Millis max, Millis fallback);

// Delay before retry number `consecutive_errors` (1 = first error): base * 2^(n-1), capped.
[[nodiscard]] Millis Backoff(int consecutive_errors, Millis base, Millis cap);

// The delay a Retry-After header asks for: delay-seconds ("120") or an HTTP-date relative to
// `now_ms`. nullopt when absent or unreadable; a date in the past gives 0.
[[nodiscard]] std::optional<Millis> ParseRetryAfter(std::string_view value, int64_t now_ms);

// max-age of a Cache-Control header ("public, max-age=600" -> 600 s). nullopt when absent,
// unreadable, or when no-store / no-cache is present.
[[nodiscard]] std::optional<Millis> ParseMaxAge(std::string_view cache_control);

// Lower-cased host[:port] of an absolute URL ("" for file:// or when there is none). Used to
// group feeds for the per-host limits.
[[nodiscard]] std::string HostKey(std::string_view url);

// `delay` moved uniformly at random by up to +-fraction of itself; `unit_random` in [0, 1).
[[nodiscard]] Millis Jitter(Millis delay, double fraction, double unit_random);

}  // namespace babelwatch::feeds
