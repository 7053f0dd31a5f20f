// File: store/options.h
#pragma once

#include <string>

namespace babelwatch::store {

struct StoreOptions {
  std::string state_dir = "/var/lib/babelwatch";  // holds babelwatch.db (SQLite, WAL)
};

}  // namespace babelwatch::store
