#include "detect/engine.h"

#include <boost/json.hpp>
#include <catch2/catch.hpp>
#include <fstream>
#include <map>
#include <set>
#include <thread>

#include "detect/doc.h"

using namespace babelwatch;
using namespace babelwatch::detect;

namespace {

constexpr int64_t kT0 = 1687600800000;  // 2023-06-24T10:00:00Z
constexpr int64_t kMinute = 60 * 1000;

std::unique_ptr<Engine> NewEngine() {
  DetectOptions options;
  options.seed = 42;
  return Engine::Create(options).value();
}

Item MakeItem(std::string id, std::string lang, std::string title, int minute,
              std::string source = "") {
  Item i;
  i.id = id;
  i.lang_hint = std::move(lang);
  i.title = std::move(title);
  i.published_ms = kT0 + minute * kMinute;
  i.source = source.empty() ? "src-" + id : std::move(source);
  i.url = "https://" + i.source + "/" + id;
  return i;
}

// Adds a (same event as a), b, then c (a different event) and checks the links.
void CheckFamily(const Item& a, const Item& b, const Item& c) {
  auto engine = NewEngine();
  Assignment x = engine->Add(a);
  Assignment y = engine->Add(b);
  Assignment z = engine->Add(c);
  INFO(a.title << " | " << b.title << " | " << c.title);
  CHECK(x.new_story);
  CHECK(y.story == x.story);
  CHECK(z.story != x.story);
  CHECK(z.new_story);
}

}  // namespace

TEST_CASE("Engine: Latin script — one match across German and English, another event apart",
          "[detect][scripts]") {
  CheckFamily(
      MakeItem("a", "en", "Bublik beats Zverev in Halle semi-final to reach first ATP 500 final",
               0),
      MakeItem("b", "de",
               "Bublik schlägt Zverev im Halbfinale von Halle und erreicht sein erstes Finale", 20),
      MakeItem("c", "de", "Hochwasser in Bayern: Passau evakuiert die Altstadt", 30));
}

TEST_CASE("Engine: Cyrillic — the same statement in Russian links, another Kazakh story not",
          "[detect][scripts]") {
  CheckFamily(MakeItem("a", "en",
                       "Kazakhstan will not recognise the referendums, says foreign ministry "
                       "spokesman Aibek Smadiyarov",
                       0),
              MakeItem("b", "ru",
                       "Казахстан не признает референдумы, заявил официальный представитель МИД "
                       "Айбек Смадияров",
                       15),
              MakeItem("c", "ru", "Казахстан поддержал мирный план Китая по урегулированию", 25));
}

TEST_CASE("Engine: Greek — an election result links across scripts, a wildfire does not",
          "[detect][scripts]") {
  CheckFamily(
      MakeItem("a", "en", "Mitsotakis wins Greek election as New Democracy leads in Athens", 0),
      MakeItem("b", "el",
               "Ο Μητσοτάκης κέρδισε τις εκλογές, η Νέα Δημοκρατία προηγείται στην Αθήνα", 10),
      MakeItem("c", "el", "Πυρκαγιά στη Ρόδο: εκκενώνονται χωριά και ξενοδοχεία", 20));
}

TEST_CASE("Engine: Arabic — a meeting in Cairo links to English, an earthquake does not",
          "[detect][scripts]") {
  CheckFamily(MakeItem("a", "en", "Macron meets Sisi in Cairo to discuss a ceasefire in Gaza", 0),
              MakeItem("b", "ar", "ماكرون يلتقي السيسي في القاهرة لبحث وقف إطلاق النار في غزة", 10),
              MakeItem("c", "ar", "زلزال بقوة ست درجات يضرب المغرب ويوقع ضحايا في مراكش", 20));
}

TEST_CASE("Engine: Hebrew — names written without vowels still meet", "[detect][scripts]") {
  CheckFamily(MakeItem("a", "en", "Netanyahu meets Biden in Washington", 0),
              MakeItem("b", "he", "נתניהו נפגש עם ביידן בוושינגטון", 10),
              MakeItem("c", "he", "שריפה גדולה פרצה ביערות הכרמל ליד חיפה", 20));
}

