// File: tests/support/fake_http_client.h
//
// FakeHttpClient: a net::HttpClient for tests that need no sockets. Each URL answers with the
// results scripted for it, in order (the last one repeats); a URL without a script gets
// kUnavailable. Handlers are posted to the io_context given (never run inline), like the real
// client. Every request is recorded. Thread-safe; the io_context must outlive it.
#pragma once

#include <map>
#include <mutex>
#include <string>
#include <vector>

#include "net/http_client.h"

namespace boost::asio {
class io_context;
}  // namespace boost::asio

namespace babelwatch::testing {

class FakeHttpClient final : public net::HttpClient {
 public:
  explicit FakeHttpClient(boost::asio::io_context& ioc) : ioc_(ioc) {}

  void Script(const std::string& url, std::vector<Result<net::HttpResponse>> results);
  // Shorthand: one response with this status and body, repeated.
  void ScriptStatus(const std::string& url, int status, std::string body = "");

  void Fetch(net::HttpRequest request, Handler handler) override;
  // Nothing is ever left in flight (results are posted at once): a no-op.
  void CancelAll() override {}

  [[nodiscard]] std::vector<net::HttpRequest> Requests() const;

 private:
  boost::asio::io_context& ioc_;
  mutable std::mutex mutex_;
  std::map<std::string, std::vector<Result<net::HttpResponse>>> scripts_;  // GUARDED_BY(mutex_)
  std::map<std::string, size_t> next_;                                     // GUARDED_BY(mutex_)
  std::vector<net::HttpRequest> requests_;                                 // GUARDED_BY(mutex_)
};

}  // namespace babelwatch::testing
