#include "geology/terrain.hpp"

#include <s2/s2earth.h>
#include <s2/s2latlng.h>

#include <algorithm>
#include <cmath>
#include <cstring>
#include <limits>

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
      column.basement_m = basement_m(column);
    }
  }
  return columns;
}

double terrain_generator::basement_m(const column_surface& column) const {
  if (!std::isnan(column.basement_m))
    return column.basement_m;
  return params_.basement_m +
         params_.basement_wave_m *
             std::sin(2 * M_PI * column.east_m / params_.basement_wavelength_m) *
             std::cos(2 * M_PI * column.north_m / params_.basement_wavelength_m);
}

std::uint8_t terrain_generator::material_at(const column_surface& column, double alt_m) const {
  return material_at(column, alt_m, basement_m(column));
}

namespace {

// floor() for |x| < 2^63, without a call into libm (x86-64's baseline has no rounding
// instruction): the generator takes one per bed it meets.
inline long long floor_to_integer(double x) {
  const auto truncated = static_cast<long long>(x);
  return static_cast<double>(truncated) > x ? truncated - 1 : truncated;
}

// Where an altitude lies in one column's stack, as a number that never decreases as the altitude
// rises: granite, then the beds in order, then the top layer (sediment, sand or soil), then
// water, then air. The material is a function of it. Every step is a comparison or a correctly
// rounded operation on the altitude, so the order holds exactly, not only approximately: fill()
// relies on it to find each run of one material with a few evaluations instead of one per voxel.
// Bed indices stay far inside (granite_key, top_key): parse_generator_record bounds bed_m and
// the dips, and altitudes and positions are bounded by the world and its DEM.
constexpr long long granite_key = std::numeric_limits<long long>::min();
constexpr long long top_key = std::numeric_limits<long long>::max() - 2;
constexpr long long water_key = top_key + 1;
constexpr long long air_key = top_key + 2;

struct column_stack {
  column_stack(const terrain_params& p, const column_surface& column, double basement)
      : params(p),
        surface(column.surface_m),
        basement(basement),
        east(p.dip_east * column.east_m),
        north(p.dip_north * column.north_m) {
    const bool submarine = surface < p.sea_level_m;
    const bool coast = surface < p.sea_level_m + p.coast_m;
    top_material = submarine ? material::sediment : coast ? material::sand : material::soil;
    top_m = submarine ? p.sediment_m : coast ? p.sand_m : p.soil_m;
  }

  long long key(double alt_m) const {
    if (alt_m >= surface)
      return alt_m < params.sea_level_m ? water_key : air_key;
    if (surface - alt_m < top_m)
      return top_key;
    if (alt_m < basement)
      return granite_key;
    // Bed boundaries are planes dipping east and north: the index counts them from altitude 0.
    return floor_to_integer((alt_m + east + north) / params.bed_m);
  }

  std::uint8_t material_of(long long key) const {
    static constexpr std::uint8_t beds[] = {material::sandstone, material::shale,
                                            material::limestone};
    switch (key) {
      case granite_key:
        return material::granite;
      case top_key:
        return top_material;
      case water_key:
        return material::water;
      case air_key:
        return material::air;
      default:
        return beds[((key % 3) + 3) % 3];
    }
  }

  // About where the run of `key` ends (below a solid key only): a guess, corrected exactly by
  // the caller.
  double end_guess_m(long long key) const {
    const double top_start = surface - top_m;
    if (key == top_key)
      return surface;
    if (key == granite_key)
      return std::min(basement, top_start);
    return std::min(static_cast<double>(key + 1) * params.bed_m - east - north, top_start);
  }

  const terrain_params& params;
  double surface, basement, east, north;
  std::uint8_t top_material = 0;
  double top_m = 0;
};

}  // namespace

std::uint8_t terrain_generator::material_at(const column_surface& column, double alt_m,
                                            double basement) const {
  const column_stack stack(params_, column, basement);
  return stack.material_of(stack.key(alt_m));
}

void terrain_generator::fill(const chunk_column& columns, std::uint32_t k,
                             compression::chunk& out) const {
  // Every voxel is material_at(column, centre altitude), bit for bit (terrain.test.cpp checks
  // it). Fluid layers are painted whole; in each column with solid voxels, runs of one key are
  // found from a guess at where they end, corrected by evaluating the key on either side.
  const geo::world_spec& spec = grid_.spec();
  constexpr unsigned edge = compression::edge;
  constexpr unsigned layer = edge * edge;
  out.history.fill(0);
  std::array<double, edge> alt;
  for (unsigned z = 0; z < edge; ++z) {
    alt[z] = spec.z_min_m + (k * edge + z + 0.5) * spec.dz_m;
    std::memset(&out.material[z * layer],
                alt[z] < params_.sea_level_m ? material::water : material::air, layer);
  }
  // The z of a guessed altitude, clamped to [low, high].
  // It is only a guess (the callers correct it exactly), so a multiplication stands in for the
  // division and truncation for ceil: the generator takes one per run of a material.
  const double inverse_dz = 1 / spec.dz_m;
  const double z_offset = alt[0];
  const auto z_of = [&](double alt_m, unsigned low, unsigned high) {
    const double z = (alt_m - z_offset) * inverse_dz;
    if (!(z > low))
      return low;
    if (!(z < high))
      return high;
    const auto whole = static_cast<unsigned>(z);
    return whole < z ? whole + 1 : whole;
  };
  for (std::size_t column = 0; column < columns.size(); ++column) {
    const column_surface& c = columns[column];
    const double surface = c.surface_m;
    if (!(alt[0] < surface))
      continue;                               // all fluid, painted above
    unsigned solid = z_of(surface, 1, edge);  // the first fluid z
    while (solid > 1 && !(alt[solid - 1] < surface))
      --solid;
    while (solid < edge && alt[solid] < surface)
      ++solid;
    const column_stack stack(params_, c, basement_m(c));
    std::uint8_t* voxels = &out.material[column];
    for (unsigned z = 0; z < solid;) {
      const long long key = stack.key(alt[z]);
      unsigned end = z_of(stack.end_guess_m(key), z + 1, solid);
      while (end > z + 1 && stack.key(alt[end - 1]) != key)
        --end;
      while (end < solid && stack.key(alt[end]) == key)
        ++end;
      const std::uint8_t m = stack.material_of(key);
      for (; z < end; ++z)
        voxels[z * layer] = m;
    }
  }
}

compression::chunk terrain_generator::generate(S2CellId region, const geo::chunk_coord& at) const {
  compression::chunk out;
  fill(surfaces(region, at.u, at.v), at.k, out);
  return out;
}

}  // namespace strata::geology
