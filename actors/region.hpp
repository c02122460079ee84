// A region actor: one per region a node is using (DESIGN.md §5). The node spawns it on the first
// message for its region and passivates it when it has been idle for actors.region_idle_ms with
// nothing in flight and nobody subscribed, so an idle region costs nothing but its disk.
//
// Writes: each update is planned for this region only (geology::plan with the region as its
// part) and handed to the group commit in arrival order, so updates apply in the order they
// arrived; the reply goes out after the commit, so an acknowledged update is durable. Past
// actors.region_mailbox_max updates queued or in flight, callers get errc::overloaded at once.
//
// Change feeds: after each commit that changed chunks, every subscriber gets
// (changed_atom, region, std::vector<shard::chunk_key>) — a one-way send, so a slow subscriber
// never slows the writer.
//
// Node-local: its messages carry pointers and never leave the process.
#pragma once

#include <memory>
#include <unordered_map>
#include <vector>

#include "actors/protocol.hpp"
#include "actors/services.hpp"
#include "geology/update_codec.hpp"

namespace strata::actors {

/// An update for one region.
struct region_write {
  std::shared_ptr<const geology::update> update;
  /// Its size in bytes, for the group commit's bound.
  std::uint64_t bytes = 0;
};

/// A commit's outcome, from the writer's thread back to the region actor.
struct commit_done {
  std::uint64_t sequence = 0;
  shard::update_ack ack;
  std::shared_ptr<geology::effects> effects;
};

}  // namespace strata::actors

CAF_ALLOW_UNSAFE_MESSAGE_TYPE(strata::actors::region_write)
CAF_ALLOW_UNSAFE_MESSAGE_TYPE(strata::actors::commit_done)

namespace strata::actors {

/// subscribe/unsub add and remove a change-feed actor; sweep asks it to passivate: it answers
/// true and stops when it is idle (nothing in flight or queued, no subscriber), false otherwise.
using region_actor = caf::typed_actor<
    caf::replies_to<apply_atom, region_write>::with<write_reply>,
    caf::reacts_to<done_atom, commit_done>, caf::replies_to<subscribe_atom, caf::actor>::with<bool>,
    caf::reacts_to<unsub_atom, caf::actor>, caf::replies_to<sweep_atom>::with<bool>>;

struct region_state {
  static inline const char* name = "strata.region";
  std::uint64_t region = 0;
  const node_services* services = nullptr;
  std::uint64_t next_sequence = 0;
  std::unordered_map<std::uint64_t, caf::typed_response_promise<write_reply>> in_flight;
  std::vector<caf::actor> subscribers;
};

/// `services` outlives the actor.
region_actor::behavior_type region(region_actor::stateful_pointer<region_state> self,
                                   std::uint64_t region_id, const node_services* services);

}  // namespace strata::actors
