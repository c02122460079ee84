// The node and its region actors on CAF's deterministic scheduler, over a real LMDB store: writes
// are acknowledged after their commit and exactly once, apply in arrival order, are refused when
// a region is overloaded or the route is stale; idle regions passivate and come back; reads and
// queries see what was acknowledged.
#include "actors/node.hpp"

#include <gtest/gtest.h>

#include "actors/testing.hpp"
#include "shard/apply.hpp"

namespace strata::actors {
namespace {

using testing::reply;

struct fixture {
  explicit fixture(config::config settings = {}) : w(std::move(settings)) {
    node_handle = sys.system().spawn(node, shard::node_id{1}, w.services.get(), shard_map_actor{});
    caf::anon_send(node_handle, map_atom::value, testing::whole_map(1, 7));
    sys.run();
  }
  ~fixture() {
    caf::anon_send_exit(node_handle, caf::exit_reason::user_shutdown);
    sys.run();
  }
  geo::voxel voxel_at(double alt_m, double lng_deg = -84.2) {
    return *w.grid().locate({36.3, lng_deg, alt_m});
  }
  std::uint64_t region_of(const geo::voxel& v) { return w.grid().region_of(v).id(); }
  write_part part(std::uint8_t id, const geo::voxel& v, std::uint8_t material,
                  std::uint64_t epoch = 7) {
    return {testing::set_voxel(id, v, material), {region_of(v)}, epoch};
  }
  node_stats stats(caf::scoped_actor& self) {
    auto h = self->request(node_handle, caf::infinite, stats_atom::value);
    sys.run();
    return *reply<node_stats>(self, h);
  }

