// The router, streams and change feeds on CAF's deterministic scheduler over a real node and
// store: a write is split by region and acknowledged when every part is durable; a stale route is
// refreshed and retried; streams keep to their window, arrive in plan order and stop when
// cancelled; change feeds coalesce, and a subscriber that does not keep up is told to resync
// while writers go on.
#include "actors/router.hpp"

#include <gtest/gtest.h>

#include "actors/node.hpp"
#include "actors/stream_plan.hpp"
#include "actors/testing.hpp"

namespace strata::actors {
namespace {

using testing::reply;

// A shard-map actor that answers with a map the test sets, and counts the questions.
struct fake_map_state {
  map_view view;
  int asked = 0;
};
// Spawned with its first map (CAF 0.17 dereferences a null argument tuple for a function actor
// spawned without arguments, which UBSan reports).
shard_map_actor::behavior_type fake_map(shard_map_actor::stateful_pointer<fake_map_state> self,
                                        map_view initial) {
  self->state.view = std::move(initial);
  return {
      [self](map_atom) {
        ++self->state.asked;
        return self->state.view;
      },
      [self](lookup_atom, std::uint64_t region) { return *self->state.view.map.find(region); },
      [self](join_atom, shard::node_id, caf::actor&) { return self->state.view; },
      [self](assign_atom, std::uint64_t, std::uint64_t, shard::node_id) {
        return self->state.view;
      },
      [](subscribe_atom, caf::actor&) {},
      [](world_atom) { return world_record{}; },
      [](world_atom, world_record& w) { return w; },
      [](renew_atom, shard::node_id, const node_report&) { return lease_grant{60000}; },
      [self](drain_atom, shard::node_id) { return self->state.view; },
      [self](move_atom, std::uint64_t, std::uint64_t, shard::node_id) { return self->state.view; },
      [](settle_atom, std::uint64_t, shard::node_id) { return true; },
      [](tick_atom) {},
  };
}

// A stream or feed consumer that records what it gets, crediting it at once when asked to.
struct sink_state {
  std::vector<chunk_item> chunks;
  int batches = 0, resyncs = 0;
  bool done = false;
  stream_stats stats;
  caf::error failure;
  bool auto_credit = false;
};
caf::behavior sink(caf::stateful_actor<sink_state>* self, bool auto_credit) {
  self->state.auto_credit = auto_credit;
  self->set_error_handler([self](caf::error& e) { self->state.failure = std::move(e); });
  return {
      [self](chunks_atom, std::uint64_t, chunk_batch& batch) {
        sink_state& st = self->state;
        ++st.batches;
        const std::uint64_t n = batch.chunks.size();
        for (chunk_item& item : batch.chunks)
          st.chunks.push_back(std::move(item));
        if (st.auto_credit)
          self->send(caf::actor_cast<caf::actor>(self->current_sender()), credit_atom::value, n);
      },
      [self](done_atom, std::uint64_t, stream_stats& stats) {
        self->state.done = true;
        self->state.stats = stats;
      },
      [self](resync_atom, std::uint64_t) { ++self->state.resyncs; },
  };
}

// An actor's state, read between runs of the deterministic scheduler (nothing runs meanwhile).
template <class Actor, class Handle>
auto& state_of(const Handle& h) {
  return dynamic_cast<Actor&>(*caf::actor_cast<caf::abstract_actor*>(h)).state;
}
using fake_map_actor = std::remove_pointer_t<shard_map_actor::stateful_pointer<fake_map_state>>;
using sink_actor = caf::stateful_actor<sink_state>;

struct fixture {
  explicit fixture(config::config settings = {}) : w(std::move(settings)) {
    map = sys.system().spawn(fake_map, map_view{});
    node_handle = sys.system().spawn(node, shard::node_id{1}, w.services.get(), map);
    view = testing::whole_map(1, 2, caf::actor_cast<caf::actor>(node_handle));
    state_of<fake_map_actor>(map).view = view;
    caf::anon_send(node_handle, map_atom::value, view);
    router_handle = sys.system().spawn(router, &w.services->context, w.services->settings,
                                       w.store->lod_max(), map);
    caf::anon_send(router_handle, map_atom::value, view);
    sys.run();
  }
  ~fixture() {
    for (const caf::actor& a : extra)
      caf::anon_send_exit(a, caf::exit_reason::user_shutdown);
    caf::anon_send_exit(router_handle, caf::exit_reason::user_shutdown);
    caf::anon_send_exit(node_handle, caf::exit_reason::user_shutdown);
    caf::anon_send_exit(map, caf::exit_reason::user_shutdown);
    sys.run();
  }
  // Runs the actors and the commits until neither has anything left.
  void settle() {
    do
      sys.run();
    while (w.commits->run() > 0);
  }
  std::string erosion(std::uint8_t id, double radius_m) {
    geology::update u;
    u.id[0] = id;
    u.tick = id;
    u.process = geology::erosion_update{
        geology::cap_field{{36.3, -84.2}, radius_m, 4.f, geology::profile::flat}};
    return geology::serialize(u);
  }
  // One update setting a voxel in each of four chunk layers of one column.
  std::string stack(std::uint8_t id, std::uint8_t material) {
    geology::update u;
    u.id[0] = id;
    u.tick = id;
    geology::set_voxels_update set;
    for (double alt : {20.0, 150.0, 280.0, 410.0})
      set.voxels.push_back({*w.grid().locate({36.3, -84.2, alt}), material});
    u.process = set;
    return geology::serialize(u);
  }
  caf::actor spawn_sink(bool auto_credit) {
    caf::actor s = sys.system().spawn(sink, auto_credit);
    extra.push_back(s);
    return s;
  }

