#include "net/curl_http_client.h"

#include <curl/curl.h>
#include <unistd.h>

#include <algorithm>
#include <boost/asio/bind_executor.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/posix/stream_descriptor.hpp>
#include <boost/asio/post.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/strand.hpp>
#include <cctype>
#include <chrono>
#include <map>
#include <string_view>
#include <utility>

namespace babelwatch::net {
namespace {

namespace asio = boost::asio;
using Steady = std::chrono::steady_clock;

constexpr size_t kMaxHeaderBytes = 256 * 1024;  // all header lines of one response

std::string ToLower(std::string_view s) {
  std::string out(s);
  for (char& c : out) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  return out;
}

std::string_view Trim(std::string_view s) {
  while (!s.empty() && (s.front() == ' ' || s.front() == '\t')) s.remove_prefix(1);
  while (!s.empty() &&
         (s.back() == ' ' || s.back() == '\t' || s.back() == '\r' || s.back() == '\n')) {
    s.remove_suffix(1);
  }
  return s;
}

// Lower-cased scheme of an absolute URL, or "" when `url` has none.
std::string SchemeOf(std::string_view url) {
  size_t colon = url.find(':');
  if (colon == std::string_view::npos || colon == 0) return "";
  for (size_t i = 0; i < colon; ++i) {
    char c = url[i];
    bool ok = std::isalpha(static_cast<unsigned char>(c)) ||
              (i > 0 &&
               (std::isdigit(static_cast<unsigned char>(c)) || c == '+' || c == '-' || c == '.'));
    if (!ok) return "";
  }
  return ToLower(url.substr(0, colon));
}

void GlobalInitOnce() {
  static const bool initialized = [] { return curl_global_init(CURL_GLOBAL_DEFAULT) == 0; }();
  (void)initialized;
}

}  // namespace

// One request across its redirect hops. Owned by Impl::transfers_ while a hop is in libcurl.
struct Transfer {
  HttpRequest request;
  HttpClient::Handler handler;
  std::string current_url;
  Steady::time_point deadline;
  int redirects = 0;
  bool chain_permanent = true;  // every hop so far was 301/308
  HttpResponse response;        // permanent_redirects accumulate; the rest is per hop
  size_t header_bytes = 0;
  bool body_too_big = false;
  bool headers_too_big = false;
  CURL* easy = nullptr;
  curl_slist* header_list = nullptr;
  char error_buffer[CURL_ERROR_SIZE] = {};

  void ResetHop() {
    response.status = 0;
    response.headers.clear();
    response.body.clear();
    header_bytes = 0;
    body_too_big = false;
    headers_too_big = false;
    error_buffer[0] = '\0';
  }
};

class CurlHttpClient::Impl : public std::enable_shared_from_this<CurlHttpClient::Impl> {
 public:
  Impl(asio::io_context& ioc, CurlHttpClientOptions options)
      : ioc_(ioc), options_(std::move(options)), strand_(asio::make_strand(ioc)), timer_(ioc) {
    GlobalInitOnce();
    multi_ = curl_multi_init();
    if (multi_ != nullptr) {
      curl_multi_setopt(multi_, CURLMOPT_SOCKETFUNCTION, &Impl::OnSocket);
      curl_multi_setopt(multi_, CURLMOPT_SOCKETDATA, this);
      curl_multi_setopt(multi_, CURLMOPT_TIMERFUNCTION, &Impl::OnTimer);
      curl_multi_setopt(multi_, CURLMOPT_TIMERDATA, this);
      curl_multi_setopt(multi_, CURLMOPT_MAX_TOTAL_CONNECTIONS,
                        static_cast<long>(options_.max_connections));
      curl_multi_setopt(multi_, CURLMOPT_MAX_HOST_CONNECTIONS,
                        static_cast<long>(options_.max_connections_per_host));
    }
  }

  ~Impl() {
    // Reached after Shutdown() or when the io_context dropped our handlers uncalled.
    for (auto& [easy, transfer] : transfers_) DetachEasy(*transfer);
    transfers_.clear();
    if (multi_ != nullptr) curl_multi_cleanup(multi_);
    multi_ = nullptr;
    for (auto& [fd, socket] : sockets_) {
      socket->removed = true;
      socket->descriptor.release();
    }
  }

