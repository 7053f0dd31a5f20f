// File: alert/payload.h
//
// The one JSON payload every sink derives its message from, built from an accepted Alert:
//
//   {"version":1, "kind":"spread", "story":42, "idempotency_key":"story-42/languages-3",
//    "link":"<public_url>/api/stories/42", "languages":["en","ru","uk"],
//    "per_language":[{"lang":"en","title":...,"source":...,"url":...,
//                     "first_seen":"2022-09-26T09:12:00Z","first_seen_ms":...}, ...],
//    "sources":4, "source_names":[...], "documents":5,
//    "first_seen":"...", "alerted_at":"...", "time_to_alert_s":7500,
//    "summary":"Story 42 spread to 3 languages (en, ru, uk) from 4 sources ...",
//    "links":["<story link>", "<first article per language>", ...]}
//
// per_language follows the story's order of first appearance. Headlines come from feeds and
// are untrusted: they are cut to kMaxTitleBytes (on a UTF-8 boundary) and only http(s) URLs
// are kept. Pure functions, thread-safe.
#pragma once

#include <boost/json/object.hpp>
#include <cstdint>
#include <string>
#include <string_view>

#include "core/story.h"

namespace babelwatch::alert {

inline constexpr size_t kMaxTitleBytes = 300;

// "<public_url>/api/stories/<id>"; a trailing '/' of public_url is dropped.
[[nodiscard]] std::string StoryLink(std::string_view public_url, StoryId id);

// "2h 05m", "12m 30s", "45s"; negative durations count as 0.
[[nodiscard]] std::string FormatDuration(int64_t ms);

// `text` cut to at most max_bytes without splitting a UTF-8 sequence; "…" marks a cut.
[[nodiscard]] std::string Truncate(std::string_view text, size_t max_bytes);

// True for an absolute http:// or https:// URL without control characters or spaces.
[[nodiscard]] bool IsWebUrl(std::string_view url);

// "Story 42 spread to 3 languages (en, ru, uk) from 4 sources, 2h 05m after the first
// article" ("update: story 42 reached 4 languages ..." for updates).
[[nodiscard]] std::string Summary(const Alert& alert);

[[nodiscard]] boost::json::object BuildPayload(const Alert& alert, std::string_view public_url);

}  // namespace babelwatch::alert
