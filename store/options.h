// File: store/options.h
#pragma once

#include <cstdint>
#include <string>

namespace babelwatch::store {

struct StoreOptions {
  std::string state_dir = "/var/lib/babelwatch";  // holds babelwatch.db (SQLite, WAL)
  // Seen-item records older than this are pruned by Store::Prune().
  int64_t seen_retention_ms = 30LL * 24 * 3600 * 1000;
  // Accepted-alert records (idempotency keys and spread state) older than this are pruned.
  int64_t alert_retention_ms = 30LL * 24 * 3600 * 1000;
  // How long a statement waits for a lock held by another process before failing.
  int busy_timeout_ms = 5000;
  // Opens the database read-only (inspection tools; tests use it to simulate an unwritable
  // store). Open() fails if the database does not exist yet.
  bool read_only = false;
  // 0 = no limit. Caps the database at this many pages (SQLite max_page_count) so tests can
  // simulate a full disk; writes past it fail with kUnavailable.
  int64_t max_page_count_for_test = 0;

  bool operator==(const StoreOptions&) const = default;
};

}  // namespace babelwatch::store
