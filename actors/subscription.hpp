// A change feed: one per subscriber, spawned by the router. It registers with the region actors
// of every region under the area, then, after each commit there, learns which chunks changed
// (changed_atom). Changes are coalesced: a chunk changed ten times between two deliveries is
// read and sent once, at its newest version. Deliveries go out at most every
// subscribe.interval_ms, as (chunks_atom, id, chunk_batch), within a window of
// stream.window_chunks chunks not yet credited by the sink's (credit_atom, n).
//
// A slow subscriber never slows writers: region actors only send it one-way messages. What it
// has not taken waits here, up to subscribe.buffer_chunks changed chunks; past that the buffer is
// dropped and the sink is told (resync_atom, id): it should read the area afresh (a stream), as
// the changes since are again delivered one by one.
//
// It follows its regions when they move: the router hands it every new map (map_atom, view),
// and for each region whose owner changed (a move, a node back with a new actor) it leaves the
// old owner and registers with the new one, then tells the sink (resync_atom, id), since changes
// committed between the owner's change and the registration were not seen.
//
// (cancel_atom) or the sink's death stops it; the region actors monitor it and forget it then.
// Dynamically typed, like streams.
#pragma once

#include <map>
#include <set>
#include <vector>

#include "actors/protocol.hpp"
#include "actors/routing.hpp"
#include "config/config.hpp"

namespace strata::actors {

struct subscription_state {
  static inline const char* name = "strata.subscription";
  std::uint64_t id = 0;
  caf::actor sink;
  shard_map_actor coordinator;
  routing_table routes;
  config::config settings;
  std::vector<std::uint64_t> regions;
  /// The node each region's change notes come from: the one it registered with last.
  std::map<std::uint64_t, node_actor> owners;
  std::set<shard::chunk_key> pending;
  std::uint64_t sent = 0, credited = 0, reading = 0;
  std::uint64_t resyncs = 0;
  bool flush_scheduled = false;
};

/// Subscribes to `regions` (sorted), reporting to `sink`.
caf::behavior subscription(caf::stateful_actor<subscription_state>* self, std::uint64_t id,
                           caf::actor sink, std::vector<std::uint64_t> regions,
                           routing_table routes, shard_map_actor coordinator,
                           config::config settings);

}  // namespace strata::actors
