// The shard-map actor on CAF's deterministic scheduler: nodes join (the first owning everything),
// ranges are assigned under new epochs and saved before anyone is told, subscribers get every
// change, the cluster's world is set once, and a restarted actor serves what it saved.
#include "coordinator/shard_map.hpp"

#include <gtest/gtest.h>

#include "actors/testing.hpp"

namespace strata::coordinator {
namespace {

using actors::testing::reply;

// A subscriber that keeps the last map it was sent.
struct listener_state {
  actors::map_view last;
  int updates = 0;
};
// Spawned with an argument: CAF 0.17 dereferences a null argument tuple for a function actor
// spawned without any, which UBSan reports.
caf::behavior listener(caf::stateful_actor<listener_state>* self, actors::map_view initial) {
  self->state.last = std::move(initial);
  return {
      [self](actors::map_atom, actors::map_view& view) {
        self->state.last = std::move(view);
        ++self->state.updates;
      },
      [self](caf::get_atom) { return std::make_pair(self->state.updates, self->state.last.map); }};
}

TEST(shard_map_actor, assignments_are_saved_announced_and_survive_a_restart) {
  base::temp_dir dir;
  actors::testing::deterministic sys;
  auto file = shard::map_store::open(dir.path());
  ASSERT_TRUE(file.ok());
  auto map = sys.system().spawn(shard_map, file->get(), shard::shard_map{}, actors::world_record{},
                                config::cluster_config{});
  auto watcher = sys.system().spawn(listener, actors::map_view{});
  caf::anon_send(map, actors::subscribe_atom::value, watcher);
  sys.run();
  caf::scoped_actor self{sys.system()};
  // Assigning to a node that has not joined is refused.
  auto early = self->request(map, caf::infinite, actors::assign_atom::value, std::uint64_t{0},
                             std::uint64_t{99}, shard::node_id{4});
  sys.run();
  EXPECT_EQ(reply<actors::map_view>(self, early).error().code, base::errc::invalid_argument);
  // The first node to join owns the whole id space; the next owns nothing yet.
  auto first = self->request(map, caf::infinite, actors::join_atom::value, shard::node_id{4},
                             caf::actor_cast<caf::actor>(watcher));
  sys.run();
  auto joined = reply<actors::map_view>(self, first);
  ASSERT_TRUE(joined.ok());
  ASSERT_EQ(joined->map.ranges.size(), 1u);
  EXPECT_EQ(joined->map.ranges[0], (shard::shard_range{0, ~std::uint64_t{0}, 4, 1}));
  auto second = self->request(map, caf::infinite, actors::join_atom::value, shard::node_id{5},
                              caf::actor_cast<caf::actor>(watcher));
  sys.run();
  ASSERT_TRUE(reply<actors::map_view>(self, second).ok());
  auto assigned = self->request(map, caf::infinite, actors::assign_atom::value, std::uint64_t{0},
                                std::uint64_t{99}, shard::node_id{5});
  sys.run();
  auto view = reply<actors::map_view>(self, assigned);
  ASSERT_TRUE(view.ok()) << view.error().to_string();
  EXPECT_EQ(view->map.find(50)->node, 5u);
  EXPECT_EQ(view->map.find(50)->epoch, 2u);
  EXPECT_EQ(view->map.find(100)->node, 4u);
  EXPECT_EQ(view->nodes.size(), 2u);
  auto seen = self->request(watcher, caf::infinite, caf::get_atom::value);
  sys.run();
  seen.receive(
      [&](std::pair<int, shard::shard_map>& seen) {
        EXPECT_EQ(seen.first, 4);  // on subscribing, two joins and the assignment
        EXPECT_EQ(seen.second, view->map);
      },
      [](caf::error& e) { FAIL() << caf::to_string(e); });
  auto found = self->request(map, caf::infinite, actors::lookup_atom::value, std::uint64_t{42});
  sys.run();
  EXPECT_EQ(reply<shard::shard_range>(self, found)->node, 5u);
  // Saved before it answered: a new actor over the same file starts from it.
  auto saved = (*file)->load();
  ASSERT_TRUE(saved.ok() && saved->has_value());
  EXPECT_EQ(**saved, view->map);
  auto again = sys.system().spawn(shard_map, file->get(), **saved, actors::world_record{},
                                  config::cluster_config{});
  auto h = self->request(again, caf::infinite, actors::map_atom::value);
  sys.run();
  EXPECT_EQ(reply<actors::map_view>(self, h)->map, view->map);
  for (const caf::actor& a :
       {caf::actor_cast<caf::actor>(map), caf::actor_cast<caf::actor>(again), watcher})
    caf::anon_send_exit(a, caf::exit_reason::user_shutdown);
  sys.run();
}

TEST(shard_map_actor, the_world_is_set_once_and_kept) {
  base::temp_dir dir;
  actors::testing::deterministic sys;
  auto file = shard::map_store::open(dir.path());
  ASSERT_TRUE(file.ok());
  auto map = sys.system().spawn(shard_map, file->get(), shard::shard_map{}, actors::world_record{},
                                config::cluster_config{});
  caf::scoped_actor self{sys.system()};
  auto none = self->request(map, caf::infinite, actors::world_atom::value);
  sys.run();
  EXPECT_TRUE(reply<actors::world_record>(self, none)->empty());
  const actors::world_record world{"spec bytes", "generator bytes"};
  auto set = self->request(map, caf::infinite, actors::world_atom::value, world);
  auto again = self->request(map, caf::infinite, actors::world_atom::value, world);
  auto other = self->request(map, caf::infinite, actors::world_atom::value,
                             actors::world_record{"another spec", "generator bytes"});
  auto empty = self->request(map, caf::infinite, actors::world_atom::value, actors::world_record{});
  sys.run();
  EXPECT_EQ(*reply<actors::world_record>(self, set), world);
  EXPECT_EQ(*reply<actors::world_record>(self, again), world);  // a retried import
  EXPECT_EQ(reply<actors::world_record>(self, other).error().code, base::errc::invalid_argument);
  EXPECT_EQ(reply<actors::world_record>(self, empty).error().code, base::errc::invalid_argument);
  auto kept = (*file)->load_world();
  ASSERT_TRUE(kept.ok() && kept->has_value());
  EXPECT_EQ((*kept)->first, world.spec);
  EXPECT_EQ((*kept)->second, world.generator);
  caf::anon_send_exit(map, caf::exit_reason::user_shutdown);
  sys.run();
}

}  // namespace
}  // namespace strata::coordinator
