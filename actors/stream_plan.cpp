#include "actors/stream_plan.hpp"

#include <s2/s1angle.h>
#include <s2/s2earth.h>
#include <s2/s2latlng.h>

#include <algorithm>
#include <cmath>

#include "config/config.hpp"
#include "geo/cover.hpp"
#include "geo/morton.hpp"

namespace strata::actors {

namespace {

struct planner {
  const geo::grid& grid;
  const stream_request& request;
  std::uint8_t lod_cap;
  std::uint32_t chunk_layers;
  std::size_t chunks_max;
  S2Point now, predicted;
  double block_half_diagonal_m;  // of one chunk column
  std::vector<planned_chunk> out;

  std::uint8_t lod_for(double distance_m) const {
    if (!(request.lod_step_m > 0) || distance_m < request.lod_step_m)
      return 0;
    const double doublings = std::floor(std::log2(distance_m / request.lod_step_m)) + 1;
    return static_cast<std::uint8_t>(std::min<double>(doublings, lod_cap));
  }

  // A block of 2^level chunk columns per side whose first LOD-0 chunk column is (u0, v0).
  base::status visit(S2CellId region, int level, std::uint32_t u0, std::uint32_t v0) {
    const std::uint32_t side = 1u << level;
    const std::uint32_t centre_column = side * compression::edge / 2;
    geo::voxel_address at;
    at.region = region;
    at.chunk = {u0 + centre_column / compression::edge, v0 + centre_column / compression::edge, 0};
    at.x = centre_column % compression::edge;
    at.y = centre_column % compression::edge;
    auto v = grid.voxel_at(at);
    if (!v)
      return v.error();
    const S2Point centre = grid.column_cell(*v).ToPoint();
    const double from_now = S2Earth::ToMeters(S1Angle(now, centre));
    const double from_predicted = S2Earth::ToMeters(S1Angle(predicted, centre));
    const double distance = std::min(from_now, from_predicted);
    const double half_diagonal = block_half_diagonal_m * side;
    if (from_now - half_diagonal > request.radius_m)
      return {};  // the whole block lies outside the area
    const std::uint8_t wanted = lod_for(std::max(0.0, distance - half_diagonal));
    if (level > wanted) {
      const std::uint32_t half = side / 2;
      for (std::uint32_t dv = 0; dv < 2; ++dv)
        for (std::uint32_t du = 0; du < 2; ++du)
          if (auto s = visit(region, level - 1, u0 + du * half, v0 + dv * half); !s)
            return s;
      return {};
    }
    if (level == 0 && from_now > request.radius_m)
      return {};  // a chunk column whose centre lies outside the area
    const std::uint32_t layers = (chunk_layers + side - 1) >> level;
    if (out.size() + layers > chunks_max)
      return base::fail(base::errc::limit_exceeded, "the stream covers more than " +
                                                        std::to_string(chunks_max) +
                                                        " chunks (stream.chunks_max)");
    for (std::uint32_t k = 0; k < layers; ++k)
      out.push_back({{region.id(), static_cast<std::uint8_t>(level),
                      geo::morton_encode(u0 >> level, v0 >> level, k)},
                     distance});
    return {};
  }
};

S2Point moved(geo::lat_lng from, double east_m, double north_m) {
  const double radius = S2Earth::RadiusMeters();
  const double lat = std::clamp(from.lat_deg + north_m / radius * 180 / M_PI, -90.0, 90.0);
  const double cos_lat = std::max(std::cos(from.lat_deg * M_PI / 180), 1e-9);
  const double lng = from.lng_deg + east_m / (radius * cos_lat) * 180 / M_PI;
  return S2LatLng::FromDegrees(lat, lng).Normalized().ToPoint();
}

}  // namespace

base::result<std::vector<planned_chunk>> plan_stream(const geo::grid& grid,
                                                     const stream_request& request,
                                                     std::uint8_t lod_kept,
                                                     const stream_limits& limits) {
  if (auto ok = geo::check(request.centre); !ok)
    return ok.error();
  if (!std::isfinite(request.radius_m) || !(request.radius_m > 0))
    return base::fail(
        base::errc::invalid_argument,
        "stream radius " + std::to_string(request.radius_m) + " m is not a positive number");
  if (request.radius_m > limits.radius_m_max)
    return base::fail(base::errc::limit_exceeded,
                      "stream radius " + std::to_string(request.radius_m) +
                          " m exceeds stream.radius_m_max " + std::to_string(limits.radius_m_max));
  if (!std::isfinite(request.lod_step_m) || request.lod_step_m < 0 ||
      !std::isfinite(request.velocity_east_mps) || !std::isfinite(request.velocity_north_mps))
    return base::fail(base::errc::invalid_argument,
                      "stream: lod_step_m and the velocity must be finite, the step not negative");
  const geo::world_spec& spec = grid.spec();
  // A cheap bound before any covering: the area's chunk columns times the layers.
  const double column_area =
      std::pow(geo::average_cell_width_m(spec.voxel_level) * compression::edge, 2);
  const double estimate = M_PI * request.radius_m * request.radius_m / column_area *
                          geo::chunk_layers(spec) /
                          std::pow(4.0, std::min(request.lod_max, lod_kept));
  if (estimate > 4.0 * static_cast<double>(limits.chunks_max) + 1024)
    return base::fail(base::errc::limit_exceeded,
                      "the stream covers about " + std::to_string(std::llround(estimate)) +
                          " chunks; stream.chunks_max is " + std::to_string(limits.chunks_max));
  auto regions = geo::regions_in_cap(spec, request.centre, request.radius_m, limits.regions_max);
  if (!regions)
    return regions.error();
  planner p{grid,
            request,
            std::min(request.lod_max, lod_kept),
            geo::chunk_layers(spec),
            limits.chunks_max,
            S2LatLng::FromDegrees(request.centre.lat_deg, request.centre.lng_deg).ToPoint(),
            moved(request.centre, request.velocity_east_mps * limits.prediction_s,
                  request.velocity_north_mps * limits.prediction_s),
            geo::average_cell_width_m(spec.voxel_level) * compression::edge * M_SQRT1_2,
            {}};
  const std::uint32_t edge = geo::chunks_per_region_edge(spec);
  const int top = p.lod_cap;
  for (S2CellId region : *regions)
    for (std::uint32_t v = 0; v < edge; v += 1u << top)
      for (std::uint32_t u = 0; u < edge; u += 1u << top)
        if (auto s = p.visit(region, top, u, v); !s)
          return s.error();
  std::stable_sort(p.out.begin(), p.out.end(), [](const planned_chunk& a, const planned_chunk& b) {
    return a.distance_m < b.distance_m;
  });
  return std::move(p.out);
}

stream_limits stream_limits_of(const config::config& settings) {
  stream_limits out;
  out.chunks_max = settings.stream.chunks_max;
  out.radius_m_max = static_cast<double>(settings.stream.radius_m_max);
  out.prediction_s = static_cast<double>(settings.stream.prediction_ms) / 1000;
  out.regions_max = settings.cover_regions_max ? settings.cover_regions_max : 1000000;
  return out;
}

}  // namespace strata::actors
