// File: feeds/date_parser.h
//
// Parses the date strings found in feeds: RFC 822/2822 and its real-world variants (missing
// weekday or seconds, full month names, two-digit years, named and military-style zones,
// "GMT+hh:mm", asctime), ISO 8601 / W3DTF (reduced precision, basic format, fractions,
// "2003-12-31 10:14:55"), and a few localized forms (Greek RFC 822, Korean Nate/OnBlog).
// Pure and thread-safe. Returns nullopt for anything it cannot read unambiguously (out-of-
// range fields, trailing garbage); callers then fall back to the fetch time.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

namespace babelwatch::feeds {

// Milliseconds since the Unix epoch (UTC) of `text`, or nullopt. Fractions of a second are
// kept to the millisecond. Inputs longer than 128 bytes are rejected.
[[nodiscard]] std::optional<int64_t> ParseFeedDate(std::string_view text);

// Days since 1970-01-01 of a proleptic Gregorian date (any year, month 1-12, day 1-31).
[[nodiscard]] int64_t DaysFromCivil(int64_t year, unsigned month, unsigned day);

// "YYYY-MM-DDTHH:MM:SS[.mmm]Z" for a millisecond timestamp (milliseconds shown only if
// non-zero).
[[nodiscard]] std::string FormatIsoUtc(int64_t ms);

}  // namespace babelwatch::feeds
