// File: detect/boilerplate.h
//
// Boilerplate cleanup for scraped or full-text items: cuts page furniture that rides along
// with the article — navigation and labels before the text ("News Feed", "1 min read"),
// lists of related headlines and "read more" sections after it, bylines, disclaimers and
// ads — so their names don't pull unrelated stories together. Line-based and language
// independent apart from a short multilingual list of section markers. Pure.
#pragma once

#include <string>
#include <string_view>

namespace babelwatch::detect {

// Returns the article body of `text` (paragraphs joined by '\n'). `title` is the item's
// headline: a first line repeating it is dropped. Input of any size; output ≤ input.
[[nodiscard]] std::string CleanBoilerplate(std::string_view title, std::string_view text);

// For an item without a headline: the first non-empty line of `text` when it is
// headline-sized (kMaxHeadlineWords words or fewer, not page furniture), and the text after
// it. Returns an empty headline (and `text` unchanged) otherwise.
inline constexpr int kMaxHeadlineWords = 30;
struct HeadlineSplit {
  std::string_view headline;
  std::string_view rest;
};
[[nodiscard]] HeadlineSplit SplitLeadingHeadline(std::string_view text);

}  // namespace babelwatch::detect
