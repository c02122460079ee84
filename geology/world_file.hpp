// Files that make a world: DEMs in strata's raw format, and the generator record a world stores
// so that its untouched chunks cost nothing on disk (docs/import.md).
//
// The raw DEM format (little-endian), for anyone's elevation grid:
//
//   offset  size  field
//   0       8     magic "STRATDEM"
//   8       4     format version: 1
//   12      4     rows (2..65536)
//   16      4     columns (2..65536); rows * columns at most 2^28
//   20      1     spacing: 0 even, 1 listed
//   21      ...   even:   first row's latitude, last row's, first column's longitude, last
//                         column's (4 float64, degrees)
//                 listed: every row's latitude, then every column's longitude (float64, degrees,
//                         strictly monotonic)
//   ...     ...   rows * columns float32 elevations in metres, row-major, all finite
#pragma once

#include <string>
#include <string_view>

#include "base/result.hpp"
#include "geology/dem.hpp"
#include "geology/terrain.hpp"

namespace strata::geology {

/// The DEM in the raw format, with listed spacing (exact for any rectilinear grid).
std::string serialize_dem(const dem& terrain);
/// A DEM from the raw format. Errors: errc::parse_error (magic, truncation, trailing bytes),
/// errc::unsupported_version, errc::invalid_argument (sizes, coordinates out of range or not
/// monotonic, a non-finite elevation), each naming the field.
base::result<dem> parse_dem(std::string_view bytes, const std::string& name);
/// Reads a raw DEM file; errors as parse_dem, or the file's.
base::result<dem> load_raw_dem(const std::string& path);

/// What a world stores to regenerate its baseline: the generator's version, parameters and DEM.
struct generator_record {
  terrain_params params;
  dem terrain;
};
/// "stratified-dem", terrain_version, the parameters and the DEM.
std::string serialize(const generator_record& record);
/// Errors: errc::parse_error for bytes that are not a record; errc::unsupported_version for a
/// record of another generator version (its deltas were made against another baseline).
base::result<generator_record> parse_generator_record(std::string_view bytes);

}  // namespace strata::geology