  void Fetch(HttpRequest request, Handler handler) {
    auto self = shared_from_this();
    asio::post(strand_,
               [self, request = std::move(request), handler = std::move(handler)]() mutable {
                 self->StartTransfer(std::move(request), std::move(handler));
               });
  }

  void CancelAll() {
    asio::post(strand_, [self = shared_from_this()] { self->CancelAllOnStrand(); });
  }

  void Shutdown() {
    asio::post(strand_, [self = shared_from_this()] {
      self->shut_down_ = true;
      self->CancelAllOnStrand();
      self->timer_.cancel();
      if (self->multi_ != nullptr) curl_multi_cleanup(self->multi_);  // closes cached sockets
      self->multi_ = nullptr;
    });
  }

 private:
  struct Socket {
    explicit Socket(asio::io_context& ioc) : descriptor(ioc) {}
    asio::posix::stream_descriptor descriptor;
    int what = 0;  // CURL_POLL_* libcurl wants
    bool read_pending = false;
    bool write_pending = false;
    bool removed = false;
  };

  void StartTransfer(HttpRequest request, Handler handler) {
    auto t = std::make_unique<Transfer>();
    t->request = std::move(request);
    t->handler = std::move(handler);
    t->current_url = t->request.url;
    t->deadline =
        Steady::now() + std::chrono::milliseconds(std::max(1, t->request.total_timeout_ms));
    const std::string where = t->request.method + " " + t->request.url;
    if (shut_down_ || multi_ == nullptr) {
      return Complete(std::move(t), Cancelled(where + ": the HTTP client is shut down"));
    }
    const std::string scheme = SchemeOf(t->request.url);
    if (scheme != "http" && scheme != "https" && scheme != "file") {
      return Complete(std::move(t),
                      InvalidArgument(where + ": not an absolute http, https or file URL"));
    }
    if (scheme == "file" && !t->request.allow_file_scheme) {
      return Complete(std::move(t),
                      InvalidArgument(where + ": file:// URLs are not allowed for this request"));
    }
    StartHop(std::move(t));
  }

  void StartHop(std::unique_ptr<Transfer> t) {
    const std::string where = t->request.method + " " + t->current_url;
    const auto remaining =
        std::chrono::duration_cast<std::chrono::milliseconds>(t->deadline - Steady::now());
    if (remaining.count() <= 0) {
      return Complete(std::move(t), DeadlineExceeded(where + ": total timeout of " +
                                                     std::to_string(t->request.total_timeout_ms) +
                                                     " ms reached during redirects"));
    }
    t->ResetHop();
    CURL* easy = curl_easy_init();
    if (easy == nullptr) return Complete(std::move(t), Internal(where + ": curl_easy_init failed"));
    t->easy = easy;
    const bool first_hop = t->redirects == 0;
    const bool allow_file = first_hop && t->request.allow_file_scheme;
    curl_easy_setopt(easy, CURLOPT_URL, t->current_url.c_str());
    curl_easy_setopt(easy, CURLOPT_PRIVATE, t.get());
    curl_easy_setopt(easy, CURLOPT_NOSIGNAL, 1L);
    curl_easy_setopt(easy, CURLOPT_PROTOCOLS_STR, allow_file ? "http,https,file" : "http,https");
    curl_easy_setopt(easy, CURLOPT_REDIR_PROTOCOLS_STR, "http,https");
    curl_easy_setopt(easy, CURLOPT_FOLLOWLOCATION, 0L);
    curl_easy_setopt(easy, CURLOPT_ACCEPT_ENCODING, "gzip, deflate, br");
    curl_easy_setopt(easy, CURLOPT_USERAGENT, options_.user_agent.c_str());
    if (!options_.proxy.empty()) curl_easy_setopt(easy, CURLOPT_PROXY, options_.proxy.c_str());
    curl_easy_setopt(easy, CURLOPT_CONNECTTIMEOUT_MS,
                     static_cast<long>(std::max(1, t->request.connect_timeout_ms)));
    curl_easy_setopt(easy, CURLOPT_TIMEOUT_MS, static_cast<long>(remaining.count()));
    curl_easy_setopt(easy, CURLOPT_LOW_SPEED_LIMIT,
                     static_cast<long>(options_.low_speed_limit_bytes_per_s));
    curl_easy_setopt(easy, CURLOPT_LOW_SPEED_TIME, static_cast<long>(options_.low_speed_time_s));
    if (t->request.max_body_bytes > 0) {
      // Declared (encoded) length over the cap fails early; decoded bytes are capped below.
      curl_easy_setopt(easy, CURLOPT_MAXFILESIZE_LARGE,
                       static_cast<curl_off_t>(t->request.max_body_bytes));
    }
    curl_easy_setopt(easy, CURLOPT_WRITEFUNCTION, &Impl::OnBody);
    curl_easy_setopt(easy, CURLOPT_WRITEDATA, t.get());
    curl_easy_setopt(easy, CURLOPT_HEADERFUNCTION, &Impl::OnHeader);
    curl_easy_setopt(easy, CURLOPT_HEADERDATA, t.get());
    curl_easy_setopt(easy, CURLOPT_ERRORBUFFER, t->error_buffer);
    curl_easy_setopt(easy, CURLOPT_CLOSESOCKETFUNCTION, &Impl::OnCloseSocket);
    curl_easy_setopt(easy, CURLOPT_CLOSESOCKETDATA, this);
    for (const auto& [name, value] : t->request.headers) {
      t->header_list = curl_slist_append(t->header_list, (name + ": " + value).c_str());
    }
    if (t->header_list != nullptr) curl_easy_setopt(easy, CURLOPT_HTTPHEADER, t->header_list);
    const std::string& method = t->request.method;
    if (method == "GET") {
      curl_easy_setopt(easy, CURLOPT_HTTPGET, 1L);
    } else if (method == "HEAD") {
      curl_easy_setopt(easy, CURLOPT_NOBODY, 1L);
    } else {
      if (method != "POST") curl_easy_setopt(easy, CURLOPT_CUSTOMREQUEST, method.c_str());
      if (method == "POST" || !t->request.body.empty()) {
        curl_easy_setopt(easy, CURLOPT_POSTFIELDSIZE_LARGE,
                         static_cast<curl_off_t>(t->request.body.size()));
        curl_easy_setopt(easy, CURLOPT_POSTFIELDS, t->request.body.data());
      }
    }
    CURLMcode rc = curl_multi_add_handle(multi_, easy);
    if (rc != CURLM_OK) {
      DetachEasy(*t);
      return Complete(std::move(t),
                      Internal(where + ": curl_multi_add_handle: " + curl_multi_strerror(rc)));
    }
    transfers_.emplace(easy, std::move(t));
  }

