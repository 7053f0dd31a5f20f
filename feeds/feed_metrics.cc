#include "feeds/feed_metrics.h"

namespace babelwatch::feeds {
namespace {

prometheus::Family<prometheus::Counter>& CounterFamily(prometheus::Registry& registry,
                                                       const std::string& name,
                                                       const std::string& help) {
  return prometheus::BuildCounter().Name(name).Help(help).Register(registry);
}

prometheus::Family<prometheus::Gauge>& GaugeFamily(prometheus::Registry& registry,
                                                   const std::string& name,
                                                   const std::string& help) {
  return prometheus::BuildGauge().Name(name).Help(help).Register(registry);
}

}  // namespace

FeedsMetrics::FeedsMetrics(prometheus::Registry& registry)
    : fetches(CounterFamily(registry, "babelwatch_feeds_fetches_total",
                            "Finished feed fetches by result and HTTP status class.")),
      fetch_bytes(CounterFamily(registry, "babelwatch_feeds_fetch_bytes_total",
                                "Feed response body bytes received, after decoding.")
                      .Add({})),
      fetch_duration(prometheus::BuildHistogram()
                         .Name("babelwatch_feeds_fetch_duration_seconds")
                         .Help("Time from a feed request to its response or error.")
                         .Register(registry)
                         .Add({}, prometheus::Histogram::BucketBoundaries{0.05, 0.1, 0.25, 0.5, 1,
                                                                          2.5, 5, 10, 30})),
      items_parsed(CounterFamily(registry, "babelwatch_feeds_items_parsed_total",
                                 "Items parsed from feed bodies, before deduplication.")
                       .Add({})),
      undated_items(CounterFamily(registry, "babelwatch_feeds_undated_items_total",
                                  "Parsed items without a readable date (fetch time used).")
                        .Add({})),
      parse_errors(
          CounterFamily(registry, "babelwatch_feeds_parse_errors_total",
                        "Feed bodies that did not parse, or parsed only partly, by kind.")),
      url_updates(CounterFamily(registry, "babelwatch_feeds_url_updates_total",
                                "Feed URLs replaced after a permanent redirect.")
                      .Add({})),
      host_deferrals(CounterFamily(registry, "babelwatch_feeds_host_deferrals_total",
                                   "Polls delayed by the per-host concurrency limit or spacing.")
                         .Add({})),
      configured(
          GaugeFamily(registry, "babelwatch_feeds_configured", "Feeds being polled.").Add({})),
      failing(GaugeFamily(registry, "babelwatch_feeds_failing",
                          "Feeds with at least failing_after consecutive errors.")
                  .Add({})) {}

prometheus::Counter& FeedsMetrics::Fetch(const std::string& result,
                                         const std::string& status_class) {
  return fetches.Add({{"result", result}, {"status_class", status_class}});
}

prometheus::Counter& FeedsMetrics::ParseError(const std::string& kind) {
  return parse_errors.Add({{"kind", kind}});
}

}  // namespace babelwatch::feeds
