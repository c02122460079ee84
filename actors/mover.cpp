#include "actors/mover.hpp"

#include <algorithm>
#include <map>
#include <memory>

#include "actors/errors.hpp"
#include "actors/protocol.hpp"
#include "actors/routing.hpp"
#include "geology/dem.hpp"

namespace strata::actors {

namespace {

// Regions per message at most, and bytes past which a message goes out.
constexpr std::size_t batch_regions_max = 256;
constexpr std::uint64_t batch_bytes_max = std::uint64_t{4} << 20;
// A pass that sends this many regions or fewer ends the copying before the fence.
constexpr std::size_t catch_up_regions = 8;
constexpr int passes_max = 5;

std::uint64_t bytes_of(const shard::region_rows& r) {
  std::uint64_t n = 0;
  for (const auto* rows : {&r.chunks, &r.chunk_meta, &r.applied, &r.dirty})
    for (const shard::row& x : *rows)
      n += x.key.size() + x.value.size();
  return n;
}

// What each move in progress sent, by the range's first id and the new owner: region → version.
// A move's first pass starts afresh, so what went to another node (a move called off) or in an
// earlier move is never taken for sent.
using move_key = std::pair<std::uint64_t, caf::actor_addr>;
using sent_versions = std::map<move_key, std::map<std::uint64_t, std::uint64_t>>;

// A handoff in progress: its passes over the range, one message of regions at a time. Nothing
// waits in between, so the mover takes other messages meanwhile and stops at once with its node.
struct handoff_run {
  caf::typed_response_promise<std::uint64_t> promise;
  const node_services* services = nullptr;
  std::shared_ptr<sent_versions> sent;
  std::uint64_t first = 0, last = 0;
  caf::actor to;
  bool final = false;
  // When the move gives up waiting for the new owner (cluster.move_timeout_ms after this handoff
  // began).
  std::chrono::steady_clock::time_point deadline;
  int pass = 0;
  // Regions sent by the passes before this one, and by this one.
  std::uint64_t total = 0, copied = 0;
  // This pass's regions (those whose version moved since they were sent), and the next to send.
  std::vector<std::uint64_t> todo;
  std::size_t next = 0;

