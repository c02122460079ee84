// Levels of detail (DESIGN.md §1, §3): a chunk at LOD l + 1 covers 2 x 2 x 2 chunks at LOD l.
//
// Each parent voxel takes the mode of the 8 child voxels it covers; a tie goes to the largest
// material id, so solid ground and water win over air at the surface (ids grow from air through
// water to rock in every material table) and the result is deterministic. History flags are
// OR-ed: a coarse voxel remembers every process that touched any of its children.
//
// Chunk coordinates halve at each level, so a parent's Morton code is its child's shifted right by
// 3 bits, and its 8 children are parent << 3 | n for n = 0..7 (bit 0 along x, 1 along y, 2 along
// z). A region's pyramid ends at the first level with a single chunk.
#pragma once

#include <array>
#include <cstdint>
#include <map>
#include <vector>

#include "compression/chunk.hpp"

namespace strata::compression {

/// The parent of 8 children in Morton order; a null child (past the top of the world) counts as
/// air with no history.
chunk downsample(const std::array<const chunk*, 8>& children);

/// The next level of a pyramid: every parent of the given chunks (Morton code → chunk).
std::map<std::uint64_t, chunk> downsample_level(const std::map<std::uint64_t, chunk>& level);

/// All levels of a region's pyramid above LOD 0: result[0] is LOD 1, the last holds one chunk.
std::vector<std::map<std::uint64_t, chunk>> build_pyramid(
    const std::map<std::uint64_t, chunk>& lod0);

}  // namespace strata::compression
