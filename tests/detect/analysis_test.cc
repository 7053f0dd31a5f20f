#include <catch2/catch.hpp>

#include "detect/analyzer.h"
#include "detect/boilerplate.h"
#include "detect/language_id.h"
#include "detect/name_table.h"
#include "detect/stemmer.h"
#include "detect/text_normalizer.h"
#include "detect/transliterator.h"

using namespace babelwatch;
using namespace babelwatch::detect;

namespace {

const TextNormalizer& Norm() {
  static auto* n = TextNormalizer::Create().value().release();
  return *n;
}

std::string NameKey(const Transliterator& t, std::string_view word, std::string_view lang) {
  std::string s = PhoneticSkeleton(t.ToAscii(Norm().Fold(word), lang), lang);
  if (s.size() > 5) s.resize(5);
  return s;
}

}  // namespace

TEST_CASE("TextNormalizer: casefolds, segments CJK and keeps case facts", "[detect][text]") {
  std::vector<Token> toks;
  Norm().Tokenize("Kazakhstan's ministry said 73% — 习近平在北京", 50, toks);
  REQUIRE(toks.size() >= 5);
  CHECK(toks[0].text == "kazakhstan");  // possessive dropped
  CHECK(toks[0].capitalized);
  CHECK(toks[0].sentence_initial);
  CHECK_FALSE(toks[1].capitalized);
  bool percent = false;
  for (const auto& t : toks) percent |= t.number && t.percent && t.text == "73";
  CHECK(percent);
  CHECK(toks.back().text != "习近平在北京");  // Han text is split into words
  CHECK_FALSE(toks.back().cased);
}

TEST_CASE("Transliterator: one name in three spellings meets", "[detect][text]") {
  auto t = Transliterator::Create().value();
  CHECK(NameKey(*t, "Смадияров", "ru") == NameKey(*t, "Smadiyarov", "en"));
  CHECK(NameKey(*t, "Смадіяров", "uk") == NameKey(*t, "Smadiyarov", "en"));
  CHECK(NameKey(*t, "Пригожин", "ru") == NameKey(*t, "Prigoschin", "de"));
  CHECK(NameKey(*t, "Prigojine", "fr") == NameKey(*t, "Prigozhin", "en"));
  CHECK(NameKey(*t, "Poetin", "nl") == NameKey(*t, "Putin", "en"));
  CHECK(NameKey(*t, "Μητσοτάκης", "el") == NameKey(*t, "Mitsotakis", "en"));
  CHECK(NameKey(*t, "Kasachstan", "de") == NameKey(*t, "Kazakhstan", "en"));
  CHECK(NameKey(*t, "Pyongyang", "en") != NameKey(*t, "Beijing", "en"));
  // Ukrainian г is h, Russian г is g: English spells Ukrainian names with h.
  CHECK(NameKey(*t, "Шмигаль", "uk") == NameKey(*t, "Shmyhal", "en"));
  CHECK(NameKey(*t, "Шмыгаль", "ru") == NameKey(*t, "Shmyhal", "en"));
  CHECK(NameKey(*t, "Пригожин", "uk") == NameKey(*t, "Prigozhin", "en"));
  CHECK(NameKey(*t, "Вагнер", "uk") == NameKey(*t, "Wagner", "de"));
  CHECK(NameKey(*t, "Чернігів", "uk") == NameKey(*t, "Чернигов", "ru"));
}

TEST_CASE("ConsonantSkeleton: vowel-less scripts meet vowelled spellings", "[detect][text]") {
  auto t = Transliterator::Create().value();
  auto cons = [&](std::string_view w, std::string_view lang) {
    std::string c = ConsonantSkeleton(PhoneticSkeleton(t->ToAscii(Norm().Fold(w), lang), lang));
    return c.substr(0, 4);
  };
  CHECK(cons("נתניהו", "he") == cons("Netanyahu", "en"));
  CHECK(cons("ماكرون", "ar") == cons("Macron", "en"));
}

