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

}  // namespace

base::result<std::unique_ptr<embedded>> embedded::start(caf::actor_system& system,
                                                        const config::config& settings,
                                                        const std::string& data_dir,
                                                        importer import) {
  std::unique_ptr<embedded> e(new embedded(system));
  std::error_code ec;
  std::filesystem::create_directories(data_dir + "/node", ec);
  std::filesystem::create_directories(data_dir + "/coordinator", ec);
  if (ec)
    return base::fail(base::errc::io_error,
                      "cannot create data directory " + data_dir + ": " + ec.message());
  auto store = shard::store::open(shard::store_options_of(settings.storage, data_dir + "/node"));
  if (!store)
    return store.error();
  e->store_ = std::move(*store);
  auto world = import ? import(*e->store_) : shard::load_world(*e->store_);
  if (!world)
    return world.error();
  e->world_ = std::move(*world);
  auto map_file = shard::map_store::open(data_dir + "/coordinator");
  if (!map_file)
    return map_file.error();
  e->map_file_ = std::move(*map_file);
  auto saved = e->map_file_->load();
  if (!saved)
    return saved.error();

  e->recompressor_ = std::make_unique<shard::recompressor>(
      *e->store_, shard::recompressor_options_of(settings.storage));
  e->writer_ = std::make_unique<shard::writer>(
      *e->store_, shard::writer_options_of(settings.storage), e->recompressor_.get());
  e->commits_ = std::make_unique<actors::writer_commits>(*e->writer_);
  e->services_ = std::make_unique<actors::node_services>(
      *e->store_, *e->world_, geology::material_table::defaults(), *e->commits_, settings);

  // The map's saves fsync: its own thread.
  e->map_ =
      system.spawn<caf::detached>(coordinator::shard_map, e->map_file_.get(),
                                  saved->value_or(shard::shard_map{}), actors::world_record{});
  e->node_ = system.spawn(actors::node, embedded_node, e->services_.get(), e->map_);
  e->router_ =
      system.spawn(actors::router, &e->services_->context, settings, e->store_->lod_max(), e->map_);

  // Join, and own everything unless the saved map already says so.
  caf::scoped_actor self{system};
  const auto timeout = std::chrono::milliseconds(settings.actors.request_timeout_ms);
  std::optional<base::error> failure;
  actors::map_view view;
  self->request(e->map_, timeout, actors::join_atom::value, embedded_node,
                caf::actor_cast<caf::actor>(e->node_))
      .receive([&](actors::map_view& v) { view = std::move(v); },
               [&](caf::error& err) { failure = actors::from_caf(err); });
  if (failure)
    return *failure;
  const shard::shard_range* all = view.map.find(0);
  const bool owned = view.map.ranges.size() == 1 && all && all->node == embedded_node &&
                     all->first == 0 && all->last == ~std::uint64_t{0};
  if (!owned)
    self->request(e->map_, timeout, actors::assign_atom::value, std::uint64_t{0}, ~std::uint64_t{0},
                  embedded_node)
        .receive([](actors::map_view&) {},
                 [&](caf::error& err) { failure = actors::from_caf(err); });
  if (failure)
    return *failure;
  return e;
}

embedded::~embedded() {
  caf::scoped_actor self{system_};
  for (const caf::actor& a :
       {caf::actor_cast<caf::actor>(router_), caf::actor_cast<caf::actor>(node_),
        caf::actor_cast<caf::actor>(map_)})
    if (a) {
      self->send_exit(a, caf::exit_reason::user_shutdown);
      self->wait_for(a);
    }
  if (writer_)
    writer_->stop();
  if (recompressor_)
    recompressor_->stop();
}

}  // namespace strata::coordinator
