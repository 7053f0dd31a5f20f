#include "detect/stemmer.h"

#include <libstemmer.h>

#include <map>
#include <mutex>
#include <vector>

namespace babelwatch::detect {

namespace {

// ISO 639-1 -> Snowball algorithm name (libstemmer 2.2).
const std::map<std::string, std::string, std::less<>>& SnowballNames() {
  static const auto* m = new std::map<std::string, std::string, std::less<>>{
      {"ar", "arabic"},     {"hy", "armenian"},   {"eu", "basque"},    {"ca", "catalan"},
      {"da", "danish"},     {"nl", "dutch"},      {"en", "english"},   {"fi", "finnish"},
      {"fr", "french"},     {"de", "german"},     {"el", "greek"},     {"hi", "hindi"},
      {"hu", "hungarian"},  {"id", "indonesian"}, {"ga", "irish"},     {"it", "italian"},
      {"lt", "lithuanian"}, {"ne", "nepali"},     {"no", "norwegian"}, {"nb", "norwegian"},
      {"pt", "portuguese"}, {"ro", "romanian"},   {"ru", "russian"},   {"sr", "serbian"},
      {"es", "spanish"},    {"sv", "swedish"},    {"ta", "tamil"},     {"tr", "turkish"},
      {"yi", "yiddish"},
  };
  return *m;
}

struct Snowball {
  std::mutex mu;
  sb_stemmer* stemmer = nullptr;  // GUARDED_BY(mu)
  ~Snowball() {
    if (stemmer) sb_stemmer_delete(stemmer);
  }
};

}  // namespace

struct Stemmer::Impl {
  std::map<std::string, std::unique_ptr<Snowball>, std::less<>> by_lang;  // constant
};

Stemmer::Stemmer() : impl_(std::make_unique<Impl>()) {}
Stemmer::~Stemmer() = default;

Result<std::unique_ptr<Stemmer>> Stemmer::Create() {
  std::unique_ptr<Stemmer> s(new Stemmer());
  const char** list = sb_stemmer_list();
  if (list == nullptr || list[0] == nullptr) {
    return NotFound("detect: libstemmer lists no Snowball algorithms");
  }
  for (const auto& [lang, name] : SnowballNames()) {
    sb_stemmer* st = sb_stemmer_new(name.c_str(), "UTF_8");
    if (st == nullptr) continue;  // this libstemmer lacks the language: words stay unstemmed
    auto sb = std::make_unique<Snowball>();
    sb->stemmer = st;
    s->impl_->by_lang.emplace(lang, std::move(sb));
  }
  return s;
}

size_t Stemmer::languages() const { return impl_->by_lang.size(); }

std::string Stemmer::Stem(std::string_view word, std::string_view lang) const {
  if (lang == "uk") return StemUkrainian(word);
  auto it = impl_->by_lang.find(lang);
  if (it == impl_->by_lang.end()) return std::string(word);
  std::lock_guard<std::mutex> lock(it->second->mu);
  const sb_symbol* out =
      sb_stemmer_stem(it->second->stemmer, reinterpret_cast<const sb_symbol*>(word.data()),
                      static_cast<int>(word.size()));
  if (out == nullptr) return std::string(word);  // out of memory inside libstemmer
  int len = sb_stemmer_length(it->second->stemmer);
  return std::string(reinterpret_cast<const char*>(out), static_cast<size_t>(len));
}

bool Stemmer::IsStopword(std::string_view word, std::string_view lang) const {
  return IsStopwordOf(word, lang);
}

std::string StemUkrainian(std::string_view word) {
  // Inflectional endings of Ukrainian nouns, adjectives and verbs, longest first.
  static const std::vector<std::string_view> kEndings = {
      "ськими", "ського", "ському", "ськими", "ськіх",  "ських", "ській", "ська",  "ське",
      "ський",  "ування", "ованих", "ованої", "ування", "ються", "ється", "ється", "лися",
      "ими",    "іми",    "ого",    "ому",    "ої",     "ами",   "ями",   "ові",   "еві",
      "єві",    "ах",     "ях",     "ів",     "їв",     "ою",    "ею",    "єю",    "ий",
      "ій",     "их",     "іх",     "им",     "ім",     "ом",    "ем",    "єм",    "ти",
      "ть",     "ла",     "ло",     "ли",     "ав",     "ів",    "а",     "я",     "у",
      "ю",      "і",      "ї",      "о",      "е",      "є",     "и",     "ь",     "й",
  };
  auto cps = [](std::string_view s) {
    size_t n = 0;
    for (char c : s) n += (static_cast<unsigned char>(c) & 0xC0) != 0x80;
    return n;
  };
  size_t total = cps(word);
  for (std::string_view e : kEndings) {
    if (word.size() > e.size() && word.substr(word.size() - e.size()) == e && total - cps(e) >= 3) {
      return std::string(word.substr(0, word.size() - e.size()));
    }
  }
  return std::string(word);
}

}  // namespace babelwatch::detect
