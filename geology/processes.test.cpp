// The process operators on a small synthetic world (granite up to a flat surface, air above):
// what erosion removes is what it reports and what the voxels show; deposition of an erosion's
// output conserves its volume; tectonics moves rock with its history; weathering, intrusion, the
// sea level and raw edits change exactly the voxels they name; results past the world are clipped.
#include "geology/processes.hpp"

#include <gtest/gtest.h>

#include "geology/dem.hpp"

#include <map>
#include <tuple>

namespace strata::geology {
namespace {

using compression::chunk;

geo::grid test_grid() {
  return *geo::grid::make(sample_world_spec("jacksboro"));
}

constexpr std::uint32_t surface_voxels = 40;  // granite below altitude index 40, air above

// Chunks in memory; a chunk never asked for is the synthetic world's.
class memory_world final : public chunk_access {
 public:
  base::result<const chunk*> view(S2CellId region, const geo::chunk_coord& at) override {
    return &get(region, at);
  }
  base::result<chunk*> edit(S2CellId region, const geo::chunk_coord& at) override {
    ++edits;
    return &get(region, at);
  }
  chunk& get(S2CellId region, const geo::chunk_coord& at) {
    const auto key = std::make_tuple(region.id(), at.u, at.v, at.k);
    auto found = chunks_.find(key);
    if (found != chunks_.end())
      return found->second;
    chunk& c = chunks_[key];
    for (unsigned z = 0; z < 32; ++z) {
      const bool solid = at.k * 32 + z < surface_voxels;
      for (unsigned n = 0; n < 1024; ++n)
        c.material[z * 1024 + n] = solid ? material::granite : material::air;
    }
    c.history.fill(0);
    return c;
  }
  // The material and history at altitude index z of column `n` in a chunk column.
  std::pair<std::uint8_t, std::uint8_t> at(const chunk_column_values& c, std::size_t n,
                                           std::uint32_t z) {
    const chunk& ch = get(c.region, geo::chunk_coord{c.u, c.v, z / 32});
    return {ch.material[n + (z % 32) * 1024], ch.history[n + (z % 32) * 1024]};
  }
  int edits = 0;

