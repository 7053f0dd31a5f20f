// The status page (daemon/status_page.h) in Debian's headless Chromium, showing what a running
// babelwatchd that polled the demo feeds reports through /api/stories and /api/feeds.
#include "daemon/status_page.h"

#include <signal.h>

#include <boost/asio/executor_work_guard.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/json.hpp>
#include <catch2/catch.hpp>
#include <thread>

#include "net/http_server.h"
#include "tests/integration/daemon_process.h"
#include "tests/ops/ops_support.h"

namespace babelwatch::testing {
namespace {

using namespace std::chrono_literals;

constexpr const char* kChromium = "/usr/bin/chromium";

// What Chromium's DOM serialization makes of text.
std::string DomText(const std::string& text) {
  std::string out;
  for (char c : text) {
    if (c == '&') {
      out += "&amp;";
    } else if (c == '<') {
      out += "&lt;";
    } else if (c == '>') {
      out += "&gt;";
    } else {
      out += c;
    }
  }
  return out;
}

// The DOM of `url` after its scripts ran (virtual time lets the fetches finish).
CommandResult DumpDom(const TempDir& dir, const std::string& url) {
  return RunCommand(
      {kChromium, "--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
       "--disable-background-networking", "--disable-component-update", "--disable-sync",
       "--user-data-dir=" + dir.path() + "/chromium", "--virtual-time-budget=15000", "--dump-dom",
       url},
      120s);
}

// The page's own server, as the daemon registers it, with /api passed through to the daemon.
class PageServer {
 public:
  explicit PageServer(uint16_t daemon_port) : server_(ioc_, net::HttpServerOptions{}) {
    daemon::AddStatusPage(server_, [] { return "test <instance> & co"; });
    server_.Handle("GET", "/api", [daemon_port](const net::HttpServerRequest& request) {
      SimpleResponse r = HttpGet(daemon_port, request.target);
      net::HttpServerResponse out;
      out.status = r.status == 0 ? 502 : r.status;
      out.content_type = "application/json";
      out.body = r.body;
      return out;
    });
    auto port = server_.Start();
    if (!port) throw std::runtime_error("PageServer: " + port.error().message);
    port_ = *port;
    thread_ = std::thread([this] { ioc_.run(); });
  }
  ~PageServer() {
    server_.Stop();
    work_.reset();
    ioc_.stop();
    thread_.join();
  }
  [[nodiscard]] uint16_t port() const { return port_; }

