// systemd/babelwatch.service against systemd-analyze (verify, and security exposure <= 2.0),
// and the watchdog protocol against a real babelwatchd that is stopped with SIGSTOP.
#include <signal.h>
#include <sys/stat.h>

#include <catch2/catch.hpp>
#include <regex>
#include <thread>

#include "tests/integration/daemon_process.h"
#include "tests/ops/ops_support.h"

namespace babelwatch::testing {
namespace {

using namespace std::chrono_literals;

constexpr const char* kSystemdAnalyze = "/usr/bin/systemd-analyze";

std::string UnitText() { return ReadFile(std::string(SOURCE_DIR) + "/systemd/babelwatch.service"); }

void RequireSystemdAnalyze() {
  INFO(std::string(kSystemdAnalyze) + " is missing: install Debian's systemd package");
  REQUIRE(IsExecutable(kSystemdAnalyze));
}

// Replaces every `from` in `text` by `to`; returns how many were replaced.
int ReplaceAll(std::string& text, const std::string& from, const std::string& to) {
  int n = 0;
  for (size_t at = text.find(from); at != std::string::npos; at = text.find(from, at + to.size())) {
    text.replace(at, from.size(), to);
    ++n;
  }
  return n;
}

// The unit with its Exec lines pointing at the binaries just built, and the man pages of
// man/ findable through MANPATH (the Documentation= check runs `man`), in `dir`.
std::string UnitForBuildTree(const TempDir& dir) {
  std::string unit = UnitText();
  // "/usr/bin/babelwatch " (the CLI) before "/usr/sbin/babelwatchd" (the daemon).
  REQUIRE(ReplaceAll(unit, "/usr/bin/babelwatch ", std::string(BABELWATCH_CLI_PATH) + " ") == 1);
  REQUIRE(ReplaceAll(unit, "/usr/sbin/babelwatchd ", std::string(BABELWATCHD_PATH) + " ") == 1);
  const std::string path = dir.path() + "/babelwatch.service";
  WriteFile(path, unit);
  for (const char* page : {"man8/babelwatchd.8", "man1/babelwatch.1"}) {
    const std::string section = dir.path() + "/man/" + std::string(page).substr(0, 4);
    ::mkdir((dir.path() + "/man").c_str(), 0755);
    ::mkdir(section.c_str(), 0755);
    const std::string name = std::string(page).substr(5);
    WriteFile(section + "/" + name, ReadFile(std::string(SOURCE_DIR) + "/man/" + name));
  }
  return path;
}

TEST_CASE("ops: the unit has the directives an operator expects", "[ops][systemd]") {
  const std::string unit = UnitText();
  for (const char* line :
       {"Type=notify", "WatchdogSec=", "Restart=on-failure", "RestartPreventExitStatus=78",
        "ExecReload=/bin/kill -HUP $MAINPID", "DynamicUser=yes", "StateDirectory=babelwatch",
        "ConfigurationDirectory=babelwatch", "ProtectSystem=strict", "ProtectHome=yes",
        "PrivateTmp=yes", "PrivateDevices=yes", "NoNewPrivileges=yes",
        "RestrictAddressFamilies=", "SystemCallFilter=@system-service",
        "MemoryDenyWriteExecute=yes", "ExecStartPre=/usr/bin/babelwatch check-config ",
        "ExecStart=/usr/sbin/babelwatchd --config "}) {
    INFO(line);
    CHECK(unit.find(std::string("\n") + line) != std::string::npos);
  }
}

TEST_CASE("ops: systemd-analyze verify accepts the unit", "[ops][systemd]") {
  RequireSystemdAnalyze();
  TempDir dir;
  const std::string unit = UnitForBuildTree(dir);
  CommandResult r = RunCommand({kSystemdAnalyze, "verify", unit}, 60s,
                               {"MANPATH=" + dir.path() + "/man", "SYSTEMD_LOG_COLOR=0"});
  INFO(r.output);
  CHECK(r.exit_code == 0);
  // Warnings leave the exit code at 0: any output is a finding.
  CHECK(r.output.empty());

  // The check has teeth: a unit naming a missing binary or a misspelt directive is refused.
  std::string broken = ReadFile(unit);
  ReplaceAll(broken, BABELWATCHD_PATH, dir.path() + "/no-such-babelwatchd");
  WriteFile(dir.path() + "/broken.service", broken + "\n[Service]\nProtectSystm=strict\n");
  CommandResult bad = RunCommand({kSystemdAnalyze, "verify", dir.path() + "/broken.service"}, 60s,
                                 {"MANPATH=" + dir.path() + "/man", "SYSTEMD_LOG_COLOR=0"});
  INFO(bad.output);
  CHECK(bad.exit_code != 0);
  CHECK(bad.output.find("no-such-babelwatchd") != std::string::npos);
  CHECK(bad.output.find("ProtectSystm") != std::string::npos);
}

TEST_CASE("ops: systemd-analyze security rates the unit at an exposure of 2.0 or less",
          "[ops][systemd]") {
  RequireSystemdAnalyze();
  TempDir dir;
  const std::string unit = UnitForBuildTree(dir);
  // --offline reads the file instead of asking the manager; --threshold=20 (tenths) makes
  // the exit code fail above 2.0.
  CommandResult r = RunCommand(
      {kSystemdAnalyze, "security", "--offline=true", "--threshold=20", "--no-pager", unit}, 60s,
      {"SYSTEMD_LOG_COLOR=0", "SYSTEMD_COLORS=0"});
  INFO(r.output);
  CHECK(r.exit_code == 0);
  static const std::regex kOverall(R"(Overall exposure level for babelwatch\.service: ([0-9.]+))");
  std::smatch m;
  REQUIRE(std::regex_search(r.output, m, kOverall));
  const double exposure = std::stod(m[1]);
  CHECK(exposure <= 2.0);
}

TEST_CASE("ops: watchdog pings come from a live event loop and stop when it is stopped",
          "[ops][systemd][watchdog]") {
  TempDir dir;
  LoopbackHttpServer feeds;
  ServeDemoFeeds(feeds);
  const std::string config = dir.path() + "/babelwatch.toml";
  WriteFile(config, DaemonToml(dir.path(), feeds));
  NotifySocket notify(dir.path() + "/notify.sock");
  // WATCHDOG_USEC=1 s: the daemon pings every 0.5 s.
  DaemonProcess daemon(BABELWATCHD_PATH, {"--config", config}, dir.path() + "/log",
                       {"NOTIFY_SOCKET=" + notify.path(), "WATCHDOG_USEC=1000000"});
  auto count_pings = [&] {
    size_t n = 0;
    for (const std::string& m : notify.messages()) n += m.find("WATCHDOG=1") != std::string::npos;
    return n;
  };
  if (!notify.WaitFor("READY=1", 90s)) FAIL("no READY=1; daemon log:\n" << daemon.Log());
  REQUIRE(PollUntil([&] { return count_pings() >= 3; }, 10s));

  // A stopped process sends nothing: no ping during several watchdog periods.
  daemon.Signal(SIGSTOP);
  std::this_thread::sleep_for(300ms);  // a datagram already in the socket is read by now
  const size_t before = count_pings();
  std::this_thread::sleep_for(3s);  // six ping periods
  CHECK(count_pings() == before);

  // Resumed, the loop pings again.
  daemon.Signal(SIGCONT);
  CHECK(PollUntil([&] { return count_pings() >= before + 2; }, 10s));

  daemon.Signal(SIGTERM);
  auto code = daemon.Wait(30s);
  REQUIRE(code.has_value());
  CHECK(*code == 0);
  CHECK(notify.WaitFor("STOPPING=1", 1s));
}

}  // namespace
}  // namespace babelwatch::testing
