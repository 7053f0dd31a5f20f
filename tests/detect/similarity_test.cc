// Tests of DocSimilarity's cross-language rules on hand-built documents: the shared-key
// requirements, the weighted overlap for short texts and the IDF power for long texts.
#include "detect/similarity.h"

#include <catch2/catch.hpp>

#include "detect/doc.h"

using namespace babelwatch::detect;

namespace {

Key MakeKey(uint64_t hash, KeyKind kind = KeyKind::kName) {
  Key k;
  k.hash = hash;
  k.weight = 1;
  k.kind = kind;
  k.text = "k" + std::to_string(hash);
  return k;
}

// A document of `lang` with the given keys (hashes ascending), `tokens` content words.
Doc MakeDoc(const std::string& lang, std::vector<Key> keys, int tokens) {
  Doc d;
  d.lang = lang;
  d.keys = std::move(keys);
  d.content_tokens = tokens;
  return d;
}

// Frequencies over `n` filler documents plus the given ones, so that keys 1..99 are rare and
// key 500 occurs in every filler document (frequent).
DocumentFrequencies Frequencies(const std::vector<const Doc*>& docs, int n) {
  DocumentFrequencies df(50);
  for (int i = 0; i < n; ++i) {
    df.Add(MakeDoc("xx", {MakeKey(500), MakeKey(static_cast<uint64_t>(1000 + i))}, 10));
  }
  for (const Doc* d : docs) df.Add(*d);
  return df;
}

}  // namespace

TEST_CASE("DocSimilarity: cross-language links need the configured shared keys",
          "[detect][similarity]") {
  Doc en =
      MakeDoc("en", {MakeKey(1, KeyKind::kExonym), MakeKey(2, KeyKind::kExonym), MakeKey(3)}, 10);
  Doc de =
      MakeDoc("de", {MakeKey(1, KeyKind::kExonym), MakeKey(2, KeyKind::kExonym), MakeKey(4)}, 10);
  DocumentFrequencies df = Frequencies({&en, &de}, 20);
  SimilarityParams p;
  p.min_shared_keys_cross = 2;
  p.min_specific_keys_cross = 0;
  CHECK(DocSimilarity(en, de, df, p) > 0.1);
  // Two shared places and nothing else: no link when a non-place key is required.
  p.min_specific_keys_cross = 1;
  CHECK(DocSimilarity(en, de, df, p) == 0.0);
  p.min_specific_keys_cross = 0;
  p.min_shared_keys_cross = 3;
  CHECK(DocSimilarity(en, de, df, p) == 0.0);
}

TEST_CASE("DocSimilarity: a headline covered by a longer text gains from the overlap",
          "[detect][similarity]") {
  // Headline: keys 1..3; description: keys 1..3 and 4..12 of its own.
  std::vector<Key> head_keys = {MakeKey(1), MakeKey(2), MakeKey(3)};
  std::vector<Key> long_keys;
  for (uint64_t h = 1; h <= 12; ++h) long_keys.push_back(MakeKey(h));
  Doc head = MakeDoc("ru", head_keys, 8);
  Doc desc = MakeDoc("en", long_keys, 25);
  DocumentFrequencies df = Frequencies({&head, &desc}, 30);
  SimilarityParams p;
  p.cross_overlap_mix = 0;
  double cosine = DocSimilarity(head, desc, df, p);
  p.cross_overlap_mix = 0.5;
  double mixed = DocSimilarity(head, desc, df, p);
  p.cross_overlap_mix = 1;
  double overlap = DocSimilarity(head, desc, df, p);
  CHECK(cosine > 0.3);
  CHECK(cosine < 0.7);
  CHECK(overlap == Approx(1.0));  // every key of the headline is in the description
  CHECK(mixed == Approx(0.5 * cosine + 0.5 * overlap));
  CHECK(DocSimilarity(desc, head, df, p) == Approx(overlap));  // symmetric

  // Two long texts: the overlap is not used, the cosine is.
  Doc head_long = MakeDoc("ru", head_keys, p.long_text_tokens);
  Doc desc_long = MakeDoc("en", long_keys, p.long_text_tokens + 100);
  p.cross_idf_power_long = 1;
  p.cross_overlap_mix = 0;
  double long_cos = DocSimilarity(head_long, desc_long, df, p);
  p.cross_overlap_mix = 1;
  CHECK(DocSimilarity(head_long, desc_long, df, p) == Approx(long_cos));
  CHECK(long_cos == Approx(cosine));

  // Same language: its own mix applies, the cross-language one does not.
  Doc head_en = MakeDoc("en", head_keys, 8);
  p.same_overlap_mix = 0;
  p.cross_overlap_mix = 0;
  double same = DocSimilarity(head_en, desc, df, p);
  p.cross_overlap_mix = 1;
  CHECK(DocSimilarity(head_en, desc, df, p) == Approx(same));
  p.same_overlap_mix = 1;
  CHECK(DocSimilarity(head_en, desc, df, p) == Approx(1.0));
}

TEST_CASE("DocSimilarity: long texts weigh keys by a power of IDF, short ones do not",
          "[detect][similarity]") {
  // Both share the frequent key 500 and the rare key 1; each has one rare key of its own.
  std::vector<Key> a_keys = {MakeKey(1), MakeKey(2), MakeKey(500)};
  std::vector<Key> b_keys = {MakeKey(1), MakeKey(3), MakeKey(500)};
  Doc a_long = MakeDoc("en", a_keys, 200);
  Doc b_long = MakeDoc("de", b_keys, 200);
  DocumentFrequencies df = Frequencies({&a_long, &b_long}, 200);
  REQUIRE(df.KeyIdf(500) < df.KeyIdf(1));
  SimilarityParams p;
  p.cross_idf_power_long = 1;
  double linear = DocSimilarity(a_long, b_long, df, p);
  p.cross_idf_power_long = 2;
  double squared = DocSimilarity(a_long, b_long, df, p);
  // The shared frequent key counts for less, the unshared rare keys for more.
  CHECK(squared < linear);
  CHECK(squared > 0);

  Doc a_short = MakeDoc("en", a_keys, 10);
  Doc b_short = MakeDoc("de", b_keys, 10);
  p.cross_overlap_mix = 0;
  p.cross_idf_power_long = 1;
  double short_linear = DocSimilarity(a_short, b_short, df, p);
  p.cross_idf_power_long = 2;
  CHECK(DocSimilarity(a_short, b_short, df, p) == Approx(short_linear));
  CHECK(short_linear == Approx(linear));
}
