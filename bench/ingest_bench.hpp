// `strata bench ingest`: durable geological updates into region storage, in-process, on an
// imported real world (issue 4).
//
// One deterministic sequence of updates of realistic sizes (erosion and deposition over caps of a
// few hundred metres, tectonic uplift along a fault), worked over a dozen sites as a simulation
// revisits the same places, runs three ways in one run:
//   - strata: the group-commit writer over the store, with a client keeping a window of updates
//     in flight; each update acknowledged once durable;
//   - by hand: what a user would write without strata: per update, read every touched chunk from
//     LMDB, zstd-3 decode, apply, zstd-3 encode, put, commit;
//   - ceiling: the same updates, planned beforehand, applied to chunks held in memory, plus raw
//     LMDB puts of the chunk bytes strata wrote, in transactions of the size strata's commits had.
// It also times point reads from the cache and samples strata's anonymous memory while it runs.
#pragma once

#include <cstdint>
#include <string>

#include "base/result.hpp"

namespace strata::bench {

struct ingest_options {
  /// "jacksboro" or "topobathy".
  std::string world = "jacksboro";
  std::string sample_data;
  /// Updates in the sequence (a third of each kind).
  std::size_t updates = 600;
  /// Updates the client keeps in flight.
  std::size_t in_flight = 128;
  /// The store's decoded-chunk cache budget.
  std::uint64_t cache_bytes = std::uint64_t{256} << 20;
  bool json = false;
};

base::status run_ingest(const ingest_options& options);

}  // namespace strata::bench
