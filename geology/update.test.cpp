// Planning an update: fields evaluated once, regions listed, arguments checked before any chunk
// is touched.
#include "geology/update.hpp"

#include <gtest/gtest.h>

#include "geology/dem.hpp"

#include <algorithm>
#include <map>
#include <tuple>

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

// Chunks in memory, all air until changed: enough to compare what two sets of plans write.
class chunk_map final : public chunk_access {
 public:
  base::result<const compression::chunk*> view(S2CellId region,
                                               const geo::chunk_coord& at) override {
    return &chunks[{region.id(), at.u, at.v, at.k}];
  }
  base::result<compression::chunk*> edit(S2CellId region, const geo::chunk_coord& at) override {
    return &chunks[{region.id(), at.u, at.v, at.k}];
  }
  std::map<std::tuple<std::uint64_t, std::uint32_t, std::uint32_t, std::uint32_t>,
           compression::chunk>
      chunks;
};

// A node applies only its regions' part of an update: the parts of every region, applied one by
// one, write exactly what the whole update writes (whole voxels, so nothing is carried between
// columns), and a part touches no chunk outside its region.
TEST(update, the_parts_of_an_update_by_region_add_up_to_the_whole) {
  const geo::grid g = test_grid();
  const process_context ctx{g, material_table::defaults(), 0};
  const std::vector<process_update> updates = {
      deposition_update{cap_field{{36.3, -84.2}, 3000, 8.f, profile::flat}, {3, {}}},
      fill_box_update{{36.29, -84.22, 100}, {36.31, -84.18, 120}, 9}};
  for (const process_update& update : updates) {
    auto whole = plan(ctx, update);
    ASSERT_TRUE(whole.ok()) << whole.error().to_string();
    ASSERT_GT(whole->regions.size(), 1u) << name(update);
    chunk_map all, parts;
    ASSERT_TRUE(whole->apply(all).ok());
    for (std::uint64_t region : whole->regions) {
      const std::uint64_t only[] = {region};
      auto part = plan(ctx, update, {}, only);
      ASSERT_TRUE(part.ok()) << part.error().to_string();
      EXPECT_EQ(part->regions, std::vector<std::uint64_t>{region});
      chunk_map mine;
      ASSERT_TRUE(part->apply(mine).ok());
      for (auto& [key, c] : mine.chunks) {
        EXPECT_EQ(std::get<0>(key), region) << name(update);
        parts.chunks[key] = c;
      }
    }
    ASSERT_EQ(parts.chunks.size(), all.chunks.size()) << name(update);
    for (auto& [key, c] : all.chunks)
      EXPECT_TRUE(parts.chunks[key] == c) << name(update);
  }
  const std::uint64_t unsorted[] = {5, 3};
  EXPECT_FALSE(plan(ctx, updates[0], {}, unsorted).ok());
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
