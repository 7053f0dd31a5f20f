// File: detect/engine_params.h
//
// EngineParams: every tuning constant of analysis, similarity and clustering in one value,
// with the defaults measured in docs/QUALITY.md. Plain value type.
#pragma once

#include "detect/analyzer.h"
#include "detect/clusterer.h"
#include "detect/similarity.h"

namespace babelwatch::detect {

struct EngineParams {
  AnalyzerParams analyzer;
  SimilarityParams similarity;
  ClusterParams cluster;
};

}  // namespace babelwatch::detect
