// File: detect/similarity.h
//
// DocumentFrequencies: streaming document frequencies of terms (per language, since term
// hashes carry the language) and of language-neutral keys (across languages) over the
// documents in the window. Not thread-safe: one owner (the clusterer's strand) changes it.
//
// DocSimilarity: the weighted similarity the clusterer uses to link two documents, in
// [0, 1]: TF-IDF cosine over stemmed terms and keys for documents of one language, over
// language-neutral keys alone across languages. Pure given the frequencies.
#pragma once

#include <array>
#include <cstdint>
#include <memory>
#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>

#include "detect/doc.h"

namespace babelwatch::detect {

// CountTable: feature hash -> count (> 0), open addressing with linear probing and
// backward-shift deletion: one probe sequence in one array per lookup. Grows at half full,
// shrinks below one eighth, so its memory follows the window. Not thread-safe.
class CountTable {
 public:
  [[nodiscard]] int32_t Get(uint64_t hash) const;
  void Increment(uint64_t hash);
  void Decrement(uint64_t hash);  // erases the hash when its count reaches 0
  [[nodiscard]] size_t size() const { return size_; }

 private:
  struct Slot {
    uint64_t hash = 0;
    int32_t count = 0;  // 0 = empty
  };
  [[nodiscard]] size_t Home(uint64_t hash) const;
  void Resize(size_t capacity);
  std::vector<Slot> slots_;
  size_t size_ = 0;
};

class DocumentFrequencies {
 public:
  // prior_docs: pseudo-documents in which no feature occurs, so a cold start (a handful of
  // documents) does not give one-off words extreme weights.
  explicit DocumentFrequencies(double prior_docs = 50) : prior_docs_(prior_docs) {}
  void Add(const Doc& doc);
  void Remove(const Doc& doc);  // doc must have been added
  // Smoothed inverse document frequency: log((N + prior + 1) / (df + 0.5)), never below 0.
  // Terms are counted against the documents of their own language.
  [[nodiscard]] double TermIdf(uint64_t hash, std::string_view lang) const;
  [[nodiscard]] double KeyIdf(uint64_t hash) const;
  [[nodiscard]] int64_t documents() const { return docs_; }
  [[nodiscard]] int64_t KeyDf(uint64_t hash) const;
  // Documents of one language in the window (the N of TermIdf), and TermIdf against a count
  // looked up once: TermIdfIn(h, LanguageDocs(lang)) == TermIdf(h, lang), bit for bit.
  [[nodiscard]] int64_t LanguageDocs(std::string_view lang) const;
  [[nodiscard]] double TermIdfIn(uint64_t hash, int64_t language_docs) const;
  [[nodiscard]] size_t size() const { return terms_.size() + keys_.size(); }

 private:
  CountTable terms_;
  CountTable keys_;
  std::unordered_map<std::string, int64_t> docs_by_lang_;
  int64_t docs_ = 0;
  double prior_docs_;
};

struct SimilarityParams {
  double key_mix = 1.0;  // weight of the key vector next to the term vector (same language)
  double name_weight = 1.0;
  double exonym_weight = 0.5;
  double number_weight = 1.0;
  double international_weight = 0.5;
  int min_shared_keys_cross = 2;  // a cross-language link needs this many shared keys
  // ... of which this many are not exonyms (places and languages alone tie different
  // happenings of one region together).
  int min_specific_keys_cross = 0;
  double min_specific_idf = 0;       // ... and have at least this IDF in the window
  double cross_exonym_weight = 0.5;  // exonym weight in the keys-only (cross-language) vector
  // Keys-only (cross-language) vectors weight a key by IDF^power: above 1, keys frequent in
  // the window (the names every story of one crisis shares) count for less.
  double cross_idf_power = 1.0;
  // ... and this power when both texts have long_text_tokens content words or more (full
  // articles share incidental names that headlines do not carry).
  double cross_idf_power_long = 2.0;
  int long_text_tokens = 30;
  // Cross-language similarity unless both texts are long: (1 - mix) × cosine + mix × overlap
  // (dot / the smaller squared norm), so a headline whose few keys a longer text covers is not
  // diluted by the rest of that text.
  double cross_overlap_mix = 0.5;
  double same_overlap_mix = 0.25;  // the same for two texts of one language
  size_t max_keys = 30;            // strongest keys (tf × idf) kept per document; 0 = all
  size_t max_terms = 0;            // strongest terms kept per document; 0 = all
  int term_tf_mode = 1;            // term frequency transform: 0 log(1 + tf), 1 tf, 2 sqrt(tf)
  int key_tf_mode = 0;             // the same for keys
};

// Similarity of two documents in [0, 1] (symmetric).
[[nodiscard]] double DocSimilarity(const Doc& a, const Doc& b, const DocumentFrequencies& df,
                                   const SimilarityParams& params);

// What DocSimilarity needs of a document beyond the Doc, computed once per document: the
// order of its keys in the similarity vector (by the hash the vector files them under) and
// whether its terms and keys are sorted by hash (the analyzer sorts them; the shortcuts of
// SimilarityBatch rely on it and are skipped otherwise). Plain value; ~170 bytes + 2 per key.
struct SimilarityPrep {
  static constexpr size_t kInlineKeys = 30;
  std::vector<uint16_t> key_order;
  bool sorted = false;
  // Enough to rule out most cross-language pairs without reading the Doc: a hash of its
  // language (unequal hashes = different languages) and, for documents with at most
  // kInlineKeys keys, the low 32 bits of their key hashes, sorted.
  uint8_t inline_keys = UINT8_MAX;  // entries of keys32; UINT8_MAX = not inlined
  uint64_t lang_hash = 0;
  std::array<uint32_t, kInlineKeys> keys32{};
};
[[nodiscard]] SimilarityPrep PrepareSimilarity(const Doc& doc);

// SimilarityBatch: DocSimilarity of one document against many, as the clusterer scores a new
// document against its candidates. Score(b) returns exactly DocSimilarity(a, b, df, params),
// bit for bit, but builds a's vectors once per batch, looks every IDF up once per batch,
// merges instead of sorting, and returns 0 without building b's vector when the two documents
// share too few features for anything else (no feature at all in one language, fewer than
// min_shared_keys_cross keys across languages).
// Threading: not thread-safe; one owner. Ownership: keeps references to df and params (both
// must outlive it) and, between Begin() and the next Begin(), to a and its prep. df must not
// change between Begin() and the last Score() of the batch.
class SimilarityBatch {
 public:
  SimilarityBatch(const DocumentFrequencies& df, const SimilarityParams& params);
  ~SimilarityBatch();
  SimilarityBatch(const SimilarityBatch&) = delete;
  SimilarityBatch& operator=(const SimilarityBatch&) = delete;

  // Starts a batch for document a (prep = PrepareSimilarity(a)).
  void Begin(const Doc& a, const SimilarityPrep& prep);
  // DocSimilarity(a, b, df, params) for the current batch's a (prep = PrepareSimilarity(b)).
  [[nodiscard]] double Score(const Doc& b, const SimilarityPrep& prep);
  // A number >= Score(b, prep) (+infinity when no bound applies), from the entries a and b
  // share only: weighing them gives the exact dot product and part of b's norm. Cheaper
  // than Score when b has many entries a lacks; the clusterer skips a story whose members
  // all bound below the threshold.
  [[nodiscard]] double UpperBound(const Doc& b, const SimilarityPrep& prep);

 private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
};

// Jaccard similarity of the two documents' word 4-gram shingles, in [0, 1].
[[nodiscard]] double ShingleJaccard(const Doc& a, const Doc& b);

}  // namespace babelwatch::detect
