// The messages of strata's actors and their typed interfaces (DESIGN.md §5, docs/actors.md).
//
// Everything here may cross a process boundary (issue 7 puts nodes in other processes), so every
// type has an inspect() and is registered in actors/types.cpp, the one place that lists them.
// Node-local messages (between a node and its region actors, or from its threads) are declared
// beside the actor that receives them and never leave the process.
//
// Failures travel as caf::error in the "strata" category, whose code is base::errc and whose
// context is the message (actors/errors.hpp converts both ways); a request that times out or
// whose receiver died arrives as CAF's own error and is read as errc::unavailable.
//
// Flow control of a stream or a change feed is by credit: the consumer tells the producer how
// many chunks it has taken (credit_atom), and the producer keeps at most a window of chunks
// sent and not yet taken, so a slow consumer bounds what the server holds.
#pragma once

#include <caf/all.hpp>

#include <cstdint>
#include <string>
#include <vector>

#include "geo/grid.hpp"
#include "shard/keys.hpp"
#include "shard/shard_map.hpp"
#include "shard/store.hpp"

namespace strata::actors {

using apply_atom = caf::atom_constant<caf::atom("apply")>;
using read_atom = caf::atom_constant<caf::atom("read")>;
using voxel_atom = caf::atom_constant<caf::atom("voxel")>;
using column_atom = caf::atom_constant<caf::atom("column")>;
using stream_atom = caf::atom_constant<caf::atom("stream")>;
using subscribe_atom = caf::atom_constant<caf::atom("subscribe")>;
using unsub_atom = caf::atom_constant<caf::atom("unsub")>;
using changed_atom = caf::atom_constant<caf::atom("changed")>;
using chunks_atom = caf::atom_constant<caf::atom("chunks")>;
using credit_atom = caf::atom_constant<caf::atom("credit")>;
using cancel_atom = caf::atom_constant<caf::atom("cancel")>;
using done_atom = caf::atom_constant<caf::atom("done")>;
using resync_atom = caf::atom_constant<caf::atom("resync")>;
using map_atom = caf::atom_constant<caf::atom("map")>;
using assign_atom = caf::atom_constant<caf::atom("assign")>;
using join_atom = caf::atom_constant<caf::atom("join")>;
using stats_atom = caf::atom_constant<caf::atom("stats")>;
using sweep_atom = caf::atom_constant<caf::atom("sweep")>;
using flush_atom = caf::atom_constant<caf::atom("flush")>;
using lookup_atom = caf::atom_constant<caf::atom("lookup")>;
using world_atom = caf::atom_constant<caf::atom("world")>;
using renew_atom = caf::atom_constant<caf::atom("renew")>;
using handoff_atom = caf::atom_constant<caf::atom("handoff")>;
using ingest_atom = caf::atom_constant<caf::atom("ingest")>;
using release_atom = caf::atom_constant<caf::atom("release")>;
using drain_atom = caf::atom_constant<caf::atom("drain")>;
using move_atom = caf::atom_constant<caf::atom("move")>;
using split_atom = caf::atom_constant<caf::atom("split")>;
using settle_atom = caf::atom_constant<caf::atom("settle")>;
using tick_atom = caf::atom_constant<caf::atom("tick")>;

// -- writes -------------------------------------------------------------------------------------

/// One owner's part of an update: the update as schema/update.capnp bytes (geology::serialize),
/// the regions of one shard range it covers (sorted), and the range's epoch the router used.
struct write_part {
  std::string update;
  std::vector<std::uint64_t> regions;
  std::uint64_t epoch = 0;
};

struct material_volume {
  std::uint8_t material = 0;
  double m3 = 0;
};

/// What an update did, summed over its regions. Failures are errors, not replies.
struct write_reply {
  /// Regions where it was applied now, and where it had been applied before (a retry).
  std::uint32_t regions_applied = 0;
  std::uint32_t regions_duplicate = 0;
  std::uint64_t chunks_changed = 0;
  std::uint64_t voxels_changed = 0;
  /// Volumes taken out of and put into the world, per material (sparse).
  std::vector<material_volume> removed;
  std::vector<material_volume> added;
};

/// Adds a part's reply to a whole update's.
void merge(write_reply& into, const write_reply& part);

// -- reads --------------------------------------------------------------------------------------

/// Chunks of one shard range, read as a stream sends them.
struct read_request {
  std::vector<shard::chunk_key> keys;
  std::uint64_t epoch = 0;
};

/// shard::encoded_chunk on the wire: `source` is its enum, `error_code` 0 when it was read.
struct chunk_item {
  shard::chunk_key key;
  std::uint8_t source = 0;
  std::string bytes;
  std::uint64_t version = 0;
  std::uint64_t tick = 0;
  std::uint16_t error_code = 0;
  std::string error_message;
};

struct chunk_batch {
  std::vector<chunk_item> chunks;
};

struct voxel_query {
  geo::position at;
  std::uint64_t epoch = 0;
};

struct voxel_answer {
  geo::voxel voxel;
  std::uint8_t material = 0;
  std::uint8_t history = 0;
  /// The chunk's version and the tick of its last change (0 for an untouched chunk).
  std::uint64_t version = 0;
  std::uint64_t tick = 0;
};

struct column_query {
  geo::lat_lng at;
  std::uint64_t epoch = 0;
};

/// A run of one material in a column, from bottom_m up to top_m.
struct column_layer {
  std::uint8_t material = 0;
  /// The OR of the run's history flags.
  std::uint8_t history = 0;
  double bottom_m = 0;
  double top_m = 0;
};

struct column_answer {
  /// Top down: the first layer is the highest.
  std::vector<column_layer> layers;
  /// The newest version and tick among the column's chunks.
  std::uint64_t version = 0;
  std::uint64_t tick = 0;
};

/// A region's state and owner: what Strata.regionStats answers.
struct region_summary {
  std::uint64_t region = 0;
  /// Bumped by every update applied to the region; the tick of the last one.
  std::uint64_t version = 0;
  std::uint64_t tick = 0;
  std::uint64_t updates = 0;
  /// The owner and its range's epoch.
  shard::node_id node = 0;
  std::uint64_t epoch = 0;
};

// -- streams and change feeds -------------------------------------------------------------------

/// An area around a viewer, at a level of detail that falls with distance.
struct stream_request {
  geo::lat_lng centre;
  double radius_m = 0;
  /// The coarsest LOD sent (clipped to what the world keeps).
  std::uint8_t lod_max = 0;
  /// Chunks nearer than this get LOD 0; each doubling of distance beyond it, one LOD more.
  double lod_step_m = 0;
  /// The viewer's velocity, east and north, in metres per second.
  double velocity_east_mps = 0;
  double velocity_north_mps = 0;
};

struct stream_stats {
  std::uint64_t chunks = 0;
  std::uint64_t bytes = 0;
  /// Chunks that could not be read (each was sent with its error).
  std::uint64_t errors = 0;
  /// From the request to the first chunk sent, and to the last, in microseconds.
  std::uint64_t first_chunk_us = 0;
  std::uint64_t total_us = 0;
};

struct subscribe_request {
  geo::lat_lng centre;
  double radius_m = 0;
};

// -- the shard map ------------------------------------------------------------------------------

/// A node as the coordinator sees it.
struct node_entry {
  shard::node_id id = 0;
  /// The node actor (node_actor), as a dynamically typed handle.
  caf::actor handle;
  /// "up"; "unavailable" once its lease lapsed (no heartbeat for cluster.lease_ms) or its
  /// connection dropped; "draining" while its ranges are handed off before it leaves.
  std::string state = "up";
  /// host:port its cluster port is reached at (cluster.advertise), as its last heartbeat said.
  std::string address{};
  /// Its last report, and its load as the coordinator remembers it (moving averages).
  std::uint64_t stored_bytes = 0;
  double updates_per_s = 0;
  double reads_per_s = 0;
};

/// A range's load as the coordinator remembers it (moving averages), by the range's first id.
struct range_load_view {
  std::uint64_t first = 0;
  double updates_per_s = 0;
  double reads_per_s = 0;
};

/// A range being handed from one node to another.
struct move_view {
  std::uint64_t first = 0;
  std::uint64_t last = 0;
  shard::node_id from = 0;
  shard::node_id to = 0;
  /// Why: "join", "drain", "load", or "operator".
  std::string reason;
};

/// The map and how to reach each node in it, with what the coordinator knows of their load.
struct map_view {
  shard::shard_map map;
  std::vector<node_entry> nodes;
  std::vector<range_load_view> loads;
  std::vector<move_view> moves;
  /// The node entry for `id`, or null.
  const node_entry* node(shard::node_id id) const {
    for (const node_entry& n : nodes)
      if (n.id == id)
        return &n;
    return nullptr;
  }
};

// -- leases and load ----------------------------------------------------------------------------

/// What one range of a node did since the node's previous heartbeat.
struct range_activity {
  std::uint64_t first = 0;
  std::uint64_t updates = 0;
  std::uint64_t reads = 0;
};

/// A node's heartbeat: its load since the previous one, and the actors of its process that
/// want the map's changes (the node actor first). Every heartbeat subscribes again those the
/// coordinator lost: CAF may drop a proxy while its actor lives (a connection between two
/// other nodes being set up), and a message from the actor makes a fresh one.
struct node_report {
  std::uint64_t stored_bytes = 0;
  std::vector<range_activity> ranges;
  std::vector<caf::actor> listeners;
  /// host:port other nodes reach this node's cluster port at.
  std::string address;
};

/// The coordinator's answer to a heartbeat: the lease's length from when the node sent it, and
/// the map's version (a node behind it missed a change and asks for the map).
struct lease_grant {
  std::uint64_t lease_ms = 0;
  std::uint64_t map_version = 0;
};

/// The world a cluster serves, as its coordinator keeps it: the spec (geo::serialize) and the
/// generator record (geology::serialize). Both empty while the cluster has no world.
struct world_record {
  std::string spec;
  std::string generator;
  bool empty() const { return spec.empty(); }
  friend bool operator==(const world_record&, const world_record&) = default;
};

struct node_stats {
  std::uint64_t regions_active = 0;
  std::uint64_t regions_spawned = 0;
  std::uint64_t regions_passivated = 0;
  std::uint64_t updates_applied = 0;
  std::uint64_t updates_refused = 0;
  std::uint64_t chunks_read = 0;
  std::uint64_t stored_bytes = 0;
};

// -- interfaces ---------------------------------------------------------------------------------

/// A node: owns the store and its writer, its region actors and its reader threads.
/// subscribe/unsub register a change-feed actor with regions of one range.
using node_actor = caf::typed_actor<
    caf::replies_to<apply_atom, write_part>::with<write_reply>,
    caf::replies_to<read_atom, read_request>::with<chunk_batch>,
    caf::replies_to<voxel_atom, voxel_query>::with<voxel_answer>,
    caf::replies_to<column_atom, column_query>::with<column_answer>,
    caf::replies_to<subscribe_atom, std::vector<std::uint64_t>, std::uint64_t,
                    caf::actor>::with<bool>,
    caf::reacts_to<unsub_atom, std::vector<std::uint64_t>, caf::actor>,
    caf::reacts_to<map_atom, map_view>, caf::replies_to<stats_atom>::with<node_stats>,
    caf::replies_to<stats_atom, std::uint64_t, std::uint64_t>::with<region_summary>,
    caf::reacts_to<sweep_atom>,
    caf::replies_to<handoff_atom, std::uint64_t, std::uint64_t, std::uint64_t, shard::node_id,
                    caf::actor>::with<std::uint64_t>,
    caf::replies_to<ingest_atom, std::vector<shard::region_rows>>::with<std::uint64_t>,
    caf::reacts_to<release_atom, std::uint64_t, std::uint64_t, bool>,
    caf::replies_to<split_atom, std::uint64_t, std::uint64_t>::with<std::uint64_t>,
    caf::reacts_to<settle_atom, std::uint64_t>, caf::reacts_to<renew_atom>,
    caf::reacts_to<join_atom, caf::actor>>;

/// The shard map's authority (coordinator/). lookup answers the range holding a region
/// (errc::not_found when none does); join registers a node (the first to join a map with no
/// ranges is given the whole id space); assign gives a range to a node; subscribers are sent
/// (map_atom, map_view) after every change. It also keeps the cluster's world: (world_atom)
/// answers it (empty when there is none), (world_atom, world_record) sets it once (the same
/// world again is not an error, another is errc::invalid_argument).
///
/// Leases and moves (docs/operations.md): renew is a node's heartbeat; drain hands a node's
/// ranges to others; move hands one range (split off first when it is part of one) to a node
/// and answers once it is done; (settle_atom, first, node) asks whether the range starting at
/// `first` still belongs to `node` (true) or was handed off (false), cancelling a move of it
/// that has not flipped.
using shard_map_actor = caf::typed_actor<
    caf::replies_to<map_atom>::with<map_view>,
    caf::replies_to<lookup_atom, std::uint64_t>::with<shard::shard_range>,
    caf::replies_to<join_atom, shard::node_id, caf::actor>::with<map_view>,
    caf::replies_to<assign_atom, std::uint64_t, std::uint64_t, shard::node_id>::with<map_view>,
    caf::reacts_to<subscribe_atom, caf::actor>, caf::replies_to<world_atom>::with<world_record>,
    caf::replies_to<world_atom, world_record>::with<world_record>,
    caf::replies_to<renew_atom, shard::node_id, node_report>::with<lease_grant>,
    caf::replies_to<drain_atom, shard::node_id>::with<map_view>,
    caf::replies_to<move_atom, std::uint64_t, std::uint64_t, shard::node_id>::with<map_view>,
    caf::replies_to<settle_atom, std::uint64_t, shard::node_id>::with<bool>,
    caf::reacts_to<tick_atom>>;

/// What clients talk to: writes acknowledged once every part is durable; point and column
/// queries; streams and change feeds into a sink actor. A sink receives
///   (chunks_atom, std::uint64_t id, chunk_batch), then (done_atom, std::uint64_t id,
///   stream_stats) or a caf::error, and for a change feed (resync_atom, std::uint64_t id);
/// it sends (credit_atom, std::uint64_t chunks) to the producer actor (the batch's sender) as
/// it consumes, and (cancel_atom) to stop early.
using router_actor = caf::typed_actor<
    caf::replies_to<apply_atom, std::string>::with<write_reply>,
    caf::replies_to<voxel_atom, geo::position>::with<voxel_answer>,
    caf::replies_to<column_atom, geo::lat_lng>::with<column_answer>,
    caf::replies_to<stats_atom, std::uint64_t>::with<region_summary>,
    caf::replies_to<stream_atom, stream_request, caf::actor>::with<caf::actor>,
    caf::replies_to<subscribe_atom, subscribe_request, caf::actor>::with<caf::actor>,
    caf::reacts_to<map_atom, map_view>, caf::reacts_to<tick_atom, std::uint64_t>>;

// -- inspection ---------------------------------------------------------------------------------

template <class Inspector>
typename Inspector::result_type inspect(Inspector& f, write_part& x) {
  return f(caf::meta::type_name("write_part"), x.update, x.regions, x.epoch);
}
template <class Inspector>
typename Inspector::result_type inspect(Inspector& f, material_volume& x) {
  return f(caf::meta::type_name("material_volume"), x.material, x.m3);
}
template <class Inspector>
typename Inspector::result_type inspect(Inspector& f, write_reply& x) {
  return f(caf::meta::type_name("write_reply"), x.regions_applied, x.regions_duplicate,
           x.chunks_changed, x.voxels_changed, x.removed, x.added);
}
template <class Inspector>
typename Inspector::result_type inspect(Inspector& f, read_request& x) {
  return f(caf::meta::type_name("read_request"), x.keys, x.epoch);
}
template <class Inspector>
typename Inspector::result_type inspect(Inspector& f, chunk_item& x) {
  return f(caf::meta::type_name("chunk_item"), x.key, x.source, x.bytes, x.version, x.tick,
           x.error_code, x.error_message);
}
template <class Inspector>
typename Inspector::result_type inspect(Inspector& f, chunk_batch& x) {
  return f(caf::meta::type_name("chunk_batch"), x.chunks);
}
template <class Inspector>
typename Inspector::result_type inspect(Inspector& f, voxel_query& x) {
  return f(caf::meta::type_name("voxel_query"), x.at, x.epoch);
}
template <class Inspector>
typename Inspector::result_type inspect(Inspector& f, voxel_answer& x) {
  return f(caf::meta::type_name("voxel_answer"), x.voxel, x.material, x.history, x.version, x.tick);
}
template <class Inspector>
typename Inspector::result_type inspect(Inspector& f, column_query& x) {
  return f(caf::meta::type_name("column_query"), x.at, x.epoch);
}
template <class Inspector>
typename Inspector::result_type inspect(Inspector& f, column_layer& x) {
  return f(caf::meta::type_name("column_layer"), x.material, x.history, x.bottom_m, x.top_m);
}
template <class Inspector>
typename Inspector::result_type inspect(Inspector& f, column_answer& x) {
  return f(caf::meta::type_name("column_answer"), x.layers, x.version, x.tick);
}
template <class Inspector>
typename Inspector::result_type inspect(Inspector& f, region_summary& x) {
  return f(caf::meta::type_name("region_summary"), x.region, x.version, x.tick, x.updates, x.node,
           x.epoch);
}
template <class Inspector>
typename Inspector::result_type inspect(Inspector& f, stream_request& x) {
  return f(caf::meta::type_name("stream_request"), x.centre, x.radius_m, x.lod_max, x.lod_step_m,
           x.velocity_east_mps, x.velocity_north_mps);
}
template <class Inspector>
typename Inspector::result_type inspect(Inspector& f, stream_stats& x) {
  return f(caf::meta::type_name("stream_stats"), x.chunks, x.bytes, x.errors, x.first_chunk_us,
           x.total_us);
}
template <class Inspector>
typename Inspector::result_type inspect(Inspector& f, subscribe_request& x) {
  return f(caf::meta::type_name("subscribe_request"), x.centre, x.radius_m);
}
template <class Inspector>
typename Inspector::result_type inspect(Inspector& f, node_entry& x) {
  return f(caf::meta::type_name("node_entry"), x.id, x.handle, x.state, x.address, x.stored_bytes,
           x.updates_per_s, x.reads_per_s);
}
template <class Inspector>
typename Inspector::result_type inspect(Inspector& f, range_load_view& x) {
  return f(caf::meta::type_name("range_load_view"), x.first, x.updates_per_s, x.reads_per_s);
}
template <class Inspector>
typename Inspector::result_type inspect(Inspector& f, move_view& x) {
  return f(caf::meta::type_name("move_view"), x.first, x.last, x.from, x.to, x.reason);
}
template <class Inspector>
typename Inspector::result_type inspect(Inspector& f, map_view& x) {
  return f(caf::meta::type_name("map_view"), x.map, x.nodes, x.loads, x.moves);
}
template <class Inspector>
typename Inspector::result_type inspect(Inspector& f, range_activity& x) {
  return f(caf::meta::type_name("range_activity"), x.first, x.updates, x.reads);
}
template <class Inspector>
typename Inspector::result_type inspect(Inspector& f, node_report& x) {
  return f(caf::meta::type_name("node_report"), x.stored_bytes, x.ranges, x.listeners, x.address);
}
template <class Inspector>
typename Inspector::result_type inspect(Inspector& f, lease_grant& x) {
  return f(caf::meta::type_name("lease_grant"), x.lease_ms, x.map_version);
}
template <class Inspector>
typename Inspector::result_type inspect(Inspector& f, world_record& x) {
  return f(caf::meta::type_name("world_record"), x.spec, x.generator);
}
template <class Inspector>
typename Inspector::result_type inspect(Inspector& f, node_stats& x) {
  return f(caf::meta::type_name("node_stats"), x.regions_active, x.regions_spawned,
           x.regions_passivated, x.updates_applied, x.updates_refused, x.chunks_read,
           x.stored_bytes);
}

}  // namespace strata::actors

