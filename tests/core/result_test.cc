#include "core/result.h"

#include <catch2/catch.hpp>
#include <sstream>

#include "core/clock.h"

namespace babelwatch {
namespace {

Result<int> Half(int x) {
  if (x % 2 != 0) return InvalidArgument("x: " + std::to_string(x) + " is odd");
  return x / 2;
}

TEST_CASE("Result: holds a value or an error with code and message", "[core]") {
  auto ok = Half(4);
  REQUIRE(ok.has_value());
  CHECK(*ok == 2);
  auto bad = Half(3);
  REQUIRE_FALSE(bad.has_value());
  CHECK(bad.error().code == Code::kInvalidArgument);
  CHECK(bad.error().message == "x: 3 is odd");
}

TEST_CASE("Error: context is prepended and printing names the code", "[core]") {
  Error e = NotFound("no such feed").WithContext("babelwatch.toml: feeds[2]");
  std::ostringstream os;
  os << e;
  CHECK(os.str() == "not_found: babelwatch.toml: feeds[2]: no such feed");
  CHECK(e.code == Code::kNotFound);
}

TEST_CASE("Result: value() on an error throws with the message", "[core]") {
  auto bad = Half(1);
  CHECK_THROWS_WITH(bad.value(), Catch::Contains("is odd"));
}

TEST_CASE("ManualClock: moves only when told, both clocks together", "[core]") {
  ManualClock clock(1000);
  CHECK(ToUnixMs(clock.SystemNow()) == 1000);
  auto steady = clock.MonotonicNow();
  clock.Advance(std::chrono::milliseconds(250));
  CHECK(ToUnixMs(clock.SystemNow()) == 1250);
  CHECK(clock.MonotonicNow() - steady == std::chrono::milliseconds(250));
  clock.SetSystem(5000);
  CHECK(ToUnixMs(clock.SystemNow()) == 5000);
  CHECK(clock.MonotonicNow() - steady == std::chrono::milliseconds(250));
}

}  // namespace
}  // namespace babelwatch
