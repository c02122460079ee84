// Geological updates through the store: an erosion applied by the writer is durable, reports
// what it removed, reads back from the disk, and its retry is a duplicate that changes nothing.
#include "shard/apply.hpp"

#include <gtest/gtest.h>

#include "geology/dem.hpp"

#include <unistd.h>
#include "base/testing.hpp"

#include <filesystem>
#include <future>

#include "geo/morton.hpp"
#include "shard/writer.hpp"

namespace strata::shard {
namespace {

using base::temp_dir;

// Granite below altitude index 40, air above.
void granite_world(const chunk_key& key, compression::chunk& out) {
  const geo::morton_coords at = geo::morton_decode(key.morton);
  for (unsigned z = 0; z < 32; ++z)
    for (unsigned n = 0; n < 1024; ++n)
      out.material[z * 1024 + n] =
          at.k * 32 + z < 40 ? geology::material::granite : geology::material::air;
  out.history.fill(0);
}

TEST(apply, an_erosion_through_the_writer_is_durable_and_applied_once) {
  const geo::grid g = *geo::grid::make(geology::sample_world_spec("jacksboro"));
  const geology::process_context ctx{g, geology::material_table::defaults(), -1000};
  const geology::erosion_update erosion{
      geology::cap_field{{36.3, -84.2}, 150, 8.f, geology::profile::flat}};
  temp_dir dir;
  store_options options;
  options.directory = dir.path();
  options.log = [](std::string_view) {};
  update_id id{};
  id[0] = 7;
  double removed = 0;
  std::vector<chunk_key> changed;
  {
    auto s = store::open(options, granite_world);
    ASSERT_TRUE(s.ok());
    writer w(**s, writer_options{});
    auto planned = geology::plan(ctx, erosion);
    ASSERT_TRUE(planned.ok());
    auto fx = std::make_shared<geology::effects>();
    std::promise<update_ack> acked;
    ASSERT_TRUE(w.submit(to_request(id, 3, *planned, fx), 1, [&](update_ack ack) {
                   acked.set_value(std::move(ack));
                 }).ok());
    const update_ack ack = acked.get_future().get();
    ASSERT_EQ(ack.status, update_status::applied);
    changed = ack.changed;
    removed = fx->removed_m3[geology::material::granite];
    EXPECT_GT(removed, 0);
    EXPECT_EQ(fx->voxels_changed, fx->columns * 2);  // 8 m is two voxels everywhere
  }
  // Reopened: the eroded chunks read back from disk; a retry is a duplicate.
  auto s = store::open(options, granite_world);
  ASSERT_TRUE(s.ok());
  ASSERT_FALSE(changed.empty());
  std::uint64_t lowered = 0;
  for (const chunk_key& key : changed) {
    auto stored = (*s)->read_encoded(key);
    ASSERT_TRUE(stored.ok() && stored->has_value());
    EXPECT_EQ((*stored)->meta.tick, 3u);
    auto c = (*s)->read(key);
    ASSERT_TRUE(c.ok());
    for (std::size_t n = 0; n < compression::voxels; ++n)
      lowered += (*c)->history[n] == geology::history::erosion;
  }
  auto planned = geology::plan(ctx, erosion);
  std::vector<update_request> retry = {to_request(id, 3, *planned)};
  EXPECT_EQ((*s)->apply_batch(retry)[0].status, update_status::duplicate);
  EXPECT_GT(lowered, 0u);
  for (std::uint64_t region : planned->regions)
    EXPECT_TRUE(*(*s)->applied(region, id));
}

}  // namespace
}  // namespace strata::shard
