#include "feeds/date_parser.h"

#include <catch2/catch.hpp>
#include <limits>

namespace babelwatch::feeds {
namespace {

std::string Iso(std::string_view text) {
  std::optional<int64_t> ms = ParseFeedDate(text);
  return ms ? FormatIsoUtc(*ms) : std::string("none");
}

TEST_CASE("DateParser: RFC 822 with zone names and offsets", "[feeds][dates]") {
  CHECK(Iso("Thu, 01 Jan 2004 19:48:21 GMT") == "2004-01-01T19:48:21Z");
  CHECK(Iso("Sat, 07 Sep 2002 00:00:01 -0400") == "2002-09-07T04:00:01Z");
  CHECK(Iso("Sat, 07 Sep 2002 00:00:01 +05:30") == "2002-09-06T18:30:01Z");
  CHECK(Iso("Mon, 26 January 2004 16:31:00 EST") == "2004-01-26T21:31:00Z");
  CHECK(Iso("Wed, 19 Feb 2012 22:40:00 GMT-01:01") == "2012-02-19T23:41:00Z");
  CHECK(Iso("Wed, 19 Aug 2009 18:28:00 Etc/GMT") == "2009-08-19T18:28:00Z");
}

TEST_CASE("DateParser: RFC 822 real-world variants", "[feeds][dates]") {
  SECTION("no weekday, no seconds, no zone") {
    CHECK(Iso("01 Jan 2004 10:00") == "2004-01-01T10:00:00Z");
  }
  SECTION("date only") { CHECK(Iso("Thu, 01 Jan 2004") == "2004-01-01T00:00:00Z"); }
  SECTION("two-digit year") { CHECK(Iso("Thu, 01 Jan 04 10:00:00 GMT") == "2004-01-01T10:00:00Z"); }
  SECTION("comma after the month") {
    CHECK(Iso("Mon, 13 Feb, 2012 06:28:00 UTC") == "2012-02-13T06:28:00Z");
  }
  SECTION("asctime") { CHECK(Iso("Sun Jan  4 16:29:06 2004") == "2004-01-04T16:29:06Z"); }
  SECTION("Twitter style") {
    CHECK(Iso("Sun Jul 15 01:16:00 +0000 2012") == "2012-07-15T01:16:00Z");
  }
  SECTION("year 100 and before the epoch") {
    CHECK(Iso("Thu, 01 Jan 0100 00:00:01 +0100") == "0099-12-31T23:00:01Z");
  }
}

TEST_CASE("DateParser: ISO 8601 and W3DTF", "[feeds][dates]") {
  CHECK(Iso("2003-12-31T10:14:55Z") == "2003-12-31T10:14:55Z");
  CHECK(Iso("2003-12-31T10:14:55-08:00") == "2003-12-31T18:14:55Z");
  CHECK(Iso("2007-04-23T23:25:47.538+10:00") == "2007-04-23T13:25:47.538Z");
  CHECK(Iso("2003-12-31") == "2003-12-31T00:00:00Z");
  CHECK(Iso("2003-12") == "2003-12-01T00:00:00Z");
  CHECK(Iso("2003") == "2003-01-01T00:00:00Z");
  CHECK(Iso("20031231T101455Z") == "2003-12-31T10:14:55Z");
  CHECK(Iso("2004-07-08 23:56:58 -00:20") == "2004-07-09T00:16:58Z");
  CHECK(Iso("2004-02-28T18:14:55-08:00") == "2004-02-29T02:14:55Z");
}

TEST_CASE("DateParser: invalid dates are rejected, not guessed", "[feeds][dates]") {
  for (const char* bad : {"", "   ", "2003-12-31T25:14:55Z", "2003-12-31T10:14:61Z",
                          "2013-01-28T11:30:00-06:00Textra", "2013-xx-27", "22013", "013",
                          "9999-12-31T23:59:59-99:99", "Sun, 99 Jun 2009 12:00:00 GMT",
                          "Sun, 16 Dec 2012 1:2:3:4 GMT", "2003-02-30", "yesterday"}) {
    INFO(bad);
    CHECK_FALSE(ParseFeedDate(bad).has_value());
  }
  CHECK_FALSE(ParseFeedDate(std::string(500, '1')).has_value());
}

TEST_CASE("DateParser: localized Greek and Korean forms", "[feeds][dates]") {
  CHECK(Iso("Κυρ, 11 Ιούλ 2004 12:00:00 EST") == "2004-07-11T17:00:00Z");
  CHECK(Iso("2004-05-25 오후 11:23:17") == "2004-05-25T14:23:17Z");
  CHECK(Iso("2004년 05월 28일  01:31:15") == "2004-05-27T16:31:15Z");
}

TEST_CASE("DateParser: DaysFromCivil and FormatIsoUtc agree", "[feeds][dates]") {
  CHECK(DaysFromCivil(1970, 1, 1) == 0);
  CHECK(DaysFromCivil(2000, 3, 1) == 11017);
  CHECK(FormatIsoUtc(0) == "1970-01-01T00:00:00Z");
  CHECK(FormatIsoUtc(-1) == "1969-12-31T23:59:59.999Z");
  // Extremes format without overflow (UBSan checks this in CI).
  CHECK_FALSE(FormatIsoUtc(std::numeric_limits<int64_t>::min()).empty());
  CHECK_FALSE(FormatIsoUtc(std::numeric_limits<int64_t>::max()).empty());
}

}  // namespace
}  // namespace babelwatch::feeds
