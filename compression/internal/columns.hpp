// Shared by the column codecs (column_layers, predicted_layers, context_layers, surface_layers,
// ordered_surfaces): a column's layers, and, for decoding, a column-major buffer, where a layer
// is one memset, transposed into storage order in one sequential pass over the output. Not part
// of the compression module's contract.
#pragma once

#include <cstring>

#include "compression/chunk.hpp"

#if defined(__SSE2__)
#include <emmintrin.h>
#endif

namespace strata::compression::internal {

#if defined(__SSE2__)
// One round of a 16 x 16 byte transpose: rows i and i + 8 interleaved into rows 2i and 2i + 1.
// Four rounds transpose the matrix.
[[gnu::always_inline]] inline void interleave(const __m128i (&in)[16], __m128i (&out)[16]) {
#pragma GCC unroll 8
  for (int i = 0; i < 8; ++i) {
    out[2 * i] = _mm_unpacklo_epi8(in[i], in[i + 8]);
    out[2 * i + 1] = _mm_unpackhi_epi8(in[i], in[i + 8]);
  }
}
#endif

/// Copies the 16 x 16 bytes at `in` (row r at in + r * in_stride) transposed to `out`.
inline void transpose16(const std::uint8_t* in, std::size_t in_stride, std::uint8_t* out,
                        std::size_t out_stride) {
#if defined(__SSE2__)
  __m128i a[16], b[16];
  for (std::size_t r = 0; r < 16; ++r)
    a[r] = _mm_loadu_si128(reinterpret_cast<const __m128i*>(in + r * in_stride));
  interleave(a, b);
  interleave(b, a);
  interleave(a, b);
  interleave(b, a);
  for (std::size_t r = 0; r < 16; ++r)
    _mm_storeu_si128(reinterpret_cast<__m128i*>(out + r * out_stride), a[r]);
#else
  for (std::size_t r = 0; r < 16; ++r)
    for (std::size_t c = 0; c < 16; ++c)
      out[c * out_stride + r] = in[r * in_stride + c];
#endif
}

/// The same for 32 x 32 bytes.
inline void transpose32(const std::uint8_t* in, std::size_t in_stride, std::uint8_t* out,
                        std::size_t out_stride) {
  for (std::size_t r = 0; r < edge; r += 16)
    for (std::size_t c = 0; c < edge; c += 16)
      transpose16(in + r * in_stride + c, in_stride, out + c * out_stride + r, out_stride);
}

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

/// `by_column[column * 32 + z]` → `out[z * 1024 + column]`: the 1024 x 32 matrix transposed,
/// 32 columns at a time.
inline void columns_to_storage(const std::uint8_t* by_column, channel_span out) {
  constexpr std::size_t columns = edge * edge;
  for (std::size_t column = 0; column < columns; column += edge)
    transpose32(by_column + column * edge, edge, out.data() + column, columns);
}

}  // namespace strata::compression::internal
