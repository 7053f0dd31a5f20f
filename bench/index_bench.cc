// index_bench: the SketchIndex hot path (one insert + one query per document) at 10^4, 10^5
// and 10^6 documents in the window, with 1 and 2 threads, beside two baselines in the same
// run: a conventional index (per-slice std::unordered_map of band key -> ids behind a
// std::shared_mutex) and a brute-force scan of every live signature. Prints ops/s, p50/p99
// latency per operation and bytes per indexed document. A fourth variant, the same SketchIndex
// behind one std::mutex ("locked"), isolates the cost of the lock. Asserts nothing.
//
// The window is in steady state while it is measured: documents arrive at N / 72 per slice
// (72 one-hour slices), so as many expire as arrive. 30% of documents are variants of a recent
// one (a quarter of their signature changed), so queries find real candidates.
//
// Usage: index_bench [--sizes=10000,100000,1000000] [--seconds=S]
//                    [--only=lockfree|locked|mutexmap|brute]
#include <malloc.h>

#include <algorithm>
#include <atomic>
#include <chrono>
#include <cinttypes>
#include <cmath>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <ctime>
#include <deque>
#include <memory>
#include <mutex>
#include <shared_mutex>
#include <string>
#include <thread>
#include <unordered_map>
#include <vector>

#include "detect/minhash.h"
#include "detect/sketch_index.h"

namespace {

using babelwatch::detect::EstimateJaccard;
using babelwatch::detect::SketchIndex;
using Clock = std::chrono::steady_clock;

constexpr int kBands = 16;
constexpr int kRows = 4;
constexpr int kLength = kBands * kRows;
constexpr int64_t kSliceMs = 3600LL * 1000;
constexpr int64_t kSlices = 72;
constexpr int64_t kWindowMs = kSlices * kSliceMs;
constexpr double kBruteThreshold = 0.5;  // the brute-force scan reports pairs at J >= 0.5

uint64_t Mix(uint64_t x) {
  x ^= x >> 30;
  x *= 0xbf58476d1ce4e5b9ULL;
  x ^= x >> 27;
  x *= 0x94d049bb133111ebULL;
  x ^= x >> 31;
  return x;
}

// Deterministic signatures: document i is either fresh or a variant of document i - d.
void SignatureOf(uint64_t i, uint32_t* out) {
  const uint64_t h = Mix(i * 0x9e3779b97f4a7c15ULL + 1);
  if (i > 1000 && h % 10 < 3) {
    SignatureOf(i - 1 - (h >> 8) % 1000, out);
    for (int k = 0; k < kLength; ++k) {
      if (Mix(h + k) % 4 == 0) out[k] = static_cast<uint32_t>(Mix(h ^ (k * 31 + 7)));
    }
    return;
  }
  for (int k = 0; k < kLength; ++k)
    out[k] = static_cast<uint32_t>(Mix(h + static_cast<uint64_t>(k) * 0x632be5abULL) >> 8);
}

double ThreadCpuSeconds() {
  timespec ts{};
  clock_gettime(CLOCK_THREAD_CPUTIME_ID, &ts);
  return static_cast<double>(ts.tv_sec) + static_cast<double>(ts.tv_nsec) * 1e-9;
}

size_t ResidentBytes() {
  FILE* f = std::fopen("/proc/self/statm", "r");
  if (f == nullptr) return 0;
  unsigned long size = 0, resident = 0;
  const int n = std::fscanf(f, "%lu %lu", &size, &resident);
  std::fclose(f);
  return n == 2 ? resident * 4096 : 0;
}

uint64_t BandKey(const uint32_t* sig, int band) {
  uint64_t h = Mix(0x1234 + static_cast<uint64_t>(band));
  for (int r = 0; r < kRows; ++r) h = Mix(h ^ sig[band * kRows + r]);
  return h;
}

// The conventional alternative: hash maps behind a reader-writer lock.
class MutexIndex {
 public:
  void Insert(uint64_t id, const uint32_t* sig, int64_t time_ms) {
    std::unique_lock lock(mu_);
    const int64_t n = time_ms / kSliceMs;
    if (slices_.empty() || slices_.back().number < n) slices_.push_back(Slice{n, {}});
    Slice& s = slices_.back();
    for (int b = 0; b < kBands; ++b) s.buckets[BandKey(sig, b)].push_back(id);
  }
  void Query(const uint32_t* sig, std::vector<uint64_t>* out) const {
    out->clear();
    uint64_t keys[kBands];
    for (int b = 0; b < kBands; ++b) keys[b] = BandKey(sig, b);
    std::shared_lock lock(mu_);
    for (const Slice& s : slices_) {
      for (int b = 0; b < kBands; ++b) {
        auto it = s.buckets.find(keys[b]);
        if (it != s.buckets.end()) out->insert(out->end(), it->second.begin(), it->second.end());
      }
    }
    std::sort(out->begin(), out->end());
    out->erase(std::unique(out->begin(), out->end()), out->end());
  }
  void AdvanceTo(int64_t now_ms) {
    std::unique_lock lock(mu_);
    const int64_t first = (now_ms - kWindowMs) / kSliceMs;
    while (!slices_.empty() && slices_.front().number < first) slices_.pop_front();
  }

