#include "detect/sketch_index.h"

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
    return range("max_docs_per_slice", static_cast<long long>(o.max_docs_per_slice),
                 "1..16777216");
  }
  if (o.expected_docs_per_slice < 1 || o.expected_docs_per_slice > o.max_docs_per_slice) {
    return range("expected_docs_per_slice", static_cast<long long>(o.expected_docs_per_slice),
                 "1..max_docs_per_slice");
  }
  return {};
}

}  // namespace

// A fixed-capacity block of documents with its own open-addressing bucket table (all bands
// share it; the band index is part of the key). Arrays live in one calloc'd block, so pages
// are zero and only touched pages become resident.
struct SketchIndex::Segment {
  size_t capacity = 0;         // documents
  size_t cum_capacity = 0;     // capacity of this segment and all older ones of the slice
  uint32_t slots = 0;          // bucket table size, > capacity * bands
  size_t bytes = 0;            // everything allocated for this segment
  Segment* older = nullptr;    // immutable once the segment is published
  std::atomic<uint64_t> reserved{0};  // next document index; may overshoot capacity
  void* block = nullptr;
  uint64_t* ids = nullptr;     // [capacity]
  uint64_t* table = nullptr;   // [slots], accessed through std::atomic_ref
  uint32_t* sigs = nullptr;    // [capacity * signature length]
  uint32_t* next = nullptr;    // [capacity * bands]: next older document in the same bucket
};

struct SketchIndex::Slice {
  explicit Slice(int64_t n) : number(n) {}
  const int64_t number;
  std::atomic<Segment*> head{nullptr};  // newest segment
  std::atomic<size_t> docs{0};          // documents fully indexed
  std::atomic<size_t> bytes{0};
};

struct SketchIndex::Retired {
  Slice* slice;
  uint64_t tag;   // epoch when it was unlinked
  size_t bytes;   // what Retire added to retired_bytes_ (a late Insert may grow it further)
  Retired* next;
};

Result<std::unique_ptr<SketchIndex>> SketchIndex::Create(const Options& options) {
  std::string problem = ValidateOptions(options);
  if (!problem.empty()) return InvalidArgument(std::move(problem));
  return std::make_unique<SketchIndex>(options);
}

namespace {

// Slots for every slice that can be live at once (ceil(window / slice) + 1) plus one.
size_t RingSize(const SketchIndex::Options& o) {
  if (!ValidateOptions(o).empty()) return 1;
  return static_cast<size_t>((o.window_ms + o.slice_ms - 1) / o.slice_ms) + 2;
}

void DeleteSegment(void* segment_block) { std::free(segment_block); }

}  // namespace

SketchIndex::SketchIndex(const Options& options)
    : options_(options),
      ring_size_(RingSize(options)),
      ring_(new std::atomic<Slice*>[RingSize(options)]),
      now_ms_(kUnset) {
  const std::string problem = ValidateOptions(options);
  if (!problem.empty()) {
    std::fprintf(stderr, "<2>%s (SketchIndex constructed with invalid options)\n",
                 problem.c_str());
    std::abort();
  }
  for (size_t i = 0; i < ring_size_; ++i) ring_[i].store(nullptr, std::memory_order_relaxed);
}

