#include "tools/replay.h"

#include <boost/json.hpp>
#include <catch2/catch.hpp>
#include <filesystem>
#include <fstream>
#include <map>
#include <set>
#include <sstream>

#include "tools/commands.h"

namespace babelwatch::tools {
namespace {

std::string SeedsPath() { return std::string(SHARED_DIR) + "/seeds/seeds.jsonl"; }

TEST_CASE("Replay: the seeds form one en/uk/ru story with one spread alert, 004 stays apart",
          "[tools][replay][seeds]") {
  std::ostringstream err;
  auto records = ReadReplayRecords(SeedsPath(), err);
  REQUIRE(records.has_value());
  REQUIRE(records->size() == 5);
  CHECK(err.str().empty());
  auto out = RunReplay(*records, detect::DetectOptions{}, alert::AlertOptions{});
  REQUIRE(out.has_value());
  std::map<std::string, StoryId> story;
  for (const auto& a : out->assignments) story[a.id] = a.story;
  CHECK(story["000"] == story["001"]);
  CHECK(story["000"] == story["002"]);
  CHECK(story["000"] == story["003"]);
  CHECK(story["004"] != story["000"]);

  int spread = 0;
  for (const Alert& a : out->alerts) {
    CHECK(a.story == story["000"]);
    spread += a.kind == "spread";
  }
  CHECK(spread == 1);
  REQUIRE_FALSE(out->alerts.empty());
  CHECK(out->alerts.front().kind == "spread");
  CHECK(out->alerts.back().languages == std::vector<std::string>{"en", "ru", "uk"});
  std::set<std::string> keys;
  for (const Alert& a : out->alerts) CHECK(keys.insert(a.idempotency_key).second);
}

TEST_CASE("Replay: malformed records are reported with their line and skipped",
          "[tools][replay]") {
  const std::string path =
      (std::filesystem::temp_directory_path() / "babelwatch_replay_bad.jsonl").string();
  {
    std::ofstream f(path);
    f << R"({"id":"a","title":"Storm hits the coast","text":"","published":"2024-01-01T00:00:00Z","source":"x","url":"u"})"
      << "\n"
      << "not json\n"
      << R"(["array"])" << "\n"
      << R"({"title":"no id","published":"2024-01-01T00:00:00Z"})" << "\n"
      << R"({"id":"b","title":"t","published":"yesterday"})" << "\n"
      << R"({"id":"c","title":5,"published":"2024-01-01T00:00:00Z"})" << "\n"
      << "\n"
      << R"({"id":"d","title":"Storm hits the coast again","published":1704067200})" << "\n";
  }
  std::ostringstream err;
  auto records = ReadReplayRecords(path, err);
  REQUIRE(records.has_value());
  REQUIRE(records->size() == 2);
  CHECK((*records)[0].line == 1);
  CHECK((*records)[1].line == 8);
  CHECK((*records)[1].item.published_ms == 1704067200000);
  const std::string e = err.str();
  CHECK_THAT(e, Catch::Contains(path + ":2: not valid JSON"));
  CHECK_THAT(e, Catch::Contains(path + ":3: not a JSON object"));
  CHECK_THAT(e, Catch::Contains(path + ":4: missing \"id\""));
  CHECK_THAT(e, Catch::Contains(path + ":5: \"published\": \"yesterday\" is not an ISO 8601 time"));
  CHECK_THAT(e, Catch::Contains(path + ":6: \"title\" is not a string"));
  CHECK_THAT(e, Catch::Contains("5 malformed record(s) skipped"));
  std::filesystem::remove(path);
}

TEST_CASE("Replay command: writes the three JSONL files, usage errors exit 2",
          "[tools][replay]") {
  const std::string dir =
      (std::filesystem::temp_directory_path() / "babelwatch_replay_out").string();
  std::filesystem::remove_all(dir);
  std::ostringstream out, err;
  REQUIRE(RunReplayCommand({SeedsPath(), "--out", dir}, out, err) == 0);
  for (const char* name : {"assignments.jsonl", "stories.jsonl", "alerts.jsonl"}) {
    INFO(name);
    std::ifstream f(dir + "/" + name);
    REQUIRE(f.good());
    std::string line;
    int lines = 0;
    while (std::getline(f, line)) {
      boost::json::value v = boost::json::parse(line);
      CHECK(v.is_object());
      ++lines;
    }
    CHECK(lines > 0);
  }
  std::ifstream alerts(dir + "/alerts.jsonl");
  std::string first;
  REQUIRE(std::getline(alerts, first));
  boost::json::object a = boost::json::parse(first).as_object();
  for (const char* key : {"story", "kind", "languages", "sources", "at"}) CHECK(a.contains(key));
  std::filesystem::remove_all(dir);

  std::ostringstream out2, err2;
  CHECK(RunReplayCommand({SeedsPath()}, out2, err2) == 2);
  CHECK_THAT(err2.str(), Catch::Contains("usage"));
  CHECK(RunReplayCommand({"/nonexistent.jsonl", "--out", dir}, out2, err2) == 2);
  CHECK_THAT(err2.str(), Catch::Contains("/nonexistent.jsonl: cannot open"));
}

TEST_CASE("check-config command: exit 78 and every error for a bad file", "[tools]") {
  const std::string path =
      (std::filesystem::temp_directory_path() / "babelwatch_bad_config.toml").string();
  {
    std::ofstream f(path);
    f << "[[feeds]]\nid = \"\"\nurl = \"x\"\n";
  }
  std::ostringstream out, err;
  CHECK(RunCheckConfigCommand({path}, out, err) == 78);
  CHECK_THAT(err.str(), Catch::Contains("feeds[0].id"));
  CHECK_THAT(err.str(), Catch::Contains("feeds[0].url"));
  std::filesystem::remove(path);
  std::ostringstream out2, err2;
  CHECK(RunCheckConfigCommand({std::string(PROJECT_DIR) + "/config/demo.toml"}, out2, err2) == 0);
  CHECK_THAT(out2.str(), Catch::Contains("ok (5 feeds"));
}

}  // namespace
}  // namespace babelwatch::tools
