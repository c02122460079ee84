#include "compression/volume.hpp"

#include <algorithm>
#include <cstring>

#include "compression/bytes.hpp"

namespace strata::compression {

namespace {

constexpr char magic[4] = {'S', 'T', 'R', 'V'};
constexpr std::uint8_t volume_version = 1;
constexpr std::uint32_t side_max = 1u << 20;

std::uint32_t chunks_along(std::uint32_t side) {
  return (side + edge - 1) / edge;
}

}  // namespace

base::status compress_volume(std::string_view data, const volume_shape& shape, selector& material,
                             std::string& out, volume_stats* stats) {
  for (std::uint32_t side : {shape.nz, shape.ny, shape.nx})
    if (side == 0 || side > side_max)
      return base::fail(base::errc::invalid_argument,
                        "every side must be 1.." + std::to_string(side_max));
  if (data.size() != shape.voxels())
    return base::fail(base::errc::invalid_argument,
                      "the input has " + std::to_string(data.size()) + " bytes; shape " +
                          std::to_string(shape.nz) + "," + std::to_string(shape.ny) + "," +
                          std::to_string(shape.nx) + " needs " + std::to_string(shape.voxels()));
  const std::uint32_t cz = chunks_along(shape.nz), cy = chunks_along(shape.ny),
                      cx = chunks_along(shape.nx);
  byte_writer write(out);
  write.bytes(magic, sizeof magic);
  write.u8(volume_version);
  write.u32(shape.nz);
  write.u32(shape.ny);
  write.u32(shape.nx);
  write.u64(std::uint64_t{cz} * cy * cx);
  chunk c;
  c.history.fill(0);
  std::string bytes;
  for (std::uint32_t kz = 0; kz < cz; ++kz)
    for (std::uint32_t ky = 0; ky < cy; ++ky)
      for (std::uint32_t kx = 0; kx < cx; ++kx) {
        for (unsigned z = 0; z < edge; ++z)
          for (unsigned y = 0; y < edge; ++y) {
            // Clamp to the last voxel on each axis: padding repeats the edge.
            const std::uint64_t vz = std::min<std::uint64_t>(kz * edge + z, shape.nz - 1);
            const std::uint64_t vy = std::min<std::uint64_t>(ky * edge + y, shape.ny - 1);
            const std::uint64_t row = (vz * shape.ny + vy) * shape.nx;
            const std::uint64_t x0 = std::uint64_t{kx} * edge;
            const std::uint64_t count = std::min<std::uint64_t>(edge, shape.nx - x0);
            std::uint8_t* into = &c.material[voxel_index(0, y, z)];
            std::memcpy(into, data.data() + row + x0, count);
            std::memset(into + count, into[count - 1], edge - count);
          }
        const selection picked = material.choose(c.material);
        bytes.clear();
        write_chunk(c, picked.chosen.id, picked.payload, codec_id::uniform, std::string(1, '\0'),
                    bytes);
        write.varint(bytes.size());
        out += bytes;
        if (stats) {
          ++stats->chunks;
          ++stats->mix[index_of(picked.chosen)];
        }
      }
  return {};
}

base::result<std::string> decompress_volume(std::string_view file, volume_shape* shape_out,
                                            std::uint64_t voxels_max) {
  byte_reader read(file);
  std::string_view head;
  std::uint8_t version = 0;
  volume_shape shape;
  std::uint64_t count = 0;
  if (!read.bytes(4, head) || std::memcmp(head.data(), magic, 4) != 0)
    return base::fail(base::errc::corrupt_data, "not a strata volume (no STRV magic)");
  if (!read.u8(version) || version != volume_version)
    return base::fail(base::errc::unsupported_version,
                      "strata volume version " + std::to_string(version) + "; this build reads 1");
  if (!read.u32(shape.nz) || !read.u32(shape.ny) || !read.u32(shape.nx) || !read.u64(count))
    return base::fail(base::errc::corrupt_data, "the volume header is cut short");
  for (std::uint32_t side : {shape.nz, shape.ny, shape.nx})
    if (side == 0 || side > side_max)
      return base::fail(base::errc::corrupt_data, "a side of the volume is 0 or above 2^20");
  if (shape.voxels() > voxels_max)
    return base::fail(base::errc::limit_exceeded,
                      "the volume holds " + std::to_string(shape.voxels()) +
                          " voxels; the limit is " + std::to_string(voxels_max));
  const std::uint32_t cz = chunks_along(shape.nz), cy = chunks_along(shape.ny),
                      cx = chunks_along(shape.nx);
  if (count != std::uint64_t{cz} * cy * cx)
    return base::fail(base::errc::corrupt_data, "the chunk count does not match the shape");
  std::string data(shape.voxels(), '\0');
  chunk c;
  for (std::uint32_t kz = 0; kz < cz; ++kz)
    for (std::uint32_t ky = 0; ky < cy; ++ky)
      for (std::uint32_t kx = 0; kx < cx; ++kx) {
        std::uint64_t size = 0;
        std::string_view bytes;
        if (!read.varint(size) || !read.bytes(size, bytes))
          return base::fail(base::errc::corrupt_data, "the volume ends inside a chunk");
        if (auto decoded = decode_chunk(bytes, c); !decoded)
          return base::fail(decoded.error().code,
                            "chunk (" + std::to_string(kz) + ", " + std::to_string(ky) + ", " +
                                std::to_string(kx) + "): " + decoded.error().message);
        for (unsigned z = 0; z < edge && kz * edge + z < shape.nz; ++z)
          for (unsigned y = 0; y < edge && ky * edge + y < shape.ny; ++y) {
            const std::uint64_t row =
                ((std::uint64_t{kz} * edge + z) * shape.ny + ky * edge + y) * shape.nx;
            const std::uint64_t x0 = std::uint64_t{kx} * edge;
            std::memcpy(data.data() + row + x0, &c.material[voxel_index(0, y, z)],
                        std::min<std::uint64_t>(edge, shape.nx - x0));
          }
      }
  if (!read.at_end())
    return base::fail(base::errc::corrupt_data, "bytes follow the last chunk");
  if (shape_out)
    *shape_out = shape;
  return data;
}

}  // namespace strata::compression
