// Small RAII wrappers over LMDB (STYLE.md rule 7): the only code in strata that includes lmdb.h.
//
// The model is LMDB's own (lmdb.h): one environment is a memory-mapped file in a directory; one
// write transaction at a time, any number of read transactions, each a consistent snapshot. What
// these wrappers add:
//   - every MDB_* code becomes a base::error at this boundary, with a message that names the
//     operation, the database and the reason;
//   - a transaction is dead after any error: every later call on it fails, and its destructor
//     aborts it, so a half-done write never commits;
//   - MDB_MAP_FULL is not fatal: the transaction reports map_full(), the caller aborts it, calls
//     environment::grow() and runs the transaction again (LMDB only resizes with no transaction
//     active in this process).
//
// Errors: errc::not_found is never used for a missing key (get returns an empty optional);
// errc::corrupt_data for MDB_CORRUPTED, MDB_PAGE_NOTFOUND and MDB_INVALID; errc::io_error for
// the rest, including a full disk (ENOSPC), which a caller may retry once space is freed.
//
// Lifetimes: a value returned by get() or a cursor points into the map and is valid only until its
// transaction ends (TOOLCHAIN.md pitfall 7); copy it before then.
#pragma once

#include <lmdb.h>

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

#include "base/result.hpp"

namespace strata::shard::lmdb {

struct environment_options {
  /// An existing or new directory: LMDB keeps data.mdb and lock.mdb in it.
  std::string directory;
  /// The map's initial size; LMDB rounds it to pages. The file grows as data is written.
  std::uint64_t map_bytes = std::uint64_t{64} << 20;
  /// grow() doubles the map up to this size; beyond it writes fail with errc::io_error.
  std::uint64_t map_bytes_max = std::uint64_t{1} << 40;
  /// Named databases the environment may hold.
  unsigned databases_max = 16;
  /// Read transactions open at once across the process's threads.
  unsigned readers_max = 256;
};

class environment {
 public:
  /// Opens (creating the directory and the files when needed). errc::io_error naming the
  /// directory when it cannot be created or opened; errc::corrupt_data when the file is not an
  /// LMDB environment or is damaged; errc::invalid_argument for a map size of 0 or a maximum below
  /// it.
  static base::result<environment> open(const environment_options& options);

  environment(environment&& other) noexcept;
  environment& operator=(environment&& other) noexcept;
  environment(const environment&) = delete;
  environment& operator=(const environment&) = delete;
  ~environment();

  /// Doubles the map size, up to map_bytes_max. Call only with no transaction open in this
  /// process. errc::io_error when the maximum is reached already.
  base::status grow();
  /// The map's current size.
  std::uint64_t map_bytes() const;
  /// Bytes of pages in use: (last page number + 1) times the page size.
  std::uint64_t used_bytes() const;
  const std::string& directory() const { return options_.directory; }
  MDB_env* get() const { return env_; }

 private:
  environment(MDB_env* env, environment_options options)
      : env_(env), options_(std::move(options)) {}
  MDB_env* env_ = nullptr;
  environment_options options_;
};

/// A named database's handle: valid for the environment's lifetime once the transaction that
/// opened it has committed.
struct database {
  MDB_dbi handle = 0;
  const char* name = "";
};

class transaction {
 public:
  enum class mode : std::uint8_t { read, write };

  /// Begins a transaction. errc::io_error when LMDB refuses (e.g. too many readers).
  static base::result<transaction> begin(const environment& env, mode m);

  transaction(transaction&& other) noexcept;
  transaction& operator=(transaction&& other) noexcept;
  transaction(const transaction&) = delete;
  transaction& operator=(const transaction&) = delete;
  /// Aborts the transaction unless it was committed.
  ~transaction();

  /// Opens a named database, creating it in a write transaction; errc::not_found in a read
  /// transaction when it does not exist.
  base::result<database> open(const char* name);

  /// The value under `key`, empty when there is none. The view lives until the transaction ends.
  base::result<std::optional<std::string_view>> get(database db, std::string_view key);
  /// Stores `value` under `key`, replacing any value.
  base::status put(database db, std::string_view key, std::string_view value);
  /// Deletes `key`; true when it was there.
  base::result<bool> erase(database db, std::string_view key);
  /// Entries in the database.
  base::result<std::uint64_t> entries(database db);

  /// Commits (durably, unless the environment was opened without sync). The transaction ends
  /// either way.
  base::status commit();
  /// Ends the transaction without writing.
  void abort();

  /// Whether an earlier call failed: every later call fails too.
  bool dead() const { return dead_; }
  /// Whether the failure was MDB_MAP_FULL: abort, environment::grow(), and retry.
  bool map_full() const { return map_full_; }
  MDB_txn* get() const { return txn_; }

 private:
  explicit transaction(MDB_txn* txn) : txn_(txn) {}
  base::error failed(int rc, std::string_view operation, const char* db);
  base::status check_alive(std::string_view operation) const;

  MDB_txn* txn_ = nullptr;
  bool dead_ = false;
  bool map_full_ = false;
};

/// A walk over a database in key order, inside one transaction (which must outlive it).
class cursor {
 public:
  static base::result<cursor> open(transaction& txn, database db);

  cursor(cursor&& other) noexcept;
  cursor& operator=(cursor&& other) noexcept;
  cursor(const cursor&) = delete;
  cursor& operator=(const cursor&) = delete;
  ~cursor();

  /// Moves to the first entry whose key is at least `key`; false at the end.
  base::result<bool> seek(std::string_view key);
  /// Moves to the first entry; false when the database is empty.
  base::result<bool> first();
  /// Moves to the last entry; false when the database is empty.
  base::result<bool> last();
  /// Moves to the next entry; false at the end.
  base::result<bool> next();
  /// Deletes the current entry (write transactions only); next() then moves to the entry after it.
  base::status erase();

  /// The current entry: valid after a move that returned true, until the transaction ends.
  std::string_view key() const { return key_; }
  std::string_view value() const { return value_; }

 private:
  cursor(MDB_cursor* c, const char* name) : cursor_(c), name_(name) {}
  base::result<bool> move(MDB_cursor_op op, std::string_view key);

  MDB_cursor* cursor_ = nullptr;
  const char* name_ = "";
  std::string_view key_, value_;
};

/// The error for an MDB_* or errno code, naming the operation and database.
base::error error_of(int rc, std::string_view operation, std::string_view database);

}  // namespace strata::shard::lmdb
