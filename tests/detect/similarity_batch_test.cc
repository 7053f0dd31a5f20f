// SimilarityBatch must reproduce DocSimilarity bit for bit (the clusterer's results may not
// change with it), and UpperBound must never be below the score. CountTable must count like
// a map. Random documents cover the merge and sort paths, trimmed vectors, abjad texts, long
// texts, unsorted features and a term sharing its vector hash with a key.
#include <bit>
#include <catch2/catch.hpp>
#include <cstdint>
#include <random>
#include <string>
#include <unordered_map>
#include <vector>

#include "detect/doc.h"
#include "detect/similarity.h"

using namespace babelwatch::detect;

namespace {

constexpr uint64_t kKeyVectorSalt = 0x5bd1e995ULL;  // as detect/similarity.cc files keys

Doc RandomDoc(std::mt19937_64& rng, bool sorted = true) {
  static const char* kLangs[] = {"en", "de", "ar", "ru"};
  Doc d;
  d.lang = kLangs[rng() % 4];
  d.abjad = d.lang == "ar" && rng() % 4 != 0;
  d.content_tokens = static_cast<int>(rng() % 60);
  // Hashes from small pools, so documents share features often.
  std::vector<uint64_t> terms, keys;
  const size_t nt = rng() % 40, nk = rng() % 3 == 0 ? rng() % 45 : rng() % 12;
  for (size_t i = 0; i < nt; ++i) terms.push_back((rng() % 150) * 0x9e3779b97f4a7c15ULL + 7);
  for (size_t i = 0; i < nk; ++i) keys.push_back((rng() % 90) * 0xc2b2ae3d27d4eb4fULL + 3);
  std::sort(terms.begin(), terms.end());
  terms.erase(std::unique(terms.begin(), terms.end()), terms.end());
  std::sort(keys.begin(), keys.end());
  keys.erase(std::unique(keys.begin(), keys.end()), keys.end());
  for (uint64_t h : terms) d.terms.push_back(Feature{h, 0.5f + static_cast<float>(rng() % 6)});
  for (uint64_t h : keys) {
    Key k;
    k.hash = h;
    k.weight = 0.5f + static_cast<float>(rng() % 4);
    k.kind = static_cast<KeyKind>(h % 5);  // one kind per hash, as the analyzer's keys
    k.text = std::to_string(h);
    d.keys.push_back(k);
  }
  if (!sorted) {
    std::shuffle(d.terms.begin(), d.terms.end(), rng);
    std::shuffle(d.keys.begin(), d.keys.end(), rng);
  }
  return d;
}

std::vector<SimilarityParams> ParamVariants() {
  std::vector<SimilarityParams> out(1);  // defaults
  SimilarityParams p;
  p.max_terms = 8;
  p.max_keys = 5;
  p.min_specific_keys_cross = 1;
  p.min_specific_idf = 1.0;
  p.term_tf_mode = 0;
  p.key_tf_mode = 2;
  out.push_back(p);
  p = SimilarityParams{};
  p.max_keys = 0;
  p.cross_idf_power = 1.5;
  p.min_shared_keys_cross = 1;
  p.same_overlap_mix = 0;
  out.push_back(p);
  return out;
}

void CheckBatchMatches(const std::vector<Doc>& docs, const DocumentFrequencies& df,
                       const SimilarityParams& p) {
  std::vector<SimilarityPrep> preps;
  for (const Doc& d : docs) preps.push_back(PrepareSimilarity(d));
  SimilarityBatch batch(df, p);
  size_t positive = 0;
  for (size_t i = 0; i < docs.size(); ++i) {
    batch.Begin(docs[i], preps[i]);
    for (size_t j = 0; j < docs.size(); ++j) {
      const double want = DocSimilarity(docs[i], docs[j], df, p);
      const double bound = batch.UpperBound(docs[j], preps[j]);
      const double got = batch.Score(docs[j], preps[j]);
      INFO("documents " << i << " and " << j << ": " << want << " vs " << got);
      REQUIRE(std::bit_cast<uint64_t>(got) == std::bit_cast<uint64_t>(want));
      REQUIRE(bound >= want);
      if (want > 0) ++positive;
    }
  }
  CHECK(positive > docs.size());  // the pairs are not all trivially 0
}

}  // namespace

