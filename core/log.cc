#include "core/log.h"

#include <unistd.h>

#include <atomic>
#include <string>

namespace babelwatch {
namespace {

std::atomic<int>& Threshold() {
  static std::atomic<int> threshold{static_cast<int>(LogLevel::kInfo)};
  return threshold;
}

}  // namespace

void SetLogThreshold(LogLevel level) { Threshold() = static_cast<int>(level); }

void Log(LogLevel level, std::string_view component, std::string_view message) {
  if (static_cast<int>(level) > Threshold().load(std::memory_order_relaxed)) return;
  std::string line;
  line.reserve(message.size() + component.size() + 8);
  line += '<';
  line += static_cast<char>('0' + static_cast<int>(level));
  line += '>';
  line += component;
  line += ": ";
  for (char c : message) line += (c == '\n') ? ' ' : c;  // one event, one line
  line += '\n';
  const char* p = line.data();
  size_t left = line.size();
  while (left > 0) {
    ssize_t n = ::write(STDERR_FILENO, p, left);
    if (n <= 0) return;
    p += n;
    left -= static_cast<size_t>(n);
  }
}

}  // namespace babelwatch
