// The embedded server's actors in one process: the shard-map actor, one node over an LMDB
// environment with its writer and recompressor, and a router, with the whole id space assigned to
// the node. The cluster (issue 7) runs the same actors across processes; this is what
// `strata serve`, the benchmarks and the demo start.
#pragma once

#include <caf/all.hpp>

#include <functional>
#include <memory>
#include <string>

#include "actors/protocol.hpp"
#include "actors/services.hpp"
#include "base/result.hpp"
#include "config/config.hpp"
#include "shard/shard_map.hpp"
#include "shard/store.hpp"
#include "shard/world.hpp"
#include "shard/writer.hpp"

namespace strata::coordinator {

class embedded {
 public:
  /// Makes the world in a store with nothing in it (shard::import_world), for start().
  using importer = std::function<base::result<std::unique_ptr<shard::world>>(shard::store&)>;

  /// Opens (or creates) `data_dir`: the node's store in data_dir/node, the shard map in
  /// data_dir/coordinator. With `import`, the world is made by it; otherwise the store must hold
  /// one (errc::not_found otherwise). Blocks until the node has joined and owns every region.
  /// Errors: the store's, the world's, the map file's; errc::unavailable when the actors do not
  /// answer within actors.request_timeout_ms.
  static base::result<std::unique_ptr<embedded>> start(caf::actor_system& system,
                                                       const config::config& settings,
                                                       const std::string& data_dir,
                                                       importer import = {});
  /// Stops the actors, then finishes the commits queued and stops the writer and recompressor.
  ~embedded();
  embedded(const embedded&) = delete;
  embedded& operator=(const embedded&) = delete;

  actors::router_actor router() const { return router_; }
  actors::node_actor node() const { return node_; }
  actors::shard_map_actor shard_map() const { return map_; }
  shard::store& store() { return *store_; }
  const shard::world& world() const { return *world_; }
  shard::recompressor& recompressor() { return *recompressor_; }
  shard::writer& writer() { return *writer_; }

 private:
  explicit embedded(caf::actor_system& system) : system_(system) {}

  caf::actor_system& system_;
  std::unique_ptr<shard::store> store_;
  std::unique_ptr<shard::world> world_;
  std::unique_ptr<shard::recompressor> recompressor_;
  std::unique_ptr<shard::writer> writer_;
  std::unique_ptr<actors::writer_commits> commits_;
  std::unique_ptr<actors::node_services> services_;
  std::unique_ptr<shard::map_store> map_file_;
  actors::shard_map_actor map_;
  actors::node_actor node_;
  actors::router_actor router_;
};

}  // namespace strata::coordinator
