// Runs every file of ../shared/feeds/hostile per its manifest.json, plus the generators
// (deep nesting, huge single line) at sizes that stay fast under ASan. Each parse also runs in
// a forked child whose peak RSS growth must stay under kPeakGrowthBoundMiB.
#include <simdjson.h>
#include <sys/resource.h>
#include <sys/wait.h>
#include <unistd.h>

#include <catch2/catch.hpp>
#include <cstdlib>
#include <filesystem>
#include <string>
#include <vector>

#include "feeds/feed_parser.h"
#include "feeds/html_text.h"
#include "tests/feeds/feed_test_util.h"

namespace babelwatch::feeds {
namespace {

namespace fs = std::filesystem;
using testing::ReadFixture;

const std::string kHostileDir = std::string(SHARED_DIR) + "/feeds/hostile";

#if defined(__SANITIZE_ADDRESS__)
constexpr long kPeakGrowthBoundMiB = 768;  // ASan shadow memory and quarantine
#elif defined(__has_feature)
#if __has_feature(address_sanitizer)
constexpr long kPeakGrowthBoundMiB = 768;
#else
constexpr long kPeakGrowthBoundMiB = 256;
#endif
#else
constexpr long kPeakGrowthBoundMiB = 256;
#endif

// Peak RSS (MiB) of a forked child that parses `body` (or does nothing when `parse` is false).
long ChildPeakRssMiB(const std::string& body, bool parse) {
  pid_t pid = fork();
  if (pid == 0) {
    if (parse) {
      Result<ParsedFeed> r = ParseFeed(body, ParseContext{});
      _exit(r.has_value() ? 0 : 1);
    }
    _exit(0);
  }
  REQUIRE(pid > 0);
  int status = 0;
  struct rusage usage {};
  REQUIRE(wait4(pid, &status, 0, &usage) == pid);
  REQUIRE(WIFEXITED(status));  // no crash, no abort
  return usage.ru_maxrss / 1024;
}

void CheckBoundedMemory(const std::string& body) {
  long baseline = ChildPeakRssMiB(body, false);
  long peak = ChildPeakRssMiB(body, true);
  INFO("peak RSS " << peak << " MiB, baseline " << baseline << " MiB, input " << body.size() / 1024
                   << " KiB");
  CHECK(peak - baseline < kPeakGrowthBoundMiB);
}

// Every string the parser hands out.
std::vector<std::string> AllStrings(const ParsedFeed& f) {
  std::vector<std::string> out = {f.title, f.link, f.language, f.encoding, f.detail.title.value};
  for (const std::string& w : f.warnings) out.push_back(w);
  for (const Item& i : f.items) {
    for (const std::string* s : {&i.id, &i.source, &i.url, &i.title, &i.text, &i.lang_hint}) {
      out.push_back(*s);
    }
  }
  for (const EntryDetail& e : f.entries) {
    out.push_back(e.title.value);
    out.push_back(e.summary.value);
    out.push_back(e.content.value);
    out.push_back(e.id.value_or(""));
  }
  return out;
}

size_t TotalBytes(const ParsedFeed& f) {
  size_t n = 0;
  for (const std::string& s : AllStrings(f)) n += s.size();
  return n;
}

bool AnyContains(const ParsedFeed& f, std::string_view needle) {
  for (const std::string& s : AllStrings(f)) {
    if (s.find(needle) != std::string::npos) return true;
  }
  return false;
}

void CheckOutcome(const std::string& file, const std::string& outcome,
                  const std::vector<std::string>& checks, const Result<ParsedFeed>& r) {
  INFO(file << ": outcome " << outcome << "; "
            << (r.has_value() ? "parsed, " + std::to_string(r->items.size()) + " items"
                              : "error: " + r.error().message));
  if (!r.has_value()) {
    CHECK(outcome != "success");
    CHECK_FALSE(r.error().message.empty());
    if (std::find(checks.begin(), checks.end(), "not-a-feed") != checks.end()) {
      CHECK((r.error().message.find("not a feed") != std::string::npos ||
             r.error().message.find("not a JSON Feed") != std::string::npos));
    }
    return;
  }
  const ParsedFeed& f = *r;
  for (const std::string& s : AllStrings(f)) CHECK(IsValidUtf8(s));
  if (outcome == "error") {
    // A recovered partial result is acceptable only when flagged.
    CHECK(f.incomplete);
  } else if (outcome == "error-or-unexpanded") {
    CHECK_FALSE(AnyContains(f, "lollollol"));
    CHECK_FALSE(AnyContains(f, "root:"));
    CHECK(TotalBytes(f) < (2u << 20));
  } else if (outcome == "error-or-ignored" || outcome == "no-xinclude") {
    CHECK_FALSE(AnyContains(f, "root:"));
  } else if (outcome == "error-or-zero-items") {
    CHECK(f.items.empty());
  } else if (outcome == "error-or-dropped") {
    for (const std::string& s : AllStrings(f)) {
      for (char c : s)
        CHECK((static_cast<unsigned char>(c) >= 0x20 || c == '\t' || c == '\n' || c == '\r'));
    }
  }
  if (std::find(checks.begin(), checks.end(), "no-nul-truncation") != checks.end()) {
    // Text after the NUL survives: the title continues past it.
    CHECK(f.title.find("after") != std::string::npos);
  }
  if (std::find(checks.begin(), checks.end(), "if-accepted: item ok-1 intact") != checks.end()) {
    auto it =
        std::find_if(f.items.begin(), f.items.end(), [](const Item& i) { return i.id == "ok-1"; });
    REQUIRE(it != f.items.end());
    CHECK_FALSE(it->title.empty());
  }
}

TEST_CASE("Hostile: every manifest file gets the demanded result", "[feeds][hostile]") {
  std::string manifest = ReadFixture(kHostileDir + "/manifest.json");
  simdjson::dom::parser parser;
  simdjson::dom::element root;
  REQUIRE(parser.parse(manifest).get(root) == simdjson::SUCCESS);
  simdjson::dom::array files;
  REQUIRE(root["files"].get_array().get(files) == simdjson::SUCCESS);
  size_t count = 0;
  for (simdjson::dom::element entry : files) {
    std::string_view file, outcome;
    REQUIRE(entry["file"].get_string().get(file) == simdjson::SUCCESS);
    REQUIRE(entry["outcome"].get_string().get(outcome) == simdjson::SUCCESS);
    std::vector<std::string> checks;
    simdjson::dom::array check_array;
    if (entry["checks"].get_array().get(check_array) == simdjson::SUCCESS) {
      for (simdjson::dom::element c : check_array) {
        std::string_view s;
        if (c.get_string().get(s) == simdjson::SUCCESS) checks.emplace_back(s);
      }
    }
    std::string body = ReadFixture(kHostileDir + "/" + std::string(file));
    ParseContext ctx;
    ctx.url = "http://hostile.example/" + std::string(file);
    Result<ParsedFeed> r = ParseFeed(body, ctx);
    CheckOutcome(std::string(file), std::string(outcome), checks, r);
    simdjson::dom::object expect;
    if (entry["expect"].get_object().get(expect) == simdjson::SUCCESS) {
      REQUIRE(r.has_value());
      std::string_view title, language;
      int64_t item_count;
      if (expect["feed"]["title"].get_string().get(title) == simdjson::SUCCESS) {
        CHECK(r->title == title);
      }
      if (expect["feed"]["language"].get_string().get(language) == simdjson::SUCCESS) {
        CHECK(r->language == language);
      }
      if (expect["item_count"].get_int64().get(item_count) == simdjson::SUCCESS) {
        CHECK(static_cast<int64_t>(r->items.size()) == item_count);
      }
    }
    if (std::find(checks.begin(), checks.end(), "bounded-memory") != checks.end()) {
      CheckBoundedMemory(body);
    }
    ++count;
  }
  CHECK(count >= 17);
}

// Runs a generator from the hostile folder into a fresh temp dir; returns the output.
std::string Generate(const std::string& script, const std::string& args) {
  fs::path dir =
      fs::temp_directory_path() / ("babelwatch-hostile-" + std::to_string(getpid()) + "-" + script);
  fs::create_directories(dir);
  fs::path out = dir / "out";
  std::string cmd = "python3 '" + kHostileDir + "/" + script + "' '" + out.string() + "' " + args;
  INFO(cmd);
  REQUIRE(std::system(cmd.c_str()) == 0);
  std::string body = ReadFixture(out.string());
  fs::remove_all(dir);
  return body;
}

TEST_CASE("Hostile: deep nesting hits the depth limit without a stack overflow",
          "[feeds][hostile]") {
  for (const char* format : {"atom", "rss", "json"}) {
    std::string body =
        Generate("gen_deep_nesting.py", std::string("--format ") + format + " --depth 100000");
    Result<ParsedFeed> r = ParseFeed(body, ParseContext{});
    INFO(format);
    REQUIRE_FALSE(r.has_value());
    CHECK(r.error().code == Code::kResourceExhausted);
    CHECK(r.error().message.find("depth") != std::string::npos);
    CheckBoundedMemory(body);
  }
}

TEST_CASE("Hostile: a huge single-line feed parses within the limit or is rejected",
          "[feeds][hostile]") {
  SECTION("many items on one line, under the size limit") {
    std::string body = Generate("gen_huge_single_line.py", "--mib 4 --mode items");
    Result<ParsedFeed> r = ParseFeed(body, ParseContext{});
    REQUIRE(r.has_value());
    CHECK(r->items.size() > 1000);
    CHECK(r->items.size() <= kMaxItems);
    CheckBoundedMemory(body);
  }
  SECTION("one 4 MiB text node") {
    std::string body = Generate("gen_huge_single_line.py", "--mib 4 --mode blob");
    Result<ParsedFeed> r = ParseFeed(body, ParseContext{});
    if (r.has_value()) {
      CHECK(TotalBytes(*r) < (16u << 20));
    } else {
      CHECK(r.error().code == Code::kResourceExhausted);
    }
    CheckBoundedMemory(body);
  }
  SECTION("above the size limit") {
    std::string body = Generate("gen_huge_single_line.py", "--mib 20 --mode items");
    REQUIRE(body.size() > kMaxFeedBytes);
    Result<ParsedFeed> r = ParseFeed(body, ParseContext{});
    REQUIRE_FALSE(r.has_value());
    CHECK(r.error().code == Code::kResourceExhausted);
    CHECK(r.error().message.find("exceeds the parser limit") != std::string::npos);
  }
}

}  // namespace
}  // namespace babelwatch::feeds
