#include "detect/engine.h"

#include <algorithm>

#include "detect/analyzer.h"
#include "detect/clusterer.h"
#include "detect/doc.h"
#include "detect/engine_params.h"
#include "detect/minhash.h"
#include "detect/sketch_index.h"

namespace babelwatch::detect {

struct Engine::Impl {
  DetectOptions options;
  std::unique_ptr<Analyzer> analyzer;
  std::unique_ptr<Clusterer> clusterer;
  std::unique_ptr<MinHasher> minhash;
  int64_t now_ms = INT64_MIN;
};

Engine::Engine() : impl_(std::make_unique<Impl>()) {}
Engine::~Engine() = default;

Result<std::unique_ptr<Engine>> Engine::Create(const DetectOptions& options) {
  return Create(options, EngineParams{});
}

Result<std::unique_ptr<Engine>> Engine::Create(const DetectOptions& options,
                                               const EngineParams& params) {
  if (options.window_ms <= 0) {
    return InvalidArgument("detect.window_ms: must be > 0, got " +
                           std::to_string(options.window_ms));
  }
  if (options.slice_ms <= 0 || options.slice_ms > options.window_ms) {
    return InvalidArgument("detect.slice_ms: must be in (0, window_ms], got " +
                           std::to_string(options.slice_ms));
  }
  if (options.minhash_bands <= 0 || options.minhash_rows <= 0) {
    return InvalidArgument("detect.minhash_bands/minhash_rows: must be > 0, got " +
                           std::to_string(options.minhash_bands) + "/" +
                           std::to_string(options.minhash_rows));
  }
  if (options.same_language_threshold > 1 || options.cross_language_threshold > 1) {
    return InvalidArgument("detect thresholds: must be <= 1 (or < 0 for the default)");
  }
  SketchIndex::Options index;
  index.bands = options.minhash_bands;
  index.rows = options.minhash_rows;
  index.slice_ms = options.slice_ms;
  index.window_ms = options.window_ms;
  index.seed = options.seed;
  if (auto checked = SketchIndex::Create(index); !checked) {
    return checked.error().WithContext("detect");
  }
  std::unique_ptr<Engine> e(new Engine());
  e->impl_->options = options;
  auto analyzer = Analyzer::Create(params.analyzer);
  if (!analyzer) return analyzer.error().WithContext("detect: loading language resources");
  e->impl_->analyzer = std::move(*analyzer);
  ClusterParams cp = params.cluster;
  if (options.same_language_threshold >= 0) cp.same_threshold = options.same_language_threshold;
  if (options.cross_language_threshold >= 0) {
    cp.cross_threshold = options.cross_language_threshold;
  }
  e->impl_->clusterer = std::make_unique<Clusterer>(cp, params.similarity, index);
  e->impl_->minhash =
      std::make_unique<MinHasher>(options.minhash_bands * options.minhash_rows, options.seed);
  return e;
}

std::shared_ptr<const Doc> Engine::Analyze(const Item& item) const {
  Doc doc = impl_->analyzer->Analyze(item);
  if (!doc.features.empty()) doc.signature = impl_->minhash->Sign(doc.features);
  return std::make_shared<const Doc>(std::move(doc));
}

Assignment Engine::Assign(std::shared_ptr<const Doc> doc) {
  AdvanceTo(doc->published_ms);
  return impl_->clusterer->Add(std::move(doc));
}

Assignment Engine::Add(const Item& item) { return Assign(Analyze(item)); }

void Engine::AdvanceTo(int64_t now_ms) {
  if (now_ms <= impl_->now_ms) return;
  impl_->now_ms = now_ms;
  impl_->clusterer->ExpireBefore(now_ms - impl_->options.window_ms);
}

std::optional<StorySummary> Engine::Story(StoryId id) const {
  return impl_->clusterer->Summary(id);
}

std::vector<StorySummary> Engine::Stories() const { return impl_->clusterer->Summaries(); }

double Engine::Similarity(const Doc& a, const Doc& b) const {
  return impl_->clusterer->Similarity(a, b);
}

void Engine::ObserveFrequencies(const Doc& doc) { impl_->clusterer->frequencies().Add(doc); }

double Engine::resource_load_seconds() const {
  return impl_->analyzer->resource_stats().load_seconds;
}

size_t Engine::documents() const { return impl_->clusterer->documents(); }
size_t Engine::index_bytes() const { return impl_->clusterer->index_bytes(); }
uint64_t Engine::index_evictions() const { return impl_->clusterer->index_evictions(); }

}  // namespace babelwatch::detect
