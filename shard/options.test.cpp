// The storage keys reach the store and the writer: a value set in the configuration is the
// value the writer runs with.
#include "shard/options.hpp"

#include <gtest/gtest.h>

namespace strata::shard {
namespace {

TEST(options, storage_keys_become_store_and_writer_options) {
  config::sources from;
  from.flags = {{"storage.cache_bytes", "1048576"},
                {"storage.batch_delay_us", "250"},
                {"storage.queue_updates_max", "7"},
                {"storage.applied_window", "99"},
                {"storage.recompress_slice_chunks", "3"}};
  auto c = config::load(from);
  ASSERT_TRUE(c.ok()) << c.error().to_string();
  const store_options s = store_options_of(c->storage, "/tmp/x");
  EXPECT_EQ(s.directory, "/tmp/x");
  EXPECT_EQ(s.cache_bytes, 1048576u);
  EXPECT_EQ(s.applied_window, 99u);
  EXPECT_EQ(s.map_bytes, c->storage.map_bytes);
  const writer_options w = writer_options_of(c->storage);
  EXPECT_EQ(w.batch_delay, std::chrono::microseconds(250));
  EXPECT_EQ(w.queue_updates_max, 7u);
  EXPECT_EQ(recompressor_options_of(c->storage).slice_chunks, 3u);
  // A map that may not grow to its own starting size is refused where the keys are read.
  from.flags = {{"storage.map_bytes", "4194304"}, {"storage.map_bytes_max", "2097152"}};
  auto bad = config::load(from);
  ASSERT_FALSE(bad.ok());
  EXPECT_EQ(bad.error().code, base::errc::invalid_config);
}

}  // namespace
}  // namespace strata::shard
