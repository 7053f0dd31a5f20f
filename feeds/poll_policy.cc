#include "feeds/poll_policy.h"

#include <algorithm>
#include <cctype>
#include <charconv>
#include <functional>

#include "feeds/date_parser.h"

namespace babelwatch::feeds {
namespace {

std::string Lower(std::string_view s) {
  std::string out(s);
  for (char& c : out) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  return out;
}

std::string_view Trim(std::string_view s) {
  while (!s.empty() && (s.front() == ' ' || s.front() == '\t')) s.remove_prefix(1);
  while (!s.empty() && (s.back() == ' ' || s.back() == '\t')) s.remove_suffix(1);
  return s;
}

// Non-negative decimal seconds, capped at ten years so the multiplication cannot overflow.
std::optional<Millis> ParseSeconds(std::string_view s) {
  if (s.empty() || s.size() > 12) return std::nullopt;
  int64_t value = 0;
  auto [ptr, ec] = std::from_chars(s.data(), s.data() + s.size(), value);
  if (ec != std::errc() || ptr != s.data() + s.size() || value < 0) return std::nullopt;
  value = std::min<int64_t>(value, int64_t{10} * 365 * 24 * 3600);
  return Millis(value * 1000);
}

}  // namespace

Millis AdaptiveInterval(const std::vector<Item>& items, int64_t now_ms, int64_t undated_ms,
                        Millis min, Millis max, Millis fallback) {
  if (max < min) max = min;
  std::vector<int64_t> dates;
  for (const auto& item : items) {
    if (item.published_ms <= 0 || item.published_ms > now_ms || item.published_ms == undated_ms) {
      continue;
    }
    dates.push_back(item.published_ms);
  }
  std::sort(dates.begin(), dates.end(), std::greater<>());
  dates.erase(std::unique(dates.begin(), dates.end()), dates.end());
  if (dates.size() > 20) dates.resize(20);
  if (dates.size() < 2) return std::clamp(fallback, min, max);
  const int64_t mean_gap_ms =
      (dates.front() - dates.back()) / static_cast<int64_t>(dates.size() - 1);
  return std::clamp(Millis(mean_gap_ms / 2), min, max);
}

Millis Backoff(int consecutive_errors, Millis base, Millis cap) {
  if (consecutive_errors <= 1) return std::min(base, cap);
  Millis delay = base;
  for (int i = 1; i < consecutive_errors && delay < cap; ++i) delay *= 2;
  return std::min(delay, cap);
}

std::optional<Millis> ParseRetryAfter(std::string_view value, int64_t now_ms) {
  value = Trim(value);
  if (value.empty()) return std::nullopt;
  if (std::isdigit(static_cast<unsigned char>(value.front()))) return ParseSeconds(value);
  auto when = ParseFeedDate(value);
  if (!when) return std::nullopt;
  return Millis(std::max<int64_t>(0, *when - now_ms));
}

std::optional<Millis> ParseMaxAge(std::string_view cache_control) {
  std::optional<Millis> max_age;
  std::string_view rest = cache_control;
  while (!rest.empty()) {
    size_t comma = rest.find(',');
    std::string directive = Lower(Trim(rest.substr(0, comma)));
    rest = comma == std::string_view::npos ? std::string_view() : rest.substr(comma + 1);
    if (directive == "no-store" || directive == "no-cache") return std::nullopt;
    if (directive.rfind("max-age=", 0) == 0) {
      std::string_view number = std::string_view(directive).substr(8);
      if (!number.empty() && number.front() == '"' && number.back() == '"' && number.size() >= 2) {
        number = number.substr(1, number.size() - 2);
      }
      max_age = ParseSeconds(number);
    }
  }
  return max_age;
}

std::string HostKey(std::string_view url) {
  size_t scheme_end = url.find("://");
  if (scheme_end == std::string_view::npos) return "";
  if (Lower(url.substr(0, scheme_end)) == "file") return "";
  std::string_view rest = url.substr(scheme_end + 3);
  rest = rest.substr(0, rest.find_first_of("/?#"));
  size_t at = rest.rfind('@');
  if (at != std::string_view::npos) rest = rest.substr(at + 1);
  return Lower(rest);
}

Millis Jitter(Millis delay, double fraction, double unit_random) {
  fraction = std::clamp(fraction, 0.0, 1.0);
  unit_random = std::clamp(unit_random, 0.0, 1.0);
  const double factor = 1.0 + fraction * (2.0 * unit_random - 1.0);
  return Millis(static_cast<int64_t>(static_cast<double>(delay.count()) * factor));
}

}  // namespace babelwatch::feeds
