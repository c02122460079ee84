// Proves coverings hold every region under an area and only regions that touch it, and that
// limits and bad input are refused before any work.
#include "geo/cover.hpp"

#include <gtest/gtest.h>
#include <s2/s2cap.h>
#include <s2/s2cell.h>
#include <s2/s2earth.h>
#include <s2/s2latlng.h>
#include <s2/s2loop.h>
#include <s2/s2polygon.h>

#include <algorithm>
#include <random>

#include "base/testing.hpp"
#include "geo/morton.hpp"

namespace strata::geo {
namespace {

world_spec spec_at(int voxel_level, int region_level) {
  world_spec spec;
  spec.voxel_level = voxel_level;
  spec.region_level = region_level;
  return spec;
}

bool holds(const std::vector<S2CellId>& cells, S2CellId cell) {
  return std::binary_search(cells.begin(), cells.end(), cell);
}

void expect_sorted_unique_at(const std::vector<S2CellId>& cells, int level) {
  EXPECT_TRUE(std::is_sorted(cells.begin(), cells.end()));
  EXPECT_EQ(std::adjacent_find(cells.begin(), cells.end()), cells.end());
  for (S2CellId cell : cells)
    EXPECT_EQ(cell.level(), level);
}

TEST(cover, cap_covering_is_complete_and_tight) {
  const world_spec spec = spec_at(20, 12);
  const lat_lng centre{49.2, -123.1};
  const double radius_m = 25000;
  auto regions = regions_in_cap(spec, centre, radius_m, 100000);
  ASSERT_TRUE(regions.ok()) << regions.error().to_string();
  expect_sorted_unique_at(*regions, 12);
  const S2Cap cap(S2LatLng::FromDegrees(centre.lat_deg, centre.lng_deg).ToPoint(),
                  S2Earth::MetersToAngle(radius_m));
  // Tight: every region touches the cap.
  for (S2CellId region : *regions)
    EXPECT_TRUE(cap.MayIntersect(S2Cell(region)));
  // Complete: random points inside the cap all fall in listed regions.
  const unsigned seed = base::test_seed("cover.cap_covering_is_complete_and_tight");
  std::mt19937_64 random(seed);
  std::uniform_real_distribution<double> offset(-0.25, 0.25);
  int inside = 0;
  for (int n = 0; n < 20000; ++n) {
    const S2Point point = S2LatLng::FromDegrees(centre.lat_deg + offset(random),
                                                centre.lng_deg + offset(random) * 1.6)
                              .ToPoint();
    if (!cap.Contains(point))
      continue;
    ++inside;
    ASSERT_TRUE(holds(*regions, S2CellId(point).parent(12))) << "seed " << seed;
  }
  EXPECT_GT(inside, 5000);
  // The count is about the cap's area in regions, plus a border ring.
  const double area_regions = cap.GetArea() / S2Cell::AverageArea(12);
  EXPECT_GT(regions->size(), area_regions * 0.9);
  EXPECT_LT(regions->size(), area_regions * 2.0);
}

TEST(cover, cap_across_a_face_corner_and_a_pole) {
  const world_spec spec = spec_at(15, 8);
  for (const lat_lng centre :
       {lat_lng{90, 0}, lat_lng{-90, 45}, lat_lng{35.26, 45.0}, lat_lng{0, 180}}) {
    auto regions = regions_in_cap(spec, centre, 200000, 100000);
    ASSERT_TRUE(regions.ok()) << regions.error().to_string();
    expect_sorted_unique_at(*regions, 8);
    const S2Point at = S2LatLng::FromDegrees(centre.lat_deg, centre.lng_deg).ToPoint();
    EXPECT_TRUE(holds(*regions, S2CellId(at).parent(8)));
    std::set<int> faces;
    for (S2CellId region : *regions)
      faces.insert(region.face());
    // (35.26, 45) is a cube corner: the cap spans three faces.
    if (centre.lat_deg == 35.26) {
      EXPECT_EQ(faces.size(), 3u);
    }
  }
}

TEST(cover, limits_and_bad_caps_are_refused) {
  const world_spec spec = spec_at(20, 12);
  auto too_many = regions_in_cap(spec, {0, 0}, 5e6, 1000);
  ASSERT_FALSE(too_many.ok());
  EXPECT_EQ(too_many.error().code, base::errc::limit_exceeded);
  EXPECT_NE(too_many.error().message.find("limit is 1000"), std::string::npos);
  EXPECT_EQ(regions_in_cap(spec, {0, 0}, 0, 10).error().code, base::errc::out_of_range);
  EXPECT_EQ(regions_in_cap(spec, {0, 0}, -5, 10).error().code, base::errc::out_of_range);
  EXPECT_EQ(regions_in_cap(spec, {0, 0}, 3e7, 10).error().code, base::errc::out_of_range);
  EXPECT_EQ(regions_in_cap(spec, {0, 0}, NAN, 10).error().code, base::errc::out_of_range);
  EXPECT_EQ(regions_in_cap(spec, {95, 0}, 10, 10).error().code, base::errc::out_of_range);
  world_spec bad = spec;
  bad.region_level = 18;
  EXPECT_EQ(regions_in_cap(bad, {0, 0}, 10, 10).error().code, base::errc::invalid_argument);
}

TEST(cover, polygon_covering_holds_its_inside_either_orientation) {
  const world_spec spec = spec_at(20, 11);
  const std::vector<lat_lng> triangle{{48.0, -126.0}, {50.0, -124.0}, {48.2, -122.0}};
  auto regions = regions_in_polygon(spec, triangle, 100000);
  ASSERT_TRUE(regions.ok()) << regions.error().to_string();
  expect_sorted_unique_at(*regions, 11);
  auto reversed = regions_in_polygon(spec, {triangle.rbegin(), triangle.rend()}, 100000);
  ASSERT_TRUE(reversed.ok());
  EXPECT_EQ(*reversed, *regions);

  std::vector<S2Point> points;
  for (const lat_lng& v : triangle)
    points.push_back(S2LatLng::FromDegrees(v.lat_deg, v.lng_deg).ToPoint());
  auto loop = std::make_unique<S2Loop>(points);
  loop->Normalize();
  const S2Polygon polygon(std::move(loop));
  for (S2CellId region : *regions)
    EXPECT_TRUE(polygon.MayIntersect(S2Cell(region)));
  const unsigned seed = base::test_seed("cover.polygon_covering");
  std::mt19937_64 random(seed);
  std::uniform_real_distribution<double> lat(48, 50), lng(-126, -122);
  for (int n = 0; n < 20000; ++n) {
    const S2Point point = S2LatLng::FromDegrees(lat(random), lng(random)).ToPoint();
    if (polygon.Contains(point)) {
      ASSERT_TRUE(holds(*regions, S2CellId(point).parent(11))) << "seed " << seed;
    }
  }
}

TEST(cover, bad_polygons_say_what_is_wrong) {
  const world_spec spec = spec_at(20, 11);
  auto two = regions_in_polygon(spec, {{0, 0}, {1, 1}}, 100);
  ASSERT_FALSE(two.ok());
  EXPECT_NE(two.error().message.find("at least 3 vertices"), std::string::npos);
  // A bow tie: its edges cross.
  auto bow_tie = regions_in_polygon(spec, {{0, 0}, {1, 1}, {0, 1}, {1, 0}}, 100000);
  ASSERT_FALSE(bow_tie.ok());
  EXPECT_EQ(bow_tie.error().code, base::errc::invalid_argument);
  auto repeated = regions_in_polygon(spec, {{0, 0}, {0, 0}, {1, 1}, {0, 1}}, 100000);
  EXPECT_EQ(repeated.error().code, base::errc::invalid_argument);
  EXPECT_EQ(regions_in_polygon(spec, {{0, 0}, {100, 1}, {0, 1}}, 100).error().code,
            base::errc::out_of_range);
  EXPECT_EQ(
      regions_in_polygon(spec, {{-60, -170}, {60, -170}, {60, 170}, {-60, 170}}, 100).error().code,
      base::errc::limit_exceeded);
}

TEST(cover, chunks_between_altitudes) {
  world_spec spec = spec_at(20, 13);  // 128 columns per region edge: 4 x 4 chunks
  spec.dz_m = 1;
  spec.z_min_m = -100;
  spec.z_max_m = 156;  // 256 layers: 8 chunk layers
  auto all = chunks_between(spec, -1000, 1000, 1000);
  ASSERT_TRUE(all.ok()) << all.error().to_string();
  EXPECT_EQ(all->size(), 4u * 4u * 8u);
  EXPECT_TRUE(std::is_sorted(all->begin(), all->end(),
                             [](auto& a, auto& b) { return a.morton < b.morton; }));
  for (const region_chunk& c : *all)
    EXPECT_EQ(c.morton, morton_encode(c.chunk.u, c.chunk.v, c.chunk.k));
  // Altitudes -100..-69 are layers 0..31: chunk layer 0 only. -68 reaches layer 32: chunk layer 1.
  auto bottom = chunks_between(spec, -100, -69, 1000);
  ASSERT_TRUE(bottom.ok());
  EXPECT_EQ(bottom->size(), 16u);
  for (const region_chunk& c : *bottom)
    EXPECT_EQ(c.chunk.k, 0u);
  auto two = chunks_between(spec, -70, -68, 1000);
  ASSERT_TRUE(two.ok());
  EXPECT_EQ(two->size(), 32u);
  EXPECT_EQ(chunks_between(spec, 5, 4, 1000).error().code, base::errc::invalid_argument);
  EXPECT_EQ(chunks_between(spec, 200, 300, 1000).error().code, base::errc::out_of_range);
  EXPECT_EQ(chunks_between(spec, -1000, 1000, 100).error().code, base::errc::limit_exceeded);
}

}  // namespace
}  // namespace strata::geo
