// Coverings: which regions lie under an area, and which chunks of a region lie between two
// altitudes (DESIGN.md §1).
//
// A covering is conservative: it lists every region whose cell intersects the area, so a region on
// the border is included even if the area only grazes it. Results are sorted by S2 cell id (Hilbert
// order), the order in which shards hold regions. Every covering has a caller-supplied limit and is
// refused with errc::limit_exceeded before any work when the area's size shows it would pass it.
#pragma once

#include <cstddef>
#include <vector>

#include "base/result.hpp"
#include "geo/grid.hpp"

namespace strata::geo {

/// Regions whose cells intersect the spherical cap of `radius_m` (along the surface) around
/// `centre`. Errors: the centre's check() error; errc::out_of_range for a radius that is not
/// positive or exceeds half the Earth's circumference; errc::limit_exceeded past `regions_max`.
base::result<std::vector<S2CellId>> regions_in_cap(const world_spec& spec, lat_lng centre,
                                                   double radius_m, std::size_t regions_max);

/// Regions whose cells intersect the polygon with these vertices (one loop, either orientation;
/// the smaller of the two areas it bounds). Errors: errc::invalid_argument for fewer than three
/// vertices, duplicate vertices or crossing edges (the message says which); a vertex's check()
/// error; errc::limit_exceeded past `regions_max`.
base::result<std::vector<S2CellId>> regions_in_polygon(const world_spec& spec,
                                                       const std::vector<lat_lng>& vertices,
                                                       std::size_t regions_max);

/// A chunk of a region and its Morton code.
struct region_chunk {
  chunk_coord chunk;
  std::uint64_t morton = 0;
  friend bool operator==(const region_chunk&, const region_chunk&) = default;
};

/// The LOD-0 chunks of any region that hold voxels with altitudes in [alt_low_m, alt_high_m],
/// sorted by Morton code. Altitudes are clipped to the world. Errors: errc::invalid_argument when
/// alt_low_m > alt_high_m or either is NaN; errc::out_of_range when the range misses the world;
/// errc::limit_exceeded past `chunks_max`.
base::result<std::vector<region_chunk>> chunks_between(const world_spec& spec, double alt_low_m,
                                                       double alt_high_m, std::size_t chunks_max);

}  // namespace strata::geo
