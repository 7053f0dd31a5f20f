#include "detect/transliterator.h"

#include <unicode/translit.h>
#include <unicode/unistr.h>

#include <map>
#include <mutex>
#include <span>
#include <unordered_map>

namespace babelwatch::detect {

namespace {

// Languages with a BGN/PCGN romanisation in ICU 72, by ISO 639-1 code.
const std::map<std::string, std::string, std::less<>>& BgnChains() {
  static const auto* m = new std::map<std::string, std::string, std::less<>>{
      {"ru", "Russian-Latin/BGN"},    {"uk", "Ukrainian-Latin/BGN"},
      {"be", "Belarusian-Latin/BGN"}, {"bg", "Bulgarian-Latin/BGN"},
      {"sr", "Serbian-Latin/BGN"},    {"mk", "Macedonian-Latin/BGN"},
      {"kk", "Kazakh-Latin/BGN"},     {"ky", "Kirghiz-Latin/BGN"},
      {"mn", "Mongolian-Latin/BGN"},  {"el", "Greek-Latin/BGN"},
      {"ar", "Arabic-Latin/BGN"},     {"fa", "Persian-Latin/BGN"},
      {"he", "Hebrew-Latin/BGN"},     {"hy", "Armenian-Latin/BGN"},
      {"ka", "Georgian-Latin/BGN"},   {"az", "Azerbaijani-Latin/BGN"},
      {"uz", "Uzbek-Latin/BGN"},      {"ps", "Pashto-Latin/BGN"},
  };
  return *m;
}

constexpr size_t kCacheLimit = 200000;  // entries; ~20 MB at worst, cleared when reached

}  // namespace

struct Transliterator::Impl {
  std::mutex mu;
  std::unique_ptr<icu::Transliterator> generic;  // GUARDED_BY(mu)
  std::map<std::string, std::unique_ptr<icu::Transliterator>, std::less<>>
      by_lang;                                         // GUARDED_BY(mu)
  std::unordered_map<std::string, std::string> cache;  // GUARDED_BY(mu)
};

Transliterator::Transliterator() : impl_(std::make_unique<Impl>()) {}
Transliterator::~Transliterator() = default;

Result<std::unique_ptr<Transliterator>> Transliterator::Create() {
  std::unique_ptr<Transliterator> t(new Transliterator());
  UErrorCode status = U_ZERO_ERROR;
  t->impl_->generic.reset(
      icu::Transliterator::createInstance("Any-Latin; Latin-ASCII", UTRANS_FORWARD, status));
  if (U_FAILURE(status) || !t->impl_->generic) {
    return NotFound(std::string("detect: ICU transliterator \"Any-Latin; Latin-ASCII\" not "
                                "available: ") +
                    u_errorName(status));
  }
  for (const auto& [lang, id] : BgnChains()) {
    status = U_ZERO_ERROR;
    std::string chain = id + "; Any-Latin; Latin-ASCII";
    std::unique_ptr<icu::Transliterator> tr(icu::Transliterator::createInstance(
        icu::UnicodeString::fromUTF8(chain), UTRANS_FORWARD, status));
    if (U_SUCCESS(status) && tr) t->impl_->by_lang.emplace(lang, std::move(tr));
    // A missing BGN chain is not fatal: that language falls back to Any-Latin.
  }
  return t;
}

std::string Transliterator::ToAscii(std::string_view word, std::string_view lang) const {
  bool ascii = true;
  for (char c : word) {
    if (static_cast<unsigned char>(c) >= 0x80) {
      ascii = false;
      break;
    }
  }
  std::string raw;
  if (ascii) {
    raw.assign(word);
  } else {
    std::string key;
    key.reserve(lang.size() + 1 + word.size());
    key.append(lang).push_back('\x1f');
    key.append(word);
    std::lock_guard<std::mutex> lock(impl_->mu);
    auto hit = impl_->cache.find(key);
    if (hit != impl_->cache.end()) return hit->second;
    icu::UnicodeString u = icu::UnicodeString::fromUTF8(
        icu::StringPiece(word.data(), static_cast<int32_t>(word.size())));
    auto it = impl_->by_lang.find(lang);
    (it != impl_->by_lang.end() ? it->second : impl_->generic)->transliterate(u);
    u.toUTF8String(raw);
    std::string out;
    for (char c : raw) {
      if (c >= 'A' && c <= 'Z')
        out.push_back(static_cast<char>(c - 'A' + 'a'));
      else if ((c >= 'a' && c <= 'z') || (c >= '0' && c <= '9'))
        out.push_back(c);
    }
    if (impl_->cache.size() >= kCacheLimit) impl_->cache.clear();
    impl_->cache.emplace(std::move(key), out);
    return out;
  }
  std::string out;
  for (char c : raw) {
    if (c >= 'A' && c <= 'Z')
      out.push_back(static_cast<char>(c - 'A' + 'a'));
    else if ((c >= 'a' && c <= 'z') || (c >= '0' && c <= '9'))
      out.push_back(c);
  }
  return out;
}

namespace {

void ReplaceAll(std::string& s, std::string_view from, std::string_view to) {
  size_t pos = 0;
  while ((pos = s.find(from, pos)) != std::string::npos) {
    s.replace(pos, from.size(), to);
    pos += to.size();
  }
}

// One spelling rule: every `from` becomes `to`, applied in table order.
struct Respelling {
  std::string_view from;
  std::string_view to;
};

// Upper-case letters are internal classes: C = the "ch" of church (ч), H = the "ch" of
// Bach (х), S = the "sh"/"zh" sibilants (ш, ж, щ).
constexpr Respelling kGerman[] = {{"tsch", "C"}, {"sch", "S"}, {"ch", "H"}};
constexpr Respelling kFrench[] = {{"tch", "C"}, {"ch", "S"}, {"ou", "u"}, {"j", "S"}};
constexpr Respelling kDutch[] = {{"tsj", "C"}, {"sj", "S"}, {"zj", "S"}, {"ch", "H"}, {"oe", "u"}};
constexpr Respelling kItalian[] = {{"sci", "S"}, {"sce", "Se"}, {"ci", "C"},
                                   {"ce", "Ce"}, {"gh", "g"},   {"ch", "k"}};
constexpr Respelling kPolish[] = {{"cz", "C"}, {"sz", "S"}, {"rz", "S"}, {"ch", "H"}, {"w", "v"}};
constexpr Respelling kSpanish[] = {{"ch", "C"}, {"j", "H"}};
// Latin-ASCII has already turned ç/ş into c/s; Turkish c is the English j.
constexpr Respelling kTurkish[] = {{"c", "i"}};
// English and the BGN romanisations of Cyrillic, Greek, Arabic, ...
constexpr Respelling kGeneric[] = {
    {"shch", "S"}, {"sh", "S"}, {"zh", "S"}, {"kh", "H"}, {"ch", "C"}};
// After the language's own rules, for every language.
constexpr Respelling kCommon[] = {{"ph", "f"}, {"th", "t"}, {"ck", "k"}, {"qu", "k"}, {"x", "ks"}};

std::span<const Respelling> RespellingsFor(std::string_view lang) {
  if (lang == "de") return kGerman;
  if (lang == "fr") return kFrench;
  if (lang == "nl") return kDutch;
  if (lang == "it") return kItalian;
  if (lang == "pl") return kPolish;
  if (lang == "es") return kSpanish;
  if (lang == "tr") return kTurkish;
  return kGeneric;
}

void Respell(std::string& s, std::span<const Respelling> rules) {
  for (const Respelling& r : rules) ReplaceAll(s, r.from, r.to);
}

}  // namespace

std::string PhoneticSkeleton(std::string_view ascii, std::string_view lang) {
  std::string s(ascii);
  Respell(s, RespellingsFor(lang));
  Respell(s, kCommon);
  std::string out;
  out.reserve(s.size());
  for (char c : s) {
    char m = c;
    switch (c) {
      case 'w':
        m = 'v';
        break;
      case 'y':
      case 'j':
        m = 'i';
        break;
      case 'z':
      case 'S':
        m = 's';
        break;
      case 'q':
      case 'c':
        m = 'k';
        break;
      case 'C':
        m = 'c';
        break;
      case 'H':
      case 'g':
        // Ukrainian and Belarusian г is h (Shmyhal, Kharkiv, Pryhozhyn), Russian г is g
        // (Shmygal, Prigozhin): one letter for both, so the three spellings meet.
        m = 'h';
        break;
      default:
        break;
    }
    if (!out.empty() && out.back() == m) continue;  // doubled letters
    out.push_back(m);
  }
  return out;
}

std::string ConsonantSkeleton(std::string_view phonetic) {
  std::string out;
  for (size_t i = 0; i < phonetic.size(); ++i) {
    char c = phonetic[i];
    bool vowel = c == 'a' || c == 'e' || c == 'i' || c == 'o' || c == 'u' || c == 'v';
    // 'v' is the skeleton of both v and w; between or after vowels it is a long vowel in
    // abjad romanisations, so only a word-initial or pre-vowel v counts as a consonant.
    if (c == 'v' &&
        (i == 0 || (i + 1 < phonetic.size() && phonetic[i + 1] != 'v' &&
                    std::string_view("aeiou").find(phonetic[i + 1]) != std::string_view::npos))) {
      vowel = false;
    }
    if (i == 0 || !vowel) {
      if (!out.empty() && out.back() == c) continue;
      out.push_back(c);
    }
  }
  return out;
}

}  // namespace babelwatch::detect