TEST_CASE("NameTable: exonyms in any language map to one concept, inflected too",
          "[detect][names]") {
  auto table = NameTable::Create(Norm()).value();
  auto match = [&](std::string_view text, std::string_view lang) {
    std::vector<Token> toks;
    Norm().Tokenize(text, 10, toks);
    size_t len = 0;
    return table->Match(toks, 0, lang, &len);
  };
  CHECK(match("Russia", "en") == "c:RU");
  CHECK(match("Россия", "ru") == "c:RU");
  CHECK(match("Росія", "uk") == "c:RU");
  CHECK(match("Russland", "de") == "c:RU");
  CHECK(match("Казахстану", "uk") == "c:KZ");  // dative
  CHECK(match("Казахстана", "ru") == "c:KZ");  // genitive
  CHECK(match("Москве", "ru") == match("Moskau", "de"));
  CHECK(match("Kiew", "de") == match("Київ", "uk"));
  // Ukrainian oblique cases reopen the last syllable: Київ, Києва, у Києві.
  CHECK(match("Києва", "uk") == match("Kyiv", "en"));
  CHECK(match("Києві", "uk") == match("Kyiv", "en"));
  CHECK(match("United States", "en") == "c:US");
  CHECK(match("Россия", "de").empty());  // names match in their own language only
  CHECK(table->stats().locales > 100);
}

TEST_CASE("Stemmer: Snowball where it exists, suffix stripping for Ukrainian", "[detect][text]") {
  auto s = Stemmer::Create().value();
  CHECK(s->Stem("referendums", "en") == s->Stem("referendum", "en"));
  CHECK(s->Stem("референдумах", "ru") == s->Stem("референдум", "ru"));
  CHECK(StemUkrainian("референдумів") == StemUkrainian("референдум"));
  CHECK(StemUkrainian("Казахстану") == "Казахстан");
  CHECK(s->IsStopword("the", "en"));
  CHECK(s->IsStopword("не", "uk"));
  CHECK_FALSE(s->IsStopword("referendum", "en"));
  CHECK(s->Stem("xyz", "qq") == "xyz");  // unknown language: the word itself
}

TEST_CASE("IdentifyLanguage: CLD2 tells Ukrainian from Russian, the hint when unsure",
          "[detect][lang]") {
  auto uk = IdentifyLanguage(
      "Казахстан не визнає можливої анексії Росією захоплених територій України через "
      "проведення там так званих референдумів, заявило Міністерство закордонних справ.",
      "");
  CHECK(uk.lang == "uk");
  auto ru = IdentifyLanguage(
      "Министерство иностранных дел озвучило позицию Казахстана по прошедшим референдумам о "
      "присоединении к России квазигосударственных территорий.",
      "");
  CHECK(ru.lang == "ru");
  auto hinted = IdentifyLanguage("Xbox", "nl-NL");
  CHECK(hinted.lang == "nl");
  CHECK(hinted.from_hint);
  CHECK(IdentifyLanguage("", "").lang.empty());

  SECTION("a headline's declared language outweighs CLD2; a long text's does not") {
    auto fr = IdentifyLanguage("Test Alienware M16 : un PC portable gaming qui carbure au Ryzen",
                               "fr");
    CHECK(fr.lang == "fr");
    CHECK(fr.from_hint);
    auto de = IdentifyLanguage("\"Indiana Jones 5\": Harrison-Ford-Film droht riesiges Debakel",
                               "de");
    CHECK(de.lang == "de");
    auto en = IdentifyLanguage(
        "The central bank raised interest rates again on Thursday, saying inflation remained "
        "far above its target and that further increases could not be ruled out. Economists "
        "had expected the decision, although several warned that households with variable "
        "mortgages would feel the pressure for the rest of the year and into the next one.",
        "de");
    CHECK(en.lang == "en");
    CHECK_FALSE(en.from_hint);
  }
}

TEST_CASE("CleanBoilerplate: keeps the article, drops navigation and related links",
          "[detect][boilerplate]") {
  std::string text =
      "News Feed\n\n1 min read\n\n"
      "Kazakhstan's Foreign Ministry expressed its support for China's proposed peace plan.\n"
      "The plan does not mention the withdrawal of Russian troops from Ukraine.\n"
      "Restrictions tighten in 10th EU sanctions package against Russia\n"
      "Article image\nAvatar\nThe Kyiv Independent news desk\n"
      "Read more\nGerman Chancellor Friedrich Merz said the war will last a long time.\n";
  std::string clean = CleanBoilerplate("Kazakhstan expresses support", text);
  CHECK(clean.find("peace plan") != std::string::npos);
  CHECK(clean.find("withdrawal") != std::string::npos);
  CHECK(clean.find("News Feed") == std::string::npos);
  CHECK(clean.find("min read") == std::string::npos);
  CHECK(clean.find("Merz") == std::string::npos);
  CHECK(clean.find("sanctions package") == std::string::npos);

  SECTION("a single long paragraph mentioning 'subscribe' is text, not furniture") {
    std::string para(
        "Hungarian Prime Minister Viktor Orban said he is ready to start a new political "
        "platform in Europe if his Fidesz party is forced out, and urged voters to subscribe "
        "to a programme of reforms that he said would make the party stronger than ever "
        "before in its history and keep it at the centre of European politics for years.");
    CHECK(CleanBoilerplate("", para) == para);
  }
  SECTION("a headline-only item stays as it is") {
    CHECK(CleanBoilerplate("", "Prigozhin says Wagner forces entered Rostov") ==
          "Prigozhin says Wagner forces entered Rostov");
  }
}