  // Removes the easy handle of `t` from libcurl and frees it.
  void DetachEasy(Transfer& t) {
    if (t.easy != nullptr) {
      if (multi_ != nullptr) curl_multi_remove_handle(multi_, t.easy);
      curl_easy_cleanup(t.easy);
      t.easy = nullptr;
    }
    if (t.header_list != nullptr) curl_slist_free_all(t.header_list);
    t.header_list = nullptr;
  }

  void Complete(std::unique_ptr<Transfer> t, Result<HttpResponse> result) {
    asio::post(ioc_, [handler = std::move(t->handler), result = std::move(result)]() mutable {
      handler(std::move(result));
    });
  }

  void CancelAllOnStrand() {
    auto transfers = std::move(transfers_);
    transfers_.clear();
    for (auto& [easy, t] : transfers) {
      DetachEasy(*t);
      std::string where = t->request.method + " " + t->current_url;
      Complete(std::move(t), Cancelled(where + ": cancelled"));
    }
  }

  void SocketAction(curl_socket_t fd, int events) {
    if (multi_ == nullptr) return;
    int running = 0;
    curl_multi_socket_action(multi_, fd, events, &running);
    CheckDone();
  }

  void CheckDone() {
    int left = 0;
    while (multi_ != nullptr) {
      CURLMsg* msg = curl_multi_info_read(multi_, &left);
      if (msg == nullptr) break;
      if (msg->msg != CURLMSG_DONE) continue;
      CURL* easy = msg->easy_handle;
      CURLcode code = msg->data.result;
      auto it = transfers_.find(easy);
      if (it == transfers_.end()) continue;
      std::unique_ptr<Transfer> t = std::move(it->second);
      transfers_.erase(it);
      FinishHop(std::move(t), code);
    }
  }

