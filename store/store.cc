#include "store/store.h"

#include <sqlite3.h>

#include <filesystem>
#include <set>
#include <system_error>
#include <utility>

#include "store/codec.h"

namespace babelwatch::store {
namespace {

// The schema, one entry per version: kMigrations[i] takes a database from user_version i to
// i + 1. Never edit a released entry; append a new one.
constexpr const char* kMigrations[] = {
    // 0 -> 1
    R"sql(
CREATE TABLE feed_state(
  feed_id TEXT PRIMARY KEY,
  json TEXT NOT NULL,
  updated_ms INTEGER NOT NULL);
CREATE TABLE seen_items(
  feed_id TEXT NOT NULL,
  item_id TEXT NOT NULL,
  url TEXT NOT NULL,
  seen_ms INTEGER NOT NULL,
  PRIMARY KEY(feed_id, item_id)) WITHOUT ROWID;
CREATE INDEX seen_items_url ON seen_items(feed_id, url);
CREATE INDEX seen_items_time ON seen_items(seen_ms);
CREATE TABLE documents(
  seq INTEGER PRIMARY KEY AUTOINCREMENT,
  feed_id TEXT NOT NULL,
  item_id TEXT NOT NULL,
  source TEXT NOT NULL,
  url TEXT NOT NULL,
  title TEXT NOT NULL,
  text TEXT NOT NULL,
  published_ms INTEGER NOT NULL,
  lang_hint TEXT NOT NULL,
  story INTEGER NOT NULL,
  lang TEXT NOT NULL,
  syndicated INTEGER NOT NULL,
  UNIQUE(feed_id, item_id));
CREATE INDEX documents_published ON documents(published_ms);
CREATE TABLE stories(
  id INTEGER PRIMARY KEY,
  last_seen_ms INTEGER NOT NULL,
  json TEXT NOT NULL);
CREATE INDEX stories_last_seen ON stories(last_seen_ms);
CREATE TABLE alerts(
  idempotency_key TEXT PRIMARY KEY,
  story INTEGER NOT NULL,
  kind TEXT NOT NULL,
  languages INTEGER NOT NULL,
  at_ms INTEGER NOT NULL,
  accepted_ms INTEGER NOT NULL,
  json TEXT NOT NULL);
CREATE INDEX alerts_story ON alerts(story);
CREATE INDEX alerts_accepted ON alerts(accepted_ms);
CREATE TABLE spread_state(
  story INTEGER PRIMARY KEY,
  languages_alerted INTEGER NOT NULL,
  last_alert_ms INTEGER NOT NULL,
  updated_ms INTEGER NOT NULL);
CREATE TABLE outbox(
  id INTEGER PRIMARY KEY AUTOINCREMENT,
  idempotency_key TEXT NOT NULL REFERENCES alerts(idempotency_key),
  sink TEXT NOT NULL,
  state INTEGER NOT NULL DEFAULT 0,
  attempts INTEGER NOT NULL DEFAULT 0,
  created_ms INTEGER NOT NULL,
  next_attempt_ms INTEGER NOT NULL,
  last_error TEXT NOT NULL DEFAULT '',
  UNIQUE(idempotency_key, sink));
CREATE INDEX outbox_due ON outbox(state, next_attempt_ms, id);
CREATE INDEX outbox_sink_due ON outbox(sink, state, next_attempt_ms, id);
)sql",
    // 1 -> 2: spread state per (story, scope); the scope is the watch-list ("" = global).
    R"sql(
CREATE TABLE spread_state_v2(
  story INTEGER NOT NULL,
  scope TEXT NOT NULL,
  languages_alerted INTEGER NOT NULL,
  last_alert_ms INTEGER NOT NULL,
  updated_ms INTEGER NOT NULL,
  PRIMARY KEY(story, scope));
INSERT INTO spread_state_v2(story, scope, languages_alerted, last_alert_ms, updated_ms)
  SELECT story, '', languages_alerted, last_alert_ms, updated_ms FROM spread_state;
DROP TABLE spread_state;
ALTER TABLE spread_state_v2 RENAME TO spread_state;
)sql",
};
constexpr int kMigrationCount = static_cast<int>(sizeof(kMigrations) / sizeof(kMigrations[0]));
static_assert(kMigrationCount == Store::kSchemaVersion);

constexpr int kPending = 0;
constexpr int kDead = 1;

