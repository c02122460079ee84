#include "shard/store.hpp"

#include <algorithm>
#include <atomic>
#include <cstdio>
#include <cstring>
#include <list>
#include <map>
#include <mutex>
#include <set>
#include <shared_mutex>
#include <thread>
#include <unordered_map>

#include "compression/format.hpp"
#include "compression/lod.hpp"
#include "compression/selector.hpp"
#include "geo/morton.hpp"
#include "shard/lmdb.hpp"

namespace strata::shard {

std::string_view name(update_status s) {
  switch (s) {
    case update_status::applied:
      return "applied";
    case update_status::duplicate:
      return "duplicate";
    case update_status::failed:
      return "failed";
  }
  return "unknown";
}

namespace {

using compression::chunk;
using chunk_ptr = std::shared_ptr<const chunk>;

std::string pair_u64(std::uint64_t a, std::uint64_t b) {
  std::string out;
  append_u64_be(out, a);
  append_u64_be(out, b);
  return out;
}

// A fixed-size value read back from disk: checked before use (STYLE.md rule 9).
base::result<chunk_meta> parse_meta(std::string_view bytes, const chunk_key& key) {
  if (bytes.size() != 16)
    return base::fail(base::errc::corrupt_data,
                      "chunk metadata of " + std::to_string(bytes.size()) + " bytes for region " +
                          std::to_string(key.region) + "; it has 16");
  return chunk_meta{read_u64_be(bytes.substr(0, 8)), read_u64_be(bytes.substr(8, 8))};
}

base::result<region_meta> parse_region(std::string_view bytes, std::uint64_t id) {
  if (bytes.size() != 24)
    return base::fail(base::errc::corrupt_data, "region " + std::to_string(id) + " metadata of " +
                                                    std::to_string(bytes.size()) +
                                                    " bytes; it has 24");
  return region_meta{read_u64_be(bytes.substr(0, 8)), read_u64_be(bytes.substr(8, 8)),
                     read_u64_be(bytes.substr(16, 8))};
}

std::string region_key(std::uint64_t id) {
  std::string out;
  append_u64_be(out, id);
  return out;
}

std::string describe(const chunk_key& key) {
  return "chunk (region " + std::to_string(key.region) + ", lod " + std::to_string(key.lod) +
         ", morton " + std::to_string(key.morton) + ")";
}

// Decoded chunks by key, least recently used first out, within a byte budget.
class chunk_cache {
 public:
  explicit chunk_cache(std::uint64_t bytes_max) : bytes_max_(bytes_max) {}

  chunk_ptr get(const chunk_key& key) {
    std::lock_guard lock(mutex_);
    auto found = index_.find(key);
    if (found == index_.end()) {
      ++misses_;
      return nullptr;
    }
    ++hits_;
    order_.splice(order_.begin(), order_, found->second);
    return found->second->second;
  }

  // Commits so far that changed chunks. A reader notes it before its read transaction begins
  // and caches what it read only if no commit happened since: otherwise it might put back content
  // older than the commit's.
  std::uint64_t generation() const {
    std::lock_guard lock(mutex_);
    return generation_;
  }

  void put_if_unchanged(const chunk_key& key, chunk_ptr value, std::uint64_t generation) {
    std::lock_guard lock(mutex_);
    if (generation == generation_)
      put_locked(key, std::move(value));
  }

  // A commit's new content, replacing what the cache held.
  void install(std::vector<std::pair<chunk_key, chunk_ptr>>& changed) {
    std::lock_guard lock(mutex_);
    ++generation_;
    for (auto& [key, value] : changed)
      put_locked(key, std::move(value));
  }

  // A commit's chunks whose cached content is now stale.
  void install_erased(const std::vector<chunk_key>& keys) {
    std::lock_guard lock(mutex_);
    ++generation_;
    for (const chunk_key& key : keys)
      erase_locked(key);
  }

  void erase(const chunk_key& key) {
    std::lock_guard lock(mutex_);
    erase_locked(key);
  }

  void clear() {
    std::lock_guard lock(mutex_);
    ++generation_;
    order_.clear();
    index_.clear();
    bytes_ = 0;
  }

  void stats(store_counters& out) const {
    std::lock_guard lock(mutex_);
    out.cache_hits = hits_;
    out.cache_misses = misses_;
    out.cache_bytes = bytes_;
  }

 private:
  void put_locked(const chunk_key& key, chunk_ptr value) {
    if (entry_bytes > bytes_max_)
      return;
    auto found = index_.find(key);
    if (found != index_.end()) {
      found->second->second = std::move(value);
      order_.splice(order_.begin(), order_, found->second);
      return;
    }
    order_.emplace_front(key, std::move(value));
    index_.emplace(key, order_.begin());
    bytes_ += entry_bytes;
    while (bytes_ > bytes_max_) {
      index_.erase(order_.back().first);
      order_.pop_back();
      bytes_ -= entry_bytes;
    }
  }

  void erase_locked(const chunk_key& key) {
    auto found = index_.find(key);
    if (found == index_.end())
      return;
    order_.erase(found->second);
    index_.erase(found);
    bytes_ -= entry_bytes;
  }

