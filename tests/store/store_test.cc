#include "store/store.h"

#include <sqlite3.h>
#include <stdlib.h>

#include <catch2/catch.hpp>
#include <filesystem>
#include <fstream>
#include <thread>

#include "tests/store/result_printer.h"

namespace babelwatch::store {
namespace {

namespace fs = std::filesystem;

// A fresh directory per test case, removed at the end.
class TempDir {
 public:
  TempDir() {
    std::string tmpl = (fs::temp_directory_path() / "babelwatch-store-XXXXXX").string();
    REQUIRE(mkdtemp(tmpl.data()) != nullptr);
    path_ = tmpl;
  }
  ~TempDir() {
    std::error_code ec;
    fs::remove_all(path_, ec);
  }
  const fs::path& path() const { return path_; }

 private:
  fs::path path_;
};

class StoreFixture {
 protected:
  StoreOptions Options() const {
    StoreOptions o;
    o.state_dir = (dir_.path() / "state").string();
    return o;
  }
  std::unique_ptr<Store> OpenStore() { return OpenStore(Options()); }
  std::unique_ptr<Store> OpenStore(const StoreOptions& options) {
    Result<std::unique_ptr<Store>> s = Store::Open(options);
    if (!s) FAIL("Store::Open: " << s.error());
    return std::move(*s);
  }

