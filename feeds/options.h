// File: feeds/options.h
//
// Options of the feeds component, filled by config/ and constant after start. Plain values.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

namespace babelwatch::feeds {

struct FeedOptions {
  std::string id;        // unique, [A-Za-z0-9_.-]+; used as a metric label
  std::string url;       // http://, https:// or file://
  std::string language;  // declared language ("" = from the feed / detection)
  int interval_s = 0;    // 0 = the global default
  bool full_text = false;  // fetch each new item's page and extract its main text

  bool operator==(const FeedOptions&) const = default;
};

struct FeedsOptions {
  std::vector<FeedOptions> feeds;
  std::string user_agent = "babelwatch/0.1 (+https://babelwatch.invalid/bot)";
  std::string proxy;                  // "" = none (libcurl ignores *_proxy env only if set)
  int default_interval_s = 300;
  int min_interval_s = 60;
  int max_interval_s = 3600;
  int connect_timeout_s = 10;
  int total_timeout_s = 30;
  int64_t max_body_bytes = 16 << 20;  // after decompression
  int max_redirects = 5;
  int per_host_concurrency = 2;
  int per_host_spacing_ms = 1000;
  int failing_after = 5;              // consecutive errors before a feed is marked failing
  bool allow_file_urls = true;        // file:// feeds (the offline demo); off for multi-user setups

  bool operator==(const FeedsOptions&) const = default;
};

}  // namespace babelwatch::feeds
