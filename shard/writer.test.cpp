// The group-commit writer: concurrent submitters share commits, every completion runs after its
// update is durable, a full queue answers "overloaded", stop() finishes what was submitted; the
// recompressor empties the dirty set.
#include "shard/writer.hpp"

#include <gtest/gtest.h>

#include <unistd.h>
#include "base/testing.hpp"

#include <atomic>
#include <filesystem>
#include <future>
#include <thread>

namespace strata::shard {
namespace {

using base::temp_dir;

std::unique_ptr<store> open_store(const temp_dir& dir) {
  store_options options;
  options.directory = dir.path();
  options.log = [](std::string_view) {};
  auto s = store::open(options);
  EXPECT_TRUE(s.ok());
  return std::move(*s);
}

update_request set_voxel(std::uint32_t n) {
  update_request r;
  r.id[0] = static_cast<std::uint8_t>(n);
  r.id[1] = static_cast<std::uint8_t>(n >> 8);
  r.id[2] = static_cast<std::uint8_t>(n >> 16);
  r.regions = {n % 4};
  r.tick = n;
  const chunk_key key{n % 4, 0, n % 16};
  r.apply = [key, n](chunk_editor& editor) -> base::status {
    auto c = editor.edit(key);
    if (!c)
      return c.error();
    (*c)->material[n % compression::voxels] = 5;
    return {};
  };
  return r;
}

TEST(writer, concurrent_updates_share_commits_and_are_durable_when_acknowledged) {
  temp_dir dir;
  auto s = open_store(dir);
  writer_options options;
  options.batch_delay = std::chrono::microseconds(2000);
  writer w(*s, options);
  constexpr std::uint32_t threads = 4, each = 200;
  std::atomic<int> applied{0}, durable{0};
  std::vector<std::thread> submitters;
  std::vector<std::promise<void>> finished(threads * each);
  for (std::uint32_t t = 0; t < threads; ++t)
    submitters.emplace_back([&, t] {
      for (std::uint32_t k = 0; k < each; ++k) {
        const std::uint32_t n = t * each + k;
        update_request r = set_voxel(n);
        const update_id id = r.id;
        const std::uint64_t region = r.regions[0];
        ASSERT_TRUE(w.submit(std::move(r), 64, [&, n, id, region](update_ack ack) {
                       applied += ack.status == update_status::applied;
                       // Acknowledged only once committed: the id is on disk.
                       auto recorded = s->applied(region, id);
                       durable += recorded.ok() && *recorded;
                       finished[n].set_value();
                     }).ok());
      }
    });
  for (auto& t : submitters)
    t.join();
  for (auto& f : finished)
    f.get_future().wait();
  EXPECT_EQ(applied, static_cast<int>(threads * each));
  EXPECT_EQ(durable, static_cast<int>(threads * each));
  EXPECT_EQ(w.updates(), threads * each);
  // Group commit: fewer transactions than updates.
  EXPECT_LT(w.commits(), w.updates());
}

TEST(writer, a_full_queue_answers_overloaded) {
  temp_dir dir;
  auto s = open_store(dir);
  writer_options options;
  options.queue_updates_max = 1;
  options.batch_delay = std::chrono::microseconds(0);
  writer w(*s, options);
  std::promise<void> inside, release;
  auto released = release.get_future().share();
  ASSERT_TRUE(w.submit(set_voxel(1), 1, [&](update_ack) {
                 inside.set_value();
                 released.wait();  // holds the writer thread
               }).ok());
  inside.get_future().wait();
  ASSERT_TRUE(w.submit(set_voxel(2), 1, {}).ok());
  auto refused = w.submit(set_voxel(3), 1, {});
  ASSERT_FALSE(refused.ok());
  EXPECT_EQ(refused.error().code, base::errc::overloaded);
  EXPECT_NE(refused.error().message.find("queue_updates_max"), std::string::npos);
  release.set_value();
  w.stop();
  EXPECT_TRUE(*s->applied(2, set_voxel(2).id));
  EXPECT_FALSE(*s->applied(3, set_voxel(3).id));
}

TEST(writer, stop_finishes_what_was_submitted_then_refuses) {
  temp_dir dir;
  auto s = open_store(dir);
  writer w(*s, writer_options{});
  std::atomic<int> done{0};
  for (std::uint32_t n = 0; n < 50; ++n)
    ASSERT_TRUE(w.submit(set_voxel(n), 1, [&](update_ack) { ++done; }).ok());
  w.stop();
  EXPECT_EQ(done, 50);
  auto late = w.submit(set_voxel(99), 1, {});
  ASSERT_FALSE(late.ok());
  EXPECT_EQ(late.error().code, base::errc::unavailable);
}

TEST(recompressor, empties_the_dirty_set_in_the_background) {
  temp_dir dir;
  auto s = open_store(dir);
  recompressor r(*s, recompressor_options{4, std::chrono::milliseconds(5)});
  {
    writer w(*s, writer_options{}, &r);
    for (std::uint32_t n = 0; n < 64; ++n)
      ASSERT_TRUE(w.submit(set_voxel(n), 1, {}).ok());
  }
  // The thread works on its own; wait for it, bounded.
  for (int tries = 0; tries < 2000 && *s->dirty_chunks() > 0; ++tries)
    std::this_thread::sleep_for(std::chrono::milliseconds(5));
  EXPECT_EQ(*s->dirty_chunks(), 0u);
  EXPECT_FALSE(r.last_error().has_value());
  EXPECT_GT(s->counters().chunks_recompressed, 0u);
}

}  // namespace
}  // namespace strata::shard