Code CodeForSqlite(int rc) {
  switch (rc & 0xff) {
    case SQLITE_NOTADB:
      return Code::kInvalidArgument;
    case SQLITE_CORRUPT:
    case SQLITE_MISUSE:
    case SQLITE_RANGE:
    case SQLITE_CONSTRAINT:
    case SQLITE_ERROR:
    case SQLITE_MISMATCH:
    case SQLITE_SCHEMA:
      return Code::kInternal;
    default:  // FULL, IOERR, READONLY, CANTOPEN, BUSY, LOCKED, PERM, NOMEM, PROTOCOL, ...
      return Code::kUnavailable;
  }
}

int64_t ToSql(StoryId id) { return static_cast<int64_t>(id); }
StoryId FromSql(int64_t v) { return static_cast<StoryId>(v); }

}  // namespace

// A cached prepared statement, reset and unbound when this goes out of scope.
class Store::Statement {
 public:
  Statement(Store& store, sqlite3_stmt* stmt) : store_(store), stmt_(stmt) {}
  ~Statement() {
    sqlite3_reset(stmt_);
    sqlite3_clear_bindings(stmt_);
  }
  Statement(const Statement&) = delete;
  Statement& operator=(const Statement&) = delete;

  void Bind(int index, int64_t value) { sqlite3_bind_int64(stmt_, index, value); }
  void Bind(int index, std::string_view value) {
    // A default-constructed string_view has a null data(), which SQLite would bind as NULL.
    sqlite3_bind_text64(stmt_, index, value.data() != nullptr ? value.data() : "", value.size(),
                        SQLITE_TRANSIENT, SQLITE_UTF8);
  }
  // true: a row is ready; false: done.
  Result<bool> Step(std::string_view what) {
    const int rc = sqlite3_step(stmt_);
    if (rc == SQLITE_ROW) return true;
    if (rc == SQLITE_DONE) return false;
    return store_.SqlError(what, rc);
  }
  Result<void> Run(std::string_view what) {
    Result<bool> r = Step(what);
    if (!r) return r.error();
    return {};
  }
  int64_t Int(int col) const { return sqlite3_column_int64(stmt_, col); }
  std::string Text(int col) const {
    const unsigned char* p = sqlite3_column_text(stmt_, col);
    const int n = sqlite3_column_bytes(stmt_, col);
    return p == nullptr ? std::string() : std::string(reinterpret_cast<const char*>(p), n);
  }
  sqlite3_stmt* get() const { return stmt_; }

 private:
  Store& store_;
  sqlite3_stmt* const stmt_;
};

// BEGIN IMMEDIATE ... COMMIT; rolls back unless Commit() succeeded.
class Store::Transaction {
 public:
  explicit Transaction(Store& store) : store_(store) {}
  ~Transaction() {
    if (begun_ && !done_) sqlite3_exec(store_.db_, "ROLLBACK", nullptr, nullptr, nullptr);
  }
  Transaction(const Transaction&) = delete;
  Transaction& operator=(const Transaction&) = delete;

  Result<void> Begin(std::string_view what) {
    Result<void> r = store_.Exec("BEGIN IMMEDIATE", what);
    if (r) begun_ = true;
    return r;
  }
  Result<void> Commit(std::string_view what) {
    Result<void> r = store_.Exec("COMMIT", what);
    if (r) done_ = true;
    return r;
  }

 private:
  Store& store_;
  bool begun_ = false;
  bool done_ = false;
};

#define BW_TRY(expr)                  \
  do {                                \
    auto bw_r_ = (expr);              \
    if (!bw_r_) return bw_r_.error(); \
  } while (false)

