// Planning an update: fields evaluated once, regions listed, arguments checked before any chunk
// is touched.
#include "geology/update.hpp"

#include <gtest/gtest.h>

#include "geology/dem.hpp"

#include <algorithm>

#include "geo/cover.hpp"

namespace strata::geology {
namespace {

geo::grid test_grid() {
  return *geo::grid::make(sample_world_spec("jacksboro"));
}

TEST(update, a_plan_lists_the_regions_its_field_covers) {
  const geo::grid g = test_grid();
  const process_context ctx{g, material_table::defaults(), 0};
  auto p = plan(ctx, erosion_update{cap_field{{36.3, -84.2}, 2000, 1.f, profile::flat}});
  ASSERT_TRUE(p.ok()) << p.error().to_string();
  ASSERT_FALSE(p->regions.empty());
  EXPECT_TRUE(std::is_sorted(p->regions.begin(), p->regions.end()));
  auto regions = geo::regions_in_cap(g.spec(), {36.3, -84.2}, 2000, 1000);
  ASSERT_TRUE(regions.ok());
  for (std::uint64_t r : p->regions)
    EXPECT_NE(
        std::find_if(regions->begin(), regions->end(), [r](S2CellId c) { return c.id() == r; }),
        regions->end());
}

TEST(update, bad_updates_are_refused_at_planning) {
  const geo::grid g = test_grid();
  const process_context ctx{g, material_table::defaults(), 0};
  auto zero = plan(ctx, weathering_update{cap_field{{36.3, -84.2}, 500, 0.f, profile::flat}});
  ASSERT_FALSE(zero.ok());
  EXPECT_EQ(zero.error().code, base::errc::invalid_argument);
  auto far = plan(ctx, erosion_update{cap_field{{36.3, -84.2}, 50000, 1.f, profile::flat}},
                  plan_limits{100, 10});
  ASSERT_FALSE(far.ok());
  EXPECT_EQ(far.error().code, base::errc::limit_exceeded);
  geo::voxel bad;
  bad.face = 9;
  auto voxel = plan(ctx, set_voxels_update{{{bad, 3}}});
  ASSERT_FALSE(voxel.ok());
  EXPECT_EQ(voxel.error().code, base::errc::out_of_range);
  auto empty = plan(ctx, set_voxels_update{});
  ASSERT_FALSE(empty.ok());
  auto box = plan(ctx, fill_box_update{{36.3, -84.2, 100}, {36.2, -84.2, 200}, 3});
  ASSERT_FALSE(box.ok());
  EXPECT_EQ(box.error().code, base::errc::invalid_argument);
  EXPECT_EQ(name(process_update{sea_level_update{}}), "sea-level");
}

}  // namespace
}  // namespace strata::geology