  // A decoded chunk and its share of the list and the index.
  static constexpr std::uint64_t entry_bytes = sizeof(chunk) + 128;
  struct key_hash {
    std::size_t operator()(const chunk_key& k) const {
      return std::hash<std::uint64_t>()(k.region * 0x9e3779b97f4a7c15ull ^ k.morton * 31 ^ k.lod);
    }
  };
  using entry = std::pair<chunk_key, chunk_ptr>;
  mutable std::mutex mutex_;
  std::uint64_t bytes_max_;
  std::uint64_t bytes_ = 0;
  std::uint64_t hits_ = 0, misses_ = 0;
  std::uint64_t generation_ = 0;
  std::list<entry> order_;
  std::unordered_map<chunk_key, std::list<entry>::iterator, key_hash> index_;
};

}  // namespace

struct store::impl {
  store_options options;
  // Chunks along a region's edge at LOD 0 (fit_to); 0 until a world is fitted.
  std::uint32_t region_edge_chunks = 0;
  baseline_source baseline;
  lmdb::environment env;
  lmdb::database chunks, chunk_meta_db, applied, applied_order, regions, dirty, world;
  chunk_cache cache;
  // Readers hold it shared for the length of a read transaction; growing the map takes it
  // exclusively, because LMDB resizes only with no transaction open in the process.
  mutable std::shared_mutex map_lock;
  // One writer at a time: apply_batch, recompress, put_world.
  std::mutex write_lock;
  // Group commits waiting for write_lock: recompression steps aside for them, since a mutex is
  // not fair and back-to-back slices could otherwise keep the writer out indefinitely.
  std::atomic<int> batches_waiting{0};
  // LOD parents a reader had to build: recompression stores them, so the next read finds them.
  // Bounded: past the bound, parents are built on reads until recompression catches up.
  std::mutex wanted_lock;
  std::set<chunk_key> wanted;
  static constexpr std::size_t wanted_max = 65536;
  void want(const chunk_key& key) {
    std::lock_guard lock(wanted_lock);
    if (wanted.size() < wanted_max)
      wanted.insert(key);
  }
  std::uint64_t next_sequence = 1;
  mutable std::mutex counters_lock;
  store_counters counters;
  // Balanced: chunks are read far more often than written, so a codec that decodes much faster
  // may cost a few more bytes; the two selectors tune one weight for the chunk's decode time.
  compression::selector material_selector{compression::selector_policy::balanced_default()};
  compression::selector history_selector{compression::selector_policy::balanced_default()};

  impl(const store_options& o, baseline_source b, lmdb::environment e)
      : options(o), baseline(std::move(b)), env(std::move(e)), cache(o.cache_bytes) {
    history_selector.share_tuning(material_selector);
  }

  void log(const std::string& line) const {
    if (options.log)
      options.log(line);
    else
      std::fprintf(stderr, "strata shard: %s\n", line.c_str());
  }

  template <class F>
  void count(F&& change) {
    std::lock_guard lock(counters_lock);
    change(counters);
  }

  void fill_baseline(const chunk_key& key, chunk& out) const {
    if (baseline && key.lod == 0) {
      baseline(key, out);
    } else {
      out.material.fill(0);
      out.history.fill(0);
    }
  }

  // Decodes stored bytes, counting and logging a corrupt chunk.
  base::status decode(const chunk_key& key, std::string_view bytes, chunk& out) {
    auto status = compression::decode_chunk(bytes, out);
    if (!status) {
      count([](store_counters& c) { ++c.corrupt_chunks; });
      log("corrupt " + describe(key) + ": " + status.error().to_string());
      return base::fail(status.error().code,
                        describe(key) + " is corrupt: " + status.error().message);
    }
    return {};
  }

  // The chunk as stored (or its baseline), read inside `txn`, through the cache.
  // `generation` is the cache's, noted before `txn` began.
  base::result<chunk_ptr> load(lmdb::transaction& txn, const chunk_key& key,
                               std::uint64_t generation) {
    if (chunk_ptr cached = cache.get(key))
      return cached;
    auto bytes = txn.get(chunks, encode(key));
    if (!bytes)
      return bytes.error();
    auto decoded = std::make_shared<chunk>();
    if (*bytes) {
      if (auto status = decode(key, **bytes, *decoded); !status)
        return status.error();
    } else if (key.lod == 0) {
      fill_baseline(key, *decoded);
    } else {
      // An LOD chunk never built: its children's pyramid.
      if (auto status = build_parent(txn, key, *decoded, generation); !status)
        return status.error();
    }
    chunk_ptr result = decoded;
    cache.put_if_unchanged(key, result, generation);
    return result;
  }

  // One value read and parsed in its own read transaction; T{} when the key is absent.
  template <class T, class Parse>
  base::result<T> read_value(lmdb::database db, const std::string& key, Parse parse) {
    std::shared_lock lock(map_lock);
    auto txn = lmdb::transaction::begin(env, lmdb::transaction::mode::read);
    if (!txn)
      return txn.error();
    auto bytes = txn->get(db, key);
    if (!bytes)
      return bytes.error();
    if (!*bytes)
      return T{};
    return parse(**bytes);
  }

  // The newest version and tick among a parent's children.
  base::result<chunk_meta> newest_child(lmdb::transaction& txn, const chunk_key& key) {
    chunk_meta newest;
    for (unsigned n = 0; n < 8; ++n) {
      const chunk_key child{key.region, static_cast<std::uint8_t>(key.lod - 1),
                            key.morton << 3 | n};
      auto meta = txn.get(chunk_meta_db, encode(child));
      if (!meta)
        return meta.error();
      if (!*meta)
        continue;
      auto parsed = parse_meta(**meta, child);
      if (!parsed)
        return parsed.error();
      newest.version = std::max(newest.version, parsed->version);
      newest.tick = std::max(newest.tick, parsed->tick);
    }
    return newest;
  }

