// Digital elevation models: a regular latitude/longitude grid of elevations in metres, and the
// survey of the world a DEM makes on a strata grid.
//
// strata ships with two real DEMs from Debian's python-matplotlib-data:
//   - topobathy: 91 x 120 samples of topography and bathymetry off Vancouver Island, latitude
//     48..50, longitude -126..-122 (stored as 234..238), float32 metres, 44 % below sea level;
//   - jacksboro: 344 x 403 samples of the Jacksboro fault, Tennessee, 3 arc-seconds, int16 metres.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "base/result.hpp"
#include "geo/grid.hpp"

namespace strata::geology {

/// Where Debian's python-matplotlib-data puts its sample data.
inline constexpr const char* matplotlib_sample_data = "/usr/share/matplotlib/mpl-data/sample_data";

/// A rectilinear grid of samples: each row has one latitude and each column one longitude, both
/// strictly monotonic but not necessarily evenly spaced (topobathy's rows are closer together in
/// the north, as on a Mercator grid).
struct dem {
  std::string name;
  std::size_t rows = 0;
  std::size_t columns = 0;
  /// Latitude of each row's sample centres, in degrees; ascending (topobathy) or descending
  /// (jacksboro).
  std::vector<double> row_lat_deg;
  /// Longitude of each column's sample centres, in degrees, -180..180; ascending or descending.
  std::vector<double> column_lng_deg;
  /// rows * columns elevations in metres, row-major.
  std::vector<float> elevation_m;

  /// The elevation at a point by bilinear interpolation between sample centres (clamped to the
  /// outermost samples within half a step of them); none outside the DEM's extent.
  std::optional<float> sample(double lat_deg, double lng_deg) const;
  /// The DEM's extent: sample centres plus half a step on every side.
  double lat_min_deg() const;
  double lat_max_deg() const;
  double lng_min_deg() const;
  double lng_max_deg() const;
};

/// Reads matplotlib's topobathy.npz (arrays topo, latitude, longitude). Errors: the reader's, or
/// errc::parse_error when arrays are missing, mismatched or not a regular grid.
base::result<dem> load_topobathy(const std::string& path);
/// Reads matplotlib's jacksboro_fault_dem.npz (elevation, xmin, xmax, ymin, ymax, dx, dy).
base::result<dem> load_jacksboro(const std::string& path);
/// Loads a DEM shipped with strata by name ("topobathy" or "jacksboro") from `sample_data`.
base::result<dem> load_named(const std::string& name,
                             const std::string& sample_data = matplotlib_sample_data);

/// A grid suited to a bundled DEM, as the benchmarks and tests use it: jacksboro at voxel level
/// 18 (about 30 m columns) in 4 m layers from 0 to 1400 m; topobathy (any other name) at level 15
/// in 10 m layers from -2000 to 3000 m, so that a benchmark holds every chunk of the world and
/// finishes in minutes on one core.
geo::world_spec sample_world_spec(const std::string& name);

/// A column of chunks: (u, v) in a region, every chunk layer.
struct chunk_column_id {
  S2CellId region;
  std::uint32_t u = 0;
  std::uint32_t v = 0;
};

/// The regions whose cells meet the DEM's extent, in cell order. errc::limit_exceeded past
/// `regions_max`.
base::result<std::vector<S2CellId>> regions_under(const geo::grid& g, const dem& terrain,
                                                  std::size_t regions_max);

/// Every chunk column holding at least one voxel column whose centre lies inside the DEM.
base::result<std::vector<chunk_column_id>> chunk_columns_under(const geo::grid& g,
                                                               const dem& terrain,
                                                               std::size_t regions_max);

/// What a DEM becomes on a grid: the regions, columns and chunks it covers.
struct survey {
  std::uint64_t regions = 0;
  /// Voxel columns whose centre lies inside the DEM's extent.
  std::uint64_t columns = 0;
  /// Columns whose surface is above sea level (0 m) and at or below it.
  std::uint64_t land_columns = 0;
  std::uint64_t ocean_columns = 0;
  /// LOD-0 chunks over those columns, all layers of the world.
  std::uint64_t chunks = 0;
  /// Chunks that hold the surface of at least one column: the ones that are neither all rock nor
  /// all air or water.
  std::uint64_t surface_chunks = 0;
  /// Columns whose surface lies outside the world's altitude range (clipped there).
  std::uint64_t clipped_columns = 0;
  float elevation_min_m = 0;
  float elevation_max_m = 0;
};

/// Surveys `terrain` on `g`, visiting every voxel column under it. errc::limit_exceeded when the
/// DEM covers more than `regions_max` regions.
base::result<survey> survey_world(const geo::grid& g, const dem& terrain, std::size_t regions_max);

}  // namespace strata::geology
