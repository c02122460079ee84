// A reader actor: serves chunk reads, voxel queries and column queries from the store. It blocks
// on LMDB (page faults, the decoded-chunk cache's misses), so the node spawns it detached, on a
// thread of its own, and keeps several; the node checks ownership and delegates, so the reader
// replies to the original requester directly.
#pragma once

#include "actors/protocol.hpp"
#include "actors/services.hpp"

namespace strata::actors {

using reader_actor =
    caf::typed_actor<caf::replies_to<read_atom, read_request>::with<chunk_batch>,
                     caf::replies_to<voxel_atom, voxel_query>::with<voxel_answer>,
                     caf::replies_to<column_atom, column_query>::with<column_answer>,
                     caf::replies_to<stats_atom, std::uint64_t>::with<region_summary>>;

struct reader_state {
  static inline const char* name = "strata.reader";
};

/// `services` outlives the actor. Errors: the store's (errc::io_error, errc::corrupt_data for a
/// chunk that fails its checks), the grid's for a position off the world (errc::out_of_range).
reader_actor::behavior_type reader(reader_actor::stateful_pointer<reader_state> self,
                                   const node_services* services);

/// Chunk items as read by the store.
chunk_item to_item(shard::encoded_chunk&& chunk);

/// Answers from the store directly (what the reader does, also for benchmarks' anchors).
base::result<chunk_batch> read_chunks(shard::store& store, const read_request& request);
base::result<voxel_answer> query_voxel(const node_services& services, const geo::position& at);
base::result<column_answer> query_column(const node_services& services, geo::lat_lng at);

}  // namespace strata::actors
