// File: detect/name_table.h
//
// NameTable: exonyms from ICU's CLDR data — every country/region name, every language name
// and the time-zone exemplar cities (~450 major cities), in every CLDR language — mapped to
// one concept key per thing ("c:RU", "l:uk", "z:Europe/Kiev"), so Россия, Росія, Russia and
// Russland meet. Names are looked up in the document's own language only, which keeps a
// word of one language from matching a place name of another. Immutable after Create();
// thread-safe. Create() fails (kNotFound) when ICU has no CLDR locale data at all.
#pragma once

#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "core/result.h"
#include "detect/text_normalizer.h"

namespace babelwatch::detect {

class NameTable {
 public:
  struct Stats {
    size_t locales = 0;
    size_t names = 0;     // (language, name) entries
    size_t concepts = 0;  // distinct concept keys
  };

  [[nodiscard]] static Result<std::unique_ptr<NameTable>> Create(const TextNormalizer& norm);
  ~NameTable();

  // Matches the longest name (up to 3 words) starting at tokens[i] in language `lang`.
  // An inflected last word matches a name when removing 1–3 trailing letters (keeping 4+)
  // gives the name or the name without its final vowel (Казахстану, Москве, Україною).
  // Returns the concept key and sets *length to the words consumed; "" when none matches.
  [[nodiscard]] std::string Match(const std::vector<Token>& tokens, size_t i, std::string_view lang,
                                  size_t* length) const;

  [[nodiscard]] bool HasLanguage(std::string_view lang) const;
  [[nodiscard]] Stats stats() const;

 private:
  NameTable();
  struct Impl;
  std::unique_ptr<Impl> impl_;
};

}  // namespace babelwatch::detect
