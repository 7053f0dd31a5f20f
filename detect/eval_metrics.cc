#include "detect/eval_metrics.h"

#include <algorithm>
#include <cmath>
#include <map>
#include <numeric>
#include <set>
#include <unordered_map>

namespace babelwatch::detect {

namespace {

double F1(double p, double r) { return p + r > 0 ? 2 * p * r / (p + r) : 0; }

std::vector<double> Ranks(const std::vector<double>& v) {
  std::vector<size_t> idx(v.size());
  std::iota(idx.begin(), idx.end(), 0);
  std::stable_sort(idx.begin(), idx.end(), [&](size_t a, size_t b) { return v[a] < v[b]; });
  std::vector<double> r(v.size());
  for (size_t i = 0; i < idx.size();) {
    size_t j = i;
    while (j + 1 < idx.size() && v[idx[j + 1]] == v[idx[i]]) ++j;
    double avg = (static_cast<double>(i) + static_cast<double>(j)) / 2.0 + 1.0;
    for (size_t k = i; k <= j; ++k) r[idx[k]] = avg;
    i = j + 1;
  }
  return r;
}

}  // namespace

PrecisionRecall BCubed(const std::vector<std::string>& events,
                       const std::vector<uint64_t>& clusters) {
  PrecisionRecall out;
  size_t n = std::min(events.size(), clusters.size());
  if (n == 0) return out;
  std::unordered_map<uint64_t, int> cluster_size;
  std::unordered_map<std::string, int> event_size;
  std::map<std::pair<uint64_t, std::string>, int> both;
  for (size_t i = 0; i < n; ++i) {
    ++cluster_size[clusters[i]];
    ++event_size[events[i]];
    ++both[{clusters[i], events[i]}];
  }
  double p = 0, r = 0;
  for (size_t i = 0; i < n; ++i) {
    double common = both[{clusters[i], events[i]}];
    p += common / cluster_size[clusters[i]];
    r += common / event_size[events[i]];
  }
  out.precision = p / static_cast<double>(n);
  out.recall = r / static_cast<double>(n);
  out.f1 = F1(out.precision, out.recall);
  return out;
}

PrecisionRecall CrossLanguageBCubed(const std::vector<std::string>& events,
                                    const std::vector<uint64_t>& clusters,
                                    const std::vector<std::string>& langs) {
  PrecisionRecall out;
  size_t n = std::min({events.size(), clusters.size(), langs.size()});
  // Counts per cluster, event and (cluster, event), split by language, so each document's
  // "other languages" count is total minus its own language's.
  std::map<uint64_t, int> c_all;
  std::map<std::pair<uint64_t, std::string>, int> c_lang;
  std::map<std::string, int> e_all;
  std::map<std::pair<std::string, std::string>, int> e_lang;
  std::map<std::pair<uint64_t, std::string>, int> ce_all;
  std::map<std::tuple<uint64_t, std::string, std::string>, int> ce_lang;
  for (size_t i = 0; i < n; ++i) {
    ++c_all[clusters[i]];
    ++c_lang[{clusters[i], langs[i]}];
    ++e_all[events[i]];
    ++e_lang[{events[i], langs[i]}];
    ++ce_all[{clusters[i], events[i]}];
    ++ce_lang[{clusters[i], events[i], langs[i]}];
  }
  double p = 0, r = 0;
  int np = 0, nr = 0;
  for (size_t i = 0; i < n; ++i) {
    int cluster_other = c_all[clusters[i]] - c_lang[{clusters[i], langs[i]}];
    int event_other = e_all[events[i]] - e_lang[{events[i], langs[i]}];
    int common_other =
        ce_all[{clusters[i], events[i]}] - ce_lang[{clusters[i], events[i], langs[i]}];
    if (cluster_other > 0) {
      p += static_cast<double>(common_other) / cluster_other;
      ++np;
    }
    if (event_other > 0) {
      r += static_cast<double>(common_other) / event_other;
      ++nr;
    }
  }
  out.precision = np > 0 ? p / np : 0;
  out.recall = nr > 0 ? r / nr : 0;
  out.f1 = F1(out.precision, out.recall);
  return out;
}

PrecisionRecall AlertQuality(const std::vector<std::string>& events,
                             const std::vector<uint64_t>& clusters,
                             const std::vector<std::string>& langs,
                             const std::vector<std::string>& sources,
                             const std::vector<uint64_t>& alerted_clusters) {
  size_t n = std::min({events.size(), clusters.size(), langs.size(), sources.size()});
  std::map<std::string, std::set<std::string>> ev_langs, ev_sources;
  std::map<uint64_t, std::map<std::string, int>> cluster_events;
  for (size_t i = 0; i < n; ++i) {
    ev_langs[events[i]].insert(langs[i]);
    ev_sources[events[i]].insert(sources[i]);
    ++cluster_events[clusters[i]][events[i]];
  }
  std::set<std::string> deserving;
  for (const auto& [e, ls] : ev_langs) {
    if (ls.size() >= 2 && ev_sources[e].size() >= 2) deserving.insert(e);
  }
  std::set<uint64_t> alerted(alerted_clusters.begin(), alerted_clusters.end());
  int good = 0, total = 0;
  std::set<std::string> credited;
  for (uint64_t c : alerted) {
    auto it = cluster_events.find(c);
    if (it == cluster_events.end()) continue;
    ++total;
    std::string best;
    int best_n = -1;
    for (const auto& [e, k] : it->second) {
      if (k > best_n) {
        best_n = k;
        best = e;
      }
    }
    if (deserving.count(best)) {
      ++good;
      credited.insert(best);
    }
  }
  PrecisionRecall out;
  out.precision = total > 0 ? static_cast<double>(good) / total : (deserving.empty() ? 1 : 0);
  out.recall = deserving.empty()
                   ? 1
                   : static_cast<double>(credited.size()) / static_cast<double>(deserving.size());
  out.f1 = F1(out.precision, out.recall);
  return out;
}

double RocAuc(const std::vector<double>& scores, const std::vector<bool>& labels) {
  size_t n = std::min(scores.size(), labels.size());
  std::vector<double> s(scores.begin(), scores.begin() + static_cast<long>(n));
  std::vector<double> r = Ranks(s);
  double pos = 0, neg = 0, rank_sum = 0;
  for (size_t i = 0; i < n; ++i) {
    if (labels[i]) {
      ++pos;
      rank_sum += r[i];
    } else {
      ++neg;
    }
  }
  if (pos == 0 || neg == 0) return 0.5;
  return (rank_sum - pos * (pos + 1) / 2) / (pos * neg);
}

double Spearman(const std::vector<double>& x, const std::vector<double>& y) {
  size_t n = std::min(x.size(), y.size());
  if (n < 2) return 0;
  std::vector<double> rx = Ranks(std::vector<double>(x.begin(), x.begin() + static_cast<long>(n)));
  std::vector<double> ry = Ranks(std::vector<double>(y.begin(), y.begin() + static_cast<long>(n)));
  double mx = std::accumulate(rx.begin(), rx.end(), 0.0) / static_cast<double>(n);
  double my = std::accumulate(ry.begin(), ry.end(), 0.0) / static_cast<double>(n);
  double sxy = 0, sxx = 0, syy = 0;
  for (size_t i = 0; i < n; ++i) {
    sxy += (rx[i] - mx) * (ry[i] - my);
    sxx += (rx[i] - mx) * (rx[i] - mx);
    syy += (ry[i] - my) * (ry[i] - my);
  }
  if (sxx <= 0 || syy <= 0) return 0;
  return sxy / std::sqrt(sxx * syy);
}

}  // namespace babelwatch::detect
