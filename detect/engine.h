// File: detect/engine.h
//
// Engine: the whole detection stage for one stream of Items — analysis, the sliding-window
// sketch index, and online clustering into stories. Replay and eval drive it directly on
// simulated time; the daemon runs Analyze() on a worker pool and Assign() on one strand.
// Analyze() is thread-safe (pure given the loaded resources); everything else is not
// thread-safe and must be called from one thread (or strand) at a time.
#pragma once

#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "core/item.h"
#include "core/result.h"
#include "core/story.h"
#include "detect/options.h"

namespace babelwatch::detect {

struct Doc;           // an analyzed Item (detect/doc.h)
struct EngineParams;  // tuning of analysis, similarity and clustering (detect/engine_params.h)

struct Assignment {
  StoryId story = 0;
  bool new_story = false;
  bool syndicated = false;  // a near-identical copy of a document already in the story
  std::string lang;         // the language the document was analyzed as
  double similarity = 0;    // to the story it joined (0 for a new story)
};

class Engine {
 public:
  // Loads language resources (ICU transliterators, stemmers, name tables). Errors:
  // kInvalidArgument for bad options, kNotFound if a required Debian resource is missing.
  [[nodiscard]] static Result<std::unique_ptr<Engine>> Create(const DetectOptions& options);
  // The same with explicit tuning (experiments, eval). options' thresholds, when >= 0,
  // override params.cluster's.
  [[nodiscard]] static Result<std::unique_ptr<Engine>> Create(const DetectOptions& options,
                                                              const EngineParams& params);
  ~Engine();
  Engine(const Engine&) = delete;
  Engine& operator=(const Engine&) = delete;

  // Pure analysis of one item. Thread-safe.
  [[nodiscard]] std::shared_ptr<const Doc> Analyze(const Item& item) const;

  // Indexes the document and puts it into a story. Expires documents older than the window
  // relative to the document's published time (simulated time in replay).
  Assignment Assign(std::shared_ptr<const Doc> doc);

  // Analyze + Assign.
  Assignment Add(const Item& item);

  // Expires everything older than now_ms - window.
  void AdvanceTo(int64_t now_ms);

  // The story as it is now; nullopt once it has left the window.
  [[nodiscard]] std::optional<StorySummary> Story(StoryId id) const;
  // Every story still in the window.
  [[nodiscard]] std::vector<StorySummary> Stories() const;

  // The similarity the clusterer uses to link two analyzed documents, in [0, 1]
  // (eval-pairs scores dev pairs with it).
  [[nodiscard]] double Similarity(const Doc& a, const Doc& b) const;

  // Counts the document in the streaming document frequencies without clustering it, so a
  // corpus scored pair by pair (eval-pairs) has the statistics a stream would have.
  void ObserveFrequencies(const Doc& doc);

  // Seconds Create() spent loading language resources (ICU tables, stemmers, name tables).
  [[nodiscard]] double resource_load_seconds() const;
  // Documents currently in the window.
  [[nodiscard]] size_t documents() const;
  // Bytes held by the sketch index (signatures and postings, not text), and documents it
  // has evicted with their expired slices. Read on the same thread as Assign().
  [[nodiscard]] size_t index_bytes() const;
  [[nodiscard]] uint64_t index_evictions() const;

 private:
  Engine();
  struct Impl;
  std::unique_ptr<Impl> impl_;
};

}  // namespace babelwatch::detect
