#include "actors/routing.hpp"

#include "actors/errors.hpp"

namespace strata::actors {

void routing_table::install(const map_view& view) {
  if (!map_.ranges.empty() && view.map.version < map_.version)
    return;
  map_ = view.map;
  for (const node_entry& node : view.nodes) {
    nodes_[node.id] = caf::actor_cast<node_actor>(node.handle);
    if (node.state == "unavailable")
      unavailable_.insert(node.id);
    else
      unavailable_.erase(node.id);
  }
}

std::optional<route> routing_table::find(std::uint64_t region) const {
  const shard::shard_range* range = map_.find(region);
  if (!range)
    return std::nullopt;
  auto node = nodes_.find(range->node);
  if (node == nodes_.end() || !node->second)
    return std::nullopt;
  return route{node->second, range->node, range->epoch, range->first,
               unavailable_.count(range->node) > 0};
}

caf::error unavailable_owner(const route& r) {
  return to_caf(base::errc::unavailable,
                "node " + std::to_string(r.id) + ", which owns the range from region " +
                    std::to_string(r.first) +
                    ", is unavailable (no heartbeat within cluster.lease_ms, or its connection "
                    "dropped); its regions return with it");
}

}  // namespace strata::actors
