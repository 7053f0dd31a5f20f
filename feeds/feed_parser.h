// File: feeds/feed_parser.h
//
// ParseFeed turns the bytes of one fetched feed document (RSS 0.90-2.0, RSS 1.0 RDF, Atom
// 0.3/1.0, JSON Feed 1.0/1.1) into normalised core Items plus feed metadata.
// Pure and thread-safe: no I/O, no network, no file access, no shared state; call it from any
// thread. `body` is only read during the call; the result owns all its strings (valid UTF-8).
// Errors: kInvalidArgument for input that is not a feed, cannot be decoded or is too broken to
// recover anything from (the message names the format, the line/offset and the problem);
// kResourceExhausted when the body exceeds kMaxFeedBytes or a nesting/item limit.
// A broken document from which items were recovered is a success with `incomplete` = true.
#pragma once

#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "core/item.h"
#include "core/result.h"

namespace babelwatch::feeds {

// Largest body ParseFeed accepts (bytes, before decoding). Larger input is kResourceExhausted.
inline constexpr std::size_t kMaxFeedBytes = 16u << 20;
// Deepest element/array nesting accepted; deeper documents are rejected (kResourceExhausted).
inline constexpr int kMaxNestingDepth = 256;
// Items kept per document; the rest are dropped with a warning.
inline constexpr std::size_t kMaxItems = 10000;

// What the fetcher knows about the document besides its bytes. All fields are optional.
struct ParseContext {
  std::string url;                // where the document was fetched from (base for relative links)
  std::string content_type;       // HTTP Content-Type, e.g. "application/rss+xml; charset=koi8-r"
  std::string content_language;   // HTTP Content-Language
  int64_t fetch_time_ms = 0;      // fallback date for undated items (UTC ms since the epoch)
  std::string feed_id;            // copied into Item::feed_id
  std::string declared_language;  // configured language; last resort for Item::lang_hint
};

// One text construct (title, summary, content) as found in the document.
struct TextConstruct {
  bool present = false;  // the element/key exists (it may be empty)
  std::string value;     // decoded value: HTML source when is_html, else plain text as found
  bool is_html = false;  // value is HTML markup (Atom type="html"/"xhtml", RSS description, ...)
  std::string language;  // xml:lang in scope of the element ("" if none)
};

// Everything the document says about one entry, before normalisation into Item.
struct EntryDetail {
  std::optional<std::string> id;  // guid / atom:id / JSON id as declared; nullopt if absent
  std::string link;               // resolved against xml:base and the document URL; "" if none
  TextConstruct title;
  TextConstruct summary;                // RSS description, Atom summary, JSON summary
  TextConstruct content;                // content:encoded, Atom content, JSON content_html/_text
  std::optional<int64_t> published_ms;  // pubDate, Atom published/issued, date_published
  std::optional<int64_t> updated_ms;    // dc:date, Atom updated/modified, date_modified
  std::string language;                 // xml:lang in scope of the entry, or JSON item language
};

// Feed-level fields beyond those in ParsedFeed.
struct FeedDetail {
  std::optional<std::string> id;  // atom:id; nullopt if absent
  TextConstruct title;
  std::optional<int64_t> published_ms;
  std::optional<int64_t> updated_ms;
};

struct ParsedFeed {
  std::string family;   // "rss", "atom" or "json"
  std::string version;  // "2.0", "0.91", "1.0" (RDF), "0.3", "1.0" (Atom), "1.1" (JSON), "" unknown
  std::string title;    // plain text
  std::string link;     // absolute URL of the site, "" if none
  std::string language;  // feed-level language tag as declared, "" if none
  std::string encoding;  // encoding the document was decoded from, e.g. "utf-8", "windows-1251"
  std::vector<Item> items;
  bool incomplete = false;            // recovered partial result of a broken document
  int undated_items = 0;              // items whose date fell back to ParseContext::fetch_time_ms
  std::vector<std::string> warnings;  // non-fatal problems, one line each
  bool wellformed = true;  // false when the document needed recovery or had encoding problems
  FeedDetail detail;       // feed-level fields as found
  std::vector<EntryDetail> entries;  // parallel to `items`: the raw fields of each item
};

// Parses one feed document. See the file comment for errors and limits.
[[nodiscard]] Result<ParsedFeed> ParseFeed(std::string_view body, const ParseContext& ctx);

}  // namespace babelwatch::feeds
