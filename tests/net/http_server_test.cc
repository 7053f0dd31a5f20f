#include "net/http_server.h"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <sys/time.h>
#include <unistd.h>

#include <boost/asio/io_context.hpp>
#include <catch2/catch.hpp>
#include <chrono>
#include <optional>
#include <stdexcept>
#include <thread>

#include "net/curl_http_client.h"

namespace babelwatch::net {
namespace {

using namespace std::chrono_literals;

// Sends one request through CurlHttpClient on `ioc` and runs `ioc` until it completes.
Result<HttpResponse> Call(boost::asio::io_context& ioc, HttpRequest request) {
  std::optional<Result<HttpResponse>> out;
  {
    CurlHttpClient client(ioc, {});
    client.Fetch(std::move(request), [&](Result<HttpResponse> r) { out = std::move(r); });
    auto deadline = std::chrono::steady_clock::now() + 10s;
    while (!out && std::chrono::steady_clock::now() < deadline) ioc.run_one_for(1s);
  }
  REQUIRE(out.has_value());
  return std::move(*out);
}

HttpRequest Get(uint16_t port, const std::string& target) {
  HttpRequest request;
  request.url = "http://127.0.0.1:" + std::to_string(port) + target;
  return request;
}

// Connects a raw blocking socket to 127.0.0.1:port with a receive timeout.
int RawConnect(uint16_t port) {
  int fd = ::socket(AF_INET, SOCK_STREAM, 0);
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  addr.sin_port = htons(port);
  timeval tv{10, 0};
  ::setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof(tv));
  if (::connect(fd, reinterpret_cast<sockaddr*>(&addr), sizeof(addr)) != 0) {
    ::close(fd);
    return -1;
  }
  return fd;
}

}  // namespace

TEST_CASE("HttpServer: routes by method and longest prefix", "[net][server]") {
  boost::asio::io_context ioc;
  HttpServer server(ioc, {});
  server.Handle("GET", "/api", [](const HttpServerRequest& r) {
    HttpServerResponse response;
    response.body = "api " + r.path + " page=" + r.QueryParam("page") + " q=" + r.QueryParam("q");
    return response;
  });
  server.Handle("GET", "/api/feeds", [](const HttpServerRequest&) {
    HttpServerResponse response;
    response.content_type = "application/json";
    response.headers = {{"X-Test", "1"}};
    response.body = "[]";
    return response;
  });
  auto port = server.Start();
  REQUIRE(port.has_value());
  REQUIRE(*port != 0);
  CHECK(server.port() == *port);

  auto feeds = Call(ioc, Get(*port, "/api/feeds"));
  REQUIRE(feeds.has_value());
  CHECK(feeds->status == 200);
  CHECK(feeds->body == "[]");
  CHECK(feeds->Header("content-type") == "application/json");
  CHECK(feeds->Header("x-test") == "1");

  auto other = Call(ioc, Get(*port, "/api/stories?page=2&q=a%20b+c"));
  REQUIRE(other.has_value());
  CHECK(other->body == "api /api/stories page=2 q=a b c");

  auto not_prefix = Call(ioc, Get(*port, "/apix"));
  REQUIRE(not_prefix.has_value());
  CHECK(not_prefix->status == 404);

  HttpRequest post = Get(*port, "/api/feeds");
  post.method = "POST";
  post.body = "x";
  auto wrong_method = Call(ioc, post);
  REQUIRE(wrong_method.has_value());
  CHECK(wrong_method->status == 405);
}

