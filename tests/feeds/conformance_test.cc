// Runs the shared conformance corpora through RunConformance / RunConformanceCommand.
#include <catch2/catch.hpp>
#include <sstream>
#include <string>

#include "feeds/conformance_runner.h"

namespace babelwatch::feeds {
namespace {

const std::string kConformanceDir = std::string(SHARED_DIR) + "/feeds/conformance";

void RequirePassRate(const std::string& source) {
  Result<ConformanceReport> report = RunConformance(kConformanceDir + "/" + source);
  REQUIRE(report.has_value());
  int total = report->passed + report->failed;
  REQUIRE(total > 0);
  for (const ConformanceCaseResult& c : report->cases) {
    if (c.passed) continue;
    std::string details;
    for (const std::string& d : c.details) details += "\n    " + d;
    UNSCOPED_INFO(c.id << details);
  }
  double rate = static_cast<double>(report->passed) / total;
  INFO(source << ": " << report->passed << " passed, " << report->failed << " failed");
  CHECK(rate >= 0.95);
}

TEST_CASE("Conformance: at least 95% of the feedparser cases pass", "[feeds][conformance]") {
  RequirePassRate("feedparser");
}

TEST_CASE("Conformance: at least 95% of the gofeed cases pass", "[feeds][conformance]") {
  RequirePassRate("gofeed");
}

TEST_CASE("Conformance: every feedparser date vector passes", "[feeds][conformance][dates]") {
  Result<ConformanceReport> report = RunConformance(kConformanceDir + "/feedparser");
  REQUIRE(report.has_value());
  for (const std::string& f : report->date_failures) UNSCOPED_INFO(f);
  CHECK(report->dates_passed > 40);
  CHECK(report->dates_failed == 0);
}

TEST_CASE("ConformanceCommand: prints a last line with the counts", "[feeds][conformance]") {
  std::ostringstream out, err;
  int rc = RunConformanceCommand({kConformanceDir + "/gofeed"}, out, err);
  std::string text = out.str();
  CHECK((rc == 0 || rc == 1));
  REQUIRE(!text.empty());
  std::string last = text.substr(text.rfind('\n', text.size() - 2) + 1);
  CHECK(last.find(" passed, ") != std::string::npos);
  CHECK(last.find(" failed") != std::string::npos);
}

TEST_CASE("ConformanceCommand: usage and I/O errors return 2", "[feeds][conformance]") {
  std::ostringstream out, err;
  CHECK(RunConformanceCommand({}, out, err) == 2);
  CHECK(err.str().find("usage") != std::string::npos);
  std::ostringstream out2, err2;
  CHECK(RunConformanceCommand({"/nonexistent/dir"}, out2, err2) == 2);
  CHECK(err2.str().find("index.json") != std::string::npos);
}

TEST_CASE("ConformanceCommand: works on any directory of the schema", "[feeds][conformance]") {
  std::ostringstream out, err;
  int rc = RunConformanceCommand({std::string(TEST_DATA_DIR) + "/feeds/conformance_mini"}, out,
                                 err);
  CHECK(rc == 1);  // one case fails on purpose
  std::string text = out.str();
  INFO(text);
  CHECK(text.find("feed.title") != std::string::npos);
  CHECK(text.find("fail/atom") != std::string::npos);
  CHECK(text.find("\"A different title\"") != std::string::npos);
  CHECK(text.find("pass/rss") == std::string::npos);  // passing cases are not listed
  CHECK(text.substr(text.rfind('\n', text.size() - 2) + 1) == "1 passed, 1 failed\n");
  CHECK(err.str().empty());
}

}  // namespace
}  // namespace babelwatch::feeds
