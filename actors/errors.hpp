// base::error across actors: a caf::error in the "strata" category whose code is the errc number
// and whose context is the message. CAF's own errors (a request that timed out, a receiver that
// died) read back as errc::unavailable, retryable, with CAF's reason in the message.
#pragma once

#include <caf/all.hpp>

#include "base/error.hpp"

namespace strata::actors {

inline constexpr caf::atom_value error_category = caf::atom("strata");

caf::error to_caf(const base::error& e);
caf::error to_caf(base::errc code, std::string message);
base::error from_caf(const caf::error& e);

/// Renders strata errors in CAF's log lines and to_string (registered by register_types).
std::string render(std::uint8_t code, caf::atom_value category, const caf::message& context);

}  // namespace strata::actors
