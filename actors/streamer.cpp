#include "actors/streamer.hpp"

#include "actors/errors.hpp"

namespace strata::actors {

namespace {

using self_pointer = caf::stateful_actor<streamer_state>*;

// Reads in flight at once: a read is a round trip through the node and a reader thread, so
// throughput is bounded by in-flight chunks over that latency, not by the work per chunk.
constexpr std::size_t reads_in_flight = 4;
// The first read's size: small, so the nearest chunks arrive with little wait.
constexpr std::size_t first_batch_chunks = 16;

chunk_batch failed(const std::vector<shard::chunk_key>& keys, const base::error& e) {
  chunk_batch out;
  for (const shard::chunk_key& key : keys) {
    chunk_item item;
    item.key = key;
    item.error_code = static_cast<std::uint16_t>(e.code);
    item.error_message = e.message;
    out.chunks.push_back(std::move(item));
  }
  return out;
}

void pump(self_pointer self);

// Sends the batches at the front that have come back, in plan order.
void deliver(self_pointer self) {
  streamer_state& st = self->state;
  while (!st.slots.empty() && st.slots.front().ready) {
    streamer_state::slot& front = st.slots.front();
    const std::uint64_t n = front.batch.chunks.size();
    if (st.stats.chunks == 0 && n > 0)
      st.stats.first_chunk_us =
          static_cast<std::uint64_t>(std::chrono::duration_cast<std::chrono::microseconds>(
                                         std::chrono::steady_clock::now() - st.started)
                                         .count());
    st.stats.chunks += n;
    for (const chunk_item& item : front.batch.chunks) {
      st.stats.bytes += item.bytes.size();
      st.stats.errors += item.error_code != 0;
    }
    st.reading -= n;
    st.sent += n;
    self->send(st.sink, chunks_atom::value, st.id, std::move(front.batch));
    st.slots.pop_front();
  }
  if (st.next == st.plan.size() && st.slots.empty() && !st.finished) {
    st.finished = true;
    st.stats.total_us =
        static_cast<std::uint64_t>(std::chrono::duration_cast<std::chrono::microseconds>(
                                       std::chrono::steady_clock::now() - st.started)
                                       .count());
    self->send(st.sink, done_atom::value, st.id, st.stats);
    self->quit();
  }
}

void read(self_pointer self, std::size_t index);

void refresh_and_read(self_pointer self, std::size_t index) {
  streamer_state& st = self->state;
  if (!st.coordinator) {
    read(self, index);
    return;
  }
  self->request(st.coordinator, request_timeout(st.settings), map_atom::value)
      .then(
          [self, index](map_view& view) {
            self->state.routes.install(view);
            read(self, index);
          },
          [self, index](caf::error&) { read(self, index); });
}

// Reads the keys of slot number `sequence` (counted since the stream began) from their owner; they
// all lie in one range. deliver() pops only ready slots from the front, so a slot still reading
// is found again by its number.
void read(self_pointer self, std::size_t sequence) {
  streamer_state& st = self->state;
  auto find = [self](std::size_t seq) -> streamer_state::slot* {
    streamer_state& s = self->state;
    const std::size_t first = s.next_slot_sequence - s.slots.size();
    if (seq < first || seq >= s.next_slot_sequence)
      return nullptr;
    return &s.slots[seq - first];
  };
  streamer_state::slot* slot = find(sequence);
  if (!slot)
    return;
  auto route = st.routes.find(slot->keys.front().region);
  if (!route) {
    slot->batch =
        failed(slot->keys, {base::errc::unavailable,
                            "no node owns region " + std::to_string(slot->keys.front().region)});
    slot->ready = true;
    deliver(self);
    return;
  }
  ++slot->attempts;
  self->request(route->node, request_timeout(st.settings), read_atom::value,
                read_request{slot->keys, route->epoch})
      .then(
          [self, sequence, find](chunk_batch& batch) {
            if (auto* s = find(sequence)) {
              s->batch = std::move(batch);
              s->ready = true;
              deliver(self);
              pump(self);
            }
          },
          [self, sequence, find](caf::error& e) {
            streamer_state::slot* s = find(sequence);
            if (!s)
              return;
            const base::error why = from_caf(e);
            if (why.code == base::errc::stale_epoch &&
                s->attempts <= self->state.settings.actors.route_retries_max) {
              refresh_and_read(self, sequence);
              return;
            }
            s->batch = failed(s->keys, why);
            s->ready = true;
            deliver(self);
            pump(self);
          });
}

// Starts reads while the window and the reads in flight allow.
void pump(self_pointer self) {
  streamer_state& st = self->state;
  const std::uint64_t window = st.settings.stream.window_chunks;
  const std::size_t batch_max = st.settings.stream.batch_chunks;
  while (st.slots.size() < reads_in_flight && st.next < st.plan.size()) {
    const std::uint64_t held = st.sent - st.credited + st.reading;
    if (held >= window)
      return;
    // The first batch is small, so the nearest chunks arrive soonest.
    const std::size_t size = st.next_slot_sequence == 0 ? first_batch_chunks : batch_max;
    const std::size_t room = std::min<std::uint64_t>(std::min(size, batch_max), window - held);
    streamer_state::slot slot;
    auto first = st.routes.find(st.plan[st.next].key.region);
    while (slot.keys.size() < room && st.next < st.plan.size()) {
      const shard::chunk_key& key = st.plan[st.next].key;
      if (!slot.keys.empty()) {
        auto here = st.routes.find(key.region);
        const bool same =
            first && here ? here->first == first->first && here->id == first->id : !first && !here;
        if (!same)
          break;
      }
      slot.keys.push_back(key);
      ++st.next;
    }
    st.reading += slot.keys.size();
    st.slots.push_back(std::move(slot));
    read(self, st.next_slot_sequence++);
  }
  if (st.slots.empty() && st.next == st.plan.size())
    deliver(self);
}

}  // namespace

caf::behavior streamer(caf::stateful_actor<streamer_state>* self, std::uint64_t id, caf::actor sink,
                       std::vector<planned_chunk> plan, routing_table routes,
                       shard_map_actor coordinator, config::config settings) {
  streamer_state& st = self->state;
  st.id = id;
  st.sink = sink;
  st.plan = std::move(plan);
  st.routes = std::move(routes);
  st.coordinator = coordinator;
  st.settings = std::move(settings);
  st.started = std::chrono::steady_clock::now();
  self->monitor(sink);
  self->set_down_handler([self](const caf::down_msg&) { self->quit(); });
  pump(self);
  return {
      [self](credit_atom, std::uint64_t chunks) {
        streamer_state& st = self->state;
        st.credited = std::min(st.sent, st.credited + chunks);
        pump(self);
      },
      [self](cancel_atom) { self->quit(caf::exit_reason::user_shutdown); },
  };
}

}  // namespace strata::actors
