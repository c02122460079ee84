#include "geology/fields.hpp"

#include <algorithm>

#include <s2/s2cap.h>
#include <s2/s2cell.h>
#include <s2/s2earth.h>
#include <s2/s2latlng.h>
#include <s2/s2region_coverer.h>

#include <cmath>
#include <numbers>

namespace strata::geology {

double profile_factor(profile shape, double r_m, double radius_m) {
  if (!(r_m < radius_m))
    return 0;
  const double t = r_m / radius_m;
  switch (shape) {
    case profile::flat:
      return 1;
    case profile::cone:
      return 1 - t;
    case profile::gaussian:
      return std::exp(-4.5 * t * t);
    case profile::cosine:
      return (1 + std::cos(std::numbers::pi * t)) / 2;
  }
  return 0;
}

namespace {

constexpr std::size_t columns = compression::edge * compression::edge;

// The chunk column for a cell at the voxel level minus 5: its region and coordinates.
chunk_column_values chunk_column_of(const geo::grid& g, S2CellId cell) {
  int face = 0, i = 0, j = 0;
  cell.ToFaceIJOrientation(&i, &j, nullptr);
  face = cell.face();
  const int shift = geo::s2_level_max - g.spec().voxel_level;
  geo::voxel first;
  first.face = static_cast<std::uint8_t>(face);
  first.i = static_cast<std::uint32_t>(i >> shift) & ~std::uint32_t{compression::edge - 1};
  first.j = static_cast<std::uint32_t>(j >> shift) & ~std::uint32_t{compression::edge - 1};
  const geo::voxel_address at = g.address(first);
  chunk_column_values out;
  out.region = at.region;
  out.u = at.chunk.u;
  out.v = at.chunk.v;
  out.column_area_m2 =
      S2Cell(cell).ExactArea() * S2Earth::RadiusMeters() * S2Earth::RadiusMeters() / columns;
  return out;
}

// The voxel-level cell of column (x, y) of a chunk column.
S2CellId column_cell(const geo::grid& g, const chunk_column_values& c, unsigned x, unsigned y) {
  geo::voxel_address where;
  where.region = c.region;
  where.chunk = {c.u, c.v, 0};
  where.x = x;
  where.y = y;
  const auto voxel = g.voxel_at(where);
  STRATA_ASSERT(voxel.ok(), "a column inside its chunk column");
  return g.column_cell(*voxel);
}

// Whether a chunk column lies in one of `only` (sorted region ids); every one when empty.
bool wanted(const geo::grid& g, S2CellId chunk_column, std::span<const std::uint64_t> only) {
  return only.empty() || std::binary_search(only.begin(), only.end(),
                                            chunk_column.parent(g.spec().region_level).id());
}

base::result<std::vector<chunk_column_values>> evaluate_cap(const geo::grid& g, const cap_field& f,
                                                            std::size_t chunk_columns_max,
                                                            std::span<const std::uint64_t> only) {
  if (auto valid = geo::check(f.centre); !valid)
    return valid.error();
  const double half_circumference_m = std::numbers::pi * S2Earth::RadiusMeters();
  if (!(f.radius_m > 0) || f.radius_m > half_circumference_m)
    return base::fail(base::errc::out_of_range, "cap radius " + std::to_string(f.radius_m) +
                                                    " m is outside (0, " +
                                                    std::to_string(half_circumference_m) + "] m");
  if (!std::isfinite(f.peak))
    return base::fail(base::errc::invalid_argument, "the cap's peak is not finite");
  const S2Point centre = S2LatLng::FromDegrees(f.centre.lat_deg, f.centre.lng_deg).ToPoint();
  const S2Cap cap(centre, S2Earth::MetersToAngle(f.radius_m));
  auto cells = chunk_column_cells(g, cap, cap.GetArea(), "cap", chunk_columns_max);
  if (!cells)
    return cells.error();
  std::vector<chunk_column_values> out;
  out.reserve(cells->size());
  for (S2CellId cell : *cells) {
    if (!wanted(g, cell, only))
      continue;
    chunk_column_values c = chunk_column_of(g, cell);
    bool any = false;
    for (unsigned y = 0; y < compression::edge; ++y)
      for (unsigned x = 0; x < compression::edge; ++x) {
        const S2Point p = column_cell(g, c, x, y).ToPoint();
        const double r_m = S2Earth::ToMeters(S1Angle(centre, p));
        const double value = f.peak * profile_factor(f.shape, r_m, f.radius_m);
        c.value[x + compression::edge * y] = static_cast<float>(value);
        any = any || value != 0;
      }
    if (any)
      out.push_back(std::move(c));
  }
  return out;
}

base::result<std::vector<chunk_column_values>> evaluate_raster(
    const geo::grid& g, const raster_field& f, std::size_t chunk_columns_max,
    std::span<const std::uint64_t> only) {
  if (!f.cell.is_valid())
    return base::fail(base::errc::invalid_argument, "the raster's cell is not a valid S2 cell");
  const int cell_level = f.cell.level();
  const int voxel_level = g.spec().voxel_level;
  if (f.level < cell_level || f.level > cell_level + 12 || f.level > voxel_level)
    return base::fail(base::errc::out_of_range,
                      "raster level " + std::to_string(f.level) + " is outside [" +
                          std::to_string(cell_level) + ", " +
                          std::to_string(std::min(cell_level + 12, voxel_level)) + "]");
  const std::size_t n = std::size_t{1} << (f.level - cell_level);
  if (f.values.size() != n * n)
    return base::fail(base::errc::invalid_argument,
                      "a raster at level " + std::to_string(f.level) + " over a level-" +
                          std::to_string(cell_level) + " cell has " + std::to_string(n * n) +
                          " values; got " + std::to_string(f.values.size()));
  for (std::size_t k = 0; k < f.values.size(); ++k)
    if (!std::isfinite(f.values[k]))
      return base::fail(base::errc::invalid_argument,
                        "raster value " + std::to_string(k) + " is not finite");
  const int chunk_level = voxel_level - compression::edge_bits;
  std::vector<S2CellId> cells;
  if (cell_level <= chunk_level) {
    const int depth = chunk_level - cell_level;
    if (depth > 30 || (std::uint64_t{1} << (2 * depth)) > chunk_columns_max)
      return base::fail(base::errc::limit_exceeded, "the raster covers 4^" + std::to_string(depth) +
                                                        " chunk columns; the limit is " +
                                                        std::to_string(chunk_columns_max));
    for (S2CellId c = f.cell.child_begin(chunk_level); c != f.cell.child_end(chunk_level);
         c = c.next())
      cells.push_back(c);
  } else {
    cells.push_back(f.cell.parent(chunk_level));
  }
  // The descendant with the smallest i and j: the cell's own (i, j) scaled to `level` (the
  // first descendant along the Hilbert curve may be any corner).
  int i0 = 0, j0 = 0;
  f.cell.ToFaceIJOrientation(&i0, &j0, nullptr);
  const int shift = geo::s2_level_max - f.level;
  const int cell_shift = geo::s2_level_max - cell_level;
  i0 = (i0 >> cell_shift) << (f.level - cell_level);
  j0 = (j0 >> cell_shift) << (f.level - cell_level);
  std::vector<chunk_column_values> out;
  out.reserve(cells.size());
  for (S2CellId cell : cells) {
    if (!wanted(g, cell, only))
      continue;
    chunk_column_values c = chunk_column_of(g, cell);
    bool any = false;
    for (unsigned y = 0; y < compression::edge; ++y)
      for (unsigned x = 0; x < compression::edge; ++x) {
        const S2CellId column = column_cell(g, c, x, y);
        if (!f.cell.contains(column))
          continue;
        int i = 0, j = 0;
        column.ToFaceIJOrientation(&i, &j, nullptr);
        const std::size_t di = static_cast<std::size_t>((i >> shift) - i0);
        const std::size_t dj = static_cast<std::size_t>((j >> shift) - j0);
        STRATA_ASSERT(di < n && dj < n, "a column inside the raster's cell");
        const float value = f.values[dj * n + di];
        c.value[x + compression::edge * y] = value;
        any = any || value != 0;
      }
    if (any)
      out.push_back(std::move(c));
  }
  return out;
}

}  // namespace

base::result<std::vector<S2CellId>> chunk_column_cells(const geo::grid& g, const S2Region& area,
                                                       double area_sr, std::string_view what,
                                                       std::size_t chunk_columns_max) {
  const int level = g.spec().voxel_level - compression::edge_bits;
  const double estimate = area_sr / S2Cell::AverageArea(level);
  if (estimate > 2.0 * static_cast<double>(chunk_columns_max) + 16)
    return base::fail(base::errc::limit_exceeded,
                      "the " + std::string(what) + " covers about " +
                          std::to_string(static_cast<std::uint64_t>(estimate)) +
                          " chunk columns; the limit is " + std::to_string(chunk_columns_max));
  S2RegionCoverer::Options options;
  options.set_fixed_level(level);
  options.set_max_cells(static_cast<int>(std::min<std::size_t>(chunk_columns_max + 1, 1 << 30)));
  std::vector<S2CellId> cells;
  S2RegionCoverer(options).GetCovering(area, &cells);
  if (cells.size() > chunk_columns_max)
    return base::fail(base::errc::limit_exceeded,
                      "the " + std::string(what) + " covers " + std::to_string(cells.size()) +
                          " chunk columns; the limit is " + std::to_string(chunk_columns_max));
  return cells;
}

base::result<std::vector<chunk_column_values>> evaluate(const geo::grid& g,
                                                        const column_field& field,
                                                        std::size_t chunk_columns_max,
                                                        std::span<const std::uint64_t> only) {
  if (const auto* cap = std::get_if<cap_field>(&field))
    return evaluate_cap(g, *cap, chunk_columns_max, only);
  return evaluate_raster(g, std::get<raster_field>(field), chunk_columns_max, only);
}

}  // namespace strata::geology
