#include "actors/router.hpp"

#include <algorithm>
#include <map>
#include <memory>

#include "actors/errors.hpp"
#include "actors/stream_plan.hpp"
#include "actors/streamer.hpp"
#include "actors/subscription.hpp"
#include "geo/cover.hpp"
#include "geology/update_codec.hpp"

namespace strata::actors {

namespace {

using self_pointer = router_actor::stateful_pointer<router_state>;

// Refreshes the map from the coordinator, then runs `then` (also when the refresh fails: the
// retry then meets the same refusal and reports it).
void refresh(self_pointer self, std::function<void()> then) {
  router_state& st = self->state;
  if (!st.coordinator) {
    then();
    return;
  }
  self->request(st.coordinator, request_timeout(st.settings), map_atom::value)
      .then(
          [self, then](map_view& view) {
            self->state.routes.install(view);
            then();
          },
          [then](caf::error&) { then(); });
}

// Runs `then` after a pause that grows with the attempt: the retry of a request refused because
// its range is being handed off (errc::moved), which lasts as long as the handoff's last copy.
void later(self_pointer self, unsigned attempt, std::function<void()> then) {
  router_state& st = self->state;
  const std::uint64_t token = st.next_later++;
  st.later.emplace(token, std::move(then));
  self->delayed_send(self, std::chrono::milliseconds(10u << std::min(attempt, 6u)),
                     tick_atom::value, token);
}

// Retries a request the owner refused, when the refusal says a retry may succeed: at once with
// a fresh map for a stale route, after a pause for a range being handed off. False when it
// does not retry.
bool retry(self_pointer self, const caf::error& e, unsigned attempt, std::function<void()> again) {
  if (attempt >= self->state.settings.actors.route_retries_max)
    return false;
  const base::errc code = from_caf(e).code;
  if (code == base::errc::stale_epoch) {
    refresh(self, std::move(again));
    return true;
  }
  // A request CAF could not deliver (a proxy dropped with its connection): once more, with
  // fresh handles from the map.
  if (code == base::errc::unavailable && e.category() != error_category && attempt == 0) {
    refresh(self, std::move(again));
    return true;
  }
  if (code == base::errc::moved) {
    later(self, attempt, [self, again = std::move(again)] { refresh(self, again); });
    return true;
  }
  return false;
}

struct write_gather {
  caf::typed_response_promise<write_reply> promise;
  std::shared_ptr<const std::string> update;
  std::size_t left = 0;
  write_reply total;
  caf::error failure;
};

void finish_one(const std::shared_ptr<write_gather>& g) {
  if (--g->left > 0)
    return;
  if (g->failure)
    g->promise.deliver(g->failure);
  else
    g->promise.deliver(g->total);
}

// Sends the update's parts for `regions`; `g->left` counts parts not yet settled.
void send_parts(self_pointer self, const std::shared_ptr<write_gather>& g,
                const std::vector<std::uint64_t>& regions, unsigned attempt) {
  router_state& st = self->state;
  auto [parts, unrouted] = st.routes.group(regions, [](std::uint64_t region) { return region; });
  g->left += parts.size() + (unrouted.empty() ? 0 : 1);
  if (!unrouted.empty()) {
    if (attempt < st.settings.actors.route_retries_max) {
      refresh(self, [self, g, unrouted, attempt] {
        send_parts(self, g, unrouted, attempt + 1);
        finish_one(g);
      });
    } else {
      if (!g->failure)
        g->failure = to_caf(base::errc::unavailable,
                            "no node owns region " + std::to_string(unrouted.front()) +
                                " (shard map version " + std::to_string(st.routes.version()) + ")");
      finish_one(g);
    }
  }
  for (auto& [r, mine] : parts) {
    if (r.unavailable) {
      if (!g->failure)
        g->failure = unavailable_owner(r);
      finish_one(g);
      continue;
    }
    self->request(r.node, request_timeout(st.settings), apply_atom::value,
                  write_part{*g->update, mine, r.epoch})
        .then(
            [g](write_reply& reply) {
              merge(g->total, reply);
              finish_one(g);
            },
            [self, g, mine, attempt](caf::error& e) {
              if (retry(self, e, attempt, [self, g, mine, attempt] {
                    send_parts(self, g, mine, attempt + 1);
                    finish_one(g);
                  }))
                return;
              if (!g->failure)
                g->failure = std::move(e);
              finish_one(g);
            });
  }
}

// Asks the owner of `region` with `ask(route)`, re-routing stale epochs.
template <class Answer, class Ask>
void ask_owner(self_pointer self, caf::typed_response_promise<Answer> promise, std::uint64_t region,
               Ask ask, unsigned attempt) {
  router_state& st = self->state;
  auto r = st.routes.find(region);
  const bool retry_left = attempt < st.settings.actors.route_retries_max;
  if (!r) {
    if (retry_left)
      refresh(self, [=] { ask_owner<Answer>(self, promise, region, ask, attempt + 1); });
    else
      promise.deliver(
          to_caf(base::errc::unavailable, "no node owns region " + std::to_string(region)));
    return;
  }
  if (r->unavailable) {
    promise.deliver(unavailable_owner(*r));
    return;
  }
  ask(*r).then([promise](Answer& a) mutable { promise.deliver(std::move(a)); },
               [=](caf::error& e) mutable {
                 if (retry(self, e, attempt,
                           [=] { ask_owner<Answer>(self, promise, region, ask, attempt + 1); }))
                   return;
                 promise.deliver(std::move(e));
               });
}

}  // namespace

router_actor::behavior_type router(router_actor::stateful_pointer<router_state> self,
                                   const geology::process_context* context, config::config settings,
                                   std::uint8_t lod_kept, shard_map_actor coordinator) {
  router_state& st = self->state;
  st.context = context;
  st.settings = std::move(settings);
  st.coordinator = coordinator;
  st.lod_kept = lod_kept;
  if (coordinator)
    self->send(coordinator, subscribe_atom::value, caf::actor_cast<caf::actor>(self));
  self->set_down_handler([self](const caf::down_msg& down) {
    auto& feeds = self->state.feeds;
    feeds.erase(std::remove_if(feeds.begin(), feeds.end(),
                               [&](const caf::actor& f) { return f.address() == down.source; }),
                feeds.end());
  });
  return {
      [self](apply_atom, std::string& bytes) -> caf::result<write_reply> {
        router_state& st = self->state;
        auto update = geology::parse_update(bytes);
        if (!update)
          return to_caf(update.error());
        auto planned = geology::plan(*st.context, update->process);
        if (!planned)
          return to_caf(planned.error());
        auto g = std::make_shared<write_gather>();
        g->promise = self->make_response_promise<write_reply>();
        g->update = std::make_shared<const std::string>(std::move(bytes));
        // One extra count, settled below, so no part finishing early delivers a partial sum.
        g->left = 1;
        send_parts(self, g, planned->regions, 0);
        auto promise = g->promise;
        finish_one(g);
        return promise;
      },
      [self](voxel_atom, const geo::position& at) -> caf::result<voxel_answer> {
        auto v = self->state.context->grid.locate(at);
        if (!v)
          return to_caf(v.error());
        auto promise = self->make_response_promise<voxel_answer>();
        const std::uint64_t region = self->state.context->grid.region_of(*v).id();
        ask_owner<voxel_answer>(
            self, promise, region,
            [self, at](const route& r) {
              return self->request(r.node, request_timeout(self->state.settings), voxel_atom::value,
                                   voxel_query{at, r.epoch});
            },
            0);
        return promise;
      },
      [self](column_atom, const geo::lat_lng& at) -> caf::result<column_answer> {
        const geo::grid& grid = self->state.context->grid;
        auto v = grid.locate({at.lat_deg, at.lng_deg, grid.spec().z_min_m});
        if (!v)
          return to_caf(v.error());
        auto promise = self->make_response_promise<column_answer>();
        ask_owner<column_answer>(
            self, promise, grid.region_of(*v).id(),
            [self, at](const route& r) {
              return self->request(r.node, request_timeout(self->state.settings),
                                   column_atom::value, column_query{at, r.epoch});
            },
            0);
        return promise;
      },
      [self](stats_atom, std::uint64_t region) -> caf::result<region_summary> {
        const geo::world_spec& spec = self->state.context->grid.spec();
        const S2CellId cell(region);
        if (!cell.is_valid() || cell.level() != spec.region_level)
          return to_caf(base::errc::out_of_range, "region " + std::to_string(region) +
                                                      " is not an S2 cell at region_level " +
                                                      std::to_string(spec.region_level));
        auto promise = self->make_response_promise<region_summary>();
        ask_owner<region_summary>(
            self, promise, region,
            [self, region](const route& r) {
              return self->request(r.node, request_timeout(self->state.settings), stats_atom::value,
                                   region, r.epoch);
            },
            0);
        return promise;
      },
      [self](stream_atom, const stream_request& request,
             const caf::actor& sink) -> caf::result<caf::actor> {
        router_state& st = self->state;
        auto plan =
            plan_stream(st.context->grid, request, st.lod_kept, stream_limits_of(st.settings));
        if (!plan)
          return to_caf(plan.error());
        return self->spawn(streamer, st.next_id++, sink, std::move(*plan), st.routes,
                           st.coordinator, st.settings);
      },
      [self](subscribe_atom, const subscribe_request& request,
             const caf::actor& sink) -> caf::result<caf::actor> {
        router_state& st = self->state;
        if (!std::isfinite(request.radius_m) || !(request.radius_m > 0) ||
            request.radius_m > static_cast<double>(st.settings.stream.radius_m_max))
          return to_caf(base::errc::invalid_argument,
                        "subscription radius " + std::to_string(request.radius_m) +
                            " m must be positive and at most stream.radius_m_max " +
                            std::to_string(st.settings.stream.radius_m_max));
        auto regions =
            geo::regions_in_cap(st.context->grid.spec(), request.centre, request.radius_m,
                                stream_limits_of(st.settings).regions_max);
        if (!regions)
          return to_caf(regions.error());
        std::vector<std::uint64_t> ids;
        for (S2CellId r : *regions)
          ids.push_back(r.id());
        caf::actor feed = self->spawn(subscription, st.next_id++, sink, std::move(ids), st.routes,
                                      st.coordinator, st.settings);
        self->monitor(feed);
        st.feeds.push_back(feed);
        return feed;
      },
      [self](map_atom a, const map_view& view) {
        self->state.routes.install(view);
        for (const caf::actor& feed : self->state.feeds)
          caf::anon_send(feed, a, view);
      },
      [self](tick_atom, std::uint64_t token) {
        auto found = self->state.later.find(token);
        if (found == self->state.later.end())
          return;
        auto run = std::move(found->second);
        self->state.later.erase(found);
        run();
      },
  };
}

}  // namespace strata::actors
