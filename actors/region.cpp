#include "actors/region.hpp"

#include <algorithm>

#include "actors/errors.hpp"
#include "shard/apply.hpp"

namespace strata::actors {

namespace {

std::vector<material_volume> volumes(const std::array<double, 256>& m3) {
  std::vector<material_volume> out;
  for (std::size_t n = 0; n < m3.size(); ++n)
    if (m3[n] != 0)
      out.push_back({static_cast<std::uint8_t>(n), m3[n]});
  return out;
}

}  // namespace

region_actor::behavior_type region(region_actor::stateful_pointer<region_state> self,
                                   std::uint64_t region_id, const node_services* services) {
  self->state.region = region_id;
  self->state.services = services;
  self->set_down_handler([self](const caf::down_msg& down) {
    auto& subs = self->state.subscribers;
    subs.erase(std::remove_if(subs.begin(), subs.end(),
                              [&](const caf::actor& a) { return a.address() == down.source; }),
               subs.end());
  });
  return {
      [self](apply_atom, region_write& write) -> caf::result<write_reply> {
        region_state& st = self->state;
        // Full when this update would pass the limit of updates in flight, or when more than
        // the limit wait behind it in the mailbox (planning is slower than arrivals).
        const std::uint64_t limit = st.services->settings.actors.region_mailbox_max;
        const std::size_t in_flight = st.in_flight.size(), queued = self->mailbox().size();
        if (in_flight + 1 > limit || queued > limit)
          return to_caf(base::errc::overloaded,
                        "region " + std::to_string(st.region) + " has " +
                            std::to_string(in_flight) + " updates in flight and " +
                            std::to_string(queued) + " queued; actors.region_mailbox_max is " +
                            std::to_string(limit));
        const std::uint64_t only[] = {st.region};
        auto planned = geology::plan(st.services->context, write.update->process, {}, only);
        if (!planned)
          return to_caf(planned.error());
        auto effects = std::make_shared<geology::effects>();
        const std::uint64_t sequence = st.next_sequence++;
        region_actor me = caf::actor_cast<region_actor>(self);
        auto submitted = st.services->commits.submit(
            shard::to_request(write.update->id, write.update->tick, std::move(*planned), effects),
            write.bytes, [me, sequence, effects](shard::update_ack ack) {
              caf::anon_send(me, done_atom::value, commit_done{sequence, std::move(ack), effects});
            });
        if (!submitted)
          return to_caf(submitted.error());
        auto promise = self->make_response_promise<write_reply>();
        st.in_flight.emplace(sequence, promise);
        return promise;
      },
      [self](done_atom, commit_done& done) {
        region_state& st = self->state;
        auto found = st.in_flight.find(done.sequence);
        if (found == st.in_flight.end())
          return;  // cannot happen: every submitted update completes once
        auto promise = std::move(found->second);
        st.in_flight.erase(found);
        if (done.ack.status == shard::update_status::failed) {
          promise.deliver(to_caf(done.ack.error.value_or(
              base::error{base::errc::io_error, "the commit failed without a reason"})));
          return;
        }
        write_reply reply;
        if (done.ack.status == shard::update_status::duplicate) {
          reply.regions_duplicate = 1;
          promise.deliver(std::move(reply));
          return;
        }
        reply.regions_applied = 1;
        reply.chunks_changed = done.ack.changed.size();
        reply.voxels_changed = done.effects->voxels_changed;
        reply.removed = volumes(done.effects->removed_m3);
        reply.added = volumes(done.effects->added_m3);
        promise.deliver(std::move(reply));
        if (!done.ack.changed.empty())
          for (const caf::actor& subscriber : st.subscribers)
            caf::anon_send(subscriber, changed_atom::value, st.region, done.ack.changed);
      },
      [self](subscribe_atom, const caf::actor& subscriber) {
        auto& subs = self->state.subscribers;
        if (std::find(subs.begin(), subs.end(), subscriber) == subs.end()) {
          subs.push_back(subscriber);
          self->monitor(subscriber);
        }
        return true;
      },
      [self](unsub_atom, const caf::actor& subscriber) {
        auto& subs = self->state.subscribers;
        subs.erase(std::remove(subs.begin(), subs.end(), subscriber), subs.end());
        self->demonitor(subscriber);
      },
      [self](sweep_atom) {
        const region_state& st = self->state;
        if (!st.in_flight.empty() || !st.subscribers.empty() || self->mailbox().size() > 0)
          return false;
        self->quit();
        return true;
      },
  };
}

}  // namespace strata::actors
