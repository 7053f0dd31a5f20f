#include "net/http_server.h"

#include <algorithm>
#include <atomic>
#include <boost/asio/dispatch.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/post.hpp>
#include <boost/asio/strand.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/http.hpp>
#include <cctype>
#include <chrono>
#include <exception>
#include <optional>
#include <set>
#include <vector>

#include "core/log.h"

namespace babelwatch::net {
namespace {

namespace asio = boost::asio;
namespace beast = boost::beast;
namespace http = beast::http;
using tcp = asio::ip::tcp;

std::string ToLower(std::string_view s) {
  std::string out(s);
  for (char& c : out) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  return out;
}

int HexValue(char c) {
  if (c >= '0' && c <= '9') return c - '0';
  if (c >= 'a' && c <= 'f') return c - 'a' + 10;
  if (c >= 'A' && c <= 'F') return c - 'A' + 10;
  return -1;
}

std::string PercentDecode(std::string_view s) {
  std::string out;
  out.reserve(s.size());
  for (size_t i = 0; i < s.size(); ++i) {
    if (s[i] == '+') {
      out += ' ';
    } else if (s[i] == '%' && i + 2 < s.size() && HexValue(s[i + 1]) >= 0 &&
               HexValue(s[i + 2]) >= 0) {
      out += static_cast<char>(HexValue(s[i + 1]) * 16 + HexValue(s[i + 2]));
      i += 2;
    } else {
      out += s[i];
    }
  }
  return out;
}

bool PrefixMatches(std::string_view prefix, std::string_view path) {
  if (path.substr(0, prefix.size()) != prefix) return false;
  return path.size() == prefix.size() || prefix.back() == '/' || path[prefix.size()] == '/';
}

struct RouteEntry {
  std::string method;
  std::string prefix;
  RouteHandler handler;
};

}  // namespace

std::string HttpServerRequest::Header(std::string_view lower_name) const {
  for (const auto& [name, value] : headers) {
    if (name == lower_name) return value;
  }
  return "";
}

std::string HttpServerRequest::QueryParam(std::string_view name) const {
  std::string_view rest(query);
  while (!rest.empty()) {
    size_t amp = rest.find('&');
    std::string_view pair = rest.substr(0, amp);
    rest = amp == std::string_view::npos ? std::string_view() : rest.substr(amp + 1);
    size_t eq = pair.find('=');
    if (PercentDecode(pair.substr(0, eq)) == name) {
      return eq == std::string_view::npos ? "" : PercentDecode(pair.substr(eq + 1));
    }
  }
  return "";
}

class Session;

class HttpServer::Impl : public std::enable_shared_from_this<HttpServer::Impl> {
 public:
  Impl(asio::io_context& ioc, HttpServerOptions options)
      : ioc_(ioc),
        options_(std::move(options)),
        strand_(asio::make_strand(ioc)),
        acceptor_(strand_) {}

  void Handle(std::string method, std::string prefix, RouteHandler handler) {
    if (prefix.empty()) prefix = "/";
    routes_.push_back(RouteEntry{std::move(method), std::move(prefix), std::move(handler)});
  }

  Result<uint16_t> Start() {
    boost::system::error_code ec;
    auto address = asio::ip::make_address(options_.address, ec);
    const std::string where =
        "HTTP server " + options_.address + ":" + std::to_string(options_.port);
    if (ec) return InvalidArgument(where + ": \"" + options_.address + "\" is not an IP address");
    tcp::endpoint endpoint(address, options_.port);
    acceptor_.open(endpoint.protocol(), ec);
    if (!ec) acceptor_.set_option(asio::socket_base::reuse_address(true), ec);
    if (!ec) acceptor_.bind(endpoint, ec);
    if (!ec) acceptor_.listen(asio::socket_base::max_listen_connections, ec);
    if (ec) {
      acceptor_.close(ec);
      return Unavailable(where + ": cannot listen: " + ec.message());
    }
    port_ = acceptor_.local_endpoint(ec).port();
    asio::dispatch(strand_, [self = shared_from_this()] { self->DoAccept(); });
    return port_.load();
  }

  uint16_t port() const { return port_; }

  void Stop() {
    asio::dispatch(strand_, [self = shared_from_this()] { self->StopOnStrand(); });
  }

  bool stopping() const { return stopping_; }
  const HttpServerOptions& options() const { return options_; }
  asio::strand<asio::io_context::executor_type>& strand() { return strand_; }

