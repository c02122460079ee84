#include "bench/cluster_bench.hpp"

#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <chrono>
#include <cmath>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <map>
#include <memory>
#include <optional>
#include <sstream>
#include <thread>

#include "base/testing.hpp"
#include "bench/common.hpp"
#include "bench/workload.hpp"
#include "client/client.hpp"
#include "config/config.hpp"
#include "geology/dem.hpp"
#include "geology/materials.hpp"
#include "geology/update.hpp"
#include "geology/world_file.hpp"
#include "shard/options.hpp"
#include "shard/store.hpp"

namespace strata::bench {

namespace {

using namespace std::chrono_literals;

// This binary, which the benchmark starts again as `strata serve` processes.
std::string this_binary() {
  std::error_code ec;
  auto path = std::filesystem::read_symlink("/proc/self/exe", ec);
  return ec ? std::string{} : path.string();
}

// CPU seconds (user and system) a process has used so far; 0 once it is gone.
double cpu_seconds(pid_t pid) {
  std::ifstream in("/proc/" + std::to_string(pid) + "/stat");
  std::string text((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
  // The fields after the command name, which is in parentheses and may hold spaces.
  const auto close = text.rfind(')');
  if (close == std::string::npos)
    return 0;
  std::istringstream fields(text.substr(close + 2));
  std::string field;
  double ticks = 0;
  // state is field 3; utime and stime are fields 14 and 15.
  for (int n = 3; n <= 15 && fields >> field; ++n)
    if (n == 14 || n == 15)
      ticks += std::stod(field);
  return ticks / static_cast<double>(sysconf(_SC_CLK_TCK));
}

// A `strata serve` child process, its output in a log file; killed when destroyed.
class server_process {
 public:
  server_process(const std::string& binary, std::string log, std::vector<std::string> args)
      : log_(std::move(log)) {
    args.insert(args.begin(), {binary, "serve"});
    pid_ = ::fork();
    if (pid_ == 0) {
      if (!std::freopen(log_.c_str(), "w", stdout) || !std::freopen(log_.c_str(), "a", stderr))
        ::_exit(126);
      std::vector<char*> argv;
      for (std::string& a : args)
        argv.push_back(a.data());
      argv.push_back(nullptr);
      ::execv(binary.c_str(), argv.data());
      ::_exit(127);
    }
  }
  ~server_process() { kill(); }
  server_process(const server_process&) = delete;
  server_process& operator=(const server_process&) = delete;

  // The word after `marker` on the first line that has it, waiting up to 60 s.
  base::result<std::string> wait_for(const std::string& marker) const {
    for (int n = 0; n < 3000; ++n) {
      if (auto word = word_after(log_, marker))
        return *word;
      int status = 0;
      if (::waitpid(pid_, &status, WNOHANG) == pid_)
        return base::fail(base::errc::unavailable, "a server process stopped: " + output());
      std::this_thread::sleep_for(20ms);
    }
    return base::fail(base::errc::unavailable,
                      "a server process never printed \"" + marker + "\": " + output());
  }
  std::string output() const {
    std::ifstream in(log_);
    std::stringstream all;
    all << in.rdbuf();
    return all.str();
  }
  double cpu() const { return pid_ > 0 ? cpu_seconds(pid_) : 0; }
  void kill() {
    if (pid_ <= 0)
      return;
    ::kill(pid_, SIGKILL);
    int status = 0;
    ::waitpid(pid_, &status, 0);
    pid_ = -1;
  }

 private:
  std::string log_;
  pid_t pid_ = -1;
};

// Processes serving one world: a coordinator and nodes, or one embedded server.
struct deployment {
  explicit deployment(const std::string& name) : dir("bench-cluster-" + name) {
    std::filesystem::create_directories(dir.path());
  }
  base::temp_dir dir;
  std::vector<std::unique_ptr<server_process>> processes;
  // The nodes' client addresses and ids (the embedded server: its address, id 0).
  std::vector<std::string> endpoints;
  std::vector<std::uint64_t> ids;
  // Data directories of the nodes, by id.
  std::map<std::uint64_t, std::string> data;

  double cpu() const {
    double sum = 0;
    for (const auto& p : processes)
      sum += p->cpu();
    return sum;
  }
  // Waits until the processes together use less than a tenth of a core for a second (the world
  // imported and its LOD pyramid built), at most `limit`. The seconds it took.
  double settle(std::chrono::seconds limit) const {
    stopwatch clock;
    double before = cpu();
    while (clock.seconds() + 1 <= static_cast<double>(limit.count())) {
      std::this_thread::sleep_for(1s);
      const double now = cpu();
      if (now - before < 0.1)
        break;
      before = now;
    }
    return clock.seconds();
  }
};

// Settings every cluster process of the benchmark starts with: the defaults, with moves for
// load off (the ingest measures a steady map) and planning every 100 ms.
const std::vector<std::string> cluster_settings = {"--set", "cluster.rebalance_ms=100", "--set",
                                                   "cluster.imbalance_hold_ms=86400000"};

base::result<std::unique_ptr<deployment>> start_embedded(const std::string& binary) {
  auto d = std::make_unique<deployment>("embedded");
  d->processes.push_back(std::make_unique<server_process>(
      binary, d->dir.path() + "/server.log",
      std::vector<std::string>{"--data", d->dir.path() + "/server", "--listen", "127.0.0.1:0"}));
  auto address = d->processes.back()->wait_for("listening on ");
  if (!address)
    return address.error();
  d->endpoints.push_back(*address);
  d->ids.push_back(0);
  return d;
}

base::result<std::unique_ptr<deployment>> start_cluster(const std::string& binary,
                                                        std::size_t nodes) {
  auto d = std::make_unique<deployment>(std::to_string(nodes) + "-nodes");
  std::vector<std::string> args{"--role",           "coordinator",
                                "--data",           d->dir.path() + "/coordinator",
                                "--cluster-listen", "127.0.0.1:0"};
  args.insert(args.end(), cluster_settings.begin(), cluster_settings.end());
  d->processes.push_back(
      std::make_unique<server_process>(binary, d->dir.path() + "/coordinator.log", args));
  auto join = d->processes.back()->wait_for("listening for nodes on ");
  if (!join)
    return join.error();
  for (std::size_t n = 0; n < nodes; ++n) {
    const std::string data = d->dir.path() + "/n" + std::to_string(n);
    std::vector<std::string> node_args{"--role", "node", "--data",   data,
                                       "--join", *join,  "--listen", "127.0.0.1:0"};
    node_args.insert(node_args.end(), cluster_settings.begin(), cluster_settings.end());
    d->processes.push_back(
        std::make_unique<server_process>(binary, data + ".log", std::move(node_args)));
    auto address = d->processes.back()->wait_for(" listening on ");
    auto id = d->processes.back()->wait_for("strata serve: node ");
    if (!address || !id)
      return address ? id.error() : address.error();
    d->endpoints.push_back(*address);
    d->ids.push_back(std::stoull(*id));
    d->data[d->ids.back()] = data + "/node";
  }
  return d;
}

client::options options_for(const std::string& endpoint) {
  client::options o;
  o.endpoint = endpoint;
  o.timeout = 120s;
  return o;
}

// The map once `good` holds, polling for up to `limit`.
template <class Good>
base::result<client::shard_map> wait_for_map(client::connection& c, Good good,
                                             std::chrono::seconds limit) {
  stopwatch clock;
  for (;;) {
    auto map = c.map();
    if (map && good(*map))
      return map;
    if (clock.seconds() > static_cast<double>(limit.count()))
      return base::fail(base::errc::unavailable,
                        map ? "the shard map did not settle" : map.error().to_string());
    std::this_thread::sleep_for(10ms);
  }
}

const client::shard_range* owner_of(const client::shard_map& map, std::uint64_t region) {
  for (const client::shard_range& r : map.ranges)
    if (r.first <= region && region <= r.last)
      return &r;
  return nullptr;
}

// One push of the updates: what it measured.
struct ingest_pass {
  double seconds = 0;
  double updates_per_s = 0;
  // CPU seconds of the server processes, and of this process (the clients), during the push.
  double server_cpu = 0;
  double client_cpu = 0;
  std::uint64_t voxels_changed = 0;
};

// One deployment's ingest.
struct ingest_run {
  std::size_t nodes = 0;  // 0: the embedded server
  double settle_seconds = 0;
  std::vector<ingest_pass> passes;
  ingest_pass median;
  // Voxels the first pass changed (on the fresh world; with several clients the order of updates
  // at one site, and so this, varies).
  std::uint64_t voxels_changed = 0;
  // Updates sent to a node that does not own all of their regions.
  std::size_t forwarded = 0;
};

// The updates pushed, one client per endpoint, each with its share (update n goes to endpoint
// n mod N), timed from the first sent to the last durable.
base::result<ingest_pass> push(deployment& d, const cluster_options& options,
                               const std::vector<geology::update>& updates) {
  ingest_pass pass;
  std::vector<std::vector<geology::update>> shares(d.endpoints.size());
  for (std::size_t n = 0; n < updates.size(); ++n)
    shares[n % shares.size()].push_back(updates[n]);
  std::vector<std::optional<base::error>> failures(shares.size());
  std::vector<std::uint64_t> voxels(shares.size(), 0);
  std::vector<std::size_t> applied(shares.size(), 0);
  const double server_before = d.cpu();
  const double client_before = cpu_seconds(::getpid());
  stopwatch clock;
  std::vector<std::thread> clients;
  for (std::size_t n = 0; n < shares.size(); ++n)
    clients.emplace_back([&, n] {
      auto c = client::connection::open(options_for(d.endpoints[n]));
      if (!c) {
        failures[n] = c.error();
        return;
      }
      auto pushed = (*c)->push(
          shares[n],
          [&, n](const client::ack& a) {
            if (a.failure && !failures[n])
              failures[n] = a.failure;
            voxels[n] += a.voxels_changed;
            applied[n] += a.state == client::ack::status::applied ? 1 : 0;
          },
          options.batch);
      if (!pushed && !failures[n])
        failures[n] = pushed.error();
    });
  for (std::thread& t : clients)
    t.join();
  pass.seconds = clock.seconds();
  pass.server_cpu = d.cpu() - server_before;
  pass.client_cpu = cpu_seconds(::getpid()) - client_before;
  for (const auto& f : failures)
    if (f)
      return *f;
  for (std::uint64_t v : voxels)
    pass.voxels_changed += v;
  // Every update is new: each must be applied, once. (The voxels they change are reported, not
  // compared across deployments: concurrent clients' updates at one site apply in another order,
  // and an erosion after a deposition removes other voxels than before it.)
  std::size_t applied_all = 0;
  for (std::size_t n : applied)
    applied_all += n;
  if (applied_all != updates.size())
    return base::fail(base::errc::corrupt_data,
                      std::to_string(applied_all) + " of " + std::to_string(updates.size()) +
                          " new updates were applied; each should be, once");
  return pass;
}

// The world created through the first endpoint, then options.passes pushes of the updates.
base::result<ingest_run> ingest(deployment& d, const cluster_options& options,
                                const geo::world_spec& spec, const std::string& record,
                                const geology::process_context& context,
                                const std::vector<geology::process_update>& workload) {
  const std::vector<geology::update> updates = as_updates(workload);
  ingest_run run;
  run.nodes = d.ids.front() == 0 ? 0 : d.ids.size();
  auto first = client::connection::open(options_for(d.endpoints.front()));
  if (!first)
    return first.error();
  if (auto made = (*first)->create(spec, record); !made)
    return made.error();
  // Every node owns a share and no move is under way.
  if (run.nodes > 0) {
    auto spread = wait_for_map(
        **first,
        [&](const client::shard_map& m) {
          return m.moves.empty() && std::all_of(d.ids.begin(), d.ids.end(), [&](std::uint64_t id) {
                   return std::any_of(m.ranges.begin(), m.ranges.end(),
                                      [&](const client::shard_range& r) { return r.node == id; });
                 });
        },
        300s);
    if (!spread)
      return spread.error();
    for (std::size_t n = 0; n < updates.size(); ++n) {
      auto planned = geology::plan(context, updates[n].process);
      if (!planned)
        return planned.error();
      const std::uint64_t via = d.ids[n % d.ids.size()];
      if (std::any_of(planned->regions.begin(), planned->regions.end(), [&](std::uint64_t r) {
            const client::shard_range* owner = owner_of(*spread, r);
            return !owner || owner->node != via;
          }))
        ++run.forwarded;
    }
  }
  run.settle_seconds = d.settle(std::chrono::seconds(options.settle_s));

  for (std::size_t pass = 0; pass < options.passes; ++pass) {
    // Each pass the same processes again at the same places, under new ids.
    auto measured = push(d, options, as_updates(workload, pass * workload.size()));
    if (!measured)
      return measured.error();
    if (pass == 0)
      run.voxels_changed = measured->voxels_changed;
    measured->updates_per_s = static_cast<double>(updates.size()) / measured->seconds;
    run.passes.push_back(*measured);
  }
  // The median pass stands for the run.
  std::vector<ingest_pass> sorted = run.passes;
  std::sort(sorted.begin(), sorted.end(), [](const ingest_pass& a, const ingest_pass& b) {
    return a.updates_per_s < b.updates_per_s;
  });
  run.median = sorted[sorted.size() / 2];
  return run;
}

// A move, timed, and the store-level copy of the same regions.
struct move_run {
  std::uint64_t first = 0, last = 0;
  std::size_t regions = 0;
  std::uint64_t bytes = 0;
  double seconds = 0;
  double copy_seconds = 0;
};

// Moves [first, last] to `to` through the client API, timed until `to` serves it.
base::status timed_move(client::connection& c, move_run& m, std::uint64_t to) {
  stopwatch clock;
  auto moved = c.move(m.first, m.last, to);
  if (!moved)
    return moved.error();
  auto done = wait_for_map(
      c,
      [&](const client::shard_map& map) {
        const client::shard_range* r = owner_of(map, m.first);
        return map.moves.empty() && r && r->node == to && r->last >= m.last;
      },
      300s);
  if (!done)
    return done.error();
  m.seconds = clock.seconds();
  return {};
}

// What a move copied, counted in the new owner's store, and the time to copy the same rows into a
// fresh store (export, import, durable): the move's floor without actors, network or fences.
base::status measure_copy(shard::store& from, move_run& m) {
  // What a move copies: the regions updates changed.
  auto regions = from.changed_regions(m.first, m.last);
  if (!regions)
    return regions.error();
  m.regions = regions->size();
  base::temp_dir dir{"bench-cluster-copy"};
  auto to = shard::store::open(shard::store_options_of(config::config{}.storage, dir.path()));
  if (!to)
    return to.error();
  stopwatch clock;
  std::vector<shard::region_rows> rows;
  for (const auto& [region, meta] : *regions) {
    auto r = from.export_region(region);
    if (!r)
      return r.error();
    for (const auto* table : {&r->chunks, &r->chunk_meta, &r->applied, &r->dirty})
      for (const shard::row& row : *table)
        m.bytes += row.key.size() + row.value.size();
    rows.push_back(std::move(*r));
  }
  if (auto imported = (*to)->import_regions(rows); !imported)
    return imported;
  m.copy_seconds = clock.seconds();
  return {};
}

}  // namespace

base::status run_cluster(const cluster_options& options) {
  const std::string binary = this_binary();
  if (binary.empty())
    return base::fail(base::errc::io_error, "cannot find this binary (/proc/self/exe)");
  auto world = load_sample_world(options.world, options.sample_data);
  if (!world)
    return world.error();
  const geo::world_spec& spec = world->spec;
  const geology::process_context context{world->grid, geology::material_table::defaults(), 0};
  const std::string record = geology::serialize(geology::generator_record{{}, world->terrain});
  const auto workload =
      make_workload(world->terrain, world->grid, std::max<std::size_t>(1, options.updates / 3));
  const std::vector<geology::update> updates = as_updates(workload);

  // The anchor: the embedded server.
  std::vector<ingest_run> runs;
  {
    auto embedded = start_embedded(binary);
    if (!embedded)
      return embedded.error();
    auto run = ingest(**embedded, options, spec, record, context, workload);
    if (!run)
      return run.error();
    runs.push_back(*run);
  }
  move_run region_move, range_move;
  for (std::size_t nodes = 1; nodes <= options.nodes_max; ++nodes) {
    auto cluster = start_cluster(binary, nodes);
    if (!cluster)
      return cluster.error();
    auto run = ingest(**cluster, options, spec, record, context, workload);
    if (!run)
      return run.error();
    runs.push_back(*run);
    if (nodes != 2)
      continue;
    // Moves on two nodes: the range holding most of the regions the workload changed, whole,
    // to the other node; then the region it changed most, back.
    std::map<std::uint64_t, std::size_t> touched;
    for (const geology::update& u : updates)
      if (auto planned = geology::plan(context, u.process))
        for (std::uint64_t r : planned->regions)
          ++touched[r];
    auto c = client::connection::open(options_for((*cluster)->endpoints.front()));
    if (!c)
      return c.error();
    auto map = (*c)->map();
    if (!map)
      return map.error();
    const client::shard_range* fullest = nullptr;
    std::size_t most = 0;
    for (const client::shard_range& r : map->ranges) {
      const auto in = static_cast<std::size_t>(
          std::count_if(touched.begin(), touched.end(),
                        [&](const auto& t) { return r.first <= t.first && t.first <= r.last; }));
      if (!fullest || in > most) {
        fullest = &r;
        most = in;
      }
    }
    const std::uint64_t from = fullest->node;
    const std::uint64_t to = (*cluster)->ids[0] == from ? (*cluster)->ids[1] : (*cluster)->ids[0];
    range_move.first = fullest->first;
    range_move.last = fullest->last;
    if (auto moved = timed_move(**c, range_move, to); !moved)
      return moved;
    region_move.first = region_move.last =
        std::max_element(touched.begin(), touched.end(), [](const auto& a, const auto& b) {
          return a.second < b.second;
        })->first;
    if (auto moved = timed_move(**c, region_move, from); !moved)
      return moved;
    c->reset();
    // Count and copy what moved in the new owners' stores, once the processes are gone.
    for (auto& p : (*cluster)->processes)
      p->kill();
    for (const auto& [m, owner] : {std::pair{&range_move, to}, std::pair{&region_move, from}}) {
      auto store = shard::store::open(
          shard::store_options_of(config::config{}.storage, (*cluster)->data[owner]));
      if (!store)
        return store.error();
      if (auto copied = measure_copy(**store, *m); !copied)
        return copied;
    }
  }

  // What limits scaling: the share of the machine's cores the processes kept busy.
  const double cores = static_cast<double>(std::max(1L, sysconf(_SC_NPROCESSORS_ONLN)));
  const auto busy = [&](const ingest_run& r) {
    return (r.median.server_cpu + r.median.client_cpu) / (r.median.seconds * cores);
  };
  const ingest_run& anchor = runs.front();
  const auto rate_of = [&](std::size_t nodes) {
    for (const ingest_run& r : runs)
      if (r.nodes == nodes)
        return r.median.updates_per_s;
    return 0.0;
  };
  std::vector<goal> goals = {
      {"one_node_cluster_ingest_vs_embedded", rate_of(1) / anchor.median.updates_per_s, 0.5, false},
  };
  if (options.nodes_max >= 2)
    goals.push_back({"two_nodes_ingest_vs_one", rate_of(2) / rate_of(1), 0.8, false});
  if (options.nodes_max >= 3)
    goals.push_back({"three_nodes_ingest_vs_one", rate_of(3) / rate_of(1), 0.8, false});
  if (range_move.seconds > 0) {
    goals.push_back({"region_move_seconds", region_move.seconds, 2.0, true});
    goals.push_back({"range_move_vs_store_copy_time",
                     range_move.seconds / std::max(range_move.copy_seconds, 1e-6), 20.0, true});
  }

  if (options.json) {
    base::json_writer out;
    out.begin_object().key("world").value(options.world).key("updates").value(updates.size());
    write_goals(out, goals);
    out.key("cores")
        .value(cores)
        .key("batch")
        .value(options.batch)
        .key("passes")
        .value(options.passes);
    out.key("ingest").begin_array();
    for (const ingest_run& r : runs) {
      out.begin_object()
          .key("nodes")
          .value(r.nodes)
          .key("updates_per_s")
          .value(r.median.updates_per_s)
          .key("seconds")
          .value(r.median.seconds)
          .key("vs_embedded")
          .value(r.median.updates_per_s / anchor.median.updates_per_s)
          .key("server_cpu_s")
          .value(r.median.server_cpu)
          .key("client_cpu_s")
          .value(r.median.client_cpu)
          .key("cores_busy")
          .value(busy(r))
          .key("voxels_changed")
          .value(r.voxels_changed)
          .key("forwarded_updates")
          .value(r.forwarded)
          .key("settle_s")
          .value(r.settle_seconds)
          .key("passes_updates_per_s")
          .begin_array();
      for (const ingest_pass& p : r.passes)
        out.value(p.updates_per_s);
      out.end_array().end_object();
    }
    out.end_array();
    if (range_move.seconds > 0) {
      out.key("moves").begin_array();
      for (const move_run* m : {&range_move, &region_move})
        out.begin_object()
            .key("first")
            .value(m->first)
            .key("last")
            .value(m->last)
            .key("regions")
            .value(m->regions)
            .key("bytes")
            .value(m->bytes)
            .key("seconds")
            .value(m->seconds)
            .key("store_copy_seconds")
            .value(m->copy_seconds)
            .key("mb_per_s")
            .value(mb_per_second(static_cast<double>(m->bytes), m->seconds))
            .end_object();
      out.end_array();
    }
    out.end_object();
    std::printf("%s\n", out.str().c_str());
    return {};
  }
  std::printf(
      "strata bench cluster: %s, %zu durable updates a pass, the median of %zu passes, %zu per "
      "push batch, %.0f cores\n\n",
      options.world.c_str(), updates.size(), options.passes, options.batch, cores);
  std::printf("  %-22s %12s %10s %12s %12s %11s %10s %9s\n", "ingest", "updates/s", "vs embed",
              "server cpu s", "client cpu s", "cores busy", "forwarded", "settle s");
  for (const ingest_run& r : runs)
    std::printf(
        "  %-22s %12.1f %10.2f %12.2f %12.2f %10.0f%% %10zu %9.1f\n",
        r.nodes == 0
            ? "embedded (1 process)"
            : (std::to_string(r.nodes) + " node" + (r.nodes > 1 ? "s" : "") + " + coordinator")
                  .c_str(),
        r.median.updates_per_s, r.median.updates_per_s / anchor.median.updates_per_s,
        r.median.server_cpu, r.median.client_cpu, 100 * busy(r), r.forwarded, r.settle_seconds);
  if (range_move.seconds > 0) {
    std::printf("\n  %-22s %8s %12s %10s %10s %16s\n", "move (2 nodes)", "regions", "bytes",
                "seconds", "MB/s", "store copy s");
    for (const auto& [name, m] :
         {std::pair{"a range, whole", &range_move}, std::pair{"one region, back", &region_move}})
      std::printf("  %-22s %8zu %12llu %10.3f %10.2f %16.3f\n", name, m->regions,
                  static_cast<unsigned long long>(m->bytes), m->seconds,
                  mb_per_second(static_cast<double>(m->bytes), m->seconds), m->copy_seconds);
  }
  std::printf("\n");
  print_goals(goals);
  return {};
}

}  // namespace strata::bench
