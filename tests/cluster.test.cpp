// The cluster end to end (issue: the cluster): a coordinator and nodes as child processes of the
// strata binary, talking through CAF's network layer on loopback, and clients talking to the
// nodes' gateways.
#include <gtest/gtest.h>
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <chrono>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <thread>
#include <tuple>

#include <atomic>
#include <map>
#include <set>

#include <s2/s2cell_id.h>
#include <s2/s2latlng.h>

#include "base/testing.hpp"
#include "bench/common.hpp"
#include "client/client.hpp"
#include "geology/materials.hpp"
#include "geology/update.hpp"
#include "tests/world_fixture.hpp"

namespace strata {
namespace {

using namespace std::chrono_literals;
using test_world::generator_record;
using test_world::workload;
using test_world::world_spec;

// A `strata serve` child process; its output goes to a file the test reads addresses from.
class process {
 public:
  process(std::string log, std::vector<std::string> args) : log_(std::move(log)) {
    args.insert(args.begin(), {STRATA_BINARY, "serve"});
    pid_ = ::fork();
    if (pid_ == 0) {
      if (!::freopen(log_.c_str(), "w", stdout) || !::freopen(log_.c_str(), "a", stderr))
        ::_exit(126);
      std::vector<char*> argv;
      for (std::string& a : args)
        argv.push_back(a.data());
      argv.push_back(nullptr);
      ::execv(STRATA_BINARY, argv.data());
      ::_exit(127);
    }
  }
  ~process() {
    if (pid_ > 0)
      stop(SIGKILL);
  }

  // The text after `marker` on the first line of the output that has it (up to a space or a
  // comma), waiting up to 30 s for it.
  std::string wait_for(const std::string& marker) const {
    for (int n = 0; n < 1500; ++n) {
      if (auto word = bench::word_after(log_, marker))
        return *word;
      std::this_thread::sleep_for(20ms);
    }
    ADD_FAILURE() << "no \"" << marker << "\" in " << output();
    return "";
  }
  pid_t pid() const { return pid_; }
  std::string output() const {
    std::ifstream in(log_);
    std::stringstream all;
    all << in.rdbuf();
    return all.str();
  }
  // Waits up to 30 s for the process to exit by itself; its exit status, or -1.
  int wait() {
    for (int n = 0; n < 1500; ++n) {
      int status = 0;
      if (::waitpid(pid_, &status, WNOHANG) == pid_) {
        pid_ = -1;
        return status;
      }
      std::this_thread::sleep_for(20ms);
    }
    return -1;
  }
  // Sends `signal` and returns the exit status. A process asked to stop stops by itself: not
  // through `strata serve`'s last resort for a shutdown that hangs, unless `last_resort` allows.
  int stop(int signal, bool last_resort = false) {
    ::kill(pid_, signal);
    int status = 0;
    ::waitpid(pid_, &status, 0);
    pid_ = -1;
    if (signal != SIGKILL && !last_resort) {
      EXPECT_EQ(output().find("did not stop"), std::string::npos) << output();
    }
    return status;
  }

 private:
  std::string log_;
  pid_t pid_ = -1;
};

client::options options_for(const std::string& endpoint) {
  client::options o;
  o.endpoint = endpoint;
  o.timeout = 30s;
  o.backoff = 50ms;
  o.retries = 20;
  return o;
}

std::unique_ptr<client::connection> connect(const std::string& endpoint) {
  auto c = client::connection::open(options_for(endpoint));
  EXPECT_TRUE(c.ok()) << c.error().to_string();
  return c ? std::move(*c) : nullptr;
}

struct cluster {
  base::temp_dir dir{"cluster"};
  std::unique_ptr<process> coordinator;
  std::string join;
  // Settings every process of the cluster starts with (--set KEY=VALUE).
  std::vector<std::string> settings;
  int coordinator_lives = 0;

