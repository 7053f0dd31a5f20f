// File: tests/integration/daemon_process.h
//
// Helpers for tests that run babelwatchd as a real child process: spawn it with a config,
// read its stderr log, signal it, wait for it with a bound; a blocking loopback HTTP GET; and a
// unix datagram socket standing in for systemd's NOTIFY_SOCKET. Not thread-safe.
#pragma once

#include <sys/types.h>

#include <atomic>
#include <chrono>
#include <mutex>
#include <thread>
#include <optional>
#include <string>
#include <vector>

namespace babelwatch::testing {

class LoopbackHttpServer;

class DaemonProcess {
 public:
  // Starts `binary` with `args`; stderr and stdout go to `log_path`. Extra environment
  // entries ("NAME=value") are added to the parent's.
  DaemonProcess(const std::string& binary, const std::vector<std::string>& args,
                const std::string& log_path, const std::vector<std::string>& env = {});
  // Kills the process (SIGKILL) if it still runs.
  ~DaemonProcess();

  [[nodiscard]] pid_t pid() const { return pid_; }
  [[nodiscard]] std::string Log() const;
  // Polls the log until it contains `text`; false after `timeout` or if the process exited.
  bool WaitForLog(const std::string& text, std::chrono::milliseconds timeout) const;
  void Signal(int signo) const;
  // Waits for the exit; nullopt on timeout. The value is the exit code, or 128+signal.
  std::optional<int> Wait(std::chrono::milliseconds timeout);
  // The port from the daemon's "listening on ADDRESS:PORT" log line (waits for it).
  [[nodiscard]] std::optional<uint16_t> ListeningPort(std::chrono::milliseconds timeout) const;

 private:
  pid_t pid_ = -1;
  std::string log_path_;
  std::optional<int> exit_code_;
};

// GET http://127.0.0.1:port/path with a 5 s bound. Returns {status, body}; status 0 on error.
struct SimpleResponse {
  int status = 0;
  std::string body;
};
[[nodiscard]] SimpleResponse HttpGet(uint16_t port, const std::string& path,
                                     const std::string& extra_headers = "");

// A bound unix datagram socket at `path` (systemd's notify socket protocol). A reader
// thread drains it at once, as systemd does (an unread socket would block the sender).
class NotifySocket {
 public:
  explicit NotifySocket(std::string path);
  ~NotifySocket();
  [[nodiscard]] const std::string& path() const { return path_; }
  // True once a datagram containing `text` has arrived (waits up to `timeout`).
  bool WaitFor(const std::string& text, std::chrono::milliseconds timeout);
  [[nodiscard]] std::vector<std::string> messages() const;

 private:
  std::string path_;
  int fd_ = -1;
  std::atomic<bool> stop_{false};
  mutable std::mutex mutex_;
  std::vector<std::string> messages_;  // GUARDED_BY(mutex_)
  std::thread reader_;
};

// A fresh temporary directory, removed with its contents by the destructor.
class TempDir {
 public:
  TempDir();
  ~TempDir();
  [[nodiscard]] const std::string& path() const { return path_; }

 private:
  std::string path_;
};

// Serves each (path, body) at `server`, publishing them in order as a newsroom would: a path
// answers 503 with Retry-After: 1 until the path before it has been fetched once.
void ServeInOrder(LoopbackHttpServer& server,
                  const std::vector<std::pair<std::string, std::string>>& feeds);

void WriteFile(const std::string& path, const std::string& contents);
[[nodiscard]] std::string ReadFile(const std::string& path);

}  // namespace babelwatch::testing
