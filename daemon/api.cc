#include "daemon/api.h"

#include <algorithm>
#include <boost/json.hpp>
#include <charconv>

#include "core/time_format.h"
#include "store/store.h"
#include "tools/story_json.h"

namespace babelwatch::daemon {
namespace {

constexpr size_t kMaxClients = 4096;
constexpr int kMaxPageSize = 500;

net::HttpServerResponse Json(int status, const boost::json::value& body) {
  net::HttpServerResponse r;
  r.status = status;
  r.content_type = "application/json";
  r.body = boost::json::serialize(body);
  r.body += "\n";
  return r;
}

net::HttpServerResponse JsonError(int status, const std::string& message) {
  return Json(status, boost::json::object{{"error", message}});
}

// Reads a non-negative integer query parameter; `fallback` when absent.
Result<int64_t> IntParam(const net::HttpServerRequest& request, std::string_view name,
                         int64_t fallback, int64_t max) {
  const std::string text = request.QueryParam(name);
  if (text.empty()) return fallback;
  int64_t v = 0;
  auto [ptr, ec] = std::from_chars(text.data(), text.data() + text.size(), v);
  if (ec != std::errc() || ptr != text.data() + text.size() || v < 0) {
    return InvalidArgument("query parameter " + std::string(name) + "=\"" + text.substr(0, 32) +
                           "\" is not a non-negative integer");
  }
  return std::min(v, max);
}

boost::json::object Page(boost::json::array items, size_t total, int64_t offset, int64_t limit) {
  boost::json::object o;
  o["items"] = std::move(items);
  o["total"] = total;
  o["offset"] = offset;
  o["limit"] = limit;
  if (static_cast<size_t>(offset + limit) < total) {
    o["next_offset"] = offset + limit;
  } else {
    o["next_offset"] = nullptr;
  }
  return o;
}

boost::json::object OutboxToJson(const store::OutboxEntry& e) {
  boost::json::object o = tools::AlertToJson(e.alert);
  o["outbox_id"] = e.id;
  o["sink"] = e.sink;
  o["attempts"] = e.attempts;
  o["created"] = FormatIso8601(e.created_ms);
  o["next_attempt"] = FormatIso8601(e.next_attempt_ms);
  o["last_error"] = e.last_error;
  return o;
}

}  // namespace

Api::Api(const monitoring::ServerOptions& options, Sources sources, const Clock& clock)
    : options_(options),
      sources_(std::move(sources)),
      clock_(clock),
      require_token_(!IsLoopback(options.address)) {}

bool Api::IsLoopback(const std::string& address) {
  return address == "localhost" || address == "::1" || address.rfind("127.", 0) == 0;
}

void Api::Register(net::HttpServer& server) {
  server.Handle("GET", "/api", [this](const net::HttpServerRequest& r) { return Handle(r); });
}

bool Api::Authorized(const net::HttpServerRequest& request) const {
  if (!require_token_) return true;
  if (options_.api_token.empty()) return false;
  const std::string expected = "Bearer " + options_.api_token;
  const std::string given = request.Header("authorization");
  // Compare in constant time over the expected length.
  unsigned diff = given.size() != expected.size();
  for (size_t i = 0; i < expected.size(); ++i) {
    diff |= static_cast<unsigned>(expected[i] ^ (i < given.size() ? given[i] : 0));
  }
  return diff == 0;
}

bool Api::RateLimited(const std::string& client, int64_t now_ms) {
  const double rate = std::max(1, options_.requests_per_second);
  auto it = buckets_.find(client);
  if (it == buckets_.end()) {
    if (buckets_.size() >= kMaxClients) {
      // Forget clients idle for a minute; if none, share one bucket for the overflow.
      std::erase_if(buckets_, [&](const auto& kv) { return now_ms - kv.second.updated_ms > 60'000; });
    }
    const std::string key = buckets_.size() >= kMaxClients ? std::string("*") : client;
    it = buckets_.emplace(key, Bucket{rate, now_ms}).first;
  }
  Bucket& b = it->second;
  b.tokens = std::min(rate, b.tokens + rate * static_cast<double>(now_ms - b.updated_ms) / 1000.0);
  b.updated_ms = now_ms;
  if (b.tokens < 1.0) return true;
  b.tokens -= 1.0;
  return false;
}

net::HttpServerResponse Api::Handle(const net::HttpServerRequest& request) {
  if (!Authorized(request)) {
    net::HttpServerResponse r = JsonError(401, "missing or wrong bearer token");
    r.headers.emplace_back("WWW-Authenticate", "Bearer realm=\"babelwatch\"");
    return r;
  }
  if (RateLimited(request.remote_address, ToUnixMs(clock_.SystemNow()))) {
    net::HttpServerResponse r = JsonError(429, "too many requests");
    r.headers.emplace_back("Retry-After", "1");
    return r;
  }
  const std::string& path = request.path;
  if (path == "/api/stories") return Stories(request);
  if (path.rfind("/api/stories/", 0) == 0) return Story(path.substr(13));
  if (path == "/api/alerts") return Alerts(request);
  if (path == "/api/feeds") return Feeds(request);
  return JsonError(404, "no such endpoint: " + path.substr(0, 128));
}

net::HttpServerResponse Api::Stories(const net::HttpServerRequest& request) {
  auto offset = IntParam(request, "offset", 0, 1'000'000'000);
  auto limit = IntParam(request, "limit", 50, kMaxPageSize);
  auto min_languages = IntParam(request, "min_languages", 0, 1000);
  for (const auto* p : {&offset, &limit, &min_languages}) {
    if (!*p) return JsonError(400, p->error().message);
  }
  auto stories = sources_.stories ? sources_.stories() : nullptr;
  std::vector<const StorySummary*> matching;
  if (stories) {
    for (const StorySummary& s : *stories) {
      if (static_cast<int64_t>(s.languages.size()) >= *min_languages) matching.push_back(&s);
    }
  }
  boost::json::array items;
  for (size_t i = static_cast<size_t>(*offset);
       i < matching.size() && items.size() < static_cast<size_t>(*limit); ++i) {
    items.push_back(tools::StoryToJson(*matching[i]));
  }
  return Json(200, Page(std::move(items), matching.size(), *offset, *limit));
}

net::HttpServerResponse Api::Story(const std::string& id_text) {
  StoryId id = 0;
  auto [ptr, ec] = std::from_chars(id_text.data(), id_text.data() + id_text.size(), id);
  if (ec != std::errc() || ptr != id_text.data() + id_text.size() || id_text.empty()) {
    return JsonError(400, "story id \"" + id_text.substr(0, 32) + "\" is not a number");
  }
  auto stories = sources_.stories ? sources_.stories() : nullptr;
  if (stories) {
    for (const StorySummary& s : *stories) {
      if (s.id == id) return Json(200, tools::StoryToJson(s));
    }
  }
  return JsonError(404, "story " + std::to_string(id) + " is not in the window");
}

net::HttpServerResponse Api::Alerts(const net::HttpServerRequest& request) {
  auto limit = IntParam(request, "limit", 100, kMaxPageSize);
  if (!limit) return JsonError(400, limit.error().message);
  if (sources_.store == nullptr) return JsonError(503, "no store");
  auto pending = sources_.store->Pending(static_cast<int>(*limit));
  auto dead = sources_.store->DeadLetters(static_cast<int>(*limit));
  auto depth = sources_.store->Depth();
  if (!pending || !dead || !depth) {
    return JsonError(503, "store unavailable: " +
                              (!pending ? pending.error().message
                                        : !dead ? dead.error().message : depth.error().message));
  }
  boost::json::array p, d, s;
  for (const auto& e : *pending) p.push_back(OutboxToJson(e));
  for (const auto& e : *dead) d.push_back(OutboxToJson(e));
  for (const auto& x : *depth) {
    s.push_back(boost::json::object{{"sink", x.sink}, {"pending", x.pending}, {"dead", x.dead}});
  }
  return Json(200, boost::json::object{{"pending", std::move(p)},
                                       {"dead_letters", std::move(d)},
                                       {"depth", std::move(s)}});
}

net::HttpServerResponse Api::Feeds(const net::HttpServerRequest& request) {
  auto offset = IntParam(request, "offset", 0, 1'000'000'000);
  auto limit = IntParam(request, "limit", 100, kMaxPageSize);
  if (!offset) return JsonError(400, offset.error().message);
  if (!limit) return JsonError(400, limit.error().message);
  std::vector<std::string> feeds = sources_.feeds ? sources_.feeds() : std::vector<std::string>{};
  boost::json::array items;
  for (size_t i = static_cast<size_t>(*offset);
       i < feeds.size() && items.size() < static_cast<size_t>(*limit); ++i) {
    boost::system::error_code ec;
    boost::json::value v = boost::json::parse(feeds[i], ec);
    if (!ec) items.push_back(std::move(v));
  }
  return Json(200, Page(std::move(items), feeds.size(), *offset, *limit));
}

}  // namespace babelwatch::daemon
