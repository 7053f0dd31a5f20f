#include "detect/sketch_index.h"

#include <algorithm>
#include <catch2/catch.hpp>
#include <cstdint>
#include <cstdio>
#include <limits>
#include <random>
#include <set>
#include <string>
#include <vector>

#include "detect/minhash.h"

namespace babelwatch::detect {
namespace {

constexpr int64_t kHour = 3600LL * 1000;

SketchIndex::Options SmallWindow() {
  SketchIndex::Options o;
  o.bands = 16;
  o.rows = 4;
  o.slice_ms = kHour;
  o.window_ms = 3 * kHour;
  o.seed = 17;
  o.expected_docs_per_slice = 64;
  return o;
}

std::vector<uint32_t> RandomSignature(std::mt19937_64& rng, int length) {
  std::vector<uint32_t> s(length);
  for (auto& v : s) v = static_cast<uint32_t>(rng() % 0xFFFFFFF0u);
  return s;
}

bool Contains(const std::vector<uint64_t>& v, uint64_t id) {
  return std::find(v.begin(), v.end(), id) != v.end();
}

TEST_CASE("SketchIndex: Create rejects bad options and names the field", "[detect][index]") {
  SketchIndex::Options o = SmallWindow();
  SECTION("valid") { CHECK(SketchIndex::Create(o).has_value()); }
  SECTION("rows") {
    o.rows = 0;
    auto r = SketchIndex::Create(o);
    REQUIRE(r.has_error());
    CHECK(r.error().code == Code::kInvalidArgument);
    CHECK(r.error().message == "sketch index: rows = 0, expected 1..64");
  }
  SECTION("bands") {
    o.bands = 65;
    auto r = SketchIndex::Create(o);
    REQUIRE(r.has_error());
    CHECK(r.error().message.find("bands = 65") != std::string::npos);
  }
  SECTION("window shorter than a slice") {
    o.window_ms = o.slice_ms - 1;
    auto r = SketchIndex::Create(o);
    REQUIRE(r.has_error());
    CHECK(r.error().message.find("window_ms") != std::string::npos);
  }
  SECTION("slice") {
    o.slice_ms = 0;
    CHECK(SketchIndex::Create(o).has_error());
  }
  SECTION("query budget") {
    o.max_postings_per_query = 0;
    auto r = SketchIndex::Create(o);
    REQUIRE(r.has_error());
    CHECK(r.error().message == "sketch index: max_postings_per_query = 0, expected >= 1");
  }
  SECTION("expected above max") {
    o.max_docs_per_slice = 10;
    o.expected_docs_per_slice = 11;
    auto r = SketchIndex::Create(o);
    REQUIRE(r.has_error());
    CHECK(r.error().message.find("expected_docs_per_slice") != std::string::npos);
  }
}

TEST_CASE("SketchIndex: a document is its own candidate and ids are distinct", "[detect][index]") {
  SketchIndex index(SmallWindow());
  std::mt19937_64 rng(1);
  const auto sig = RandomSignature(rng, 64);
  const auto other = RandomSignature(rng, 64);
  CHECK(index.Insert(7, sig, 10 * kHour));
  CHECK(index.Insert(7, sig, 10 * kHour));  // the same id twice
  CHECK(index.Insert(8, other, 10 * kHour));
  std::vector<uint64_t> candidates = {123};  // replaced, not appended to
  index.Query(sig, &candidates);
  CHECK(candidates == std::vector<uint64_t>{7});
  index.Query(other, &candidates);
  CHECK(candidates == std::vector<uint64_t>{8});
  CHECK(index.Documents() == 3);
  CHECK(index.Now() == 10 * kHour);  // the first Insert set the clock
}

TEST_CASE("SketchIndex: wrong-length and empty signatures are rejected, not indexed",
          "[detect][index]") {
  SketchIndex index(SmallWindow());
  std::vector<uint32_t> short_sig(63, 1);
  std::vector<uint32_t> empty_sig(64, kEmptySignatureValue);
  CHECK_FALSE(index.Insert(1, short_sig, 0));
  CHECK_FALSE(index.Insert(2, empty_sig, 0));
  CHECK(index.Rejected() == 2);
  CHECK(index.Documents() == 0);
  std::vector<uint64_t> candidates;
  index.Query(short_sig, &candidates);
  CHECK(candidates.empty());
  index.Query(empty_sig, &candidates);
  CHECK(candidates.empty());
}

TEST_CASE("SketchIndex: sharing one band is enough, sharing none is not", "[detect][index]") {
  SketchIndex index(SmallWindow());
  std::mt19937_64 rng(2);
  const auto base = RandomSignature(rng, 64);
  auto one_band = RandomSignature(rng, 64);
  std::copy(base.begin() + 36, base.begin() + 40, one_band.begin() + 36);  // band 9 only
  auto no_band = base;
  for (int b = 0; b < 16; ++b) no_band[b * 4 + (b % 4)] ^= 0x55;  // one row per band differs
  REQUIRE(index.Insert(1, base, 0));
  std::vector<uint64_t> candidates;
  index.Query(one_band, &candidates);
  CHECK(candidates == std::vector<uint64_t>{1});
  index.Query(no_band, &candidates);
  CHECK(candidates.empty());
}

TEST_CASE("SketchIndex: expiry removes exactly the slices that left the window",
          "[detect][index]") {
  SketchIndex index(SmallWindow());  // 1 h slices, 3 h window
  std::mt19937_64 rng(3);
  const auto sig = RandomSignature(rng, 64);  // every document collides with every other
  index.AdvanceTo(0);
  // Slices 0..9, ten documents each, inserted as time advances through them.
  for (int64_t s = 0; s < 10; ++s) {
    index.AdvanceTo(s * kHour);
    for (uint64_t i = 0; i < 10; ++i) REQUIRE(index.Insert(s * 100 + i, sig, s * kHour + 1000));
  }
  // now = 9 h + 30 min: the window starts at 6 h 30 min, inside slice 6, so slices 0..5
  // have left it and 6..9 are live.
  index.AdvanceTo(9 * kHour + 30 * 60 * 1000);
  std::vector<uint64_t> candidates;
  index.Query(sig, &candidates);
  std::vector<uint64_t> expected;
  for (uint64_t s = 6; s < 10; ++s) {
    for (uint64_t i = 0; i < 10; ++i) expected.push_back(s * 100 + i);
  }
  CHECK(candidates == expected);
  CHECK(index.Documents() == 40);
  CHECK(index.Evictions() == 60);  // nothing else runs, so the memory is freed at once

  // A document older than the window is rejected; one in the future is filed into the
  // current slice.
  CHECK_FALSE(index.Insert(999, sig, 5 * kHour));
  CHECK(index.Insert(1000, sig, 50 * kHour));
  index.Query(sig, &candidates);
  CHECK(Contains(candidates, 1000));
  CHECK(index.Now() == 9 * kHour + 30 * 60 * 1000);

  // Exactly at the end of slice 6 + window, slice 6 leaves; slice 7 stays.
  index.AdvanceTo(10 * kHour);
  index.Query(sig, &candidates);
  CHECK_FALSE(Contains(candidates, 600));
  CHECK(Contains(candidates, 700));
  CHECK(index.Documents() == 31);
  // Time never moves backward.
  index.AdvanceTo(0);
  CHECK(index.Now() == 10 * kHour);
  // Everything leaves.
  index.AdvanceTo(100 * kHour);
  index.Query(sig, &candidates);
  CHECK(candidates.empty());
  CHECK(index.Documents() == 0);
  CHECK(index.Evictions() == 101);
}

TEST_CASE("SketchIndex: expiry is exact per slice when blocks hold several slices",
          "[detect][index]") {
  SketchIndex::Options o = SmallWindow();
  o.window_ms = 10 * kHour;
  SECTION("automatic: ceil(10 / 8) = 2 slices per block") {}
  SECTION("4 slices per block") { o.slices_per_block = 4; }
  SECTION("10 slices per block") { o.slices_per_block = 10; }
  SketchIndex index(o);
  std::mt19937_64 rng(31);
  const auto sig = RandomSignature(rng, 64);
  std::vector<uint64_t> candidates;
  uint64_t inserted = 0;
  for (int64_t h = 0; h < 40; ++h) {
    index.AdvanceTo(h * kHour + 5);
    for (uint64_t i = 0; i < 3; ++i, ++inserted) {
      REQUIRE(index.Insert(static_cast<uint64_t>(h) * 10 + i, sig, h * kHour + 5));
    }
    // Live: slices h-10 .. h (the window start h - 10 h + 5 ms lies in slice h - 10).
    std::vector<uint64_t> expected;
    for (int64_t s = std::max<int64_t>(0, h - 10); s <= h; ++s) {
      for (uint64_t i = 0; i < 3; ++i) expected.push_back(static_cast<uint64_t>(s) * 10 + i);
    }
    index.Query(sig, &candidates);
    INFO("hour " << h << " slices per block " << o.slices_per_block);
    CHECK(candidates == expected);
    CHECK(index.Documents() == expected.size());
    // Memory goes a whole block at a time, so evictions may trail the logical expiry by up
    // to one block, never more, and never run ahead of it.
    const uint64_t logically_expired = inserted - expected.size();
    const uint64_t per_block = o.slices_per_block > 0 ? o.slices_per_block : 2;
    CHECK(index.Evictions() <= logically_expired);
    CHECK(index.Evictions() + 3 * per_block >= logically_expired);
  }
}

TEST_CASE("SketchIndex: extreme timestamps neither crash nor overflow", "[detect][index]") {
  SketchIndex::Options o = SmallWindow();
  o.window_ms = 10 * kHour;
  o.slices_per_block = 3;
  std::mt19937_64 rng(32);
  const auto sig = RandomSignature(rng, 64);
  std::vector<uint64_t> candidates;
  SECTION("the first insert at INT64_MIN") {
    SketchIndex index(o);
    CHECK(index.Insert(1, sig, std::numeric_limits<int64_t>::min()));
    index.Query(sig, &candidates);
    CHECK(candidates == std::vector<uint64_t>{1});
    index.AdvanceTo(std::numeric_limits<int64_t>::max());
    index.Query(sig, &candidates);
    CHECK(candidates.empty());
    CHECK(index.Documents() == 0);
    CHECK(index.Evictions() == 1);
  }
  SECTION("INT64_MAX into a window at 0 is filed into the current slice") {
    SketchIndex index(o);
    index.AdvanceTo(0);
    CHECK(index.Insert(2, sig, std::numeric_limits<int64_t>::max()));
    CHECK_FALSE(index.Insert(3, sig, std::numeric_limits<int64_t>::min()));
    index.Query(sig, &candidates);
    CHECK(candidates == std::vector<uint64_t>{2});
  }
}

TEST_CASE("SketchIndex: negative times and ring reuse keep slices apart", "[detect][index]") {
  SketchIndex index(SmallWindow());  // ring of 5 slots
  std::mt19937_64 rng(4);
  const auto sig = RandomSignature(rng, 64);
  // Slice n lives in ring slot n mod 5: each slot is reused every five hours, only after the
  // slice it held has expired. Slice numbers of negative times round down.
  index.AdvanceTo(-5 * kHour);
  REQUIRE(index.Insert(1, sig, -5 * kHour + 1));
  for (int64_t h = -4; h <= 20; ++h) {
    index.AdvanceTo(h * kHour);
    REQUIRE(index.Insert(static_cast<uint64_t>(h + 100), sig, h * kHour));
    std::vector<uint64_t> candidates;
    index.Query(sig, &candidates);
    // Live: the slice of now and the three before it (window 3 h, slices of 1 h).
    std::vector<uint64_t> expected;
    for (int64_t s = std::max<int64_t>(h - 3, -5); s <= h; ++s) {
      expected.push_back(s == -5 ? 1 : static_cast<uint64_t>(s + 100));
    }
    std::sort(expected.begin(), expected.end());
    INFO("hour " << h);
    CHECK(candidates == expected);
  }
}

TEST_CASE("SketchIndex: slices grow past expected_docs_per_slice up to the cap",
          "[detect][index]") {
  SketchIndex::Options o = SmallWindow();
  o.expected_docs_per_slice = 4;
  o.max_docs_per_slice = 100;
  SketchIndex index(o);
  std::mt19937_64 rng(5);
  std::vector<std::vector<uint32_t>> sigs;
  for (int i = 0; i < 120; ++i) sigs.push_back(RandomSignature(rng, 64));
  int accepted = 0;
  for (uint64_t i = 0; i < 120; ++i) accepted += index.Insert(i, sigs[i], 0) ? 1 : 0;
  CHECK(accepted == 100);
  CHECK(index.Rejected() == 20);
  CHECK(index.Documents() == 100);
  std::vector<uint64_t> candidates;
  for (uint64_t i = 0; i < 100; ++i) {
    index.Query(sigs[i], &candidates);
    CHECK(candidates == std::vector<uint64_t>{i});
  }
  // The next slice has room again.
  index.AdvanceTo(kHour);
  CHECK(index.Insert(500, sigs[110], kHour));
}

TEST_CASE("SketchIndex: a flood of identical documents cannot make queries unbounded",
          "[detect][index]") {
  SketchIndex::Options o = SmallWindow();
  o.max_postings_per_query = 100;
  SketchIndex index(o);
  std::mt19937_64 rng(10);
  const auto flood = RandomSignature(rng, 64);
  const auto other = RandomSignature(rng, 64);
  for (uint64_t i = 0; i < 50; ++i) REQUIRE(index.Insert(i, flood, 0));
  REQUIRE(index.Insert(1000, other, 0));
  std::vector<uint64_t> candidates;
  // 50 documents x 16 bands = 800 postings: the query stops after 100 of them.
  index.Query(flood, &candidates);
  CHECK(!candidates.empty());
  CHECK(candidates.size() <= 100);
  CHECK(index.TruncatedQueries() == 1);
  std::vector<SketchIndex::Match> matches;
  index.QueryNear(flood, 0.5, &matches);
  CHECK(matches.size() <= 100);
  CHECK(index.TruncatedQueries() == 2);
  // Other buckets are unaffected.
  index.Query(other, &candidates);
  CHECK(candidates == std::vector<uint64_t>{1000});
  CHECK(index.TruncatedQueries() == 2);
}

TEST_CASE("SketchIndex: QueryNear keeps candidates above the threshold, best first",
          "[detect][index]") {
  SketchIndex index(SmallWindow());
  std::mt19937_64 rng(6);
  const auto base = RandomSignature(rng, 64);
  auto near = base;  // 60/64 equal
  for (int i : {3, 20, 41, 60}) near[i] ^= 1;
  auto mid = base;  // 40/64 equal
  for (int i = 0; i < 24; ++i) mid[i * 2 + 1] ^= 1;
  REQUIRE(index.Insert(1, base, 0));
  REQUIRE(index.Insert(2, near, 0));
  REQUIRE(index.Insert(3, mid, 0));
  REQUIRE(index.Insert(4, RandomSignature(rng, 64), 0));
  std::vector<SketchIndex::Match> matches;
  index.QueryNear(base, 0.9, &matches);
  REQUIRE(matches.size() == 2);
  CHECK(matches[0].doc_id == 1);
  CHECK(matches[0].jaccard == 1.0);
  CHECK(matches[1].doc_id == 2);
  CHECK(matches[1].jaccard == Approx(60.0 / 64));
  index.QueryNear(base, 0.0, &matches);
  REQUIRE(matches.size() == 3);
  CHECK(matches[2].doc_id == 3);
  CHECK(matches[2].jaccard == Approx(40.0 / 64));
}

// Word 3-shingles of a text, hashed: the features of the near-duplicate index.
std::vector<uint64_t> Shingles(const std::vector<std::string>& words) {
  std::vector<uint64_t> out;
  for (size_t i = 0; i + 3 <= words.size(); ++i) {
    uint64_t h = 1469598103934665603ULL;  // FNV-1a over the three words
    for (size_t k = i; k < i + 3; ++k) {
      for (char c : words[k]) h = (h ^ static_cast<unsigned char>(c)) * 1099511628211ULL;
      h = (h ^ ' ') * 1099511628211ULL;
    }
    out.push_back(h);
  }
  return out;
}

TEST_CASE("SketchIndex: a bands=8 rows=8 index finds syndicated copies at Jaccard >= 0.9",
          "[detect][index]") {
  SketchIndex::Options o = SmallWindow();
  o.bands = 8;
  o.rows = 8;
  SketchIndex index(o);
  MinHasher hasher(64, 2024);
  std::mt19937_64 rng(9);
  auto text = [&](size_t n) {
    std::vector<std::string> words;
    for (size_t i = 0; i < n; ++i) {
      std::string word = "w";  // (not "w" + ...: g++ 12 -O2 warns -Wrestrict on that)
      word += std::to_string(rng() % 5000);
      words.push_back(std::move(word));
    }
    return words;
  };
  // 200 wire stories of 400 words; each syndicated copy changes one word in 400 (shingle
  // Jaccard ~0.985 for 1 change: 3 of ~400 shingles differ).
  std::vector<std::vector<std::string>> stories;
  for (uint64_t i = 0; i < 200; ++i) {
    stories.push_back(text(400));
    REQUIRE(index.Insert(i, hasher.Sign(Shingles(stories.back())), 0));
  }
  std::vector<SketchIndex::Match> matches;
  int found = 0, wrong = 0;
  for (uint64_t i = 0; i < 200; ++i) {
    auto copy = stories[i];
    copy[rng() % copy.size()] = "changed";
    index.QueryNear(hasher.Sign(Shingles(copy)), 0.9, &matches);
    for (const auto& m : matches) (m.doc_id == i ? found : wrong) += 1;
  }
  CHECK(found >= 198);  // P(candidate) at J = 0.985 is > 0.9999; the estimate must be >= 0.9
  CHECK(wrong == 0);
  // A rewrite sharing half its text is not a syndicated copy.
  int half_matches = 0;
  for (uint64_t i = 0; i < 50; ++i) {
    auto half = stories[i];
    const auto fresh = text(200);
    std::copy(fresh.begin(), fresh.end(), half.begin() + 200);
    index.QueryNear(hasher.Sign(Shingles(half)), 0.9, &matches);
    half_matches += static_cast<int>(matches.size());
  }
  CHECK(half_matches == 0);
}

// Documents of `size` features drawn from a vocabulary, in pairs whose overlap is set so that
// the Jaccard similarity sweeps 0.05..0.95.
struct Corpus {
  std::vector<std::vector<uint64_t>> indexed;  // sorted feature sets
  std::vector<std::vector<uint64_t>> queries;
};

Corpus MakePairs(int pairs_per_level, int size, uint64_t seed) {
  std::mt19937_64 rng(seed);
  std::uniform_int_distribution<uint64_t> word(0, 200'000);
  Corpus c;
  for (int level = 0; level < 19; ++level) {
    const double target = 0.05 + 0.05 * level;
    // J = shared / (2 * size - shared)
    const int shared = static_cast<int>(2 * size * target / (1 + target) + 0.5);
    for (int p = 0; p < pairs_per_level; ++p) {
      std::set<uint64_t> a, b;
      while (static_cast<int>(a.size()) < shared) a.insert(word(rng));
      b = a;
      while (static_cast<int>(a.size()) < size) a.insert(word(rng));
      while (static_cast<int>(b.size()) < size) b.insert(word(rng));
      c.indexed.emplace_back(a.begin(), a.end());
      c.queries.emplace_back(b.begin(), b.end());
    }
  }
  return c;
}

double TrueJaccard(const std::vector<uint64_t>& a, const std::vector<uint64_t>& b) {
  size_t common = 0, i = 0, j = 0;
  while (i < a.size() && j < b.size()) {
    if (a[i] == b[j]) {
      ++common, ++i, ++j;
    } else if (a[i] < b[j]) {
      ++i;
    } else {
      ++j;
    }
  }
  const size_t uni = a.size() + b.size() - common;
  return uni == 0 ? 0 : static_cast<double>(common) / static_cast<double>(uni);
}

TEST_CASE("SketchIndex: recall against a brute-force scan follows the LSH S-curve",
          "[detect][index]") {
  SketchIndex::Options o = SmallWindow();
  o.expected_docs_per_slice = 2048;
  SketchIndex index(o);
  MinHasher hasher(o.bands * o.rows, 12345);
  const Corpus corpus = MakePairs(40, 80, 77);
  for (size_t i = 0; i < corpus.indexed.size(); ++i) {
    REQUIRE(index.Insert(i, hasher.Sign(corpus.indexed[i]), 0));
  }
  // Brute force: every (query, indexed) pair with its exact Jaccard, bucketed by 0.1.
  constexpr int kBuckets = 10;
  double expected[kBuckets] = {}, found[kBuckets] = {}, total[kBuckets] = {};
  size_t false_candidates = 0, below_pairs = 0;
  std::vector<uint64_t> candidates;
  for (const auto& query : corpus.queries) {
    index.Query(hasher.Sign(query), &candidates);
    for (size_t i = 0; i < corpus.indexed.size(); ++i) {
      const double j = TrueJaccard(query, corpus.indexed[i]);
      const bool hit = std::binary_search(candidates.begin(), candidates.end(), i);
      if (j < 0.05) {
        ++below_pairs;
        false_candidates += hit ? 1 : 0;
        continue;
      }
      const int bucket = std::min(kBuckets - 1, static_cast<int>(j * kBuckets));
      total[bucket] += 1;
      found[bucket] += hit ? 1 : 0;
      expected[bucket] += LshCandidateProbability(j, o.bands, o.rows);
    }
  }
  std::printf("LSH recall, bands=%d rows=%d (expected = mean of 1-(1-J^r)^b over the pairs)\n",
              o.bands, o.rows);
  std::printf("  J bucket   pairs  expected  measured\n");
  for (int b = 0; b < kBuckets; ++b) {
    if (total[b] == 0) continue;
    const double e = expected[b] / total[b], m = found[b] / total[b];
    std::printf("  %.1f-%.1f  %6.0f  %8.3f  %8.3f\n", b / 10.0, (b + 1) / 10.0, total[b], e, m);
    INFO("bucket " << b << " pairs " << total[b] << " expected " << e << " measured " << m);
    // Binomial noise: 4 standard deviations, plus slack for the MinHash estimate itself.
    const double sd = std::sqrt(std::max(e * (1 - e), 0.01) / total[b]);
    CHECK(std::abs(m - e) <= 4 * sd + 0.03);
  }
  std::printf("  J<0.05   %6zu  %8.4f  %8.4f\n", below_pairs, 0.0,
              static_cast<double>(false_candidates) / static_cast<double>(below_pairs));
  // Unrelated pairs (J < 0.05: P <= 1 - (1 - 0.05^4)^16 = 1e-4) almost never collide.
  CHECK(static_cast<double>(false_candidates) / static_cast<double>(below_pairs) < 0.001);
}

TEST_CASE("SketchIndex: Bytes and Documents report the live window", "[detect][index]") {
  SketchIndex::Options o = SmallWindow();
  o.expected_docs_per_slice = 1000;
  SketchIndex index(o);
  const size_t empty_bytes = index.Bytes();
  std::mt19937_64 rng(8);
  for (uint64_t i = 0; i < 1000; ++i) REQUIRE(index.Insert(i, RandomSignature(rng, 64), 0));
  CHECK(index.Documents() == 1000);
  const double per_doc = static_cast<double>(index.Bytes() - empty_bytes) / 1000;
  INFO("bytes per document " << per_doc);
  // 8 (id) + 256 (signature) + 64 (postings) + 16 * 1.5 * 8 (bucket slots) = 520.
  CHECK(per_doc >= 520);
  CHECK(per_doc < 600);
  index.AdvanceTo(10 * kHour);
  CHECK(index.Documents() == 0);
  CHECK(index.Bytes() == empty_bytes);
  CHECK(index.Evictions() == 1000);
}

}  // namespace
}  // namespace babelwatch::detect
