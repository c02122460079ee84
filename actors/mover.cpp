#include "actors/mover.hpp"

#include <algorithm>
#include <map>

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

// One pass: sends the regions whose version moved since `sent` recorded them; returns how many.
base::result<std::uint64_t> copy_pass(caf::event_based_actor* self, const node_services& services,
                                      std::map<std::uint64_t, std::uint64_t>& sent,
                                      std::uint64_t first, std::uint64_t last,
                                      const caf::actor& to) {
  auto changed = services.store.changed_regions(first, last);
  if (!changed)
    return changed.error();
  caf::scoped_actor sync{self->system()};
  const auto timeout = std::chrono::milliseconds(services.settings.cluster.move_timeout_ms);
  std::vector<shard::region_rows> batch;
  std::uint64_t bytes = 0, copied = 0;
  const auto flush = [&]() -> base::status {
    if (batch.empty())
      return {};
    base::status outcome;
    sync->request(to, timeout, ingest_atom::value, batch)
        .receive([](std::uint64_t) {}, [&](caf::error& e) { outcome = from_caf(e); });
    if (!outcome)
      return outcome;
    for (const shard::region_rows& r : batch)
      sent[r.region] = r.meta.version;
    copied += batch.size();
    batch.clear();
    bytes = 0;
    return {};
  };
  for (const auto& [region, meta] : *changed) {
    if (auto was = sent.find(region); was != sent.end() && was->second == meta.version)
      continue;
    auto rows = services.store.export_region(region);
    if (!rows)
      return rows.error();
    bytes += bytes_of(*rows);
    batch.push_back(std::move(*rows));
    if (bytes >= batch_bytes_max || batch.size() >= batch_regions_max)
      if (auto s = flush(); !s)
        return s.error();
  }
  if (auto s = flush(); !s)
    return s.error();
  return copied;
}

}  // namespace

caf::behavior mover(caf::event_based_actor* self, const node_services* services) {
  // What each move in progress sent, by the range's first id: region → version.
  auto sent = std::make_shared<std::map<std::uint64_t, std::map<std::uint64_t, std::uint64_t>>>();
  return {
      [self, services, sent](handoff_atom, std::uint64_t first, std::uint64_t last,
                             const caf::actor& to, bool final) -> caf::result<std::uint64_t> {
        auto& mine = (*sent)[first];
        std::uint64_t total = 0;
        for (int pass = 0; pass < (final ? 1 : passes_max); ++pass) {
          auto copied = copy_pass(self, *services, mine, first, last, to);
          if (!copied) {
            sent->erase(first);
            return to_caf(copied.error());
          }
          total += *copied;
          if (*copied <= catch_up_regions)
            break;
        }
        if (final)
          sent->erase(first);
        return total;
      },
      [services](ingest_atom,
                 const std::vector<shard::region_rows>& regions) -> caf::result<std::uint64_t> {
        if (auto s = services->store.import_regions(regions); !s)
          return to_caf(s.error());
        return static_cast<std::uint64_t>(regions.size());
      },
      [services, sent](release_atom, std::uint64_t first,
                       std::uint64_t last) -> caf::result<std::uint64_t> {
        sent->erase(first);
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
