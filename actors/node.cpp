#include "actors/node.hpp"

#include <algorithm>
#include <cstdio>

#include "actors/errors.hpp"
#include "actors/mover.hpp"
#include "actors/routing.hpp"
#include "geology/update_codec.hpp"

namespace strata::actors {

namespace {

using self_pointer = node_actor::stateful_pointer<node_state>;

// Counts an operation on `region` against its range, for the next heartbeat.
void note_activity(node_state& st, std::uint64_t region, std::uint64_t updates,
                   std::uint64_t reads) {
  const shard::shard_range* range = st.map.find(region);
  if (!range)
    return;
  range_activity& a = st.activity[range->first];
  a.first = range->first;
  a.updates += updates;
  a.reads += reads;
}

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
    st.services->children.track(caf::actor_cast<caf::strong_actor_ptr>(entry.handle));
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
  when_owner(self, {region}, q.epoch, [self, promise, atom, q, region](caf::error e) mutable {
    if (e) {
      promise.deliver(std::move(e));
      return;
    }
    note_activity(self->state, region, 0, 1);
    promise.delegate(next_reader(self->state), atom, std::move(q));
  });
  return promise;
}

using std::chrono::milliseconds;

std::string describe(std::uint64_t first, std::uint64_t last) {
  return "range [" + std::to_string(first) + ", " + std::to_string(last) + "]";
}

// Why this node refuses a write to `regions` now that it owns them, or none: its lease lapsed,
// or a region's range is being handed off.
caf::error write_refusal(self_pointer self, const std::vector<std::uint64_t>& regions) {
  node_state& st = self->state;
  if (st.leased && self->clock().now() > st.lease_until) {
    if (!st.lease_lost)
      std::fprintf(stderr, "strata node %llu: its lease lapsed; writes wait for the coordinator\n",
                   static_cast<unsigned long long>(st.id));
    st.lease_lost = true;
    return to_caf(base::errc::unavailable,
                  "node " + std::to_string(st.id) +
                      "'s lease lapsed: the coordinator has not answered its heartbeats for "
                      "three quarters of cluster.lease_ms; writes resume when it does");
  }
  for (std::uint64_t region : regions) {
    auto f = st.fences.upper_bound(region);
    if (f == st.fences.begin())
      continue;
    --f;
    if (region <= f->second.last)
      return to_caf(base::errc::moved, "region " + std::to_string(region) + " is in the " +
                                           describe(f->first, f->second.last) +
                                           ", being handed to node " +
                                           std::to_string(f->second.to) + "; retry shortly");
  }
  return {};
}

bool quiet(const node_state& st, std::uint64_t first, std::uint64_t last) {
  for (auto w = st.writing.lower_bound(first); w != st.writing.end() && w->first <= last; ++w)
    if (w->second > 0)
      return false;
  return true;
}

// Runs what waits for fenced ranges to have no write in flight.
void wake_quiet(node_state& st) {
  for (auto& [first, f] : st.fences) {
    if (f.on_quiet.empty() || !quiet(st, first, f.last))
      continue;
    auto ready = std::move(f.on_quiet);
    f.on_quiet.clear();
    for (auto& run : ready)
      run();
  }
}

// The range was flipped to another node: refuse it until the map says so, drop the copy.
void hand_over(self_pointer self, std::uint64_t first) {
  node_state& st = self->state;
  auto f = st.fences.find(first);
  if (f == st.fences.end() || f->second.gone)
    return;
  f->second.gone = true;
  const std::uint64_t last = f->second.last;
  std::fprintf(stderr, "strata node %llu: handed the %s to node %llu\n",
               static_cast<unsigned long long>(st.id), describe(first, last).c_str(),
               static_cast<unsigned long long>(f->second.to));
  self->request(st.mover, caf::infinite, release_atom::value, first, last)
      .then([](std::uint64_t) {},
            [self, first, last](caf::error& e) {
              std::fprintf(stderr, "strata node %llu: the old copy of the %s stays: %s\n",
                           static_cast<unsigned long long>(self->state.id),
                           describe(first, last).c_str(), from_caf(e).to_string().c_str());
            });
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
  st.mover = services->detached_readers ? self->spawn<caf::detached + caf::linked>(mover, services)
                                        : self->spawn<caf::linked>(mover, services);
  for (const auto& reader : st.readers)
    services->children.track(caf::actor_cast<caf::strong_actor_ptr>(reader));
  services->children.track(caf::actor_cast<caf::strong_actor_ptr>(st.mover));
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
              if (!e)
                e = write_refusal(self, part.regions);
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
              for (std::uint64_t region : part.regions) {
                ++st.writing[region];
                note_activity(st, region, 1, 0);
              }
              const auto settle = [self](std::uint64_t region) {
                auto w = self->state.writing.find(region);
                if (w != self->state.writing.end() && --w->second == 0)
                  self->state.writing.erase(w);
                wake_quiet(self->state);
              };
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
                with_region(self, region,
                            [self, write, finish, settle, g, region](const region_actor& handle) {
                              self->request(handle, request_timeout(self->state.services->settings),
                                            apply_atom::value, write)
                                  .then(
                                      [finish, settle, g, region](write_reply& reply) {
                                        merge(g->total, reply);
                                        settle(region);
                                        finish();
                                      },
                                      [finish, settle, g, region](caf::error& e) {
                                        if (!g->failure)
                                          g->failure = std::move(e);
                                        settle(region);
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
        when_owner(
            self, std::move(regions), epoch,
            [self, promise, request = std::move(request)](caf::error e) mutable {
              if (e) {
                promise.deliver(std::move(e));
                return;
              }
              self->state.stats.chunks_read += request.keys.size();
              if (!request.keys.empty())
                note_activity(self->state, request.keys.front().region, 0, request.keys.size());
              promise.delegate(next_reader(self->state), read_atom::value, std::move(request));
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
        node_state& st = self->state;
        if (view.map.version > st.map.version || st.map.ranges.empty())
          st.map = std::move(view.map);
        // A handed-off range is refused by ownership from now on.
        for (auto f = st.fences.begin(); f != st.fences.end();) {
          const shard::shard_range* r = st.map.find(f->first);
          if (f->second.gone && (!r || r->node != st.id))
            f = st.fences.erase(f);
          else
            ++f;
        }
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
      [self](handoff_atom, std::uint64_t first, std::uint64_t last, std::uint64_t epoch,
             shard::node_id to, caf::actor& target) -> caf::result<std::uint64_t> {
        node_state& st = self->state;
        const shard::shard_range* range = st.map.find(first);
        if (!range || range->first != first || range->last != last || range->node != st.id ||
            range->epoch != epoch) {
          // Behind the coordinator (a change not heard of yet): take its map, then ask again.
          if (epoch > st.map.version && st.coordinator) {
            auto promise = self->make_response_promise<std::uint64_t>();
            self->request(st.coordinator, request_timeout(st.services->settings), map_atom::value)
                .then(
                    [self, promise, first, last, epoch, to, target](map_view& view) mutable {
                      if (view.map.version > self->state.map.version)
                        self->state.map = std::move(view.map);
                      if (self->state.map.version < epoch)
                        promise.deliver(to_caf(base::errc::stale_epoch,
                                               "no map of epoch " + std::to_string(epoch)));
                      else
                        promise.delegate(caf::actor_cast<node_actor>(self), handoff_atom::value,
                                         first, last, epoch, to, target);
                    },
                    [promise](caf::error& e) mutable { promise.deliver(std::move(e)); });
            return promise;
          }
          return to_caf(base::errc::stale_epoch, "node " + std::to_string(st.id) +
                                                     " does not own the " + describe(first, last) +
                                                     " at epoch " + std::to_string(epoch));
        }
        if (st.fences.count(first) || st.handing.count(first))
          return to_caf(base::errc::unavailable,
                        "the " + describe(first, last) + " is already being handed off");
        // One handoff of a range at a time, from its first copy to its answer.
        st.handing.insert(first);
        auto promise = self->make_response_promise<std::uint64_t>();
        auto answer = [self, first, promise](auto value) mutable {
          self->state.handing.erase(first);
          promise.deliver(std::move(value));
        };
        const auto timeout = milliseconds(st.services->settings.cluster.move_timeout_ms);
        // Copy while writes go on; then fence, let the writes in flight commit, copy the rest.
        self->request(st.mover, timeout, handoff_atom::value, first, last, target, false)
            .then(
                [self, answer, first, last, to, target, timeout](std::uint64_t copied) mutable {
                  node_state& st = self->state;
                  st.fences[first] = node_state::fence{last, to, false, false, {}};
                  auto final_copy = [self, answer, first, last, target, timeout, copied]() mutable {
                    self->request(self->state.mover, timeout, handoff_atom::value, first, last,
                                  target, true)
                        .then(
                            [self, answer, first, copied](std::uint64_t more) mutable {
                              node_state& st = self->state;
                              auto f = st.fences.find(first);
                              if (f == st.fences.end()) {
                                answer(to_caf(base::errc::cancelled, "the handoff was called off"));
                                return;
                              }
                              f->second.handed = true;
                              answer(copied + more);
                              self->delayed_send(
                                  self, milliseconds(st.services->settings.cluster.lease_ms / 2),
                                  settle_atom::value, first);
                            },
                            [self, answer, first](caf::error& e) mutable {
                              self->state.fences.erase(first);
                              answer(std::move(e));
                            });
                  };
                  if (quiet(st, first, last))
                    final_copy();
                  else
                    st.fences[first].on_quiet.push_back(std::move(final_copy));
                },
                [answer](caf::error& e) mutable { answer(std::move(e)); });
        return promise;
      },
      [self](ingest_atom, std::vector<shard::region_rows>& regions) -> caf::result<std::uint64_t> {
        node_state& st = self->state;
        for (const shard::region_rows& r : regions)
          if (const shard::shard_range* range = st.map.find(r.region);
              range && range->node == st.id)
            return to_caf(base::errc::invalid_argument,
                          "node " + std::to_string(st.id) + " owns region " +
                              std::to_string(r.region) + "; a copy cannot replace it");
        auto promise = self->make_response_promise<std::uint64_t>();
        promise.delegate(st.mover, ingest_atom::value, std::move(regions));
        return promise;
      },
      [self](release_atom, std::uint64_t first, std::uint64_t, bool moved) {
        node_state& st = self->state;
        auto f = st.fences.find(first);
        if (f == st.fences.end())
          return;
        if (moved) {
          hand_over(self, first);
        } else if (!f->second.gone) {
          std::fprintf(stderr, "strata node %llu: serves the %s on\n",
                       static_cast<unsigned long long>(st.id),
                       describe(first, f->second.last).c_str());
          auto waiting = std::move(f->second.on_quiet);
          st.fences.erase(f);
          for (auto& run : waiting)
            run();  // a final copy waiting: it finds no fence and calls the handoff off
        }
      },
      [self](split_atom, std::uint64_t first, std::uint64_t last) -> caf::result<std::uint64_t> {
        auto promise = self->make_response_promise<std::uint64_t>();
        promise.delegate(self->state.mover, split_atom::value, first, last);
        return promise;
      },
      [self](settle_atom, std::uint64_t first) {
        node_state& st = self->state;
        auto f = st.fences.find(first);
        if (f == st.fences.end() || f->second.gone || !f->second.handed || !st.coordinator)
          return;
        self->request(st.coordinator, request_timeout(st.services->settings), settle_atom::value,
                      first, st.id)
            .then(
                [self, first](bool still_mine) {
                  if (still_mine)
                    caf::anon_send(caf::actor_cast<node_actor>(self), release_atom::value, first,
                                   std::uint64_t{0}, false);
                  else
                    hand_over(self, first);
                },
                [self, first](caf::error&) {
                  self->delayed_send(
                      self, milliseconds(self->state.services->settings.cluster.lease_ms / 2),
                      settle_atom::value, first);
                });
      },
      [self](join_atom, caf::actor& listener) { self->state.listeners.push_back(listener); },
      [self](renew_atom) {
        node_state& st = self->state;
        if (!st.coordinator)
          return;
        // The first heartbeat follows the join, which counts as one answered.
        if (!st.leased)
          st.lease_until =
              self->clock().now() + milliseconds(st.services->settings.cluster.lease_ms * 3 / 4);
        st.leased = true;
        node_report report;
        report.stored_bytes = st.services->store.stored_bytes();
        for (auto& [first, a] : st.activity)
          report.ranges.push_back(a);
        report.address = st.services->settings.cluster.advertise;
        report.listeners.push_back(caf::actor_cast<caf::actor>(self));
        for (const caf::actor& l : st.listeners)
          report.listeners.push_back(l);
        st.activity.clear();
        const auto sent = self->clock().now();
        const auto& cluster = st.services->settings.cluster;
        self->request(st.coordinator,
                      milliseconds(std::max<std::uint64_t>(cluster.lease_ms / 2, 1)),
                      renew_atom::value, st.id, report)
            .then(
                [self, sent](const lease_grant& grant) {
                  node_state& st = self->state;
                  st.lease_until = sent + milliseconds(grant.lease_ms * 3 / 4);
                  if (grant.map_version > st.map.version)
                    self->request(st.coordinator, request_timeout(st.services->settings),
                                  map_atom::value)
                        .then(
                            [self](map_view& view) {
                              caf::anon_send(caf::actor_cast<node_actor>(self), map_atom::value,
                                             std::move(view));
                            },
                            [](caf::error&) {});
                  if (st.lease_lost)
                    std::fprintf(stderr, "strata node %llu: its lease is renewed\n",
                                 static_cast<unsigned long long>(st.id));
                  st.lease_lost = false;
                },
                [self](caf::error& e) {
                  node_state& st = self->state;
                  if (!st.lease_lost)
                    std::fprintf(stderr, "strata node %llu: a heartbeat failed: %s\n",
                                 static_cast<unsigned long long>(st.id),
                                 from_caf(e).to_string().c_str());
                  // A coordinator that does not know this node (it restarted): join it again.
                  if (from_caf(e).code == base::errc::not_found)
                    self->request(st.coordinator, request_timeout(st.services->settings),
                                  join_atom::value, st.id, caf::actor_cast<caf::actor>(self))
                        .then(
                            [self](map_view& view) {
                              caf::anon_send(caf::actor_cast<node_actor>(self), map_atom::value,
                                             std::move(view));
                            },
                            [](caf::error&) {});
                });
        self->delayed_send(self, milliseconds(std::max<std::uint64_t>(cluster.heartbeat_ms, 50)),
                           renew_atom::value);
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
