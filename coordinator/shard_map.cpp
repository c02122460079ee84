#include "coordinator/shard_map.hpp"

#include <algorithm>
#include <cmath>
#include <cstdio>

#include "actors/errors.hpp"

namespace strata::coordinator {

namespace {

using self_pointer = actors::shard_map_actor::stateful_pointer<shard_map_state>;
using time_point = shard_map_state::time_point;
using std::chrono::milliseconds;

void log(const std::string& line) {
  std::fprintf(stderr, "strata coordinator: %s\n", line.c_str());
}

std::string describe(std::uint64_t first, std::uint64_t last) {
  return "range [" + std::to_string(first) + ", " + std::to_string(last) + "]";
}

// The view with the remembered load of each range and the moves in progress.
actors::map_view current(const shard_map_state& st) {
  actors::map_view out = st.view;
  out.loads.clear();
  for (const shard::shard_range& r : out.map.ranges)
    if (auto found = st.loads.find(r.first); found != st.loads.end())
      out.loads.push_back({r.first, found->second.updates_per_s, found->second.reads_per_s});
  out.moves.clear();
  for (const auto& [first, m] : st.moves)
    out.moves.push_back(m.view);
  return out;
}

void announce(shard_map_state& st) {
  const actors::map_view view = current(st);
  for (const caf::actor& subscriber : st.subscribers)
    caf::anon_send(subscriber, actors::map_atom::value, view);
}

// Saves `next` and makes it the map, then tells everyone (nothing to save without a file).
base::status install(self_pointer self, shard::shard_map next) {
  shard_map_state& st = self->state;
  if (st.file)
    if (auto saved = st.file->save(next); !saved)
      return saved;
  const time_point now = self->clock().now();
  // Ranges that are new or changed start their memory now, keeping what the old range held
  // around their first id.
  std::map<std::uint64_t, shard_map_state::range_memory> loads;
  for (const shard::shard_range& r : next.ranges) {
    const shard::shard_range* before = st.view.map.find(r.first);
    shard_map_state::range_memory m;
    if (before)
      if (auto found = st.loads.find(before->first); found != st.loads.end())
        m = found->second;
    if (!before || !(*before == r)) {
      m.changed_at = now;
      m.unsplittable = false;
      if (m.hot_at == time_point{})
        m.hot_at = now;
    }
    loads.emplace(r.first, m);
  }
  st.loads = std::move(loads);
  st.view.map = std::move(next);
  announce(st);
  return {};
}

actors::node_entry* node_of(shard_map_state& st, shard::node_id id) {
  for (actors::node_entry& n : st.view.nodes)
    if (n.id == id)
      return &n;
  return nullptr;
}

double load_of(const shard_map_state::range_memory& m) {
  return m.updates_per_s + m.reads_per_s;
}

// A node's load: the sum of its ranges'.
double load_of(const shard_map_state& st, shard::node_id id) {
  double total = 0;
  for (const shard::shard_range& r : st.view.map.ranges)
    if (r.node == id)
      if (auto found = st.loads.find(r.first); found != st.loads.end())
        total += load_of(found->second);
  return total;
}

std::vector<const shard::shard_range*> ranges_of(const shard_map_state& st, shard::node_id id) {
  std::vector<const shard::shard_range*> out;
  for (const shard::shard_range& r : st.view.map.ranges)
    if (r.node == id)
      out.push_back(&r);
  return out;
}

bool moving(const shard_map_state& st, std::uint64_t first) {
  return st.moves.count(first) > 0;
}

// Ends a move: flips the range to its new owner when the old one handed it off (`copied`) and
// nothing changed meanwhile, and tells the old owner whether to drop its copy or serve on.
void finish_move(self_pointer self, std::uint64_t first, std::optional<caf::error> failure) {
  shard_map_state& st = self->state;
  auto found = st.moves.find(first);
  if (found == st.moves.end())
    return;  // settled meanwhile: the old owner serves on
  shard_map_state::move_state m = std::move(found->second);
  st.moves.erase(found);
  const shard::shard_range* range = st.view.map.find(first);
  const actors::node_entry* from = node_of(st, m.view.from);
  const actors::node_entry* to = node_of(st, m.view.to);
  const bool unchanged = range && range->first == first && range->last == m.view.last &&
                         range->node == m.view.from && range->epoch == m.epoch && to;
  base::status flipped;
  if (failure)
    flipped = actors::from_caf(*failure);
  else if (!unchanged)
    flipped = base::fail(base::errc::stale_epoch,
                         "the " + describe(first, m.view.last) + " changed while it moved");
  else {
    shard::shard_map next = st.view.map;
    flipped = shard::assign(next, first, m.view.last, m.view.to);
    if (flipped)
      flipped = install(self, std::move(next));
  }
  if (from)
    caf::anon_send(caf::actor_cast<actors::node_actor>(from->handle), actors::release_atom::value,
                   first, m.view.last, static_cast<bool>(flipped));
  if (flipped) {
    log("moved " + describe(first, m.view.last) + " from node " + std::to_string(m.view.from) +
        " to node " + std::to_string(m.view.to) + " (" + m.view.reason + ")");
    st.emptied_by_operator.erase(m.view.to);
    if (m.view.reason == "operator" && ranges_of(st, m.view.from).empty())
      st.emptied_by_operator.insert(m.view.from);
    for (auto& w : m.waiters)
      w.deliver(current(st));
  } else {
    log("the move of " + describe(first, m.view.last) + " to node " + std::to_string(m.view.to) +
        " did not happen: " + flipped.error().to_string());
    for (auto& w : m.waiters)
      w.deliver(actors::to_caf(flipped.error()));
    announce(st);
  }
}

// Starts handing the range that begins at `first` to node `to`.
base::status start_move(self_pointer self, std::uint64_t first, shard::node_id to,
                        std::string reason) {
  shard_map_state& st = self->state;
  const shard::shard_range* range = st.view.map.find(first);
  if (!range || range->first != first)
    return base::fail(base::errc::invalid_argument, "no range starts at " + std::to_string(first));
  const actors::node_entry* from = node_of(st, range->node);
  const actors::node_entry* target = node_of(st, to);
  if (!from || from->state == "unavailable")
    return base::fail(base::errc::unavailable,
                      "node " + std::to_string(range->node) + " that owns the " +
                          describe(first, range->last) + " is unavailable");
  if (!target || target->state != "up")
    return base::fail(base::errc::unavailable,
                      "node " + std::to_string(to) + " is not up to take a range");
  shard_map_state::move_state m;
  m.view = {first, range->last, range->node, to, std::move(reason)};
  m.epoch = range->epoch;
  log("moving " + describe(first, range->last) + " from node " + std::to_string(range->node) +
      " to node " + std::to_string(to) + " (" + m.view.reason + ")");
  self->request(caf::actor_cast<actors::node_actor>(from->handle),
                milliseconds(st.settings.move_timeout_ms), actors::handoff_atom::value, first,
                range->last, range->epoch, to, target->handle)
      .then([self, first](std::uint64_t) { finish_move(self, first, std::nullopt); },
            [self, first](caf::error& e) { finish_move(self, first, std::move(e)); });
  st.moves.emplace(first, std::move(m));
  announce(st);
  return {};
}

// Splits the range at `first` at its owner's median stored region (for a move of one half).
void split(self_pointer self, const shard::shard_range& range) {
  shard_map_state& st = self->state;
  const actors::node_entry* owner = node_of(st, range.node);
  if (!owner || range.first == range.last)
    return;
  st.splitting = true;
  const std::uint64_t first = range.first, last = range.last, epoch = range.epoch;
  const shard::node_id node = range.node;
  self->request(caf::actor_cast<actors::node_actor>(owner->handle),
                milliseconds(st.settings.move_timeout_ms), actors::split_atom::value, first, last)
      .then(
          [self, first, last, epoch, node](std::uint64_t at) {
            shard_map_state& st = self->state;
            st.splitting = false;
            const shard::shard_range* now = st.view.map.find(first);
            if (!now || now->first != first || now->last != last || now->epoch != epoch ||
                moving(st, first) || at <= first || at > last)
              return;
            shard::shard_map next = st.view.map;
            if (auto s = shard::assign(next, at, last, node); !s)
              return;
            if (auto s = install(self, std::move(next)); !s)
              log("cannot save a split: " + s.error().to_string());
            else
              log("split " + describe(first, last) + " at " + std::to_string(at));
          },
          [self, first, epoch](caf::error& e) {
            shard_map_state& st = self->state;
            st.splitting = false;
            const shard::shard_range* now = st.view.map.find(first);
            if (now && now->first == first && now->epoch == epoch)
              st.loads[first].unsplittable = true;
            log("the " + describe(first, now ? now->last : first) +
                " is not split: " + actors::from_caf(e).to_string());
          });
}

// Says once why planning cannot go on.
void stuck(shard_map_state& st, const std::string& why) {
  if (st.stuck != why)
    log(why);
  st.stuck = why;
}

// The up node that should take a range next: the least loaded, then the one with fewest ranges.
const actors::node_entry* lightest(const shard_map_state& st, shard::node_id except) {
  const actors::node_entry* best = nullptr;
  for (const actors::node_entry& n : st.view.nodes) {
    if (n.state != "up" || n.id == except)
      continue;
    if (!best || std::make_pair(load_of(st, n.id), ranges_of(st, n.id).size()) <
                     std::make_pair(load_of(st, best->id), ranges_of(st, best->id).size()))
      best = &n;
  }
  return best;
}

// Picks a range of `donor` to give away, or splits its only one; true when a move started.
bool give_away(self_pointer self, const actors::node_entry& donor, shard::node_id to, double wanted,
               const std::string& reason) {
  shard_map_state& st = self->state;
  std::vector<const shard::shard_range*> mine;
  for (const shard::shard_range* r : ranges_of(st, donor.id))
    if (!moving(st, r->first))
      mine.push_back(r);
  if (mine.empty())
    return false;
  if (mine.size() == 1 && ranges_of(st, donor.id).size() == 1) {
    if (st.loads[mine.front()->first].unsplittable)
      return false;
    split(self, *mine.front());
    return false;
  }
  // The range whose load is nearest what should move (the last one on a tie).
  const shard::shard_range* pick = nullptr;
  double best = 0;
  for (const shard::shard_range* r : mine) {
    const double gap = std::fabs(load_of(st.loads.at(r->first)) - wanted);
    if (!pick || gap <= best) {
      pick = r;
      best = gap;
    }
  }
  auto started = start_move(self, pick->first, to, reason);
  if (!started)
    stuck(st, "cannot start a move: " + started.error().to_string());
  return static_cast<bool>(started);
}

void plan(self_pointer self) {
  shard_map_state& st = self->state;
  if (st.moves.size() >= st.settings.moves_max || st.splitting)
    return;
  const time_point now = self->clock().now();
  // Draining nodes hand everything off first.
  for (const actors::node_entry& n : st.view.nodes) {
    if (n.state != "draining")
      continue;
    for (const shard::shard_range* r : ranges_of(st, n.id)) {
      if (moving(st, r->first))
        continue;
      const actors::node_entry* to = lightest(st, n.id);
      if (!to) {
        stuck(st, "node " + std::to_string(n.id) + " drains but no other node is up");
        return;
      }
      if (auto started = start_move(self, r->first, to->id, "drain"); !started)
        stuck(st, "cannot start a drain move: " + started.error().to_string());
      return;
    }
  }
  // A node that owns nothing takes a share of the busiest node's (the next busiest when that
  // one has nothing to give).
  std::vector<const actors::node_entry*> donors;
  for (const actors::node_entry& n : st.view.nodes)
    if (n.state == "up" && !ranges_of(st, n.id).empty())
      donors.push_back(&n);
  if (donors.empty())
    return;
  const auto busier = [&](const actors::node_entry* a, const actors::node_entry* b) {
    return std::make_pair(load_of(st, a->id), ranges_of(st, a->id).size()) >
           std::make_pair(load_of(st, b->id), ranges_of(st, b->id).size());
  };
  std::stable_sort(donors.begin(), donors.end(), busier);
  const actors::node_entry* busiest = donors.front();
  for (const actors::node_entry& n : st.view.nodes) {
    if (n.state != "up" || !ranges_of(st, n.id).empty() || st.emptied_by_operator.count(n.id))
      continue;
    if (std::any_of(st.moves.begin(), st.moves.end(),
                    [&](const auto& m) { return m.second.view.to == n.id; }))
      continue;
    for (const actors::node_entry* donor : donors)
      if (give_away(self, *donor, n.id, load_of(st, donor->id) / 2, "join") || st.splitting)
        return;
    break;
  }
  // Load: the busiest node well above the mean for long enough gives a range to the lightest.
  std::size_t up = 0;
  double total = 0;
  for (const actors::node_entry& n : st.view.nodes)
    if (n.state == "up") {
      ++up;
      total += load_of(st, n.id);
    }
  const actors::node_entry* lightest_node = lightest(st, busiest->id);
  const double mean = up ? total / static_cast<double>(up) : 0;
  const double high = load_of(st, busiest->id);
  const double low = lightest_node ? load_of(st, lightest_node->id) : high;
  if (lightest_node &&
      high > mean * (1.0 + static_cast<double>(st.settings.imbalance_percent) / 100.0) &&
      high - low > static_cast<double>(st.settings.load_floor_per_s)) {
    if (!st.imbalanced_since)
      st.imbalanced_since = now;
    if (now - *st.imbalanced_since >= milliseconds(st.settings.imbalance_hold_ms)) {
      st.imbalanced_since.reset();
      give_away(self, *busiest, lightest_node->id, (high - low) / 2, "load");
      return;
    }
  } else {
    st.imbalanced_since.reset();
  }
  // Merges: neighbouring ranges of one node, both cold and unchanged for merge_after_ms.
  if (st.settings.merge_after_ms == 0)
    return;
  const auto wait = milliseconds(st.settings.merge_after_ms);
  const auto& ranges = st.view.map.ranges;
  for (std::size_t n = 0; n + 1 < ranges.size(); ++n) {
    const shard::shard_range &a = ranges[n], &b = ranges[n + 1];
    if (a.node != b.node || a.last + 1 != b.first || moving(st, a.first) || moving(st, b.first))
      continue;
    const auto& ma = st.loads.at(a.first);
    const auto& mb = st.loads.at(b.first);
    const auto cold = [&](const shard_map_state::range_memory& m) {
      return now - m.hot_at >= wait && now - m.changed_at >= wait;
    };
    if (!cold(ma) || !cold(mb))
      continue;
    shard::shard_map next = st.view.map;
    const std::uint64_t first = a.first, last = b.last;
    if (auto s = shard::assign(next, first, last, a.node); s && install(self, std::move(next)))
      log("merged " + describe(first, last) + " on node " + std::to_string(a.node));
    return;
  }
}

// Leases: a node not heard from for lease_ms is unavailable.
void check_leases(self_pointer self) {
  shard_map_state& st = self->state;
  const time_point now = self->clock().now();
  bool changed = false;
  for (auto n = st.view.nodes.begin(); n != st.view.nodes.end();) {
    auto clock = st.clocks.find(n->id);
    if (clock == st.clocks.end() || now <= clock->second.lease_until) {
      ++n;
      continue;
    }
    // A silent node that owns nothing (drained, or never given a range) has left.
    if (ranges_of(st, n->id).empty()) {
      log("node " + std::to_string(n->id) + " left");
      st.clocks.erase(clock);
      n = st.view.nodes.erase(n);
      changed = true;
      continue;
    }
    if (n->state != "unavailable") {
      n->state = "unavailable";
      changed = true;
      log("node " + std::to_string(n->id) + " is unavailable: no heartbeat for " +
          std::to_string(st.settings.lease_ms) + " ms");
    }
    ++n;
  }
  if (changed)
    announce(st);
}

// Folds a node's report into the memory of its ranges' load.
void remember(self_pointer self, shard::node_id id, const actors::node_report& report) {
  shard_map_state& st = self->state;
  const time_point now = self->clock().now();
  auto& clock = st.clocks[id];
  const double seconds = clock.last_report == time_point{}
                             ? 0
                             : std::chrono::duration<double>(now - clock.last_report).count();
  clock.last_report = now;
  clock.lease_until = now + milliseconds(st.settings.lease_ms);
  actors::node_entry* node = node_of(st, id);
  if (!node)
    return;
  node->stored_bytes = report.stored_bytes;
  if (seconds > 0) {
    const double keep =
        std::exp2(-seconds * 1000.0 / static_cast<double>(st.settings.load_halflife_ms));
    for (const shard::shard_range& r : st.view.map.ranges) {
      if (r.node != id)
        continue;
      auto& m = st.loads[r.first];
      actors::range_activity seen;
      for (const actors::range_activity& a : report.ranges)
        if (a.first == r.first)
          seen = a;
      m.updates_per_s = keep * m.updates_per_s + (1 - keep) * (seen.updates / seconds);
      m.reads_per_s = keep * m.reads_per_s + (1 - keep) * (seen.reads / seconds);
      if (load_of(m) >= static_cast<double>(st.settings.load_floor_per_s))
        m.hot_at = now;
    }
  }
  node->updates_per_s = 0;
  node->reads_per_s = 0;
  for (const shard::shard_range* r : ranges_of(st, id)) {
    node->updates_per_s += st.loads[r->first].updates_per_s;
    node->reads_per_s += st.loads[r->first].reads_per_s;
  }
}

}  // namespace

actors::shard_map_actor::behavior_type shard_map(
    actors::shard_map_actor::stateful_pointer<shard_map_state> self, shard::map_store* file,
    shard::shard_map initial, actors::world_record world, config::cluster_config settings) {
  shard_map_state& st = self->state;
  st.file = file;
  st.settings = std::move(settings);
  st.view.map = std::move(initial);
  st.world = std::move(world);
  for (const shard::shard_range& r : st.view.map.ranges)
    st.loads[r.first].hot_at = st.loads[r.first].changed_at = self->clock().now();
  self->set_down_handler([self](const caf::down_msg& down) {
    shard_map_state& st = self->state;
    auto& subs = st.subscribers;
    subs.erase(std::remove_if(subs.begin(), subs.end(),
                              [&](const caf::actor& a) { return a.address() == down.source; }),
               subs.end());
  });
  self->delayed_send(self, milliseconds(st.settings.rebalance_ms), actors::tick_atom::value);
  return {
      [self](actors::map_atom) { return current(self->state); },
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
        auto& nodes = st.view.nodes;
        auto same = std::find_if(nodes.begin(), nodes.end(),
                                 [id](const actors::node_entry& n) { return n.id == id; });
        if (same == nodes.end()) {
          nodes.push_back({id, handle});
        } else {
          same->handle = handle;
          same->state = "up";
        }
        st.clocks[id].lease_until = self->clock().now() + milliseconds(st.settings.lease_ms);
        st.emptied_by_operator.erase(id);
        log("node " + std::to_string(id) + " joined");
        st.stuck.clear();
        // The first node of a map with no ranges owns the whole id space.
        if (st.view.map.ranges.empty()) {
          shard::shard_map next = st.view.map;
          if (auto assigned = shard::assign(next, 0, ~std::uint64_t{0}, id); !assigned)
            return actors::to_caf(assigned.error());
          if (auto saved = install(self, std::move(next)); !saved)
            return actors::to_caf(saved.error());
        } else {
          announce(st);
        }
        return current(st);
      },
      [self](actors::assign_atom, std::uint64_t first, std::uint64_t last,
             shard::node_id node) -> caf::result<actors::map_view> {
        shard_map_state& st = self->state;
        if (!node_of(st, node))
          return actors::to_caf(base::errc::invalid_argument,
                                "assign: node " + std::to_string(node) + " has not joined");
        shard::shard_map next = st.view.map;
        if (auto assigned = shard::assign(next, first, last, node); !assigned)
          return actors::to_caf(assigned.error());
        if (auto saved = install(self, std::move(next)); !saved)
          return actors::to_caf(saved.error());
        return current(st);
      },
      [self](actors::subscribe_atom, caf::actor& subscriber) {
        self->state.subscribers.push_back(subscriber);
        self->monitor(subscriber);
        caf::anon_send(subscriber, actors::map_atom::value, current(self->state));
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
      [self](actors::renew_atom, shard::node_id id,
             const actors::node_report& report) -> caf::result<actors::lease_grant> {
        shard_map_state& st = self->state;
        actors::node_entry* node = node_of(st, id);
        if (!node)
          return actors::to_caf(base::errc::not_found,
                                "node " + std::to_string(id) + " has not joined this coordinator");
        remember(self, id, report);
        bool changed = false;
        if (!report.address.empty() && report.address != node->address) {
          node->address = report.address;
          changed = true;
        }
        if (node->state == "unavailable") {
          node->state = "up";
          log("node " + std::to_string(id) + " is back");
          changed = true;
        }
        // The handles of this heartbeat are live: take any the actor lost.
        const auto same = [](const caf::actor& a, const caf::actor& b) {
          return caf::actor_cast<caf::actor_control_block*>(a) ==
                 caf::actor_cast<caf::actor_control_block*>(b);
        };
        if (!report.listeners.empty() && !same(node->handle, report.listeners.front())) {
          node->handle = report.listeners.front();
          changed = true;
        }
        for (const caf::actor& l : report.listeners) {
          auto& subs = st.subscribers;
          if (std::any_of(subs.begin(), subs.end(),
                          [&](const caf::actor& s) { return same(s, l); }))
            continue;
          subs.erase(
              std::remove_if(subs.begin(), subs.end(),
                             [&](const caf::actor& s) { return s.address() == l.address(); }),
              subs.end());
          subs.push_back(l);
          self->monitor(l);
          if (!changed)
            caf::anon_send(l, actors::map_atom::value, current(st));
        }
        if (changed)
          announce(st);
        return actors::lease_grant{st.settings.lease_ms, st.view.map.version};
      },
      [self](actors::drain_atom, shard::node_id id) -> caf::result<actors::map_view> {
        shard_map_state& st = self->state;
        actors::node_entry* node = node_of(st, id);
        if (!node)
          return actors::to_caf(base::errc::not_found,
                                "node " + std::to_string(id) + " has not joined this coordinator");
        if (!ranges_of(st, id).empty() && !lightest(st, id))
          return actors::to_caf(base::errc::unavailable, "no other node is up to take node " +
                                                             std::to_string(id) + "'s ranges");
        if (node->state != "draining") {
          node->state = "draining";
          log("node " + std::to_string(id) + " drains");
          announce(st);
          plan(self);
        }
        return current(st);
      },
      [self](actors::move_atom, std::uint64_t first, std::uint64_t last,
             shard::node_id to) -> caf::result<actors::map_view> {
        shard_map_state& st = self->state;
        const shard::shard_range* range = st.view.map.find(first);
        if (first > last || !range || range->last < last)
          return actors::to_caf(base::errc::invalid_argument,
                                "move: " + describe(first, last) + " is not within one range");
        if (range->node == to && range->first == first && range->last == last)
          return current(st);
        if (moving(st, range->first))
          return actors::to_caf(base::errc::unavailable,
                                "the " + describe(range->first, range->last) + " is moving");
        if (range->first != first || range->last != last) {
          shard::shard_map next = st.view.map;
          if (auto s = shard::assign(next, first, last, range->node); !s)
            return actors::to_caf(s.error());
          if (auto s = install(self, std::move(next)); !s)
            return actors::to_caf(s.error());
        }
        if (auto started = start_move(self, first, to, "operator"); !started)
          return actors::to_caf(started.error());
        auto promise = self->make_response_promise<actors::map_view>();
        st.moves.at(first).waiters.push_back(promise);
        return promise;
      },
      [self](actors::settle_atom, std::uint64_t first, shard::node_id node) {
        shard_map_state& st = self->state;
        if (auto m = st.moves.find(first); m != st.moves.end() && m->second.view.from == node) {
          for (auto& w : m->second.waiters)
            w.deliver(actors::to_caf(
                base::errc::unavailable,
                "the move of " + describe(first, m->second.view.last) + " was abandoned"));
          st.moves.erase(m);
          announce(st);
        }
        const shard::shard_range* range = st.view.map.find(first);
        return range && range->node == node;
      },
      [self](actors::tick_atom) {
        check_leases(self);
        plan(self);
        self->delayed_send(self, milliseconds(self->state.settings.rebalance_ms),
                           actors::tick_atom::value);
      },
  };
}

}  // namespace strata::coordinator
