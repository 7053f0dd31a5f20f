// File: bench/replay_corpus.h
//
// ReplayCorpus: a deterministic generator of realistic multilingual news items for replay
// benchmarks of detect/. Items are headline + 0-3 sentences in en, de, fr, es, ru, uk, pl, ar,
// tr, it and nl; events recur across languages with shared names (rendered in Latin, Cyrillic
// or Arabic script) and numbers; words follow a Zipf law over each language's vocabulary;
// arrival times are a Poisson stream with a daily rhythm, scaled so that a window of
// window_ms holds about window_docs items. The same options give the same items, byte for
// byte.
//
// The vocabulary of each language is read at run time from the shared evaluation sets
// (JSONL records with lang/title/text or lang1/text1/lang2/text2); Ukrainian, absent from
// them, uses a small built-in word list. Nothing of those texts is stored in the project.
// The rarer ranks of each vocabulary are pseudo-words made of the halves of two real words
// (see CorpusOptions::vocabulary), so that the stream has a realistic long tail.
//
// Threading: a ReplayCorpus is a plain value once built; Generate() is const and may run on
// any thread. Errors: Load() returns kNotFound when no vocabulary file can be read and
// kInvalidArgument for bad options.
#pragma once

#include <cstddef>
#include <cstdint>
#include <string>
#include <vector>

#include "core/item.h"
#include "core/result.h"

namespace babelwatch::bench {

struct CorpusOptions {
  uint64_t seed = 42;
  int64_t start_ms = 1700000000000;        // time of the first item
  int64_t window_ms = 24LL * 3600 * 1000;  // the window the arrival rate is scaled to
  size_t window_docs = 10000;              // items a window holds on average
  double single_share = 0.45;              // items that are their own event
  double syndicated_share = 0.05;          // verbatim copies of an earlier item of the event
  double new_event_share = 0.08;           // non-single items that open a new event
  double empty_text_share = 0.3;           // headline-only items (as many feeds publish)
  // Words per language the Zipf law ranges over. The shared sets hold a few thousand distinct
  // words per language at most, while a day of news uses far more (Heaps' law); ranks beyond
  // the real words are pseudo-words joined from the halves of two real ones.
  size_t vocabulary = 50000;
};

class ReplayCorpus {
 public:
  // Reads the vocabulary of each language from the given JSONL files (missing files are
  // skipped; kNotFound if none gives any word).
  [[nodiscard]] static Result<ReplayCorpus> Load(const std::vector<std::string>& jsonl_paths,
                                                 const CorpusOptions& options);

  // The first n items of the stream, in order of published_ms.
  [[nodiscard]] std::vector<Item> Generate(size_t n) const;

  // Languages and their vocabulary sizes, for the benchmark's header line.
  [[nodiscard]] std::string Describe() const;

  struct Language {
    std::string code;
    double share = 0;                // of all items
    int script = 0;                  // 0 Latin, 1 Cyrillic, 2 Arabic
    std::vector<std::string> words;  // lower-case content words, most frequent first
    std::vector<double> cdf;         // Zipf cumulative weights over words
  };

 private:
  CorpusOptions options_;
  std::vector<Language> langs_;
};

}  // namespace babelwatch::bench
