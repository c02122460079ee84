// The LMDB wrappers: values round-trip through a real environment on disk, errors come back as
// values, a failed transaction stays dead, and a full map grows.
#include "shard/lmdb.hpp"

#include <gtest/gtest.h>

#include <unistd.h>
#include "base/testing.hpp"

#include <filesystem>

namespace strata::shard::lmdb {
namespace {

using base::temp_dir;

environment open_env(const temp_dir& dir, std::uint64_t map_bytes = 1 << 20,
                     std::uint64_t map_bytes_max = 1ull << 30) {
  environment_options options;
  options.directory = dir.path();
  options.map_bytes = map_bytes;
  options.map_bytes_max = map_bytes_max;
  auto env = environment::open(options);
  EXPECT_TRUE(env.ok()) << env.error().to_string();
  return std::move(*env);
}

TEST(lmdb, values_round_trip_and_survive_reopening) {
  temp_dir dir;
  {
    environment env = open_env(dir);
    auto txn = transaction::begin(env, transaction::mode::write);
    ASSERT_TRUE(txn.ok());
    auto db = txn->open("things");
    ASSERT_TRUE(db.ok());
    ASSERT_TRUE(txn->put(*db, "a", "apple").ok());
    ASSERT_TRUE(txn->put(*db, std::string("b\0c", 3), std::string(5000, 'x')).ok());
    ASSERT_TRUE(txn->commit().ok());
  }
  environment env = open_env(dir);
  auto txn = transaction::begin(env, transaction::mode::read);
  ASSERT_TRUE(txn.ok());
  auto db = txn->open("things");
  ASSERT_TRUE(db.ok()) << db.error().to_string();
  auto a = txn->get(*db, "a");
  ASSERT_TRUE(a.ok() && a->has_value());
  EXPECT_EQ(**a, "apple");
  auto b = txn->get(*db, std::string("b\0c", 3));
  ASSERT_TRUE(b.ok() && b->has_value());
  EXPECT_EQ(**b, std::string(5000, 'x'));
  auto missing = txn->get(*db, "zzz");
  ASSERT_TRUE(missing.ok());
  EXPECT_FALSE(missing->has_value());
  auto entries = txn->entries(*db);
  ASSERT_TRUE(entries.ok());
  EXPECT_EQ(*entries, 2u);
}

TEST(lmdb, an_aborted_transaction_writes_nothing) {
  temp_dir dir;
  environment env = open_env(dir);
  {
    auto txn = transaction::begin(env, transaction::mode::write);
    auto db = txn->open("things");
    ASSERT_TRUE(txn->put(*db, "k", "v").ok());
    // destroyed without commit
  }
  // Not even the database was created.
  auto txn = transaction::begin(env, transaction::mode::read);
  auto db = txn->open("things");
  ASSERT_FALSE(db.ok());
  EXPECT_EQ(db.error().code, base::errc::not_found);
}

TEST(lmdb, a_failed_call_leaves_the_transaction_dead) {
  temp_dir dir;
  environment env = open_env(dir);
  auto txn = transaction::begin(env, transaction::mode::write);
  auto db = txn->open("things");
  ASSERT_TRUE(db.ok());
  // LMDB refuses an empty key (MDB_BAD_VALSIZE).
  auto bad = txn->put(*db, "", "v");
  ASSERT_FALSE(bad.ok());
  EXPECT_EQ(bad.error().code, base::errc::io_error);
  EXPECT_TRUE(txn->dead());
  EXPECT_FALSE(txn->put(*db, "k", "v").ok());
  EXPECT_FALSE(txn->commit().ok());
}

TEST(lmdb, a_full_map_is_reported_and_grows) {
  temp_dir dir;
  environment env = open_env(dir, 64 << 10, 16 << 20);
  const std::string value(1000, 'v');
  int written = 0;
  bool grew = false;
  while (written < 2000) {
    auto txn = transaction::begin(env, transaction::mode::write);
    ASSERT_TRUE(txn.ok());
    auto db = txn->open("things");
    ASSERT_TRUE(db.ok());
    base::status put = txn->put(*db, "key" + std::to_string(written), value);
    if (put.ok())
      put = txn->commit();
    if (!put.ok()) {
      ASSERT_TRUE(txn->map_full()) << put.error().to_string();
      txn->abort();
      ASSERT_TRUE(env.grow().ok());
      grew = true;
      continue;
    }
    ++written;
  }
  EXPECT_TRUE(grew);
  EXPECT_GT(env.map_bytes(), 64u << 10);
  // At the maximum, growing is an error that names the limit.
  while (env.map_bytes() < (16u << 20))
    ASSERT_TRUE(env.grow().ok());
  auto at_max = env.grow();
  ASSERT_FALSE(at_max.ok());
  EXPECT_NE(at_max.error().message.find("map_bytes_max"), std::string::npos);
}

TEST(lmdb, cursors_walk_in_key_order_and_delete) {
  temp_dir dir;
  environment env = open_env(dir);
  auto txn = transaction::begin(env, transaction::mode::write);
  auto db = txn->open("things");
  for (const char* k : {"c", "a", "d", "b"})
    ASSERT_TRUE(txn->put(*db, k, k).ok());
  auto c = cursor::open(*txn, *db);
  ASSERT_TRUE(c.ok());
  std::string order;
  for (auto at = c->first(); at.ok() && *at; at = c->next())
    order += c->key();
  EXPECT_EQ(order, "abcd");
  auto at = c->seek("bb");
  ASSERT_TRUE(at.ok() && *at);
  EXPECT_EQ(c->key(), "c");
  ASSERT_TRUE(c->erase().ok());
  auto after = c->next();
  ASSERT_TRUE(after.ok() && *after);
  EXPECT_EQ(c->key(), "d");
  auto last = c->last();
  ASSERT_TRUE(last.ok() && *last);
  EXPECT_EQ(c->key(), "d");
  auto entries = txn->entries(*db);
  EXPECT_EQ(*entries, 3u);
}

TEST(lmdb, a_directory_that_is_a_file_is_an_io_error) {
  temp_dir dir;
  std::filesystem::create_directories(std::filesystem::path(dir.path()).parent_path());
  FILE* f = std::fopen(dir.path().c_str(), "w");
  ASSERT_NE(f, nullptr);
  std::fclose(f);
  environment_options options;
  options.directory = dir.path();
  auto env = environment::open(options);
  ASSERT_FALSE(env.ok());
  EXPECT_EQ(env.error().code, base::errc::io_error);
  std::filesystem::remove(dir.path());
}

TEST(lmdb, a_damaged_file_is_corrupt_data) {
  temp_dir dir;
  std::filesystem::create_directories(dir.path());
  FILE* f = std::fopen((dir.path() + "/data.mdb").c_str(), "w");
  ASSERT_NE(f, nullptr);
  const std::string junk(16384, 'j');
  std::fwrite(junk.data(), 1, junk.size(), f);
  std::fclose(f);
  environment_options options;
  options.directory = dir.path();
  auto env = environment::open(options);
  ASSERT_FALSE(env.ok());
  EXPECT_EQ(env.error().code, base::errc::corrupt_data) << env.error().to_string();
}

}  // namespace
}  // namespace strata::shard::lmdb
