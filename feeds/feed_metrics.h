// File: feeds/feed_metrics.h
//
// FeedsMetrics: the polling metrics of the feeds component (docs/METRICS.md, "feeds:
// polling"), registered once on the registry given. prometheus-cpp metrics are thread-safe.
// The registry must outlive this struct. Construction throws std::invalid_argument only for
// a name clash with different metric types (a bug; at startup).
#pragma once

#include <prometheus/counter.h>
#include <prometheus/family.h>
#include <prometheus/gauge.h>
#include <prometheus/histogram.h>
#include <prometheus/registry.h>

#include <string>

namespace babelwatch::feeds {

struct FeedsMetrics {
  explicit FeedsMetrics(prometheus::Registry& registry);

  // result: ok, not_modified, http_error, parse_error or an error code name; status_class:
  // "2xx".."5xx" or "none".
  prometheus::Counter& Fetch(const std::string& result, const std::string& status_class);
  prometheus::Counter& ParseError(const std::string& kind);

  prometheus::Family<prometheus::Counter>& fetches;
  prometheus::Counter& fetch_bytes;
  prometheus::Histogram& fetch_duration;
  prometheus::Counter& items_parsed;
  prometheus::Counter& undated_items;
  prometheus::Family<prometheus::Counter>& parse_errors;
  prometheus::Counter& url_updates;
  prometheus::Counter& host_deferrals;
  prometheus::Gauge& configured;
  prometheus::Gauge& failing;
};

}  // namespace babelwatch::feeds
