#include "actors/reader.hpp"

#include <algorithm>

#include "actors/errors.hpp"
#include "geo/world_spec.hpp"
#include "shard/apply.hpp"

namespace strata::actors {

chunk_item to_item(shard::encoded_chunk&& chunk) {
  chunk_item item;
  item.key = chunk.key;
  item.source = static_cast<std::uint8_t>(chunk.from);
  item.bytes = std::move(chunk.bytes);
  item.version = chunk.meta.version;
  item.tick = chunk.meta.tick;
  if (chunk.error) {
    item.error_code = static_cast<std::uint16_t>(chunk.error->code);
    item.error_message = std::move(chunk.error->message);
  }
  return item;
}

base::result<chunk_batch> read_chunks(shard::store& store, const read_request& request) {
  auto read = store.read_for_stream(request.keys);
  if (!read)
    return read.error();
  chunk_batch out;
  out.chunks.reserve(read->size());
  for (shard::encoded_chunk& chunk : *read)
    out.chunks.push_back(to_item(std::move(chunk)));
  return out;
}

base::result<voxel_answer> query_voxel(const node_services& services, const geo::position& at) {
  const geo::grid& grid = services.world.grid;
  auto v = grid.locate(at);
  if (!v)
    return v.error();
  const geo::voxel_address where = grid.address(*v);
  const shard::chunk_key key = shard::key_of(where.region, where.chunk);
  auto chunk = services.store.read(key);
  if (!chunk)
    return chunk.error();
  auto meta = services.store.meta(key);
  if (!meta)
    return meta.error();
  const std::size_t index = compression::voxel_index(where.x, where.y, where.z);
  voxel_answer out;
  out.voxel = *v;
  out.material = (*chunk)->material[index];
  out.history = (*chunk)->history[index];
  out.version = meta->version;
  out.tick = meta->tick;
  return out;
}

base::result<column_answer> query_column(const node_services& services, geo::lat_lng at) {
  const geo::grid& grid = services.world.grid;
  const geo::world_spec& spec = grid.spec();
  auto v = grid.locate({at.lat_deg, at.lng_deg, spec.z_min_m});
  if (!v)
    return v.error();
  const geo::voxel_address where = grid.address(*v);
  column_answer out;
  // From the top chunk layer down, runs of one material merge into layers.
  for (std::uint32_t k = geo::chunk_layers(spec); k-- > 0;) {
    const shard::chunk_key key = shard::key_of(where.region, {where.chunk.u, where.chunk.v, k});
    auto chunk = services.store.read(key);
    if (!chunk)
      return chunk.error();
    auto meta = services.store.meta(key);
    if (!meta)
      return meta.error();
    out.version = std::max(out.version, meta->version);
    out.tick = std::max(out.tick, meta->tick);
    for (std::uint32_t z = compression::edge; z-- > 0;) {
      const std::uint32_t layer = k * compression::edge + z;
      if (layer >= geo::voxel_layers(spec))
        continue;
      const std::size_t index = compression::voxel_index(where.x, where.y, z);
      const std::uint8_t material = (*chunk)->material[index];
      const double bottom = spec.z_min_m + layer * spec.dz_m;
      if (!out.layers.empty() && out.layers.back().material == material) {
        out.layers.back().bottom_m = bottom;
        out.layers.back().history |= (*chunk)->history[index];
      } else {
        out.layers.push_back({material, (*chunk)->history[index], bottom, bottom + spec.dz_m});
      }
    }
  }
  return out;
}

reader_actor::behavior_type reader(reader_actor::stateful_pointer<reader_state>,
                                   const node_services* services) {
  return {
      [services](read_atom, const read_request& request) -> caf::result<chunk_batch> {
        auto batch = read_chunks(services->store, request);
        if (!batch)
          return to_caf(batch.error());
        return std::move(*batch);
      },
      [services](voxel_atom, const voxel_query& query) -> caf::result<voxel_answer> {
        auto answer = query_voxel(*services, query.at);
        if (!answer)
          return to_caf(answer.error());
        return *answer;
      },
      [services](column_atom, const column_query& query) -> caf::result<column_answer> {
        auto answer = query_column(*services, query.at);
        if (!answer)
          return to_caf(answer.error());
        return std::move(*answer);
      },
      [services](stats_atom, std::uint64_t region) -> caf::result<region_summary> {
        auto meta = services->store.region(region);
        if (!meta)
          return to_caf(meta.error());
        region_summary out;
        out.region = region;
        out.version = meta->version;
        out.tick = meta->tick;
        out.updates = meta->updates;
        return out;
      },
  };
}

}  // namespace strata::actors
