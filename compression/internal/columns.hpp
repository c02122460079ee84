// Shared by the column codecs (column_layers, predicted_layers, context_layers): a column's layers,
// and, for decoding, a column-major buffer, where a layer is one memset, transposed into storage
// order in one sequential pass over the output. Not part of the compression module's contract.
#pragma once

#include "compression/chunk.hpp"

namespace strata::compression::internal {

/// The layers of column `column` (x + 32 y) bottom-up: their values, and the top (exclusive end z)
/// of every layer but the last. Returns the layer count; `values` and `tops` hold 32 each.
inline std::uint8_t layers_of(channel_view in, std::size_t column, std::uint8_t* values,
                              std::uint8_t* tops) {
  std::uint8_t count = 0;
  std::uint8_t current = in[column];
  for (std::size_t z = 1; z < edge; ++z) {
    const std::uint8_t v = in[column + z * edge * edge];
    if (v == current)
      continue;
    values[count] = current;
    tops[count++] = static_cast<std::uint8_t>(z);
    current = v;
  }
  values[count++] = current;
  return count;
}

/// `by_column[column * 32 + z]` → `out[z * 1024 + column]`.
inline void columns_to_storage(const channel& by_column, channel_span out) {
  constexpr std::size_t columns = edge * edge;
  for (std::size_t z = 0; z < edge; ++z) {
    std::uint8_t* row = &out[z * columns];
    for (std::size_t column = 0; column < columns; ++column)
      row[column] = by_column[column * edge + z];
  }
}

}  // namespace strata::compression::internal
