#include "tests/support/fake_http_client.h"

#include <algorithm>
#include <boost/asio/io_context.hpp>
#include <boost/asio/post.hpp>

namespace babelwatch::testing {

void FakeHttpClient::Script(const std::string& url,
                            std::vector<Result<net::HttpResponse>> results) {
  std::lock_guard<std::mutex> lock(mutex_);
  scripts_[url] = std::move(results);
  next_[url] = 0;
}

void FakeHttpClient::ScriptStatus(const std::string& url, int status, std::string body) {
  net::HttpResponse response;
  response.status = status;
  response.body = std::move(body);
  response.effective_url = url;
  Script(url, {response});
}

void FakeHttpClient::Fetch(net::HttpRequest request, Handler handler) {
  Result<net::HttpResponse> result = Unavailable("FakeHttpClient: no script for " + request.url);
  {
    std::lock_guard<std::mutex> lock(mutex_);
    requests_.push_back(request);
    auto it = scripts_.find(request.url);
    if (it != scripts_.end() && !it->second.empty()) {
      size_t& next = next_[request.url];
      result = it->second[std::min(next, it->second.size() - 1)];
      ++next;
    }
  }
  boost::asio::post(ioc_, [handler = std::move(handler), result = std::move(result)]() mutable {
    handler(std::move(result));
  });
}

std::vector<net::HttpRequest> FakeHttpClient::Requests() const {
  std::lock_guard<std::mutex> lock(mutex_);
  return requests_;
}

}  // namespace babelwatch::testing
