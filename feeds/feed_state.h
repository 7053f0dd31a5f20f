// File: feeds/feed_state.h
//
// FeedState: what the poller knows about one feed (HTTP validators, current URL, health,
// schedule). The scheduler keeps one per feed, exposes copies for /api/feeds, and hands them
// to the daemon after every fetch to persist as an opaque JSON blob (store PutFeedState).
// Plain value type; the JSON functions are pure.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "core/result.h"

namespace babelwatch::feeds {

struct FeedState {
  std::string feed_id;
  std::string configured_url;   // the config's URL when this state began (a change resets it)
  std::string url;              // the URL polled now: differs after a 301/308
  std::string title;            // feed title from the last parsed body
  std::string etag;             // validator for If-None-Match ("" if none)
  std::string last_modified;    // validator for If-Modified-Since ("" if none)
  int64_t last_fetch_ms = 0;    // end of the last attempt, UTC ms since the epoch (0 = never)
  int64_t last_success_ms = 0;  // end of the last 200/304
  int64_t next_poll_ms = 0;     // when the next poll is due (UTC ms, an estimate)
  std::string last_error;       // message of the last failure; "" after a success
  int last_status = 0;          // HTTP status of the last response (0 = none)
  int consecutive_errors = 0;
  bool failing = false;     // consecutive_errors reached the configured threshold
  int last_items = 0;       // items in the last parsed body
  int64_t items_total = 0;  // items parsed since this state began
  int64_t interval_ms = 0;  // polling interval in force (adaptive or configured)
};

// One JSON object with the fields above under their names (integers as numbers).
[[nodiscard]] std::string FeedStateToJson(const FeedState& state);

// A JSON array of FeedStateToJson objects, in the given order (for /api/feeds).
[[nodiscard]] std::string FeedStatesToJson(const std::vector<FeedState>& states);

// Reads FeedStateToJson's output. Unknown fields are ignored and missing ones keep their
// defaults. Errors: kInvalidArgument for text that is not a JSON object, a field of the wrong
// type, or more than 64 KiB.
[[nodiscard]] Result<FeedState> FeedStateFromJson(std::string_view json);

}  // namespace babelwatch::feeds
