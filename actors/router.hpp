// The router: what a gateway hands client requests to (DESIGN.md §5). It keeps a copy of the
// shard map, refreshed by the shard-map actor's pushes.
//
// A write is parsed and planned once, to learn the regions it covers; they are grouped by shard
// range, and each group goes to its owner as a write_part with the range's epoch. The update is
// acknowledged once every part is durable, with their replies summed. A part refused for a stale
// epoch is re-routed by a refreshed map, up to actors.route_retries_max times; since region
// writes are idempotent by update id, re-sending a part, or the whole update after an error, is
// safe. Queries go to the owner of their region the same way. A stream is planned here and read
// by a streamer; a change feed is a subscription actor; the reply is that actor, which the sink
// credits and may cancel.
#pragma once

#include <functional>
#include <map>

#include "actors/protocol.hpp"
#include "actors/routing.hpp"
#include "config/config.hpp"
#include "geology/processes.hpp"

namespace strata::actors {

struct router_state {
  static inline const char* name = "strata.router";
  const geology::process_context* context = nullptr;
  config::config settings;
  shard_map_actor coordinator;
  routing_table routes;
  std::uint8_t lod_kept = 0;
  std::uint64_t next_id = 1;
  /// Retries waiting for their time ((tick_atom, token) runs one).
  std::map<std::uint64_t, std::function<void()>> later;
  std::uint64_t next_later = 1;
  /// The change feeds it started and that still run: each gets every new map, to follow its
  /// regions when they move.
  std::vector<caf::actor> feeds;
};

/// `context` (the world's grid and materials) outlives the router; `lod_kept` is the highest
/// LOD the world's stores keep. `coordinator` may be null: the map then comes only from
/// (map_atom, map_view) messages.
router_actor::behavior_type router(router_actor::stateful_pointer<router_state> self,
                                   const geology::process_context* context, config::config settings,
                                   std::uint8_t lod_kept, shard_map_actor coordinator);

}  // namespace strata::actors
