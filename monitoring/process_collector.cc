#include "monitoring/process_collector.h"

#include <dirent.h>
#include <sys/resource.h>
#include <unistd.h>

#include <charconv>
#include <fstream>
#include <sstream>
#include <string>

#include "core/log.h"

namespace babelwatch::monitoring {
namespace {

std::string ReadFile(const char* path) {
  std::ifstream in(path, std::ios::binary);
  std::ostringstream out;
  out << in.rdbuf();
  return out.str();
}

prometheus::MetricFamily Family(std::string name, std::string help, prometheus::MetricType type,
                                double value) {
  prometheus::MetricFamily family;
  family.name = std::move(name);
  family.help = std::move(help);
  family.type = type;
  prometheus::ClientMetric metric;
  if (type == prometheus::MetricType::Counter) {
    metric.counter.value = value;
  } else {
    metric.gauge.value = value;
  }
  family.metric.push_back(std::move(metric));
  return family;
}

bool ParseInt(std::string_view s, int64_t& out) {
  auto [ptr, ec] = std::from_chars(s.data(), s.data() + s.size(), out);
  return ec == std::errc() && ptr == s.data() + s.size();
}

}  // namespace

Result<ProcessStat> ParseProcStat(std::string_view stat, int64_t boot_time_seconds,
                                  int64_t ticks_per_second, int64_t page_bytes) {
  // "pid (comm) state ppid ...": comm may hold spaces and ')', so split after the last ')'.
  size_t close = stat.rfind(')');
  if (close == std::string_view::npos) {
    return InvalidArgument("/proc/self/stat: no ')' closing the command name");
  }
  std::vector<std::string_view> fields;  // fields[0] is field 3 (state) of proc(5)
  std::string_view rest = stat.substr(close + 1);
  while (!rest.empty()) {
    size_t start = rest.find_first_not_of(" \n");
    if (start == std::string_view::npos) break;
    rest.remove_prefix(start);
    size_t end = rest.find_first_of(" \n");
    fields.push_back(rest.substr(0, end));
    rest = end == std::string_view::npos ? std::string_view() : rest.substr(end);
  }
  // Fields used (1-based, proc(5)): 14 utime, 15 stime, 22 starttime, 23 vsize, 24 rss.
  if (fields.size() < 22) {
    return InvalidArgument("/proc/self/stat: " + std::to_string(fields.size() + 2) +
                           " fields, expected at least 24");
  }
  auto field = [&](int number, int64_t& out) { return ParseInt(fields[number - 3], out); };
  int64_t utime, stime, starttime, vsize, rss;
  if (!field(14, utime) || !field(15, stime) || !field(22, starttime) || !field(23, vsize) ||
      !field(24, rss) || ticks_per_second <= 0) {
    return InvalidArgument("/proc/self/stat: a numeric field is not an integer");
  }
  ProcessStat out;
  out.cpu_seconds = static_cast<double>(utime + stime) / static_cast<double>(ticks_per_second);
  out.start_time_seconds = static_cast<double>(boot_time_seconds) +
                           static_cast<double>(starttime) / static_cast<double>(ticks_per_second);
  out.virtual_bytes = vsize;
  out.resident_bytes = rss * page_bytes;
  return out;
}

Result<int64_t> ParseBootTime(std::string_view proc_stat) {
  size_t pos = 0;
  while (pos < proc_stat.size()) {
    size_t eol = proc_stat.find('\n', pos);
    std::string_view line = proc_stat.substr(pos, eol == std::string_view::npos ? eol : eol - pos);
    if (line.substr(0, 6) == "btime ") {
      int64_t value;
      if (ParseInt(line.substr(6), value)) return value;
      return InvalidArgument("/proc/stat: btime is not an integer");
    }
    if (eol == std::string_view::npos) break;
    pos = eol + 1;
  }
  return InvalidArgument("/proc/stat: no btime line");
}

std::vector<prometheus::MetricFamily> ProcessCollector::Collect() const {
  using prometheus::MetricType;
  std::vector<prometheus::MetricFamily> out;
  auto boot = ParseBootTime(ReadFile("/proc/stat"));
  auto stat = ParseProcStat(ReadFile("/proc/self/stat"), boot.has_value() ? *boot : 0,
                            sysconf(_SC_CLK_TCK), sysconf(_SC_PAGESIZE));
  if (stat.has_value()) {
    out.push_back(Family("process_cpu_seconds_total",
                         "Total user and system CPU time spent in seconds.", MetricType::Counter,
                         stat->cpu_seconds));
    out.push_back(Family("process_resident_memory_bytes", "Resident memory size in bytes.",
                         MetricType::Gauge, static_cast<double>(stat->resident_bytes)));
    out.push_back(Family("process_virtual_memory_bytes", "Virtual memory size in bytes.",
                         MetricType::Gauge, static_cast<double>(stat->virtual_bytes)));
    if (boot.has_value()) {
      out.push_back(Family("process_start_time_seconds",
                           "Start time of the process since unix epoch in seconds.",
                           MetricType::Gauge, stat->start_time_seconds));
    }
  } else {
    Log(LogLevel::kWarning, "monitoring", stat.error().message);
  }
  if (DIR* dir = opendir("/proc/self/fd")) {
    int64_t count = 0;
    while (dirent* entry = readdir(dir)) {
      if (entry->d_name[0] != '.') ++count;
    }
    closedir(dir);
    out.push_back(Family("process_open_fds", "Number of open file descriptors.", MetricType::Gauge,
                         static_cast<double>(count - 1)));  // minus the one opendir holds
  } else {
    Log(LogLevel::kWarning, "monitoring", "/proc/self/fd: cannot list open file descriptors");
  }
  rlimit limit{};
  if (getrlimit(RLIMIT_NOFILE, &limit) == 0) {
    out.push_back(Family("process_max_fds", "Maximum number of open file descriptors.",
                         MetricType::Gauge, static_cast<double>(limit.rlim_cur)));
  }
  return out;
}

}  // namespace babelwatch::monitoring