  explicit cluster(std::vector<std::string> keys = {}) {
    for (const std::string& k : keys) {
      settings.push_back("--set");
      settings.push_back(k);
    }
    std::filesystem::create_directories(dir.path());
    start_coordinator("127.0.0.1:0");
  }
  pid_t coordinator_pid() const { return coordinator->pid(); }
  // (Re)starts the coordinator on its data directory, listening on `listen`.
  void start_coordinator(const std::string& listen) {
    std::vector<std::string> args{
        "--role", "coordinator", "--data", dir.path() + "/coordinator", "--cluster-listen", listen};
    args.insert(args.end(), settings.begin(), settings.end());
    coordinator = std::make_unique<process>(
        dir.path() + "/coordinator." + std::to_string(coordinator_lives++) + ".log", args);
    join = coordinator->wait_for("listening for nodes on ");
  }
  // A node with its own data directory; returns it with its client address. `life` numbers the
  // starts of one node, each with a log of its own.
  std::pair<std::unique_ptr<process>, std::string> node(const std::string& name, int life = 0) {
    std::vector<std::string> args{"--role", "node", "--data",   dir.path() + "/" + name,
                                  "--join", join,   "--listen", "127.0.0.1:0"};
    args.insert(args.end(), settings.begin(), settings.end());
    auto p = std::make_unique<process>(
        dir.path() + "/" + name + "." + std::to_string(life) + ".log", args);
    std::string address = p->wait_for(" listening on ");
    return {std::move(p), address};
  }
};

// The id a node process printed when it started.
std::uint64_t id_of(const process& p) {
  return std::stoull(p.wait_for("strata serve: node "));
}

// Waits until the node behind `c` has the cluster's world.
bool has_world(client::connection& c) {
  for (int n = 0; n < 250; ++n) {
    auto info = c.info();
    if (info && info->has_world)
      return true;
    std::this_thread::sleep_for(20ms);
  }
  return false;
}

// The map once `good` holds for it, waiting up to 30 s.
template <class Good>
base::result<client::shard_map> wait_for_map(client::connection& c, Good good) {
  base::result<client::shard_map> map = base::fail(base::errc::unavailable, "no map yet");
  for (int n = 0; n < 1500; ++n) {
    map = c.map();
    if (map && good(*map))
      return map;
    std::this_thread::sleep_for(20ms);
  }
  if (map)
    return base::fail(base::errc::unavailable,
                      "the map never got there: " + std::to_string(map->ranges.size()) + " ranges");
  return map;
}

// A node that owns nothing takes the cluster's world from the coordinator and serves every
// region through the node that owns it; it keeps its id across a restart and rejoins.
TEST(cluster, a_node_serves_regions_that_another_node_owns) {
  cluster c;
  auto [first, first_address] = c.node("first");
  auto [second, second_address] = c.node("second");
  auto to_first = connect(first_address);
  auto to_second = connect(second_address);
  ASSERT_TRUE(to_first && to_second);

  // The world, created through the first node, reaches the second through the coordinator.
  auto made = to_first->create(world_spec(), generator_record());
  ASSERT_TRUE(made.ok()) << made.error().to_string();
  ASSERT_TRUE(has_world(*to_second)) << second->output();
  // The first node to join with the world owns everything; the coordinator then hands half of
  // it (split at the median stored region) to the second.
  auto map = wait_for_map(*to_second, [](const client::shard_map& m) {
    return m.ranges.size() == 2 && m.ranges[0].node != m.ranges[1].node;
  });
  ASSERT_TRUE(map.ok()) << map.error().to_string() << c.coordinator->output();
  const std::uint64_t owner = map->ranges[0].node;

  // Updates through the second node are applied where the regions live: sent again through the
  // first, every one is a duplicate.
  auto updates = workload(30);
  auto applied = to_second->apply(updates);
  ASSERT_TRUE(applied.ok()) << applied.error().to_string();
  for (const client::ack& a : *applied)
    EXPECT_EQ(a.state, client::ack::status::applied)
        << (a.failure ? a.failure->to_string() : std::string());
  auto again = to_first->apply(updates);
  ASSERT_TRUE(again.ok()) << again.error().to_string();
  for (const client::ack& a : *again)
    EXPECT_EQ(a.state, client::ack::status::duplicate);
  // Both nodes answer a query the same.
  const geo::position at{49.0, -124.5, 0};
  auto v1 = to_first->voxel(at);
  auto v2 = to_second->voxel(at);
  ASSERT_TRUE(v1.ok() && v2.ok());
  EXPECT_EQ(v1->material, v2->material);
  EXPECT_EQ(v1->version, v2->version);

  // The second node restarts on its data directory: same id, and it serves again.
  to_second.reset();
  EXPECT_EQ(second->stop(SIGTERM) >> 8, 0) << second->output();
  auto [restarted, restarted_address] = c.node("second", 1);
  auto to_restarted = connect(restarted_address);
  ASSERT_TRUE(to_restarted && has_world(*to_restarted)) << restarted->output();
  auto after = to_restarted->apply(updates);
  ASSERT_TRUE(after.ok()) << after.error().to_string();
  for (const client::ack& a : *after)
    EXPECT_EQ(a.state, client::ack::status::duplicate);
  auto map_after = to_restarted->map();
  ASSERT_TRUE(map_after.ok());
  EXPECT_EQ(map_after->ranges[0].node, owner);

  to_first.reset();
  to_restarted.reset();
  EXPECT_EQ(restarted->stop(SIGTERM) >> 8, 0) << restarted->output();
  EXPECT_EQ(first->stop(SIGTERM) >> 8, 0) << first->output();
  EXPECT_EQ(c.coordinator->stop(SIGTERM) >> 8, 0) << c.coordinator->output();
}

// A node whose coordinator is gone keeps trying to reach it, and still stops at once on SIGTERM;
// so does a coordinator whose nodes are gone.
TEST(cluster, processes_stop_on_sigterm_whatever_their_peers_did) {
  cluster c;
  auto [node, address] = c.node("node");
  EXPECT_EQ(c.coordinator->stop(SIGTERM) >> 8, 0) << c.coordinator->output();
  node->wait_for("lost the coordinator");
  // Long enough for several reconnection attempts.
  std::this_thread::sleep_for(1s);
  const auto asked = std::chrono::steady_clock::now();
  EXPECT_EQ(node->stop(SIGTERM) >> 8, 0) << node->output();
  EXPECT_LT(std::chrono::steady_clock::now() - asked, 5s) << node->output();

  c.start_coordinator(c.join);
  auto [again, again_address] = c.node("node", 1);
  EXPECT_EQ(again->stop(SIGKILL) & 0x7f, SIGKILL);
  const auto coordinator_asked = std::chrono::steady_clock::now();
  EXPECT_EQ(c.coordinator->stop(SIGTERM) >> 8, 0) << c.coordinator->output();
  EXPECT_LT(std::chrono::steady_clock::now() - coordinator_asked, 5s) << c.coordinator->output();
}

// Settings that make a test cluster quick to notice and to move: leases of 2 s, heartbeats and
// planning every 100 ms, no moves for load.
const std::vector<std::string> quick = {"cluster.lease_ms=2000", "cluster.heartbeat_ms=100",
                                        "cluster.rebalance_ms=100",
                                        "cluster.imbalance_hold_ms=3600000"};

// A client applying the workload in batches, each until every update in it is acknowledged
// (applied or duplicate), while the cluster changes under it.
class steady_load {
 public:
  steady_load(std::vector<std::string> endpoints, std::vector<geology::update> updates)
      : updates_(std::move(updates)) {
    thread_ = std::thread([this, endpoints = std::move(endpoints)] { run(endpoints); });
  }
  ~steady_load() { stop(); }
  // Stops after the batch in progress; returns how many updates were acknowledged.
  std::size_t stop() {
    stopping_ = true;
    if (thread_.joinable())
      thread_.join();
    return acked_.size();
  }
  std::size_t acked() const { return acked_count_; }
  const std::vector<geology::update>& acknowledged() const { return acked_; }
  // Retryable errors seen, and errors of any other kind (the test expects none of those).
  int retryable = 0, other = 0;
  std::string last_other;

