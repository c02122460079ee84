#include "bench/ingest_bench.hpp"

#include <s2/s2latlng.h>
#include <zstd.h>

#include <algorithm>
#include <array>
#include <atomic>
#include <condition_variable>
#include <cstdio>
#include <fstream>
#include <functional>
#include <map>
#include <mutex>
#include <optional>
#include <random>
#include <set>
#include <thread>
#include <unordered_map>

#include "base/testing.hpp"
#include "bench/common.hpp"
#include "bench/workload.hpp"
#include "geo/morton.hpp"
#include "geology/update.hpp"
#include "shard/apply.hpp"
#include "shard/lmdb.hpp"
#include "shard/world.hpp"
#include "shard/writer.hpp"

namespace strata::bench {

namespace {

using compression::chunk;
using shard::chunk_key;

constexpr const char* kinds[] = {"erosion", "deposition", "tectonics"};
constexpr std::size_t kind_count = 3;

// Anonymous resident memory (heap, not the LMDB map's file pages), sampled on a thread.
std::uint64_t anonymous_bytes() {
  std::ifstream status("/proc/self/status");
  std::string line;
  while (std::getline(status, line))
    if (line.rfind("RssAnon:", 0) == 0)
      return std::stoull(line.substr(8)) * 1024;
  return 0;
}

class memory_sampler {
 public:
  memory_sampler() : start_(anonymous_bytes()), peak_(start_), thread_([this] { run(); }) {}
  ~memory_sampler() { stop(); }
  void stop() {
    stopping_ = true;
    if (thread_.joinable())
      thread_.join();
  }
  std::uint64_t growth() const { return peak_ > start_ ? peak_ - start_ : 0; }

 private:
  void run() {
    while (!stopping_) {
      peak_ = std::max<std::uint64_t>(peak_, anonymous_bytes());
      std::this_thread::sleep_for(std::chrono::milliseconds(2));
    }
    peak_ = std::max<std::uint64_t>(peak_, anonymous_bytes());
  }
  std::uint64_t start_;
  std::atomic<std::uint64_t> peak_;
  std::atomic<bool> stopping_{false};
  std::thread thread_;
};

struct method_report {
  std::string name;
  std::array<double, kind_count> seconds{};
  std::array<std::uint64_t, kind_count> updates{};
  std::array<std::uint64_t, kind_count> voxels{};
  std::vector<double> latency_ms;
  double total_seconds() const { return seconds[0] + seconds[1] + seconds[2]; }
  std::uint64_t total_updates() const { return updates[0] + updates[1] + updates[2]; }
  std::uint64_t total_voxels() const { return voxels[0] + voxels[1] + voxels[2]; }
};

// Chunks read through a user's own LMDB database of zstd-3 chunks, or through memory.
class chunk_map final : public geology::chunk_access {
 public:
  using loader = std::function<base::status(const chunk_key&, chunk&)>;
  explicit chunk_map(loader load) : load_(std::move(load)) {}
  base::result<const chunk*> view(S2CellId region, const geo::chunk_coord& at) override {
    auto c = get(region, at);
    if (!c)
      return c.error();
    return static_cast<const chunk*>(*c);
  }
  base::result<chunk*> edit(S2CellId region, const geo::chunk_coord& at) override {
    auto c = get(region, at);
    if (c)
      changed_.insert(shard::key_of(region, at));
    return c;
  }
  std::map<chunk_key, chunk>& chunks() { return chunks_; }
  std::set<chunk_key>& changed() { return changed_; }

