#include "net/curl_http_client.h"

#include <unistd.h>

#include <atomic>
#include <boost/asio/executor_work_guard.hpp>
#include <boost/asio/io_context.hpp>
#include <catch2/catch.hpp>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <optional>
#include <string>
#include <thread>
#include <vector>

#include "tests/support/loopback_http_server.h"

namespace babelwatch::net {
namespace {

using testing::LoopbackHttpServer;
using testing::Redirect;
using testing::Respond;
using testing::ScriptedResponse;
using namespace std::chrono_literals;

// Runs one request to completion on a private io_context (bounded; never hangs).
Result<HttpResponse> FetchSync(HttpRequest request, CurlHttpClientOptions options = {}) {
  boost::asio::io_context ioc;
  std::optional<Result<HttpResponse>> out;
  {
    CurlHttpClient client(ioc, options);
    client.Fetch(std::move(request), [&](Result<HttpResponse> r) { out = std::move(r); });
    auto deadline = std::chrono::steady_clock::now() + 20s;
    while (!out && std::chrono::steady_clock::now() < deadline && true) {
      ioc.run_one_for(1s);
    }
  }
  ioc.restart();
  ioc.run_for(2s);  // let the client shut down
  REQUIRE(out.has_value());
  return std::move(*out);
}

HttpRequest Get(std::string url) {
  HttpRequest request;
  request.url = std::move(url);
  return request;
}

}  // namespace

TEST_CASE("CurlHttpClient: 200 returns body, lower-cased headers and sends User-Agent",
          "[net][client]") {
  LoopbackHttpServer server;
  server.Set("/feed", Respond(200, "hello", {{"ETag", "\"v1\""}, {"X-Thing", "a"}}));
  HttpRequest request = Get(server.Url("/feed?x=1"));
  request.headers = {{"If-None-Match", "\"v0\""}};
  CurlHttpClientOptions options;
  options.user_agent = "babelwatch-test/1";
  auto result = FetchSync(request, options);
  REQUIRE(result.has_value());
  CHECK(result->status == 200);
  CHECK(result->body == "hello");
  CHECK(result->Header("etag") == "\"v1\"");
  CHECK(result->Header("x-thing") == "a");
  CHECK(result->effective_url == server.Url("/feed?x=1"));
  CHECK(result->permanent_redirects.empty());
  auto seen = server.Requests("/feed");
  REQUIRE(seen.size() == 1);
  CHECK(seen[0].Header("user-agent") == "babelwatch-test/1");
  CHECK(seen[0].Header("if-none-match") == "\"v0\"");
  CHECK(seen[0].target == "/feed?x=1");
}

TEST_CASE("CurlHttpClient: gzip body is decoded and Accept-Encoding is sent", "[net][client]") {
  LoopbackHttpServer server;
  std::string text(100000, 'x');
  server.Set("/gz", [&] {
    auto r = Respond(200, text);
    r.gzip = true;
    return r;
  }());
  auto result = FetchSync(Get(server.Url("/gz")));
  REQUIRE(result.has_value());
  CHECK(result->body == text);
  std::string accept = server.Requests("/gz").at(0).Header("accept-encoding");
  CHECK(accept.find("gzip") != std::string::npos);
  CHECK(accept.find("deflate") != std::string::npos);
  CHECK(accept.find("br") != std::string::npos);
}

TEST_CASE("CurlHttpClient: gzip bomb is cut at the decoded byte cap", "[net][client]") {
  LoopbackHttpServer server;
  ScriptedResponse bomb;
  bomb.body = testing::GzipBomb(size_t{512} << 20);  // 512 MiB of zeros, about 0.5 MB on the wire
  bomb.raw_body_encoding = "gzip";
  server.Set("/bomb", bomb);
  HttpRequest request = Get(server.Url("/bomb"));
  request.max_body_bytes = 1 << 20;
  auto result = FetchSync(request);
  REQUIRE(result.has_error());
  CHECK(result.error().code == Code::kResourceExhausted);
  CHECK(result.error().message.find("/bomb") != std::string::npos);
}

TEST_CASE("CurlHttpClient: a plain body over the cap is kResourceExhausted", "[net][client]") {
  LoopbackHttpServer server;
  server.Set("/big", Respond(200, std::string(300000, 'a')));
  HttpRequest request = Get(server.Url("/big"));
  request.max_body_bytes = 100000;
  auto result = FetchSync(request);
  REQUIRE(result.has_error());
  CHECK(result.error().code == Code::kResourceExhausted);
}

TEST_CASE("CurlHttpClient: HTTP errors and 304 are successful responses", "[net][client]") {
  LoopbackHttpServer server;
  server.Set("/500", Respond(500, "oops"));
  server.Set("/304", Respond(304));
  auto r500 = FetchSync(Get(server.Url("/500")));
  REQUIRE(r500.has_value());
  CHECK(r500->status == 500);
  CHECK(r500->body == "oops");
  auto r304 = FetchSync(Get(server.Url("/304")));
  REQUIRE(r304.has_value());
  CHECK(r304->status == 304);
  CHECK(r304->body.empty());
}

TEST_CASE("CurlHttpClient: a response slower than the total timeout is kDeadlineExceeded",
          "[net][client]") {
  LoopbackHttpServer server;
  SECTION("delay before the headers") {
    server.Set("/slow", [] {
      auto r = Respond(200, "late");
      r.delay_ms = 3000;
      return r;
    }());
  }
  SECTION("slow body") { server.Set("/slow", testing::SlowBody(std::string(1000, 'z'), 10, 200)); }
  HttpRequest request = Get(server.Url("/slow"));
  request.total_timeout_ms = 300;
  auto result = FetchSync(request);
  REQUIRE(result.has_error());
  CHECK(result.error().code == Code::kDeadlineExceeded);
}

TEST_CASE("CurlHttpClient: a transfer below the low-speed limit is kDeadlineExceeded",
          "[net][client]") {
  LoopbackHttpServer server;
  server.Set("/trickle", testing::SlowBody(std::string(2000, 'z'), 1, 400));
  CurlHttpClientOptions options;
  options.low_speed_limit_bytes_per_s = 100;
  options.low_speed_time_s = 1;
  auto result = FetchSync(Get(server.Url("/trickle")), options);
  REQUIRE(result.has_error());
  CHECK(result.error().code == Code::kDeadlineExceeded);
}

TEST_CASE("CurlHttpClient: connection reset and refused are kUnavailable", "[net][client]") {
  LoopbackHttpServer server;
  SECTION("reset before the response") {
    server.Set("/x", [] {
      ScriptedResponse r;
      r.reset = true;
      return r;
    }());
  }
  SECTION("reset in the middle of the body") {
    server.Set("/x", [] {
      auto r = Respond(200, std::string(100000, 'b'));
      r.reset_mid_body = true;
      return r;
    }());
  }
  auto result = FetchSync(Get(server.Url("/x")));
  REQUIRE(result.has_error());
  CHECK(result.error().code == Code::kUnavailable);
  CHECK(result.error().message.find("/x") != std::string::npos);
}

TEST_CASE("CurlHttpClient: connection refused is kUnavailable", "[net][client]") {
  uint16_t port;
  {
    LoopbackHttpServer closed;
    port = closed.port();
  }
  auto result = FetchSync(Get("http://127.0.0.1:" + std::to_string(port) + "/"));
  REQUIRE(result.has_error());
  CHECK(result.error().code == Code::kUnavailable);
}

TEST_CASE("CurlHttpClient: redirect loop stops after max_redirects", "[net][client]") {
  LoopbackHttpServer server;
  server.Set("/a", Redirect(302, "/b"));
  server.Set("/b", Redirect(302, "/a"));
  HttpRequest request = Get(server.Url("/a"));
  request.max_redirects = 3;
  auto result = FetchSync(request);
  REQUIRE(result.has_error());
  CHECK(result.error().code == Code::kInvalidArgument);
  CHECK(result.error().message.find("more than 3 redirects") != std::string::npos);
  CHECK(server.Count("/a") + server.Count("/b") == 4);
}

TEST_CASE("CurlHttpClient: permanent redirects are recorded while the chain is permanent",
          "[net][client]") {
  LoopbackHttpServer server;
  server.Set("/old", Redirect(301, "/mid"));
  server.Set("/mid", Redirect(308, "/new"));
  server.Set("/tmp", Redirect(302, "/old"));
  server.Set("/new", Respond(200, "here"));
  SECTION("301 then 308") {
    auto result = FetchSync(Get(server.Url("/old")));
    REQUIRE(result.has_value());
    CHECK(result->status == 200);
    CHECK(result->body == "here");
    CHECK(result->effective_url == server.Url("/new"));
    CHECK(result->permanent_redirects ==
          std::vector<std::string>{server.Url("/mid"), server.Url("/new")});
  }
  SECTION("a 302 first: nothing to store") {
    auto result = FetchSync(Get(server.Url("/tmp")));
    REQUIRE(result.has_value());
    CHECK(result->body == "here");
    CHECK(result->permanent_redirects.empty());
  }
}

TEST_CASE("CurlHttpClient: redirects never leave http(s)", "[net][client]") {
  LoopbackHttpServer server;
  server.Set("/to-file", Redirect(302, "file:///etc/passwd"));
  server.Set("/to-ftp", Redirect(301, "ftp://127.0.0.1/x"));
  for (std::string path : {"/to-file", "/to-ftp"}) {
    HttpRequest request = Get(server.Url(path));
    request.allow_file_scheme = true;
    auto result = FetchSync(request);
    REQUIRE(result.has_error());
    CHECK(result.error().code == Code::kInvalidArgument);
    CHECK(result.error().message.find("not an http(s) URL") != std::string::npos);
  }
}

TEST_CASE("CurlHttpClient: file:// only when allowed", "[net][client]") {
  char path[] = "/tmp/babelwatch_net_test_XXXXXX";
  int fd = ::mkstemp(path);
  REQUIRE(fd >= 0);
  REQUIRE(::write(fd, "<rss/>", 6) == 6);
  ::close(fd);
  HttpRequest request = Get(std::string("file://") + path);
  SECTION("refused by default") {
    auto result = FetchSync(request);
    REQUIRE(result.has_error());
    CHECK(result.error().code == Code::kInvalidArgument);
  }
  SECTION("read when allowed") {
    request.allow_file_scheme = true;
    auto result = FetchSync(request);
    REQUIRE(result.has_value());
    CHECK(result->status == 200);
    CHECK(result->body == "<rss/>");
  }
  SECTION("missing file is kNotFound") {
    request.url += ".missing";
    request.allow_file_scheme = true;
    auto result = FetchSync(request);
    REQUIRE(result.has_error());
    CHECK(result.error().code == Code::kNotFound);
  }
  ::unlink(path);
}

TEST_CASE("CurlHttpClient: URLs without an http(s) scheme are rejected", "[net][client]") {
  for (std::string url : {"127.0.0.1/x", "ftp://127.0.0.1/", "gopher://127.0.0.1/", ""}) {
    auto result = FetchSync(Get(url));
    REQUIRE(result.has_error());
    CHECK(result.error().code == Code::kInvalidArgument);
  }
}

TEST_CASE("CurlHttpClient: POST sends the body", "[net][client]") {
  LoopbackHttpServer server;
  server.Set("/hook", Respond(204));
  HttpRequest request = Get(server.Url("/hook"));
  request.method = "POST";
  request.body = R"({"a":1})";
  request.headers = {{"Content-Type", "application/json"}};
  auto result = FetchSync(request);
  REQUIRE(result.has_value());
  CHECK(result->status == 204);
  auto seen = server.Requests("/hook");
  REQUIRE(seen.size() == 1);
  CHECK(seen[0].method == "POST");
  CHECK(seen[0].body == R"({"a":1})");
  CHECK(seen[0].Header("content-type") == "application/json");
}

TEST_CASE("CurlHttpClient: handlers never run inline and all of many requests complete",
          "[net][client]") {
  LoopbackHttpServer server;
  server.Set("/n", Respond(200, "ok"));
  boost::asio::io_context ioc;
  int done = 0, ok = 0;
  {
    CurlHttpClient client(ioc, {});
    for (int i = 0; i < 40; ++i) {
      client.Fetch(Get(server.Url("/n?i=" + std::to_string(i))), [&](Result<HttpResponse> r) {
        ++done;
        if (r.has_value() && r->body == "ok") ++ok;
      });
    }
    CHECK(done == 0);
    auto deadline = std::chrono::steady_clock::now() + 20s;
    while (done < 40 && std::chrono::steady_clock::now() < deadline) ioc.run_one_for(1s);
  }
  ioc.restart();
  ioc.run_for(2s);
  CHECK(done == 40);
  CHECK(ok == 40);
  CHECK(server.Count("/n") == 40);
}

TEST_CASE("CurlHttpClient: CancelAll completes requests in flight with kCancelled",
          "[net][client]") {
  LoopbackHttpServer server;
  server.Set("/hang", [] {
    auto r = Respond(200, "x");
    r.delay_ms = 10000;
    return r;
  }());
  boost::asio::io_context ioc;
  std::optional<Result<HttpResponse>> out;
  {
    CurlHttpClient client(ioc, {});
    client.Fetch(Get(server.Url("/hang")), [&](Result<HttpResponse> r) { out = std::move(r); });
    auto deadline = std::chrono::steady_clock::now() + 10s;
    while (server.Count("/hang") == 0 && std::chrono::steady_clock::now() < deadline) {
      ioc.run_one_for(50ms);
    }
    client.CancelAll();
    while (!out && std::chrono::steady_clock::now() < deadline) ioc.run_one_for(1s);
  }
  ioc.restart();
  ioc.run_for(2s);
  REQUIRE(out.has_value());
  REQUIRE(out->has_error());
  CHECK(out->error().code == Code::kCancelled);
}

}  // namespace babelwatch::net

