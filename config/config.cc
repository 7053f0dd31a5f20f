#include "config/config.h"

// Header-only and without exceptions: the only translation unit that includes toml++.
#define TOML_HEADER_ONLY 1
#define TOML_EXCEPTIONS 0
#include <toml++/toml.h>

#include <algorithm>
#include <charconv>
#include <filesystem>
#include <fstream>
#include <limits>
#include <regex>
#include <set>
#include <sstream>

namespace babelwatch::config {
namespace {

constexpr int64_t kMsPerSecond = 1000;

std::string Quote(std::string_view s) {
  std::string out = "\"";
  for (char c : s) {
    if (c == '"' || c == '\\') out += '\\';
    out += c;
  }
  return out + "\"";
}

std::string TypeName(const toml::node& node) {
  switch (node.type()) {
    case toml::node_type::table:
      return "a table";
    case toml::node_type::array:
      return "an array";
    case toml::node_type::string:
      return "a string";
    case toml::node_type::integer:
      return "an integer";
    case toml::node_type::floating_point:
      return "a float";
    case toml::node_type::boolean:
      return "a boolean";
    default:
      return "a date/time";
  }
}

// Reads typed values out of the TOML tree and collects every problem with its path.
class Reader {
 public:
  Reader(std::string_view name, ConfigErrors* errors) : name_(name), errors_(errors) {}

  void Fail(const std::string& path, const std::string& message, const toml::node* node) {
    std::string line;
    if (node != nullptr && node->source().begin.line > 0) {
      line = " (line " + std::to_string(node->source().begin.line) + ")";
    }
    errors_->push_back(name_ + ": " + path + ": " + message + line);
  }

  // Reports keys of `table` that are not in `known` (typos would otherwise be ignored).
  void CheckKeys(const toml::table& table, const std::string& path,
                 std::initializer_list<std::string_view> known) {
    for (auto&& [key, node] : table) {
      if (std::find(known.begin(), known.end(), key.str()) == known.end()) {
        std::string expected;
        for (std::string_view k : known) expected += (expected.empty() ? "" : ", ") + std::string(k);
        Fail(Join(path, key.str()), "unknown key (expected one of: " + expected + ")", &node);
      }
    }
  }

  static std::string Join(const std::string& path, std::string_view key) {
    return path.empty() ? std::string(key) : path + "." + std::string(key);
  }

  const toml::table* Table(const toml::table& parent, std::string_view key,
                           const std::string& path) {
    const toml::node* node = parent.get(key);
    if (node == nullptr) return nullptr;
    if (!node->is_table()) {
      Fail(Join(path, key), "expected a table, got " + TypeName(*node), node);
      return nullptr;
    }
    return node->as_table();
  }

  const toml::array* Array(const toml::table& parent, std::string_view key,
                           const std::string& path) {
    const toml::node* node = parent.get(key);
    if (node == nullptr) return nullptr;
    if (!node->is_array()) {
      Fail(Join(path, key), "expected an array, got " + TypeName(*node), node);
      return nullptr;
    }
    return node->as_array();
  }

  void String(const toml::table& t, std::string_view key, const std::string& path,
              std::string* out) {
    const toml::node* node = t.get(key);
    if (node == nullptr) return;
    if (auto v = node->value_exact<std::string>()) {
      *out = *v;
    } else {
      Fail(Join(path, key), "expected a string, got " + TypeName(*node), node);
    }
  }

  template <class Int>
  void Integer(const toml::table& t, std::string_view key, const std::string& path, Int* out,
               int64_t min, int64_t max) {
    const toml::node* node = t.get(key);
    if (node == nullptr) return;
    auto v = node->value_exact<int64_t>();
    if (!v) {
      Fail(Join(path, key), "expected an integer, got " + TypeName(*node), node);
    } else if (*v < min || *v > max) {
      Fail(Join(path, key),
           std::to_string(*v) + " is out of range [" + std::to_string(min) + ", " +
               std::to_string(max) + "]",
           node);
    } else {
      *out = static_cast<Int>(*v);
    }
  }

