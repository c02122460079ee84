// The channel codecs (DESIGN.md §3): each turns one 32^3 channel into a payload and back.
//
// Every codec has a fixed id, stored in the chunk byte format (docs/format.md); ids are never
// renumbered or reused. An encoder appends its payload to `out` and returns false when it does not
// apply to the channel (uniform on a mixed channel), leaving `out` as it was. A decoder fills all
// 32^3 bytes of `out` from exactly the whole payload, or returns errc::corrupt_data naming what is
// wrong: it trusts no length, count or index in the payload and never reads or writes out of
// bounds. On error, `out` holds unspecified bytes.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>

#include "base/result.hpp"
#include "compression/chunk.hpp"

namespace strata::compression {

enum class codec_id : std::uint8_t {
  uniform = 1,
  run_length = 2,
  palette = 3,
};

/// "uniform", "run_length", ...; "unknown" for an id no codec has.
std::string_view name(codec_id id);

/// The orders in which run-length coding walks a chunk.
enum class walk : std::uint8_t {
  x_first = 0,  // storage order: x fastest, then y, then z
  y_first = 1,  // y fastest, then x, then z
  z_first = 2,  // up each column in turn: z fastest, then x, then y
  morton = 3,   // Z-order over (x, y, z)
};
inline constexpr int walks = 4;

/// The voxel index of the n-th voxel along a walk. `n` below `voxels`.
std::uint16_t walk_index(walk order, std::size_t n);

/// Uniform: every voxel holds one value. Payload: that byte.
bool encode_uniform(channel_view in, std::string& out);
base::status decode_uniform(std::string_view payload, channel_span out);

/// Run-length along a walk. Payload: the walk (1 byte), then runs of (value: 1 byte, length - 1:
/// varint) covering exactly 32^3 voxels.
bool encode_run_length(channel_view in, walk order, std::string& out);
base::status decode_run_length(std::string_view payload, channel_span out);
/// Runs of equal values along a walk: what run-length coding would store.
std::size_t count_runs(channel_view in, walk order);

/// Palette with bit-packing. Payload: count - 1 (1 byte), the count distinct values ascending,
/// then one index per voxel in storage order, packed little-endian into 1, 2, 4 or 8 bits (the
/// fewest that hold count - 1).
bool encode_palette(channel_view in, std::string& out);
base::status decode_palette(std::string_view payload, channel_span out);

}  // namespace strata::compression