  testing::deterministic sys;
  testing::world w;
  shard_map_actor map;
  node_actor node_handle;
  router_actor router_handle;
  map_view view;
  std::vector<caf::actor> extra;
};

config::config streaming(std::uint64_t window, std::uint64_t batch) {
  config::config c;
  c.stream.window_chunks = window;
  c.stream.batch_chunks = batch;
  return c;
}

TEST(router, a_write_over_many_regions_is_acknowledged_when_every_part_is_durable) {
  fixture f;
  caf::scoped_actor self{f.sys.system()};
  const std::string update = f.erosion(1, 3000);
  auto planned = geology::plan(f.w.services->context, geology::parse_update(update)->process);
  ASSERT_GT(planned->regions.size(), 2u);
  auto h = self->request(f.router_handle, caf::infinite, apply_atom::value, update);
  f.sys.run();
  EXPECT_FALSE(reply<write_reply>(self, h).ok());  // parts queued, none durable yet
  EXPECT_EQ(f.w.commits->queued(), planned->regions.size());
  f.settle();
  auto ack = reply<write_reply>(self, h);
  ASSERT_TRUE(ack.ok()) << ack.error().to_string();
  EXPECT_EQ(ack->regions_applied, planned->regions.size());
  EXPECT_GT(ack->voxels_changed, 0u);
  ASSERT_FALSE(ack->removed.empty());  // what erosion took, per material
  // The whole update again: every region answers duplicate.
  auto again = self->request(f.router_handle, caf::infinite, apply_atom::value, update);
  f.settle();
  auto dup = reply<write_reply>(self, again);
  ASSERT_TRUE(dup.ok());
  EXPECT_EQ(dup->regions_applied, 0u);
  EXPECT_EQ(dup->regions_duplicate, planned->regions.size());
  // Bad bytes are refused by the router before any node sees them.
  auto bad = self->request(f.router_handle, caf::infinite, apply_atom::value,
                           std::string("not an update"));
  f.sys.run();
  EXPECT_EQ(reply<write_reply>(self, bad).error().code, base::errc::parse_error);
}

TEST(router, a_part_refused_for_a_stale_epoch_is_rerouted_by_a_fresh_map) {
  fixture f;
  caf::scoped_actor self{f.sys.system()};
  // The node and the shard-map actor move on to epoch 3; the router still routes by epoch 2.
  map_view fresh = testing::whole_map(1, 3, caf::actor_cast<caf::actor>(f.node_handle));
  state_of<fake_map_actor>(f.map).view = fresh;
  caf::anon_send(f.node_handle, map_atom::value, fresh);
  f.sys.run();
  auto h = self->request(f.router_handle, caf::infinite, apply_atom::value, f.erosion(2, 500));
  f.settle();
  auto ack = reply<write_reply>(self, h);
  ASSERT_TRUE(ack.ok()) << ack.error().to_string();
  EXPECT_GT(ack->regions_applied, 0u);
  EXPECT_EQ(state_of<fake_map_actor>(f.map).asked, 1);
  // A voxel query routes by the refreshed map at once.
  auto q = self->request(f.router_handle, caf::infinite, voxel_atom::value,
                         geo::position{36.3, -84.2, 300});
  f.sys.run();
  EXPECT_TRUE(reply<voxel_answer>(self, q).ok());
  EXPECT_EQ(state_of<fake_map_actor>(f.map).asked, 1);
}

TEST(router, a_stream_keeps_to_its_window_and_stops_when_cancelled) {
  fixture f(streaming(8, 4));
  caf::scoped_actor self{f.sys.system()};
  caf::actor consumer = f.spawn_sink(false);
  stream_request request;
  request.centre = {36.3, -84.2};
  request.radius_m = 2000;
  auto h = self->request(f.router_handle, caf::infinite, stream_atom::value, request, consumer);
  f.sys.run();
  auto producer = reply<caf::actor>(self, h);
  ASSERT_TRUE(producer.ok()) << producer.error().to_string();
  sink_state& got = state_of<sink_actor>(consumer);
  EXPECT_EQ(got.chunks.size(), 8u);  // the window, and not one more until credited
  caf::anon_send(*producer, credit_atom::value, std::uint64_t{4});
  f.sys.run();
  EXPECT_EQ(got.chunks.size(), 12u);
  caf::anon_send(*producer, cancel_atom::value);
  f.sys.run();
  caf::anon_send(*producer, credit_atom::value, std::uint64_t{100});
  f.sys.run();
  EXPECT_EQ(got.chunks.size(), 12u);
  EXPECT_FALSE(got.done);
}

TEST(router, a_stream_delivers_the_plan_in_order_and_reports_when_done) {
  fixture f(streaming(64, 16));
  caf::scoped_actor self{f.sys.system()};
  caf::actor consumer = f.spawn_sink(true);
  stream_request request;
  request.centre = {36.3, -84.2};
  request.radius_m = 2500;
  request.lod_max = 1;
  request.lod_step_m = 1200;
  auto plan = plan_stream(f.w.grid(), request, f.w.store->lod_max(), {});
  ASSERT_TRUE(plan.ok());
  auto h = self->request(f.router_handle, caf::infinite, stream_atom::value, request, consumer);
  f.sys.run();
  ASSERT_TRUE(reply<caf::actor>(self, h).ok());
  sink_state& got = state_of<sink_actor>(consumer);
  ASSERT_TRUE(got.done);
  ASSERT_EQ(got.chunks.size(), plan->size());
  for (std::size_t n = 0; n < plan->size(); ++n) {
    ASSERT_EQ(got.chunks[n].key, (*plan)[n].key) << n;
    EXPECT_EQ(got.chunks[n].error_code, 0) << got.chunks[n].error_message;
  }
  EXPECT_EQ(got.stats.chunks, plan->size());
  // Too large an area is refused as the reply, before any actor is spawned.
  request.radius_m = 1e7;
  auto refused =
      self->request(f.router_handle, caf::infinite, stream_atom::value, request, consumer);
  f.sys.run();
  EXPECT_EQ(reply<caf::actor>(self, refused).error().code, base::errc::limit_exceeded);
}

TEST(router, a_stream_over_an_area_with_no_chunk_column_ends_at_once) {
  fixture f;
  caf::scoped_actor self{f.sys.system()};
  caf::actor consumer = f.spawn_sink(true);
  stream_request request;
  request.centre = {36.3, -84.2};
  request.radius_m = 1;  // no chunk column's centre lies this close
  auto h = self->request(f.router_handle, caf::infinite, stream_atom::value, request, consumer);
  f.sys.run();
  ASSERT_TRUE(reply<caf::actor>(self, h).ok());
  sink_state& got = state_of<sink_actor>(consumer);
  EXPECT_TRUE(got.done);
  EXPECT_EQ(got.stats.chunks, 0u);
}

TEST(router, a_change_feed_coalesces_changes_to_the_newest_version) {
  config::config c;
  c.subscribe.interval_ms = 100;
  fixture f(c);
  caf::scoped_actor self{f.sys.system()};
  caf::actor consumer = f.spawn_sink(true);
  auto h = self->request(f.router_handle, caf::infinite, subscribe_atom::value,
                         subscribe_request{{36.3, -84.2}, 100}, consumer);
  f.sys.run();
  ASSERT_TRUE(reply<caf::actor>(self, h).ok());
  // Three updates to the same four chunks before the feed's next delivery.
  for (std::uint8_t n = 1; n <= 3; ++n) {
    auto w = self->request(f.router_handle, caf::infinite, apply_atom::value, f.stack(n, n + 2));
    f.settle();
    ASSERT_TRUE(reply<write_reply>(self, w).ok());
  }
  sink_state& got = state_of<sink_actor>(consumer);
  EXPECT_TRUE(got.chunks.empty());  // rate-limited: nothing before the interval
  f.sys.advance(std::chrono::milliseconds(100));
  ASSERT_EQ(got.chunks.size(), 4u);  // each chunk once
  for (const chunk_item& item : got.chunks) {
    EXPECT_EQ(item.tick, 3u);  // its newest version
    EXPECT_EQ(item.source, static_cast<std::uint8_t>(shard::encoded_chunk::source::stored));
  }
  EXPECT_EQ(got.resyncs, 0);
}

TEST(router, a_subscriber_that_does_not_keep_up_is_told_to_resync_and_writers_go_on) {
  config::config c;
  c.subscribe.interval_ms = 100;
  c.subscribe.buffer_chunks = 6;
  c.stream.window_chunks = 4;
  fixture f(c);
  caf::scoped_actor self{f.sys.system()};
  caf::actor consumer = f.spawn_sink(false);  // takes what it is sent, never credits
  auto h = self->request(f.router_handle, caf::infinite, subscribe_atom::value,
                         subscribe_request{{36.3, -84.2}, 3000}, consumer);
  f.sys.run();
  ASSERT_TRUE(reply<caf::actor>(self, h).ok());
  auto first = self->request(f.router_handle, caf::infinite, apply_atom::value, f.stack(1, 3));
  f.settle();
  ASSERT_TRUE(reply<write_reply>(self, first).ok());
  f.sys.advance(std::chrono::milliseconds(100));
  sink_state& got = state_of<sink_actor>(consumer);
  EXPECT_EQ(got.chunks.size(), 4u);  // a full window, not credited
  // Erosion over many chunks: every write is acknowledged though the feed is full.
  for (std::uint8_t n = 2; n <= 4; ++n) {
    auto w = self->request(f.router_handle, caf::infinite, apply_atom::value, f.erosion(n, 1500));
    f.settle();
    ASSERT_TRUE(reply<write_reply>(self, w).ok());
  }
  f.sys.advance(std::chrono::milliseconds(100));
  EXPECT_GE(got.resyncs, 1);
  EXPECT_EQ(got.chunks.size(), 4u);
}

}  // namespace
}  // namespace strata::actors
