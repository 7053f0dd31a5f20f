// SketchIndex memory follows use: a near-empty window holds little, a block starts as large
// as the block before it became, and every document stays findable across grown segments.
#include <algorithm>
#include <catch2/catch.hpp>
#include <cstdint>
#include <random>
#include <vector>

#include "detect/sketch_index.h"

namespace babelwatch::detect {
namespace {

constexpr int64_t kHour = 3600LL * 1000;

std::vector<uint32_t> RandomSignature(std::mt19937_64& rng, int length) {
  std::vector<uint32_t> s(static_cast<size_t>(length));
  for (auto& v : s) v = static_cast<uint32_t>(rng() % 0xFFFFFFF0u);
  return s;
}

// Default options (a 72 h window of 1 h slices, 9 slices per block).
SketchIndex::Options Defaults() {
  SketchIndex::Options o;
  o.seed = 5;
  return o;
}

TEST_CASE("SketchIndex growth: a near-empty window allocates little", "[detect][index]") {
  SketchIndex index(Defaults());
  const size_t empty = index.Bytes();
  std::mt19937_64 rng(1);
  REQUIRE(index.Insert(1, RandomSignature(rng, index.signature_length()), 10 * kHour));
  const size_t one = index.Bytes() - empty;
  INFO("bytes for one document: " << one);
  // 64 documents per slice x 9 slices x ~520 bytes = ~300 kB for the first block.
  CHECK(one < 1024 * 1024);
  CHECK(one >= 520);
}

TEST_CASE("SketchIndex growth: later blocks start at their predecessor's size", "[detect][index]") {
  SketchIndex::Options o = Defaults();
  SketchIndex index(o);
  std::mt19937_64 rng(2);
  const int length = index.signature_length();
  // 9 slices per block: 400 documents per hour fill the first block through several
  // doublings (576 -> ... -> 4608); the second block should start near 3600 x 1.25.
  std::vector<std::pair<uint64_t, std::vector<uint32_t>>> docs;
  uint64_t id = 0;
  const int64_t t0 = 90 * kHour;  // the first slice of block 10
  size_t after_first_block = 0;
  for (int64_t hour = 0; hour < 18; ++hour) {
    if (hour == 9) after_first_block = index.Bytes();
    for (int k = 0; k < 400; ++k) {
      auto sig = RandomSignature(rng, length);
      REQUIRE(index.Insert(++id, sig, t0 + hour * kHour + k));
      if (k % 50 == 0) docs.emplace_back(id, std::move(sig));
    }
  }
  const size_t second_block = index.Bytes() - after_first_block;
  const double per_doc = static_cast<double>(second_block) / (9 * 400);
  INFO("bytes per document of the second block: " << per_doc);
  // One segment of 4500 documents for 3600 (~520 bytes each, 25% headroom), not a chain of
  // doublings from 576 (which would reach ~2x).
  CHECK(per_doc < 520 * 1.4);
  CHECK(index.Documents() == 18 * 400);
  std::vector<uint64_t> found;
  for (const auto& [doc, sig] : docs) {
    index.Query(sig, &found);
    CHECK(std::find(found.begin(), found.end(), doc) != found.end());
  }
}

TEST_CASE("SketchIndex growth: the first allocation follows expected_docs_per_slice",
          "[detect][index]") {
  SketchIndex::Options small = Defaults();
  small.expected_docs_per_slice = 16;
  SketchIndex::Options large = Defaults();
  large.expected_docs_per_slice = 1024;
  SketchIndex a(small), b(large);
  std::mt19937_64 rng(3);
  auto sig = RandomSignature(rng, a.signature_length());
  const size_t a0 = a.Bytes(), b0 = b.Bytes();
  REQUIRE(a.Insert(1, sig, 0));
  REQUIRE(b.Insert(1, sig, 0));
  // 16 vs 1024 documents per slice: the allocation scales with the hint (64x).
  CHECK((b.Bytes() - b0) > 30 * (a.Bytes() - a0));
}

}  // namespace
}  // namespace babelwatch::detect
