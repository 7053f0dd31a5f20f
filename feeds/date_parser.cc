#include "feeds/date_parser.h"

#include <array>
#include <cstdio>
#include <string>
#include <vector>

namespace babelwatch::feeds {
namespace {

constexpr int64_t kMsPerSecond = 1000;
constexpr int64_t kSecondsPerDay = 86400;

bool IsDigit(char c) { return c >= '0' && c <= '9'; }
bool IsAlpha(char c) { return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z'); }
bool IsSpace(char c) { return c == ' ' || c == '\t' || c == '\r' || c == '\n'; }
char Lower(char c) { return (c >= 'A' && c <= 'Z') ? static_cast<char>(c - 'A' + 'a') : c; }

bool IsLeap(int64_t y) { return (y % 4 == 0 && y % 100 != 0) || y % 400 == 0; }

unsigned DaysInMonth(int64_t y, unsigned m) {
  static constexpr std::array<unsigned, 12> kDays = {31, 28, 31, 30, 31, 30,
                                                     31, 31, 30, 31, 30, 31};
  if (m == 2 && IsLeap(y)) return 29;
  return kDays[m - 1];
}

struct Fields {
  int64_t year = 0;
  unsigned month = 1, day = 1, hour = 0, minute = 0, second = 0, millis = 0;
  int offset_minutes = 0;  // local = UTC + offset
};

std::optional<int64_t> ToEpochMs(const Fields& f) {
  if (f.month < 1 || f.month > 12 || f.day < 1 || f.day > DaysInMonth(f.year, f.month)) {
    return std::nullopt;
  }
  if (f.hour > 23 || f.minute > 59 || f.second > 60) return std::nullopt;
  unsigned second = f.second == 60 ? 59 : f.second;  // leap second: clamp
  int64_t days = DaysFromCivil(f.year, f.month, f.day);
  int64_t secs = days * kSecondsPerDay + f.hour * 3600 + f.minute * 60 + second -
                 static_cast<int64_t>(f.offset_minutes) * 60;
  return secs * kMsPerSecond + f.millis;
}

// Reads exactly `count` digits at s[*pos].
bool ReadDigits(std::string_view s, size_t* pos, size_t count, unsigned* value) {
  *value = 0;  // defined on failure too
  if (*pos + count > s.size()) return false;
  unsigned v = 0;
  for (size_t i = 0; i < count; ++i) {
    char c = s[*pos + i];
    if (!IsDigit(c)) return false;
    v = v * 10 + static_cast<unsigned>(c - '0');
  }
  *value = v;
  *pos += count;
  return true;
}

size_t CountDigits(std::string_view s, size_t pos) {
  size_t n = 0;
  while (pos + n < s.size() && IsDigit(s[pos + n])) ++n;
  return n;
}

// Numeric zone: "Z", "+hh", "+hhmm", "+hh:mm" (also "-"), consuming the whole rest of `s`.
bool ParseNumericZone(std::string_view s, int* offset) {
  if (s == "Z" || s == "z") {
    *offset = 0;
    return true;
  }
  if (s.empty() || (s[0] != '+' && s[0] != '-')) return false;
  int sign = s[0] == '-' ? -1 : 1;
  size_t pos = 1;
  unsigned hh = 0, mm = 0;
  size_t digits = CountDigits(s, pos);
  if (digits == 4) {
    ReadDigits(s, &pos, 2, &hh);
    ReadDigits(s, &pos, 2, &mm);
  } else if (digits == 2 || digits == 1) {
    ReadDigits(s, &pos, digits, &hh);
    if (pos < s.size() && s[pos] == ':') {
      ++pos;
      if (!ReadDigits(s, &pos, 2, &mm)) return false;
    }
  } else {
    return false;
  }
  if (pos != s.size() || hh > 23 || mm > 59) return false;
  *offset = sign * static_cast<int>(hh * 60 + mm);
  return true;
}

// ISO 8601 / W3DTF, including feedparser's tolerated forms ("2003-012-31", "03-12-31",
// "-0312", "20031231T101455Z", "2004-07-08 23:56:58 -00:20").
std::optional<int64_t> ParseIso8601(std::string_view s) {
  Fields f;
  size_t pos = 0;
  unsigned v = 0;
  size_t lead = CountDigits(s, 0);
  if (s.size() >= 5 && s[0] == '-' && CountDigits(s, 1) == 4 && s.size() == 5) {
    // "-YYMM": year of the current century per ISO 8601:1988 truncated form.
    unsigned yy, mm;
    pos = 1;
    ReadDigits(s, &pos, 2, &yy);
    ReadDigits(s, &pos, 2, &mm);
    f.year = 2000 + yy;
    f.month = mm;
    return ToEpochMs(f);
  }
  if (lead == 2 && s.size() >= 8 && s[2] == '-') {
    // "YY-MM-DD"
    unsigned yy, mm, dd;
    pos = 0;
    ReadDigits(s, &pos, 2, &yy);
    ++pos;
    if (!ReadDigits(s, &pos, 2, &mm) || pos >= s.size() || s[pos] != '-') return std::nullopt;
    ++pos;
    if (!ReadDigits(s, &pos, 2, &dd)) return std::nullopt;
    f.year = 2000 + yy;
    f.month = mm;
    f.day = dd;
  } else if (lead == 8) {
    ReadDigits(s, &pos, 4, &v);
    f.year = v;
    ReadDigits(s, &pos, 2, &f.month);
    ReadDigits(s, &pos, 2, &f.day);
  } else if (lead == 4) {
    ReadDigits(s, &pos, 4, &v);
    f.year = v;
    if (pos < s.size() && s[pos] == '-') {
      ++pos;
      size_t md = CountDigits(s, pos);
      if (md < 1 || md > 3) return std::nullopt;
      if (md == 3 && (pos + 3 >= s.size() || s[pos + 3] != '-')) {
        // "YYYY-DDD": ordinal date.
        unsigned ordinal;
        ReadDigits(s, &pos, 3, &ordinal);
        if (ordinal < 1 || ordinal > (IsLeap(f.year) ? 366u : 365u)) return std::nullopt;
        f.month = 1;
        while (ordinal > DaysInMonth(f.year, f.month)) ordinal -= DaysInMonth(f.year, f.month++);
        f.day = ordinal;
      } else {
        ReadDigits(s, &pos, md, &f.month);
        if (pos < s.size() && s[pos] == '-') {
          ++pos;
          size_t dd = CountDigits(s, pos);
          if (dd < 1 || dd > 2) return std::nullopt;
          ReadDigits(s, &pos, dd, &f.day);
        }
      }
    }
  } else {
    return std::nullopt;
  }
  if (pos < s.size() && (s[pos] == 'T' || s[pos] == 't' || s[pos] == ' ')) {
    size_t tpos = pos + 1;
    while (tpos < s.size() && s[tpos] == ' ') ++tpos;
    size_t hd = CountDigits(s, tpos);
    if (hd == 2 || hd == 1 || hd == 4 || hd == 6) {
      pos = tpos;
      if (hd == 4 || hd == 6) {
        ReadDigits(s, &pos, 2, &f.hour);
        ReadDigits(s, &pos, 2, &f.minute);
        if (hd == 6) ReadDigits(s, &pos, 2, &f.second);
      } else {
        ReadDigits(s, &pos, hd, &f.hour);
        if (pos >= s.size() || s[pos] != ':') return std::nullopt;
        ++pos;
        if (!ReadDigits(s, &pos, 2, &f.minute)) return std::nullopt;
        if (pos < s.size() && s[pos] == ':') {
          ++pos;
          if (!ReadDigits(s, &pos, 2, &f.second)) return std::nullopt;
        }
      }
      if (pos < s.size() && (s[pos] == '.' || s[pos] == ',')) {
        ++pos;
        size_t fd = CountDigits(s, pos);
        if (fd == 0) return std::nullopt;
        unsigned frac = 0;
        size_t take = fd < 3 ? fd : 3;
        size_t p2 = pos;
        ReadDigits(s, &p2, take, &frac);
        for (size_t k = take; k < 3; ++k) frac *= 10;
        f.millis = frac;
        pos += fd;
      }
      while (pos < s.size() && s[pos] == ' ') ++pos;
      if (pos < s.size()) {
        std::string_view zone = s.substr(pos);
        if (zone == "UTC" || zone == "GMT" || zone == "UT") {
          f.offset_minutes = 0;
        } else if (!ParseNumericZone(zone, &f.offset_minutes)) {
          return std::nullopt;
        }
        pos = s.size();
      }
    } else {
      return std::nullopt;
    }
  }
  if (pos != s.size()) return std::nullopt;
  return ToEpochMs(f);
}

int MonthFromName(std::string_view word) {
  static constexpr std::array<std::string_view, 12> kMonths = {
      "january", "february", "march",     "april",   "may",      "june",
      "july",    "august",   "september", "october", "november", "december"};
  if (word.size() < 3) return 0;
  for (size_t i = 0; i < kMonths.size(); ++i) {
    std::string_view m = kMonths[i];
    if (word.size() <= m.size() && m.substr(0, word.size()) == word) {
      return static_cast<int>(i) + 1;
    }
    if (word == "sept" && i == 8) return 9;
  }
  return 0;
}

// Named zones seen in feeds, in minutes east of UTC.
std::optional<int> ZoneFromName(std::string_view z) {
  struct Zone {
    std::string_view name;
    int minutes;
  };
  static constexpr Zone kZones[] = {
      {"ut", 0},     {"utc", 0},    {"gmt", 0},    {"z", 0},      {"wet", 0},     {"bst", 60},
      {"cet", 60},   {"met", 60},   {"mez", 60},   {"west", 60},  {"cest", 120},  {"mest", 120},
      {"eet", 120},  {"eest", 180}, {"msk", 180},  {"ist", 330},  {"jst", 540},   {"kst", 540},
      {"hkt", 480},  {"sgt", 480},  {"aest", 600}, {"aedt", 660}, {"acst", 570},  {"awst", 480},
      {"nzst", 720}, {"nzdt", 780}, {"est", -300}, {"edt", -240}, {"cst", -360},  {"cdt", -300},
      {"mst", -420}, {"mdt", -360}, {"pst", -480}, {"pdt", -420}, {"akst", -540}, {"akdt", -480},
      {"hst", -600}, {"ast", -240}, {"adt", -180}, {"nst", -210}, {"ndt", -150},  {"at", -240},
      {"et", -300},  {"ct", -360},  {"mt", -420},  {"pt", -480},
  };
  for (const Zone& zone : kZones) {
    if (zone.name == z) return zone.minutes;
  }
  return std::nullopt;
}

// A zone token of an RFC 822-style date, already lower-cased.
std::optional<int> ParseRfcZone(std::string_view z) {
  if (z.substr(0, 4) == "etc/") z.remove_prefix(4);
  if (auto named = ZoneFromName(z)) return named;
  for (std::string_view prefix : {"gmt", "utc", "ut"}) {
    if (z.size() > prefix.size() && z.substr(0, prefix.size()) == prefix &&
        (z[prefix.size()] == '+' || z[prefix.size()] == '-')) {
      int offset;
      if (ParseNumericZone(z.substr(prefix.size()), &offset)) return offset;
      return std::nullopt;
    }
  }
  int offset;
  if (ParseNumericZone(z, &offset)) return offset;
  return std::nullopt;
}

// "H:M" or "H:M:S" with 1-2 digit fields.
bool ParseClock(std::string_view t, Fields* f) {
  unsigned parts[3] = {0, 0, 0};
  size_t count = 0;
  size_t pos = 0;
  while (true) {
    size_t d = CountDigits(t, pos);
    if (d < 1 || d > 2 || count == 3) return false;
    ReadDigits(t, &pos, d, &parts[count++]);
    if (pos == t.size()) break;
    if (t[pos] != ':') return false;
    ++pos;
  }
  if (count < 2) return false;
  f->hour = parts[0];
  f->minute = parts[1];
  f->second = parts[2];
  return true;
}

std::vector<std::string> Tokenize(std::string_view s) {
  std::vector<std::string> tokens;
  std::string current;
  for (char c : s) {
    if (IsSpace(c) || c == ',') {
      if (!current.empty()) tokens.push_back(std::move(current));
      current.clear();
    } else {
      current.push_back(Lower(c));
    }
    if (tokens.size() > 12) break;
  }
  if (!current.empty()) tokens.push_back(std::move(current));
  return tokens;
}

bool AllDigits(std::string_view s) {
  if (s.empty()) return false;
  for (char c : s) {
    if (!IsDigit(c)) return false;
  }
  return true;
}

bool ParseYear(std::string_view token, Fields* f) {
  if (!AllDigits(token) || (token.size() != 2 && token.size() != 4)) return false;
  int64_t y = 0;
  for (char c : token) y = y * 10 + (c - '0');
  if (token.size() == 2) y += y < 50 ? 2000 : 1900;
  f->year = y;
  return true;
}

// RFC 822/2822 and variants, plus asctime ("Sun Jan  4 16:29:06 2004") and the Twitter form
// ("Sun Jul 15 01:16:00 +0000 2012").
std::optional<int64_t> ParseRfc822(std::string_view s) {
  std::vector<std::string> t = Tokenize(s);
  size_t i = 0;
  // Optional weekday (any word that is not a month), possibly with a trailing '.'.
  if (i < t.size() && IsAlpha(t[i][0]) && MonthFromName(t[i]) == 0) ++i;
  Fields f;
  if (i >= t.size()) return std::nullopt;
  if (int month = MonthFromName(t[i]); month != 0) {
    // asctime: Mon D HH:MM:SS [zone] YYYY
    f.month = static_cast<unsigned>(month);
    ++i;
    if (i >= t.size() || !AllDigits(t[i]) || t[i].size() > 2) return std::nullopt;
    f.day = static_cast<unsigned>(std::stoi(t[i]));
    ++i;
    if (i >= t.size() || !ParseClock(t[i], &f)) return std::nullopt;
    ++i;
    if (i + 2 == t.size()) {
      std::optional<int> zone = ParseRfcZone(t[i]);
      if (!zone) return std::nullopt;
      f.offset_minutes = *zone;
      ++i;
    }
    if (i + 1 != t.size() || !ParseYear(t[i], &f) || t[i].size() != 4) return std::nullopt;
    return ToEpochMs(f);
  }
  // D Mon YYYY [HH:MM[:SS]] [zone]
  if (!AllDigits(t[i]) || t[i].size() > 2) return std::nullopt;
  f.day = static_cast<unsigned>(std::stoi(t[i]));
  ++i;
  if (i >= t.size()) return std::nullopt;
  std::string month_word = t[i];
  if (!month_word.empty() && month_word.back() == '.') month_word.pop_back();
  int month = MonthFromName(month_word);
  if (month == 0) return std::nullopt;
  f.month = static_cast<unsigned>(month);
  ++i;
  if (i >= t.size() || !ParseYear(t[i], &f)) return std::nullopt;
  ++i;
  if (i < t.size()) {
    if (!ParseClock(t[i], &f)) return std::nullopt;
    ++i;
  }
  if (i < t.size()) {
    std::string zone_text = t[i];
    ++i;
    // "GMT -0100" or "+01 00": join a separate numeric part.
    if (i < t.size()) zone_text += t[i++];
    std::optional<int> zone = ParseRfcZone(zone_text);
    if (!zone) return std::nullopt;
    f.offset_minutes = *zone;
  }
  if (i != t.size()) return std::nullopt;
  return ToEpochMs(f);
}

// Replaces Greek day and month abbreviations by English ones (feedparser's Greek vectors).
std::optional<std::string> TranslateGreek(std::string_view s) {
  struct Pair {
    std::string_view greek;
    std::string_view english;
  };
  static constexpr Pair kPairs[] = {
      {"Κυρ", "Sun"}, {"Δευ", "Mon"},  {"Τρι", "Tue"}, {"Τετ", "Wed"},  {"Πεμ", "Thu"},
      {"Παρ", "Fri"}, {"Σαβ", "Sat"},  {"Ιαν", "Jan"}, {"Φεβ", "Feb"},  {"Μάώ", "Mar"},
      {"Μαρ", "Mar"}, {"Μάρ", "Mar"},  {"Απρ", "Apr"}, {"Μάι", "May"},  {"Μαϊ", "May"},
      {"Μαι", "May"}, {"Ιούν", "Jun"}, {"Ιον", "Jun"}, {"Ιούλ", "Jul"}, {"Ιολ", "Jul"},
      {"Αύγ", "Aug"}, {"Αυγ", "Aug"},  {"Σεπ", "Sep"}, {"Οκτ", "Oct"},  {"Νοέ", "Nov"},
      {"Νοε", "Nov"}, {"Δεκ", "Dec"},
  };
  std::string out(s);
  bool any = false;
  for (const Pair& p : kPairs) {
    size_t pos = out.find(p.greek);
    if (pos != std::string::npos) {
      out.replace(pos, p.greek.size(), p.english);
      any = true;
    }
  }
  if (!any) return std::nullopt;
  return out;
}

// Korean forms: "2004-05-25 오후 11:23:17" (Nate) and "2004년 05월 28일  01:31:15" (OnBlog),
// both in Korea Standard Time.
std::optional<int64_t> ParseKorean(std::string_view s) {
  constexpr std::string_view kAm = "오전";
  constexpr std::string_view kPm = "오후";
  constexpr std::string_view kYear = "년";
  bool pm = s.find(kPm) != std::string_view::npos;
  bool am = s.find(kAm) != std::string_view::npos;
  bool onblog = s.find(kYear) != std::string_view::npos;
  if (!pm && !am && !onblog) return std::nullopt;
  std::vector<unsigned> numbers;
  for (size_t pos = 0; pos < s.size();) {
    size_t d = CountDigits(s, pos);
    if (d == 0) {
      ++pos;
      continue;
    }
    if (d > 4 || numbers.size() == 6) return std::nullopt;
    unsigned v;
    ReadDigits(s, &pos, d, &v);
    numbers.push_back(v);
  }
  if (numbers.size() != 6) return std::nullopt;
  Fields f;
  f.year = numbers[0];
  f.month = numbers[1];
  f.day = numbers[2];
  f.hour = numbers[3];
  f.minute = numbers[4];
  f.second = numbers[5];
  if (pm || am) {
    if (f.hour < 1 || f.hour > 12) return std::nullopt;
    if (pm && f.hour != 12) f.hour += 12;
    if (am && f.hour == 12) f.hour = 0;
  }
  f.offset_minutes = 540;
  return ToEpochMs(f);
}

}  // namespace

int64_t DaysFromCivil(int64_t y, unsigned m, unsigned d) {
  // Howard Hinnant's days_from_civil.
  y -= m <= 2;
  const int64_t era = (y >= 0 ? y : y - 399) / 400;
  const unsigned yoe = static_cast<unsigned>(y - era * 400);
  const unsigned doy = (153 * (m > 2 ? m - 3 : m + 9) + 2) / 5 + d - 1;
  const unsigned doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
  return era * 146097 + static_cast<int64_t>(doe) - 719468;
}

std::string FormatIsoUtc(int64_t ms) {
  // Floor division without negating (negating INT64_MIN would overflow).
  int64_t secs = ms / 1000;
  int64_t millis = ms % 1000;
  if (millis < 0) {
    millis += 1000;
    --secs;
  }
  int64_t days = secs / kSecondsPerDay;
  if (secs % kSecondsPerDay < 0) --days;
  int64_t rem = secs - days * kSecondsPerDay;
  // civil_from_days
  int64_t z = days + 719468;
  const int64_t era = (z >= 0 ? z : z - 146096) / 146097;
  const unsigned doe = static_cast<unsigned>(z - era * 146097);
  const unsigned yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365;
  int64_t y = static_cast<int64_t>(yoe) + era * 400;
  const unsigned doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
  const unsigned mp = (5 * doy + 2) / 153;
  const unsigned d = doy - (153 * mp + 2) / 5 + 1;
  const unsigned m = mp < 10 ? mp + 3 : mp - 9;
  y += m <= 2;
  char buf[64];
  int hh = static_cast<int>(rem / 3600), mm = static_cast<int>(rem / 60 % 60),
      ss = static_cast<int>(rem % 60);
  if (millis != 0) {
    std::snprintf(buf, sizeof buf, "%04lld-%02u-%02uT%02d:%02d:%02d.%03dZ",
                  static_cast<long long>(y), m, d, hh, mm, ss, static_cast<int>(millis));
  } else {
    std::snprintf(buf, sizeof buf, "%04lld-%02u-%02uT%02d:%02d:%02dZ", static_cast<long long>(y), m,
                  d, hh, mm, ss);
  }
  return buf;
}

std::optional<int64_t> ParseFeedDate(std::string_view text) {
  while (!text.empty() && IsSpace(text.front())) text.remove_prefix(1);
  while (!text.empty() && IsSpace(text.back())) text.remove_suffix(1);
  if (text.empty() || text.size() > 128) return std::nullopt;
  if (auto iso = ParseIso8601(text)) return iso;
  if (auto rfc = ParseRfc822(text)) return rfc;
  if (auto korean = ParseKorean(text)) return korean;
  if (auto greek = TranslateGreek(text)) return ParseRfc822(*greek);
  return std::nullopt;
}

}  // namespace babelwatch::feeds