SketchIndex::~SketchIndex() {
  auto free_slice = [](Slice* slice) {
    Segment* seg = slice->head.load(std::memory_order_relaxed);
    while (seg != nullptr) {
      Segment* older = seg->older;
      DeleteSegment(seg->block);
      delete seg;
      seg = older;
    }
    delete slice;
  };
  for (size_t i = 0; i < ring_size_; ++i) {
    if (Slice* s = ring_[i].load(std::memory_order_relaxed)) free_slice(s);
  }
  Retired* r = retired_.load(std::memory_order_relaxed);
  while (r != nullptr) {
    Retired* next = r->next;
    free_slice(r->slice);
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
  const size_t total = ids_bytes + table_bytes + sigs_bytes + next_bytes;
  seg->block = std::calloc(1, total);
  if (seg->block == nullptr) {
    std::fprintf(stderr, "<2>sketch index: out of memory allocating %zu bytes\n", total);
    std::abort();  // OOM is fatal (STYLE.md)
  }
  auto* base = static_cast<unsigned char*>(seg->block);
  seg->ids = reinterpret_cast<uint64_t*>(base);
  seg->table = reinterpret_cast<uint64_t*>(base + ids_bytes);
  seg->sigs = reinterpret_cast<uint32_t*>(base + ids_bytes + table_bytes);
  seg->next = reinterpret_cast<uint32_t*>(base + ids_bytes + table_bytes + sigs_bytes);
  seg->bytes = total + sizeof(Segment);
  return seg;
}

int64_t SketchIndex::SliceNumber(int64_t time_ms) const {
  return FloorDiv(time_ms, options_.slice_ms);
}

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

SketchIndex::Slice* SketchIndex::SliceForInsert(int64_t number, int64_t now_ms) {
  const int64_t r = static_cast<int64_t>(ring_size_);
  std::atomic<Slice*>& slot = ring_[static_cast<size_t>(((number % r) + r) % r)];
  Slice* current = slot.load(std::memory_order_seq_cst);
  Slice* fresh = nullptr;
  for (;;) {
    if (current != nullptr && current->number == number) break;
    if (current != nullptr && current->number > number) {
      current = nullptr;  // the document's slice has already been replaced: it is expired
      break;
    }
    // Empty, or holding a slice at least ring_size_ older, which is expired: replace it.
    if (current != nullptr && current->number >= FirstLiveSlice(now_ms)) {
      current = nullptr;  // unreachable with ring_size_ > live slices; be safe anyway
      break;
    }
    if (fresh == nullptr) {
      fresh = new Slice(number);
      Segment* seg = NewSegment(options_.expected_docs_per_slice);
      seg->cum_capacity = seg->capacity;
      fresh->head.store(seg, std::memory_order_relaxed);
      fresh->bytes.store(seg->bytes, std::memory_order_relaxed);
    }
    Slice* expected = current;
    if (slot.compare_exchange_strong(expected, fresh, std::memory_order_seq_cst)) {
      if (current != nullptr) Retire(current);
      current = fresh;
      fresh = nullptr;
      break;
    }
    current = expected;
  }
  if (fresh != nullptr) {
    Segment* seg = fresh->head.load(std::memory_order_relaxed);
    DeleteSegment(seg->block);
    delete seg;
    delete fresh;
  }
  return current;
}

bool SketchIndex::InsertIntoSlice(Slice* slice, uint64_t doc_id,
                                  std::span<const uint32_t> signature, const uint64_t* keys) {
  const size_t bands = static_cast<size_t>(options_.bands);
  const size_t length = static_cast<size_t>(signature_length());
  Segment* seg = slice->head.load(std::memory_order_acquire);
  uint64_t index = 0;
  for (;;) {
    index = seg->reserved.fetch_add(1, std::memory_order_relaxed);
    if (index < seg->capacity) break;
    // Full: add a segment twice as large, up to max_docs_per_slice in all.
    if (seg->cum_capacity >= options_.max_docs_per_slice) return false;
    const size_t capacity =
        std::min(seg->capacity * 2, options_.max_docs_per_slice - seg->cum_capacity);
    Segment* grown = NewSegment(capacity);
    grown->older = seg;
    grown->cum_capacity = seg->cum_capacity + capacity;
    Segment* expected = seg;
    if (slice->head.compare_exchange_strong(expected, grown, std::memory_order_acq_rel)) {
      slice->bytes.fetch_add(grown->bytes, std::memory_order_relaxed);
      seg = grown;
    } else {
      DeleteSegment(grown->block);
      delete grown;
      seg = expected;
    }
  }
  // The document is private to this thread until the first bucket CAS publishes it.
  seg->ids[index] = doc_id;
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
  slice->docs.fetch_add(1, std::memory_order_relaxed);
  return true;
}

bool SketchIndex::Insert(uint64_t doc_id, std::span<const uint32_t> signature, int64_t time_ms) {
  if (signature.size() != static_cast<size_t>(signature_length()) ||
      IsEmptySignature(signature)) {
    rejected_.fetch_add(1, std::memory_order_relaxed);
    return false;
  }
  uint64_t keys[kMaxBands];
  BandKeys(signature, keys);
  EpochManager::Guard guard(epochs_);
  int64_t now = now_ms_.load(std::memory_order_seq_cst);
  if (now == kUnset && now_ms_.compare_exchange_strong(now, time_ms)) now = time_ms;
  const int64_t number = std::min(SliceNumber(time_ms), SliceNumber(now));
  Slice* slice = nullptr;
  if (number >= FirstLiveSlice(now)) slice = SliceForInsert(number, now);
  if (slice == nullptr || !InsertIntoSlice(slice, doc_id, signature, keys)) {
    rejected_.fetch_add(1, std::memory_order_relaxed);
    return false;
  }
  return true;
}

template <class Visit>
void SketchIndex::ForEachCandidate(const uint64_t* keys, Visit&& visit) const {
  const int64_t now = now_ms_.load(std::memory_order_seq_cst);
  if (now == kUnset) return;
  const int64_t first = FirstLiveSlice(now);
  const size_t bands = static_cast<size_t>(options_.bands);
  // Probing is pipelined: the slots of the next segment are prefetched while the previous
  // segment is probed, so the cache misses of different slices overlap.
  uint32_t positions[2][kMaxBands];
  const Segment* pending = nullptr;
  int which = 0;
  auto probe = [&](const Segment* seg, const uint32_t* pos) {
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
            const size_t index = handle - 1;
            visit(seg, index);
            handle = seg->next[index * bands + b];
          }
          break;
        }
        p = p + 1 == seg->slots ? 0 : p + 1;
      }
    }
  };
  for (size_t r = 0; r < ring_size_; ++r) {
    const Slice* slice = ring_[r].load(std::memory_order_seq_cst);
    if (slice == nullptr || slice->number < first) continue;
    for (const Segment* seg = slice->head.load(std::memory_order_acquire); seg != nullptr;
         seg = seg->older) {
      uint32_t* pos = positions[which];
      for (size_t b = 0; b < bands; ++b) {
        pos[b] = Position(keys[b], seg->slots);
        __builtin_prefetch(&seg->table[pos[b]]);
      }
      if (pending != nullptr) probe(pending, positions[which ^ 1]);
      pending = seg;
      which ^= 1;
    }
  }
  if (pending != nullptr) probe(pending, positions[which ^ 1]);
}

