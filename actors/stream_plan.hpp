// Which chunks a stream sends, at which LOD, in which order (DESIGN.md §6, the seed's rule).
//
// The area is every chunk column whose centre lies within the radius of the viewer. Its regions
// are covered by a quadtree of blocks, one LOD per block: a block is split while it is nearer
// than its LOD allows, where a chunk at distance d gets LOD 0 nearer than lod_step_m and one
// more LOD per doubling of distance beyond it, up to lod_max and to what the world keeps. Blocks
// never overlap, so no voxel is sent twice. Each block sends every chunk layer at its LOD.
//
// Distance is the horizontal distance to the block's centre, the smaller of the distance from
// the viewer now and from where its velocity takes it in stream.prediction_ms: chunks the viewer
// approaches come before those it leaves behind. Chunks go out nearest first.
#pragma once

#include <cstdint>
#include <vector>

#include "actors/protocol.hpp"
#include "base/result.hpp"
#include "compression/chunk.hpp"
#include "config/config.hpp"
#include "geo/grid.hpp"

namespace strata::actors {

struct planned_chunk {
  shard::chunk_key key;
  double distance_m = 0;
};

struct stream_limits {
  std::size_t chunks_max = 250000;
  double radius_m_max = 200000;
  double prediction_s = 5;
  std::size_t regions_max = 1000000;
};

/// The chunks of a stream, nearest first. `lod_kept` is the highest LOD the world keeps.
/// Errors: the centre's check() error; errc::invalid_argument for a radius, LOD step or velocity
/// that is not finite, or a radius that is not positive; errc::limit_exceeded past radius_m_max,
/// chunks_max or regions_max, naming the limit.
base::result<std::vector<planned_chunk>> plan_stream(const geo::grid& grid,
                                                     const stream_request& request,
                                                     std::uint8_t lod_kept,
                                                     const stream_limits& limits);

/// The limits from the configuration's stream.* and limits.* keys.
stream_limits stream_limits_of(const config::config& settings);

}  // namespace strata::actors
