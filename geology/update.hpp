// A geological update as the operators take it (the C++ form of schema/update.capnp's Update
// processes), and its plan: the fields evaluated, the regions it touches, and the call that
// applies it. Planning runs before the write transaction, so the transaction only applies.
#pragma once

#include <cstdint>
#include <functional>
#include <variant>
#include <vector>

#include "base/result.hpp"
#include "geology/fields.hpp"
#include "geology/processes.hpp"

namespace strata::geology {

struct erosion_update {
  column_field depth_m;
};
struct deposition_update {
  column_field thickness_m;
  deposit_material what;
};
struct tectonics_update {
  column_field uplift_m;
};
struct weathering_update {
  column_field depth_m;
};
struct volcanism_update {
  enum class mode : std::uint8_t { extrusion, intrusion };
  mode how = mode::extrusion;
  std::uint8_t material = 0;
  column_field thickness_m;
  double base_alt_m = 0;  // intrusion only
};
struct sea_level_update {
  double level_m = 0;
  column_field area;
};
struct set_voxels_update {
  std::vector<voxel_value> voxels;
};
struct fill_box_update {
  geo::position min, max;
  std::uint8_t material = 0;
};

using process_update =
    std::variant<erosion_update, deposition_update, tectonics_update, weathering_update,
                 volcanism_update, sea_level_update, set_voxels_update, fill_box_update>;

/// "erosion", "deposition", ...
std::string_view name(const process_update& u);

struct plan_limits {
  /// Chunk columns one field may cover.
  std::size_t chunk_columns_max = 4096;
  /// Voxels one set_voxels update may list.
  std::size_t voxels_max = 1 << 20;
};

struct planned_update {
  /// The regions the update may change, sorted, at least one.
  std::vector<std::uint64_t> regions;
  /// Applies the update; `ctx` must outlive the plan.
  std::function<base::result<effects>(chunk_access&)> apply;
};

/// Evaluates the update's fields and checks its arguments. Errors: the field's (out_of_range,
/// invalid_argument, limit_exceeded); errc::invalid_argument for an update that touches nothing
/// (a field that is zero everywhere, an empty voxel list); errc::limit_exceeded past the limits.
///
/// With `only_regions` (sorted region ids), the plan is the update's part in those regions, as a
/// node applies the part it owns: columns and voxels elsewhere are left out before any work,
/// `regions` is `only_regions`, and a part with nothing to change is not an error (it applies
/// nothing). Amounts carried from column to column restart in each part, so each region's total
/// is what it asked for to within one voxel.
base::result<planned_update> plan(const process_context& ctx, const process_update& update,
                                  const plan_limits& limits = {},
                                  std::span<const std::uint64_t> only_regions = {});

}  // namespace strata::geology
