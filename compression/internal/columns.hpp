// Shared by the column codecs (column_layers, predicted_layers): decoding fills a column-major
// buffer, where a layer is one memset, then transposes it into storage order in one sequential
// pass over the output. Not part of the compression module's contract.
#pragma once

#include "compression/chunk.hpp"

namespace strata::compression::internal {

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
