// The cluster's processes (DESIGN.md §5, docs/operations.md).
//
// A coordinator keeps the shard map and the world in its data directory and publishes the
// shard-map actor through CAF's network layer. A node joins it from a process of its own: it
// takes the world from the coordinator (or gives it one, when a client creates the world through
// this node), stores its share of the regions, and serves the client API for every region,
// routing each request by the map to the node that owns it. Each node listens on a cluster port
// of its own, says in its heartbeats where it is reached, and dials the other nodes there, so
// their traffic does not pass through the coordinator. With cluster.tls=1 every one of these
// connections is TLS through CAF's OpenSSL module.
#pragma once

#include <caf/all.hpp>

#include <atomic>
#include <condition_variable>
#include <memory>
#include <mutex>
#include <string>
#include <thread>
#include <utility>

#include "actors/gateway.hpp"
#include "base/result.hpp"
#include "config/config.hpp"
#include "coordinator/embedded.hpp"

namespace strata::coordinator {

/// Loads CAF's network layer into `cfg`, with heartbeats every cluster.heartbeat_ms, and with
/// cluster.tls=1 CAF's OpenSSL module, so that every cluster connection is TLS and both ends
/// present a certificate that chains to cluster.tls_ca. Errors: errc::invalid_config naming a
/// TLS file that is missing or unreadable, a key that is not the certificate's, or a certificate
/// the CA does not vouch for.
base::status configure_network(caf::actor_system_config& cfg, const config::config& settings);

/// errc::invalid_config when `system` was not configured by configure_network for `settings`.
base::status check_transport(caf::actor_system& system, const config::config& settings);

/// "host:port"; errc::invalid_argument naming the text.
base::result<std::pair<std::string, std::uint16_t>> split_host_port(const std::string& endpoint);

/// The gateway's view of a running node: its router, the map, the world and its generator record.
std::shared_ptr<const actors::gateway_target> make_target(const actors::router_actor& router,
                                                          const actors::shard_map_actor& map,
                                                          const shard::world& world,
                                                          std::string generator);

/// The stats a node reports for Strata.stats: a census of its store and its counters.
base::result<actors::server_stats> stats_of(caf::actor_system& system,
                                            const config::config& settings, shard::store& store,
                                            const actors::node_actor& node);

class coordinator_process {
 public:
  /// Opens the map file in data_dir/coordinator and publishes the shard-map actor on
  /// cluster.listen (127.0.0.1:7500 when empty). Errors: the map file's; errc::io_error when the
  /// port cannot be opened.
  static base::result<std::unique_ptr<coordinator_process>> start(caf::actor_system& system,
                                                                  const config::config& settings,
                                                                  const std::string& data_dir);
  /// Stops publishing, then stops the shard-map actor.
  ~coordinator_process();
  coordinator_process(const coordinator_process&) = delete;
  coordinator_process& operator=(const coordinator_process&) = delete;

  /// host:port nodes join, with the port actually bound.
  const std::string& address() const { return address_; }
  actors::shard_map_actor shard_map() const { return map_; }

 private:
  explicit coordinator_process(caf::actor_system& system) : system_(system) {}

  caf::actor_system& system_;
  std::unique_ptr<shard::map_store> file_;
  actors::shard_map_actor map_;
  std::uint16_t port_ = 0;
  std::string address_;
};

class node_process final : public actors::gateway_backend {
 public:
  /// Reaches the coordinator at cluster.join (retrying for cluster.join_timeout_ms), accepts
  /// other nodes on cluster.listen (127.0.0.1 on any port when empty), takes its id
  /// (cluster.node_id, or the one saved in data_dir/node-id, or a new one saved there), and
  /// serves clients on node.listen. When the coordinator has a world the node starts at once,
  /// its store in data_dir/node; otherwise it waits for one, from create() or from another node.
  /// Errors: errc::invalid_argument for a missing or malformed cluster.join; errc::unavailable
  /// when the coordinator cannot be reached; the store's, the world's and the gateway's.
  static base::result<std::unique_ptr<node_process>> start(caf::actor_system& system,
                                                           const config::config& settings,
                                                           const std::string& data_dir);
  /// Stops the gateway (closing every connection), then the node's actors and write path.
  ~node_process() override;

  shard::node_id id() const { return id_; }
  /// host:port clients connect to.
  const std::string& address() const { return gateway_->address(); }
  /// host:port other nodes connect to.
  const std::string& cluster_address() const { return cluster_address_; }
  /// The running node; null while the cluster has no world.
  node_runtime* runtime();

  /// Asks the coordinator to hand this node's ranges to others and waits until it owns none,
  /// at most `timeout` (what SIGTERM does before the node stops: Kubernetes' preStop path).
  /// Errors: the coordinator's (errc::unavailable when no other node is up), errc::unavailable
  /// past the timeout.
  base::status drain(std::chrono::milliseconds timeout);

  std::shared_ptr<const actors::gateway_target> target() const override;
  base::status create(const geo::world_spec& spec, const std::string& generator) override;
  base::result<actors::server_stats> stats() override;

 private:
  node_process(caf::actor_system& system, const config::config& settings, std::string data_dir)
      : system_(system), settings_(settings), data_dir_(std::move(data_dir)) {}
  // Starts the node on the coordinator's world. Called with lock_ held.
  base::status run(const actors::world_record& world);
  // Asks the coordinator for its world until there is one or the process stops.
  void wait_for_world();

  caf::actor_system& system_;
  config::config settings_;
  std::string data_dir_;
  shard::node_id id_ = 0;
  std::string cluster_address_;
  // The link to the coordinator (reconnecting), and the same as a shard-map handle.
  caf::actor link_;
  actors::shard_map_actor map_;
  // Keeps direct connections to the other nodes.
  caf::actor dialer_;

  mutable std::mutex lock_;
  std::condition_variable stopping_changed_;
  bool stopping_ = false;
  std::unique_ptr<node_runtime> runtime_;
  std::shared_ptr<const actors::gateway_target> target_;
  std::thread waiter_;
  std::unique_ptr<actors::gateway> gateway_;
};

}  // namespace strata::coordinator
