// File: net/curl_http_client.h
//
// CurlHttpClient: the production net::HttpClient, libcurl's multi interface driven by an Asio
// io_context (libcurl's socket and timer callbacks become async waits and a steady_timer).
// Thread-safe: Fetch() and CancelAll() may be called from any thread; all libcurl calls run
// on one internal strand. Each handler runs exactly once, posted to the io_context given to
// the constructor, never inline. The io_context must outlive the client.
//
// Redirects are followed by the client itself (at most HttpRequest::max_redirects hops, only
// to http/https), so a redirect can never reach file:// or another scheme. Bodies are
// decoded (gzip, deflate, br) and capped at HttpRequest::max_body_bytes after decoding.
// Errors: kInvalidArgument (bad URL, disallowed scheme, too many redirects), kUnavailable
// (DNS, connect, reset, TLS), kDeadlineExceeded (connect/total/low-speed timeout),
// kResourceExhausted (body over the cap), kNotFound (file:// path missing), kCancelled.
#pragma once

#include <memory>
#include <string>

#include "net/http_client.h"

namespace boost::asio {
class io_context;
}  // namespace boost::asio

namespace babelwatch::net {

struct CurlHttpClientOptions {
  std::string user_agent = "babelwatch/0.1";
  std::string proxy;                    // "" = libcurl's default (the *_proxy environment)
  int low_speed_limit_bytes_per_s = 1;  // a transfer slower than this ...
  int low_speed_time_s = 20;            // ... for this long fails with kDeadlineExceeded
  int max_connections = 64;             // open connections across all hosts
  int max_connections_per_host = 4;     // open connections to one host
};

class CurlHttpClient final : public HttpClient {
 public:
  // `ioc` must outlive this object; handlers are posted to it.
  CurlHttpClient(boost::asio::io_context& ioc, CurlHttpClientOptions options);
  // Cancels every request in flight. If the io_context still runs, their handlers get
  // kCancelled; if it has stopped, they are destroyed uncalled with the io_context.
  ~CurlHttpClient() override;

  CurlHttpClient(const CurlHttpClient&) = delete;
  CurlHttpClient& operator=(const CurlHttpClient&) = delete;

  // Starts `request`. Completion: handler(Result<HttpResponse>), once, never inline. For
  // file:// a readable file is reported as status 200. Cancellation: CancelAll().
  void Fetch(HttpRequest request, Handler handler) override;
  // Every request in flight at the time the call is processed completes with kCancelled.
  void CancelAll() override;

  class Impl;

 private:
  std::shared_ptr<Impl> impl_;
};

}  // namespace babelwatch::net
