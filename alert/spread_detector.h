// File: alert/spread_detector.h
//
// SpreadDetector decides when a story is worth an alert: a story that reaches L languages
// from S independent sources raises one "spread" alert; each further language raises an
// "update", at most one per story per cooldown (an update held back by the cooldown is
// released by Tick() or the next Observe() once the cooldown has passed, carrying the
// story as it is then). Not thread-safe: call from one thread or strand.
//
// Idempotency: every alert carries the key "story-<id>/languages-<n>", n being the number of
// languages it announces; a key is raised at most once per detector (and per store, once
// RestoreAlerted() has replayed what a previous process already raised).
#pragma once

#include <cstdint>
#include <string>
#include <unordered_map>
#include <vector>

#include "alert/options.h"
#include "core/story.h"

namespace babelwatch::alert {

class SpreadDetector {
 public:
  explicit SpreadDetector(const AlertOptions& options);

  // Called after a document joined `story` at `now_ms` (its published time in replay).
  // Returns the alerts due now (zero or one).
  [[nodiscard]] std::vector<Alert> Observe(const StorySummary& story, int64_t now_ms);

  // Releases updates held back by the cooldown whose time has come.
  [[nodiscard]] std::vector<Alert> Tick(int64_t now_ms);

  // Records that alerts up to `languages_alerted` languages were already raised for `story`,
  // the last at `last_alert_ms` (restart).
  void RestoreAlerted(StoryId story, int languages_alerted, int64_t last_alert_ms);

  // Drops the state of a story that left the window.
  void Forget(StoryId story);

  // Languages of a story that count for spread: known, distinct codes ("" and "un" don't),
  // that started the story or joined it with a link of at least min_link times the
  // clustering threshold (StoryLanguage::link).
  [[nodiscard]] static std::vector<std::string> CountedLanguages(const StorySummary& story,
                                                                 double min_link = 0);

  [[nodiscard]] static std::string IdempotencyKey(StoryId story, int languages);

 private:
  struct State {
    int languages_alerted = 0;     // 0 = no alert yet
    int64_t last_alert_ms = 0;
    bool pending = false;          // an update waits for the cooldown
    StorySummary pending_story;
  };

  Alert MakeAlert(const StorySummary& story, const std::vector<std::string>& languages,
                  int64_t at_ms, State& state);

  // Constant after construction.
  const AlertOptions options_;

  std::unordered_map<StoryId, State> states_;
};

}  // namespace babelwatch::alert
