// File: tests/alert/test_alerts.h
//
// A sample alert for sink and dispatcher tests.
#pragma once

#include <string>

#include "core/story.h"

namespace babelwatch::alert::testing {

inline Alert SampleAlert(StoryId id = 42, int64_t at_ms = 1'664'190'000'000) {
  Alert a;
  a.story = id;
  a.kind = "spread";
  a.languages = {"en", "ru", "uk"};
  a.sources = 3;
  a.at_ms = at_ms;
  a.idempotency_key = "story-" + std::to_string(id) + "/languages-3";
  StorySummary& s = a.story_snapshot;
  s.id = id;
  s.first_seen_ms = at_ms - 7'500'000;  // 2h 05m before the alert
  s.last_seen_ms = at_ms;
  s.documents = 4;
  s.independent_sources = 3;
  s.sources = {"wire.example", "news.example.ua", "news.example.ru"};
  s.languages = {
      {"en", at_ms - 7'500'000, "Kazakhstan <won't> recognise votes & results", "wire.example",
       "https://wire.example/a?x=1&y=2"},
      {"uk", at_ms - 3'600'000, "Казахстан не визнає", "news.example.ua",
       "https://news.example.ua/b"},
      {"ru", at_ms, "Казахстан не признает", "news.example.ru", "javascript:alert(1)"},
  };
  return a;
}

}  // namespace babelwatch::alert::testing
