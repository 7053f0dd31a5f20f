#include "feeds/feed_parser.h"

#include <string>

#include "feeds/charset.h"
#include "feeds/date_parser.h"
#include "feeds/html_text.h"
#include "feeds/parser_internal.h"

namespace babelwatch::feeds {
namespace {

std::string PlainText(const TextConstruct& t, Lines lines = Lines::kJoin) {
  return t.is_html ? HtmlToText(t.value, lines) : CollapseWhitespace(t.value, lines);
}

// 64-bit FNV-1a, as 16 hex digits: a stable id for items without guid and link.
std::string HashId(std::string_view title, int64_t date_ms) {
  uint64_t h = 14695981039346656037ull;
  auto mix = [&h](std::string_view s) {
    for (unsigned char c : s) {
      h ^= c;
      h *= 1099511628211ull;
    }
  };
  mix(title);
  mix("\n");
  mix(std::to_string(date_ms));
  static constexpr char kHex[] = "0123456789abcdef";
  std::string out = "hash:";
  for (int shift = 60; shift >= 0; shift -= 4) out.push_back(kHex[(h >> shift) & 0xF]);
  return out;
}

bool LooksLikeJson(std::string_view text) {
  for (char c : text) {
    if (c == ' ' || c == '\t' || c == '\r' || c == '\n') continue;
    return c == '{' || c == '[';
  }
  return false;
}

// Language tags as BCP 47 spells them: "en_US" -> "en-US", surrounding spaces removed.
std::string NormalizeLanguage(std::string_view tag) {
  std::string out = CollapseWhitespace(tag);
  for (char& c : out) {
    if (c == '_') c = '-';
  }
  return out;
}

void FixLanguage(TextConstruct& t, std::string_view fallback) {
  t.language = NormalizeLanguage(t.language);
  if (t.present && t.language.empty()) t.language = std::string(fallback);
}

// Builds Items from the entries the format parser filled.
void BuildItems(const ParseContext& ctx, ParsedFeed& feed) {
  feed.language = NormalizeLanguage(feed.language);
  std::string http_language = NormalizeLanguage(ctx.content_language);
  if (feed.language.empty()) feed.language = http_language;
  FixLanguage(feed.detail.title, http_language);
  for (EntryDetail& e : feed.entries) {
    e.language = NormalizeLanguage(e.language);
    FixLanguage(e.title, http_language);
    FixLanguage(e.summary, http_language);
    FixLanguage(e.content, http_language);
  }
  feed.title = PlainText(feed.detail.title);
  std::string feed_host = internal::HostOf(ctx.url);
  if (feed_host.empty()) feed_host = internal::HostOf(feed.link);
  feed.items.reserve(feed.entries.size());
  for (const EntryDetail& e : feed.entries) {
    Item item;
    item.feed_id = ctx.feed_id;
    item.url = e.link;
    item.title = PlainText(e.title);
    item.text =
        e.content.present && !e.content.value.empty() ? PlainText(e.content, Lines::kKeep)
                                                      : PlainText(e.summary, Lines::kKeep);
    std::optional<int64_t> date = e.published_ms ? e.published_ms : e.updated_ms;
    if (date) {
      item.published_ms = *date;
    } else {
      item.published_ms = ctx.fetch_time_ms;
      ++feed.undated_items;
    }
    if (e.id && !e.id->empty()) {
      item.id = *e.id;
    } else if (!e.link.empty()) {
      item.id = e.link;
    } else {
      item.id = HashId(item.title, date.value_or(0));
    }
    item.source = internal::HostOf(item.url);
    if (item.source.empty()) item.source = feed_host;
    if (!e.language.empty()) {
      item.lang_hint = e.language;
    } else if (!feed.language.empty()) {
      item.lang_hint = feed.language;
    } else if (!ctx.content_language.empty()) {
      item.lang_hint = ctx.content_language;
    } else {
      item.lang_hint = ctx.declared_language;
    }
    feed.items.push_back(std::move(item));
  }
}

}  // namespace

Result<ParsedFeed> ParseFeed(std::string_view body, const ParseContext& ctx) {
  if (body.size() > kMaxFeedBytes) {
    return ResourceExhausted("feed " + ctx.url + ": body of " + std::to_string(body.size()) +
                             " bytes exceeds the parser limit of " + std::to_string(kMaxFeedBytes) +
                             " bytes");
  }
  DecodedDocument decoded = DecodeDocument(body, ctx.content_type);
  ParsedFeed feed;
  feed.encoding = decoded.encoding;
  feed.warnings = std::move(decoded.warnings);
  if (decoded.bogus_declaration || decoded.replaced) feed.wellformed = false;
  std::string media = MediaTypeOf(ctx.content_type);
  bool json = LooksLikeJson(decoded.text);
  if (media == "text/plain" || media == "text/html") {
    feed.wellformed = false;
    feed.warnings.push_back("http: served as " + media + ", not as a feed media type");
  }
  std::string_view text = decoded.text;
  std::optional<Error> error = json ? internal::ParseJsonDocument(text, ctx, feed)
                                    : internal::ParseXmlDocument(text, ctx, feed);
  if (error) {
    return error->WithContext(ctx.url.empty() ? std::string("feed") : "feed " + ctx.url);
  }
  if (feed.family.empty()) {
    return InvalidArgument("feed " + ctx.url + ": not a feed");
  }
  // The language from the document wins; HTTP Content-Language fills in when there is none.
  BuildItems(ctx, feed);
  return feed;
}

}  // namespace babelwatch::feeds
