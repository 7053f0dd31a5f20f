// File: feeds/html_text.h
//
// Text helpers for feed parsing: HTML fragment to plain text, HTML entity decoding, whitespace
// collapsing and UTF-8 validation/repair.
// Pure and thread-safe. Inputs are only read during the call; results are owned strings.
// No errors: malformed markup or bytes are handled leniently (unknown entities kept verbatim,
// invalid UTF-8 replaced by U+FFFD), so every result is valid UTF-8 if the input was.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

namespace babelwatch::feeds {

// How whitespace is folded: titles are one line; article bodies keep their paragraph
// breaks, which boilerplate removal in detect/ relies on (related-headline lists, bylines).
enum class Lines {
  kJoin,  // every run of whitespace becomes one space
  kKeep,  // runs with a line break become one "\n"; other runs one space; lines trimmed
};

// Plain text of an HTML fragment: tags removed (script/style/head contents dropped), block
// elements and <br> become spaces (kJoin) or line breaks (kKeep), entities decoded,
// whitespace collapsed, ends trimmed. A '<' not followed by a tag name ("<3", "a < b") is
// kept as text.
[[nodiscard]] std::string HtmlToText(std::string_view html, Lines lines = Lines::kJoin);

// Decodes &name; (HTML 4 names), &#N; and &#xH; references; unknown or malformed references
// are kept verbatim. NUL, surrogates and out-of-range code points become U+FFFD.
[[nodiscard]] std::string DecodeHtmlEntities(std::string_view text);

// The code point of an HTML 4 named entity ("amp" -> 0x26), or nullopt.
[[nodiscard]] std::optional<uint32_t> LookupHtmlEntity(std::string_view name);

// Replaces runs of ASCII whitespace (and U+00A0) by one space — or, with Lines::kKeep, by one
// line break when the run holds one — and trims both ends (and each line).
[[nodiscard]] std::string CollapseWhitespace(std::string_view text, Lines lines = Lines::kJoin);

// Appends the UTF-8 encoding of `cp` (U+FFFD for surrogates and values above U+10FFFF).
void AppendUtf8(uint32_t cp, std::string& out);

// True if `text` is valid UTF-8 (no overlongs, surrogates or values above U+10FFFF).
[[nodiscard]] bool IsValidUtf8(std::string_view text);

// Copy of `text` with every invalid UTF-8 sequence replaced by U+FFFD, and characters XML
// forbids (C0 controls other than tab/LF/CR, U+FFFE, U+FFFF) removed. Sets *changed if any
// replacement or removal happened.
[[nodiscard]] std::string SanitizeUtf8(std::string_view text, bool* changed = nullptr);

}  // namespace babelwatch::feeds
