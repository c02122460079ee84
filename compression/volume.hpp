// Compressing any dense uint8 volume (x fastest, then y, then z) with strata's chunk codecs: the
// offline `strata compress` / `strata decompress` tools.
//
// The volume is cut into 32^3 chunks, padding the far sides with copies of the edge voxels (which
// compress to nothing) when a side is not a multiple of 32; the shape is stored, so decompression
// restores the exact bytes. The material channel carries the data; the history channel is unused
// and uniform. No generator applies, so only the codecs work.
//
// File format (".strata volume", little-endian):
//   "STRV" | version u8 = 1 | nz, ny, nx: u32 each | chunk count: u64
//   then per chunk in order (z, then y, then x chunk index): length varint, chunk bytes
//   (docs/format.md).
#pragma once

#include <array>
#include <cstdint>
#include <string>
#include <string_view>

#include "base/result.hpp"
#include "compression/selector.hpp"

namespace strata::compression {

struct volume_shape {
  std::uint32_t nz = 0, ny = 0, nx = 0;
  std::uint64_t voxels() const { return std::uint64_t{nz} * ny * nx; }
};

struct volume_stats {
  std::uint64_t chunks = 0;
  std::array<std::uint64_t, candidate_count> mix{};
};

/// Compresses `data` (shape.voxels() bytes) and appends the file to `out`. Errors:
/// errc::invalid_argument when the data's size does not match the shape or a side is 0 or above
/// 2^20.
base::status compress_volume(std::string_view data, const volume_shape& shape, selector& material,
                             std::string& out, volume_stats* stats = nullptr);

/// Decompresses a file written by compress_volume. errc::corrupt_data / unsupported_version for
/// bad files; errc::limit_exceeded when the shape exceeds `voxels_max`.
base::result<std::string> decompress_volume(std::string_view file, volume_shape* shape = nullptr,
                                            std::uint64_t voxels_max = std::uint64_t{1} << 34);

}  // namespace strata::compression
