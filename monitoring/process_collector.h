// File: monitoring/process_collector.h
//
// ProcessCollector: the standard process_* metrics of the Prometheus client libraries, read
// from /proc/self on each scrape: CPU seconds, resident and virtual bytes, open and maximum
// file descriptors, start time. Thread-safe (Collect() keeps no state). When /proc cannot be
// read the affected metrics are left out of that scrape and a warning is logged.
#pragma once

#include <prometheus/collectable.h>
#include <prometheus/metric_family.h>

#include <cstdint>
#include <string_view>
#include <vector>

#include "core/result.h"

namespace babelwatch::monitoring {

struct ProcessStat {
  double cpu_seconds = 0;         // user + system
  double start_time_seconds = 0;  // since the Unix epoch
  int64_t virtual_bytes = 0;
  int64_t resident_bytes = 0;
};

// Parses the text of /proc/<pid>/stat. `boot_time_seconds` is "btime" of /proc/stat,
// `ticks_per_second` sysconf(_SC_CLK_TCK) and `page_bytes` the page size. Pure.
// Errors: kInvalidArgument when the text does not have the fields of proc(5).
[[nodiscard]] Result<ProcessStat> ParseProcStat(std::string_view stat, int64_t boot_time_seconds,
                                                int64_t ticks_per_second, int64_t page_bytes);

// "btime" from the text of /proc/stat. Errors: kInvalidArgument when absent.
[[nodiscard]] Result<int64_t> ParseBootTime(std::string_view proc_stat);

class ProcessCollector final : public prometheus::Collectable {
 public:
  std::vector<prometheus::MetricFamily> Collect() const override;
};

}  // namespace babelwatch::monitoring
