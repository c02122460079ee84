#include "geo/grid.hpp"

#include <s2/s2cell.h>
#include <s2/s2earth.h>
#include <s2/s2latlng.h>

#include <cmath>
#include <cstdio>

#include "geo/morton.hpp"

namespace strata::geo {

namespace {

std::string text(double value) {
  char buffer[64];
  std::snprintf(buffer, sizeof buffer, "%.10g", value);
  return buffer;
}

}  // namespace

base::status check(lat_lng where) {
  if (std::isnan(where.lat_deg) || std::isnan(where.lng_deg))
    return base::fail(base::errc::invalid_argument, "latitude and longitude must be numbers");
  if (where.lat_deg < -90 || where.lat_deg > 90)
    return base::fail(base::errc::out_of_range,
                      "latitude " + text(where.lat_deg) + " is outside [-90, 90]");
  if (where.lng_deg < -180 || where.lng_deg > 180)
    return base::fail(base::errc::out_of_range,
                      "longitude " + text(where.lng_deg) + " is outside [-180, 180]");
  return {};
}

double average_cell_width_m(int level) {
  return std::sqrt(S2Cell::AverageArea(level)) * S2Earth::RadiusMeters();
}

grid::grid(const world_spec& spec)
    : spec_(spec),
      shift_(s2_level_max - spec.voxel_level),
      columns_(std::uint32_t{1} << spec.voxel_level),
      region_mask_(columns_per_region_edge(spec) - 1),
      layers_(voxel_layers(spec)) {}

base::result<grid> grid::make(const world_spec& spec) {
  if (auto valid = validate(spec); !valid)
    return valid.error();
  return grid(spec);
}

base::result<S2CellId> grid::column(lat_lng where) const {
  if (auto valid = geo::check(where); !valid)
    return valid.error();
  return S2CellId(S2LatLng::FromDegrees(where.lat_deg, where.lng_deg)).parent(spec_.voxel_level);
}

base::result<std::uint32_t> grid::layer(double alt_m) const {
  if (std::isnan(alt_m))
    return base::fail(base::errc::invalid_argument, "altitude is NaN");
  if (alt_m < spec_.z_min_m || alt_m >= spec_.z_max_m)
    return base::fail(base::errc::out_of_range,
                      "altitude " + text(alt_m) + " m is outside the world's [" +
                          text(spec_.z_min_m) + ", " + text(spec_.z_max_m) + ") m");
  auto k = static_cast<std::uint32_t>(std::floor((alt_m - spec_.z_min_m) / spec_.dz_m));
  // Rounding can put an altitude just below z_max_m one layer too high.
  return std::min(k, layers_ - 1);
}

base::result<voxel> grid::locate(const position& where) const {
  auto cell = column({where.lat_deg, where.lng_deg});
  if (!cell)
    return cell.error();
  auto k = layer(where.alt_m);
  if (!k)
    return k.error();
  return voxel_of(*cell, *k);
}

base::status grid::check(const voxel& v) const {
  if (v.face > 5)
    return base::fail(base::errc::out_of_range,
                      "face " + std::to_string(v.face) + " is outside 0..5");
  if (v.i >= columns_ || v.j >= columns_)
    return base::fail(base::errc::out_of_range,
                      "column (" + std::to_string(v.i) + ", " + std::to_string(v.j) +
                          ") is outside 0.." + std::to_string(columns_ - 1) + " at voxel level " +
                          std::to_string(spec_.voxel_level));
  if (v.k >= layers_)
    return base::fail(base::errc::out_of_range,
                      "k " + std::to_string(v.k) + " is outside 0.." + std::to_string(layers_ - 1));
  return {};
}

S2CellId grid::column_cell(const voxel& v) const {
  STRATA_ASSERT(check(v).ok(), "column_cell of an unchecked voxel");
  return S2CellId::FromFaceIJ(v.face, static_cast<int>(v.i << shift_),
                              static_cast<int>(v.j << shift_))
      .parent(spec_.voxel_level);
}

voxel grid::voxel_of(S2CellId column, std::uint32_t k) const {
  STRATA_ASSERT(column.is_valid() && column.level() == spec_.voxel_level,
                "voxel_of needs a cell at the voxel level");
  int i = 0, j = 0;
  const int face = column.ToFaceIJOrientation(&i, &j, nullptr);
  return {static_cast<std::uint8_t>(face), static_cast<std::uint32_t>(i) >> shift_,
          static_cast<std::uint32_t>(j) >> shift_, k};
}

S2CellId grid::region_of(const voxel& v) const {
  return column_cell(v).parent(spec_.region_level);
}

position grid::center(const voxel& v) const {
  const S2LatLng centre(column_cell(v).ToPoint());
  return {centre.lat().degrees(), centre.lng().degrees(), spec_.z_min_m + (v.k + 0.5) * spec_.dz_m};
}

voxel_address grid::address(const voxel& v) const {
  voxel_address where;
  where.region = region_of(v);
  const std::uint32_t u = v.i & region_mask_;
  const std::uint32_t w = v.j & region_mask_;
  where.chunk = {u >> chunk_edge_bits, w >> chunk_edge_bits, v.k >> chunk_edge_bits};
  where.morton = morton_encode(where.chunk.u, where.chunk.v, where.chunk.k);
  where.x = u & (chunk_edge - 1);
  where.y = w & (chunk_edge - 1);
  where.z = v.k & (chunk_edge - 1);
  return where;
}

base::result<voxel> grid::voxel_at(const voxel_address& where) const {
  if (!where.region.is_valid() || where.region.level() != spec_.region_level)
    return base::fail(base::errc::out_of_range, "region " + where.region.ToToken() +
                                                    " is not a cell at region level " +
                                                    std::to_string(spec_.region_level));
  const std::uint32_t chunks = chunks_per_region_edge(spec_);
  if (where.chunk.u >= chunks || where.chunk.v >= chunks)
    return base::fail(base::errc::out_of_range,
                      "chunk (" + std::to_string(where.chunk.u) + ", " +
                          std::to_string(where.chunk.v) + ") is outside the region's " +
                          std::to_string(chunks) + " x " + std::to_string(chunks) + " chunks");
  if (where.x >= chunk_edge || where.y >= chunk_edge || where.z >= chunk_edge)
    return base::fail(base::errc::out_of_range, "a place in a chunk is 0..31 on each axis");
  // The region's first column: its leaf (i, j) near the centre, rounded down to the region size.
  int leaf_i = 0, leaf_j = 0;
  const int face = where.region.ToFaceIJOrientation(&leaf_i, &leaf_j, nullptr);
  const auto region_mask_leaf = static_cast<std::uint32_t>(where.region.GetSizeIJ() - 1);
  const std::uint32_t i0 = (static_cast<std::uint32_t>(leaf_i) & ~region_mask_leaf) >> shift_;
  const std::uint32_t j0 = (static_cast<std::uint32_t>(leaf_j) & ~region_mask_leaf) >> shift_;
  voxel v{static_cast<std::uint8_t>(face), i0 + (where.chunk.u << chunk_edge_bits) + where.x,
          j0 + (where.chunk.v << chunk_edge_bits) + where.y,
          (where.chunk.k << chunk_edge_bits) + where.z};
  if (auto valid = check(v); !valid)
    return valid.error();
  return v;
}

voxel grid::neighbour(const voxel& v, direction towards) const {
  STRATA_ASSERT(check(v).ok(), "neighbour of an unchecked voxel");
  // Inside a face, the neighbour is one step along i or j on the same face.
  voxel next = v;
  switch (towards) {
    case direction::minus_j:
      if (v.j > 0) {
        next.j -= 1;
        return next;
      }
      break;
    case direction::plus_i:
      if (v.i + 1 < columns_) {
        next.i += 1;
        return next;
      }
      break;
    case direction::plus_j:
      if (v.j + 1 < columns_) {
        next.j += 1;
        return next;
      }
      break;
    case direction::minus_i:
      if (v.i > 0) {
        next.i -= 1;
        return next;
      }
      break;
  }
  // Across a face edge: S2 knows which face is there and how its axes turn.
  S2CellId neighbours[4];
  column_cell(v).GetEdgeNeighbors(neighbours);
  return voxel_of(neighbours[static_cast<int>(towards)], v.k);
}

}  // namespace strata::geo
