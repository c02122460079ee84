// Region storage on a real LMDB environment: updates commit with their ids exactly once, survive
// reopening, fail alone, and grow a full map; reads verify checksums; recompression keeps content
// and builds LOD parents; the cache keeps to its budget.
#include "shard/store.hpp"

#include <gtest/gtest.h>
#include <unistd.h>

#include <filesystem>
#include <random>

#include "base/testing.hpp"
#include "compression/format.hpp"
#include "compression/lod.hpp"
#include "shard/lmdb.hpp"

namespace strata::shard {
namespace {

using compression::chunk;

using base::temp_dir;

store_options options_for(const temp_dir& dir) {
  store_options options;
  options.directory = dir.path();
  options.map_bytes = 1 << 20;
  options.log = [](std::string_view) {};
  return options;
}

// A baseline like a generator's: layers that depend on the key, so absent chunks are not air.
void layered_baseline(const chunk_key& key, chunk& out) {
  for (unsigned z = 0; z < 32; ++z)
    for (unsigned n = 0; n < 1024; ++n)
      out.material[z * 1024 + n] = static_cast<std::uint8_t>(z < (key.morton % 7) * 4 ? 8 : 0);
  out.history.fill(0);
}

update_id id_of(int n) {
  update_id id{};
  id[0] = static_cast<std::uint8_t>(n);
  id[1] = static_cast<std::uint8_t>(n >> 8);
  id[15] = 0xaa;
  return id;
}

// An update that sets one voxel of a chunk.
update_request set_voxel(int id, const chunk_key& key, std::size_t voxel, std::uint8_t material,
                         std::uint64_t tick = 7) {
  update_request r;
  r.id = id_of(id);
  r.tick = tick;
  r.regions = {key.region};
  r.apply = [key, voxel, material](chunk_editor& editor) -> base::status {
    auto c = editor.edit(key);
    if (!c)
      return c.error();
    (*c)->material[voxel] = material;
    (*c)->history[voxel] |= 0x80;
    return {};
  };
  return r;
}

TEST(store, an_applied_update_is_read_back_and_survives_reopening) {
  temp_dir dir;
  const chunk_key key{42, 0, 5};
  {
    auto s = store::open(options_for(dir), layered_baseline);
    ASSERT_TRUE(s.ok()) << s.error().to_string();
    std::vector<update_request> batch = {set_voxel(1, key, 100, 9, 11)};
    auto acks = (*s)->apply_batch(batch);
    ASSERT_EQ(acks.size(), 1u);
    ASSERT_EQ(acks[0].status, update_status::applied)
        << (acks[0].error ? acks[0].error->to_string() : "");
    ASSERT_EQ(acks[0].changed, std::vector<chunk_key>{key});
    auto c = (*s)->read(key);
    ASSERT_TRUE(c.ok());
    EXPECT_EQ((*c)->material[100], 9);
  }
  auto s = store::open(options_for(dir), layered_baseline);
  ASSERT_TRUE(s.ok());
  auto c = (*s)->read(key);
  ASSERT_TRUE(c.ok());
  chunk expected;
  layered_baseline(key, expected);
  expected.material[100] = 9;
  expected.history[100] = 0x80;
  EXPECT_TRUE(**c == expected);
  auto stored = (*s)->read_encoded(key);
  ASSERT_TRUE(stored.ok() && stored->has_value());
  EXPECT_EQ((*stored)->meta, (chunk_meta{1, 11}));
  chunk decoded;
  ASSERT_TRUE(compression::decode_chunk((*stored)->bytes, decoded).ok());
  EXPECT_TRUE(decoded == expected);
  auto region = (*s)->region(42);
  ASSERT_TRUE(region.ok());
  EXPECT_EQ(*region, (region_meta{1, 11, 1}));
  // A chunk never written reads as its baseline and has no stored bytes.
  const chunk_key other{42, 0, 6};
  auto absent = (*s)->read_encoded(other);
  ASSERT_TRUE(absent.ok());
  EXPECT_FALSE(absent->has_value());
  auto baseline = (*s)->read(other);
  ASSERT_TRUE(baseline.ok());
  layered_baseline(other, expected);
  EXPECT_TRUE(**baseline == expected);
}

TEST(store, a_retried_update_is_a_duplicate_and_changes_nothing_also_after_reopening) {
  temp_dir dir;
  const chunk_key key{42, 0, 5};
  {
    auto s = store::open(options_for(dir), layered_baseline);
    std::vector<update_request> batch = {set_voxel(1, key, 100, 9), set_voxel(1, key, 101, 9)};
    auto acks = (*s)->apply_batch(batch);
    EXPECT_EQ(acks[0].status, update_status::applied);
    EXPECT_EQ(acks[1].status, update_status::duplicate);  // the same id within one batch
  }
  auto s = store::open(options_for(dir), layered_baseline);
  std::vector<update_request> retry = {set_voxel(1, key, 102, 9)};
  auto acks = (*s)->apply_batch(retry);
  EXPECT_EQ(acks[0].status, update_status::duplicate);
  auto c = (*s)->read(key);
  chunk base;
  layered_baseline(key, base);
  EXPECT_EQ((*c)->material[101], base.material[101]);
  EXPECT_EQ((*c)->material[102], base.material[102]);
  EXPECT_EQ((*s)->region(42)->updates, 1u);
  EXPECT_EQ((*s)->counters().updates_duplicate, 1u);
}

TEST(store, a_failing_update_changes_nothing_and_the_others_commit) {
  temp_dir dir;
  auto s = store::open(options_for(dir), layered_baseline);
  const chunk_key key{7, 0, 1};
  update_request failing = set_voxel(2, key, 5, 3);
  failing.apply = [key](chunk_editor& editor) -> base::status {
    auto c = editor.edit(key);
    (*c)->material[6] = 4;  // changed, then the update fails: the change must go
    return base::fail(base::errc::out_of_range, "column outside the world");
  };
  std::vector<update_request> batch = {set_voxel(1, key, 5, 3), std::move(failing),
                                       set_voxel(3, key, 7, 3)};
  auto acks = (*s)->apply_batch(batch);
  EXPECT_EQ(acks[0].status, update_status::applied);
  ASSERT_EQ(acks[1].status, update_status::failed);
  EXPECT_EQ(acks[1].error->code, base::errc::out_of_range);
  EXPECT_EQ(acks[2].status, update_status::applied);
  auto c = (*s)->read(key);
  chunk base;
  layered_baseline(key, base);
  ASSERT_NE(base.material[6], 4);
  EXPECT_EQ((*c)->material[5], 3);
  EXPECT_EQ((*c)->material[6], base.material[6]);
  EXPECT_EQ((*c)->material[7], 3);
  // The failed update's id is not recorded: a retry applies.
  EXPECT_FALSE(*(*s)->applied(7, id_of(2)));
  std::vector<update_request> retry = {set_voxel(2, key, 8, 3)};
  EXPECT_EQ((*s)->apply_batch(retry)[0].status, update_status::applied);
}

TEST(store, an_update_may_change_only_the_regions_it_names) {
  temp_dir dir;
  auto s = store::open(options_for(dir), layered_baseline);
  update_request r = set_voxel(1, chunk_key{8, 0, 0}, 0, 1);
  r.regions = {9};
  std::vector<update_request> batch = {std::move(r)};
  auto acks = (*s)->apply_batch(batch);
  ASSERT_EQ(acks[0].status, update_status::failed);
  EXPECT_EQ(acks[0].error->code, base::errc::invalid_argument);
  EXPECT_FALSE((*s)->read_encoded(chunk_key{8, 0, 0})->has_value());
}

TEST(store, a_batch_past_the_working_set_bound_commits_in_several_transactions) {
  temp_dir dir;
  store_options options = options_for(dir);
  options.working_set_bytes_max = 3 * sizeof(chunk);
  auto s = store::open(options, layered_baseline);
  std::vector<update_request> batch;
  for (int n = 0; n < 10; ++n)
    batch.push_back(set_voxel(n + 1, chunk_key{4, 0, static_cast<std::uint64_t>(n)}, 0, 9));
  for (const update_ack& ack : (*s)->apply_batch(batch))
    EXPECT_EQ(ack.status, update_status::applied);
  // Each transaction takes updates until it holds more than three chunks: four chunks each.
  EXPECT_EQ((*s)->counters().commits, 3u);
  for (std::uint64_t n = 0; n < 10; ++n)
    EXPECT_EQ((**(*s)->read(chunk_key{4, 0, n})).material[0], 9);
}

TEST(store, a_full_map_grows_and_the_batch_commits) {
  temp_dir dir;
  store_options options = options_for(dir);
  options.map_bytes = 64 << 10;
  auto s = store::open(options, layered_baseline);
  ASSERT_TRUE(s.ok());
  // Chunks of noise: the fast path stores them nearly raw, far past 64 KiB.
  std::mt19937 random(1);
  std::vector<update_request> batch;
  for (int n = 0; n < 20; ++n) {
    update_request r;
    r.id = id_of(100 + n);
    r.regions = {1};
    const chunk_key key{1, 0, static_cast<std::uint64_t>(n)};
    const unsigned seed = random();
    r.apply = [key, seed](chunk_editor& editor) -> base::status {
      auto c = editor.edit(key);
      if (!c)
        return c.error();
      std::mt19937 noise(seed);
      for (auto& v : (*c)->material)
        v = static_cast<std::uint8_t>(noise() % 4);
      return {};
    };
    batch.push_back(std::move(r));
  }
  auto acks = (*s)->apply_batch(batch);
  for (const update_ack& ack : acks)
    ASSERT_EQ(ack.status, update_status::applied) << (ack.error ? ack.error->to_string() : "");
  EXPECT_GT((*s)->counters().map_grows, 0u);
  EXPECT_GT((*s)->map_bytes(), 64u << 10);
  auto scrub = (*s)->scrub();
  ASSERT_TRUE(scrub.ok());
  EXPECT_EQ(scrub->chunks, 20u);
  EXPECT_TRUE(scrub->corrupt.empty());
}

TEST(store, a_corrupt_chunk_is_an_error_a_log_line_and_a_counter_never_data) {
  temp_dir dir;
  const chunk_key key{9, 0, 3};
  {
    auto s = store::open(options_for(dir), layered_baseline);
    std::vector<update_request> batch = {set_voxel(1, key, 0, 5)};
    ASSERT_EQ((*s)->apply_batch(batch)[0].status, update_status::applied);
  }
  {
    // Flip one byte of the stored chunk behind the store's back.
    lmdb::environment_options env_options;
    env_options.directory = dir.path();
    auto env = lmdb::environment::open(env_options);
    auto txn = lmdb::transaction::begin(*env, lmdb::transaction::mode::write);
    auto db = txn->open("chunks");
    auto bytes = txn->get(*db, encode(key));
    ASSERT_TRUE(bytes.ok() && bytes->has_value());
    std::string damaged(**bytes);
    damaged.back() ^= 0x40;
    ASSERT_TRUE(txn->put(*db, encode(key), damaged).ok());
    ASSERT_TRUE(txn->commit().ok());
  }
  std::vector<std::string> lines;
  store_options options = options_for(dir);
  options.log = [&lines](std::string_view line) { lines.emplace_back(line); };
  auto s = store::open(options, layered_baseline);
  auto c = (*s)->read(key);
  ASSERT_FALSE(c.ok());
  EXPECT_EQ(c.error().code, base::errc::corrupt_data);
  EXPECT_EQ((*s)->counters().corrupt_chunks, 1u);
  ASSERT_EQ(lines.size(), 1u);
  EXPECT_NE(lines[0].find("corrupt"), std::string::npos);
  // An update that needs the chunk fails and changes nothing.
  std::vector<update_request> batch = {set_voxel(2, key, 1, 5)};
  auto acks = (*s)->apply_batch(batch);
  EXPECT_EQ(acks[0].status, update_status::failed);
  EXPECT_EQ(acks[0].error->code, base::errc::corrupt_data);
  auto scrub = (*s)->scrub();
  ASSERT_TRUE(scrub.ok());
  ASSERT_EQ(scrub->corrupt.size(), 1u);
  EXPECT_EQ(scrub->corrupt[0].first, key);
}

TEST(store, ids_past_the_window_are_forgotten_oldest_first) {
  temp_dir dir;
  store_options options = options_for(dir);
  options.applied_window = 3;
  auto s = store::open(options, layered_baseline);
  const chunk_key key{5, 0, 0};
  for (int n = 1; n <= 6; ++n) {
    std::vector<update_request> batch = {set_voxel(n, key, static_cast<std::size_t>(n), 1)};
    ASSERT_EQ((*s)->apply_batch(batch)[0].status, update_status::applied);
  }
  for (int n = 1; n <= 3; ++n)
    EXPECT_FALSE(*(*s)->applied(5, id_of(n))) << n;
  for (int n = 4; n <= 6; ++n)
    EXPECT_TRUE(*(*s)->applied(5, id_of(n))) << n;
}

TEST(store, recompression_keeps_content_shrinks_bytes_and_builds_lod_parents) {
  temp_dir dir;
  store_options options = options_for(dir);
  options.lod_max = 1;
  options.chunk_layers = 2;
  auto s = store::open(options, layered_baseline);
  const chunk_key key{3, 0, 0};
  std::vector<update_request> batch;
  for (int n = 0; n < 40; ++n)
    batch.push_back(set_voxel(n + 1, key, static_cast<std::size_t>(n * 97), 6));
  for (const update_ack& ack : (*s)->apply_batch(batch))
    ASSERT_EQ(ack.status, update_status::applied);
  auto before = (*s)->read_encoded(key);
  const chunk content = **(*s)->read(key);
  EXPECT_EQ(*(*s)->dirty_chunks(), 1u);
  auto handled = (*s)->recompress(100);
  ASSERT_TRUE(handled.ok()) << handled.error().to_string();
  EXPECT_EQ(*handled, 1u);
  // The parent is dirty now; the next slice builds it.
  EXPECT_EQ(*(*s)->dirty_chunks(), 1u);
  ASSERT_TRUE((*s)->recompress(100).ok());
  EXPECT_EQ(*(*s)->dirty_chunks(), 0u);
  auto after = (*s)->read_encoded(key);
  ASSERT_TRUE(after->has_value());
  EXPECT_LT((*after)->bytes.size(), (*before)->bytes.size());
  chunk decoded;
  ASSERT_TRUE(compression::decode_chunk((*after)->bytes, decoded).ok());
  EXPECT_TRUE(decoded == content);
  EXPECT_EQ((*after)->meta, (*before)->meta);
  // The parent: the mode of its children, stored.
  const chunk_key parent{3, 1, 0};
  auto stored_parent = (*s)->read_encoded(parent);
  ASSERT_TRUE(stored_parent.ok() && stored_parent->has_value());
  EXPECT_EQ((*stored_parent)->meta, (*after)->meta);  // its newest child's version and tick
  std::array<chunk, 8> children;
  std::array<const chunk*, 8> pointers{};
  for (unsigned n = 0; n < 8; ++n) {
    children[n] = **(*s)->read(chunk_key{3, 0, n});
    // chunk_layers = 2: children at k = 0 and 1 exist (Morton bit 2 is k's bit 0).
    pointers[n] = &children[n];
  }
  chunk expected_parent = compression::downsample(pointers);
  ASSERT_TRUE(compression::decode_chunk((*stored_parent)->bytes, decoded).ok());
  EXPECT_TRUE(decoded == expected_parent);
}

// What a stream sends: stored bytes as they are with their metadata, nothing for an untouched
// LOD-0 chunk (the client has the generator), and an LOD parent never stored built from its
// children, in the order asked; the plain gets see the same stored bytes.
TEST(store, stream_reads_send_stored_bytes_baselines_and_built_parents) {
  temp_dir dir;
  store_options options = options_for(dir);
  options.lod_max = 1;
  options.chunk_layers = 2;
  auto s = store::open(options, layered_baseline);
  const chunk_key changed{3, 0, 1}, untouched{3, 0, 2}, parent{3, 1, 0};
  std::vector<update_request> batch = {set_voxel(1, changed, 5, 6, 21)};
  ASSERT_EQ((*s)->apply_batch(batch)[0].status, update_status::applied);
  const std::vector<chunk_key> keys = {parent, changed, untouched};
  auto read = (*s)->read_for_stream(keys);
  ASSERT_TRUE(read.ok()) << read.error().to_string();
  ASSERT_EQ(read->size(), 3u);
  const encoded_chunk& p = (*read)[0];
  const encoded_chunk& c = (*read)[1];
  const encoded_chunk& u = (*read)[2];
  EXPECT_EQ(c.key, changed);
  EXPECT_EQ(c.from, encoded_chunk::source::stored);
  EXPECT_EQ(c.meta.tick, 21u);
  EXPECT_FALSE(c.error);
  chunk decoded;
  ASSERT_TRUE(compression::decode_chunk(c.bytes, decoded).ok());
  EXPECT_TRUE(decoded == **(*s)->read(changed));
  EXPECT_EQ(u.from, encoded_chunk::source::baseline);
  EXPECT_TRUE(u.bytes.empty());
  EXPECT_EQ(p.from, encoded_chunk::source::built);
  EXPECT_EQ(p.meta, c.meta);  // its newest child's
  ASSERT_TRUE(compression::decode_chunk(p.bytes, decoded).ok());
  EXPECT_TRUE(decoded == **(*s)->read(parent));
  std::vector<std::size_t> sizes;
  ASSERT_TRUE((*s)->get_many(keys, [&](const chunk_key&,
                                       std::string_view bytes) { sizes.push_back(bytes.size()); })
                  .ok());
  EXPECT_EQ(sizes, (std::vector<std::size_t>{0, c.bytes.size(), 0}));
}

TEST(store, a_chunk_changed_back_to_its_baseline_is_no_longer_stored) {
  temp_dir dir;
  auto s = store::open(options_for(dir), layered_baseline);
  const chunk_key key{3, 0, 2};
  chunk base;
  layered_baseline(key, base);
  std::vector<update_request> batch = {set_voxel(1, key, 10, 7)};
  update_request back;
  back.id = id_of(2);
  back.regions = {3};
  back.apply = [key, base](chunk_editor& editor) -> base::status {
    auto c = editor.edit(key);
    **c = base;
    return {};
  };
  batch.push_back(std::move(back));
  for (const update_ack& ack : (*s)->apply_batch(batch))
    ASSERT_EQ(ack.status, update_status::applied);
  ASSERT_TRUE((*s)->read_encoded(key)->has_value());
  ASSERT_TRUE((*s)->recompress(10).ok());
  EXPECT_FALSE((*s)->read_encoded(key)->has_value());
  EXPECT_TRUE(**(*s)->read(key) == base);
}

TEST(store, the_cache_keeps_to_its_budget) {
  temp_dir dir;
  store_options options = options_for(dir);
  options.cache_bytes = 5 * (sizeof(chunk) + 128);
  auto s = store::open(options, layered_baseline);
  for (std::uint64_t n = 0; n < 40; ++n)
    ASSERT_TRUE((*s)->read(chunk_key{1, 0, n}).ok());
  const store_counters c = (*s)->counters();
  EXPECT_LE(c.cache_bytes, options.cache_bytes);
  EXPECT_GT(c.cache_bytes, 0u);
  ASSERT_TRUE((*s)->read(chunk_key{1, 0, 39}).ok());
  EXPECT_EQ((*s)->counters().cache_hits, c.cache_hits + 1);
}

TEST(store, another_world_in_the_same_directory_is_refused) {
  temp_dir dir;
  auto s = store::open(options_for(dir));
  ASSERT_TRUE((*s)->put_world("spec-a", "gen").ok());
  ASSERT_TRUE((*s)->put_world("spec-a", "gen").ok());
  auto other = (*s)->put_world("spec-b", "gen");
  ASSERT_FALSE(other.ok());
  EXPECT_EQ(other.error().code, base::errc::invalid_argument);
  auto w = (*s)->world();
  ASSERT_TRUE(w.ok() && w->has_value());
  EXPECT_EQ((*w)->spec, "spec-a");
}

}  // namespace
}  // namespace strata::shard

