#include "bench/replay_corpus.h"

#include <algorithm>
#include <boost/json.hpp>
#include <cmath>
#include <fstream>
#include <map>
#include <string_view>
#include <unordered_map>

namespace babelwatch::bench {

namespace {

constexpr double kPi = 3.14159265358979323846;
constexpr int64_t kDayMs = 24LL * 3600 * 1000;
constexpr size_t kMaxVocabulary = 5000;
constexpr size_t kFunctionWords = 30;  // most frequent words: not used as an event's topic
constexpr size_t kFamousNames = 300;   // names that recur across many events
constexpr size_t kSourcesPerLanguage = 30;

// splitmix64: small, fast and the same on every platform (std distributions are not).
struct Rng {
  uint64_t state;
  explicit Rng(uint64_t seed) : state(seed) {}
  uint64_t Next() {
    uint64_t z = (state += 0x9e3779b97f4a7c15ULL);
    z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
    z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
    return z ^ (z >> 31);
  }
  double Uniform() { return static_cast<double>(Next() >> 11) * 0x1.0p-53; }
  size_t Below(size_t n) { return n == 0 ? 0 : static_cast<size_t>(Next() % n); }
  bool Chance(double p) { return Uniform() < p; }
};

uint64_t Mix(uint64_t a, uint64_t b) { return Rng(a * 0x2545f4914f6cdd1dULL ^ b).Next(); }

// Index drawn from cumulative weights.
size_t Draw(const std::vector<double>& cdf, Rng& rng) {
  double u = rng.Uniform() * cdf.back();
  auto it = std::upper_bound(cdf.begin(), cdf.end(), u);
  return std::min(static_cast<size_t>(it - cdf.begin()), cdf.size() - 1);
}

std::vector<double> ZipfCdf(size_t n, double s) {
  std::vector<double> cdf(n);
  double sum = 0;
  for (size_t r = 0; r < n; ++r) cdf[r] = (sum += 1.0 / std::pow(static_cast<double>(r + 1), s));
  return cdf;
}

// --- Vocabulary -------------------------------------------------------------------------

// Decodes one UTF-8 code point at s[*i] and advances *i; invalid bytes decode as U+FFFD.
char32_t Decode(std::string_view s, size_t* i) {
  auto b = static_cast<unsigned char>(s[*i]);
  int len = b < 0x80 ? 1 : (b >> 5) == 6 ? 2 : (b >> 4) == 14 ? 3 : (b >> 3) == 30 ? 4 : 0;
  if (len == 0 || *i + static_cast<size_t>(len) > s.size()) {
    ++*i;
    return 0xFFFD;
  }
  char32_t cp = len == 1 ? b : b & (0x7F >> len);
  for (int k = 1; k < len; ++k) cp = (cp << 6) | (static_cast<unsigned char>(s[*i + k]) & 0x3F);
  *i += static_cast<size_t>(len);
  return cp;
}

bool IsLetter(char32_t c) {
  if (c < 0x80) return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z');
  if (c == 0xD7 || c == 0xF7 || c < 0xC0) return false;
  if (c >= 0x2000 && c <= 0x206F) return false;  // general punctuation
  if (c == 0x060C || c == 0x061B || c == 0x061F || (c >= 0x0660 && c <= 0x066D)) return false;
  return c != 0xFFFD;
}

bool IsUpper(char32_t c) {
  return (c >= 'A' && c <= 'Z') || (c >= 0xC0 && c <= 0xDE) || (c >= 0x400 && c <= 0x42F) ||
         c == 0x130 || c == 0x141 || c == 0x15A || c == 0x15E || c == 0x179 || c == 0x17B ||
         c == 0x11E;
}

// A lower-case word of 2+ letters with its surrounding punctuation removed, or "".
std::string_view ContentWord(std::string_view token) {
  std::vector<std::pair<size_t, char32_t>> cps;
  for (size_t i = 0; i < token.size();) {
    size_t at = i;
    cps.emplace_back(at, Decode(token, &i));
  }
  size_t a = 0, b = cps.size();
  while (a < b && !IsLetter(cps[a].second)) ++a;
  while (b > a && !IsLetter(cps[b - 1].second)) --b;
  if (b - a < 2 || IsUpper(cps[a].second)) return {};
  for (size_t k = a; k < b; ++k) {
    char32_t c = cps[k].second;
    if (!IsLetter(c) && c != '\'' && c != '-') return {};
  }
  size_t end = b < cps.size() ? cps[b].first : token.size();
  return token.substr(cps[a].first, end - cps[a].first);
}

void CountWords(std::string_view text, std::unordered_map<std::string, int>& counts) {
  size_t i = 0;
  while (i < text.size()) {
    while (i < text.size() && std::isspace(static_cast<unsigned char>(text[i]))) ++i;
    size_t start = i;
    while (i < text.size() && !std::isspace(static_cast<unsigned char>(text[i]))) ++i;
    std::string_view w = ContentWord(text.substr(start, i - start));
    if (!w.empty()) ++counts[std::string(w)];
  }
}

// Common Ukrainian news words (the shared sets hold no Ukrainian text), roughly by frequency.
constexpr std::string_view kUkrainian[] = {
    "і",
    "в",
    "на",
    "що",
    "з",
    "не",
    "до",
    "за",
    "та",
    "про",
    "як",
    "від",
    "це",
    "року",
    "під",
    "час",
    "після",
    "також",
    "україни",
    "уряд",
    "міста",
    "заявив",
    "президент",
    "війни",
    "області",
    "люди",
    "людей",
    "року",
    "сьогодні",
    "вчора",
    "міністр",
    "рішення",
    "питання",
    "країни",
    "влада",
    "закон",
    "виборів",
    "нових",
    "новий",
    "перший",
    "останній",
    "тисяч",
    "мільйонів",
    "гривень",
    "допомоги",
    "удару",
    "атаки",
    "ракети",
    "обстрілу",
    "загинули",
    "поранені",
    "рятувальники",
    "пожежа",
    "енергетики",
    "світла",
    "електрики",
    "води",
    "школи",
    "лікарні",
    "дітей",
    "переговори",
    "зустріч",
    "делегації",
    "угоду",
    "санкції",
    "економіки",
    "бюджету",
    "податки",
    "ціни",
    "зростання",
    "падіння",
    "банку",
    "інфляції",
    "компанії",
    "ринку",
    "експорту",
    "зерна",
    "порту",
    "армії",
    "військові",
    "фронту",
    "наступ",
    "оборони",
    "зброї",
    "партнери",
    "союзники",
    "європи",
    "заходу",
    "парламент",
    "депутати",
    "голосування",
    "суд",
    "вирок",
    "слідство",
    "поліція",
    "затримали",
    "корупції",
    "розслідування",
    "журналісти",
    "заява",
    "повідомили",
    "повідомляє",
    "джерела",
    "офіційно",
    "вперше",
    "знову",
    "понад",
    "близько",
    "майже",
    "лише",
    "вже",
    "ще",
    "дуже",
    "більше",
    "менше",
    "погоди",
    "морози",
    "снігу",
    "дощу",
    "спеки",
    "футболу",
    "матчу",
    "перемогу",
    "чемпіонату",
    "збірної",
    "тренера",
    "культури",
    "фестиваль",
    "виставки",
    "театру",
    "фільму",
    "книги",
    "науки",
    "дослідження",
    "університету",
    "студентів",
    "освіти",
    "медицини",
    "вакцини",
    "хвороби",
    "пацієнтів",
    "лікарів",
    "здоров'я",
    "транспорту",
    "поїздів",
    "літаків",
    "аеропорту",
    "дороги",
    "мосту",
    "кордону",
    "біженців",
    "евакуації",
    "відновлення",
    "будівництва",
    "житла",
    "енергії",
};

std::vector<std::string> UkrainianWords() {
  std::vector<std::string> out;
  for (std::string_view w : kUkrainian) {
    if (std::find(out.begin(), out.end(), w) == out.end()) out.emplace_back(w);
  }
  return out;
}

// Splits a word into its code points (as UTF-8 pieces).
std::vector<std::string_view> CodePoints(std::string_view w) {
  std::vector<std::string_view> out;
  for (size_t i = 0; i < w.size();) {
    size_t at = i;
    Decode(w, &i);
    out.push_back(w.substr(at, i - at));
  }
  return out;
}

// Appends pseudo-words (first half of one real word + second half of another) until words
// holds `size` distinct words; real words keep the top ranks.
void ExtendVocabulary(std::vector<std::string>& words, size_t size, uint64_t seed) {
  const size_t real = words.size();
  if (real < 2 || size <= real) return;
  std::unordered_map<std::string, bool> seen;
  for (const std::string& w : words) seen.emplace(w, true);
  Rng rng(seed);
  for (size_t tries = 0; words.size() < size && tries < size * 20; ++tries) {
    auto a = CodePoints(words[rng.Below(real)]);
    auto b = CodePoints(words[rng.Below(real)]);
    if (a.size() < 3 || b.size() < 3) continue;
    std::string w;
    for (size_t k = 0; k < (a.size() + 1) / 2; ++k) w += a[k];
    for (size_t k = b.size() / 2; k < b.size(); ++k) w += b[k];
    if (seen.emplace(w, true).second) words.push_back(std::move(w));
  }
}

// --- Names in three scripts --------------------------------------------------------------

constexpr std::string_view kConsonants = "bdgklmnprstvz";
constexpr std::string_view kVowels = "aeiou";

std::string LatinName(Rng& rng) {
  std::string s;
  size_t syllables = 2 + rng.Below(2);
  for (size_t k = 0; k < syllables; ++k) {
    s += kConsonants[rng.Below(kConsonants.size())];
    s += kVowels[rng.Below(kVowels.size())];
    if (rng.Chance(0.3)) s += kConsonants[rng.Below(kConsonants.size())];
  }
  s[0] = static_cast<char>(s[0] - 'a' + 'A');
  return s;
}

// Renders a lower-case Latin name (letters of kConsonants and kVowels) in the script of
// `lang`, as a newspaper would transliterate it.
std::string Render(const std::string& latin, const std::string& lang, int script) {
  static const std::map<char, std::string_view> kCyrillic = {
      {'a', "а"}, {'b', "б"}, {'d', "д"}, {'e', "е"}, {'g', "г"}, {'i', "и"},
      {'k', "к"}, {'l', "л"}, {'m', "м"}, {'n', "н"}, {'o', "о"}, {'p', "п"},
      {'r', "р"}, {'s', "с"}, {'t', "т"}, {'u', "у"}, {'v', "в"}, {'z', "з"}};
  static const std::map<char, std::string_view> kCyrillicUpper = {
      {'a', "А"}, {'b', "Б"}, {'d', "Д"}, {'e', "Е"}, {'g', "Г"}, {'i', "І"},
      {'k', "К"}, {'l', "Л"}, {'m', "М"}, {'n', "Н"}, {'o', "О"}, {'p', "П"},
      {'r', "Р"}, {'s', "С"}, {'t', "Т"}, {'u', "У"}, {'v', "В"}, {'z', "З"}};
  static const std::map<char, std::string_view> kArabic = {
      {'a', "ا"}, {'b', "ب"}, {'d', "د"}, {'e', ""},  {'g', "غ"}, {'i', "ي"},
      {'k', "ك"}, {'l', "ل"}, {'m', "م"}, {'n', "ن"}, {'o', "و"}, {'p', "ب"},
      {'r', "ر"}, {'s', "س"}, {'t', "ت"}, {'u', "و"}, {'v', "ف"}, {'z', "ز"}};
  if (script == 0) return latin;
  std::string out;
  for (size_t k = 0; k < latin.size(); ++k) {
    char c = static_cast<char>(std::tolower(static_cast<unsigned char>(latin[k])));
    if (script == 1) {
      if (c == 'i' && lang == "uk") {
        out += k == 0 ? "І" : "і";
      } else {
        out += k == 0 ? kCyrillicUpper.at(c) : kCyrillic.at(c);
      }
    } else {
      out += kArabic.at(c);
    }
  }
  return out;
}

struct Event {
  int home_lang = 0;
  int64_t end_ms = 0;
  double weight = 1;
  uint64_t seed = 0;
  std::vector<std::string> names;  // Latin spelling
  std::string number;
  int64_t last_item = -1;
};

}  // namespace

Result<ReplayCorpus> ReplayCorpus::Load(const std::vector<std::string>& jsonl_paths,
                                        const CorpusOptions& options) {
  if (options.window_docs == 0 || options.window_ms <= 0) {
    return InvalidArgument("replay corpus: window_docs and window_ms must be > 0");
  }
  // Shares of the stream per language (a national-feeds mix).
  const std::vector<std::pair<std::string, double>> shares = {
      {"en", 0.28}, {"de", 0.10}, {"fr", 0.09}, {"es", 0.09}, {"ru", 0.09}, {"uk", 0.06},
      {"pl", 0.06}, {"ar", 0.08}, {"tr", 0.07}, {"it", 0.04}, {"nl", 0.04}};
  std::map<std::string, std::unordered_map<std::string, int>> counts;
  for (const std::string& path : jsonl_paths) {
    std::ifstream in(path);
    if (!in) continue;
    std::string line;
    while (std::getline(in, line)) {
      boost::system::error_code ec;
      auto v = boost::json::parse(line, ec);
      if (ec || !v.is_object()) continue;
      const auto& o = v.get_object();
      auto str = [&](const char* k) {
        auto it = o.find(k);
        return it != o.end() && it->value().is_string() ? std::string(it->value().get_string())
                                                        : std::string();
      };
      if (o.contains("lang1")) {
        CountWords(str("text1"), counts[str("lang1")]);
        CountWords(str("text2"), counts[str("lang2")]);
      } else {
        CountWords(str("title") + " " + str("text"), counts[str("lang")]);
      }
    }
  }
  ReplayCorpus c;
  c.options_ = options;
  for (const auto& [code, share] : shares) {
    Language l;
    l.code = code;
    l.share = share;
    l.script = code == "ru" || code == "uk" ? 1 : code == "ar" ? 2 : 0;
    if (code == "uk") {
      l.words = UkrainianWords();
    } else {
      std::vector<std::pair<int, std::string>> ranked;
      for (const auto& [w, n] : counts[code]) ranked.emplace_back(-n, w);
      std::sort(ranked.begin(), ranked.end());
      for (size_t k = 0; k < ranked.size() && k < kMaxVocabulary; ++k) {
        l.words.push_back(ranked[k].second);
      }
    }
    if (l.words.size() < kFunctionWords + 20) continue;  // too little text for this language
    ExtendVocabulary(l.words, options.vocabulary, Mix(options.seed, 3 + c.langs_.size()));
    l.cdf = ZipfCdf(l.words.size(), 1.0);
    c.langs_.push_back(std::move(l));
  }
  if (c.langs_.empty()) {
    return NotFound(
        "replay corpus: no vocabulary in the given JSONL files (is the shared dir "
        "right?)");
  }
  return c;
}

std::string ReplayCorpus::Describe() const {
  std::string s;
  for (const Language& l : langs_) {
    s += (s.empty() ? "" : " ") + l.code + ":" + std::to_string(l.words.size());
  }
  return s;
}

std::vector<Item> ReplayCorpus::Generate(size_t n) const {
  Rng rng(Mix(options_.seed, 1));
  std::vector<double> lang_cdf;
  double acc = 0;
  for (const Language& l : langs_) lang_cdf.push_back(acc += l.share);
  std::vector<std::string> famous;
  {
    Rng names(Mix(options_.seed, 2));
    for (size_t k = 0; k < kFamousNames; ++k) famous.push_back(LatinName(names));
  }
  const std::vector<double> famous_cdf = ZipfCdf(famous.size(), 1.0);
  const std::vector<double> source_cdf = ZipfCdf(kSourcesPerLanguage, 0.8);

  std::vector<Event> active;
  std::vector<Item> items;
  items.reserve(n);
  const double mean_gap_ms =
      static_cast<double>(options_.window_ms) / static_cast<double>(options_.window_docs);
  double t = static_cast<double>(options_.start_ms);
  uint64_t next_event = 1;

  auto new_event = [&](int64_t now) {
    Event e;
    e.seed = Mix(options_.seed, 1000 + next_event++);
    Rng er(e.seed);
    e.home_lang = static_cast<int>(Draw(lang_cdf, er));
    e.end_ms = now + static_cast<int64_t>(1.8e6 - std::log(1 - er.Uniform()) * 8 * 3.6e6);
    e.weight = std::min(50.0, 1.0 / std::pow(1 - er.Uniform(), 1 / 1.5));
    e.names.push_back(LatinName(er));
    if (er.Chance(0.6)) e.names.push_back(LatinName(er));
    if (er.Chance(0.5)) e.names.push_back(famous[Draw(famous_cdf, er)]);
    if (er.Chance(0.2)) {
      e.number = std::to_string(2 + er.Below(97)) + "%";
    } else if (er.Chance(0.5)) {
      size_t v = 100 + er.Below(99900);
      if (v >= 1900 && v <= 2100) v += 300;  // not a year
      e.number = std::to_string(v);
    }
    return e;
  };

  for (size_t i = 0; i < n; ++i) {
    // Poisson arrivals, busier by day than by night.
    double rate = 1 + 0.5 * std::sin(2 * kPi * (t - static_cast<double>(options_.start_ms)) /
                                     static_cast<double>(kDayMs));
    t += -std::log(1 - rng.Uniform()) * mean_gap_ms / rate;
    const auto now = static_cast<int64_t>(t);

    Event single;
    Event* ev = nullptr;
    if (rng.Chance(options_.single_share)) {
      single = new_event(now);
      ev = &single;
    } else {
      if (!rng.Chance(options_.new_event_share)) {
        for (int tries = 0; tries < 64 && !active.empty() && ev == nullptr; ++tries) {
          size_t k = rng.Below(active.size());
          if (active[k].end_ms < now) {
            active[k] = std::move(active.back());
            active.pop_back();
          } else if (rng.Uniform() * 50 < active[k].weight) {
            ev = &active[k];
          }
        }
      }
      if (ev == nullptr) {
        active.push_back(new_event(now));
        ev = &active.back();
      }
    }

    Item item;
    item.id = "gen-" + std::to_string(i);
    item.published_ms = now;
    if (ev->last_item >= 0 && rng.Chance(options_.syndicated_share)) {
      const Item& orig = items[static_cast<size_t>(ev->last_item)];
      item.title = orig.title;
      item.text = orig.text;
      item.lang_hint = orig.lang_hint;
      item.source = "wire-copy-" + std::to_string(Draw(source_cdf, rng));
    } else {
      size_t li = rng.Chance(0.55) ? static_cast<size_t>(ev->home_lang) : Draw(lang_cdf, rng);
      const Language& lang = langs_[li];
      // The event's topic words in this language: fixed per (event, language).
      std::vector<const std::string*> topic;
      {
        Rng tr(Mix(ev->seed, li));
        for (int k = 0; k < 8; ++k) {
          size_t r = std::min(lang.words.size() - 1, kFunctionWords + Draw(lang.cdf, tr));
          topic.push_back(&lang.words[r]);
        }
      }
      auto sentence = [&](size_t len, size_t names, bool number, size_t topics) {
        std::vector<std::string> w;
        for (size_t k = 0; k < names && !ev->names.empty(); ++k) {
          w.push_back(Render(ev->names[rng.Below(ev->names.size())], lang.code, lang.script));
        }
        if (number && !ev->number.empty()) w.push_back(ev->number);
        for (size_t k = 0; k < topics; ++k) w.push_back(*topic[rng.Below(topic.size())]);
        while (w.size() < len) w.push_back(lang.words[Draw(lang.cdf, rng)]);
        for (size_t k = w.size(); k > 1; --k) std::swap(w[k - 1], w[rng.Below(k)]);
        std::string s;
        for (const std::string& x : w) s += (s.empty() ? "" : " ") + x;
        if (lang.script == 0 && !s.empty() && s[0] >= 'a' && s[0] <= 'z') {
          s[0] = static_cast<char>(s[0] - 'a' + 'A');
        }
        return s;
      };
      item.lang_hint = lang.code;
      item.title = sentence(6 + rng.Below(6), 1 + rng.Below(2), rng.Chance(0.25), 2 + rng.Below(3));
      if (!rng.Chance(options_.empty_text_share)) {
        size_t sentences = 1 + rng.Below(3);
        for (size_t k = 0; k < sentences; ++k) {
          item.text += (k ? " " : "") +
                       sentence(8 + rng.Below(11), rng.Below(3), k == 0 && rng.Chance(0.5),
                                2 + rng.Below(3)) +
                       ".";
        }
      }
      item.source = "src-" + lang.code + "-" + std::to_string(Draw(source_cdf, rng));
    }
    item.url = "https://" + item.source + ".example/" + std::to_string(i);
    ev->last_item = static_cast<int64_t>(i);
    items.push_back(std::move(item));
  }
  return items;
}

}  // namespace babelwatch::bench
