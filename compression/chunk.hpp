// The chunk model (DESIGN.md §2, §3): 32^3 voxels, each with a material and history flags.
//
// Voxels are stored x fastest, then y, then z: index = x + 32 * (y + 32 * z), where x and y run
// along the region's u and v (the face's i and j) and z is the altitude index within the chunk.
// A column (fixed x, y) is therefore 32 bytes apart along z. The two channels are encoded
// separately, each by the codec that suits it.
#pragma once

#include <array>
#include <cstddef>
#include <cstdint>
#include <span>

namespace strata::compression {

inline constexpr int edge = 32;
inline constexpr int edge_bits = 5;
/// Voxels in a chunk: 32^3.
inline constexpr std::size_t voxels = std::size_t{1} << (3 * edge_bits);
static_assert(voxels == 32768);

constexpr std::size_t voxel_index(unsigned x, unsigned y, unsigned z) {
  return x | y << edge_bits | z << (2 * edge_bits);
}

/// One channel of a chunk: 32^3 bytes.
using channel = std::array<std::uint8_t, voxels>;
using channel_view = std::span<const std::uint8_t, voxels>;
using channel_span = std::span<std::uint8_t, voxels>;

struct chunk {
  /// Material ids from the world's material table (0 = air, 1 = water, ...).
  channel material{};
  /// Bit flags of the processes that touched each voxel (schema/world.capnp, history*).
  channel history{};
  friend bool operator==(const chunk&, const chunk&) = default;
};

/// Bytes of one decoded chunk (both channels).
inline constexpr std::size_t chunk_bytes = 2 * voxels;

}  // namespace strata::compression
