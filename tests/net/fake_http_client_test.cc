#include "tests/support/fake_http_client.h"

#include <boost/asio/io_context.hpp>
#include <catch2/catch.hpp>
#include <vector>

namespace babelwatch::testing {

TEST_CASE("FakeHttpClient: scripted results in order, the last repeating", "[net][fake]") {
  boost::asio::io_context ioc;
  FakeHttpClient client(ioc);
  net::HttpResponse ok;
  ok.status = 200;
  ok.body = "x";
  client.Script("http://a/feed", {Unavailable("down"), ok});
  std::vector<Result<net::HttpResponse>> results;
  net::HttpRequest request;
  request.url = "http://a/feed";
  for (int i = 0; i < 3; ++i) {
    client.Fetch(request, [&](Result<net::HttpResponse> r) { results.push_back(std::move(r)); });
  }
  request.url = "http://b/unknown";
  client.Fetch(request, [&](Result<net::HttpResponse> r) { results.push_back(std::move(r)); });
  CHECK(results.empty());  // never inline
  ioc.run_for(std::chrono::seconds(1));
  REQUIRE(results.size() == 4);
  CHECK(results[0].has_error());
  CHECK(results[1].value().body == "x");
  CHECK(results[2].value().status == 200);
  REQUIRE(results[3].has_error());
  CHECK(results[3].error().code == Code::kUnavailable);
  CHECK(client.Requests().size() == 4);
}

}  // namespace babelwatch::testing
