#include "tools/story_json.h"

#include <boost/json.hpp>

#include "core/time_format.h"

namespace babelwatch::tools {

boost::json::object StoryToJson(const StorySummary& story) {
  boost::json::object o;
  o["id"] = story.id;
  o["first_seen"] = FormatIso8601(story.first_seen_ms);
  o["last_seen"] = FormatIso8601(story.last_seen_ms);
  o["documents"] = story.documents;
  o["independent_sources"] = story.independent_sources;
  boost::json::array sources;
  for (const auto& s : story.sources) sources.emplace_back(s);
  o["sources"] = std::move(sources);
  boost::json::array languages;
  for (const StoryLanguage& l : story.languages) {
    languages.push_back(boost::json::object{{"lang", l.lang},
                                            {"first_seen", FormatIso8601(l.first_seen_ms)},
                                            {"title", l.title},
                                            {"source", l.source},
                                            {"url", l.url},
                                            {"link", l.link}});
  }
  o["languages"] = std::move(languages);
  boost::json::array keys;
  for (const auto& k : story.keys) keys.emplace_back(k);
  o["keys"] = std::move(keys);
  return o;
}

boost::json::object AlertToJson(const Alert& alert) {
  boost::json::object o;
  o["story"] = alert.story;
  o["kind"] = alert.kind;
  boost::json::array languages;
  for (const auto& l : alert.languages) languages.emplace_back(l);
  o["languages"] = std::move(languages);
  o["sources"] = alert.sources;
  o["at"] = FormatIso8601(alert.at_ms);
  o["idempotency_key"] = alert.idempotency_key;
  boost::json::object titles;
  for (const StoryLanguage& l : alert.story_snapshot.languages) titles[l.lang] = l.title;
  o["titles"] = std::move(titles);
  return o;
}

}  // namespace babelwatch::tools
