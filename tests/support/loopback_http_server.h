// File: tests/support/loopback_http_server.h
//
// LoopbackHttpServer: a scriptable HTTP/1.1 server for tests, bound to 127.0.0.1 port 0 and
// served by its own threads (one accept thread, one thread per connection), so tests may run
// their own io_context freely. Each path (exact match, query ignored) answers with a fixed
// ScriptedResponse or a Responder computed per request; unknown paths get 404. It misbehaves
// on request: delays, slow bodies, resets, redirects, gzip. Every request is recorded with its
// headers. Thread-safe. The destructor stops serving and joins every thread.
#pragma once

#include <condition_variable>
#include <cstdint>
#include <functional>
#include <map>
#include <memory>
#include <mutex>
#include <set>
#include <string>
#include <string_view>
#include <thread>
#include <vector>

#include "net/http_client.h"

namespace babelwatch::testing {

struct RecordedRequest {
  std::string method;
  std::string target;    // as sent, with the query
  std::string path;      // target without the query
  net::Headers headers;  // names lower-cased
  std::string body;
  int64_t index = 0;  // 0-based order of arrival over the whole server

  // First header with this lower-case name, or "" if absent.
  [[nodiscard]] std::string Header(std::string_view lower_name) const;
};

struct ScriptedResponse {
  int status = 200;
  net::Headers headers;  // sent as given (Content-Length is added unless present)
  std::string body;
  int delay_ms = 0;               // pause before the status line
  size_t slow_chunk_bytes = 0;    // > 0: write the body in chunks of this size ...
  int slow_chunk_delay_ms = 0;    // ... pausing this long between them
  bool reset = false;             // abort the connection with a RST instead of answering
  bool reset_mid_body = false;    // send the headers and half the body, then RST
  bool gzip = false;              // gzip the body and send Content-Encoding: gzip
  std::string raw_body_encoding;  // sent as Content-Encoding with the body untouched
  bool close = false;             // send Connection: close and close after the response
};

// Shorthands for the common cases.
[[nodiscard]] ScriptedResponse Respond(int status, std::string body = "",
                                       net::Headers headers = {});
[[nodiscard]] ScriptedResponse Redirect(int status, std::string location);
// A 200 whose body arrives `chunk_bytes` at a time, `delay_ms` apart.
[[nodiscard]] ScriptedResponse SlowBody(std::string body, size_t chunk_bytes, int delay_ms);

using Responder = std::function<ScriptedResponse(const RecordedRequest&)>;

class LoopbackHttpServer {
 public:
  // Binds 127.0.0.1:0 and starts serving; aborts the test binary if it cannot bind.
  LoopbackHttpServer();
  ~LoopbackHttpServer();
  LoopbackHttpServer(const LoopbackHttpServer&) = delete;
  LoopbackHttpServer& operator=(const LoopbackHttpServer&) = delete;

  [[nodiscard]] uint16_t port() const { return port_; }
  // "http://127.0.0.1:<port><path>".
  [[nodiscard]] std::string Url(std::string_view path) const;

  void Set(const std::string& path, ScriptedResponse response);
  void SetResponder(const std::string& path, Responder responder);

  // Requests received for `path` (query ignored), in order of arrival.
  [[nodiscard]] std::vector<RecordedRequest> Requests(const std::string& path) const;
  [[nodiscard]] size_t Count(const std::string& path) const;
  [[nodiscard]] std::vector<RecordedRequest> AllRequests() const;
  // Connections accepted so far.
  [[nodiscard]] int Connections() const;

 private:
  void AcceptLoop();
  void Serve(int fd);
  // Sleeps up to `ms`; returns false when the server is stopping.
  bool SleepFor(int ms);

  int listen_fd_ = -1;
  uint16_t port_ = 0;
  std::thread accept_thread_;

  mutable std::mutex mutex_;
  std::condition_variable stop_cv_;
  bool stopping_ = false;                        // GUARDED_BY(mutex_)
  std::map<std::string, Responder> routes_;      // GUARDED_BY(mutex_)
  std::vector<RecordedRequest> requests_;        // GUARDED_BY(mutex_)
  std::set<int> open_fds_;                       // GUARDED_BY(mutex_)
  std::vector<std::thread> connection_threads_;  // GUARDED_BY(mutex_)
  int connections_ = 0;                          // GUARDED_BY(mutex_)
};

// gzip (RFC 1952) of `data`.
[[nodiscard]] std::string Gzip(std::string_view data);
// A gzip stream that inflates to `decompressed_bytes` zero bytes (a "gzip bomb").
[[nodiscard]] std::string GzipBomb(size_t decompressed_bytes);

}  // namespace babelwatch::testing
