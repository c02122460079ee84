#include "cmd/render.hpp"

#include <zlib.h>

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <cstring>

#include "geo/morton.hpp"

namespace strata::cmd {

namespace {

constexpr double earth_radius_m = 6371010.0;
constexpr double degrees = 180.0 / M_PI;

void put_u32(std::string& out, std::uint32_t v) {
  for (int shift = 24; shift >= 0; shift -= 8)
    out += static_cast<char>(v >> shift & 0xff);
}

void put_chunk(std::string& out, const char* type, const std::string& data) {
  put_u32(out, static_cast<std::uint32_t>(data.size()));
  std::string body = std::string(type, 4) + data;
  out += body;
  put_u32(out, static_cast<std::uint32_t>(
                   crc32(0, reinterpret_cast<const Bytef*>(body.data()), body.size())));
}

std::array<std::uint8_t, 3> shade(std::array<std::uint8_t, 3> c, double factor) {
  for (auto& v : c)
    v = static_cast<std::uint8_t>(std::clamp(v * factor, 0.0, 255.0));
  return c;
}

}  // namespace

base::status write_png(const std::string& path, const picture& p) {
  std::string raw;
  raw.reserve(static_cast<std::size_t>(p.height) * (1 + 3 * p.width));
  for (int y = 0; y < p.height; ++y) {
    raw += '\0';  // filter: none
    raw.append(
        reinterpret_cast<const char*>(p.rgb.data()) + static_cast<std::size_t>(y) * 3 * p.width,
        3 * static_cast<std::size_t>(p.width));
  }
  uLongf packed_size = compressBound(raw.size());
  std::string packed(packed_size, '\0');
  if (compress2(reinterpret_cast<Bytef*>(packed.data()), &packed_size,
                reinterpret_cast<const Bytef*>(raw.data()), raw.size(), 6) != Z_OK)
    return base::fail(base::errc::io_error, "cannot compress the picture for " + path);
  packed.resize(packed_size);
  std::string png = "\x89PNG\r\n\x1a\n";
  std::string header;
  put_u32(header, static_cast<std::uint32_t>(p.width));
  put_u32(header, static_cast<std::uint32_t>(p.height));
  header +=
      std::string("\x08\x02\x00\x00\x00", 5);  // 8 bits, RGB, deflate, no filter, no interlace
  put_chunk(png, "IHDR", header);
  put_chunk(png, "IDAT", packed);
  put_chunk(png, "IEND", "");
  std::FILE* f = std::fopen(path.c_str(), "wb");
  if (!f)
    return base::fail(base::errc::io_error, "cannot write " + path + ": " + std::strerror(errno));
  const bool written = std::fwrite(png.data(), 1, png.size(), f) == png.size();
  if (std::fclose(f) != 0 || !written)
    return base::fail(base::errc::io_error, "cannot write " + path);
  return {};
}

std::array<std::uint8_t, 3> material_colour(std::uint8_t material) {
  switch (material) {
    case 0:
      return {200, 225, 245};  // air
    case 1:
      return {40, 100, 190};  // water
    case 2:
      return {150, 130, 100};  // sediment
    case 3:
      return {110, 150, 70};  // soil
    case 4:
      return {225, 205, 140};  // sand
    case 5:
      return {200, 150, 100};  // sandstone
    case 6:
      return {120, 115, 110};  // shale
    case 7:
      return {215, 210, 190};  // limestone
    case 8:
      return {190, 120, 120};  // granite
    case 9:
      return {60, 55, 60};  // basalt
    case 10:
      return {205, 160, 140};  // weathered granite
    default:
      break;
  }
  return {static_cast<std::uint8_t>(material * 67), static_cast<std::uint8_t>(material * 131),
          static_cast<std::uint8_t>(material * 29)};
}

area_picture::area_picture(const client::chunk_decoder& decoder, geo::lat_lng centre,
                           double radius_m, int width)
    : decoder_(decoder), centre_(centre), radius_m_(radius_m), width_(width) {
  lat_span_deg_ = 2 * radius_m / earth_radius_m * degrees;
  lng_span_deg_ = lat_span_deg_ / std::max(std::cos(centre.lat_deg / degrees), 0.01);
  // The chunk columns the section crosses, at every LOD.
  for (int x = 0; x < width_; ++x) {
    const sample s = address_of(pixel(x, width_ / 2));
    if (!s.ok)
      continue;
    for (std::uint8_t lod = 0; lod < 21; ++lod)
      section_columns_.insert({s.at.region.id(), lod, s.at.chunk.u >> lod, s.at.chunk.v >> lod});
  }
}

geo::lat_lng area_picture::pixel(int x, int y) const {
  return {centre_.lat_deg + lat_span_deg_ * (0.5 - (y + 0.5) / width_),
          centre_.lng_deg + lng_span_deg_ * ((x + 0.5) / width_ - 0.5)};
}

area_picture::sample area_picture::address_of(geo::lat_lng where) const {
  const geo::grid& g = decoder_.grid();
  auto v = g.locate({where.lat_deg, where.lng_deg, g.spec().z_min_m});
  if (!v)
    return {};
  return {g.address(*v), true};
}

base::status area_picture::add(const client::streamed_chunk& c) {
  auto decoded = std::make_shared<compression::chunk>();
  if (auto ok = decoder_.decode(c, *decoded); !ok)
    return ok;
  const geo::morton_coords at = geo::morton_decode(c.key.morton);
  lod_max_ = std::max(lod_max_, c.key.lod);
  auto [it, fresh] = tops_.try_emplace({c.key.region, c.key.lod, at.u, at.v});
  column_top& t = it->second;
  if (fresh) {
    t.top.fill(-1);
    t.floor.fill(-1);
    t.material.fill(0);
  }
  for (unsigned y = 0; y < 32; ++y)
    for (unsigned x = 0; x < 32; ++x) {
      const unsigned n = x + 32 * y;
      for (int z = 31; z >= 0; --z) {
        const std::uint8_t m = decoded->material[compression::voxel_index(x, y, z)];
        const std::int32_t height = static_cast<std::int32_t>(at.k * 32 + z);
        if (m != 0 && height > t.top[n]) {
          t.top[n] = height;
          t.material[n] = m;
        }
        if (m > 1) {
          t.floor[n] = std::max(t.floor[n], height);
          break;
        }
      }
    }
  if (section_columns_.count({c.key.region, c.key.lod, at.u, at.v}))
    section_chunks_[{c.key.region, c.key.lod, c.key.morton}] = std::move(decoded);
  return {};
}

picture area_picture::top_down() const {
  picture p{width_, width_, std::vector<std::uint8_t>(3 * width_ * width_, 255)};
  const geo::world_spec& spec = decoder_.grid().spec();
  // Altitudes of every pixel first, to shade over the picture's range.
  struct px {
    double alt = 0, floor = 0;
    std::uint8_t material = 0;
    bool ok = false;
  };
  std::vector<px> pixels(static_cast<std::size_t>(width_) * width_);
  double lo = 1e300, hi = -1e300;
  for (int y = 0; y < width_; ++y)
    for (int x = 0; x < width_; ++x) {
      const sample s = address_of(pixel(x, y));
      if (!s.ok)
        continue;
      for (std::uint8_t lod = 0; lod <= lod_max_; ++lod) {
        auto found = tops_.find({s.at.region.id(), lod, s.at.chunk.u >> lod, s.at.chunk.v >> lod});
        if (found == tops_.end())
          continue;
        const std::uint32_t cx = ((s.at.chunk.u << 5 | s.at.x) >> lod) & 31;
        const std::uint32_t cy = ((s.at.chunk.v << 5 | s.at.y) >> lod) & 31;
        const unsigned n = cx + 32 * cy;
        if (found->second.top[n] < 0)
          break;
        const double layer_m = spec.dz_m * (1 << lod);
        px& out = pixels[static_cast<std::size_t>(y) * width_ + x];
        out.ok = true;
        out.material = found->second.material[n];
        out.alt = spec.z_min_m + (found->second.top[n] + 1) * layer_m;
        out.floor = spec.z_min_m + (found->second.floor[n] + 1) * layer_m;
        if (out.material > 1) {
          lo = std::min(lo, out.alt);
          hi = std::max(hi, out.alt);
        }
        break;
      }
    }
  const double range = hi > lo ? hi - lo : 1;
  for (std::size_t n = 0; n < pixels.size(); ++n) {
    const px& q = pixels[n];
    std::array<std::uint8_t, 3> c{255, 255, 255};
    if (q.ok) {
      if (q.material == 1) {
        // The sea, darker with depth (to 2 km).
        const double depth = std::clamp((q.alt - q.floor) / 2000.0, 0.0, 1.0);
        c = shade(material_colour(1), 1.25 - 0.75 * depth);
      } else {
        c = shade(material_colour(q.material), 0.6 + 0.6 * (q.alt - lo) / range);
      }
    }
    std::memcpy(&p.rgb[3 * n], c.data(), 3);
  }
  return p;
}

picture area_picture::section(int height, double alt_min_m, double alt_max_m) const {
  picture p{width_, height, std::vector<std::uint8_t>(3 * width_ * height, 255)};
  const geo::grid& g = decoder_.grid();
  const geo::world_spec& spec = g.spec();
  for (int x = 0; x < width_; ++x) {
    const sample s = address_of(pixel(x, width_ / 2));
    if (!s.ok)
      continue;
    for (int y = 0; y < height; ++y) {
      const double alt = alt_max_m - (y + 0.5) / height * (alt_max_m - alt_min_m);
      if (alt < spec.z_min_m || alt >= spec.z_max_m)
        continue;
      const auto layer = static_cast<std::uint32_t>((alt - spec.z_min_m) / spec.dz_m);
      std::array<std::uint8_t, 3> c{255, 255, 255};
      for (std::uint8_t lod = 0; lod <= lod_max_; ++lod) {
        const std::uint32_t u = s.at.chunk.u >> lod, v = s.at.chunk.v >> lod;
        const std::uint32_t k = (layer >> lod) >> 5;
        auto found = section_chunks_.find({s.at.region.id(), lod, geo::morton_encode(u, v, k)});
        if (found == section_chunks_.end())
          continue;
        const std::uint32_t cx = ((s.at.chunk.u << 5 | s.at.x) >> lod) & 31;
        const std::uint32_t cy = ((s.at.chunk.v << 5 | s.at.y) >> lod) & 31;
        const std::uint32_t cz = (layer >> lod) & 31;
        c = material_colour(found->second->material[compression::voxel_index(cx, cy, cz)]);
        break;
      }
      std::memcpy(&p.rgb[3 * (static_cast<std::size_t>(y) * width_ + x)], c.data(), 3);
    }
  }
  return p;
}

}  // namespace strata::cmd
