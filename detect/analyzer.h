// File: detect/analyzer.h
//
// Analyzer: turns an Item into a Doc — boilerplate cleanup, language id (CLD2 with the
// feed's language as fallback), ICU segmentation and NFKC casefold, stopwords, stemming, and
// the language-neutral keys (transliterated names, CLDR exonyms, numbers, internationalisms).
// Resources are loaded once by Create() and shared read-only. Analyze() is thread-safe.
// Errors: Create() returns kNotFound when an ICU or libstemmer resource is missing.
#pragma once

#include <memory>
#include <string>

#include "core/item.h"
#include "core/result.h"
#include "detect/doc.h"

namespace babelwatch::detect {

// Weights of the evidence kinds and text zones (measured in docs/QUALITY.md).
struct AnalyzerParams {
  float title_weight = 2.0f;  // a headline word counts this much
  float lead_weight = 1.5f;   // a word among the first lead_tokens of the body
  float body_weight = 1.0f;   // any later word
  int lead_tokens = 60;
  int max_body_tokens = 400;     // words of the body analysed at most
  size_t key_prefix = 5;         // letters of the phonetic skeleton kept in a name key
  bool consonant_keys = true;    // also consonant-skeleton keys of names (prefix
                                 // key_prefix - 1), compared only against abjad texts
  size_t min_international = 7;  // letters a lower-case word needs to be an internationalism
  bool language_names = true;    // CLDR language names ("Russian", "русский") as exonym keys
  float name_weight = 1.0f;
  float exonym_weight = 1.0f;
  float number_weight = 1.0f;
  float international_weight = 0.5f;
};

class Analyzer {
 public:
  struct ResourceStats {
    double load_seconds = 0;
    size_t name_table_locales = 0;
    size_t name_table_names = 0;
    size_t stemmer_languages = 0;
  };

  [[nodiscard]] static Result<std::unique_ptr<Analyzer>> Create(const AnalyzerParams& params);
  ~Analyzer();

  [[nodiscard]] Doc Analyze(const Item& item) const;
  [[nodiscard]] const ResourceStats& resource_stats() const;

 private:
  Analyzer();
  struct Impl;
  std::unique_ptr<Impl> impl_;
};

}  // namespace babelwatch::detect
