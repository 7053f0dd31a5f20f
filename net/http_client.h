// File: net/http_client.h
//
// The HTTP client interface every outbound request goes through (feed polling, article
// pages, alert sinks). The production implementation is libcurl multi driven by Asio
// (net/curl_http_client.h); tests use fakes or a loopback server. Implementations are
// thread-safe: Fetch() may be called from any thread.
#pragma once

#include <cstdint>
#include <functional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "core/result.h"

namespace babelwatch::net {

using Headers = std::vector<std::pair<std::string, std::string>>;

struct HttpRequest {
  std::string method = "GET";
  std::string url;
  Headers headers;   // sent as given
  std::string body;  // for POST/PUT
  int connect_timeout_ms = 10'000;
  int total_timeout_ms = 30'000;
  int64_t max_body_bytes = 16 << 20;  // after decompression; larger -> kResourceExhausted
  int max_redirects = 5;
  bool allow_file_scheme = false;  // file:// only when the caller allows it (configured feeds)
};

struct HttpResponse {
  int status = 0;
  Headers headers;            // names lower-cased, from the final response
  std::string body;           // decoded (gzip/deflate/br)
  std::string effective_url;  // after redirects
  // Permanent redirects (301/308) seen on the way, in order, counting only the leading run of
  // permanent hops (a 302 stops the recording): the last entry, if any, is the URL the caller
  // may store in place of the one it asked for.
  std::vector<std::string> permanent_redirects;

  // First header with this lower-case name, or "" if absent.
  [[nodiscard]] std::string Header(std::string_view lower_name) const;
};

class HttpClient {
 public:
  // Called exactly once, never inline from Fetch(), on the executor the implementation was
  // constructed with. Transport errors are kUnavailable / kDeadlineExceeded /
  // kResourceExhausted / kInvalidArgument (bad URL or scheme); any HTTP status is a success.
  using Handler = std::function<void(Result<HttpResponse>)>;

  virtual ~HttpClient() = default;
  virtual void Fetch(HttpRequest request, Handler handler) = 0;
  // Abandons every request in flight; their handlers get kCancelled.
  virtual void CancelAll() = 0;
};

}  // namespace babelwatch::net
