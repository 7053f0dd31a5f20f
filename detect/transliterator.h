// File: detect/transliterator.h
//
// Transliterator: folds a word of any script to lower-case ASCII Latin with the ICU chain
// for its language (`<Lang>-Latin/BGN; Any-Latin; Latin-ASCII`, else `Any-Latin;
// Latin-ASCII`), and reduces that to a phonetic skeleton so spellings of one name across
// languages meet (Пригожин, Prigoschin, Prigojine, Prigozhin → "prigosin").
// Thread-safe: the ICU transliterators and the per-token cache are behind one mutex; the
// cache is bounded (cleared when full). Create() fails with kNotFound only when ICU lacks
// Any-Latin or Latin-ASCII.
#pragma once

#include <memory>
#include <string>
#include <string_view>

#include "core/result.h"

namespace babelwatch::detect {

class Transliterator {
 public:
  [[nodiscard]] static Result<std::unique_ptr<Transliterator>> Create();
  ~Transliterator();

  // ASCII Latin of a (casefolded) word in language `lang`: only [a-z0-9], lower case.
  // Returns "" when nothing Latin is left.
  [[nodiscard]] std::string ToAscii(std::string_view word, std::string_view lang) const;

 private:
  Transliterator();
  struct Impl;
  std::unique_ptr<Impl> impl_;
};

// The phonetic skeleton of an ASCII word written by the orthography of `lang` (only the
// spelling conventions of de, fr, nl, it, es, pl, tr and the BGN romanisations are told apart;
// other languages get the generic rules). Pure.
[[nodiscard]] std::string PhoneticSkeleton(std::string_view ascii, std::string_view lang);

// The consonant skeleton of a phonetic skeleton: its first letter, then its consonants
// (vowels, and the w/y that abjad romanisations write for long vowels, dropped), so names
// written without vowels (Hebrew, Arabic) or with other vowels (Poetin, Putin) meet. Pure.
[[nodiscard]] std::string ConsonantSkeleton(std::string_view phonetic);

}  // namespace babelwatch::detect
