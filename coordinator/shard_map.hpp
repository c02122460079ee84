// The shard-map actor: the authority on which node owns which range of region ids (DESIGN.md §5).
//
// It keeps the map in its own LMDB file (shard::map_store) and saves every change before it
// answers or tells anyone, so a restarted coordinator serves the map it last announced. Nodes
// join with their id and handle; assign gives a range to a node under a new epoch; subscribers
// (nodes, routers) are sent (map_atom, map_view) after every change, and once when they
// subscribe. Saving fsyncs: spawn it detached in a real process (cmd/ does).
#pragma once

#include <memory>
#include <vector>

#include "actors/protocol.hpp"

namespace strata::coordinator {

struct shard_map_state {
  static inline const char* name = "strata.shard_map";
  shard::map_store* file = nullptr;
  actors::map_view view;
  actors::world_record world;
  std::vector<caf::actor> subscribers;
};

/// Starts from `initial` and `world` (what `file` loaded: the caller reads it first, so a file
/// that cannot be read stops the process before anything is served). `file` (may be null: the
/// map then lives in memory only) outlives the actor. Errors of assign: errc::invalid_argument
/// for first > last or a node that has not joined; errc::io_error when the map cannot be saved
/// (the change is then not made). Errors of join and of setting the world: errc::io_error.
actors::shard_map_actor::behavior_type shard_map(
    actors::shard_map_actor::stateful_pointer<shard_map_state> self, shard::map_store* file,
    shard::shard_map initial, actors::world_record world);

}  // namespace strata::coordinator