  // A parent from its 8 children (recursively for children never built).
  base::status build_parent(lmdb::transaction& txn, const chunk_key& key, chunk& out,
                            std::uint64_t generation) {
    std::array<chunk_ptr, 8> held;
    std::array<const chunk*, 8> children{};
    for (unsigned n = 0; n < 8; ++n) {
      const chunk_key child{key.region, static_cast<std::uint8_t>(key.lod - 1),
                            key.morton << 3 | n};
      if (options.chunk_layers) {
        const std::uint32_t k = geo::morton_decode(child.morton).k;
        const std::uint32_t layers_at = (options.chunk_layers + (1u << child.lod) - 1) >> child.lod;
        if (k >= layers_at)
          continue;  // above the top of the world: air
      }
      auto loaded = load(txn, child, generation);
      if (!loaded)
        return loaded.error();
      held[n] = *loaded;
      children[n] = held[n].get();
    }
    out = compression::downsample(children);
    count([](store_counters& c) { ++c.lod_chunks_built; });
    return {};
  }
};

store::store(std::unique_ptr<impl> self) : self_(std::move(self)) {}
store::~store() = default;

base::result<std::unique_ptr<store>> store::open(const store_options& options,
                                                 baseline_source baseline) {
  lmdb::environment_options env_options;
  env_options.directory = options.directory;
  env_options.map_bytes = options.map_bytes;
  env_options.map_bytes_max = options.map_bytes_max;
  auto env = lmdb::environment::open(env_options);
  if (!env)
    return env.error();
  auto self = std::make_unique<impl>(options, std::move(baseline), std::move(*env));
  auto txn = lmdb::transaction::begin(self->env, lmdb::transaction::mode::write);
  if (!txn)
    return txn.error();
  for (auto [db, name] : {std::pair{&self->chunks, "chunks"},
                          {&self->chunk_meta_db, "chunk_meta"},
                          {&self->applied, "applied"},
                          {&self->applied_order, "applied_order"},
                          {&self->regions, "regions"},
                          {&self->dirty, "dirty"},
                          {&self->world, "world"}}) {
    auto opened = txn->open(name);
    if (!opened)
      return opened.error();
    *db = *opened;
  }
  // The next sequence number follows the last one recorded (keys are big-endian sequences).
  {
    auto c = lmdb::cursor::open(*txn, self->applied_order);
    if (!c)
      return c.error();
    auto at = c->last();
    if (!at)
      return at.error();
    self->next_sequence = *at ? read_u64_be(c->key()) + 1 : 1;
  }
  if (auto committed = txn->commit(); !committed)
    return committed.error();
  return std::unique_ptr<store>(new store(std::move(self)));
}

void store::fit_to(const geo::world_spec& spec) {
  std::uint8_t levels = 0;
  while ((1u << (levels + 1)) <= geo::chunks_per_region_edge(spec))
    ++levels;
  self_->options.lod_max = std::min(self_->options.lod_max, levels);
  self_->options.chunk_layers = geo::chunk_layers(spec);
  self_->region_edge_chunks = geo::chunks_per_region_edge(spec);
}

base::status store::mark_pyramid(std::span<const std::uint64_t> regions) {
  if (self_->options.lod_max == 0 || self_->region_edge_chunks == 0)
    return {};
  const std::uint32_t edge = self_->region_edge_chunks >> 1;
  const std::uint32_t layers = (self_->options.chunk_layers + 1) >> 1;
  std::lock_guard writer(self_->write_lock);
  std::shared_lock map(self_->map_lock);
  auto txn = lmdb::transaction::begin(self_->env, lmdb::transaction::mode::write);
  if (!txn)
    return txn.error();
  for (std::uint64_t region : regions)
    for (std::uint32_t v = 0; v < edge; ++v)
      for (std::uint32_t u = 0; u < edge; ++u)
        for (std::uint32_t k = 0; k < layers; ++k)
          if (auto put = txn->put(self_->dirty,
                                  encode(chunk_key{region, 1, geo::morton_encode(u, v, k)}), {});
              !put)
            return put.error();
  return txn->commit();
}

std::uint8_t store::lod_max() const {
  return self_->options.lod_max;
}

void store::set_baseline(baseline_source baseline) {
  std::lock_guard writer(self_->write_lock);
  self_->baseline = std::move(baseline);
  self_->cache.clear();
}

base::status store::put_world(std::string_view spec, std::string_view generator) {
  std::lock_guard writer(self_->write_lock);
  std::shared_lock map(self_->map_lock);
  auto txn = lmdb::transaction::begin(self_->env, lmdb::transaction::mode::write);
  if (!txn)
    return txn.error();
  auto existing = txn->get(self_->world, "spec");
  if (!existing)
    return existing.error();
  if (*existing && **existing != spec)
    return base::fail(base::errc::invalid_argument,
                      "the data directory " + self_->options.directory +
                          " holds another world; use a fresh directory");
  if (auto s = txn->put(self_->world, "spec", spec); !s)
    return s;
  if (auto s = txn->put(self_->world, "generator", generator); !s)
    return s;
  return txn->commit();
}

base::result<std::optional<store::world_record>> store::world() {
  std::shared_lock map(self_->map_lock);
  auto txn = lmdb::transaction::begin(self_->env, lmdb::transaction::mode::read);
  if (!txn)
    return txn.error();
  auto spec = txn->get(self_->world, "spec");
  if (!spec)
    return spec.error();
  if (!*spec)
    return std::optional<world_record>{};
  auto generator = txn->get(self_->world, "generator");
  if (!generator)
    return generator.error();
  return std::optional<world_record>{
      world_record{std::string(**spec), *generator ? std::string(**generator) : std::string()}};
}

base::result<std::optional<stored_chunk>> store::read_encoded(const chunk_key& key) {
  std::shared_lock map(self_->map_lock);
  auto txn = lmdb::transaction::begin(self_->env, lmdb::transaction::mode::read);
  if (!txn)
    return txn.error();
  const std::string k = encode(key);
  auto bytes = txn->get(self_->chunks, k);
  if (!bytes)
    return bytes.error();
  if (!*bytes)
    return std::optional<stored_chunk>{};
  stored_chunk out;
  out.bytes = std::string(**bytes);
  auto meta = txn->get(self_->chunk_meta_db, k);
  if (!meta)
    return meta.error();
  if (*meta) {
    auto parsed = parse_meta(**meta, key);
    if (!parsed)
      return parsed.error();
    out.meta = *parsed;
  }
  return std::optional<stored_chunk>{std::move(out)};
}

base::result<std::vector<encoded_chunk>> store::read_for_stream(std::span<const chunk_key> keys) {
  const std::uint64_t generation = self_->cache.generation();
  std::shared_lock map(self_->map_lock);
  auto txn = lmdb::transaction::begin(self_->env, lmdb::transaction::mode::read);
  if (!txn)
    return txn.error();
  std::vector<encoded_chunk> out(keys.size());
  for (std::size_t n = 0; n < keys.size(); ++n) {
    const chunk_key& key = keys[n];
    encoded_chunk& item = out[n];
    item.key = key;
    const std::string k = encode(key);
    auto bytes = txn->get(self_->chunks, k);
    if (!bytes)
      return bytes.error();
    if (*bytes) {
      item.bytes.assign(**bytes);
      auto meta = txn->get(self_->chunk_meta_db, k);
      if (!meta)
        return meta.error();
      if (*meta) {
        auto parsed = parse_meta(**meta, key);
        if (!parsed)
          item.error = parsed.error();
        else
          item.meta = *parsed;
      }
      continue;
    }
    if (key.lod == 0) {
      item.from = encoded_chunk::source::baseline;
      continue;
    }
    item.from = encoded_chunk::source::built;
    auto built = self_->load(*txn, key, generation);
    if (!built) {
      item.error = built.error();
      continue;
    }
    compression::encode_fast(**built, item.bytes);
    self_->want(key);
    auto newest = self_->newest_child(*txn, key);
    if (!newest)
      return newest.error();
    item.meta = *newest;
  }
  return out;
}

base::status store::get_many(std::span<const chunk_key> keys,
                             const std::function<void(const chunk_key&, std::string_view)>& visit) {
  std::shared_lock map(self_->map_lock);
  auto txn = lmdb::transaction::begin(self_->env, lmdb::transaction::mode::read);
  if (!txn)
    return txn.error();
  for (const chunk_key& key : keys) {
    auto bytes = txn->get(self_->chunks, encode(key));
    if (!bytes)
      return bytes.error();
    visit(key, *bytes ? **bytes : std::string_view{});
  }
  return {};
}

base::result<std::shared_ptr<const compression::chunk>> store::read(const chunk_key& key) {
  if (chunk_ptr cached = self_->cache.get(key))
    return cached;
  const std::uint64_t generation = self_->cache.generation();
  std::shared_lock map(self_->map_lock);
  auto txn = lmdb::transaction::begin(self_->env, lmdb::transaction::mode::read);
  if (!txn)
    return txn.error();
  return self_->load(*txn, key, generation);
}

base::result<chunk_meta> store::meta(const chunk_key& key) {
  return self_->read_value<chunk_meta>(self_->chunk_meta_db, encode(key),
                                       [&key](std::string_view b) { return parse_meta(b, key); });
}

base::result<region_meta> store::region(std::uint64_t id) {
  return self_->read_value<region_meta>(self_->regions, region_key(id),
                                        [id](std::string_view b) { return parse_region(b, id); });
}

base::result<bool> store::applied(std::uint64_t region, const update_id& id) {
  std::shared_lock map(self_->map_lock);
  auto txn = lmdb::transaction::begin(self_->env, lmdb::transaction::mode::read);
  if (!txn)
    return txn.error();
  auto bytes = txn->get(self_->applied, applied_key(region, id));
  if (!bytes)
    return bytes.error();
  return bytes->has_value();
}

namespace {

// The working set of one group commit: every chunk an update in the batch has looked at, and
// the changed ones' new content. An update's first edit of a chunk saves what the batch had, so
// a failing update can be undone without touching the others.
class batch_editor final : public chunk_editor {
 public:
  using loader = std::function<base::result<chunk_ptr>(const chunk_key&)>;
  explicit batch_editor(loader load) : load_(std::move(load)) {}

