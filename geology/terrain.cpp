#include "geology/terrain.hpp"

#include <s2/s2earth.h>
#include <s2/s2latlng.h>

#include <algorithm>
#include <cmath>

#include "geology/materials.hpp"

namespace strata::geology {

std::string_view material_name(std::uint8_t id) {
  static constexpr std::string_view names[] = {
      "air",     "water",  "sediment",         "soil", "sand", "sandstone", "shale", "limestone",
      "granite", "basalt", "weathered_granite"};
  return id < material::count ? names[id] : "unknown";
}

terrain_generator::terrain_generator(const geo::grid& g, const dem& terrain, terrain_params params)
    : grid_(g), dem_(terrain), params_(params) {}

chunk_column terrain_generator::surfaces(S2CellId region, std::uint32_t u, std::uint32_t v) const {
  chunk_column columns;
  const double lat_min = dem_.lat_min_deg(), lat_max = dem_.lat_max_deg();
  const double lng_min = dem_.lng_min_deg(), lng_max = dem_.lng_max_deg();
  const double metres_per_degree = S2Earth::RadiusMeters() * M_PI / 180;
  const double cos_lat = std::cos((lat_min + lat_max) / 2 * M_PI / 180);
  for (unsigned y = 0; y < compression::edge; ++y) {
    for (unsigned x = 0; x < compression::edge; ++x) {
      geo::voxel_address where;
      where.region = region;
      where.chunk = {u, v, 0};
      where.x = x;
      where.y = y;
      const auto voxel = grid_.voxel_at(where);
      STRATA_ASSERT(voxel.ok(), "a chunk column inside its region");
      const S2LatLng centre(grid_.column_cell(*voxel).ToPoint());
      // Clamp to the DEM's extent: outside it, the nearest edge's surface continues.
      const double lat = std::clamp(centre.lat().degrees(), lat_min, lat_max);
      const double lng = std::clamp(centre.lng().degrees(), lng_min, lng_max);
      column_surface& column = columns[x + compression::edge * y];
      column.surface_m = *dem_.sample(lat, lng);
      column.east_m = static_cast<float>((lng - lng_min) * metres_per_degree * cos_lat);
      column.north_m = static_cast<float>((lat - lat_min) * metres_per_degree);
    }
  }
  return columns;
}

double terrain_generator::basement_m(const column_surface& column) const {
  return params_.basement_m +
         params_.basement_wave_m *
             std::sin(2 * M_PI * column.east_m / params_.basement_wavelength_m) *
             std::cos(2 * M_PI * column.north_m / params_.basement_wavelength_m);
}

std::uint8_t terrain_generator::material_at(const column_surface& column, double alt_m) const {
  return material_at(column, alt_m, basement_m(column));
}

std::uint8_t terrain_generator::material_at(const column_surface& column, double alt_m,
                                            double basement) const {
  const double surface = column.surface_m;
  if (alt_m >= surface)
    return alt_m < params_.sea_level_m ? material::water : material::air;
  const double depth = surface - alt_m;
  const bool submarine = surface < params_.sea_level_m;
  if (submarine && depth < params_.sediment_m)
    return material::sediment;
  if (!submarine) {
    const bool coast = surface < params_.sea_level_m + params_.coast_m;
    if (coast && depth < params_.sand_m)
      return material::sand;
    if (!coast && depth < params_.soil_m)
      return material::soil;
  }
  if (alt_m < basement)
    return material::granite;
  // Bed boundaries are planes dipping east and north: the bed index counts them from altitude 0.
  const double tilted =
      alt_m + params_.dip_east * column.east_m + params_.dip_north * column.north_m;
  const auto bed = static_cast<long long>(std::floor(tilted / params_.bed_m));
  static constexpr std::uint8_t beds[] = {material::sandstone, material::shale,
                                          material::limestone};
  return beds[((bed % 3) + 3) % 3];
}

void terrain_generator::fill(const chunk_column& columns, std::uint32_t k,
                             compression::chunk& out) const {
  const geo::world_spec& spec = grid_.spec();
  out.history.fill(0);
  // The basement's top depends on the column only: once per column, not per voxel.
  std::array<double, compression::edge * compression::edge> basement;
  for (std::size_t column = 0; column < columns.size(); ++column)
    basement[column] = basement_m(columns[column]);
  for (unsigned z = 0; z < compression::edge; ++z) {
    const double alt = spec.z_min_m + (k * compression::edge + z + 0.5) * spec.dz_m;
    for (std::size_t column = 0; column < columns.size(); ++column)
      out.material[column + z * compression::edge * compression::edge] =
          material_at(columns[column], alt, basement[column]);
  }
}

compression::chunk terrain_generator::generate(S2CellId region, const geo::chunk_coord& at) const {
  compression::chunk out;
  fill(surfaces(region, at.u, at.v), at.k, out);
  return out;
}

}  // namespace strata::geology