 private:
  void run(const std::vector<std::string>& endpoints) {
    std::vector<std::unique_ptr<client::connection>> to;
    for (const std::string& e : endpoints) {
      auto o = options_for(e);
      o.retries = 2;  // the test retries the batch itself and counts what it sees
      o.timeout = 20s;
      auto c = client::connection::open(o);
      if (!c) {
        ++other;
        last_other = c.error().to_string();
        return;
      }
      to.push_back(std::move(*c));
    }
    constexpr std::size_t batch = 4;
    for (std::size_t at = 0; at + batch <= updates_.size() && !stopping_; at += batch) {
      std::vector<geology::update> these(updates_.begin() + at, updates_.begin() + at + batch);
      client::connection& c = *to[(at / batch) % to.size()];
      bool done = false;
      for (int attempt = 0; attempt < 600 && !done; ++attempt) {
        auto acks = c.apply(these);
        done = acks.ok();
        if (acks)
          for (const client::ack& a : *acks)
            if (a.state == client::ack::status::error) {
              done = false;
              count(*a.failure);
            }
        if (!acks)
          count(acks.error());
        if (!done)
          std::this_thread::sleep_for(50ms);
      }
      if (!done)
        return;
      acked_.insert(acked_.end(), these.begin(), these.end());
      acked_count_ = acked_.size();
    }
  }
  void count(const base::error& e) {
    if (base::kind(e.code) == base::error_kind::fatal) {
      ++other;
      last_other = e.to_string();
    } else {
      ++retryable;
    }
  }

