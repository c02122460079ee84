// The one place every message type is registered with CAF (STYLE.md rule 11: CAF's type
// registration is the one accepted global; TOOLCHAIN.md pitfall 2: a type missing on one node
// breaks remote actors).
#pragma once

#include <caf/actor_system_config.hpp>

namespace strata::actors {

/// Registers every message type of actors/protocol.hpp and the "strata" error category. Call
/// once on each actor_system_config before the system starts.
void register_types(caf::actor_system_config& config);

}  // namespace strata::actors
