#include "alert/spread_detector.h"

#include <algorithm>

namespace babelwatch::alert {

SpreadDetector::SpreadDetector(const AlertOptions& options) : options_(options) {}

std::vector<std::string> SpreadDetector::CountedLanguages(const StorySummary& story,
                                                          double min_link) {
  std::vector<std::string> out;
  for (const StoryLanguage& l : story.languages) {
    if (l.lang.empty() || l.lang == "un" || l.lang == "und") continue;
    if (l.link > 0 && l.link < min_link) continue;  // joined too close to the threshold
    if (std::find(out.begin(), out.end(), l.lang) == out.end()) out.push_back(l.lang);
  }
  std::sort(out.begin(), out.end());
  return out;
}

std::string SpreadDetector::IdempotencyKey(StoryId story, int languages) {
  return "story-" + std::to_string(story) + "/languages-" + std::to_string(languages);
}

Alert SpreadDetector::MakeAlert(const StorySummary& story,
                                const std::vector<std::string>& languages, int64_t at_ms,
                                State& state) {
  Alert alert;
  alert.story = story.id;
  alert.kind = state.languages_alerted == 0 ? "spread" : "update";
  alert.languages = languages;
  alert.sources = story.independent_sources;
  alert.at_ms = at_ms;
  alert.idempotency_key = IdempotencyKey(story.id, static_cast<int>(languages.size()));
  alert.story_snapshot = story;
  state.languages_alerted = static_cast<int>(languages.size());
  state.last_alert_ms = at_ms;
  state.pending = false;
  state.pending_story = StorySummary{};
  return alert;
}

std::vector<Alert> SpreadDetector::Observe(const StorySummary& story, int64_t now_ms) {
  std::vector<Alert> out;
  const std::vector<std::string> languages = CountedLanguages(story, options_.min_link);
  const int n = static_cast<int>(languages.size());
  auto it = states_.find(story.id);
  if (it == states_.end()) {
    if (n < options_.min_languages || story.independent_sources < options_.min_sources) {
      return out;
    }
    it = states_.emplace(story.id, State{}).first;
  }
  State& state = it->second;
  if (state.languages_alerted == 0) {
    if (n >= options_.min_languages && story.independent_sources >= options_.min_sources) {
      out.push_back(MakeAlert(story, languages, now_ms, state));
    }
    return out;
  }
  if (n <= state.languages_alerted) return out;
  if (now_ms - state.last_alert_ms >= options_.update_cooldown_ms) {
    out.push_back(MakeAlert(story, languages, now_ms, state));
  } else {
    state.pending = true;
    state.pending_story = story;
  }
  return out;
}

std::vector<Alert> SpreadDetector::Tick(int64_t now_ms) {
  std::vector<Alert> out;
  for (auto& [id, state] : states_) {
    if (!state.pending || now_ms - state.last_alert_ms < options_.update_cooldown_ms) continue;
    StorySummary story = std::move(state.pending_story);
    out.push_back(MakeAlert(story, CountedLanguages(story, options_.min_link), now_ms, state));
  }
  std::sort(out.begin(), out.end(),
            [](const Alert& a, const Alert& b) { return a.story < b.story; });
  return out;
}

void SpreadDetector::RestoreAlerted(StoryId story, int languages_alerted, int64_t last_alert_ms) {
  State& state = states_[story];
  state.languages_alerted = std::max(state.languages_alerted, languages_alerted);
  state.last_alert_ms = std::max(state.last_alert_ms, last_alert_ms);
}

void SpreadDetector::Forget(StoryId story) { states_.erase(story); }

}  // namespace babelwatch::alert
