// Morton (Z-order) codes of chunk coordinates inside a region (DESIGN.md §1).
//
// A chunk inside a region is addressed by (u, v, k): its column indices along the face's i and j
// axes and its altitude index, each counted in chunks and each below 2^21. The Morton code
// interleaves their bits, u lowest: bit 3b is bit b of u, bit 3b + 1 is bit b of v, bit 3b + 2 is
// bit b of k. Chunks close in space are close in code, so a range scan over LMDB keys reads a
// compact block. Codes fit 63 bits; the top bit is always 0.
#pragma once

#include <cstdint>

namespace strata::geo {

/// Coordinates per axis fit this many bits.
inline constexpr int morton_axis_bits = 21;
/// One past the largest coordinate on an axis.
inline constexpr std::uint32_t morton_axis_limit = std::uint32_t{1} << morton_axis_bits;

namespace internal {

// Spreads the low 21 bits of x so that bit b moves to bit 3b (the "magic bits" method).
constexpr std::uint64_t spread3(std::uint64_t x) {
  x &= 0x1fffff;
  x = (x | x << 32) & 0x1f00000000ffffull;
  x = (x | x << 16) & 0x1f0000ff0000ffull;
  x = (x | x << 8) & 0x100f00f00f00f00full;
  x = (x | x << 4) & 0x10c30c30c30c30c3ull;
  x = (x | x << 2) & 0x1249249249249249ull;
  return x;
}

// The inverse of spread3: gathers bits 0, 3, 6, ... into the low 21 bits.
constexpr std::uint32_t compact3(std::uint64_t x) {
  x &= 0x1249249249249249ull;
  x = (x ^ (x >> 2)) & 0x10c30c30c30c30c3ull;
  x = (x ^ (x >> 4)) & 0x100f00f00f00f00full;
  x = (x ^ (x >> 8)) & 0x1f0000ff0000ffull;
  x = (x ^ (x >> 16)) & 0x1f00000000ffffull;
  x = (x ^ (x >> 32)) & 0x1fffff;
  return static_cast<std::uint32_t>(x);
}

}  // namespace internal

/// The Morton code of (u, v, k). Each coordinate must be below morton_axis_limit; higher bits are
/// dropped (the grid validates coordinates before they get here).
constexpr std::uint64_t morton_encode(std::uint32_t u, std::uint32_t v, std::uint32_t k) {
  return internal::spread3(u) | internal::spread3(v) << 1 | internal::spread3(k) << 2;
}

struct morton_coords {
  std::uint32_t u;
  std::uint32_t v;
  std::uint32_t k;
  friend bool operator==(const morton_coords&, const morton_coords&) = default;
};

/// The coordinates of a Morton code; bit 63 is ignored.
constexpr morton_coords morton_decode(std::uint64_t code) {
  return {internal::compact3(code), internal::compact3(code >> 1), internal::compact3(code >> 2)};
}

}  // namespace strata::geo
