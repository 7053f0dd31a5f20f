#include "tests/support/loopback_http_server.h"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <sys/socket.h>
#include <unistd.h>
#include <zlib.h>

#include <algorithm>
#include <cctype>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <cstring>

namespace babelwatch::testing {
namespace {

constexpr size_t kMaxRequestHead = 64 * 1024;
constexpr size_t kMaxRequestBody = 8 << 20;

std::string Lower(std::string_view s) {
  std::string out(s);
  for (char& c : out) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  return out;
}

std::string_view Trim(std::string_view s) {
  while (!s.empty() && (s.front() == ' ' || s.front() == '\t')) s.remove_prefix(1);
  while (!s.empty() && (s.back() == ' ' || s.back() == '\t' || s.back() == '\r')) {
    s.remove_suffix(1);
  }
  return s;
}

const char* Reason(int status) {
  switch (status) {
    case 200:
      return "OK";
    case 301:
      return "Moved Permanently";
    case 302:
      return "Found";
    case 303:
      return "See Other";
    case 304:
      return "Not Modified";
    case 307:
      return "Temporary Redirect";
    case 308:
      return "Permanent Redirect";
    case 404:
      return "Not Found";
    case 429:
      return "Too Many Requests";
    case 500:
      return "Internal Server Error";
    case 503:
      return "Service Unavailable";
    default:
      return "Status";
  }
}

bool SendAll(int fd, std::string_view data) {
  while (!data.empty()) {
    ssize_t n = ::send(fd, data.data(), data.size(), MSG_NOSIGNAL);
    if (n <= 0) return false;
    data.remove_prefix(static_cast<size_t>(n));
  }
  return true;
}

void ResetAndClose(int fd) {
  linger l{1, 0};
  ::setsockopt(fd, SOL_SOCKET, SO_LINGER, &l, sizeof(l));
}

bool HasHeader(const net::Headers& headers, std::string_view lower_name) {
  return std::any_of(headers.begin(), headers.end(),
                     [&](const auto& h) { return Lower(h.first) == lower_name; });
}

}  // namespace

std::string RecordedRequest::Header(std::string_view lower_name) const {
  for (const auto& [name, value] : headers) {
    if (name == lower_name) return value;
  }
  return "";
}

ScriptedResponse Respond(int status, std::string body, net::Headers headers) {
  ScriptedResponse r;
  r.status = status;
  r.body = std::move(body);
  r.headers = std::move(headers);
  return r;
}

ScriptedResponse Redirect(int status, std::string location) {
  return Respond(status, "", {{"Location", std::move(location)}});
}

ScriptedResponse SlowBody(std::string body, size_t chunk_bytes, int delay_ms) {
  ScriptedResponse r = Respond(200, std::move(body));
  r.slow_chunk_bytes = chunk_bytes;
  r.slow_chunk_delay_ms = delay_ms;
  return r;
}

LoopbackHttpServer::LoopbackHttpServer() {
  listen_fd_ = ::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  addr.sin_port = 0;
  socklen_t len = sizeof(addr);
  if (listen_fd_ < 0 || ::bind(listen_fd_, reinterpret_cast<sockaddr*>(&addr), sizeof(addr)) != 0 ||
      ::listen(listen_fd_, 128) != 0 ||
      ::getsockname(listen_fd_, reinterpret_cast<sockaddr*>(&addr), &len) != 0) {
    std::fprintf(stderr, "LoopbackHttpServer: cannot listen on 127.0.0.1:0: %s\n",
                 std::strerror(errno));
    std::abort();
  }
  port_ = ntohs(addr.sin_port);
  accept_thread_ = std::thread([this] { AcceptLoop(); });
}

LoopbackHttpServer::~LoopbackHttpServer() {
  std::vector<std::thread> threads;
  {
    std::lock_guard<std::mutex> lock(mutex_);
    stopping_ = true;
    ::shutdown(listen_fd_, SHUT_RDWR);
    for (int fd : open_fds_) ::shutdown(fd, SHUT_RDWR);
  }
  stop_cv_.notify_all();
  accept_thread_.join();
  {
    std::lock_guard<std::mutex> lock(mutex_);
    threads = std::move(connection_threads_);
  }
  for (auto& t : threads) t.join();
  ::close(listen_fd_);
}

std::string LoopbackHttpServer::Url(std::string_view path) const {
  return "http://127.0.0.1:" + std::to_string(port_) + std::string(path);
}

void LoopbackHttpServer::Set(const std::string& path, ScriptedResponse response) {
  SetResponder(path, [response](const RecordedRequest&) { return response; });
}

void LoopbackHttpServer::SetResponder(const std::string& path, Responder responder) {
  std::lock_guard<std::mutex> lock(mutex_);
  routes_[path] = std::move(responder);
}

std::vector<RecordedRequest> LoopbackHttpServer::Requests(const std::string& path) const {
  std::lock_guard<std::mutex> lock(mutex_);
  std::vector<RecordedRequest> out;
  for (const auto& r : requests_) {
    if (r.path == path) out.push_back(r);
  }
  return out;
}

size_t LoopbackHttpServer::Count(const std::string& path) const { return Requests(path).size(); }

std::vector<RecordedRequest> LoopbackHttpServer::AllRequests() const {
  std::lock_guard<std::mutex> lock(mutex_);
  return requests_;
}

int LoopbackHttpServer::Connections() const {
  std::lock_guard<std::mutex> lock(mutex_);
  return connections_;
}

bool LoopbackHttpServer::SleepFor(int ms) {
  std::unique_lock<std::mutex> lock(mutex_);
  return !stop_cv_.wait_for(lock, std::chrono::milliseconds(ms), [this] { return stopping_; });
}

void LoopbackHttpServer::AcceptLoop() {
  for (;;) {
    int fd = ::accept4(listen_fd_, nullptr, nullptr, SOCK_CLOEXEC);
    std::lock_guard<std::mutex> lock(mutex_);
    if (stopping_) {
      if (fd >= 0) ::close(fd);
      return;
    }
    if (fd < 0) {
      if (errno == EINTR || errno == ECONNABORTED) continue;
      return;
    }
    ++connections_;
    open_fds_.insert(fd);
    connection_threads_.emplace_back([this, fd] { Serve(fd); });
  }
}

void LoopbackHttpServer::Serve(int fd) {
  std::string buffer;
  char chunk[16384];
  bool keep_open = true;
  while (keep_open) {
    // Read one request head.
    size_t head_end;
    while ((head_end = buffer.find("\r\n\r\n")) == std::string::npos) {
      if (buffer.size() > kMaxRequestHead) {
        keep_open = false;
        break;
      }
      ssize_t n = ::recv(fd, chunk, sizeof(chunk), 0);
      if (n <= 0) {
        keep_open = false;
        break;
      }
      buffer.append(chunk, static_cast<size_t>(n));
    }
    if (!keep_open) break;
    RecordedRequest request;
    std::string_view head(buffer.data(), head_end);
    size_t line_end = head.find("\r\n");
    std::string_view request_line = head.substr(0, line_end);
    size_t sp1 = request_line.find(' ');
    size_t sp2 = request_line.find(' ', sp1 + 1);
    if (sp1 == std::string_view::npos || sp2 == std::string_view::npos) break;
    request.method = std::string(request_line.substr(0, sp1));
    request.target = std::string(request_line.substr(sp1 + 1, sp2 - sp1 - 1));
    request.path = request.target.substr(0, request.target.find('?'));
    size_t content_length = 0;
    std::string_view rest = line_end == std::string_view::npos ? "" : head.substr(line_end + 2);
    while (!rest.empty()) {
      size_t eol = rest.find("\r\n");
      std::string_view line = rest.substr(0, eol);
      rest = eol == std::string_view::npos ? "" : rest.substr(eol + 2);
      size_t colon = line.find(':');
      if (colon == std::string_view::npos) continue;
      std::string name = Lower(Trim(line.substr(0, colon)));
      std::string value(Trim(line.substr(colon + 1)));
      if (name == "content-length") content_length = std::strtoull(value.c_str(), nullptr, 10);
      request.headers.emplace_back(std::move(name), std::move(value));
    }
    if (content_length > kMaxRequestBody) break;
    buffer.erase(0, head_end + 4);
    while (buffer.size() < content_length) {
      ssize_t n = ::recv(fd, chunk, sizeof(chunk), 0);
      if (n <= 0) {
        keep_open = false;
        break;
      }
      buffer.append(chunk, static_cast<size_t>(n));
    }
    if (!keep_open) break;
    request.body = buffer.substr(0, content_length);
    buffer.erase(0, content_length);

    Responder responder;
    {
      std::lock_guard<std::mutex> lock(mutex_);
      request.index = static_cast<int64_t>(requests_.size());
      requests_.push_back(request);
      auto it = routes_.find(request.path);
      if (it != routes_.end()) responder = it->second;
    }
    ScriptedResponse response;
    if (responder) {
      response = responder(request);
    } else {
      response.status = 404;
      response.body = "no route for " + request.path + "\n";
    }
    if (response.delay_ms > 0 && !SleepFor(response.delay_ms)) break;
    if (response.reset) {
      ResetAndClose(fd);
      break;
    }
    std::string body = response.gzip ? Gzip(response.body) : response.body;
    std::string out =
        "HTTP/1.1 " + std::to_string(response.status) + " " + Reason(response.status) + "\r\n";
    for (const auto& [name, value] : response.headers) out += name + ": " + value + "\r\n";
    if (response.gzip) out += "Content-Encoding: gzip\r\n";
    if (!response.raw_body_encoding.empty()) {
      out += "Content-Encoding: " + response.raw_body_encoding + "\r\n";
    }
    const bool no_body =
        response.status == 304 || response.status == 204 || request.method == "HEAD";
    if (!HasHeader(response.headers, "content-length") && response.status != 304 &&
        response.status != 204) {
      out += "Content-Length: " + std::to_string(body.size()) + "\r\n";
    }
    if (response.close) out += "Connection: close\r\n";
    out += "\r\n";
    if (!SendAll(fd, out)) break;
    if (no_body) body.clear();
    if (response.reset_mid_body) {
      SendAll(fd, std::string_view(body).substr(0, body.size() / 2));
      ResetAndClose(fd);
      break;
    }
    if (response.slow_chunk_bytes > 0) {
      std::string_view remaining(body);
      bool ok = true;
      while (!remaining.empty() && ok) {
        size_t n = std::min(remaining.size(), response.slow_chunk_bytes);
        ok = SendAll(fd, remaining.substr(0, n));
        remaining.remove_prefix(n);
        if (ok && !remaining.empty()) ok = SleepFor(response.slow_chunk_delay_ms);
      }
      if (!ok) break;
    } else if (!SendAll(fd, body)) {
      break;
    }
    if (response.close) break;
  }
  {
    std::lock_guard<std::mutex> lock(mutex_);
    open_fds_.erase(fd);
  }
  ::close(fd);
}

namespace {

std::string Deflate(const std::function<bool(z_stream&, std::string&)>& feed) {
  z_stream z{};
  deflateInit2(&z, 9, Z_DEFLATED, 15 + 16, 9, Z_DEFAULT_STRATEGY);
  std::string out;
  feed(z, out);
  deflateEnd(&z);
  return out;
}

void Pump(z_stream& z, std::string& out, int flush) {
  char buf[65536];
  do {
    z.next_out = reinterpret_cast<Bytef*>(buf);
    z.avail_out = sizeof(buf);
    deflate(&z, flush);
    out.append(buf, sizeof(buf) - z.avail_out);
  } while (z.avail_out == 0);
}

}  // namespace

std::string Gzip(std::string_view data) {
  return Deflate([data](z_stream& z, std::string& out) {
    z.next_in = reinterpret_cast<Bytef*>(const_cast<char*>(data.data()));
    z.avail_in = static_cast<uInt>(data.size());
    Pump(z, out, Z_FINISH);
    return true;
  });
}

std::string GzipBomb(size_t decompressed_bytes) {
  return Deflate([decompressed_bytes](z_stream& z, std::string& out) {
    std::string zeros(1 << 20, '\0');
    size_t left = decompressed_bytes;
    while (left > 0) {
      size_t n = std::min(left, zeros.size());
      z.next_in = reinterpret_cast<Bytef*>(zeros.data());
      z.avail_in = static_cast<uInt>(n);
      left -= n;
      Pump(z, out, left == 0 ? Z_FINISH : Z_NO_FLUSH);
    }
    return true;
  });
}

}  // namespace babelwatch::testing
