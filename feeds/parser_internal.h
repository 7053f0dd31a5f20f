// File: feeds/parser_internal.h
//
// Internal to the feed parsers (not for other components): the format-specific entry points
// that feed_parser.cc dispatches to, and URL helpers they share.
// Pure and thread-safe. The parsers fill `out` (format, feed fields, `entries`); ParseFeed then
// derives the Items. They return an Error for input that is not a feed of their format.
#pragma once

#include <optional>
#include <string>
#include <string_view>

#include "core/result.h"
#include "feeds/feed_parser.h"

namespace babelwatch::feeds::internal {

// `utf8` is the whole document already decoded to UTF-8 (no BOM).
[[nodiscard]] std::optional<Error> ParseXmlDocument(std::string_view utf8, const ParseContext& ctx,
                                                    ParsedFeed& out);
[[nodiscard]] std::optional<Error> ParseJsonDocument(std::string_view utf8, const ParseContext& ctx,
                                                     ParsedFeed& out);

// `ref` resolved against `base` (RFC 3986); `ref` unchanged if either cannot be parsed.
[[nodiscard]] std::string ResolveUrl(std::string_view ref, std::string_view base);

// Lower-case host of an absolute URL without a leading "www.", or "".
[[nodiscard]] std::string HostOf(std::string_view url);

}  // namespace babelwatch::feeds::internal
