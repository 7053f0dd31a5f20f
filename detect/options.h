// File: detect/options.h
//
// Options of the detect component (analysis, sketch index, clustering), filled by config/.
#pragma once

#include <cstdint>

namespace babelwatch::detect {

struct DetectOptions {
  int64_t window_ms = 72LL * 3600 * 1000;  // documents older than this leave the index
  int64_t slice_ms = 3600LL * 1000;        // the index expires one whole slice at a time
  int minhash_bands = 16;
  int minhash_rows = 4;
  uint64_t seed = 0x9e3779b97f4a7c15ULL;   // MinHash/LSH seed; tests fix it
  // Similarity a document needs to join a story; < 0 = the calibrated default.
  double same_language_threshold = -1;
  double cross_language_threshold = -1;
  int worker_threads = 0;                  // analysis workers; 0 = number of cores

  bool operator==(const DetectOptions&) const = default;
};

}  // namespace babelwatch::detect
