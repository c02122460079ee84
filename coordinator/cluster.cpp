#include "coordinator/cluster.hpp"

#include "coordinator/shard_map.hpp"

#include <caf/io/all.hpp>

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <random>

#include "actors/errors.hpp"
#include "actors/routing.hpp"
#include "geology/world_file.hpp"
#include "shard/world.hpp"

namespace strata::coordinator {

namespace {

// The node id saved in the data directory, or a new one saved there. Ids fit in 53 bits, so
// config files and JSON carry them exactly.
base::result<shard::node_id> saved_node_id(const std::string& data_dir) {
  const std::string path = data_dir + "/node-id";
  if (std::ifstream in(path); in) {
    std::uint64_t id = 0;
    if (in >> id && id > 0)
      return id;
    return base::fail(base::errc::corrupt_data, path + " does not hold a node id");
  }
  std::mt19937_64 random(std::random_device{}());
  const shard::node_id id = random() % ((std::uint64_t{1} << 53) - 1) + 1;
  const std::string temporary = path + ".new";
  {
    std::ofstream out(temporary, std::ios::trunc);
    out << id << "\n";
    out.flush();
    if (!out)
      return base::fail(base::errc::io_error, "cannot write " + temporary);
  }
  std::error_code ec;
  std::filesystem::rename(temporary, path, ec);
  if (ec)
    return base::fail(base::errc::io_error, "cannot write " + path + ": " + ec.message());
  return id;
}

// -- the link to the coordinator --------------------------------------------------------------

using connect_atom = caf::atom_constant<caf::atom("connect")>;

struct link_state {
  static inline const char* name = "strata.coordinator_link";
  caf::actor upstream;
  caf::actor connector;
  shard::node_id id = 0;
};

// Reaches the coordinator at host:port, retrying every 250 ms, and sends the link its handle.
caf::behavior connector(caf::event_based_actor* self, caf::actor link, std::string host,
                        std::uint16_t port) {
  self->send(self, connect_atom::value);
  return {
      [self, link, host, port](connect_atom) {
        auto map = self->system().middleman().remote_actor<actors::shard_map_actor>(host, port);
        if (map) {
          self->send(link, connect_atom::value, caf::actor_cast<caf::actor>(*map));
          self->quit();
          return;
        }
        self->delayed_send(self, std::chrono::milliseconds(250), connect_atom::value);
      },
  };
}

// Forwards a request to the coordinator, or answers errc::unavailable while it is unreachable.
template <class... Ts>
caf::result<caf::message> forward(caf::stateful_actor<link_state>* self, Ts&&... xs) {
  if (!self->state.upstream)
    return actors::to_caf(base::errc::unavailable, "the coordinator is unreachable; node " +
                                                       std::to_string(self->state.id) +
                                                       " keeps trying to reach it");
  auto promise = self->make_response_promise();
  promise.delegate(self->state.upstream, std::forward<Ts>(xs)...);
  return promise;
}

// The node's side of the coordinator: every local actor talks to the shard map through it. When
// the connection drops (the coordinator restarted or moved), it reconnects in the background and
// requests meanwhile fail at once as unavailable; the node's next heartbeat joins again and
// subscribes its actors to the map again.
caf::behavior coordinator_link(caf::stateful_actor<link_state>* self, caf::actor upstream,
                               shard::node_id id, std::string host, std::uint16_t port) {
  self->state.upstream = upstream;
  self->state.id = id;
  self->monitor(upstream);
  self->set_down_handler([self, host, port](const caf::down_msg& down) {
    link_state& st = self->state;
    if (!st.upstream || down.source != st.upstream.address())
      return;
    std::fprintf(stderr, "strata node %llu: lost the coordinator (%s); reconnecting\n",
                 static_cast<unsigned long long>(st.id), caf::to_string(down.reason).c_str());
    st.upstream = nullptr;
    if (!st.connector)
      st.connector =
          self->spawn<caf::detached>(connector, caf::actor_cast<caf::actor>(self), host, port);
  });
  using namespace actors;
  return {
      [self](connect_atom, caf::actor& upstream) {
        link_state& st = self->state;
        st.connector = nullptr;
        st.upstream = upstream;
        self->monitor(upstream);
        std::fprintf(stderr, "strata node %llu: reached the coordinator again\n",
                     static_cast<unsigned long long>(st.id));
      },
      [self](map_atom a) { return forward(self, a); },
      [self](lookup_atom a, std::uint64_t r) { return forward(self, a, r); },
      [self](join_atom a, shard::node_id n, caf::actor& h) { return forward(self, a, n, h); },
      [self](assign_atom a, std::uint64_t f, std::uint64_t l, shard::node_id n) {
        return forward(self, a, f, l, n);
      },
      [self](subscribe_atom a, caf::actor& s) {
        if (self->state.upstream)
          self->send(self->state.upstream, a, s);
      },
      [self](world_atom a) { return forward(self, a); },
      [self](world_atom a, world_record& w) { return forward(self, a, std::move(w)); },
      [self](renew_atom a, shard::node_id n, node_report& r) {
        return forward(self, a, n, std::move(r));
      },
      [self](drain_atom a, shard::node_id n) { return forward(self, a, n); },
      [self](move_atom a, std::uint64_t f, std::uint64_t l, shard::node_id n) {
        return forward(self, a, f, l, n);
      },
      [self](settle_atom a, std::uint64_t f, shard::node_id n) { return forward(self, a, f, n); },
  };
}

}  // namespace

void configure_network(caf::actor_system_config& cfg, const config::config& settings) {
  cfg.load<caf::io::middleman>();
  cfg.set("middleman.enable-automatic-connections", true);
  if (settings.cluster.heartbeat_ms > 0) {
    const auto interval = std::chrono::milliseconds(settings.cluster.heartbeat_ms);
    cfg.set("middleman.heartbeat-interval", caf::timespan{interval});
    // A peer silent for three heartbeats is gone.
    cfg.set("middleman.connection-timeout", caf::timespan{3 * interval});
  }
}

base::result<std::pair<std::string, std::uint16_t>> split_host_port(const std::string& endpoint) {
  const auto colon = endpoint.rfind(':');
  char* end = nullptr;
  const unsigned long port =
      colon == std::string::npos ? 70000 : std::strtoul(endpoint.c_str() + colon + 1, &end, 10);
  if (colon == std::string::npos || colon == 0 || end == endpoint.c_str() + colon + 1 ||
      *end != '\0' || port > 65535)
    return base::fail(base::errc::invalid_argument,
                      "\"" + endpoint + "\" is not host:port (e.g. 127.0.0.1:7500)");
  return std::pair{endpoint.substr(0, colon), static_cast<std::uint16_t>(port)};
}

std::shared_ptr<const actors::gateway_target> make_target(const actors::router_actor& router,
                                                          const actors::shard_map_actor& map,
                                                          const shard::world& world,
                                                          std::string generator) {
  auto target = std::make_shared<actors::gateway_target>();
  target->router = router;
  target->shard_map = map;
  target->spec = world.grid.spec();
  target->generator = std::move(generator);
  return target;
}

base::result<actors::server_stats> stats_of(caf::actor_system& system,
                                            const config::config& settings, shard::store& store,
                                            const actors::node_actor& node) {
  actors::server_stats out;
  auto census = store.take_census();
  if (!census)
    return census.error();
  out.census = std::move(*census);
  out.counters = store.counters();
  out.disk_bytes = store.stored_bytes();
  auto node_stats = ask<actors::node_stats>(system, settings, node, actors::stats_atom::value);
  if (!node_stats)
    return node_stats.error();
  out.regions_active = node_stats->regions_active;
  return out;
}

// -- the coordinator ----------------------------------------------------------------------------

base::status check_transport(const config::config& settings) {
  if (settings.cluster.tls != 0)
    return base::fail(base::errc::invalid_config,
                      "cluster.tls=1: TLS between cluster processes is not available in this "
                      "build yet; run the cluster on a private network, or with cluster.tls=0");
  return {};
}

base::result<std::unique_ptr<coordinator_process>> coordinator_process::start(
    caf::actor_system& system, const config::config& settings, const std::string& data_dir) {
  if (auto ok = check_transport(settings); !ok)
    return ok.error();
  std::unique_ptr<coordinator_process> c(new coordinator_process(system));
  auto where =
      split_host_port(settings.cluster.listen.empty() ? "127.0.0.1:7500" : settings.cluster.listen);
  if (!where)
    return where.error();
  std::error_code ec;
  std::filesystem::create_directories(data_dir + "/coordinator", ec);
  if (ec)
    return base::fail(base::errc::io_error,
                      "cannot create data directory " + data_dir + ": " + ec.message());
  auto file = shard::map_store::open(data_dir + "/coordinator");
  if (!file)
    return file.error();
  c->file_ = std::move(*file);
  auto map = c->file_->load();
  if (!map)
    return map.error();
  auto world = c->file_->load_world();
  if (!world)
    return world.error();
  actors::world_record record;
  if (*world)
    record = {(*world)->first, (*world)->second};
  // The map's saves fsync: its own thread.
  c->map_ = system.spawn<caf::detached>(coordinator::shard_map, c->file_.get(),
                                        map->value_or(shard::shard_map{}), std::move(record),
                                        settings.cluster);
  auto port = system.middleman().publish(c->map_, where->second, where->first.c_str(), true);
  if (!port)
    return base::fail(base::errc::io_error, "cannot listen for nodes on " +
                                                settings.cluster.listen + ": " +
                                                system.render(port.error()));
  c->port_ = *port;
  c->address_ = where->first + ":" + std::to_string(*port);
  return c;
}

coordinator_process::~coordinator_process() {
  if (port_ != 0)
    (void)system_.middleman().unpublish(map_, port_);
  stop_actors(system_, {caf::actor_cast<caf::actor>(map_)});
}

// -- a node -------------------------------------------------------------------------------------

base::result<std::unique_ptr<node_process>> node_process::start(caf::actor_system& system,
                                                                const config::config& settings,
                                                                const std::string& data_dir) {
  if (auto ok = check_transport(settings); !ok)
    return ok.error();
  std::unique_ptr<node_process> n(new node_process(system, settings, data_dir));
  if (settings.cluster.join.empty())
    return base::fail(base::errc::invalid_argument,
                      "a node needs the coordinator's address: cluster.join (--join HOST:PORT)");
  auto coordinator = split_host_port(settings.cluster.join);
  if (!coordinator)
    return coordinator.error();
  auto listen =
      split_host_port(settings.cluster.listen.empty() ? "127.0.0.1:0" : settings.cluster.listen);
  if (!listen)
    return listen.error();
  std::error_code ec;
  std::filesystem::create_directories(data_dir, ec);
  if (ec)
    return base::fail(base::errc::io_error,
                      "cannot create data directory " + data_dir + ": " + ec.message());
  if (settings.cluster.node_id != 0) {
    n->id_ = settings.cluster.node_id;
  } else {
    auto id = saved_node_id(data_dir);
    if (!id)
      return id.error();
    n->id_ = *id;
  }

  // Other nodes connect here once they learn of this node's actors.
  auto port = system.middleman().open(listen->second, listen->first.c_str(), true);
  if (!port)
    return base::fail(base::errc::io_error, "cannot listen for other nodes on " +
                                                settings.cluster.listen + ": " +
                                                system.render(port.error()));
  n->cluster_address_ = listen->first + ":" + std::to_string(*port);

  const auto deadline = std::chrono::steady_clock::now() +
                        std::chrono::milliseconds(settings.cluster.join_timeout_ms);
  for (;;) {
    auto map = system.middleman().remote_actor<actors::shard_map_actor>(coordinator->first,
                                                                        coordinator->second);
    if (map) {
      n->link_ = system.spawn(coordinator_link, caf::actor_cast<caf::actor>(*map), n->id_,
                              coordinator->first, coordinator->second);
      n->map_ = caf::actor_cast<actors::shard_map_actor>(n->link_);
      break;
    }
    if (std::chrono::steady_clock::now() >= deadline)
      return base::fail(base::errc::unavailable, "cannot reach the coordinator at " +
                                                     settings.cluster.join + ": " +
                                                     system.render(map.error()));
    std::this_thread::sleep_for(std::chrono::milliseconds(200));
  }

  auto world = ask<actors::world_record>(system, settings, n->map_, actors::world_atom::value);
  if (!world)
    return world.error();
  if (!world->empty()) {
    std::lock_guard guard(n->lock_);
    if (auto running = n->run(*world); !running)
      return running.error();
  } else {
    n->waiter_ = std::thread([self = n.get()] { self->wait_for_world(); });
  }
  auto g = actors::gateway::start(system, *n, settings, settings.listen);
  if (!g)
    return g.error();
  n->gateway_ = std::move(*g);
  return n;
}

base::status node_process::drain(std::chrono::milliseconds timeout) {
  if (!runtime())
    return {};
  auto started = ask<actors::map_view>(system_, settings_, map_, actors::drain_atom::value, id_);
  if (!started)
    return started.error();
  const auto deadline = std::chrono::steady_clock::now() + timeout;
  for (;;) {
    auto view = ask<actors::map_view>(system_, settings_, map_, actors::map_atom::value);
    if (view && std::none_of(view->map.ranges.begin(), view->map.ranges.end(),
                             [&](const shard::shard_range& r) { return r.node == id_; }))
      return {};
    if (std::chrono::steady_clock::now() >= deadline)
      return base::fail(base::errc::unavailable,
                        "node " + std::to_string(id_) + " still owns ranges after " +
                            std::to_string(timeout.count()) + " ms (cluster.drain_timeout_ms)");
    std::this_thread::sleep_for(std::chrono::milliseconds(100));
  }
}

node_process::~node_process() {
  if (gateway_)
    gateway_->stop();
  {
    std::lock_guard guard(lock_);
    stopping_ = true;
  }
  stopping_changed_.notify_all();
  if (waiter_.joinable())
    waiter_.join();
  {
    std::lock_guard guard(lock_);
    target_.reset();
    runtime_.reset();
  }
  stop_actors(system_, {link_});
}

node_runtime* node_process::runtime() {
  std::lock_guard guard(lock_);
  return runtime_.get();
}

std::shared_ptr<const actors::gateway_target> node_process::target() const {
  std::lock_guard guard(lock_);
  return target_;
}

base::status node_process::run(const actors::world_record& world) {
  if (runtime_)
    return {};
  auto spec = geo::parse_world_spec(world.spec);
  if (!spec)
    return base::fail(base::errc::corrupt_data,
                      "the coordinator's world spec: " + spec.error().message);
  auto record = geology::parse_generator_record(world.generator);
  if (!record)
    return base::fail(base::errc::corrupt_data,
                      "the coordinator's generator record: " + record.error().message);
  config::config settings = settings_;
  settings.world = *spec;
  auto started = node_runtime::start(
      system_, settings, data_dir_ + "/node", id_, map_,
      [&](shard::store& store) { return shard::import_world(store, *spec, *record); });
  if (!started)
    return started.error();
  runtime_ = std::move(*started);
  target_ = make_target(runtime_->router(), map_, runtime_->world(), world.generator);
  return {};
}

void node_process::wait_for_world() {
  std::unique_lock guard(lock_);
  while (!stopping_ && !runtime_) {
    guard.unlock();
    auto world = ask<actors::world_record>(system_, settings_, map_, actors::world_atom::value);
    guard.lock();
    if (world && !world->empty() && !stopping_)
      if (auto running = run(*world); !running)
        std::fprintf(stderr, "strata: node %llu cannot start on the cluster's world: %s\n",
                     static_cast<unsigned long long>(id_), running.error().to_string().c_str());
    stopping_changed_.wait_for(guard, std::chrono::milliseconds(250));
  }
}

base::status node_process::create(const geo::world_spec& spec, const std::string& generator) {
  auto record = geology::parse_generator_record(generator);
  if (!record)
    return record.error();
  actors::world_record world{geo::serialize(spec), geology::serialize(*record)};
  // The coordinator decides: the first world is kept, the same one again is fine, another is
  // refused.
  auto kept = ask<actors::world_record>(system_, settings_, map_, actors::world_atom::value, world);
  if (!kept)
    return kept.error();
  std::lock_guard guard(lock_);
  return run(*kept);
}

base::result<actors::server_stats> node_process::stats() {
  // Once set, the runtime lives until the destructor, which stops the gateway (and waits for
  // this call) first.
  node_runtime* running = runtime();
  if (!running)
    return base::fail(base::errc::not_found, "the cluster has no world yet");
  return stats_of(system_, settings_, running->store(), running->node());
}

}  // namespace strata::coordinator
