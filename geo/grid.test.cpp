// Proves the grid agrees with s2geometry (columns, parents, children, containment, neighbours),
// round-trips every column of a small world exhaustively, and refuses out-of-range input clearly.
#include "geo/grid.hpp"

#include <gtest/gtest.h>
#include <s2/s2cell.h>
#include <s2/s2latlng.h>

#include <random>
#include <set>

#include "base/testing.hpp"
#include "geo/morton.hpp"

namespace strata::geo {
namespace {

grid make_grid(int voxel_level, int region_level, double dz_m = 10, double z_min_m = -500,
               double z_max_m = 500) {
  world_spec spec;
  spec.voxel_level = voxel_level;
  spec.region_level = region_level;
  spec.dz_m = dz_m;
  spec.z_min_m = z_min_m;
  spec.z_max_m = z_max_m;
  auto made = grid::make(spec);
  STRATA_ASSERT(made.ok(), "test spec is valid");
  return *made;
}

// The cells of two columns share an edge when exactly two of their vertices coincide.
int shared_vertices(S2CellId a, S2CellId b) {
  const S2Cell cell_a(a), cell_b(b);
  int shared = 0;
  for (int n = 0; n < 4; ++n)
    for (int m = 0; m < 4; ++m)
      if (cell_a.GetVertex(n).Angle(cell_b.GetVertex(m)) < 1e-15)
        ++shared;
  return shared;
}

TEST(grid, locate_agrees_with_s2_everywhere) {
  const grid g = make_grid(20, 12);
  const unsigned seed = base::test_seed("grid.locate_agrees_with_s2_everywhere");
  std::mt19937_64 random(seed);
  std::uniform_real_distribution<double> z(-1, 1), lng(-180, 180), alt(-500, 499.999);
  for (int n = 0; n < 100000; ++n) {
    // Uniform on the sphere: latitude from asin of a uniform z.
    const position where{std::asin(z(random)) * 180 / M_PI, lng(random), alt(random)};
    auto v = g.locate(where);
    ASSERT_TRUE(v.ok()) << v.error().to_string();
    const S2CellId expected =
        S2CellId(S2LatLng::FromDegrees(where.lat_deg, where.lng_deg)).parent(20);
    ASSERT_EQ(g.column_cell(*v), expected) << "seed " << seed;
    ASSERT_EQ(g.region_of(*v), expected.parent(12)) << "seed " << seed;
    ASSERT_TRUE(g.region_of(*v).contains(expected));
    ASSERT_EQ(v->k, static_cast<std::uint32_t>(std::floor((where.alt_m + 500) / 10)));
    // The centre lies in the column and the same layer, so it locates to the same voxel.
    const position centre = g.center(*v);
    ASSERT_TRUE(
        S2Cell(expected).Contains(S2LatLng::FromDegrees(centre.lat_deg, centre.lng_deg).ToPoint()));
    auto again = g.locate(centre);
    ASSERT_TRUE(again.ok());
    ASSERT_EQ(*again, *v) << "seed " << seed;
    // Address round trip.
    auto back = g.voxel_at(g.address(*v));
    ASSERT_TRUE(back.ok()) << back.error().to_string();
    ASSERT_EQ(*back, *v) << "seed " << seed;
  }
}

TEST(grid, poles_and_the_antimeridian_locate_and_round_trip) {
  const grid g = make_grid(25, 15, 0.25, -10, 10);
  for (const position& where : {position{90, 0, 0}, position{-90, 0, 0}, position{90, 180, 5},
                                position{-89.999999, -180, -10}, position{0, 180, 9.99},
                                position{0, -180, 0}, position{45, 45, 0}, position{-45, 135, 0}}) {
    auto v = g.locate(where);
    ASSERT_TRUE(v.ok()) << where.lat_deg << "," << where.lng_deg << ": " << v.error().to_string();
    EXPECT_EQ(g.column_cell(*v),
              S2CellId(S2LatLng::FromDegrees(where.lat_deg, where.lng_deg)).parent(25));
    auto back = g.voxel_at(g.address(*v));
    ASSERT_TRUE(back.ok());
    EXPECT_EQ(*back, *v);
    EXPECT_EQ(*g.locate(g.center(*v)), *v);
  }
  // The north pole is on face 2, the south pole on face 5 (S2's cube).
  EXPECT_EQ(g.locate({90, 0, 0})->face, 2);
  EXPECT_EQ(g.locate({-90, 0, 0})->face, 5);
}

// Exhaustive on a small world: every column of every face, at the bottom and top layers.
TEST(grid, every_column_of_a_small_world_round_trips) {
  const grid g = make_grid(8, 3, 10, 0, 640);  // 64 layers: two chunk layers
  const std::uint32_t columns = 1u << 8;
  for (std::uint8_t face = 0; face < 6; ++face) {
    for (std::uint32_t i = 0; i < columns; ++i) {
      for (std::uint32_t j = 0; j < columns; ++j) {
        for (std::uint32_t k : {0u, 31u, 32u, 63u}) {
          const voxel v{face, i, j, k};
          ASSERT_TRUE(g.check(v).ok());
          const S2CellId cell = g.column_cell(v);
          ASSERT_EQ(cell, S2CellId::FromFaceIJ(face, i << 22, j << 22).parent(8));
          ASSERT_EQ(g.voxel_of(cell, k), v);
          const voxel_address where = g.address(v);
          ASSERT_EQ(where.region, cell.parent(3));
          ASSERT_EQ(where.morton, morton_encode(where.chunk.u, where.chunk.v, where.chunk.k));
          ASSERT_EQ(where.chunk.k, k / 32);
          ASSERT_EQ(where.z, k % 32);
          auto back = g.voxel_at(where);
          ASSERT_TRUE(back.ok());
          ASSERT_EQ(*back, v);
        }
      }
    }
  }
}

// A region's children at the voxel level are exactly its columns: each lands on its own place.
TEST(grid, a_regions_children_fill_its_chunks_exactly_once) {
  const grid g = make_grid(12, 6);  // 64 columns per region edge: 2 x 2 chunks
  for (S2CellId region = S2CellId::Begin(6); region != S2CellId::End(6);
       region = region.advance(241)) {
    std::set<std::pair<std::uint32_t, std::uint32_t>> seen;
    for (S2CellId column = region.child_begin(12); column != region.child_end(12);
         column = column.next()) {
      const voxel_address where = g.address(g.voxel_of(column, 0));
      ASSERT_EQ(where.region, region);
      ASSERT_LT(where.chunk.u, 2u);
      ASSERT_LT(where.chunk.v, 2u);
      ASSERT_TRUE(seen.insert({where.chunk.u * 32 + where.x, where.chunk.v * 32 + where.y}).second);
    }
    ASSERT_EQ(seen.size(), 64u * 64u);
  }
}

// Checks that `next` is the neighbour of `v` across an edge: S2 agrees, they share an edge, and
// some step from `next` leads back.
void expect_neighbours(const grid& g, const voxel& v, direction towards, const voxel& next) {
  S2CellId expected[4];
  g.column_cell(v).GetEdgeNeighbors(expected);
  ASSERT_EQ(g.column_cell(next), expected[static_cast<int>(towards)]);
  ASSERT_EQ(next.k, v.k);
  ASSERT_EQ(shared_vertices(g.column_cell(v), g.column_cell(next)), 2);
  bool back = false;
  for (int d = 0; d < 4; ++d)
    back = back || g.neighbour(next, static_cast<direction>(d)) == v;
  ASSERT_TRUE(back);
}

TEST(grid, neighbours_cross_face_edges_and_corners_through_s2) {
  const grid g = make_grid(10, 4);
  const std::uint32_t last = (1u << 10) - 1;
  int crossings = 0;
  for (std::uint8_t face = 0; face < 6; ++face) {
    // Every column along the four edges of the face, corners included.
    for (std::uint32_t n = 0; n <= last; ++n) {
      for (const voxel& v : {voxel{face, n, 0, 7}, voxel{face, n, last, 7}, voxel{face, 0, n, 7},
                             voxel{face, last, n, 7}}) {
        for (int d = 0; d < 4; ++d) {
          const voxel next = g.neighbour(v, static_cast<direction>(d));
          expect_neighbours(g, v, static_cast<direction>(d), next);
          if (next.face != v.face)
            ++crossings;
        }
      }
    }
  }
  // Each of a face's 4 edge rows has 1024 columns that cross once, and its two corner columns
  // cross a second time, along the other axis.
  EXPECT_EQ(crossings, 6 * 4 * (1024 + 2));
}

TEST(grid, neighbours_at_a_face_corner_rotate_axes) {
  const grid g = make_grid(10, 4);
  const std::uint32_t last = (1u << 10) - 1;
  // Face 0's corner at (last, last): +i leads onto face 1, +j onto face 2, and the axes there are
  // turned, so the neighbour's (i, j) are not (last + 1, last) in any face's frame.
  const voxel corner{0, last, last, 3};
  const voxel right = g.neighbour(corner, direction::plus_i);
  const voxel up = g.neighbour(corner, direction::plus_j);
  EXPECT_EQ(right.face, 1);
  EXPECT_EQ(up.face, 2);
  EXPECT_NE(right, up);
  expect_neighbours(g, corner, direction::plus_i, right);
  expect_neighbours(g, corner, direction::plus_j, up);
}

TEST(grid, interior_neighbours_match_s2) {
  const grid g = make_grid(20, 10);
  const unsigned seed = base::test_seed("grid.interior_neighbours_match_s2");
  std::mt19937 random(seed);
  std::uniform_int_distribution<std::uint32_t> coordinate(0, (1u << 20) - 1);
  for (int n = 0; n < 20000; ++n) {
    const voxel v{static_cast<std::uint8_t>(random() % 6), coordinate(random), coordinate(random),
                  5};
    for (int d = 0; d < 4; ++d) {
      SCOPED_TRACE("seed " + std::to_string(seed));
      expect_neighbours(g, v, static_cast<direction>(d), g.neighbour(v, static_cast<direction>(d)));
    }
  }
}

TEST(grid, out_of_range_input_is_refused_with_the_bounds) {
  const grid g = make_grid(20, 12, 10, -500, 500);
  auto bad_lat = g.locate({90.5, 0, 0});
  ASSERT_FALSE(bad_lat.ok());
  EXPECT_EQ(bad_lat.error().code, base::errc::out_of_range);
  EXPECT_NE(bad_lat.error().message.find("latitude 90.5"), std::string::npos);
  EXPECT_EQ(g.locate({0, -180.01, 0}).error().code, base::errc::out_of_range);
  EXPECT_EQ(g.locate({0, 0, -500.01}).error().code, base::errc::out_of_range);
  auto top = g.locate({0, 0, 500});
  ASSERT_FALSE(top.ok());
  EXPECT_NE(top.error().message.find("altitude 500"), std::string::npos);
  EXPECT_EQ(g.locate({NAN, 0, 0}).error().code, base::errc::invalid_argument);
  EXPECT_EQ(g.locate({0, 0, NAN}).error().code, base::errc::invalid_argument);
  EXPECT_EQ(g.check({6, 0, 0, 0}).error().code, base::errc::out_of_range);
  EXPECT_EQ(g.check({0, 1u << 20, 0, 0}).error().code, base::errc::out_of_range);
  EXPECT_EQ(g.check({0, 0, 0, 100}).error().code, base::errc::out_of_range);
  EXPECT_TRUE(g.check({5, (1u << 20) - 1, (1u << 20) - 1, 99}).ok());
  // An address in a cell of the wrong level, or past the region's chunks.
  voxel_address where = g.address({0, 5, 5, 5});
  where.region = where.region.parent();
  EXPECT_EQ(g.voxel_at(where).error().code, base::errc::out_of_range);
  where = g.address({0, 5, 5, 5});
  where.chunk.u = 8;
  EXPECT_EQ(g.voxel_at(where).error().code, base::errc::out_of_range);
  where = g.address({0, 5, 5, 5});
  where.chunk.k = 4;  // layers 128..159 do not exist: the world has 100
  EXPECT_EQ(g.voxel_at(where).error().code, base::errc::out_of_range);
  world_spec bad;
  bad.voxel_level = 40;
  EXPECT_EQ(grid::make(bad).error().code, base::errc::invalid_argument);
}

TEST(grid_death, an_unchecked_voxel_is_a_bug) {
  const grid g = make_grid(20, 12);
  EXPECT_DEATH((void)g.column_cell({7, 0, 0, 0}), "unchecked voxel");
}

}  // namespace
}  // namespace strata::geo
