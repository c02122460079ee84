#include "actors/subscription.hpp"

#include <map>

#include "actors/errors.hpp"

namespace strata::actors {

namespace {

using self_pointer = caf::stateful_actor<subscription_state>*;

std::chrono::milliseconds timeout_of(const subscription_state& st) {
  return std::chrono::milliseconds(st.settings.actors.request_timeout_ms);
}

// Registers with the owners of `regions`, refreshing the map and retrying stale routes.
void enlist(self_pointer self, std::vector<std::uint64_t> regions, unsigned attempt) {
  subscription_state& st = self->state;
  std::map<std::pair<shard::node_id, std::uint64_t>, std::vector<std::uint64_t>> by_range;
  for (std::uint64_t region : regions) {
    auto r = st.routes.find(region);
    if (!r) {
      self->send(st.sink,
                 to_caf(base::errc::unavailable, "no node owns region " + std::to_string(region)));
      self->quit();
      return;
    }
    by_range[{r->id, r->first}].push_back(region);
  }
  for (auto& [range, part] : by_range) {
    auto r = st.routes.find(part.front());
    self->request(r->node, timeout_of(st), subscribe_atom::value, part, r->epoch,
                  caf::actor_cast<caf::actor>(self))
        .then([](bool) {},
              [self, part = part, attempt](caf::error& e) {
                subscription_state& s = self->state;
                if (from_caf(e).code == base::errc::stale_epoch &&
                    attempt < s.settings.actors.route_retries_max && s.coordinator) {
                  self->request(s.coordinator, timeout_of(s), map_atom::value)
                      .then(
                          [self, part, attempt](map_view& view) {
                            self->state.routes.install(view);
                            enlist(self, part, attempt + 1);
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
  std::map<std::pair<shard::node_id, std::uint64_t>, read_request> by_range;
  std::map<std::pair<shard::node_id, std::uint64_t>, node_actor> owners;
  while (!st.pending.empty() && held < window) {
    const shard::chunk_key key = *st.pending.begin();
    st.pending.erase(st.pending.begin());
    auto r = st.routes.find(key.region);
    if (!r)
      continue;  // no owner now: the next change will come from the new one
    read_request& request = by_range[{r->id, r->first}];
    request.keys.push_back(key);
    request.epoch = r->epoch;
    owners[{r->id, r->first}] = r->node;
    ++held;
  }
  for (auto& [range, request] : by_range) {
    const std::uint64_t n = request.keys.size();
    st.reading += n;
    self->request(owners[range], timeout_of(st), read_atom::value, request)
        .then(
            [self, n](chunk_batch& batch) {
              subscription_state& s = self->state;
              s.reading -= n;
              s.sent += batch.chunks.size();
              self->send(s.sink, chunks_atom::value, s.id, std::move(batch));
            },
            [self, n, keys = request.keys](caf::error&) {
              // The owner moved or failed: the chunks wait for the next flush.
              subscription_state& s = self->state;
              s.reading -= n;
              s.pending.insert(keys.begin(), keys.end());
              schedule_flush(self);
            });
  }
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
      [self](cancel_atom) { self->quit(caf::exit_reason::user_shutdown); },
  };
}

}  // namespace strata::actors