  base::result<const chunk*> view(const chunk_key& key) override {
    auto e = entry_of(key);
    if (!e)
      return e.error();
    return (*e)->current ? (*e)->current.get() : (*e)->original.get();
  }

  base::result<chunk*> edit(const chunk_key& key) override {
    if (!allowed_.contains(key.region))
      return base::fail(base::errc::invalid_argument,
                        "the update changes " + describe(key) + ", outside the regions it names");
    auto e = entry_of(key);
    if (!e)
      return e.error();
    entry& at = **e;
    if (!undo_.contains(key))
      undo_.emplace(key, at.current ? std::make_unique<chunk>(*at.current) : nullptr);
    if (!at.current)
      at.current = std::make_unique<chunk>(*at.original);
    touched_.insert(key);
    return at.current.get();
  }

  // Starts an update that may change chunks of `regions`: nothing to undo yet.
  void begin_update(const std::vector<std::uint64_t>& regions) {
    allowed_ = std::set<std::uint64_t>(regions.begin(), regions.end());
    undo_.clear();
    touched_.clear();
  }
  // Puts back what the failing update changed.
  void undo_update() {
    for (auto& [key, saved] : undo_)
      entries_[key].current = std::move(saved);
    undo_.clear();
    touched_.clear();
  }
  // The chunks the update changed (content differs from what it was before the update).
  std::vector<chunk_key> changed_by_update() {
    std::vector<chunk_key> out;
    for (const chunk_key& key : touched_) {
      const entry& at = entries_[key];
      const chunk* before = undo_[key] ? undo_[key].get() : at.original.get();
      if (!(*at.current == *before))
        out.push_back(key);
    }
    undo_.clear();
    touched_.clear();
    return out;
  }

  struct entry {
    chunk_ptr original;
    std::unique_ptr<chunk> current;  // null until edited
  };
  std::map<chunk_key, entry>& entries() { return entries_; }

