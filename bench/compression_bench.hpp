// `strata bench compression`: stored bytes and throughput of strata's hybrid compression against
// generic compressors, on the chunks of a real world, in one single-threaded run (issue #3).
//
// For every chunk of the world (the generator's stratified terrain from a real DEM), before and
// after a simulated erosion and deposition pass over about 10 % of the columns, it measures:
// raw bytes; zstd levels 1, 3 and 19 per chunk; blosc-zstd with bitshuffle (Zarr's usual codec);
// OpenVDB's in-memory bytes for the same voxels; strata's fast write path; and strata's hybrid
// selector without and with the procedural baseline, with the balanced policy the store uses
// (strata-hybrid, which the goals measure) and, for comparison, picking the smallest payloads.
// Throughputs count voxel bytes (2 per voxel). It also checks that every codec round-trips every
// chunk, and reports the selector's accuracy and codec mix. Ratios against the anchors measured in
// the same run are the goals.
#pragma once

#include <string>

#include "base/result.hpp"

namespace strata::bench {

struct compression_options {
  /// "topobathy" or "jacksboro".
  std::string world = "topobathy";
  std::string sample_data;
  bool json = false;
  /// Stop after this many chunk columns (0: the whole world); for quick runs and tests.
  std::size_t chunk_columns_max = 0;
};

/// Runs the benchmark and prints its report (a table, or one JSON object). Returns the report's
/// error when the world cannot be built.
base::status run_compression(const compression_options& options);

}  // namespace strata::bench
