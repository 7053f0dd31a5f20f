#include "tests/integration/daemon_process.h"

#include "tests/support/loopback_http_server.h"

#include <arpa/inet.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <poll.h>
#include <signal.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cstdlib>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <regex>
#include <sstream>
#include <stdexcept>
#include <thread>

extern char** environ;

namespace babelwatch::testing {

DaemonProcess::DaemonProcess(const std::string& binary, const std::vector<std::string>& args,
                             const std::string& log_path, const std::vector<std::string>& env)
    : log_path_(log_path) {
  std::vector<std::string> argv_store{binary};
  argv_store.insert(argv_store.end(), args.begin(), args.end());
  std::vector<std::string> env_store;
  for (char** e = environ; *e != nullptr; ++e) env_store.emplace_back(*e);
  env_store.insert(env_store.end(), env.begin(), env.end());
  pid_ = fork();
  if (pid_ < 0) throw std::runtime_error("fork failed");
  if (pid_ == 0) {
    int fd = open(log_path.c_str(), O_WRONLY | O_CREAT | O_TRUNC, 0644);
    if (fd >= 0) {
      dup2(fd, 1);
      dup2(fd, 2);
      close(fd);
    }
    std::vector<char*> argv, envp;
    for (auto& a : argv_store) argv.push_back(a.data());
    argv.push_back(nullptr);
    for (auto& e : env_store) envp.push_back(e.data());
    envp.push_back(nullptr);
    execve(binary.c_str(), argv.data(), envp.data());
    _exit(127);
  }
}

DaemonProcess::~DaemonProcess() {
  if (pid_ > 0 && !exit_code_) {
    kill(pid_, SIGKILL);
    waitpid(pid_, nullptr, 0);
  }
}

std::string DaemonProcess::Log() const { return ReadFile(log_path_); }

bool DaemonProcess::WaitForLog(const std::string& text, std::chrono::milliseconds timeout) const {
  const auto deadline = std::chrono::steady_clock::now() + timeout;
  while (std::chrono::steady_clock::now() < deadline) {
    if (Log().find(text) != std::string::npos) return true;
    if (exit_code_ || waitpid(pid_, nullptr, WNOHANG) != 0) return Log().find(text) != std::string::npos;
    std::this_thread::sleep_for(std::chrono::milliseconds(50));
  }
  return false;
}

void DaemonProcess::Signal(int signo) const {
  if (pid_ > 0 && !exit_code_) kill(pid_, signo);
}

std::optional<int> DaemonProcess::Wait(std::chrono::milliseconds timeout) {
  if (exit_code_) return exit_code_;
  const auto deadline = std::chrono::steady_clock::now() + timeout;
  while (std::chrono::steady_clock::now() < deadline) {
    int status = 0;
    pid_t r = waitpid(pid_, &status, WNOHANG);
    if (r == pid_) {
      exit_code_ = WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
      return exit_code_;
    }
    std::this_thread::sleep_for(std::chrono::milliseconds(20));
  }
  return std::nullopt;
}

std::optional<uint16_t> DaemonProcess::ListeningPort(std::chrono::milliseconds timeout) const {
  if (!WaitForLog("listening on ", timeout)) return std::nullopt;
  static const std::regex kLine(R"(listening on [^ ]*:(\d+))");
  std::smatch m;
  const std::string log = Log();
  if (!std::regex_search(log, m, kLine)) return std::nullopt;
  return static_cast<uint16_t>(std::stoi(m[1]));
}

SimpleResponse HttpGet(uint16_t port, const std::string& path, const std::string& extra_headers) {
  SimpleResponse out;
  int fd = socket(AF_INET, SOCK_STREAM, 0);
  if (fd < 0) return out;
  timeval tv{5, 0};
  setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof tv);
  setsockopt(fd, SOL_SOCKET, SO_SNDTIMEO, &tv, sizeof tv);
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_port = htons(port);
  addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  if (connect(fd, reinterpret_cast<sockaddr*>(&addr), sizeof addr) != 0) {
    close(fd);
    return out;
  }
  const std::string request = "GET " + path + " HTTP/1.1\r\nHost: 127.0.0.1\r\n" + extra_headers +
                              "Connection: close\r\n\r\n";
  if (send(fd, request.data(), request.size(), MSG_NOSIGNAL) !=
      static_cast<ssize_t>(request.size())) {
    close(fd);
    return out;
  }
  std::string raw;
  char buf[8192];
  ssize_t n;
  while ((n = recv(fd, buf, sizeof buf, 0)) > 0 && raw.size() < (64u << 20)) raw.append(buf, n);
  close(fd);
  const size_t header_end = raw.find("\r\n\r\n");
  if (raw.rfind("HTTP/1.1 ", 0) != 0 || header_end == std::string::npos) return out;
  out.status = std::atoi(raw.c_str() + 9);
  out.body = raw.substr(header_end + 4);
  const std::string headers = raw.substr(0, header_end);
  if (headers.find("ransfer-Encoding: chunked") != std::string::npos) {
    std::string body;
    size_t pos = 0;
    while (pos < out.body.size()) {
      const size_t eol = out.body.find("\r\n", pos);
      if (eol == std::string::npos) break;
      const size_t len = std::strtoul(out.body.c_str() + pos, nullptr, 16);
      if (len == 0) break;
      body += out.body.substr(eol + 2, len);
      pos = eol + 2 + len + 2;
    }
    out.body = body;
  }
  return out;
}

