#include "detect/clusterer.h"

#include <algorithm>
#include <cmath>

namespace babelwatch::detect {

namespace {

constexpr uint64_t kKeySalt = 0x9ddfea08eb382d69ULL;  // keeps key and term hashes apart

}  // namespace

Clusterer::Clusterer(const ClusterParams& params, const SimilarityParams& sim,
                     const SketchIndex::Options& index)
    : params_(params),
      sim_(sim),
      index_(std::make_unique<SketchIndex>(index)),
      df_(params.idf_prior_docs),
      batch_(df_, sim_) {}

Clusterer::~Clusterer() = default;

double Clusterer::Decay(int64_t a_ms, int64_t b_ms, bool cross) const {
  double hours = std::abs(static_cast<double>(a_ms - b_ms)) / 3.6e6;
  double scale =
      cross && params_.cross_decay_hours > 0 ? params_.cross_decay_hours : params_.decay_hours;
  if (scale <= 0) return 1.0;
  return 1.0 / (1.0 + hours / scale);
}

double Clusterer::Similarity(const Doc& a, const Doc& b) const {
  return DocSimilarity(a, b, df_, sim_);
}

void Clusterer::SlotCounts::Clear() {
  for (const auto& [n, slot] : entries_) {
    size_t mask = table_.size() - 1;
    size_t i = (slot * 0x9e3779b1u) & mask;
    while (table_[i] != 0) {
      // Clearing every slot of the probe chain is enough: all were set in this round.
      table_[i] = 0;
      i = (i + 1) & mask;
    }
  }
  entries_.clear();
}

void Clusterer::SlotCounts::Grow() {
  table_.assign(std::max<size_t>(1024, table_.size() * 2), 0);
  const size_t mask = table_.size() - 1;
  for (size_t e = 0; e < entries_.size(); ++e) {
    size_t i = (entries_[e].second * 0x9e3779b1u) & mask;
    while (table_[i] != 0) i = (i + 1) & mask;
    table_[i] = static_cast<uint32_t>(e + 1);
  }
}

void Clusterer::SlotCounts::Add(uint32_t slot, int n) {
  if ((entries_.size() + 1) * 2 > table_.size()) Grow();
  const size_t mask = table_.size() - 1;
  for (size_t i = (slot * 0x9e3779b1u) & mask;; i = (i + 1) & mask) {
    if (table_[i] == 0) {
      entries_.emplace_back(n, slot);
      table_[i] = static_cast<uint32_t>(entries_.size());
      return;
    }
    auto& e = entries_[table_[i] - 1];
    if (e.second == slot) {
      e.first += n;
      return;
    }
  }
}

void Clusterer::EntryRing::Resize(size_t capacity) {
  std::vector<Entry> grown(capacity);
  for (size_t i = 0; i < count_; ++i) grown[i] = std::move((*this)[i]);
  ring_ = std::move(grown);
  head_ = 0;
}

void Clusterer::EntryRing::push_back(Entry e) {
  if (count_ == ring_.size()) Resize(std::max<size_t>(1024, ring_.size() * 2));
  ring_[(head_ + count_) & (ring_.size() - 1)] = std::move(e);
  ++count_;
}

void Clusterer::EntryRing::pop_front() {
  ring_[head_] = Entry{};
  head_ = (head_ + 1) & (ring_.size() - 1);
  --count_;
  if (ring_.size() > 1024 && count_ * 4 < ring_.size()) Resize(ring_.size() / 2);
}

Clusterer::Entry* Clusterer::Find(uint32_t slot) {
  uint32_t i = slot - first_slot_;  // wraps for slots below first_slot_: out of range
  if (i >= docs_.size() || docs_[i].doc == nullptr) return nullptr;
  return &docs_[i];
}

void Clusterer::Index(uint32_t slot, const Doc& doc) {
  for (const Feature& f : doc.terms) postings_[f.hash].slots.push_back(slot);
  for (const Key& k : doc.keys) postings_[k.hash ^ kKeySalt].slots.push_back(slot);
}

void Clusterer::DropFromPosting(uint64_t feature, uint32_t slot) {
  auto it = postings_.find(feature);
  if (it == postings_.end()) return;
  Posting& p = it->second;
  auto first = p.slots.begin() + static_cast<long>(p.head);
  auto at = std::lower_bound(first, p.slots.end(), slot);
  if (at == p.slots.end() || *at != slot) return;
  if (at == first) {
    ++p.head;
  } else {
    p.slots.erase(at);
  }
  if (p.size() == 0) {
    postings_.erase(it);
  } else if (p.head * 2 >= p.slots.size()) {
    p.slots.erase(p.slots.begin(), p.slots.begin() + static_cast<long>(p.head));
    p.head = 0;
  }
}

void Clusterer::Unindex(uint32_t slot, const Doc& doc) {
  for (const Feature& f : doc.terms) DropFromPosting(f.hash, slot);
  for (const Key& k : doc.keys) DropFromPosting(k.hash ^ kKeySalt, slot);
}

Assignment Clusterer::Add(std::shared_ptr<const Doc> doc) {
  const Doc& d = *doc;
  df_.Add(d);

  // Candidate documents: those sharing a discriminating feature, most shared first.
  shared_.Clear();
  auto collect = [&](uint64_t h) {
    auto it = postings_.find(h);
    if (it == postings_.end() || it->second.size() > params_.max_posting) return;
    const Posting& p = it->second;
    for (size_t i = p.head; i < p.slots.size(); ++i) shared_.Add(p.slots[i], 1);
  };
  if (params_.use_inverted_index) {
    for (const Feature& f : d.terms) collect(f.hash);
    for (const Key& k : d.keys) collect(k.hash ^ kKeySalt);
  }
  if (params_.use_sketch_index && !d.signature.empty()) {
    index_->Query(d.signature, &sketch_ids_);
    for (uint64_t id : sketch_ids_) {
      if (Find(static_cast<uint32_t>(id)) != nullptr) shared_.Add(static_cast<uint32_t>(id), 1);
    }
  }
  // The candidate set does not depend on the order of `cands`: all of them, or the first
  // max_candidates by (count desc, slot asc), a total order.
  std::vector<std::pair<int, uint32_t>> cands = shared_.entries();
  if (cands.size() > params_.max_candidates) {
    std::partial_sort(cands.begin(), cands.begin() + static_cast<long>(params_.max_candidates),
                      cands.end(), [](const auto& a, const auto& b) {
                        return a.first != b.first ? a.first > b.first : a.second < b.second;
                      });
    cands.resize(params_.max_candidates);
  }

  // Score every member of each candidate story, relative to the threshold that applies;
  // a story scores the mean of its link_k best members.
  // The result does not depend on the order of by_story either: each story's scores are in
  // member order, and ties between stories go to the lower id.
  SimilarityPrep prep = PrepareSimilarity(d);
  batch_.Begin(d, prep);
  //
  // A story is chosen only if its score (a mean of member ratios, each of them s / threshold)
  // reaches 1, so only if one member or the centroid reaches 1. Each story's members are
  // first bounded (SimilarityBatch::UpperBound, exact shared part); a story none of whose
  // members can reach 1 is left out without computing its exact scores, which cannot change
  // the choice (the best story counts only when its score reaches 1).
  struct Scored {
    std::vector<std::pair<double, double>> scores;  // ratio, sim
    bool possible = false;
  };
  std::unordered_map<StoryId, Scored> by_story;
  for (const auto& [n, slot] : cands) by_story.try_emplace(Find(slot)->story);
  constexpr double kMargin = 1e-9;  // bounds are compared with room for rounding
  for (auto& [story, scored] : by_story) {
    StoryState& st = stories_.at(story);
    const std::vector<uint32_t>& members = st.members;
    size_t first = members.size() > params_.max_members_scored
                       ? members.size() - params_.max_members_scored
                       : 0;
    // The centroid (the story's summed keys): a story new to the document's language is
    // compared with it from 2 members, against the cross threshold; a story already in the
    // language only once it has a few members (a pair's summed keys are no profile), against
    // its own threshold.
    bool use_centroid = false;
    double centroid_s = 0, centroid_ratio = 0;
    double centroid_threshold = params_.cross_threshold;
    if (params_.use_centroid && params_.cross_threshold > 0) {
      bool has_lang = std::any_of(st.summary.languages.begin(), st.summary.languages.end(),
                                  [&](const StoryLanguage& l) { return l.lang == d.lang; });
      if (has_lang) {
        use_centroid = params_.centroid_same_threshold > 0 &&
                       members.size() >= params_.centroid_same_min_members;
        centroid_threshold = params_.centroid_same_threshold;
      } else {
        use_centroid = members.size() >= 2;
      }
    }
    if (use_centroid) {
      if (st.centroid_doc == nullptr) {
        auto centroid = std::make_unique<Doc>();
        centroid->lang = "\x1f";  // never equal to a language: keys-only comparison
        // The similarity reads no key text: copy hash, weight and kind only.
        centroid->keys.reserve(st.centroid.size());
        for (const auto& [h, k] : st.centroid) {
          centroid->keys.push_back(Key{k.hash, k.weight, k.kind, std::string()});
        }
        std::sort(centroid->keys.begin(), centroid->keys.end(),
                  [](const Key& x, const Key& y) { return x.hash < y.hash; });
        st.centroid_prep = PrepareSimilarity(*centroid);
        st.centroid_doc = std::move(centroid);
      }
      centroid_s = batch_.Score(*st.centroid_doc, st.centroid_prep) *
                   Decay(d.published_ms, st.summary.last_seen_ms, true);
      centroid_ratio = centroid_s / centroid_threshold;
      scored.possible = centroid_ratio >= 1 - kMargin;
    }
    for (size_t mi = first; mi < members.size() && !scored.possible; ++mi) {
      const Entry& e = *Find(members[mi]);
      const Doc& other = *e.doc;
      double bound = batch_.UpperBound(other, e.prep);  // 0 for most, without reading other
      if (bound <= 0) continue;
      double th = other.lang == d.lang ? params_.same_threshold : params_.cross_threshold;
      if (th <= 0) continue;  // ratio 0
      bound *= Decay(d.published_ms, other.published_ms, other.lang != d.lang);
      scored.possible = bound / th >= 1 - kMargin;
    }
    if (!scored.possible) continue;
    for (size_t mi = first; mi < members.size(); ++mi) {
      const Entry& e = *Find(members[mi]);
      const Doc& other = *e.doc;
      double s = batch_.Score(other, e.prep) *
                 Decay(d.published_ms, other.published_ms, other.lang != d.lang);
      double th = other.lang == d.lang ? params_.same_threshold : params_.cross_threshold;
      scored.scores.emplace_back(th > 0 ? s / th : 0, s);
    }
    if (use_centroid) {
      // Counts as link_k matches, so it can carry the story's mean on its own.
      for (size_t k = 0; k < std::max<size_t>(params_.link_k, 1); ++k) {
        scored.scores.emplace_back(centroid_ratio, centroid_s);
      }
    }
  }
  StoryId best_story = 0;
  double best_ratio = 0, best_sim = 0;
  for (auto& [story, scored] : by_story) {
    if (!scored.possible) continue;  // its score is below 1
    auto& scores = scored.scores;
    size_t k = std::min(std::max<size_t>(params_.link_k, 1), scores.size());
    std::partial_sort(scores.begin(), scores.begin() + static_cast<long>(k), scores.end(),
                      [](const auto& x, const auto& y) { return x.first > y.first; });
    double ratio = 0, sim = 0;
    for (size_t i = 0; i < k; ++i) {
      ratio += scores[i].first / static_cast<double>(k);
      sim += scores[i].second / static_cast<double>(k);
    }
    if (ratio > best_ratio || (ratio == best_ratio && story < best_story)) {
      best_ratio = ratio;
      best_story = story;
      best_sim = sim;
    }
  }

  Assignment a;
  a.lang = d.lang;
  uint32_t slot = next_slot_++;
  if (best_story != 0 && best_ratio >= 1.0) {
    a.story = best_story;
    a.similarity = best_sim;
    // Syndication: a near-identical copy of a document already in the story.
    StoryState& st = stories_.at(best_story);
    for (uint32_t m : st.members) {
      if (ShingleJaccard(d, *Find(m)->doc) >= params_.syndication_jaccard) {
        a.syndicated = true;
        break;
      }
    }
  } else {
    a.story = next_story_++;
    a.new_story = true;
    StoryState st;
    st.summary.id = a.story;
    st.summary.first_seen_ms = d.published_ms;
    st.summary.last_seen_ms = d.published_ms;
    stories_.emplace(a.story, std::move(st));
  }

  StoryState& st = stories_.at(a.story);
  StorySummary& sum = st.summary;
  sum.first_seen_ms = std::min(sum.first_seen_ms, d.published_ms);
  sum.last_seen_ms = std::max(sum.last_seen_ms, d.published_ms);
  ++sum.documents;
  if (std::find(sum.sources.begin(), sum.sources.end(), d.source) == sum.sources.end()) {
    sum.sources.push_back(d.source);
  }
  if (!a.syndicated) ++st.independent[d.source];
  sum.independent_sources = static_cast<int>(st.independent.size());
  auto lang_it = std::find_if(sum.languages.begin(), sum.languages.end(),
                              [&](const StoryLanguage& l) { return l.lang == d.lang; });
  const double link = a.new_story ? 0.0 : best_ratio;
  if (lang_it == sum.languages.end()) {
    sum.languages.push_back(
        StoryLanguage{d.lang, d.published_ms, d.title, d.source, d.url, link});
  } else {
    double strongest = lang_it->link == 0 || link == 0 ? 0.0 : std::max(lang_it->link, link);
    if (d.published_ms < lang_it->first_seen_ms) {
      *lang_it = StoryLanguage{d.lang, d.published_ms, d.title, d.source, d.url, strongest};
    } else {
      lang_it->link = strongest;
    }
  }
  for (const Key& k : d.keys) {
    auto [c, inserted] = st.centroid.try_emplace(k.hash, k);
    if (!inserted) c->second.weight += k.weight;
  }
  if (!d.keys.empty()) st.centroid_doc.reset();  // rebuilt when next needed
  for (const Key& k : d.keys) {
    if (k.kind == KeyKind::kInternational) continue;
    st.keys[k.text] += std::log1p(k.weight) * df_.KeyIdf(k.hash);
  }
  Refresh(st);
  st.members.push_back(slot);

  if (docs_.empty()) first_slot_ = slot;
  docs_.push_back(Entry{doc, std::move(prep), a.story, a.syndicated});
  ++live_docs_;
  by_time_.emplace(d.published_ms, slot);
  Index(slot, d);
  if (!d.signature.empty()) index_->Insert(slot, d.signature, d.published_ms);
  return a;
}

void Clusterer::Refresh(StoryState& s) const {
  // (weight desc, text asc) is a total order over distinct texts: the same top keys as
  // sorting copies of the texts.
  std::vector<std::pair<double, const std::string*>> top;
  top.reserve(s.keys.size());
  for (const auto& [k, w] : s.keys) top.emplace_back(w, &k);
  size_t n = std::min(params_.summary_keys, top.size());
  std::partial_sort(top.begin(), top.begin() + static_cast<long>(n), top.end(),
                    [](const auto& a, const auto& b) {
                      return a.first != b.first ? a.first > b.first : *a.second < *b.second;
                    });
  s.summary.keys.clear();
  for (size_t i = 0; i < n; ++i) s.summary.keys.push_back(*top[i].second);
}

void Clusterer::ExpireBefore(int64_t cutoff_ms) {
  index_->AdvanceTo(cutoff_ms + index_->options().window_ms);
  while (!by_time_.empty() && by_time_.begin()->first < cutoff_ms) {
    uint32_t slot = by_time_.begin()->second;
    by_time_.erase(by_time_.begin());
    Entry* it = Find(slot);
    if (it == nullptr) continue;
    const Doc& d = *it->doc;
    Unindex(slot, d);
    df_.Remove(d);
    auto st = stories_.find(it->story);
    if (st != stories_.end()) {
      auto& m = st->second.members;
      m.erase(std::remove(m.begin(), m.end(), slot), m.end());
      if (m.empty()) stories_.erase(st);
    }
    *it = Entry{};
    --live_docs_;
    while (!docs_.empty() && docs_.front().doc == nullptr) {
      docs_.pop_front();
      ++first_slot_;
    }
  }
}

std::optional<StorySummary> Clusterer::Summary(StoryId id) const {
  auto it = stories_.find(id);
  if (it == stories_.end()) return std::nullopt;
  return it->second.summary;
}

std::vector<StorySummary> Clusterer::Summaries() const {
  std::vector<StorySummary> out;
  out.reserve(stories_.size());
  for (const auto& [id, s] : stories_) out.push_back(s.summary);
  std::sort(out.begin(), out.end(),
            [](const StorySummary& a, const StorySummary& b) { return a.id < b.id; });
  return out;
}

}  // namespace babelwatch::detect