  move_key key() const { return {first, to.address()}; }
};
using run_pointer = std::shared_ptr<handoff_run>;

void fail(const run_pointer& run, const base::error& e) {
  run->sent->erase(run->key());
  run->promise.deliver(to_caf(e));
}

void start_pass(caf::event_based_actor* self, const run_pointer& run);

// The pass is over: another while the last one sent more than a handful, or the answer.
void end_pass(caf::event_based_actor* self, const run_pointer& run) {
  run->total += run->copied;
  ++run->pass;
  if (run->final || run->copied <= catch_up_regions || run->pass >= passes_max) {
    if (run->final)
      run->sent->erase(run->key());
    run->promise.deliver(run->total);
    return;
  }
  start_pass(self, run);
}

// Sends the pass's next regions, a few megabytes at most, and goes on once the new owner took
// them. Without its answer within a request timeout (the message or the answer lost with a
// dropped connection), the same regions go again, until the move's own timeout: the new owner
// takes a copy as often as it comes, and keeps a newer one over a late older one.
void send_batch(caf::event_based_actor* self, const run_pointer& run) {
  const std::size_t start = run->next;
  std::vector<shard::region_rows> batch;
  std::uint64_t bytes = 0;
  while (run->next < run->todo.size() && bytes < batch_bytes_max &&
         batch.size() < batch_regions_max) {
    auto rows = run->services->store.export_region(run->todo[run->next++]);
    if (!rows)
      return fail(run, rows.error());
    bytes += bytes_of(*rows);
    batch.push_back(std::move(*rows));
  }
  if (batch.empty())
    return end_pass(self, run);
  std::vector<std::pair<std::uint64_t, std::uint64_t>> versions;
  for (const shard::region_rows& r : batch)
    versions.emplace_back(r.region, r.meta.version);
  const auto left = std::chrono::duration_cast<std::chrono::milliseconds>(
      run->deadline - std::chrono::steady_clock::now());
  if (left <= std::chrono::milliseconds::zero())
    return fail(run, base::error{base::errc::unavailable,
                                 "the new owner took no copy within cluster.move_timeout_ms"});
  const auto timeout = std::min(left, request_timeout(run->services->settings));
  self->request(run->to, timeout, ingest_atom::value, std::move(batch))
      .then(
          [self, run, versions](std::uint64_t) {
            auto& mine = (*run->sent)[run->key()];
            for (const auto& [region, version] : versions)
              mine[region] = version;
            run->copied += versions.size();
            send_batch(self, run);
          },
          [self, run, start](caf::error& e) {
            if (e != caf::sec::request_timeout)
              return fail(run, from_caf(e));
            run->next = start;
            send_batch(self, run);
          });
}

// One pass: the regions whose version moved since the last pass sent them.
void start_pass(caf::event_based_actor* self, const run_pointer& run) {
  auto changed = run->services->store.changed_regions(run->first, run->last);
  if (!changed)
    return fail(run, changed.error());
  const auto& mine = (*run->sent)[run->key()];
  run->todo.clear();
  run->next = 0;
  run->copied = 0;
  for (const auto& [region, meta] : *changed)
    if (auto was = mine.find(region); was == mine.end() || was->second != meta.version)
      run->todo.push_back(region);
  send_batch(self, run);
}

}  // namespace

caf::behavior mover(caf::event_based_actor* self, const node_services* services) {
  auto sent = std::make_shared<sent_versions>();
  return {
      [self, services, sent](handoff_atom, std::uint64_t first, std::uint64_t last,
                             const caf::actor& to, bool final) -> caf::result<std::uint64_t> {
        auto run = std::make_shared<handoff_run>();
        run->promise = self->make_response_promise<std::uint64_t>();
        run->services = services;
        run->sent = sent;
        run->first = first;
        run->last = last;
        run->to = to;
        run->final = final;
        run->deadline = std::chrono::steady_clock::now() +
                        std::chrono::milliseconds(services->settings.cluster.move_timeout_ms);
        if (!final)
          sent->erase(run->key());
        start_pass(self, run);
        return run->promise;
      },
      [services](ingest_atom,
                 const std::vector<shard::region_rows>& regions) -> caf::result<std::uint64_t> {
        if (auto s = services->store.import_regions(regions); !s)
          return to_caf(s.error());
        return static_cast<std::uint64_t>(regions.size());
      },
      [services, sent](release_atom, std::uint64_t first,
                       std::uint64_t last) -> caf::result<std::uint64_t> {
        for (auto it = sent->begin(); it != sent->end();)
          it = it->first.first == first ? sent->erase(it) : std::next(it);
        auto dropped = services->store.drop_range(first, last);
        if (!dropped)
          return to_caf(dropped.error());
        return *dropped;
      },
      [services](split_atom, std::uint64_t first,
                 std::uint64_t last) -> caf::result<std::uint64_t> {
        // The world's regions in the range: those under its DEM and those updates changed.
        std::vector<std::uint64_t> regions;
        auto under = geology::regions_under(services->world.grid, services->world.record.terrain,
                                            std::size_t{1} << 20);
        if (under)
          for (S2CellId r : *under)
            if (r.id() >= first && r.id() <= last)
              regions.push_back(r.id());
        auto changed = services->store.changed_regions(first, last);
        if (!changed)
          return to_caf(changed.error());
        for (const auto& [region, meta] : *changed)
          regions.push_back(region);
        std::sort(regions.begin(), regions.end());
        regions.erase(std::unique(regions.begin(), regions.end()), regions.end());
        if (regions.size() < 2)
          return to_caf(base::errc::invalid_argument,
                        "the range [" + std::to_string(first) + ", " + std::to_string(last) +
                            "] holds " + std::to_string(regions.size()) +
                            " of the world's regions; it does not split");
        return regions[regions.size() / 2];
      },
  };
}

}  // namespace strata::actors