  TempDir dir_;
};

Alert MakeAlert(StoryId story, int languages, int64_t at_ms) {
  static const char* const kLangs[] = {"en", "uk", "ru", "de", "fr"};
  Alert a;
  a.story = story;
  a.kind = languages == 2 ? "spread" : "update";
  for (int i = 0; i < languages; ++i) a.languages.push_back(kLangs[i]);
  a.sources = languages;
  a.at_ms = at_ms;
  a.idempotency_key = "story-" + std::to_string(story) + "/languages-" + std::to_string(languages);
  a.story_snapshot.id = story;
  a.story_snapshot.first_seen_ms = at_ms - 1000;
  a.story_snapshot.last_seen_ms = at_ms;
  for (int i = 0; i < languages; ++i) {
    a.story_snapshot.languages.push_back(
        {kLangs[i], at_ms - 1000 + i, std::string("title ") + kLangs[i], "src", "http://x/"});
  }
  return a;
}

WindowDocument MakeDoc(std::string id, StoryId story, int64_t published_ms) {
  WindowDocument d;
  d.item.id = std::move(id);
  d.item.feed_id = "feed-a";
  d.item.source = "example.com";
  d.item.url = "https://example.com/" + d.item.id;
  d.item.title = "Title of " + d.item.id;
  d.item.text = "Body with 'quotes' and \"more\" and юникод";
  d.item.published_ms = published_ms;
  d.item.lang_hint = "en";
  d.story = story;
  d.lang = "en";
  return d;
}

TEST_CASE_METHOD(StoreFixture, "Store: open creates the directory, the file and the schema",
                 "[store]") {
  auto store = OpenStore();
  CHECK(fs::exists(fs::path(Options().state_dir) / "babelwatch.db"));
  CHECK(store->path() == (fs::path(Options().state_dir) / "babelwatch.db").string());
  Result<int> v = store->SchemaVersion();
  REQUIRE(v);
  CHECK(*v == Store::kSchemaVersion);
  // Reopening an up-to-date database migrates nothing and keeps the version.
  store.reset();
  store = OpenStore();
  CHECK(*store->SchemaVersion() == Store::kSchemaVersion);
}

TEST_CASE_METHOD(StoreFixture, "Store: the database is in WAL mode", "[store]") {
  auto store = OpenStore();
  sqlite3* db = nullptr;
  REQUIRE(sqlite3_open_v2(store->path().c_str(), &db, SQLITE_OPEN_READONLY, nullptr) == SQLITE_OK);
  sqlite3_stmt* stmt = nullptr;
  REQUIRE(sqlite3_prepare_v2(db, "PRAGMA journal_mode", -1, &stmt, nullptr) == SQLITE_OK);
  REQUIRE(sqlite3_step(stmt) == SQLITE_ROW);
  CHECK(std::string(reinterpret_cast<const char*>(sqlite3_column_text(stmt, 0))) == "wal");
  sqlite3_finalize(stmt);
  sqlite3_close(db);
}

TEST_CASE_METHOD(StoreFixture, "Store: feed state blobs round-trip across a reopen",
                 "[store][feeds]") {
  {
    auto store = OpenStore();
    REQUIRE(store->PutFeedState("b", R"({"etag":"\"x\""})", 10));
    REQUIRE(store->PutFeedState("a", R"({"etag":"1"})", 11));
    REQUIRE(store->PutFeedState("a", R"({"etag":"2"})", 12));  // replaces
    REQUIRE(store->PutFeedState("gone", "{}", 13));
    REQUIRE(store->DeleteFeedState("gone"));
    REQUIRE(store->DeleteFeedState("never-there"));
  }
  auto store = OpenStore();
  Result<std::vector<FeedState>> states = store->LoadFeedStates();
  REQUIRE(states);
  REQUIRE(states->size() == 2);
  CHECK((*states)[0].feed_id == "a");
  CHECK((*states)[0].json == R"({"etag":"2"})");
  CHECK((*states)[0].updated_ms == 12);
  CHECK((*states)[1].feed_id == "b");
  CHECK((*states)[1].json == R"({"etag":"\"x\""})");
}

TEST_CASE_METHOD(StoreFixture, "Store: MarkSeen tells new items by id and by url",
                 "[store][seen]") {
  auto store = OpenStore();
  CHECK(*store->MarkSeen("f", "id-1", "https://x/1", 100) == true);
  CHECK(*store->MarkSeen("f", "id-1", "https://x/1", 101) == false);
  SECTION("an id that changed but a known url is not new") {
    CHECK(*store->MarkSeen("f", "id-1-renamed", "https://x/1", 102) == false);
  }
  SECTION("a known id with a new url is not new") {
    CHECK(*store->MarkSeen("f", "id-1", "https://x/1?utm=2", 102) == false);
  }
  SECTION("the same item in another feed is new there") {
    CHECK(*store->MarkSeen("g", "id-1", "https://x/1", 102) == true);
  }
  SECTION("items without url are told apart by id only") {
    CHECK(*store->MarkSeen("f", "id-2", "", 102) == true);
    CHECK(*store->MarkSeen("f", "id-3", "", 102) == true);
    CHECK(*store->MarkSeen("f", "id-3", "", 103) == false);
  }
  SECTION("seen items survive a reopen") {
    store.reset();
    store = OpenStore();
    CHECK(*store->MarkSeen("f", "id-1", "https://x/1", 200) == false);
    CHECK(*store->MarkSeen("f", "other", "https://x/1", 200) == false);
  }
}

TEST_CASE_METHOD(StoreFixture, "Store: seen items are pruned after the retention",
                 "[store][seen]") {
  StoreOptions o = Options();
  o.seen_retention_ms = 1000;
  auto store = OpenStore(o);
  REQUIRE(*store->MarkSeen("f", "old", "u-old", 0));
  REQUIRE(*store->MarkSeen("f", "young", "u-young", 900));
  Result<PruneCounts> pruned = store->Prune(1500, 0);
  REQUIRE(pruned);
  CHECK(pruned->seen == 1);
  CHECK(*store->MarkSeen("f", "old", "u-old", 1600) == true);
  CHECK(*store->MarkSeen("f", "young", "u-young", 1600) == false);
}

TEST_CASE_METHOD(StoreFixture, "Store: an item still in its feed is not pruned as old",
                 "[store][seen]") {
  StoreOptions o = Options();
  o.seen_retention_ms = 1000;
  auto store = OpenStore(o);
  REQUIRE(*store->MarkSeen("f", "stays", "u", 0));
  // Seen again after more than half the retention: the record is refreshed.
  CHECK(*store->MarkSeen("f", "stays", "u", 800) == false);
  REQUIRE(store->Prune(1500, 0));
  CHECK(*store->MarkSeen("f", "stays", "u", 1500) == false);
}

TEST_CASE_METHOD(StoreFixture, "Store: the window's documents and stories survive a restart",
                 "[store][window]") {
  {
    auto store = OpenStore();
    REQUIRE(store->SaveDocuments(
        {MakeDoc("d2", 7, 2000), MakeDoc("d1", 7, 1000), MakeDoc("d3", 9, 3000)}));
    WindowDocument old = MakeDoc("d0", 5, 10);
    old.syndicated = true;
    REQUIRE(store->SaveDocument(old));
    WindowDocument moved = MakeDoc("d3", 7, 3000);  // reassigned: replaces, not duplicates
    moved.syndicated = true;
    REQUIRE(store->SaveDocument(moved));
    StorySummary s7;
    s7.id = 7;
    s7.first_seen_ms = 1000;
    s7.last_seen_ms = 3000;
    s7.documents = 3;
    s7.languages = {{"en", 1000, "Title of d1", "example.com", "https://example.com/d1"}};
    REQUIRE(store->SaveStory(s7));
    StorySummary s5;
    s5.id = 5;
    s5.last_seen_ms = 10;
    REQUIRE(store->SaveStory(s5));
  }
  auto store = OpenStore();
  Result<WindowSnapshot> w = store->LoadWindow(500);
  REQUIRE(w);
  REQUIRE(w->documents.size() == 3);
  CHECK(w->documents[0].item.id == "d1");
  CHECK(w->documents[1].item.id == "d2");
  CHECK(w->documents[2].item.id == "d3");
  CHECK(w->documents[2].story == 7);
  CHECK(w->documents[2].syndicated);
  CHECK(w->documents[0].item.text == "Body with 'quotes' and \"more\" and юникод");
  CHECK(w->documents[0].item.feed_id == "feed-a");
  CHECK(w->documents[0].item.url == "https://example.com/d1");
  CHECK(w->documents[0].item.published_ms == 1000);
  CHECK(w->documents[0].lang == "en");
  REQUIRE(w->stories.size() == 1);
  CHECK(w->stories[0].id == 7);
  CHECK(w->stories[0].documents == 3);
  CHECK(w->stories[0].languages[0].title == "Title of d1");

  Result<WindowSnapshot> all = store->LoadWindow(0);
  REQUIRE(all);
  CHECK(all->documents.size() == 4);
  CHECK(all->stories.size() == 2);

  Result<PruneCounts> pruned = store->Prune(5000, 500);
  REQUIRE(pruned);
  CHECK(pruned->documents == 1);
  CHECK(pruned->stories == 1);
  CHECK(store->LoadWindow(0)->documents.size() == 3);
}

TEST_CASE_METHOD(StoreFixture, "Store: an alert is accepted once per idempotency key",
                 "[store][outbox]") {
  auto store = OpenStore();
  const Alert a = MakeAlert(1, 2, 1000);
  CHECK(*store->Enqueue(a, {"slack", "hook"}, 1000) == true);
  CHECK(*store->Enqueue(a, {"slack", "hook"}, 1001) == false);
  CHECK(*store->Enqueue(a, {"log"}, 1002) == false);  // nothing added for a known key
  Result<std::vector<OutboxEntry>> due = store->Due(1000);
  REQUIRE(due);
  REQUIRE(due->size() == 2);
  CHECK((*due)[0].sink == "slack");
  CHECK((*due)[1].sink == "hook");
  CHECK((*due)[0].alert.idempotency_key == "story-1/languages-2");
  CHECK((*due)[0].alert.story_snapshot.languages.size() == 2);
  CHECK((*due)[0].attempts == 0);
  CHECK((*due)[0].created_ms == 1000);

  SECTION("after a restart too") {
    store.reset();
    store = OpenStore();
    CHECK(*store->Enqueue(a, {"slack"}, 5000) == false);
    CHECK(store->Due(5000)->size() == 2);
  }
  SECTION("and even after it was delivered") {
    for (const OutboxEntry& e : *due) REQUIRE(store->MarkDelivered(e.id));
    CHECK(store->Due(9999)->empty());
    CHECK(*store->Enqueue(a, {"slack"}, 5000) == false);
    CHECK(store->Due(9999)->empty());
  }
}

TEST_CASE_METHOD(StoreFixture, "Store: spread state records the most languages alerted",
                 "[store][outbox]") {
  {
    auto store = OpenStore();
    REQUIRE(*store->Enqueue(MakeAlert(3, 2, 1000), {"log"}, 1000));
    REQUIRE(*store->Enqueue(MakeAlert(3, 3, 2000), {"log"}, 2000));
    REQUIRE(*store->Enqueue(MakeAlert(4, 2, 1500), {}, 1500));  // no sink: still recorded
  }
  auto store = OpenStore();
  Result<std::vector<SpreadState>> states = store->LoadSpreadStates();
  REQUIRE(states);
  REQUIRE(states->size() == 2);
  CHECK((*states)[0].story == 3);
  CHECK((*states)[0].languages_alerted == 3);
  CHECK((*states)[0].last_alert_ms == 2000);
  CHECK((*states)[1].story == 4);
  CHECK((*states)[1].languages_alerted == 2);
  CHECK(*store->Enqueue(MakeAlert(4, 2, 1500), {"log"}, 3000) == false);
}

TEST_CASE_METHOD(StoreFixture, "Store: Enqueue rejects bad arguments and changes nothing",
                 "[store][outbox]") {
  auto store = OpenStore();
  Alert a = MakeAlert(1, 2, 1000);
  SECTION("duplicate sink") {
    Result<bool> r = store->Enqueue(a, {"slack", "slack"}, 1000);
    REQUIRE_FALSE(r);
    CHECK(r.error().code == Code::kInvalidArgument);
    CHECK_THAT(r.error().message, Catch::Contains("\"slack\" listed twice"));
  }
  SECTION("empty key") {
    a.idempotency_key.clear();
    Result<bool> r = store->Enqueue(a, {"slack"}, 1000);
    REQUIRE_FALSE(r);
    CHECK_THAT(r.error().message, Catch::Contains("empty idempotency key"));
  }
  CHECK(store->Due(1000)->empty());
  CHECK(store->LoadSpreadStates()->empty());
}

TEST_CASE_METHOD(StoreFixture, "Store: outbox rows come due in order and back off",
                 "[store][outbox]") {
  auto store = OpenStore();
  REQUIRE(*store->Enqueue(MakeAlert(1, 2, 100), {"a"}, 100));
  REQUIRE(*store->Enqueue(MakeAlert(2, 2, 200), {"a", "b"}, 200));
  REQUIRE(*store->Enqueue(MakeAlert(3, 2, 300), {"a"}, 300));

  CHECK(store->Due(99)->empty());
  Result<std::vector<OutboxEntry>> due = store->Due(250);
  REQUIRE(due->size() == 3);
  CHECK((*due)[0].alert.story == 1);
  CHECK((*due)[1].alert.story == 2);
  CHECK((*due)[2].alert.story == 2);
  CHECK(store->Due(1000, "a")->size() == 3);
  CHECK(store->Due(1000, "b")->size() == 1);
  CHECK(store->Due(1000, "", 2)->size() == 2);
  CHECK(*store->NextAttemptMs() == std::optional<int64_t>(100));

  // The first row fails and is postponed behind the others.
  const int64_t first = (*due)[0].id;
  REQUIRE(store->MarkFailed(first, 5000, "HTTP 503"));
  Result<std::vector<OutboxEntry>> later = store->Due(1000, "a");
  REQUIRE(later->size() == 2);
  CHECK((*later)[0].alert.story == 2);
  CHECK(*store->NextAttemptMs() == std::optional<int64_t>(200));
  Result<std::vector<OutboxEntry>> all = store->Due(6000, "a");
  REQUIRE(all->size() == 3);
  CHECK(all->back().id == first);
  CHECK(all->back().attempts == 1);
  CHECK(all->back().last_error == "HTTP 503");
  CHECK(all->back().next_attempt_ms == 5000);

  // Delivery removes the row for that sink only.
  for (const OutboxEntry& e : *store->Due(6000, "a")) REQUIRE(store->MarkDelivered(e.id));
  CHECK(store->Due(6000, "a")->empty());
  CHECK(store->Due(6000)->size() == 1);
  CHECK(*store->NextAttemptMs() == std::optional<int64_t>(200));

  Result<void> again = store->MarkDelivered(first);
  REQUIRE_FALSE(again);
  CHECK(again.error().code == Code::kNotFound);
  CHECK_FALSE(store->MarkFailed(first, 1, "x"));
}

TEST_CASE_METHOD(StoreFixture, "Store: dead letters are kept, counted and can be requeued",
                 "[store][outbox]") {
  auto store = OpenStore();
  REQUIRE(*store->Enqueue(MakeAlert(1, 2, 100), {"a", "b"}, 100));
  const std::vector<OutboxEntry> due = *store->Due(100, "a");
  REQUIRE(due.size() == 1);
  REQUIRE(store->MarkFailed(due[0].id, 150, "HTTP 500"));
  REQUIRE(store->DeadLetter(due[0].id, "HTTP 500 after 2 attempts"));
  CHECK(store->Due(1'000'000, "a")->empty());
  CHECK_FALSE(store->DeadLetter(due[0].id, "again"));  // no longer pending
  CHECK_FALSE(store->MarkDelivered(due[0].id));

  std::vector<SinkDepth> depth = *store->Depth();
  REQUIRE(depth.size() == 2);
  CHECK(depth[0].sink == "a");
  CHECK(depth[0].pending == 0);
  CHECK(depth[0].dead == 1);
  CHECK(depth[1].sink == "b");
  CHECK(depth[1].pending == 1);
  CHECK(depth[1].dead == 0);

  store.reset();
  store = OpenStore();
  std::vector<OutboxEntry> dead = *store->DeadLetters();
  REQUIRE(dead.size() == 1);
  CHECK(dead[0].attempts == 2);
  CHECK(dead[0].last_error == "HTTP 500 after 2 attempts");
  CHECK(dead[0].alert.story == 1);
  CHECK(store->Pending()->size() == 1);

  REQUIRE(store->Requeue(dead[0].id, 7000));
  CHECK(store->DeadLetters()->empty());
  std::vector<OutboxEntry> back = *store->Due(7000, "a");
  REQUIRE(back.size() == 1);
  CHECK(back[0].attempts == 0);
  CHECK_FALSE(store->Requeue(dead[0].id, 7000));  // not dead any more
}

TEST_CASE_METHOD(StoreFixture, "Store: accepted alerts are pruned only once delivered",
                 "[store][outbox]") {
  StoreOptions o = Options();
  o.alert_retention_ms = 1000;
  auto store = OpenStore(o);
  REQUIRE(*store->Enqueue(MakeAlert(1, 2, 0), {"a"}, 0));
  REQUIRE(*store->Enqueue(MakeAlert(2, 2, 0), {"a"}, 0));
  const std::vector<OutboxEntry> due = *store->Due(0);
  REQUIRE(store->MarkDelivered(due[0].id));
  Result<PruneCounts> pruned = store->Prune(5000, 0);
  REQUIRE(pruned);
  CHECK(pruned->alerts == 1);
  // Story 2 is still in the outbox: its alert and spread state stay.
  CHECK(store->Due(5000)->size() == 1);
  std::vector<SpreadState> states = *store->LoadSpreadStates();
  REQUIRE(states.size() == 1);
  CHECK(states[0].story == 2);
}

TEST_CASE_METHOD(StoreFixture, "Store: a state dir that cannot be created is a clear error",
                 "[store][errors]") {
  // A directory under a regular file can't be created, even by root.
  const fs::path file = dir_.path() / "plain-file";
  std::ofstream(file) << "x";
  StoreOptions o;
  o.state_dir = (file / "state").string();
  Result<std::unique_ptr<Store>> s = Store::Open(o);
  REQUIRE_FALSE(s);
  CHECK(s.error().code == Code::kUnavailable);
  CHECK_THAT(s.error().message, Catch::Contains("cannot create state directory"));
  CHECK_THAT(s.error().message, Catch::Contains(o.state_dir));
}

TEST_CASE_METHOD(StoreFixture, "Store: empty state dir is rejected", "[store][errors]") {
  Result<std::unique_ptr<Store>> s = Store::Open(StoreOptions{.state_dir = ""});
  REQUIRE_FALSE(s);
  CHECK(s.error().code == Code::kInvalidArgument);
}

TEST_CASE_METHOD(StoreFixture, "Store: a read-only store refuses writes with the path",
                 "[store][errors]") {
  {
    auto store = OpenStore();
    REQUIRE(*store->Enqueue(MakeAlert(1, 2, 100), {"a"}, 100));
  }
  StoreOptions o = Options();
  o.read_only = true;
  auto store = OpenStore(o);
  // Reading works: the accepted alert is there.
  REQUIRE(store->Due(100)->size() == 1);
  Result<bool> r = store->Enqueue(MakeAlert(2, 2, 200), {"a"}, 200);
  REQUIRE_FALSE(r);
  CHECK(r.error().code == Code::kUnavailable);
  CHECK_THAT(r.error().message, Catch::Contains(store->path()));
  CHECK_THAT(r.error().message, Catch::Contains("readonly"));
  Result<bool> seen = store->MarkSeen("f", "i", "u", 1);
  REQUIRE_FALSE(seen);
  CHECK(seen.error().code == Code::kUnavailable);
  CHECK_FALSE(store->MarkDelivered(store->Due(100)->front().id));
  CHECK(store->Due(100)->size() == 1);
}

TEST_CASE_METHOD(StoreFixture, "Store: read-only open of a missing database fails",
                 "[store][errors]") {
  StoreOptions o = Options();
  o.read_only = true;
  Result<std::unique_ptr<Store>> s = Store::Open(o);
  REQUIRE_FALSE(s);
  CHECK(s.error().code == Code::kUnavailable);
  CHECK_THAT(s.error().message, Catch::Contains("babelwatch.db"));
}

TEST_CASE_METHOD(StoreFixture, "Store: a full disk fails writes but keeps accepted alerts",
                 "[store][errors]") {
  StoreOptions o = Options();
  o.max_page_count_for_test = 64;  // 256 KiB with 4 KiB pages
  auto store = OpenStore(o);
  REQUIRE(*store->Enqueue(MakeAlert(1, 2, 100), {"a"}, 100));
  // Fill the database with documents until it is full.
  std::optional<Error> failure;
  for (int i = 0; i < 10'000 && !failure; ++i) {
    WindowDocument d = MakeDoc("doc-" + std::to_string(i), 1, i);
    d.item.text.assign(2000, 'x');
    Result<void> r = store->SaveDocument(d);
    if (!r) failure = r.error();
  }
  REQUIRE(failure);
  CHECK(failure->code == Code::kUnavailable);
  CHECK_THAT(failure->message, Catch::Contains(store->path()));
  CHECK_THAT(failure->message, Catch::Contains("full"));

  Alert big = MakeAlert(2, 2, 200);
  big.story_snapshot.keys.assign(200, std::string(100, 'k'));
  Result<bool> r = store->Enqueue(big, {"a"}, 200);
  REQUIRE_FALSE(r);
  CHECK(r.error().code == Code::kUnavailable);
  // The failed transaction left nothing behind and the accepted alert is intact.
  std::vector<OutboxEntry> due = *store->Due(1000);
  REQUIRE(due.size() == 1);
  CHECK(due[0].alert.story == 1);
  CHECK(store->LoadSpreadStates()->size() == 1);
  // Delivery can still be recorded (deleting frees space).
  CHECK(store->MarkDelivered(due[0].id));
}

TEST_CASE_METHOD(StoreFixture, "Store: a database from a newer version is refused",
                 "[store][errors]") {
  { auto store = OpenStore(); }
  sqlite3* db = nullptr;
  const std::string path = (fs::path(Options().state_dir) / "babelwatch.db").string();
  REQUIRE(sqlite3_open(path.c_str(), &db) == SQLITE_OK);
  REQUIRE(sqlite3_exec(db, "PRAGMA user_version=99", nullptr, nullptr, nullptr) == SQLITE_OK);
  sqlite3_close(db);
  Result<std::unique_ptr<Store>> s = Store::Open(Options());
  REQUIRE_FALSE(s);
  CHECK(s.error().code == Code::kInvalidArgument);
  CHECK_THAT(s.error().message, Catch::Contains("schema version 99 is newer"));
}

TEST_CASE_METHOD(StoreFixture, "Store: a file that is not a database is refused",
                 "[store][errors]") {
  fs::create_directories(Options().state_dir);
  std::ofstream(fs::path(Options().state_dir) / "babelwatch.db") << std::string(8192, 'g');
  Result<std::unique_ptr<Store>> s = Store::Open(Options());
  REQUIRE_FALSE(s);
  CHECK(s.error().code == Code::kInvalidArgument);
  CHECK_THAT(s.error().message, Catch::Contains("babelwatch.db"));
  CHECK_THAT(s.error().message, Catch::Contains("not a database"));
}

}  // namespace
}  // namespace babelwatch::store