TEST_CASE("Engine: CJK — segmented Chinese headlines about one typhoon link", "[detect][scripts]") {
  CheckFamily(MakeItem("a", "zh", "台风杜苏芮登陆福建，数万人紧急转移", 0),
              MakeItem("b", "zh", "超强台风杜苏芮在福建晋江沿海登陆", 10),
              MakeItem("c", "zh", "习近平在北京会见巴西总统卢拉", 20));
}

TEST_CASE("Engine: Devanagari — one moon landing in two Hindi headlines", "[detect][scripts]") {
  CheckFamily(
      MakeItem("a", "hi", "चंद्रयान-3 चंद्रमा के दक्षिणी ध्रुव पर सफलतापूर्वक उतरा", 0),
      MakeItem("b", "hi", "इसरो का चंद्रयान-3 चंद्रमा के दक्षिणी ध्रुव के पास उतरा, भारत ने रचा इतिहास", 10),
      MakeItem("c", "hi", "मुंबई में भारी बारिश से लोकल ट्रेन सेवाएं ठप", 20));
}

TEST_CASE("Engine: the seed articles — 000-003 one story in en/uk/ru, 004 apart",
          "[detect][seeds]") {
  std::ifstream in(std::string(SHARED_DIR) + "/seeds/seeds.jsonl");
  REQUIRE(in);
  auto engine = NewEngine();
  std::map<std::string, StoryId> story_of;
  std::string line;
  std::vector<std::pair<int64_t, Item>> items;
  while (std::getline(in, line)) {
    if (line.empty()) continue;
    auto o = boost::json::parse(line).as_object();
    Item i;
    i.id = std::string(o.at("id").as_string());
    i.title = std::string(o.at("title").as_string());
    i.text = std::string(o.at("text").as_string());
    i.source = std::string(o.at("source").as_string());
    i.url = std::string(o.at("url").as_string());
    // "2022-09-26T09:12:00Z": order within the hour is all that matters here.
    std::string t(o.at("published").as_string());
    i.published_ms = kT0 + (std::stoi(t.substr(11, 2)) * 60 + std::stoi(t.substr(14, 2))) * kMinute;
    items.emplace_back(i.published_ms, std::move(i));
  }
  REQUIRE(items.size() == 5);
  std::stable_sort(items.begin(), items.end(),
                   [](const auto& a, const auto& b) { return a.first < b.first; });
  for (const auto& [t, item] : items) story_of[item.id] = engine->Add(item).story;
  CHECK(story_of["001"] == story_of["000"]);
  CHECK(story_of["002"] == story_of["000"]);
  CHECK(story_of["003"] == story_of["000"]);
  CHECK(story_of["004"] != story_of["000"]);
  auto story = engine->Story(story_of["000"]);
  REQUIRE(story);
  std::set<std::string> langs;
  for (const auto& l : story->languages) langs.insert(l.lang);
  CHECK(langs == std::set<std::string>{"en", "ru", "uk"});
  CHECK(story->documents == 4);
  CHECK(story->independent_sources == 4);
  CHECK(story->sources.size() == 4);
  CHECK(story->languages[0].lang == "en");
  CHECK(story->languages[0].source == "reuters.com");
  // The language that started the story has no link; the others joined above the threshold.
  CHECK(story->languages[0].link == 0);
  for (size_t i = 1; i < story->languages.size(); ++i) {
    INFO(story->languages[i].lang);
    CHECK(story->languages[i].link >= 1.0);
  }
  CHECK_FALSE(story->keys.empty());
  auto other = engine->Story(story_of["004"]);
  REQUIRE(other);
  CHECK(other->languages.size() == 1);
}

TEST_CASE("Engine: a syndicated copy joins the story but counts once as a source",
          "[detect][syndication]") {
  auto engine = NewEngine();
  std::string wire =
      "Wagner chief Yevgeny Prigozhin said on Saturday he had ordered his mercenaries to halt "
      "their march on Moscow and return to their field camps in Ukraine, after Belarusian "
      "President Alexander Lukashenko brokered a deal with the Kremlin.";
  Item a = MakeItem("a", "en", "Wagner chief orders halt to march on Moscow", 0, "apnews.com");
  a.text = wire;
  Item b = MakeItem("b", "en", "Wagner chief orders halt to march on Moscow", 30, "local.example");
  b.text = wire;
  Assignment x = engine->Add(a);
  Assignment y = engine->Add(b);
  CHECK(y.story == x.story);
  CHECK(y.syndicated);
  CHECK_FALSE(x.syndicated);
  auto s = engine->Story(x.story);
  REQUIRE(s);
  CHECK(s->documents == 2);
  CHECK(s->sources.size() == 2);
  CHECK(s->independent_sources == 1);
}

