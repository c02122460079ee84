// The world spec: the grid's fixed parameters (DESIGN.md §1).
//
// A world spec is chosen when a world is created and stored with it; every mapping between
// latitude/longitude/altitude and voxels depends on it and on nothing else. Columns are S2 cells at
// `voxel_level`; regions are S2 cells at `region_level`; altitude is cut into layers of `dz_m`
// metres from `z_min_m` up to `z_max_m`; chunks are `chunk_edge`^3 voxels.
//
// A spec read from a user, a file or a peer is checked with validate() before any grid uses it.
// The derived sizes below assume a valid spec.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>

#include "base/result.hpp"

namespace strata::geo {

/// Voxels along each edge of a chunk. Fixed by the storage format (docs/format.md).
inline constexpr int chunk_edge = 32;
/// log2(chunk_edge).
inline constexpr int chunk_edge_bits = 5;
static_assert(1 << chunk_edge_bits == chunk_edge);

/// S2's deepest level (about 1 cm).
inline constexpr int s2_level_max = 30;

struct world_spec {
  /// A name for people, e.g. "topobathy"; at most 64 bytes.
  std::string name = "earth";
  /// S2 level of a voxel column, 0..30.
  int voxel_level = 20;
  /// S2 level of a region; voxel_level - region_level is 5..26.
  int region_level = 12;
  /// Voxel height in metres.
  double dz_m = 2.0;
  /// Altitude of the bottom of layer k = 0, in metres.
  double z_min_m = -11000.0;
  /// Altitudes below this (and at or above z_min_m) are inside the world.
  double z_max_m = 9000.0;

  friend bool operator==(const world_spec&, const world_spec&) = default;
};

/// Checks every field and their relations. Errors (errc::invalid_argument) name the field and say
/// which bound it breaks, e.g. "region_level 16 leaves 4 levels to voxel_level 20; at least 5 make
/// a region one chunk wide".
base::status validate(const world_spec& spec);

/// Voxel columns along each edge of a region: 2^(voxel_level - region_level).
std::uint32_t columns_per_region_edge(const world_spec& spec);
/// Chunks along each edge of a region at LOD 0.
std::uint32_t chunks_per_region_edge(const world_spec& spec);
/// Voxel layers from z_min_m up to z_max_m (the top layer may reach a little above z_max_m).
std::uint32_t voxel_layers(const world_spec& spec);
/// Chunk layers: voxel_layers rounded up to whole chunks.
std::uint32_t chunk_layers(const world_spec& spec);
/// LOD-0 chunks in one region: chunks_per_region_edge^2 * chunk_layers.
std::uint64_t chunks_per_region(const world_spec& spec);

/// The spec as a Cap'n Proto WorldSpec message (schema/world.capnp), format version 1.
std::string serialize(const world_spec& spec);
/// Reads what serialize() wrote. Malformed bytes are errc::parse_error, an unknown format version
/// errc::unsupported_version, and a spec that fails validate() its error. Never reads out of
/// bounds: Cap'n Proto checks every pointer.
base::result<world_spec> parse_world_spec(std::string_view bytes);

}  // namespace strata::geo
