// The default material table: the ids strata's generator writes and every world starts with.
// Ids are stored in voxels and never renumbered; air is 0 and water 1 in every world, and ids
// grow from fluids to sediments to hard rock, which LOD downsampling relies on to let solid ground
// win a tie (compression/lod.hpp).
#pragma once

#include <array>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "base/result.hpp"

namespace strata::geology {

namespace material {
inline constexpr std::uint8_t air = 0;
inline constexpr std::uint8_t water = 1;
inline constexpr std::uint8_t sediment = 2;
inline constexpr std::uint8_t soil = 3;
inline constexpr std::uint8_t sand = 4;
inline constexpr std::uint8_t sandstone = 5;
inline constexpr std::uint8_t shale = 6;
inline constexpr std::uint8_t limestone = 7;
inline constexpr std::uint8_t granite = 8;
inline constexpr std::uint8_t basalt = 9;
inline constexpr std::uint8_t weathered_granite = 10;
inline constexpr std::uint8_t count = 11;
}  // namespace material

/// The name of a default material id ("granite"); "unknown" past the table.
std::string_view material_name(std::uint8_t id);

/// The processes whose effect on a material the table can name.
enum class process : std::uint8_t {
  weathering,  // what the top metres turn into (granite → weathered_granite)
  deposition,  // what a material becomes when eroded and deposited again (granite → sand)
};
inline constexpr std::size_t process_count = 2;
std::string_view name(process p);

/// One material: its id (stored in voxels), its name, whether it is a fluid (air and water: the
/// surface is the top of the highest non-fluid voxel), and what each process turns it into
/// (itself when the table says nothing).
struct material_entry {
  std::uint8_t id = 0;
  std::string name;
  bool fluid = false;
  std::array<std::uint8_t, process_count> becomes{};
};

/// A world's material table (DESIGN.md §2). The file format (docs/materials.md):
///
///   # comments and blank lines are ignored
///   [granite]                     # one section per material, named by its name
///   id = 8                        # 0..255, unique; air is 0 and water 1 in every table
///   weathering = "weathered_granite"
///   deposition = "sand"
///   fluid = false                 # true for air and water only
///
/// Transitions name other materials of the same table.
class material_table {
 public:
  /// The table strata's generator writes (materials.toml in docs/ is the same as a file).
  static const material_table& defaults();
  /// Parses a table file. Errors: errc::parse_error (a malformed line, with its number),
  /// errc::invalid_config (a duplicate or missing id or name, an unknown key, a transition to a
  /// material the table lacks, air not 0 or water not 1).
  static base::result<material_table> parse(std::string_view text);
  /// The table as a file that parse() reads back.
  std::string to_file() const;

  /// The material with this id; null when the table has none.
  const material_entry* find(std::uint8_t id) const;
  const material_entry* find(std::string_view name) const;
  /// What `p` turns material `id` into; `id` itself when nothing (or for an unknown id).
  std::uint8_t becomes(process p, std::uint8_t id) const {
    return by_id_[id] >= 0
               ? entries_[static_cast<std::size_t>(by_id_[id])].becomes[static_cast<std::size_t>(p)]
               : id;
  }
  /// Whether voxels of this id count as open space above the surface (air, water; unknown ids
  /// are solid).
  bool fluid(std::uint8_t id) const { return fluid_[id]; }
  const std::vector<material_entry>& entries() const { return entries_; }

 private:
  base::status index();
  std::vector<material_entry> entries_;
  std::array<int, 256> by_id_{};
  std::array<bool, 256> fluid_{};
};

}  // namespace strata::geology
