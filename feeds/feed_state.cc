#include "feeds/feed_state.h"

#include <boost/json.hpp>

namespace babelwatch::feeds {
namespace {

namespace json = boost::json;

constexpr size_t kMaxStateJsonBytes = 64 * 1024;

json::object ToObject(const FeedState& s) {
  json::object o;
  o["feed_id"] = s.feed_id;
  o["configured_url"] = s.configured_url;
  o["url"] = s.url;
  o["title"] = s.title;
  o["etag"] = s.etag;
  o["last_modified"] = s.last_modified;
  o["last_fetch_ms"] = s.last_fetch_ms;
  o["last_success_ms"] = s.last_success_ms;
  o["next_poll_ms"] = s.next_poll_ms;
  o["last_error"] = s.last_error;
  o["last_status"] = s.last_status;
  o["consecutive_errors"] = s.consecutive_errors;
  o["failing"] = s.failing;
  o["last_items"] = s.last_items;
  o["items_total"] = s.items_total;
  o["interval_ms"] = s.interval_ms;
  return o;
}

}  // namespace

std::string FeedStateToJson(const FeedState& s) { return json::serialize(ToObject(s)); }

std::string FeedStatesToJson(const std::vector<FeedState>& states) {
  json::array a;
  a.reserve(states.size());
  for (const auto& s : states) a.push_back(ToObject(s));
  return json::serialize(a);
}

Result<FeedState> FeedStateFromJson(std::string_view text) {
  if (text.size() > kMaxStateJsonBytes) {
    return InvalidArgument("feed state JSON: " + std::to_string(text.size()) + " bytes, at most " +
                           std::to_string(kMaxStateJsonBytes) + " expected");
  }
  boost::system::error_code ec;
  json::value value = json::parse(text, ec);
  if (ec) return InvalidArgument("feed state JSON: " + ec.message());
  const json::object* o = value.if_object();
  if (o == nullptr) return InvalidArgument("feed state JSON: not an object");
  FeedState s;
  std::string bad;
  auto str = [&](const char* key, std::string& out) {
    if (const json::value* v = o->if_contains(key)) {
      if (const json::string* p = v->if_string()) {
        out.assign(p->data(), p->size());
      } else if (bad.empty()) {
        bad = key;
      }
    }
  };
  auto num = [&](const char* key, auto& out) {
    if (const json::value* v = o->if_contains(key)) {
      if (const int64_t* p = v->if_int64()) {
        out = static_cast<std::remove_reference_t<decltype(out)>>(*p);
      } else if (const uint64_t* u = v->if_uint64()) {
        out = static_cast<std::remove_reference_t<decltype(out)>>(*u);
      } else if (bad.empty()) {
        bad = key;
      }
    }
  };
  str("feed_id", s.feed_id);
  str("configured_url", s.configured_url);
  str("url", s.url);
  str("title", s.title);
  str("etag", s.etag);
  str("last_modified", s.last_modified);
  num("last_fetch_ms", s.last_fetch_ms);
  num("last_success_ms", s.last_success_ms);
  num("next_poll_ms", s.next_poll_ms);
  str("last_error", s.last_error);
  num("last_status", s.last_status);
  num("consecutive_errors", s.consecutive_errors);
  if (const json::value* v = o->if_contains("failing")) {
    if (const bool* b = v->if_bool()) {
      s.failing = *b;
    } else if (bad.empty()) {
      bad = "failing";
    }
  }
  num("last_items", s.last_items);
  num("items_total", s.items_total);
  num("interval_ms", s.interval_ms);
  if (!bad.empty())
    return InvalidArgument("feed state JSON: field \"" + bad + "\" has the wrong type");
  return s;
}

}  // namespace babelwatch::feeds
