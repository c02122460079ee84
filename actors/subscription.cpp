#include "actors/subscription.hpp"

#include <algorithm>
#include <map>

#include "actors/errors.hpp"

namespace strata::actors {

namespace {

using self_pointer = caf::stateful_actor<subscription_state>*;

// Registers with the owners of `regions`, refreshing the map and retrying stale routes. After a
// change of owner (`moved`), each registration tells the sink to read the area afresh.
void enlist(self_pointer self, std::vector<std::uint64_t> regions, unsigned attempt,
            bool moved = false) {
  subscription_state& st = self->state;
  auto grouped = st.routes.group(regions, [](std::uint64_t region) { return region; });
  if (!grouped.unrouted.empty()) {
    self->send(st.sink, to_caf(base::errc::unavailable,
                               "no node owns region " + std::to_string(grouped.unrouted.front())));
    self->quit();
    return;
  }
  for (auto& [r, part] : grouped.groups) {
    for (std::uint64_t region : part)
      st.owners[region] = r.node;
    self->request(r.node, request_timeout(st.settings), subscribe_atom::value, part, r.epoch,
                  caf::actor_cast<caf::actor>(self))
        .then(
            [self, moved](bool) {
              if (!moved)
                return;
              subscription_state& s = self->state;
              ++s.resyncs;
              self->send(s.sink, resync_atom::value, s.id);
            },
            [self, part = part, attempt, moved](caf::error& e) {
              subscription_state& s = self->state;
              if (from_caf(e).code == base::errc::stale_epoch &&
                  attempt < s.settings.actors.route_retries_max && s.coordinator) {
                self->request(s.coordinator, request_timeout(s.settings), map_atom::value)
                    .then(
                        [self, part, attempt, moved](map_view& view) {
                          self->state.routes.install(view);
                          enlist(self, part, attempt + 1, moved);
                        },
                        [self](caf::error& e) {
                          self->send(self->state.sink, e);
                          self->quit();
                        });
                return;
              }
              self->send(s.sink, e);
              self->quit();
            });
  }
}

void schedule_flush(self_pointer self) {
  subscription_state& st = self->state;
  if (st.flush_scheduled || st.pending.empty())
    return;
  st.flush_scheduled = true;
  self->delayed_send(self, std::chrono::milliseconds(st.settings.subscribe.interval_ms),
                     flush_atom::value);
}

// Reads and sends what the window allows of the pending chunks, newest versions.
void flush(self_pointer self) {
  subscription_state& st = self->state;
  const std::uint64_t window = st.settings.stream.window_chunks;
  std::uint64_t held = st.sent - st.credited + st.reading;
  std::vector<shard::chunk_key> taken;
  while (!st.pending.empty() && held < window) {
    taken.push_back(*st.pending.begin());
    st.pending.erase(st.pending.begin());
    ++held;
  }
  // Chunks with no owner now are dropped: the next change comes from the new owner.
  auto grouped = st.routes.group(taken, [](const shard::chunk_key& key) { return key.region; });
  for (auto& [r, keys] : grouped.groups) {
    const std::uint64_t n = keys.size();
    st.reading += n;
    self->request(r.node, request_timeout(st.settings), read_atom::value,
                  read_request{keys, r.epoch})
        .then(
            [self, n](chunk_batch& batch) {
              subscription_state& s = self->state;
              s.reading -= n;
              s.sent += batch.chunks.size();
              self->send(s.sink, chunks_atom::value, s.id, std::move(batch));
            },
            [self, n, keys = keys](caf::error&) {
              // The owner moved or failed: the chunks wait for the next flush.
              subscription_state& s = self->state;
              s.reading -= n;
              s.pending.insert(keys.begin(), keys.end());
              schedule_flush(self);
            });
  }
}

// Follows the regions whose owner the new map changed: leaves the old owner, registers with the
// new one. Regions whose owner is unavailable wait for it (or for their next owner).
void follow(self_pointer self, const map_view& view) {
  subscription_state& st = self->state;
  st.routes.install(view);
  std::vector<std::uint64_t> moved;
  std::vector<std::pair<node_actor, std::vector<std::uint64_t>>> left;
  for (std::uint64_t region : st.regions) {
    auto r = st.routes.find(region);
    if (!r || r->unavailable)
      continue;
    auto was = st.owners.find(region);
    if (was != st.owners.end() && was->second == r->node)
      continue;
    if (was != st.owners.end() && was->second) {
      auto old = std::find_if(left.begin(), left.end(),
                              [&](const auto& entry) { return entry.first == was->second; });
      if (old == left.end())
        old = left.insert(left.end(), {was->second, {}});
      old->second.push_back(region);
    }
    moved.push_back(region);
  }
  for (auto& [old, regions] : left)
    self->send(old, unsub_atom::value, std::move(regions), caf::actor_cast<caf::actor>(self));
  if (!moved.empty())
    enlist(self, std::move(moved), 0, true);
}

}  // namespace

caf::behavior subscription(caf::stateful_actor<subscription_state>* self, std::uint64_t id,
                           caf::actor sink, std::vector<std::uint64_t> regions,
                           routing_table routes, shard_map_actor coordinator,
                           config::config settings) {
  subscription_state& st = self->state;
  st.id = id;
  st.sink = sink;
  st.regions = std::move(regions);
  st.routes = std::move(routes);
  st.coordinator = coordinator;
  st.settings = std::move(settings);
  self->monitor(sink);
  self->set_down_handler([self](const caf::down_msg& down) {
    if (down.source == self->state.sink.address())
      self->quit();
  });
  enlist(self, st.regions, 0);
  return {
      [self](changed_atom, std::uint64_t, const std::vector<shard::chunk_key>& keys) {
        subscription_state& st = self->state;
        st.pending.insert(keys.begin(), keys.end());
        if (st.pending.size() > st.settings.subscribe.buffer_chunks) {
          st.pending.clear();
          ++st.resyncs;
          self->send(st.sink, resync_atom::value, st.id);
          return;
        }
        schedule_flush(self);
      },
      [self](flush_atom) {
        self->state.flush_scheduled = false;
        flush(self);
        schedule_flush(self);
      },
      [self](credit_atom, std::uint64_t chunks) {
        subscription_state& st = self->state;
        st.credited = std::min(st.sent, st.credited + chunks);
        schedule_flush(self);
      },
      [self](map_atom, const map_view& view) { follow(self, view); },
      [self](cancel_atom) { self->quit(caf::exit_reason::user_shutdown); },
  };
}

}  // namespace strata::actors