  void Double(const toml::table& t, std::string_view key, const std::string& path, double* out,
              double min, double max) {
    const toml::node* node = t.get(key);
    if (node == nullptr) return;
    std::optional<double> v = node->value<double>();  // accepts integers too
    if (!v || node->is_boolean() || node->is_string()) {
      Fail(Join(path, key), "expected a number, got " + TypeName(*node), node);
    } else if (*v < min || *v > max) {
      std::ostringstream os;
      os << *v << " is out of range [" << min << ", " << max << "]";
      Fail(Join(path, key), os.str(), node);
    } else {
      *out = *v;
    }
  }

  void Bool(const toml::table& t, std::string_view key, const std::string& path, bool* out) {
    const toml::node* node = t.get(key);
    if (node == nullptr) return;
    if (auto v = node->value_exact<bool>()) {
      *out = *v;
    } else {
      Fail(Join(path, key), "expected true or false, got " + TypeName(*node), node);
    }
  }

  // A duration: "15m"-style string or an integer number of seconds. Stored in `unit_ms` units.
  template <class Int>
  void Duration(const toml::table& t, std::string_view key, const std::string& path, Int* out,
                int64_t unit_ms, int64_t min_ms, int64_t max_ms) {
    const toml::node* node = t.get(key);
    if (node == nullptr) return;
    Result<int64_t> ms = InvalidArgument("");
    if (auto i = node->value_exact<int64_t>()) {
      ms = ParseDurationMs(std::to_string(*i));
    } else if (auto s = node->value_exact<std::string>()) {
      ms = ParseDurationMs(*s);
    } else {
      Fail(Join(path, key), "expected a duration like \"90s\", \"15m\" or \"72h\", got " +
                                TypeName(*node), node);
      return;
    }
    if (!ms) {
      Fail(Join(path, key), ms.error().message, node);
    } else if (*ms < min_ms || *ms > max_ms) {
      Fail(Join(path, key),
           "duration " + std::to_string(*ms / kMsPerSecond) + "s is out of range [" +
               std::to_string(min_ms / kMsPerSecond) + "s, " +
               std::to_string(max_ms / kMsPerSecond) + "s]",
           node);
    } else {
      *out = static_cast<Int>(*ms / unit_ms);
    }
  }

  void StringList(const toml::table& t, std::string_view key, const std::string& path,
                  std::vector<std::string>* out) {
    const toml::array* arr = Array(t, key, path);
    if (arr == nullptr) return;
    out->clear();
    for (size_t i = 0; i < arr->size(); ++i) {
      const toml::node& el = *arr->get(i);
      if (auto v = el.value_exact<std::string>()) {
        out->push_back(*v);
      } else {
        Fail(Join(path, key) + "[" + std::to_string(i) + "]",
             "expected a string, got " + TypeName(el), &el);
      }
    }
  }