TEST_CASE("Engine: stories leave with their last document at the end of the window",
          "[detect][window]") {
  DetectOptions options;
  options.window_ms = 2 * 3600 * 1000;
  options.slice_ms = 3600 * 1000;
  auto engine = Engine::Create(options).value();
  Assignment x = engine->Add(MakeItem("a", "en", "Bezzecchi wins MotoGP sprint at Assen", 0));
  CHECK(engine->Story(x.story));
  CHECK(engine->documents() == 1);
  engine->AdvanceTo(kT0 + 3 * 3600 * 1000);
  CHECK_FALSE(engine->Story(x.story));
  CHECK(engine->Stories().empty());
  CHECK(engine->documents() == 0);
  // The same headline later starts a new story: the old one is gone.
  Assignment y = engine->Add(MakeItem("b", "en", "Bezzecchi wins MotoGP sprint at Assen", 200));
  CHECK(y.new_story);
  CHECK(y.story != x.story);
}

TEST_CASE("Engine: Create rejects bad options with the field named", "[detect][options]") {
  DetectOptions bad;
  bad.window_ms = 0;
  auto r = Engine::Create(bad);
  REQUIRE_FALSE(r);
  CHECK(r.error().code == Code::kInvalidArgument);
  CHECK(r.error().message.find("window_ms") != std::string::npos);
  DetectOptions th;
  th.same_language_threshold = 1.5;
  auto r2 = Engine::Create(th);
  REQUIRE_FALSE(r2);
  CHECK(r2.error().message.find("threshold") != std::string::npos);
}

TEST_CASE("Engine: Similarity is symmetric, 1 for a document with itself, 0 for unrelated",
          "[detect][similarity]") {
  auto engine = NewEngine();
  auto a = engine->Analyze(MakeItem("a", "en", "Titan submersible: Canada opens investigation", 0));
  auto b =
      engine->Analyze(MakeItem("b", "de", "Kanada untersucht Unglück des Tauchboots Titan", 0));
  auto c = engine->Analyze(MakeItem("c", "en", "Arctic Monkeys headline Glastonbury", 0));
  CHECK(engine->Similarity(*a, *a) == Approx(1));
  CHECK(engine->Similarity(*a, *b) == Approx(engine->Similarity(*b, *a)));
  CHECK(engine->Similarity(*a, *b) > 0.2);
  CHECK(engine->Similarity(*a, *c) == 0);
}

TEST_CASE("Engine: Analyze from several threads gives what one thread gives", "[detect][threads]") {
  auto engine = NewEngine();
  std::vector<Item> items = {
      MakeItem("a", "ru", "Пригожин заявил, что колонны ЧВК Вагнер достигли Ростова-на-Дону", 0),
      MakeItem("b", "uk", "Казахстан не визнає російських псевдореферендумів", 1),
      MakeItem("c", "el", "Ο Μητσοτάκης κέρδισε τις εκλογές στην Αθήνα", 2),
      MakeItem("d", "ar", "ماكرون يلتقي السيسي في القاهرة", 3),
      MakeItem("e", "de", "Prigoschin stoppt offenbar Vormarsch auf Moskau", 4),
  };
  auto fingerprint = [](const Doc& d) {
    std::string f = d.lang;
    for (const auto& k : d.keys) f += k.text + "|";
    for (const auto& t : d.terms) f += std::to_string(t.hash) + ",";
    return f;
  };
  std::vector<std::string> expected;
  for (const auto& i : items) expected.push_back(fingerprint(*engine->Analyze(i)));
  std::vector<std::vector<std::string>> got(4);
  std::vector<std::thread> threads;
  for (int t = 0; t < 4; ++t) {
    threads.emplace_back([&, t] {
      for (int round = 0; round < 20; ++round) {
        for (const auto& i : items) got[t].push_back(fingerprint(*engine->Analyze(i)));
      }
    });
  }
  for (auto& th : threads) th.join();
  for (int t = 0; t < 4; ++t) {
    REQUIRE(got[t].size() == items.size() * 20);
    for (size_t k = 0; k < got[t].size(); ++k) CHECK(got[t][k] == expected[k % items.size()]);
  }
}
