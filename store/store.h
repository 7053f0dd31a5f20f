// File: store/store.h
//
// Store: the daemon's durable state in one SQLite database, <state_dir>/babelwatch.db, in
// WAL mode with synchronous=FULL (a commit survives a crash and a power cut). It holds:
//   - feed state: one opaque JSON blob per feed id (HTTP validators, backoff, ...);
//   - seen items: which (feed, item id) and (feed, url) were already ingested;
//   - the detection window: documents with the story they were assigned to, and story
//     summaries, so a restart rebuilds the window instead of forgetting it;
//   - the accepted-alert log and per-story spread state (how many languages were already
//     alerted), so a restart never alerts the same threshold twice;
//   - the alert outbox: one row per (alert, sink), written before delivery and deleted only
//     when the sink acknowledged it; rows that exhaust their attempts become dead letters.
//
// Usage:
//   auto store = Store::Open(options);            // creates the directory and the schema
//   if (!store) { log(store.error()); exit(...); }
//   Result<bool> added = (*store)->Enqueue(alert, {"slack"}, now_ms);
//
// Schema: versioned with PRAGMA user_version; Open() applies the missing migrations in
// order, each in its own transaction, and refuses a database written by a newer version.
//
// Threads: thread-safe. One SQLite connection, internally synchronized by a mutex; every
// method is a blocking call that may do disk I/O (an fsync per write transaction), so keep
// it off threads where latency matters (the HTTP server, the fetch loop's strand).
//
// Errors: every method returns a Result. I/O problems (disk full, read-only file or
// directory, I/O error, locked by another process) are kUnavailable with the SQLite message
// and the database path; a stored blob that fails to decode is kInternal naming the row.
// A failed write leaves the database as it was before the call (one transaction per call).
#pragma once

#include <cstdint>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "core/item.h"
#include "core/result.h"
#include "core/story.h"
#include "store/options.h"

struct sqlite3;
struct sqlite3_stmt;

namespace babelwatch::store {

struct FeedState {
  std::string feed_id;
  std::string json;  // opaque to the store
  int64_t updated_ms = 0;
};

// One document of the detection window, as detect/ assigned it.
struct WindowDocument {
  Item item;
  StoryId story = 0;
  std::string lang;  // the language the document was analyzed as
  bool syndicated = false;
};

struct WindowSnapshot {
  std::vector<WindowDocument> documents;  // by published time, then by insertion order
  std::vector<StorySummary> stories;      // by id
};

// What the spread detector needs to not alert again after a restart.
struct SpreadState {
  StoryId story = 0;
  std::string scope;          // the watch-list the alerts were raised for ("" = global)
  int languages_alerted = 0;  // the largest language count an accepted alert announced
  int64_t last_alert_ms = 0;  // at_ms of the latest accepted alert of the story
};

// One (alert, sink) delivery in the outbox.
struct OutboxEntry {
  int64_t id = 0;  // unique, increasing in order of acceptance
  std::string sink;
  Alert alert;       // as accepted (idempotency key in alert.idempotency_key)
  int attempts = 0;  // failed delivery attempts so far
  int64_t created_ms = 0;
  int64_t next_attempt_ms = 0;  // not delivered before this time
  std::string last_error;       // "" until an attempt failed
};

struct SinkDepth {
  std::string sink;
  int64_t pending = 0;  // waiting for (re)delivery
  int64_t dead = 0;     // dead letters
};

struct PruneCounts {
  int64_t seen = 0;
  int64_t documents = 0;
  int64_t stories = 0;
  int64_t alerts = 0;
};

class Store {
 public:
  static constexpr int kSchemaVersion = 2;
  static constexpr const char* kFileName = "babelwatch.db";

  // Creates options.state_dir if missing, opens (or creates) the database and migrates it.
  // kUnavailable if the directory or file can't be created, opened or written (naming the
  // path); kInvalidArgument if the database is newer than this binary or not a database.
  [[nodiscard]] static Result<std::unique_ptr<Store>> Open(const StoreOptions& options);

  ~Store();
  Store(const Store&) = delete;
  Store& operator=(const Store&) = delete;

  // The database file's path.
  [[nodiscard]] const std::string& path() const { return path_; }
  // The schema version of the open database (kSchemaVersion once Open() succeeded).
  [[nodiscard]] Result<int> SchemaVersion();

  // --- Feed state ---------------------------------------------------------------------
  // Replaces the blob of `feed_id`.
  [[nodiscard]] Result<void> PutFeedState(std::string_view feed_id, std::string_view json,
                                          int64_t now_ms);
  // Every feed's blob, by feed id.
  [[nodiscard]] Result<std::vector<FeedState>> LoadFeedStates();
  // Forgets a feed removed from the config (no error if absent).
  [[nodiscard]] Result<void> DeleteFeedState(std::string_view feed_id);

  // --- Seen items ---------------------------------------------------------------------
  // Records the item and returns true if it is new: neither its id nor its (non-empty) url
  // was seen before in this feed. An item whose id changed but whose url is known is not
  // new (nothing is recorded then).
  [[nodiscard]] Result<bool> MarkSeen(std::string_view feed_id, std::string_view item_id,
                                      std::string_view url, int64_t now_ms);
  // True if MarkSeen() would call the item known (its id, or its non-empty url, was seen in
  // this feed). Reads only.
  [[nodiscard]] Result<bool> IsSeen(std::string_view feed_id, std::string_view item_id,
                                    std::string_view url);

