// detect analysis and clustering throughput: Analyze() per headline and per article, and
// Engine::Add() (analysis + index + clustering) on a stream of real headlines replayed with
// increasing times, so the window fills and expires as in the daemon. Figures only.
#include <benchmark/benchmark.h>

#include <boost/json.hpp>
#include <fstream>
#include <string>
#include <vector>

#include "detect/engine.h"

namespace {

using babelwatch::Item;
using babelwatch::detect::DetectOptions;
using babelwatch::detect::Engine;

std::vector<Item> Load(const std::string& path, bool pairs) {
  std::vector<Item> items;
  std::ifstream in(path);
  std::string line;
  while (std::getline(in, line)) {
    boost::system::error_code ec;
    auto v = boost::json::parse(line, ec);
    if (ec || !v.is_object()) continue;
    const auto& o = v.get_object();
    auto str = [&](const char* k) {
      auto it = o.find(k);
      return it != o.end() && it->value().is_string() ? std::string(it->value().get_string())
                                                      : std::string();
    };
    Item i;
    if (pairs) {
      i.text = str("text1");
      i.lang_hint = str("lang1");
    } else {
      i.title = str("title");
      i.text = str("text");
      i.lang_hint = str("lang");
      i.source = str("source");
    }
    i.id = std::to_string(items.size());
    items.push_back(std::move(i));
  }
  return items;
}

Engine& SharedEngine() {
  static Engine* engine = Engine::Create(DetectOptions{}).value().release();
  return *engine;
}

void BM_AnalyzeHeadline(benchmark::State& state) {
  static auto items = Load(SHARED_DIR_DEFAULT "/eval/feeds_events_dev.jsonl", false);
  Engine& e = SharedEngine();
  size_t i = 0;
  for (auto _ : state) {
    benchmark::DoNotOptimize(e.Analyze(items[i++ % items.size()]));
  }
  state.SetItemsProcessed(static_cast<int64_t>(state.iterations()));
}
BENCHMARK(BM_AnalyzeHeadline)->ThreadRange(1, 2)->UseRealTime();

void BM_AnalyzeArticle(benchmark::State& state) {
  static auto items = Load(SHARED_DIR_DEFAULT "/eval/semeval2022_pairs_dev.jsonl", true);
  Engine& e = SharedEngine();
  size_t i = 0;
  for (auto _ : state) {
    benchmark::DoNotOptimize(e.Analyze(items[i++ % items.size()]));
  }
  state.SetItemsProcessed(static_cast<int64_t>(state.iterations()));
}
BENCHMARK(BM_AnalyzeArticle)->ThreadRange(1, 2)->UseRealTime();

// One document every 3 s of simulated time: a 72 h window holds up to 86,400 documents.
void BM_AddStream(benchmark::State& state) {
  static auto items = Load(SHARED_DIR_DEFAULT "/eval/feeds_events_dev.jsonl", false);
  auto engine = Engine::Create(DetectOptions{}).value();
  int64_t t = 1687564800000;
  size_t i = 0;
  for (auto _ : state) {
    Item item = items[i++ % items.size()];
    item.published_ms = (t += 3000);
    benchmark::DoNotOptimize(engine->Add(item));
  }
  state.counters["window_docs"] = static_cast<double>(engine->documents());
  state.SetItemsProcessed(static_cast<int64_t>(state.iterations()));
}
BENCHMARK(BM_AddStream)->Iterations(20000)->Unit(benchmark::kMicrosecond);

}  // namespace

BENCHMARK_MAIN();
