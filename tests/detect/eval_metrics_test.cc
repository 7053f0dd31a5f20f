#include "detect/eval_metrics.h"

#include <catch2/catch.hpp>

using namespace babelwatch::detect;

TEST_CASE("BCubed: perfect clustering scores 1", "[detect][eval]") {
  auto r = BCubed({"a", "a", "b"}, {7, 7, 9});
  CHECK(r.precision == Approx(1));
  CHECK(r.recall == Approx(1));
  CHECK(r.f1 == Approx(1));
}

TEST_CASE("BCubed: everything alone has precision 1 and recall from event sizes",
          "[detect][eval]") {
  // Events {a,a} and {b}: recall per doc 1/2, 1/2, 1 → 2/3.
  auto r = BCubed({"a", "a", "b"}, {1, 2, 3});
  CHECK(r.precision == Approx(1));
  CHECK(r.recall == Approx(2.0 / 3));
  CHECK(r.f1 == Approx(0.8));
}

TEST_CASE("BCubed: one cluster for all has recall 1 and diluted precision", "[detect][eval]") {
  // Precision per doc: 2/3, 2/3, 1/3 → 5/9.
  auto r = BCubed({"a", "a", "b"}, {1, 1, 1});
  CHECK(r.precision == Approx(5.0 / 9));
  CHECK(r.recall == Approx(1));
}

TEST_CASE("CrossLanguageBCubed: counts only pairs in different languages", "[detect][eval]") {
  // Event a in en+ru, event b en only. Clusters: {a-en, a-ru, b-en}.
  std::vector<std::string> ev = {"a", "a", "b"};
  std::vector<std::string> lang = {"en", "ru", "en"};
  auto r = CrossLanguageBCubed(ev, {1, 1, 1}, lang);
  // Precision: a-en sees {a-ru}: 1; a-ru sees {a-en, b-en}: 1/2; b-en sees {a-ru}: 0 → 1/2.
  CHECK(r.precision == Approx(0.5));
  // Recall: defined for a-en (1/1) and a-ru (1/1) only.
  CHECK(r.recall == Approx(1));
  SECTION("documents alone: recall 0, precision undefined everywhere → 0") {
    auto alone = CrossLanguageBCubed(ev, {1, 2, 3}, lang);
    CHECK(alone.precision == 0);
    CHECK(alone.recall == 0);
    CHECK(alone.f1 == 0);
  }
}

TEST_CASE("AlertQuality: an alert is right when its story's main event spans languages",
          "[detect][eval]") {
  std::vector<std::string> ev = {"a", "a", "b", "b"};
  std::vector<std::string> lang = {"en", "uk", "en", "en"};
  std::vector<std::string> src = {"x", "y", "x", "y"};
  SECTION("alert on the story of a") {
    auto r = AlertQuality(ev, {1, 1, 2, 2}, lang, src, {1});
    CHECK(r.precision == Approx(1));
    CHECK(r.recall == Approx(1));
  }
  SECTION("alert on the one-language story of b") {
    auto r = AlertQuality(ev, {1, 1, 2, 2}, lang, src, {2});
    CHECK(r.precision == Approx(0));
    CHECK(r.recall == Approx(0));
  }
  SECTION("no alert at all") {
    auto r = AlertQuality(ev, {1, 1, 2, 2}, lang, src, {});
    CHECK(r.precision == 0);
    CHECK(r.recall == 0);
  }
}

TEST_CASE("RocAuc: perfect, inverted, tied and one-class inputs", "[detect][eval]") {
  CHECK(RocAuc({0.9, 0.8, 0.1, 0.2}, {true, true, false, false}) == Approx(1));
  CHECK(RocAuc({0.1, 0.2, 0.9, 0.8}, {true, true, false, false}) == Approx(0));
  CHECK(RocAuc({0.5, 0.5}, {true, false}) == Approx(0.5));
  CHECK(RocAuc({0.3, 0.4}, {true, true}) == Approx(0.5));
  // One of four positive-negative pairs is misordered.
  CHECK(RocAuc({0.9, 0.3, 0.4, 0.1}, {true, true, false, false}) == Approx(0.75));
}

TEST_CASE("Spearman: monotone, reversed and constant inputs", "[detect][eval]") {
  CHECK(Spearman({1, 2, 3, 4}, {10, 20, 30, 400}) == Approx(1));
  CHECK(Spearman({1, 2, 3, 4}, {4, 3, 2, 1}) == Approx(-1));
  CHECK(Spearman({1, 1, 1}, {1, 2, 3}) == 0);
  CHECK(Spearman({1}, {1}) == 0);
  // Ties get average ranks: x ranks 1.5,1.5,3 against y ranks 1,2,3 → rho = sqrt(3)/2.
  CHECK(Spearman({1, 1, 2}, {1, 2, 3}) == Approx(0.8660254));
}
