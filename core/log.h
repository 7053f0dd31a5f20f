// File: core/log.h
//
// One line per event on stderr with the sd-daemon "<N>" priority prefix, which journald
// turns into the entry's priority. Thread-safe: each line is written with one write(2), so
// lines from different threads never interleave. A degraded mode is logged at kWarning or
// above and counted in a metric by the caller (STYLE item 20).
#pragma once

#include <string_view>

namespace babelwatch {

enum class LogLevel { kError = 3, kWarning = 4, kNotice = 5, kInfo = 6, kDebug = 7 };

// Writes "<N>component: message\n". Messages at a level below the threshold are dropped.
void Log(LogLevel level, std::string_view component, std::string_view message);

// Messages less severe than `level` are dropped (default kInfo).
void SetLogThreshold(LogLevel level);

}  // namespace babelwatch

#define BW_LOG_ERROR(component, msg) ::babelwatch::Log(::babelwatch::LogLevel::kError, component, msg)
#define BW_LOG_WARNING(component, msg) \
  ::babelwatch::Log(::babelwatch::LogLevel::kWarning, component, msg)
#define BW_LOG_INFO(component, msg) ::babelwatch::Log(::babelwatch::LogLevel::kInfo, component, msg)
