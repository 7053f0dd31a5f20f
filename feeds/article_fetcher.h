// File: feeds/article_fetcher.h
//
// ArticleFetcher: for feeds configured with full_text, fetches each new item's page and puts
// its main text (feeds/main_text.h) into Item::text when that is longer than what the feed
// gave. Politeness as for feeds: at most `per_host_concurrency` requests per host with
// `per_host_spacing` between their starts, and `max_concurrency` overall. The queue is bounded:
// Submit() refuses items when it is full (counted in a metric). Only http(s) pages are fetched.
// Threading: Submit() and Stop() are thread-safe; `done` runs on an internal strand, once per
// accepted item (with the text filled, or unchanged when the page failed), and must not
// block. `ioc`, `client` and `registry` must outlive the fetcher. After Stop() no `done`
// starts; accepted items still queued are dropped.
#pragma once

#include <chrono>
#include <cstddef>
#include <cstdint>
#include <functional>
#include <memory>

#include "core/item.h"
#include "net/http_client.h"

namespace boost::asio {
class io_context;
}  // namespace boost::asio

namespace prometheus {
class Registry;
}  // namespace prometheus

namespace babelwatch::feeds {

struct ArticleFetcherOptions {
  int max_concurrency = 4;
  int per_host_concurrency = 1;
  std::chrono::milliseconds per_host_spacing{std::chrono::seconds(1)};
  size_t max_queue = 1000;
  int64_t max_page_bytes = 4 << 20;
  int connect_timeout_ms = 10'000;
  int total_timeout_ms = 20'000;
  int max_redirects = 5;
};

class ArticleFetcher {
 public:
  using Done = std::function<void(Item item)>;

  ArticleFetcher(boost::asio::io_context& ioc, net::HttpClient& client,
                 prometheus::Registry& registry, ArticleFetcherOptions options, Done done);
  // Calls Stop().
  ~ArticleFetcher();
  ArticleFetcher(const ArticleFetcher&) = delete;
  ArticleFetcher& operator=(const ArticleFetcher&) = delete;

  // Queues `item` for its page. Returns false, and `done` is not called, when the queue is
  // full, the fetcher is stopped, or the item's URL is not http(s).
  bool Submit(Item item);
  void Stop();

  class Impl;

 private:
  std::shared_ptr<Impl> impl_;
};

}  // namespace babelwatch::feeds
