// End-to-end replay throughput of detect/: Engine analysis + sketch index + clustering on a
// generated multilingual stream (bench/replay_corpus.h) with a 24 h window, at a given number
// of documents in the window. Two modes: Analyze + Assign on one thread, and Analyze on two
// threads feeding Assign on a third in order (as the daemon does). Figures only.
//
// Each run first replays `fill` documents (default: the window's size, so the window is full),
// then measures the next `docs` documents: documents/second (wall), documents per CPU second
// (process CPU time: per core actually used), p50/p99 per-document latency (Analyze + Assign
// of that document), resident bytes per document in the window, and the sketch index's bytes.
// Mode 0 runs Analyze alone on the measured documents (the analysis share of the cost).
// The digest folds every Assignment (story, new/syndicated, language, similarity bits): equal
// digests mean identical clustering, e.g. before and after an optimisation.
//
// Usage: replay_bench [--window-docs 10000,100000,1000000] [--docs 20000] [--fill N]
//                     [--modes 0,1,2] [--seed 42] [--shared-dir DIR] [--print N]
// (--print N writes the first N generated items to stderr.)
#include <malloc.h>
#include <time.h>

#include <algorithm>
#include <atomic>
#include <chrono>
#include <cinttypes>
#include <cstdio>
#include <cstring>
#include <memory>
#include <set>
#include <string>
#include <thread>
#include <vector>

#include "bench/replay_corpus.h"
#include "core/story.h"
#include "detect/doc.h"
#include "detect/engine.h"

namespace {

using babelwatch::Item;
using babelwatch::bench::CorpusOptions;
using babelwatch::bench::ReplayCorpus;
using babelwatch::detect::Assignment;
using babelwatch::detect::DetectOptions;
using babelwatch::detect::Doc;
using babelwatch::detect::Engine;

double Now() {
  return std::chrono::duration<double>(std::chrono::steady_clock::now().time_since_epoch()).count();
}

double ProcessCpuSeconds() {
  timespec ts{};
  clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &ts);
  return static_cast<double>(ts.tv_sec) + static_cast<double>(ts.tv_nsec) * 1e-9;
}

size_t ResidentBytes() {
  FILE* f = std::fopen("/proc/self/statm", "r");
  if (f == nullptr) return 0;
  unsigned long pages = 0, resident = 0;
  int got = std::fscanf(f, "%lu %lu", &pages, &resident);
  std::fclose(f);
  return got == 2 ? resident * static_cast<size_t>(sysconf(_SC_PAGESIZE)) : 0;
}

struct Digest {
  uint64_t h = 1469598103934665603ULL;
  void Bytes(const void* p, size_t n) {
    const auto* b = static_cast<const unsigned char*>(p);
    for (size_t i = 0; i < n; ++i) h = (h ^ b[i]) * 1099511628211ULL;
  }
  void Add(const Assignment& a) {
    Bytes(&a.story, sizeof a.story);
    const unsigned char flags = static_cast<unsigned char>(a.new_story | (a.syndicated << 1));
    Bytes(&flags, 1);
    Bytes(a.lang.data(), a.lang.size());
    Bytes(&a.similarity, sizeof a.similarity);
  }
};

struct Figures {
  size_t window_docs = 0;
  double fill_docs_per_s = 0;
  double docs_per_s = 0;
  double docs_per_cpu_s = 0;
  double p50_us = 0, p99_us = 0;
  double rss_bytes_per_doc = 0;
  size_t rss_bytes = 0;
  size_t index_bytes = 0;
  size_t stories = 0, multilingual = 0;
  uint64_t digest = 0;
};

double Percentile(std::vector<double> v, double q) {
  if (v.empty()) return 0;
  size_t k = std::min(v.size() - 1, static_cast<size_t>(q * static_cast<double>(v.size())));
  std::nth_element(v.begin(), v.begin() + static_cast<long>(k), v.end());
  return v[k];
}

DetectOptions Options() {
  DetectOptions o;
  o.window_ms = 24LL * 3600 * 1000;
  return o;
}

// Rates of the measured documents (wall clock and process CPU), latency percentiles, digest.
void SetRates(Figures& f, size_t docs, double wall, double cpu, const std::vector<double>& lat,
              uint64_t digest) {
  const auto n = static_cast<double>(docs);
  f.docs_per_s = n / std::max(1e-9, wall);
  f.docs_per_cpu_s = n / std::max(1e-9, cpu);
  f.p50_us = Percentile(lat, 0.5);
  f.p99_us = Percentile(lat, 0.99);
  f.digest = digest;
}

