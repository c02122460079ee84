// A node's actors over its store, and the embedded server: the shard-map actor and one node in
// one process.
//
// node_runtime is what every process that stores regions runs: an LMDB store with its writer and
// recompressor, the node actor and a router, joined to a shard-map actor (in the same process, or
// the coordinator's through CAF's network layer). embedded adds the shard-map actor and its file,
// so the node owns the whole id space: what `strata serve --role all`, the benchmarks and the
// demo start.
#pragma once

#include <caf/all.hpp>

#include <chrono>
#include <functional>
#include <memory>
#include <optional>
#include <string>

#include "actors/errors.hpp"
#include "actors/protocol.hpp"
#include "actors/services.hpp"
#include "base/result.hpp"
#include "config/config.hpp"
#include "shard/shard_map.hpp"
#include "shard/store.hpp"
#include "shard/world.hpp"
#include "shard/writer.hpp"

namespace strata::coordinator {

/// Makes the world in a store with nothing in it (shard::import_world).
using importer = std::function<base::result<std::unique_ptr<shard::world>>(shard::store&)>;

class node_runtime {
 public:
  /// Opens (or creates) the store in `store_dir`. With `import`, the world is made by it;
  /// otherwise the store must hold one (errc::not_found otherwise). Then spawns the node actor
  /// (id `id`) and a router on `map`, and joins it. Errors: the store's, the world's, the join's;
  /// errc::unavailable when the map does not answer within actors.request_timeout_ms.
  static base::result<std::unique_ptr<node_runtime>> start(
      caf::actor_system& system, const config::config& settings, const std::string& store_dir,
      shard::node_id id, actors::shard_map_actor map, importer import = {});
  /// Stops the actors, then finishes the commits queued and stops the writer and recompressor.
  ~node_runtime();
  node_runtime(const node_runtime&) = delete;
  node_runtime& operator=(const node_runtime&) = delete;

  shard::node_id id() const { return id_; }
  actors::router_actor router() const { return router_; }
  actors::node_actor node() const { return node_; }
  shard::store& store() { return *store_; }
  const shard::world& world() const { return *world_; }
  shard::recompressor& recompressor() { return *recompressor_; }
  shard::writer& writer() { return *writer_; }

 private:
  node_runtime(caf::actor_system& system, shard::node_id id) : system_(system), id_(id) {}

  caf::actor_system& system_;
  shard::node_id id_;
  std::unique_ptr<shard::store> store_;
  std::unique_ptr<shard::world> world_;
  std::unique_ptr<shard::recompressor> recompressor_;
  std::unique_ptr<shard::writer> writer_;
  std::unique_ptr<actors::writer_commits> commits_;
  std::unique_ptr<actors::node_services> services_;
  actors::node_actor node_;
  actors::router_actor router_;
};

class embedded {
 public:
  using importer = coordinator::importer;

  /// Opens (or creates) `data_dir`: the node's store in data_dir/node, the shard map in
  /// data_dir/coordinator, and starts a node_runtime on it (see there), which owns the whole id
  /// space. Errors: node_runtime::start's and the map file's.
  static base::result<std::unique_ptr<embedded>> start(caf::actor_system& system,
                                                       const config::config& settings,
                                                       const std::string& data_dir,
                                                       importer import = {});
  /// Stops the node, then the shard-map actor.
  ~embedded();
  embedded(const embedded&) = delete;
  embedded& operator=(const embedded&) = delete;

  actors::router_actor router() const { return node_->router(); }
  actors::node_actor node() const { return node_->node(); }
  actors::shard_map_actor shard_map() const { return map_; }
  shard::store& store() { return node_->store(); }
  const shard::world& world() const { return node_->world(); }
  shard::recompressor& recompressor() { return node_->recompressor(); }
  shard::writer& writer() { return node_->writer(); }

 private:
  explicit embedded(caf::actor_system& system) : system_(system) {}

  caf::actor_system& system_;
  std::unique_ptr<shard::map_store> map_file_;
  actors::shard_map_actor map_;
  std::unique_ptr<node_runtime> node_;
};

/// Stops `actors` one after the other, waiting for each to exit (null handles are skipped).
void stop_actors(caf::actor_system& system, std::initializer_list<caf::actor> actors);

/// Asks `handle` from a thread outside the actors and waits for the reply, at most
/// actors.request_timeout_ms (errc::unavailable past it).
template <class T, class Handle, class... Ts>
base::result<T> ask(caf::actor_system& system, const config::config& settings, const Handle& handle,
                    Ts&&... xs) {
  caf::scoped_actor self{system};
  std::optional<base::result<T>> out;
  self->request(handle, std::chrono::milliseconds(settings.actors.request_timeout_ms),
                std::forward<Ts>(xs)...)
      .receive([&](T& value) { out.emplace(std::move(value)); },
               [&](caf::error& e) { out.emplace(actors::from_caf(e)); });
  return std::move(*out);
}

}  // namespace strata::coordinator
