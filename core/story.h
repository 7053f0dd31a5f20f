// File: core/story.h
//
// What detect/ tells the rest of the daemon about a story (a cluster of Items about one
// event), and what alert/ raises about it. Plain value types, so alert/ and store/ need not
// link detect/.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

namespace babelwatch {

using StoryId = uint64_t;

// The first document seen in one language of a story.
struct StoryLanguage {
  std::string lang;            // ISO 639-1 where known ("en", "uk"), else CLD2's code
  int64_t first_seen_ms = 0;   // published time of that first document
  std::string title;           // its headline
  std::string source;          // its publisher
  std::string url;             // its link
  // How strongly the language joined the story: the best score relative to the linking
  // threshold (>= 1) of its documents' links; 0 for the language that started the story.
  double link = 0;
};

struct StorySummary {
  StoryId id = 0;
  int64_t first_seen_ms = 0;
  int64_t last_seen_ms = 0;
  int documents = 0;
  // Independent sources: publishers, with syndicated copies of one wire text counted once.
  int independent_sources = 0;
  std::vector<std::string> sources;         // distinct publishers, in order of arrival
  std::vector<StoryLanguage> languages;     // in order of first appearance
  std::vector<std::string> keys;            // top language-neutral keys (for watch-lists)
};

// A decision of the spread detector. kind is "spread" for the first alert of a story and
// "update" for each further language.
struct Alert {
  StoryId story = 0;
  std::string kind;
  std::vector<std::string> languages;   // every language of the story at this point
  int sources = 0;                      // independent sources at this point
  int64_t at_ms = 0;                    // time of the document that triggered it
  std::string idempotency_key;          // story id + threshold; the same on any redelivery
  StorySummary story_snapshot;          // the story as it was when the alert was raised
};

}  // namespace babelwatch
