#include "detect/minhash.h"

#include <algorithm>
#include <cmath>
#include <limits>

namespace babelwatch::detect {
namespace {

// splitmix64's finalizer: a bijective 64-bit mixer.
inline uint64_t Mix64(uint64_t x) {
  x ^= x >> 30;
  x *= 0xbf58476d1ce4e5b9ULL;
  x ^= x >> 27;
  x *= 0x94d049bb133111ebULL;
  x ^= x >> 31;
  return x;
}

}  // namespace

MinHasher::MinHasher(int num_hashes, uint64_t seed) : seed_(seed) {
  const int k = std::max(1, num_hashes);
  a_.resize(k);
  b_.resize(k);
  uint64_t state = Mix64(seed ^ 0x6a09e667f3bcc908ULL);
  for (int i = 0; i < k; ++i) {
    state += 0x9e3779b97f4a7c15ULL;
    a_[i] = Mix64(state) | 1;  // odd multipliers keep the map x -> a*x + b a bijection
    state += 0x9e3779b97f4a7c15ULL;
    b_[i] = Mix64(state);
  }
}

std::vector<uint32_t> MinHasher::Sign(std::span<const uint64_t> features) const {
  const size_t k = a_.size();
  std::vector<uint32_t> signature(k, kEmptySignatureValue);
  const uint64_t* a = a_.data();
  const uint64_t* b = b_.data();
  uint32_t* out = signature.data();
  for (uint64_t feature : features) {
    const uint64_t x = Mix64(feature ^ seed_);
    for (size_t i = 0; i < k; ++i) {
      const uint32_t v = static_cast<uint32_t>((a[i] * x + b[i]) >> 32);
      out[i] = std::min(out[i], v);
    }
  }
  return signature;
}

std::vector<uint32_t> MinHasher::SignWeighted(std::span<const uint64_t> features,
                                              std::span<const float> weights) const {
  const size_t k = a_.size();
  std::vector<uint32_t> signature(k, kEmptySignatureValue);
  const size_t n = std::min(features.size(), weights.size());
  std::vector<double> best(k, std::numeric_limits<double>::infinity());
  constexpr double kTwoPow53Inv = 1.0 / 9007199254740992.0;
  for (size_t j = 0; j < n; ++j) {
    const float w = weights[j];
    if (!(w > 0) || !std::isfinite(w)) continue;
    const uint64_t x = Mix64(features[j] ^ seed_);
    const uint32_t id = static_cast<uint32_t>(Mix64(x ^ 0x510e527fade682d1ULL) >> 32);
    const double inv_w = 1.0 / static_cast<double>(w);
    for (size_t i = 0; i < k; ++i) {
      // u in (0, 1], a deterministic function of (feature, i); -log(u) is Exp(1), and the
      // feature minimising Exp(1) / w wins the race with probability w / sum(w).
      uint64_t r = a_[i] * x + b_[i];
      r ^= r >> 32;
      r *= 0xd6e8feb86659fd93ULL;
      const double u = static_cast<double>((r >> 11) + 1) * kTwoPow53Inv;
      // -ln(u) >= 1 - u, so most features are ruled out without a logarithm; the result is
      // the same as computing every key.
      if ((1.0 - u) * inv_w >= best[i]) continue;
      const double key = -std::log(u) * inv_w;
      if (key < best[i]) {
        best[i] = key;
        signature[i] = id;
      }
    }
  }
  return signature;
}

bool IsEmptySignature(std::span<const uint32_t> signature) {
  return std::all_of(signature.begin(), signature.end(),
                     [](uint32_t v) { return v == kEmptySignatureValue; });
}

double EstimateJaccard(std::span<const uint32_t> a, std::span<const uint32_t> b) {
  if (a.size() != b.size() || a.empty()) return 0;
  if (IsEmptySignature(a) || IsEmptySignature(b)) return 0;
  size_t equal = 0;
  for (size_t i = 0; i < a.size(); ++i) equal += a[i] == b[i] ? 1 : 0;
  return static_cast<double>(equal) / static_cast<double>(a.size());
}

double LshCandidateProbability(double s, int bands, int rows) {
  s = std::clamp(s, 0.0, 1.0);
  return 1.0 - std::pow(1.0 - std::pow(s, rows), bands);
}

}  // namespace babelwatch::detect
