#include "detect/name_table.h"

#include <unicode/locid.h>
#include <unicode/strenum.h>
#include <unicode/timezone.h>
#include <unicode/tznames.h>
#include <unicode/uchar.h>
#include <unicode/unistr.h>

#include <set>
#include <unordered_map>
#include <unordered_set>

namespace babelwatch::detect {

namespace {

constexpr uint32_t kAmbiguous = UINT32_MAX;

size_t CodePoints(std::string_view s) {
  size_t n = 0;
  for (char c : s) n += (static_cast<unsigned char>(c) & 0xC0) != 0x80;
  return n;
}

// Drops the last n code points of UTF-8 `s`.
std::string DropLast(std::string_view s, size_t n) {
  size_t end = s.size();
  while (n > 0 && end > 0) {
    --end;
    while (end > 0 && (static_cast<unsigned char>(s[end]) & 0xC0) == 0x80) --end;
    --n;
  }
  return std::string(s.substr(0, end));
}

// True when the last code point of `s` is a vowel-like ending that inflection replaces.
bool EndsInVowel(std::string_view s) {
  icu::UnicodeString u =
      icu::UnicodeString::fromUTF8(icu::StringPiece(s.data(), static_cast<int32_t>(s.size())));
  if (u.isEmpty()) return false;
  UChar32 c = u.char32At(u.moveIndex32(u.length(), -1));
  static const std::u32string vowels = U"aeiouyаеёиоуыэюяіїєьй";
  return vowels.find(static_cast<char32_t>(c)) != std::u32string::npos;
}

// Ukrainian turns o and e of a closed last syllable into і (ї after a vowel) and back when an
// ending opens it: Київ / Києва, Львів / Львові, Харків / Харкова. For a name ending in
// a consonant whose last vowel is і or ї, the stems its oblique cases are built on.
std::vector<std::string> UkrainianObliqueStems(const std::string& name) {
  std::u32string u;
  icu::UnicodeString us =
      icu::UnicodeString::fromUTF8(icu::StringPiece(name.data(), static_cast<int32_t>(name.size())));
  for (int32_t i = 0; i < us.length(); i = us.moveIndex32(i, 1)) {
    u.push_back(static_cast<char32_t>(us.char32At(i)));
  }
  static const std::u32string vowels = U"аеєиіїоуюяь";
  if (u.size() < 4 || vowels.find(u.back()) != std::u32string::npos) return {};
  size_t v = u.size() - 1;
  while (v > 0 && vowels.find(u[v]) == std::u32string::npos) --v;
  if (v == 0 || v + 1 >= u.size()) return {};
  std::vector<char32_t> replacements;
  if (u[v] == U'і') replacements = {U'о', U'е'};
  if (u[v] == U'ї') replacements = {U'є'};
  std::vector<std::string> out;
  for (char32_t r : replacements) {
    std::u32string variant = u;
    variant[v] = r;
    icu::UnicodeString vs;
    for (char32_t c : variant) vs.append(static_cast<UChar32>(c));
    std::string utf8;
    vs.toUTF8String(utf8);
    out.push_back(std::move(utf8));
  }
  return out;
}

}  // namespace

struct NameTable::Impl {
  std::vector<std::string> concepts;
  // "lang\x1fname words" -> concept index (kAmbiguous when two concepts share it).
  std::unordered_map<std::string, uint32_t> exact;
  // "lang\x1fname without final vowel" -> concept index, single-word names of 5+ letters.
  std::unordered_map<std::string, uint32_t> stems;
  std::unordered_set<std::string> langs;
  size_t locales = 0;

  void Put(std::unordered_map<std::string, uint32_t>& map, std::string key, uint32_t concept_id) {
    auto [it, inserted] = map.emplace(std::move(key), concept_id);
    if (!inserted && it->second != concept_id) it->second = kAmbiguous;
  }

  void Add(const TextNormalizer& norm, const std::string& lang, const icu::UnicodeString& name,
           uint32_t concept_id) {
    std::string utf8;
    name.toUTF8String(utf8);
    std::vector<Token> toks;
    norm.Tokenize(utf8, 4, toks);
    if (toks.empty() || toks.size() > 3) return;
    std::string joined;
    for (const auto& t : toks) {
      if (t.number) return;
      if (!joined.empty()) joined.push_back(' ');
      joined += t.text;
    }
    if (CodePoints(joined) < 3) return;
    Put(exact, lang + '\x1f' + joined, concept_id);
    if (toks.size() == 1 && CodePoints(joined) >= 5 && EndsInVowel(joined)) {
      Put(stems, lang + '\x1f' + DropLast(joined, 1), concept_id);
    }
    if (toks.size() == 1 && lang == "uk") {
      for (const std::string& oblique : UkrainianObliqueStems(joined)) {
        Put(stems, lang + '\x1f' + oblique, concept_id);
      }
    }
  }

