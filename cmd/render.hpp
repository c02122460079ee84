// Pictures of streamed areas, as PNG files: top-down (the uppermost solid material of each column,
// shaded by altitude, the sea by its depth) and east-west cross-sections through the centre.
#pragma once

#include <cstdint>
#include <map>
#include <memory>
#include <set>
#include <string>
#include <tuple>
#include <vector>

#include "base/result.hpp"
#include "client/client.hpp"

namespace strata::cmd {

struct picture {
  int width = 0;
  int height = 0;
  /// Rows top to bottom, 3 bytes a pixel.
  std::vector<std::uint8_t> rgb;
};

/// Writes an 8-bit RGB PNG. Errors: errc::io_error.
base::status write_png(const std::string& path, const picture& p);

/// The colour of a material in pictures.
std::array<std::uint8_t, 3> material_colour(std::uint8_t material);

/// Collects what a stream delivers and draws it.
class area_picture {
 public:
  /// `decoder` outlives the picture. `section_alt_m` bounds the cross-section's altitudes.
  area_picture(const client::chunk_decoder& decoder, geo::lat_lng centre, double radius_m,
               int width);

  /// Decodes a chunk and keeps what the pictures need (column tops; whole chunks on the
  /// section's line). Errors: the decoder's.
  base::status add(const client::streamed_chunk& c);

  /// width x width pixels over the square around the circle streamed.
  picture top_down() const;
  /// width x height pixels: longitude across, altitude up, between alt_min_m and alt_max_m.
  picture section(int height, double alt_min_m, double alt_max_m) const;

 private:
  using column_key = std::tuple<std::uint64_t, std::uint8_t, std::uint32_t, std::uint32_t>;
  struct column_top {
    /// Per voxel column (x + 32 y): the highest non-air voxel's height in layers of this LOD
    /// (-1 when none), its material, and the highest non-fluid one's.
    std::array<std::int32_t, 1024> top;
    std::array<std::uint8_t, 1024> material;
    std::array<std::int32_t, 1024> floor;
  };
  struct sample {
    geo::voxel_address at;
    bool ok = false;
  };
  // The LOD-0 address of the column under a point, when it is on the world.
  sample address_of(geo::lat_lng where) const;
  geo::lat_lng pixel(int x, int y) const;

  const client::chunk_decoder& decoder_;
  geo::lat_lng centre_;
  double radius_m_;
  int width_;
  double lat_span_deg_, lng_span_deg_;
  std::map<column_key, column_top> tops_;
  // Chunks on the section line, by (region, lod, morton).
  std::set<column_key> section_columns_;
  std::map<std::tuple<std::uint64_t, std::uint8_t, std::uint64_t>,
           std::shared_ptr<compression::chunk>>
      section_chunks_;
  std::uint8_t lod_max_ = 0;
};

}  // namespace strata::cmd
