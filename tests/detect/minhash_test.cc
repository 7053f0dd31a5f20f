#include "detect/minhash.h"

#include <algorithm>
#include <catch2/catch.hpp>
#include <cmath>
#include <cstdint>
#include <limits>
#include <random>
#include <vector>

namespace babelwatch::detect {
namespace {

// Features 0..n-1 shifted by `offset`, as 64-bit hashes would be (any distinct values work).
std::vector<uint64_t> Range(uint64_t offset, uint64_t n) {
  std::vector<uint64_t> v(n);
  for (uint64_t i = 0; i < n; ++i) v[i] = offset + i;
  return v;
}

// Standard deviation of the MinHash estimate with k hashes at similarity j.
double Sigma(double j, int k) { return std::sqrt(j * (1 - j) / k); }

TEST_CASE("MinHasher: the same seed gives the same signature, another seed another one",
          "[detect][minhash]") {
  const auto features = Range(1000, 50);
  MinHasher a(64, 42), b(64, 42), c(64, 43);
  CHECK(a.Sign(features) == b.Sign(features));
  CHECK(a.Sign(features) != c.Sign(features));
  CHECK(a.Sign(features).size() == 64);
  CHECK(a.num_hashes() == 64);
  // Feature order does not matter.
  auto reversed = features;
  std::reverse(reversed.begin(), reversed.end());
  CHECK(a.Sign(reversed) == a.Sign(features));
}

TEST_CASE("MinHasher: the estimate tracks the true Jaccard similarity", "[detect][minhash]") {
  MinHasher hasher(256, 7);
  // |A| = |B| = 1000 with overlap o: J = o / (2000 - o).
  for (uint64_t overlap : {0, 100, 333, 500, 667, 900, 1000}) {
    const auto a = Range(0, 1000);
    const auto b = Range(1000 - overlap, 1000);
    const double truth = static_cast<double>(overlap) / static_cast<double>(2000 - overlap);
    const double estimate = EstimateJaccard(hasher.Sign(a), hasher.Sign(b));
    INFO("overlap " << overlap << " true J " << truth << " estimate " << estimate);
    CHECK(std::abs(estimate - truth) <= 4 * Sigma(truth, 256) + 1e-9);
  }
}

TEST_CASE("MinHasher: duplicates count once and an empty set gives the empty signature",
          "[detect][minhash]") {
  MinHasher hasher(32, 1);
  std::vector<uint64_t> dup = {5, 5, 6, 7, 7, 7};
  std::vector<uint64_t> set = {5, 6, 7};
  CHECK(hasher.Sign(dup) == hasher.Sign(set));
  const auto empty = hasher.Sign({});
  CHECK(IsEmptySignature(empty));
  CHECK(!IsEmptySignature(hasher.Sign(set)));
  CHECK(EstimateJaccard(empty, empty) == 0);
  CHECK(EstimateJaccard(empty, hasher.Sign(set)) == 0);
}

TEST_CASE("EstimateJaccard: mismatched or empty spans give 0", "[detect][minhash]") {
  std::vector<uint32_t> a = {1, 2, 3, 4};
  std::vector<uint32_t> b = {1, 2, 3};
  CHECK(EstimateJaccard(a, b) == 0);
  CHECK(EstimateJaccard({}, {}) == 0);
  CHECK(EstimateJaccard(a, a) == 1.0);
  std::vector<uint32_t> c = {1, 2, 9, 9};
  CHECK(EstimateJaccard(a, c) == 0.5);
}

TEST_CASE("MinHasher: weighted signatures with equal weights estimate the set Jaccard",
          "[detect][minhash]") {
  MinHasher hasher(256, 11);
  const auto a = Range(0, 300);
  const auto b = Range(150, 300);  // J = 150 / 450 = 1/3
  std::vector<float> ones(300, 1.0f);
  const double estimate =
      EstimateJaccard(hasher.SignWeighted(a, ones), hasher.SignWeighted(b, ones));
  CHECK(std::abs(estimate - 1.0 / 3) <= 4 * Sigma(1.0 / 3, 256));
  // Scaling all weights (proportional vectors) changes nothing.
  std::vector<float> threes(300, 3.0f);
  CHECK(hasher.SignWeighted(a, ones) == hasher.SignWeighted(a, threes));
}

// J_P(x, y) = sum over i in the union of 1 / sum_j max(x_j / x_i, y_j / y_i).
double ProbabilityJaccard(const std::vector<double>& x, const std::vector<double>& y) {
  double total = 0;
  for (size_t i = 0; i < x.size(); ++i) {
    if (x[i] <= 0 || y[i] <= 0) continue;
    double denom = 0;
    for (size_t j = 0; j < x.size(); ++j) denom += std::max(x[j] / x[i], y[j] / y[i]);
    total += 1 / denom;
  }
  return total;
}

TEST_CASE("MinHasher: weighted signatures estimate the probability Jaccard J_P",
          "[detect][minhash]") {
  MinHasher hasher(512, 3);
  std::mt19937_64 rng(99);
  std::uniform_real_distribution<double> weight(0.1, 2.0);
  // 60 features; each document has weight 0 (absent) on some of them.
  const auto features = Range(10'000, 60);
  for (int trial = 0; trial < 5; ++trial) {
    std::vector<double> x(60), y(60);
    for (size_t i = 0; i < 60; ++i) {
      x[i] = i < 45 ? weight(rng) : 0;
      y[i] = i >= 15 ? weight(rng) : 0;
      if (i >= 15 && i < 45 && trial % 2 == 0) y[i] = x[i] * 1.5;  // partly proportional
    }
    std::vector<float> xf(x.begin(), x.end()), yf(y.begin(), y.end());
    const double truth = ProbabilityJaccard(x, y);
    const double estimate =
        EstimateJaccard(hasher.SignWeighted(features, xf), hasher.SignWeighted(features, yf));
    INFO("trial " << trial << " J_P " << truth << " estimate " << estimate);
    CHECK(std::abs(estimate - truth) <= 4 * Sigma(truth, 512) + 1e-9);
  }
}

TEST_CASE("MinHasher: non-positive, NaN and infinite weights are ignored", "[detect][minhash]") {
  MinHasher hasher(64, 5);
  std::vector<uint64_t> features = {1, 2, 3, 4, 5};
  std::vector<float> weights = {1.0f, 0.0f, -2.0f, std::numeric_limits<float>::quiet_NaN(),
                                std::numeric_limits<float>::infinity()};
  std::vector<uint64_t> only_first = {1};
  std::vector<float> one = {1.0f};
  CHECK(hasher.SignWeighted(features, weights) == hasher.SignWeighted(only_first, one));
  std::vector<float> none = {0.0f, -1.0f};
  CHECK(IsEmptySignature(hasher.SignWeighted(features, none)));
  // Spans of different lengths: only the common prefix counts.
  CHECK(hasher.SignWeighted(features, one) == hasher.SignWeighted(only_first, one));
}

TEST_CASE("LshCandidateProbability: the S-curve 1 - (1 - s^r)^b", "[detect][minhash]") {
  CHECK(LshCandidateProbability(0, 16, 4) == 0);
  CHECK(LshCandidateProbability(1, 16, 4) == 1);
  CHECK(LshCandidateProbability(0.5, 16, 4) == Approx(1 - std::pow(1 - 0.0625, 16)));
  CHECK(LshCandidateProbability(0.9, 8, 8) == Approx(0.9890).margin(1e-3));
  CHECK(LshCandidateProbability(0.5, 8, 8) == Approx(0.0309).margin(1e-3));
}

}  // namespace
}  // namespace babelwatch::detect