  // Runs on strand_.
  HttpServerResponse Route(const HttpServerRequest& request) const {
    const RouteEntry* best = nullptr;
    bool path_known = false;
    for (const auto& route : routes_) {
      if (!PrefixMatches(route.prefix, request.path)) continue;
      path_known = true;
      // HEAD is answered by the GET route, without the body.
      std::string_view method = request.method;
      if (method == "HEAD") method = "GET";
      if (route.method != method) continue;
      if (best == nullptr || route.prefix.size() > best->prefix.size()) best = &route;
    }
    HttpServerResponse response;
    if (best == nullptr) {
      response.status = path_known ? 405 : 404;
      response.body = path_known
                          ? "method " + request.method + " not allowed on " + request.path + "\n"
                          : "no such path: " + request.path + "\n";
      return response;
    }
    try {
      return best->handler(request);
    } catch (const std::exception& e) {
      Log(LogLevel::kError, "http_server",
          request.method + " " + request.path + ": handler threw: " + e.what());
    }
    response.status = 500;
    response.body = "internal error\n";
    return response;
  }

  std::atomic<int> active_sessions_{0};

 private:
  void DoAccept() {
    acceptor_.async_accept(asio::make_strand(ioc_),
                           beast::bind_front_handler(&Impl::OnAccept, shared_from_this()));
  }
  void OnAccept(boost::system::error_code ec, tcp::socket socket);
  void StopOnStrand();

  asio::io_context& ioc_;
  const HttpServerOptions options_;
  std::vector<RouteEntry> routes_;  // constant after Start()
  asio::strand<asio::io_context::executor_type> strand_;
  std::atomic<uint16_t> port_{0};
  std::atomic<bool> stopping_{false};
  // State below is used only on strand_.
  tcp::acceptor acceptor_;
  std::vector<std::weak_ptr<Session>> session_refs_;
};

// One connection: read a request, route it on the server strand, write the response, repeat.
class Session : public std::enable_shared_from_this<Session> {
 public:
  Session(tcp::socket&& socket, std::shared_ptr<HttpServer::Impl> server)
      : stream_(std::move(socket)), server_(std::move(server)) {
    ++server_->active_sessions_;
    boost::system::error_code ec;
    auto endpoint = stream_.socket().remote_endpoint(ec);
    if (!ec) remote_address_ = endpoint.address().to_string();
  }
  ~Session() { --server_->active_sessions_; }

  void Run() {
    asio::dispatch(stream_.get_executor(),
                   beast::bind_front_handler(&Session::DoRead, shared_from_this()));
  }

  // Closes the connection if it is waiting for a request; otherwise it closes after the
  // response in progress.
  void StopIfIdle() {
    asio::dispatch(stream_.get_executor(), [self = shared_from_this()] {
      if (self->reading_) self->Close();
    });
  }

 private:
  void DoRead() {
    if (server_->stopping()) return Close();
    parser_.emplace();
    parser_->body_limit(
        static_cast<uint64_t>(std::max<int64_t>(0, server_->options().max_request_bytes)));
    parser_->header_limit(static_cast<uint32_t>(server_->options().max_header_bytes));
    stream_.expires_after(std::chrono::milliseconds(server_->options().read_timeout_ms));
    reading_ = true;
    http::async_read(stream_, buffer_, *parser_,
                     beast::bind_front_handler(&Session::OnRead, shared_from_this()));
  }

  void OnRead(boost::system::error_code ec, size_t) {
    reading_ = false;
    if (ec == http::error::end_of_stream || ec == asio::error::operation_aborted ||
        ec == beast::error::timeout) {
      return Close();
    }
    if (ec == http::error::body_limit) {
      return SendError(413, "request body exceeds " +
                                std::to_string(server_->options().max_request_bytes) + " bytes\n");
    }
    if (ec == http::error::header_limit) {
      return SendError(431, "request header exceeds " +
                                std::to_string(server_->options().max_header_bytes) + " bytes\n");
    }
    if (ec) {
      if (ec.category() == http::make_error_code(http::error::bad_target).category()) {
        return SendError(400, "bad request: " + ec.message() + "\n");
      }
      return Close();
    }
    auto& message = parser_->get();
    auto request = std::make_shared<HttpServerRequest>();
    request->method = std::string(message.method_string());
    request->target = std::string(message.target());
    size_t q = request->target.find('?');
    request->path = request->target.substr(0, q);
    request->query = q == std::string::npos ? "" : request->target.substr(q + 1);
    for (const auto& field : message) {
      request->headers.emplace_back(ToLower(field.name_string()), std::string(field.value()));
    }
    request->body = std::move(message.body());
    request->remote_address = remote_address_;
    keep_alive_ = message.keep_alive();
    head_ = request->method == "HEAD";
    version_ = message.version();
    // Route on the server strand, then come back to this connection's strand to write.
    asio::post(server_->strand(), [self = shared_from_this(), request] {
      auto response = std::make_shared<HttpServerResponse>(self->server_->Route(*request));
      asio::post(self->stream_.get_executor(),
                 [self, response] { self->Write(std::move(*response)); });
    });
  }

