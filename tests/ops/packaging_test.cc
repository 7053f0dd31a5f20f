// The install layout (`cmake --install`) and the Debian package (`cpack -G DEB`) of the build
// tree this test belongs to: binaries, unit, example config, man pages, docs, monitoring.
#include <unistd.h>

#include <catch2/catch.hpp>

#include "tests/integration/daemon_process.h"
#include "tests/ops/ops_support.h"

namespace babelwatch::testing {
namespace {

using namespace std::chrono_literals;

const char* const kInstalled[] = {
    "usr/sbin/babelwatchd",
    "usr/bin/babelwatch",
    "usr/lib/systemd/system/babelwatch.service",
    "etc/babelwatch/babelwatch.toml",
    "usr/share/man/man8/babelwatchd.8",
    "usr/share/man/man1/babelwatch.1",
    "usr/share/doc/babelwatch/OPERATIONS.md",
    "usr/share/doc/babelwatch/METRICS.md",
    "usr/share/doc/babelwatch/examples/prometheus/babelwatch.rules.yml",
    "usr/share/doc/babelwatch/examples/grafana/dashboards/babelwatch.json",
};

TEST_CASE("ops: cmake --install lays out the binaries and unit and config and man pages and docs",
          "[ops][packaging]") {
  TempDir dir;
  CommandResult r = RunCommand({"/usr/bin/cmake", "--install", BUILD_DIR, "--prefix", "/usr"}, 120s,
                               {"DESTDIR=" + dir.path()});
  INFO(r.output);
  REQUIRE(r.exit_code == 0);
  for (const char* path : kInstalled) {
    INFO(path);
    CHECK(::access((dir.path() + "/" + path).c_str(), R_OK) == 0);
  }
  CHECK(IsExecutable(dir.path() + "/usr/sbin/babelwatchd"));
  // The installed example configuration is valid for the installed tools.
  CommandResult check = RunCommand({dir.path() + "/usr/bin/babelwatch", "check-config",
                                    dir.path() + "/etc/babelwatch/babelwatch.toml"},
                                   60s);
  INFO(check.output);
  CHECK(check.exit_code == 0);
  CommandResult version = RunCommand({dir.path() + "/usr/sbin/babelwatchd", "--version"}, 30s);
  CHECK(version.exit_code == 0);
  CHECK(version.output.find("babelwatchd ") == 0);
}

TEST_CASE("ops: cpack builds a .deb with every file and the conffile and maintainer scripts",
          "[ops][packaging]") {
  INFO("cmake/Packaging.cmake must be included from the top-level CMakeLists.txt");
  REQUIRE(::access((std::string(BUILD_DIR) + "/CPackConfig.cmake").c_str(), R_OK) == 0);
  TempDir dir;
  CommandResult r = RunCommand({"/usr/bin/cpack", "-G", "DEB", "--config",
                                std::string(BUILD_DIR) + "/CPackConfig.cmake", "-B", dir.path()},
                               300s);
  INFO(r.output);
  REQUIRE(r.exit_code == 0);
  CommandResult ls = RunCommand({"/bin/sh", "-c", "ls " + dir.path() + "/*.deb"}, 10s);
  REQUIRE(ls.exit_code == 0);
  const std::string deb = ls.output.substr(0, ls.output.find('\n'));
  CommandResult contents = RunCommand({"/usr/bin/dpkg-deb", "-c", deb}, 60s);
  INFO(contents.output);
  REQUIRE(contents.exit_code == 0);
  for (const char* path : kInstalled) {
    INFO(path);
    CHECK(contents.output.find(std::string("./") + path) != std::string::npos);
  }
  CommandResult info = RunCommand({"/usr/bin/dpkg-deb", "-I", deb}, 60s);
  INFO(info.output);
  CHECK(info.output.find("Package: babelwatch") != std::string::npos);
  CHECK(info.output.find("Depends:") != std::string::npos);
  CHECK(info.output.find("libc6") != std::string::npos);  // from dpkg-shlibdeps
  for (const char* script : {"conffiles", "postinst", "prerm", "postrm"}) {
    INFO(script);
    CHECK(info.output.find(script) != std::string::npos);
  }
  CommandResult conffiles =
      RunCommand({"/usr/bin/dpkg-deb", "-e", deb, dir.path() + "/control"}, 60s);
  REQUIRE(conffiles.exit_code == 0);
  CHECK(ReadFile(dir.path() + "/control/conffiles").find("/etc/babelwatch/babelwatch.toml") !=
        std::string::npos);
}

}  // namespace
}  // namespace babelwatch::testing
