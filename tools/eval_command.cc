#include "tools/eval_command.h"

#include <boost/json.hpp>
#include <chrono>
#include <cmath>
#include <cstdlib>
#include <fstream>
#include <iomanip>
#include <ostream>
#include <random>
#include <set>
#include <sstream>
#include <unordered_set>

#include "config/config.h"
#include "detect/doc.h"
#include "detect/engine.h"
#include "detect/engine_params.h"
#include "detect/eval_metrics.h"
#include "tools/replay.h"

namespace babelwatch::tools {

namespace {

constexpr size_t kMaxPairLine = 8 * 1024 * 1024;  // a longer line is reported and skipped

struct ParsedArgs {
  std::string input;
  std::string config;
  std::string scores;         // eval-pairs: write each pair's similarity here (JSONL)
  double jitter_minutes = 0;  // eval: delay each record by a random 0..jitter minutes
  int runs = 10;              // ... in this many seeded runs
  bool json = false;
  bool ok = true;
};

// A number argument within [min, max] (whole when `whole`); false when it is not one.
bool ParseNumber(const std::string& v, double min, double max, bool whole, double* out) {
  char* end = nullptr;
  double number = std::strtod(v.c_str(), &end);
  if (end == v.c_str() || *end != '\0' || !(number >= min) || number > max ||
      (whole && number != std::floor(number))) {
    return false;
  }
  *out = number;
  return true;
}

// `eval` takes --config, --jitter and --runs; `eval-pairs` takes --scores; both --json.
ParsedArgs Parse(const std::vector<std::string>& args, bool pairs, std::ostream& err,
                 const char* command) {
  ParsedArgs p;
  for (size_t i = 0; i < args.size(); ++i) {
    const bool has_value = i + 1 < args.size();
    if (args[i] == "--json") {
      p.json = true;
    } else if (!pairs && args[i] == "--config" && has_value) {
      p.config = args[++i];
    } else if (pairs && args[i] == "--scores" && has_value) {
      p.scores = args[++i];
    } else if (!pairs && args[i] == "--jitter" && has_value) {
      if (!ParseNumber(args[i + 1], 0, 7 * 24 * 60, false, &p.jitter_minutes)) {
        err << "babelwatch " << command << ": --jitter \"" << args[i + 1]
            << "\": minutes from 0 to 10080 expected\n";
        p.ok = false;
      }
      ++i;
    } else if (!pairs && args[i] == "--runs" && has_value) {
      double runs = 0;
      if (ParseNumber(args[i + 1], 1, 1000, true, &runs)) {
        p.runs = static_cast<int>(runs);
      } else {
        err << "babelwatch " << command << ": --runs \"" << args[i + 1]
            << "\": a whole number of runs from 1 to 1000 expected\n";
        p.ok = false;
      }
      ++i;
    } else if (!args[i].empty() && args[i][0] != '-' && p.input.empty()) {
      p.input = args[i];
    } else {
      err << "babelwatch " << command << ": unexpected argument \"" << args[i] << "\"\n";
      p.ok = false;
    }
  }
  if (p.input.empty()) p.ok = false;
  return p;
}

// Quality of one replay against the records' labels.
struct Scores {
  double bcubed_precision = 0, bcubed_recall = 0, bcubed_f1 = 0;
  double xling_precision = 0, xling_recall = 0, xling_f1 = 0;
  double alert_precision = 0, alert_recall = 0;
};

Scores Score(const std::vector<ReplayRecord>& records, const ReplayOutput& output) {
  // Unlabelled records are scored as their own event each.
  std::vector<std::string> events, langs, sources;
  std::vector<uint64_t> clusters;
  for (size_t i = 0; i < records.size(); ++i) {
    const ReplayRecord& r = records[i];
    events.push_back(r.event.empty() ? "unlabelled-" + std::to_string(r.line) : r.event);
    langs.push_back(r.lang.empty() ? output.assignments[i].lang : r.lang);
    sources.push_back(r.item.source);
    clusters.push_back(output.assignments[i].story);
  }
  std::vector<uint64_t> alerted;
  for (const Alert& a : output.alerts) alerted.push_back(a.story);
  auto b = detect::BCubed(events, clusters);
  auto x = detect::CrossLanguageBCubed(events, clusters, langs);
  auto al = detect::AlertQuality(events, clusters, langs, sources, alerted);
  return Scores{b.precision, b.recall, b.f1, x.precision, x.recall, x.f1, al.precision, al.recall};
}

std::string Fixed(double v) {
  std::ostringstream s;
  s << std::fixed << std::setprecision(4) << v;
  return s.str();
}

}  // namespace

int RunEvalCommand(const std::vector<std::string>& args, std::ostream& out, std::ostream& err) {
  ParsedArgs p = Parse(args, false, err, "eval");
  if (!p.ok) {
    err << "usage: babelwatch eval INPUT.jsonl [--config FILE] [--json] [--jitter MINUTES "
           "[--runs N]]\n";
    return 2;
  }
  config::Config config;
  if (!p.config.empty()) {
    auto loaded = config::LoadConfigFile(p.config);
    if (!loaded) {
      err << loaded.error().message << "\n";
      return config::kExitConfig;
    }
    config = std::move(*loaded);
  }
  auto records = ReadReplayRecords(p.input, err);
  if (!records) {
    err << "babelwatch eval: " << records.error().message << "\n";
    return 2;
  }
  size_t labelled = 0;
  for (const auto& r : *records) labelled += !r.event.empty();
  if (labelled == 0) {
    err << "babelwatch eval: " << p.input << ": no record has an \"event\" label\n";
    return 2;
  }
  // One run in the records' order, or `runs` runs with each record delayed by a random
  // 0..jitter minutes (seeded by the run number), as polling feeds at different moments
  // would: the spread of the figures is the clustering's dependence on arrival order.
  const bool jitter = p.jitter_minutes > 0;
  const int runs = jitter ? p.runs : 1;
  std::vector<Scores> all;
  double seconds = 0;
  size_t stories = 0, alerts = 0;
  for (int run = 0; run < runs; ++run) {
    std::vector<ReplayRecord> shifted;
    const std::vector<ReplayRecord>* input = &*records;
    if (jitter) {
      shifted = *records;
      std::mt19937_64 rng(static_cast<uint64_t>(run) + 1);
      std::uniform_int_distribution<int64_t> delay(
          0, static_cast<int64_t>(p.jitter_minutes * 60'000.0));
      for (ReplayRecord& r : shifted) r.item.published_ms += delay(rng);
      input = &shifted;
    }
    auto output = RunReplay(*input, config.detect, config.alert);
    if (!output) {
      err << "babelwatch eval: " << output.error().message << "\n";
      return 2;
    }
    if (output->assignments.size() != input->size()) {
      err << "babelwatch eval: replay returned " << output->assignments.size()
          << " assignments for " << input->size() << " records\n";
      return 2;
    }
    all.push_back(Score(*input, *output));
    seconds += output->seconds;
    stories += output->stories.size();
    alerts += output->alerts.size();
  }
  auto mean = [&](double Scores::*field) {
    double sum = 0;
    for (const Scores& s : all) sum += s.*field;
    return sum / static_cast<double>(all.size());
  };
  auto sd = [&](double Scores::*field) {
    double m = mean(field), sum = 0;
    for (const Scores& s : all) sum += (s.*field - m) * (s.*field - m);
    return std::sqrt(sum / static_cast<double>(all.size()));
  };
  static const std::pair<const char*, double Scores::*> kFields[] = {
      {"bcubed_precision", &Scores::bcubed_precision},
      {"bcubed_recall", &Scores::bcubed_recall},
      {"bcubed_f1", &Scores::bcubed_f1},
      {"xling_precision", &Scores::xling_precision},
      {"xling_recall", &Scores::xling_recall},
      {"xling_f1", &Scores::xling_f1},
      {"alert_precision", &Scores::alert_precision},
      {"alert_recall", &Scores::alert_recall}};
  if (p.json) {
    boost::json::object o;
    for (const auto& [name, field] : kFields) {
      o[name] = mean(field);
      if (jitter) o[std::string(name) + "_sd"] = sd(field);
    }
    o["docs"] = records->size();
    o["seconds"] = seconds;
    if (jitter) {
      o["runs"] = runs;
      o["jitter_minutes"] = p.jitter_minutes;
    }
    out << boost::json::serialize(o) << "\n";
    return 0;
  }
  auto figure = [&](double Scores::*field) {
    return jitter ? Fixed(mean(field)) + " ± " + Fixed(sd(field)) : Fixed(mean(field));
  };
  out << p.input << ": " << records->size() << " documents, ";
  if (jitter) {
    out << runs << " runs with arrivals delayed by 0-" << p.jitter_minutes << " min, "
        << stories / static_cast<size_t>(runs) << " stories and "
        << alerts / static_cast<size_t>(runs) << " alerts per run";
  } else {
    out << stories << " stories, " << alerts << " alerts";
  }
  out << " in " << Fixed(seconds) << " s\n"
      << "B-cubed         P " << figure(&Scores::bcubed_precision) << "  R "
      << figure(&Scores::bcubed_recall) << "  F1 " << figure(&Scores::bcubed_f1) << "\n"
      << "cross-language  P " << figure(&Scores::xling_precision) << "  R "
      << figure(&Scores::xling_recall) << "  F1 " << figure(&Scores::xling_f1) << "\n"
      << "alerts          P " << figure(&Scores::alert_precision) << "  R "
      << figure(&Scores::alert_recall) << "\n";
  return 0;
}

int RunEvalPairsCommand(const std::vector<std::string>& args, std::ostream& out,
                        std::ostream& err) {
  ParsedArgs p = Parse(args, true, err, "eval-pairs");
  if (!p.ok) {
    err << "usage: babelwatch eval-pairs PAIRS.jsonl [--json] [--scores OUT.jsonl]\n";
    return 2;
  }
  std::ifstream in(p.input, std::ios::binary);
  if (!in) {
    err << "babelwatch eval-pairs: " << p.input << ": cannot be read\n";
    return 2;
  }
  detect::DetectOptions options;
  detect::EngineParams params;
  auto engine = detect::Engine::Create(options, params);
  if (!engine) {
    err << "babelwatch eval-pairs: " << engine.error().message << "\n";
    return 2;
  }
  detect::Engine& eng = **engine;
  auto t0 = std::chrono::steady_clock::now();

  struct Pair {
    std::string id;  // pair_id, else "<id1>_<id2>"
    std::string lang_a, lang_b;
    std::shared_ptr<const detect::Doc> a, b;
    double score = 0;
    bool cross = false;
  };
  std::vector<Pair> pairs;
  std::unordered_set<std::string> observed;
  std::string line;
  int line_no = 0;
  auto str = [](const boost::json::object& o, const char* k) {
    auto it = o.find(k);
    return it != o.end() && it->value().is_string() ? std::string(it->value().get_string())
                                                    : std::string();
  };
  while (std::getline(in, line)) {
    ++line_no;
    if (line.empty()) continue;
    if (line.size() > kMaxPairLine) {
      err << p.input << ":" << line_no << ": line longer than " << kMaxPairLine
          << " bytes, skipped\n";
      continue;
    }
    boost::system::error_code ec;
    boost::json::value v = boost::json::parse(line, ec);
    if (ec || !v.is_object()) {
      err << p.input << ":" << line_no << ": not a JSON object, skipped\n";
      continue;
    }
    const boost::json::object& o = v.get_object();
    auto score_it = o.find("score");
    if (score_it == o.end() || !score_it->value().is_number()) {
      err << p.input << ":" << line_no << ": \"score\" missing or not a number, skipped\n";
      continue;
    }
    Item a, b;
    a.id = str(o, "id1");
    b.id = str(o, "id2");
    a.text = str(o, "text1");
    b.text = str(o, "text2");
    a.lang_hint = str(o, "lang1");
    b.lang_hint = str(o, "lang2");
    if (a.text.empty() || b.text.empty()) {
      err << p.input << ":" << line_no << ": \"text1\" or \"text2\" missing, skipped\n";
      continue;
    }
    Pair pair;
    pair.a = eng.Analyze(a);
    pair.b = eng.Analyze(b);
    pair.score = score_it->value().to_number<double>(ec);
    pair.cross = a.lang_hint != b.lang_hint;
    pair.id = str(o, "pair_id");
    if (pair.id.empty()) pair.id = a.id + "_" + b.id;
    pair.lang_a = a.lang_hint;
    pair.lang_b = b.lang_hint;
    // Document frequencies as a stream holding the whole corpus would have them; an article
    // in several pairs is counted once.
    if (a.id.empty() || observed.insert(a.id).second) eng.ObserveFrequencies(*pair.a);
    if (b.id.empty() || observed.insert(b.id).second) eng.ObserveFrequencies(*pair.b);
    pairs.push_back(std::move(pair));
  }
  if (pairs.empty()) {
    err << "babelwatch eval-pairs: " << p.input << ": no usable pair\n";
    return 2;
  }

  struct Group {
    std::vector<double> sims, neg_scores, auc_sims;
    std::vector<bool> labels;
    int tp = 0, fp = 0, fn = 0;
  } groups[2];
  std::ofstream scores_out;
  if (!p.scores.empty()) {
    scores_out.open(p.scores, std::ios::binary | std::ios::trunc);
    if (!scores_out) {
      err << "babelwatch eval-pairs: " << p.scores << ": cannot be written\n";
      return 2;
    }
  }
  for (const Pair& pair : pairs) {
    Group& g = groups[pair.cross ? 1 : 0];
    double s = eng.Similarity(*pair.a, *pair.b);
    if (scores_out.is_open()) {
      boost::json::object row;
      row["pair_id"] = pair.id;
      row["lang1"] = pair.lang_a;
      row["lang2"] = pair.lang_b;
      row["score"] = pair.score;
      row["similarity"] = s;
      scores_out << boost::json::serialize(row) << "\n";
    }
    g.sims.push_back(s);
    g.neg_scores.push_back(-pair.score);
    if (pair.score <= 1.5 || pair.score >= 3) {
      bool positive = pair.score <= 1.5;
      g.auc_sims.push_back(s);
      g.labels.push_back(positive);
      double th = pair.cross ? params.cluster.cross_threshold : params.cluster.same_threshold;
      if (s >= th)
        (positive ? g.tp : g.fp)++;
      else if (positive)
        g.fn++;
    }
  }
  double seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
  const char* names[2] = {"same_lang", "cross_lang"};
  double auc[2], rho[2], prec[2], rec[2];
  for (int k = 0; k < 2; ++k) {
    const Group& g = groups[k];
    auc[k] = detect::RocAuc(g.auc_sims, g.labels);
    rho[k] = detect::Spearman(g.sims, g.neg_scores);
    prec[k] = g.tp + g.fp > 0 ? static_cast<double>(g.tp) / (g.tp + g.fp) : 0;
    rec[k] = g.tp + g.fn > 0 ? static_cast<double>(g.tp) / (g.tp + g.fn) : 0;
  }
  if (p.json) {
    boost::json::object o;
    for (int k = 0; k < 2; ++k) {
      o[std::string("auc_") + names[k]] = auc[k];
      o[std::string("spearman_") + names[k]] = rho[k];
      o[std::string("precision_at_threshold_") + names[k]] = prec[k];
      o[std::string("recall_at_threshold_") + names[k]] = rec[k];
    }
    o["pairs"] = pairs.size();
    o["seconds"] = seconds;
    out << boost::json::serialize(o) << "\n";
  } else {
    out << p.input << ": " << pairs.size() << " pairs (" << groups[0].sims.size()
        << " same-language, " << groups[1].sims.size() << " cross-language) in " << Fixed(seconds)
        << " s\n";
    for (int k = 0; k < 2; ++k) {
      out << names[k] << ": ROC AUC " << Fixed(auc[k]) << "  Spearman " << Fixed(rho[k])
          << "  at threshold "
          << Fixed(k ? params.cluster.cross_threshold : params.cluster.same_threshold) << ": P "
          << Fixed(prec[k]) << " R " << Fixed(rec[k]) << "\n";
    }
  }
  return 0;
}

}  // namespace babelwatch::tools