  uint32_t Find(const std::unordered_map<std::string, uint32_t>& map,
                const std::string& key) const {
    auto it = map.find(key);
    return it == map.end() ? kAmbiguous : it->second;
  }
};

NameTable::NameTable() : impl_(std::make_unique<Impl>()) {}
NameTable::~NameTable() = default;

Result<std::unique_ptr<NameTable>> NameTable::Create(const TextNormalizer& norm) {
  std::unique_ptr<NameTable> table(new NameTable());
  Impl& im = *table->impl_;
  int32_t count = 0;
  const icu::Locale* locales = icu::Locale::getAvailableLocales(count);
  std::set<std::string> langs;
  for (int32_t i = 0; i < count; ++i) {
    const icu::Locale& l = locales[i];
    if (l.getCountry()[0] == '\0' && l.getScript()[0] == '\0' && l.getVariant()[0] == '\0') {
      langs.insert(l.getLanguage());
    }
  }
  if (langs.empty()) return NotFound("detect: ICU has no CLDR locales (libicu data missing)");

  // Concepts: countries first (they win a collision with a city or a language).
  std::vector<std::pair<std::string, std::string>> countries;  // code, concept
  for (const char* const* cc = icu::Locale::getISOCountries(); *cc != nullptr; ++cc) {
    countries.emplace_back(*cc, std::string("c:") + *cc);
  }
  std::vector<std::string> zones;
  UErrorCode status = U_ZERO_ERROR;
  std::unique_ptr<icu::StringEnumeration> zenum(icu::TimeZone::createTimeZoneIDEnumeration(
      UCAL_ZONE_TYPE_CANONICAL_LOCATION, nullptr, nullptr, status));
  if (U_SUCCESS(status) && zenum) {
    const icu::UnicodeString* id;
    while ((id = zenum->snext(status)) != nullptr && U_SUCCESS(status)) {
      std::string s;
      id->toUTF8String(s);
      zones.push_back(std::move(s));
    }
  }
  auto concept_index = [&](const std::string& key) {
    im.concepts.push_back(key);
    return static_cast<uint32_t>(im.concepts.size() - 1);
  };
  std::vector<uint32_t> country_ids, zone_ids, lang_ids;
  for (const auto& c : countries) country_ids.push_back(concept_index(c.second));
  for (const auto& z : zones) zone_ids.push_back(concept_index("z:" + z));
  std::vector<std::string> lang_list(langs.begin(), langs.end());
  for (const auto& l : lang_list) lang_ids.push_back(concept_index("l:" + l));

  for (const auto& lang : lang_list) {
    icu::Locale display(lang.c_str());
    ++im.locales;
    im.langs.insert(lang);
    for (size_t k = 0; k < countries.size(); ++k) {
      icu::UnicodeString name;
      icu::Locale("", countries[k].first.c_str()).getDisplayCountry(display, name);
      icu::UnicodeString code = icu::UnicodeString::fromUTF8(countries[k].first);
      if (name.isEmpty() || name == code) continue;
      im.Add(norm, lang, name, country_ids[k]);
    }
    status = U_ZERO_ERROR;
    std::unique_ptr<icu::TimeZoneNames> tzn(icu::TimeZoneNames::createInstance(display, status));
    if (U_SUCCESS(status) && tzn) {
      for (size_t k = 0; k < zones.size(); ++k) {
        icu::UnicodeString name;
        tzn->getExemplarLocationName(icu::UnicodeString::fromUTF8(zones[k]), name);
        if (name.isEmpty()) continue;
        im.Add(norm, lang, name, zone_ids[k]);
      }
    }
    for (size_t k = 0; k < lang_list.size(); ++k) {
      icu::UnicodeString name;
      icu::Locale(lang_list[k].c_str()).getDisplayLanguage(display, name);
      icu::UnicodeString code = icu::UnicodeString::fromUTF8(lang_list[k]);
      if (name.isEmpty() || name == code) continue;
      im.Add(norm, lang, name, lang_ids[k]);
    }
  }
  return table;
}

std::string NameTable::Match(const std::vector<Token>& tokens, size_t i, std::string_view lang,
                             size_t* length) const {
  *length = 0;
  if (i >= tokens.size()) return "";
  std::string prefix(lang);
  if (!impl_->langs.count(prefix)) prefix = "en";
  prefix.push_back('\x1f');
  // Longest multi-word name first.
  for (size_t n = 3; n >= 2; --n) {
    if (i + n > tokens.size()) continue;
    std::string key = prefix;
    for (size_t k = 0; k < n; ++k) {
      if (k) key.push_back(' ');
      key += tokens[i + k].text;
    }
    uint32_t c = impl_->Find(impl_->exact, key);
    if (c != kAmbiguous) {
      *length = n;
      return impl_->concepts[c];
    }
  }
  const std::string& w = tokens[i].text;
  uint32_t c = impl_->Find(impl_->exact, prefix + w);
  if (c == kAmbiguous) {
    size_t cps = CodePoints(w);
    for (size_t drop = 1; drop <= 3 && cps - drop >= 4 && cps > drop; ++drop) {
      std::string stem = DropLast(w, drop);
      c = impl_->Find(impl_->exact, prefix + stem);
      if (c != kAmbiguous) break;
      c = impl_->Find(impl_->stems, prefix + stem);
      if (c != kAmbiguous) break;
    }
  }
  if (c == kAmbiguous) return "";
  *length = 1;
  return impl_->concepts[c];
}

bool NameTable::HasLanguage(std::string_view lang) const {
  return impl_->langs.count(std::string(lang)) > 0;
}

NameTable::Stats NameTable::stats() const {
  return Stats{impl_->locales, impl_->exact.size(), impl_->concepts.size()};
}

}  // namespace babelwatch::detect