#define BW_PREPARE(var, sql)                    \
  sqlite3_stmt* var##_raw = nullptr;            \
  {                                             \
    Result<sqlite3_stmt*> bw_p_ = Prepare(sql); \
    if (!bw_p_) return bw_p_.error();           \
    var##_raw = *bw_p_;                         \
  }                                             \
  Statement var(*this, var##_raw)

Store::Store(StoreOptions options, std::string path, sqlite3* db)
    : options_(std::move(options)), path_(std::move(path)), db_(db) {}

Store::~Store() {
  std::lock_guard<std::mutex> lock(mu_);
  for (auto& [sql, stmt] : statements_) sqlite3_finalize(stmt);
  statements_.clear();
  sqlite3_close_v2(db_);
}

Error Store::SqlError(std::string_view what) const {
  return SqlError(what, sqlite3_extended_errcode(db_));
}

Error Store::SqlError(std::string_view what, int rc) const {
  std::string msg = "store " + path_ + ": " + std::string(what) + ": ";
  const char* detail = db_ != nullptr ? sqlite3_errmsg(db_) : nullptr;
  msg += detail != nullptr ? detail : sqlite3_errstr(rc);
  msg += " (sqlite code ";
  msg += std::to_string(rc);
  msg += ")";
  return Error{CodeForSqlite(rc), std::move(msg)};
}

Result<void> Store::Exec(const char* sql, std::string_view what) {
  char* err = nullptr;
  const int rc = sqlite3_exec(db_, sql, nullptr, nullptr, &err);
  if (rc == SQLITE_OK) return {};
  sqlite3_free(err);
  return SqlError(what, sqlite3_extended_errcode(db_));
}

Result<sqlite3_stmt*> Store::Prepare(const char* sql) {
  for (auto& [key, stmt] : statements_) {
    if (key == sql) return stmt;
  }
  sqlite3_stmt* stmt = nullptr;
  const int rc = sqlite3_prepare_v3(db_, sql, -1, SQLITE_PREPARE_PERSISTENT, &stmt, nullptr);
  if (rc != SQLITE_OK) return SqlError("preparing a statement", rc);
  statements_.emplace_back(sql, stmt);
  return stmt;
}

Result<std::unique_ptr<Store>> Store::Open(const StoreOptions& options) {
  if (options.state_dir.empty()) {
    return InvalidArgument("store: state_dir is empty");
  }
  const std::filesystem::path dir(options.state_dir);
  if (!options.read_only) {
    std::error_code ec;
    std::filesystem::create_directories(dir, ec);
    if (ec) {
      return Unavailable("store: cannot create state directory " + options.state_dir + ": " +
                         ec.message());
    }
  }
  std::string path = (dir / kFileName).string();
  const int flags =
      (options.read_only ? SQLITE_OPEN_READONLY : (SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE)) |
      SQLITE_OPEN_NOMUTEX;
  sqlite3* db = nullptr;
  const int rc = sqlite3_open_v2(path.c_str(), &db, flags, nullptr);
  if (rc != SQLITE_OK) {
    std::string detail = db != nullptr ? sqlite3_errmsg(db) : sqlite3_errstr(rc);
    sqlite3_close_v2(db);
    return Error{CodeForSqlite(rc) == Code::kInternal ? Code::kUnavailable : CodeForSqlite(rc),
                 "store " + path + ": cannot open: " + detail};
  }
  sqlite3_extended_result_codes(db, 1);
  std::unique_ptr<Store> store(new Store(options, path, db));
  std::lock_guard<std::mutex> lock(store->mu_);
  sqlite3_busy_timeout(db, options.busy_timeout_ms);

  if (!options.read_only) {
    // journal_mode answers with the mode in effect; anything but "wal" means WAL is
    // unavailable (e.g. no shared memory on this file system).
    Result<sqlite3_stmt*> raw = store->Prepare("PRAGMA journal_mode=WAL");
    if (!raw) return raw.error();
    Statement wal(*store, *raw);
    Result<bool> row = wal.Step("switching to WAL mode");
    if (!row) return row.error();
    if (!*row || wal.Text(0) != "wal") {
      return Unavailable("store " + path + ": cannot switch to WAL mode (journal_mode is '" +
                         (*row ? wal.Text(0) : std::string()) + "')");
    }
  }
  BW_TRY(store->Exec("PRAGMA synchronous=FULL", "setting synchronous=FULL"));
  BW_TRY(store->Exec("PRAGMA foreign_keys=ON", "enabling foreign keys"));
  if (options.max_page_count_for_test > 0) {
    const std::string sql =
        "PRAGMA max_page_count=" + std::to_string(options.max_page_count_for_test);
    BW_TRY(store->Exec(sql.c_str(), "setting max_page_count"));
  }
  BW_TRY(store->Migrate());
  return store;
}

Result<void> Store::Migrate() {
  int version = 0;
  {
    BW_PREPARE(q, "PRAGMA user_version");
    Result<bool> row = q.Step("reading the schema version");
    if (!row) return row.error();
    version = *row ? static_cast<int>(q.Int(0)) : 0;
  }
  if (version > kSchemaVersion) {
    return InvalidArgument("store " + path_ + ": schema version " + std::to_string(version) +
                           " is newer than this binary's " + std::to_string(kSchemaVersion) +
                           "; run a newer babelwatch or move the file away");
  }
  if (version < kSchemaVersion && options_.read_only) {
    return Unavailable("store " + path_ + ": schema version " + std::to_string(version) +
                       " needs migrating to " + std::to_string(kSchemaVersion) +
                       ", but the store is opened read-only");
  }
  for (int v = version; v < kSchemaVersion; ++v) {
    const std::string what = "migrating schema to version " + std::to_string(v + 1);
    Transaction txn(*this);
    BW_TRY(txn.Begin(what));
    BW_TRY(Exec(kMigrations[v], what));
    const std::string set = "PRAGMA user_version=" + std::to_string(v + 1);
    BW_TRY(Exec(set.c_str(), what));
    BW_TRY(txn.Commit(what));
  }
  return {};
}

Result<int> Store::SchemaVersion() {
  std::lock_guard<std::mutex> lock(mu_);
  BW_PREPARE(q, "PRAGMA user_version");
  Result<bool> row = q.Step("reading the schema version");
  if (!row) return row.error();
  return *row ? static_cast<int>(q.Int(0)) : 0;
}

// --- Feed state -----------------------------------------------------------------------

Result<void> Store::PutFeedState(std::string_view feed_id, std::string_view json, int64_t now_ms) {
  std::lock_guard<std::mutex> lock(mu_);
  BW_PREPARE(q,
             "INSERT INTO feed_state(feed_id, json, updated_ms) VALUES(?1, ?2, ?3) "
             "ON CONFLICT(feed_id) DO UPDATE SET json = excluded.json, "
             "updated_ms = excluded.updated_ms");
  q.Bind(1, feed_id);
  q.Bind(2, json);
  q.Bind(3, now_ms);
  return q.Run("saving the state of feed \"" + std::string(feed_id) + "\"");
}

Result<std::vector<FeedState>> Store::LoadFeedStates() {
  std::lock_guard<std::mutex> lock(mu_);
  BW_PREPARE(q, "SELECT feed_id, json, updated_ms FROM feed_state ORDER BY feed_id");
  std::vector<FeedState> out;
  for (;;) {
    Result<bool> row = q.Step("loading feed states");
    if (!row) return row.error();
    if (!*row) break;
    out.push_back(FeedState{q.Text(0), q.Text(1), q.Int(2)});
  }
  return out;
}

Result<void> Store::DeleteFeedState(std::string_view feed_id) {
  std::lock_guard<std::mutex> lock(mu_);
  BW_PREPARE(q, "DELETE FROM feed_state WHERE feed_id = ?1");
  q.Bind(1, feed_id);
  return q.Run("deleting the state of feed \"" + std::string(feed_id) + "\"");
}

// --- Seen items -----------------------------------------------------------------------

Result<Store::SeenMatch> Store::FindSeenLocked(std::string_view feed_id, std::string_view item_id,
                                               std::string_view url, std::string_view what) {
  {
    BW_PREPARE(q, "SELECT seen_ms FROM seen_items WHERE feed_id = ?1 AND item_id = ?2");
    q.Bind(1, feed_id);
    q.Bind(2, item_id);
    Result<bool> row = q.Step(what);
    if (!row) return row.error();
    if (*row) return SeenMatch{SeenMatch::Key::kId, q.Int(0)};
  }
  if (url.empty()) return SeenMatch{};
  BW_PREPARE(q, "SELECT seen_ms FROM seen_items WHERE feed_id = ?1 AND url = ?2 LIMIT 1");
  q.Bind(1, feed_id);
  q.Bind(2, url);
  Result<bool> row = q.Step(what);
  if (!row) return row.error();
  if (*row) return SeenMatch{SeenMatch::Key::kUrl, q.Int(0)};
  return SeenMatch{};
}

Result<bool> Store::MarkSeen(std::string_view feed_id, std::string_view item_id,
                             std::string_view url, int64_t now_ms) {
  std::lock_guard<std::mutex> lock(mu_);
  const std::string what =
      "marking item \"" + std::string(item_id) + "\" of feed \"" + std::string(feed_id) + "\" seen";
  Result<SeenMatch> match = FindSeenLocked(feed_id, item_id, url, what);
  if (!match) return match.error();
  if (match->key != SeenMatch::Key::kNone) {
    // A known item is touched when its record is older than half the retention, so an item
    // that stays in its feed for longer than the retention is not taken for new, without
    // a write on every poll.
    const int64_t stale_before = now_ms - options_.seen_retention_ms / 2;
    if (match->seen_ms < stale_before) {
      const bool by_id = match->key == SeenMatch::Key::kId;
      BW_PREPARE(u, by_id ? "UPDATE seen_items SET seen_ms = ?1 WHERE feed_id = ?2 "
                            "AND item_id = ?3 AND seen_ms < ?4"
                          : "UPDATE seen_items SET seen_ms = ?1 WHERE feed_id = ?2 "
                            "AND url = ?3 AND seen_ms < ?4");
      u.Bind(1, now_ms);
      u.Bind(2, feed_id);
      u.Bind(3, by_id ? item_id : url);
      u.Bind(4, stale_before);
      BW_TRY(u.Run(what));
    }
    return false;
  }
  BW_PREPARE(ins, "INSERT INTO seen_items(feed_id, item_id, url, seen_ms) VALUES(?1,?2,?3,?4)");
  ins.Bind(1, feed_id);
  ins.Bind(2, item_id);
  ins.Bind(3, url);
  ins.Bind(4, now_ms);
  BW_TRY(ins.Run(what));
  return true;
}

Result<bool> Store::IsSeen(std::string_view feed_id, std::string_view item_id,
                           std::string_view url) {
  std::lock_guard<std::mutex> lock(mu_);
  const std::string what =
      "looking up item \"" + std::string(item_id) + "\" of feed \"" + std::string(feed_id) + "\"";
  Result<SeenMatch> match = FindSeenLocked(feed_id, item_id, url, what);
  if (!match) return match.error();
  return match->key != SeenMatch::Key::kNone;
}

// --- Detection window -----------------------------------------------------------------

Result<void> Store::SaveDocumentLocked(const WindowDocument& doc) {
  BW_PREPARE(q,
             "INSERT INTO documents(feed_id, item_id, source, url, title, text, published_ms, "
             "lang_hint, story, lang, syndicated) VALUES(?1,?2,?3,?4,?5,?6,?7,?8,?9,?10,?11) "
             "ON CONFLICT(feed_id, item_id) DO UPDATE SET source = excluded.source, "
             "url = excluded.url, title = excluded.title, text = excluded.text, "
             "published_ms = excluded.published_ms, lang_hint = excluded.lang_hint, "
             "story = excluded.story, lang = excluded.lang, syndicated = excluded.syndicated");
  const Item& it = doc.item;
  q.Bind(1, it.feed_id);
  q.Bind(2, it.id);
  q.Bind(3, it.source);
  q.Bind(4, it.url);
  q.Bind(5, it.title);
  q.Bind(6, it.text);
  q.Bind(7, it.published_ms);
  q.Bind(8, it.lang_hint);
  q.Bind(9, ToSql(doc.story));
  q.Bind(10, doc.lang);
  q.Bind(11, static_cast<int64_t>(doc.syndicated ? 1 : 0));
  return q.Run("saving document \"" + it.id + "\"");
}

Result<void> Store::SaveDocument(const WindowDocument& doc) {
  std::lock_guard<std::mutex> lock(mu_);
  return SaveDocumentLocked(doc);
}

Result<void> Store::SaveDocuments(const std::vector<WindowDocument>& docs) {
  std::lock_guard<std::mutex> lock(mu_);
  const std::string what = "saving " + std::to_string(docs.size()) + " documents";
  Transaction txn(*this);
  BW_TRY(txn.Begin(what));
  for (const WindowDocument& doc : docs) BW_TRY(SaveDocumentLocked(doc));
  return txn.Commit(what);
}

Result<void> Store::SaveStory(const StorySummary& story) {
  std::lock_guard<std::mutex> lock(mu_);
  BW_PREPARE(q,
             "INSERT INTO stories(id, last_seen_ms, json) VALUES(?1, ?2, ?3) "
             "ON CONFLICT(id) DO UPDATE SET last_seen_ms = excluded.last_seen_ms, "
             "json = excluded.json");
  q.Bind(1, ToSql(story.id));
  q.Bind(2, story.last_seen_ms);
  q.Bind(3, EncodeStory(story));
  return q.Run("saving story " + std::to_string(story.id));
}

Result<WindowSnapshot> Store::LoadWindow(int64_t since_ms) {
  std::lock_guard<std::mutex> lock(mu_);
  WindowSnapshot out;
  {
    BW_PREPARE(q,
               "SELECT feed_id, item_id, source, url, title, text, published_ms, lang_hint, "
               "story, lang, syndicated FROM documents WHERE published_ms >= ?1 "
               "ORDER BY published_ms, seq");
    q.Bind(1, since_ms);
    for (;;) {
      Result<bool> row = q.Step("loading window documents");
      if (!row) return row.error();
      if (!*row) break;
      WindowDocument d;
      d.item.feed_id = q.Text(0);
      d.item.id = q.Text(1);
      d.item.source = q.Text(2);
      d.item.url = q.Text(3);
      d.item.title = q.Text(4);
      d.item.text = q.Text(5);
      d.item.published_ms = q.Int(6);
      d.item.lang_hint = q.Text(7);
      d.story = FromSql(q.Int(8));
      d.lang = q.Text(9);
      d.syndicated = q.Int(10) != 0;
      out.documents.push_back(std::move(d));
    }
  }
  BW_PREPARE(q, "SELECT id, json FROM stories WHERE last_seen_ms >= ?1 ORDER BY id");
  q.Bind(1, since_ms);
  for (;;) {
    Result<bool> row = q.Step("loading window stories");
    if (!row) return row.error();
    if (!*row) break;
    Result<StorySummary> story = DecodeStory(q.Text(1));
    if (!story) {
      return Internal("store " + path_ + ": story " + std::to_string(FromSql(q.Int(0))) + ": " +
                      story.error().message);
    }
    out.stories.push_back(std::move(*story));
  }
  return out;
}

// --- Accepted alerts and the outbox ---------------------------------------------------

Result<bool> Store::Enqueue(const Alert& alert, const std::vector<std::string>& sinks,
                            int64_t now_ms, std::string_view scope) {
  if (alert.idempotency_key.empty()) {
    return InvalidArgument("store: alert for story " + std::to_string(alert.story) +
                           " has an empty idempotency key");
  }
  std::set<std::string_view> unique;
  for (const std::string& s : sinks) {
    if (s.empty()) {
      return InvalidArgument("store: alert \"" + alert.idempotency_key + "\": empty sink name");
    }
    if (!unique.insert(s).second) {
      return InvalidArgument("store: alert \"" + alert.idempotency_key + "\": sink \"" + s +
                             "\" listed twice");
    }
  }
  std::lock_guard<std::mutex> lock(mu_);
  const std::string what = "accepting alert \"" + alert.idempotency_key + "\"";
  Transaction txn(*this);
  BW_TRY(txn.Begin(what));
  {
    BW_PREPARE(q,
               "INSERT INTO alerts(idempotency_key, story, kind, languages, at_ms, "
               "accepted_ms, json) VALUES(?1,?2,?3,?4,?5,?6,?7) "
               "ON CONFLICT(idempotency_key) DO NOTHING");
    q.Bind(1, alert.idempotency_key);
    q.Bind(2, ToSql(alert.story));
    q.Bind(3, alert.kind);
    q.Bind(4, static_cast<int64_t>(alert.languages.size()));
    q.Bind(5, alert.at_ms);
    q.Bind(6, now_ms);
    q.Bind(7, EncodeAlert(alert));
    BW_TRY(q.Run(what));
    if (sqlite3_changes(db_) == 0) return false;  // accepted before; txn rolls back
  }
  {
    BW_PREPARE(q,
               "INSERT INTO spread_state(story, scope, languages_alerted, last_alert_ms, "
               "updated_ms) VALUES(?1,?5,?2,?3,?4) ON CONFLICT(story, scope) DO UPDATE SET "
               "languages_alerted = max(languages_alerted, excluded.languages_alerted), "
               "last_alert_ms = max(last_alert_ms, excluded.last_alert_ms), "
               "updated_ms = excluded.updated_ms");
    q.Bind(1, ToSql(alert.story));
    q.Bind(2, static_cast<int64_t>(alert.languages.size()));
    q.Bind(3, alert.at_ms);
    q.Bind(4, now_ms);
    q.Bind(5, scope);
    BW_TRY(q.Run(what));
  }
  for (const std::string& sink : sinks) {
    BW_PREPARE(q,
               "INSERT INTO outbox(idempotency_key, sink, state, attempts, created_ms, "
               "next_attempt_ms) VALUES(?1, ?2, 0, 0, ?3, ?3)");
    q.Bind(1, alert.idempotency_key);
    q.Bind(2, sink);
    q.Bind(3, now_ms);
    BW_TRY(q.Run(what));
  }
  BW_TRY(txn.Commit(what));
  return true;
}

Result<std::vector<SpreadState>> Store::LoadSpreadStates() {
  std::lock_guard<std::mutex> lock(mu_);
  BW_PREPARE(q,
             "SELECT story, scope, languages_alerted, last_alert_ms FROM spread_state "
             "ORDER BY story, scope");
  std::vector<SpreadState> out;
  for (;;) {
    Result<bool> row = q.Step("loading spread states");
    if (!row) return row.error();
    if (!*row) break;
    out.push_back(SpreadState{FromSql(q.Int(0)), q.Text(1), static_cast<int>(q.Int(2)), q.Int(3)});
  }
  return out;
}

// Columns: id, sink, attempts, created_ms, next_attempt_ms, last_error, alert json, key.
// A row whose stored alert does not decode (a damaged file) must not block its sink: with
// `dead_letter_undecodable` it is moved to the dead letters and left out; otherwise it is
// returned with only the key set and the decode error in last_error.
Result<std::vector<OutboxEntry>> Store::ReadEntries(sqlite3_stmt* raw, std::string_view what,
                                                    bool dead_letter_undecodable) {
  std::vector<OutboxEntry> out;
  std::vector<std::pair<int64_t, std::string>> undecodable;
  {
    Statement q(*this, raw);
    for (;;) {
      Result<bool> row = q.Step(what);
      if (!row) return row.error();
      if (!*row) break;
      OutboxEntry e;
      e.id = q.Int(0);
      e.sink = q.Text(1);
      e.attempts = static_cast<int>(q.Int(2));
      e.created_ms = q.Int(3);
      e.next_attempt_ms = q.Int(4);
      e.last_error = q.Text(5);
      Result<Alert> alert = DecodeAlert(q.Text(6));
      if (!alert) {
        const std::string problem = "store " + path_ + ": outbox row " + std::to_string(e.id) +
                                    ": " + alert.error().message;
        if (dead_letter_undecodable) {
          undecodable.emplace_back(e.id, problem);
          continue;
        }
        e.alert.idempotency_key = q.Text(7);
        e.last_error = problem;
      } else {
        e.alert = std::move(*alert);
      }
      out.push_back(std::move(e));
    }
  }
  for (const auto& [id, problem] : undecodable) {
    BW_PREPARE(u, "UPDATE outbox SET state = 1, last_error = ?2 WHERE id = ?1 AND state = 0");
    u.Bind(1, id);
    u.Bind(2, problem);
    BW_TRY(u.Run("dead-lettering undecodable outbox row " + std::to_string(id)));
  }
  return out;
}

#define BW_OUTBOX_COLUMNS                                                                    \
  "SELECT o.id, o.sink, o.attempts, o.created_ms, o.next_attempt_ms, o.last_error, a.json, " \
  "o.idempotency_key "                                                                       \
  "FROM outbox o JOIN alerts a ON a.idempotency_key = o.idempotency_key "

Result<std::vector<OutboxEntry>> Store::Due(int64_t now_ms, std::string_view sink, int limit) {
  std::lock_guard<std::mutex> lock(mu_);
  Result<sqlite3_stmt*> stmt =
      sink.empty() ? Prepare(BW_OUTBOX_COLUMNS
                             "WHERE o.state = 0 AND o.next_attempt_ms <= ?1 "
                             "ORDER BY o.next_attempt_ms, o.id LIMIT ?2")
                   : Prepare(BW_OUTBOX_COLUMNS
                             "WHERE o.sink = ?3 AND o.state = 0 AND o.next_attempt_ms <= ?1 "
                             "ORDER BY o.next_attempt_ms, o.id LIMIT ?2");
  if (!stmt) return stmt.error();
  sqlite3_bind_int64(*stmt, 1, now_ms);
  sqlite3_bind_int64(*stmt, 2, limit);
  if (!sink.empty()) {
    sqlite3_bind_text64(*stmt, 3, sink.data(), sink.size(), SQLITE_TRANSIENT, SQLITE_UTF8);
  }
  return ReadEntries(*stmt, "reading due outbox rows", true);
}

Result<std::vector<OutboxEntry>> Store::Pending(int limit) {
  std::lock_guard<std::mutex> lock(mu_);
  Result<sqlite3_stmt*> stmt =
      Prepare(BW_OUTBOX_COLUMNS "WHERE o.state = 0 ORDER BY o.id LIMIT ?1");
  if (!stmt) return stmt.error();
  sqlite3_bind_int64(*stmt, 1, limit);
  return ReadEntries(*stmt, "reading pending outbox rows", false);
}

Result<std::vector<OutboxEntry>> Store::DeadLetters(int limit) {
  std::lock_guard<std::mutex> lock(mu_);
  Result<sqlite3_stmt*> stmt =
      Prepare(BW_OUTBOX_COLUMNS "WHERE o.state = 1 ORDER BY o.id LIMIT ?1");
  if (!stmt) return stmt.error();
  sqlite3_bind_int64(*stmt, 1, limit);
  return ReadEntries(*stmt, "reading dead letters", false);
}

#undef BW_OUTBOX_COLUMNS

Result<std::optional<int64_t>> Store::NextAttemptMs() {
  std::lock_guard<std::mutex> lock(mu_);
  BW_PREPARE(q, "SELECT min(next_attempt_ms) FROM outbox WHERE state = 0");
  Result<bool> row = q.Step("reading the next outbox attempt time");
  if (!row) return row.error();
  if (!*row || sqlite3_column_type(q.get(), 0) == SQLITE_NULL) return std::optional<int64_t>();
  return std::optional<int64_t>(q.Int(0));
}

Result<void> Store::MarkDelivered(int64_t id) {
  std::lock_guard<std::mutex> lock(mu_);
  BW_PREPARE(q, "DELETE FROM outbox WHERE id = ?1 AND state = 0");
  q.Bind(1, id);
  const std::string what = "marking outbox row " + std::to_string(id) + " delivered";
  BW_TRY(q.Run(what));
  if (sqlite3_changes(db_) == 0) return NotFound("store: " + what + ": no such pending row");
  return {};
}

Result<void> Store::MarkFailed(int64_t id, int64_t next_attempt_ms, std::string_view error) {
  std::lock_guard<std::mutex> lock(mu_);
  BW_PREPARE(q,
             "UPDATE outbox SET attempts = attempts + 1, next_attempt_ms = ?2, last_error = ?3 "
             "WHERE id = ?1 AND state = 0");
  q.Bind(1, id);
  q.Bind(2, next_attempt_ms);
  q.Bind(3, error);
  const std::string what = "recording a failed attempt of outbox row " + std::to_string(id);
  BW_TRY(q.Run(what));
  if (sqlite3_changes(db_) == 0) return NotFound("store: " + what + ": no such pending row");
  return {};
}

Result<void> Store::DeadLetter(int64_t id, std::string_view error) {
  std::lock_guard<std::mutex> lock(mu_);
  BW_PREPARE(q,
             "UPDATE outbox SET state = 1, attempts = attempts + 1, last_error = ?2 "
             "WHERE id = ?1 AND state = 0");
  q.Bind(1, id);
  q.Bind(2, error);
  const std::string what = "dead-lettering outbox row " + std::to_string(id);
  BW_TRY(q.Run(what));
  if (sqlite3_changes(db_) == 0) return NotFound("store: " + what + ": no such pending row");
  return {};
}

Result<void> Store::Requeue(int64_t id, int64_t now_ms) {
  std::lock_guard<std::mutex> lock(mu_);
  BW_PREPARE(q,
             "UPDATE outbox SET state = 0, attempts = 0, next_attempt_ms = ?2 "
             "WHERE id = ?1 AND state = 1");
  q.Bind(1, id);
  q.Bind(2, now_ms);
  const std::string what = "requeueing outbox row " + std::to_string(id);
  BW_TRY(q.Run(what));
  if (sqlite3_changes(db_) == 0) return NotFound("store: " + what + ": no such dead letter");
  return {};
}

Result<std::vector<SinkDepth>> Store::Depth() {
  std::lock_guard<std::mutex> lock(mu_);
  BW_PREPARE(q,
             "SELECT sink, sum(state = 0), sum(state = 1) FROM outbox GROUP BY sink "
             "ORDER BY sink");
  std::vector<SinkDepth> out;
  for (;;) {
    Result<bool> row = q.Step("counting outbox rows");
    if (!row) return row.error();
    if (!*row) break;
    out.push_back(SinkDepth{q.Text(0), q.Int(1), q.Int(2)});
  }
  return out;
}

// --- Retention ------------------------------------------------------------------------

Result<PruneCounts> Store::Prune(int64_t now_ms, int64_t window_since_ms) {
  std::lock_guard<std::mutex> lock(mu_);
  const std::string what = "pruning old records";
  PruneCounts counts;
  Transaction txn(*this);
  BW_TRY(txn.Begin(what));
  auto run = [&](const char* sql, int64_t before, int64_t& count) -> Result<void> {
    BW_PREPARE(q, sql);
    q.Bind(1, before);
    BW_TRY(q.Run(what));
    count = sqlite3_changes(db_);
    return {};
  };
  BW_TRY(run("DELETE FROM seen_items WHERE seen_ms < ?1", now_ms - options_.seen_retention_ms,
             counts.seen));
  BW_TRY(run("DELETE FROM documents WHERE published_ms < ?1", window_since_ms, counts.documents));
  BW_TRY(run("DELETE FROM stories WHERE last_seen_ms < ?1", window_since_ms, counts.stories));
  const int64_t alerts_before = now_ms - options_.alert_retention_ms;
  BW_TRY(
      run("DELETE FROM alerts WHERE accepted_ms < ?1 AND NOT EXISTS "
          "(SELECT 1 FROM outbox o WHERE o.idempotency_key = alerts.idempotency_key)",
          alerts_before, counts.alerts));
  int64_t spread = 0;
  BW_TRY(
      run("DELETE FROM spread_state WHERE updated_ms < ?1 AND NOT EXISTS "
          "(SELECT 1 FROM alerts a WHERE a.story = spread_state.story)",
          alerts_before, spread));
  BW_TRY(txn.Commit(what));
  return counts;
}

#undef BW_PREPARE
#undef BW_TRY

}  // namespace babelwatch::store
