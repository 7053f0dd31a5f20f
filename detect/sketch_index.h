// File: detect/sketch_index.h
//
// SketchIndex: the sliding-window LSH index over MinHash signatures. It answers "which
// documents of the last window_ms share at least one band with this signature", the candidate
// set the clusterer then verifies. Time is cut into slices of slice_ms; a document lives in
// the slice of its time, and a whole slice expires at once when it leaves the window.
// Memory is allocated per block of consecutive slices (about 8 blocks per window), each with
// one bucket table, so a query probes ~10 tables instead of one per slice. A block starts as
// large as the block before it came to be and doubles when full, so memory follows use. An
// expired slice disappears from queries and Documents() at once; its memory goes with its
// block.
//
// Threading: thread-safe and lock-free. Insert, Query, QueryNear, AdvanceTo and the counters
// may be called from any number of threads at once; no call takes a lock or waits for another
// thread. Expired blocks are unlinked in O(1) per block and freed by epoch-based reclamation
// once no call that could still see them is running (detect/epoch.h). The destructor must not
// run concurrently with any other call.
// Ownership: signatures are copied in; nothing refers to caller memory after a call returns.
// Errors: Create() returns kInvalidArgument for bad options; Insert() reports a rejected
// document by returning false (and counts it in Rejected()); queries never fail.
//
// Near-duplicates (syndicated copies): build a second SketchIndex over MinHash signatures of
// text shingles with high-threshold banding (e.g. bands = 8, rows = 8: a pair at Jaccard 0.9
// is a candidate with probability 0.99, one at 0.5 with 0.03) and call QueryNear(sig, 0.9).
#pragma once

#include <atomic>
#include <cstddef>
#include <cstdint>
#include <memory>
#include <span>
#include <vector>

#include "core/result.h"
#include "detect/epoch.h"

namespace babelwatch::detect {

class SketchIndex {
 public:
  struct Options {
    int bands = 16;                          // LSH bands; signatures hold bands * rows values
    int rows = 4;                            // values per band
    int64_t slice_ms = 3600LL * 1000;        // granularity of expiry
    int64_t window_ms = 72LL * 3600 * 1000;  // documents older than now - window_ms expire
    uint64_t seed = 0x9e3779b97f4a7c15ULL;   // seeds the band-key hash; tests fix it
    // Sizes a block's first allocation when the block before it is gone (else that block's
    // final size does, plus a quarter); a full allocation is followed by one twice as large.
    size_t expected_docs_per_slice = 64;
    size_t max_docs_per_slice = size_t{1} << 20;  // hard cap: bounds memory under a flood
    // Slices per block of memory; 0 = automatic, ceil(window slices / 8).
    int slices_per_block = 0;
    // Work bound per query: bucket entries walked. Buckets only grow that large when many
    // documents share a band (a flood of near-identical items); a query that reaches the
    // bound returns what it found so far and counts in TruncatedQueries().
    size_t max_postings_per_query = size_t{1} << 18;
  };

  // One result of QueryNear.
  struct Match {
    uint64_t doc_id = 0;
    double jaccard = 0;  // EstimateJaccard(query, stored signature)
  };

  // Validates the options: kInvalidArgument names the field and the expected range
  // ("sketch index: rows = 0, expected 1..64").
  [[nodiscard]] static Result<std::unique_ptr<SketchIndex>> Create(const Options& options);

  // Options must be valid (as Create checks); invalid options are a startup bug and abort
  // with a message on stderr.
  explicit SketchIndex(const Options& options);
  ~SketchIndex();
  SketchIndex(const SketchIndex&) = delete;
  SketchIndex& operator=(const SketchIndex&) = delete;

  [[nodiscard]] const Options& options() const { return options_; }
  // bands * rows: the signature length Insert and Query expect.
  [[nodiscard]] int signature_length() const { return options_.bands * options_.rows; }

