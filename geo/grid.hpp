// The world grid: latitude/longitude/altitude, voxels, regions, chunks (DESIGN.md §1).
//
// A voxel is a column (face, i, j) at the world's voxel level plus an altitude index k. Its column
// is the S2 cell FromFaceIJ(face, i << (30 - Lv), j << (30 - Lv)).parent(Lv), so (i, j) are S2's
// own face coordinates at that level, and every answer here agrees with s2geometry.
//
// A region is the column's ancestor at the region level. Inside a region, a voxel's local column
// (u, v) is (i, j) minus the region's first column; its chunk is (u / 32, v / 32, k / 32) and its
// place in the chunk (u % 32, v % 32, k % 32). Because S2's (i, j) nest across levels, this needs
// no Hilbert-curve arithmetic.
//
// Each cube face has its own (i, j) axes, rotated against its neighbours': anything that crosses a
// face edge (neighbour()) goes through S2, never through raw (i, j) arithmetic.
//
// Coordinates from outside (users, peers) are checked where they enter: locate() and check()
// return errors. Functions that take a voxel or address assume it passed check(); a bad one is a
// bug and trips STRATA_ASSERT.
#pragma once

#include <s2/s2cell_id.h>

#include <cstdint>

#include "base/result.hpp"
#include "geo/world_spec.hpp"

namespace strata::geo {

struct lat_lng {
  double lat_deg = 0;
  double lng_deg = 0;
};

struct position {
  double lat_deg = 0;
  double lng_deg = 0;
  double alt_m = 0;
};

struct voxel {
  std::uint8_t face = 0;
  std::uint32_t i = 0;
  std::uint32_t j = 0;
  std::uint32_t k = 0;
  friend bool operator==(const voxel&, const voxel&) = default;
};

/// A chunk's coordinates inside its region, in chunks (each below 2^21).
struct chunk_coord {
  std::uint32_t u = 0;
  std::uint32_t v = 0;
  std::uint32_t k = 0;
  friend bool operator==(const chunk_coord&, const chunk_coord&) = default;
};

/// Where a voxel lives: its region, its chunk in the region, and its place in the chunk.
struct voxel_address {
  S2CellId region;
  chunk_coord chunk;
  /// morton_encode(chunk.u, chunk.v, chunk.k).
  std::uint64_t morton = 0;
  /// Place in the chunk along u, v and k: each 0..31.
  std::uint32_t x = 0;
  std::uint32_t y = 0;
  std::uint32_t z = 0;
  friend bool operator==(const voxel_address&, const voxel_address&) = default;
};

/// The four neighbours across a column's edges, in S2's edge order (S2Cell::GetEdge).
enum class direction : std::uint8_t { minus_j = 0, plus_i = 1, plus_j = 2, minus_i = 3 };

/// Checks a latitude in [-90, 90] and a longitude in [-180, 180] (errc::out_of_range; NaN is
/// errc::invalid_argument). The message names the coordinate and its bounds.
base::status check(lat_lng where);

/// The average width of an S2 cell at `level` on the Earth, in metres: the square root of its
/// average area (level 15: about 280 m; level 20: about 8.8 m).
double average_cell_width_m(int level);

class grid {
 public:
  /// A grid for a spec; the spec's validate() error if it is not valid.
  static base::result<grid> make(const world_spec& spec);

  const world_spec& spec() const { return spec_; }

  /// The voxel containing a position. Errors: errc::out_of_range for a latitude, longitude or
  /// altitude outside the world (the message names which and the bounds), errc::invalid_argument
  /// for NaN.
  base::result<voxel> locate(const position& where) const;
  /// The voxel column containing a point on the surface; errors as check(lat_lng).
  base::result<S2CellId> column(lat_lng where) const;
  /// The altitude index of an altitude: errc::out_of_range outside [z_min_m, z_max_m).
  base::result<std::uint32_t> layer(double alt_m) const;

  /// Checks a voxel from outside: face 0..5, i and j below 2^voxel_level, k below voxel_layers.
  base::status check(const voxel& v) const;

  /// The S2 cell of the voxel's column.
  S2CellId column_cell(const voxel& v) const;
  /// The voxel's column as (face, i, j) at the voxel level, with this k. `column` must be a cell
  /// at the voxel level.
  voxel voxel_of(S2CellId column, std::uint32_t k) const;
  /// The region containing the voxel.
  S2CellId region_of(const voxel& v) const;
  /// The centre of the voxel: its column's centre and the middle of its layer.
  position center(const voxel& v) const;

  voxel_address address(const voxel& v) const;
  /// The voxel at an address. Errors: errc::out_of_range when the region is not a valid cell at
  /// the region level, or a coordinate lies outside the region or the world.
  base::result<voxel> voxel_at(const voxel_address& where) const;

  /// The voxel across one edge of v's column, at the same k. Across a face edge the neighbour's
  /// (i, j) are on its own face, whose axes are rotated against v's.
  voxel neighbour(const voxel& v, direction towards) const;

 private:
  explicit grid(const world_spec& spec);

  world_spec spec_;
  int shift_;                  // 30 - voxel_level: from voxel-level (i, j) to leaf (i, j)
  std::uint32_t columns_;      // 2^voxel_level: columns along a face edge
  std::uint32_t region_mask_;  // columns_per_region_edge - 1
  std::uint32_t layers_;       // voxel_layers(spec)
};

}  // namespace strata::geo
