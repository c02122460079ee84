#include "actors/node.hpp"

#include <algorithm>
#include <cstdio>

#include "actors/errors.hpp"
#include "actors/routing.hpp"
#include "geology/update_codec.hpp"

namespace strata::actors {

namespace {

using self_pointer = node_actor::stateful_pointer<node_state>;

// Why this node cannot serve `regions` routed by `epoch`, or none when it can.
caf::error ownership(const node_state& st, const std::vector<std::uint64_t>& regions,
                     std::uint64_t epoch) {
  for (std::uint64_t region : regions) {
    const shard::shard_range* range = st.map.find(region);
    const std::string which = "region " + std::to_string(region);
    if (!range)
      return to_caf(base::errc::stale_epoch, which + " is in no range of shard map version " +
                                                 std::to_string(st.map.version) +
                                                 " known to node " + std::to_string(st.id));
    if (range->node != st.id)
      return to_caf(base::errc::stale_epoch,
                    which + " belongs to node " + std::to_string(range->node) + " at epoch " +
                        std::to_string(range->epoch) + ", not node " + std::to_string(st.id));
    if (range->epoch != epoch)
      return to_caf(base::errc::stale_epoch, which + " was routed by epoch " +
                                                 std::to_string(epoch) + "; its range's is " +
                                                 std::to_string(range->epoch));
  }
  return {};
}

// Runs `then` with the ownership verdict, fetching the map first when the request was routed by
// a newer one than this node knows.
void when_owner(self_pointer self, std::vector<std::uint64_t> regions, std::uint64_t epoch,
                std::function<void(caf::error)> then) {
  node_state& st = self->state;
  caf::error verdict = ownership(st, regions, epoch);
  if (!verdict || !st.coordinator || epoch <= st.map.version) {
    then(std::move(verdict));
    return;
  }
  self->request(st.coordinator, request_timeout(st.services->settings), map_atom::value)
      .then(
          [self, regions, epoch, then](map_view& view) {
            if (view.map.version > self->state.map.version)
              self->state.map = std::move(view.map);
            then(ownership(self->state, regions, epoch));
          },
          [then](caf::error& e) { then(std::move(e)); });
}

// Runs `use` with the region's actor: spawned when there is none, after its answer when it is
// being asked to passivate.
void with_region(self_pointer self, std::uint64_t region,
                 std::function<void(const region_actor&)> use) {
  node_state& st = self->state;
  auto found = st.regions.find(region);
  if (found == st.regions.end()) {
    node_state::region_entry entry;
    entry.handle = self->spawn<caf::linked>(actors::region, region, st.services);
    found = st.regions.emplace(region, std::move(entry)).first;
    ++st.stats.regions_spawned;
  }
  found->second.last_used = self->clock().now();
  if (found->second.closing)
    found->second.waiting.push_back(std::move(use));
  else
    use(found->second.handle);
}

void passivated(self_pointer self, std::uint64_t region, bool quitting) {
  node_state& st = self->state;
  auto found = st.regions.find(region);
  if (found == st.regions.end())
    return;
  auto waiting = std::move(found->second.waiting);
  found->second.waiting.clear();
  found->second.closing = false;
  if (quitting) {
    st.regions.erase(found);
    ++st.stats.regions_passivated;
  }
  // What arrived meanwhile goes to the same actor, or to a new one.
  for (auto& use : waiting)
    with_region(self, region, std::move(use));
}

const reader_actor& next_reader(node_state& st) {
  return st.readers[st.next_reader++ % st.readers.size()];
}

std::chrono::milliseconds sweep_interval(const node_state& st) {
  return std::chrono::milliseconds(
      std::max<std::uint64_t>(st.services->settings.actors.region_idle_ms / 2, 1));
}

// Delegates a query about the region holding `at` to a reader, once ownership is checked.
template <class Answer, class Atom, class Query>
caf::result<Answer> query(self_pointer self, base::result<geo::voxel> located, Atom atom, Query q) {
  if (!located)
    return to_caf(located.error());
  const std::uint64_t region = self->state.services->world.grid.region_of(*located).id();
  auto promise = self->template make_response_promise<Answer>();
  when_owner(self, {region}, q.epoch, [self, promise, atom, q](caf::error e) mutable {
    if (e)
      promise.deliver(std::move(e));
    else
      promise.delegate(next_reader(self->state), atom, std::move(q));
  });
  return promise;
}

}  // namespace

node_actor::behavior_type node(node_actor::stateful_pointer<node_state> self, shard::node_id id,
                               const node_services* services, shard_map_actor coordinator) {
  node_state& st = self->state;
  st.id = id;
  st.services = services;
  st.coordinator = coordinator;
  const std::size_t readers = std::max<std::uint64_t>(services->settings.actors.reader_threads, 1);
  for (std::size_t n = 0; n < readers; ++n)
    st.readers.push_back(services->detached_readers
                             ? self->spawn<caf::detached + caf::linked>(reader, services)
                             : self->spawn<caf::linked>(reader, services));
  // A region actor that fails (a bug) is dropped, and the next message for its region spawns a
  // fresh one; its callers' requests fail with it. Any other exit stops the node.
  self->set_exit_handler([self](caf::exit_msg& msg) {
    auto& regions = self->state.regions;
    for (auto it = regions.begin(); it != regions.end(); ++it)
      if (it->second.handle.address() == msg.source) {
        if (msg.reason)
          std::fprintf(stderr, "strata node %llu: region %llu stopped: %s\n",
                       static_cast<unsigned long long>(self->state.id),
                       static_cast<unsigned long long>(it->first),
                       caf::to_string(msg.reason).c_str());
        if (!it->second.closing)
          regions.erase(it);
        return;
      }
    if (msg.reason)
      self->quit(msg.reason);
  });
  if (coordinator)
    self->send(coordinator, subscribe_atom::value, caf::actor_cast<caf::actor>(self));
  self->delayed_send(self, sweep_interval(st), sweep_atom::value);
  return {
      [self](apply_atom, write_part& part) -> caf::result<write_reply> {
        auto promise = self->make_response_promise<write_reply>();
        const std::vector<std::uint64_t> regions = part.regions;
        const std::uint64_t epoch = part.epoch;
        when_owner(
            self, regions, epoch, [self, promise, part = std::move(part)](caf::error e) mutable {
              node_state& st = self->state;
              if (e) {
                ++st.stats.updates_refused;
                promise.deliver(std::move(e));
                return;
              }
              auto parsed = geology::parse_update(part.update);
              if (!parsed) {
                promise.deliver(to_caf(parsed.error()));
                return;
              }
              struct gather {
                caf::typed_response_promise<write_reply> promise;
                std::size_t left = 0;
                write_reply total;
                caf::error failure;
              };
              auto g = std::make_shared<gather>(gather{promise, part.regions.size(), {}, {}});
              const region_write write{std::make_shared<const geology::update>(std::move(*parsed)),
                                       part.update.size()};
              const auto finish = [self, g] {
                if (--g->left > 0)
                  return;
                if (g->failure) {
                  g->promise.deliver(g->failure);
                  return;
                }
                self->state.stats.updates_applied += g->total.regions_applied > 0 ? 1 : 0;
                g->promise.deliver(g->total);
              };
              for (std::uint64_t region : part.regions)
                with_region(self, region, [self, write, finish, g](const region_actor& handle) {
                  self->request(handle, request_timeout(self->state.services->settings),
                                apply_atom::value, write)
                      .then(
                          [finish, g](write_reply& reply) {
                            merge(g->total, reply);
                            finish();
                          },
                          [finish, g](caf::error& e) {
                            if (!g->failure)
                              g->failure = std::move(e);
                            finish();
                          });
                });
            });
        return promise;
      },
      [self](read_atom, read_request& request) -> caf::result<chunk_batch> {
        std::vector<std::uint64_t> regions;
        for (const shard::chunk_key& key : request.keys)
          regions.push_back(key.region);
        std::sort(regions.begin(), regions.end());
        regions.erase(std::unique(regions.begin(), regions.end()), regions.end());
        auto promise = self->make_response_promise<chunk_batch>();
        const std::uint64_t epoch = request.epoch;
        when_owner(self, std::move(regions), epoch,
                   [self, promise, request = std::move(request)](caf::error e) mutable {
                     if (e) {
                       promise.deliver(std::move(e));
                       return;
                     }
                     self->state.stats.chunks_read += request.keys.size();
                     promise.delegate(next_reader(self->state), read_atom::value,
                                      std::move(request));
                   });
        return promise;
      },
      [self](voxel_atom atom, voxel_query& q) {
        return query<voxel_answer>(self, self->state.services->world.grid.locate(q.at), atom, q);
      },
      [self](column_atom atom, column_query& q) {
        const double floor = self->state.services->world.grid.spec().z_min_m;
        return query<column_answer>(
            self, self->state.services->world.grid.locate({q.at.lat_deg, q.at.lng_deg, floor}),
            atom, q);
      },
      [self](stats_atom atom, std::uint64_t region,
             std::uint64_t epoch) -> caf::result<region_summary> {
        auto promise = self->make_response_promise<region_summary>();
        when_owner(self, {region}, epoch,
                   [self, promise, atom, region, epoch](caf::error e) mutable {
                     if (e) {
                       promise.deliver(std::move(e));
                       return;
                     }
                     self->request(next_reader(self->state),
                                   request_timeout(self->state.services->settings), atom, region)
                         .then(
                             [self, promise, epoch](region_summary& s) mutable {
                               s.node = self->state.id;
                               s.epoch = epoch;
                               promise.deliver(std::move(s));
                             },
                             [promise](caf::error& e) mutable { promise.deliver(std::move(e)); });
                   });
        return promise;
      },
      [self](subscribe_atom, std::vector<std::uint64_t>& regions, std::uint64_t epoch,
             caf::actor& subscriber) -> caf::result<bool> {
        auto promise = self->make_response_promise<bool>();
        when_owner(
            self, regions, epoch, [self, promise, regions, subscriber](caf::error e) mutable {
              if (e) {
                promise.deliver(std::move(e));
                return;
              }
              auto left = std::make_shared<std::size_t>(regions.size());
              for (std::uint64_t region : regions)
                with_region(
                    self, region, [self, promise, left, subscriber](const region_actor& h) mutable {
                      self->request(h, request_timeout(self->state.services->settings),
                                    subscribe_atom::value, subscriber)
                          .then(
                              [promise, left](bool) mutable {
                                if (--*left == 0)
                                  promise.deliver(true);
                              },
                              [promise](caf::error& e) mutable { promise.deliver(std::move(e)); });
                    });
              if (regions.empty())
                promise.deliver(true);
            });
        return promise;
      },
      [self](unsub_atom, const std::vector<std::uint64_t>& regions, const caf::actor& subscriber) {
        for (std::uint64_t region : regions) {
          auto found = self->state.regions.find(region);
          if (found != self->state.regions.end())
            self->send(found->second.handle, unsub_atom::value, subscriber);
        }
      },
      [self](map_atom, map_view& view) {
        if (view.map.version > self->state.map.version || self->state.map.ranges.empty())
          self->state.map = std::move(view.map);
      },
      [self](stats_atom) {
        node_state& st = self->state;
        node_stats out = st.stats;
        out.regions_active = st.regions.size();
        out.stored_bytes = st.services->store.stored_bytes();
        return out;
      },
      [self](sweep_atom) {
        node_state& st = self->state;
        const auto now = self->clock().now();
        const auto idle = std::chrono::milliseconds(st.services->settings.actors.region_idle_ms);
        for (auto& [region, entry] : st.regions) {
          if (entry.closing || now - entry.last_used < idle)
            continue;
          entry.closing = true;
          const std::uint64_t id = region;
          self->request(entry.handle, request_timeout(st.services->settings), sweep_atom::value)
              .then([self, id](bool quitting) { passivated(self, id, quitting); },
                    [self, id](caf::error&) { passivated(self, id, false); });
        }
        self->delayed_send(self, sweep_interval(st), sweep_atom::value);
      },
  };
}

void merge(write_reply& into, const write_reply& part) {
  into.regions_applied += part.regions_applied;
  into.regions_duplicate += part.regions_duplicate;
  into.chunks_changed += part.chunks_changed;
  into.voxels_changed += part.voxels_changed;
  const auto add = [](std::vector<material_volume>& to, const std::vector<material_volume>& from) {
    for (const material_volume& v : from) {
      auto same = std::find_if(to.begin(), to.end(),
                               [&](const material_volume& t) { return t.material == v.material; });
      if (same == to.end())
        to.push_back(v);
      else
        same->m3 += v.m3;
    }
  };
  add(into.removed, part.removed);
  add(into.added, part.added);
}

}  // namespace strata::actors
