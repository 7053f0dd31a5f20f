#include "feeds/article_fetcher.h"

#include <prometheus/counter.h>
#include <prometheus/family.h>
#include <prometheus/registry.h>

#include <algorithm>
#include <atomic>
#include <boost/asio/bind_executor.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/post.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/strand.hpp>
#include <cassert>
#include <deque>
#include <map>

#include "feeds/main_text.h"
#include "feeds/poll_policy.h"

namespace babelwatch::feeds {
namespace {

namespace asio = boost::asio;
using Steady = std::chrono::steady_clock;

bool IsHttpUrl(const std::string& url) {
  std::string scheme = url.substr(0, url.find(':'));
  std::transform(scheme.begin(), scheme.end(), scheme.begin(),
                 [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
  return (scheme == "http" || scheme == "https") && url.find("://") == scheme.size();
}

}  // namespace

class ArticleFetcher::Impl : public std::enable_shared_from_this<ArticleFetcher::Impl> {
 public:
  Impl(asio::io_context& ioc, net::HttpClient& client, prometheus::Registry& registry,
       ArticleFetcherOptions options, Done done)
      : client_(client),
        options_(std::move(options)),
        done_(std::move(done)),
        results_(prometheus::BuildCounter()
                     .Name("babelwatch_feeds_article_fetches_total")
                     .Help("Article page fetches for full-text feeds, by result.")
                     .Register(registry)),
        drops_(prometheus::BuildCounter()
                   .Name("babelwatch_feeds_article_queue_drops_total")
                   .Help("Items refused because the article fetch queue was full.")
                   .Register(registry)
                   .Add({})),
        strand_(asio::make_strand(ioc)),
        timer_(strand_) {}

  bool Submit(Item item) {
    if (stopped_ || !IsHttpUrl(item.url)) return false;
    if (queued_.fetch_add(1) >= options_.max_queue) {
      --queued_;
      drops_.Increment();
      return false;
    }
    asio::post(strand_, [self = shared_from_this(), item = std::move(item)]() mutable {
      if (self->stopped_) return;
      self->queue_.push_back(std::move(item));
      self->Pump();
    });
    return true;
  }

  void Stop() {
    if (stopped_.exchange(true)) return;
    asio::post(strand_, [self = shared_from_this()] {
      self->timer_.cancel();
      self->queue_.clear();
    });
  }

 private:
  struct Host {
    int in_flight = 0;
    Steady::time_point next_start{};
  };

  // Starts every queued item whose host allows it, oldest first; arms the timer for the
  // earliest spacing-blocked one.
  void Pump() {
    assert(strand_.running_in_this_thread());
    const auto now = Steady::now();
    Steady::time_point wake = Steady::time_point::max();
    for (auto it = queue_.begin(); it != queue_.end() && in_flight_ < options_.max_concurrency;) {
      const std::string key = HostKey(it->url);
      Host& host = hosts_[key];
      if (host.in_flight >= std::max(1, options_.per_host_concurrency)) {
        ++it;
        continue;
      }
      if (now < host.next_start) {
        wake = std::min(wake, host.next_start);
        ++it;
        continue;
      }
      host.in_flight++;
      host.next_start = now + options_.per_host_spacing;
      ++in_flight_;
      Start(std::move(*it), key);
      it = queue_.erase(it);
    }
    if (wake != Steady::time_point::max() && (!timer_armed_ || wake < timer_.expiry())) {
      Arm(wake);
    }
    // Forget idle hosts whose spacing has passed, so the table stays small.
    for (auto it = hosts_.begin(); it != hosts_.end();) {
      if (it->second.in_flight == 0 && it->second.next_start <= now) {
        it = hosts_.erase(it);
      } else {
        ++it;
      }
    }
  }

  void Arm(Steady::time_point when) {
    timer_armed_ = true;
    timer_.expires_at(when);
    timer_.async_wait([self = shared_from_this()](const boost::system::error_code& ec) {
      if (ec == asio::error::operation_aborted || self->stopped_) return;
      self->timer_armed_ = false;
      self->Pump();
    });
  }

  void Start(Item item, const std::string& host_key) {
    net::HttpRequest request;
    request.url = item.url;
    request.headers.emplace_back("Accept", "text/html, application/xhtml+xml;q=0.9, */*;q=0.5");
    request.connect_timeout_ms = options_.connect_timeout_ms;
    request.total_timeout_ms = options_.total_timeout_ms;
    request.max_body_bytes = std::min<int64_t>(options_.max_page_bytes, kMaxArticleBytes);
    request.max_redirects = options_.max_redirects;
    request.allow_file_scheme = false;
    auto self = shared_from_this();
    auto shared_item = std::make_shared<Item>(std::move(item));
    client_.Fetch(std::move(request), [self, shared_item, host_key](Result<net::HttpResponse> r) {
      asio::post(self->strand_, [self, shared_item, host_key, r = std::move(r)]() mutable {
        self->OnFetched(std::move(*shared_item), host_key, std::move(r));
      });
    });
  }

  void OnFetched(Item item, const std::string& host_key, Result<net::HttpResponse> result) {
    --in_flight_;
    --queued_;
    auto h = hosts_.find(host_key);
    if (h != hosts_.end() && h->second.in_flight > 0) --h->second.in_flight;
    if (stopped_) return;
    std::string outcome;
    if (result.has_error()) {
      outcome = std::string(CodeName(result.error().code));
    } else if (result->status != 200) {
      outcome = "http_error";
    } else {
      auto text = ExtractMainText(result->body);
      if (text.has_error()) {
        outcome = "no_text";
      } else {
        outcome = "ok";
        if (text->size() > item.text.size()) item.text = std::move(*text);
      }
    }
    results_.Add({{"result", outcome}}).Increment();
    if (done_) done_(std::move(item));
    Pump();
  }

  // Constant after construction.
  net::HttpClient& client_;
  const ArticleFetcherOptions options_;
  const Done done_;
  prometheus::Family<prometheus::Counter>& results_;
  prometheus::Counter& drops_;
  asio::strand<asio::io_context::executor_type> strand_;

  std::atomic<bool> stopped_{false};
  std::atomic<size_t> queued_{0};  // accepted and not yet done

  // State below is used only on strand_.
  asio::steady_timer timer_;
  bool timer_armed_ = false;
  int in_flight_ = 0;
  std::deque<Item> queue_;
  std::map<std::string, Host> hosts_;
};

ArticleFetcher::ArticleFetcher(boost::asio::io_context& ioc, net::HttpClient& client,
                               prometheus::Registry& registry, ArticleFetcherOptions options,
                               Done done)
    : impl_(std::make_shared<Impl>(ioc, client, registry, std::move(options), std::move(done))) {}

ArticleFetcher::~ArticleFetcher() { impl_->Stop(); }

bool ArticleFetcher::Submit(Item item) { return impl_->Submit(std::move(item)); }

void ArticleFetcher::Stop() { impl_->Stop(); }

}  // namespace babelwatch::feeds
