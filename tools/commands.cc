#include "tools/commands.h"

#include <ostream>

#include "config/config.h"
#include "tools/replay.h"

namespace babelwatch::tools {

void PrintUsage(std::ostream& out) {
  out << "usage: babelwatch COMMAND [ARGS]\n"
         "\n"
         "commands:\n"
         "  replay INPUT.jsonl --out DIR [--config FILE]\n"
         "      run the detection pipeline over a JSONL corpus on simulated time and write\n"
         "      DIR/assignments.jsonl, DIR/stories.jsonl and DIR/alerts.jsonl\n"
         "  eval INPUT.jsonl [--config FILE] [--json] [--jitter MINUTES [--runs N]]\n"
         "      replay a labelled corpus and print B-cubed and alert precision/recall\n"
         "  eval-pairs PAIRS.jsonl [--json] [--scores OUT.jsonl]\n"
         "      score labelled article pairs with the clusterer's similarity (ROC AUC, Spearman)\n"
         "  conformance DIR\n"
         "      run the feed parser conformance cases listed in DIR/index.json\n"
         "  check-config FILE\n"
         "      validate a configuration file and print every error\n"
         "  version\n"
         "\n"
         "exit codes: 0 ok, 1 failures found, 2 usage or I/O error, 78 configuration error\n";
}

int RunCheckConfigCommand(const Args& args, std::ostream& out, std::ostream& err) {
  if (args.size() != 1) {
    err << "usage: babelwatch check-config FILE\n";
    return 2;
  }
  auto config = config::LoadConfigFile(args[0]);
  if (!config) {
    err << config.error().message << "\n";
    return config.error().code == Code::kNotFound ? 2 : config::kExitConfig;
  }
  out << args[0] << ": ok (" << config->feeds.feeds.size() << " feeds, "
      << config->alert.sinks.size() << " sinks, " << config->alert.watchlists.size()
      << " watch-lists)\n";
  return 0;
}

int RunReplayCommand(const Args& args, std::ostream& out, std::ostream& err) {
  std::string input, out_dir, config_path;
  for (size_t i = 0; i < args.size(); ++i) {
    if ((args[i] == "--out" || args[i] == "--config") && i + 1 < args.size()) {
      (args[i] == "--out" ? out_dir : config_path) = args[i + 1];
      ++i;
    } else if (!args[i].empty() && args[i][0] != '-' && input.empty()) {
      input = args[i];
    } else {
      err << "babelwatch replay: unexpected argument \"" << args[i] << "\"\n";
      return 2;
    }
  }
  if (input.empty() || out_dir.empty()) {
    err << "usage: babelwatch replay INPUT.jsonl --out DIR [--config FILE]\n";
    return 2;
  }
  config::Config config;
  if (!config_path.empty()) {
    auto loaded = config::LoadConfigFile(config_path);
    if (!loaded) {
      err << loaded.error().message << "\n";
      return config::kExitConfig;
    }
    config = std::move(*loaded);
  }
  auto records = ReadReplayRecords(input, err);
  if (!records) {
    err << "babelwatch replay: " << records.error().message << "\n";
    return 2;
  }
  auto output = RunReplay(*records, config.detect, config.alert);
  if (!output) {
    err << "babelwatch replay: " << output.error().message << "\n";
    return 2;
  }
  if (auto w = WriteReplayOutput(*output, out_dir); !w) {
    err << "babelwatch replay: " << w.error().message << "\n";
    return 2;
  }
  int spread = 0;
  for (const Alert& a : output->alerts) spread += a.kind == "spread";
  out << records->size() << " records, " << output->stories.size() << " stories, "
      << output->alerts.size() << " alerts (" << spread << " spread) in " << output->seconds
      << " s; written to " << out_dir << "\n";
  return 0;
}

}  // namespace babelwatch::tools
