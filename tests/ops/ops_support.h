// File: tests/ops/ops_support.h
//
// Helpers shared by the ops tests: a free loopback port, running a command with a bounded
// wait and captured output, URL encoding, bounded polling, and a loopback feed server
// preloaded with the demo feeds of examples/feeds. Not thread-safe; each test owns its own.
#pragma once

#include <chrono>
#include <functional>
#include <string>
#include <vector>

#include "tests/support/loopback_http_server.h"

namespace babelwatch::testing {

// A port on 127.0.0.1 that was free a moment ago (bound to port 0, then released).
[[nodiscard]] uint16_t FreeLoopbackPort();

struct CommandResult {
  int exit_code = -1;  // -1: could not start or timed out (killed)
  std::string output;  // stdout and stderr, interleaved
};
// Runs argv[0] (a path) with argv, waits at most `timeout`, kills it after that.
[[nodiscard]] CommandResult RunCommand(const std::vector<std::string>& argv,
                                       std::chrono::milliseconds timeout,
                                       const std::vector<std::string>& extra_env = {});

// Percent-encodes everything but RFC 3986 unreserved characters.
[[nodiscard]] std::string UrlEncode(const std::string& text);

// Calls `done` every 200 ms until it returns true or `timeout` passes; returns its last value.
bool PollUntil(const std::function<bool()>& done, std::chrono::milliseconds timeout);

// The five demo feeds (examples/feeds), served at /<file name>, and their TOML [[feeds]].
struct DemoFeed {
  const char* id;
  const char* file;
};
[[nodiscard]] const std::vector<DemoFeed>& DemoFeeds();
void ServeDemoFeeds(LoopbackHttpServer& server);
[[nodiscard]] std::string DemoFeedsToml(const LoopbackHttpServer& server);

// A config for babelwatchd on 127.0.0.1:0 with its state under `dir`, quick polling, a log
// sink, and `extra` appended (more [[feeds]], say).
[[nodiscard]] std::string DaemonToml(const std::string& dir, const LoopbackHttpServer& feeds,
                                     const std::string& extra = "");

// True if `path` names an executable file.
[[nodiscard]] bool IsExecutable(const std::string& path);

}  // namespace babelwatch::testing
