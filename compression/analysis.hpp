// The homogeneity report of one channel (DESIGN.md §3): what the selector predicts from.
#pragma once

#include <array>
#include <cstddef>
#include <cstdint>

#include "compression/chunk.hpp"
#include "compression/codecs.hpp"

namespace strata::compression {

struct analysis {
  /// The most frequent value and its share of the 32^3 voxels.
  std::uint8_t dominant = 0;
  double dominant_share = 0;
  /// How many distinct values occur.
  unsigned distinct = 0;
  /// Runs of equal values along each walk (compression/codecs.hpp), and the walk with fewest.
  std::array<std::size_t, walks> runs{};
  walk best_walk = walk::x_first;
  /// Layers per column (runs along z within each of the 1024 columns): the mean and the most.
  double layers_per_column = 0;
  unsigned layers_max = 0;
  /// Columns whose layers equal the previous column's (column_layers stores those in 1 byte).
  unsigned repeated_columns = 0;
  /// The codec the formulas below predict smallest, and its estimated payload bytes.
  codec_id recommended = codec_id::uniform;
  std::size_t estimated_bytes = 0;
};

/// Analyses a channel in two passes over its bytes.
analysis analyze(channel_view in);

/// Estimated payload bytes of a codec (and, for zstd_transform, its inner codec) from an
/// analysis, before any learning. Rough by design: the selector corrects it with what it measures.
double estimate_bytes(const analysis& a, codec_id id, codec_id inner = codec_id::column_layers);

}  // namespace strata::compression
