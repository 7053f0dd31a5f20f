// File: detect/doc.h
//
// Doc: one Item after analysis — detected language, weighted same-language terms,
// weighted language-neutral keys, a MinHash-ready feature list and shingles for syndication
// detection. Plain immutable value once built; shared between threads as
// std::shared_ptr<const Doc>.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

namespace babelwatch::detect {

// One weighted feature. `hash` identifies it (xxh64 of its text, language-tagged for terms);
// `weight` is its position-weighted term frequency in the document (title counts more than
// the lead, the lead more than the rest).
struct Feature {
  uint64_t hash = 0;
  float weight = 0;
};

// What kind of evidence a language-neutral key is; the kinds carry different weights.
enum class KeyKind : uint8_t {
  kName,           // a capitalised word (or any word in a caseless script), transliterated
  kExonym,         // a country, language or city from the CLDR name tables
  kNumber,         // a number with 3+ digits or a percentage (not a year)
  kInternational,  // a long lower-case content word, transliterated (referendum, stability)
  kConsonant,      // the consonant skeleton of a name; used only when an abjad text is involved
};

struct Key {
  uint64_t hash = 0;
  float weight = 0;
  KeyKind kind = KeyKind::kName;
  std::string text;  // readable form (ASCII), for StorySummary::keys and debugging
};

struct Doc {
  std::string id;
  std::string source;
  std::string url;
  std::string title;
  int64_t published_ms = 0;
  std::string lang;                 // detected language (ISO 639-1 where known)
  bool lang_from_hint = false;      // CLD2 was unsure and the feed's declared language won
  std::vector<Feature> terms;       // stemmed content words, sorted by hash, unique
  std::vector<Key> keys;            // language-neutral keys, sorted by hash, unique
  std::vector<uint64_t> shingles;   // hashes of word 4-grams of the cleaned text, sorted
  std::vector<uint64_t> features;   // hashes of the keys and terms, for MinHash signatures
  std::vector<uint32_t> signature;  // MinHash of `features` (the sketch index's key)
  int content_tokens = 0;           // content words after cleanup (length of the text)
  bool abjad = false;               // mostly Arabic/Hebrew script: consonant keys are its names
};

}  // namespace babelwatch::detect
