// File: tools/story_json.h
//
// JSON renderings of core story types shared by replay output and the HTTP API: one shape
// everywhere a story or an alert leaves the process. Pure.
#pragma once

#include <boost/json/value.hpp>

#include "core/story.h"

namespace babelwatch::tools {

// {"id","first_seen","last_seen","documents","independent_sources","sources",
//  "languages":[{"lang","first_seen","title","source","url"}],"keys"}
[[nodiscard]] boost::json::object StoryToJson(const StorySummary& story);

// {"story","kind","languages","sources","at","idempotency_key","titles":{lang: title}}
[[nodiscard]] boost::json::object AlertToJson(const Alert& alert);

}  // namespace babelwatch::tools
