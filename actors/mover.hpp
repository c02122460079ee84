// The mover: a node's blocking range work, on a thread of its own (a detached actor), so the
// node actor never waits on LMDB or on another node (DESIGN.md §5, docs/operations.md).
//
//   (handoff_atom, first, last, caf::actor to, bool final) -> std::uint64_t
//       copies the regions of [first, last] that updates changed to node `to` (its node actor),
//       a few megabytes per message, and answers how many it sent. Not final: passes repeat
//       while the last one sent more than a handful (writes go on meanwhile); each region is
//       sent again only when its version moved. Final: one pass of what changed since, after
//       which the move's memory is forgotten. Each message waits for the new owner's answer
//       (cluster.move_timeout_ms) without blocking: the mover takes other messages meanwhile,
//       and stops at once with its node.
//   (ingest_atom, std::vector<shard::region_rows>) -> std::uint64_t
//       the receiving side: replaces those regions in this node's store.
//   (release_atom, first, last) -> std::uint64_t
//       drops every row of [first, last] (a moved range's old copy); answers the rows dropped.
//   (split_atom, first, last) -> std::uint64_t
//       where to split the range: the median of the world's regions in it (under its DEM, or
//       changed by updates); errc::invalid_argument when it holds fewer than two.
//
// Node-local: the node actor is its only caller.
#pragma once

#include <caf/all.hpp>

#include "actors/services.hpp"

namespace strata::actors {

caf::behavior mover(caf::event_based_actor* self, const node_services* services);

}  // namespace strata::actors
