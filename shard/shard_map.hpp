// The shard map: which node owns which range of region ids, each assignment with an epoch
// (DESIGN.md §5), and the LMDB file that keeps it across restarts (the coordinator's).
//
// Region ids are S2 cell ids, so a contiguous range of ids is a compact patch of the planet.
// Ranges are inclusive [first, last], sorted and disjoint; ids no range holds are unassigned.
// An epoch is bumped every time a range changes owner (or is split): a request routed by an
// older epoch is refused by the owner (errc::stale_epoch) and re-routed by a fresh map.
// `version` counts changes to the whole map, so a cached copy knows it is behind.
#pragma once

#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "base/result.hpp"

namespace strata::shard {

using node_id = std::uint64_t;

struct shard_range {
  std::uint64_t first = 0;
  std::uint64_t last = ~std::uint64_t{0};
  node_id node = 0;
  std::uint64_t epoch = 0;
  friend bool operator==(const shard_range&, const shard_range&) = default;
};

struct shard_map {
  std::uint64_t version = 0;
  std::vector<shard_range> ranges;

  /// The range holding `region`, or null when no range does. O(log ranges).
  const shard_range* find(std::uint64_t region) const;
  friend bool operator==(const shard_map&, const shard_map&) = default;
};

/// Ranges sorted, disjoint and each first <= last. errc::invalid_argument naming the range.
base::status validate(const shard_map& map);

/// Assigns [first, last] to `node`, splitting ranges it cuts; every range it changes takes
/// epoch = map.version + 1, and the version is bumped. Errors: errc::invalid_argument for
/// first > last.
base::status assign(shard_map& map, std::uint64_t first, std::uint64_t last, node_id node);

/// A flat little-endian encoding with a format version; parse checks everything validate()
/// does. Errors: errc::parse_error (truncated, trailing bytes, more than 2^20 ranges),
/// errc::unsupported_version, validate()'s.
std::string serialize(const shard_map& map);
base::result<shard_map> parse_shard_map(std::string_view bytes);

/// The shard map's file: one LMDB environment in its own directory, written durably.
class map_store {
 public:
  /// Opens or creates the environment in `directory`. Errors: errc::io_error,
  /// errc::corrupt_data.
  static base::result<std::unique_ptr<map_store>> open(const std::string& directory);
  ~map_store();
  map_store(const map_store&) = delete;
  map_store& operator=(const map_store&) = delete;

  /// The map saved last, or nothing for a fresh file. Errors: errc::corrupt_data for stored bytes
  /// that do not parse; errc::io_error.
  base::result<std::optional<shard_map>> load();
  /// Saves the map; durable when it returns. Errors: errc::io_error.
  base::status save(const shard_map& map);

  /// The cluster's world as its coordinator keeps it beside the map: the spec's and the generator
  /// record's bytes, stored as given; nothing before save_world. Errors: errc::io_error.
  base::result<std::optional<std::pair<std::string, std::string>>> load_world();
  /// Saves both in one durable transaction. Errors: errc::io_error.
  base::status save_world(std::string_view spec, std::string_view generator);

 private:
  struct impl;
  explicit map_store(std::unique_ptr<impl> self);
  std::unique_ptr<impl> self_;
};

}  // namespace strata::shard
