// strata's C++ client library (docs/api.md): a connection to a server's gateway over Cap'n Proto
// RPC, and the decoding of the chunks it streams.
//
//   auto c = strata::client::connection::open({.endpoint = "127.0.0.1:7400"});
//   if (!c) { print(c.error()); return; }
//   auto acks = (*c)->apply(updates);               // durable once returned, retried safely
//   auto stats = (*c)->stream(request, [&](std::vector<streamed_chunk>& batch) { ... });
//
// A connection runs its Cap'n Proto event loop on the thread that opened it, and every call
// blocks that thread until its answer; change feeds deliver while a call or poll() runs. Use one
// connection per thread. Nothing here throws: failures are base::error values with the server's
// code (docs/errors.md), and a lost connection is errc::unavailable.
//
// Retries: apply() and push() resend the updates that have no durable answer yet, with the same
// ids, after reconnecting when the connection was lost, up to `retries` times with a growing
// backoff. The server answers an update applied before "duplicate", so a retry never applies one
// twice.
#pragma once

#include <array>
#include <chrono>
#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <span>
#include <string>
#include <vector>

#include "base/result.hpp"
#include "compression/chunk.hpp"
#include "geo/grid.hpp"
#include "geology/update_codec.hpp"
#include "shard/keys.hpp"
#include "shard/store.hpp"

namespace strata::shard {
struct world;
}

namespace strata::client {

struct options {
  /// "host:port" of any node's gateway.
  std::string endpoint = "127.0.0.1:7400";
  /// The server's bearer token, when it has one.
  std::string token;
  /// How long one call may take before it fails as unavailable.
  std::chrono::milliseconds timeout{60000};
  /// Times apply() and push() reconnect and resend what has no durable answer.
  unsigned retries = 5;
  /// The first retry's wait; each further one waits twice as long.
  std::chrono::milliseconds backoff{100};
};

using update_id = std::array<std::uint8_t, 16>;

/// A random idempotency key.
update_id random_id();
/// 32 hex digits, and back (errc::invalid_argument for anything else).
std::string to_hex(const update_id& id);
base::result<update_id> parse_id(std::string_view hex);

struct material_volume {
  std::uint8_t material = 0;
  double m3 = 0;
};

/// The outcome of one update.
struct ack {
  enum class status : std::uint8_t { applied, duplicate, error };
  update_id id{};
  status state = status::error;
  /// Set when state is error.
  std::optional<base::error> failure;
  std::uint32_t regions_applied = 0;
  std::uint32_t regions_duplicate = 0;
  std::uint64_t chunks_changed = 0;
  std::uint64_t voxels_changed = 0;
  std::vector<material_volume> removed;
  std::vector<material_volume> added;
};
/// "applied", "duplicate" or "error".
std::string_view name(ack::status s);

struct limits {
  std::uint64_t message_bytes_max = 0;
  std::uint32_t batch_updates_max = 0;
  double stream_radius_m_max = 0;
  std::uint64_t stream_chunks_max = 0;
  std::uint32_t streams_per_client_max = 0;
};

struct server_info {
  std::string version;
  std::uint16_t schema_version = 0;
  bool has_world = false;
  geo::world_spec world;
  /// The world's generator record (geology::serialize).
  std::string generator;
  struct limits limits;
};

enum class chunk_source : std::uint8_t { stored, baseline, built };

struct streamed_chunk {
  shard::chunk_key key;
  chunk_source source = chunk_source::stored;
  std::uint64_t version = 0;
  std::uint64_t tick = 0;
  /// The chunk's bytes (docs/format.md); empty for a baseline chunk. They point into the
  /// received message and stay valid until the handler that got the chunk returns: copy them
  /// (or decode the chunk) to keep them.
  std::string_view data;
  /// Set when the server could not read the chunk.
  std::optional<base::error> failure;
};

struct stream_request {
  geo::lat_lng centre;
  double radius_m = 0;
  /// The coarsest LOD wanted (the server caps it).
  std::uint8_t lod_max = 0;
  /// LOD 0 nearer than this; one LOD more per doubling of the distance beyond it. 0: the
  /// server's default.
  double lod_step_m = 0;
  double velocity_east_mps = 0;
  double velocity_north_mps = 0;
};

struct stream_stats {
  /// As the server counted them.
  std::uint64_t chunks = 0;
  std::uint64_t bytes = 0;
  std::uint64_t errors = 0;
  std::uint64_t first_chunk_us = 0;
  std::uint64_t total_us = 0;
  /// As the client saw them: from the call to the first batch and to the end.
  double client_first_chunk_ms = 0;
  double client_total_ms = 0;
};

struct voxel_answer {
  geo::voxel voxel;
  std::uint8_t material = 0;
  std::string material_name;
  std::uint8_t history = 0;
  std::uint64_t version = 0;
  std::uint64_t tick = 0;
};

struct column_layer {
  std::uint8_t material = 0;
  std::string material_name;
  std::uint8_t history = 0;
  double bottom_m = 0;
  double top_m = 0;
};

struct column_answer {
  /// Top down.
  std::vector<column_layer> layers;
  std::uint64_t version = 0;
  std::uint64_t tick = 0;
};

struct region_stats {
  std::uint64_t region = 0;
  std::uint64_t version = 0;
  std::uint64_t tick = 0;
  std::uint64_t updates = 0;
  std::uint64_t node = 0;
  std::uint64_t epoch = 0;
};

struct shard_range {
  std::uint64_t first = 0;
  std::uint64_t last = 0;
  std::uint64_t node = 0;
  std::uint64_t epoch = 0;
  double updates_per_s = 0;
  double reads_per_s = 0;
};

struct shard_node {
  std::uint64_t id = 0;
  /// "up", "unavailable" or "draining".
  std::string state;
  std::uint64_t stored_bytes = 0;
  double updates_per_s = 0;
  double reads_per_s = 0;
  /// host:port of its cluster port.
  std::string address;
};

struct shard_move {
  std::uint64_t first = 0;
  std::uint64_t last = 0;
  std::uint64_t from = 0;
  std::uint64_t to = 0;
  std::string reason;
};

struct shard_map {
  std::uint64_t version = 0;
  std::vector<shard_range> ranges;
  std::vector<shard_node> nodes;
  std::vector<shard_move> moves;
};

struct codec_share {
  std::string codec;
  std::uint64_t chunks = 0;
  std::uint64_t bytes = 0;
};

struct server_stats {
  std::uint64_t regions = 0;
  std::uint64_t chunks = 0;
  std::uint64_t chunk_bytes = 0;
  std::uint64_t disk_bytes = 0;
  std::uint64_t raw_bytes = 0;
  std::vector<std::uint64_t> chunks_per_lod;
  std::vector<codec_share> codecs;
  std::uint64_t updates_applied = 0;
  std::uint64_t updates_duplicate = 0;
  std::uint64_t updates_failed = 0;
  std::uint64_t commits = 0;
  std::uint64_t dirty_chunks = 0;
  std::uint64_t regions_active = 0;
};

/// Receives a stream's or a change feed's chunks, batch by batch, nearest first. The chunks'
/// bytes are valid until it returns.
using chunk_handler = std::function<void(std::vector<streamed_chunk>& batch)>;

class connection;

/// A running change feed; destroying it (or cancel()) stops it. It must not outlive the
/// connection that made it.
class subscription {
 public:
  ~subscription();
  subscription(const subscription&) = delete;
  subscription& operator=(const subscription&) = delete;

