// The terrain generator: a stratified world from a DEM (DEM → voxels).
//
// For each voxel column it samples the DEM's surface and stacks, from the top down:
//   - air above the surface and above sea level, water between the surface and sea level;
//   - on the sea floor, unconsolidated sediment; on land, soil, or sand on low coasts;
//   - dipping sedimentary beds (sandstone, shale, limestone in turn), whose boundaries are planes
//     tilted east and north, so they crop out under the surface the way real strata do;
//   - a granite basement, whose top undulates gently with position.
// Thicknesses are in metres, independent of the grid's voxel size.
//
// The generator is a pure function of the grid, the DEM and its parameters: the same inputs give
// the same chunks, bit for bit, in every build of this version. That makes it the procedural
// baseline of delta encoding: a chunk equal to the generator's output stores no payload. Any
// change to its output must bump `terrain_version`, so stored deltas are never applied to a
// different baseline.
#pragma once

#include <array>
#include <cstdint>
#include <limits>

#include "compression/chunk.hpp"
#include "geo/grid.hpp"
#include "geology/dem.hpp"

namespace strata::geology {

/// Bumped whenever the generator's output changes for the same inputs.
inline constexpr std::uint32_t terrain_version = 1;

struct terrain_params {
  double sea_level_m = 0;
  /// Sediment on the sea floor, soil on land, sand on coasts lower than `coast_m`.
  double sediment_m = 30;
  double soil_m = 3;
  double sand_m = 8;
  double coast_m = 10;
  /// Beds: thickness, and dip as metres of drop per metre east and north.
  double bed_m = 60;
  double dip_east = 0.015;
  double dip_north = 0.008;
  /// The basement's top: a mean altitude and an undulation amplitude and wavelength.
  double basement_m = -900;
  double basement_wave_m = 150;
  double basement_wavelength_m = 25000;
};

/// One voxel column as the generator sees it: its surface, and its position in metres east and
/// north of the DEM's south-west corner.
struct column_surface {
  float surface_m = 0;
  float east_m = 0;
  float north_m = 0;
  /// The basement's top under the column (basement_m()), as surfaces() computed it once for all
  /// of the column's chunk layers; NaN when not computed.
  double basement_m = std::numeric_limits<double>::quiet_NaN();
};

/// The 32 x 32 columns of one chunk column (x + 32 y).
using chunk_column = std::array<column_surface, compression::edge * compression::edge>;

class terrain_generator {
 public:
  /// `g` and `terrain` must outlive the generator.
  terrain_generator(const geo::grid& g, const dem& terrain, terrain_params params = {});

  /// The surfaces under chunk column (u, v) of a region. Columns outside the DEM take the
  /// surface of the nearest DEM edge.
  chunk_column surfaces(S2CellId region, std::uint32_t u, std::uint32_t v) const;
  /// Fills chunk layer `k` of a chunk column: materials from the stack above, history 0.
  void fill(const chunk_column& columns, std::uint32_t k, compression::chunk& out) const;
  /// Both at once, for one chunk.
  compression::chunk generate(S2CellId region, const geo::chunk_coord& at) const;

  /// The material at an altitude in a column (the rule fill() applies to each voxel's centre).
  std::uint8_t material_at(const column_surface& column, double alt_m) const;
  /// The altitude of the granite basement's top under a column (its stored value when set).
  double basement_m(const column_surface& column) const;

  const terrain_params& params() const { return params_; }

 private:
  std::uint8_t material_at(const column_surface& column, double alt_m, double basement) const;

  const geo::grid& grid_;
  const dem& dem_;
  terrain_params params_;
};

}  // namespace strata::geology
