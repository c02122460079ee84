// For actor tests: an actor system on CAF 0.17's deterministic scheduler (STYLE.md rule 14),
// and a real world in a temporary LMDB environment whose commits run only when the test says.
#pragma once

#include <caf/all.hpp>
#include <caf/scheduler/test_coordinator.hpp>

#include <memory>
#include <optional>

#include "actors/errors.hpp"
#include "actors/protocol.hpp"
#include "actors/services.hpp"
#include "actors/types.hpp"
#include "base/assert.hpp"
#include "base/testing.hpp"
#include "geology/dem.hpp"
#include "geology/update_codec.hpp"

namespace strata::actors::testing {

/// An actor system whose actors run only when run() is called, on the test's thread, and whose
/// clock moves only when advance() is called.
class deterministic {
 public:
  deterministic() : system_(configure(config_)) {}
  caf::actor_system& system() { return system_; }
  caf::scheduler::test_coordinator& scheduler() {
    return dynamic_cast<caf::scheduler::test_coordinator&>(system_.scheduler());
  }
  /// Runs every actor until nothing is left to do.
  std::size_t run() { return scheduler().run(); }
  /// Moves the clock, fires what fell due, and runs.
  void advance(std::chrono::milliseconds by) {
    scheduler().clock().advance_time(by);
    run();
  }

 private:
  static caf::actor_system_config& configure(caf::actor_system_config& config) {
    register_types(config);
    config.set("scheduler.policy", caf::atom("testing"));
    config.set("logger.file-verbosity", caf::atom("quiet"));
    config.set("logger.console-verbosity", caf::atom("quiet"));
    return config;
  }
  caf::actor_system_config config_;
  caf::actor_system system_;
};

/// Jacksboro's real terrain imported into a fresh store, with commits the test runs.
struct world {
  explicit world(config::config settings = {}) : dir("actors") {
    shard::store_options options;
    options.directory = dir.path();
    options.lod_max = static_cast<std::uint8_t>(settings.storage.lod_max);
    options.log = [](std::string_view) {};
    auto opened = shard::store::open(options);
    STRATA_ASSERT(opened.ok(), "a store in a fresh temporary directory");
    store = std::move(*opened);
    auto terrain = geology::load_named("jacksboro");
    STRATA_ASSERT(terrain.ok(), "matplotlib's sample data is installed");
    auto made = shard::import_world(*store, geology::sample_world_spec("jacksboro"),
                                    geology::generator_record{{}, std::move(*terrain)});
    STRATA_ASSERT(made.ok(), "the sample world imports");
    imported = std::move(*made);
    commits = std::make_unique<manual_commits>(*store);
    services = std::make_unique<node_services>(
        *store, *imported, geology::material_table::defaults(), *commits, std::move(settings));
    services->detached_readers = false;
  }

  const geo::grid& grid() const { return imported->grid; }

  base::temp_dir dir;
  std::unique_ptr<shard::store> store;
  std::unique_ptr<shard::world> imported;
  std::unique_ptr<manual_commits> commits;
  std::unique_ptr<node_services> services;
};

/// The reply to a request made by `self`, once the actors ran: never blocks. An error reply is
/// its base::error; no reply at all is errc::not_found "no reply yet".
template <class T, class Handle>
base::result<T> reply(caf::scoped_actor& self, Handle& handle) {
  if (self->mailbox().empty())
    return base::fail(base::errc::not_found, "no reply yet");
  std::optional<T> value;
  caf::error failure;
  handle.receive([&](T& v) { value = std::move(v); }, [&](caf::error& e) { failure = e; });
  if (value)
    return std::move(*value);
  return from_caf(failure);
}

/// The whole id space assigned to node `id` at `epoch`.
inline map_view whole_map(shard::node_id id, std::uint64_t epoch, caf::actor handle = {}) {
  map_view view;
  view.map.version = epoch;
  view.map.ranges.push_back({0, ~std::uint64_t{0}, id, epoch});
  if (handle)
    view.nodes.push_back({id, handle});
  return view;
}

/// An update setting one voxel, as bytes.
inline std::string set_voxel(std::uint8_t id, const geo::voxel& v, std::uint8_t material,
                             std::uint64_t tick = 1) {
  geology::update u;
  u.id[0] = id;
  u.id[15] = 0x5a;
  u.tick = tick;
  u.process = geology::set_voxels_update{{{v, material}}};
  return geology::serialize(u);
}

}  // namespace strata::actors::testing