  void cancel();
  /// Changed chunks received so far, and resyncs asked for.
  std::uint64_t chunks() const;
  std::uint64_t resyncs() const;
  /// Set when the feed stopped with an error.
  std::optional<base::error> failure() const;

  struct impl;
  explicit subscription(std::unique_ptr<impl> self);

 private:
  std::unique_ptr<impl> self_;
};

class connection {
 public:
  /// Connects and opens the gate with the token. Errors: errc::unavailable (nothing listens,
  /// the connection dropped), errc::unauthenticated (a missing or wrong token),
  /// errc::invalid_argument (an endpoint that is not host:port).
  static base::result<std::unique_ptr<connection>> open(const options& o);
  ~connection();
  connection(const connection&) = delete;
  connection& operator=(const connection&) = delete;

  base::result<server_info> info();

  /// Applies the updates in one call per gateway.batch_updates_max, in order; returns one ack
  /// per update, each durable (or failed). Retries as the header says.
  base::result<std::vector<ack>> apply(std::span<const geology::update> updates);

  /// A streaming push: sends every update, keeping the server's flow control full, and calls
  /// `on_ack` as each becomes durable (in completion order). Returns when every update has an
  /// ack. Retries as the header says.
  base::status push(std::span<const geology::update> updates,
                    const std::function<void(const ack&)>& on_ack, std::size_t batch = 64);

  /// Streams the area into `on_chunks`, then returns the stream's statistics.
  base::result<stream_stats> stream(const stream_request& request, const chunk_handler& on_chunks);

  /// A change feed of the area; chunks arrive in `on_chunks` while this connection runs a call
  /// or poll(). `on_resync` runs when changes may have been missed (read the area again): the
  /// feed fell behind, or a region of the area moved to another node.
  base::result<std::unique_ptr<subscription>> subscribe(const geo::lat_lng& centre, double radius_m,
                                                        chunk_handler on_chunks,
                                                        std::function<void()> on_resync = {});

  base::result<voxel_answer> voxel(const geo::position& at);
  base::result<column_answer> column(const geo::lat_lng& at);
  base::result<region_stats> region(std::uint64_t region);
  base::result<shard_map> map();
  /// Starts handing the node's ranges to other nodes (Strata.drain); the map as it is then.
  base::result<shard_map> drain(std::uint64_t node);
  /// Hands [first, last] to the node and waits until it serves them (Strata.move).
  base::result<shard_map> move(std::uint64_t first, std::uint64_t last, std::uint64_t node);
  base::result<server_stats> stats();

  /// Creates the server's world from a spec and a generator record (what `strata import` does).
  base::result<server_info> create(const geo::world_spec& spec, const std::string& generator);

  /// Runs the event loop for `time`, delivering change feeds.
  void poll(std::chrono::milliseconds time);

  struct impl;

 private:
  explicit connection(std::unique_ptr<impl> self);
  std::unique_ptr<impl> self_;
};

/// Turns streamed chunks into voxels: stored and built chunks with the compression library
/// (which checks their checksums), baseline chunks regenerated from the world's generator.
class chunk_decoder {
 public:
  /// Errors: errc::not_found for a server with no world; the generator record's errors.
  static base::result<std::unique_ptr<chunk_decoder>> make(const server_info& info);
  ~chunk_decoder();

  /// Errors: the chunk's own failure; errc::corrupt_data for bytes that fail their checks.
  base::status decode(const streamed_chunk& chunk, compression::chunk& out) const;
  const geo::grid& grid() const;

 private:
  explicit chunk_decoder(std::unique_ptr<shard::world> w);
  std::unique_ptr<shard::world> world_;
  shard::baseline_source baseline_;
};

}  // namespace strata::client