  void FinishHop(std::unique_ptr<Transfer> t, CURLcode code) {
    const std::string where = t->request.method + " " + t->current_url;
    if (t->body_too_big) {
      DetachEasy(*t);
      return Complete(std::move(t), ResourceExhausted(where + ": body exceeds " +
                                                      std::to_string(t->request.max_body_bytes) +
                                                      " bytes after decoding"));
    }
    if (t->headers_too_big) {
      DetachEasy(*t);
      return Complete(std::move(t), ResourceExhausted(where + ": response headers exceed " +
                                                      std::to_string(kMaxHeaderBytes) + " bytes"));
    }
    if (code != CURLE_OK) {
      std::string message = where + ": " + curl_easy_strerror(code);
      if (t->error_buffer[0] != '\0') message += std::string(" (") + t->error_buffer + ")";
      DetachEasy(*t);
      switch (code) {
        case CURLE_OPERATION_TIMEDOUT:
          return Complete(std::move(t), DeadlineExceeded(std::move(message)));
        case CURLE_UNSUPPORTED_PROTOCOL:
        case CURLE_URL_MALFORMAT:
          return Complete(std::move(t), InvalidArgument(std::move(message)));
        case CURLE_FILESIZE_EXCEEDED:
          return Complete(std::move(t), ResourceExhausted(std::move(message)));
        case CURLE_FILE_COULDNT_READ_FILE:
          return Complete(std::move(t), NotFound(std::move(message)));
        case CURLE_OUT_OF_MEMORY:
          return Complete(std::move(t), Internal(std::move(message)));
        default:
          return Complete(std::move(t), Unavailable(std::move(message)));
      }
    }
    long status = 0;
    curl_easy_getinfo(t->easy, CURLINFO_RESPONSE_CODE, &status);
    char* redirect_url = nullptr;
    curl_easy_getinfo(t->easy, CURLINFO_REDIRECT_URL, &redirect_url);
    std::string location = redirect_url != nullptr ? redirect_url : "";
    const bool is_file = SchemeOf(t->current_url) == "file";
    DetachEasy(*t);
    if (is_file && status == 0) status = 200;
    const bool is_redirect =
        status == 301 || status == 302 || status == 303 || status == 307 || status == 308;
    if (is_redirect && !location.empty()) {
      if (t->redirects >= t->request.max_redirects) {
        return Complete(std::move(t),
                        InvalidArgument(t->request.method + " " + t->request.url + ": more than " +
                                        std::to_string(t->request.max_redirects) +
                                        " redirects (last to " + location + ")"));
      }
      const std::string scheme = SchemeOf(location);
      if (scheme != "http" && scheme != "https") {
        return Complete(std::move(t), InvalidArgument(where + ": redirect to \"" + location +
                                                      "\" is not an http(s) URL"));
      }
      const bool permanent = status == 301 || status == 308;
      if (permanent && t->chain_permanent) {
        t->response.permanent_redirects.push_back(location);
      } else {
        t->chain_permanent = false;
      }
      if (status == 303 || ((status == 301 || status == 302) && t->request.method == "POST")) {
        t->request.method = "GET";
        t->request.body.clear();
      }
      t->current_url = std::move(location);
      ++t->redirects;
      return StartHop(std::move(t));
    }
    HttpResponse response = std::move(t->response);
    response.status = static_cast<int>(status);
    response.effective_url = t->current_url;
    Complete(std::move(t), std::move(response));
  }

  void Arm(curl_socket_t fd, const std::shared_ptr<Socket>& socket) {
    auto owner = weak_from_this().lock();
    if (!owner) return;  // inside ~Impl: nothing more to wait for
    if ((socket->what & CURL_POLL_IN) != 0 && !socket->read_pending) {
      socket->read_pending = true;
      socket->descriptor.async_wait(
          asio::posix::descriptor_base::wait_read,
          asio::bind_executor(strand_,
                              [self = owner, fd, socket](const boost::system::error_code& ec) {
                                socket->read_pending = false;
                                self->OnReady(fd, socket, CURL_CSELECT_IN, ec);
                              }));
    }
    if ((socket->what & CURL_POLL_OUT) != 0 && !socket->write_pending) {
      socket->write_pending = true;
      socket->descriptor.async_wait(
          asio::posix::descriptor_base::wait_write,
          asio::bind_executor(strand_,
                              [self = owner, fd, socket](const boost::system::error_code& ec) {
                                socket->write_pending = false;
                                self->OnReady(fd, socket, CURL_CSELECT_OUT, ec);
                              }));
    }
  }