void Finish(Engine& engine, Figures& f, size_t rss0) {
  f.window_docs = engine.documents();
  f.rss_bytes = ResidentBytes();
  f.rss_bytes_per_doc = f.window_docs
                            ? static_cast<double>(f.rss_bytes - std::min(f.rss_bytes, rss0)) /
                                  static_cast<double>(f.window_docs)
                            : 0;
  f.index_bytes = engine.index_bytes();
  for (const auto& s : engine.Stories()) {
    ++f.stories;
    if (s.languages.size() >= 2) ++f.multilingual;
  }
}

// Analyze + Assign on this thread.
Figures RunOneThread(const std::vector<Item>& items, size_t fill) {
  Figures f;
  malloc_trim(0);
  auto engine = Engine::Create(Options()).value();
  (void)engine->Analyze(items.front());  // touch lazily built resources before measuring
  const size_t rss0 = ResidentBytes();
  Digest digest;
  const double fill0 = Now();
  for (size_t i = 0; i < fill; ++i) digest.Add(engine->Add(items[i]));
  f.fill_docs_per_s = static_cast<double>(fill) / std::max(1e-9, Now() - fill0);
  std::vector<double> lat;
  lat.reserve(items.size() - fill);
  const double cpu0 = ProcessCpuSeconds(), t0 = Now();
  for (size_t i = fill; i < items.size(); ++i) {
    const double a = Now();
    digest.Add(engine->Add(items[i]));
    lat.push_back((Now() - a) * 1e6);
  }
  const double wall = Now() - t0, cpu = ProcessCpuSeconds() - cpu0;
  SetRates(f, items.size() - fill, wall, cpu, lat, digest.h);
  Finish(*engine, f, rss0);
  return f;
}

// Analyze alone on this thread (what bounds the end-to-end rate from below): figures over the
// measured documents; the window stays empty.
Figures RunAnalyzeOnly(const std::vector<Item>& items, size_t fill) {
  Figures f;
  auto engine = Engine::Create(Options()).value();
  (void)engine->Analyze(items.front());
  std::vector<double> lat;
  lat.reserve(items.size() - fill);
  Digest digest;
  const double cpu0 = ProcessCpuSeconds(), t0 = Now();
  for (size_t i = fill; i < items.size(); ++i) {
    const double a = Now();
    auto doc = engine->Analyze(items[i]);
    lat.push_back((Now() - a) * 1e6);
    digest.Bytes(doc->lang.data(), doc->lang.size());
  }
  const double wall = Now() - t0, cpu = ProcessCpuSeconds() - cpu0;
  SetRates(f, items.size() - fill, wall, cpu, lat, digest.h);
  return f;
}

// Analyze on two threads, Assign in order on this one, through a bounded ring of slots.
Figures RunPipeline(const std::vector<Item>& items, size_t fill) {
  constexpr size_t kAnalyzers = 2;
  constexpr size_t kRing = 1024;  // documents analysed ahead of Assign at most
  Figures f;
  malloc_trim(0);
  auto engine = Engine::Create(Options()).value();
  (void)engine->Analyze(items.front());
  const size_t rss0 = ResidentBytes();
  struct Slot {
    std::atomic<size_t> ready{0};  // item index + 1 once doc holds that item's analysis
    std::shared_ptr<const Doc> doc;
    double analyze_us = 0;
  };
  std::vector<Slot> ring(kRing);
  std::atomic<size_t> consumed{0};
  std::vector<std::thread> analyzers;
  for (size_t t = 0; t < kAnalyzers; ++t) {
    analyzers.emplace_back([&, t] {
      for (size_t i = t; i < items.size(); i += kAnalyzers) {
        for (size_t c = consumed.load(); i >= c + kRing; c = consumed.load()) consumed.wait(c);
        const double a = Now();
        auto doc = engine->Analyze(items[i]);
        Slot& s = ring[i % kRing];
        s.analyze_us = (Now() - a) * 1e6;
        s.doc = std::move(doc);
        s.ready.store(i + 1, std::memory_order_release);
        s.ready.notify_one();
      }
    });
  }
  Digest digest;
  std::vector<double> lat;
  lat.reserve(items.size() - fill);
  double fill0 = Now(), t0 = 0, cpu0 = 0;
  for (size_t i = 0; i < items.size(); ++i) {
    if (i == fill) {
      f.fill_docs_per_s = static_cast<double>(fill) / std::max(1e-9, Now() - fill0);
      t0 = Now();
      cpu0 = ProcessCpuSeconds();
    }
    Slot& s = ring[i % kRing];
    for (size_t r = s.ready.load(std::memory_order_acquire); r != i + 1;
         r = s.ready.load(std::memory_order_acquire)) {
      s.ready.wait(r);
    }
    std::shared_ptr<const Doc> doc = std::move(s.doc);
    const double analyze_us = s.analyze_us;
    consumed.store(i + 1);
    consumed.notify_all();
    const double a = Now();
    digest.Add(engine->Assign(std::move(doc)));
    if (i >= fill) lat.push_back(analyze_us + (Now() - a) * 1e6);
  }
  const double wall = Now() - t0, cpu = ProcessCpuSeconds() - cpu0;
  for (auto& th : analyzers) th.join();
  SetRates(f, items.size() - fill, wall, cpu, lat, digest.h);
  Finish(*engine, f, rss0);
  return f;
}

