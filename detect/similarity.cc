#include "detect/similarity.h"

#include <algorithm>
#include <cmath>
#include <vector>

namespace babelwatch::detect {

namespace {

double Idf(const std::unordered_map<uint64_t, int32_t>& map, uint64_t h, int64_t n, double prior) {
  auto it = map.find(h);
  double df = it == map.end() ? 0 : it->second;
  return std::max(0.0, std::log((static_cast<double>(n) + prior + 1.0) / (df + 0.5)));
}

double Tf(float w, int mode) {
  if (mode == 1) return static_cast<double>(w);
  if (mode == 2) return std::sqrt(static_cast<double>(w));
  return std::log1p(static_cast<double>(w));
}

double KindWeight(KeyKind k, const SimilarityParams& p) {
  switch (k) {
    case KeyKind::kName:
      return p.name_weight;
    case KeyKind::kExonym:
      return p.exonym_weight;
    case KeyKind::kNumber:
      return p.number_weight;
    case KeyKind::kInternational:
      return p.international_weight;
    case KeyKind::kConsonant:
      return p.name_weight;
  }
  return 1.0;
}

struct Weighted {
  uint64_t hash;
  double w;
  bool specific;  // a key that is not a place or language name (exonym)
  double idf;     // the key's IDF in the window (0 for terms)
};

// Sparse vector of a document, sorted by hash. Terms and keys live in one space (their
// hashes come from differently prefixed strings).
// Keeps the `keep` heaviest entries of v[from..] (all when keep is 0).
void KeepStrongest(std::vector<Weighted>& v, size_t from, size_t keep) {
  if (keep == 0 || v.size() - from <= keep) return;
  std::nth_element(v.begin() + static_cast<long>(from), v.begin() + static_cast<long>(from + keep),
                   v.end(), [](const Weighted& a, const Weighted& b) { return a.w > b.w; });
  v.resize(from + keep);
}

// consonant: compare names by consonant skeletons (an abjad text is involved) instead of
// by vowelled skeletons.
// idf_power: keys weigh IDF^idf_power in a keys-only vector.
void Vectorize(const Doc& d, const DocumentFrequencies& df, const SimilarityParams& p,
               bool with_terms, bool consonant, double idf_power, std::vector<Weighted>& out) {
  out.clear();
  if (with_terms) {
    for (const Feature& f : d.terms)
      out.push_back({f.hash, Tf(f.weight, p.term_tf_mode) * df.TermIdf(f.hash, d.lang), false, 0});
    KeepStrongest(out, 0, p.max_terms);
  }
  size_t keys_from = out.size();
  double mix = with_terms ? p.key_mix : 1.0;
  for (const Key& k : d.keys) {
    bool is_consonant = k.kind == KeyKind::kConsonant;
    if (is_consonant != consonant &&
        (is_consonant || k.kind == KeyKind::kName || k.kind == KeyKind::kInternational)) {
      continue;
    }
    double kind = KindWeight(k.kind, p);
    if (!with_terms && k.kind == KeyKind::kExonym) kind = p.cross_exonym_weight;
    double idf = df.KeyIdf(k.hash);
    double rarity = with_terms || idf_power == 1.0 ? idf : std::pow(idf, idf_power);
    out.push_back({k.hash ^ 0x5bd1e995ULL, mix * kind * Tf(k.weight, p.key_tf_mode) * rarity,
                   k.kind != KeyKind::kExonym, idf});
  }
  KeepStrongest(out, keys_from, p.max_keys);
  std::sort(out.begin(), out.end(),
            [](const Weighted& a, const Weighted& b) { return a.hash < b.hash; });
}

// shared: entries with weight in both; specific: those of them that are specific keys with
// an IDF of at least min_idf.
double Cosine(const std::vector<Weighted>& a, const std::vector<Weighted>& b, double min_idf,
              double overlap_mix, int* shared, int* specific) {
  double dot = 0, na = 0, nb = 0;
  for (const auto& x : a) na += x.w * x.w;
  for (const auto& x : b) nb += x.w * x.w;
  size_t i = 0, j = 0;
  *shared = 0;
  *specific = 0;
  while (i < a.size() && j < b.size()) {
    if (a[i].hash < b[j].hash) {
      ++i;
    } else if (b[j].hash < a[i].hash) {
      ++j;
    } else {
      dot += a[i].w * b[j].w;
      if (a[i].w > 0 && b[j].w > 0) {
        ++*shared;
        if (a[i].specific && a[i].idf >= min_idf) ++*specific;
      }
      ++i;
      ++j;
    }
  }
  if (na <= 0 || nb <= 0) return 0;
  double cos = std::clamp(dot / std::sqrt(na * nb), 0.0, 1.0);
  if (overlap_mix <= 0) return cos;
  // Overlap: the share of the shorter vector's weight the longer one covers.
  double overlap = std::clamp(dot / std::min(na, nb), 0.0, 1.0);
  return (1 - overlap_mix) * cos + overlap_mix * overlap;
}

}  // namespace

void DocumentFrequencies::Add(const Doc& doc) {
  ++docs_;
  ++docs_by_lang_[doc.lang];
  for (const Feature& f : doc.terms) ++terms_[f.hash];
  for (const Key& k : doc.keys) ++keys_[k.hash];
}

void DocumentFrequencies::Remove(const Doc& doc) {
  --docs_;
  auto lang = docs_by_lang_.find(doc.lang);
  if (lang != docs_by_lang_.end() && --lang->second <= 0) docs_by_lang_.erase(lang);
  for (const Feature& f : doc.terms) {
    auto it = terms_.find(f.hash);
    if (it != terms_.end() && --it->second <= 0) terms_.erase(it);
  }
  for (const Key& k : doc.keys) {
    auto it = keys_.find(k.hash);
    if (it != keys_.end() && --it->second <= 0) keys_.erase(it);
  }
}

double DocumentFrequencies::TermIdf(uint64_t hash, std::string_view lang) const {
  auto it = docs_by_lang_.find(std::string(lang));
  return Idf(terms_, hash, it == docs_by_lang_.end() ? 0 : it->second, prior_docs_);
}
double DocumentFrequencies::KeyIdf(uint64_t hash) const {
  return Idf(keys_, hash, docs_, prior_docs_);
}
int64_t DocumentFrequencies::KeyDf(uint64_t hash) const {
  auto it = keys_.find(hash);
  return it == keys_.end() ? 0 : it->second;
}

double DocSimilarity(const Doc& a, const Doc& b, const DocumentFrequencies& df,
                     const SimilarityParams& params) {
  thread_local std::vector<Weighted> va, vb;
  bool same = a.lang == b.lang;
  bool consonant = a.abjad || b.abjad;
  bool long_texts = params.long_text_tokens > 0 && a.content_tokens >= params.long_text_tokens &&
                    b.content_tokens >= params.long_text_tokens;
  double idf_power = long_texts ? params.cross_idf_power_long : params.cross_idf_power;
  Vectorize(a, df, params, same, consonant, idf_power, va);
  Vectorize(b, df, params, same, consonant, idf_power, vb);
  int shared = 0, specific = 0;
  double cos =
      Cosine(va, vb, params.min_specific_idf,
             long_texts ? 0.0 : (same ? params.same_overlap_mix : params.cross_overlap_mix),
             &shared, &specific);
  if (!same &&
      (shared < params.min_shared_keys_cross || specific < params.min_specific_keys_cross)) {
    return 0;
  }
  return cos;
}

double ShingleJaccard(const Doc& a, const Doc& b) {
  if (a.shingles.empty() || b.shingles.empty()) return 0;
  size_t i = 0, j = 0, inter = 0;
  while (i < a.shingles.size() && j < b.shingles.size()) {
    if (a.shingles[i] < b.shingles[j]) {
      ++i;
    } else if (b.shingles[j] < a.shingles[i]) {
      ++j;
    } else {
      ++inter;
      ++i;
      ++j;
    }
  }
  size_t uni = a.shingles.size() + b.shingles.size() - inter;
  return uni == 0 ? 0 : static_cast<double>(inter) / static_cast<double>(uni);
}

}  // namespace babelwatch::detect
