// Region storage: one LMDB environment holding a node's chunks, the ids of the updates it applied,
// region metadata and the world (DESIGN.md §2, §4). The only module that calls LMDB
// (shard/lmdb.hpp).
//
// Databases (docs/storage.md has every key and value):
//   chunks        chunk key → the chunk in the compression byte format (docs/format.md). A chunk
//                 equal to the world generator's baseline may be absent.
//   chunk_meta    chunk key → version, tick of its last change.
//   applied       region | update id → sequence, tick: the updates applied, for exactly-once.
//   applied_order sequence → region | update id: the oldest ids are forgotten past the window.
//   regions       region → version, tick of its last change, updates applied.
//   dirty         chunk key → (nothing): chunks written by the fast path, awaiting recompression,
//                 and LOD parents awaiting a rebuild.
//   world         "spec" → the world spec (geo::serialize); "generator" → generator bytes.
//
// Writes: apply_batch() applies many updates in one write transaction (the group commit), or in
// several when their chunks would pass working_set_bytes_max. An
// update's changes, its id and the metadata all commit together, so an update is either wholly
// applied and recorded, or not at all, also across a crash; a retry of an applied update is
// answered "duplicate" and changes nothing. Updates run in order; a failing update changes nothing
// and the others in the batch go on. A full map grows and the batch runs again.
//
// Reads: read_encoded() returns a chunk's stored bytes as they are (for streaming, no decoding);
// read() returns it decoded, through a cache with a byte budget, verifying the checksum. A chunk
// that fails its checksum is an error to the reader, a log line and a counter; it is never data.
//
// Threads: reads may run on any thread concurrently with each other and with one writer;
// apply_batch(), recompress() and the world setters serialise among themselves.
#pragma once

#include <array>
#include <atomic>
#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <span>
#include <string>
#include <vector>

#include "base/result.hpp"
#include "compression/chunk.hpp"
#include "geo/world_spec.hpp"
#include "shard/keys.hpp"

namespace strata::shard::lmdb {
class transaction;
}

