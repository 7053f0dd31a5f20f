#include "config/config.h"

#include <catch2/catch.hpp>

namespace babelwatch::config {
namespace {

TEST_CASE("Config: a full valid file fills every component's options", "[config]") {
  auto c = ParseConfig(R"(
[server]
listen = "127.0.0.1:0"
[store]
state_dir = "/tmp/x"
[fetch]
interval = "2m"
per_host_spacing = "500ms"
[[feeds]]
id = "reuters"
url = "https://example.com/rss"
language = "en"
interval = 90
[[feeds]]
id = "local.demo"
url = "file:///srv/feed.xml"
[detect]
window = "36h"
slice = "30m"
[alert]
min_languages = 3
min_link = 1.5
update_cooldown = "5m"
[[sinks]]
name = "hook"
type = "webhook"
url = "http://127.0.0.1:9000/x"
secret = "s"
[[watchlists]]
name = "kz"
keywords = ["Kazakhstan"]
feeds = ["reuters"]
sinks = ["hook"]
)",
                       "t.toml");
  REQUIRE(c.has_value());
  CHECK(c->server.address == "127.0.0.1");
  CHECK(c->server.port == 0);
  CHECK(c->store.state_dir == "/tmp/x");
  CHECK(c->feeds.default_interval_s == 120);
  CHECK(c->feeds.per_host_spacing_ms == 500);
  REQUIRE(c->feeds.feeds.size() == 2);
  CHECK(c->feeds.feeds[0].interval_s == 90);
  CHECK(c->feeds.feeds[1].url == "file:///srv/feed.xml");
  CHECK(c->detect.window_ms == 36LL * 3600 * 1000);
  CHECK(c->detect.slice_ms == 30LL * 60 * 1000);
  CHECK(c->alert.min_languages == 3);
  CHECK(c->alert.update_cooldown_ms == 300'000);
  CHECK(c->alert.min_link == 1.5);
  REQUIRE(c->alert.sinks.size() == 1);
  CHECK(c->alert.sinks[0].secret == "s");
  REQUIRE(c->alert.watchlists.size() == 1);
  CHECK(c->alert.watchlists[0].keywords == std::vector<std::string>{"Kazakhstan"});
}

TEST_CASE("Config: an empty file gives the documented defaults", "[config]") {
  auto c = ParseConfig("", "empty.toml");
  REQUIRE(c.has_value());
  CHECK(c->server.address == "127.0.0.1");
  CHECK(c->server.port == 9797);
  CHECK(c->alert.min_languages == 2);
  CHECK(c->alert.min_sources == 2);
  CHECK(c->alert.min_link == 1.1);
  // A [detect] section without a seed keeps the default seed.
  auto d = ParseConfig("[detect]\nworkers = 1\n", "d.toml");
  REQUIRE(d.has_value());
  CHECK(d->detect.seed == detect::DetectOptions{}.seed);
  CHECK(c->detect.window_ms == 72LL * 3600 * 1000);
}

TEST_CASE("Config: every error is reported at once, each with its path", "[config]") {
  auto c = ParseConfig(R"(
[server]
listen = "nowhere"
[[feeds]]
id = "a"
url = "htp://x"
[[feeds]]
id = "a"
url = "https://ok.example/feed"
languag = "en"
[[feeds]]
url = "https://ok.example/2"
interval = "5 minutes"
[detect]
bands = 0
[[sinks]]
name = "s"
type = "pager"
[[watchlists]]
name = "w"
sinks = ["missing"]
)",
                       "babelwatch.toml");
  REQUIRE_FALSE(c.has_value());
  CHECK(c.error().code == Code::kInvalidArgument);
  const std::string& m = c.error().message;
  CHECK_THAT(m, Catch::Contains("babelwatch.toml: server.listen: \"nowhere\" is not HOST:PORT"));
  CHECK_THAT(m, Catch::Contains("feeds[0].url: \"htp://x\" is not an http(s) or file:/// URL"));
  CHECK_THAT(m, Catch::Contains("feeds[1].id: \"a\" is used by an earlier feed"));
  CHECK_THAT(m, Catch::Contains("feeds[1].languag: unknown key"));
  CHECK_THAT(m, Catch::Contains("feeds[2].id: is required"));
  CHECK_THAT(m, Catch::Contains("feeds[2].interval: \"5 minutes\" has unknown unit"));
  CHECK_THAT(m, Catch::Contains("detect.bands: 0 is out of range [1, 256]"));
  CHECK_THAT(m, Catch::Contains("sinks[0].type: \"pager\" is not one of"));
  CHECK_THAT(m, Catch::Contains("watchlists[0].sinks[0]: \"missing\" is not the name of a [[sinks]]"));
  CHECK_THAT(m, Catch::Contains("(line 6)"));
  CHECK(std::count(m.begin(), m.end(), '\n') == 8);
}

TEST_CASE("Config: a TOML syntax error names file, line and column", "[config]") {
  auto c = ParseConfig("[server\nlisten = 1", "bad.toml");
  REQUIRE_FALSE(c.has_value());
  CHECK_THAT(c.error().message, Catch::StartsWith("bad.toml:1:"));
}

TEST_CASE("Config: wrong value types are named", "[config]") {
  auto c = ParseConfig("feeds = 3\n[alert]\nmin_sources = \"two\"\n", "t.toml");
  REQUIRE_FALSE(c.has_value());
  CHECK_THAT(c.error().message, Catch::Contains("t.toml: feeds: expected an array, got an integer"));
  CHECK_THAT(c.error().message,
             Catch::Contains("alert.min_sources: expected an integer, got a string"));
}

TEST_CASE("Config: alert.min_link below 1 is refused with its range", "[config]") {
  auto c = ParseConfig("[alert]\nmin_link = 0.5\n", "t.toml");
  REQUIRE_FALSE(c.has_value());
  CHECK_THAT(c.error().message, Catch::Contains("alert.min_link"));
}

TEST_CASE("Config: listening off loopback needs an API token", "[config]") {
  auto c = ParseConfig("[server]\nlisten = '0.0.0.0:9797'\n", "t.toml");
  REQUIRE_FALSE(c.has_value());
  CHECK_THAT(c.error().message, Catch::Contains("server.api_token: must be set"));
  CHECK(ParseConfig("[server]\nlisten='0.0.0.0:1'\napi_token='0123456789abcdefXYZ'\n", "t")
            .has_value());
  CHECK(ParseConfig("[server]\nlisten='[::1]:1'\n", "t").has_value());
}

TEST_CASE("Config: file URLs can be forbidden", "[config]") {
  auto c = ParseConfig("[fetch]\nallow_file_urls = false\n[[feeds]]\nid='x'\nurl='file:///etc/passwd'\n",
                       "t.toml");
  REQUIRE_FALSE(c.has_value());
  CHECK_THAT(c.error().message, Catch::Contains("fetch.allow_file_urls is false"));
}

TEST_CASE("Config: a missing file is NotFound with its path", "[config]") {
  auto c = LoadConfigFile("/nonexistent/babelwatch.toml");
  REQUIRE_FALSE(c.has_value());
  CHECK(c.error().code == Code::kNotFound);
  CHECK_THAT(c.error().message, Catch::Contains("/nonexistent/babelwatch.toml"));
}

TEST_CASE("Config: ${config_dir} in a feed URL is the config file's directory", "[config]") {
  auto c = ParseConfig("[[feeds]]\nid='d'\nurl='file://${config_dir}/feeds/a.xml'\n", "t.toml",
                       "/etc/babelwatch");
  REQUIRE(c.has_value());
  CHECK(c->feeds.feeds[0].url == "file:///etc/babelwatch/feeds/a.xml");
}

TEST_CASE("ParseDurationMs: units and bad input", "[config]") {
  CHECK(*ParseDurationMs("90") == 90'000);
  CHECK(*ParseDurationMs("90s") == 90'000);
  CHECK(*ParseDurationMs("15m") == 900'000);
  CHECK(*ParseDurationMs("72h") == 259'200'000);
  CHECK(*ParseDurationMs("2d") == 172'800'000);
  CHECK(*ParseDurationMs("250ms") == 250);
  CHECK_FALSE(ParseDurationMs("").has_value());
  CHECK_FALSE(ParseDurationMs("-5s").has_value());
  CHECK_FALSE(ParseDurationMs("5w").has_value());
  CHECK_FALSE(ParseDurationMs("99999999999999999999d").has_value());
}

}  // namespace
}  // namespace babelwatch::config
