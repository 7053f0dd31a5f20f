#include "alert/payload.h"

#include <algorithm>
#include <boost/json.hpp>

#include "core/time_format.h"

namespace babelwatch::alert {

std::string StoryLink(std::string_view public_url, StoryId id) {
  while (!public_url.empty() && public_url.back() == '/') public_url.remove_suffix(1);
  return std::string(public_url) + "/api/stories/" + std::to_string(id);
}

std::string FormatDuration(int64_t ms) {
  const int64_t s = std::max<int64_t>(ms, 0) / 1000;
  const int64_t d = s / 86400, h = (s % 86400) / 3600, m = (s % 3600) / 60, sec = s % 60;
  auto two = [](int64_t v) { return (v < 10 ? "0" : "") + std::to_string(v); };
  if (d > 0) return std::to_string(d) + "d " + two(h) + "h";
  if (h > 0) return std::to_string(h) + "h " + two(m) + "m";
  if (m > 0) return std::to_string(m) + "m " + two(sec) + "s";
  return std::to_string(sec) + "s";
}

std::string Truncate(std::string_view text, size_t max_bytes) {
  if (text.size() <= max_bytes) return std::string(text);
  static constexpr std::string_view kEllipsis = "\xE2\x80\xA6";  // …
  size_t cut = max_bytes > kEllipsis.size() ? max_bytes - kEllipsis.size() : 0;
  // Step back over continuation bytes (10xxxxxx) so no sequence is split.
  while (cut > 0 && (static_cast<unsigned char>(text[cut]) & 0xC0) == 0x80) --cut;
  std::string out(text.substr(0, cut));
  if (max_bytes >= kEllipsis.size()) out += kEllipsis;
  return out;
}

bool IsWebUrl(std::string_view url) {
  const bool scheme = url.rfind("http://", 0) == 0 || url.rfind("https://", 0) == 0;
  if (!scheme || url.size() > 4096) return false;
  const size_t host = url.find("//") + 2;
  if (host >= url.size() || url[host] == '/') return false;
  return std::none_of(url.begin(), url.end(), [](char c) {
    const unsigned char u = static_cast<unsigned char>(c);
    return u <= 0x20 || u == 0x7F;
  });
}

std::string Summary(const Alert& alert) {
  std::string langs;
  for (const std::string& l : alert.languages) {
    if (!langs.empty()) langs += ", ";
    langs += l;
  }
  const int64_t elapsed = alert.at_ms - alert.story_snapshot.first_seen_ms;
  std::string out = alert.kind == "update" ? "Update: story " : "Story ";
  out += std::to_string(alert.story);
  out += alert.kind == "update" ? " reached " : " spread to ";
  out += std::to_string(alert.languages.size()) + " languages (" + langs + ") from " +
         std::to_string(alert.sources) + (alert.sources == 1 ? " source, " : " sources, ") +
         FormatDuration(elapsed) + " after the first article";
  return out;
}

boost::json::object BuildPayload(const Alert& alert, std::string_view public_url) {
  namespace json = boost::json;
  const StorySummary& story = alert.story_snapshot;
  const std::string link = StoryLink(public_url, alert.story);
  json::object o;
  o["version"] = 1;
  o["kind"] = alert.kind;
  o["story"] = alert.story;
  o["idempotency_key"] = alert.idempotency_key;
  o["link"] = link;
  json::array langs;
  for (const std::string& l : alert.languages) langs.emplace_back(l);
  o["languages"] = std::move(langs);
  json::array per_language;
  json::array links;
  links.emplace_back(link);
  for (const StoryLanguage& l : story.languages) {
    json::object e;
    e["lang"] = l.lang;
    e["title"] = Truncate(l.title, kMaxTitleBytes);
    e["source"] = Truncate(l.source, 200);
    const bool web = IsWebUrl(l.url);
    e["url"] = web ? l.url : "";
    e["first_seen"] = FormatIso8601(l.first_seen_ms);
    e["first_seen_ms"] = l.first_seen_ms;
    if (web) links.emplace_back(l.url);
    per_language.push_back(std::move(e));
  }
  o["per_language"] = std::move(per_language);
  o["sources"] = alert.sources;
  json::array names;
  for (const std::string& s : story.sources) names.emplace_back(Truncate(s, 200));
  o["source_names"] = std::move(names);
  o["documents"] = story.documents;
  o["first_seen"] = FormatIso8601(story.first_seen_ms);
  o["alerted_at"] = FormatIso8601(alert.at_ms);
  o["time_to_alert_s"] = std::max<int64_t>(alert.at_ms - story.first_seen_ms, 0) / 1000;
  o["summary"] = Summary(alert);
  o["links"] = std::move(links);
  return o;
}

}  // namespace babelwatch::alert
