#include "monitoring/api_guard.h"

#include <algorithm>
#include <memory>
#include <mutex>
#include <string>
#include <unordered_map>

#include "core/log.h"

namespace babelwatch::monitoring {
namespace {

constexpr size_t kMaxClients = 10'000;

// Compares without an early exit, so the time taken does not reveal the matching prefix.
bool ConstantTimeEquals(std::string_view a, std::string_view b) {
  unsigned char diff = a.size() == b.size() ? 0 : 1;
  const size_t n = std::max(a.size(), b.size());
  for (size_t i = 0; i < n; ++i) {
    unsigned char x = i < a.size() ? static_cast<unsigned char>(a[i]) : 0;
    unsigned char y = i < b.size() ? static_cast<unsigned char>(b[i]) : 0;
    diff |= static_cast<unsigned char>(x ^ y);
  }
  return diff == 0;
}

struct Bucket {
  double tokens = 0;
  MonotonicTime last{};
};

struct GuardState {
  std::mutex mutex;
  std::unordered_map<std::string, Bucket> buckets;  // GUARDED_BY(mutex)
};

net::HttpServerResponse Reject(int status, std::string body) {
  net::HttpServerResponse response;
  response.status = status;
  response.body = std::move(body);
  return response;
}

}  // namespace

bool IsLoopbackAddress(std::string_view address) {
  return address == "localhost" || address == "::1" || address.rfind("127.", 0) == 0;
}

net::RouteHandler GuardApi(const ServerOptions& options, const Clock& clock,
                           net::RouteHandler inner) {
  const bool need_token = !IsLoopbackAddress(options.address);
  const std::string expected = "Bearer " + options.api_token;
  const double rate = std::max(1, options.requests_per_second);
  auto state = std::make_shared<GuardState>();
  return [need_token, expected, rate, state, &clock,
          inner = std::move(inner)](const net::HttpServerRequest& request) {
    if (need_token &&
        (expected == "Bearer " || !ConstantTimeEquals(request.Header("authorization"), expected))) {
      auto response =
          Reject(401, "a bearer token is required: Authorization: Bearer <api_token>\n");
      response.headers.emplace_back("WWW-Authenticate", "Bearer");
      return response;
    }
    {
      std::lock_guard<std::mutex> lock(state->mutex);
      if (state->buckets.size() >= kMaxClients &&
          state->buckets.count(request.remote_address) == 0) {
        Log(LogLevel::kWarning, "api",
            "rate-limit table full (" + std::to_string(kMaxClients) + " clients): cleared");
        state->buckets.clear();
      }
      const MonotonicTime now = clock.MonotonicNow();
      auto [it, inserted] = state->buckets.try_emplace(request.remote_address);
      Bucket& bucket = it->second;
      if (inserted) {
        bucket.tokens = rate;
      } else {
        const double elapsed = std::chrono::duration<double>(now - bucket.last).count();
        bucket.tokens = std::min(rate, bucket.tokens + std::max(0.0, elapsed) * rate);
      }
      bucket.last = now;
      if (bucket.tokens < 1.0) {
        auto response = Reject(429, "rate limit of " + std::to_string(static_cast<int>(rate)) +
                                        " requests per second exceeded\n");
        response.headers.emplace_back("Retry-After", "1");
        return response;
      }
      bucket.tokens -= 1.0;
    }
    return inner(request);
  };
}

net::HttpServerOptions ToHttpServerOptions(const ServerOptions& options) {
  net::HttpServerOptions out;
  out.address = options.address;
  out.port = options.port;
  out.max_request_bytes = options.max_request_bytes;
  return out;
}

}  // namespace babelwatch::monitoring
