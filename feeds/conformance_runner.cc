#include "feeds/conformance_runner.h"

#include <simdjson.h>

#include <algorithm>
#include <cctype>
#include <filesystem>
#include <fstream>
#include <iomanip>
#include <optional>
#include <sstream>

#include "feeds/charset.h"
#include "feeds/date_parser.h"
#include "feeds/feed_parser.h"
#include "feeds/html_text.h"
#include "feeds/parser_internal.h"

namespace babelwatch::feeds {
namespace {

namespace fs = std::filesystem;
using simdjson::dom::element;
using simdjson::dom::object;

constexpr std::uintmax_t kMaxCorpusFileBytes = 64u << 20;

std::optional<std::string> ReadFile(const fs::path& path, std::string* error) {
  std::error_code ec;
  std::uintmax_t size = fs::file_size(path, ec);
  if (ec) {
    *error = path.string() + ": " + ec.message();
    return std::nullopt;
  }
  if (size > kMaxCorpusFileBytes) {
    *error = path.string() + ": larger than " + std::to_string(kMaxCorpusFileBytes) + " bytes";
    return std::nullopt;
  }
  std::ifstream in(path, std::ios::binary);
  if (!in) {
    *error = path.string() + ": cannot open";
    return std::nullopt;
  }
  std::string data(static_cast<size_t>(size), '\0');
  in.read(data.data(), static_cast<std::streamsize>(size));
  if (static_cast<std::uintmax_t>(in.gcount()) != size) {
    *error = path.string() + ": short read";
    return std::nullopt;
  }
  return data;
}

std::string Lower(std::string_view s) {
  std::string out(s);
  for (char& c : out) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  return out;
}

std::string Quote(const std::optional<std::string>& s) {
  if (!s) return "(absent)";
  std::string shown = *s;
  if (shown.size() > 80) shown = shown.substr(0, 77) + "...";
  return "\"" + shown + "\"";
}

std::string Describe(element e) {
  std::string_view sv;
  if (e.get_string().get(sv) == simdjson::SUCCESS) return Quote(std::string(sv));
  return simdjson::minify(e);
}

// Expected values: a string, null (= absent), a bool, or {"any_of": [...]}.
template <class Pred>
bool MatchesExpected(element expected, Pred pred) {
  object obj;
  if (expected.get_object().get(obj) == simdjson::SUCCESS) {
    simdjson::dom::array options;
    if (obj.at_key("any_of").get_array().get(options) != simdjson::SUCCESS) return false;
    for (element option : options) {
      if (MatchesExpected(option, pred)) return true;
    }
    return false;
  }
  return pred(expected);
}

std::string PlainOf(std::string_view value, bool html) {
  return html ? HtmlToText(value) : CollapseWhitespace(value);
}

// A text construct matches when the expected string equals our value as found, or when both
// render to the same plain text (our product is plain text; see docs/CONFORMANCE.md).
bool TextMatches(element expected, const TextConstruct& ours) {
  return MatchesExpected(expected, [&](element e) {
    if (e.is_null()) return !ours.present;
    std::string_view s;
    if (e.get_string().get(s) != simdjson::SUCCESS) return false;
    if (!ours.present) return false;
    if (s == ours.value) return true;
    return PlainOf(s, ours.is_html) == PlainOf(ours.value, ours.is_html);
  });
}

bool StringMatches(element expected, const std::optional<std::string>& ours,
                   bool case_insensitive = false) {
  return MatchesExpected(expected, [&](element e) {
    if (e.is_null()) return !ours.has_value();
    std::string_view s;
    if (e.get_string().get(s) != simdjson::SUCCESS) return false;
    if (!ours) return s.empty();  // an empty value and an absent one are the same to us
    return case_insensitive ? Lower(s) == Lower(*ours) : s == *ours;
  });
}

bool DateMatches(element expected, const std::optional<int64_t>& ours) {
  return MatchesExpected(expected, [&](element e) {
    if (e.is_null()) return !ours.has_value();
    std::string_view s;
    if (e.get_string().get(s) != simdjson::SUCCESS || !ours) return false;
    std::optional<int64_t> want = ParseFeedDate(s);
    if (!want) return false;
    bool has_fraction = s.find('.') != std::string_view::npos;
    if (has_fraction) return *want == *ours;
    auto floor_s = [](int64_t ms) { return ms >= 0 ? ms / 1000 : -((-ms + 999) / 1000); };
    return floor_s(*want) == floor_s(*ours);
  });
}

bool BoolMatches(element expected, bool ours) {
  return MatchesExpected(expected, [&](element e) {
    bool b;
    return e.get_bool().get(b) == simdjson::SUCCESS && b == ours;
  });
}

std::optional<std::string> NonEmpty(const std::string& s) {
  if (s.empty()) return std::nullopt;
  return s;
}

std::optional<std::string> DateText(const std::optional<int64_t>& ms) {
  if (!ms) return std::nullopt;
  return FormatIsoUtc(*ms);
}

class CaseChecker {
 public:
  explicit CaseChecker(ConformanceCaseResult& result) : result_(result) {}

