// File: tests/alert/fake_http_client.h
//
// FakeHttpClient: a net::HttpClient for unit tests. Fetch() only records the request; the
// test then completes requests in order with a scripted response or error, on the test's
// thread (never inline from Fetch(), as the interface promises). Not thread-safe.
#pragma once

#include <deque>
#include <string>
#include <utility>
#include <vector>

#include "net/http_client.h"

namespace babelwatch::alert::testing {

class FakeHttpClient final : public net::HttpClient {
 public:
  void Fetch(net::HttpRequest request, Handler handler) override {
    sent_.push_back(request);
    pending_.emplace_back(std::move(request), std::move(handler));
  }
  void CancelAll() override {
    while (!pending_.empty()) CompleteNext(Cancelled("cancelled by CancelAll"));
  }

  [[nodiscard]] size_t pending() const { return pending_.size(); }
  [[nodiscard]] const net::HttpRequest& next() const { return pending_.front().first; }
  [[nodiscard]] const std::vector<net::HttpRequest>& sent() const { return sent_; }

  // Completes the oldest pending request.
  void CompleteNext(Result<net::HttpResponse> response) {
    auto [request, handler] = std::move(pending_.front());
    pending_.pop_front();
    handler(std::move(response));
  }
  void CompleteNext(int status, net::Headers headers = {}, std::string body = "") {
    net::HttpResponse r;
    r.status = status;
    r.headers = std::move(headers);
    r.body = std::move(body);
    CompleteNext(Result<net::HttpResponse>(std::move(r)));
  }

  static std::string Header(const net::HttpRequest& r, std::string_view name) {
    for (const auto& [k, v] : r.headers) {
      if (k == name) return v;
    }
    return "";
  }

 private:
  std::vector<net::HttpRequest> sent_;
  std::deque<std::pair<net::HttpRequest, Handler>> pending_;
};

}  // namespace babelwatch::alert::testing
