// Column fields (schema/update.capnp ColumnField): a value per voxel column over an area, such as
// an erosion depth in metres. Operators take their amounts from one.
//
// A field is evaluated chunk column by chunk column (32 x 32 voxel columns, which is an S2 cell
// at the voxel level minus 5): only chunk columns that meet the area are listed, and inside them
// columns outside the area have the value 0.
#pragma once

#include <s2/s2cell_id.h>
#include <s2/s2region.h>

#include <array>
#include <cstdint>
#include <span>
#include <string_view>
#include <variant>
#include <vector>

#include "base/result.hpp"
#include "compression/chunk.hpp"
#include "geo/grid.hpp"

namespace strata::geology {

enum class profile : std::uint8_t {
  flat,      // the peak everywhere inside the cap
  cone,      // linear fall to 0 at the radius
  gaussian,  // exp(-4.5 (r/R)^2): about 1 % of the peak at the radius, 0 beyond it
  cosine,    // (1 + cos(pi r/R)) / 2
};

/// A spherical cap with a radial profile.
struct cap_field {
  geo::lat_lng centre;
  double radius_m = 0;
  float peak = 0;
  profile shape = profile::flat;
};

/// Values on the descendants of one S2 cell at `level` (from the cell's level up to the cell's
/// level + 12, and not finer than the voxel level): values[dj * n + di] with n = 2^(level - cell
/// level) covers the descendant at (i0 + di, j0 + dj), where (i0, j0) is the descendant with the
/// smallest i and j (S2's face coordinates at `level`).
struct raster_field {
  S2CellId cell;
  int level = 0;
  std::vector<float> values;
};

using column_field = std::variant<cap_field, raster_field>;

/// A field's values on one chunk column.
struct chunk_column_values {
  S2CellId region;
  std::uint32_t u = 0;  // the chunk column's coordinates in the region, in chunks
  std::uint32_t v = 0;
  /// Per voxel column, x + 32 y; 0 outside the area.
  std::array<float, compression::edge * compression::edge> value{};
  /// The area of one voxel column here, in square metres (the chunk column's average).
  double column_area_m2 = 0;
};

/// The chunk columns (S2 cells at the voxel level minus 5) that meet `area`, in cell order.
/// `area_sr` is its area in steradians, to refuse a large area before covering it. Errors:
/// errc::limit_exceeded past `chunk_columns_max`, naming `what`.
base::result<std::vector<S2CellId>> chunk_column_cells(const geo::grid& g, const S2Region& area,
                                                       double area_sr, std::string_view what,
                                                       std::size_t chunk_columns_max);

/// The profile's factor at distance r from the centre of a cap of radius R (1 at the centre, 0
/// at and beyond R).
double profile_factor(profile shape, double r_m, double radius_m);

/// Evaluates a field on every chunk column that meets its area, in S2 cell order. Errors:
/// errc::out_of_range (a centre off the globe, a radius that is not positive or larger than half
/// the Earth, a raster level out of its range), errc::invalid_argument (a raster cell that is not
/// valid, a count of values that is not n * n, a value that is not finite),
/// errc::limit_exceeded when more than `chunk_columns_max` chunk columns would be listed.
/// With `only_regions` (sorted region ids), chunk columns in other regions are left out before
/// their values are computed: a region's share of a large field costs only that share.
base::result<std::vector<chunk_column_values>> evaluate(
    const geo::grid& g, const column_field& field, std::size_t chunk_columns_max,
    std::span<const std::uint64_t> only_regions = {});

}  // namespace strata::geology
