// File: detect/stemmer.h
//
// Stemmer: reduces a casefolded word to its stem with the Snowball stemmer of its language
// (libstemmer), a suffix-stripping fallback for Ukrainian (no Snowball algorithm), and the
// word itself for other languages. Also answers whether a word is a stopword of its
// language (short hand-written function-word lists, see stopwords.cc).
// Thread-safe: each Snowball stemmer is used under its own mutex. Create() never fails for
// a missing language (it falls back); it fails (kNotFound) only if libstemmer lists nothing.
#pragma once

#include <memory>
#include <string>
#include <string_view>

#include "core/result.h"

namespace babelwatch::detect {

class Stemmer {
 public:
  [[nodiscard]] static Result<std::unique_ptr<Stemmer>> Create();
  ~Stemmer();

  [[nodiscard]] std::string Stem(std::string_view word, std::string_view lang) const;
  [[nodiscard]] bool IsStopword(std::string_view word, std::string_view lang) const;
  // Number of languages with a Snowball algorithm loaded.
  [[nodiscard]] size_t languages() const;

 private:
  Stemmer();
  struct Impl;
  std::unique_ptr<Impl> impl_;
};

// Ukrainian suffix stripping (longest matching inflectional ending; keeps 3+ letters). Pure.
[[nodiscard]] std::string StemUkrainian(std::string_view word);

// True for a function word of `lang` (casefolded). Pure.
[[nodiscard]] bool IsStopwordOf(std::string_view word, std::string_view lang);

}  // namespace babelwatch::detect
