#include "detect/sketch_index.h"

#include <sys/mman.h>

#include <algorithm>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <limits>
#include <string>

#include "detect/minhash.h"

namespace babelwatch::detect {
namespace {

constexpr int64_t kUnset = std::numeric_limits<int64_t>::min();
constexpr int kMaxBands = 64;
constexpr int kMaxRows = 64;
constexpr size_t kMaxDocsPerSlice = size_t{1} << 24;
constexpr int64_t kMaxSlices = 100000;
// Times are clamped to +-2^62 ms (146 million years) so slice and block arithmetic on
// untrusted timestamps cannot overflow.
constexpr int64_t kTimeLimit = int64_t{1} << 62;

inline uint64_t Mix64(uint64_t x) {
  x ^= x >> 30;
  x *= 0xbf58476d1ce4e5b9ULL;
  x ^= x >> 27;
  x *= 0x94d049bb133111ebULL;
  x ^= x >> 31;
  return x;
}

// Floor division for a positive divisor.
inline int64_t FloorDiv(int64_t a, int64_t b) {
  int64_t q = a / b;
  if ((a % b) != 0 && a < 0) --q;
  return q;
}

// A bucket slot packs a 32-bit key fingerprint (never 0) and the 1-based index of the newest
// document in the bucket; 0 is an empty slot.
inline uint32_t Fingerprint(uint64_t key) {
  const uint32_t fp = static_cast<uint32_t>(key >> 32);
  return fp == 0 ? 1 : fp;
}

inline uint32_t Position(uint64_t key, uint32_t slots) {
  return static_cast<uint32_t>((static_cast<uint64_t>(static_cast<uint32_t>(key)) * slots) >> 32);
}

std::string ValidateOptions(const SketchIndex::Options& o) {
  auto range = [](const char* field, long long value, const char* expected) {
    return std::string("sketch index: ") + field + " = " + std::to_string(value) + ", expected " +
           expected;
  };
  if (o.bands < 1 || o.bands > kMaxBands) return range("bands", o.bands, "1..64");
  if (o.rows < 1 || o.rows > kMaxRows) return range("rows", o.rows, "1..64");
  if (o.slice_ms < 1) return range("slice_ms", o.slice_ms, ">= 1");
  if (o.window_ms < o.slice_ms) return range("window_ms", o.window_ms, ">= slice_ms");
  if (o.window_ms / o.slice_ms > kMaxSlices) {
    return range("window_ms / slice_ms", o.window_ms / o.slice_ms, "<= 100000 slices");
  }
  if (o.max_docs_per_slice < 1 || o.max_docs_per_slice > kMaxDocsPerSlice) {
    return range("max_docs_per_slice", static_cast<long long>(o.max_docs_per_slice), "1..16777216");
  }
  if (o.expected_docs_per_slice < 1 || o.expected_docs_per_slice > o.max_docs_per_slice) {
    return range("expected_docs_per_slice", static_cast<long long>(o.expected_docs_per_slice),
                 "1..max_docs_per_slice");
  }
  if (o.max_postings_per_query < 1) {
    return range("max_postings_per_query", static_cast<long long>(o.max_postings_per_query),
                 ">= 1");
  }
  const int64_t window_slices = (o.window_ms + o.slice_ms - 1) / o.slice_ms;
  if (o.slices_per_block < 0 || o.slices_per_block > window_slices) {
    return range("slices_per_block", o.slices_per_block, "0 (automatic) or 1..window slices");
  }
  const int64_t per_block =
      o.slices_per_block > 0 ? o.slices_per_block : std::max<int64_t>(1, (window_slices + 7) / 8);
  // Document handles and bucket positions are 32-bit: a block's slots must fit.
  const double slots =
      static_cast<double>(per_block) * static_cast<double>(o.max_docs_per_slice) * o.bands * 1.5;
  if (slots >= 4.0e9) {
    return range("max_docs_per_slice", static_cast<long long>(o.max_docs_per_slice),
                 "at most 2^32 / (1.5 * bands * slices per block)");
  }
  return {};
}

// Segment arrays come zeroed from the kernel. Large ones are mapped on their own, aligned to
// 2 MiB and marked for transparent huge pages: bucket probes are random, and huge pages take
// most TLB misses out of them. Pages still become resident only when touched.
constexpr size_t kHugePage = size_t{2} << 20;

struct ZeroedMemory {
  void* data = nullptr;     // aligned start handed out
  void* mapping = nullptr;  // what to release; nullptr for calloc'd memory
  size_t mapping_bytes = 0;
};

ZeroedMemory AllocateZeroed(size_t bytes) {
  ZeroedMemory m;
  if (bytes >= kHugePage) {
    const size_t length = (bytes + kHugePage - 1) / kHugePage * kHugePage + kHugePage;
    void* p = mmap(nullptr, length, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
    if (p != MAP_FAILED) {
      const uintptr_t aligned =
          (reinterpret_cast<uintptr_t>(p) + kHugePage - 1) / kHugePage * kHugePage;
      m.data = reinterpret_cast<void*>(aligned);
      m.mapping = p;
      m.mapping_bytes = length;
      madvise(m.data, length - (aligned - reinterpret_cast<uintptr_t>(p)), MADV_HUGEPAGE);
      return m;
    }
  }
  m.data = std::calloc(1, bytes);
  return m;
}

void ReleaseZeroed(const ZeroedMemory& m) {
  if (m.mapping != nullptr) {
    munmap(m.mapping, m.mapping_bytes);
  } else {
    std::free(m.data);
  }
}

}  // namespace

// A fixed-capacity array of documents with its own open-addressing bucket table (all bands
// share it; the band index is part of the key). Its arrays live in one zeroed allocation.
struct SketchIndex::Segment {
  size_t capacity = 0;                // documents
  size_t cum_capacity = 0;            // capacity of this segment and all older ones of the block
  uint32_t slots = 0;                 // bucket table size, > capacity * bands
  size_t bytes = 0;                   // everything allocated for this segment
  Segment* older = nullptr;           // immutable once the segment is published
  std::atomic<uint64_t> reserved{0};  // next document index; may overshoot capacity
  ZeroedMemory memory;
  uint64_t* ids = nullptr;    // [capacity]
  uint64_t* table = nullptr;  // [slots], accessed through std::atomic_ref
  uint32_t* sigs = nullptr;   // [capacity * signature length]
  uint32_t* next = nullptr;   // [capacity * bands]: next older document in the same bucket
  uint32_t* slice = nullptr;  // [capacity]: slice number - the block's first slice
};

// The documents of slices_per_block_ consecutive slices.
struct SketchIndex::Block {
  Block(int64_t n, int64_t first, int64_t slices)
      : number(n),
        first_slice(first),
        last_slice(first + slices - 1),
        slice_docs(new std::atomic<size_t>[static_cast<size_t>(slices)]) {
    for (int64_t i = 0; i < slices; ++i) slice_docs[i].store(0, std::memory_order_relaxed);
  }
  const int64_t number;
  const int64_t first_slice;
  const int64_t last_slice;
  std::atomic<Segment*> head{nullptr};  // newest segment
  std::atomic<size_t> bytes{0};
  // Documents per slice: reserved before a document is written (to enforce the cap), so a
  // reader may count one still being indexed.
  std::unique_ptr<std::atomic<size_t>[]> slice_docs;
  std::atomic<size_t> docs{0};  // documents fully indexed
};

struct SketchIndex::Retired {
  Block* block;
  uint64_t tag;  // epoch when it was unlinked
  size_t bytes;  // what Retire added to retired_bytes_ (a late Insert may grow it further)
  Retired* next;
};

Result<std::unique_ptr<SketchIndex>> SketchIndex::Create(const Options& options) {
  std::string problem = ValidateOptions(options);
  if (!problem.empty()) return InvalidArgument(std::move(problem));
  return std::make_unique<SketchIndex>(options);
}

namespace {

int64_t SlicesPerBlock(const SketchIndex::Options& o) {
  if (!ValidateOptions(o).empty()) return 1;
  if (o.slices_per_block > 0) return o.slices_per_block;
  // Keep in step with ValidateOptions.
  const int64_t window_slices = (o.window_ms + o.slice_ms - 1) / o.slice_ms;
  return std::max<int64_t>(1, (window_slices + 7) / 8);
}

// Slots for every block that can hold a live slice at once, plus two.
size_t RingSize(const SketchIndex::Options& o) {
  if (!ValidateOptions(o).empty()) return 1;
  const int64_t window_slices = (o.window_ms + o.slice_ms - 1) / o.slice_ms;
  const int64_t per_block = SlicesPerBlock(o);
  return static_cast<size_t>((window_slices + 1 + per_block - 1) / per_block + 2);
}

}  // namespace

SketchIndex::SketchIndex(const Options& options)
    : options_(options),
      slices_per_block_(SlicesPerBlock(options)),
      ring_size_(RingSize(options)),
      ring_(new std::atomic<Block*>[RingSize(options)]),
      now_ms_(kUnset) {
  const std::string problem = ValidateOptions(options);
  if (!problem.empty()) {
    std::fprintf(stderr, "<2>%s (SketchIndex constructed with invalid options)\n", problem.c_str());
    std::abort();
  }
  for (size_t i = 0; i < ring_size_; ++i) ring_[i].store(nullptr, std::memory_order_relaxed);
}

void SketchIndex::FreeBlock(Block* block) {
  Segment* seg = block->head.load(std::memory_order_relaxed);
  while (seg != nullptr) {
    Segment* older = seg->older;
    ReleaseZeroed(seg->memory);
    delete seg;
    seg = older;
  }
  delete block;
}

SketchIndex::~SketchIndex() {
  for (size_t i = 0; i < ring_size_; ++i) {
    if (Block* b = ring_[i].load(std::memory_order_relaxed)) FreeBlock(b);
  }
  Retired* r = retired_.load(std::memory_order_relaxed);
  while (r != nullptr) {
    Retired* next = r->next;
    FreeBlock(r->block);
    delete r;
    r = next;
  }
}

SketchIndex::Segment* SketchIndex::NewSegment(size_t capacity) const {
  const size_t bands = static_cast<size_t>(options_.bands);
  const size_t length = static_cast<size_t>(signature_length());
  auto* seg = new Segment;
  seg->capacity = capacity;
  // Load factor <= 2/3 keeps linear probes short; at least one slot always stays empty.
  seg->slots = static_cast<uint32_t>(capacity * bands + (capacity * bands) / 2 + 1);
  const size_t ids_bytes = capacity * sizeof(uint64_t);
  const size_t table_bytes = size_t{seg->slots} * sizeof(uint64_t);
  const size_t sigs_bytes = capacity * length * sizeof(uint32_t);
  const size_t next_bytes = capacity * bands * sizeof(uint32_t);
  const size_t slice_bytes = capacity * sizeof(uint32_t);
  const size_t total = ids_bytes + table_bytes + sigs_bytes + next_bytes + slice_bytes;
  seg->memory = AllocateZeroed(total);
  if (seg->memory.data == nullptr) {
    std::fprintf(stderr, "<2>sketch index: out of memory allocating %zu bytes\n", total);
    std::abort();  // OOM is fatal (STYLE.md)
  }
  auto* base = static_cast<unsigned char*>(seg->memory.data);
  seg->ids = reinterpret_cast<uint64_t*>(base);
  base += ids_bytes;
  seg->table = reinterpret_cast<uint64_t*>(base);
  base += table_bytes;
  seg->sigs = reinterpret_cast<uint32_t*>(base);
  base += sigs_bytes;
  seg->next = reinterpret_cast<uint32_t*>(base);
  base += next_bytes;
  seg->slice = reinterpret_cast<uint32_t*>(base);
  seg->bytes = total + sizeof(Segment);
  return seg;
}

SketchIndex::Block* SketchIndex::NewBlock(int64_t number) const {
  auto* block = new Block(number, number * slices_per_block_, slices_per_block_);
  const size_t cap = options_.max_docs_per_slice * static_cast<size_t>(slices_per_block_);
  // First allocation: what the previous block came to hold (plus a quarter), when it is
  // still live, else expected_docs_per_slice per slice; both grow by doubling when full.
  // So memory follows the stream: a quiet window holds small blocks, a busy one needs about
  // one segment per block.
  size_t first = options_.expected_docs_per_slice * static_cast<size_t>(slices_per_block_);
  const int64_t r = static_cast<int64_t>(ring_size_);
  const Block* previous = ring_[static_cast<size_t>((((number - 1) % r) + r) % r)].load(
      std::memory_order_seq_cst);  // callers hold an epoch guard: it cannot be freed
  if (previous != nullptr && previous->number == number - 1) {
    const size_t docs = previous->docs.load(std::memory_order_relaxed);
    first = std::max(first, docs + docs / 4);
  }
  Segment* seg = NewSegment(std::min(cap, first));
  seg->cum_capacity = seg->capacity;
  block->head.store(seg, std::memory_order_relaxed);
  block->bytes.store(seg->bytes + sizeof(Block) +
                         static_cast<size_t>(slices_per_block_) * sizeof(std::atomic<size_t>),
                     std::memory_order_relaxed);
  return block;
}

int64_t SketchIndex::SliceNumber(int64_t time_ms) const {
  return FloorDiv(time_ms, options_.slice_ms);
}

int64_t SketchIndex::BlockOf(int64_t slice) const { return FloorDiv(slice, slices_per_block_); }

int64_t SketchIndex::FirstLiveSlice(int64_t now_ms) const {
  constexpr int64_t kMin = std::numeric_limits<int64_t>::min();
  if (now_ms < kMin + options_.window_ms) return SliceNumber(kMin);
  return SliceNumber(now_ms - options_.window_ms);
}

void SketchIndex::BandKeys(std::span<const uint32_t> signature, uint64_t* keys) const {
  const int rows = options_.rows;
  for (int b = 0; b < options_.bands; ++b) {
    uint64_t h = Mix64(options_.seed ^ (0x9e3779b97f4a7c15ULL * static_cast<uint64_t>(b + 1)));
    const uint32_t* v = signature.data() + static_cast<size_t>(b) * rows;
    int r = 0;
    for (; r + 1 < rows; r += 2) {
      h = Mix64(h ^ ((static_cast<uint64_t>(v[r]) << 32) | v[r + 1]));
    }
    if (r < rows) h = Mix64(h ^ v[r] ^ 0xa0761d6478bd642fULL);
    keys[b] = h;
  }
}

SketchIndex::Block* SketchIndex::BlockForInsert(int64_t number, int64_t first_live) {
  const int64_t r = static_cast<int64_t>(ring_size_);
  std::atomic<Block*>& slot = ring_[static_cast<size_t>(((number % r) + r) % r)];
  Block* current = slot.load(std::memory_order_seq_cst);
  Block* fresh = nullptr;
  for (;;) {
    if (current != nullptr && current->number == number) break;
    // A newer block in the slot, or an older one still live (impossible with ring_size_ as
    // chosen, kept as a guard): the document cannot be filed.
    if (current != nullptr && (current->number > number || current->last_slice >= first_live)) {
      current = nullptr;
      break;
    }
    // Empty, or holding an expired block: replace it.
    if (fresh == nullptr) fresh = NewBlock(number);
    Block* expected = current;
    if (slot.compare_exchange_strong(expected, fresh, std::memory_order_seq_cst)) {
      if (current != nullptr) Retire(current);
      current = fresh;
      fresh = nullptr;
      break;
    }
    current = expected;
  }
  if (fresh != nullptr) FreeBlock(fresh);
  return current;
}

bool SketchIndex::InsertIntoBlock(Block* block, int64_t slice, uint64_t doc_id,
                                  std::span<const uint32_t> signature, const uint64_t* keys) {
  const size_t bands = static_cast<size_t>(options_.bands);
  const size_t length = static_cast<size_t>(signature_length());
  const auto offset = static_cast<size_t>(slice - block->first_slice);
  // Per-slice cap: bounds memory under a flood of documents.
  if (block->slice_docs[offset].fetch_add(1, std::memory_order_relaxed) >=
      options_.max_docs_per_slice) {
    block->slice_docs[offset].fetch_sub(1, std::memory_order_relaxed);
    return false;
  }
  Segment* seg = block->head.load(std::memory_order_acquire);
  uint64_t index = 0;
  for (;;) {
    index = seg->reserved.fetch_add(1, std::memory_order_relaxed);
    if (index < seg->capacity) break;
    // Full: add a segment twice as large. The per-slice cap bounds the block's total, so
    // the doubling stops at slices_per_block * max_docs_per_slice.
    const size_t cap = options_.max_docs_per_slice * static_cast<size_t>(slices_per_block_);
    const size_t capacity = std::min(seg->capacity * 2, cap - std::min(cap, seg->cum_capacity));
    if (capacity == 0) {  // unreachable: the per-slice cap holds the total below cap
      block->slice_docs[offset].fetch_sub(1, std::memory_order_relaxed);
      return false;
    }
    Segment* grown = NewSegment(capacity);
    grown->older = seg;
    grown->cum_capacity = seg->cum_capacity + capacity;
    Segment* expected = seg;
    if (block->head.compare_exchange_strong(expected, grown, std::memory_order_acq_rel)) {
      block->bytes.fetch_add(grown->bytes, std::memory_order_relaxed);
      seg = grown;
    } else {
      ReleaseZeroed(grown->memory);
      delete grown;
      seg = expected;
    }
  }
  // The document is private to this thread until the first bucket CAS publishes it.
  seg->ids[index] = doc_id;
  seg->slice[index] = static_cast<uint32_t>(offset);
  std::memcpy(seg->sigs + index * length, signature.data(), length * sizeof(uint32_t));
  const uint64_t handle = index + 1;
  for (size_t b = 0; b < bands; ++b) {
    const uint64_t fp = Fingerprint(keys[b]);
    uint32_t pos = Position(keys[b], seg->slots);
    uint32_t& next = seg->next[index * bands + b];
    for (;;) {
      std::atomic_ref<uint64_t> slot(seg->table[pos]);
      uint64_t cur = slot.load(std::memory_order_acquire);
      if (cur != 0 && (cur >> 32) != fp) {  // another key's bucket: probe on
        pos = pos + 1 == seg->slots ? 0 : pos + 1;
        continue;
      }
      next = static_cast<uint32_t>(cur);  // 0 for a new bucket
      if (slot.compare_exchange_strong(cur, (fp << 32) | handle, std::memory_order_acq_rel,
                                       std::memory_order_acquire)) {
        break;
      }
      // Lost a race for this slot: look at it again (another key may have claimed it).
    }
  }
  block->docs.fetch_add(1, std::memory_order_relaxed);
  return true;
}

bool SketchIndex::Insert(uint64_t doc_id, std::span<const uint32_t> signature, int64_t time_ms) {
  if (signature.size() != static_cast<size_t>(signature_length()) || IsEmptySignature(signature)) {
    rejected_.fetch_add(1, std::memory_order_relaxed);
    return false;
  }
  uint64_t keys[kMaxBands];
  BandKeys(signature, keys);
  time_ms = std::clamp(time_ms, -kTimeLimit, kTimeLimit);
  EpochManager::Guard guard(epochs_);
  int64_t now = now_ms_.load(std::memory_order_seq_cst);
  if (now == kUnset && now_ms_.compare_exchange_strong(now, time_ms)) now = time_ms;
  const int64_t slice = std::min(SliceNumber(time_ms), SliceNumber(now));
  const int64_t first_live = FirstLiveSlice(now);
  Block* block = nullptr;
  if (slice >= first_live) block = BlockForInsert(BlockOf(slice), first_live);
  if (block == nullptr || !InsertIntoBlock(block, slice, doc_id, signature, keys)) {
    rejected_.fetch_add(1, std::memory_order_relaxed);
    return false;
  }
  return true;
}

template <class Visit>
bool SketchIndex::ForEachCandidate(const uint64_t* keys, Visit&& visit) const {
  const int64_t now = now_ms_.load(std::memory_order_seq_cst);
  if (now == kUnset) return true;
  size_t budget = options_.max_postings_per_query;
  const int64_t first = FirstLiveSlice(now);
  const size_t bands = static_cast<size_t>(options_.bands);
  // Probing is pipelined: the slots of the next segment are prefetched while the previous
  // segment is probed, so the cache misses of different blocks overlap.
  uint32_t positions[2][kMaxBands];
  const Segment* pending = nullptr;
  uint32_t pending_min_offset = 0;
  int which = 0;
  // Returns false once the budget is spent.
  auto probe = [&](const Segment* seg, const uint32_t* pos, uint32_t min_offset) {
    for (size_t b = 0; b < bands; ++b) {
      const uint64_t fp = Fingerprint(keys[b]);
      uint32_t p = pos[b];
      for (;;) {
        const uint64_t slot =
            std::atomic_ref<uint64_t>(seg->table[p]).load(std::memory_order_acquire);
        if (slot == 0) break;
        if ((slot >> 32) == fp) {
          uint32_t handle = static_cast<uint32_t>(slot);
          while (handle != 0) {
            if (budget == 0) return false;
            --budget;
            const size_t index = handle - 1;
            if (seg->slice[index] >= min_offset) visit(seg, index);  // skip expired slices
            handle = seg->next[index * bands + b];
          }
          break;
        }
        p = p + 1 == seg->slots ? 0 : p + 1;
      }
    }
    return true;
  };
  for (size_t r = 0; r < ring_size_; ++r) {
    const Block* block = ring_[r].load(std::memory_order_seq_cst);
    if (block == nullptr || block->last_slice < first) continue;
    const auto min_offset = static_cast<uint32_t>(std::max<int64_t>(0, first - block->first_slice));
    for (const Segment* seg = block->head.load(std::memory_order_acquire); seg != nullptr;
         seg = seg->older) {
      uint32_t* pos = positions[which];
      for (size_t b = 0; b < bands; ++b) {
        pos[b] = Position(keys[b], seg->slots);
        __builtin_prefetch(&seg->table[pos[b]]);
      }
      if (pending != nullptr && !probe(pending, positions[which ^ 1], pending_min_offset)) {
        return false;
      }
      pending = seg;
      pending_min_offset = min_offset;
      which ^= 1;
    }
  }
  return pending == nullptr || probe(pending, positions[which ^ 1], pending_min_offset);
}

void SketchIndex::Query(std::span<const uint32_t> signature,
                        std::vector<uint64_t>* candidates) const {
  candidates->clear();
  if (signature.size() != static_cast<size_t>(signature_length()) || IsEmptySignature(signature)) {
    return;
  }
  uint64_t keys[kMaxBands];
  BandKeys(signature, keys);
  {
    EpochManager::Guard guard(epochs_);
    const bool complete = ForEachCandidate(
        keys, [&](const Segment* seg, size_t index) { candidates->push_back(seg->ids[index]); });
    if (!complete) truncated_queries_.fetch_add(1, std::memory_order_relaxed);
  }
  std::sort(candidates->begin(), candidates->end());
  candidates->erase(std::unique(candidates->begin(), candidates->end()), candidates->end());
}

void SketchIndex::QueryNear(std::span<const uint32_t> signature, double min_jaccard,
                            std::vector<Match>* matches) const {
  matches->clear();
  const size_t length = static_cast<size_t>(signature_length());
  if (signature.size() != length || IsEmptySignature(signature)) return;
  uint64_t keys[kMaxBands];
  BandKeys(signature, keys);
  {
    EpochManager::Guard guard(epochs_);
    const bool complete = ForEachCandidate(keys, [&](const Segment* seg, size_t index) {
      const double j = EstimateJaccard(signature, {seg->sigs + index * length, length});
      if (j >= min_jaccard) matches->push_back(Match{seg->ids[index], j});
    });
    if (!complete) truncated_queries_.fetch_add(1, std::memory_order_relaxed);
  }
  // Distinct ids (a document sits in several buckets; an id may be inserted twice).
  std::sort(matches->begin(), matches->end(), [](const Match& a, const Match& b) {
    return a.doc_id != b.doc_id ? a.doc_id < b.doc_id : a.jaccard > b.jaccard;
  });
  matches->erase(std::unique(matches->begin(), matches->end(),
                             [](const Match& a, const Match& b) { return a.doc_id == b.doc_id; }),
                 matches->end());
  std::sort(matches->begin(), matches->end(), [](const Match& a, const Match& b) {
    return a.jaccard != b.jaccard ? a.jaccard > b.jaccard : a.doc_id < b.doc_id;
  });
}

void SketchIndex::Retire(Block* block) {
  const size_t bytes = block->bytes.load(std::memory_order_relaxed);
  retired_bytes_.fetch_add(bytes, std::memory_order_relaxed);
  auto* node =
      new Retired{block, epochs_.Current(), bytes, retired_.load(std::memory_order_relaxed)};
  while (!retired_.compare_exchange_weak(node->next, node, std::memory_order_release,
                                         std::memory_order_relaxed)) {
  }
}

void SketchIndex::Reclaim() {
  epochs_.TryAdvance();
  epochs_.TryAdvance();
  // Taking the whole list makes this call its only owner; what cannot be freed yet goes back.
  Retired* list = retired_.exchange(nullptr, std::memory_order_acquire);
  Retired* keep = nullptr;
  Retired* keep_tail = nullptr;
  while (list != nullptr) {
    Retired* node = list;
    list = list->next;
    if (epochs_.SafeToFree(node->tag)) {
      evictions_.fetch_add(node->block->docs.load(std::memory_order_relaxed),
                           std::memory_order_relaxed);
      retired_bytes_.fetch_sub(node->bytes, std::memory_order_relaxed);
      FreeBlock(node->block);
      delete node;
    } else {
      node->next = keep;
      keep = node;
      if (keep_tail == nullptr) keep_tail = node;
    }
  }
  if (keep != nullptr) {
    keep_tail->next = retired_.load(std::memory_order_relaxed);
    while (!retired_.compare_exchange_weak(keep_tail->next, keep, std::memory_order_release,
                                           std::memory_order_relaxed)) {
    }
  }
}

void SketchIndex::AdvanceTo(int64_t now_ms) {
  now_ms = std::clamp(now_ms, -kTimeLimit, kTimeLimit);
  int64_t now = now_ms_.load(std::memory_order_seq_cst);
  while (now < now_ms && !now_ms_.compare_exchange_weak(now, now_ms, std::memory_order_seq_cst)) {
  }
  now = std::max(now, now_ms);
  const int64_t first = FirstLiveSlice(now);
  {
    EpochManager::Guard guard(epochs_);
    for (size_t r = 0; r < ring_size_; ++r) {
      Block* block = ring_[r].load(std::memory_order_seq_cst);
      if (block == nullptr || block->last_slice >= first) continue;
      // Only the thread whose CAS unlinks the block retires it.
      if (ring_[r].compare_exchange_strong(block, nullptr, std::memory_order_seq_cst)) {
        Retire(block);
      }
    }
  }
  Reclaim();
}

size_t SketchIndex::Documents() const {
  EpochManager::Guard guard(epochs_);
  const int64_t now = now_ms_.load(std::memory_order_seq_cst);
  if (now == kUnset) return 0;
  const int64_t first = FirstLiveSlice(now);
  size_t docs = 0;
  for (size_t r = 0; r < ring_size_; ++r) {
    const Block* block = ring_[r].load(std::memory_order_seq_cst);
    if (block == nullptr || block->last_slice < first) continue;
    for (int64_t s = std::max(first, block->first_slice); s <= block->last_slice; ++s) {
      docs += block->slice_docs[static_cast<size_t>(s - block->first_slice)].load(
          std::memory_order_relaxed);
    }
  }
  return docs;
}

size_t SketchIndex::Bytes() const {
  EpochManager::Guard guard(epochs_);
  size_t bytes = sizeof(SketchIndex) + ring_size_ * sizeof(std::atomic<Block*>);
  for (size_t r = 0; r < ring_size_; ++r) {
    const Block* block = ring_[r].load(std::memory_order_seq_cst);
    if (block != nullptr) bytes += block->bytes.load(std::memory_order_relaxed);
  }
  return bytes + retired_bytes_.load(std::memory_order_relaxed);
}

uint64_t SketchIndex::Evictions() const { return evictions_.load(std::memory_order_relaxed); }
uint64_t SketchIndex::Rejected() const { return rejected_.load(std::memory_order_relaxed); }
uint64_t SketchIndex::TruncatedQueries() const {
  return truncated_queries_.load(std::memory_order_relaxed);
}
int64_t SketchIndex::Now() const { return now_ms_.load(std::memory_order_seq_cst); }

}  // namespace babelwatch::detect
