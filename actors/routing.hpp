// A cached shard map with a handle for each node: what the router, streams and change feeds
// route by. A copy may be behind the coordinator's; owners refuse what it routes wrongly
// (errc::stale_epoch) and the holder refreshes and retries.
#pragma once

#include <chrono>
#include <map>
#include <optional>
#include <unordered_map>
#include <unordered_set>
#include <utility>
#include <vector>

#include "actors/protocol.hpp"
#include "config/config.hpp"

namespace strata::actors {

struct route {
  node_actor node;
  shard::node_id id = 0;
  std::uint64_t epoch = 0;
  /// The range's first region id, which names the range.
  std::uint64_t first = 0;
  /// The coordinator counts the owner unavailable (its lease lapsed or its connection dropped):
  /// a request would wait for nothing.
  bool unavailable = false;
};

/// The error for a request whose owner is unavailable.
caf::error unavailable_owner(const route& r);

/// How long an actor waits for another's reply (actors.request_timeout_ms).
inline std::chrono::milliseconds request_timeout(const config::config& settings) {
  return std::chrono::milliseconds(settings.actors.request_timeout_ms);
}

/// How long the gateway waits for the router's answer. A request the router sends may take a
/// request timeout, and one that timed out (its message lost with a dropped connection) is asked
/// again after a map refresh, which may take another: the gateway waits for all three, so that
/// the router's retry can answer.
inline std::chrono::milliseconds routed_timeout(const config::config& settings) {
  return 3 * request_timeout(settings);
}

/// Items grouped by the shard range that holds them, each group with its owner.
template <class Item>
struct range_groups {
  /// One group per range, items in the order given.
  std::vector<std::pair<route, std::vector<Item>>> groups;
  /// Items whose region no known node owns.
  std::vector<Item> unrouted;
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

  /// Groups items by the range holding `region_of(item)`.
  template <class Item, class RegionOf>
  range_groups<Item> group(const std::vector<Item>& items, RegionOf region_of) const {
    range_groups<Item> out;
    std::map<std::pair<shard::node_id, std::uint64_t>, std::size_t> index;
    for (const Item& item : items) {
      auto r = find(region_of(item));
      if (!r) {
        out.unrouted.push_back(item);
        continue;
      }
      auto [at, fresh] = index.try_emplace({r->id, r->first}, out.groups.size());
      if (fresh)
        out.groups.push_back({*r, {}});
      out.groups[at->second].second.push_back(item);
    }
    return out;
  }

 private:
  shard::shard_map map_;
  std::unordered_map<shard::node_id, node_actor> nodes_;
  std::unordered_set<shard::node_id> unavailable_;
};

}  // namespace strata::actors