 private:
  boost::asio::io_context ioc_;
  boost::asio::executor_work_guard<boost::asio::io_context::executor_type> work_{
      ioc_.get_executor()};
  net::HttpServer server_;
  uint16_t port_ = 0;
  std::thread thread_;
};

boost::json::array Items(uint16_t port, const std::string& path) {
  SimpleResponse r = HttpGet(port, path);
  INFO(path << ": " << r.status << " " << r.body);
  REQUIRE(r.status == 200);
  return boost::json::parse(r.body).at("items").as_array();
}

TEST_CASE("ops: the status page is self-contained and refuses other paths", "[ops][status_page]") {
  const std::string html = daemon::StatusPageHtml("v1 <b>&");
  CHECK(html.find("v1 &lt;b&gt;&amp;") != std::string::npos);  // header text escaped
  // No asset from elsewhere: no src/href attributes, no CSS imports or url().
  for (const char* forbidden : {" src=", " href=", "@import", "url(", "//cdn", "http://"}) {
    INFO(forbidden);
    CHECK(html.find(forbidden) == std::string::npos);
  }
  // API text goes in as text only.
  CHECK(html.find("innerHTML") == std::string::npos);
  CHECK(html.find("/api/stories") != std::string::npos);
  CHECK(html.find("/api/feeds") != std::string::npos);

  PageServer page(1);  // the /api pass-through is not used here
  CHECK(HttpGet(page.port(), "/").status == 200);
  CHECK(HttpGet(page.port(), "/index.html").body == HttpGet(page.port(), "/").body);
  CHECK(HttpGet(page.port(), "/no-such-page").status == 404);
}

TEST_CASE("ops: headless Chromium shows the stories and feed health of a running daemon",
          "[ops][status_page][chromium]") {
  INFO(std::string(kChromium) +
       " is missing: install Debian's chromium package (scripts/install-deps.sh does)");
  REQUIRE(IsExecutable(kChromium));
  TempDir dir;
  LoopbackHttpServer feeds;
  ServeDemoFeeds(feeds);
  feeds.Set("/down.xml", Respond(503, "maintenance"));
  const std::string config = dir.path() + "/babelwatch.toml";
  WriteFile(config,
            DaemonToml(dir.path(), feeds,
                       "[[feeds]]\nid = \"down\"\nurl = \"" + feeds.Url("/down.xml") + "\"\n"));
  DaemonProcess daemon(BABELWATCHD_PATH, {"--config", config}, dir.path() + "/daemon.log");
  auto port = daemon.ListeningPort(90s);
  if (!port) FAIL("babelwatchd did not listen; its log:\n" << daemon.Log());

  // Every feed polled, the demo articles analyzed, the bad feed marked failing.
  const bool settled = PollUntil(
      [&] {
        auto feed_items = Items(*port, "/api/feeds?limit=100");
        if (feed_items.size() != 6) return false;
        for (const auto& f : feed_items) {
          if (f.at("last_fetch_ms").as_int64() == 0) return false;
          if (f.at("feed_id").as_string() == "down" && !f.at("failing").as_bool()) return false;
        }
        return !Items(*port, "/api/stories?limit=50").empty() &&
               HttpGet(*port, "/metrics").body.find("\nbabelwatch_index_documents 5") !=
                   std::string::npos;
      },
      90s);
  if (!settled) FAIL("the daemon did not poll and analyze every demo feed; log:\n" << daemon.Log());

  PageServer page(*port);
  CommandResult dom = DumpDom(dir, "http://127.0.0.1:" + std::to_string(page.port()) + "/");
  INFO("chromium: " << dom.exit_code << "\n" << dom.output.substr(0, 20000));
  REQUIRE(dom.exit_code == 0);
  const std::string& html = dom.output;
  CHECK(html.find("data-loaded=\"1\"") != std::string::npos);
  CHECK(html.find("<span id=\"problem\"></span>") != std::string::npos);
  CHECK(html.find("test &lt;instance&gt; &amp; co") != std::string::npos);

  // Each story with its languages, in the order the API gave them, and its title.
  const auto stories = Items(*port, "/api/stories?limit=50");
  size_t cross = 0;
  for (const auto& s : stories) {
    std::string langs;
    for (const auto& l : s.at("languages").as_array()) {
      langs += (langs.empty() ? "" : ",") + std::string(l.at("lang").as_string());
      INFO("language tick " << l.at("lang").as_string());
      CHECK(html.find("data-lang=\"" + std::string(l.at("lang").as_string()) + "\"") !=
            std::string::npos);
    }
    cross += s.at("languages").as_array().size() >= 2;
    const std::string id = std::to_string(s.at("id").as_int64());
    INFO("story " << id << " languages " << langs);
    CHECK(html.find("data-story-id=\"" + id + "\" data-languages=\"" + langs + "\"") !=
          std::string::npos);
    const std::string title(s.at("languages").as_array()[0].at("title").as_string());
    CHECK(html.find(DomText(title)) != std::string::npos);
  }
  CHECK(html.find("(" + std::to_string(stories.size()) + " stories, " + std::to_string(cross) +
                  " in two or more languages)") != std::string::npos);

  // Feed health: five ok, one failing with its error shown.
  for (const DemoFeed& f : DemoFeeds()) {
    INFO(f.id);
    CHECK(html.find("data-feed-id=\"" + std::string(f.id) + "\" data-state=\"ok\"") !=
          std::string::npos);
  }
  CHECK(html.find("data-feed-id=\"down\" data-state=\"failing\"") != std::string::npos);
  CHECK(html.find("503") != std::string::npos);
  CHECK(html.find("(6 feeds, 1 failing)") != std::string::npos);

  daemon.Signal(SIGTERM);
  CHECK(daemon.Wait(30s).has_value());
}

}  // namespace
}  // namespace babelwatch::testing

namespace babelwatch::testing {
namespace {

// The daemon registers the page on its own server (daemon.cc calls daemon::AddStatusPage).
TEST_CASE("ops: babelwatchd serves the status page at / next to /api and /metrics",
          "[ops][status_page][daemon]") {
  TempDir dir;
  LoopbackHttpServer feeds;
  ServeDemoFeeds(feeds);
  const std::string config = dir.path() + "/babelwatch.toml";
  WriteFile(config, DaemonToml(dir.path(), feeds));
  DaemonProcess daemon(BABELWATCHD_PATH, {"--config", config}, dir.path() + "/daemon.log");
  auto port = daemon.ListeningPort(90s);
  if (!port) FAIL("babelwatchd did not listen; its log:\n" << daemon.Log());
  SimpleResponse page = HttpGet(*port, "/");
  INFO(page.body.substr(0, 2000));
  CHECK(page.status == 200);
  CHECK(page.body.find("<title>babelwatch status</title>") != std::string::npos);
  CHECK(HttpGet(*port, "/no-such-page").status == 404);
  CHECK(HttpGet(*port, "/metrics").status == 200);
  CHECK(HttpGet(*port, "/api/feeds").status == 200);
  daemon.Signal(SIGTERM);
  CHECK(daemon.Wait(30s).has_value());
}

}  // namespace
}  // namespace babelwatch::testing
