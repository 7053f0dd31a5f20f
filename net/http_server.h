// File: net/http_server.h
//
// HttpServer: a small Beast HTTP/1.1 server (listener plus one session per connection, each on
// its own strand) with a prefix router. It serves /metrics, health, the API and the status
// page. Every read and write has a deadline, requests have a size cap, connections are capped,
// and requests on one connection are answered one at a time (pipelined requests wait in the
// socket: at most one response is ever queued per connection).
// Threading: Handle() must be called before Start(); Start(), Stop() and port() are
// thread-safe. Route handlers run one at a time on the server's strand (so they need no lock
// among themselves, but must be quick: no blocking I/O); an exception from a handler becomes
// a 500. The io_context must outlive the server; handlers must outlive it too.
#pragma once

#include <cstdint>
#include <functional>
#include <memory>
#include <string>
#include <string_view>

#include "core/result.h"
#include "net/http_client.h"

namespace boost::asio {
class io_context;
}  // namespace boost::asio

namespace babelwatch::net {

struct HttpServerRequest {
  std::string method;  // "GET", "POST", ...
  std::string target;  // as sent: "/api/feeds?page=2"
  std::string path;    // target before '?': "/api/feeds"
  std::string query;   // target after '?': "page=2" ("" if none)
  Headers headers;     // names lower-cased
  std::string body;
  std::string remote_address;  // peer IP address, e.g. "127.0.0.1"

  // First header with this lower-case name, or "" if absent.
  [[nodiscard]] std::string Header(std::string_view lower_name) const;
  // Percent-decoded value of the first query parameter `name`, or "" if absent.
  [[nodiscard]] std::string QueryParam(std::string_view name) const;
};

struct HttpServerResponse {
  int status = 200;
  std::string content_type = "text/plain; charset=utf-8";
  Headers headers;  // extra headers, sent as given
  std::string body;
};

struct HttpServerOptions {
  std::string address = "127.0.0.1";
  uint16_t port = 0;                      // 0 = any free port; port() reports it
  int64_t max_request_bytes = 64 * 1024;  // body; larger -> 413 and the connection is closed
  int max_header_bytes = 16 * 1024;       // larger -> 431 and the connection is closed
  int read_timeout_ms = 30'000;           // to receive one whole request (idle keep-alive too)
  int write_timeout_ms = 30'000;          // to send one whole response
  int max_connections = 256;              // further connections are closed at once
};

using RouteHandler = std::function<HttpServerResponse(const HttpServerRequest&)>;

class HttpServer {
 public:
  // Nothing is bound until Start().
  HttpServer(boost::asio::io_context& ioc, HttpServerOptions options);
  // Calls Stop().
  ~HttpServer();
  HttpServer(const HttpServer&) = delete;
  HttpServer& operator=(const HttpServer&) = delete;

  // Routes requests with this method ("GET", "POST", ...) whose path equals `path_prefix` or
  // continues it after a '/' ("/api" matches "/api" and "/api/feeds", not "/apix"; "/" matches
  // everything). The longest matching prefix wins. A path that matches only routes of other
  // methods gets 405, one that matches nothing 404. HEAD requests run the GET route and get
  // its status and headers without the body. Call before Start() only.
  void Handle(std::string method, std::string path_prefix, RouteHandler handler);

  // Binds options.address:options.port and starts accepting. Returns the bound port.
  // Errors: kInvalidArgument (bad address), kUnavailable (bind/listen failed, e.g. in use).
  [[nodiscard]] Result<uint16_t> Start();
  // The bound port, 0 before Start() succeeded.
  [[nodiscard]] uint16_t port() const;
  // Stops accepting and closes idle connections; a response being produced or written is
  // finished first, then its connection closes. Returns at once; idempotent. Once the
  // remaining responses are written the server holds no more work on the io_context.
  void Stop();

  class Impl;

 private:
  std::shared_ptr<Impl> impl_;
};

}  // namespace babelwatch::net
