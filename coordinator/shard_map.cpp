#include "coordinator/shard_map.hpp"

#include <algorithm>

#include "actors/errors.hpp"

namespace strata::coordinator {

namespace {

void announce(shard_map_state& st) {
  for (const caf::actor& subscriber : st.subscribers)
    caf::anon_send(subscriber, actors::map_atom::value, st.view);
}

// Saves the map before anyone hears of it (nothing to do for a map without a file).
base::status save(shard_map_state& st, const shard::shard_map& next) {
  if (!st.file)
    return {};
  return st.file->save(next);
}

}  // namespace

actors::shard_map_actor::behavior_type shard_map(
    actors::shard_map_actor::stateful_pointer<shard_map_state> self, shard::map_store* file,
    shard::shard_map initial, actors::world_record world) {
  shard_map_state& st = self->state;
  st.file = file;
  st.view.map = std::move(initial);
  st.world = std::move(world);
  self->set_down_handler([self](const caf::down_msg& down) {
    auto& subs = self->state.subscribers;
    subs.erase(std::remove_if(subs.begin(), subs.end(),
                              [&](const caf::actor& a) { return a.address() == down.source; }),
               subs.end());
  });
  return {
      [self](actors::map_atom) { return self->state.view; },
      [self](actors::lookup_atom, std::uint64_t region) -> caf::result<shard::shard_range> {
        const shard::shard_range* range = self->state.view.map.find(region);
        if (!range)
          return actors::to_caf(base::errc::not_found,
                                "no range of shard map version " +
                                    std::to_string(self->state.view.map.version) +
                                    " holds region " + std::to_string(region));
        return *range;
      },
      [self](actors::join_atom, shard::node_id id,
             caf::actor& handle) -> caf::result<actors::map_view> {
        shard_map_state& st = self->state;
        // The first node of a map with no ranges owns the whole id space.
        if (st.view.map.ranges.empty()) {
          shard::shard_map next = st.view.map;
          if (auto assigned = shard::assign(next, 0, ~std::uint64_t{0}, id); !assigned)
            return actors::to_caf(assigned.error());
          if (auto saved = save(st, next); !saved)
            return actors::to_caf(saved.error());
          st.view.map = std::move(next);
        }
        auto& nodes = st.view.nodes;
        auto same = std::find_if(nodes.begin(), nodes.end(),
                                 [id](const actors::node_entry& n) { return n.id == id; });
        if (same == nodes.end())
          nodes.push_back({id, handle});
        else
          same->handle = handle;
        announce(st);
        return st.view;
      },
      [self](actors::assign_atom, std::uint64_t first, std::uint64_t last,
             shard::node_id node) -> caf::result<actors::map_view> {
        shard_map_state& st = self->state;
        if (std::none_of(st.view.nodes.begin(), st.view.nodes.end(),
                         [node](const actors::node_entry& n) { return n.id == node; }))
          return actors::to_caf(base::errc::invalid_argument,
                                "assign: node " + std::to_string(node) + " has not joined");
        shard::shard_map next = st.view.map;
        if (auto assigned = shard::assign(next, first, last, node); !assigned)
          return actors::to_caf(assigned.error());
        if (auto saved = save(st, next); !saved)
          return actors::to_caf(saved.error());
        st.view.map = std::move(next);
        announce(st);
        return st.view;
      },
      [self](actors::subscribe_atom, caf::actor& subscriber) {
        self->state.subscribers.push_back(subscriber);
        self->monitor(subscriber);
        caf::anon_send(subscriber, actors::map_atom::value, self->state.view);
      },
      [self](actors::world_atom) { return self->state.world; },
      [self](actors::world_atom, actors::world_record& world) -> caf::result<actors::world_record> {
        shard_map_state& st = self->state;
        if (world.empty())
          return actors::to_caf(base::errc::invalid_argument, "the world's spec is empty");
        if (!st.world.empty()) {
          if (st.world == world)
            return st.world;
          return actors::to_caf(base::errc::invalid_argument,
                                "the cluster already has a world; a coordinator with another "
                                "--data directory serves another world");
        }
        if (st.file)
          if (auto saved = st.file->save_world(world.spec, world.generator); !saved)
            return actors::to_caf(saved.error());
        st.world = std::move(world);
        return st.world;
      },
  };
}

}  // namespace strata::coordinator
