// Column fields: a cap covers the columns within its radius with its profile, a raster gives each
// column the value of its descendant cell, and bad fields are refused before any work.
#include "geology/fields.hpp"

#include <gtest/gtest.h>

#include <s2/s2earth.h>
#include <s2/s2latlng.h>
#include "geology/dem.hpp"

#include <cmath>
#include <limits>
#include <numbers>

namespace strata::geology {
namespace {

geo::grid jacksboro_grid() {
  return *geo::grid::make(sample_world_spec("jacksboro"));
}

TEST(fields, a_flat_cap_covers_its_area_with_its_peak) {
  const geo::grid g = jacksboro_grid();
  const cap_field cap{{36.3, -84.2}, 500, 2.5f, profile::flat};
  auto values = evaluate(g, cap, 10000);
  ASSERT_TRUE(values.ok()) << values.error().to_string();
  double area = 0;
  for (const chunk_column_values& c : *values)
    for (float v : c.value) {
      ASSERT_TRUE(v == 0 || v == 2.5f);
      area += v != 0 ? c.column_area_m2 : 0;
    }
  const double expected = std::numbers::pi * 500 * 500;
  EXPECT_NEAR(area, expected, expected * 0.03);
}

TEST(fields, a_cone_falls_from_the_peak_at_the_centre) {
  const geo::grid g = jacksboro_grid();
  const geo::lat_lng centre{36.3, -84.2};
  const cap_field cap{centre, 300, 10.f, profile::cone};
  auto values = evaluate(g, cap, 10000);
  ASSERT_TRUE(values.ok());
  float highest = 0;
  for (const chunk_column_values& c : *values)
    for (float v : c.value) {
      ASSERT_GE(v, 0.f);
      ASSERT_LE(v, 10.f);
      highest = std::max(highest, v);
    }
  // Columns are about 30 m wide at level 18: the nearest centre is within a column of the cap's.
  EXPECT_GT(highest, 10.f * (1 - 30.0 / 300));
  EXPECT_DOUBLE_EQ(profile_factor(profile::gaussian, 0, 10), 1);
  EXPECT_NEAR(profile_factor(profile::gaussian, 9.999, 10), std::exp(-4.5), 1e-3);
  EXPECT_DOUBLE_EQ(profile_factor(profile::cosine, 5, 10), 0.5);
  EXPECT_DOUBLE_EQ(profile_factor(profile::flat, 10, 10), 0);
}

TEST(fields, a_raster_gives_each_column_its_cells_value) {
  const geo::grid g = jacksboro_grid();
  // A cell two chunk columns wide, with 4 x 4 values.
  const S2CellId cell =
      S2CellId(S2LatLng::FromDegrees(36.3, -84.2)).parent(g.spec().voxel_level - 6);
  raster_field raster{cell, cell.level() + 2, {}};
  for (int k = 0; k < 16; ++k)
    raster.values.push_back(static_cast<float>(k + 1));
  auto values = evaluate(g, raster, 100);
  ASSERT_TRUE(values.ok()) << values.error().to_string();
  ASSERT_EQ(values->size(), 4u);
  // (i0, j0): the smallest i and j of the cell's descendants at the raster's level.
  int i0 = std::numeric_limits<int>::max(), j0 = std::numeric_limits<int>::max();
  for (S2CellId d = cell.child_begin(raster.level); d != cell.child_end(raster.level);
       d = d.next()) {
    int i = 0, j = 0;
    d.ToFaceIJOrientation(&i, &j, nullptr);
    i0 = std::min(i0, i >> (30 - raster.level));
    j0 = std::min(j0, j >> (30 - raster.level));
  }
  const int shift = 30 - raster.level;
  std::size_t seen = 0;
  for (const chunk_column_values& c : *values)
    for (unsigned y = 0; y < 32; ++y)
      for (unsigned x = 0; x < 32; ++x) {
        geo::voxel_address where{c.region, {c.u, c.v, 0}, 0, x, y, 0};
        const S2CellId column = g.column_cell(*g.voxel_at(where));
        int i = 0, j = 0;
        column.ToFaceIJOrientation(&i, &j, nullptr);
        const int di = (i >> shift) - i0, dj = (j >> shift) - j0;
        ASSERT_EQ(c.value[x + 32 * y], static_cast<float>(dj * 4 + di + 1));
        ++seen;
      }
  EXPECT_EQ(seen, 4u * 1024);
}

TEST(fields, bad_fields_are_refused) {
  const geo::grid g = jacksboro_grid();
  auto radius = evaluate(g, cap_field{{36.3, -84.2}, -1, 1, profile::flat}, 100);
  ASSERT_FALSE(radius.ok());
  EXPECT_EQ(radius.error().code, base::errc::out_of_range);
  auto centre = evaluate(g, cap_field{{91, 0}, 10, 1, profile::flat}, 100);
  ASSERT_FALSE(centre.ok());
  EXPECT_EQ(centre.error().code, base::errc::out_of_range);
  auto big = evaluate(g, cap_field{{36.3, -84.2}, 100000, 1, profile::flat}, 100);
  ASSERT_FALSE(big.ok());
  EXPECT_EQ(big.error().code, base::errc::limit_exceeded);
  const S2CellId cell = S2CellId(S2LatLng::FromDegrees(36.3, -84.2)).parent(12);
  auto count = evaluate(g, raster_field{cell, 13, {1, 2, 3}}, 100000);
  ASSERT_FALSE(count.ok());
  EXPECT_EQ(count.error().code, base::errc::invalid_argument);
  auto nan = evaluate(g, raster_field{cell, 12, {std::nanf("")}}, 100000);
  ASSERT_FALSE(nan.ok());
  EXPECT_EQ(nan.error().code, base::errc::invalid_argument);
  auto fine = evaluate(g, raster_field{cell.parent(10), 19, {}}, 100000);
  ASSERT_FALSE(fine.ok());
  EXPECT_EQ(fine.error().code, base::errc::out_of_range);
  auto many = evaluate(g, raster_field{cell.parent(4), 4, {1}}, 100);
  ASSERT_FALSE(many.ok());
  EXPECT_EQ(many.error().code, base::errc::limit_exceeded);
}

}  // namespace
}  // namespace strata::geology