 private:
  std::string name_;
  ConfigErrors* errors_;
};

bool IsIdentifier(std::string_view s) {
  if (s.empty() || s.size() > 64) return false;
  return std::all_of(s.begin(), s.end(), [](char c) {
    return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
           c == '_' || c == '-' || c == '.';
  });
}

bool IsHttpUrl(std::string_view url) {
  static const std::regex kHttp(R"(^https?://[^/\s?#]+([/?#]\S*)?$)", std::regex::icase);
  return std::regex_match(url.begin(), url.end(), kHttp);
}

bool IsFileUrl(std::string_view url) {
  return url.size() > 8 && url.substr(0, 8) == "file:///";
}

bool IsLanguageCode(std::string_view s) {
  static const std::regex kLang(R"(^[a-z]{2,3}([-_][A-Za-z0-9]{2,8})*$)");
  return std::regex_match(s.begin(), s.end(), kLang);
}

// "127.0.0.1:9797", "[::1]:9797", "0.0.0.0:80".
bool ParseListen(std::string_view text, std::string* address, uint16_t* port) {
  size_t colon = text.rfind(':');
  if (colon == std::string_view::npos || colon == 0) return false;
  std::string_view host = text.substr(0, colon);
  std::string_view port_text = text.substr(colon + 1);
  if (host.front() == '[') {
    if (host.back() != ']' || host.size() < 3) return false;
    host = host.substr(1, host.size() - 2);
  } else if (host.find(':') != std::string_view::npos) {
    return false;
  }
  unsigned value = 0;
  auto [ptr, ec] = std::from_chars(port_text.data(), port_text.data() + port_text.size(), value);
  if (ec != std::errc() || ptr != port_text.data() + port_text.size() || value > 65535 ||
      port_text.empty()) {
    return false;
  }
  *address = std::string(host);
  *port = static_cast<uint16_t>(value);
  return true;
}

void ReadServer(Reader& r, const toml::table& root, Config* c) {
  const toml::table* t = r.Table(root, "server", "");
  if (t == nullptr) return;
  r.CheckKeys(*t, "server", {"listen", "api_token", "max_request_bytes", "requests_per_second"});
  std::string listen;
  r.String(*t, "listen", "server", &listen);
  if (!listen.empty() && !ParseListen(listen, &c->server.address, &c->server.port)) {
    r.Fail("server.listen", Quote(listen) + " is not HOST:PORT (e.g. \"127.0.0.1:9797\")",
           t->get("listen"));
  }
  r.String(*t, "api_token", "server", &c->server.api_token);
  const std::string& a = c->server.address;
  const bool loopback = a == "localhost" || a == "::1" || a.rfind("127.", 0) == 0;
  if (!loopback && c->server.api_token.size() < 16) {
    r.Fail("server.api_token",
           "must be set (at least 16 characters) when server.listen is not a loopback address",
           t->get("listen"));
  }
  r.Integer(*t, "max_request_bytes", "server", &c->server.max_request_bytes, 1024, 16 << 20);
  r.Integer(*t, "requests_per_second", "server", &c->server.requests_per_second, 1, 100000);
}

void ReadFetch(Reader& r, const toml::table& root, Config* c) {
  const toml::table* t = r.Table(root, "fetch", "");
  if (t == nullptr) return;
  r.CheckKeys(*t, "fetch",
              {"user_agent", "proxy", "interval", "min_interval", "max_interval",
               "connect_timeout", "timeout", "max_body_bytes", "max_redirects",
               "per_host_concurrency", "per_host_spacing", "failing_after", "allow_file_urls"});
  feeds::FeedsOptions& f = c->feeds;
  r.String(*t, "user_agent", "fetch", &f.user_agent);
  r.String(*t, "proxy", "fetch", &f.proxy);
  const int64_t day = 86400 * kMsPerSecond;
  r.Duration(*t, "interval", "fetch", &f.default_interval_s, kMsPerSecond, kMsPerSecond, day);
  r.Duration(*t, "min_interval", "fetch", &f.min_interval_s, kMsPerSecond, kMsPerSecond, day);
  r.Duration(*t, "max_interval", "fetch", &f.max_interval_s, kMsPerSecond, kMsPerSecond, day);
  r.Duration(*t, "connect_timeout", "fetch", &f.connect_timeout_s, kMsPerSecond, kMsPerSecond,
             300 * kMsPerSecond);
  r.Duration(*t, "timeout", "fetch", &f.total_timeout_s, kMsPerSecond, kMsPerSecond,
             3600 * kMsPerSecond);
  r.Integer(*t, "max_body_bytes", "fetch", &f.max_body_bytes, 1024, int64_t{1} << 32);
  r.Integer(*t, "max_redirects", "fetch", &f.max_redirects, 0, 20);
  r.Integer(*t, "per_host_concurrency", "fetch", &f.per_host_concurrency, 1, 64);
  r.Duration(*t, "per_host_spacing", "fetch", &f.per_host_spacing_ms, 1, 0, 3600 * kMsPerSecond);
  r.Integer(*t, "failing_after", "fetch", &f.failing_after, 1, 1000);
  r.Bool(*t, "allow_file_urls", "fetch", &f.allow_file_urls);
  if (f.min_interval_s > f.max_interval_s) {
    r.Fail("fetch.min_interval", "is longer than fetch.max_interval", t->get("min_interval"));
  }
}

void ExpandConfigDir(std::string* url, std::string_view config_dir) {
  static constexpr std::string_view kVar = "${config_dir}";
  for (size_t pos = url->find(kVar); pos != std::string::npos; pos = url->find(kVar, pos)) {
    url->replace(pos, kVar.size(), config_dir);
    pos += config_dir.size();
  }
}

void ReadFeeds(Reader& r, const toml::table& root, std::string_view config_dir, Config* c) {
  const toml::array* arr = r.Array(root, "feeds", "");
  if (arr == nullptr) return;
  std::set<std::string> ids;
  for (size_t i = 0; i < arr->size(); ++i) {
    const std::string path = "feeds[" + std::to_string(i) + "]";
    const toml::node& node = *arr->get(i);
    const toml::table* t = node.as_table();
    if (t == nullptr) {
      r.Fail(path, "expected a table ([[feeds]]), got " + TypeName(node), &node);
      continue;
    }
    r.CheckKeys(*t, path, {"id", "url", "language", "interval", "full_text"});
    feeds::FeedOptions feed;
    r.String(*t, "id", path, &feed.id);
    r.String(*t, "url", path, &feed.url);
    ExpandConfigDir(&feed.url, config_dir);
    r.String(*t, "language", path, &feed.language);
    r.Duration(*t, "interval", path, &feed.interval_s, kMsPerSecond, kMsPerSecond,
               86400 * kMsPerSecond);
    r.Bool(*t, "full_text", path, &feed.full_text);
    if (t->get("id") == nullptr) {
      r.Fail(path + ".id", "is required", &node);
    } else if (!IsIdentifier(feed.id)) {
      r.Fail(path + ".id",
             Quote(feed.id) + " is not 1-64 characters of letters, digits, '_', '-' or '.'",
             t->get("id"));
    } else if (!ids.insert(feed.id).second) {
      r.Fail(path + ".id", Quote(feed.id) + " is used by an earlier feed", t->get("id"));
    }
    if (t->get("url") == nullptr) {
      r.Fail(path + ".url", "is required", &node);
    } else if (IsFileUrl(feed.url)) {
      if (!c->feeds.allow_file_urls) {
        r.Fail(path + ".url", Quote(feed.url) + " is a file URL but fetch.allow_file_urls is false",
               t->get("url"));
      }
    } else if (!IsHttpUrl(feed.url)) {
      r.Fail(path + ".url", Quote(feed.url) + " is not an http(s) or file:/// URL", t->get("url"));
    }
    if (!feed.language.empty() && !IsLanguageCode(feed.language)) {
      r.Fail(path + ".language", Quote(feed.language) + " is not a language code like \"en\"",
             t->get("language"));
    }
    c->feeds.feeds.push_back(std::move(feed));
  }
}

void ReadDetect(Reader& r, const toml::table& root, Config* c) {
  const toml::table* t = r.Table(root, "detect", "");
  if (t == nullptr) return;
  r.CheckKeys(*t, "detect",
              {"window", "slice", "bands", "rows", "seed", "same_language_threshold",
               "cross_language_threshold", "workers"});
  detect::DetectOptions& d = c->detect;
  const int64_t hour = 3600 * kMsPerSecond;
  r.Duration(*t, "window", "detect", &d.window_ms, 1, hour, 30 * 24 * hour);
  r.Duration(*t, "slice", "detect", &d.slice_ms, 1, 60 * kMsPerSecond, 24 * hour);
  r.Integer(*t, "bands", "detect", &d.minhash_bands, 1, 256);
  r.Integer(*t, "rows", "detect", &d.minhash_rows, 1, 32);
  // TOML integers are signed 64-bit: a configured seed is 0..2^63-1; without the key the
  // default (which has the top bit set) stays as it is.
  if (t->get("seed") != nullptr) {
    int64_t seed = 0;
    r.Integer(*t, "seed", "detect", &seed, 0, std::numeric_limits<int64_t>::max());
    d.seed = static_cast<uint64_t>(seed);
  }
  r.Double(*t, "same_language_threshold", "detect", &d.same_language_threshold, 0, 1);
  r.Double(*t, "cross_language_threshold", "detect", &d.cross_language_threshold, 0, 1);
  r.Integer(*t, "workers", "detect", &d.worker_threads, 0, 256);
  if (d.slice_ms > d.window_ms) {
    r.Fail("detect.slice", "is longer than detect.window", t->get("slice"));
  } else if (d.window_ms / d.slice_ms > 10000) {
    r.Fail("detect.slice", "makes more than 10000 slices in the window", t->get("slice"));
  }
}

void ReadAlert(Reader& r, const toml::table& root, Config* c) {
  alert::AlertOptions& a = c->alert;
  if (const toml::table* t = r.Table(root, "alert", "")) {
    r.CheckKeys(*t, "alert",
                {"min_languages", "min_sources", "min_link", "update_cooldown", "public_url"});
    r.Integer(*t, "min_languages", "alert", &a.min_languages, 1, 50);
    r.Integer(*t, "min_sources", "alert", &a.min_sources, 1, 1000);
    r.Double(*t, "min_link", "alert", &a.min_link, 1, 10);
    r.Duration(*t, "update_cooldown", "alert", &a.update_cooldown_ms, 1, 0,
               7 * 86400 * kMsPerSecond);
    r.String(*t, "public_url", "alert", &a.public_url);
    if (t->get("public_url") != nullptr && !IsHttpUrl(a.public_url)) {
      r.Fail("alert.public_url", Quote(a.public_url) + " is not an http(s) URL",
             t->get("public_url"));
    }
  }
  std::set<std::string> sink_names;
  if (const toml::array* arr = r.Array(root, "sinks", "")) {
    for (size_t i = 0; i < arr->size(); ++i) {
      const std::string path = "sinks[" + std::to_string(i) + "]";
      const toml::node& node = *arr->get(i);
      const toml::table* t = node.as_table();
      if (t == nullptr) {
        r.Fail(path, "expected a table ([[sinks]]), got " + TypeName(node), &node);
        continue;
      }
      r.CheckKeys(*t, path, {"name", "type", "url", "secret", "max_attempts", "timeout"});
      alert::SinkOptions s;
      r.String(*t, "name", path, &s.name);
      r.String(*t, "type", path, &s.type);
      r.String(*t, "url", path, &s.url);
      r.String(*t, "secret", path, &s.secret);
      r.Integer(*t, "max_attempts", path, &s.max_attempts, 1, 1000);
      r.Duration(*t, "timeout", path, &s.timeout_s, kMsPerSecond, kMsPerSecond,
                 600 * kMsPerSecond);
      if (!IsIdentifier(s.name)) {
        r.Fail(path + ".name", t->get("name") == nullptr ? "is required"
                                                        : Quote(s.name) + " is not a valid name",
               t->get("name") ? t->get("name") : &node);
      } else if (!sink_names.insert(s.name).second) {
        r.Fail(path + ".name", Quote(s.name) + " is used by an earlier sink", t->get("name"));
      }
      const bool needs_url = s.type == "webhook" || s.type == "slack" || s.type == "alertmanager";
      if (s.type != "log" && !needs_url) {
        r.Fail(path + ".type",
               Quote(s.type) + " is not one of \"log\", \"webhook\", \"slack\", \"alertmanager\"",
               t->get("type") ? t->get("type") : &node);
      }
      if (needs_url && !IsHttpUrl(s.url)) {
        r.Fail(path + ".url",
               t->get("url") == nullptr ? "is required for type " + Quote(s.type)
                                        : Quote(s.url) + " is not an http(s) URL",
               t->get("url") ? t->get("url") : &node);
      }
      a.sinks.push_back(std::move(s));
    }
  }
  if (const toml::array* arr = r.Array(root, "watchlists", "")) {
    std::set<std::string> feed_ids;
    for (const auto& f : c->feeds.feeds) feed_ids.insert(f.id);
    std::set<std::string> names;
    for (size_t i = 0; i < arr->size(); ++i) {
      const std::string path = "watchlists[" + std::to_string(i) + "]";
      const toml::node& node = *arr->get(i);
      const toml::table* t = node.as_table();
      if (t == nullptr) {
        r.Fail(path, "expected a table ([[watchlists]]), got " + TypeName(node), &node);
        continue;
      }
      r.CheckKeys(*t, path, {"name", "keywords", "feeds", "languages", "min_languages",
                             "min_sources", "sinks"});
      alert::WatchlistOptions w;
      r.String(*t, "name", path, &w.name);
      r.StringList(*t, "keywords", path, &w.keywords);
      r.StringList(*t, "feeds", path, &w.feeds);
      r.StringList(*t, "languages", path, &w.languages);
      r.Integer(*t, "min_languages", path, &w.min_languages, 0, 50);
      r.Integer(*t, "min_sources", path, &w.min_sources, 0, 1000);
      r.StringList(*t, "sinks", path, &w.sinks);
      if (!IsIdentifier(w.name)) {
        r.Fail(path + ".name", t->get("name") == nullptr ? "is required"
                                                        : Quote(w.name) + " is not a valid name",
               t->get("name") ? t->get("name") : &node);
      } else if (!names.insert(w.name).second) {
        r.Fail(path + ".name", Quote(w.name) + " is used by an earlier watch-list",
               t->get("name"));
      }
      for (size_t k = 0; k < w.sinks.size(); ++k) {
        if (!sink_names.count(w.sinks[k])) {
          r.Fail(path + ".sinks[" + std::to_string(k) + "]",
                 Quote(w.sinks[k]) + " is not the name of a [[sinks]] entry", t->get("sinks"));
        }
      }
      for (size_t k = 0; k < w.feeds.size(); ++k) {
        if (!feed_ids.count(w.feeds[k])) {
          r.Fail(path + ".feeds[" + std::to_string(k) + "]",
                 Quote(w.feeds[k]) + " is not the id of a [[feeds]] entry", t->get("feeds"));
        }
      }
      for (size_t k = 0; k < w.languages.size(); ++k) {
        if (!IsLanguageCode(w.languages[k])) {
          r.Fail(path + ".languages[" + std::to_string(k) + "]",
                 Quote(w.languages[k]) + " is not a language code like \"en\"",
                 t->get("languages"));
        }
      }
      a.watchlists.push_back(std::move(w));
    }
  }
}

}  // namespace

Result<int64_t> ParseDurationMs(std::string_view text) {
  if (text.empty()) return InvalidArgument("empty duration");
  int64_t value = 0;
  auto [ptr, ec] = std::from_chars(text.data(), text.data() + text.size(), value);
  if (ec != std::errc() || value < 0) {
    return InvalidArgument("\"" + std::string(text) +
                           "\" is not a duration like \"90s\", \"15m\", \"72h\" or \"2d\"");
  }
  std::string_view unit(ptr, text.data() + text.size() - ptr);
  int64_t factor = 0;
  if (unit.empty() || unit == "s") {
    factor = 1000;
  } else if (unit == "ms") {
    factor = 1;
  } else if (unit == "m") {
    factor = 60'000;
  } else if (unit == "h") {
    factor = 3'600'000;
  } else if (unit == "d") {
    factor = 86'400'000;
  } else {
    return InvalidArgument("\"" + std::string(text) + "\" has unknown unit \"" +
                           std::string(unit) + "\" (expected ms, s, m, h or d)");
  }
  if (value > std::numeric_limits<int64_t>::max() / factor) {
    return InvalidArgument("\"" + std::string(text) + "\" is too long a duration");
  }
  return value * factor;
}

Result<Config> ParseConfig(std::string_view toml_text, std::string_view name,
                           std::string_view config_dir) {
  toml::parse_result parsed = toml::parse(toml_text, std::string(name));
  if (!parsed) {
    const toml::parse_error& e = parsed.error();
    return InvalidArgument(std::string(name) + ":" + std::to_string(e.source().begin.line) + ":" +
                           std::to_string(e.source().begin.column) + ": " +
                           std::string(e.description()));
  }
  const toml::table& root = parsed.table();
  ConfigErrors errors;
  Reader r(name, &errors);
  r.CheckKeys(root, "",
              {"server", "store", "fetch", "feeds", "detect", "alert", "sinks", "watchlists"});
  Config c;
  c.source = std::string(name);
  ReadServer(r, root, &c);
  if (const toml::table* t = r.Table(root, "store", "")) {
    r.CheckKeys(*t, "store", {"state_dir"});
    r.String(*t, "state_dir", "store", &c.store.state_dir);
    if (c.store.state_dir.empty()) r.Fail("store.state_dir", "must not be empty", t);
  }
  ReadFetch(r, root, &c);
  ReadFeeds(r, root, config_dir, &c);
  ReadDetect(r, root, &c);
  ReadAlert(r, root, &c);
  if (!errors.empty()) {
    std::string message;
    for (const std::string& e : errors) message += (message.empty() ? "" : "\n") + e;
    return InvalidArgument(std::move(message));
  }
  return c;
}

Result<Config> LoadConfigFile(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) return NotFound(path + ": cannot open the config file");
  std::ostringstream buffer;
  buffer << in.rdbuf();
  if (in.bad()) return InvalidArgument(path + ": read error");
  std::string text = buffer.str();
  if (text.size() > (4u << 20)) return InvalidArgument(path + ": larger than 4 MiB");
  std::error_code ec;
  std::filesystem::path dir = std::filesystem::absolute(path, ec).parent_path();
  return ParseConfig(text, path, ec ? std::string() : dir.lexically_normal().string());
}

}  // namespace babelwatch::config
