// A cached shard map with a handle for each node: what the router, streams and change feeds
// route by. A copy may be behind the coordinator's; owners refuse what it routes wrongly
// (errc::stale_epoch) and the holder refreshes and retries.
#pragma once

#include <optional>
#include <unordered_map>

#include "actors/protocol.hpp"

namespace strata::actors {

struct route {
  node_actor node;
  shard::node_id id = 0;
  std::uint64_t epoch = 0;
  /// The range's first region id, which names the range.
  std::uint64_t first = 0;
};

class routing_table {
 public:
  /// Takes the view if it is newer than what is held (or the first).
  void install(const map_view& view);
  std::uint64_t version() const { return map_.version; }
  bool empty() const { return map_.ranges.empty(); }
  const shard::shard_map& map() const { return map_; }

  /// The owner of a region, or nothing when no range holds it or its node is unknown.
  std::optional<route> find(std::uint64_t region) const;

 private:
  shard::shard_map map_;
  std::unordered_map<shard::node_id, node_actor> nodes_;
};

}  // namespace strata::actors
