#include "detect/language_id.h"

#include <cstdio>  // compact_lang_det.h needs it first
// clang-format off
#include <compact_lang_det.h>
#include <encodings.h>
// clang-format on

#include <algorithm>
#include <cctype>

namespace babelwatch::detect {

namespace {

// Scored text below which a declared language outweighs CLD2's disagreeing answer (a headline
// is 40–120 bytes; docs/QUALITY.md experiment 27).
constexpr int kHintWinsBelowBytes = 200;

std::string NormalizeHint(std::string_view hint) {
  std::string out;
  for (char c : hint) {
    if (c == '-' || c == '_') break;
    out.push_back(static_cast<char>(std::tolower(static_cast<unsigned char>(c))));
  }
  return out;
}

std::string Iso(CLD2::Language l) {
  if (l == CLD2::UNKNOWN_LANGUAGE || l == CLD2::TG_UNKNOWN_LANGUAGE) return "";
  std::string code = CLD2::LanguageCode(l);
  if (code == "zh-Hant") return "zh";
  if (code == "iw") return "he";
  if (code == "un" || code == "xxx") return "";
  return code;
}

}  // namespace

LanguageGuess IdentifyLanguage(std::string_view text, std::string_view hint) {
  LanguageGuess g;
  std::string h = NormalizeHint(hint);
  CLD2::CLDHints hints = {nullptr, nullptr, CLD2::UNKNOWN_ENCODING, CLD2::UNKNOWN_LANGUAGE};
  if (!h.empty()) hints.language_hint = CLD2::GetLanguageFromName(h.c_str());
  CLD2::Language lang3[3];
  int percent3[3];
  double score3[3];
  int text_bytes = 0;
  bool reliable = false;
  int valid_prefix = 0;
  // CheckUTF8: input is untrusted and may be invalid UTF-8.
  CLD2::Language best = CLD2::ExtDetectLanguageSummaryCheckUTF8(
      text.data(), static_cast<int>(std::min<size_t>(text.size(), 1 << 20)), true, &hints, 0, lang3,
      percent3, score3, nullptr, &text_bytes, &reliable, &valid_prefix);
  std::string detected = Iso(best);
  // CLD2 sometimes answers "unknown" while ranking one language well ahead (~half the text);
  // that ranking is still its best guess.
  for (int k = 0; k < 3 && detected.empty() && text_bytes > 0; ++k) {
    if (percent3[k] >= 30) detected = Iso(lang3[k]);
  }
  // On a headline CLD2 can be "reliable" and wrong (names and loanwords: "Test Alienware
  // M16 : un PC portable gaming" as English); below kHintWinsBelowBytes of scored text a
  // declared language it disagrees with wins.
  if (!detected.empty() && reliable && !h.empty() && detected != h &&
      text_bytes < kHintWinsBelowBytes) {
    reliable = false;
  }
  if (!detected.empty() && reliable) {
    g.lang = detected;
    g.reliable = true;
    return g;
  }
  if (!h.empty()) {
    g.lang = h;
    g.from_hint = true;
    return g;
  }
  g.lang = detected;
  return g;
}

}  // namespace babelwatch::detect
