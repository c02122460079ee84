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
  octree = 4,
  column_layers = 5,
  zstd = 6,
  zstd_transform = 7,
  baseline_delta = 8,
  predicted_layers = 9,
  walk_raw = 10,
  context_layers = 11,
  surface_layers = 12,
  ordered_surfaces = 13,
  surface_bytes = 14,
  baseline_columns = 15,
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

/// The raw channel reordered along a walk: a transform for zstd, which finds whole columns
/// repeated 32 bytes apart in z_first order. Payload: the walk (1 byte), then the 32^3 values in
/// walk order.
bool encode_walk_raw(channel_view in, walk order, std::string& out);
base::status decode_walk_raw(std::string_view payload, channel_span out);

/// Palette with bit-packing. Payload: count - 1 (1 byte), the count distinct values ascending,
/// then one index per voxel in storage order, packed little-endian into 1, 2, 4 or 8 bits (the
/// fewest that hold count - 1).
bool encode_palette(channel_view in, std::string& out);
base::status decode_palette(std::string_view payload, channel_span out);

/// Sparse Morton octree: a cube that holds one value is a leaf; others split into 8 children in
/// Morton order, down to single voxels. Payload: varint(flag bytes), then one flag bit per node
/// larger than a voxel in pre-order (1 = split), packed low bit first, then one value byte per
/// leaf in pre-order.
bool encode_octree(channel_view in, std::string& out);
base::status decode_octree(std::string_view payload, channel_span out);

/// Column layers: each of the 32 x 32 columns (x fastest, then y) as its layers bottom to top.
/// Per column: varint(layer count), 0 meaning "the same as the previous column"; then per layer
/// its value (1 byte) and thickness - 1 (1 byte); thicknesses add up to 32.
bool encode_column_layers(channel_view in, std::string& out);
base::status decode_column_layers(std::string_view payload, channel_span out);

/// Predicted layers: column layers whose tops are predicted from neighbouring columns. Columns in
/// order x + 32 y; each has a stack of layers (values bottom-up, and the top z of every layer but
/// the last, 1..31, rising). Per column: a mode byte. Mode 0: the same values as the reference
/// column (x - 1, or y - 1 when x = 0; not allowed for the first column), then one residual byte
/// per top (zigzag: 0, -1, 1, -2, ... as 0, 1, 2, 3, ...) added to the prediction: the planar
/// left + below - diagonal (clamped to 1..31) when those three columns share the values, else the
/// reference's top. Mode 1..32: the layer count, then the values, then the tops.
bool encode_predicted_layers(channel_view in, std::string& out);
base::status decode_predicted_layers(std::string_view payload, channel_span out);

/// Context layers: column layers coded decision by decision with an adaptive binary range coder
/// (LZMA's), every decision predicted from the neighbouring columns and coded in a context drawn
/// from them; the model is in compression/context_layers.cpp and docs/format.md. Payload: the
/// range coder's bytes. Decodes without a transpose: each slice is the one below with the
/// boundaries at its height applied.
bool encode_context_layers(channel_view in, std::string& out);
base::status decode_context_layers(std::string_view payload, channel_span out);

/// Surface layers: the channel as one sequence of values bottom-up (every column's layers are
/// the sequence with some left out) and the surfaces where each value starts, each a 32 x 32
/// height map coded as a whole (a constant, a plane, or an offset above the surface below, each
/// with a list of exceptions) or column by column against its neighbours; the model is in
/// compression/surface_layers.cpp and docs/format.md. Payload: the range coder's bytes. Does not
/// apply to a channel whose columns need more than 16 values in their sequence.
bool encode_surface_layers(channel_view in, std::string& out);
base::status decode_surface_layers(std::string_view payload, channel_span out);

/// Ordered surfaces: surface layers coded in an order the encoder chooses, each surface clamped
/// between the nearest ones coded before it (so a bed cut off by the ground costs a plane once
/// the ground is coded). Payload: the range coder's bytes. Same domain as surface layers.
bool encode_ordered_surfaces(channel_view in, std::string& out);
base::status decode_ordered_surfaces(std::string_view payload, channel_span out);

/// Surface bytes: what ordered_surfaces codes (the values, the surfaces in order, each one's base
/// and corrections), written a byte per field and a byte per correction instead of through the
/// range coder: a transform for zstd, which decodes it several times faster than the range
/// coder's decisions. Same domain as surface layers.
bool encode_surface_bytes(channel_view in, std::string& out);
base::status decode_surface_bytes(std::string_view payload, channel_span out);

/// zstd over the raw channel. Payload: one zstd frame that records its content size (32^3).
/// `level` is zstd's, 1..19 (22 with ultra); contexts are reused per thread.
bool encode_zstd(channel_view in, int level, std::string& out);
base::status decode_zstd(std::string_view payload, channel_span out);

/// zstd over another codec's payload. Payload: the inner codec id (1 byte: run_length, palette,
/// octree, column_layers, predicted_layers, walk_raw or surface_bytes), then one zstd frame of the
/// inner payload, whose content size is recorded and at most transform_bytes_max.
bool encode_zstd_transform(channel_view in, codec_id inner, int level, std::string& out);
base::status decode_zstd_transform(std::string_view payload, channel_span out);
/// The largest inner payload any transform writes: column layers with 32 layers in every column
/// (a count and 32 two-byte layers per column). Run-length's worst, 1 + 2 * 32^3, and surface
/// bytes' (15 surfaces of at most 3106 bytes), are smaller.
inline constexpr std::size_t transform_bytes_max = edge * edge * (1 + 2 * edge);
static_assert(transform_bytes_max >= 1 + 2 * voxels);

/// Baseline + delta: only what differs from the world generator's channel for the same chunk.
/// Payload: empty when equal; otherwise spans in storage order of (varint(voxels to skip),
/// varint(count - 1), count literal bytes) that cover at most 32^3 voxels.
bool encode_baseline_delta(channel_view in, channel_view baseline, std::string& out);
base::status decode_baseline_delta(std::string_view payload, channel_view baseline,
                                   channel_span out);
/// Baseline + delta up the columns, under zstd: the same spans, but over the z-first walk
/// (erosion and deposition change a column's top, a run up the column where storage order sees
/// one voxel per plane), compressed as one zstd frame at `zstd_level` whose content is at most
/// transform_bytes_max bytes. Payload: empty when equal; otherwise the frame.
bool encode_baseline_columns(channel_view in, channel_view baseline, int zstd_level,
                             std::string& out);
base::status decode_baseline_columns(std::string_view payload, channel_view baseline,
                                     channel_span out);
/// Whether a codec decodes over a baseline (baseline_delta, baseline_columns).
constexpr bool needs_baseline(codec_id id) {
  return id == codec_id::baseline_delta || id == codec_id::baseline_columns;
}

/// Encodes with `id` and its default parameters (run_length on the walk with fewest runs;
/// walk_raw on z_first; zstd at `zstd_level`; zstd_transform over column_layers). Not for
/// the codecs that need a baseline. Returns false when the codec does not apply.
bool encode_with(codec_id id, channel_view in, int zstd_level, std::string& out);
/// Decodes a payload of any codec but those that need a baseline. errc::corrupt_data for an
/// unknown id.
base::status decode_with(codec_id id, std::string_view payload, channel_span out);

}  // namespace strata::compression