  // Indexes doc_id with a copy of signature in the slice of time_ms. Returns false, and
  // indexes nothing, if the signature length is not signature_length(), if it is the empty
  // signature, if time_ms is older than the window (relative to the latest AdvanceTo), or if
  // the slice already holds max_docs_per_slice documents. A time ahead of the latest
  // AdvanceTo is filed into the current slice (it expires with it); times are clamped to
  // +-2^62 ms. Before the first AdvanceTo, the first Insert sets the current time. The same
  // doc_id may be inserted twice; queries report it once.
  bool Insert(uint64_t doc_id, std::span<const uint32_t> signature, int64_t time_ms);

  // Replaces *candidates with the distinct ids of live documents that share at least one
  // band with signature, in no particular order. Empty for a wrong-length or empty signature.
  void Query(std::span<const uint32_t> signature, std::vector<uint64_t>* candidates) const;

  // Replaces *matches with the distinct candidates (as Query) whose stored signature has
  // EstimateJaccard >= min_jaccard with signature, highest first (ties by doc_id).
  void QueryNear(std::span<const uint32_t> signature, double min_jaccard,
                 std::vector<Match>* matches) const;

  // Moves the current time forward to now_ms (never backward) and expires every slice that
  // ends at or before now_ms - window_ms. O(1) per expired slice for the caller; memory is
  // freed here or by a later call once no concurrent call can still read it.
  void AdvanceTo(int64_t now_ms);

  // Documents in live slices.
  [[nodiscard]] size_t Documents() const;
  // Bytes allocated for live blocks and for expired ones not yet freed (signatures, postings,
  // bucket tables, ids, slice numbers): an upper bound of the resident memory of the index.
  [[nodiscard]] size_t Bytes() const;
  // Documents removed by expiry so far (counted when their block's memory is freed).
  [[nodiscard]] uint64_t Evictions() const;
  // Insert calls that returned false.
  [[nodiscard]] uint64_t Rejected() const;
  // Query/QueryNear calls that stopped at max_postings_per_query (a degraded answer).
  [[nodiscard]] uint64_t TruncatedQueries() const;
  // The current time (latest AdvanceTo or the first Insert); INT64_MIN before either.
  [[nodiscard]] int64_t Now() const;

 private:
  struct Segment;
  struct Block;
  struct Retired;

  int64_t SliceNumber(int64_t time_ms) const;
  int64_t FirstLiveSlice(int64_t now_ms) const;
  int64_t BlockOf(int64_t slice) const;
  void BandKeys(std::span<const uint32_t> signature, uint64_t* keys) const;
  Block* BlockForInsert(int64_t block_number, int64_t first_live);
  bool InsertIntoBlock(Block* block, int64_t slice, uint64_t doc_id,
                       std::span<const uint32_t> signature, const uint64_t* keys);
  // Calls visit(segment, doc_index) for every document of live slices in a matching bucket;
  // false if it stopped at max_postings_per_query.
  template <class Visit>
  bool ForEachCandidate(const uint64_t* keys, Visit&& visit) const;
  // Callers hold an epoch guard (it reads the block before `number` in the ring).
  Block* NewBlock(int64_t number) const;
  static void FreeBlock(Block* block);
  void Retire(Block* block);
  void Reclaim();
  Segment* NewSegment(size_t capacity) const;

  // Constant after construction.
  const Options options_;
  const int64_t slices_per_block_;
  const size_t ring_size_;  // slots in ring_: blocks that can be live at once plus two

  std::unique_ptr<std::atomic<Block*>[]> ring_;  // block b lives in ring_[b % ring_size_]
  std::atomic<int64_t> now_ms_;
  std::atomic<Retired*> retired_{nullptr};  // expired blocks waiting for their grace period
  std::atomic<uint64_t> evictions_{0};
  std::atomic<uint64_t> rejected_{0};
  mutable std::atomic<uint64_t> truncated_queries_{0};
  std::atomic<size_t> retired_bytes_{0};
  mutable EpochManager epochs_;
};

}  // namespace babelwatch::detect
