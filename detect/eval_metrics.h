// File: detect/eval_metrics.h
//
// Quality metrics for clustering and pair scoring, as `babelwatch eval` and `eval-pairs`
// report them: B-cubed precision/recall/F1 of clusters against event labels, the same
// restricted to cross-language pairs of documents, alert precision/recall, ROC AUC and
// Spearman's rank correlation. Pure functions over parallel vectors (index i = document i).
#pragma once

#include <cstdint>
#include <string>
#include <vector>

namespace babelwatch::detect {

struct PrecisionRecall {
  double precision = 0;
  double recall = 0;
  double f1 = 0;
};

// B-cubed over all documents: for each document, precision = share of its cluster that has
// its event, recall = share of its event that is in its cluster (both counting itself);
// averaged over documents. Empty input gives zeros. Vectors must have equal sizes.
[[nodiscard]] PrecisionRecall BCubed(const std::vector<std::string>& events,
                                     const std::vector<uint64_t>& clusters);

// B-cubed restricted to pairs of documents in different languages: for each document,
// precision and recall over the other documents in a different language only, each averaged
// over the documents where it is defined (0 when it is defined nowhere).
[[nodiscard]] PrecisionRecall CrossLanguageBCubed(const std::vector<std::string>& events,
                                                  const std::vector<uint64_t>& clusters,
                                                  const std::vector<std::string>& langs);

// An event deserves an alert when its documents span 2+ languages and 2+ sources. Each
// alerted cluster is credited to its majority event (ties: the smallest label). Precision =
// alerted clusters whose event deserves one / alerted clusters; recall = deserving events
// credited with at least one alerted cluster / deserving events. With nothing alerted,
// precision is 1 if nothing deserves an alert, else 0; with nothing deserving, recall is 1.
[[nodiscard]] PrecisionRecall AlertQuality(const std::vector<std::string>& events,
                                           const std::vector<uint64_t>& clusters,
                                           const std::vector<std::string>& langs,
                                           const std::vector<std::string>& sources,
                                           const std::vector<uint64_t>& alerted_clusters);

// ROC AUC of `scores` separating positives (label true) from negatives, ties counted half
// (Mann-Whitney). 0.5 when either class is empty.
[[nodiscard]] double RocAuc(const std::vector<double>& scores, const std::vector<bool>& labels);

// Spearman's rank correlation (average ranks for ties); 0 for fewer than 2 values or a
// constant input.
[[nodiscard]] double Spearman(const std::vector<double>& x, const std::vector<double>& y);

}  // namespace babelwatch::detect