TEST_CASE("SplitLeadingHeadline: a title-less item's first short line is its headline",
          "[detect][boilerplate]") {
  auto split = SplitLeadingHeadline(
      "\nJugendliche werfen Steine auf Busse – B.Z. Berlin\n"
      "Eine Gruppe Jugendlicher hat Sonntagnachmittag Steine auf zwei Busse geworfen.\n");
  CHECK(split.headline == "Jugendliche werfen Steine auf Busse – B.Z. Berlin");
  CHECK(split.rest.find("Eine Gruppe") == 0);

  SECTION("a single paragraph has no separate headline") {
    auto one = SplitLeadingHeadline("Prigozhin says Wagner forces entered Rostov");
    CHECK(one.headline.empty());
    CHECK(one.rest == "Prigozhin says Wagner forces entered Rostov");
  }
  SECTION("a long first paragraph is text, not a headline") {
    std::string para;
    for (int i = 0; i <= kMaxHeadlineWords; ++i) para += "word ";
    auto long_first = SplitLeadingHeadline(para + "\nSecond paragraph.");
    CHECK(long_first.headline.empty());
  }
  SECTION("furniture is not a headline") {
    CHECK(SplitLeadingHeadline("3 min read\nThe text.").headline.empty());
    CHECK(SplitLeadingHeadline("Read more\nThe text.").headline.empty());
  }
}

TEST_CASE("Analyzer: a title-less item's headline line weighs as a title", "[detect][analyzer]") {
  auto a = Analyzer::Create(AnalyzerParams{}).value();
  Item with_title;
  with_title.title = "Jugendliche werfen Steine auf Busse";
  with_title.text = "Die Polizei ermittelt nach dem Vorfall in Haselhorst.";
  with_title.lang_hint = "de";
  Item in_text;
  in_text.text = with_title.title + "\n" + with_title.text;
  in_text.lang_hint = "de";
  Doc d1 = a->Analyze(with_title);
  Doc d2 = a->Analyze(in_text);
  CHECK(d2.title == with_title.title);
  REQUIRE(d1.terms.size() == d2.terms.size());
  for (size_t i = 0; i < d1.terms.size(); ++i) {
    CHECK(d1.terms[i].hash == d2.terms[i].hash);
    CHECK(d1.terms[i].weight == d2.terms[i].weight);
  }
}

TEST_CASE("Analyzer: keys are language-neutral, numbers and dates as specified",
          "[detect][analyzer]") {
  auto a = Analyzer::Create(AnalyzerParams{}).value();
  Item en;
  en.title = "Smadiyarov: Kazakhstan won't recognise referendums; 73% voted in 2022, 1,500 fled";
  en.lang_hint = "en";
  Item ru;
  ru.title = "Смадияров: Казахстан не признает референдумы";
  ru.lang_hint = "ru";
  Doc de = a->Analyze(en);
  Doc dr = a->Analyze(ru);
  CHECK(de.lang == "en");
  CHECK(dr.lang == "ru");
  auto has = [](const Doc& d, std::string_view text) {
    for (const auto& k : d.keys) {
      if (k.text == text) return true;
    }
    return false;
  };
  CHECK(has(de, "c:KZ"));
  CHECK(has(dr, "c:KZ"));
  CHECK(has(de, "73%"));
  CHECK_FALSE(has(de, "2022"));  // a year is no evidence of the same event
  size_t shared = 0;
  for (const auto& k : de.keys) {
    for (const auto& l : dr.keys) shared += k.hash == l.hash;
  }
  CHECK(shared >= 3);  // Smadiyarov, Kazakhstan, referendum
  CHECK(a->resource_stats().name_table_names > 10000);
}

TEST_CASE("Analyzer: hostile input is bounded and never crashes", "[detect][analyzer]") {
  auto a = Analyzer::Create(AnalyzerParams{}).value();
  Item item;
  item.title = std::string("\xff\xfe\xc3\x28 invalid \xe2\x82", 15);
  item.text = std::string(1 << 20, 'a') + std::string(100000, '\n');
  item.lang_hint = "\x01\x02zz-<script>";
  Doc d = a->Analyze(item);
  CHECK(d.shingles.size() <= 2000);
  CHECK(d.content_tokens <= 500);
}
