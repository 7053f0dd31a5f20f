#include "feeds/article_fetcher.h"

#include <prometheus/registry.h>

#include <atomic>
#include <boost/asio/io_context.hpp>
#include <catch2/catch.hpp>
#include <chrono>
#include <thread>

#include "feeds/main_text.h"
#include "net/curl_http_client.h"
#include "tests/support/loopback_http_server.h"

namespace babelwatch::feeds {
namespace {

using namespace std::chrono_literals;
using testing::LoopbackHttpServer;
using testing::RecordedRequest;
using testing::Respond;

const std::string kParagraph1 =
    "The foreign ministry said on Monday that the country would not recognise the results of "
    "the votes held in the occupied regions, calling them a violation of international law.";
const std::string kParagraph2 =
    "A spokesman added that the position had been communicated to the ambassador, and that the "
    "government remained committed to the territorial integrity of all states.";
const std::string kParagraph3 =
    "Officials in the capital declined to comment further on the matter when asked by reporters.";

std::string ArticlePage() {
  std::string related;
  for (int i = 0; i < 8; ++i) {
    related += "<li><a href=\"/r" + std::to_string(i) + "\">Related headline number " +
               std::to_string(i) + " that is long enough to count as a paragraph</a></li>";
  }
  return "<!DOCTYPE html><html><head><meta charset=\"utf-8\"><title>Page</title>"
         "<style>p{color:red}</style><script>var x = 'Script text that must go away';</script>"
         "</head><body>"
         "<header><p>Site header with a slogan that is rather long and boring here</p></header>"
         "<nav><ul><li><a href=\"/\">Home</a></li><li><a href=\"/world\">World</a></li></ul></nav>"
         "<div class=\"layout\"><main><article><h1>Title</h1>"
         "<p>" +
         kParagraph1 +
         "</p><div class=\"ad-slot\"><p>Buy our product today, it is "
         "the best product in the whole wide world</p></div>"
         "<p>" +
         kParagraph2 +
         " <a href=\"/x\">link</a></p>"
         "<p>" +
         kParagraph3 +
         "</p></article></main>"
         "<aside class=\"related\"><ul>" +
         related +
         "</ul></aside></div>"
         "<div class=\"most-read\"><p><a href=\"/m\">Most read: another headline that is long "
         "enough to count</a></p></div>"
         "<footer><p>Copyright footer text that is long enough to be a paragraph</p></footer>"
         "</body></html>";
}

}  // namespace

TEST_CASE("ExtractMainText: keeps the article paragraphs, drops page furniture",
          "[feeds][fulltext]") {
  auto text = ExtractMainText(ArticlePage());
  REQUIRE(text.has_value());
  CHECK(text->find(kParagraph1) != std::string::npos);
  CHECK(text->find(kParagraph3) != std::string::npos);
  CHECK(text->find("territorial integrity") != std::string::npos);
  for (const char* junk : {"Script text", "Site header", "Related headline", "Buy our product",
                           "Most read", "Copyright", "color:red"}) {
    INFO(junk);
    CHECK(text->find(junk) == std::string::npos);
  }
  CHECK(text->find("\n\n") != std::string::npos);
}

TEST_CASE("ExtractMainText: pages without an article and hostile pages", "[feeds][fulltext]") {
  auto empty = ExtractMainText("<html><body><p>Too short.</p></body></html>");
  REQUIRE(empty.has_error());
  CHECK(empty.error().code == Code::kNotFound);
  CHECK(ExtractMainText("").has_error());
  CHECK(ExtractMainText("\x00\x01\x02 not html at all").has_error());
  auto big = ExtractMainText(std::string(kMaxArticleBytes + 1, 'a'));
  REQUIRE(big.has_error());
  CHECK(big.error().code == Code::kResourceExhausted);
  // Deep nesting must not overflow the stack.
  std::string deep;
  for (int i = 0; i < 100000; ++i) deep += "<div>";
  deep += "<p>" + kParagraph1 + kParagraph2 + "</p>";
  auto deep_result = ExtractMainText(deep);
  CHECK((deep_result.has_value() || deep_result.error().code == Code::kNotFound));
  // Entities are not expanded from anywhere but the HTML table.
  auto xxe = ExtractMainText("<!DOCTYPE html [<!ENTITY x SYSTEM \"file:///etc/passwd\">]><p>&x; " +
                             kParagraph1 + kParagraph2 + "</p>");
  REQUIRE(xxe.has_value());
  CHECK(xxe->find("root:") == std::string::npos);
}

TEST_CASE("ArticleFetcher: fills the text from the page, politely and boundedly",
          "[feeds][fulltext]") {
  LoopbackHttpServer server;
  boost::asio::io_context ioc;
  prometheus::Registry registry;
  net::CurlHttpClient client(ioc, {});
  std::atomic<int> active{0};
  std::atomic<int> max_active{0};
  server.SetResponder("/article", [&](const RecordedRequest&) {
    int now = ++active;
    int seen = max_active.load();
    while (now > seen && !max_active.compare_exchange_weak(seen, now)) {
    }
    std::this_thread::sleep_for(50ms);
    --active;
    return Respond(200, ArticlePage(), {{"Content-Type", "text/html; charset=utf-8"}});
  });
  server.Set("/missing", Respond(404, "gone"));
  std::vector<Item> done;
  ArticleFetcherOptions options;
  options.per_host_concurrency = 1;
  options.per_host_spacing = 0ms;
  options.max_queue = 5;
  ArticleFetcher fetcher(ioc, client, registry, options,
                         [&](Item item) { done.push_back(std::move(item)); });
  auto make = [&](const std::string& url) {
    Item item;
    item.id = url;
    item.url = url;
    item.text = "short summary";
    return item;
  };
  CHECK_FALSE(fetcher.Submit(make("file:///etc/passwd")));
  CHECK_FALSE(fetcher.Submit(make("ftp://127.0.0.1/x")));
  for (int i = 0; i < 4; ++i)
    CHECK(fetcher.Submit(make(server.Url("/article?i=" + std::to_string(i)))));
  CHECK(fetcher.Submit(make(server.Url("/missing"))));
  CHECK_FALSE(fetcher.Submit(make(server.Url("/article?i=9"))));  // queue of 5 is full
  auto deadline = std::chrono::steady_clock::now() + 10s;
  while (done.size() < 5 && std::chrono::steady_clock::now() < deadline) ioc.run_one_for(50ms);
  REQUIRE(done.size() == 5);
  int filled = 0;
  for (const auto& item : done) {
    if (item.url.find("/missing") != std::string::npos) {
      CHECK(item.text == "short summary");
    } else {
      CHECK(item.text.find(kParagraph1) != std::string::npos);
      ++filled;
    }
  }
  CHECK(filled == 4);
  CHECK(max_active.load() == 1);
  CHECK(server.Count("/article") == 4);
  fetcher.Stop();
  CHECK_FALSE(fetcher.Submit(make(server.Url("/article"))));
}

}  // namespace babelwatch::feeds
