// `strata bench cluster`: the cluster as processes on this machine (issue: the cluster).
//
// Ingest: the workload's durable updates pushed (three times, the median reported) by one client
// per node (each a streaming push to
// its node's gateway, the node routing every update to its regions' owners), into a coordinator
// and 1, 2, then 3 node processes, each cluster fresh with the same world. The anchor, in the same
// run: the embedded server (`strata serve`, the shard map and one node in one process) taking
// the same updates from one client. Each run also reports the CPU the processes used (from
// /proc), which says what limits scaling on this machine's cores.
//
// Moves: on the two-node cluster after its ingest, `strata admin move` of one region (the one the
// workload changed most), then of the rest of its range, timed until the new owner serves it.
// Their size is counted afterwards in the new owner's store, and the anchor is the store-level
// copy of the same regions (export from that store, import into a fresh one, durable), in the
// same run.
#pragma once

#include <cstdint>
#include <string>

#include "base/result.hpp"

namespace strata::bench {

struct cluster_options {
  /// "jacksboro" or "topobathy".
  std::string world = "jacksboro";
  std::string sample_data;
  /// Updates in the workload (a third of each kind).
  std::size_t updates = 600;
  /// Clusters of 1 .. nodes_max node processes.
  std::size_t nodes_max = 3;
  /// Pushes of the workload into each deployment (each under new ids); the median is reported.
  std::size_t passes = 3;
  /// How long to wait at most for the servers to go idle (the world imported, its LOD pyramid
  /// built) before pushing, in seconds.
  std::size_t settle_s = 300;
  /// Updates each client's streaming push sends per batch.
  std::size_t batch = 16;
  bool json = false;
};

base::status run_cluster(const cluster_options& options);

}  // namespace strata::bench
