// The shard-map actor: the authority on which node owns which range of region ids (DESIGN.md §5).
//
// It keeps the map in its own LMDB file (shard::map_store) and saves every change before it
// answers or tells anyone, so a restarted coordinator serves the map it last announced. Nodes
// join with their id and handle; assign gives a range to a node under a new epoch; subscribers
// (nodes, routers) are sent (map_atom, map_view) after every change, and once when they
// subscribe. Saving fsyncs, but only when the map or the world changes (a join, a move, a
// split, create): rare enough for a scheduler thread. It is spawned on the scheduler, not
// detached: with CAF 0.17 a detached actor's thread waits until the actor is destroyed, and when
// a node is killed mid-conversation CAF's network layer can keep a reference to the map past the
// actor system's shutdown, which then never ends (seen in the cluster tests).
//
// Leases: a node's heartbeat (renew) reports its load and renews its lease for
// cluster.lease_ms; a node not heard from for that long, or whose connection drops, is marked
// unavailable, and its ranges stay its own (their data is on its disk): they answer
// "unavailable" until it returns. Nothing is ever reassigned without the owner handing it off,
// so two nodes never accept writes for one region.
//
// Moves (docs/operations.md): every cluster.rebalance_ms the actor plans at most one new move,
// with at most cluster.moves_max in progress: a draining node's ranges first, then a range for a
// node that owns none (splitting the busiest node's range at the median of the world's regions in
// it when it has only one), then load: when the busiest node stays cluster.imbalance_percent above
// the mean for cluster.imbalance_hold_ms, a range of it moves to the least busy. Neighbouring
// ranges of one node merge when both have been cold for cluster.merge_after_ms. A move asks the
// owner to hand the range off (it copies, catches up, fences, copies the rest) and then flips the
// owner under a new epoch, saved before anyone is told; the old owner then drops its copy.
#pragma once

#include <map>
#include <memory>
#include <optional>
#include <set>
#include <vector>

#include "actors/protocol.hpp"
#include "config/config.hpp"

namespace strata::coordinator {

struct shard_map_state {
  static inline const char* name = "strata.shard_map";
  using time_point = caf::actor_clock::time_point;

  shard::map_store* file = nullptr;
  config::cluster_config settings;
  actors::map_view view;
  actors::world_record world;
  std::vector<caf::actor> subscribers;

  struct node_clock {
    time_point lease_until;
    time_point last_report;
  };
  std::map<shard::node_id, node_clock> clocks;
  /// Each range's remembered load, by its first id.
  struct range_memory {
    double updates_per_s = 0;
    double reads_per_s = 0;
    /// When its load was last above cluster.load_floor_per_s, and when it was last changed
    /// (split, moved, merged): recent changes are not undone at once.
    time_point hot_at;
    time_point changed_at;
    /// Its owner found fewer than two of the world's regions in it to split between.
    bool unsplittable = false;
  };
  std::map<std::uint64_t, range_memory> loads;
  struct move_state {
    actors::move_view view;
    std::uint64_t epoch = 0;
    std::vector<caf::typed_response_promise<actors::map_view>> waiters;
  };
  std::map<std::uint64_t, move_state> moves;
  std::optional<time_point> imbalanced_since;
  /// Nodes an operator's move left with nothing: the join rule leaves them empty until they join
  /// again or are given a range (an operator who empties a node means it; load may still fill it).
  std::set<shard::node_id> emptied_by_operator;
  /// A split's point is being asked of a node: no other plan until it answers.
  bool splitting = false;
  /// What was last logged about a plan that cannot go on, so it is said once.
  std::string stuck;
};

/// Starts from `initial` and `world` (what `file` loaded: the caller reads it first, so a file
/// that cannot be read stops the process before anything is served). `file` (may be null: the
/// map then lives in memory only) outlives the actor. Errors of assign: errc::invalid_argument
/// for first > last or a node that has not joined; errc::io_error when the map cannot be saved
/// (the change is then not made). Errors of join and of setting the world: errc::io_error.
actors::shard_map_actor::behavior_type shard_map(
    actors::shard_map_actor::stateful_pointer<shard_map_state> self, shard::map_store* file,
    shard::shard_map initial, actors::world_record world, config::cluster_config settings);

}  // namespace strata::coordinator
