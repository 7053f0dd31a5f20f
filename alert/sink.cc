#include "alert/sink.h"

#include <time.h>

#include <algorithm>
#include <cctype>
#include <cstring>

namespace babelwatch::alert {
namespace {

constexpr int64_t kMaxRetryAfterMs = 24LL * 3600 * 1000;

// "Wed, 21 Oct 2015 07:28:00 GMT" -> Unix ms.
std::optional<int64_t> ParseImfFixdate(std::string_view v) {
  if (v.size() != 29 || v.substr(25) != " GMT") return std::nullopt;
  static constexpr const char* kMonths[] = {"Jan", "Feb", "Mar", "Apr", "May", "Jun",
                                            "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"};
  auto digits = [&](size_t pos, size_t n, int& out) {
    out = 0;
    for (size_t i = pos; i < pos + n; ++i) {
      if (!std::isdigit(static_cast<unsigned char>(v[i]))) return false;
      out = out * 10 + (v[i] - '0');
    }
    return true;
  };
  struct tm tm {};
  int mday = 0, year = 0, hour = 0, min = 0, sec = 0;
  if (v[3] != ',' || v[4] != ' ' || v[7] != ' ' || v[11] != ' ' || v[16] != ' ' || v[19] != ':' ||
      v[22] != ':') {
    return std::nullopt;
  }
  if (!digits(5, 2, mday) || !digits(12, 4, year) || !digits(17, 2, hour) || !digits(20, 2, min) ||
      !digits(23, 2, sec)) {
    return std::nullopt;
  }
  int mon = -1;
  for (int i = 0; i < 12; ++i) {
    if (v.substr(8, 3) == kMonths[i]) mon = i;
  }
  if (mon < 0 || mday < 1 || mday > 31 || hour > 23 || min > 59 || sec > 60) return std::nullopt;
  tm.tm_year = year - 1900;
  tm.tm_mon = mon;
  tm.tm_mday = mday;
  tm.tm_hour = hour;
  tm.tm_min = min;
  tm.tm_sec = sec;
  const time_t t = timegm(&tm);
  if (t == static_cast<time_t>(-1)) return std::nullopt;
  return static_cast<int64_t>(t) * 1000;
}

std::string Printable(std::string_view body, size_t max) {
  std::string out;
  for (char c : body.substr(0, max)) {
    const unsigned char u = static_cast<unsigned char>(c);
    out += (u < 0x20 || u == 0x7F) ? ' ' : c;
  }
  if (body.size() > max) out += "...";
  return out;
}

}  // namespace

std::optional<int64_t> ParseRetryAfterMs(std::string_view value, int64_t now_ms) {
  while (!value.empty() && (value.front() == ' ' || value.front() == '\t')) value.remove_prefix(1);
  while (!value.empty() && (value.back() == ' ' || value.back() == '\t')) value.remove_suffix(1);
  if (value.empty()) return std::nullopt;
  if (std::all_of(value.begin(), value.end(),
                  [](char c) { return std::isdigit(static_cast<unsigned char>(c)); })) {
    if (value.size() > 9) return kMaxRetryAfterMs;  // absurdly large: cap
    int64_t seconds = 0;
    for (char c : value) seconds = seconds * 10 + (c - '0');
    return std::min(seconds * 1000, kMaxRetryAfterMs);
  }
  std::optional<int64_t> at = ParseImfFixdate(value);
  if (!at) return std::nullopt;
  return std::clamp<int64_t>(*at - now_ms, 0, kMaxRetryAfterMs);
}

DeliveryOutcome ClassifyResponse(const Result<net::HttpResponse>& response, int64_t now_ms) {
  DeliveryOutcome out;
  if (!response) {
    const Error& e = response.error();
    out.detail = std::string(CodeName(e.code)) + ": " + e.message;
    switch (e.code) {
      case Code::kCancelled:
        out.kind = DeliveryOutcome::Kind::kCancelled;
        break;
      case Code::kInvalidArgument:
        out.kind = DeliveryOutcome::Kind::kPermanent;
        break;
      default:
        out.kind = DeliveryOutcome::Kind::kRetry;
        break;
    }
    return out;
  }
  const int status = response->status;
  out.http_status = status;
  if (status >= 200 && status < 300) {
    out.kind = DeliveryOutcome::Kind::kDelivered;
    return out;
  }
  out.detail = "HTTP " + std::to_string(status);
  if (!response->body.empty()) out.detail += ": " + Printable(response->body, 200);
  const bool transient =
      status == 408 || status == 425 || status == 429 || (status >= 500 && status < 600);
  out.kind = transient ? DeliveryOutcome::Kind::kRetry : DeliveryOutcome::Kind::kPermanent;
  if (transient) out.retry_after_ms = ParseRetryAfterMs(response->Header("retry-after"), now_ms);
  return out;
}

net::HttpRequest JsonPost(const SinkOptions& options, std::string url, std::string body) {
  net::HttpRequest r;
  r.method = "POST";
  r.url = std::move(url);
  r.body = std::move(body);
  r.headers = {{"Content-Type", "application/json"}, {"User-Agent", "babelwatch/0.1"}};
  const int total_ms = std::max(1, options.timeout_s) * 1000;
  r.total_timeout_ms = total_ms;
  r.connect_timeout_ms = std::min(total_ms, 10'000);
  r.max_body_bytes = 64 << 10;
  r.max_redirects = 0;
  r.allow_file_scheme = false;
  return r;
}

}  // namespace babelwatch::alert
