// strata serve and strata import: the embedded server, and creating its world from a client.
#include <caf/all.hpp>

#include <pthread.h>
#include <chrono>
#include <csignal>
#include <cstdio>
#include <thread>

#include "actors/types.hpp"
#include "client/client.hpp"
#include "cmd/client_flags.hpp"
#include "cmd/commands.hpp"
#include "coordinator/cluster.hpp"
#include "coordinator/server.hpp"
#include "geology/dem.hpp"
#include "geology/world_file.hpp"

namespace strata::cmd {

namespace {

// The spec's keys as config flags, so the user's own flags (applied after) win.
std::vector<std::pair<std::string, std::string>> spec_flags(const geo::world_spec& spec) {
  auto number = [](double v) {
    char text[64];
    std::snprintf(text, sizeof text, "%.17g", v);
    return std::string(text);
  };
  return {{"world.name", spec.name},
          {"world.voxel_level", std::to_string(spec.voxel_level)},
          {"world.region_level", std::to_string(spec.region_level)},
          {"world.dz_m", number(spec.dz_m)},
          {"world.z_min_m", number(spec.z_min_m)},
          {"world.z_max_m", number(spec.z_max_m)}};
}

}  // namespace

namespace {

// Blocks until SIGINT or SIGTERM (blocked in every thread by run_serve) and says which came.
void wait_for_stop(const sigset_t& stop_signals) {
  int received = 0;
  sigwait(&stop_signals, &received);
  std::printf("strata serve: %s received, stopping\n", received == SIGINT ? "SIGINT" : "SIGTERM");
  std::fflush(stdout);
}

void print_world(const actors::gateway_target* target, const std::string& address) {
  if (target)
    std::printf("strata serve: serving the world \"%s\"\n", target->spec.name.c_str());
  else
    std::printf(
        "strata serve: no world yet; create one with: strata import --endpoint %s "
        "--world topobathy\n",
        address.c_str());
}

}  // namespace

int run_serve(const args& words) {
  std::string data_dir;
  std::string role = "all";
  flag_parser flags(
      "strata serve",
      "Run a server until SIGINT or SIGTERM. --role all (the default) is the embedded server: "
      "the shard map and one node in this process, serving the client API (docs/api.md). "
      "--role coordinator keeps the cluster's shard map and world and waits for nodes; --role "
      "node joins a coordinator (--join) and serves the client API for the whole cluster "
      "(docs/operations.md). With no world yet, a server waits for `strata import` to create "
      "one.");
  flags.add_text("data", "DIR", "the data directory (created when missing)", &data_dir, true);
  flags.add_text("role", "all|coordinator|node", "what this process runs (default all)", &role);
  flags.add_config("listen", "HOST:PORT", "where clients connect; port 0 picks a free one",
                   "node.listen");
  flags.add_config("join", "HOST:PORT", "a node: the coordinator's cluster address",
                   "cluster.join");
  flags.add_config("cluster-listen", "HOST:PORT",
                   "where other cluster processes connect (a coordinator: 127.0.0.1:7500 by "
                   "default; a node: any free port)",
                   "cluster.listen");
  flags.add_config("node-id", "N", "a node: its id (default: saved in the data directory)",
                   "cluster.node_id");
  flags.add_config("token", "TOKEN",
                   "a bearer token every client must present (or STRATA_GATEWAY_TOKEN)",
                   "gateway.token");
  flags.add_config_file_and_set();
  int status = exit_ok;
  if (!parse_or_exit(flags, words, status))
    return status;
  if (role != "all" && role != "coordinator" && role != "node")
    return report(base::error{base::errc::invalid_argument,
                              "--role is all, coordinator or node, not \"" + role + "\""});
  auto loaded = load_config(flags);
  if (!loaded)
    return report(loaded.error());
  const config::config& settings = *loaded;

  // SIGINT and SIGTERM are taken by sigwait: blocked here, before any thread starts, so every
  // thread inherits the mask.
  sigset_t stop_signals;
  sigemptyset(&stop_signals);
  sigaddset(&stop_signals, SIGINT);
  sigaddset(&stop_signals, SIGTERM);
  pthread_sigmask(SIG_BLOCK, &stop_signals, nullptr);

  caf::actor_system_config cfg;
  actors::register_types(cfg);
  cfg.set("logger.console-verbosity", caf::atom("quiet"));
  cfg.set("logger.file-verbosity", caf::atom("quiet"));
  if (role != "all")
    if (auto ok = coordinator::configure_network(cfg, settings); !ok)
      return report(ok.error());
  {
    caf::actor_system system{cfg};
    if (role == "coordinator") {
      auto c = coordinator::coordinator_process::start(system, settings, data_dir);
      if (!c)
        return report(c.error());
      std::printf("strata serve: coordinator listening for nodes on %s, data in %s\n",
                  (*c)->address().c_str(), data_dir.c_str());
      std::fflush(stdout);
      wait_for_stop(stop_signals);
      c->reset();
    } else if (role == "node") {
      auto n = coordinator::node_process::start(system, settings, data_dir);
      if (!n)
        return report(n.error());
      std::printf(
          "strata serve: node %llu listening on %s, joined %s (cluster port %s), data in %s\n",
          static_cast<unsigned long long>((*n)->id()), (*n)->address().c_str(),
          settings.cluster.join.c_str(), (*n)->cluster_address().c_str(), data_dir.c_str());
      print_world((*n)->target().get(), (*n)->address());
      std::fflush(stdout);
      wait_for_stop(stop_signals);
      // Hand the ranges off before going (Kubernetes' preStop path).
      std::printf("strata serve: node %llu drains before it stops\n",
                  static_cast<unsigned long long>((*n)->id()));
      std::fflush(stdout);
      if (auto drained = (*n)->drain(std::chrono::milliseconds(settings.cluster.drain_timeout_ms));
          !drained)
        std::fprintf(stderr, "strata serve: stopping without a drain: %s\n",
                     drained.error().to_string().c_str());
      n->reset();
    } else {
      auto server = coordinator::server::start(system, settings, data_dir, settings.listen);
      if (!server)
        return report(server.error());
      std::printf("strata serve: listening on %s, data in %s\n", (*server)->address().c_str(),
                  data_dir.c_str());
      print_world((*server)->target().get(), (*server)->address());
      std::fflush(stdout);
      wait_for_stop(stop_signals);
      server->reset();
    }
    // Everything durable is closed. CAF's shutdown waits for every actor: one that never stops
    // (a detached actor nothing links to its owner, as a node's reconnecting link once had) would
    // hang the process. The last resort: exit anyway, and say so (the cluster tests fail on it).
    std::thread([] {
      std::this_thread::sleep_for(std::chrono::seconds(10));
      std::fprintf(stderr, "strata serve: CAF did not stop within 10 s; exiting\n");
      std::fflush(stderr);
      std::_Exit(exit_ok);
    }).detach();
  }
  std::printf("strata serve: stopped\n");
  return exit_ok;
}

int run_import(const args& words) {
  std::string world;
  std::string sample_data = geology::matplotlib_sample_data;
  client_flags connect;
  flag_parser flags("strata import",
                    "Create the server's world from a DEM: a shipped one (topobathy, jacksboro, "
                    "from Debian's python-matplotlib-data) or a raw DEM file (docs/import.md). "
                    "The world spec flags override the spec that suits the shipped DEMs.");
  connect.add_to(flags);
  flags.add_text("world", "NAME|FILE", "topobathy, jacksboro, or a raw DEM file", &world, true);
  flags.add_text("sample-data", "DIR", "where the shipped .npz files are", &sample_data);
  add_world_flags(flags);
  int status = exit_ok;
  if (!parse_or_exit(flags, words, status))
    return status;

  const bool shipped = world == "topobathy" || world == "jacksboro";
  auto terrain = shipped ? geology::load_named(world, sample_data) : geology::load_raw_dem(world);
  if (!terrain)
    return report(terrain.error());
  config::sources from;
  if (!flags.config_file().empty())
    from.file = flags.config_file();
  from.environment = config::process_environment();
  if (shipped)
    from.flags = spec_flags(geology::sample_world_spec(world));
  for (const auto& flag : flags.config_flags())
    from.flags.push_back(flag);
  auto settings = config::load(from);
  if (!settings)
    return report(settings.error());

  auto c = connect.open();
  if (!c)
    return report(c.error());
  const auto started = std::chrono::steady_clock::now();
  const std::string record = geology::serialize(geology::generator_record{{}, *terrain});
  auto made = (*c)->create(settings->world, record);
  if (!made)
    return report(made.error());
  const double seconds =
      std::chrono::duration<double>(std::chrono::steady_clock::now() - started).count();
  const geo::world_spec& spec = made->world;
  std::printf(
      "strata import: the server now serves \"%s\" (%zu x %zu DEM samples; voxel level %d, "
      "region level %d, %g m layers from %g m to %g m) in %.2f s\n",
      spec.name.c_str(), terrain->rows, terrain->columns, spec.voxel_level, spec.region_level,
      spec.dz_m, spec.z_min_m, spec.z_max_m, seconds);
  return exit_ok;
}

}  // namespace strata::cmd