  // --- Detection window ---------------------------------------------------------------
  // Inserts or replaces (same feed id and item id) documents, in one transaction.
  [[nodiscard]] Result<void> SaveDocument(const WindowDocument& doc);
  [[nodiscard]] Result<void> SaveDocuments(const std::vector<WindowDocument>& docs);
  // Inserts or replaces the summary of story.id.
  [[nodiscard]] Result<void> SaveStory(const StorySummary& story);
  // Documents published at or after since_ms, and stories last seen at or after it.
  [[nodiscard]] Result<WindowSnapshot> LoadWindow(int64_t since_ms);

  // --- Accepted alerts and the outbox -------------------------------------------------
  // Accepts an alert: in one transaction, records its idempotency key, raises the spread
  // state of (story, scope), and adds one outbox row per sink, due at now_ms. `scope` is
  // the watch-list that raised it ("" = the global rules). Returns false (and
  // changes nothing) if an alert with this idempotency key was accepted before. Once this
  // returned true the alert is on disk and will be delivered or dead-lettered, never lost.
  // kInvalidArgument for an empty idempotency key or a duplicate sink name.
  [[nodiscard]] Result<bool> Enqueue(const Alert& alert, const std::vector<std::string>& sinks,
                                     int64_t now_ms, std::string_view scope = {});
  // Spread state of every (story, scope) with an accepted alert, by story then scope.
  [[nodiscard]] Result<std::vector<SpreadState>> LoadSpreadStates();

  // Pending rows with next_attempt_ms <= now_ms, oldest due first (ties by id), at most
  // `limit`; only for `sink` unless it is empty. A row whose stored alert no longer decodes
  // (a damaged file) is moved to the dead letters instead of blocking its sink.
  [[nodiscard]] Result<std::vector<OutboxEntry>> Due(int64_t now_ms, std::string_view sink = {},
                                                     int limit = 100);
  // Every pending row (due or not) in id order, at most `limit` (for /api/alerts).
  [[nodiscard]] Result<std::vector<OutboxEntry>> Pending(int limit = 100);
  // The earliest next_attempt_ms of a pending row, nullopt when none is pending.
  [[nodiscard]] Result<std::optional<int64_t>> NextAttemptMs();
  // The sink acknowledged the row: it is deleted. kNotFound if no pending row has this id.
  [[nodiscard]] Result<void> MarkDelivered(int64_t id);
  // An attempt failed: attempts+1, the error is kept and the row waits until
  // next_attempt_ms. kNotFound if no pending row has this id.
  [[nodiscard]] Result<void> MarkFailed(int64_t id, int64_t next_attempt_ms,
                                        std::string_view error);
  // Moves a pending row to the dead letters (counting the failed attempt that decided it).
  [[nodiscard]] Result<void> DeadLetter(int64_t id, std::string_view error);
  // Dead letters in id order, at most `limit`. (Pending() and DeadLetters() return a row
  // whose alert does not decode with only alert.idempotency_key set and the problem in
  // last_error.)
  [[nodiscard]] Result<std::vector<OutboxEntry>> DeadLetters(int limit = 100);
  // Puts a dead letter back in the queue, due at now_ms with zero attempts.
  [[nodiscard]] Result<void> Requeue(int64_t id, int64_t now_ms);
  // Pending and dead rows per sink, by sink name (sinks with no rows are absent).
  [[nodiscard]] Result<std::vector<SinkDepth>> Depth();

  // --- Retention ----------------------------------------------------------------------
  // Deletes seen items older than now_ms - seen_retention_ms, window documents published
  // and stories last seen before window_since_ms, and accepted-alert records (with their
  // spread state) older than now_ms - alert_retention_ms that no outbox row still needs.
  [[nodiscard]] Result<PruneCounts> Prune(int64_t now_ms, int64_t window_since_ms);

 private:
  class Statement;
  class Transaction;

  Store(StoreOptions options, std::string path, sqlite3* db);

  // All below require mu_ to be held.
  Error SqlError(std::string_view what) const;
  Error SqlError(std::string_view what, int rc) const;
  Result<void> Exec(const char* sql, std::string_view what);
  Result<sqlite3_stmt*> Prepare(const char* sql);
  Result<void> Migrate();
  Result<void> SaveDocumentLocked(const WindowDocument& doc);
  // The seen record of an item, found by (feed, item id), else by (feed, url) when `url` is
  // not empty; `key` is kNone when there is none. `what` is the context of errors.
  struct SeenMatch {
    enum class Key { kNone, kId, kUrl };
    Key key = Key::kNone;
    int64_t seen_ms = 0;
  };
  Result<SeenMatch> FindSeenLocked(std::string_view feed_id, std::string_view item_id,
                                   std::string_view url, std::string_view what);
  Result<std::vector<OutboxEntry>> ReadEntries(sqlite3_stmt* stmt, std::string_view what,
                                               bool dead_letter_undecodable);

  // Constant after construction.
  const StoreOptions options_;
  const std::string path_;

  std::mutex mu_;
  sqlite3* db_;  // GUARDED_BY(mu_)
  // Prepared statements keyed by their SQL text's address (string literals). GUARDED_BY(mu_)
  std::vector<std::pair<const char*, sqlite3_stmt*>> statements_;
};

}  // namespace babelwatch::store
