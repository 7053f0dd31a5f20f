#include "detect/similarity.h"

#include <algorithm>
#include <cmath>
#include <limits>
#include <span>
#include <vector>

namespace babelwatch::detect {

namespace {

double Idf(const CountTable& table, uint64_t h, int64_t n, double prior) {
  double df = table.Get(h);
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

constexpr uint64_t kKeyVectorSalt = 0x5bd1e995ULL;  // files keys apart from terms in a vector

// Whether key k enters a vector built with `consonant` skeletons.
bool KeyInVector(const Key& k, bool consonant) {
  bool is_consonant = k.kind == KeyKind::kConsonant;
  return !(is_consonant != consonant &&
           (is_consonant || k.kind == KeyKind::kName || k.kind == KeyKind::kInternational));
}

// IDFs straight from the frequencies (DocSimilarity).
struct DirectIdf {
  const DocumentFrequencies& df;
  int64_t language_docs;  // of the document being vectorized
  double Term(uint64_t h) const { return df.TermIdfIn(h, language_docs); }
  double Key(uint64_t h) const { return df.KeyIdf(h); }
};

// consonant: compare names by consonant skeletons (an abjad text is involved) instead of
// by vowelled skeletons.
// idf_power: keys weigh IDF^idf_power in a keys-only vector.
// key_order (optional): the document's keys ordered by k.hash ^ kKeyVectorSalt; with it, and
// when nothing is trimmed, the sorted vector is built by merging instead of sorting (the
// same vector: the hashes are unique, so the sorted order is unique).
template <class IdfSource>
void Vectorize(const Doc& d, const IdfSource& idfs, const SimilarityParams& p, bool with_terms,
               bool consonant, double idf_power, const SimilarityPrep* prep,
               std::vector<Weighted>& out) {
  out.clear();
  const double mix = with_terms ? p.key_mix : 1.0;
  auto key_entry = [&](const Key& k) {
    double kind = KindWeight(k.kind, p);
    if (!with_terms && k.kind == KeyKind::kExonym) kind = p.cross_exonym_weight;
    double idf = idfs.Key(k.hash);
    double rarity = with_terms || idf_power == 1.0 ? idf : std::pow(idf, idf_power);
    return Weighted{k.hash ^ kKeyVectorSalt, mix * kind * Tf(k.weight, p.key_tf_mode) * rarity,
                    k.kind != KeyKind::kExonym, idf};
  };
  auto term_entry = [&](const Feature& f) {
    return Weighted{f.hash, Tf(f.weight, p.term_tf_mode) * idfs.Term(f.hash), false, 0};
  };
  if (prep != nullptr && prep->sorted && prep->key_order.size() == d.keys.size()) {
    bool trims = with_terms && p.max_terms != 0 && d.terms.size() > p.max_terms;
    if (!trims && p.max_keys != 0 && d.keys.size() > p.max_keys) {  // else nothing to trim
      size_t keys = 0;
      for (const Key& k : d.keys) keys += KeyInVector(k, consonant) ? 1 : 0;
      trims = keys > p.max_keys;
    }
    if (!trims) {
      const size_t nt = with_terms ? d.terms.size() : 0;
      size_t i = 0, j = 0;
      bool tie = false;
      while (j < prep->key_order.size() && !tie) {
        const Key& k = d.keys[prep->key_order[j]];
        if (!KeyInVector(k, consonant)) {
          ++j;
          continue;
        }
        const uint64_t kh = k.hash ^ kKeyVectorSalt;
        if (i < nt && d.terms[i].hash <= kh) {
          tie = d.terms[i].hash == kh;
          out.push_back(term_entry(d.terms[i++]));
        } else {
          out.push_back(key_entry(k));
          ++j;
        }
      }
      if (!tie) {
        while (i < nt) out.push_back(term_entry(d.terms[i++]));
        return;
      }
      out.clear();  // a term and a key under one hash: the sorted order is the sort's choice
    }
  }
  if (with_terms) {
    for (const Feature& f : d.terms) out.push_back(term_entry(f));
    KeepStrongest(out, 0, p.max_terms);
  }
  size_t keys_from = out.size();
  for (const Key& k : d.keys) {
    if (!KeyInVector(k, consonant)) continue;
    out.push_back(key_entry(k));
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

// How two documents are compared: terms and keys within one language, keys alone across
// languages; consonant name keys when an abjad text is involved; IDF^power and no overlap
// mix when both texts are long.
struct PairShape {
  bool same = false;
  bool consonant = false;
  bool long_texts = false;
  double idf_power = 1;
  double overlap_mix = 0;
};

PairShape ShapeOf(const Doc& a, const Doc& b, const SimilarityParams& p) {
  PairShape s;
  s.same = a.lang == b.lang;
  s.consonant = a.abjad || b.abjad;
  s.long_texts = p.long_text_tokens > 0 && a.content_tokens >= p.long_text_tokens &&
                 b.content_tokens >= p.long_text_tokens;
  s.idf_power = s.long_texts ? p.cross_idf_power_long : p.cross_idf_power;
  s.overlap_mix = s.long_texts ? 0.0 : (s.same ? p.same_overlap_mix : p.cross_overlap_mix);
  return s;
}

// The similarity of two documents' vectors: Cosine, and 0 for a cross-language pair that
// shares too few keys.
double VectorSimilarity(const std::vector<Weighted>& va, const std::vector<Weighted>& vb,
                        const SimilarityParams& p, const PairShape& shape) {
  int shared = 0, specific = 0;
  double cos = Cosine(va, vb, p.min_specific_idf, shape.overlap_mix, &shared, &specific);
  if (!shape.same && (shared < p.min_shared_keys_cross || specific < p.min_specific_keys_cross)) {
    return 0;
  }
  return cos;
}

}  // namespace

size_t CountTable::Home(uint64_t hash) const {
  return static_cast<size_t>((hash ^ (hash >> 31)) * 0x9e3779b97f4a7c15ULL >> 7) &
         (slots_.size() - 1);
}

int32_t CountTable::Get(uint64_t hash) const {
  if (size_ == 0) return 0;
  const size_t mask = slots_.size() - 1;
  for (size_t i = Home(hash);; i = (i + 1) & mask) {
    const Slot& s = slots_[i];
    if (s.count == 0) return 0;
    if (s.hash == hash) return s.count;
  }
}

void CountTable::Resize(size_t capacity) {
  std::vector<Slot> old = std::move(slots_);
  slots_.assign(capacity, Slot{});
  const size_t mask = capacity - 1;
  for (const Slot& s : old) {
    if (s.count == 0) continue;
    size_t i = Home(s.hash);
    while (slots_[i].count != 0) i = (i + 1) & mask;
    slots_[i] = s;
  }
}

void CountTable::Increment(uint64_t hash) {
  if ((size_ + 1) * 2 > slots_.size()) Resize(std::max<size_t>(64, slots_.size() * 2));
  const size_t mask = slots_.size() - 1;
  for (size_t i = Home(hash);; i = (i + 1) & mask) {
    Slot& s = slots_[i];
    if (s.count == 0) {
      s = Slot{hash, 1};
      ++size_;
      return;
    }
    if (s.hash == hash) {
      ++s.count;
      return;
    }
  }
}

void CountTable::Decrement(uint64_t hash) {
  if (size_ == 0) return;
  const size_t mask = slots_.size() - 1;
  size_t i = Home(hash);
  for (;; i = (i + 1) & mask) {
    if (slots_[i].count == 0) return;  // absent
    if (slots_[i].hash == hash) break;
  }
  if (--slots_[i].count > 0) return;
  // Backward-shift deletion: pull later entries of the probe run into the hole unless their
  // home lies cyclically in (hole, their position].
  for (size_t j = (i + 1) & mask; slots_[j].count != 0; j = (j + 1) & mask) {
    size_t home = Home(slots_[j].hash);
    bool stays = i <= j ? (i < home && home <= j) : (i < home || home <= j);
    if (stays) continue;
    slots_[i] = slots_[j];
    i = j;
  }
  slots_[i] = Slot{};
  --size_;
  if (slots_.size() > 64 && size_ * 8 < slots_.size()) Resize(slots_.size() / 2);
}

void DocumentFrequencies::Add(const Doc& doc) {
  ++docs_;
  ++docs_by_lang_[doc.lang];
  for (const Feature& f : doc.terms) terms_.Increment(f.hash);
  for (const Key& k : doc.keys) keys_.Increment(k.hash);
}

void DocumentFrequencies::Remove(const Doc& doc) {
  --docs_;
  auto lang = docs_by_lang_.find(doc.lang);
  if (lang != docs_by_lang_.end() && --lang->second <= 0) docs_by_lang_.erase(lang);
  for (const Feature& f : doc.terms) terms_.Decrement(f.hash);
  for (const Key& k : doc.keys) keys_.Decrement(k.hash);
}

double DocumentFrequencies::TermIdf(uint64_t hash, std::string_view lang) const {
  auto it = docs_by_lang_.find(std::string(lang));
  return Idf(terms_, hash, it == docs_by_lang_.end() ? 0 : it->second, prior_docs_);
}
int64_t DocumentFrequencies::LanguageDocs(std::string_view lang) const {
  auto it = docs_by_lang_.find(std::string(lang));
  return it == docs_by_lang_.end() ? 0 : it->second;
}
double DocumentFrequencies::TermIdfIn(uint64_t hash, int64_t language_docs) const {
  return Idf(terms_, hash, language_docs, prior_docs_);
}
double DocumentFrequencies::KeyIdf(uint64_t hash) const {
  return Idf(keys_, hash, docs_, prior_docs_);
}
int64_t DocumentFrequencies::KeyDf(uint64_t hash) const { return keys_.Get(hash); }

double DocSimilarity(const Doc& a, const Doc& b, const DocumentFrequencies& df,
                     const SimilarityParams& params) {
  thread_local std::vector<Weighted> va, vb;
  const PairShape shape = ShapeOf(a, b, params);
  const bool same = shape.same;
  Vectorize(a, DirectIdf{df, same ? df.LanguageDocs(a.lang) : 0}, params, same, shape.consonant,
            shape.idf_power, nullptr, va);
  Vectorize(b, DirectIdf{df, same ? df.LanguageDocs(b.lang) : 0}, params, same, shape.consonant,
            shape.idf_power, nullptr, vb);
  return VectorSimilarity(va, vb, params, shape);
}

SimilarityPrep PrepareSimilarity(const Doc& doc) {
  SimilarityPrep prep;
  if (doc.keys.size() > UINT16_MAX) return prep;  // no shortcuts; DocSimilarity's own path
  auto by_hash = [](const auto& x, const auto& y) { return x.hash < y.hash; };
  auto strictly_sorted = [&](const auto& v) {
    return std::adjacent_find(v.begin(), v.end(), [&](const auto& x, const auto& y) {
             return !by_hash(x, y);
           }) == v.end();
  };
  prep.sorted = strictly_sorted(doc.terms) && strictly_sorted(doc.keys);
  prep.lang_hash = std::hash<std::string>{}(doc.lang);
  if (doc.keys.size() <= SimilarityPrep::kInlineKeys) {
    prep.inline_keys = static_cast<uint8_t>(doc.keys.size());
    for (size_t i = 0; i < doc.keys.size(); ++i) {
      prep.keys32[i] = static_cast<uint32_t>(doc.keys[i].hash);
    }
    std::sort(prep.keys32.begin(), prep.keys32.begin() + prep.inline_keys);
  }
  prep.key_order.resize(doc.keys.size());
  for (size_t i = 0; i < doc.keys.size(); ++i) prep.key_order[i] = static_cast<uint16_t>(i);
  std::sort(prep.key_order.begin(), prep.key_order.end(), [&](uint16_t x, uint16_t y) {
    return (doc.keys[x].hash ^ kKeyVectorSalt) < (doc.keys[y].hash ^ kKeyVectorSalt);
  });
  return prep;
}

namespace {

// hash -> IDF for one batch: an open-addressing table emptied in O(1) by a generation stamp.
// Holds at most the distinct features of one batch; grows by doubling.
class IdfMemo {
 public:
  void Clear() {
    if (++generation_ == 0) {  // wrapped: forget every stamp
      for (Slot& s : slots_) s.generation = 0;
      generation_ = 1;
    }
    used_ = 0;
  }
  template <class Compute>
  double Get(uint64_t hash, Compute&& compute) {
    if ((used_ + 1) * 2 > slots_.size()) Grow();
    const size_t mask = slots_.size() - 1;
    for (size_t i = Spread(hash) & mask;; i = (i + 1) & mask) {
      Slot& s = slots_[i];
      if (s.generation != generation_) {
        s = Slot{hash, generation_, compute(hash)};
        ++used_;
        return s.idf;
      }
      if (s.hash == hash) return s.idf;
    }
  }

 private:
  struct Slot {
    uint64_t hash = 0;
    uint32_t generation = 0;
    double idf = 0;
  };
  static size_t Spread(uint64_t h) {
    return static_cast<size_t>((h ^ (h >> 29)) * 0x9e3779b97f4a7c15ULL >> 20);
  }
  void Grow() {
    std::vector<Slot> old = std::move(slots_);
    slots_.assign(std::max<size_t>(256, old.size() * 2), Slot{});
    const size_t mask = slots_.size() - 1;
    for (const Slot& s : old) {
      if (s.generation != generation_) continue;
      size_t i = Spread(s.hash) & mask;
      while (slots_[i].generation == generation_) i = (i + 1) & mask;
      slots_[i] = s;
    }
  }
  std::vector<Slot> slots_;
  uint32_t generation_ = 1;
  size_t used_ = 0;
};

// IDFs through the batch's memo (the same values as DirectIdf).
struct MemoIdf {
  const DocumentFrequencies& df;
  int64_t language_docs;
  IdfMemo& terms;
  IdfMemo& keys;
  double Term(uint64_t h) const {
    return terms.Get(h, [&](uint64_t x) { return df.TermIdfIn(x, language_docs); });
  }
  double Key(uint64_t h) const {
    return keys.Get(h, [&](uint64_t x) { return df.KeyIdf(x); });
  }
};

}  // namespace

struct SimilarityBatch::Impl {
  const DocumentFrequencies& df;
  const SimilarityParams& params;
  const Doc* a = nullptr;
  const SimilarityPrep* a_prep = nullptr;
  int64_t a_language_docs = 0;
  // a's vectors: [0..1] same language (by consonant), [2..5] keys only (consonant, long).
  std::vector<Weighted> a_vectors[6];
  bool a_built[6] = {};
  bool a_unique[6] = {};           // the vector's hashes are distinct
  std::vector<uint64_t> a_hashes;  // every hash a's same-language vectors can hold, sorted
  std::vector<Weighted> b_vector;
  IdfMemo term_idf, key_idf;

  // True when the preps alone show b to be of another language than a and to share fewer
  // keys with it than a cross-language link needs (DocSimilarity is then 0). Reads no Doc.
  bool CrossTooFewKeys(const SimilarityPrep& prep) const;
  // True when b cannot score above 0 against a (see the definition).
  bool SharesTooLittle(const Doc& b, const SimilarityPrep& prep, bool same) const;
  // a's vector for one kind of comparison, built on first use in the batch.
  const std::vector<Weighted>& AVector(bool same, bool consonant, bool long_texts,
                                       double idf_power);

  Impl(const DocumentFrequencies& f, const SimilarityParams& p) : df(f), params(p) {}
};

SimilarityBatch::SimilarityBatch(const DocumentFrequencies& df, const SimilarityParams& params)
    : impl_(std::make_unique<Impl>(df, params)) {}
SimilarityBatch::~SimilarityBatch() = default;

void SimilarityBatch::Begin(const Doc& a, const SimilarityPrep& prep) {
  Impl& m = *impl_;
  m.a = &a;
  m.a_prep = &prep;
  m.a_language_docs = m.df.LanguageDocs(a.lang);
  for (bool& b : m.a_built) b = false;
  for (bool& b : m.a_unique) b = false;
  m.term_idf.Clear();
  m.key_idf.Clear();
  m.a_hashes.clear();
  for (const Feature& f : a.terms) m.a_hashes.push_back(f.hash);
  for (const Key& k : a.keys) m.a_hashes.push_back(k.hash ^ kKeyVectorSalt);
  std::sort(m.a_hashes.begin(), m.a_hashes.end());
}

namespace {

// Common hashes of two sorted sequences, counting up to `enough`.
template <class A, class B, class HashA, class HashB>
int CountCommon(const A& a, const B& b, HashA ha, HashB hb, int enough) {
  int n = 0;
  size_t i = 0, j = 0;
  while (i < a.size() && j < b.size() && n < enough) {
    uint64_t x = ha(a[i]), y = hb(b[j]);
    if (x < y) {
      ++i;
    } else if (y < x) {
      ++j;
    } else {
      ++n;
      ++i;
      ++j;
    }
  }
  return n;
}

}  // namespace

// Exact shortcut: the entries both vectors hold are at most the hashes both documents have.
// No common entry makes the dot product, and so the similarity, 0; across languages, fewer
// shared keys than min_shared_keys_cross make DocSimilarity return 0.
bool SimilarityBatch::Impl::SharesTooLittle(const Doc& b, const SimilarityPrep& prep,
                                            bool same) const {
  if (!a_prep->sorted || !prep.sorted) return false;
  auto key_hash = [](const Key& k) { return k.hash; };
  if (same) {
    auto self = [](uint64_t h) { return h; };
    auto term_hash = [](const Feature& f) { return f.hash; };
    auto salted = [&](uint16_t i) { return b.keys[i].hash ^ kKeyVectorSalt; };
    return CountCommon(a_hashes, b.terms, self, term_hash, 1) == 0 &&
           CountCommon(a_hashes, prep.key_order, self, salted, 1) == 0;
  }
  const int need = params.min_shared_keys_cross;
  return need > 0 && CountCommon(a->keys, b.keys, key_hash, key_hash, need) < need;
}

bool SimilarityBatch::Impl::CrossTooFewKeys(const SimilarityPrep& prep) const {
  const int need = params.min_shared_keys_cross;
  if (need <= 0 || prep.lang_hash == a_prep->lang_hash || prep.inline_keys == UINT8_MAX ||
      a_prep->inline_keys == UINT8_MAX) {
    return false;
  }
  // Every key both documents hold gives a common low half, so this count is never below
  // the number of shared keys.
  auto self = [](uint32_t x) { return x; };
  std::span<const uint32_t> x(a_prep->keys32.data(), a_prep->inline_keys);
  std::span<const uint32_t> y(prep.keys32.data(), prep.inline_keys);
  return CountCommon(x, y, self, self, need) < need;
}

const std::vector<Weighted>& SimilarityBatch::Impl::AVector(bool same, bool consonant,
                                                            bool long_texts, double idf_power) {
  const size_t variant =
      same ? (consonant ? 1 : 0) : 2 + (consonant ? 2 : 0) + (long_texts ? 1 : 0);
  std::vector<Weighted>& va = a_vectors[variant];
  if (!a_built[variant]) {
    Vectorize(*a, MemoIdf{df, a_language_docs, term_idf, key_idf}, params, same, consonant,
              idf_power, a_prep, va);
    a_built[variant] = true;
    a_unique[variant] = std::adjacent_find(va.begin(), va.end(), [](const auto& x, const auto& y) {
                          return x.hash == y.hash;
                        }) == va.end();
  }
  return va;
}

double SimilarityBatch::UpperBound(const Doc& b, const SimilarityPrep& prep) {
  constexpr double kUnbounded = std::numeric_limits<double>::infinity();
  Impl& m = *impl_;
  if (m.CrossTooFewKeys(prep)) return 0;
  const Doc& a = *m.a;
  const SimilarityParams& p = m.params;
  if (!m.a_prep->sorted || !prep.sorted || prep.key_order.size() != b.keys.size()) {
    return kUnbounded;
  }
  const PairShape shape = ShapeOf(a, b, p);
  const bool same = shape.same;
  const bool consonant = shape.consonant;
  const bool long_texts = shape.long_texts;
  const double idf_power = shape.idf_power;
  const bool with_terms = same;
  // (Within one language, the walk below finds a lack of shared entries by itself.)
  if (!same && m.SharesTooLittle(b, prep, same)) return 0;
  // b's vector must hold all of b's entries (no trimming) for the bound below.
  if (with_terms && p.max_terms != 0 && b.terms.size() > p.max_terms) return kUnbounded;
  if (p.max_keys != 0 && b.keys.size() > p.max_keys) {  // else nothing to trim
    size_t keys = 0;
    for (const Key& k : b.keys) keys += KeyInVector(k, consonant) ? 1 : 0;
    if (keys > p.max_keys) return kUnbounded;
  }
  const size_t variant_index =
      same ? (consonant ? 1 : 0) : 2 + (consonant ? 2 : 0) + (long_texts ? 1 : 0);
  const std::vector<Weighted>& va = m.AVector(same, consonant, long_texts, idf_power);
  if (!m.a_unique[variant_index]) return kUnbounded;

  // Walk b's vector entries in hash order (terms merged with keys, as Vectorize files them)
  // and weigh only those a also holds: the exact dot product, and the part of b's squared
  // norm that the shared entries make up (a lower bound of the whole).
  const MemoIdf idfs{m.df, m.a_language_docs, m.term_idf, m.key_idf};
  const double mix = with_terms ? p.key_mix : 1.0;
  double dot = 0, nb_shared = 0;
  int shared = 0, specific = 0;
  size_t ia = 0;
  auto meet = [&](uint64_t h, auto weigh) {
    while (ia < va.size() && va[ia].hash < h) ++ia;
    if (ia == va.size() || va[ia].hash != h) return;
    const Weighted w = weigh();
    dot += va[ia].w * w.w;
    nb_shared += w.w * w.w;
    if (va[ia].w > 0 && w.w > 0) {
      ++shared;
      if (va[ia].specific && va[ia].idf >= p.min_specific_idf) ++specific;
    }
    ++ia;
  };
  const size_t nt = with_terms ? b.terms.size() : 0;
  size_t i = 0;
  uint64_t last = 0;
  bool first = true;
  auto order = [&](uint64_t h) {  // b's hashes must be distinct, as in the exact vector
    bool ok = first || h > last;
    first = false;
    last = h;
    return ok;
  };
  auto term = [&](const Feature& f) {
    return [&f, &p, &idfs] {
      return Weighted{f.hash, Tf(f.weight, p.term_tf_mode) * idfs.Term(f.hash), false, 0};
    };
  };
  for (uint16_t j : prep.key_order) {
    const Key& k = b.keys[j];
    if (!KeyInVector(k, consonant)) continue;
    const uint64_t kh = k.hash ^ kKeyVectorSalt;
    for (; i < nt && b.terms[i].hash <= kh; ++i) {
      if (!order(b.terms[i].hash)) return kUnbounded;
      meet(b.terms[i].hash, term(b.terms[i]));
    }
    if (!order(kh)) return kUnbounded;
    meet(kh, [&] {
      double kind = KindWeight(k.kind, p);
      if (!with_terms && k.kind == KeyKind::kExonym) kind = p.cross_exonym_weight;
      double idf = idfs.Key(k.hash);
      double rarity = with_terms || idf_power == 1.0 ? idf : std::pow(idf, idf_power);
      return Weighted{kh, mix * kind * Tf(k.weight, p.key_tf_mode) * rarity, false, idf};
    });
  }
  for (; i < nt; ++i) {
    if (!order(b.terms[i].hash)) return kUnbounded;
    meet(b.terms[i].hash, term(b.terms[i]));
  }
  if (!same && (shared < p.min_shared_keys_cross || specific < p.min_specific_keys_cross)) {
    return 0;  // DocSimilarity's own rule, decided by the shared entries alone
  }
  double na = 0;
  for (const Weighted& x : va) na += x.w * x.w;
  if (dot <= 0 || na <= 0 || nb_shared <= 0) return 0;  // no shared weight: similarity 0
  const double overlap_mix = shape.overlap_mix;
  // nb >= nb_shared, and both terms of the similarity fall as nb grows.
  double bound = std::min(1.0, dot / std::sqrt(na * nb_shared));
  if (overlap_mix > 0) {
    bound = (1 - overlap_mix) * bound + overlap_mix * std::min(1.0, dot / std::min(na, nb_shared));
  }
  return bound * (1 + 1e-9) + 1e-12;  // room for rounding
}

double SimilarityBatch::Score(const Doc& b, const SimilarityPrep& prep) {
  Impl& m = *impl_;
  if (m.CrossTooFewKeys(prep)) return 0;
  const Doc& a = *m.a;
  const SimilarityParams& params = m.params;
  const PairShape shape = ShapeOf(a, b, params);

  if (m.SharesTooLittle(b, prep, shape.same)) return 0;

  const std::vector<Weighted>& va =
      m.AVector(shape.same, shape.consonant, shape.long_texts, shape.idf_power);
  // Terms enter only same-language vectors, so b's terms count against a's language.
  Vectorize(b, MemoIdf{m.df, m.a_language_docs, m.term_idf, m.key_idf}, params, shape.same,
            shape.consonant, shape.idf_power, &prep, m.b_vector);
  return VectorSimilarity(va, m.b_vector, params, shape);
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
