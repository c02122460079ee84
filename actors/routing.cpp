#include "actors/routing.hpp"

namespace strata::actors {

void routing_table::install(const map_view& view) {
  if (!map_.ranges.empty() && view.map.version < map_.version)
    return;
  map_ = view.map;
  for (const node_entry& node : view.nodes)
    nodes_[node.id] = caf::actor_cast<node_actor>(node.handle);
}

std::optional<route> routing_table::find(std::uint64_t region) const {
  const shard::shard_range* range = map_.find(region);
  if (!range)
    return std::nullopt;
  auto node = nodes_.find(range->node);
  if (node == nodes_.end() || !node->second)
    return std::nullopt;
  return route{node->second, range->node, range->epoch, range->first};
}

}  // namespace strata::actors