 private:
  struct Slice {
    int64_t number;
    std::unordered_map<uint64_t, std::vector<uint64_t>> buckets;
  };
  mutable std::shared_mutex mu_;
  std::deque<Slice> slices_;
};

// Exact answer without an index: compare the query with every live signature.
class BruteForce {
 public:
  void Insert(uint64_t id, const uint32_t* sig, int64_t time_ms) {
    std::unique_lock lock(mu_);
    docs_.push_back(Doc{id, time_ms / kSliceMs, {}});
    std::memcpy(docs_.back().sig, sig, sizeof(docs_.back().sig));
  }
  void Query(const uint32_t* sig, std::vector<uint64_t>* out) const {
    out->clear();
    std::shared_lock lock(mu_);
    for (const Doc& d : docs_) {
      if (EstimateJaccard({sig, kLength}, {d.sig, kLength}) >= kBruteThreshold) {
        out->push_back(d.id);
      }
    }
  }
  void AdvanceTo(int64_t now_ms) {
    std::unique_lock lock(mu_);
    const int64_t first = (now_ms - kWindowMs) / kSliceMs;
    while (!docs_.empty() && docs_.front().slice < first) docs_.pop_front();
  }

 private:
  struct Doc {
    uint64_t id;
    int64_t slice;
    uint32_t sig[kLength];
  };
  mutable std::shared_mutex mu_;
  std::deque<Doc> docs_;
};

// Adapters so one driver runs all three.
struct LockFree {
  explicit LockFree(size_t n) {
    SketchIndex::Options o;
    o.bands = kBands;
    o.rows = kRows;
    o.slice_ms = kSliceMs;
    o.window_ms = kWindowMs;
    o.seed = 42;
    o.expected_docs_per_slice = n / kSlices + n / kSlices / 8 + 16;
    index = std::make_unique<SketchIndex>(o);
  }
  void Insert(uint64_t id, const uint32_t* sig, int64_t t) { index->Insert(id, {sig, kLength}, t); }
  void Query(const uint32_t* sig, std::vector<uint64_t>* out) const {
    index->Query({sig, kLength}, out);
  }
  void AdvanceTo(int64_t t) { index->AdvanceTo(t); }
  std::unique_ptr<SketchIndex> index;
};
// The same SketchIndex with every call behind one std::mutex: isolates what the lock costs.
struct Locked {
  explicit Locked(size_t n) : inner(n) {}
  void Insert(uint64_t id, const uint32_t* sig, int64_t t) {
    std::lock_guard lock(mu);
    inner.Insert(id, sig, t);
  }
  void Query(const uint32_t* sig, std::vector<uint64_t>* out) const {
    std::lock_guard lock(mu);
    inner.Query(sig, out);
  }
  void AdvanceTo(int64_t t) {
    std::lock_guard lock(mu);
    inner.AdvanceTo(t);
  }
  LockFree inner;
  mutable std::mutex mu;
};
struct Mutexed {
  explicit Mutexed(size_t) {}
  void Insert(uint64_t id, const uint32_t* sig, int64_t t) { index.Insert(id, sig, t); }
  void Query(const uint32_t* sig, std::vector<uint64_t>* out) const { index.Query(sig, out); }
  void AdvanceTo(int64_t t) { index.AdvanceTo(t); }
  MutexIndex index;
};
struct Brute {
  explicit Brute(size_t) {}
  void Insert(uint64_t id, const uint32_t* sig, int64_t t) { index.Insert(id, sig, t); }
  void Query(const uint32_t* sig, std::vector<uint64_t>* out) const { index.Query(sig, out); }
  void AdvanceTo(int64_t t) { index.AdvanceTo(t); }
  BruteForce index;
};

struct Figures {
  double ops_per_s = 0;
  double p50_us = 0;
  double p99_us = 0;
  double candidates = 0;
  double ops_per_cpu_s = 0;  // per core actually used: fair on a shared machine
  uint64_t ops = 0;
};

// Time of document i when n documents fill the window: n / 72 per slice.
int64_t TimeOf(uint64_t i, size_t n) {
  return static_cast<int64_t>(static_cast<double>(i) * kWindowMs / static_cast<double>(n));
}

// Runs insert+query operations for document ids next, next+1, ... on `threads` threads until
// `seconds` pass or max_ops are done, advancing time (and so expiry) as documents arrive.
template <class Index>
Figures Measure(Index& index, std::atomic<uint64_t>& next, size_t n, int threads, double seconds,
                uint64_t max_ops) {
  const uint64_t start_id = next.load();
  const auto deadline =
      Clock::now() + std::chrono::microseconds(static_cast<int64_t>(seconds * 1e6));
  std::vector<std::vector<float>> latencies(threads);
  std::vector<uint64_t> candidate_sum(threads);
  std::vector<double> cpu(threads);
  std::atomic<bool> stop{false};
  const auto t0 = Clock::now();
  std::vector<std::thread> pool;
  for (int t = 0; t < threads; ++t) {
    pool.emplace_back([&, t] {
      uint32_t sig[kLength];
      std::vector<uint64_t> out;
      latencies[t].reserve(1 << 20);
      const double cpu0 = ThreadCpuSeconds();
      while (!stop.load(std::memory_order_relaxed)) {
        const uint64_t id = next.fetch_add(1, std::memory_order_relaxed);
        if (id - start_id >= max_ops) break;
        SignatureOf(id, sig);
        const int64_t time = TimeOf(id, n);
        const auto a = Clock::now();
        // The thread that moves into a new slice expires the oldest one (timed with the op).
        if (TimeOf(id - 1, n) / kSliceMs != time / kSliceMs) index.AdvanceTo(time);
        index.Query(sig, &out);
        index.Insert(id, sig, time);
        const auto b = Clock::now();
        latencies[t].push_back(std::chrono::duration<float, std::micro>(b - a).count());
        candidate_sum[t] += out.size();
        if ((id & 63) == 0 && b > deadline) stop.store(true, std::memory_order_relaxed);
      }
      cpu[t] = ThreadCpuSeconds() - cpu0;
    });
  }
  for (auto& th : pool) th.join();
  const double elapsed = std::chrono::duration<double>(Clock::now() - t0).count();
  std::vector<float> all;
  uint64_t cands = 0;
  for (int t = 0; t < threads; ++t) {
    all.insert(all.end(), latencies[t].begin(), latencies[t].end());
    cands += candidate_sum[t];
  }
  Figures f;
  f.ops = all.size();
  if (all.empty()) return f;
  std::sort(all.begin(), all.end());
  f.ops_per_s = static_cast<double>(all.size()) / elapsed;
  f.p50_us = all[all.size() / 2];
  f.p99_us = all[std::min(all.size() - 1, all.size() * 99 / 100)];
  f.candidates = static_cast<double>(cands) / static_cast<double>(all.size());
  double cpu_total = 0;
  for (double c : cpu) cpu_total += c;
  f.ops_per_cpu_s = cpu_total > 0 ? static_cast<double>(all.size()) / cpu_total : 0;
  return f;
}

// Fills the window with n documents (ids 0..n-1, times spread over 72 slices).
template <class Index>
void Prefill(Index& index, size_t n) {
  uint32_t sig[kLength];
  for (uint64_t i = 0; i < n; ++i) {
    SignatureOf(i, sig);
    const int64_t time = TimeOf(i, n);
    if (i == 0 || TimeOf(i - 1, n) / kSliceMs != time / kSliceMs) index.AdvanceTo(time);
    index.Insert(i, sig, time);
  }
}

template <class Index>
void Run(const char* name, size_t n, double seconds, uint64_t max_ops) {
  malloc_trim(0);  // hand memory of the previous run back, so the RSS delta is this index's
  const size_t rss0 = ResidentBytes();
  const auto p0 = Clock::now();
  auto index = std::make_unique<Index>(n);
  Prefill(*index, n);
  const double prefill_s = std::chrono::duration<double>(Clock::now() - p0).count();
  const size_t rss1 = ResidentBytes();
  std::atomic<uint64_t> next{n};
  for (int threads : {1, 2}) {
    const Figures f = Measure(*index, next, n, threads, seconds, max_ops);
    std::string bytes = "-";
    if constexpr (std::is_same_v<Index, LockFree>) {
      bytes =
          std::to_string(index->index->Bytes() / std::max<size_t>(1, index->index->Documents()));
    }
    std::printf("%-9s %8zu %3d %10.0f %10.0f %10.0f %9.2f %9.2f %6.1f %9.0f %7s %8" PRIu64
                " %6.1f\n",
                name, n, threads, f.ops_per_s, f.ops_per_s / threads, f.ops_per_cpu_s, f.p50_us,
                f.p99_us, f.candidates, static_cast<double>(rss1 - std::min(rss1, rss0)) / n,
                bytes.c_str(), f.ops, prefill_s);
    std::fflush(stdout);
  }
}

// The analyzer's share of the per-document budget: signing 200 features.
void MeasureSigning() {
  babelwatch::detect::MinHasher hasher(kLength, 7);
  std::vector<uint64_t> features(200);
  std::vector<float> weights(200);
  constexpr int kDocs = 2000;
  uint64_t sink = 0;
  const double c0 = ThreadCpuSeconds();
  for (int d = 0; d < kDocs; ++d) {
    for (size_t i = 0; i < features.size(); ++i) features[i] = Mix(d * 1000 + i);
    sink += hasher.Sign(features)[0];
  }
  const double c1 = ThreadCpuSeconds();
  for (int d = 0; d < kDocs; ++d) {
    for (size_t i = 0; i < features.size(); ++i) {
      features[i] = Mix(d * 1000 + i);
      weights[i] = 0.5f + static_cast<float>(i % 7);
    }
    sink += hasher.SignWeighted(features, weights)[0];
  }
  const double c2 = ThreadCpuSeconds();
  std::printf(
      "MinHasher(%d): Sign %.1f us, SignWeighted %.1f us per 200-feature document (cpu)%s\n",
      kLength, (c1 - c0) / kDocs * 1e6, (c2 - c1) / kDocs * 1e6, sink == 1 ? " " : "");
}

}  // namespace

