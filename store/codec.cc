#include "store/codec.h"

#include <boost/json.hpp>
#include <cstdint>
#include <limits>

namespace babelwatch::store {
namespace {

namespace json = boost::json;

json::array StringArray(const std::vector<std::string>& values) {
  json::array out;
  out.reserve(values.size());
  for (const std::string& v : values) out.emplace_back(v);
  return out;
}

json::object StoryObject(const StorySummary& story) {
  json::object o;
  o["id"] = story.id;
  o["first_seen_ms"] = story.first_seen_ms;
  o["last_seen_ms"] = story.last_seen_ms;
  o["documents"] = story.documents;
  o["independent_sources"] = story.independent_sources;
  o["sources"] = StringArray(story.sources);
  json::array langs;
  for (const StoryLanguage& l : story.languages) {
    json::object lo;
    lo["lang"] = l.lang;
    lo["first_seen_ms"] = l.first_seen_ms;
    lo["title"] = l.title;
    lo["source"] = l.source;
    lo["url"] = l.url;
    langs.push_back(std::move(lo));
  }
  o["languages"] = std::move(langs);
  o["keys"] = StringArray(story.keys);
  return o;
}

// Field readers: each fails with the field's name when it is missing or of the wrong type.
Result<int64_t> GetInt(const json::object& o, std::string_view key) {
  const json::value* v = o.if_contains(key);
  if (v != nullptr) {
    if (const int64_t* i = v->if_int64()) return *i;
    if (const uint64_t* u = v->if_uint64()) {
      if (*u <= static_cast<uint64_t>(std::numeric_limits<int64_t>::max())) {
        return static_cast<int64_t>(*u);
      }
    }
  }
  return InvalidArgument("field \"" + std::string(key) + "\" is missing or not an integer");
}

Result<uint64_t> GetUint(const json::object& o, std::string_view key) {
  const json::value* v = o.if_contains(key);
  if (v != nullptr) {
    if (const uint64_t* u = v->if_uint64()) return *u;
    if (const int64_t* i = v->if_int64(); i != nullptr && *i >= 0) {
      return static_cast<uint64_t>(*i);
    }
  }
  return InvalidArgument("field \"" + std::string(key) +
                         "\" is missing or not a non-negative integer");
}

Result<std::string> GetString(const json::object& o, std::string_view key) {
  const json::value* v = o.if_contains(key);
  if (v != nullptr) {
    if (const json::string* s = v->if_string()) return std::string(s->data(), s->size());
  }
  return InvalidArgument("field \"" + std::string(key) + "\" is missing or not a string");
}

Result<std::vector<std::string>> GetStrings(const json::object& o, std::string_view key) {
  const json::value* v = o.if_contains(key);
  const json::array* a = v != nullptr ? v->if_array() : nullptr;
  if (a == nullptr) {
    return InvalidArgument("field \"" + std::string(key) + "\" is missing or not an array");
  }
  std::vector<std::string> out;
  out.reserve(a->size());
  for (const json::value& e : *a) {
    const json::string* s = e.if_string();
    if (s == nullptr) {
      return InvalidArgument("field \"" + std::string(key) + "\" holds a non-string element");
    }
    out.emplace_back(s->data(), s->size());
  }
  return out;
}

Result<int> GetInt32(const json::object& o, std::string_view key) {
  Result<int64_t> v = GetInt(o, key);
  if (!v) return v.error();
  if (*v < std::numeric_limits<int>::min() || *v > std::numeric_limits<int>::max()) {
    return InvalidArgument("field \"" + std::string(key) + "\" is out of range");
  }
  return static_cast<int>(*v);
}

#define BW_ASSIGN(lhs, expr)          \
  do {                                \
    auto bw_r_ = (expr);              \
    if (!bw_r_) return bw_r_.error(); \
    lhs = std::move(*bw_r_);          \
  } while (false)

Result<StorySummary> StoryFromObject(const json::object& o) {
  StorySummary s;
  BW_ASSIGN(s.id, GetUint(o, "id"));
  BW_ASSIGN(s.first_seen_ms, GetInt(o, "first_seen_ms"));
  BW_ASSIGN(s.last_seen_ms, GetInt(o, "last_seen_ms"));
  BW_ASSIGN(s.documents, GetInt32(o, "documents"));
  BW_ASSIGN(s.independent_sources, GetInt32(o, "independent_sources"));
  BW_ASSIGN(s.sources, GetStrings(o, "sources"));
  BW_ASSIGN(s.keys, GetStrings(o, "keys"));
  const json::value* langs = o.if_contains("languages");
  const json::array* arr = langs != nullptr ? langs->if_array() : nullptr;
  if (arr == nullptr) return InvalidArgument("field \"languages\" is missing or not an array");
  for (const json::value& e : *arr) {
    const json::object* lo = e.if_object();
    if (lo == nullptr) return InvalidArgument("field \"languages\" holds a non-object element");
    StoryLanguage l;
    BW_ASSIGN(l.lang, GetString(*lo, "lang"));
    BW_ASSIGN(l.first_seen_ms, GetInt(*lo, "first_seen_ms"));
    BW_ASSIGN(l.title, GetString(*lo, "title"));
    BW_ASSIGN(l.source, GetString(*lo, "source"));
    BW_ASSIGN(l.url, GetString(*lo, "url"));
    s.languages.push_back(std::move(l));
  }
  return s;
}

Result<json::object> ParseObject(std::string_view text, std::string_view what) {
  boost::system::error_code ec;
  json::value v = json::parse(json::string_view(text.data(), text.size()), ec);
  if (ec) {
    return InvalidArgument(std::string(what) + " blob is not valid JSON: " + ec.message());
  }
  if (!v.is_object()) return InvalidArgument(std::string(what) + " blob is not a JSON object");
  return std::move(v.as_object());
}

}  // namespace

std::string EncodeStory(const StorySummary& story) { return json::serialize(StoryObject(story)); }

Result<StorySummary> DecodeStory(std::string_view text) {
  Result<json::object> o = ParseObject(text, "story");
  if (!o) return o.error();
  Result<StorySummary> s = StoryFromObject(*o);
  if (!s) return s.error().WithContext("story blob");
  return s;
}

std::string EncodeAlert(const Alert& alert) {
  json::object o;
  o["story"] = alert.story;
  o["kind"] = alert.kind;
  o["languages"] = StringArray(alert.languages);
  o["sources"] = alert.sources;
  o["at_ms"] = alert.at_ms;
  o["idempotency_key"] = alert.idempotency_key;
  o["story_snapshot"] = StoryObject(alert.story_snapshot);
  return json::serialize(o);
}

Result<Alert> DecodeAlert(std::string_view text) {
  Result<json::object> parsed = ParseObject(text, "alert");
  if (!parsed) return parsed.error();
  const json::object& o = *parsed;
  auto decode = [&]() -> Result<Alert> {
    Alert a;
    BW_ASSIGN(a.story, GetUint(o, "story"));
    BW_ASSIGN(a.kind, GetString(o, "kind"));
    BW_ASSIGN(a.languages, GetStrings(o, "languages"));
    BW_ASSIGN(a.sources, GetInt32(o, "sources"));
    BW_ASSIGN(a.at_ms, GetInt(o, "at_ms"));
    BW_ASSIGN(a.idempotency_key, GetString(o, "idempotency_key"));
    const json::value* snap = o.if_contains("story_snapshot");
    const json::object* so = snap != nullptr ? snap->if_object() : nullptr;
    if (so == nullptr) return InvalidArgument("field \"story_snapshot\" is missing");
    Result<StorySummary> s = StoryFromObject(*so);
    if (!s) return s.error().WithContext("story_snapshot");
    a.story_snapshot = std::move(*s);
    return a;
  };
  Result<Alert> a = decode();
  if (!a) return a.error().WithContext("alert blob");
  return a;
}

#undef BW_ASSIGN

}  // namespace babelwatch::store