namespace strata::shard {
namespace {

// A range move's data path: a region's rows exported from one store and imported into another
// carry its chunks, metadata and applied ids (a retry there is a duplicate); a later import
// replaces the region wholly, unless it holds an older version; the old copy is dropped by range.
TEST(store, a_region_exported_and_imported_elsewhere_keeps_its_chunks_and_its_applied_ids) {
  temp_dir from_dir{"store-from"}, to_dir{"store-to"};
  auto from = store::open(options_for(from_dir), layered_baseline);
  auto to = store::open(options_for(to_dir), layered_baseline);
  ASSERT_TRUE(from.ok() && to.ok());
  const chunk_key a{42, 0, 5}, b{42, 0, 9}, elsewhere{43, 0, 5};
  std::vector<update_request> batch = {set_voxel(1, a, 100, 9), set_voxel(2, b, 7, 3),
                                       set_voxel(3, elsewhere, 1, 4)};
  for (const update_ack& ack : (*from)->apply_batch(batch))
    ASSERT_EQ(ack.status, update_status::applied);
  // Region 43's stale copy on the receiver is replaced, not merged.
  std::vector<update_request> stale = {set_voxel(9, chunk_key{42, 0, 11}, 1, 1)};
  ASSERT_EQ((*to)->apply_batch(stale)[0].status, update_status::applied);
  ASSERT_TRUE((*to)->read(chunk_key{42, 0, 11}).ok());

  auto changed = (*from)->changed_regions(0, 42);
  ASSERT_TRUE(changed.ok());
  ASSERT_EQ(changed->size(), 1u);
  EXPECT_EQ((*changed)[0].first, 42u);
  EXPECT_EQ((*changed)[0].second.updates, 2u);

  auto rows = (*from)->export_region(42);
  ASSERT_TRUE(rows.ok()) << rows.error().to_string();
  EXPECT_EQ(rows->chunks.size(), 2u);
  EXPECT_EQ(rows->applied.size(), 2u);
  EXPECT_EQ(rows->meta.updates, 2u);
  ASSERT_TRUE((*to)->import_regions(std::span(&*rows, 1)).ok());

  EXPECT_EQ((*to)->read(a).value()->material[100], 9);
  EXPECT_EQ((*to)->read(b).value()->material[7], 3);
  chunk base;
  layered_baseline(chunk_key{42, 0, 11}, base);
  EXPECT_TRUE(*(*to)->read(chunk_key{42, 0, 11}).value() == base);
  EXPECT_EQ((*to)->region(42).value(), (*from)->region(42).value());
  EXPECT_TRUE((*to)->applied(42, id_of(1)).value());
  EXPECT_FALSE((*to)->applied(42, id_of(9)).value());
  std::vector<update_request> retry = {set_voxel(2, b, 8, 5)};
  EXPECT_EQ((*to)->apply_batch(retry)[0].status, update_status::duplicate);
  // New updates on the receiver go on from the imported version.
  std::vector<update_request> next = {set_voxel(10, a, 101, 6)};
  ASSERT_EQ((*to)->apply_batch(next)[0].status, update_status::applied);
  EXPECT_EQ((*to)->region(42).value().version, 3u);

  // An older copy arriving late (a move's batch sent again) leaves the newer one as it is.
  ASSERT_TRUE((*to)->import_regions(std::span(&*rows, 1)).ok());
  EXPECT_EQ((*to)->region(42).value().version, 3u);
  EXPECT_EQ((*to)->read(a).value()->material[101], 6);

  // A row outside its region is refused and changes nothing.
  region_rows wrong = *rows;
  wrong.chunks.push_back({encode(chunk_key{44, 0, 1}), "x"});
  EXPECT_EQ((*to)->import_regions(std::span(&wrong, 1)).error().code, base::errc::invalid_argument);
  EXPECT_EQ((*to)->region(42).value().version, 3u);

  // The old copy goes by range; its neighbour stays.
  EXPECT_EQ((*from)->stored_regions(0, ~std::uint64_t{0}, 10).value(),
            (std::vector<std::uint64_t>{42, 43}));
  auto dropped = (*from)->drop_range(40, 42);
  ASSERT_TRUE(dropped.ok());
  EXPECT_GT(*dropped, 0u);
  EXPECT_EQ((*from)->stored_regions(0, ~std::uint64_t{0}, 10).value(),
            std::vector<std::uint64_t>{43});
  EXPECT_EQ((*from)->region(42).value(), region_meta{});
  EXPECT_FALSE((*from)->applied(42, id_of(1)).value());
  EXPECT_TRUE((*from)->applied(43, id_of(3)).value());
  layered_baseline(a, base);
  EXPECT_TRUE(*(*from)->read(a).value() == base);
}

}  // namespace
}  // namespace strata::shard
