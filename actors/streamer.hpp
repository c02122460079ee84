// A streamer: one per stream, spawned by the router with the stream's planned chunks. It reads
// them from their owners in batches, in plan order, and sends them to the sink:
//
//   (chunks_atom, id, chunk_batch) ... then (done_atom, id, stream_stats)
//
// Flow control: at most stream.window_chunks chunks are read or sent and not yet credited by the
// sink's (credit_atom, n), so a slow sink bounds the memory a stream holds. Four reads are in
// flight at most (the first a small one, for the nearest chunks), and batches reach the sink in
// plan order whatever order they come back in. A read refused for a stale epoch is retried after
// refreshing the map (actors.route_retries_max times); a chunk that still cannot be read is sent
// with its error, and the stream goes on. (cancel_atom) from the sink, or the sink's death, stops
// the stream.
//
// Dynamically typed: it talks to sinks of any type. Its messages are those above.
#pragma once

#include <chrono>
#include <deque>

#include "actors/protocol.hpp"
#include "actors/routing.hpp"
#include "actors/stream_plan.hpp"
#include "config/config.hpp"

namespace strata::actors {

struct streamer_state {
  static inline const char* name = "strata.streamer";

  struct slot {
    std::vector<shard::chunk_key> keys;
    chunk_batch batch;
    bool ready = false;
    unsigned attempts = 0;
  };

  std::uint64_t id = 0;
  caf::actor sink;
  shard_map_actor coordinator;
  routing_table routes;
  config::config settings;
  std::vector<planned_chunk> plan;
  std::size_t next = 0;
  std::deque<slot> slots;
  /// Slots started since the stream began; the front slot's number is this minus slots.size().
  std::size_t next_slot_sequence = 0;
  std::uint64_t sent = 0, credited = 0, reading = 0;
  bool finished = false;
  stream_stats stats;
  std::chrono::steady_clock::time_point started;
};

caf::behavior streamer(caf::stateful_actor<streamer_state>* self, std::uint64_t id, caf::actor sink,
                       std::vector<planned_chunk> plan, routing_table routes,
                       shard_map_actor coordinator, config::config settings);

}  // namespace strata::actors
