// The shard map: lookups find the owning range, assignments split ranges and bump epochs, bytes
// round-trip and bad bytes are refused, and the map survives reopening its file.
#include "shard/shard_map.hpp"

#include <gtest/gtest.h>

#include "base/testing.hpp"

namespace strata::shard {
namespace {

TEST(shard_map, lookups_find_the_range_that_holds_a_region) {
  shard_map map;
  ASSERT_TRUE(assign(map, 100, 199, 1).ok());
  ASSERT_TRUE(assign(map, 300, 399, 2).ok());
  EXPECT_EQ(map.find(99), nullptr);
  EXPECT_EQ(map.find(100)->node, 1u);
  EXPECT_EQ(map.find(199)->node, 1u);
  EXPECT_EQ(map.find(250), nullptr);
  EXPECT_EQ(map.find(399)->node, 2u);
  EXPECT_EQ(map.find(~std::uint64_t{0}), nullptr);
}

TEST(shard_map, an_assignment_splits_what_it_cuts_and_bumps_every_changed_epoch) {
  shard_map map;
  ASSERT_TRUE(assign(map, 0, ~std::uint64_t{0}, 1).ok());
  EXPECT_EQ(map.version, 1u);
  EXPECT_EQ(map.find(12345)->epoch, 1u);
  ASSERT_TRUE(assign(map, 1000, 1999, 2).ok());
  ASSERT_EQ(map.ranges.size(), 3u);
  EXPECT_EQ(map.ranges[0], (shard_range{0, 999, 1, 2}));
  EXPECT_EQ(map.ranges[1], (shard_range{1000, 1999, 2, 2}));
  EXPECT_EQ(map.ranges[2], (shard_range{2000, ~std::uint64_t{0}, 1, 2}));
  // A change elsewhere leaves other ranges' epochs alone.
  ASSERT_TRUE(assign(map, 0, 999, 3).ok());
  EXPECT_EQ(map.find(500)->epoch, 3u);
  EXPECT_EQ(map.find(1500)->epoch, 2u);
  EXPECT_EQ(map.version, 3u);
  EXPECT_FALSE(assign(map, 5, 4, 1).ok());
}

TEST(shard_map, bytes_round_trip_and_bad_bytes_are_refused) {
  shard_map map;
  ASSERT_TRUE(assign(map, 10, 20, 7).ok());
  ASSERT_TRUE(assign(map, 30, 40, 8).ok());
  const std::string bytes = serialize(map);
  auto again = parse_shard_map(bytes);
  ASSERT_TRUE(again.ok()) << again.error().to_string();
  EXPECT_EQ(*again, map);
  for (std::size_t n = 0; n < bytes.size(); ++n)
    EXPECT_FALSE(parse_shard_map(bytes.substr(0, n)).ok()) << n;
  EXPECT_FALSE(parse_shard_map(bytes + "x").ok());
  std::string other_version = bytes;
  other_version[0] = 9;
  EXPECT_EQ(parse_shard_map(other_version).error().code, base::errc::unsupported_version);
  shard_map overlapping = map;
  overlapping.ranges[1].first = 15;
  EXPECT_EQ(parse_shard_map(serialize(overlapping)).error().code, base::errc::invalid_argument);
}

TEST(shard_map, the_file_keeps_the_map_across_reopening) {
  base::temp_dir dir;
  shard_map map;
  ASSERT_TRUE(assign(map, 1, 2, 3).ok());
  {
    auto file = map_store::open(dir.path());
    ASSERT_TRUE(file.ok()) << file.error().to_string();
    EXPECT_FALSE(*(*file)->load());
    ASSERT_TRUE((*file)->save(map).ok());
  }
  auto file = map_store::open(dir.path());
  auto loaded = (*file)->load();
  ASSERT_TRUE(loaded.ok() && loaded->has_value());
  EXPECT_EQ(**loaded, map);
}

}  // namespace
}  // namespace strata::shard
