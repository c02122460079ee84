#include "shard/lmdb.hpp"

#include <cerrno>
#include <cstring>
#include <filesystem>
#include <system_error>
#include <utility>

namespace strata::shard::lmdb {

namespace {

MDB_val val_of(std::string_view bytes) {
  return MDB_val{bytes.size(), const_cast<char*>(bytes.data())};
}

std::string_view view_of(const MDB_val& v) {
  return {static_cast<const char*>(v.mv_data), v.mv_size};
}

}  // namespace

base::error error_of(int rc, std::string_view operation, std::string_view database) {
  std::string message = std::string(operation);
  if (!database.empty())
    message += " (" + std::string(database) + ")";
  message += ": ";
  message += mdb_strerror(rc);
  switch (rc) {
    case MDB_CORRUPTED:
    case MDB_PAGE_NOTFOUND:
    case MDB_INVALID:
    case MDB_VERSION_MISMATCH:
      return base::fail(base::errc::corrupt_data, message);
    case ENOSPC:
      return base::fail(base::errc::io_error, message + " (the disk is full)");
    default:
      return base::fail(base::errc::io_error, message);
  }
}

base::result<environment> environment::open(const environment_options& options) {
  if (options.map_bytes == 0 || options.map_bytes_max < options.map_bytes)
    return base::fail(base::errc::invalid_argument,
                      "the LMDB map size must be positive and at most its maximum (" +
                          std::to_string(options.map_bytes) + " > " +
                          std::to_string(options.map_bytes_max) + ")");
  std::error_code ec;
  std::filesystem::create_directories(options.directory, ec);
  if (ec)
    return base::fail(base::errc::io_error, "cannot create the data directory " +
                                                options.directory + ": " + ec.message());
  MDB_env* env = nullptr;
  if (int rc = mdb_env_create(&env); rc != 0)
    return error_of(rc, "mdb_env_create", "");
  environment owner(env, options);
  if (int rc = mdb_env_set_maxdbs(env, options.databases_max); rc != 0)
    return error_of(rc, "mdb_env_set_maxdbs", "");
  if (int rc = mdb_env_set_maxreaders(env, options.readers_max); rc != 0)
    return error_of(rc, "mdb_env_set_maxreaders", "");
  if (int rc = mdb_env_set_mapsize(env, options.map_bytes); rc != 0)
    return error_of(rc, "mdb_env_set_mapsize", "");
  // MDB_NOTLS: read transactions are not tied to the thread that began them, so actors on a
  // thread pool may use them. Writes stay fully synchronous: an acknowledged update is on disk.
  if (int rc = mdb_env_open(env, options.directory.c_str(), MDB_NOTLS, 0644); rc != 0)
    return error_of(rc, "opening the LMDB environment in " + options.directory, "");
  // An existing environment may be larger than asked: keep its size.
  MDB_envinfo info;
  mdb_env_info(env, &info);
  if (info.me_mapsize < options.map_bytes)
    mdb_env_set_mapsize(env, options.map_bytes);
  return owner;
}

environment::environment(environment&& other) noexcept
    : env_(std::exchange(other.env_, nullptr)), options_(std::move(other.options_)) {}

environment& environment::operator=(environment&& other) noexcept {
  if (this != &other) {
    if (env_)
      mdb_env_close(env_);
    env_ = std::exchange(other.env_, nullptr);
    options_ = std::move(other.options_);
  }
  return *this;
}

environment::~environment() {
  if (env_)
    mdb_env_close(env_);
}

std::uint64_t environment::map_bytes() const {
  MDB_envinfo info;
  mdb_env_info(env_, &info);
  return info.me_mapsize;
}

std::uint64_t environment::used_bytes() const {
  MDB_envinfo info;
  mdb_env_info(env_, &info);
  MDB_stat stat;
  mdb_env_stat(env_, &stat);
  return (static_cast<std::uint64_t>(info.me_last_pgno) + 1) * stat.ms_psize;
}

base::status environment::grow() {
  const std::uint64_t now = map_bytes();
  if (now >= options_.map_bytes_max)
    return base::fail(base::errc::io_error, "the LMDB map in " + options_.directory +
                                                " is full at its maximum of " +
                                                std::to_string(options_.map_bytes_max) +
                                                " bytes (storage.map_bytes_max)");
  const std::uint64_t next = std::min(now * 2, options_.map_bytes_max);
  if (int rc = mdb_env_set_mapsize(env_, next); rc != 0)
    return error_of(rc, "growing the LMDB map to " + std::to_string(next) + " bytes", "");
  return {};
}

base::result<transaction> transaction::begin(const environment& env, mode m) {
  MDB_txn* txn = nullptr;
  const unsigned flags = m == mode::read ? MDB_RDONLY : 0u;
  if (int rc = mdb_txn_begin(env.get(), nullptr, flags, &txn); rc != 0)
    return error_of(
        rc, m == mode::read ? "beginning a read transaction" : "beginning a write transaction", "");
  return transaction(txn);
}

transaction::transaction(transaction&& other) noexcept
    : txn_(std::exchange(other.txn_, nullptr)), dead_(other.dead_), map_full_(other.map_full_) {}

transaction& transaction::operator=(transaction&& other) noexcept {
  if (this != &other) {
    abort();
    txn_ = std::exchange(other.txn_, nullptr);
    dead_ = other.dead_;
    map_full_ = other.map_full_;
  }
  return *this;
}

transaction::~transaction() {
  abort();
}

void transaction::abort() {
  if (txn_)
    mdb_txn_abort(txn_);
  txn_ = nullptr;
}

base::error transaction::failed(int rc, std::string_view operation, const char* db) {
  dead_ = true;
  map_full_ = map_full_ || rc == MDB_MAP_FULL || rc == MDB_TXN_FULL;
  return error_of(rc, operation, db);
}

base::status transaction::check_alive(std::string_view operation) const {
  if (!txn_)
    return base::fail(base::errc::invalid_argument,
                      std::string(operation) + ": the transaction has ended");
  if (dead_)
    return base::fail(base::errc::io_error,
                      std::string(operation) + ": the transaction failed earlier");
  return {};
}

base::result<database> transaction::open(const char* name) {
  if (auto alive = check_alive("opening a database"); !alive)
    return alive.error();
  MDB_dbi dbi = 0;
  int rc = mdb_dbi_open(txn_, name, MDB_CREATE, &dbi);
  if (rc == EACCES)  // a read transaction cannot create: open without it
    rc = mdb_dbi_open(txn_, name, 0, &dbi);
  if (rc == MDB_NOTFOUND) {
    dead_ = true;
    return base::fail(base::errc::not_found,
                      std::string("the database ") + name + " does not exist in this environment");
  }
  if (rc != 0)
    return failed(rc, "opening a database", name);
  return database{dbi, name};
}

base::result<std::optional<std::string_view>> transaction::get(database db, std::string_view key) {
  if (auto alive = check_alive("get"); !alive)
    return alive.error();
  MDB_val k = val_of(key), v;
  const int rc = mdb_get(txn_, db.handle, &k, &v);
  if (rc == MDB_NOTFOUND)
    return std::optional<std::string_view>{};
  if (rc != 0)
    return failed(rc, "get", db.name);
  return std::optional<std::string_view>{view_of(v)};
}

base::status transaction::put(database db, std::string_view key, std::string_view value) {
  if (auto alive = check_alive("put"); !alive)
    return alive;
  MDB_val k = val_of(key), v = val_of(value);
  if (int rc = mdb_put(txn_, db.handle, &k, &v, 0); rc != 0)
    return failed(rc, "put", db.name);
  return {};
}

base::result<bool> transaction::erase(database db, std::string_view key) {
  if (auto alive = check_alive("delete"); !alive)
    return alive.error();
  MDB_val k = val_of(key);
  const int rc = mdb_del(txn_, db.handle, &k, nullptr);
  if (rc == MDB_NOTFOUND)
    return false;
  if (rc != 0)
    return failed(rc, "delete", db.name);
  return true;
}

base::result<std::uint64_t> transaction::entries(database db) {
  if (auto alive = check_alive("stat"); !alive)
    return alive.error();
  MDB_stat stat;
  if (int rc = mdb_stat(txn_, db.handle, &stat); rc != 0)
    return failed(rc, "stat", db.name);
  return static_cast<std::uint64_t>(stat.ms_entries);
}

base::status transaction::commit() {
  if (auto alive = check_alive("commit"); !alive) {
    abort();
    return alive;
  }
  const int rc = mdb_txn_commit(txn_);
  txn_ = nullptr;  // LMDB frees the transaction whether or not the commit succeeded
  if (rc != 0)
    return failed(rc, "commit", "");
  return {};
}

base::result<cursor> cursor::open(transaction& txn, database db) {
  if (txn.dead() || !txn.get())
    return base::fail(base::errc::io_error, "opening a cursor on a failed or ended transaction");
  MDB_cursor* c = nullptr;
  if (int rc = mdb_cursor_open(txn.get(), db.handle, &c); rc != 0)
    return error_of(rc, "opening a cursor", db.name);
  return cursor(c, db.name);
}

cursor::cursor(cursor&& other) noexcept
    : cursor_(std::exchange(other.cursor_, nullptr)),
      name_(other.name_),
      key_(other.key_),
      value_(other.value_) {}

cursor& cursor::operator=(cursor&& other) noexcept {
  if (this != &other) {
    if (cursor_)
      mdb_cursor_close(cursor_);
    cursor_ = std::exchange(other.cursor_, nullptr);
    name_ = other.name_;
    key_ = other.key_;
    value_ = other.value_;
  }
  return *this;
}

cursor::~cursor() {
  if (cursor_)
    mdb_cursor_close(cursor_);
}

base::result<bool> cursor::move(MDB_cursor_op op, std::string_view key) {
  MDB_val k = val_of(key), v{0, nullptr};
  const int rc = mdb_cursor_get(cursor_, &k, &v, op);
  if (rc == MDB_NOTFOUND) {
    key_ = value_ = {};
    return false;
  }
  if (rc != 0)
    return error_of(rc, "cursor", name_);
  key_ = view_of(k);
  value_ = view_of(v);
  return true;
}

base::result<bool> cursor::seek(std::string_view key) {
  return move(MDB_SET_RANGE, key);
}
base::result<bool> cursor::first() {
  return move(MDB_FIRST, {});
}
base::result<bool> cursor::last() {
  return move(MDB_LAST, {});
}
base::result<bool> cursor::next() {
  return move(MDB_NEXT, {});
}

base::status cursor::erase() {
  if (int rc = mdb_cursor_del(cursor_, 0); rc != 0)
    return error_of(rc, "cursor delete", name_);
  return {};
}

}  // namespace strata::shard::lmdb
