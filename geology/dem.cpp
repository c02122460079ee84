#include "geology/dem.hpp"

#include <s2/s2cell.h>
#include <s2/s2latlng.h>
#include <s2/s2latlng_rect.h>
#include <s2/s2region_coverer.h>

#include <algorithm>
#include <cmath>
#include <set>
#include <tuple>

#include "geology/npz.hpp"

namespace strata::geology {

namespace {

base::error bad_dem(const std::string& path, const std::string& why) {
  return base::fail(base::errc::parse_error, path + ": " + why);
}

// Checks that `axis` has at least two samples and is strictly monotonic.
base::status check_axis(const std::vector<double>& axis, const std::string& path,
                        const char* name) {
  if (axis.size() < 2)
    return bad_dem(path, std::string(name) + " needs at least two samples");
  const bool ascending = axis[1] > axis[0];
  for (std::size_t n = 1; n < axis.size(); ++n) {
    if (!std::isfinite(axis[n]) || (axis[n] > axis[n - 1]) != ascending || axis[n] == axis[n - 1])
      return bad_dem(
          path, std::string(name) + " is not strictly monotonic at sample " + std::to_string(n));
  }
  return {};
}

// The outer edge of an axis: its end sample plus half the step to its neighbour.
double lower_edge(const std::vector<double>& axis) {
  return axis.front() < axis.back() ? axis.front() - (axis[1] - axis[0]) / 2
                                    : axis.back() - (axis[axis.size() - 2] - axis.back()) / 2;
}
double upper_edge(const std::vector<double>& axis) {
  return axis.front() < axis.back() ? axis.back() + (axis.back() - axis[axis.size() - 2]) / 2
                                    : axis.front() + (axis[0] - axis[1]) / 2;
}

// The fractional index of `value` along a monotonic axis, clamped to [0, size - 1].
double fractional_index(const std::vector<double>& axis, double value) {
  const bool ascending = axis.back() > axis.front();
  auto before = [ascending](double a, double b) { return ascending ? a < b : a > b; };
  if (!before(axis.front(), value))
    return 0;
  if (!before(value, axis.back()))
    return static_cast<double>(axis.size() - 1);
  const auto upper = std::upper_bound(axis.begin(), axis.end(), value, before);
  const auto n = static_cast<std::size_t>(upper - axis.begin()) - 1;
  return static_cast<double>(n) + (value - axis[n]) / (axis[n + 1] - axis[n]);
}

base::status check_extent(const dem& d, const std::string& path) {
  if (d.lat_min_deg() < -90 || d.lat_max_deg() > 90 || d.lng_min_deg() < -180 ||
      d.lng_max_deg() > 180)
    return bad_dem(path, "extent lies outside latitude [-90, 90] / longitude [-180, 180]");
  for (float value : d.elevation_m)
    if (!std::isfinite(value))
      return bad_dem(path, "an elevation is not finite");
  return {};
}

const npy_array* member(const std::map<std::string, npy_array>& arrays, const std::string& name,
                        std::size_t rank) {
  auto found = arrays.find(name);
  if (found == arrays.end() || found->second.shape.size() != rank)
    return nullptr;
  return &found->second;
}

}  // namespace

double dem::lat_min_deg() const {
  return lower_edge(row_lat_deg);
}
double dem::lat_max_deg() const {
  return upper_edge(row_lat_deg);
}
double dem::lng_min_deg() const {
  return lower_edge(column_lng_deg);
}
double dem::lng_max_deg() const {
  return upper_edge(column_lng_deg);
}

std::optional<float> dem::sample(double lat_deg, double lng_deg) const {
  if (!(lat_deg >= lat_min_deg() && lat_deg <= lat_max_deg() && lng_deg >= lng_min_deg() &&
        lng_deg <= lng_max_deg()))
    return std::nullopt;
  // The loaders refuse axes of fewer than two samples, so a cell always has a far corner.
  STRATA_ASSERT(rows >= 2 && columns >= 2, "a DEM has at least 2 x 2 samples");
  const double row = fractional_index(row_lat_deg, lat_deg);
  const double column = fractional_index(column_lng_deg, lng_deg);
  const std::size_t r0 = std::min(static_cast<std::size_t>(row), rows - 2), r1 = r0 + 1;
  const std::size_t c0 = std::min(static_cast<std::size_t>(column), columns - 2), c1 = c0 + 1;
  const double fr = row - static_cast<double>(r0), fc = column - static_cast<double>(c0);
  auto at = [this](std::size_t r, std::size_t c) {
    return static_cast<double>(elevation_m[r * columns + c]);
  };
  const double top = at(r0, c0) * (1 - fc) + at(r0, c1) * fc;
  const double bottom = at(r1, c0) * (1 - fc) + at(r1, c1) * fc;
  return static_cast<float>(top * (1 - fr) + bottom * fr);
}

base::result<dem> load_topobathy(const std::string& path) {
  auto arrays = read_npz(path);
  if (!arrays)
    return arrays.error();
  const npy_array* topo = member(*arrays, "topo", 2);
  const npy_array* latitude = member(*arrays, "latitude", 1);
  const npy_array* longitude = member(*arrays, "longitude", 1);
  if (!topo || !latitude || !longitude)
    return bad_dem(path, "needs a 2-D topo and 1-D latitude and longitude arrays");
  if (topo->shape[0] != latitude->shape[0] || topo->shape[1] != longitude->shape[0])
    return bad_dem(path, "topo's shape does not match latitude x longitude");
  dem d;
  d.name = "topobathy";
  d.rows = topo->shape[0];
  d.columns = topo->shape[1];
  d.row_lat_deg = latitude->values;
  d.column_lng_deg = longitude->values;
  // Longitudes are stored east of Greenwich, 0..360: fold them onto -180..180.
  if (!d.column_lng_deg.empty() && d.column_lng_deg.front() > 180)
    for (double& lng : d.column_lng_deg)
      lng -= 360;
  if (auto axis = check_axis(d.row_lat_deg, path, "latitude"); !axis)
    return axis.error();
  if (auto axis = check_axis(d.column_lng_deg, path, "longitude"); !axis)
    return axis.error();
  d.elevation_m.assign(topo->values.begin(), topo->values.end());
  if (auto ok = check_extent(d, path); !ok)
    return ok.error();
  return d;
}

base::result<dem> load_jacksboro(const std::string& path) {
  auto arrays = read_npz(path);
  if (!arrays)
    return arrays.error();
  const npy_array* elevation = member(*arrays, "elevation", 2);
  std::map<std::string, double> scalars;
  for (const char* name : {"xmin", "xmax", "ymin", "ymax", "dx", "dy"}) {
    const npy_array* scalar = member(*arrays, name, 0);
    if (!scalar || scalar->values.size() != 1)
      return bad_dem(path, std::string("needs the scalar ") + name);
    scalars[name] = scalar->values[0];
  }
  if (!elevation)
    return bad_dem(path, "needs a 2-D elevation array");
  dem d;
  d.name = "jacksboro";
  d.rows = elevation->shape[0];
  d.columns = elevation->shape[1];
  if (d.rows < 2 || d.columns < 2)
    return bad_dem(path, "elevation needs at least 2 x 2 samples");
  // x spans the columns west to east; the rows run from "ymin" (the northern edge, as the file
  // labels it) southward by dy. Bounds are outer edges: sample centres sit half a step inside.
  const double dx = scalars["dx"], dy = scalars["dy"];
  if (!(dx > 0) || !(dy > 0))
    return bad_dem(path, "dx and dy must be positive");
  const double width = scalars["xmax"] - scalars["xmin"];
  const double height = std::abs(scalars["ymax"] - scalars["ymin"]);
  if (std::abs(width - dx * static_cast<double>(d.columns)) > dx ||
      std::abs(height - dy * static_cast<double>(d.rows)) > dy)
    return bad_dem(path, "bounds do not match the elevation's shape and steps");
  const double north = std::max(scalars["ymin"], scalars["ymax"]);
  for (std::size_t c = 0; c < d.columns; ++c)
    d.column_lng_deg.push_back(scalars["xmin"] + dx * (static_cast<double>(c) + 0.5));
  for (std::size_t r = 0; r < d.rows; ++r)
    d.row_lat_deg.push_back(north - dy * (static_cast<double>(r) + 0.5));
  d.elevation_m.assign(elevation->values.begin(), elevation->values.end());
  if (auto ok = check_extent(d, path); !ok)
    return ok.error();
  return d;
}

base::result<dem> load_named(const std::string& name, const std::string& sample_data) {
  if (name == "topobathy")
    return load_topobathy(sample_data + "/topobathy.npz");
  if (name == "jacksboro")
    return load_jacksboro(sample_data + "/jacksboro_fault_dem.npz");
  return base::fail(base::errc::invalid_argument,
                    "unknown world \"" + name + "\"; the shipped ones are topobathy and jacksboro");
}

base::result<std::vector<S2CellId>> regions_under(const geo::grid& g, const dem& terrain,
                                                  std::size_t regions_max) {
  const int level = g.spec().region_level;
  const S2LatLngRect extent(S2LatLng::FromDegrees(terrain.lat_min_deg(), terrain.lng_min_deg()),
                            S2LatLng::FromDegrees(terrain.lat_max_deg(), terrain.lng_max_deg()));
  if (extent.Area() / S2Cell::AverageArea(level) > static_cast<double>(regions_max))
    return base::fail(base::errc::limit_exceeded,
                      "the DEM covers more than " + std::to_string(regions_max) + " regions");
  S2RegionCoverer::Options options;
  options.set_fixed_level(level);
  std::vector<S2CellId> regions;
  S2RegionCoverer(options).GetCovering(extent, &regions);
  std::sort(regions.begin(), regions.end());
  return regions;
}

base::result<std::vector<chunk_column_id>> chunk_columns_under(const geo::grid& g,
                                                               const dem& terrain,
                                                               std::size_t regions_max) {
  auto regions = regions_under(g, terrain, regions_max);
  if (!regions)
    return regions.error();
  const int voxel_level = g.spec().voxel_level;
  std::vector<chunk_column_id> result;
  for (S2CellId region : *regions) {
    std::set<std::pair<std::uint32_t, std::uint32_t>> seen;
    for (S2CellId column = region.child_begin(voxel_level); column != region.child_end(voxel_level);
         column = column.next()) {
      const S2LatLng centre(column.ToPoint());
      if (!terrain.sample(centre.lat().degrees(), centre.lng().degrees()))
        continue;
      const geo::voxel_address where = g.address(g.voxel_of(column, 0));
      if (seen.insert({where.chunk.u, where.chunk.v}).second)
        result.push_back({region, where.chunk.u, where.chunk.v});
    }
  }
  return result;
}

base::result<survey> survey_world(const geo::grid& g, const dem& terrain, std::size_t regions_max) {
  const geo::world_spec& spec = g.spec();
  auto found = regions_under(g, terrain, regions_max);
  if (!found)
    return found.error();
  const std::vector<S2CellId>& regions = *found;

  survey result;
  result.elevation_min_m =
      *std::min_element(terrain.elevation_m.begin(), terrain.elevation_m.end());
  result.elevation_max_m =
      *std::max_element(terrain.elevation_m.begin(), terrain.elevation_m.end());
  const std::uint64_t layers = geo::chunk_layers(spec);
  for (S2CellId region : regions) {
    bool any = false;
    // Chunk columns (u, v) with a column inside, and chunks (u, v, k) holding a surface.
    std::set<std::pair<std::uint32_t, std::uint32_t>> chunk_columns;
    std::set<std::tuple<std::uint32_t, std::uint32_t, std::uint32_t>> surfaces;
    for (S2CellId column = region.child_begin(spec.voxel_level);
         column != region.child_end(spec.voxel_level); column = column.next()) {
      const S2LatLng centre(column.ToPoint());
      const auto height = terrain.sample(centre.lat().degrees(), centre.lng().degrees());
      if (!height)
        continue;
      any = true;
      ++result.columns;
      ++(*height > 0 ? result.land_columns : result.ocean_columns);
      // The surface's layer: the top of the ground, or of the sea floor under water.
      double top = *height;
      if (top < spec.z_min_m || top >= spec.z_max_m)
        ++result.clipped_columns;
      top = std::clamp(top, spec.z_min_m, std::nextafter(spec.z_max_m, spec.z_min_m));
      const geo::voxel v = g.voxel_of(column, *g.layer(top));
      const geo::voxel_address where = g.address(v);
      chunk_columns.insert({where.chunk.u, where.chunk.v});
      surfaces.insert({where.chunk.u, where.chunk.v, where.chunk.k});
      // Under water, the sea surface at 0 m is a boundary too.
      if (*height <= 0 && spec.z_min_m <= 0 && 0 < spec.z_max_m)
        surfaces.insert({where.chunk.u, where.chunk.v, *g.layer(0) >> geo::chunk_edge_bits});
    }
    if (!any)
      continue;
    ++result.regions;
    result.chunks += chunk_columns.size() * layers;
    result.surface_chunks += surfaces.size();
  }
  return result;
}

geo::world_spec sample_world_spec(const std::string& world) {
  geo::world_spec spec;
  spec.name = world;
  if (world == "jacksboro") {
    spec.voxel_level = 18;
    spec.region_level = 12;
    spec.dz_m = 4;
    spec.z_min_m = 0;
    spec.z_max_m = 1400;
  } else {
    spec.voxel_level = 15;
    spec.region_level = 9;
    spec.dz_m = 10;
    spec.z_min_m = -2000;
    spec.z_max_m = 3000;
  }
  return spec;
}

}  // namespace strata::geology
