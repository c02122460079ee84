// A world in a store: importing real terrain stores almost nothing, its chunks read as the
// generator makes them, and a reopened store regenerates the same world.
#include "shard/world.hpp"

#include <gtest/gtest.h>

#include <algorithm>

#include "base/testing.hpp"
#include "geo/morton.hpp"

namespace strata::shard {
namespace {

geo::world_spec topobathy_spec() {
  return geology::sample_world_spec("topobathy");
}

TEST(world, an_imported_world_stores_almost_nothing_and_reads_as_generated) {
  const base::temp_dir dir("world");
  store_options options;
  options.directory = dir.path();
  options.log = [](std::string_view) {};
  auto terrain = geology::load_named("topobathy");
  ASSERT_TRUE(terrain.ok());
  const auto columns =
      geology::chunk_columns_under(*geo::grid::make(topobathy_spec()), *terrain, 100000);
  ASSERT_TRUE(columns.ok() && !columns->empty());
  const geology::chunk_column_id at = (*columns)[columns->size() / 2];
  const chunk_key key{at.region.id(), 0, geo::morton_encode(at.u, at.v, 6)};
  compression::chunk expected;
  {
    auto s = store::open(options);
    ASSERT_TRUE(s.ok());
    auto w = import_world(**s, topobathy_spec(), geology::generator_record{{}, *terrain});
    ASSERT_TRUE(w.ok()) << w.error().to_string();
    expected = (*w)->generator->generate(at.region, geo::chunk_coord{at.u, at.v, 6});
    // Layer 6 spans -80 m to 240 m: it holds the coast's surface, not one material.
    EXPECT_FALSE(std::all_of(expected.material.begin(), expected.material.end(),
                             [&](std::uint8_t m) { return m == expected.material[0]; }));
    auto c = (*s)->read(key);
    ASSERT_TRUE(c.ok());
    EXPECT_TRUE(**c == expected);
    // The layer above comes from the same chunk column's surfaces, kept from the first read.
    const chunk_key above{key.region, 0, geo::morton_encode(at.u, at.v, 7)};
    EXPECT_TRUE(**(*s)->read(above) ==
                (*w)->generator->generate(at.region, geo::chunk_coord{at.u, at.v, 7}));
    auto scrub = (*s)->scrub();
    EXPECT_EQ(scrub->chunks, 0u);
    // Another world in the same directory is refused.
    geo::world_spec other = topobathy_spec();
    other.dz_m = 5;
    auto refused = import_world(**s, other, geology::generator_record{{}, *terrain});
    ASSERT_FALSE(refused.ok());
    EXPECT_EQ(refused.error().code, base::errc::invalid_argument);
  }
  // The environment holds the spec, the parameters and the DEM: well under a megabyte.
  std::uint64_t used = 0;
  {
    auto s = store::open(options);
    auto w = load_world(**s);
    ASSERT_TRUE(w.ok()) << w.error().to_string();
    EXPECT_EQ((*w)->grid.spec().voxel_level, 15);
    EXPECT_EQ((*w)->record.terrain.elevation_m, terrain->elevation_m);
    auto c = (*s)->read(key);
    ASSERT_TRUE(c.ok());
    EXPECT_TRUE(**c == expected);
    used = (*s)->stored_bytes();
  }
  EXPECT_LT(used, 1u << 20);
}

TEST(world, a_store_with_no_world_says_so) {
  base::temp_dir dir("noworld");
  store_options options;
  options.directory = dir.path();
  auto s = store::open(options);
  auto w = load_world(**s);
  ASSERT_FALSE(w.ok());
  EXPECT_EQ(w.error().code, base::errc::not_found);
}

}  // namespace
}  // namespace strata::shard
