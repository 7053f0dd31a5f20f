#include "tests/ops/ops_support.h"

#include <fcntl.h>
#include <netinet/in.h>
#include <poll.h>
#include <signal.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cstdio>
#include <cstring>
#include <stdexcept>
#include <thread>

#include "tests/integration/daemon_process.h"

extern char** environ;

namespace babelwatch::testing {

uint16_t FreeLoopbackPort() {
  const int fd = ::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
  if (fd < 0) throw std::runtime_error("FreeLoopbackPort: socket() failed");
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  addr.sin_port = 0;
  socklen_t len = sizeof(addr);
  if (::bind(fd, reinterpret_cast<sockaddr*>(&addr), sizeof(addr)) != 0 ||
      ::getsockname(fd, reinterpret_cast<sockaddr*>(&addr), &len) != 0) {
    ::close(fd);
    throw std::runtime_error("FreeLoopbackPort: bind to 127.0.0.1:0 failed");
  }
  const uint16_t port = ntohs(addr.sin_port);
  ::close(fd);
  return port;
}

CommandResult RunCommand(const std::vector<std::string>& argv, std::chrono::milliseconds timeout,
                         const std::vector<std::string>& extra_env) {
  CommandResult result;
  if (argv.empty()) return result;
  int pipe_fds[2];
  if (::pipe2(pipe_fds, O_CLOEXEC) != 0) {
    result.output = "RunCommand: pipe2 failed: " + std::string(std::strerror(errno));
    return result;
  }
  std::vector<std::string> env_strings;
  for (char** e = environ; *e != nullptr; ++e) env_strings.emplace_back(*e);
  for (const std::string& e : extra_env) env_strings.push_back(e);
  std::vector<char*> args, env;
  for (const std::string& a : argv) args.push_back(const_cast<char*>(a.c_str()));
  args.push_back(nullptr);
  for (std::string& e : env_strings) env.push_back(e.data());
  env.push_back(nullptr);

  const pid_t pid = ::fork();
  if (pid < 0) {
    result.output = "RunCommand: fork failed";
    ::close(pipe_fds[0]);
    ::close(pipe_fds[1]);
    return result;
  }
  if (pid == 0) {
    ::setpgid(0, 0);
    ::dup2(pipe_fds[1], STDOUT_FILENO);
    ::dup2(pipe_fds[1], STDERR_FILENO);
    const int devnull = ::open("/dev/null", O_RDONLY);
    if (devnull >= 0) ::dup2(devnull, STDIN_FILENO);
    ::execve(args[0], args.data(), env.data());
    const std::string msg = "RunCommand: cannot execute " + argv[0] + "\n";
    (void)!::write(STDERR_FILENO, msg.data(), msg.size());
    ::_exit(127);
  }
  ::close(pipe_fds[1]);
  const auto deadline = std::chrono::steady_clock::now() + timeout;
  bool timed_out = false;
  for (;;) {
    const auto left = std::chrono::duration_cast<std::chrono::milliseconds>(
        deadline - std::chrono::steady_clock::now());
    if (left.count() <= 0) {
      timed_out = true;
      break;
    }
    pollfd p{pipe_fds[0], POLLIN, 0};
    const int n = ::poll(&p, 1, static_cast<int>(std::min<int64_t>(left.count(), 200)));
    if (n < 0 && errno != EINTR) break;
    if (n <= 0) continue;
    char buf[4096];
    const ssize_t got = ::read(pipe_fds[0], buf, sizeof(buf));
    if (got <= 0) break;  // EOF: the child (and its children) closed the pipe
    if (result.output.size() < (4u << 20)) result.output.append(buf, static_cast<size_t>(got));
  }
  ::close(pipe_fds[0]);
  if (timed_out) {
    ::kill(-pid, SIGKILL);
    ::kill(pid, SIGKILL);
  }
  int status = 0;
  while (::waitpid(pid, &status, 0) < 0 && errno == EINTR) {
  }
  if (timed_out) {
    result.output +=
        "\nRunCommand: " + argv[0] + " killed after " + std::to_string(timeout.count()) + " ms";
    result.exit_code = -1;
  } else if (WIFEXITED(status)) {
    result.exit_code = WEXITSTATUS(status);
  } else {
    result.exit_code = -1;
  }
  return result;
}

std::string UrlEncode(const std::string& text) {
  static const char kHex[] = "0123456789ABCDEF";
  std::string out;
  for (unsigned char c : text) {
    if (std::isalnum(c) || c == '-' || c == '_' || c == '.' || c == '~') {
      out += static_cast<char>(c);
    } else {
      out += '%';
      out += kHex[c >> 4];
      out += kHex[c & 15];
    }
  }
  return out;
}

bool PollUntil(const std::function<bool()>& done, std::chrono::milliseconds timeout) {
  const auto deadline = std::chrono::steady_clock::now() + timeout;
  for (;;) {
    if (done()) return true;
    if (std::chrono::steady_clock::now() >= deadline) return false;
    std::this_thread::sleep_for(std::chrono::milliseconds(200));
  }
}

const std::vector<DemoFeed>& DemoFeeds() {
  static const std::vector<DemoFeed> feeds = {
      {"reuters", "reuters.xml"},
      {"ukrinform", "ukrinform.xml"},
      {"bizmedia", "bizmedia.atom"},
      {"thedeepdive", "thedeepdive.json"},
      {"kyivindependent", "kyivindependent.atom"},
  };
  return feeds;
}

void ServeDemoFeeds(LoopbackHttpServer& server) {
  for (const DemoFeed& f : DemoFeeds()) {
    const std::string file = f.file;
    const std::string body = ReadFile(std::string(EXAMPLES_DIR) + "/feeds/" + file);
    if (body.empty())
      throw std::runtime_error("ServeDemoFeeds: examples/feeds/" + file + " is empty");
    const char* type = file.ends_with(".json")   ? "application/feed+json"
                       : file.ends_with(".atom") ? "application/atom+xml; charset=utf-8"
                                                 : "application/rss+xml; charset=utf-8";
    server.Set("/" + file, Respond(200, body, {{"Content-Type", type}}));
  }
}

std::string DemoFeedsToml(const LoopbackHttpServer& server) {
  std::string toml;
  for (const DemoFeed& f : DemoFeeds()) {
    toml += "[[feeds]]\nid = \"" + std::string(f.id) + "\"\nurl = \"" +
            server.Url("/" + std::string(f.file)) + "\"\n";
  }
  return toml;
}

std::string DaemonToml(const std::string& dir, const LoopbackHttpServer& feeds,
                       const std::string& extra) {
  return "[server]\nlisten = \"127.0.0.1:0\"\n[store]\nstate_dir = \"" + dir +
         "/state\"\n[fetch]\ninterval = \"2s\"\nmin_interval = \"1s\"\nmax_interval = \"5s\"\n"
         "per_host_spacing = \"0ms\"\nper_host_concurrency = 8\nfailing_after = 1\n" +
         DemoFeedsToml(feeds) + extra +
         "[alert]\nupdate_cooldown = \"0s\"\n[[sinks]]\nname = \"journal\"\ntype = \"log\"\n";
}

bool IsExecutable(const std::string& path) { return ::access(path.c_str(), X_OK) == 0; }

}  // namespace babelwatch::testing
