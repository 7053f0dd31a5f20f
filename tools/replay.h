// File: tools/replay.h
//
// Replay: runs the detection pipeline (detect::Engine, then alert::SpreadDetector) over a
// corpus of JSONL records on simulated time — each record's `published` — with no network
// and no store. `babelwatch replay` and `babelwatch eval` are built on it. Not thread-safe;
// pure apart from reading the input file.
#pragma once

#include <iosfwd>
#include <map>
#include <string>
#include <vector>

#include "alert/options.h"
#include "core/item.h"
#include "core/result.h"
#include "core/story.h"
#include "detect/options.h"

namespace babelwatch::tools {

// One input line: {"id","title","text","published","source","url"}, optional "lang" and
// (labelled sets) "event"; other fields are ignored. `published` is ISO 8601 or Unix seconds.
struct ReplayRecord {
  Item item;           // lang_hint = the record's "lang" when present
  std::string lang;    // the record's "lang" ("" when absent)
  std::string event;   // the record's "event" label ("" when absent)
  int line = 0;        // 1-based line number in the input
};

// Reads every record of a JSONL file. A malformed line is reported on `err` as
// "FILE:LINE: problem" and skipped; the rest goes on. Fails only if the file can't be read.
[[nodiscard]] Result<std::vector<ReplayRecord>> ReadReplayRecords(const std::string& path,
                                                                  std::ostream& err);

// Parses one line; the error message names the problem (the caller adds FILE:LINE).
[[nodiscard]] Result<ReplayRecord> ParseReplayRecord(std::string_view line);

struct ReplayOutput {
  struct Assigned {
    std::string id;
    StoryId story = 0;
    std::string lang;     // detected (or fallback) language the engine used
    bool syndicated = false;
  };
  std::vector<Assigned> assignments;   // one per record, in input order
  std::vector<StorySummary> stories;   // every story created, final state, by id
  std::vector<Alert> alerts;           // in the order they were raised
  double seconds = 0;                  // wall time of the pipeline run (not of reading)
};

// Runs the records through the pipeline in order of `published` (ties keep input order).
[[nodiscard]] Result<ReplayOutput> RunReplay(const std::vector<ReplayRecord>& records,
                                             const detect::DetectOptions& detect_options,
                                             const alert::AlertOptions& alert_options);

// Writes DIR/assignments.jsonl, DIR/stories.jsonl and DIR/alerts.jsonl (creates DIR).
[[nodiscard]] Result<void> WriteReplayOutput(const ReplayOutput& output, const std::string& dir);

}  // namespace babelwatch::tools