  void Check(bool ok, const std::string& field, element expected, const std::string& got) {
    if (ok) return;
    if (std::find(result_.failed_fields.begin(), result_.failed_fields.end(), field) ==
        result_.failed_fields.end()) {
      result_.failed_fields.push_back(field);
    }
    result_.details.push_back(field + ": expected " + Describe(expected) + ", got " + got);
  }
  void Fail(const std::string& field, const std::string& detail) {
    if (std::find(result_.failed_fields.begin(), result_.failed_fields.end(), field) ==
        result_.failed_fields.end()) {
      result_.failed_fields.push_back(field);
    }
    result_.details.push_back(field + ": " + detail);
  }
  void Inform(bool ok, const std::string& field, element expected, const std::string& got) {
    if (!ok)
      result_.informative.push_back(field + ": expected " + Describe(expected) + ", got " + got);
  }

 private:
  ConformanceCaseResult& result_;
};

void CheckTextField(CaseChecker& c, const std::string& field, element expected,
                    const TextConstruct& ours, bool informative) {
  bool ok = TextMatches(expected, ours);
  std::string got = ours.present ? Quote(ours.value) : "(absent)";
  if (informative) {
    c.Inform(ok, field, expected, got);
  } else {
    c.Check(ok, field, expected, got);
  }
}

void CheckFeed(CaseChecker& c, object expected, const ParsedFeed& feed) {
  for (auto [key, value] : expected) {
    std::string field = "feed." + std::string(key);
    if (key == "title") {
      CheckTextField(c, field, value, feed.detail.title, false);
    } else if (key == "link") {
      c.Check(StringMatches(value, NonEmpty(feed.link)), field, value, Quote(NonEmpty(feed.link)));
    } else if (key == "language") {
      c.Check(StringMatches(value, NonEmpty(feed.language), true), field, value,
              Quote(NonEmpty(feed.language)));
    } else if (key == "id") {
      c.Check(StringMatches(value, feed.detail.id), field, value, Quote(feed.detail.id));
    } else if (key == "updated") {
      c.Check(DateMatches(value, feed.detail.updated_ms), field, value,
              Quote(DateText(feed.detail.updated_ms)));
    } else if (key == "published") {
      c.Check(DateMatches(value, feed.detail.published_ms), field, value,
              Quote(DateText(feed.detail.published_ms)));
    } else if (key == "title_language") {
      std::optional<std::string> lang =
          feed.detail.title.present ? NonEmpty(feed.detail.title.language) : std::nullopt;
      c.Check(StringMatches(value, lang, true), field, value, Quote(lang));
    } else {
      c.Fail(field, "unknown field in expected.json");
    }
  }
}

void CheckItem(CaseChecker& c, object expected, const EntryDetail& e) {
  for (auto [key, value] : expected) {
    std::string field = "items." + std::string(key);
    if (key == "index") continue;
    if (key == "title") {
      CheckTextField(c, field, value, e.title, false);
    } else if (key == "summary") {
      CheckTextField(c, field, value, e.summary, true);
    } else if (key == "content") {
      CheckTextField(c, field, value, e.content, true);
    } else if (key == "summary_present") {
      c.Check(BoolMatches(value, e.summary.present), field, value,
              e.summary.present ? "true" : "false");
    } else if (key == "content_present") {
      c.Check(BoolMatches(value, e.content.present), field, value,
              e.content.present ? "true" : "false");
    } else if (key == "id") {
      c.Check(StringMatches(value, e.id), field, value, Quote(e.id));
    } else if (key == "link") {
      c.Check(StringMatches(value, NonEmpty(e.link)), field, value, Quote(NonEmpty(e.link)));
    } else if (key == "published") {
      c.Check(DateMatches(value, e.published_ms), field, value, Quote(DateText(e.published_ms)));
    } else if (key == "updated") {
      c.Check(DateMatches(value, e.updated_ms), field, value, Quote(DateText(e.updated_ms)));
    } else if (key == "language") {
      c.Check(StringMatches(value, NonEmpty(e.language), true), field, value,
              Quote(NonEmpty(e.language)));
    } else if (key == "title_language" || key == "summary_language" || key == "content_language") {
      const TextConstruct& t = key == "title_language"     ? e.title
                               : key == "summary_language" ? e.summary
                                                           : e.content;
      std::optional<std::string> lang = t.present ? NonEmpty(t.language) : std::nullopt;
      c.Check(StringMatches(value, lang, true), field, value, Quote(lang));
    } else {
      c.Fail(field, "unknown field in expected.json");
    }
  }
}

ConformanceCaseResult RunCase(const fs::path& dir, element entry) {
  ConformanceCaseResult result;
  CaseChecker c(result);
  std::string_view id, case_dir, input;
  if (entry["id"].get_string().get(id) != simdjson::SUCCESS ||
      entry["dir"].get_string().get(case_dir) != simdjson::SUCCESS ||
      entry["input"].get_string().get(input) != simdjson::SUCCESS) {
    result.id = "(malformed index entry)";
    c.Fail("index", "entry lacks a string id, dir or input: " + simdjson::minify(entry));
    return result;
  }
  result.id = std::string(id);
  fs::path cdir = dir / std::string(case_dir);
  std::string error;
  std::optional<std::string> expected_text = ReadFile(cdir / "expected.json", &error);
  std::optional<std::string> body = ReadFile(cdir / std::string(input), &error);
  if (!expected_text || !body) {
    c.Fail("io", error);
    return result;
  }
  simdjson::dom::parser parser;
  element expected_doc;
  if (parser.parse(*expected_text).get(expected_doc) != simdjson::SUCCESS) {
    c.Fail("expected.json", (cdir / "expected.json").string() + ": not valid JSON");
    return result;
  }
  ParseContext ctx;
  object context;
  if (expected_doc["context"].get_object().get(context) == simdjson::SUCCESS) {
    std::string_view url;
    if (context["url"].get_string().get(url) == simdjson::SUCCESS) ctx.url = std::string(url);
    object headers;
    if (context["headers"].get_object().get(headers) == simdjson::SUCCESS) {
      for (auto [name, value] : headers) {
        std::string_view v;
        if (value.get_string().get(v) != simdjson::SUCCESS) continue;
        std::string lname = Lower(name);
        if (lname == "content-type") ctx.content_type = std::string(v);
        if (lname == "content-language") ctx.content_language = std::string(v);
        if (lname == "content-location") {
          // Only an http(s) location may serve as the base (never javascript: or file:).
          std::string location = internal::ResolveUrl(v, ctx.url);
          std::string scheme = Lower(location.substr(0, location.find(':')));
          if (scheme == "http" || scheme == "https") ctx.url = location;
        }
      }
    }
  }
  object expect;
  if (expected_doc["expect"].get_object().get(expect) != simdjson::SUCCESS) {
    c.Fail("expected.json", "no \"expect\" object");
    return result;
  }
  Result<ParsedFeed> parsed = ParseFeed(*body, ctx);
  for (auto [key, value] : expect) {
    std::string field(key);
    if (key == "error") {
      c.Check(BoolMatches(value, !parsed.has_value()), field, value,
              parsed.has_value() ? "success" : "error: " + parsed.error().message);
      continue;
    }
    if (key == "wellformed") {
      bool ours = parsed.has_value() && parsed->wellformed;
      c.Check(BoolMatches(value, ours), field, value,
              !parsed.has_value() ? "error: " + parsed.error().message
              : ours
                  ? "true"
                  : "false (" +
                        (parsed->warnings.empty() ? std::string("?") : parsed->warnings.front()) +
                        ")");
      continue;
    }
    if (!parsed.has_value()) {
      c.Fail(field, "parse failed: " + parsed.error().message);
      continue;
    }
    const ParsedFeed& feed = *parsed;
    if (key == "format") {
      std::string_view family;
      if (value["family"].get_string().get(family) == simdjson::SUCCESS) {
        c.Check(family == feed.family, "format.family", value["family"].value_unsafe(),
                Quote(feed.family));
      }
      std::string_view version;
      if (value["version"].get_string().get(version) == simdjson::SUCCESS) {
        c.Check(version == feed.version, "format.version", value["version"].value_unsafe(),
                Quote(feed.version));
      }
    } else if (key == "encoding") {
      bool ok = MatchesExpected(value, [&](element e) {
        std::string_view s;
        return e.get_string().get(s) == simdjson::SUCCESS && SameEncoding(s, feed.encoding);
      });
      c.Check(ok, field, value, Quote(feed.encoding));
    } else if (key == "feed") {
      object fobj;
      if (value.get_object().get(fobj) == simdjson::SUCCESS) CheckFeed(c, fobj, feed);
    } else if (key == "item_count") {
      int64_t n;
      bool ok = value.get_int64().get(n) == simdjson::SUCCESS &&
                n == static_cast<int64_t>(feed.entries.size());
      c.Check(ok, field, value, std::to_string(feed.entries.size()));
    } else if (key == "items") {
      simdjson::dom::array items;
      if (value.get_array().get(items) != simdjson::SUCCESS) continue;
      for (element item : items) {
        object iobj;
        int64_t index;
        if (item.get_object().get(iobj) != simdjson::SUCCESS ||
            iobj["index"].get_int64().get(index) != simdjson::SUCCESS) {
          continue;
        }
        if (index < 0 || static_cast<size_t>(index) >= feed.entries.size()) {
          c.Fail("items", "no item at index " + std::to_string(index) + " (got " +
                              std::to_string(feed.entries.size()) + ")");
          continue;
        }
        CheckItem(c, iobj, feed.entries[static_cast<size_t>(index)]);
      }
    }
  }
  result.passed = result.failed_fields.empty();
  return result;
}

void RunDateVectors(const fs::path& path, ConformanceReport& report) {
  std::string error;
  std::optional<std::string> text = ReadFile(path, &error);
  simdjson::dom::parser parser;
  element doc;
  simdjson::dom::array vectors;
  if (!text || parser.parse(*text).get(doc) != simdjson::SUCCESS ||
      doc["vectors"].get_array().get(vectors) != simdjson::SUCCESS) {
    ++report.dates_failed;
    report.date_failures.push_back(path.string() + ": unreadable (" + error + ")");
    return;
  }
  for (element v : vectors) {
    std::string_view input;
    if (v["input"].get_string().get(input) != simdjson::SUCCESS) continue;
    std::optional<int64_t> ours = ParseFeedDate(input);
    element expected;
    if (v["expected_utc"].get(expected) != simdjson::SUCCESS) continue;
    if (DateMatches(expected, ours)) {
      ++report.dates_passed;
    } else {
      ++report.dates_failed;
      report.date_failures.push_back("\"" + std::string(input) + "\": expected " +
                                     Describe(expected) + ", got " + Quote(DateText(ours)));
    }
  }
}

}  // namespace

Result<ConformanceReport> RunConformance(const std::string& dir_name) {
  fs::path dir(dir_name);
  std::string error;
  std::optional<std::string> index_text = ReadFile(dir / "index.json", &error);
  if (!index_text) return NotFound("conformance: " + error);
  simdjson::dom::parser parser;
  element index;
  if (parser.parse(*index_text).get(index) != simdjson::SUCCESS) {
    return InvalidArgument("conformance: " + (dir / "index.json").string() + ": not valid JSON");
  }
  simdjson::dom::array cases;
  if (index["cases"].get_array().get(cases) != simdjson::SUCCESS) {
    return InvalidArgument("conformance: " + (dir / "index.json").string() +
                           ": no \"cases\" array");
  }
  ConformanceReport report;
  std::string_view source;
  if (index["source"].get_string().get(source) == simdjson::SUCCESS) {
    report.source = std::string(source);
  }
  for (element entry : cases) {
    ConformanceCaseResult r = RunCase(dir, entry);
    if (r.passed) {
      ++report.passed;
    } else {
      ++report.failed;
      for (const std::string& f : r.failed_fields) ++report.failures_by_field[f];
    }
    report.cases.push_back(std::move(r));
  }
  std::error_code ec;
  fs::path dates = dir / "dates" / "date_vectors.json";
  if (fs::exists(dates, ec)) RunDateVectors(dates, report);
  return report;
}

int RunConformanceCommand(const std::vector<std::string>& args, std::ostream& out,
                          std::ostream& err) {
  std::string dir;
  bool verbose = false;
  for (const std::string& a : args) {
    if (a == "--verbose" || a == "-v") {
      verbose = true;
    } else if (dir.empty() && !a.empty() && a[0] != '-') {
      dir = a;
    } else {
      err << "conformance: unexpected argument \"" << a
          << "\"\nusage: babelwatch conformance DIR [--verbose]\n";
      return 2;
    }
  }
  if (dir.empty()) {
    err << "conformance: missing DIR\nusage: babelwatch conformance DIR [--verbose]\n";
    return 2;
  }
  Result<ConformanceReport> report = RunConformance(dir);
  if (!report) {
    err << report.error().message << "\n";
    return 2;
  }
  const ConformanceReport& r = *report;
  out << "conformance " << dir << (r.source.empty() ? "" : " (" + r.source + ")") << "\n";
  if (!r.failures_by_field.empty()) {
    out << std::left << std::setw(28) << "field"
        << "failed cases\n";
    for (const auto& [field, count] : r.failures_by_field) {
      out << std::left << std::setw(28) << field << count << "\n";
    }
    out << "\nfailed cases:\n";
    for (const ConformanceCaseResult& c : r.cases) {
      if (c.passed) continue;
      out << "  " << c.id << "\n";
      for (const std::string& d : c.details) out << "      " << d << "\n";
    }
  }
  if (verbose) {
    for (const ConformanceCaseResult& c : r.cases) {
      for (const std::string& d : c.informative) {
        out << "  (informative) " << c.id << ": " << d << "\n";
      }
    }
  }
  if (r.dates_passed + r.dates_failed > 0) {
    for (const std::string& d : r.date_failures) out << "  date vector " << d << "\n";
    out << "date vectors: " << r.dates_passed << " passed, " << r.dates_failed << " failed\n";
  }
  out << r.passed << " passed, " << r.failed << " failed\n";
  return r.failed == 0 && r.dates_failed == 0 ? 0 : 1;
}

}  // namespace babelwatch::feeds