  void OnReady(curl_socket_t fd, const std::shared_ptr<Socket>& socket, int events,
               const boost::system::error_code& ec) {
    if (ec == asio::error::operation_aborted || socket->removed) return;
    SocketAction(fd, ec ? CURL_CSELECT_ERR : events);
    if (!socket->removed) Arm(fd, socket);
  }

  void ForgetSocket(curl_socket_t fd) {
    auto it = sockets_.find(fd);
    if (it == sockets_.end()) return;
    it->second->removed = true;
    it->second->descriptor.release();  // cancels pending waits; libcurl keeps the fd
    sockets_.erase(it);
  }

  static int OnSocket(CURL*, curl_socket_t fd, int what, void* userp, void*) {
    auto* self = static_cast<Impl*>(userp);
    if (what == CURL_POLL_REMOVE) {
      self->ForgetSocket(fd);
      return 0;
    }
    auto& socket = self->sockets_[fd];
    if (!socket) {
      socket = std::make_shared<Socket>(self->ioc_);
      boost::system::error_code ec;
      socket->descriptor.assign(fd, ec);
      if (ec) {
        self->sockets_.erase(fd);
        return -1;
      }
    }
    socket->what = what;
    self->Arm(fd, socket);
    return 0;
  }

  static int OnCloseSocket(void* clientp, curl_socket_t fd) {
    static_cast<Impl*>(clientp)->ForgetSocket(fd);
    return ::close(fd);
  }

  static int OnTimer(CURLM*, long timeout_ms, void* userp) {
    auto* self = static_cast<Impl*>(userp);
    if (timeout_ms < 0) {
      self->timer_.cancel();
      return 0;
    }
    self->timer_.expires_after(std::chrono::milliseconds(timeout_ms));
    // During ~Impl (libcurl cleanup) there is no owner to keep alive: do not arm.
    auto weak = self->weak_from_this();
    auto owner = weak.lock();
    if (!owner) return 0;
    self->timer_.async_wait(
        asio::bind_executor(self->strand_, [owner](const boost::system::error_code& ec) {
          if (ec == asio::error::operation_aborted) return;
          owner->SocketAction(CURL_SOCKET_TIMEOUT, 0);
        }));
    return 0;
  }

  static size_t OnBody(char* data, size_t size, size_t count, void* userp) {
    auto* t = static_cast<Transfer*>(userp);
    const size_t n = size * count;
    if (t->request.max_body_bytes > 0 &&
        static_cast<int64_t>(t->response.body.size() + n) > t->request.max_body_bytes) {
      t->body_too_big = true;
      return 0;  // aborts the transfer with CURLE_WRITE_ERROR
    }
    t->response.body.append(data, n);
    return n;
  }

  static size_t OnHeader(char* data, size_t size, size_t count, void* userp) {
    auto* t = static_cast<Transfer*>(userp);
    const size_t n = size * count;
    t->header_bytes += n;
    if (t->header_bytes > kMaxHeaderBytes) {
      t->headers_too_big = true;
      return 0;
    }
    std::string_view line(data, n);
    if (line.substr(0, 5) == "HTTP/") {
      t->response.headers.clear();  // a new response (after 1xx): keep only the final one
      return n;
    }
    size_t colon = line.find(':');
    if (colon == std::string_view::npos || colon == 0) return n;
    t->response.headers.emplace_back(ToLower(Trim(line.substr(0, colon))),
                                     std::string(Trim(line.substr(colon + 1))));
    return n;
  }

  asio::io_context& ioc_;
  const CurlHttpClientOptions options_;
  asio::strand<asio::io_context::executor_type> strand_;
  // State below is used only on strand_.
  asio::steady_timer timer_;
  CURLM* multi_ = nullptr;
  bool shut_down_ = false;
  std::map<CURL*, std::unique_ptr<Transfer>> transfers_;
  std::map<curl_socket_t, std::shared_ptr<Socket>> sockets_;
};

CurlHttpClient::CurlHttpClient(boost::asio::io_context& ioc, CurlHttpClientOptions options)
    : impl_(std::make_shared<Impl>(ioc, std::move(options))) {}

CurlHttpClient::~CurlHttpClient() { impl_->Shutdown(); }

void CurlHttpClient::Fetch(HttpRequest request, Handler handler) {
  impl_->Fetch(std::move(request), std::move(handler));
}

void CurlHttpClient::CancelAll() { impl_->CancelAll(); }

}  // namespace babelwatch::net
