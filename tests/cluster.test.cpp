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

#include "base/testing.hpp"
#include "client/client.hpp"
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
      std::ifstream in(log_);
      std::string line;
      while (std::getline(in, line))
        if (auto at = line.find(marker); at != std::string::npos) {
          std::string rest = line.substr(at + marker.size());
          return rest.substr(0, rest.find_first_of(" ,"));
        }
      std::this_thread::sleep_for(20ms);
    }
    ADD_FAILURE() << "no \"" << marker << "\" in " << output();
    return "";
  }
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
  // Sends `signal` and returns the exit status.
  int stop(int signal) {
    ::kill(pid_, signal);
    int status = 0;
    ::waitpid(pid_, &status, 0);
    pid_ = -1;
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

  cluster() {
    std::filesystem::create_directories(dir.path());
    coordinator = std::make_unique<process>(
        dir.path() + "/coordinator.log",
        std::vector<std::string>{"--role", "coordinator", "--data", dir.path() + "/coordinator",
                                 "--cluster-listen", "127.0.0.1:0"});
    join = coordinator->wait_for("listening for nodes on ");
  }
  // A node with its own data directory; returns it with its client address. `life` numbers the
  // starts of one node, each with a log of its own.
  std::pair<std::unique_ptr<process>, std::string> node(const std::string& name, int life = 0) {
    auto p = std::make_unique<process>(
        dir.path() + "/" + name + "." + std::to_string(life) + ".log",
        std::vector<std::string>{"--role", "node", "--data", dir.path() + "/" + name, "--join",
                                 join, "--listen", "127.0.0.1:0"});
    std::string address = p->wait_for(" listening on ");
    return {std::move(p), address};
  }
};

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

}  // namespace
}  // namespace strata
