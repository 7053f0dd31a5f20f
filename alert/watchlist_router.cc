#include "alert/watchlist_router.h"

#include <algorithm>
#include <set>

namespace babelwatch::alert {

std::string WatchlistRouter::DefaultKey(std::string_view keyword) {
  std::string out(keyword);
  for (char& c : out) {
    if (c >= 'A' && c <= 'Z') c = static_cast<char>(c - 'A' + 'a');
  }
  return out;
}

Result<std::unique_ptr<WatchlistRouter>> WatchlistRouter::Create(const AlertOptions& options,
                                                                 KeyFn key_fn) {
  if (!key_fn) key_fn = &WatchlistRouter::DefaultKey;
  std::unique_ptr<WatchlistRouter> router(new WatchlistRouter());
  std::set<std::string> sink_names;
  for (const SinkOptions& s : options.sinks) sink_names.insert(s.name);
  std::vector<WatchlistOptions> lists = options.watchlists;
  if (lists.empty()) lists.push_back(WatchlistOptions{});  // the implicit list ""
  std::set<std::string> names;
  std::string errors;
  auto fail = [&](const std::string& msg) { errors += (errors.empty() ? "" : "\n") + msg; };
  for (WatchlistOptions& w : lists) {
    const std::string where = "watchlist \"" + w.name + "\"";
    if (options.watchlists.empty()) {
      // implicit list: no name, no filters
    } else if (w.name.empty()) {
      fail("watchlist with an empty name");
      continue;
    } else if (!names.insert(w.name).second) {
      fail(where + ": name used twice");
      continue;
    }
    for (const std::string& s : w.sinks) {
      if (sink_names.count(s) == 0) fail(where + ": sink \"" + s + "\" is not configured");
    }
    if (w.min_languages < 0 || w.min_sources < 0) {
      fail(where + ": min_languages and min_sources must not be negative");
    }
    List list;
    for (const std::string& k : w.keywords) {
      std::string key = key_fn(k);
      if (key.empty()) {
        fail(where + ": keyword \"" + k + "\" has no language-neutral key");
        continue;
      }
      list.keyword_keys.push_back(std::move(key));
    }
    AlertOptions detector_options = options;
    if (w.min_languages > 0) detector_options.min_languages = w.min_languages;
    if (w.min_sources > 0) detector_options.min_sources = w.min_sources;
    detector_options.watchlists.clear();
    list.detector = std::make_unique<SpreadDetector>(detector_options);
    list.detector_options = std::move(detector_options);
    list.options = std::move(w);
    router->lists_.push_back(std::move(list));
  }
  if (!errors.empty()) return InvalidArgument(std::move(errors));
  return router;
}

bool WatchlistRouter::Matches(const List& list, const StorySummary& story) const {
  const WatchlistOptions& w = list.options;
  if (!list.keyword_keys.empty()) {
    auto related = [](std::string_view a, std::string_view b) {
      if (a.size() > b.size()) std::swap(a, b);
      if (a.size() == b.size()) return a == b;
      return a.size() >= kMinPrefixMatch && b.substr(0, a.size()) == a;
    };
    bool any = false;
    for (const std::string& k : list.keyword_keys) {
      for (const std::string& s : story.keys) {
        if (related(k, s)) {
          any = true;
          break;
        }
      }
      if (any) break;
    }
    if (!any) return false;
  }
  if (!w.feeds.empty()) {
    auto it = story_feeds_.find(story.id);
    if (it == story_feeds_.end()) return false;
    const bool any = std::any_of(w.feeds.begin(), w.feeds.end(),
                                 [&](const std::string& f) { return it->second.count(f) > 0; });
    if (!any) return false;
  }
  if (!w.languages.empty()) {
    const std::vector<std::string> langs = SpreadDetector::CountedLanguages(story);
    const bool any = std::any_of(w.languages.begin(), w.languages.end(), [&](const std::string& l) {
      return std::find(langs.begin(), langs.end(), l) != langs.end();
    });
    if (!any) return false;
  }
  return true;
}

std::vector<RoutedAlert> WatchlistRouter::Route(const List& list, std::vector<Alert> alerts) const {
  std::vector<RoutedAlert> out;
  for (Alert& a : alerts) {
    RoutedAlert r;
    if (!list.options.name.empty()) a.idempotency_key += "/watch-" + list.options.name;
    r.alert = std::move(a);
    r.watchlist = list.options.name;
    r.sinks = list.options.sinks;
    out.push_back(std::move(r));
  }
  return out;
}

std::vector<RoutedAlert> WatchlistRouter::Observe(const StorySummary& story, int64_t now_ms,
                                                  std::string_view feed_id) {
  if (!feed_id.empty()) {
    std::set<std::string>& feeds = story_feeds_[story.id];
    if (feeds.size() < kMaxFeedsPerStory) feeds.emplace(feed_id);
  }
  std::vector<RoutedAlert> out;
  for (List& list : lists_) {
    if (!Matches(list, story)) continue;
    for (RoutedAlert& r : Route(list, list.detector->Observe(story, now_ms))) {
      out.push_back(std::move(r));
    }
  }
  return out;
}

std::vector<RoutedAlert> WatchlistRouter::Tick(int64_t now_ms) {
  std::vector<RoutedAlert> out;
  for (List& list : lists_) {
    for (RoutedAlert& r : Route(list, list.detector->Tick(now_ms))) out.push_back(std::move(r));
  }
  return out;
}

void WatchlistRouter::RestoreAlerted(std::string_view watchlist, StoryId story,
                                     int languages_alerted, int64_t last_alert_ms) {
  for (List& list : lists_) {
    if (list.options.name == watchlist) {
      list.detector->RestoreAlerted(story, languages_alerted, last_alert_ms);
    }
  }
}

std::vector<std::string> WatchlistRouter::AdoptStateFrom(WatchlistRouter& previous) {
  auto same_rules = [](const List& a, const List& b) {
    const AlertOptions& x = a.detector_options;
    const AlertOptions& y = b.detector_options;
    return a.options == b.options && x.min_languages == y.min_languages &&
           x.min_sources == y.min_sources && x.update_cooldown_ms == y.update_cooldown_ms;
  };
  std::vector<std::string> fresh;
  for (List& list : lists_) {
    auto old = std::find_if(previous.lists_.begin(), previous.lists_.end(), [&](const List& p) {
      return p.detector != nullptr && same_rules(p, list);
    });
    if (old == previous.lists_.end()) {
      fresh.push_back(list.options.name);
      continue;
    }
    list.detector = std::move(old->detector);
  }
  story_feeds_ = std::move(previous.story_feeds_);
  previous.story_feeds_.clear();
  previous.lists_.clear();
  return fresh;
}

void WatchlistRouter::Forget(StoryId story) {
  story_feeds_.erase(story);
  for (List& list : lists_) list.detector->Forget(story);
}

}  // namespace babelwatch::alert
