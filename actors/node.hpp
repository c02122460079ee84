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
//
// Leases: once told (renew_atom) to heartbeat, the node renews its lease with the coordinator
// every cluster.heartbeat_ms, reporting its load, and refuses writes (errc::unavailable) when its
// lease has lapsed: three quarters of cluster.lease_ms after it sent the last heartbeat the
// coordinator answered, so the node stops before the coordinator counts it gone. A coordinator
// that does not know the node (restarted) is joined again.
//
// Handing a range off (handoff_atom, from the coordinator): the mover copies the range's
// changed regions to the new owner in passes while writes go on; then the node fences the range
// (writes refused with errc::moved), waits for the writes in flight to commit, has the mover copy
// what changed since, and answers. The coordinator flips the owner and sends release_atom: the
// node drops its copy (moved) or serves on (not moved). If no release comes, the node asks the
// coordinator (settle_atom) after half a lease, again until it answers.
#pragma once

#include <functional>
#include <map>
#include <set>
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

  /// Ranges being handed off, by first id: writes to them are refused.
  struct fence {
    std::uint64_t last = 0;
    shard::node_id to = 0;
    /// The final copy went out: waiting for the coordinator's flip.
    bool handed = false;
    /// Flipped: the copy is dropped; refused until the map says it is another node's.
    bool gone = false;
    /// Run once no write to the range is in flight.
    std::vector<std::function<void()>> on_quiet;
  };
  std::map<std::uint64_t, fence> fences;
  /// Ranges (by first id) whose handoff is under way, from its first copy to its answer: a second
  /// handoff of one of them is refused.
  std::set<std::uint64_t> handing;
  /// Write parts in flight, per region.
  std::map<std::uint64_t, std::uint32_t> writing;
  /// Heartbeats started (leases apply), and when this node's lease lapses.
  bool leased = false;
  caf::actor_clock::time_point lease_until;
  bool lease_lost = false;
  /// What each range did since the last heartbeat, by its first id.
  std::map<std::uint64_t, range_activity> activity;
  /// Actors of this process kept subscribed to the map with every heartbeat (the router).
  std::vector<caf::actor> listeners;
  /// Copies, imports and drops ranges (blocking store work, on a thread of its own).
  caf::actor mover;
};

/// A node with id `id`. `services` outlives the actor; `coordinator` may be null, in which case
/// the map comes only from (map_atom, map_view) messages sent to the node.
node_actor::behavior_type node(node_actor::stateful_pointer<node_state> self, shard::node_id id,
                               const node_services* services, shard_map_actor coordinator);

}  // namespace strata::actors
