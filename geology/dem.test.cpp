// Proves the real DEMs load on the right extent with the right values, interpolation is exact at
// sample centres, and a survey counts columns, chunks and the land/ocean split consistently.
#include "geology/dem.hpp"

#include <gtest/gtest.h>
#include <s2/s2cell.h>
#include <s2/s2latlng_rect.h>

#include <cmath>
#include <random>

#include "base/testing.hpp"

namespace strata::geology {
namespace {

TEST(dem, topobathy_lies_off_vancouver_island) {
  auto d = load_named("topobathy");
  ASSERT_TRUE(d.ok()) << d.error().to_string();
  EXPECT_EQ(d->rows, 91u);
  EXPECT_EQ(d->columns, 120u);
  EXPECT_NEAR(d->lat_min_deg(), 48.0, 0.02);
  EXPECT_NEAR(d->lat_max_deg(), 50.0, 0.02);
  EXPECT_NEAR(d->lng_min_deg(), -126.0, 0.02);
  EXPECT_NEAR(d->lng_max_deg(), -122.0, 0.02);
  // At a sample centre, interpolation returns the sample.
  for (std::size_t r : {0u, 45u, 90u}) {
    for (std::size_t c : {0u, 60u, 119u}) {
      auto value = d->sample(d->row_lat_deg[r], d->column_lng_deg[c]);
      ASSERT_TRUE(value.has_value());
      EXPECT_FLOAT_EQ(*value, d->elevation_m[r * 120 + c]);
    }
  }
  // Halfway between two samples, the mean.
  auto middle = d->sample(d->row_lat_deg[0], (d->column_lng_deg[0] + d->column_lng_deg[1]) / 2);
  EXPECT_FLOAT_EQ(*middle, (d->elevation_m[0] + d->elevation_m[1]) / 2);
  EXPECT_FALSE(d->sample(47.9, -124).has_value());
  EXPECT_FALSE(d->sample(49, -121.9).has_value());
  std::size_t ocean = 0;
  for (float value : d->elevation_m)
    ocean += value <= 0;
  EXPECT_NEAR(static_cast<double>(ocean) / d->elevation_m.size(), 0.44, 0.01);
}

TEST(dem, jacksboro_runs_north_to_south) {
  auto d = load_named("jacksboro");
  ASSERT_TRUE(d.ok()) << d.error().to_string();
  EXPECT_EQ(d->rows, 344u);
  EXPECT_EQ(d->columns, 403u);
  EXPECT_GT(d->row_lat_deg.front(), d->row_lat_deg.back());
  EXPECT_NEAR(d->lat_max_deg(), 36.7329, 1e-4);
  EXPECT_NEAR(d->lat_min_deg(), 36.4463, 1e-4);
  EXPECT_NEAR(d->lng_min_deg(), -84.41375, 1e-6);
  EXPECT_NEAR(d->lng_max_deg(), -84.07792, 1e-5);
  EXPECT_FLOAT_EQ(*d->sample(d->row_lat_deg[0], d->column_lng_deg[0]), 483.0f);
}

TEST(dem, unknown_and_missing_worlds_are_errors) {
  EXPECT_EQ(load_named("atlantis").error().code, base::errc::invalid_argument);
  EXPECT_EQ(load_named("topobathy", "/nonexistent").error().code, base::errc::not_found);
}

TEST(dem, survey_counts_agree_with_the_extent) {
  auto d = load_named("topobathy");
  ASSERT_TRUE(d.ok());
  geo::world_spec spec;
  spec.voxel_level = 14;
  spec.region_level = 9;
  spec.dz_m = 20;
  spec.z_min_m = -2000;
  spec.z_max_m = 3000;  // 250 layers: 8 chunk layers
  auto g = geo::grid::make(spec);
  ASSERT_TRUE(g.ok());
  auto s = survey_world(*g, *d, 100000);
  ASSERT_TRUE(s.ok()) << s.error().to_string();
  // Columns: the extent's area over a level-14 cell's area, within a few percent.
  const S2LatLngRect extent(S2LatLng::FromDegrees(d->lat_min_deg(), d->lng_min_deg()),
                            S2LatLng::FromDegrees(d->lat_max_deg(), d->lng_max_deg()));
  const double expected = extent.Area() / S2Cell::AverageArea(14);
  EXPECT_NEAR(static_cast<double>(s->columns), expected, expected * 0.1);
  EXPECT_EQ(s->land_columns + s->ocean_columns, s->columns);
  // The ocean share by area, estimated independently by sampling area-uniform random points.
  // (By area and interpolated it is about 39 %; counting raw samples gives 44 %, because the
  // northern rows are closer together and interpolation moves the coast.)
  const unsigned seed = base::test_seed("dem.survey_counts_agree_with_the_extent");
  std::mt19937_64 random(seed);
  std::uniform_real_distribution<double> z(std::sin(d->lat_min_deg() * M_PI / 180),
                                           std::sin(d->lat_max_deg() * M_PI / 180));
  std::uniform_real_distribution<double> lng(d->lng_min_deg(), d->lng_max_deg());
  int ocean = 0;
  const int points = 200000;
  for (int n = 0; n < points; ++n)
    ocean += *d->sample(std::asin(z(random)) * 180 / M_PI, lng(random)) <= 0;
  EXPECT_NEAR(static_cast<double>(s->ocean_columns) / s->columns,
              static_cast<double>(ocean) / points, 0.01)
      << "seed " << seed;
  EXPECT_EQ(s->clipped_columns, 0u);
  EXPECT_EQ(s->elevation_min_m, -1437.0f);
  EXPECT_EQ(s->elevation_max_m, 2205.0f);
  // Chunks: whole chunk columns over every layer, so at least columns / 1024 * 8.
  EXPECT_GE(s->chunks, s->columns / 1024 * 8);
  EXPECT_EQ(s->chunks % 8, 0u);
  EXPECT_GT(s->surface_chunks, 0u);
  EXPECT_LT(s->surface_chunks, s->chunks);
  EXPECT_EQ(survey_world(*g, *d, 10).error().code, base::errc::limit_exceeded);
  // The chunk columns under the DEM are the survey's, each once.
  auto columns = chunk_columns_under(*g, *d, 100000);
  ASSERT_TRUE(columns.ok());
  EXPECT_EQ(columns->size() * 8, s->chunks);

  spec.z_max_m = 1000;  // the peaks stick out of the world now
  auto low = geo::grid::make(spec);
  auto clipped = survey_world(*low, *d, 100000);
  ASSERT_TRUE(clipped.ok());
  EXPECT_GT(clipped->clipped_columns, 0u);
}

}  // namespace
}  // namespace strata::geology
