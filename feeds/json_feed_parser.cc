// JSON Feed 1.0/1.1 (https://jsonfeed.org) with simdjson's DOM API and error codes only.
// Wrong value types are ignored field by field (with a warning); the nesting depth is capped at
// kMaxNestingDepth by the simdjson parser itself.
#include <simdjson.h>

#include <string>
#include <string_view>

#include "feeds/date_parser.h"
#include "feeds/parser_internal.h"

namespace babelwatch::feeds::internal {
namespace {

using simdjson::dom::element;
using simdjson::dom::object;

std::string Trim(std::string_view s) {
  while (!s.empty() &&
         (s.front() == ' ' || s.front() == '\t' || s.front() == '\n' || s.front() == '\r')) {
    s.remove_prefix(1);
  }
  while (!s.empty() &&
         (s.back() == ' ' || s.back() == '\t' || s.back() == '\n' || s.back() == '\r')) {
    s.remove_suffix(1);
  }
  return std::string(s);
}

// The string value of `key`, or nullopt if absent; a present value of another type is
// reported once in `warnings`.
std::optional<std::string> StringField(const object& obj, std::string_view key,
                                       std::string_view where, ParsedFeed& out) {
  element value;
  if (obj.at_key(key).get(value) != simdjson::SUCCESS) return std::nullopt;
  std::string_view s;
  if (value.get_string().get(s) == simdjson::SUCCESS) return Trim(s);
  if (!value.is_null()) {
    out.warnings.push_back("json: " + std::string(where) + "." + std::string(key) +
                           " is not a string; ignored");
  }
  return std::nullopt;
}

// JSON Feed ids must be strings; integers are coerced as the spec asks readers to do.
std::optional<std::string> IdField(const object& obj, ParsedFeed& out, size_t index) {
  element value;
  if (obj.at_key("id").get(value) != simdjson::SUCCESS) return std::nullopt;
  std::string_view s;
  if (value.get_string().get(s) == simdjson::SUCCESS) return Trim(s);
  int64_t i;
  if (value.get_int64().get(i) == simdjson::SUCCESS) return std::to_string(i);
  uint64_t u;
  if (value.get_uint64().get(u) == simdjson::SUCCESS) return std::to_string(u);
  out.warnings.push_back("json: items[" + std::to_string(index) +
                         "].id is not a string or integer; ignored");
  return std::nullopt;
}

std::string VersionFrom(std::string_view raw) {
  std::string trimmed = Trim(raw);
  std::string_view v = trimmed;
  if (v == "https://jsonfeed.org/version/1" || v == "http://jsonfeed.org/version/1" || v == "1" ||
      v == "1.0") {
    return "1.0";
  }
  if (v == "https://jsonfeed.org/version/1.1" || v == "http://jsonfeed.org/version/1.1" ||
      v == "1.1") {
    return "1.1";
  }
  return "";
}

TextConstruct MakeText(std::string value, bool html) {
  TextConstruct t;
  t.present = true;
  t.value = std::move(value);
  t.is_html = html;
  return t;
}

}  // namespace

std::optional<Error> ParseJsonDocument(std::string_view utf8, const ParseContext& ctx,
                                       ParsedFeed& out) {
  simdjson::dom::parser parser;
  if (parser.allocate(utf8.size() + 64, kMaxNestingDepth) != simdjson::SUCCESS) {
    return ResourceExhausted("json: cannot allocate a parser for " + std::to_string(utf8.size()) +
                             " bytes");
  }
  simdjson::padded_string padded(utf8);
  element root;
  simdjson::error_code err = parser.parse(padded).get(root);
  if (err == simdjson::DEPTH_ERROR) {
    return ResourceExhausted("json: nesting depth exceeds the limit of " +
                             std::to_string(kMaxNestingDepth) + " levels");
  }
  if (err != simdjson::SUCCESS) {
    return InvalidArgument(std::string("json: not valid JSON: ") + simdjson::error_message(err));
  }
  object feed;
  if (root.get_object().get(feed) != simdjson::SUCCESS) {
    return InvalidArgument("json: not a JSON Feed: the top-level value is not an object");
  }
  std::optional<std::string> version = StringField(feed, "version", "feed", out);
  element items_value;
  bool has_items = feed.at_key("items").get(items_value) == simdjson::SUCCESS;
  // Any JSON object is read as a JSON Feed, as feed readers do (a missing or unknown
  // "version" is only a warning); arrays and scalars are not feeds.
  out.family = "json";
  out.version = version ? VersionFrom(*version) : "";
  if (out.version.empty()) {
    out.warnings.push_back("json: no JSON Feed \"version\"; read as JSON Feed anyway");
  }

  if (std::optional<std::string> title = StringField(feed, "title", "feed", out)) {
    out.detail.title = MakeText(*title, false);
  }
  if (std::optional<std::string> home = StringField(feed, "home_page_url", "feed", out)) {
    out.link = ResolveUrl(*home, ctx.url);
  }
  if (std::optional<std::string> lang = StringField(feed, "language", "feed", out)) {
    out.language = *lang;
  }
  std::string base = ctx.url;
  if (std::optional<std::string> feed_url = StringField(feed, "feed_url", "feed", out)) {
    if (base.empty()) base = *feed_url;
    // The spec makes feed_url the feed's unique identifier.
    if (!feed_url->empty()) out.detail.id = *feed_url;
  }

  simdjson::dom::array items;
  if (has_items && items_value.get_array().get(items) != simdjson::SUCCESS) {
    out.warnings.push_back("json: \"items\" is not an array; no items read");
    has_items = false;
  }
  if (has_items) {
    size_t index = 0;
    for (element item_value : items) {
      size_t this_index = index++;
      if (out.entries.size() >= kMaxItems) {
        out.warnings.push_back("json: more than " + std::to_string(kMaxItems) +
                               " items; the rest are ignored");
        break;
      }
      object item;
      if (item_value.get_object().get(item) != simdjson::SUCCESS) {
        out.warnings.push_back("json: items[" + std::to_string(this_index) +
                               "] is not an object; skipped");
        continue;
      }
      std::string where = "items[" + std::to_string(this_index) + "]";
      EntryDetail e;
      e.id = IdField(item, out, this_index);
      if (std::optional<std::string> url = StringField(item, "url", where, out)) {
        e.link = ResolveUrl(*url, base);
      } else if (std::optional<std::string> ext = StringField(item, "external_url", where, out)) {
        e.link = ResolveUrl(*ext, base);
      }
      if (std::optional<std::string> title = StringField(item, "title", where, out)) {
        e.title = MakeText(*title, false);
      }
      if (std::optional<std::string> summary = StringField(item, "summary", where, out)) {
        e.summary = MakeText(*summary, false);
      }
      if (std::optional<std::string> html = StringField(item, "content_html", where, out)) {
        e.content = MakeText(*html, true);
      } else if (std::optional<std::string> text = StringField(item, "content_text", where, out)) {
        e.content = MakeText(*text, false);
      }
      if (std::optional<std::string> date = StringField(item, "date_published", where, out)) {
        e.published_ms = ParseFeedDate(*date);
      }
      if (std::optional<std::string> date = StringField(item, "date_modified", where, out)) {
        e.updated_ms = ParseFeedDate(*date);
      }
      if (std::optional<std::string> lang = StringField(item, "language", where, out)) {
        e.language = *lang;
      }
      // JSON Feed has no feed-level date: the newest item dates stand in for it.
      if (e.published_ms &&
          (!out.detail.published_ms || *e.published_ms > *out.detail.published_ms)) {
        out.detail.published_ms = e.published_ms;
      }
      if (e.updated_ms && (!out.detail.updated_ms || *e.updated_ms > *out.detail.updated_ms)) {
        out.detail.updated_ms = e.updated_ms;
      }
      out.entries.push_back(std::move(e));
    }
  }
  return std::nullopt;
}

}  // namespace babelwatch::feeds::internal
