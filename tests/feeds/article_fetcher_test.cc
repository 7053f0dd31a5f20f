#include "feeds/article_fetcher.h"

#include <prometheus/registry.h>

#include <atomic>
#include <boost/asio/io_context.hpp>
#include <catch2/catch.hpp>
#include <chrono>
#include <thread>

#include "net/curl_http_client.h"
#include "tests/feeds/article_page.h"
#include "tests/support/loopback_http_server.h"

namespace babelwatch::feeds {
namespace {

using namespace std::chrono_literals;
using testdata::ArticlePage;
using testdata::kParagraph1;
using testing::LoopbackHttpServer;
using testing::RecordedRequest;
using testing::Respond;

}  // namespace

TEST_CASE("ArticleFetcher: fills the text from the page, politely and boundedly",
          "[feeds][fulltext]") {
  LoopbackHttpServer server;
  boost::asio::io_context ioc;
  prometheus::Registry registry;
  net::CurlHttpClient client(ioc, {});
  std::atomic<int> active{0};
  std::atomic<int> max_active{0};
  server.SetResponder("/article", [&](const RecordedRequest&) {
    int now = ++active;
    int seen = max_active.load();
    while (now > seen && !max_active.compare_exchange_weak(seen, now)) {
    }
    std::this_thread::sleep_for(50ms);
    --active;
    return Respond(200, ArticlePage(), {{"Content-Type", "text/html; charset=utf-8"}});
  });
  server.Set("/missing", Respond(404, "gone"));
  std::vector<Item> done;
  ArticleFetcherOptions options;
  options.per_host_concurrency = 1;
  options.per_host_spacing = 0ms;
  options.max_queue = 5;
  ArticleFetcher fetcher(ioc, client, registry, options,
                         [&](Item item) { done.push_back(std::move(item)); });
  auto make = [&](const std::string& url) {
    Item item;
    item.id = url;
    item.url = url;
    item.text = "short summary";
    return item;
  };
  CHECK_FALSE(fetcher.Submit(make("file:///etc/passwd")));
  CHECK_FALSE(fetcher.Submit(make("ftp://127.0.0.1/x")));
  for (int i = 0; i < 4; ++i)
    CHECK(fetcher.Submit(make(server.Url("/article?i=" + std::to_string(i)))));
  CHECK(fetcher.Submit(make(server.Url("/missing"))));
  CHECK_FALSE(fetcher.Submit(make(server.Url("/article?i=9"))));  // queue of 5 is full
  auto deadline = std::chrono::steady_clock::now() + 10s;
  while (done.size() < 5 && std::chrono::steady_clock::now() < deadline) ioc.run_one_for(50ms);
  REQUIRE(done.size() == 5);
  int filled = 0;
  for (const auto& item : done) {
    if (item.url.find("/missing") != std::string::npos) {
      CHECK(item.text == "short summary");
    } else {
      CHECK(item.text.find(kParagraph1) != std::string::npos);
      ++filled;
    }
  }
  CHECK(filled == 4);
  CHECK(max_active.load() == 1);
  CHECK(server.Count("/article") == 4);
  fetcher.Stop();
  CHECK_FALSE(fetcher.Submit(make(server.Url("/article"))));
}

}  // namespace babelwatch::feeds
