// File: detect/clusterer.h
//
// Clusterer: online clustering of analyzed documents into stories. For each new document,
// candidates come from an inverted index over its terms and keys (features too common to
// discriminate are skipped); each candidate story is scored by its best-matching member with
// the weighted similarity, decayed with the time between the two documents, against a
// threshold for same-language and one for cross-language links. The document joins the
// best story whose score clears its threshold, else starts a new story. Near-identical
// copies (word 4-gram Jaccard) are marked syndicated and do not count as another source.
// Keeps streaming document frequencies over the window. Not thread-safe: one owner.
#pragma once

#include <map>
#include <memory>
#include <optional>
#include <unordered_map>
#include <vector>

#include "core/story.h"
#include "detect/doc.h"
#include "detect/engine.h"
#include "detect/similarity.h"
#include "detect/sketch_index.h"

namespace babelwatch::detect {

struct ClusterParams {
  double same_threshold = 0.35;   // similarity for a link between documents of one language
  double cross_threshold = 0.17;  // ... of two languages
  double decay_hours = 24;        // similarity × 1 / (1 + Δt / decay)
  double cross_decay_hours = 6;   // the same for cross-language links (0 = decay_hours)
  double syndication_jaccard = 0.5;
  size_t max_posting = 400;     // features in more documents are not used for candidates
  size_t max_candidates = 300;  // documents verified per new document
  size_t summary_keys = 8;
  // A story's score is the mean of its link_k best member scores (1 = single link); a story
  // with fewer members averages what it has.
  size_t link_k = 2;
  // Where candidates come from: the LSH sketch index over MinHash signatures, and an inverted
  // index over the documents' discriminating keys and terms (LSH alone misses most
  // cross-language pairs of headlines, see docs/QUALITY.md).
  // Members of one story compared with a new document: its most recent ones (bounds the work
  // per document when a story grows to thousands of members).
  size_t max_members_scored = 64;
  double idf_prior_docs = 50;  // pseudo-documents of the IDF prior (DocumentFrequencies)
  // Also compare a document in a language new to a story with the story's summed keys (its
  // key centroid), against the cross-language threshold.
  bool use_centroid = true;
  // The same for a document in a language the story has, once the story has
  // centroid_same_min_members members, against centroid_same_threshold (0 = off): a headline
  // naming what a story's documents name joins it though no single member says enough.
  size_t centroid_same_min_members = 3;
  double centroid_same_threshold = 0.27;
  bool use_sketch_index = true;
  bool use_inverted_index = true;
};

class Clusterer {
 public:
  // index: options of the sketch index (bands * rows must be the signature length of the
  // documents given to Add; validated by Engine::Create).
  Clusterer(const ClusterParams& params, const SimilarityParams& sim,
            const SketchIndex::Options& index);
  ~Clusterer();

  Assignment Add(std::shared_ptr<const Doc> doc);
  // Drops documents published before cutoff_ms, and stories left with none.
  void ExpireBefore(int64_t cutoff_ms);

  [[nodiscard]] std::optional<StorySummary> Summary(StoryId id) const;
  [[nodiscard]] std::vector<StorySummary> Summaries() const;
  [[nodiscard]] double Similarity(const Doc& a, const Doc& b) const;

  // Document frequencies over the window (eval-pairs adds its corpus through these).
  DocumentFrequencies& frequencies() { return df_; }
  [[nodiscard]] size_t documents() const { return live_docs_; }
  // The sketch index's memory (signatures and postings) and whole slices it expired.
  [[nodiscard]] size_t index_bytes() const { return index_ ? index_->Bytes() : 0; }
  [[nodiscard]] uint64_t index_evictions() const { return index_ ? index_->Evictions() : 0; }

 private:
  struct Entry {
    std::shared_ptr<const Doc> doc;
    SimilarityPrep prep;  // PrepareSimilarity(*doc)
    StoryId story = 0;
    bool syndicated = false;
  };
  // Slots of the documents holding one feature, ascending (slots are handed out in
  // increasing order). Expiry mostly removes the oldest, so the front is dropped by moving
  // `head` and compacted once it is half the vector.
  struct Posting {
    std::vector<uint32_t> slots;
    size_t head = 0;
    [[nodiscard]] size_t size() const { return slots.size() - head; }
  };
  // A FIFO of entries in one power-of-two ring (index arithmetic is a mask, the entries are
  // contiguous). Grows by doubling, halves when a quarter full.
  class EntryRing {
   public:
    [[nodiscard]] size_t size() const { return count_; }
    [[nodiscard]] bool empty() const { return count_ == 0; }
    Entry& operator[](size_t i) { return ring_[(head_ + i) & (ring_.size() - 1)]; }
    Entry& front() { return ring_[head_]; }
    void push_back(Entry e);
    void pop_front();

   private:
    void Resize(size_t capacity);
    std::vector<Entry> ring_;
    size_t head_ = 0;
    size_t count_ = 0;
  };
  // slot -> shared features of the current document: open addressing, emptied per document
  // in O(slots touched).
  class SlotCounts {
   public:
    void Clear();
    void Add(uint32_t slot, int n);
    // (count, slot) of every slot counted, in no particular order.
    [[nodiscard]] const std::vector<std::pair<int, uint32_t>>& entries() const { return entries_; }

   private:
    void Grow();
    std::vector<uint32_t> table_;  // index into entries_ + 1; 0 = empty
    std::vector<std::pair<int, uint32_t>> entries_;
  };
  struct StoryState {
    StorySummary summary;
    std::vector<uint32_t> members;                 // slots still in the window
    std::map<std::string, int> independent;        // source -> non-syndicated documents
    std::unordered_map<std::string, double> keys;  // readable key -> accumulated weight
    std::unordered_map<uint64_t, Key> centroid;    // key hash -> summed key (weights added)
    // The centroid as a keys-only document for the similarity (key texts left empty), built
    // when first needed after the centroid changed.
    std::unique_ptr<Doc> centroid_doc;
    SimilarityPrep centroid_prep;
  };

  double Decay(int64_t a_ms, int64_t b_ms, bool cross = false) const;
  void Index(uint32_t slot, const Doc& doc);
  void Unindex(uint32_t slot, const Doc& doc);
  void Refresh(StoryState& s) const;
  void DropFromPosting(uint64_t feature, uint32_t slot);
  // The entry of a document in the window; nullptr for an expired or unknown slot.
  Entry* Find(uint32_t slot);

  // Constant after construction.
  const ClusterParams params_;
  const SimilarityParams sim_;
  const std::unique_ptr<SketchIndex> index_;

  DocumentFrequencies df_;
  uint32_t next_slot_ = 0;
  StoryId next_story_ = 1;
  // Entries by slot: docs_[slot - first_slot_]. Slots are handed out in increasing order and
  // mostly expire in that order; an expired entry keeps its place (doc == nullptr) until
  // every older one has expired too.
  EntryRing docs_;
  uint32_t first_slot_ = 0;
  size_t live_docs_ = 0;
  std::multimap<int64_t, uint32_t> by_time_;
  std::unordered_map<uint64_t, Posting> postings_;
  std::unordered_map<StoryId, StoryState> stories_;  // Summaries() sorts by id
  // Scratch reused by Add (kept to avoid allocating per document).
  SimilarityBatch batch_;
  SlotCounts shared_;
  std::vector<uint64_t> sketch_ids_;
};

}  // namespace babelwatch::detect