namespace babelwatch::store {
namespace {

TEST_CASE_METHOD(StoreFixture, "Store: spread state is kept per watch-list scope",
                 "[store][outbox]") {
  auto store = OpenStore();
  Alert global = MakeAlert(5, 2, 1000);
  Alert watched = MakeAlert(5, 3, 2000);
  watched.idempotency_key += "/watch-kz";
  REQUIRE(*store->Enqueue(global, {"a"}, 1000));
  REQUIRE(*store->Enqueue(watched, {"a"}, 2000, "kz"));
  std::vector<SpreadState> states = *store->LoadSpreadStates();
  REQUIRE(states.size() == 2);
  CHECK(states[0].scope == "");
  CHECK(states[0].languages_alerted == 2);
  CHECK(states[1].scope == "kz");
  CHECK(states[1].languages_alerted == 3);
  CHECK(states[1].last_alert_ms == 2000);
}

TEST_CASE_METHOD(StoreFixture, "Store: a version 1 database is migrated with its data",
                 "[store][migration]") {
  const std::string path = (fs::path(Options().state_dir) / "babelwatch.db").string();
  { auto store = OpenStore(); }
  // Turn the file back into schema version 1 (spread state keyed by story alone).
  sqlite3* db = nullptr;
  REQUIRE(sqlite3_open(path.c_str(), &db) == SQLITE_OK);
  const char* v1 =
      "DROP TABLE spread_state;"
      "CREATE TABLE spread_state(story INTEGER PRIMARY KEY, languages_alerted INTEGER NOT "
      "NULL, last_alert_ms INTEGER NOT NULL, updated_ms INTEGER NOT NULL);"
      "INSERT INTO spread_state VALUES(77, 3, 1234, 1234);"
      "PRAGMA user_version=1;";
  REQUIRE(sqlite3_exec(db, v1, nullptr, nullptr, nullptr) == SQLITE_OK);
  sqlite3_close(db);

  auto store = OpenStore();
  CHECK(*store->SchemaVersion() == 2);
  std::vector<SpreadState> states = *store->LoadSpreadStates();
  REQUIRE(states.size() == 1);
  CHECK(states[0].story == 77);
  CHECK(states[0].scope == "");
  CHECK(states[0].languages_alerted == 3);
  CHECK(states[0].last_alert_ms == 1234);
}

}  // namespace
}  // namespace babelwatch::store

