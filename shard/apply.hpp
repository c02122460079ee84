// Geological updates into the store: a planned update (geology/update.hpp) becomes an
// update_request whose apply runs the operator on the batch's chunks.
#pragma once

#include <memory>

#include "geology/update.hpp"
#include "shard/store.hpp"

namespace strata::shard {

/// The request for a planned update. When the update is applied, its effects are written to
/// `effects_out` (if given) before its acknowledgement.
update_request to_request(const update_id& id, std::uint64_t tick, geology::planned_update plan,
                          std::shared_ptr<geology::effects> effects_out = nullptr);

/// The LOD-0 key of a chunk.
chunk_key key_of(S2CellId region, const geo::chunk_coord& at);

}  // namespace strata::shard
