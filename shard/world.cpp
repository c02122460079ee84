#include "shard/world.hpp"

#include <array>

#include "geo/morton.hpp"
#include "geo/world_spec.hpp"

namespace strata::shard {

namespace {

// A DEM over more regions than this gets its pyramid built on demand only (a few MB of dirty
// keys at most).
constexpr std::size_t pyramid_regions_max = 100000;

std::unique_ptr<world> world_of(const geo::grid& g, geology::generator_record record) {
  auto w = std::unique_ptr<world>(new world{g, std::move(record), nullptr});
  w->generator =
      std::make_unique<geology::terrain_generator>(w->grid, w->record.terrain, w->record.params);
  return w;
}

}  // namespace

base::result<std::unique_ptr<world>> make_world(const geo::world_spec& spec,
                                                geology::generator_record record) {
  auto g = geo::grid::make(spec);
  if (!g)
    return g.error();
  return world_of(*g, std::move(record));
}

baseline_source baseline_of(const world& w) {
  const geology::terrain_generator* generator = w.generator.get();
  return [generator](const chunk_key& key, compression::chunk& out) {
    const geo::morton_coords at = geo::morton_decode(key.morton);
    // An update reads every layer of a chunk column: the column's surfaces (a DEM sample and an
    // S2 conversion per voxel column) are kept per thread for the last few chunk columns.
    struct entry {
      const geology::terrain_generator* generator = nullptr;
      std::uint64_t region = 0;
      std::uint32_t u = 0, v = 0;
      geology::chunk_column surfaces;
    };
    thread_local std::array<entry, 16> recent;
    thread_local std::size_t next = 0;
    entry* found = nullptr;
    for (entry& e : recent)
      if (e.generator == generator && e.region == key.region && e.u == at.u && e.v == at.v)
        found = &e;
    if (!found) {
      found = &recent[next++ % recent.size()];
      *found = entry{generator, key.region, at.u, at.v,
                     generator->surfaces(S2CellId(key.region), at.u, at.v)};
    }
    generator->fill(found->surfaces, at.k, out);
  };
}

base::result<std::unique_ptr<world>> import_world(store& s, const geo::world_spec& spec,
                                                  geology::generator_record record) {
  auto g = geo::grid::make(spec);
  if (!g)
    return g.error();
  if (auto put = s.put_world(geo::serialize(spec), geology::serialize(record)); !put)
    return put.error();
  auto w = world_of(*g, std::move(record));
  s.fit_to(spec);
  s.set_baseline(baseline_of(*w));
  // The terrain's LOD pyramid, built by the recompressor in the background.
  auto under = geology::regions_under(w->grid, w->record.terrain, pyramid_regions_max);
  if (under) {
    std::vector<std::uint64_t> ids;
    for (S2CellId region : *under)
      ids.push_back(region.id());
    if (auto marked = s.mark_pyramid(ids); !marked)
      return marked.error();
  }
  return w;
}

base::result<std::unique_ptr<world>> load_world(store& s) {
  auto stored = s.world();
  if (!stored)
    return stored.error();
  if (!*stored)
    return base::fail(base::errc::not_found, "the data directory holds no world; import one");
  auto spec = geo::parse_world_spec((*stored)->spec);
  if (!spec)
    return base::fail(base::errc::corrupt_data,
                      "the stored world spec does not parse: " + spec.error().message);
  auto g = geo::grid::make(*spec);
  if (!g)
    return base::fail(base::errc::corrupt_data,
                      "the stored world spec is invalid: " + g.error().message);
  auto record = geology::parse_generator_record((*stored)->generator);
  if (!record) {
    if (record.error().code == base::errc::unsupported_version)
      return record.error();
    return base::fail(base::errc::corrupt_data,
                      "the stored generator record does not parse: " + record.error().message);
  }
  auto w = world_of(*g, std::move(*record));
  s.fit_to(*spec);
  s.set_baseline(baseline_of(*w));
  return w;
}

}  // namespace strata::shard
