// File: detect/minhash.h
//
// MinHash signatures of a document's feature set, the sketch the SketchIndex bands and the
// clusterer uses to estimate Jaccard similarity. Features are 64-bit hashes of whatever the
// analyzer extracts (keys, shingles). A MinHasher is deterministic given (num_hashes, seed):
// the same features give the same signature in every process and on every run.
// Thread-safe: a MinHasher is immutable after construction; Sign*() may run concurrently.
// Results are returned by value; inputs are only read during the call. No errors: bad inputs
// (empty sets, non-positive or non-finite weights) have a defined result documented below.
#pragma once

#include <cstdint>
#include <span>
#include <vector>

namespace babelwatch::detect {

// The value every position of the signature of an empty feature set holds.
inline constexpr uint32_t kEmptySignatureValue = 0xFFFFFFFFu;

class MinHasher {
 public:
  // num_hashes is the signature length (bands * rows for a SketchIndex); values < 1 are
  // treated as 1. seed selects the hash family (config supplies it; tests fix it).
  MinHasher(int num_hashes, uint64_t seed);

  [[nodiscard]] int num_hashes() const { return static_cast<int>(a_.size()); }
  [[nodiscard]] uint64_t seed() const { return seed_; }

  // Unweighted MinHash: P[sig_a[i] == sig_b[i]] = Jaccard(set a, set b) for each i.
  // Duplicate features count once. An empty span gives all kEmptySignatureValue.
  [[nodiscard]] std::vector<uint32_t> Sign(std::span<const uint64_t> features) const;

  // Weighted MinHash (P-MinHash, an exponential race): P[sig_a[i] == sig_b[i]] is the
  // probability Jaccard J_P of the two weight vectors, which is 1 for proportional weights
  // and equals the set Jaccard when all weights are equal. weights[j] belongs to features[j];
  // if the spans differ in length only the common prefix is used. Features whose weight is
  // <= 0, NaN or infinite are ignored; if none remain the result is the empty signature.
  // Duplicate features: the largest weight wins.
  [[nodiscard]] std::vector<uint32_t> SignWeighted(std::span<const uint64_t> features,
                                                   std::span<const float> weights) const;

 private:
  const uint64_t seed_;
  // Constant after construction: hash i is hi32(a_[i] * mix(feature) + b_[i]).
  std::vector<uint64_t> a_;
  std::vector<uint64_t> b_;
};

// Fraction of positions where a and b agree: the MinHash estimate of Jaccard similarity.
// Returns 0 if the lengths differ, if either is empty, or if either is the signature of an
// empty feature set (two empty documents are not similar).
[[nodiscard]] double EstimateJaccard(std::span<const uint32_t> a, std::span<const uint32_t> b);

// True if every value is kEmptySignatureValue (the signature of an empty feature set).
[[nodiscard]] bool IsEmptySignature(std::span<const uint32_t> signature);

// Probability that a pair with similarity s shares at least one of `bands` LSH bands of
// `rows` values each: 1 - (1 - s^rows)^bands (the LSH S-curve).
[[nodiscard]] double LshCandidateProbability(double s, int bands, int rows);

}  // namespace babelwatch::detect
