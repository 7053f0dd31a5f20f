// File: core/escape.h
//
// Escaping text for HTML, XML and Slack mrkdwn: the special characters become entities, every
// other byte (UTF-8 included) is copied unchanged. Pure and thread-safe; no errors (any byte
// string is accepted). AppendEscaped() only appends to `out`; nothing is kept of `text`.
#pragma once

#include <string>
#include <string_view>

namespace babelwatch {

// Which characters become entities. '&' is always "&amp;", '<' "&lt;", '>' "&gt;".
enum class EscapeSet {
  kText,           // & < >: XML/HTML text content and Slack mrkdwn.
  kXmlAttribute,   // kText plus '"' as "&quot;": a double-quoted XML attribute value.
  kHtmlAttribute,  // kXmlAttribute plus '\'' as "&#39;": HTML text or either kind of attribute.
};

// Appends `text` to `out` with the characters of `set` replaced by their entities.
void AppendEscaped(std::string& out, std::string_view text, EscapeSet set);

// `text` with the characters of `set` replaced by their entities.
[[nodiscard]] std::string Escaped(std::string_view text, EscapeSet set);

}  // namespace babelwatch
