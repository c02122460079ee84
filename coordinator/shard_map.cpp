#include "coordinator/shard_map.hpp"

#include <algorithm>

#include "actors/errors.hpp"

namespace strata::coordinator {

namespace {

void announce(shard_map_state& st) {
  for (const caf::actor& subscriber : st.subscribers)
    caf::anon_send(subscriber, actors::map_atom::value, st.view);
}

}  // namespace

actors::shard_map_actor::behavior_type shard_map(
    actors::shard_map_actor::stateful_pointer<shard_map_state> self, shard::map_store* file,
    shard::shard_map initial) {
  shard_map_state& st = self->state;
  st.file = file;
  st.view.map = std::move(initial);
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
      [self](actors::join_atom, shard::node_id id, caf::actor& handle) {
        auto& nodes = self->state.view.nodes;
        auto same = std::find_if(nodes.begin(), nodes.end(),
                                 [id](const actors::node_entry& n) { return n.id == id; });
        if (same == nodes.end())
          nodes.push_back({id, handle});
        else
          same->handle = handle;
        announce(self->state);
        return self->state.view;
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
        if (st.file)
          if (auto saved = st.file->save(next); !saved)
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
  };
}

}  // namespace strata::coordinator