TEST_CASE("HttpServer: request body over the limit gets 413", "[net][server]") {
  boost::asio::io_context ioc;
  HttpServerOptions options;
  options.max_request_bytes = 1000;
  HttpServer server(ioc, options);
  int calls = 0;
  server.Handle("POST", "/in", [&](const HttpServerRequest& r) {
    ++calls;
    HttpServerResponse response;
    response.body = std::to_string(r.body.size());
    return response;
  });
  auto port = server.Start();
  REQUIRE(port.has_value());
  HttpRequest small = Get(*port, "/in");
  small.method = "POST";
  small.body = std::string(1000, 'a');
  auto ok = Call(ioc, small);
  REQUIRE(ok.has_value());
  CHECK(ok->status == 200);
  CHECK(ok->body == "1000");
  HttpRequest big = small;
  big.body = std::string(1001, 'a');
  auto rejected = Call(ioc, big);
  REQUIRE(rejected.has_value());
  CHECK(rejected->status == 413);
  CHECK(calls == 1);
}

TEST_CASE("HttpServer: a throwing handler yields 500", "[net][server]") {
  boost::asio::io_context ioc;
  HttpServer server(ioc, {});
  server.Handle("GET", "/", [](const HttpServerRequest&) -> HttpServerResponse {
    throw std::runtime_error("boom");
  });
  auto port = server.Start();
  REQUIRE(port.has_value());
  auto r = Call(ioc, Get(*port, "/anything"));
  REQUIRE(r.has_value());
  CHECK(r->status == 500);
}

TEST_CASE("HttpServer: Start reports bad addresses and ports in use", "[net][server]") {
  boost::asio::io_context ioc;
  HttpServerOptions bad;
  bad.address = "not-an-ip";
  HttpServer bad_server(ioc, bad);
  auto r = bad_server.Start();
  REQUIRE(r.has_error());
  CHECK(r.error().code == Code::kInvalidArgument);
  CHECK(r.error().message.find("not-an-ip") != std::string::npos);

  HttpServer first(ioc, {});
  auto port = first.Start();
  REQUIRE(port.has_value());
  HttpServerOptions same;
  same.port = *port;
  HttpServer second(ioc, same);
  auto in_use = second.Start();
  REQUIRE(in_use.has_error());
  CHECK(in_use.error().code == Code::kUnavailable);
}

TEST_CASE("HttpServer: an idle connection is closed after the read timeout", "[net][server]") {
  boost::asio::io_context ioc;
  HttpServerOptions options;
  options.read_timeout_ms = 200;
  HttpServer server(ioc, options);
  server.Handle("GET", "/", [](const HttpServerRequest&) { return HttpServerResponse{}; });
  auto port = server.Start();
  REQUIRE(port.has_value());
  std::thread loop([&] { ioc.run_for(5s); });
  int fd = RawConnect(*port);
  REQUIRE(fd >= 0);
  ::send(fd, "GET / HT", 8, MSG_NOSIGNAL);  // a request that never completes
  char c;
  ssize_t n = ::recv(fd, &c, 1, 0);  // 0 (closed by the server) well before SO_RCVTIMEO
  CHECK(n == 0);
  ::close(fd);
  server.Stop();
  loop.join();
}

TEST_CASE("HttpServer: Stop closes the listener and releases the io_context", "[net][server]") {
  boost::asio::io_context ioc;
  HttpServer server(ioc, {});
  server.Handle("GET", "/", [](const HttpServerRequest&) { return HttpServerResponse{}; });
  auto port = server.Start();
  REQUIRE(port.has_value());
  auto before = Call(ioc, Get(*port, "/"));
  REQUIRE(before.has_value());
  CHECK(before->status == 200);
  ioc.restart();
  ioc.run_for(500ms);  // lets the client shut down
  server.Stop();
  ioc.restart();
  ioc.run_for(5s);  // returns as soon as no work is left
  CHECK(ioc.stopped());
  CHECK(RawConnect(*port) < 0);
}

}  // namespace babelwatch::net

