// Stream planning on jacksboro's grid: nearest chunks first, coarser LOD further out without any
// voxel covered twice, chunks the viewer approaches before those it leaves, and limits refused
// before any work.
#include "actors/stream_plan.hpp"

#include <gtest/gtest.h>
#include <s2/s2latlng.h>

#include <set>

#include "geo/morton.hpp"
#include "geology/dem.hpp"

namespace strata::actors {
namespace {

geo::grid jacksboro() {
  return *geo::grid::make(geology::sample_world_spec("jacksboro"));
}

stream_request around(double radius_m, std::uint8_t lod_max = 0, double lod_step_m = 0) {
  stream_request r;
  r.centre = {36.3, -84.2};
  r.radius_m = radius_m;
  r.lod_max = lod_max;
  r.lod_step_m = lod_step_m;
  return r;
}

TEST(stream_plan, chunks_come_nearest_first_and_each_once) {
  const geo::grid g = jacksboro();
  auto plan = plan_stream(g, around(3000), 1, {});
  ASSERT_TRUE(plan.ok()) << plan.error().to_string();
  ASSERT_GT(plan->size(), 100u);
  std::set<shard::chunk_key> seen;
  for (std::size_t n = 0; n < plan->size(); ++n) {
    EXPECT_EQ((*plan)[n].key.lod, 0);
    EXPECT_LE((*plan)[n].distance_m, 3000 + 1);
    if (n > 0) {
      EXPECT_LE((*plan)[n - 1].distance_m, (*plan)[n].distance_m);
    }
    EXPECT_TRUE(seen.insert((*plan)[n].key).second);
  }
  // Every chunk layer of a chunk column is sent.
  EXPECT_EQ(plan->size() % geo::chunk_layers(g.spec()), 0u);
}

TEST(stream_plan, far_chunks_come_at_coarser_lod_and_nothing_is_covered_twice) {
  const geo::grid g = jacksboro();
  auto plan = plan_stream(g, around(6000, 1, 1500), 1, {});
  ASSERT_TRUE(plan.ok()) << plan.error().to_string();
  std::set<std::tuple<std::uint64_t, std::uint32_t, std::uint32_t>> covered;
  std::size_t coarse = 0;
  double nearest_coarse = 1e18, farthest_fine = 0;
  for (const planned_chunk& c : *plan) {
    const geo::morton_coords at = geo::morton_decode(c.key.morton);
    if (at.k != 0)
      continue;  // one layer stands for its chunk column
    const std::uint32_t side = 1u << c.key.lod;
    for (std::uint32_t dv = 0; dv < side; ++dv)
      for (std::uint32_t du = 0; du < side; ++du)
        EXPECT_TRUE(covered.insert({c.key.region, at.u * side + du, at.v * side + dv}).second)
            << "chunk column covered twice";
    if (c.key.lod == 1) {
      ++coarse;
      nearest_coarse = std::min(nearest_coarse, c.distance_m);
    } else {
      farthest_fine = std::max(farthest_fine, c.distance_m);
    }
  }
  // A block takes LOD 1 when its nearest point is past lod_step_m: its centre is further by up
  // to half its diagonal (a 2 x 2 block of chunk columns here).
  const double block_half_diagonal =
      geo::average_cell_width_m(g.spec().voxel_level) * 32 * 2 * M_SQRT1_2;
  EXPECT_GT(coarse, 10u);
  EXPECT_GE(nearest_coarse, 1500.0);
  EXPECT_LE(farthest_fine, 1500.0 + 2 * block_half_diagonal);
  // The world keeps no LOD above 1 here: asking for more gives at most 1.
  auto capped = plan_stream(g, around(6000, 5, 1500), 1, {});
  ASSERT_TRUE(capped.ok()) << capped.error().to_string();
  ASSERT_EQ(capped->size(), plan->size());  // the same plan: LOD 1 is already the top
  for (const planned_chunk& c : *capped)
    EXPECT_LE(c.key.lod, 1);
}

// The mean position in the plan of the chunks east of the viewer.
double mean_rank_east(const geo::grid& g, const std::vector<planned_chunk>& plan) {
  double sum = 0;
  std::size_t count = 0;
  for (std::size_t i = 0; i < plan.size(); ++i) {
    const geo::morton_coords at = geo::morton_decode(plan[i].key.morton);
    geo::voxel_address where;
    where.region = S2CellId(plan[i].key.region);
    where.chunk = {at.u, at.v, 0};
    where.x = where.y = 16;
    const S2LatLng centre(g.column_cell(*g.voxel_at(where)).ToPoint());
    if (centre.lng().degrees() > -84.2) {
      sum += static_cast<double>(i);
      ++count;
    }
  }
  return sum / static_cast<double>(count);
}

TEST(stream_plan, a_moving_viewer_gets_what_lies_ahead_sooner) {
  const geo::grid g = jacksboro();
  stream_request r = around(4000);
  auto still = plan_stream(g, r, 1, {});
  r.velocity_east_mps = 400;  // 2 km east in the 5 s prediction
  auto moving = plan_stream(g, r, 1, {});
  ASSERT_TRUE(still.ok() && moving.ok());
  ASSERT_EQ(still->size(), moving->size());  // the same area, in another order
  const double before = mean_rank_east(g, *still), after = mean_rank_east(g, *moving);
  EXPECT_LT(after, before * 0.8) << before << " -> " << after;
}

TEST(stream_plan, bad_requests_and_limits_are_refused_before_any_work) {
  const geo::grid g = jacksboro();
  stream_limits small;
  small.radius_m_max = 1000;
  EXPECT_EQ(plan_stream(g, around(2000), 1, small).error().code, base::errc::limit_exceeded);
  stream_limits few;
  few.chunks_max = 50;
  auto refused = plan_stream(g, around(3000), 1, few);
  ASSERT_FALSE(refused.ok());
  EXPECT_EQ(refused.error().code, base::errc::limit_exceeded);
  EXPECT_NE(refused.error().message.find("stream.chunks_max"), std::string::npos);
  stream_request off = around(100);
  off.centre.lat_deg = 91;
  EXPECT_EQ(plan_stream(g, off, 1, {}).error().code, base::errc::out_of_range);
  EXPECT_EQ(plan_stream(g, around(-5), 1, {}).error().code, base::errc::invalid_argument);
  stream_request nan = around(100);
  nan.velocity_east_mps = std::nan("");
  EXPECT_EQ(plan_stream(g, nan, 1, {}).error().code, base::errc::invalid_argument);
}

}  // namespace
}  // namespace strata::actors