std::vector<size_t> ParseList(const char* s) {
  std::vector<size_t> out;
  for (const char* p = s; *p;) {
    char* end = nullptr;
    unsigned long long v = std::strtoull(p, &end, 10);
    if (end == p) break;
    out.push_back(static_cast<size_t>(v));
    p = *end == ',' ? end + 1 : end;
  }
  return out;
}

}  // namespace

int main(int argc, char** argv) {
  std::vector<size_t> windows = {10000, 100000, 1000000};
  std::vector<size_t> modes = {1, 2};
  size_t docs = 20000;
  long long fill_override = -1;
  uint64_t seed = 42;
  size_t print = 0;  // items written to stderr (for inspection), per window size
  std::string shared = SHARED_DIR_DEFAULT;
  for (int i = 1; i < argc; ++i) {
    std::string a = argv[i];
    const char* v = i + 1 < argc ? argv[i + 1] : nullptr;
    if (v == nullptr) {
      std::fprintf(stderr, "replay_bench: %s needs a value\n", a.c_str());
      return 2;
    }
    ++i;
    if (a == "--window-docs") {
      windows = ParseList(v);
    } else if (a == "--docs") {
      docs = std::strtoull(v, nullptr, 10);
    } else if (a == "--fill") {
      fill_override = std::strtoll(v, nullptr, 10);
    } else if (a == "--modes") {
      modes = ParseList(v);
    } else if (a == "--seed") {
      seed = std::strtoull(v, nullptr, 10);
    } else if (a == "--print") {
      print = std::strtoull(v, nullptr, 10);
    } else if (a == "--shared-dir") {
      shared = v;
    } else {
      std::fprintf(stderr, "replay_bench: unknown option %s\n", a.c_str());
      return 2;
    }
  }
  if (windows.empty() || docs == 0) {
    std::fprintf(stderr, "replay_bench: --window-docs and --docs must name positive counts\n");
    return 2;
  }
  std::printf("%-6s %5s %9s %9s %10s %9s %9s %9s %10s %10s %9s %11s %18s\n", "window", "mode",
              "in_window", "fill/s", "docs/s", "docs/cpu", "p50_us", "p99_us", "rssB/doc",
              "index_MB", "stories", "multilingual", "digest");
  for (size_t w : windows) {
    CorpusOptions co;
    co.seed = seed;
    co.window_docs = w;
    auto corpus = ReplayCorpus::Load(
        {shared + "/eval/feeds_events_dev.jsonl", shared + "/eval/semeval2022_pairs_dev.jsonl"},
        co);
    if (!corpus) {
      std::fprintf(stderr, "replay_bench: %s\n", corpus.error().message.c_str());
      return 1;
    }
    const size_t fill = fill_override >= 0 ? static_cast<size_t>(fill_override) : w;
    const std::vector<Item> items = corpus->Generate(fill + docs);
    std::fprintf(stderr, "window %zu: %zu items generated (vocabulary %s)\n", w, items.size(),
                 corpus->Describe().c_str());
    for (size_t k = 0; k < print && k < items.size(); ++k) {
      std::fprintf(stderr, "%lld [%s] %s | %s | %s\n",
                   static_cast<long long>(items[k].published_ms), items[k].lang_hint.c_str(),
                   items[k].source.c_str(), items[k].title.c_str(), items[k].text.c_str());
    }
    for (size_t m : modes) {
      if (m > 2) continue;
      Figures f = m == 0   ? RunAnalyzeOnly(items, fill)
                  : m == 1 ? RunOneThread(items, fill)
                           : RunPipeline(items, fill);
      std::printf(
          "%-6zu %5s %9zu %9.0f %10.0f %9.0f %9.1f %9.1f %10.0f %10.1f %9zu %11zu %18" PRIx64 "\n",
          w,
          m == 0   ? "anlz"
          : m == 1 ? "1thr"
                   : "2+1",
          f.window_docs, f.fill_docs_per_s, f.docs_per_s, f.docs_per_cpu_s, f.p50_us, f.p99_us,
          f.rss_bytes_per_doc, static_cast<double>(f.index_bytes) / 1e6, f.stories, f.multilingual,
          f.digest);
      std::fflush(stdout);
    }
  }
  return 0;
}
