// File: feeds/conformance_runner.h
//
// Runs a feed-conformance corpus (schema "feed-conformance/1": DIR/index.json listing cases,
// each DIR/<case.dir>/expected.json + input file) against ParseFeed and reports failures by
// field. Implements `babelwatch conformance DIR`.
// Thread-safe (no shared state); it reads the corpus files under DIR and nothing else, and
// writes only to the streams it is given. Errors: RunConformance returns kNotFound for a
// missing index.json and kInvalidArgument for a malformed one; a broken case (missing file,
// bad expected.json) counts as a failed case with the problem in its details.
#pragma once

#include <map>
#include <ostream>
#include <string>
#include <vector>

#include "core/result.h"

namespace babelwatch::feeds {

struct ConformanceCaseResult {
  std::string id;
  bool passed = false;
  std::vector<std::string> failed_fields;  // e.g. "feed.title", "items.link", "wellformed"
  std::vector<std::string> details;        // one line per failed check: expected vs got
  std::vector<std::string> informative;    // summary/content value mismatches (not failures)
};

struct ConformanceReport {
  std::string source;  // "source" of index.json
  std::vector<ConformanceCaseResult> cases;
  int passed = 0;
  int failed = 0;
  std::map<std::string, int> failures_by_field;
  int dates_passed = 0;  // DIR/dates/date_vectors.json, if present
  int dates_failed = 0;
  std::vector<std::string> date_failures;
};

// Runs every case listed in `dir`/index.json (and date vectors if present).
[[nodiscard]] Result<ConformanceReport> RunConformance(const std::string& dir);

// `babelwatch conformance DIR [--verbose]`: `args` are the arguments after "conformance".
// Prints a table of failures by field, the failing cases, and a last line
// "N passed, N failed". Returns 0 if every case passed, 1 if some failed, 2 on a usage or
// I/O error (message on `err`).
int RunConformanceCommand(const std::vector<std::string>& args, std::ostream& out,
                          std::ostream& err);

}  // namespace babelwatch::feeds