int main(int argc, char** argv) {
  std::vector<size_t> sizes = {10'000, 100'000, 1'000'000};
  double seconds = 3;
  std::string only;
  for (int i = 1; i < argc; ++i) {
    const std::string arg = argv[i];
    if (arg.rfind("--sizes=", 0) == 0) {
      sizes.clear();
      const char* p = arg.c_str() + 8;
      while (*p != '\0') {
        char* end = nullptr;
        const unsigned long long v = std::strtoull(p, &end, 10);
        if (end == p) break;
        sizes.push_back(static_cast<size_t>(v));
        p = *end == ',' ? end + 1 : end;
      }
    } else if (arg.rfind("--seconds=", 0) == 0) {
      seconds = std::atof(arg.c_str() + 10);
    } else if (arg.rfind("--only=", 0) == 0) {
      only = arg.substr(7);
    } else {
      std::fprintf(stderr,
                   "index_bench: unknown argument \"%s\"; expected --sizes=N,N,... "
                   "--seconds=S --only=lockfree|locked|mutexmap|brute\n",
                   argv[i]);
      return 2;
    }
  }
  MeasureSigning();
  std::printf("bands=%d rows=%d, 72 slices of 1 h, steady-state window; one op = query + insert\n",
              kBands, kRows);
  std::printf("%-9s %8s %3s %10s %10s %10s %9s %9s %6s %9s %7s %8s %6s\n", "impl", "docs", "thr",
              "ops/s", "ops/s/thr", "ops/cpu_s", "p50_us", "p99_us", "cands", "rssB/doc", "B/doc",
              "ops", "fill_s");
  for (size_t n : sizes) {
    if (only.empty() || only == "lockfree") Run<LockFree>("lockfree", n, seconds, 2'000'000);
    if (only.empty() || only == "locked") Run<Locked>("locked", n, seconds, 2'000'000);
    if (only.empty() || only == "mutexmap") Run<Mutexed>("mutexmap", n, seconds, 2'000'000);
    if (only.empty() || only == "brute") Run<Brute>("brute", n, seconds / 2, 20'000);
  }
  return 0;
}