  testing::deterministic sys;
  testing::world w;
  node_actor node_handle;
};

config::config with(std::uint64_t mailbox_max, std::uint64_t idle_ms = 60000) {
  config::config c;
  c.actors.region_mailbox_max = mailbox_max;
  c.actors.region_idle_ms = idle_ms;
  return c;
}

TEST(node, a_write_is_acknowledged_after_its_commit_and_a_retry_is_a_duplicate) {
  fixture f;
  caf::scoped_actor self{f.sys.system()};
  const geo::voxel v = f.voxel_at(900);
  auto h = self->request(f.node_handle, caf::infinite, apply_atom::value, f.part(1, v, 9));
  f.sys.run();
  // Planned and queued for the group commit, not yet durable: no acknowledgement.
  EXPECT_EQ(f.w.commits->queued(), 1u);
  EXPECT_FALSE(reply<write_reply>(self, h).ok());
  ASSERT_EQ(f.w.commits->run(), 1u);
  f.sys.run();
  auto ack = reply<write_reply>(self, h);
  ASSERT_TRUE(ack.ok()) << ack.error().to_string();
  EXPECT_EQ(ack->regions_applied, 1u);
  EXPECT_EQ(ack->voxels_changed, 1u);
  auto again = self->request(f.node_handle, caf::infinite, apply_atom::value, f.part(1, v, 9));
  f.sys.run();
  f.w.commits->run();
  f.sys.run();
  auto duplicate = reply<write_reply>(self, again);
  ASSERT_TRUE(duplicate.ok());
  EXPECT_EQ(duplicate->regions_applied, 0u);
  EXPECT_EQ(duplicate->regions_duplicate, 1u);
  // A voxel query through the node sees the acknowledged write.
  auto q = self->request(f.node_handle, caf::infinite, voxel_atom::value,
                         voxel_query{f.w.grid().center(v), 7});
  f.sys.run();
  auto answer = reply<voxel_answer>(self, q);
  ASSERT_TRUE(answer.ok()) << answer.error().to_string();
  EXPECT_EQ(answer->material, 9);
  EXPECT_EQ(answer->voxel, v);
  EXPECT_EQ(answer->tick, 1u);
}

TEST(node, writes_to_one_region_apply_in_arrival_order) {
  fixture f;
  caf::scoped_actor self{f.sys.system()};
  const geo::voxel v = f.voxel_at(900);
  auto first = self->request(f.node_handle, caf::infinite, apply_atom::value, f.part(1, v, 3));
  auto second = self->request(f.node_handle, caf::infinite, apply_atom::value, f.part(2, v, 4));
  f.sys.run();
  EXPECT_EQ(f.w.commits->run(), 2u);
  f.sys.run();
  EXPECT_TRUE(reply<write_reply>(self, first).ok());
  EXPECT_TRUE(reply<write_reply>(self, second).ok());
  const geo::voxel_address at = f.w.grid().address(v);
  auto c = f.w.store->read(shard::key_of(at.region, at.chunk));
  EXPECT_EQ((*c)->material[compression::voxel_index(at.x, at.y, at.z)], 4);
}

TEST(node, a_region_past_its_mailbox_limit_refuses_as_overloaded) {
  fixture f(with(2));
  caf::scoped_actor self{f.sys.system()};
  const geo::voxel v = f.voxel_at(900);
  std::vector<decltype(self->request(f.node_handle, caf::infinite, apply_atom::value,
                                     write_part{}))>
      handles;
  for (std::uint8_t n = 1; n <= 3; ++n)
    handles.push_back(
        self->request(f.node_handle, caf::infinite, apply_atom::value, f.part(n, v, n)));
  f.sys.run();
  // Two are in flight; the third finds the region full and is refused at once.
  EXPECT_EQ(f.w.commits->queued(), 2u);
  auto refused = reply<write_reply>(self, handles[2]);
  ASSERT_FALSE(refused.ok());
  EXPECT_EQ(refused.error().code, base::errc::overloaded);
  EXPECT_NE(refused.error().message.find("actors.region_mailbox_max"), std::string::npos);
  f.w.commits->run();
  f.sys.run();
  EXPECT_TRUE(reply<write_reply>(self, handles[0]).ok());
  EXPECT_TRUE(reply<write_reply>(self, handles[1]).ok());
}

TEST(node, a_write_routed_by_a_stale_epoch_or_to_the_wrong_node_is_refused) {
  fixture f;
  caf::scoped_actor self{f.sys.system()};
  const geo::voxel v = f.voxel_at(900);
  auto stale = self->request(f.node_handle, caf::infinite, apply_atom::value, f.part(1, v, 9, 6));
  f.sys.run();
  auto refused = reply<write_reply>(self, stale);
  ASSERT_FALSE(refused.ok());
  EXPECT_EQ(refused.error().code, base::errc::stale_epoch);
  EXPECT_EQ(base::kind(refused.error().code), base::error_kind::retryable);
  // The map moves the region to node 2: this node refuses it under the new epoch too.
  map_view moved = testing::whole_map(2, 8);
  caf::anon_send(f.node_handle, map_atom::value, moved);
  f.sys.run();
  auto elsewhere =
      self->request(f.node_handle, caf::infinite, apply_atom::value, f.part(2, v, 9, 8));
  f.sys.run();
  auto wrong = reply<write_reply>(self, elsewhere);
  ASSERT_FALSE(wrong.ok());
  EXPECT_EQ(wrong.error().code, base::errc::stale_epoch);
  EXPECT_NE(wrong.error().message.find("belongs to node 2"), std::string::npos);
  EXPECT_EQ(f.w.commits->queued(), 0u);  // nothing was planned or queued
}

TEST(node, an_idle_region_passivates_and_the_next_message_brings_it_back) {
  fixture f(with(4096, 1000));
  caf::scoped_actor self{f.sys.system()};
  const geo::voxel v = f.voxel_at(900);
  auto h = self->request(f.node_handle, caf::infinite, apply_atom::value, f.part(1, v, 9));
  f.sys.run();
  // In flight across the idle time: a region with work in flight stays.
  f.sys.advance(std::chrono::milliseconds(1500));
  EXPECT_EQ(f.stats(self).regions_active, 1u);
  f.w.commits->run();
  f.sys.run();
  ASSERT_TRUE(reply<write_reply>(self, h).ok());
  f.sys.advance(std::chrono::milliseconds(1500));
  node_stats s = f.stats(self);
  EXPECT_EQ(s.regions_active, 0u);
  EXPECT_EQ(s.regions_passivated, 1u);
  // The region comes back on the next message, with what it stored.
  auto again =
      self->request(f.node_handle, caf::infinite, apply_atom::value, f.part(2, f.voxel_at(904), 5));
  f.sys.run();
  f.w.commits->run();
  f.sys.run();
  ASSERT_TRUE(reply<write_reply>(self, again).ok());
  s = f.stats(self);
  EXPECT_EQ(s.regions_active, 1u);
  EXPECT_EQ(s.regions_spawned, 2u);
  auto q = self->request(f.node_handle, caf::infinite, voxel_atom::value,
                         voxel_query{f.w.grid().center(v), 7});
  f.sys.run();
  EXPECT_EQ(reply<voxel_answer>(self, q)->material, 9);
}

TEST(node, reads_return_stored_chunks_and_baseline_markers_in_the_order_asked) {
  fixture f;
  caf::scoped_actor self{f.sys.system()};
  const geo::voxel v = f.voxel_at(900);
  auto h = self->request(f.node_handle, caf::infinite, apply_atom::value, f.part(1, v, 9));
  f.sys.run();
  f.w.commits->run();
  f.sys.run();
  ASSERT_TRUE(reply<write_reply>(self, h).ok());
  const geo::voxel_address at = f.w.grid().address(v);
  const shard::chunk_key changed = shard::key_of(at.region, at.chunk);
  const shard::chunk_key untouched = shard::key_of(at.region, {at.chunk.u, at.chunk.v, 0});
  auto r = self->request(f.node_handle, caf::infinite, read_atom::value,
                         read_request{{untouched, changed}, 7});
  f.sys.run();
  auto batch = reply<chunk_batch>(self, r);
  ASSERT_TRUE(batch.ok()) << batch.error().to_string();
  ASSERT_EQ(batch->chunks.size(), 2u);
  EXPECT_EQ(batch->chunks[0].key, untouched);
  EXPECT_EQ(batch->chunks[0].source,
            static_cast<std::uint8_t>(shard::encoded_chunk::source::baseline));
  EXPECT_EQ(batch->chunks[1].key, changed);
  EXPECT_EQ(batch->chunks[1].source,
            static_cast<std::uint8_t>(shard::encoded_chunk::source::stored));
  EXPECT_EQ(batch->chunks[1].tick, 1u);
  auto stale =
      self->request(f.node_handle, caf::infinite, read_atom::value, read_request{{changed}, 3});
  f.sys.run();
  EXPECT_EQ(reply<chunk_batch>(self, stale).error().code, base::errc::stale_epoch);
}

TEST(node, a_column_query_lists_the_layers_from_the_top_down) {
  fixture f;
  caf::scoped_actor self{f.sys.system()};
  auto q = self->request(f.node_handle, caf::infinite, column_atom::value,
                         column_query{{36.3, -84.2}, 7});
  f.sys.run();
  auto column = reply<column_answer>(self, q);
  ASSERT_TRUE(column.ok()) << column.error().to_string();
  ASSERT_GE(column->layers.size(), 3u);
  EXPECT_EQ(column->layers.front().material, 0);  // air on top
  for (std::size_t n = 1; n < column->layers.size(); ++n) {
    EXPECT_EQ(column->layers[n].top_m, column->layers[n - 1].bottom_m);
    EXPECT_NE(column->layers[n].material, column->layers[n - 1].material);
  }
  EXPECT_EQ(column->layers.back().bottom_m, f.w.grid().spec().z_min_m);
  auto off = self->request(f.node_handle, caf::infinite, column_atom::value,
                           column_query{{95.0, -84.2}, 7});
  f.sys.run();
  EXPECT_EQ(reply<column_answer>(self, off).error().code, base::errc::out_of_range);
}

}  // namespace
}  // namespace strata::actors
