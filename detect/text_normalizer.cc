#include "detect/text_normalizer.h"

#include <unicode/brkiter.h>
#include <unicode/normalizer2.h>
#include <unicode/uchar.h>
#include <unicode/unistr.h>
#include <unicode/uscript.h>

namespace babelwatch::detect {

struct TextNormalizer::Impl {
  const icu::Normalizer2* nfkc_cf = nullptr;  // owned by ICU, thread-safe
  std::unique_ptr<icu::BreakIterator> words;  // prototype; cloned per call
};

TextNormalizer::TextNormalizer() : impl_(std::make_unique<Impl>()) {}
TextNormalizer::~TextNormalizer() = default;

Result<std::unique_ptr<TextNormalizer>> TextNormalizer::Create() {
  std::unique_ptr<TextNormalizer> n(new TextNormalizer());
  UErrorCode status = U_ZERO_ERROR;
  n->impl_->nfkc_cf = icu::Normalizer2::getNFKCCasefoldInstance(status);
  if (U_FAILURE(status)) {
    return NotFound(std::string("detect: ICU NFKC_Casefold table not available: ") +
                    u_errorName(status));
  }
  status = U_ZERO_ERROR;
  n->impl_->words.reset(icu::BreakIterator::createWordInstance(icu::Locale::getRoot(), status));
  if (U_FAILURE(status) || !n->impl_->words) {
    return NotFound(std::string("detect: ICU word break rules not available: ") +
                    u_errorName(status));
  }
  return n;
}

namespace {

bool IsApostrophe(UChar32 c) { return c == '\'' || c == 0x2019 || c == 0x02BC; }

// Drops elided articles (l'avion, dell'Ucraina) and possessives (Kazakhstan's).
icu::UnicodeString StripElision(const icu::UnicodeString& w) {
  int32_t pos = -1;
  for (int32_t i = 0; i < w.length(); ++i) {
    if (IsApostrophe(w.charAt(i))) {
      pos = i;
      break;
    }
  }
  if (pos < 0) return w;
  int32_t rest = w.length() - pos - 1;
  if (rest <= 2 && pos >= 2) return w.tempSubString(0, pos);   // possessive 's, n't kept short
  if (pos <= 5 && rest >= 2) return w.tempSubString(pos + 1);  // elided article
  return w;
}

}  // namespace

std::string TextNormalizer::Fold(std::string_view text) const {
  icu::UnicodeString u = icu::UnicodeString::fromUTF8(
      icu::StringPiece(text.data(), static_cast<int32_t>(text.size())));
  UErrorCode status = U_ZERO_ERROR;
  icu::UnicodeString folded = impl_->nfkc_cf->normalize(u, status);
  std::string out;
  if (U_FAILURE(status)) return out;
  folded.toUTF8String(out);
  return out;
}

void TextNormalizer::Tokenize(std::string_view text, size_t max_tokens,
                              std::vector<Token>& out) const {
  if (text.empty() || max_tokens == 0) return;
  icu::UnicodeString u = icu::UnicodeString::fromUTF8(
      icu::StringPiece(text.data(), static_cast<int32_t>(text.size())));
  std::unique_ptr<icu::BreakIterator> it(impl_->words->clone());
  it->setText(u);
  size_t added = 0;
  bool sentence_start = true;
  int32_t start = it->first();
  for (int32_t end = it->next(); end != icu::BreakIterator::DONE; start = end, end = it->next()) {
    int32_t status_rule = it->getRuleStatus();
    if (status_rule == UBRK_WORD_NONE) {
      for (int32_t i = start; i < end; ++i) {
        UChar c = u.charAt(i);
        if (c == '.' || c == '!' || c == '?' || c == ':' || c == '\n' || c == 0x3002 ||
            c == 0x061F || c == 0x0964 || c == '|' || c == 0x2014) {
          sentence_start = true;
        }
      }
      if (!out.empty() && out.back().number && start < u.length() &&
          (u.charAt(start) == '%' ||
           (u.charAt(start) == ' ' && start + 1 < u.length() && u.charAt(start + 1) == '%'))) {
        out.back().percent = true;
      }
      continue;
    }
    icu::UnicodeString word = StripElision(u.tempSubString(start, end - start));
    if (word.isEmpty()) continue;
    Token t;
    UChar32 first = word.char32At(0);
    UErrorCode sc = U_ZERO_ERROR;
    t.script = static_cast<int>(uscript_getScript(first, &sc));
    t.number = status_rule >= UBRK_WORD_NUMBER && status_rule < UBRK_WORD_NUMBER_LIMIT;
    t.cased = u_hasBinaryProperty(first, UCHAR_CASED) != 0;
    t.capitalized = u_isupper(first) || u_istitle(first);
    int letters = 0, uppers = 0;
    for (int32_t i = 0; i < word.length();) {
      UChar32 c = word.char32At(i);
      if (u_isalpha(c)) {
        ++letters;
        if (u_isupper(c)) ++uppers;
      }
      i += U16_LENGTH(c);
    }
    t.all_caps = letters >= 2 && uppers == letters;
    t.sentence_initial = sentence_start;
    sentence_start = false;
    UErrorCode ns = U_ZERO_ERROR;
    icu::UnicodeString folded = impl_->nfkc_cf->normalize(word, ns);
    if (U_FAILURE(ns)) continue;
    folded.toUTF8String(t.text);
    if (t.text.empty()) continue;
    out.push_back(std::move(t));
    if (++added >= max_tokens) break;
  }
}

}  // namespace babelwatch::detect