void SketchIndex::Query(std::span<const uint32_t> signature,
                        std::vector<uint64_t>* candidates) const {
  candidates->clear();
  if (signature.size() != static_cast<size_t>(signature_length()) ||
      IsEmptySignature(signature)) {
    return;
  }
  uint64_t keys[kMaxBands];
  BandKeys(signature, keys);
  {
    EpochManager::Guard guard(epochs_);
    ForEachCandidate(keys, [&](const Segment* seg, size_t index) {
      candidates->push_back(seg->ids[index]);
    });
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
    ForEachCandidate(keys, [&](const Segment* seg, size_t index) {
      const double j = EstimateJaccard(signature, {seg->sigs + index * length, length});
      if (j >= min_jaccard) matches->push_back(Match{seg->ids[index], j});
    });
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

void SketchIndex::Retire(Slice* slice) {
  const size_t bytes = slice->bytes.load(std::memory_order_relaxed);
  retired_bytes_.fetch_add(bytes, std::memory_order_relaxed);
  auto* node =
      new Retired{slice, epochs_.Current(), bytes, retired_.load(std::memory_order_relaxed)};
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
      Slice* slice = node->slice;
      evictions_.fetch_add(slice->docs.load(std::memory_order_relaxed),
                           std::memory_order_relaxed);
      retired_bytes_.fetch_sub(node->bytes, std::memory_order_relaxed);
      Segment* seg = slice->head.load(std::memory_order_relaxed);
      while (seg != nullptr) {
        Segment* older = seg->older;
        DeleteSegment(seg->block);
        delete seg;
        seg = older;
      }
      delete slice;
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
  int64_t now = now_ms_.load(std::memory_order_seq_cst);
  while (now < now_ms && !now_ms_.compare_exchange_weak(now, now_ms, std::memory_order_seq_cst)) {
  }
  now = std::max(now, now_ms);
  const int64_t first = FirstLiveSlice(now);
  {
    EpochManager::Guard guard(epochs_);
    for (size_t r = 0; r < ring_size_; ++r) {
      Slice* slice = ring_[r].load(std::memory_order_seq_cst);
      if (slice == nullptr || slice->number >= first) continue;
      // Only the thread whose CAS unlinks the slice retires it.
      if (ring_[r].compare_exchange_strong(slice, nullptr, std::memory_order_seq_cst)) {
        Retire(slice);
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
    const Slice* slice = ring_[r].load(std::memory_order_seq_cst);
    if (slice != nullptr && slice->number >= first) {
      docs += slice->docs.load(std::memory_order_relaxed);
    }
  }
  return docs;
}

size_t SketchIndex::Bytes() const {
  EpochManager::Guard guard(epochs_);
  size_t bytes = sizeof(SketchIndex) + ring_size_ * sizeof(std::atomic<Slice*>);
  for (size_t r = 0; r < ring_size_; ++r) {
    const Slice* slice = ring_[r].load(std::memory_order_seq_cst);
    if (slice != nullptr) bytes += sizeof(Slice) + slice->bytes.load(std::memory_order_relaxed);
  }
  return bytes + retired_bytes_.load(std::memory_order_relaxed);
}

uint64_t SketchIndex::Evictions() const { return evictions_.load(std::memory_order_relaxed); }
uint64_t SketchIndex::Rejected() const { return rejected_.load(std::memory_order_relaxed); }
int64_t SketchIndex::Now() const { return now_ms_.load(std::memory_order_seq_cst); }

}  // namespace babelwatch::detect