 private:
  base::result<chunk*> get(S2CellId region, const geo::chunk_coord& at) {
    const chunk_key key = shard::key_of(region, at);
    auto found = chunks_.find(key);
    if (found != chunks_.end())
      return &found->second;
    chunk& c = chunks_[key];
    if (auto loaded = load_(key, c); !loaded)
      return loaded.error();
    return &c;
  }
  loader load_;
  std::map<chunk_key, chunk> chunks_;
  std::set<chunk_key> changed_;
};

}  // namespace

base::status run_ingest(const ingest_options& options) {
  auto sample = load_sample_world(options.world, options.sample_data);
  if (!sample)
    return sample.error();
  const geo::world_spec& spec = sample->spec;
  const std::size_t per_kind = std::max<std::size_t>(1, options.updates / kind_count);
  const std::vector<geology::process_update> workload =
      make_workload(sample->terrain, sample->grid, per_kind);
  const geology::material_table& materials = geology::material_table::defaults();

  // strata: the writer over the store, a window of updates in flight.
  method_report strata;
  strata.name = "strata";
  std::vector<std::vector<chunk_key>> changed_by(workload.size());
  std::uint64_t commits = 0, memory_growth = 0;
  std::vector<double> read_us;
  std::size_t cached_keys = 0;
  const base::temp_dir strata_dir("ingest-strata");
  std::unique_ptr<shard::store> store;
  std::unique_ptr<shard::world> world;
  {
    memory_sampler memory;
    shard::store_options store_options;
    store_options.directory = strata_dir.path();
    store_options.cache_bytes = options.cache_bytes;
    store_options.log = [](std::string_view line) {
      std::fprintf(stderr, "strata bench ingest: %.*s\n", static_cast<int>(line.size()),
                   line.data());
    };
    auto opened = shard::store::open(store_options);
    if (!opened)
      return opened.error();
    store = std::move(*opened);
    auto imported =
        shard::import_world(*store, spec, geology::generator_record{{}, sample->terrain});
    if (!imported)
      return imported.error();
    world = std::move(*imported);
    const geology::process_context ctx{world->grid, materials, world->record.params.sea_level_m};
    shard::writer writer(*store, shard::writer_options{});
    std::mutex mutex;
    std::condition_variable settled;
    std::size_t outstanding = 0;
    strata.latency_ms.resize(workload.size());
    std::vector<std::shared_ptr<geology::effects>> effects(workload.size());
    std::optional<base::error> failure;
    for (std::size_t kind = 0; kind < kind_count; ++kind) {
      stopwatch block;
      for (std::size_t n = kind * per_kind; n < (kind + 1) * per_kind; ++n) {
        stopwatch latency;
        auto planned = geology::plan(ctx, workload[n]);
        if (!planned)
          return planned.error();
        effects[n] = std::make_shared<geology::effects>();
        {
          std::unique_lock lock(mutex);
          settled.wait(lock, [&] { return outstanding < options.in_flight; });
          ++outstanding;
        }
        auto submitted =
            writer.submit(shard::to_request(id_of(n), n, std::move(*planned), effects[n]), 1024,
                          [&, n, latency](shard::update_ack ack) {
                            std::lock_guard lock(mutex);
                            strata.latency_ms[n] = latency.seconds() * 1e3;
                            if (ack.status != shard::update_status::applied && !failure)
                              failure = ack.error.value_or(base::fail(base::errc::invalid_argument,
                                                                      "update answered duplicate"));
                            changed_by[n] = std::move(ack.changed);
                            --outstanding;
                            settled.notify_all();
                          });
        if (!submitted)
          return submitted.error();
      }
      std::unique_lock lock(mutex);
      settled.wait(lock, [&] { return outstanding == 0; });
      strata.seconds[kind] = block.seconds();
      strata.updates[kind] = per_kind;
      for (std::size_t n = kind * per_kind; n < (kind + 1) * per_kind; ++n)
        strata.voxels[kind] += effects[n]->voxels_changed;
    }
    if (failure)
      return *failure;
    commits = writer.commits();
    writer.stop();
    memory.stop();
    memory_growth = memory.growth();
    // Point reads of voxels in recently written chunks, which the cache holds.
    std::vector<chunk_key> recent;
    for (auto it = changed_by.rbegin(); it != changed_by.rend() && recent.size() < 256; ++it)
      for (const chunk_key& key : *it)
        if (recent.size() < 256)
          recent.push_back(key);
    cached_keys = recent.size();
    std::mt19937 random(7);
    std::uint64_t sum = 0;
    for (int n = 0; n < 20000 && !recent.empty(); ++n) {
      const chunk_key& key = recent[random() % recent.size()];
      const std::size_t voxel = random() % compression::voxels;
      stopwatch read;
      auto c = store->read(key);
      if (!c)
        return c.error();
      sum += (*c)->material[voxel];
      read_us.push_back(read.seconds() * 1e6);
    }
    if (sum == 1)
      std::fprintf(stderr, " ");  // keeps the reads from being optimised away
  }

  const geology::process_context ctx{world->grid, materials, world->record.params.sea_level_m};
  const shard::baseline_source baseline = shard::baseline_of(*world);

  // By hand: per update, every touched chunk read from LMDB and zstd-3 decoded, the operator
  // applied, the changed chunks zstd-3 encoded and put, one durable commit.
  method_report by_hand;
  by_hand.name = "by hand";
  {
    const base::temp_dir dir("ingest-by-hand");
    shard::lmdb::environment_options env_options;
    env_options.directory = dir.path();
    env_options.map_bytes = std::uint64_t{4} << 30;
    auto env = shard::lmdb::environment::open(env_options);
    if (!env)
      return env.error();
    std::unique_ptr<ZSTD_DCtx, decltype(&ZSTD_freeDCtx)> dctx(ZSTD_createDCtx(), ZSTD_freeDCtx);
    std::unique_ptr<ZSTD_CCtx, decltype(&ZSTD_freeCCtx)> cctx(ZSTD_createCCtx(), ZSTD_freeCCtx);
    std::string bytes;
    by_hand.latency_ms.resize(workload.size());
    for (std::size_t kind = 0; kind < kind_count; ++kind) {
      stopwatch block;
      for (std::size_t n = kind * per_kind; n < (kind + 1) * per_kind; ++n) {
        stopwatch latency;
        auto planned = geology::plan(ctx, workload[n]);
        if (!planned)
          return planned.error();
        auto txn = shard::lmdb::transaction::begin(*env, shard::lmdb::transaction::mode::write);
        if (!txn)
          return txn.error();
        auto db = txn->open("chunks");
        if (!db)
          return db.error();
        chunk_map chunks([&](const chunk_key& key, chunk& out) -> base::status {
          auto stored = txn->get(*db, shard::encode(key));
          if (!stored)
            return stored.error();
          if (!*stored) {
            baseline(key, out);
            return {};
          }
          if (ZSTD_decompressDCtx(dctx.get(), &out, sizeof out, (*stored)->data(),
                                  (*stored)->size()) != sizeof out)
            return base::fail(base::errc::corrupt_data, "a zstd chunk does not decode");
          return {};
        });
        auto fx = planned->apply(chunks);
        if (!fx)
          return fx.error();
        for (const chunk_key& key : chunks.changed()) {
          bytes.resize(ZSTD_compressBound(sizeof(chunk)));
          bytes.resize(ZSTD_compressCCtx(cctx.get(), bytes.data(), bytes.size(),
                                         &chunks.chunks()[key], sizeof(chunk), 3));
          if (auto put = txn->put(*db, shard::encode(key), bytes); !put)
            return put;
        }
        if (auto committed = txn->commit(); !committed)
          return committed;
        by_hand.latency_ms[n] = latency.seconds() * 1e3;
        by_hand.voxels[kind] += fx->voxels_changed;
      }
      by_hand.seconds[kind] = block.seconds();
      by_hand.updates[kind] = per_kind;
    }
  }

  // Ceiling: the updates on chunks already in memory, plus raw puts of the bytes strata stored, in
  // transactions of the size of strata's commits.
  method_report ceiling;
  ceiling.name = "ceiling";
  {
    std::map<chunk_key, chunk> loaded;
    {
      chunk_map warm([&](const chunk_key& key, chunk& out) -> base::status {
        baseline(key, out);
        return {};
      });
      for (const geology::process_update& u : workload) {
        auto planned = geology::plan(ctx, u);
        if (!planned || !planned->apply(warm))
          return base::fail(base::errc::invalid_argument, "the ceiling's warm-up failed");
      }
      for (auto& [key, c] : warm.chunks()) {
        chunk& fresh = loaded[key];
        baseline(key, fresh);
      }
    }
    chunk_map memory([&](const chunk_key& key, chunk& out) -> base::status {
      out = loaded.at(key);
      return {};
    });
    for (auto& [key, c] : loaded)
      memory.chunks()[key] = c;
    // Planned before the clock starts: the ceiling pays for applying only.
    std::vector<geology::planned_update> plans;
    for (const geology::process_update& u : workload) {
      auto planned = geology::plan(ctx, u);
      if (!planned)
        return planned.error();
      plans.push_back(std::move(*planned));
    }
    for (std::size_t kind = 0; kind < kind_count; ++kind) {
      stopwatch block;
      for (std::size_t n = kind * per_kind; n < (kind + 1) * per_kind; ++n) {
        auto fx = plans[n].apply(memory);
        if (!fx)
          return fx.error();
        ceiling.voxels[kind] += fx->voxels_changed;
      }
      ceiling.seconds[kind] = block.seconds();
      ceiling.updates[kind] = per_kind;
    }
    const base::temp_dir dir("ingest-ceiling");
    shard::lmdb::environment_options env_options;
    env_options.directory = dir.path();
    env_options.map_bytes = std::uint64_t{4} << 30;
    auto env = shard::lmdb::environment::open(env_options);
    if (!env)
      return env.error();
    const std::size_t per_commit =
        std::max<std::size_t>(1, workload.size() / std::max<std::uint64_t>(commits, 1));
    std::map<chunk_key, std::string> stored;
    for (const auto& keys : changed_by)
      for (const chunk_key& key : keys)
        if (!stored.contains(key)) {
          auto bytes = store->read_encoded(key);
          if (!bytes)
            return bytes.error();
          stored[key] = *bytes ? (*bytes)->bytes : std::string();
        }
    for (std::size_t kind = 0; kind < kind_count; ++kind) {
      stopwatch block;
      for (std::size_t first = kind * per_kind; first < (kind + 1) * per_kind;
           first += per_commit) {
        auto txn = shard::lmdb::transaction::begin(*env, shard::lmdb::transaction::mode::write);
        if (!txn)
          return txn.error();
        auto db = txn->open("chunks");
        if (!db)
          return db.error();
        for (std::size_t n = first; n < std::min(first + per_commit, (kind + 1) * per_kind); ++n)
          for (const chunk_key& key : changed_by[n])
            if (!stored[key].empty())
              if (auto put = txn->put(*db, shard::encode(key), stored[key]); !put)
                return put;
        if (auto committed = txn->commit(); !committed)
          return committed;
      }
      ceiling.seconds[kind] += block.seconds();
    }
  }

  // Goals, from this run's figures.
  auto rate = [](const method_report& m) {
    return static_cast<double>(m.total_updates()) / m.total_seconds();
  };
  const double read_p50 = percentile(read_us, 0.5), read_p99 = percentile(read_us, 0.99);
  const std::vector<goal> goals = {
      {"ingest_vs_by_hand", rate(strata) / rate(by_hand), 2.0, false},
      {"ingest_vs_ceiling", rate(strata) / rate(ceiling), 0.25, false},
      {"cached_point_read_p99_us", read_p99, 2.0, true},
      {"peak_memory_vs_cache_budget",
       static_cast<double>(memory_growth) / static_cast<double>(options.cache_bytes), 1.1, true},
  };
  if (options.json) {
    base::json_writer out;
    out.begin_object().key("world").value(options.world).key("updates").value(workload.size());
    write_goals(out, goals);
    out.key("methods").begin_array();
    for (const method_report* m : {&strata, &by_hand, &ceiling}) {
      out.begin_object()
          .key("name")
          .value(m->name)
          .key("updates_per_s")
          .value(rate(*m))
          .key("voxel_changes_per_s")
          .value(static_cast<double>(m->total_voxels()) / m->total_seconds());
      if (!m->latency_ms.empty())
        out.key("ack_ms_p50")
            .value(percentile(m->latency_ms, 0.5))
            .key("ack_ms_p99")
            .value(percentile(m->latency_ms, 0.99));
      out.key("kinds").begin_array();
      for (std::size_t k = 0; k < kind_count; ++k)
        out.begin_object()
            .key("kind")
            .value(kinds[k])
            .key("updates_per_s")
            .value(static_cast<double>(m->updates[k]) / m->seconds[k])
            .key("voxel_changes_per_s")
            .value(static_cast<double>(m->voxels[k]) / m->seconds[k])
            .end_object();
      out.end_array().end_object();
    }
    out.end_array();
    out.key("commits").value(commits);
    out.key("cached_point_read_us_p50")
        .value(read_p50)
        .key("cached_point_read_us_p99")
        .value(read_p99);
    out.key("peak_memory_growth_bytes").value(memory_growth);
    out.key("cache_bytes").value(options.cache_bytes);
    out.end_object();
    std::printf("%s\n", out.str().c_str());
    return {};
  }
  std::printf("strata bench ingest: %s, %zu updates (%zu of each kind), %zu in flight\n\n",
              options.world.c_str(), workload.size(), per_kind, options.in_flight);
  std::printf("  %-10s %-11s %12s %16s %12s %12s\n", "method", "kind", "updates/s",
              "voxel changes/s", "ack P50 ms", "ack P99 ms");
  for (const method_report* m : {&strata, &by_hand, &ceiling}) {
    for (std::size_t k = 0; k < kind_count; ++k)
      std::printf("  %-10s %-11s %12.0f %16.0f\n", m->name.c_str(), kinds[k],
                  static_cast<double>(m->updates[k]) / m->seconds[k],
                  static_cast<double>(m->voxels[k]) / m->seconds[k]);
    std::printf("  %-10s %-11s %12.0f %16.0f", m->name.c_str(), "all", rate(*m),
                static_cast<double>(m->total_voxels()) / m->total_seconds());
    if (!m->latency_ms.empty())
      std::printf(" %12.2f %12.2f", percentile(m->latency_ms, 0.5),
                  percentile(m->latency_ms, 0.99));
    std::printf("\n");
  }
  std::printf(
      "\n  strata: %llu commits (%.1f updates each); cached point reads over %zu chunks: P50 "
      "%.2f us, P99 %.2f us; anonymous memory grew %.1f MB against a %.1f MB cache budget\n",
      static_cast<unsigned long long>(commits),
      static_cast<double>(workload.size()) /
          static_cast<double>(std::max<std::uint64_t>(commits, 1)),
      cached_keys, read_p50, read_p99, static_cast<double>(memory_growth) / 1e6,
      static_cast<double>(options.cache_bytes) / 1e6);
  print_goals(goals);
  return {};
}

}  // namespace strata::bench
