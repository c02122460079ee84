#include "coordinator/embedded.hpp"

#include <filesystem>

#include "actors/errors.hpp"
#include "actors/node.hpp"
#include "actors/router.hpp"
#include "coordinator/shard_map.hpp"
#include "shard/options.hpp"

namespace strata::coordinator {

namespace {

constexpr shard::node_id embedded_node = 1;

base::status make_directory(const std::string& path) {
  std::error_code ec;
  std::filesystem::create_directories(path, ec);
  if (ec)
    return base::fail(base::errc::io_error,
                      "cannot create data directory " + path + ": " + ec.message());
  return {};
}

}  // namespace

void stop_actors(caf::actor_system& system, std::initializer_list<caf::actor> actors) {
  caf::scoped_actor self{system};
  for (const caf::actor& a : actors)
    if (a) {
      self->send_exit(a, caf::exit_reason::user_shutdown);
      self->wait_for(a);
    }
}

// -- node_runtime -------------------------------------------------------------------------------

base::result<std::unique_ptr<node_runtime>> node_runtime::start(
    caf::actor_system& system, const config::config& settings, const std::string& store_dir,
    shard::node_id id, actors::shard_map_actor map, importer import) {
  std::unique_ptr<node_runtime> n(new node_runtime(system, id));
  if (auto made = make_directory(store_dir); !made)
    return made.error();
  auto store = shard::store::open(shard::store_options_of(settings.storage, store_dir));
  if (!store)
    return store.error();
  n->store_ = std::move(*store);
  auto world = import ? import(*n->store_) : shard::load_world(*n->store_);
  if (!world)
    return world.error();
  n->world_ = std::move(*world);

  n->recompressor_ = std::make_unique<shard::recompressor>(
      *n->store_, shard::recompressor_options_of(settings.storage));
  n->writer_ = std::make_unique<shard::writer>(
      *n->store_, shard::writer_options_of(settings.storage), n->recompressor_.get());
  n->commits_ = std::make_unique<actors::writer_commits>(*n->writer_);
  n->services_ = std::make_unique<actors::node_services>(
      *n->store_, *n->world_, geology::material_table::defaults(), *n->commits_, settings);
  n->node_ = system.spawn(actors::node, id, n->services_.get(), map);
  n->router_ =
      system.spawn(actors::router, &n->services_->context, settings, n->store_->lod_max(), map);

  auto joined = ask<actors::map_view>(system, settings, map, actors::join_atom::value, id,
                                      caf::actor_cast<caf::actor>(n->node_));
  if (!joined)
    return joined.error();
  // Heartbeats from now on: the node's lease, and the router's subscription kept with it.
  caf::anon_send(n->node_, actors::join_atom::value, caf::actor_cast<caf::actor>(n->router_));
  caf::anon_send(n->node_, actors::renew_atom::value);
  return n;
}

node_runtime::~node_runtime() {
  stop_actors(system_, {caf::actor_cast<caf::actor>(router_), caf::actor_cast<caf::actor>(node_)});
  // The node's own actors stop after it: none may be using the store when it closes.
  if (services_)
    services_->children.wait_for_none();
  if (writer_)
    writer_->stop();
  if (recompressor_)
    recompressor_->stop();
}

// -- embedded -----------------------------------------------------------------------------------

base::result<std::unique_ptr<embedded>> embedded::start(caf::actor_system& system,
                                                        const config::config& settings,
                                                        const std::string& data_dir,
                                                        importer import) {
  std::unique_ptr<embedded> e(new embedded(system));
  if (auto made = make_directory(data_dir + "/coordinator"); !made)
    return made.error();
  auto map_file = shard::map_store::open(data_dir + "/coordinator");
  if (!map_file)
    return map_file.error();
  e->map_file_ = std::move(*map_file);
  auto saved = e->map_file_->load();
  if (!saved)
    return saved.error();
  // On the scheduler, not detached: see shard_map.hpp.
  e->map_ =
      system.spawn(coordinator::shard_map, e->map_file_.get(), saved->value_or(shard::shard_map{}),
                   actors::world_record{}, settings.cluster);
  auto node = node_runtime::start(system, settings, data_dir + "/node", embedded_node, e->map_,
                                  std::move(import));
  if (!node)
    return node.error();
  e->node_ = std::move(*node);

  // Own everything unless the saved map already says so (a map file from an older layout).
  auto view = ask<actors::map_view>(system, settings, e->map_, actors::map_atom::value);
  if (!view)
    return view.error();
  const shard::shard_range* all = view->map.find(0);
  const bool owned = view->map.ranges.size() == 1 && all && all->node == embedded_node &&
                     all->first == 0 && all->last == ~std::uint64_t{0};
  if (!owned)
    if (auto assigned = ask<actors::map_view>(system, settings, e->map_, actors::assign_atom::value,
                                              std::uint64_t{0}, ~std::uint64_t{0}, embedded_node);
        !assigned)
      return assigned.error();
  return e;
}

embedded::~embedded() {
  node_.reset();
  stop_actors(system_, {caf::actor_cast<caf::actor>(map_)});
}

}  // namespace strata::coordinator
