#include "geology/world_file.hpp"

#include <bit>
#include <cmath>

#include "base/file.hpp"
#include "compression/bytes.hpp"

namespace strata::geology {

namespace {

using compression::byte_reader;
using compression::byte_writer;

constexpr std::string_view dem_magic = "STRATDEM";
constexpr std::string_view generator_name = "stratified-dem";
constexpr std::size_t side_max = 65536;
constexpr std::size_t samples_max = std::size_t{1} << 28;

void f64(byte_writer& w, double v) {
  w.u64(std::bit_cast<std::uint64_t>(v));
}
bool f64(byte_reader& r, double& v) {
  std::uint64_t bits = 0;
  if (!r.u64(bits))
    return false;
  v = std::bit_cast<double>(bits);
  return true;
}

base::error truncated(const std::string& what) {
  return base::fail(base::errc::parse_error, "DEM: the bytes end inside " + what);
}

base::status check_axis(const std::vector<double>& values, double limit, const char* what) {
  for (std::size_t n = 0; n < values.size(); ++n)
    if (!std::isfinite(values[n]) || std::abs(values[n]) > limit)
      return base::fail(base::errc::invalid_argument,
                        std::string("DEM: ") + what + " " + std::to_string(n) + " is outside [-" +
                            std::to_string(static_cast<int>(limit)) + ", " +
                            std::to_string(static_cast<int>(limit)) + "]");
  const bool ascending = values[1] > values[0];
  for (std::size_t n = 1; n < values.size(); ++n)
    if (ascending ? !(values[n] > values[n - 1]) : !(values[n] < values[n - 1]))
      return base::fail(
          base::errc::invalid_argument,
          std::string("DEM: ") + what + "s are not strictly monotonic at " + std::to_string(n));
  return {};
}

}  // namespace

std::string serialize_dem(const dem& terrain) {
  std::string out;
  byte_writer w(out);
  w.bytes(dem_magic.data(), dem_magic.size());
  w.u32(1);
  w.u32(static_cast<std::uint32_t>(terrain.rows));
  w.u32(static_cast<std::uint32_t>(terrain.columns));
  w.u8(1);
  for (double lat : terrain.row_lat_deg)
    f64(w, lat);
  for (double lng : terrain.column_lng_deg)
    f64(w, lng);
  for (float e : terrain.elevation_m)
    w.u32(std::bit_cast<std::uint32_t>(e));
  return out;
}

base::result<dem> parse_dem(std::string_view bytes, const std::string& name) {
  byte_reader r(bytes);
  std::string_view magic;
  if (!r.bytes(dem_magic.size(), magic) || magic != dem_magic)
    return base::fail(base::errc::parse_error, "DEM: not a strata DEM (no STRATDEM magic)");
  std::uint32_t version = 0, rows = 0, columns = 0;
  std::uint8_t spacing = 0;
  if (!r.u32(version))
    return truncated("the header");
  if (version != 1)
    return base::fail(base::errc::unsupported_version,
                      "DEM format version " + std::to_string(version) + "; this build reads 1");
  if (!r.u32(rows) || !r.u32(columns) || !r.u8(spacing))
    return truncated("the header");
  if (rows < 2 || columns < 2 || rows > side_max || columns > side_max ||
      std::size_t{rows} * columns > samples_max)
    return base::fail(base::errc::invalid_argument,
                      "DEM: " + std::to_string(rows) + " x " + std::to_string(columns) +
                          " samples; each side must be 2..65536 and the total at most 2^28");
  dem out;
  out.name = name;
  out.rows = rows;
  out.columns = columns;
  out.row_lat_deg.resize(rows);
  out.column_lng_deg.resize(columns);
  if (spacing == 0) {
    double lat0 = 0, lat1 = 0, lng0 = 0, lng1 = 0;
    if (!f64(r, lat0) || !f64(r, lat1) || !f64(r, lng0) || !f64(r, lng1))
      return truncated("the corners");
    for (std::uint32_t n = 0; n < rows; ++n)
      out.row_lat_deg[n] = lat0 + (lat1 - lat0) * n / (rows - 1);
    for (std::uint32_t n = 0; n < columns; ++n)
      out.column_lng_deg[n] = lng0 + (lng1 - lng0) * n / (columns - 1);
  } else if (spacing == 1) {
    for (double& lat : out.row_lat_deg)
      if (!f64(r, lat))
        return truncated("the row latitudes");
    for (double& lng : out.column_lng_deg)
      if (!f64(r, lng))
        return truncated("the column longitudes");
  } else {
    return base::fail(base::errc::invalid_argument,
                      "DEM: spacing " + std::to_string(spacing) + " is neither 0 nor 1");
  }
  if (auto ok = check_axis(out.row_lat_deg, 90, "row latitude"); !ok)
    return ok.error();
  if (auto ok = check_axis(out.column_lng_deg, 180, "column longitude"); !ok)
    return ok.error();
  if (r.remaining() != std::size_t{4} * rows * columns)
    return base::fail(base::errc::parse_error,
                      "DEM: " + std::to_string(r.remaining()) + " bytes of elevations; " +
                          std::to_string(std::size_t{4} * rows * columns) + " expected");
  out.elevation_m.resize(std::size_t{rows} * columns);
  for (std::size_t n = 0; n < out.elevation_m.size(); ++n) {
    std::uint32_t bits = 0;
    r.u32(bits);
    out.elevation_m[n] = std::bit_cast<float>(bits);
    if (!std::isfinite(out.elevation_m[n]))
      return base::fail(base::errc::invalid_argument,
                        "DEM: elevation " + std::to_string(n) + " is not finite");
  }
  return out;
}

base::result<dem> load_raw_dem(const std::string& path) {
  auto bytes = base::read_file(path, std::size_t{4} * samples_max + (1 << 24));
  if (!bytes)
    return bytes.error();
  auto parsed = parse_dem(*bytes, path);
  if (!parsed)
    return base::fail(parsed.error().code, path + ": " + parsed.error().message);
  return parsed;
}

std::string serialize(const generator_record& record) {
  std::string out;
  byte_writer w(out);
  w.varint(generator_name.size());
  w.bytes(generator_name.data(), generator_name.size());
  w.u32(terrain_version);
  const terrain_params& p = record.params;
  for (double v : {p.sea_level_m, p.sediment_m, p.soil_m, p.sand_m, p.coast_m, p.bed_m, p.dip_east,
                   p.dip_north, p.basement_m, p.basement_wave_m, p.basement_wavelength_m})
    f64(w, v);
  const std::string terrain = serialize_dem(record.terrain);
  w.varint(record.terrain.name.size());
  w.bytes(record.terrain.name.data(), record.terrain.name.size());
  w.bytes(terrain.data(), terrain.size());
  return out;
}

base::result<generator_record> parse_generator_record(std::string_view bytes) {
  byte_reader r(bytes);
  std::uint64_t name_size = 0;
  std::string_view name;
  if (!r.varint(name_size) || name_size > 64 || !r.bytes(name_size, name))
    return base::fail(base::errc::parse_error, "generator record: no generator name");
  if (name != generator_name)
    return base::fail(
        base::errc::unsupported_version,
        "generator \"" + std::string(name) + "\"; this build has " + std::string(generator_name));
  std::uint32_t version = 0;
  if (!r.u32(version))
    return base::fail(base::errc::parse_error, "generator record: no version");
  if (version != terrain_version)
    return base::fail(base::errc::unsupported_version,
                      "generator version " + std::to_string(version) + "; this build has " +
                          std::to_string(terrain_version));
  generator_record out;
  terrain_params& p = out.params;
  for (double* v :
       {&p.sea_level_m, &p.sediment_m, &p.soil_m, &p.sand_m, &p.coast_m, &p.bed_m, &p.dip_east,
        &p.dip_north, &p.basement_m, &p.basement_wave_m, &p.basement_wavelength_m})
    if (!f64(r, *v) || !std::isfinite(*v))
      return base::fail(base::errc::parse_error, "generator record: a parameter is missing");
  // The generator divides by the bed thickness and the basement's wavelength, and turns bed
  // indices into integers: bounds keep every quotient finite and small.
  if (!(p.bed_m >= 1 && p.bed_m <= 1e6) || !(p.basement_wavelength_m >= 1) ||
      !(std::fabs(p.dip_east) <= 10 && std::fabs(p.dip_north) <= 10))
    return base::fail(base::errc::invalid_argument,
                      "generator record: bed_m must lie in [1, 1e6] m, basement_wavelength_m be "
                      "at least 1 m and each dip at most 10 in magnitude");
  std::uint64_t dem_name_size = 0;
  std::string_view dem_name;
  if (!r.varint(dem_name_size) || dem_name_size > 4096 || !r.bytes(dem_name_size, dem_name))
    return base::fail(base::errc::parse_error, "generator record: no DEM name");
  std::string_view rest;
  r.bytes(r.remaining(), rest);
  auto terrain = parse_dem(rest, std::string(dem_name));
  if (!terrain)
    return terrain.error();
  out.terrain = std::move(*terrain);
  return out;
}

}  // namespace strata::geology
