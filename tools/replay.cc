#include "tools/replay.h"

#include <algorithm>
#include <boost/json.hpp>
#include <chrono>
#include <filesystem>
#include <fstream>
#include <numeric>
#include <ostream>
#include <unordered_map>

#include "alert/spread_detector.h"
#include "core/time_format.h"
#include "detect/engine.h"
#include "tools/story_json.h"

namespace babelwatch::tools {
namespace {

constexpr size_t kMaxLineBytes = 16 << 20;

// A string field: absent → "", wrong type → error naming the field.
Result<std::string> StringField(const boost::json::object& o, std::string_view key,
                                bool required) {
  const boost::json::value* v = o.if_contains(key);
  if (v == nullptr || v->is_null()) {
    if (required) return InvalidArgument("missing \"" + std::string(key) + "\"");
    return std::string();
  }
  if (const boost::json::string* s = v->if_string()) return std::string(s->data(), s->size());
  if (key == "id" && (v->is_int64() || v->is_uint64())) return boost::json::serialize(*v);
  return InvalidArgument("\"" + std::string(key) + "\" is not a string");
}

}  // namespace

Result<ReplayRecord> ParseReplayRecord(std::string_view line) {
  boost::system::error_code ec;
  boost::json::value v = boost::json::parse(line, ec);
  if (ec) return InvalidArgument("not valid JSON (" + ec.message() + ")");
  const boost::json::object* o = v.if_object();
  if (o == nullptr) return InvalidArgument("not a JSON object");
  ReplayRecord r;
  auto id = StringField(*o, "id", true);
  if (!id) return id.error();
  if (id->empty()) return InvalidArgument("\"id\" is empty");
  r.item.id = *id;
  auto title = StringField(*o, "title", false);
  auto text = StringField(*o, "text", false);
  auto source = StringField(*o, "source", false);
  auto url = StringField(*o, "url", false);
  auto lang = StringField(*o, "lang", false);
  auto event = StringField(*o, "event", false);
  for (const auto* f : {&title, &text, &source, &url, &lang, &event}) {
    if (!*f) return f->error();
  }
  if (title->empty() && text->empty()) return InvalidArgument("both \"title\" and \"text\" empty");
  r.item.title = *title;
  r.item.text = *text;
  r.item.source = *source;
  r.item.url = *url;
  r.item.lang_hint = *lang;
  r.lang = *lang;
  r.event = *event;
  const boost::json::value* published = o->if_contains("published");
  if (published == nullptr || published->is_null()) {
    return InvalidArgument("missing \"published\"");
  } else if (const boost::json::string* s = published->if_string()) {
    auto ms = ParseIso8601Ms(std::string_view(s->data(), s->size()));
    if (!ms) return ms.error().WithContext("\"published\"");
    r.item.published_ms = *ms;
  } else if (published->is_number()) {
    const double seconds = published->to_number<double>(ec);
    if (ec || !(seconds >= 0 && seconds < 1e11)) {
      return InvalidArgument("\"published\" is not a Unix time in seconds");
    }
    r.item.published_ms = static_cast<int64_t>(seconds * 1000);
  } else {
    return InvalidArgument("\"published\" is neither a string nor a number");
  }
  return r;
}

Result<std::vector<ReplayRecord>> ReadReplayRecords(const std::string& path, std::ostream& err) {
  std::ifstream in(path, std::ios::binary);
  if (!in) return NotFound(path + ": cannot open");
  std::vector<ReplayRecord> records;
  std::string line;
  int line_no = 0;
  int skipped = 0;
  while (std::getline(in, line)) {
    ++line_no;
    if (line.find_first_not_of(" \t\r") == std::string::npos) continue;
    if (line.size() > kMaxLineBytes) {
      err << path << ":" << line_no << ": line longer than " << kMaxLineBytes
          << " bytes, skipped\n";
      ++skipped;
      continue;
    }
    auto r = ParseReplayRecord(line);
    if (!r) {
      err << path << ":" << line_no << ": " << r.error().message << ", skipped\n";
      ++skipped;
      continue;
    }
    r->line = line_no;
    records.push_back(std::move(*r));
  }
  if (in.bad()) return Unavailable(path + ": read error after line " + std::to_string(line_no));
  if (skipped > 0) err << path << ": " << skipped << " malformed record(s) skipped\n";
  return records;
}

Result<ReplayOutput> RunReplay(const std::vector<ReplayRecord>& records,
                               const detect::DetectOptions& detect_options,
                               const alert::AlertOptions& alert_options) {
  auto engine = detect::Engine::Create(detect_options);
  if (!engine) return engine.error().WithContext("replay");
  alert::SpreadDetector spread(alert_options);

  std::vector<size_t> order(records.size());
  std::iota(order.begin(), order.end(), size_t{0});
  std::stable_sort(order.begin(), order.end(), [&](size_t a, size_t b) {
    return records[a].item.published_ms < records[b].item.published_ms;
  });

  const auto start = std::chrono::steady_clock::now();
  ReplayOutput out;
  out.assignments.resize(records.size());
  std::unordered_map<StoryId, size_t> story_slot;  // story id -> index in out.stories
  int64_t last_ms = 0;
  for (size_t idx : order) {
    const Item& item = records[idx].item;
    last_ms = std::max(last_ms, item.published_ms);
    for (Alert& a : spread.Tick(item.published_ms)) out.alerts.push_back(std::move(a));
    detect::Assignment assignment = (*engine)->Add(item);
    out.assignments[idx] = {item.id, assignment.story, assignment.lang, assignment.syndicated};
    std::optional<StorySummary> story = (*engine)->Story(assignment.story);
    if (!story) continue;
    for (Alert& a : spread.Observe(*story, item.published_ms)) out.alerts.push_back(std::move(a));
    auto [it, inserted] = story_slot.emplace(story->id, out.stories.size());
    if (inserted) {
      out.stories.push_back(std::move(*story));
    } else {
      out.stories[it->second] = std::move(*story);
    }
  }
  // Simulated time runs on past the last record so that held-back updates are released.
  for (Alert& a : spread.Tick(last_ms + alert_options.update_cooldown_ms)) {
    out.alerts.push_back(std::move(a));
  }
  out.seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
  std::sort(out.stories.begin(), out.stories.end(),
            [](const StorySummary& a, const StorySummary& b) { return a.id < b.id; });
  return out;
}

Result<void> WriteReplayOutput(const ReplayOutput& output, const std::string& dir) {
  std::error_code ec;
  std::filesystem::create_directories(dir, ec);
  if (ec) return Unavailable(dir + ": cannot create directory: " + ec.message());

  std::unordered_map<StoryId, boost::json::array> members;
  for (const auto& a : output.assignments) members[a.story].emplace_back(a.id);

  auto write = [&](const std::string& name, auto&& emit) -> Result<void> {
    const std::string path = dir + "/" + name;
    std::ofstream f(path, std::ios::binary | std::ios::trunc);
    if (!f) return Unavailable(path + ": cannot open for writing");
    emit(f);
    f.flush();
    if (!f) return Unavailable(path + ": write failed");
    return {};
  };
  auto r = write("assignments.jsonl", [&](std::ostream& f) {
    for (const auto& a : output.assignments) {
      f << boost::json::serialize(boost::json::object{
               {"id", a.id}, {"story", a.story}, {"lang", a.lang}, {"syndicated", a.syndicated}})
        << "\n";
    }
  });
  if (!r) return r;
  r = write("stories.jsonl", [&](std::ostream& f) {
    for (const auto& s : output.stories) {
      boost::json::object o = StoryToJson(s);
      o["members"] = members[s.id];
      f << boost::json::serialize(o) << "\n";
    }
  });
  if (!r) return r;
  return write("alerts.jsonl", [&](std::ostream& f) {
    for (const auto& a : output.alerts) f << boost::json::serialize(AlertToJson(a)) << "\n";
  });
}

}  // namespace babelwatch::tools
