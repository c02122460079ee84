// The node actor: one per process that stores regions (DESIGN.md §5). It owns the region actors
// (spawned on demand, passivated when idle) and the reader actors, and checks every request
// against the shard map before serving it:
//
//   - a write part, a read or a query routed by an epoch other than the current epoch of the
//     range holding its regions, or for regions this node does not own, is refused with
//     errc::stale_epoch, so a router with an old map refreshes and retries. When the request's
//     epoch is newer than the node's copy of the map, the node fetches the map first;
//   - a write part is parsed once and handed to the region actor of each region it covers; the
//     reply sums theirs and goes out when every region's commit is durable (an error from any
//     region fails the part; a retry is safe, regions that applied it answer duplicate);
//   - reads and queries are delegated to a reader actor, which replies to the requester.
//
// The node keeps its copy of the map from the shard-map actor's pushes (it subscribes at start).
// It must outlive nothing: its region and reader actors are linked to it and stop with it.
#pragma once

#include <functional>
#include <unordered_map>
#include <vector>

#include "actors/protocol.hpp"
#include "actors/reader.hpp"
#include "actors/region.hpp"
#include "actors/services.hpp"

namespace strata::actors {

struct node_state {
  static inline const char* name = "strata.node";

  struct region_entry {
    region_actor handle;
    caf::actor_clock::time_point last_used;
    /// Asked to passivate; messages wait in `waiting` for its answer.
    bool closing = false;
    std::vector<std::function<void(const region_actor&)>> waiting;
  };

  shard::node_id id = 0;
  const node_services* services = nullptr;
  shard_map_actor coordinator;
  shard::shard_map map;
  std::unordered_map<std::uint64_t, region_entry> regions;
  std::vector<reader_actor> readers;
  std::size_t next_reader = 0;
  node_stats stats;
};

/// A node with id `id`. `services` outlives the actor; `coordinator` may be null, in which case
/// the map comes only from (map_atom, map_view) messages sent to the node.
node_actor::behavior_type node(node_actor::stateful_pointer<node_state> self, shard::node_id id,
                               const node_services* services, shard_map_actor coordinator);

}  // namespace strata::actors
