// File: detect/text_normalizer.h
//
// TextNormalizer: splits text into words with ICU's word BreakIterator (so CJK and Thai
// segment) and folds each with NFKC casefold, keeping what the feature extractor needs to
// know about the original (capitalised, sentence-initial, number, percentage, script).
// Thread-safe after Create(): each call clones the break iterator. Errors: Create() returns
// kNotFound when ICU's data lacks the word-break rules or the NFKC_Casefold table.
#pragma once

#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "core/result.h"

namespace babelwatch::detect {

struct Token {
  std::string text;          // NFKC-casefolded UTF-8, elided articles/possessives removed
  bool capitalized = false;  // first letter upper- or title-case in the original
  bool cased = true;         // the script has case (false for Arabic, Hebrew, CJK, ...)
  bool sentence_initial = false;
  bool number = false;    // ICU says the word is numeric
  bool percent = false;   // a number directly followed by '%'
  bool all_caps = false;  // 2+ letters, all upper case (acronyms: EU, NATO, ООН)
  int script = 0;         // UScriptCode of the first letter
};

class TextNormalizer {
 public:
  [[nodiscard]] static Result<std::unique_ptr<TextNormalizer>> Create();
  ~TextNormalizer();

  // Appends the words of `text` to `out`; punctuation and spaces are dropped. Invalid UTF-8
  // is replaced (U+FFFD) and never fails. At most `max_tokens` words are appended.
  void Tokenize(std::string_view text, size_t max_tokens, std::vector<Token>& out) const;

  // NFKC casefold of one string (UTF-8 in, UTF-8 out).
  [[nodiscard]] std::string Fold(std::string_view text) const;

 private:
  TextNormalizer();
  struct Impl;
  std::unique_ptr<Impl> impl_;
};

}  // namespace babelwatch::detect
