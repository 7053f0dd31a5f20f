#include "core/time_format.h"

#include <chrono>
#include <cstdio>

namespace babelwatch {
namespace {

bool Digits(std::string_view s, size_t pos, size_t n, int* out) {
  if (pos + n > s.size()) return false;
  int v = 0;
  for (size_t i = pos; i < pos + n; ++i) {
    if (s[i] < '0' || s[i] > '9') return false;
    v = v * 10 + (s[i] - '0');
  }
  *out = v;
  return true;
}

Error Bad(std::string_view text, const char* why) {
  return InvalidArgument("\"" + std::string(text.substr(0, 64)) + "\" is not an ISO 8601 time (" +
                         why + ")");
}

}  // namespace

Result<int64_t> ParseIso8601Ms(std::string_view text) {
  int year, month, day, hour = 0, minute = 0, second = 0;
  if (!Digits(text, 0, 4, &year) || text.size() < 10 || text[4] != '-' ||
      !Digits(text, 5, 2, &month) || text[7] != '-' || !Digits(text, 8, 2, &day)) {
    return Bad(text, "expected YYYY-MM-DD");
  }
  using namespace std::chrono;
  year_month_day ymd{std::chrono::year(year), std::chrono::month(static_cast<unsigned>(month)),
                     std::chrono::day(static_cast<unsigned>(day))};
  if (!ymd.ok()) return Bad(text, "no such date");
  int64_t ms = duration_cast<milliseconds>(sys_days(ymd).time_since_epoch()).count();
  if (text.size() == 10) return ms;
  if (text[10] != 'T' && text[10] != 't' && text[10] != ' ') return Bad(text, "expected 'T'");
  if (!Digits(text, 11, 2, &hour) || text.size() < 16 || text[13] != ':' ||
      !Digits(text, 14, 2, &minute)) {
    return Bad(text, "expected hh:mm");
  }
  size_t pos = 16;
  if (pos < text.size() && text[pos] == ':') {
    if (!Digits(text, pos + 1, 2, &second)) return Bad(text, "expected seconds");
    pos += 3;
  }
  int64_t fraction_ms = 0;
  if (pos < text.size() && (text[pos] == '.' || text[pos] == ',')) {
    ++pos;
    int scale = 100;
    size_t start = pos;
    while (pos < text.size() && text[pos] >= '0' && text[pos] <= '9') {
      fraction_ms += (text[pos] - '0') * scale;
      scale /= 10;
      ++pos;
    }
    if (pos == start) return Bad(text, "empty fraction");
  }
  if (hour > 23 || minute > 59 || second > 60) return Bad(text, "time out of range");
  int64_t offset_min = 0;
  if (pos >= text.size()) return Bad(text, "missing time zone (Z or +hh:mm)");
  if (text[pos] == 'Z' || text[pos] == 'z') {
    ++pos;
  } else if (text[pos] == '+' || text[pos] == '-') {
    int oh, om = 0;
    if (!Digits(text, pos + 1, 2, &oh)) return Bad(text, "bad zone offset");
    size_t p = pos + 3;
    if (p < text.size() && text[p] == ':') ++p;
    if (p < text.size() && !Digits(text, p, 2, &om)) return Bad(text, "bad zone offset");
    if (p < text.size()) p += 2;
    if (oh > 23 || om > 59) return Bad(text, "zone offset out of range");
    offset_min = (oh * 60 + om) * (text[pos] == '-' ? -1 : 1);
    pos = p;
  } else {
    return Bad(text, "unexpected character after the time");
  }
  if (pos != text.size()) return Bad(text, "trailing characters");
  ms += ((hour * 60 + minute - offset_min) * 60 + second) * 1000LL + fraction_ms;
  return ms;
}

std::string FormatIso8601(int64_t unix_ms) {
  using namespace std::chrono;
  const sys_time<milliseconds> tp{milliseconds(unix_ms)};
  const sys_days days = floor<std::chrono::days>(tp);
  const year_month_day ymd(days);
  const hh_mm_ss<milliseconds> hms(tp - days);
  char buf[40];
  const int ms = static_cast<int>(hms.subseconds().count());
  if (ms != 0) {
    std::snprintf(buf, sizeof buf, "%04d-%02u-%02uT%02d:%02d:%02d.%03dZ", int(ymd.year()),
                  unsigned(ymd.month()), unsigned(ymd.day()), int(hms.hours().count()),
                  int(hms.minutes().count()), int(hms.seconds().count()), ms);
  } else {
    std::snprintf(buf, sizeof buf, "%04d-%02u-%02uT%02d:%02d:%02dZ", int(ymd.year()),
                  unsigned(ymd.month()), unsigned(ymd.day()), int(hms.hours().count()),
                  int(hms.minutes().count()), int(hms.seconds().count()));
  }
  return buf;
}

}  // namespace babelwatch
