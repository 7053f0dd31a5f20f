// File: feeds/main_text.h
//
// ExtractMainText: the readable text of an article page, for feeds whose items carry only a
// title. It keeps the block of paragraphs with the most text and drops navigation, headers,
// footers, asides, forms, scripts, and link-dense blocks (menus, related-headline lists, ads).
// Pure and thread-safe: libxml2's HTML parser with no network access and no entity loading;
// `html` is only read during the call. Errors: kResourceExhausted for input over
// kMaxArticleBytes; kNotFound when no block of at least kMinArticleChars characters exists.
#pragma once

#include <cstddef>
#include <string>
#include <string_view>

#include "core/result.h"

namespace babelwatch::feeds {

inline constexpr std::size_t kMaxArticleBytes = 4u << 20;
inline constexpr std::size_t kMinArticleChars = 200;

// Paragraphs of the main block, plain text, separated by "\n\n" (valid UTF-8 when the page's
// declared or sniffed charset is right).
[[nodiscard]] Result<std::string> ExtractMainText(std::string_view html);

}  // namespace babelwatch::feeds
