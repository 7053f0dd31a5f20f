// monitoring/prometheus and monitoring/grafana against Debian's real Prometheus scraping a
// running babelwatchd: every dashboard query and every alert rule is evaluated through
// /api/v1/query and must parse and return data (rules: where the scenario makes them true).
#include <signal.h>

#include <boost/json.hpp>
#include <catch2/catch.hpp>
#include <regex>
#include <set>

#include "tests/integration/daemon_process.h"
#include "tests/ops/ops_support.h"

namespace babelwatch::testing {
namespace {

using namespace std::chrono_literals;

constexpr const char* kPrometheus = "/usr/bin/prometheus";
constexpr const char* kPromtool = "/usr/bin/promtool";

std::string RulesPath() {
  return std::string(SOURCE_DIR) + "/monitoring/prometheus/babelwatch.rules.yml";
}
std::string DashboardPath() {
  return std::string(SOURCE_DIR) + "/monitoring/grafana/dashboards/babelwatch.json";
}

void RequireTool(const char* path) {
  INFO(std::string(path) +
       " is missing: install Debian's prometheus package (scripts/install-deps.sh does)");
  REQUIRE(IsExecutable(path));
}

// /api/v1/query of `expr` at the current time. Fails the test unless the answer is a success.
boost::json::array Query(uint16_t port, const std::string& expr) {
  SimpleResponse r = HttpGet(port, "/api/v1/query?query=" + UrlEncode(expr));
  INFO("query: " << expr << "\nanswer: " << r.status << " " << r.body);
  REQUIRE(r.status == 200);
  boost::json::value v = boost::json::parse(r.body);
  REQUIRE(v.at("status").as_string() == "success");
  const auto& data = v.at("data");
  if (data.at("resultType").as_string() == "scalar") {
    boost::json::array one;
    one.push_back(data.at("result"));
    return one;
  }
  return data.at("result").as_array();
}

double FirstValue(const boost::json::array& result) {
  if (result.empty()) return -1;
  const auto& sample =
      result[0].is_array() ? result[0].as_array() : result[0].at("value").as_array();
  return std::stod(std::string(sample[1].as_string()));
}

// Grafana's variables, as the dashboard would expand them for a 1 s scrape interval.
std::string ExpandGrafanaVariables(std::string expr) {
  const std::pair<const char*, const char*> vars[] = {
      {"$__rate_interval", "15s"}, {"$__interval", "2s"}, {"$__range", "5m"}, {"$instance", ".*"}};
  for (const auto& [name, value] : vars) {
    for (size_t at = expr.find(name); at != std::string::npos; at = expr.find(name, at)) {
      expr.replace(at, std::strlen(name), value);
    }
  }
  return expr;
}

// Metric names a PromQL expression refers to: babelwatch_*, process_* and up.
std::set<std::string> MetricNames(const std::string& expr) {
  static const std::regex kName(R"(\b(babelwatch_[a-z_]+|process_[a-z_]+|up)\b)");
  std::set<std::string> names;
  for (auto it = std::sregex_iterator(expr.begin(), expr.end(), kName);
       it != std::sregex_iterator(); ++it) {
    names.insert((*it)[1]);
  }
  return names;
}

struct PanelQuery {
  std::string panel;
  std::string expr;
};

std::vector<PanelQuery> DashboardQueries(size_t* panels_with_queries) {
  boost::json::value dash = boost::json::parse(ReadFile(DashboardPath()));
  std::vector<PanelQuery> out;
  *panels_with_queries = 0;
  for (const auto& p : dash.at("panels").as_array()) {
    if (p.at("type").as_string() == "row") continue;
    const std::string title(p.at("title").as_string());
    const auto& targets = p.at("targets").as_array();
    INFO("panel " << title);
    REQUIRE_FALSE(targets.empty());
    ++*panels_with_queries;
    for (const auto& t : targets) out.push_back({title, std::string(t.at("expr").as_string())});
  }
  // The $instance variable's query: label_values(<selector>, instance).
  for (const auto& v : dash.at("templating").at("list").as_array()) {
    if (v.at("type").as_string() != "query") continue;
    const std::string def(v.at("definition").as_string());
    static const std::regex kLabelValues(R"(^label_values\((.*),\s*\w+\)$)");
    std::smatch m;
    REQUIRE(std::regex_match(def, m, kLabelValues));
    out.push_back({"variable " + std::string(v.at("name").as_string()), m[1]});
  }
  return out;
}

struct Rule {
  std::string name;
  std::string query;
  std::string health;
};

std::vector<Rule> LoadedRules(uint16_t port) {
  SimpleResponse r = HttpGet(port, "/api/v1/rules");
  INFO(r.body);
  REQUIRE(r.status == 200);
  std::vector<Rule> rules;
  boost::json::value v = boost::json::parse(r.body);
  for (const auto& g : v.at("data").at("groups").as_array()) {
    for (const auto& rule : g.at("rules").as_array()) {
      rules.push_back({std::string(rule.at("name").as_string()),
                       std::string(rule.at("query").as_string()),
                       std::string(rule.at("health").as_string())});
    }
  }
  return rules;
}

TEST_CASE("ops: promtool accepts the alert rules and the scrape config", "[ops][prometheus]") {
  RequireTool(kPromtool);
  CommandResult rules = RunCommand({kPromtool, "check", "rules", RulesPath()}, 30s);
  INFO(rules.output);
  CHECK(rules.exit_code == 0);
  CommandResult config =
      RunCommand({kPromtool, "check", "config",
                  std::string(SOURCE_DIR) + "/monitoring/prometheus/prometheus.yml"},
                 30s);
  INFO(config.output);
  CHECK(config.exit_code == 0);
}

TEST_CASE("ops: Prometheus scrapes babelwatchd and every dashboard query and rule evaluates",
          "[ops][prometheus]") {
  RequireTool(kPrometheus);
  TempDir dir;
  LoopbackHttpServer feeds;
  ServeDemoFeeds(feeds);
  // One feed answering 500 and one that is not a feed: fetch errors, parse errors, failing.
  feeds.Set("/down.xml", Respond(500, "internal error"));
  feeds.Set("/garbage.xml", Respond(200, "this is not a feed", {{"Content-Type", "text/xml"}}));
  const std::string config = dir.path() + "/babelwatch.toml";
  WriteFile(config, DaemonToml(dir.path(), feeds,
                               "[[feeds]]\nid = \"down\"\nurl = \"" + feeds.Url("/down.xml") +
                                   "\"\n[[feeds]]\nid = \"garbage\"\nurl = \"" +
                                   feeds.Url("/garbage.xml") + "\"\n"));
  DaemonProcess daemon(BABELWATCHD_PATH, {"--config", config}, dir.path() + "/daemon.log");
  auto daemon_port = daemon.ListeningPort(90s);
  INFO("daemon log:\n" << daemon.Log());
  REQUIRE(daemon_port.has_value());

  const uint16_t prom_port = FreeLoopbackPort();
  const std::string prom_config = dir.path() + "/prometheus.yml";
  WriteFile(prom_config,
            "global:\n  scrape_interval: 1s\n  evaluation_interval: 1s\n"
            "rule_files:\n  - " +
                RulesPath() +
                "\n"
                "scrape_configs:\n  - job_name: babelwatch\n    scrape_timeout: 1s\n"
                "    static_configs:\n      - targets: ['127.0.0.1:" +
                std::to_string(*daemon_port) + "']\n");
  DaemonProcess prometheus(
      kPrometheus,
      {"--config.file=" + prom_config, "--storage.tsdb.path=" + dir.path() + "/tsdb",
       "--web.listen-address=127.0.0.1:" + std::to_string(prom_port), "--log.level=warn"},
      dir.path() + "/prometheus.log");
  if (!PollUntil([&] { return HttpGet(prom_port, "/-/ready").status == 200; }, 60s)) {
    FAIL("prometheus on 127.0.0.1:" << prom_port << " not ready after 60 s; its log:\n"
                                    << ReadFile(dir.path() + "/prometheus.log"));
  }

  // Enough scrapes for rate() over 15 s, every demo feed analyzed, both bad feeds failing.
  REQUIRE(PollUntil(
      [&] {
        return FirstValue(Query(prom_port, "count_over_time(up{job=\"babelwatch\"}[1m])")) >= 12 &&
               FirstValue(Query(prom_port, "babelwatch_index_documents")) >= 5 &&
               FirstValue(Query(prom_port, "babelwatch_feeds_failing")) >= 2;
      },
      90s));
  CHECK(FirstValue(Query(prom_port, "up{job=\"babelwatch\"}")) == 1);

  {  // Every dashboard panel query returns data.
    size_t panels = 0;
    const auto queries = DashboardQueries(&panels);
    CHECK(panels >= 20);
    std::set<std::string> used;
    for (const PanelQuery& q : queries) {
      const std::string expr = ExpandGrafanaVariables(q.expr);
      INFO("panel \"" << q.panel << "\": " << expr);
      CHECK(expr.find('$') == std::string::npos);  // every variable expanded
      CHECK_FALSE(Query(prom_port, expr).empty());
      for (const std::string& n : MetricNames(expr)) used.insert(n);
    }
    // The headline metrics of docs/METRICS.md are all on the dashboard.
    for (const char* m :
         {"babelwatch_feeds_fetches_total", "babelwatch_feeds_failing",
          "babelwatch_feeds_parse_errors_total", "babelwatch_index_documents", "babelwatch_stories",
          "babelwatch_alert_outbox", "babelwatch_alert_deliveries_total",
          "babelwatch_pipeline_items_total", "process_resident_memory_bytes"}) {
      INFO(m);
      CHECK(used.count(m) == 1);
    }
  }

  {  // Every alert rule is loaded, evaluates, and refers to metrics that exist.
    std::vector<Rule> rules;
    // Prometheus evaluates the group every second; wait until every rule has run.
    REQUIRE(PollUntil(
        [&] {
          rules = LoadedRules(prom_port);
          for (const Rule& r : rules) {
            if (r.health == "unknown") return false;
          }
          return !rules.empty();
        },
        30s));
    CHECK(rules.size() >= 10);
    std::map<std::string, bool> fires;
    for (const Rule& r : rules) {
      INFO("rule " << r.name << ": " << r.query);
      CHECK(r.health == "ok");
      fires[r.name] = !Query(prom_port, r.query).empty();
      for (const std::string& n : MetricNames(r.query)) {
        INFO("metric " << n);
        CHECK_FALSE(Query(prom_port, n).empty());
      }
    }
    // The scenario: two of seven feeds fail, the daemon is up, nothing is dead-lettered.
    CHECK(fires["BabelwatchFeedsFailing"]);
    CHECK_FALSE(fires["BabelwatchMostFeedsFailing"]);
    CHECK_FALSE(fires["BabelwatchDown"]);
    CHECK_FALSE(fires["BabelwatchNoSuccessfulFetch"]);
    CHECK_FALSE(fires["BabelwatchNothingIngested"]);
    CHECK_FALSE(fires["BabelwatchDeadLetters"]);
    CHECK_FALSE(fires["BabelwatchOutboxBacklog"]);
    CHECK_FALSE(fires["BabelwatchStoreErrors"]);
    CHECK_FALSE(fires["BabelwatchNotReady"]);

    // Stop the daemon: the BabelwatchDown expression becomes true.
    daemon.Signal(SIGTERM);
    REQUIRE(daemon.Wait(30s).has_value());
    std::string down_query;
    for (const Rule& r : rules) {
      if (r.name == "BabelwatchDown") down_query = r.query;
    }
    REQUIRE_FALSE(down_query.empty());
    CHECK(PollUntil([&] { return !Query(prom_port, down_query).empty(); }, 20s));
  }

  prometheus.Signal(SIGTERM);
  CHECK(prometheus.Wait(30s).has_value());
}

}  // namespace
}  // namespace babelwatch::testing