namespace babelwatch::store {
namespace {

TEST_CASE_METHOD(StoreFixture, "Store: a damaged stored alert is dead-lettered, not blocking",
                 "[store][outbox][errors]") {
  auto store = OpenStore();
  REQUIRE(*store->Enqueue(MakeAlert(1, 2, 100), {"a"}, 100));
  REQUIRE(*store->Enqueue(MakeAlert(2, 2, 200), {"a"}, 200));
  sqlite3* db = nullptr;
  REQUIRE(sqlite3_open(store->path().c_str(), &db) == SQLITE_OK);
  REQUIRE(sqlite3_exec(db,
                       "UPDATE alerts SET json = '{broken' "
                       "WHERE idempotency_key = 'story-1/languages-2'",
                       nullptr, nullptr, nullptr) == SQLITE_OK);
  sqlite3_close(db);
  std::vector<OutboxEntry> pending = *store->Pending();
  REQUIRE(pending.size() == 2);
  CHECK(pending[0].alert.idempotency_key == "story-1/languages-2");
  CHECK_THAT(pending[0].last_error, Catch::Contains("not valid JSON"));
  std::vector<OutboxEntry> due = *store->Due(1000);
  REQUIRE(due.size() == 1);
  CHECK(due[0].alert.story == 2);
  std::vector<OutboxEntry> dead = *store->DeadLetters();
  REQUIRE(dead.size() == 1);
  CHECK(dead[0].alert.idempotency_key == "story-1/languages-2");
  CHECK_THAT(dead[0].last_error, Catch::Contains("outbox row"));
}

}  // namespace
}  // namespace babelwatch::store

