// File: detect/language_id.h
//
// Language identification with CLD2 on the cleaned text; the feed's declared language wins
// when CLD2 is unsure (short headlines). Pure and thread-safe (CLD2 keeps no state).
#pragma once

#include <string>
#include <string_view>

namespace babelwatch::detect {

struct LanguageGuess {
  std::string lang;        // ISO 639-1 where one exists ("en", "uk", "zh"), "" if unknown
  bool reliable = false;   // CLD2's own reliability verdict
  bool from_hint = false;  // the declared language was used
};

// `hint` is the declared language ("en", "en-US", "" for none). It wins when CLD2 is
// unsure, and over a disagreeing CLD2 answer on a short text (under 200 bytes scored: a
// headline). With no reliable CLD2 answer and no hint, returns CLD2's best guess, or "" when
// it has none.
[[nodiscard]] LanguageGuess IdentifyLanguage(std::string_view text, std::string_view hint);

}  // namespace babelwatch::detect
