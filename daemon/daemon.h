// File: daemon/daemon.h
//
// Daemon: babelwatchd's lifetime. It owns every long-lived service (store, detection
// engine, pipeline, HTTP client, feed scheduler, alert dispatcher, HTTP server), builds them
// in dependency order, runs the event loop, and tears them down in reverse. Signals:
// SIGTERM/SIGINT stop gracefully within a bound, SIGHUP reloads the config (feeds added or
// removed at once; other sections are reported as needing a restart; a bad file is
// rejected and the running config kept). With $NOTIFY_SOCKET it sends READY=1 once serving,
// WATCHDOG=1 from the event loop, RELOADING=1/READY=1 around a reload and STOPPING=1.
// Not thread-safe: construct and Run() on one thread.
#pragma once

#include <memory>
#include <string>

#include "config/config.h"

namespace babelwatch::daemon {

struct DaemonOptions {
  std::string config_path;  // re-read on SIGHUP
  bool once = false;        // poll each feed once, deliver alerts, exit
};

class Daemon {
 public:
  Daemon(DaemonOptions options, config::Config config);
  ~Daemon();
  Daemon(const Daemon&) = delete;
  Daemon& operator=(const Daemon&) = delete;

  // Runs until stopped. Returns the process exit code: 0 after a clean stop, 1 when a
  // service could not start (store, listen address), 78 for a config error found late.
  int Run();

  struct State;

 private:
  std::unique_ptr<State> state_;
};

}  // namespace babelwatch::daemon