 private:
  std::map<std::tuple<std::uint64_t, std::uint32_t, std::uint32_t, std::uint32_t>, chunk> chunks_;
};

std::vector<chunk_column_values> cap(const geo::grid& g, geo::lat_lng centre, double radius_m,
                                     float peak, profile shape = profile::flat) {
  auto values = evaluate(g, cap_field{centre, radius_m, peak, shape}, 10000);
  EXPECT_TRUE(values.ok());
  return *values;
}

// The first column of a chunk column that the field covers.
std::size_t first_in_area(const chunk_column_values& c) {
  std::size_t n = 0;
  while (c.value[n] == 0)
    ++n;
  return n;
}

std::uint32_t surface_of(memory_world& w, const chunk_column_values& c, std::size_t n) {
  for (std::uint32_t z = 350; z > 0; --z)
    if (w.at(c, n, z - 1).first != material::air && w.at(c, n, z - 1).first != material::water)
      return z;
  return 0;
}

TEST(processes, erosion_removes_what_it_reports) {
  const geo::grid g = test_grid();
  memory_world w;
  const process_context ctx{g, material_table::defaults(), -1000};
  const auto depth = cap(g, {36.3, -84.2}, 200, 10.f, profile::cone);
  auto fx = erode(ctx, depth, w);
  ASSERT_TRUE(fx.ok()) << fx.error().to_string();
  double requested_voxels = 0, removed_voxels = 0, reported_m3 = 0;
  for (const chunk_column_values& c : depth)
    for (std::size_t n = 0; n < 1024; ++n) {
      requested_voxels += c.value[n] / 4.0;
      const std::uint32_t lowered = surface_voxels - surface_of(w, c, n);
      removed_voxels += lowered;
      reported_m3 += lowered * c.column_area_m2 * 4;
      for (std::uint32_t z = surface_of(w, c, n); z < surface_voxels; ++z) {
        EXPECT_EQ(w.at(c, n, z).first, material::air);
        EXPECT_EQ(w.at(c, n, z).second, history::erosion);
      }
    }
  EXPECT_GT(removed_voxels, 50);
  EXPECT_NEAR(removed_voxels, requested_voxels, 0.5);
  EXPECT_NEAR(fx->removed_m3[material::granite], reported_m3, 1e-6 * reported_m3);
  EXPECT_DOUBLE_EQ(fx->removed_total_m3(), fx->removed_m3[material::granite]);
  EXPECT_EQ(fx->voxels_changed, static_cast<std::uint64_t>(removed_voxels));
  EXPECT_EQ(fx->columns_clipped, 0u);
}

TEST(processes, below_the_sea_an_eroded_hole_fills_with_water) {
  const geo::grid g = test_grid();
  memory_world w;
  // The sea at 140 m: altitude indices below 35 are under water.
  const process_context ctx{g, material_table::defaults(), 140};
  const auto depth = cap(g, {36.3, -84.2}, 100, 40.f);
  ASSERT_TRUE(erode(ctx, depth, w).ok());
  const chunk_column_values& c = depth.front();
  const std::size_t n = first_in_area(c);
  EXPECT_EQ(surface_of(w, c, n), surface_voxels - 10);
  EXPECT_EQ(w.at(c, n, 31).first, material::water);
  EXPECT_EQ(w.at(c, n, 34).first, material::water);
  EXPECT_EQ(w.at(c, n, 35).first, material::air);
}

TEST(processes, depositing_what_erosion_removed_conserves_its_volume) {
  const geo::grid g = test_grid();
  memory_world w;
  const process_context ctx{g, material_table::defaults(), -1000};
  auto removed = erode(ctx, cap(g, {36.3, -84.2}, 300, 12.f, profile::cosine), w);
  ASSERT_TRUE(removed.ok());
  // The same field a little further north: the same volume within the columns' area variation.
  const auto thickness = cap(g, {36.32, -84.2}, 300, 12.f, profile::cosine);
  auto added = deposit(ctx, thickness, deposit_material{0, removed->removed_mix()}, w);
  ASSERT_TRUE(added.ok()) << added.error().to_string();
  EXPECT_NEAR(added->added_total_m3(), removed->removed_total_m3(),
              0.01 * removed->removed_total_m3());
  // Eroded granite settles as sand (the table's deposition transition).
  EXPECT_DOUBLE_EQ(added->added_m3[material::sand], added->added_total_m3());
  const chunk_column_values& c = thickness.front();
  for (std::size_t n = 0; n < 1024; ++n)
    for (std::uint32_t z = surface_voxels; z < surface_of(w, c, n); ++z) {
      EXPECT_EQ(w.at(c, n, z).first, material::sand);
      EXPECT_EQ(w.at(c, n, z).second, history::deposition);
    }
}

TEST(processes, a_mix_is_laid_down_in_its_proportions) {
  const geo::grid g = test_grid();
  memory_world w;
  const process_context ctx{g, material_table::defaults(), -1000};
  const deposit_material mix{0, {{material::sand, 3}, {material::sediment, 1}}};
  auto fx = deposit(ctx, cap(g, {36.3, -84.2}, 300, 8.f), mix, w);
  ASSERT_TRUE(fx.ok());
  EXPECT_NEAR(fx->added_m3[material::sand] / fx->added_total_m3(), 0.75, 0.01);
  auto fluid =
      deposit(ctx, cap(g, {36.3, -84.2}, 300, 8.f), deposit_material{material::water, {}}, w);
  ASSERT_FALSE(fluid.ok());
  EXPECT_EQ(fluid.error().code, base::errc::invalid_argument);
}

TEST(processes, deposition_past_the_ceiling_is_clipped) {
  const geo::grid g = test_grid();
  memory_world w;
  const process_context ctx{g, material_table::defaults(), -1000};
  const auto thickness = cap(g, {36.3, -84.2}, 100, 5000.f);
  auto fx = deposit(ctx, thickness, deposit_material{material::basalt, {}}, w);
  ASSERT_TRUE(fx.ok());
  EXPECT_EQ(fx->columns_clipped, fx->columns);
  const chunk_column_values& c = thickness.front();
  const std::size_t n = first_in_area(c);
  EXPECT_EQ(surface_of(w, c, n), 350u);
}

TEST(processes, uplift_moves_rock_with_its_history) {
  const geo::grid g = test_grid();
  memory_world w;
  const process_context ctx{g, material_table::defaults(), -1000};
  const auto field = cap(g, {36.3, -84.2}, 100, 4.f);
  // Mark the top rock voxel (4 m) with weathering first, then lift by 12 m = 3 voxels.
  ASSERT_TRUE(weather(ctx, field, w).ok());
  const auto uplift = cap(g, {36.3, -84.2}, 100, 12.f);
  auto fx = displace(ctx, uplift, w);
  ASSERT_TRUE(fx.ok());
  const chunk_column_values& c = uplift.front();
  const std::size_t n = first_in_area(c);
  EXPECT_EQ(surface_of(w, c, n), surface_voxels + 3);
  EXPECT_EQ(w.at(c, n, surface_voxels + 2).first, material::weathered_granite);
  EXPECT_EQ(w.at(c, n, surface_voxels + 2).second, history::weathering | history::tectonics);
  EXPECT_EQ(w.at(c, n, 0).first, material::granite);  // the basement continues below
  EXPECT_EQ(w.at(c, n, 0).second, history::tectonics);
  // And down again by 20 m: 5 voxels.
  const auto subsidence = cap(g, {36.3, -84.2}, 100, -20.f);
  ASSERT_TRUE(displace(ctx, subsidence, w).ok());
  EXPECT_EQ(surface_of(w, c, n), surface_voxels - 2);
  EXPECT_EQ(w.at(c, n, surface_voxels - 3).first, material::weathered_granite);
  EXPECT_EQ(w.at(c, n, surface_voxels - 2).first, material::air);
}

TEST(processes, weathering_follows_the_table_in_the_top_metres) {
  const geo::grid g = test_grid();
  memory_world w;
  const process_context ctx{g, material_table::defaults(), -1000};
  const auto depth = cap(g, {36.3, -84.2}, 100, 8.f);
  auto fx = weather(ctx, depth, w);
  ASSERT_TRUE(fx.ok());
  const chunk_column_values& c = depth.front();
  const std::size_t n = first_in_area(c);
  EXPECT_EQ(w.at(c, n, surface_voxels - 1).first, material::weathered_granite);
  EXPECT_EQ(w.at(c, n, surface_voxels - 2).first, material::weathered_granite);
  EXPECT_EQ(w.at(c, n, surface_voxels - 3).first, material::granite);
  EXPECT_DOUBLE_EQ(fx->removed_m3[material::granite], fx->added_m3[material::weathered_granite]);
}

TEST(processes, an_intrusion_replaces_rock_below_the_surface_only) {
  const geo::grid g = test_grid();
  memory_world w;
  const process_context ctx{g, material_table::defaults(), -1000};
  // From 120 m (index 30) up 80 m: indices 30..49, but rock ends at 40.
  const auto thickness = cap(g, {36.3, -84.2}, 100, 80.f);
  auto fx = intrude(ctx, thickness, material::basalt, 120, w);
  ASSERT_TRUE(fx.ok());
  EXPECT_EQ(fx->columns_clipped, fx->columns);
  const chunk_column_values& c = thickness.front();
  const std::size_t n = first_in_area(c);
  EXPECT_EQ(w.at(c, n, 29).first, material::granite);
  EXPECT_EQ(w.at(c, n, 30).first, material::basalt);
  EXPECT_EQ(w.at(c, n, 39).first, material::basalt);
  EXPECT_EQ(w.at(c, n, 40).first, material::air);
  EXPECT_EQ(w.at(c, n, 35).second, history::volcanism);
}

TEST(processes, a_rising_sea_floods_the_air_below_it_and_a_falling_one_drains) {
  const geo::grid g = test_grid();
  memory_world w;
  const process_context ctx{g, material_table::defaults(), -1000};
  const auto area = cap(g, {36.3, -84.2}, 100, 1.f);
  ASSERT_TRUE(change_sea_level(ctx, 200, area, w).ok());  // indices below 50 are under water
  const chunk_column_values& c = area.front();
  const std::size_t n = first_in_area(c);
  EXPECT_EQ(w.at(c, n, 39).first, material::granite);
  EXPECT_EQ(w.at(c, n, 40).first, material::water);
  EXPECT_EQ(w.at(c, n, 49).first, material::water);
  EXPECT_EQ(w.at(c, n, 50).first, material::air);
  EXPECT_EQ(w.at(c, n, 45).second, history::sea_level);
  ASSERT_TRUE(change_sea_level(ctx, 180, area, w).ok());
  EXPECT_EQ(w.at(c, n, 44).first, material::water);
  EXPECT_EQ(w.at(c, n, 45).first, material::air);
}

TEST(processes, raw_edits_set_voxels_and_fill_boxes) {
  const geo::grid g = test_grid();
  memory_world w;
  const process_context ctx{g, material_table::defaults(), -1000};
  const geo::voxel v = *g.locate({36.3, -84.2, 300});
  auto fx = set_voxels(ctx, {{v, material::limestone}}, w);
  ASSERT_TRUE(fx.ok());
  EXPECT_EQ(fx->voxels_changed, 1u);
  const geo::voxel_address a = g.address(v);
  const chunk& c = w.get(a.region, a.chunk);
  EXPECT_EQ(c.material[compression::voxel_index(a.x, a.y, a.z)], material::limestone);
  EXPECT_EQ(c.history[compression::voxel_index(a.x, a.y, a.z)], history::edit);
  // A voxel off the grid changes nothing, not even the good one before it.
  geo::voxel bad = v;
  bad.k = 100000;
  const int edits = w.edits;
  auto refused = set_voxels(ctx, {{v, material::shale}, {bad, material::shale}}, w);
  ASSERT_FALSE(refused.ok());
  EXPECT_EQ(refused.error().code, base::errc::out_of_range);
  EXPECT_EQ(w.edits, edits);
  // A box 3 layers high (centres at 302, 306, 310 m) over a small area.
  auto box =
      fill_box(ctx, {36.3, -84.2, 300}, {36.3005, -84.1995, 311}, material::sandstone, 100, w);
  ASSERT_TRUE(box.ok()) << box.error().to_string();
  EXPECT_GT(box->voxels_changed, 0u);
  EXPECT_EQ(box->voxels_changed % 3, 0u);
  auto inverted =
      fill_box(ctx, {36.3, -84.2, 300}, {36.2, -84.2, 311}, material::sandstone, 100, w);
  ASSERT_FALSE(inverted.ok());
  EXPECT_EQ(inverted.error().code, base::errc::invalid_argument);
}

}  // namespace
}  // namespace strata::geology
