// A world in a store: its spec and generator record, kept in the store's world database, and the
// generator that regenerates every chunk nobody has changed (so a freshly imported world stores
// almost nothing).
#pragma once

#include <memory>

#include "geo/grid.hpp"
#include "geology/terrain.hpp"
#include "geology/world_file.hpp"
#include "shard/store.hpp"

namespace strata::shard {

struct world {
  geo::grid grid;
  geology::generator_record record;
  /// Refers to `grid` and `record.terrain`: a world never moves (it lives behind a unique_ptr).
  std::unique_ptr<geology::terrain_generator> generator;
};

/// Records a world in the store and sets the store's baseline to its generator. Errors:
/// the spec's validate() error; errc::invalid_argument when the store holds a different world;
/// LMDB's errors.
base::result<std::unique_ptr<world>> import_world(store& s, const geo::world_spec& spec,
                                                  geology::generator_record record);

/// The world the store holds, with the store's baseline set to its generator. Errors:
/// errc::not_found for a store with no world; errc::corrupt_data for a stored spec or record that
/// does not parse; errc::unsupported_version for a record of another generator version.
base::result<std::unique_ptr<world>> load_world(store& s);

/// A world outside any store: what a client regenerates the baseline chunks of a stream with.
/// Errors: the spec's validate() error.
base::result<std::unique_ptr<world>> make_world(const geo::world_spec& spec,
                                                geology::generator_record record);

/// The world's generator as a store baseline. `w` must outlive the store's use of it.
baseline_source baseline_of(const world& w);

}  // namespace strata::shard