  std::vector<geology::update> updates_;
  std::vector<geology::update> acked_;
  std::atomic<std::size_t> acked_count_{0};
  std::atomic<bool> stopping_{false};
  std::thread thread_;
};

// Each region's count of applied updates is the number of acknowledged updates that cover it.
void expect_counts(client::connection& c, const std::vector<geology::update>& acked) {
  auto grid = geo::grid::make(world_spec());
  ASSERT_TRUE(grid.ok());
  const geology::process_context context{*grid, geology::material_table::defaults(), 0};
  std::map<std::uint64_t, std::uint64_t> expected;
  for (const geology::update& u : acked) {
    auto planned = geology::plan(context, u.process);
    ASSERT_TRUE(planned.ok()) << planned.error().to_string();
    for (std::uint64_t region : planned->regions)
      ++expected[region];
  }
  ASSERT_FALSE(expected.empty());
  for (const auto& [region, count] : expected) {
    auto stats = c.region(region);
    ASSERT_TRUE(stats.ok()) << stats.error().to_string();
    EXPECT_EQ(stats->updates, count) << "region " << region;
  }
}

// Every acknowledged update is in the world exactly once: the counts above, and sending them
// all again changes nothing.
void expect_each_applied_once(client::connection& c, const std::vector<geology::update>& acked) {
  expect_counts(c, acked);
  auto again = c.apply(acked);
  ASSERT_TRUE(again.ok()) << again.error().to_string();
  for (const client::ack& a : *again)
    EXPECT_EQ(a.state, client::ack::status::duplicate)
        << (a.failure ? a.failure->to_string() : std::string());
}

bool owns_something(const client::shard_map& m, std::uint64_t node) {
  return std::any_of(m.ranges.begin(), m.ranges.end(),
                     [&](const client::shard_range& r) { return r.node == node; });
}

// Two nodes of a cluster, the world created through the first, each owning a share of it.
struct two_nodes {
  std::unique_ptr<process> n1, n2;
  std::string a1, a2;
  std::uint64_t id1 = 0, id2 = 0;
  // The map once both own ranges and no move is in progress.
  client::shard_map map;
};

void start_two_nodes(cluster& c, two_nodes& t) {
  std::tie(t.n1, t.a1) = c.node("n1");
  std::tie(t.n2, t.a2) = c.node("n2");
  auto to_n1 = connect(t.a1);
  ASSERT_TRUE(to_n1);
  ASSERT_TRUE(to_n1->create(world_spec(), generator_record()).ok());
  t.id1 = id_of(*t.n1);
  t.id2 = id_of(*t.n2);
  auto spread = wait_for_map(*to_n1, [&](const client::shard_map& m) {
    return owns_something(m, t.id1) && owns_something(m, t.id2) && m.moves.empty();
  });
  ASSERT_TRUE(spread.ok()) << spread.error().to_string() << c.coordinator->output();
  t.map = std::move(*spread);
}

// A coordinator and three nodes under a steady load: a fourth node joins and takes a range,
// then one node drains; no acknowledged update is lost or applied twice.
TEST(cluster, ranges_move_under_load_and_every_acknowledged_update_is_applied_once) {
  cluster c(quick);
  auto [n1, a1] = c.node("n1");
  auto [n2, a2] = c.node("n2");
  auto [n3, a3] = c.node("n3");
  auto to_n1 = connect(a1);
  ASSERT_TRUE(to_n1);
  ASSERT_TRUE(to_n1->create(world_spec(), generator_record()).ok());
  const std::uint64_t id2 = id_of(*n2);
  // Every node takes a share.
  auto spread = wait_for_map(*to_n1, [&](const client::shard_map& m) {
    return owns_something(m, id_of(*n1)) && owns_something(m, id2) && owns_something(m, id_of(*n3));
  });
  ASSERT_TRUE(spread.ok()) << spread.error().to_string() << c.coordinator->output();

  steady_load load({a1, a3}, workload(600));
  while (load.acked() < 40)
    std::this_thread::sleep_for(20ms);
  // A fourth node joins and is given a range while updates go on.
  auto [n4, a4] = c.node("n4");
  const std::uint64_t id4 = id_of(*n4);
  auto joined = wait_for_map(*to_n1, [&](const client::shard_map& m) {
    return owns_something(m, id4) && m.moves.empty();
  });
  ASSERT_TRUE(joined.ok()) << joined.error().to_string() << c.coordinator->output();
  const std::size_t before_drain = load.acked();
  // Then the second drains: its ranges go to the others.
  auto drained = to_n1->drain(id2);
  ASSERT_TRUE(drained.ok()) << drained.error().to_string();
  auto empty = wait_for_map(*to_n1, [&](const client::shard_map& m) {
    return !owns_something(m, id2) && m.moves.empty();
  });
  ASSERT_TRUE(empty.ok()) << empty.error().to_string() << c.coordinator->output();
  while (load.acked() < before_drain + 40)
    std::this_thread::sleep_for(20ms);
  load.stop();
  EXPECT_EQ(load.other, 0) << load.last_other;
  ASSERT_GE(load.acknowledged().size(), 80u);
  expect_each_applied_once(*to_n1, load.acknowledged());
  // The drained node stops at once: it owns nothing.
  EXPECT_EQ(n2->stop(SIGTERM) >> 8, 0) << n2->output();
}

// A node copying a range to a node that stopped answering (SIGSTOP) mid-move still stops on
// SIGTERM: its drain gives up after cluster.drain_timeout_ms, the copy waits for its answer
// without holding the node, and since CAF's network layer waits forever to flush what the
// frozen node does not read, serve's last resort ends the process 10 s after its state closed.
TEST(cluster, a_node_stops_while_its_move_target_does_not_answer) {
  std::vector<std::string> keys = quick;
  keys.push_back("cluster.move_timeout_ms=60000");
  keys.push_back("cluster.drain_timeout_ms=3000");
  cluster c(keys);
  two_nodes t;
  ASSERT_NO_FATAL_FAILURE(start_two_nodes(c, t));
  auto& [n1, n2, a1, a2, id1, id2, map] = t;
  auto to_n1 = connect(a1);
  ASSERT_TRUE(to_n1);
  const auto mine = std::find_if(map.ranges.begin(), map.ranges.end(),
                                 [&](const client::shard_range& r) { return r.node == id1; });
  ASSERT_NE(mine, map.ranges.end());
  // Regions changed by updates: what a move copies.
  auto applied = to_n1->apply(workload(60));
  ASSERT_TRUE(applied.ok()) << applied.error().to_string();

  ASSERT_EQ(::kill(n2->pid(), SIGSTOP), 0);
  std::thread mover([&, first = mine->first, last = mine->last] {
    auto o = options_for(a1);
    o.timeout = 5s;
    o.retries = 0;
    if (auto c1 = client::connection::open(o); c1.ok())
      (void)(*c1)->move(first, last, id2);  // fails: n1 stops under it
  });
  c.coordinator->wait_for("moving ");
  std::this_thread::sleep_for(300ms);  // n1 is sending the range's first regions
  const auto asked = std::chrono::steady_clock::now();
  EXPECT_EQ(n1->stop(SIGTERM, true) >> 8, 0) << n1->output();
  EXPECT_LT(std::chrono::steady_clock::now() - asked, 3s + 10s + 5s) << n1->output();
  EXPECT_NE(n1->output().find("still owns ranges after 3000 ms"), std::string::npos)
      << n1->output();
  mover.join();
  ::kill(n2->pid(), SIGCONT);
}

// An operator who moves a node's last range away means it: the planner's rule that gives a node
// owning nothing a share leaves it empty (it would move the range straight back otherwise).
TEST(cluster, an_operator_move_that_empties_a_node_is_not_undone) {
  cluster c(quick);
  two_nodes t;
  ASSERT_NO_FATAL_FAILURE(start_two_nodes(c, t));
  auto to_n1 = connect(t.a1);
  ASSERT_TRUE(to_n1);
  for (const client::shard_range& r : t.map.ranges)
    if (r.node == t.id2) {
      auto moved = to_n1->move(r.first, r.last, t.id1);
      ASSERT_TRUE(moved.ok()) << moved.error().to_string() << c.coordinator->output();
    }
  // Ten of the planner's rounds (cluster.rebalance_ms=100).
  std::this_thread::sleep_for(1s);
  auto map = to_n1->map();
  ASSERT_TRUE(map.ok()) << map.error().to_string();
  EXPECT_FALSE(owns_something(*map, t.id2)) << c.coordinator->output();
  EXPECT_TRUE(map->moves.empty()) << c.coordinator->output();
}

// A change feed opened on one node follows a region the coordinator moves to another node and
// back: after each move it says to read the area afresh (resync), then delivers the region's
// changes from its new owner.
TEST(cluster, a_change_feed_follows_its_regions_when_they_move) {
  cluster c(quick);
  two_nodes t;
  ASSERT_NO_FATAL_FAILURE(start_two_nodes(c, t));
  auto& [n1, n2, a1, a2, id1, id2, spread] = t;
  auto watcher = connect(a1);
  auto writer = connect(a2);
  ASSERT_TRUE(watcher && writer);

  // An update, and the first region it changes: the feed watches the area around its centre.
  geology::update update = workload(1).front();
  auto grid = geo::grid::make(world_spec());
  ASSERT_TRUE(grid.ok());
  const geology::process_context context{*grid, geology::material_table::defaults(), 0};
  auto planned = geology::plan(context, update.process);
  ASSERT_TRUE(planned.ok() && !planned->regions.empty());
  const std::uint64_t region = planned->regions.front();
  const S2LatLng centre(S2CellId(region).ToPoint());

  std::atomic<std::uint64_t> seen{0}, resyncs{0};
  auto feed = watcher->subscribe(
      {centre.lat().degrees(), centre.lng().degrees()}, 500,
      [&](std::vector<client::streamed_chunk>& batch) {
        for (const client::streamed_chunk& chunk : batch)
          if (chunk.key.region == region)
            ++seen;
      },
      [&] { ++resyncs; });
  ASSERT_TRUE(feed.ok()) << feed.error().to_string();
  // Applies the update again under a new id and waits for the feed to deliver the region's
  // changed chunks.
  std::uint64_t tick = 1;
  const auto changes_arrive = [&] {
    update.id = client::random_id();
    update.tick = ++tick;
    const std::uint64_t before = seen;
    auto acks = writer->apply(std::span(&update, 1));
    EXPECT_TRUE(acks.ok() && acks->front().state == client::ack::status::applied)
        << (acks ? "" : acks.error().to_string());
    for (int n = 0; n < 500 && seen == before; ++n)
      watcher->poll(10ms);
    return seen > before;
  };
  EXPECT_TRUE(changes_arrive()) << "the feed works before any move";
  EXPECT_EQ(resyncs, 0u);

  auto map = watcher->map();
  ASSERT_TRUE(map.ok()) << map.error().to_string();
  const auto range = std::find_if(map->ranges.begin(), map->ranges.end(), [&](const auto& r) {
    return r.first <= region && region <= r.last;
  });
  ASSERT_NE(range, map->ranges.end());
  const std::uint64_t owner = range->node, other = owner == id1 ? id2 : id1;
  for (std::uint64_t to : {other, owner}) {
    const std::uint64_t resyncs_before = resyncs;
    auto moved = watcher->move(region, region, to);
    ASSERT_TRUE(moved.ok()) << moved.error().to_string() << c.coordinator->output();
    for (int n = 0; n < 500 && resyncs == resyncs_before; ++n)
      watcher->poll(10ms);
    EXPECT_GT(resyncs, resyncs_before) << "moved to node " << to;
    EXPECT_TRUE(changes_arrive()) << "moved to node " << to << "\n" << n1->output() << n2->output();
  }
  EXPECT_FALSE((*feed)->failure()) << (*feed)->failure()->to_string();
}

// kill -9 of a node: its regions answer a retryable error (not a hang) until it returns with
// its disk; kill -9 of the coordinator: the nodes serve on and join the restarted one. No
// acknowledged update is lost.
TEST(cluster, a_killed_node_or_coordinator_loses_no_acknowledged_update) {
  cluster c(quick);
  auto [n1, a1] = c.node("n1");
  auto [n2, a2] = c.node("n2");
  auto to_n1 = connect(a1);
  ASSERT_TRUE(to_n1);
  ASSERT_TRUE(to_n1->create(world_spec(), generator_record()).ok());
  const std::uint64_t id2 = id_of(*n2);
  ASSERT_TRUE(wait_for_map(*to_n1, [&](const client::shard_map& m) {
                return owns_something(m, id2) && m.moves.empty();
              }).ok());

  steady_load load({a1}, workload(600));
  while (load.acked() < 20)
    std::this_thread::sleep_for(20ms);
  // The second node dies: the coordinator counts it unavailable within the lease, and its
  // regions answer at once with a retryable error.
  n2->stop(SIGKILL);
  auto down = wait_for_map(*to_n1, [&](const client::shard_map& m) {
    return std::any_of(m.nodes.begin(), m.nodes.end(), [&](const client::shard_node& n) {
      return n.id == id2 && n.state == "unavailable";
    });
  });
  ASSERT_TRUE(down.ok()) << down.error().to_string();
  // Its ranges stay its own: nobody else writes them.
  EXPECT_TRUE(owns_something(*down, id2));
  // Updates to its regions fail at once with a retryable error naming it.
  auto impatient = options_for(a1);
  impatient.retries = 0;
  auto quick_client = client::connection::open(impatient);
  ASSERT_TRUE(quick_client.ok());
  const auto asked = std::chrono::steady_clock::now();
  const auto extra = workload(12);
  auto refused = (*quick_client)->apply(extra);
  EXPECT_LT(std::chrono::steady_clock::now() - asked, 5s);
  int unavailable = 0;
  if (!refused)
    unavailable += refused.error().code == base::errc::unavailable;
  else
    for (const client::ack& a : *refused)
      if (a.state == client::ack::status::error) {
        EXPECT_EQ(base::kind(a.failure->code), base::error_kind::retryable);
        unavailable += a.failure->code == base::errc::unavailable;
      }
  EXPECT_GT(unavailable, 0);
  // It returns with its disk; the load gets through again.
  auto [back, back_address] = c.node("n2", 1);
  const std::size_t acked_back = load.acked();
  for (int n = 0; n < 1500 && load.acked() < acked_back + 20; ++n)
    std::this_thread::sleep_for(20ms);
  ASSERT_GE(load.acked(), acked_back + 20) << back->output();

  // The coordinator dies and comes back on its port and data: updates go on meanwhile.
  const std::string port = c.join.substr(c.join.rfind(':') + 1);
  c.coordinator->stop(SIGKILL);
  const std::size_t acked_down = load.acked();
  for (int n = 0; n < 50 && load.acked() < acked_down + 8; ++n)
    std::this_thread::sleep_for(20ms);
  EXPECT_GE(load.acked(), acked_down + 8) << "updates stopped with the coordinator";
  c.start_coordinator("127.0.0.1:" + port);
  // Both nodes join it again (heartbeats), and it still moves ranges: the second drains.
  auto rejoined = wait_for_map(*to_n1, [&](const client::shard_map& m) {
    return m.nodes.size() == 2 &&
           std::all_of(m.nodes.begin(), m.nodes.end(),
                       [](const client::shard_node& n) { return n.state == "up"; });
  });
  ASSERT_TRUE(rejoined.ok()) << rejoined.error().to_string() << c.coordinator->output();
  ASSERT_TRUE(to_n1->drain(id2).ok());
  ASSERT_TRUE(wait_for_map(*to_n1,
                           [&](const client::shard_map& m) {
                             return !owns_something(m, id2) && m.moves.empty();
                           })
                  .ok())
      << c.coordinator->output();
  load.stop();
  EXPECT_EQ(load.other, 0) << load.last_other;
  // The updates refused while the node was down go through now; some were applied in part.
  auto rest = to_n1->apply(extra);
  ASSERT_TRUE(rest.ok()) << rest.error().to_string();
  for (const client::ack& a : *rest)
    ASSERT_NE(a.state, client::ack::status::error) << a.failure->to_string();
  auto all = load.acknowledged();
  all.insert(all.end(), extra.begin(), extra.end());
  expect_each_applied_once(*to_n1, all);
}

// A node whose lease lapses stops accepting writes, so no other node can be writing its
// regions; it accepts them again once the coordinator answers. Shown with the coordinator
// paused (a partition between it and every node) and with a node paused (partitioned from all).
TEST(cluster, a_node_whose_lease_lapsed_accepts_no_writes) {
  cluster c(quick);
  two_nodes t;
  ASSERT_NO_FATAL_FAILURE(start_two_nodes(c, t));
  auto& [n1, n2, a1, a2, id1, id2, spread] = t;
  auto to_n1 = connect(a1);
  auto to_n2 = connect(a2);
  ASSERT_TRUE(to_n1 && to_n2);
  auto updates = workload(40);
  auto first = to_n1->apply(std::vector(updates.begin(), updates.begin() + 10));
  ASSERT_TRUE(first.ok()) << first.error().to_string();

  // The coordinator stops answering: within three quarters of the lease every write is refused
  // with a retryable error naming the lapsed lease, through either node.
  ::kill(c.coordinator_pid(), SIGSTOP);
  std::this_thread::sleep_for(2s);
  std::vector<geology::update> during(updates.begin() + 10, updates.begin() + 20);
  for (const std::string& address : {a1, a2}) {
    auto impatient = options_for(address);
    impatient.retries = 0;
    impatient.timeout = 5s;
    auto to = client::connection::open(impatient);
    ASSERT_TRUE(to.ok());
    auto refused = (*to)->apply(during);
    std::vector<base::error> errors;
    if (!refused)
      errors.push_back(refused.error());
    else
      for (const client::ack& a : *refused) {
        EXPECT_EQ(a.state, client::ack::status::error);
        if (a.failure)
          errors.push_back(*a.failure);
      }
    ASSERT_FALSE(errors.empty());
    for (const base::error& e : errors) {
      EXPECT_EQ(base::kind(e.code), base::error_kind::retryable);
      EXPECT_NE(e.message.find("lease lapsed"), std::string::npos)
          << e.to_string() << " through " << address << "\n"
          << n1->output() << n2->output();
    }
  }
  ::kill(c.coordinator_pid(), SIGCONT);
  // Renewed: the same updates are applied now, once.
  bool applied = false;
  for (int n = 0; n < 100 && !applied; ++n) {
    auto again = to_n2->apply(during);
    applied = again.ok() && std::all_of(again->begin(), again->end(), [](const client::ack& a) {
                return a.state == client::ack::status::applied;
              });
    if (!applied)
      std::this_thread::sleep_for(50ms);
  }
  EXPECT_TRUE(applied);

  // The second node stops (paused): the coordinator counts it unavailable and keeps its ranges
  // its own, and the first answers its regions at once with a retryable error.
  ::kill(n2->pid(), SIGSTOP);
  auto down = wait_for_map(*to_n1, [&](const client::shard_map& m) {
    return std::any_of(m.nodes.begin(), m.nodes.end(), [&](const client::shard_node& n) {
      return n.id == id2 && n.state == "unavailable";
    });
  });
  ASSERT_TRUE(down.ok()) << down.error().to_string();
  EXPECT_TRUE(owns_something(*down, id2));
  EXPECT_TRUE(owns_something(*down, id1));
  std::vector<geology::update> later(updates.begin() + 20, updates.end());
  {
    auto impatient = options_for(a1);
    impatient.retries = 0;
    impatient.timeout = 20s;
    auto to = client::connection::open(impatient);
    ASSERT_TRUE(to.ok());
    // Answered well before the client's timeout: the owner is known to be unavailable.
    const auto asked = std::chrono::steady_clock::now();
    auto partial = (*to)->apply(later);
    EXPECT_LT(std::chrono::steady_clock::now() - asked, 3s);
    std::vector<base::error> errors;
    if (!partial)
      errors.push_back(partial.error());
    else
      for (const client::ack& a : *partial)
        if (a.failure)
          errors.push_back(*a.failure);
    int naming_it = 0;
    for (const base::error& e : errors) {
      EXPECT_EQ(e.code, base::errc::unavailable) << e.to_string();
      naming_it += e.message.find(std::to_string(id2)) != std::string::npos;
    }
    EXPECT_GT(naming_it, 0);
  }
  ::kill(n2->pid(), SIGCONT);
  // Back: everything goes through, and every update is in the world once.
  bool through = false;
  for (int n = 0; n < 200 && !through; ++n) {
    auto again = to_n1->apply(later);
    through = again.ok() && std::all_of(again->begin(), again->end(), [](const client::ack& a) {
                return a.state != client::ack::status::error;
              });
    if (!through)
      std::this_thread::sleep_for(50ms);
  }
  ASSERT_TRUE(through);
  expect_each_applied_once(*to_n1, updates);
}

// A node without a coordinator to join gives up with a clear error after cluster.join_timeout_ms.
TEST(cluster, a_node_that_cannot_reach_its_coordinator_says_so) {
  base::temp_dir dir{"cluster-alone"};
  std::filesystem::create_directories(dir.path());
  process alone(dir.path() + "/node.log",
                {"--role", "node", "--data", dir.path() + "/node", "--join", "127.0.0.1:1",
                 "--listen", "127.0.0.1:0", "--set", "cluster.join_timeout_ms=300"});
  const int status = alone.wait();
  ASSERT_NE(status, -1) << "still running: " << alone.output();
  EXPECT_TRUE(WIFEXITED(status) && WEXITSTATUS(status) == 1) << "exit status " << (status >> 8);
  EXPECT_NE(alone.output().find("cannot reach the coordinator at 127.0.0.1:1"), std::string::npos)
      << alone.output();
}

// Certificates for a test cluster, made with the openssl command line: the cluster's CA and a
// certificate it signed, which every process of the test presents; and a stranger, signed by
// another CA.
struct tls_files {
  std::string dir;

