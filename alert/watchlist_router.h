// File: alert/watchlist_router.h
//
// WatchlistRouter applies the configured watch-lists on top of the spread rules: each list
// filters stories (keywords, feeds, languages) and has its own thresholds (min_languages,
// min_sources; 0 = the global value) and its own sinks. Each list runs its own
// SpreadDetector, so a story can alert in one list and not yet in another. With no
// watch-lists configured there is one implicit list, named "", matching every story with
// the global thresholds and routed to every sink; its alerts are exactly SpreadDetector's.
//
// Keys: an alert of list "kz" carries the idempotency key
// "<SpreadDetector key>/watch-kz"; the implicit list keeps SpreadDetector's key. Pass the
// list name as the scope of Dispatcher::Submit / Store::Enqueue, and give Store's
// SpreadStates back to RestoreAlerted() after a restart.
//
// Keywords are matched through language-neutral keys: the injected KeyFn turns a keyword
// into the key form detect/ puts in StorySummary::keys (transliterated, folded), so
// "Kazakhstan" matches a story whose key came from "Казахстан". A keyword matches a story
// key when they are equal or one is a prefix of the other and the shorter has at least
// kMinPrefixMatch bytes (inflections: kazakhstan / kazakhstanu).
//
// Not thread-safe: call from one thread or strand (the detect strand), like SpreadDetector.
#pragma once

#include <functional>
#include <memory>
#include <set>
#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>

#include "alert/options.h"
#include "alert/spread_detector.h"
#include "core/result.h"
#include "core/story.h"

namespace babelwatch::alert {

struct RoutedAlert {
  Alert alert;
  std::string watchlist;           // "" for the implicit list; the store scope
  std::vector<std::string> sinks;  // empty = every sink
};

class WatchlistRouter {
 public:
  static constexpr size_t kMinPrefixMatch = 5;
  static constexpr size_t kMaxFeedsPerStory = 64;

  // Keyword -> language-neutral key. The default lower-cases ASCII and keeps other bytes.
  using KeyFn = std::function<std::string(std::string_view keyword)>;

  // kInvalidArgument naming the list for a duplicate or empty name, a sink that is not
  // configured, or negative thresholds.
  [[nodiscard]] static Result<std::unique_ptr<WatchlistRouter>> Create(const AlertOptions& options,
                                                                       KeyFn key_fn = {});

  // A document from `feed_id` ("" if unknown) joined `story` at now_ms.
  [[nodiscard]] std::vector<RoutedAlert> Observe(const StorySummary& story, int64_t now_ms,
                                                 std::string_view feed_id = {});
  // Releases updates held back by a list's cooldown.
  [[nodiscard]] std::vector<RoutedAlert> Tick(int64_t now_ms);
  // Restart: what a previous process accepted for `watchlist` (a Store SpreadState's scope).
  // Unknown lists (removed from the config) are ignored.
  void RestoreAlerted(std::string_view watchlist, StoryId story, int languages_alerted,
                      int64_t last_alert_ms);
  // The story left the window.
  void Forget(StoryId story);

  // Reload: takes over the state of `previous`, the router this one replaces. A list whose
  // options and effective thresholds (min_languages, min_sources, update_cooldown) are
  // unchanged keeps its detector (what it alerted, updates held back by the cooldown); the
  // feeds seen per story carry over. New and changed lists start empty: give them what the
  // store recorded through RestoreAlerted() so they do not alert again. Returns the names of
  // the lists that start empty. `previous` is left empty.
  std::vector<std::string> AdoptStateFrom(WatchlistRouter& previous);

  [[nodiscard]] static std::string DefaultKey(std::string_view keyword);

 private:
  struct List {
    WatchlistOptions options;
    std::vector<std::string> keyword_keys;  // KeyFn(keywords), constant
    AlertOptions detector_options;          // what `detector` was built with, constant
    std::unique_ptr<SpreadDetector> detector;
  };

  WatchlistRouter() = default;
  bool Matches(const List& list, const StorySummary& story) const;
  std::vector<RoutedAlert> Route(const List& list, std::vector<Alert> alerts) const;

  // Constant after construction (AdoptStateFrom() moves detectors between routers).
  std::vector<List> lists_;

  std::unordered_map<StoryId, std::set<std::string>> story_feeds_;
};

}  // namespace babelwatch::alert