namespace babelwatch::net {

TEST_CASE("CurlHttpClient: requests complete with the io_context run by four threads",
          "[net][client]") {
  testing::LoopbackHttpServer server;
  server.Set("/t", testing::Respond(200, std::string(5000, 'q')));
  boost::asio::io_context ioc;
  std::atomic<int> done{0};
  std::atomic<int> ok{0};
  {
    CurlHttpClient client(ioc, {});
    auto guard = boost::asio::make_work_guard(ioc);
    std::vector<std::thread> threads;
    for (int i = 0; i < 4; ++i)
      threads.emplace_back([&] { ioc.run_for(std::chrono::seconds(20)); });
    std::vector<std::thread> callers;
    for (int c = 0; c < 4; ++c) {
      callers.emplace_back([&, c] {
        for (int i = 0; i < 25; ++i) {
          HttpRequest request;
          request.url = server.Url("/t?c=" + std::to_string(c) + "&i=" + std::to_string(i));
          client.Fetch(request, [&](Result<HttpResponse> r) {
            if (r.has_value() && r->body.size() == 5000) ++ok;
            ++done;
          });
        }
      });
    }
    for (auto& t : callers) t.join();
    auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(15);
    while (done < 100 && std::chrono::steady_clock::now() < deadline) {
      std::this_thread::sleep_for(std::chrono::milliseconds(10));
    }
    guard.reset();
    ioc.stop();
    for (auto& t : threads) t.join();
  }
  CHECK(done == 100);
  CHECK(ok == 100);
}

}  // namespace babelwatch::net

namespace babelwatch::net {

TEST_CASE("CurlHttpClient: requests go through the configured proxy", "[net][client]") {
  testing::LoopbackHttpServer proxy;  // answers absolute-form requests like an HTTP proxy
  proxy.Set("http://feeds.example.invalid/rss", testing::Respond(200, "via proxy"));
  CurlHttpClientOptions options;
  options.proxy = proxy.Url("");
  HttpRequest request;
  request.url = "http://feeds.example.invalid/rss";
  auto result = FetchSync(request, options);
  REQUIRE(result.has_value());
  CHECK(result->status == 200);
  CHECK(result->body == "via proxy");
  auto seen = proxy.Requests("http://feeds.example.invalid/rss");
  REQUIRE(seen.size() == 1);
  CHECK(seen[0].Header("host") == "feeds.example.invalid");
}

}  // namespace babelwatch::net