TEST_CASE("SimilarityBatch: Score equals DocSimilarity bit for bit, UpperBound bounds it",
          "[detect][similarity]") {
  std::mt19937_64 rng(11);
  std::vector<Doc> docs;
  for (int i = 0; i < 120; ++i) docs.push_back(RandomDoc(rng));
  // A term filed under the same vector hash as one of the document's keys.
  Doc tie = RandomDoc(rng);
  tie.lang = "en";
  if (tie.keys.empty()) tie.keys.push_back(docs[0].keys.empty() ? Key{} : docs[0].keys[0]);
  tie.terms.push_back(Feature{tie.keys[0].hash ^ kKeyVectorSalt, 2});
  std::sort(tie.terms.begin(), tie.terms.end(),
            [](const Feature& a, const Feature& b) { return a.hash < b.hash; });
  docs.push_back(tie);
  // Features out of order: no shortcuts, the same result.
  for (int i = 0; i < 6; ++i) docs.push_back(RandomDoc(rng, /*sorted=*/false));
  DocumentFrequencies df(50);
  for (const Doc& d : docs) df.Add(d);
  for (const SimilarityParams& p : ParamVariants()) CheckBatchMatches(docs, df, p);
}

TEST_CASE("SimilarityBatch: a batch reads the frequencies as they are at Begin",
          "[detect][similarity]") {
  std::mt19937_64 rng(12);
  std::vector<Doc> docs;
  for (int i = 0; i < 40; ++i) docs.push_back(RandomDoc(rng));
  DocumentFrequencies df(50);
  SimilarityParams p;
  SimilarityBatch batch(df, p);
  for (size_t i = 0; i < docs.size(); ++i) {
    df.Add(docs[i]);  // the window changes between batches, as in the clusterer
    SimilarityPrep a = PrepareSimilarity(docs[i]);
    batch.Begin(docs[i], a);
    for (size_t j = 0; j <= i; ++j) {
      SimilarityPrep b = PrepareSimilarity(docs[j]);
      REQUIRE(std::bit_cast<uint64_t>(batch.Score(docs[j], b)) ==
              std::bit_cast<uint64_t>(DocSimilarity(docs[i], docs[j], df, p)));
    }
  }
}

TEST_CASE("DocumentFrequencies: counts like a map through growth, removal and shrinking",
          "[detect][similarity]") {
  std::mt19937_64 rng(13);
  DocumentFrequencies df(50);
  std::unordered_map<uint64_t, int> want;
  std::vector<Doc> live;
  for (int step = 0; step < 4000; ++step) {
    // Grow to ~600 documents, then shrink to none (the table shrinks too).
    const bool add = step < 2000 ? rng() % 4 != 0 : (rng() % 4 == 0 && step < 3000);
    if (add || live.empty()) {
      if (step >= 3000) continue;
      Doc d = RandomDoc(rng);
      for (const Key& k : d.keys) ++want[k.hash];
      df.Add(d);
      live.push_back(std::move(d));
    } else {
      size_t i = rng() % live.size();
      for (const Key& k : live[i].keys) --want[k.hash];
      df.Remove(live[i]);
      live.erase(live.begin() + static_cast<long>(i));
    }
    if (step % 97 == 0 || step == 3999) {
      for (const auto& [h, n] : want) REQUIRE(df.KeyDf(h) == n);
    }
  }
  while (!live.empty()) {
    for (const Key& k : live.back().keys) --want[k.hash];
    df.Remove(live.back());
    live.pop_back();
  }
  for (const auto& [h, n] : want) REQUIRE(df.KeyDf(h) == 0);
  CHECK(df.size() == 0);
  CHECK(df.documents() == 0);
}