namespace strata::shard {

struct store_options {
  /// The directory of the LMDB environment (created when missing).
  std::string directory;
  /// The LMDB map's initial and largest size; it doubles when full.
  std::uint64_t map_bytes = std::uint64_t{64} << 20;
  std::uint64_t map_bytes_max = std::uint64_t{1} << 40;
  /// The decoded-chunk cache's budget: decoded chunks (64 KiB each) plus their bookkeeping.
  std::uint64_t cache_bytes = std::uint64_t{256} << 20;
  /// How many applied update ids are remembered (per environment, oldest forgotten first): a
  /// retry arriving after more than this many later updates is applied again.
  std::uint64_t applied_window = 1'000'000;
  /// Decoded chunks one write transaction may hold (bytes): past it, the rest of a batch waits
  /// for the next transaction, so writing stays within the cache budget plus this. 0: a tenth of
  /// cache_bytes.
  std::uint64_t working_set_bytes_max = 0;
  /// LOD levels above 0 kept for each region: recompression rebuilds a changed chunk's parents
  /// up to this level.
  std::uint8_t lod_max = 0;
  /// Chunk layers of the world at LOD 0 (geo::chunk_layers): LOD parents treat children above
  /// the top as air. 0: every child exists.
  std::uint32_t chunk_layers = 0;
  /// Where log lines go (one line per event, no newline); standard error when unset.
  std::function<void(std::string_view line)> log;
};

/// A chunk's version (the region's version when it last changed) and the tick of that change.
struct chunk_meta {
  std::uint64_t version = 0;
  std::uint64_t tick = 0;
  friend bool operator==(const chunk_meta&, const chunk_meta&) = default;
};

struct stored_chunk {
  std::string bytes;  // the compression byte format
  chunk_meta meta;
};

/// A chunk as a stream or a change feed sends it: bytes in the compression byte format that a
/// client decodes with the same library, or nothing for an LOD-0 chunk equal to the world
/// generator's (the client regenerates it from the world's generator record, which is how an
/// untouched world costs nothing on disk or on the wire).
struct encoded_chunk {
  enum class source : std::uint8_t {
    stored,    // the bytes on disk, as they are
    baseline,  // nothing stored: the generator's chunk; no bytes
    built,     // an LOD parent never stored, built from its children and encoded now
  };
  chunk_key key;
  source from = source::stored;
  std::string bytes;
  /// For a built parent, its newest child's.
  chunk_meta meta;
  /// Set when this chunk could not be read (errc::corrupt_data: it fails its checks).
  std::optional<base::error> error;
};

struct region_meta {
  std::uint64_t version = 0;  // bumped by every update applied to the region
  std::uint64_t tick = 0;     // the tick of the last one
  std::uint64_t updates = 0;  // updates applied
  friend bool operator==(const region_meta&, const region_meta&) = default;
};

/// The generator's chunk for a key with nothing stored: writes it into `out`. A store without one
/// treats missing chunks as all air (material 0, history 0).
using baseline_source = std::function<void(const chunk_key& key, compression::chunk& out)>;

/// The chunks one update reads and changes, inside a group commit. Pointers stay valid until the
/// update's apply function returns.
class chunk_editor {
 public:
  virtual ~chunk_editor() = default;
  /// The chunk, to read. Errors: errc::corrupt_data when its stored bytes fail their checks;
  /// errc::io_error from LMDB.
  virtual base::result<const compression::chunk*> view(const chunk_key& key) = 0;
  /// The chunk, to change: its changes commit with the update. Errors as view().
  virtual base::result<compression::chunk*> edit(const chunk_key& key) = 0;
};

struct update_request {
  update_id id{};
  /// Stored as the tick of every chunk the update changes.
  std::uint64_t tick = 0;
  /// The regions the update may change; its id is recorded under each. At least one.
  std::vector<std::uint64_t> regions;
  /// Applies the update through the editor; an error fails this update only.
  std::function<base::status(chunk_editor&)> apply;
};

enum class update_status : std::uint8_t { applied, duplicate, failed };
std::string_view name(update_status s);

struct update_ack {
  update_status status = update_status::failed;
  /// Set when failed: the operator's error, a corrupt chunk, or the commit's I/O error.
  std::optional<base::error> error;
  /// Chunks the update changed (applied only), in key order.
  std::vector<chunk_key> changed;
};

struct store_counters {
  std::uint64_t updates_applied = 0;
  std::uint64_t updates_duplicate = 0;
  std::uint64_t updates_failed = 0;
  std::uint64_t commits = 0;
  std::uint64_t map_grows = 0;
  std::uint64_t chunks_written = 0;
  std::uint64_t corrupt_chunks = 0;
  std::uint64_t cache_hits = 0;
  std::uint64_t cache_misses = 0;
  std::uint64_t cache_bytes = 0;
  std::uint64_t chunks_recompressed = 0;
  std::uint64_t lod_chunks_built = 0;
};

struct scrub_report {
  std::uint64_t chunks = 0;
  std::uint64_t bytes = 0;
  /// Keys whose bytes fail their checks, with the reason.
  std::vector<std::pair<chunk_key, base::error>> corrupt;
};

/// What the store holds, by a scan of every chunk's header: what `strata stats` shows.
struct census {
  /// Regions an update has changed.
  std::uint64_t regions = 0;
  std::uint64_t chunks = 0;
  /// Bytes of the stored chunks (values only).
  std::uint64_t chunk_bytes = 0;
  /// Stored chunks per LOD, index = LOD.
  std::vector<std::uint64_t> chunks_per_lod;
  /// Per material-channel codec (compression::codec_id as the index): chunks and their bytes.
  std::array<std::uint64_t, 256> codec_chunks{};
  std::array<std::uint64_t, 256> codec_bytes{};
  /// Chunks whose header does not parse.
  std::uint64_t unreadable = 0;
  /// Chunks changed since their last recompression.
  std::uint64_t dirty = 0;
};

/// One row of a store database, as a range move copies it.
struct row {
  std::string key;
  std::string value;
  friend bool operator==(const row&, const row&) = default;
};

/// Everything a node stores for one region: its rows of chunks, chunk_meta, applied, dirty and
/// regions. What a range move copies from the old owner to the new one (docs/operations.md).
struct region_rows {
  std::uint64_t region = 0;
  /// The region's metadata when it was read (its version tells a later pass what changed).
  region_meta meta;
  std::vector<row> chunks, chunk_meta, applied, dirty;
};

class store {
 public:
  /// Opens or creates the environment. Errors: errc::io_error (the directory, LMDB),
  /// errc::corrupt_data (not an LMDB environment), errc::invalid_argument (sizes).
  static base::result<std::unique_ptr<store>> open(const store_options& options,
                                                   baseline_source baseline = {});
  ~store();
  store(const store&) = delete;
  store& operator=(const store&) = delete;

  /// Replaces the baseline. Call before reads and writes that need it (not concurrently with
  /// them); cached chunks are dropped.
  void set_baseline(baseline_source baseline);

  /// Fits the LOD pyramid to the world: lod_max is lowered to what a region's width allows
  /// (log2 of chunks_per_region_edge: a parent never reaches past its region) and chunk_layers
  /// set from the spec. import_world() and load_world() call it; call before reads and writes.
  void fit_to(const geo::world_spec& spec);
  /// The LOD levels kept above 0.
  std::uint8_t lod_max() const;
  /// Marks the LOD-1 chunks of these regions for the recompressor, which builds and stores them
  /// and, level by level, their parents up to lod_max: the pyramid viewers read far chunks from,
  /// stored once instead of rebuilt from the generator on every read. After fit_to(); nothing
  /// when the world keeps no LOD. Errors: errc::io_error.
  base::status mark_pyramid(std::span<const std::uint64_t> regions);

