// Concurrent writers, readers and expiry on one SketchIndex. Bounded in iterations (never in
// time), and small enough to run under ThreadSanitizer (-DBABELWATCH_SANITIZE=thread), which
// checks that the lock-free paths and the epoch reclamation are free of data races.
#include <algorithm>
#include <atomic>
#include <catch2/catch.hpp>
#include <cstdint>
#include <cstdio>
#include <string>
#include <thread>
#include <vector>

#include "detect/minhash.h"
#include "detect/sketch_index.h"

namespace babelwatch::detect {
namespace {

constexpr int64_t kSlice = 1000;
constexpr int64_t kWindow = 4 * kSlice;
constexpr int kWriters = 2;
constexpr int kReaders = 2;
#if defined(__SANITIZE_THREAD__)
constexpr uint32_t kDocsPerWriter = 6000;
#else
constexpr uint32_t kDocsPerWriter = 20000;
#endif

uint64_t Mix(uint64_t x) {
  x ^= x >> 31;
  x *= 0x7fb5d329728ea185ULL;
  x ^= x >> 27;
  x *= 0x81dadef4bc2dd44dULL;
  x ^= x >> 33;
  return x;
}

uint64_t DocId(int writer, uint32_t seq) { return (static_cast<uint64_t>(writer) << 32) | seq; }

// Documents in groups of four share their first eight bands, so buckets hold chains that
// readers walk while writers extend them.
std::vector<uint32_t> SignatureOf(uint64_t id) {
  std::vector<uint32_t> s(64);
  for (uint64_t i = 0; i < 64; ++i) {
    const uint64_t source = i < 32 ? (id >> 2) : id;
    s[i] = static_cast<uint32_t>(Mix(source * 64 + i) % 0xFFFFFFF0u);
  }
  return s;
}

struct Published {
  std::atomic<uint32_t> count{0};  // documents 0..count-1 have been attempted
  std::vector<int64_t> time;       // written before count is released
  std::vector<uint8_t> accepted;
};

TEST_CASE("SketchIndex stress: concurrent inserts, queries and expiry stay consistent",
          "[detect][index][stress]") {
  SketchIndex::Options o;
  o.slice_ms = kSlice;
  o.window_ms = kWindow;
  o.seed = 5;
  o.expected_docs_per_slice = 32;  // forces segment growth under contention
  o.slices_per_block = 2;          // expiry hides slices inside a live block
  SketchIndex index(o);
  index.AdvanceTo(0);

  std::vector<Published> published(kWriters);
  for (auto& p : published) {
    p.time.resize(kDocsPerWriter);
    p.accepted.resize(kDocsPerWriter);
  }
  std::atomic<int> writers_done{0};
  std::atomic<uint64_t> inserted{0};
  std::atomic<uint64_t> unknown_ids{0}, missed{0}, checked{0}, wrong_jaccard{0};

  std::vector<std::thread> threads;
  for (int w = 0; w < kWriters; ++w) {
    threads.emplace_back([&, w] {
      Published& p = published[w];
      for (uint32_t seq = 0; seq < kDocsPerWriter; ++seq) {
        // Mostly current, sometimes older (possibly already expired) documents.
        const int64_t now = index.Now();
        const int64_t t = now - static_cast<int64_t>(Mix(DocId(w, seq)) % (kWindow + kSlice));
        const bool ok = index.Insert(DocId(w, seq), SignatureOf(DocId(w, seq)), t);
        p.time[seq] = t;
        p.accepted[seq] = ok ? 1 : 0;
        p.count.store(seq + 1, std::memory_order_release);
        if (ok) inserted.fetch_add(1, std::memory_order_relaxed);
      }
      writers_done.fetch_add(1);
    });
  }
  for (int r = 0; r < kReaders; ++r) {
    threads.emplace_back([&, r] {
      std::vector<uint64_t> candidates;
      std::vector<SketchIndex::Match> matches;
      uint64_t step = static_cast<uint64_t>(r) * 7919;
      // Until the writers finish, then 500 lookups more: time stands still then, so recent
      // documents are certainly checked even if the writers ran ahead of the readers.
      for (int after = 0; after < 500;) {
        if (writers_done.load() == kWriters) ++after;
        ++step;
        const int w = static_cast<int>(step % kWriters);
        const uint32_t count = published[w].count.load(std::memory_order_acquire);
        if (count == 0) continue;
        // Mostly recent documents, which are likely still in the window.
        const uint32_t back = static_cast<uint32_t>(Mix(step) % std::min<uint32_t>(count, 400));
        const uint32_t seq = count - 1 - back;
        const uint64_t id = DocId(w, seq);
        const auto sig = SignatureOf(id);
        index.Query(sig, &candidates);
        index.QueryNear(sig, 0.99, &matches);
        const int64_t now_after = index.Now();
        for (uint64_t c : candidates) {
          const int cw = static_cast<int>(c >> 32);
          if (cw >= kWriters || static_cast<uint32_t>(c) >= kDocsPerWriter) ++unknown_ids;
        }
        for (const auto& m : matches) {
          // Only the document itself has Jaccard >= 0.99 with its signature.
          if (m.doc_id != id || m.jaccard != 1.0) ++wrong_jaccard;
        }
        // A document accepted and still inside the window after the query must be found:
        // expiry only moves forward, so it was live for the whole query.
        const int64_t t = published[w].time[seq];
        const int64_t first_live = (now_after - kWindow) / kSlice;  // times are >= 0 here
        if (published[w].accepted[seq] && t >= 0 && t / kSlice > first_live) {
          ++checked;
          bool found = false;
          for (uint64_t c : candidates) found = found || c == id;
          if (!found) ++missed;
        }
      }
    });
  }
  // Expiry from two threads at once (AdvanceTo may race with itself): time follows the
  // writers' progress, a quarter slice per 100 inserts, so a window holds about 1600 documents
  // and slices keep expiring under load.
  for (int e = 0; e < 2; ++e) {
    threads.emplace_back([&] {
      while (writers_done.load() < kWriters) {
        const uint64_t attempts = published[0].count.load() + published[1].count.load();
        index.AdvanceTo(static_cast<int64_t>(attempts / 100) * (kSlice / 4));
        (void)index.Documents();
        (void)index.Bytes();
        std::this_thread::yield();
      }
    });
  }
  for (auto& t : threads) t.join();

  std::printf("stress: %llu accepted, %llu rejected, %llu lookups checked for presence\n",
              static_cast<unsigned long long>(inserted.load()),
              static_cast<unsigned long long>(index.Rejected()),
              static_cast<unsigned long long>(checked.load()));
  CHECK(checked.load() > 0);
  CHECK(unknown_ids.load() == 0);
  CHECK(wrong_jaccard.load() == 0);
  CHECK(missed.load() == 0);
  CHECK(inserted.load() > 0);
  CHECK(index.Rejected() + inserted.load() == uint64_t{kWriters} * kDocsPerWriter);
  // Once everything has expired and no call is running, every accepted document has been
  // evicted exactly once and all slice memory is freed.
  const size_t baseline = SketchIndex(o).Bytes();
  index.AdvanceTo(index.Now() + 10 * kWindow);
  CHECK(index.Documents() == 0);
  CHECK(index.Evictions() == inserted.load());
  CHECK(index.Bytes() == baseline);
}

}  // namespace
}  // namespace babelwatch::detect
