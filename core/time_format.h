// File: core/time_format.h
//
// Strict ISO 8601 / RFC 3339 timestamps for our own formats (replay records, JSON output).
// Feed dates in the wild are parsed leniently by feeds/; this is not that parser. Pure.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>

#include "core/result.h"

namespace babelwatch {

// "2022-09-26T09:12:00Z", "2022-09-26T09:12:00.250+03:00", "2022-09-26 09:12:00Z" and
// "2022-09-26" (midnight UTC) → Unix milliseconds. Error names what was wrong.
[[nodiscard]] Result<int64_t> ParseIso8601Ms(std::string_view text);

// Unix milliseconds → "2022-09-26T09:12:00Z" (".250" added when there are milliseconds).
[[nodiscard]] std::string FormatIso8601(int64_t unix_ms);

}  // namespace babelwatch