  /// Records the world: its spec (geo::serialize) and its generator's bytes. Refuses
  /// (errc::invalid_argument) to replace a different world already stored.
  base::status put_world(std::string_view spec, std::string_view generator);
  struct world_record {
    std::string spec;
    std::string generator;
  };
  /// The stored world, if any.
  base::result<std::optional<world_record>> world();

  /// The stored bytes of a chunk and its metadata, copied out; empty when nothing is stored (the
  /// chunk is the baseline, or was never written).
  base::result<std::optional<stored_chunk>> read_encoded(const chunk_key& key);
  /// Chunks as a stream sends them, read in one read transaction, in the order given (see
  /// encoded_chunk). A chunk that cannot be read carries its error; the others are unaffected.
  /// Errors of the whole call: errc::io_error from LMDB.
  base::result<std::vector<encoded_chunk>> read_for_stream(std::span<const chunk_key> keys);
  /// Plain LMDB gets of the chunks database in one read transaction, in the order given: `visit`
  /// sees each key's stored bytes (empty when absent), valid during the call only. The anchor
  /// the streaming benchmark compares against; errors: errc::io_error.
  base::status get_many(std::span<const chunk_key> keys,
                        const std::function<void(const chunk_key&, std::string_view)>& visit);
  /// The chunk decoded (the baseline when nothing is stored), through the cache. Errors:
  /// errc::corrupt_data when the stored bytes fail their checks; errc::io_error from LMDB.
  base::result<std::shared_ptr<const compression::chunk>> read(const chunk_key& key);
  /// A chunk's version and tick; zeros for a chunk never written.
  base::result<chunk_meta> meta(const chunk_key& key);
  /// A region's metadata; zeros for a region never written.
  base::result<region_meta> region(std::uint64_t id);
  /// Whether an update id is recorded for the region.
  base::result<bool> applied(std::uint64_t region, const update_id& id);

  /// Applies updates in order in one write transaction; one ack per request, in order, once the
  /// transaction has committed (or failed).
  std::vector<update_ack> apply_batch(std::span<update_request> batch);

  /// Recompresses up to `chunks_max` dirty chunks with the selector (and rebuilds LOD parents),
  /// in one write transaction, ending it early when a commit waits for the write lock. Returns
  /// how many it handled; 0 when nothing is dirty.
  base::result<std::size_t> recompress(std::size_t chunks_max);
  /// Dirty chunks waiting for recompress().
  base::result<std::uint64_t> dirty_chunks();

  /// The regions in [first, last] that updates have changed, with their metadata, in id order.
  /// Errors: errc::io_error, errc::corrupt_data (a metadata row of the wrong size).
  base::result<std::vector<std::pair<std::uint64_t, region_meta>>> changed_regions(
      std::uint64_t first, std::uint64_t last);
  /// Every row of one region, read in one read transaction. Errors: as changed_regions().
  base::result<region_rows> export_region(std::uint64_t region);
  /// Replaces what is stored for each region by its rows, in one durable write transaction:
  /// the region's old rows go first. Its applied ids join this store's window as the newest.
  /// A region held at a higher version than its rows' stays as it is: a copy sent again, whose
  /// first sending arrives late, does not undo the newer one.
  /// Errors: errc::invalid_argument (a row outside its region), errc::io_error.
  base::status import_regions(std::span<const region_rows> regions);
  /// Deletes every row of every region in [first, last] in one durable write transaction (a
  /// moved range's old copy). Returns the rows deleted. Errors: errc::io_error.
  base::result<std::uint64_t> drop_range(std::uint64_t first, std::uint64_t last);
  /// Region ids in [first, last] with any stored chunk, in order, at most `max` of them.
  base::result<std::vector<std::uint64_t>> stored_regions(std::uint64_t first, std::uint64_t last,
                                                          std::size_t max);

  /// Verifies every stored chunk (header, payload, checksum).
  base::result<scrub_report> scrub();
  /// Counts what is stored in one read transaction; reads headers only, decodes nothing.
  base::result<census> take_census();

  store_counters counters() const;
  std::uint64_t map_bytes() const;
  /// Bytes of the environment's pages in use (LMDB's last page number times the page size).
  std::uint64_t stored_bytes() const;

 private:
  struct impl;
  explicit store(std::unique_ptr<impl> self);
  base::status run_batch(lmdb::transaction& txn, std::span<update_request> batch,
                         std::vector<update_ack>& acks, std::size_t& taken);
  base::result<std::size_t> run_recompress(lmdb::transaction& txn, std::size_t chunks_max);
  // Runs `body` in one write transaction under the write lock and commits it, growing the map
  // and running it again when it fills; `committed` runs after the commit, still under the lock.
  base::status write(const std::function<base::status(lmdb::transaction&)>& body,
                     const std::function<void()>& committed = {});
  std::unique_ptr<impl> self_;
};

}  // namespace strata::shard