  void SendError(int status, std::string body) {
    keep_alive_ = false;
    head_ = false;
    version_ = 11;
    HttpServerResponse response;
    response.status = status;
    response.body = std::move(body);
    Write(std::move(response));
  }

  void Write(HttpServerResponse response) {
    stream_.expires_after(std::chrono::milliseconds(server_->options().write_timeout_ms));
    const bool keep_alive = keep_alive_ && !server_->stopping();
    if (head_) {
      // Same header as the GET response would have, no body.
      head_response_.emplace();
      Fill(*head_response_, response, keep_alive);
      head_response_->content_length(response.body.size());
      return http::async_write(
          stream_, *head_response_,
          beast::bind_front_handler(&Session::OnWrite, shared_from_this(), keep_alive));
    }
    response_.emplace();
    Fill(*response_, response, keep_alive);
    response_->body() = std::move(response.body);
    response_->prepare_payload();
    http::async_write(stream_, *response_,
                      beast::bind_front_handler(&Session::OnWrite, shared_from_this(), keep_alive));
  }

  template <class Message>
  void Fill(Message& message, const HttpServerResponse& response, bool keep_alive) {
    message.version(version_);
    message.result(static_cast<unsigned>(response.status));
    message.set(http::field::server, "babelwatch");
    message.set(http::field::content_type, response.content_type);
    for (const auto& [name, value] : response.headers) message.insert(name, value);
    message.keep_alive(keep_alive);
  }

  void OnWrite(bool keep_alive, boost::system::error_code ec, size_t) {
    response_.reset();
    head_response_.reset();
    if (ec || !keep_alive) return Close();
    DoRead();
  }

  void Close() {
    boost::system::error_code ec;
    stream_.socket().shutdown(tcp::socket::shutdown_both, ec);
    stream_.close();
  }

  beast::tcp_stream stream_;
  beast::flat_buffer buffer_;  // must persist between reads
  std::shared_ptr<HttpServer::Impl> server_;
  std::string remote_address_;
  std::optional<http::request_parser<http::string_body>> parser_;
  std::optional<http::response<http::string_body>> response_;
  std::optional<http::response<http::empty_body>> head_response_;
  bool head_ = false;
  bool keep_alive_ = false;
  unsigned version_ = 11;
  bool reading_ = false;
};

void HttpServer::Impl::OnAccept(boost::system::error_code ec, tcp::socket socket) {
  if (ec == asio::error::operation_aborted || stopping_) return;
  if (ec) {
    Log(LogLevel::kWarning, "http_server", "accept: " + ec.message());
  } else if (active_sessions_ >= options_.max_connections) {
    Log(LogLevel::kWarning, "http_server",
        "connection limit of " + std::to_string(options_.max_connections) +
            " reached: closing a new connection");
    socket.close(ec);
  } else {
    auto session = std::make_shared<Session>(std::move(socket), shared_from_this());
    // Keep weak references so Stop() can close idle connections; prune dead ones.
    session_refs_.erase(std::remove_if(session_refs_.begin(), session_refs_.end(),
                                       [](const auto& w) { return w.expired(); }),
                        session_refs_.end());
    session_refs_.push_back(session);
    session->Run();
  }
  DoAccept();
}

void HttpServer::Impl::StopOnStrand() {
  if (stopping_.exchange(true)) return;
  boost::system::error_code ec;
  acceptor_.close(ec);
  for (auto& weak : session_refs_) {
    if (auto session = weak.lock()) session->StopIfIdle();
  }
  session_refs_.clear();
}

HttpServer::HttpServer(boost::asio::io_context& ioc, HttpServerOptions options)
    : impl_(std::make_shared<Impl>(ioc, std::move(options))) {}

HttpServer::~HttpServer() { impl_->Stop(); }

void HttpServer::Handle(std::string method, std::string path_prefix, RouteHandler handler) {
  impl_->Handle(std::move(method), std::move(path_prefix), std::move(handler));
}

Result<uint16_t> HttpServer::Start() { return impl_->Start(); }

uint16_t HttpServer::port() const { return impl_->port(); }

void HttpServer::Stop() { impl_->Stop(); }

}  // namespace babelwatch::net