NotifySocket::NotifySocket(std::string path) : path_(std::move(path)) {
  fd_ = socket(AF_UNIX, SOCK_DGRAM | SOCK_CLOEXEC, 0);
  sockaddr_un addr{};
  addr.sun_family = AF_UNIX;
  std::strncpy(addr.sun_path, path_.c_str(), sizeof(addr.sun_path) - 1);
  unlink(path_.c_str());
  if (fd_ < 0 || bind(fd_, reinterpret_cast<sockaddr*>(&addr), sizeof addr) != 0) {
    throw std::runtime_error("cannot bind notify socket " + path_);
  }
  reader_ = std::thread([this] {
    while (!stop_) {
      pollfd p{fd_, POLLIN, 0};
      if (poll(&p, 1, 50) <= 0) continue;
      char buf[4096];
      ssize_t n = recv(fd_, buf, sizeof buf, 0);
      if (n <= 0) continue;
      std::lock_guard<std::mutex> lock(mutex_);
      messages_.emplace_back(buf, static_cast<size_t>(n));
    }
  });
}

NotifySocket::~NotifySocket() {
  stop_ = true;
  reader_.join();
  if (fd_ >= 0) close(fd_);
  unlink(path_.c_str());
}

std::vector<std::string> NotifySocket::messages() const {
  std::lock_guard<std::mutex> lock(mutex_);
  return messages_;
}

bool NotifySocket::WaitFor(const std::string& text, std::chrono::milliseconds timeout) {
  const auto deadline = std::chrono::steady_clock::now() + timeout;
  do {
    for (const auto& m : messages()) {
      if (m.find(text) != std::string::npos) return true;
    }
    std::this_thread::sleep_for(std::chrono::milliseconds(20));
  } while (std::chrono::steady_clock::now() < deadline);
  return false;
}

TempDir::TempDir() {
  std::string tmpl = (std::filesystem::temp_directory_path() / "babelwatch-test-XXXXXX").string();
  if (mkdtemp(tmpl.data()) == nullptr) throw std::runtime_error("mkdtemp failed");
  path_ = tmpl;
}

TempDir::~TempDir() {
  std::error_code ec;
  std::filesystem::remove_all(path_, ec);
}

void ServeInOrder(LoopbackHttpServer& server,
                  const std::vector<std::pair<std::string, std::string>>& feeds) {
  for (size_t i = 0; i < feeds.size(); ++i) {
    const std::string previous = i == 0 ? std::string() : feeds[i - 1].first;
    const std::string body = feeds[i].second;
    server.SetResponder(feeds[i].first, [&server, previous, body](const RecordedRequest&) {
      if (!previous.empty() && server.Count(previous) == 0) {
        return Respond(503, "not yet", {{"Retry-After", "1"}});
      }
      return Respond(200, body);
    });
  }
}

void WriteFile(const std::string& path, const std::string& contents) {
  std::ofstream f(path, std::ios::binary | std::ios::trunc);
  f << contents;
}

std::string ReadFile(const std::string& path) {
  std::ifstream f(path, std::ios::binary);
  std::ostringstream s;
  s << f.rdbuf();
  return s.str();
}

}  // namespace babelwatch::testing
