#include "geo/cover.hpp"

#include <s2/s1angle.h>
#include <s2/s2cap.h>
#include <s2/s2cell.h>
#include <s2/s2earth.h>
#include <s2/s2error.h>
#include <s2/s2latlng.h>
#include <s2/s2loop.h>
#include <s2/s2polygon.h>
#include <s2/s2region_coverer.h>

#include <algorithm>
#include <cmath>
#include <memory>
#include <numbers>

#include "geo/morton.hpp"

namespace strata::geo {

namespace {

// A covering has about area / cell area cells, plus a ring along the border. The estimate counts
// only the interior, so a refusal on it is never wrong; a covering that passes is counted exactly.
base::status check_estimate(double area_steradians, int level, std::size_t regions_max) {
  const double estimate = area_steradians / S2Cell::AverageArea(level);
  if (estimate > static_cast<double>(regions_max))
    return base::fail(base::errc::limit_exceeded,
                      "the area holds about " + std::to_string(static_cast<long long>(estimate)) +
                          " regions at level " + std::to_string(level) + "; the limit is " +
                          std::to_string(regions_max));
  return {};
}

base::result<std::vector<S2CellId>> cover(const S2Region& region, int level,
                                          std::size_t regions_max) {
  S2RegionCoverer::Options options;
  options.set_fixed_level(level);
  options.set_max_cells(static_cast<int>(std::min<std::size_t>(regions_max, 1 << 30)));
  S2RegionCoverer coverer(options);
  std::vector<S2CellId> cells;
  coverer.GetCovering(region, &cells);
  std::sort(cells.begin(), cells.end());
  if (cells.size() > regions_max)
    return base::fail(base::errc::limit_exceeded,
                      "the area covers " + std::to_string(cells.size()) + " regions at level " +
                          std::to_string(level) + "; the limit is " + std::to_string(regions_max));
  return cells;
}

}  // namespace

base::result<std::vector<S2CellId>> regions_in_cap(const world_spec& spec, lat_lng centre,
                                                   double radius_m, std::size_t regions_max) {
  if (auto valid = validate(spec); !valid)
    return valid.error();
  if (auto valid = check(centre); !valid)
    return valid.error();
  const double half_circumference_m = std::numbers::pi * S2Earth::RadiusMeters();
  if (!(radius_m > 0) || radius_m > half_circumference_m)
    return base::fail(base::errc::out_of_range, "radius " + std::to_string(radius_m) +
                                                    " m is outside (0, " +
                                                    std::to_string(half_circumference_m) + "] m");
  const S2Cap cap(S2LatLng::FromDegrees(centre.lat_deg, centre.lng_deg).ToPoint(),
                  S2Earth::MetersToAngle(radius_m));
  if (auto small = check_estimate(cap.GetArea(), spec.region_level, regions_max); !small)
    return small.error();
  return cover(cap, spec.region_level, regions_max);
}

base::result<std::vector<S2CellId>> regions_in_polygon(const world_spec& spec,
                                                       const std::vector<lat_lng>& vertices,
                                                       std::size_t regions_max) {
  if (auto valid = validate(spec); !valid)
    return valid.error();
  if (vertices.size() < 3)
    return base::fail(base::errc::invalid_argument, "a polygon needs at least 3 vertices; got " +
                                                        std::to_string(vertices.size()));
  std::vector<S2Point> points;
  points.reserve(vertices.size());
  for (const lat_lng& vertex : vertices) {
    if (auto valid = check(vertex); !valid)
      return valid.error();
    points.push_back(S2LatLng::FromDegrees(vertex.lat_deg, vertex.lng_deg).ToPoint());
  }
  auto loop = std::make_unique<S2Loop>(points, S2Debug::DISABLE);
  S2Error problem;
  if (loop->FindValidationError(&problem))
    return base::fail(base::errc::invalid_argument, "invalid polygon: " + problem.text());
  // Either orientation is accepted: the polygon is the smaller side of its loop.
  loop->Normalize();
  const S2Polygon polygon(std::move(loop), S2Debug::DISABLE);
  if (auto small = check_estimate(polygon.GetArea(), spec.region_level, regions_max); !small)
    return small.error();
  return cover(polygon, spec.region_level, regions_max);
}

base::result<std::vector<region_chunk>> chunks_between(const world_spec& spec, double alt_low_m,
                                                       double alt_high_m, std::size_t chunks_max) {
  if (auto valid = validate(spec); !valid)
    return valid.error();
  if (std::isnan(alt_low_m) || std::isnan(alt_high_m) || alt_low_m > alt_high_m)
    return base::fail(base::errc::invalid_argument,
                      "altitudes must be numbers with the low one first");
  if (alt_high_m < spec.z_min_m || alt_low_m >= spec.z_max_m)
    return base::fail(base::errc::out_of_range, "altitudes [" + std::to_string(alt_low_m) + ", " +
                                                    std::to_string(alt_high_m) +
                                                    "] m miss the world's [" +
                                                    std::to_string(spec.z_min_m) + ", " +
                                                    std::to_string(spec.z_max_m) + ") m");
  const std::uint32_t layers = voxel_layers(spec);
  auto layer_of = [&spec, layers](double alt_m) {
    const double k = std::floor((alt_m - spec.z_min_m) / spec.dz_m);
    return static_cast<std::uint32_t>(std::clamp(k, 0.0, static_cast<double>(layers - 1)));
  };
  const std::uint32_t k_low = layer_of(alt_low_m) >> chunk_edge_bits;
  const std::uint32_t k_high = layer_of(alt_high_m) >> chunk_edge_bits;
  const std::uint64_t edge = chunks_per_region_edge(spec);
  const std::uint64_t count = edge * edge * (k_high - k_low + 1);
  if (count > chunks_max)
    return base::fail(base::errc::limit_exceeded,
                      std::to_string(count) + " chunks lie between those altitudes; the limit is " +
                          std::to_string(chunks_max));
  std::vector<region_chunk> chunks;
  chunks.reserve(count);
  for (std::uint32_t k = k_low; k <= k_high; ++k)
    for (std::uint32_t v = 0; v < edge; ++v)
      for (std::uint32_t u = 0; u < edge; ++u)
        chunks.push_back({{u, v, k}, morton_encode(u, v, k)});
  std::sort(chunks.begin(), chunks.end(),
            [](const region_chunk& a, const region_chunk& b) { return a.morton < b.morton; });
  return chunks;
}

}  // namespace strata::geo