 private:
  base::result<entry*> entry_of(const chunk_key& key) {
    auto found = entries_.find(key);
    if (found != entries_.end())
      return &found->second;
    auto loaded = load_(key);
    if (!loaded)
      return loaded.error();
    entry& e = entries_[key];
    e.original = *loaded;
    return &e;
  }

  loader load_;
  std::map<chunk_key, entry> entries_;
  std::map<chunk_key, std::unique_ptr<chunk>> undo_;
  std::set<chunk_key> touched_;
  std::set<std::uint64_t> allowed_;
};

}  // namespace

// One attempt at a group commit inside `txn` (see apply_batch).
base::status store::run_batch(lmdb::transaction& write, std::span<update_request> batch,
                              std::vector<update_ack>& acks, std::size_t& taken) {
  lmdb::transaction* txn = &write;
  const std::uint64_t generation = self_->cache.generation();
  batch_editor editor([&](const chunk_key& key) -> base::result<chunk_ptr> {
    return self_->load(*txn, key, generation);
  });
  std::set<std::string> ids_in_batch;
  std::map<std::uint64_t, region_meta> touched_regions;
  std::map<chunk_key, chunk_meta> changed;  // chunk → its new metadata
  std::uint64_t sequence = self_->next_sequence;
  const std::uint64_t working_set_max =
      self_->options.working_set_bytes_max
          ? self_->options.working_set_bytes_max
          : std::max<std::uint64_t>(self_->options.cache_bytes / 10, sizeof(chunk));
  taken = 0;
  for (std::size_t n = 0; n < batch.size(); ++n) {
    // The chunks this transaction holds: once past the bound, the rest waits for the next one.
    if (n > 0 && editor.entries().size() * sizeof(chunk) > working_set_max)
      break;
    taken = n + 1;
    update_request& request = batch[n];
    update_ack& ack = acks[n];
    if (request.regions.empty()) {
      ack.error = base::fail(base::errc::invalid_argument,
                             "update " + to_hex(request.id) + " names no region");
      continue;
    }
    // Duplicate: recorded under its first region, or earlier in this batch.
    const std::string first = applied_key(request.regions.front(), request.id);
    auto seen = txn->get(self_->applied, first);
    if (!seen)
      return seen.error();
    if (*seen || ids_in_batch.contains(first)) {
      ack.status = update_status::duplicate;
      continue;
    }
    editor.begin_update(request.regions);
    if (auto status = request.apply(editor); !status) {
      editor.undo_update();
      if (txn->dead())
        return status;  // LMDB failed underneath: the whole batch retries or fails
      ack.error = status.error();
      continue;
    }
    ack.status = update_status::applied;
    ack.changed = editor.changed_by_update();
    for (std::uint64_t region : request.regions) {
      auto it = touched_regions.find(region);
      if (it == touched_regions.end()) {
        auto bytes = txn->get(self_->regions, region_key(region));
        if (!bytes)
          return bytes.error();
        region_meta meta;
        if (*bytes) {
          auto parsed = parse_region(**bytes, region);
          if (!parsed)
            return parsed.error();
          meta = *parsed;
        }
        it = touched_regions.emplace(region, meta).first;
      }
      ++it->second.version;
      ++it->second.updates;
      it->second.tick = std::max(it->second.tick, request.tick);
      const std::string key = applied_key(region, request.id);
      ids_in_batch.insert(key);
      std::string order_key;
      append_u64_be(order_key, sequence++);
      if (auto s = txn->put(self_->applied, key, pair_u64(sequence - 1, request.tick)); !s)
        return s;
      if (auto s = txn->put(self_->applied_order, order_key, key); !s)
        return s;
    }
    for (const chunk_key& key : ack.changed) {
      const auto region = touched_regions.find(key.region);
      changed[key] =
          chunk_meta{region != touched_regions.end() ? region->second.version : 0, request.tick};
    }
  }
  // The changed chunks, by the fast path; recompression comes later.
  std::string bytes;
  for (auto& [key, meta] : changed) {
    const std::string k = encode(key);
    bytes.clear();
    compression::encode_fast(*editor.entries()[key].current, bytes);
    if (auto s = txn->put(self_->chunks, k, bytes); !s)
      return s;
    if (auto s = txn->put(self_->chunk_meta_db, k, pair_u64(meta.version, meta.tick)); !s)
      return s;
    if (auto s = txn->put(self_->dirty, k, {}); !s)
      return s;
  }
  for (auto& [region, meta] : touched_regions) {
    std::string value = pair_u64(meta.version, meta.tick);
    append_u64_be(value, meta.updates);
    if (auto s = txn->put(self_->regions, region_key(region), value); !s)
      return s;
  }
  // Forget the oldest ids past the window, a bounded number per commit.
  auto entries = txn->entries(self_->applied_order);
  if (!entries)
    return entries.error();
  std::uint64_t excess =
      *entries > self_->options.applied_window ? *entries - self_->options.applied_window : 0;
  excess = std::min<std::uint64_t>(excess, 2 * batch.size() + 64);
  if (excess) {
    auto c = lmdb::cursor::open(*txn, self_->applied_order);
    if (!c)
      return c.error();
    auto at = c->first();
    for (; excess && at && *at; --excess, at = c->next()) {
      if (auto s = txn->erase(self_->applied, c->value()); !s)
        return s.error();
      if (auto s = c->erase(); !s)
        return s;
    }
    if (!at)
      return at.error();
  }
  if (auto s = txn->commit(); !s)
    return s;
  self_->next_sequence = sequence;
  // Committed: the cache takes the new content.
  std::vector<std::pair<chunk_key, chunk_ptr>> installed;
  for (auto& [key, meta] : changed)
    installed.emplace_back(key, chunk_ptr(std::move(editor.entries()[key].current)));
  self_->cache.install(installed);
  self_->count([&](store_counters& c) {
    ++c.commits;
    c.chunks_written += changed.size();
  });
  return {};
}

std::vector<update_ack> store::apply_batch(std::span<update_request> batch) {
  ++self_->batches_waiting;
  std::unique_lock writer(self_->write_lock);
  --self_->batches_waiting;
  std::vector<update_ack> all(batch.size());
  std::size_t done = 0;
  while (done < batch.size()) {
    // One transaction for as many updates as the working-set bound admits (at least one).
    const std::span<update_request> rest = batch.subspan(done);
    std::vector<update_ack> acks(rest.size());
    std::size_t taken = 0;
    base::status status;
    bool map_full = false;
    {
      std::shared_lock map(self_->map_lock);
      auto txn = lmdb::transaction::begin(self_->env, lmdb::transaction::mode::write);
      if (!txn) {
        status = txn.error();
      } else {
        status = run_batch(*txn, rest, acks, taken);
        map_full = txn->map_full();
      }
    }  // an uncommitted transaction aborts here
    if (map_full) {
      // Outside every transaction: grow the map, then run these updates again.
      std::unique_lock map(self_->map_lock);
      if (auto grown = self_->env.grow(); !grown) {
        status = grown;
      } else {
        self_->count([](store_counters& c) { ++c.map_grows; });
        self_->log("grew the LMDB map to " + std::to_string(self_->env.map_bytes()) + " bytes");
        continue;
      }
    }
    if (!status) {
      // The transaction failed: every update of it that was not a duplicate and did not fail on
      // its own fails with the transaction's error; the rest of the batch is not tried.
      taken = rest.size();
      for (update_ack& ack : acks)
        if (ack.status != update_status::duplicate && !ack.error) {
          ack.status = update_status::failed;
          ack.changed.clear();
          ack.error = status.error();
        }
    }
    for (std::size_t n = 0; n < taken; ++n)
      all[done + n] = std::move(acks[n]);
    done += taken;
  }
  self_->count([&](store_counters& c) {
    for (const update_ack& ack : all) {
      c.updates_applied += ack.status == update_status::applied;
      c.updates_duplicate += ack.status == update_status::duplicate;
      c.updates_failed += ack.status == update_status::failed;
    }
  });
  return all;
}

base::result<std::uint64_t> store::dirty_chunks() {
  std::shared_lock map(self_->map_lock);
  auto txn = lmdb::transaction::begin(self_->env, lmdb::transaction::mode::read);
  if (!txn)
    return txn.error();
  return txn->entries(self_->dirty);
}

// One attempt at a recompression slice inside `txn` (see recompress).
base::result<std::size_t> store::run_recompress(lmdb::transaction& write, std::size_t chunks_max) {
  lmdb::transaction* txn = &write;
  const std::uint64_t generation = self_->cache.generation();
  {
    std::set<chunk_key> wanted;
    {
      std::lock_guard lock(self_->wanted_lock);
      wanted.swap(self_->wanted);
    }
    for (const chunk_key& key : wanted)
      if (auto put = txn->put(self_->dirty, encode(key), {}); !put)
        return put.error();
  }
  std::vector<chunk_key> keys;
  {
    auto c = lmdb::cursor::open(*txn, self_->dirty);
    if (!c)
      return c.error();
    for (auto at = c->first(); at && *at && keys.size() < chunks_max; at = c->next()) {
      auto key = decode_chunk_key(c->key());
      if (!key)
        return key.error();
      keys.push_back(*key);
    }
  }
  // Lowest LOD first, so parents see their children's new content.
  std::sort(keys.begin(), keys.end(), [](const chunk_key& a, const chunk_key& b) {
    return std::tie(a.lod, a.region, a.morton) < std::tie(b.lod, b.region, b.morton);
  });
  std::string bytes;
  std::size_t recompressed = 0, built = 0, handled = 0;
  std::vector<chunk_key> rebuilt;
  for (const chunk_key& key : keys) {
    // A commit waiting for the write lock ends the slice: writers wait one chunk's work at most.
    if (handled > 0 && self_->batches_waiting.load() > 0)
      break;
    ++handled;
    const std::string k = encode(key);
    chunk_ptr content;
    if (key.lod == 0) {
      self_->cache.erase(key);  // decode what is on disk, not what the cache holds
      auto loaded = self_->load(*txn, key, generation);
      if (!loaded) {
        // A corrupt chunk stays as it is, counted and logged; recompression goes on.
        if (auto s = txn->erase(self_->dirty, k); !s)
          return s.error();
        continue;
      }
      content = *loaded;
    } else {
      auto parent = std::make_shared<chunk>();
      if (auto s = self_->build_parent(*txn, key, *parent, generation); !s) {
        if (auto e = txn->erase(self_->dirty, k); !e)
          return e.error();
        continue;
      }
      content = parent;
      ++built;
      rebuilt.push_back(key);
      // A parent's version and tick are its newest child's.
      auto newest = self_->newest_child(*txn, key);
      if (!newest)
        return newest.error();
      if (auto s = txn->put(self_->chunk_meta_db, k, pair_u64(newest->version, newest->tick)); !s)
        return s.error();
    }
    // A chunk equal to the generator's is not stored.
    bool baseline_equal = false;
    if (key.lod == 0 && self_->baseline) {
      chunk generated;
      self_->fill_baseline(key, generated);
      baseline_equal = generated == *content;
    }
    if (baseline_equal) {
      if (auto s = txn->erase(self_->chunks, k); !s)
        return s.error();
    } else {
      bytes.clear();
      compression::encode_selected(*content, self_->material_selector, self_->history_selector,
                                   bytes);
      if (auto s = txn->put(self_->chunks, k, bytes); !s)
        return s.error();
    }
    if (auto s = txn->erase(self_->dirty, k); !s)
      return s.error();
    if (key.lod < self_->options.lod_max) {
      const chunk_key parent{key.region, static_cast<std::uint8_t>(key.lod + 1), key.morton >> 3};
      if (auto s = txn->put(self_->dirty, encode(parent), {}); !s)
        return s.error();
    }
    ++recompressed;
  }
  if (auto s = txn->commit(); !s)
    return s.error();
  self_->cache.install_erased(rebuilt);
  self_->count([&](store_counters& c) { c.chunks_recompressed += recompressed - built; });
  return handled;
}

base::result<std::size_t> store::recompress(std::size_t chunks_max) {
  while (self_->batches_waiting.load() > 0)
    std::this_thread::yield();
  std::lock_guard writer(self_->write_lock);
  for (;;) {
    base::result<std::size_t> outcome = std::size_t{0};
    bool map_full = false;
    {
      std::shared_lock map(self_->map_lock);
      auto txn = lmdb::transaction::begin(self_->env, lmdb::transaction::mode::write);
      if (!txn)
        return txn.error();
      outcome = run_recompress(*txn, chunks_max);
      map_full = txn->map_full();
    }
    if (!map_full)
      return outcome;
    std::unique_lock map(self_->map_lock);
    if (auto grown = self_->env.grow(); !grown)
      return grown.error();
    self_->count([](store_counters& c) { ++c.map_grows; });
  }
}

base::result<scrub_report> store::scrub() {
  std::shared_lock map(self_->map_lock);
  auto txn = lmdb::transaction::begin(self_->env, lmdb::transaction::mode::read);
  if (!txn)
    return txn.error();
  auto c = lmdb::cursor::open(*txn, self_->chunks);
  if (!c)
    return c.error();
  scrub_report report;
  chunk decoded;
  auto at = c->first();
  for (; at && *at; at = c->next()) {
    ++report.chunks;
    report.bytes += c->value().size();
    auto key = decode_chunk_key(c->key());
    if (!key) {
      report.corrupt.emplace_back(chunk_key{}, key.error());
      continue;
    }
    if (auto status = self_->decode(*key, c->value(), decoded); !status)
      report.corrupt.emplace_back(*key, status.error());
  }
  if (!at)
    return at.error();
  return report;
}

base::result<census> store::take_census() {
  std::shared_lock map(self_->map_lock);
  auto txn = lmdb::transaction::begin(self_->env, lmdb::transaction::mode::read);
  if (!txn)
    return txn.error();
  census out;
  for (auto [db, count] : {std::pair{self_->regions, &out.regions}, {self_->dirty, &out.dirty}}) {
    auto n = txn->entries(db);
    if (!n)
      return n.error();
    *count = *n;
  }
  auto c = lmdb::cursor::open(*txn, self_->chunks);
  if (!c)
    return c.error();
  auto at = c->first();
  for (; at && *at; at = c->next()) {
    ++out.chunks;
    const std::string_view value = c->value();
    out.chunk_bytes += value.size();
    auto key = decode_chunk_key(c->key());
    auto header = compression::read_header(value);
    if (!key || !header) {
      ++out.unreadable;
      continue;
    }
    if (out.chunks_per_lod.size() <= key->lod)
      out.chunks_per_lod.resize(key->lod + 1);
    ++out.chunks_per_lod[key->lod];
    const auto codec = static_cast<std::size_t>(header->material);
    ++out.codec_chunks[codec];
    out.codec_bytes[codec] += value.size();
  }
  if (!at)
    return at.error();
  return out;
}

store_counters store::counters() const {
  store_counters out;
  {
    std::lock_guard lock(self_->counters_lock);
    out = self_->counters;
  }
  self_->cache.stats(out);
  return out;
}

std::uint64_t store::map_bytes() const {
  return self_->env.map_bytes();
}

std::uint64_t store::stored_bytes() const {
  return self_->env.used_bytes();
}

}  // namespace strata::shard