namespace babelwatch::net {

TEST_CASE("HttpServer: pipelined requests are answered in order on one connection",
          "[net][server]") {
  boost::asio::io_context ioc;
  HttpServer server(ioc, {});
  server.Handle("GET", "/", [](const HttpServerRequest& r) {
    HttpServerResponse response;
    response.body = "path=" + r.path + ";";
    return response;
  });
  auto port = server.Start();
  REQUIRE(port.has_value());
  std::thread loop([&] { ioc.run_for(5s); });
  int fd = RawConnect(*port);
  REQUIRE(fd >= 0);
  std::string requests =
      "GET /one HTTP/1.1\r\nHost: x\r\n\r\nGET /two HTTP/1.1\r\nHost: x\r\n\r\n"
      "GET /three HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n";
  REQUIRE(::send(fd, requests.data(), requests.size(), MSG_NOSIGNAL) ==
          static_cast<ssize_t>(requests.size()));
  std::string received;
  char buf[4096];
  ssize_t n;
  while ((n = ::recv(fd, buf, sizeof(buf), 0)) > 0) received.append(buf, static_cast<size_t>(n));
  ::close(fd);
  server.Stop();
  loop.join();
  size_t one = received.find("path=/one;");
  size_t two = received.find("path=/two;");
  size_t three = received.find("path=/three;");
  REQUIRE(one != std::string::npos);
  REQUIRE(two != std::string::npos);
  REQUIRE(three != std::string::npos);
  CHECK(one < two);
  CHECK(two < three);
}

TEST_CASE("HttpServer: connections beyond max_connections are closed at once", "[net][server]") {
  boost::asio::io_context ioc;
  HttpServerOptions options;
  options.max_connections = 1;
  HttpServer server(ioc, options);
  server.Handle("GET", "/", [](const HttpServerRequest&) { return HttpServerResponse{}; });
  auto port = server.Start();
  REQUIRE(port.has_value());
  std::thread loop([&] { ioc.run_for(5s); });
  int first = RawConnect(*port);
  REQUIRE(first >= 0);
  // A full keep-alive exchange proves the first connection holds the only session.
  std::string keep = "GET / HTTP/1.1\r\nHost: x\r\n\r\n";
  ::send(first, keep.data(), keep.size(), MSG_NOSIGNAL);
  std::string head;
  char ch;
  while (head.find("\r\n\r\n") == std::string::npos && ::recv(first, &ch, 1, 0) == 1) head += ch;
  REQUIRE(head.rfind("HTTP/1.1 200", 0) == 0);
  int second = RawConnect(*port);
  REQUIRE(second >= 0);
  char c;
  CHECK(::recv(second, &c, 1, 0) == 0);  // closed by the server without a response
  ::close(second);
  std::string request = "GET / HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n";
  ::send(first, request.data(), request.size(), MSG_NOSIGNAL);
  std::string received;
  char buf[1024];
  ssize_t n;
  while ((n = ::recv(first, buf, sizeof(buf), 0)) > 0) received.append(buf, static_cast<size_t>(n));
  ::close(first);
  CHECK(received.rfind("HTTP/1.1 200", 0) == 0);
  server.Stop();
  loop.join();
}

}  // namespace babelwatch::net

namespace babelwatch::net {

TEST_CASE("HttpServer: HEAD gets the GET route's headers without the body", "[net][server]") {
  boost::asio::io_context ioc;
  HttpServer server(ioc, {});
  int calls = 0;
  server.Handle("GET", "/healthz", [&](const HttpServerRequest& r) {
    ++calls;
    HttpServerResponse response;
    response.body = "ok from " + r.method + "\n";
    return response;
  });
  auto port = server.Start();
  REQUIRE(port.has_value());
  HttpRequest head = Get(*port, "/healthz");
  head.method = "HEAD";
  auto r = Call(ioc, head);
  REQUIRE(r.has_value());
  CHECK(r->status == 200);
  CHECK(r->body.empty());
  CHECK(r->Header("content-length") == "13");  // "ok from HEAD\n"
  auto g = Call(ioc, Get(*port, "/healthz"));
  REQUIRE(g.has_value());
  CHECK(g->body == "ok from GET\n");
  CHECK(calls == 2);
}

}  // namespace babelwatch::net
