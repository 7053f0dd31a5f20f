// File: alert/options.h
//
// Options of the alert component (spread rules, watch-lists, sinks), filled by config/.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

namespace babelwatch::alert {

struct SinkOptions {
  std::string name;    // unique; used as a metric label and in watch-list routes
  std::string type;    // "log", "webhook", "slack" or "alertmanager"
  std::string url;     // webhook / slack / alertmanager endpoint
  std::string secret;  // webhook: HMAC-SHA256 key for X-Babelwatch-Signature ("" = unsigned)
  int max_attempts = 10;          // then the alert moves to the dead-letter list
  int timeout_s = 10;

  bool operator==(const SinkOptions&) const = default;
};

// A filter on stories with its own thresholds, routed to some sinks.
struct WatchlistOptions {
  std::string name;
  std::vector<std::string> keywords;   // matched through language-neutral keys
  std::vector<std::string> feeds;      // feed ids ("" = any)
  std::vector<std::string> languages;  // at least one of these must be in the story
  int min_languages = 0;               // 0 = the global value
  int min_sources = 0;
  std::vector<std::string> sinks;      // empty = every sink

  bool operator==(const WatchlistOptions&) const = default;
};

struct AlertOptions {
  int min_languages = 2;               // L: languages a story needs to raise a spread alert
  int min_sources = 2;                 // S: independent sources it needs
  // A language counts for spread once one of its documents linked to the story at least
  // this many times the clustering threshold (1 = any link; docs/QUALITY.md, 29).
  double min_link = 1.1;
  int64_t update_cooldown_ms = 10LL * 60 * 1000;  // per story, between update alerts
  std::string public_url = "http://127.0.0.1:9797";  // base of /api/stories/<id> links
  std::vector<SinkOptions> sinks;
  std::vector<WatchlistOptions> watchlists;  // empty = one implicit list matching everything

  bool operator==(const AlertOptions&) const = default;
};

}  // namespace babelwatch::alert