namespace babelwatch::store {
namespace {

TEST_CASE_METHOD(StoreFixture, "Store: calls from several threads are serialized safely",
                 "[store][threads]") {
  auto store = OpenStore();
  constexpr int kThreads = 4;
  constexpr int kEach = 50;
  std::atomic<int> failures{0};  // Catch assertions are not thread-safe: count instead
  std::vector<std::thread> threads;
  for (int t = 0; t < kThreads; ++t) {
    threads.emplace_back([&, t] {
      for (int i = 0; i < kEach; ++i) {
        const std::string id = std::to_string(t) + "-" + std::to_string(i);
        Result<bool> fresh = store->MarkSeen("f", id, "https://x/" + id, i);
        if (!fresh || !*fresh) ++failures;
        Result<bool> accepted = store->Enqueue(MakeAlert(t * 1000 + i, 2, i), {"a"}, i);
        if (!accepted || !*accepted) ++failures;
        Result<std::vector<OutboxEntry>> due = store->Due(1'000'000, "a", 1);
        if (!due) ++failures;
        if (due && !due->empty()) {
          Result<void> done = store->MarkDelivered(due->front().id);
          // Another thread may have delivered the same row first.
          if (!done && done.error().code != Code::kNotFound) ++failures;
        }
      }
    });
  }
  for (std::thread& t : threads) t.join();
  CHECK(failures == 0);
  CHECK(store->LoadSpreadStates()->size() == kThreads * kEach);
  for (const OutboxEntry& e : *store->Due(1'000'000, "a", 1000)) {
    REQUIRE(store->MarkDelivered(e.id));
  }
  CHECK(store->Pending()->empty());
}

TEST_CASE_METHOD(StoreFixture, "Store: two connections to one file share it (WAL)",
                 "[store][threads]") {
  auto a = OpenStore();
  auto b = OpenStore();
  REQUIRE(*a->Enqueue(MakeAlert(1, 2, 0), {"x"}, 0));
  CHECK(*b->Enqueue(MakeAlert(1, 2, 0), {"x"}, 0) == false);
  CHECK(b->Due(0)->size() == 1);
  REQUIRE(*b->MarkSeen("f", "i", "u", 0));
  CHECK(*a->MarkSeen("f", "i", "u", 0) == false);
}

}  // namespace
}  // namespace babelwatch::store
