// The geological process operators (DESIGN.md §4): pure functions from (chunks, update) to
// (chunks, effects). Each reads and changes chunks only through a chunk_access, sets the history
// flags of the voxels it changes (schema/world.capnp: historyErosion, ...), and reports what it
// did. The caller (shard's writer) owns the chunks, their ticks and the transaction.
//
// Columns. An operator works column by column over the chunk columns a field lists
// (geology/fields.hpp). A column's *surface* is the top of its highest voxel that is not a fluid
// (air or water, material_table::fluid): the altitude index just above it, 0 when the column is
// all fluid. Amounts in metres become whole voxels; the fractions are carried from column to
// column in the field's order, so an update's total is what it asked for to within one voxel.
//
// Voxels that open up (erosion, subsidence, a falling sea) take the fluid of their altitude:
// water below the sea level, air at or above it.
//
// Clipping. A column whose result would leave the world (erosion below its floor, deposition or
// uplift above its ceiling) is changed as far as the world reaches, and counted in
// effects::columns_clipped.
#pragma once

#include <array>
#include <cstdint>
#include <span>
#include <vector>

#include "base/result.hpp"
#include "compression/chunk.hpp"
#include "geo/grid.hpp"
#include "geology/fields.hpp"
#include "geology/materials.hpp"

namespace strata::geology {

/// History bits (schema/world.capnp).
namespace history {
inline constexpr std::uint8_t erosion = 0x01;
inline constexpr std::uint8_t deposition = 0x02;
inline constexpr std::uint8_t volcanism = 0x04;
inline constexpr std::uint8_t tectonics = 0x08;
inline constexpr std::uint8_t weathering = 0x10;
inline constexpr std::uint8_t sea_level = 0x40;
inline constexpr std::uint8_t edit = 0x80;
}  // namespace history

/// Where operators read and write chunks. Pointers stay valid until the operator returns; a
/// chunk obtained by edit() must be read through that pointer from then on.
class chunk_access {
 public:
  virtual ~chunk_access() = default;
  virtual base::result<const compression::chunk*> view(S2CellId region,
                                                       const geo::chunk_coord& at) = 0;
  virtual base::result<compression::chunk*> edit(S2CellId region, const geo::chunk_coord& at) = 0;
};

struct process_context {
  const geo::grid& grid;
  const material_table& materials;
  /// Altitude of the sea surface in metres.
  double sea_level_m = 0;
};

/// What an operator did.
struct effects {
  /// Volume per material id, in cubic metres: taken out of the world, put into it.
  std::array<double, 256> removed_m3{};
  std::array<double, 256> added_m3{};
  std::uint64_t voxels_changed = 0;
  /// Columns with a non-zero amount.
  std::uint64_t columns = 0;
  /// Columns whose result fell outside the world's altitude range, and were clipped there.
  std::uint64_t columns_clipped = 0;

  double removed_total_m3() const;
  double added_total_m3() const;
  /// The removed volumes as a deposition mix: (material, m3) for every material removed.
  std::vector<std::pair<std::uint8_t, double>> removed_mix() const;
};

/// Lowers each column's surface by depth_m (negative depths count as 0).
base::result<effects> erode(const process_context& ctx,
                            const std::vector<chunk_column_values>& depth_m, chunk_access& chunks);

/// What a deposition lays down: one material, or a mix in proportion to the volumes given. A mix
/// is what an erosion removed (material inheritance): each of its materials is laid down as what
/// the table's deposition transition makes of it (eroded granite settles as sand).
struct deposit_material {
  std::uint8_t material = 0;
  std::vector<std::pair<std::uint8_t, double>> mix;  // when not empty, used instead
};

/// Raises each column's surface by thickness_m, flagging the new voxels with `flag` (a volcanic
/// extrusion is a deposition flagged volcanism). Errors: errc::invalid_argument for a material
/// the table lacks, a fluid, or a mix with a negative, non-finite or zero total volume.
base::result<effects> deposit(const process_context& ctx,
                              const std::vector<chunk_column_values>& thickness_m,
                              const deposit_material& what, chunk_access& chunks,
                              std::uint8_t flag = history::deposition);

/// Moves each whole column up (positive) or down (negative) by uplift_m: rock and its history
/// move together; the bottom voxel's material fills in below; fluids above the new surface are
/// those of their altitude. A discontinuous raster is a fault.
base::result<effects> displace(const process_context& ctx,
                               const std::vector<chunk_column_values>& uplift_m,
                               chunk_access& chunks);

/// Applies the table's weathering transitions to the top depth_m of each column.
base::result<effects> weather(const process_context& ctx,
                              const std::vector<chunk_column_values>& depth_m,
                              chunk_access& chunks);

/// Intrudes a body of `material` from base_alt_m up thickness_m into the solid part of each
/// column (what would rise above the surface is clipped). Errors as deposit().
base::result<effects> intrude(const process_context& ctx,
                              const std::vector<chunk_column_values>& thickness_m,
                              std::uint8_t material, double base_alt_m, chunk_access& chunks);

/// Changes the sea level in the columns where `area` is non-zero: fluid below the new level
/// becomes water, water at or above it becomes air.
base::result<effects> change_sea_level(const process_context& ctx, double level_m,
                                       const std::vector<chunk_column_values>& area,
                                       chunk_access& chunks);

struct voxel_value {
  geo::voxel voxel;
  std::uint8_t material = 0;
};
/// Sets each voxel. Errors: a voxel's grid check() error (nothing is changed);
/// errc::invalid_argument for a material the table lacks.
base::result<effects> set_voxels(const process_context& ctx, const std::vector<voxel_value>& voxels,
                                 chunk_access& chunks);

/// Sets every voxel whose centre lies between the corners (both inclusive). Errors: a corner's
/// locate() error for a position off the globe; errc::invalid_argument when min exceeds max;
/// errc::limit_exceeded past `chunk_columns_max` chunk columns. With `only_regions` (sorted),
/// voxels in other regions are left alone.
base::result<effects> fill_box(const process_context& ctx, const geo::position& min,
                               const geo::position& max, std::uint8_t material,
                               std::size_t chunk_columns_max, chunk_access& chunks,
                               std::span<const std::uint64_t> only_regions = {});

}  // namespace strata::geology
