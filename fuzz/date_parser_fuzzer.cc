// libFuzzer target: ParseFeedDate. A parsed date must survive FormatIsoUtc -> ParseFeedDate
// unchanged (for years 0..9999, which FormatIsoUtc prints with four digits).
#include <cstddef>
#include <cstdint>
#include <string_view>

#include "feeds/date_parser.h"
#include "fuzz/fuzz_invariants.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  using namespace babelwatch::feeds;
  std::string_view text(reinterpret_cast<const char*>(data), size);
  std::optional<int64_t> ms = ParseFeedDate(text);
  if (!ms) return 0;
  // Years 0000-9999 only (the round trip prints four digits).
  constexpr int64_t kYear0 = -62167219200000;
  constexpr int64_t kYear10000 = 253402300800000;
  if (*ms < kYear0 || *ms >= kYear10000) return 0;
  std::optional<int64_t> again = ParseFeedDate(FormatIsoUtc(*ms));
  fuzz::Require(again.has_value(), "FormatIsoUtc output does not parse");
  fuzz::Require(*again == *ms, "date round trip changed the instant");
  return 0;
}
