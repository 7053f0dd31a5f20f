// babelwatchd: the daemon. Parses arguments, loads and validates the config, runs Daemon.
#include <cstdlib>
#include <cstring>
#include <iostream>
#include <string>

#include "config/config.h"
#include "core/log.h"
#include "daemon/daemon.h"

namespace {

constexpr int kExitUsage = 64;  // EX_USAGE

void PrintHelp(std::ostream& out) {
  out << "usage: babelwatchd --config FILE [--once] [--log-level LEVEL]\n"
         "\n"
         "Polls the configured news feeds, groups stories into events across languages and\n"
         "alerts when one event spreads to more languages.\n"
         "\n"
         "  --config FILE      the TOML configuration (see babelwatch.example.toml)\n"
         "  --once             poll every feed once, deliver the alerts, then exit\n"
         "  --log-level LEVEL  error, warning, notice, info (default) or debug\n"
         "  --check            validate the configuration and exit\n"
         "  --version, --help\n"
         "\n"
         "Signals: SIGHUP reloads the configuration, SIGTERM/SIGINT stop gracefully.\n"
         "Exit codes: 0 stopped cleanly, 1 runtime failure (store, port), 64 bad arguments,\n"
         "78 configuration error (systemd does not restart on it).\n";
}

}  // namespace

int main(int argc, char** argv) {
  using namespace babelwatch;
  daemon::DaemonOptions options;
  bool check_only = false;
  for (int i = 1; i < argc; ++i) {
    const std::string arg = argv[i];
    if ((arg == "--config" || arg == "-c") && i + 1 < argc) {
      options.config_path = argv[++i];
    } else if (arg == "--once") {
      options.once = true;
    } else if (arg == "--check") {
      check_only = true;
    } else if (arg == "--log-level" && i + 1 < argc) {
      const std::string level = argv[++i];
      if (level == "error") {
        SetLogThreshold(LogLevel::kError);
      } else if (level == "warning") {
        SetLogThreshold(LogLevel::kWarning);
      } else if (level == "notice") {
        SetLogThreshold(LogLevel::kNotice);
      } else if (level == "info") {
        SetLogThreshold(LogLevel::kInfo);
      } else if (level == "debug") {
        SetLogThreshold(LogLevel::kDebug);
      } else {
        std::cerr << "babelwatchd: unknown log level \"" << level << "\"\n";
        return kExitUsage;
      }
    } else if (arg == "--version") {
      std::cout << "babelwatchd " << BABELWATCH_VERSION << "\n";
      return 0;
    } else if (arg == "--help" || arg == "-h") {
      PrintHelp(std::cout);
      return 0;
    } else {
      std::cerr << "babelwatchd: unexpected argument \"" << arg << "\"\n";
      PrintHelp(std::cerr);
      return kExitUsage;
    }
  }
  if (options.config_path.empty()) {
    std::cerr << "babelwatchd: --config FILE is required\n";
    PrintHelp(std::cerr);
    return kExitUsage;
  }
  auto config = config::LoadConfigFile(options.config_path);
  if (!config) {
    // One line per problem, so each reaches the journal as its own entry.
    std::string message = config.error().message;
    size_t start = 0;
    while (start <= message.size()) {
      size_t end = message.find('\n', start);
      if (end == std::string::npos) end = message.size();
      Log(LogLevel::kError, "config", message.substr(start, end - start));
      start = end + 1;
    }
    return config::kExitConfig;
  }
  if (check_only) {
    std::cout << options.config_path << ": ok\n";
    return 0;
  }
  try {
    daemon::Daemon d(std::move(options), std::move(*config));
    return d.Run();
  } catch (const std::exception& e) {
    // Only start-up code throws (e.g. a metric registered twice: a bug).
    Log(LogLevel::kError, "babelwatchd", std::string("fatal: ") + e.what());
    return 1;
  }
}
