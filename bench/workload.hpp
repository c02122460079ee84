// What the runtime benchmarks share: the geological workload (ingest's updates, and the
// timeline the stream and query benchmarks run first), update ids, and percentiles.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "base/result.hpp"
#include "geo/grid.hpp"
#include "geology/dem.hpp"
#include "geology/update.hpp"
#include "geology/update_codec.hpp"
#include "shard/keys.hpp"

namespace strata::bench {

/// A sample world the benchmarks run on: its DEM (read from `sample_data`, or from Debian's
/// matplotlib data when that is empty), its spec and its grid.
struct sample_world {
  geology::dem terrain;
  geo::world_spec spec;
  geo::grid grid;
};
base::result<sample_world> load_sample_world(const std::string& world,
                                             const std::string& sample_data);

/// The sequence: a block of erosions, one of depositions, one of tectonic uplifts, `per_kind`
/// each. A simulation works the same places tick after tick (a hillside erodes, a basin fills, a
/// fault slips again), so each update lands within 10 columns of one of a dozen sites spread over
/// the DEM. Seeded: every run and every method sees the same updates.
std::vector<geology::process_update> make_workload(const geology::dem& terrain, const geo::grid& g,
                                                   std::size_t per_kind);

/// The dozen sites make_workload() works around.
std::vector<geo::lat_lng> workload_sites(const geology::dem& terrain);

/// Update n's id.
shard::update_id id_of(std::size_t n);

/// The workload as updates: update n has id id_of(first + n) and tick first + n + 1.
std::vector<geology::update> as_updates(const std::vector<geology::process_update>& workload,
                                        std::size_t first = 0);

/// The value at fraction p (0..1) of the sorted values; 0 for none.
double percentile(std::vector<double> values, double p);

}  // namespace strata::bench
