// `strata bench stream` and `strata bench query`: the actor runtime in one process (issue 5), on
// an imported real world after a geological timeline pushed through the router.
//
// stream: viewers at the timeline's sites stream the area around them while moving east, each
// through the router, a streamer and the node's readers, into a client actor that credits every
// batch. Reported: chunks/s and voxel MB/s delivered, time to first chunk, and how fast the
// client decodes what it received (stored chunks with the compression library, untouched ones
// regenerated from the world's generator). The anchor, in the same run: plain LMDB gets of the
// same chunks in the same order, no actors.
//
// With --rpc, the same streams and queries also go through the gateway over loopback, and the
// goals compare them with the in-process figures of the same run.
//
// query: voxel and column queries at random places near the sites, one at a time through the
// router, against the same queries answered by direct calls on the store, no actors.
#pragma once

#include <cstdint>
#include <string>

#include "base/result.hpp"

namespace strata::bench {

struct runtime_options {
  /// "jacksboro" or "topobathy".
  std::string world = "jacksboro";
  std::string sample_data;
  /// Updates in the timeline run before measuring (a third of each kind).
  std::size_t updates = 300;
  /// Streams: passes over the sites, each pass one chunk column further east.
  std::size_t passes = 4;
  /// Queries of each kind.
  std::size_t queries = 2000;
  /// Updates the timeline keeps in flight (through the router, or in a streaming push).
  std::size_t in_flight = 128;
  /// Also through Cap'n Proto RPC on loopback (the gateway and the client library), beside the
  /// in-process figures of the same run.
  bool rpc = false;
  bool json = false;
};

base::status run_stream(const runtime_options& options);
base::status run_query(const runtime_options& options);
/// `strata bench ingest --rpc`: the timeline's durable updates through the router in process,
/// then over RPC into a second server with the same fresh world.
base::status run_ingest_rpc(const runtime_options& options);

}  // namespace strata::bench