// Inspection of the lower layers' value types, beside them for argument-dependent lookup.
namespace strata::geo {
template <class Inspector>
typename Inspector::result_type inspect(Inspector& f, lat_lng& x) {
  return f(caf::meta::type_name("lat_lng"), x.lat_deg, x.lng_deg);
}
template <class Inspector>
typename Inspector::result_type inspect(Inspector& f, position& x) {
  return f(caf::meta::type_name("position"), x.lat_deg, x.lng_deg, x.alt_m);
}
template <class Inspector>
typename Inspector::result_type inspect(Inspector& f, voxel& x) {
  return f(caf::meta::type_name("voxel"), x.face, x.i, x.j, x.k);
}
}  // namespace strata::geo

namespace strata::shard {
template <class Inspector>
typename Inspector::result_type inspect(Inspector& f, chunk_key& x) {
  return f(caf::meta::type_name("chunk_key"), x.region, x.lod, x.morton);
}
template <class Inspector>
typename Inspector::result_type inspect(Inspector& f, shard_range& x) {
  return f(caf::meta::type_name("shard_range"), x.first, x.last, x.node, x.epoch);
}
template <class Inspector>
typename Inspector::result_type inspect(Inspector& f, shard_map& x) {
  return f(caf::meta::type_name("shard_map"), x.version, x.ranges);
}
template <class Inspector>
typename Inspector::result_type inspect(Inspector& f, row& x) {
  return f(caf::meta::type_name("row"), x.key, x.value);
}
template <class Inspector>
typename Inspector::result_type inspect(Inspector& f, region_meta& x) {
  return f(caf::meta::type_name("region_meta"), x.version, x.tick, x.updates);
}
template <class Inspector>
typename Inspector::result_type inspect(Inspector& f, region_rows& x) {
  return f(caf::meta::type_name("region_rows"), x.region, x.meta, x.chunks, x.chunk_meta, x.applied,
           x.dirty);
}
}  // namespace strata::shard
