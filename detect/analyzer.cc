#include "detect/analyzer.h"

#include <unicode/uscript.h>
#include <xxhash.h>

#include <algorithm>
#include <chrono>
#include <cmath>
#include <unordered_map>

#include "detect/boilerplate.h"
#include "detect/language_id.h"
#include "detect/name_table.h"
#include "detect/stemmer.h"
#include "detect/text_normalizer.h"
#include "detect/transliterator.h"

namespace babelwatch::detect {

namespace {

constexpr size_t kMaxTitleTokens = 64;
constexpr size_t kMaxTextBytes = 64 * 1024;  // longer texts are cut (bounded work per item)
constexpr size_t kMaxShingles = 2000;

uint64_t Hash(std::string_view s) { return XXH64(s.data(), s.size(), 0x62776174ULL); }

size_t CodePoints(std::string_view s) {
  size_t n = 0;
  for (char c : s) n += (static_cast<unsigned char>(c) & 0xC0) != 0x80;
  return n;
}

bool IsYear(std::string_view digits) {
  if (digits.size() != 4) return false;
  int v = std::atoi(std::string(digits).c_str());
  return v >= 1900 && v <= 2099;
}

// Scripts written without spaces, where a single character is a word.
bool IsIdeographic(int script) {
  return script == USCRIPT_HAN || script == USCRIPT_HIRAGANA || script == USCRIPT_KATAKANA ||
         script == USCRIPT_HANGUL || script == USCRIPT_THAI;
}

}  // namespace

struct Analyzer::Impl {
  AnalyzerParams params;
  std::unique_ptr<TextNormalizer> norm;
  std::unique_ptr<Transliterator> translit;
  std::unique_ptr<NameTable> names;
  std::unique_ptr<Stemmer> stemmer;
  ResourceStats stats;
};

Analyzer::Analyzer() : impl_(std::make_unique<Impl>()) {}
Analyzer::~Analyzer() = default;

Result<std::unique_ptr<Analyzer>> Analyzer::Create(const AnalyzerParams& params) {
  auto t0 = std::chrono::steady_clock::now();
  std::unique_ptr<Analyzer> a(new Analyzer());
  a->impl_->params = params;
  auto norm = TextNormalizer::Create();
  if (!norm) return norm.error();
  a->impl_->norm = std::move(*norm);
  auto tr = Transliterator::Create();
  if (!tr) return tr.error();
  a->impl_->translit = std::move(*tr);
  auto names = NameTable::Create(*a->impl_->norm);
  if (!names) return names.error();
  a->impl_->names = std::move(*names);
  auto st = Stemmer::Create();
  if (!st) return st.error();
  a->impl_->stemmer = std::move(*st);
  auto& s = a->impl_->stats;
  s.load_seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
  s.name_table_locales = a->impl_->names->stats().locales;
  s.name_table_names = a->impl_->names->stats().names;
  s.stemmer_languages = a->impl_->stemmer->languages();
  return a;
}

const Analyzer::ResourceStats& Analyzer::resource_stats() const { return impl_->stats; }

Doc Analyzer::Analyze(const Item& item) const {
  const AnalyzerParams& p = impl_->params;
  Doc doc;
  doc.id = item.id;
  doc.source = item.source;
  doc.url = item.url;
  doc.title = item.title;
  doc.published_ms = item.published_ms;

  std::string_view raw_text(item.text);
  if (raw_text.size() > kMaxTextBytes) raw_text = raw_text.substr(0, kMaxTextBytes);
  std::string_view raw_title(item.title);
  if (raw_title.size() > 4096) raw_title = raw_title.substr(0, 4096);
  if (raw_title.find_first_not_of(" \t\r\n") == std::string_view::npos) {
    // No headline (JSON Feed items may lack one; scraped pages carry it as the first line):
    // a headline-sized first line stands for it, so it weighs as a title and is not taken
    // for a label before the body.
    auto [headline, rest] = SplitLeadingHeadline(raw_text);
    if (!headline.empty()) {
      raw_title = headline;
      raw_text = rest;
      doc.title = std::string(headline);
    }
  }
  std::string body = CleanBoilerplate(raw_title, raw_text);

  std::string for_lang(raw_title);
  for_lang.push_back('\n');
  for_lang += body;
  LanguageGuess guess = IdentifyLanguage(for_lang, item.lang_hint);
  doc.lang = guess.lang.empty() ? "und" : guess.lang;
  doc.lang_from_hint = guess.from_hint;
  const std::string& lang = doc.lang;

  std::vector<Token> tokens;
  impl_->norm->Tokenize(raw_title, kMaxTitleTokens, tokens);
  size_t title_end = tokens.size();
  impl_->norm->Tokenize(body, static_cast<size_t>(p.max_body_tokens), tokens);

  std::unordered_map<uint64_t, float> terms;
  std::unordered_map<uint64_t, Key> keys;
  // `id` is what is hashed (and must agree across languages); `text` is the readable form.
  auto add_key = [&](const std::string& id, std::string text, KeyKind kind, float w) {
    uint64_t h = Hash(id);
    auto [it, inserted] = keys.try_emplace(h);
    if (inserted) {
      it->second.hash = h;
      it->second.kind = kind;
      it->second.text = std::move(text);
    } else if (kind != KeyKind::kInternational && it->second.kind == KeyKind::kInternational) {
      it->second.kind = kind;  // the same word seen as a name elsewhere is a name
    }
    it->second.weight += w;
  };

  std::vector<uint64_t> shingle_words;
  size_t abjad_tokens = 0;
  for (size_t i = 0; i < tokens.size(); ++i) {
    const Token& t = tokens[i];
    float zone = i < title_end ? p.title_weight
                               : (static_cast<int>(i - title_end) < p.lead_tokens ? p.lead_weight
                                                                                  : p.body_weight);
    uint64_t word_hash = Hash(t.text);
    shingle_words.push_back(word_hash);
    if (t.number) {
      std::string digits;
      for (char c : t.text) {
        if (c >= '0' && c <= '9') digits.push_back(c);
      }
      if (t.percent) {
        add_key("#" + digits + "%", digits + "%", KeyKind::kNumber, zone * p.number_weight);
      } else if (digits.size() >= 3 && !IsYear(digits)) {
        add_key("#" + digits, digits, KeyKind::kNumber, zone * p.number_weight);
      }
      continue;
    }
    size_t cps = CodePoints(t.text);
    bool ideographic = IsIdeographic(t.script);
    if (cps < 2 && !ideographic) continue;
    if (impl_->stemmer->IsStopword(t.text, lang)) continue;
    ++doc.content_tokens;
    std::string stem = impl_->stemmer->Stem(t.text, lang);
    std::string term_key = lang;
    term_key.push_back('\x1f');
    term_key += stem;
    terms[Hash(term_key)] += zone;

    // Language-neutral keys.
    bool name_like = (t.capitalized && !t.sentence_initial) || !t.cased ||
                     (t.capitalized && i < title_end) || t.all_caps;
    if (t.capitalized || !t.cased) {
      size_t len = 0;
      std::string concept_key = impl_->names->Match(tokens, i, lang, &len);
      if (!concept_key.empty() && !p.language_names && concept_key.rfind("l:", 0) == 0) {
        concept_key.clear();  // language names off: the word is an ordinary name below
        len = 0;
      }
      if (!concept_key.empty()) {
        add_key("x:" + concept_key, concept_key, KeyKind::kExonym, zone * p.exonym_weight);
        for (size_t k = 1; k < len; ++k) shingle_words.push_back(Hash(tokens[i + k].text));
        i += len - 1;
        continue;
      }
    }
    if (ideographic && cps < 2) continue;
    std::string_view word = t.text;
    // Arabic writes the article into the word (القاهرة, السيسي): keys go without it.
    if ((lang == "ar" || lang == "fa" || lang == "ur") && word.size() > 8 &&
        word.substr(0, 4) == "\u0627\u0644") {
      word.remove_prefix(4);
    }
    std::string ascii = impl_->translit->ToAscii(word, lang);
    std::string skeleton = PhoneticSkeleton(ascii, lang);
    if (skeleton.size() < 3) continue;
    // Abjad scripts write few vowels, so their words give only consonant keys; names in
    // other scripts give both, and meet them there (נתניהו, Netanyahu → "ntnh").
    bool abjad = t.script == USCRIPT_ARABIC || t.script == USCRIPT_HEBREW ||
                 t.script == USCRIPT_SYRIAC || t.script == USCRIPT_THAANA;
    abjad_tokens += abjad;
    if (p.consonant_keys && (abjad || name_like)) {
      std::string cons = ConsonantSkeleton(skeleton);
      if (cons.size() > p.key_prefix - 1) cons.resize(p.key_prefix - 1);
      if (cons.size() >= 3) {
        add_key("c:" + cons, ascii, KeyKind::kConsonant, zone * p.name_weight);
      }
      if (abjad) continue;
    }
    if (skeleton.size() > p.key_prefix) skeleton.resize(p.key_prefix);
    if (name_like) {
      add_key("n:" + skeleton, ascii, KeyKind::kName, zone * p.name_weight);
    } else if (cps >= p.min_international) {
      add_key("n:" + skeleton, ascii, KeyKind::kInternational, zone * p.international_weight);
    }
  }

  doc.abjad = abjad_tokens * 2 > static_cast<size_t>(doc.content_tokens);
  doc.terms.reserve(terms.size());
  for (const auto& [h, w] : terms) doc.terms.push_back(Feature{h, w});
  std::sort(doc.terms.begin(), doc.terms.end(),
            [](const Feature& a, const Feature& b) { return a.hash < b.hash; });
  doc.keys.reserve(keys.size());
  for (auto& [h, k] : keys) doc.keys.push_back(std::move(k));
  std::sort(doc.keys.begin(), doc.keys.end(),
            [](const Key& a, const Key& b) { return a.hash < b.hash; });
  doc.features.reserve(doc.keys.size() + doc.terms.size());
  for (const Key& k : doc.keys) doc.features.push_back(k.hash);
  for (const Feature& f : doc.terms) doc.features.push_back(f.hash);

  // Word 4-gram shingles for near-duplicate (syndication) detection.
  for (size_t i = 0; i + 4 <= shingle_words.size() && doc.shingles.size() < kMaxShingles; ++i) {
    uint64_t h = shingle_words[i];
    for (size_t k = 1; k < 4; ++k) h = h * 0x100000001b3ULL ^ shingle_words[i + k];
    doc.shingles.push_back(h);
  }
  std::sort(doc.shingles.begin(), doc.shingles.end());
  doc.shingles.erase(std::unique(doc.shingles.begin(), doc.shingles.end()), doc.shingles.end());
  return doc;
}

}  // namespace babelwatch::detect
