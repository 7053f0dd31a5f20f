#include "core/time_format.h"

#include <catch2/catch.hpp>

namespace babelwatch {
namespace {

TEST_CASE("ParseIso8601Ms: UTC, offsets, fractions and dates", "[core][time]") {
  CHECK(*ParseIso8601Ms("1970-01-01T00:00:00Z") == 0);
  CHECK(*ParseIso8601Ms("2022-09-26T09:12:00Z") == 1664183520000);
  CHECK(*ParseIso8601Ms("2022-09-26T12:12:00+03:00") == 1664183520000);
  CHECK(*ParseIso8601Ms("2022-09-26T05:12:00-0400") == 1664183520000);
  CHECK(*ParseIso8601Ms("2022-09-26 09:12:00.250Z") == 1664183520250);
  CHECK(*ParseIso8601Ms("2022-09-26T09:12Z") == 1664183520000);
  CHECK(*ParseIso8601Ms("2022-09-26") == 1664150400000);
}

TEST_CASE("ParseIso8601Ms: rejects malformed input with a reason", "[core][time]") {
  for (const char* bad : {"", "2022", "2022-13-01T00:00:00Z", "2022-02-30", "2022-09-26T25:00:00Z",
                          "2022-09-26T09:12:00", "2022-09-26T09:12:00Zjunk", "yesterday"}) {
    INFO(bad);
    auto r = ParseIso8601Ms(bad);
    REQUIRE_FALSE(r.has_value());
    CHECK_THAT(r.error().message, Catch::Contains("is not an ISO 8601 time"));
  }
}

TEST_CASE("FormatIso8601: round trip", "[core][time]") {
  CHECK(FormatIso8601(1664183520000) == "2022-09-26T09:12:00Z");
  CHECK(FormatIso8601(1664183520250) == "2022-09-26T09:12:00.250Z");
  CHECK(*ParseIso8601Ms(FormatIso8601(1700000000123)) == 1700000000123);
}

}  // namespace
}  // namespace babelwatch