namespace strata::shard {

namespace {

// The region a database key starts with (every per-region key does), or nothing for a key too
// short to hold one.
std::optional<std::uint64_t> region_of_key(std::string_view key) {
  if (key.size() < 8)
    return std::nullopt;
  return read_u64_be(key.substr(0, 8));
}

// Calls `visit` for each row of `db` whose key's region is in [first, last], in key order,
// stopping at the first error `visit` returns.
base::status each_in(lmdb::transaction& txn, lmdb::database db, std::uint64_t first,
                     std::uint64_t last,
                     const std::function<base::status(lmdb::cursor&, std::uint64_t)>& visit) {
  auto c = lmdb::cursor::open(txn, db);
  if (!c)
    return c.error();
  auto at = c->seek(region_key(first));
  while (at && *at) {
    auto region = region_of_key(c->key());
    if (!region || *region > last)
      break;
    if (auto s = visit(*c, *region); !s)
      return s;
    at = c->next();
  }
  if (!at)
    return at.error();
  return {};
}

}  // namespace

base::status store::write(const std::function<base::status(lmdb::transaction&)>& body,
                          const std::function<void()>& committed) {
  ++self_->batches_waiting;
  std::unique_lock writer(self_->write_lock);
  --self_->batches_waiting;
  for (;;) {
    base::status status;
    bool map_full = false;
    {
      std::shared_lock map(self_->map_lock);
      auto txn = lmdb::transaction::begin(self_->env, lmdb::transaction::mode::write);
      if (!txn)
        return txn.error();
      status = body(*txn);
      if (status)
        status = txn->commit();
      map_full = txn->map_full();
    }
    if (!map_full) {
      if (status && committed)
        committed();
      return status;
    }
    std::unique_lock map(self_->map_lock);
    if (auto grown = self_->env.grow(); !grown)
      return grown;
    self_->count([](store_counters& c) { ++c.map_grows; });
    self_->log("grew the LMDB map to " + std::to_string(self_->env.map_bytes()) + " bytes");
  }
}

base::result<std::vector<std::pair<std::uint64_t, region_meta>>> store::changed_regions(
    std::uint64_t first, std::uint64_t last) {
  std::shared_lock map(self_->map_lock);
  auto txn = lmdb::transaction::begin(self_->env, lmdb::transaction::mode::read);
  if (!txn)
    return txn.error();
  std::vector<std::pair<std::uint64_t, region_meta>> out;
  auto walked = each_in(*txn, self_->regions, first, last,
                        [&](lmdb::cursor& c, std::uint64_t region) -> base::status {
                          auto meta = parse_region(c.value(), region);
                          if (!meta)
                            return meta.error();
                          out.emplace_back(region, *meta);
                          return {};
                        });
  if (!walked)
    return walked.error();
  return out;
}

base::result<region_rows> store::export_region(std::uint64_t region) {
  std::shared_lock map(self_->map_lock);
  auto txn = lmdb::transaction::begin(self_->env, lmdb::transaction::mode::read);
  if (!txn)
    return txn.error();
  region_rows out;
  out.region = region;
  auto meta = txn->get(self_->regions, region_key(region));
  if (!meta)
    return meta.error();
  if (*meta) {
    auto parsed = parse_region(**meta, region);
    if (!parsed)
      return parsed.error();
    out.meta = *parsed;
  }
  const std::pair<lmdb::database, std::vector<row>*> tables[] = {
      {self_->chunks, &out.chunks},
      {self_->chunk_meta_db, &out.chunk_meta},
      {self_->applied, &out.applied},
      {self_->dirty, &out.dirty}};
  for (auto [db, rows] : tables)
    if (auto s = each_in(*txn, db, region, region,
                         [rows](lmdb::cursor& c, std::uint64_t) -> base::status {
                           rows->push_back({std::string(c.key()), std::string(c.value())});
                           return {};
                         });
        !s)
      return s.error();
  return out;
}

base::status store::import_regions(std::span<const region_rows> regions) {
  for (const region_rows& r : regions)
    for (const std::vector<row>* rows : {&r.chunks, &r.chunk_meta, &r.applied, &r.dirty})
      for (const row& x : *rows)
        if (region_of_key(x.key) != r.region)
          return base::fail(base::errc::invalid_argument,
                            "a row of " + std::to_string(x.key.size()) +
                                " key bytes is not in region " + std::to_string(r.region));
  std::uint64_t sequence = 0;
  auto status = write(
      [&](lmdb::transaction& txn) -> base::status {
        sequence = self_->next_sequence;
        for (const region_rows& r : regions) {
          auto held = txn.get(self_->regions, region_key(r.region));
          if (!held)
            return held.error();
          if (*held) {
            auto meta = parse_region(**held, r.region);
            if (!meta)
              return meta.error();
            if (meta->version > r.meta.version)
              continue;
          }
          for (lmdb::database db :
               {self_->chunks, self_->chunk_meta_db, self_->applied, self_->dirty, self_->regions})
            if (auto s = each_in(txn, db, r.region, r.region,
                                 [](lmdb::cursor& c, std::uint64_t) { return c.erase(); });
                !s)
              return s;
          const std::pair<lmdb::database, const std::vector<row>*> tables[] = {
              {self_->chunks, &r.chunks},
              {self_->chunk_meta_db, &r.chunk_meta},
              {self_->dirty, &r.dirty}};
          for (auto [db, rows] : tables)
            for (const row& x : *rows)
              if (auto s = txn.put(db, x.key, x.value); !s)
                return s;
          // Applied ids take this store's next sequence numbers, so its window forgets them last.
          for (const row& x : r.applied) {
            const std::uint64_t tick = x.value.size() == 16 ? read_u64_be(x.value.substr(8, 8)) : 0;
            std::string order_key;
            append_u64_be(order_key, sequence++);
            if (auto s = txn.put(self_->applied, x.key, pair_u64(sequence - 1, tick)); !s)
              return s;
            if (auto s = txn.put(self_->applied_order, order_key, x.key); !s)
              return s;
          }
          std::string meta = pair_u64(r.meta.version, r.meta.tick);
          append_u64_be(meta, r.meta.updates);
          if (r.meta.version > 0)
            if (auto s = txn.put(self_->regions, region_key(r.region), meta); !s)
              return s;
        }
        return {};
      },
      [&] { self_->next_sequence = sequence; });
  if (!status)
    return status;
  self_->cache.clear();
  return {};
}

base::result<std::uint64_t> store::drop_range(std::uint64_t first, std::uint64_t last) {
  std::uint64_t dropped = 0;
  auto status = write([&](lmdb::transaction& txn) -> base::status {
    dropped = 0;
    for (lmdb::database db :
         {self_->chunks, self_->chunk_meta_db, self_->applied, self_->dirty, self_->regions})
      if (auto s = each_in(txn, db, first, last,
                           [&](lmdb::cursor& c, std::uint64_t) {
                             ++dropped;
                             return c.erase();
                           });
          !s)
        return s;
    return {};
  });
  if (!status)
    return status.error();
  self_->cache.clear();
  return dropped;
}

base::result<std::vector<std::uint64_t>> store::stored_regions(std::uint64_t first,
                                                               std::uint64_t last,
                                                               std::size_t max) {
  std::shared_lock map(self_->map_lock);
  auto txn = lmdb::transaction::begin(self_->env, lmdb::transaction::mode::read);
  if (!txn)
    return txn.error();
  auto c = lmdb::cursor::open(*txn, self_->chunks);
  if (!c)
    return c.error();
  std::vector<std::uint64_t> out;
  auto at = c->seek(region_key(first));
  while (at && *at && out.size() < max) {
    auto region = region_of_key(c->key());
    if (!region || *region > last)
      break;
    out.push_back(*region);
    if (*region == ~std::uint64_t{0})
      break;
    at = c->seek(region_key(*region + 1));
  }
  if (!at)
    return at.error();
  return out;
}

}  // namespace strata::shard
