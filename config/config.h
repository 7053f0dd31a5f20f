// File: config/config.h
//
// Config: one immutable snapshot of babelwatch.toml, aggregating each component's Options.
// LoadConfigFile() validates everything and reports every problem at once, one per line,
// each naming the file and the path inside it:
//   babelwatch.toml: feeds[3].url: "htp://x" is not an http(s) or file URL
// Pure apart from reading the file; thread-safe.
#pragma once

#include <string>
#include <string_view>
#include <vector>

#include "alert/options.h"
#include "core/result.h"
#include "detect/options.h"
#include "feeds/options.h"
#include "monitoring/options.h"
#include "store/options.h"

namespace babelwatch::config {

struct Config {
  std::string source;  // the file it was read from ("" for text)
  monitoring::ServerOptions server;
  store::StoreOptions store;
  feeds::FeedsOptions feeds;
  detect::DetectOptions detect;
  alert::AlertOptions alert;
};

// Every problem found, in file order; empty when the config is valid.
using ConfigErrors = std::vector<std::string>;

// Parses and validates TOML text. `name` prefixes every message. On failure the error is
// kInvalidArgument and its message holds every problem, one per line. "${config_dir}" in a
// feed URL is replaced by `config_dir` (the config file's absolute directory when loaded from
// a file), so a config can name feed files beside it: url = "file://${config_dir}/feed.xml".
[[nodiscard]] Result<Config> ParseConfig(std::string_view toml_text, std::string_view name,
                                         std::string_view config_dir = "");

// Reads and parses a file; a missing or unreadable file is kNotFound / kInvalidArgument.
[[nodiscard]] Result<Config> LoadConfigFile(const std::string& path);

// Parses durations written as "90s", "15m", "72h", "2d", "500ms" or a bare number of
// seconds. Returns milliseconds; an error names what was wrong.
[[nodiscard]] Result<int64_t> ParseDurationMs(std::string_view text);

// The exit code for a configuration error (sysexits EX_CONFIG); systemd does not restart on it.
inline constexpr int kExitConfig = 78;

}  // namespace babelwatch::config
