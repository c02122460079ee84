#include "bench/workload.hpp"

#include <s2/s2latlng.h>

#include <algorithm>
#include <random>

#include "compression/chunk.hpp"

namespace strata::bench {

base::result<sample_world> load_sample_world(const std::string& world,
                                             const std::string& sample_data) {
  auto terrain = geology::load_named(
      world, sample_data.empty() ? geology::matplotlib_sample_data : sample_data);
  if (!terrain)
    return terrain.error();
  const geo::world_spec spec = geology::sample_world_spec(world);
  auto grid = geo::grid::make(spec);
  if (!grid)
    return grid.error();
  return sample_world{std::move(*terrain), spec, std::move(*grid)};
}

std::vector<geo::lat_lng> workload_sites(const geology::dem& terrain) {
  std::mt19937_64 random(20261122);
  std::uniform_real_distribution<double> unit(0, 1);
  const double lat0 = terrain.lat_min_deg(), lat1 = terrain.lat_max_deg();
  const double lng0 = terrain.lng_min_deg(), lng1 = terrain.lng_max_deg();
  std::vector<geo::lat_lng> sites;
  for (int n = 0; n < 12; ++n) {
    const double lat = lat0 + (0.1 + 0.8 * unit(random)) * (lat1 - lat0);
    const double lng = lng0 + (0.1 + 0.8 * unit(random)) * (lng1 - lng0);
    sites.push_back({lat, lng});
  }
  return sites;
}

std::vector<geology::process_update> make_workload(const geology::dem& terrain, const geo::grid& g,
                                                   std::size_t per_kind) {
  std::mt19937_64 random(20261122);
  std::uniform_real_distribution<double> unit(0, 1);
  const std::vector<geo::lat_lng> sites = workload_sites(terrain);
  for (std::size_t n = 0; n < 2 * sites.size(); ++n)
    unit(random);  // the draws that placed the sites, so the sequence stays as it was
  // Sizes in voxel columns, so that both worlds' grids see the same shapes: caps 5 to 13 columns
  // in radius (150 to 400 m on jacksboro's 30 m columns), within 10 columns of their site.
  const double column_m = geo::average_cell_width_m(g.spec().voxel_level);
  std::size_t next_site = 0;
  auto place = [&] {
    const geo::lat_lng& site = sites[next_site++ % sites.size()];
    const double jitter_deg = 10 * column_m / 111000;
    return geo::lat_lng{site.lat_deg + (2 * unit(random) - 1) * jitter_deg,
                        site.lng_deg + (2 * unit(random) - 1) * jitter_deg};
  };
  std::vector<geology::process_update> out;
  for (std::size_t n = 0; n < per_kind; ++n)
    out.push_back(geology::erosion_update{
        geology::cap_field{place(), column_m * (5 + 8 * unit(random)),
                           static_cast<float>(2 + 10 * unit(random)), geology::profile::cosine}});
  for (std::size_t n = 0; n < per_kind; ++n)
    out.push_back(geology::deposition_update{
        geology::cap_field{place(), column_m * (5 + 8 * unit(random)),
                           static_cast<float>(2 + 6 * unit(random)), geology::profile::cosine},
        geology::deposit_material{geology::material::sediment, {}}});
  // A fault: a cell two chunk columns wide, its western half lifted.
  const int cell_level = g.spec().voxel_level - compression::edge_bits - 1;
  for (std::size_t n = 0; n < per_kind; ++n) {
    const geo::lat_lng at = place();
    geology::raster_field raster;
    raster.cell = S2CellId(S2LatLng::FromDegrees(at.lat_deg, at.lng_deg)).parent(cell_level);
    raster.level = cell_level + 2;
    const float uplift = static_cast<float>(4 + 8 * unit(random));
    for (int k = 0; k < 16; ++k)
      raster.values.push_back(k % 4 < 2 ? uplift : 0.f);
    out.push_back(geology::tectonics_update{std::move(raster)});
  }
  return out;
}

double percentile(std::vector<double> values, double p) {
  if (values.empty())
    return 0;
  std::sort(values.begin(), values.end());
  const auto at = static_cast<std::size_t>(p * static_cast<double>(values.size() - 1) + 0.5);
  return values[std::min(at, values.size() - 1)];
}

shard::update_id id_of(std::size_t n) {
  shard::update_id id{};
  for (int b = 0; b < 8; ++b)
    id[static_cast<std::size_t>(b)] = static_cast<std::uint8_t>(n >> (8 * b));
  return id;
}

std::vector<geology::update> as_updates(const std::vector<geology::process_update>& workload,
                                        std::size_t first) {
  std::vector<geology::update> out;
  for (std::size_t n = 0; n < workload.size(); ++n) {
    geology::update u;
    u.id = id_of(first + n);
    u.tick = first + n + 1;
    u.process = workload[n];
    out.push_back(std::move(u));
  }
  return out;
}

}  // namespace strata::bench