  explicit tls_files(std::string where) : dir(std::move(where)) {
    std::filesystem::create_directories(dir);
    make_ca("ca");
    make_certificate("member", "ca");
    make_ca("other-ca");
    make_certificate("stranger", "other-ca");
  }
  // The settings of a process presenting `who`'s certificate and trusting `ca`.
  std::vector<std::string> settings(const std::string& who = "member",
                                    const std::string& ca = "ca") const {
    return {"cluster.tls=1", "cluster.tls_certificate=" + dir + "/" + who + ".pem",
            "cluster.tls_key=" + dir + "/" + who + ".key",
            "cluster.tls_ca=" + dir + "/" + ca + ".pem"};
  }
  // `openssl s_client` against host:port, trusting the cluster's CA: what it printed.
  std::string probe(const std::string& address) const {
    const std::string out = dir + "/probe.txt";
    run("timeout 10 openssl s_client -connect " + address + " -CAfile " + dir +
            "/ca.pem </dev/null >" + out + " 2>&1",
        false);
    std::ifstream in(out);
    std::stringstream all;
    all << in.rdbuf();
    return all.str();
  }

 private:
  void run(const std::string& command, bool must_succeed = true) const {
    const int status = std::system(command.c_str());
    if (must_succeed) {
      ASSERT_EQ(status, 0) << command;
    }
  }
  void make_ca(const std::string& name) {
    run("openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:prime256v1 -nodes -days 2 "
        "-subj /CN=strata-test-" +
        name + " -keyout " + dir + "/" + name + ".key -out " + dir + "/" + name + ".pem >>" + dir +
        "/openssl.log 2>&1");
  }
  void make_certificate(const std::string& name, const std::string& ca) {
    const std::string base = dir + "/" + name;
    run("openssl req -newkey ec -pkeyopt ec_paramgen_curve:prime256v1 -nodes -subj /CN=strata-" +
        name + " -keyout " + base + ".key -out " + base + ".csr >>" + dir + "/openssl.log 2>&1");
    run("openssl x509 -req -days 2 -in " + base + ".csr -CA " + dir + "/" + ca + ".pem -CAkey " +
        dir + "/" + ca + ".key -CAcreateserial -out " + base + ".pem >>" + dir +
        "/openssl.log 2>&1");
  }
};

std::vector<std::string> joined(std::vector<std::string> a, const std::vector<std::string>& b) {
  a.insert(a.end(), b.begin(), b.end());
  return a;
}

// With cluster.tls=1 every cluster port speaks TLS with a certificate of the cluster's CA, and
// the cluster works as without it: nodes join, take the world, move a range to a node that joins
// under load, lose no acknowledged update, and reach each other without the coordinator. A
// failed TLS connection (the probes here) closes no other connection.
TEST(cluster, over_tls_nodes_join_and_move_ranges_under_load_and_lose_no_update) {
  base::temp_dir certificates{"cluster-tls-files"};
  tls_files tls(certificates.path());
  cluster c(joined(quick, tls.settings()));
  auto [n1, a1] = c.node("n1");
  auto [n2, a2] = c.node("n2");
  auto to_n1 = connect(a1);
  ASSERT_TRUE(to_n1);
  ASSERT_TRUE(to_n1->create(world_spec(), generator_record()).ok());
  const std::uint64_t id1 = id_of(*n1), id2 = id_of(*n2);
  auto spread = wait_for_map(*to_n1, [&](const client::shard_map& m) {
    return owns_something(m, id1) && owns_something(m, id2) && m.moves.empty() &&
           m.nodes.size() == 2 && !m.nodes[0].address.empty() && !m.nodes[1].address.empty();
  });
  ASSERT_TRUE(spread.ok()) << spread.error().to_string() << c.coordinator->output();

  // The coordinator's port and each node's cluster port: TLS, with a certificate the cluster's
  // CA signed.
  for (const std::string& address : {c.join, spread->nodes[0].address, spread->nodes[1].address}) {
    const std::string seen = tls.probe(address);
    EXPECT_NE(seen.find("CN = strata-member"), std::string::npos) << address << ": " << seen;
    EXPECT_NE(seen.find("Verify return code: 0 (ok)"), std::string::npos)
        << address << ": " << seen;
  }

  steady_load load({a1, a2}, workload(400));
  while (load.acked() < 40)
    std::this_thread::sleep_for(20ms);
  auto [n3, a3] = c.node("n3");
  const std::uint64_t id3 = id_of(*n3);
  auto three = wait_for_map(*to_n1, [&](const client::shard_map& m) {
    return owns_something(m, id3) && m.moves.empty();
  });
  ASSERT_TRUE(three.ok()) << three.error().to_string() << c.coordinator->output() << n1->output()
                          << n2->output() << n3->output();
  const std::size_t before = load.acked();
  while (load.acked() < before + 40)
    std::this_thread::sleep_for(20ms);
  load.stop();
  EXPECT_EQ(load.other, 0) << load.last_other;
  expect_each_applied_once(*to_n1, load.acknowledged());
  // The third node serves reads of regions the others own, through them.
  auto to_n3 = connect(a3);
  ASSERT_TRUE(to_n3);
  expect_each_applied_once(*to_n3, load.acknowledged());
  for (const auto* p : {n1.get(), n2.get(), n3.get()})
    EXPECT_EQ(p->output().find("lost the coordinator"), std::string::npos) << p->output();
  // The nodes reach each other directly: with the coordinator gone, the third node still reads
  // the regions the others own.
  c.coordinator->stop(SIGKILL);
  expect_counts(*to_n3, load.acknowledged());
}

// A TLS cluster admits no process without a certificate of its CA: a node presenting another
// CA's certificate, and a node without TLS, both fail to join with a clear error.
TEST(cluster, a_tls_cluster_refuses_nodes_without_a_certificate_of_its_ca) {
  base::temp_dir certificates{"cluster-tls-files"};
  tls_files tls(certificates.path());
  cluster c(tls.settings());
  const auto refused = [&](const std::string& name, const std::vector<std::string>& settings,
                           const std::string& expected) {
    std::vector<std::string> args{
        "--role",   "node",        "--data", c.dir.path() + "/" + name,     "--join", c.join,
        "--listen", "127.0.0.1:0", "--set",  "cluster.join_timeout_ms=1500"};
    for (const std::string& s : settings)
      args.insert(args.end(), {"--set", s});
    process node(c.dir.path() + "/" + name + ".log", args);
    const int status = node.wait();
    ASSERT_NE(status, -1) << "still running: " << node.output();
    EXPECT_TRUE(WIFEXITED(status) && WEXITSTATUS(status) == 1) << node.output();
    EXPECT_NE(node.output().find("cannot reach the coordinator at " + c.join), std::string::npos)
        << node.output();
    EXPECT_NE(node.output().find(expected), std::string::npos) << node.output();
  };
  refused("stranger", tls.settings("stranger", "other-ca"),
          "a certificate signed by the CA in the others' cluster.tls_ca");
  refused("plain", {}, "every process of a cluster needs the same cluster.tls");
  // The coordinator is unharmed: a member joins and is given the world.
  auto [member, address] = c.node("member");
  auto to_member = connect(address);
  ASSERT_TRUE(to_member);
  auto made = to_member->create(world_spec(), generator_record());
  ASSERT_TRUE(made.ok()) << made.error().to_string() << member->output();
  auto map = wait_for_map(*to_member, [&](const client::shard_map& m) {
    return m.ranges.size() == 1 && m.ranges[0].node == id_of(*member);
  });
  EXPECT_TRUE(map.ok()) << map.error().to_string() << member->output();
}

// TLS files that do not fit stop the process at start, naming the file and what is wrong.
TEST(cluster, tls_files_that_do_not_fit_stop_the_process_with_a_clear_error) {
  base::temp_dir certificates{"cluster-tls-files"};
  tls_files tls(certificates.path());
  const std::string d = tls.dir;
  const std::vector<std::pair<std::vector<std::string>, std::string>> cases = {
      {{"cluster.tls=1"}, "missing: cluster.tls_certificate, cluster.tls_key, cluster.tls_ca"},
      {{"cluster.tls=1", "cluster.tls_certificate=" + d + "/member.pem",
        "cluster.tls_key=" + d + "/stranger.key", "cluster.tls_ca=" + d + "/ca.pem"},
       "cluster.tls_key " + d + "/stranger.key: it is not the key of " + d + "/member.pem"},
      {{"cluster.tls=1", "cluster.tls_certificate=" + d + "/stranger.pem",
        "cluster.tls_key=" + d + "/stranger.key", "cluster.tls_ca=" + d + "/ca.pem"},
       "cluster.tls_certificate " + d + "/stranger.pem: peers would refuse it"},
      {{"cluster.tls=1", "cluster.tls_certificate=" + d + "/nowhere.pem",
        "cluster.tls_key=" + d + "/member.key", "cluster.tls_ca=" + d + "/ca.pem"},
       "cluster.tls_certificate " + d + "/nowhere.pem: "},
  };
  for (const auto& [settings, expected] : cases) {
    std::vector<std::string> args{"--role",           "coordinator",      "--data",
                                  d + "/coordinator", "--cluster-listen", "127.0.0.1:0"};
    for (const std::string& s : settings)
      args.insert(args.end(), {"--set", s});
    process coordinator(d + "/coordinator.log", args);
    const int status = coordinator.wait();
    ASSERT_NE(status, -1) << coordinator.output();
    EXPECT_TRUE(WIFEXITED(status) && WEXITSTATUS(status) == 1) << coordinator.output();
    EXPECT_NE(coordinator.output().find("strata: invalid_config: "), std::string::npos)
        << coordinator.output();
    EXPECT_NE(coordinator.output().find(expected), std::string::npos) << coordinator.output();
  }
}

}  // namespace
}  // namespace strata
