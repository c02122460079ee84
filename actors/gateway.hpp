// The gateway: the client API (schema/api.capnp, docs/api.md) served over Cap'n Proto RPC.
//
// Its kj event loop runs on a thread of its own; CAF's actors never run there. A call reaches
// the actors through one bridge actor (which keeps the order in which the calls arrived) and its
// answer comes back through a cross-thread promise fulfiller (TOOLCHAIN.md pitfall 5), so neither
// side ever blocks on the other. Streams and change feeds flow the other way through a queue the
// kj thread drains into the client's ChunkSink: a batch is credited to its producer once Cap'n
// Proto's flow control lets the next call go, so a slow client holds back the producer and the
// server keeps at most stream.window_chunks chunks for it.
//
// Every connection gets its own Gate, opened with the bearer token (gateway.token) to reach the
// Strata capability. Limits (gateway.*, stream.*) are checked before any work, and refusals name
// the limit. A client that disconnects cancels its streams, feeds and pushes; updates already
// handed to the router still become durable.
#pragma once

#include <caf/all.hpp>

#include <cstdint>
#include <memory>
#include <string>

#include "actors/protocol.hpp"
#include "base/result.hpp"
#include "config/config.hpp"
#include "geo/world_spec.hpp"
#include "shard/store.hpp"

namespace strata::actors {

/// The world a gateway serves, once there is one.
struct gateway_target {
  router_actor router;
  shard_map_actor shard_map;
  geo::world_spec spec;
  /// The world's generator record (geology::serialize), sent to clients in ServerInfo.
  std::string generator;
};

/// What Strata.stats reports.
struct server_stats {
  shard::census census;
  shard::store_counters counters;
  std::uint64_t disk_bytes = 0;
  std::uint64_t regions_active = 0;
};

/// What the gateway needs from the process around it (coordinator::server). The gateway calls
/// create() and stats() on threads of their own, never on its event loop.
class gateway_backend {
 public:
  virtual ~gateway_backend() = default;
  /// The world being served; null before one exists.
  virtual std::shared_ptr<const gateway_target> target() const = 0;
  /// Makes the world from a spec and a generator record; the same world again is not an error.
  virtual base::status create(const geo::world_spec& spec, const std::string& generator) = 0;
  virtual base::result<server_stats> stats() = 0;
};

class gateway {
 public:
  /// Listens on `listen` ("host:port"; port 0 picks a free one) and serves until stop().
  /// Errors: errc::invalid_argument for an address that does not parse or resolve;
  /// errc::io_error when it cannot listen (the port is taken).
  static base::result<std::unique_ptr<gateway>> start(caf::actor_system& system,
                                                      gateway_backend& backend,
                                                      const config::config& settings,
                                                      const std::string& listen);
  /// Stops: closes every connection (cancelling their streams) and joins the thread.
  ~gateway();
  gateway(const gateway&) = delete;
  gateway& operator=(const gateway&) = delete;

  /// "host:port" with the port actually bound.
  const std::string& address() const;
  std::uint16_t port() const;
  /// Connections open now.
  std::size_t connections() const;
  void stop();

  struct impl;

 private:
  explicit gateway(std::unique_ptr<impl> self);
  std::unique_ptr<impl> self_;
};

}  // namespace strata::actors
