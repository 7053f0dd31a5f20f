// File: feeds/charset.h
//
// Character-encoding detection and conversion of fetched feed bytes to UTF-8, using ICU
// converters (windows-1251, koi8-r, gb18030, UTF-16/32, ...).
// Pure and thread-safe (each call opens its own converter). `body` is only read during the
// call; the result owns its text, which is always valid UTF-8 with XML-forbidden control
// characters removed. Errors: none for undecodable bytes (replaced by U+FFFD and flagged);
// an unknown declared charset falls back to the next source and is reported in `warnings`.
#pragma once

#include <string>
#include <string_view>
#include <vector>

namespace babelwatch::feeds {

struct DecodedDocument {
  std::string text;       // UTF-8, no BOM
  std::string encoding;   // lower-case name of the encoding used, e.g. "utf-8", "koi8-r"
  std::string source;     // "bom", "sniffed", "http", "xml", "detected" (ICU guess) or "default"
  bool replaced = false;  // some bytes were invalid in that encoding (now U+FFFD) or were dropped
  bool bogus_declaration = false;  // a declared charset was unknown or contradicted the bytes
  std::vector<std::string> warnings;
};

// Decodes `body` following, in order: a byte-order mark; UTF-16/32 patterns of "<?xml";
// the charset parameter of `content_type`; the XML declaration; UTF-8 if the bytes are valid
// UTF-8, else a confident ICU CharsetDetector guess, else UTF-8 with replacement.
// gb2312/gbk are decoded as their superset gb18030.
[[nodiscard]] DecodedDocument DecodeDocument(std::string_view body, std::string_view content_type);

// The charset parameter of an HTTP Content-Type ("text/xml; charset='koi8-r'" -> "koi8-r"),
// lower-cased, quotes and spaces removed; "" if none.
[[nodiscard]] std::string CharsetFromContentType(std::string_view content_type);

// The media type of a Content-Type, lower-cased, parameters removed ("" if none).
[[nodiscard]] std::string MediaTypeOf(std::string_view content_type);

// The encoding named in an XML declaration at the start of ASCII-compatible `head`, or "".
[[nodiscard]] std::string XmlDeclaredEncoding(std::string_view head);

// True if ICU resolves both charset names to the same converter (case and alias insensitive).
[[nodiscard]] bool SameEncoding(std::string_view a, std::string_view b);

}  // namespace babelwatch::feeds
