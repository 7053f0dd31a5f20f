// File: daemon/api.h
//
// Api: the JSON endpoints of babelwatchd, registered on the daemon's HttpServer:
//   GET /api/stories?offset=&limit=&min_languages=   stories in the window, newest first
//   GET /api/stories/<id>                           one story
//   GET /api/alerts?limit=                          outbox: pending, dead letters, depth
//   GET /api/feeds?offset=&limit=                   feed health from the scheduler
// Pages are {"items":[...],"total":N,"offset":O,"limit":L,"next_offset":O+L|null}.
// When the server listens on a non-loopback address every /api request needs
// "Authorization: Bearer <server.api_token>" (401 otherwise). Each client address gets
// `requests_per_second` requests per second (429 with Retry-After beyond).
// Handlers run on the server's strand; the sources must be thread-safe and outlive the Api.
#pragma once

#include <functional>
#include <map>
#include <memory>
#include <string>
#include <vector>

#include "core/clock.h"
#include "core/story.h"
#include "monitoring/options.h"
#include "net/http_server.h"

namespace babelwatch::store {
class Store;
}

namespace babelwatch::daemon {

class Api {
 public:
  struct Sources {
    std::function<std::shared_ptr<const std::vector<StorySummary>>()> stories;
    store::Store* store = nullptr;  // for /api/alerts
    // One JSON object per feed (already serialized), for /api/feeds.
    std::function<std::vector<std::string>()> feeds;
  };

  Api(const monitoring::ServerOptions& options, Sources sources, const Clock& clock);

  // Adds the /api routes to `server` (before it starts).
  void Register(net::HttpServer& server);

  // True when `address` is a loopback address ("127.0.0.1", "::1", "localhost", 127/8).
  [[nodiscard]] static bool IsLoopback(const std::string& address);

  // Routes for tests without a server.
  [[nodiscard]] net::HttpServerResponse HandleForTest(const net::HttpServerRequest& request) {
    return Handle(request);
  }

 private:
  net::HttpServerResponse Handle(const net::HttpServerRequest& request);
  net::HttpServerResponse Stories(const net::HttpServerRequest& request);
  net::HttpServerResponse Story(const std::string& id_text);
  net::HttpServerResponse Alerts(const net::HttpServerRequest& request);
  net::HttpServerResponse Feeds(const net::HttpServerRequest& request);
  bool Authorized(const net::HttpServerRequest& request) const;
  bool RateLimited(const std::string& client, int64_t now_ms);

  // Constant after construction.
  const monitoring::ServerOptions options_;
  const Sources sources_;
  const Clock& clock_;
  const bool require_token_;

  // Touched only on the server's strand.
  struct Bucket {
    double tokens = 0;
    int64_t updated_ms = 0;
  };
  std::map<std::string, Bucket> buckets_;
};

}  // namespace babelwatch::daemon
