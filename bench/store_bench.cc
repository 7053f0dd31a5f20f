// Store figures: the time to restore the detection window after a restart (LoadWindow over
// N documents and their stories), the cost of saving documents, and outbox throughput.
// Run: build-*/bench/store_bench [--benchmark_filter=...]. Uses a fresh directory in /tmp.
#include <benchmark/benchmark.h>
#include <stdlib.h>

#include <filesystem>
#include <string>

#include "store/store.h"

namespace {

namespace fs = std::filesystem;
using babelwatch::Alert;
using babelwatch::StorySummary;
using babelwatch::store::Store;
using babelwatch::store::StoreOptions;
using babelwatch::store::WindowDocument;

struct TempStore {
  TempStore() {
    std::string tmpl = (fs::temp_directory_path() / "babelwatch-bench-XXXXXX").string();
    if (mkdtemp(tmpl.data()) == nullptr) abort();
    dir = tmpl;
    options.state_dir = dir.string();
    store = std::move(Store::Open(options).value());
  }
  ~TempStore() {
    store.reset();
    std::error_code ec;
    fs::remove_all(dir, ec);
  }
  fs::path dir;
  StoreOptions options;
  std::unique_ptr<Store> store;
};

WindowDocument Doc(int64_t i) {
  WindowDocument d;
  d.item.id = "https://news.example/article/" + std::to_string(i);
  d.item.feed_id = "feed-" + std::to_string(i % 200);
  d.item.source = "news" + std::to_string(i % 500) + ".example";
  d.item.url = d.item.id;
  d.item.title = "A headline of about sixty bytes, number " + std::to_string(i);
  d.item.text.assign(1500, 'x');  // a typical summary after HTML stripping
  d.item.published_ms = 1'700'000'000'000 + i * 1000;
  d.item.lang_hint = "en";
  d.story = static_cast<uint64_t>(i / 4);
  d.lang = "en";
  return d;
}

void Fill(Store& store, int64_t n) {
  std::vector<WindowDocument> batch;
  for (int64_t i = 0; i < n; ++i) {
    batch.push_back(Doc(i));
    if (batch.size() == 1000 || i + 1 == n) {
      if (!store.SaveDocuments(batch)) abort();
      batch.clear();
    }
    if (i % 4 == 0) {
      StorySummary s;
      s.id = static_cast<uint64_t>(i / 4);
      s.first_seen_ms = s.last_seen_ms = 1'700'000'000'000 + i * 1000;
      s.documents = 4;
      s.languages = {{"en", s.first_seen_ms, "headline", "news.example", "https://x/"}};
      if (!store.SaveStory(s)) abort();
    }
  }
}

// Restoring the window after a restart: N documents and N/4 stories.
void BM_LoadWindow(benchmark::State& state) {
  TempStore t;
  Fill(*t.store, state.range(0));
  // Reopen, as a restart would.
  t.store.reset();
  t.store = std::move(Store::Open(t.options).value());
  for (auto _ : state) {
    auto w = t.store->LoadWindow(0);
    if (!w || static_cast<int64_t>(w->documents.size()) != state.range(0)) abort();
    benchmark::DoNotOptimize(w);
  }
  state.SetItemsProcessed(state.iterations() * state.range(0));
}
BENCHMARK(BM_LoadWindow)->Arg(10'000)->Arg(100'000)->Unit(benchmark::kMillisecond);

// One committed transaction (fsync) per document, as the pipeline does when idle.
void BM_SaveDocument(benchmark::State& state) {
  TempStore t;
  int64_t i = 0;
  for (auto _ : state) {
    if (!t.store->SaveDocument(Doc(i++))) abort();
  }
  state.SetItemsProcessed(state.iterations());
}
BENCHMARK(BM_SaveDocument)->Unit(benchmark::kMicrosecond);

void BM_MarkSeenKnown(benchmark::State& state) {
  TempStore t;
  for (int i = 0; i < 1000; ++i) {
    std::string url = "https://x.example/";
    url += std::to_string(i);
    if (!t.store->MarkSeen("f", std::to_string(i), url, 0)) abort();
  }
  int64_t i = 0;
  for (auto _ : state) {
    auto r = t.store->MarkSeen("f", std::to_string(i++ % 1000), "", 1);
    if (!r || *r) abort();
  }
  state.SetItemsProcessed(state.iterations());
}
BENCHMARK(BM_MarkSeenKnown)->Unit(benchmark::kMicrosecond);

// Accept, read due, mark delivered: the outbox round trip of one alert to one sink.
void BM_OutboxRoundTrip(benchmark::State& state) {
  TempStore t;
  uint64_t id = 0;
  for (auto _ : state) {
    Alert a;
    a.story = ++id;
    a.kind = "spread";
    a.languages = {"en", "uk"};
    a.idempotency_key = "story-" + std::to_string(id) + "/languages-2";
    if (!t.store->Enqueue(a, {"hook"}, 0).value()) abort();
    auto due = t.store->Due(0, "hook", 1);
    if (!due || due->size() != 1 || !t.store->MarkDelivered(due->front().id)) abort();
  }
  state.SetItemsProcessed(state.iterations());
}
BENCHMARK(BM_OutboxRoundTrip)->Unit(benchmark::kMicrosecond);

}  // namespace

BENCHMARK_MAIN();
