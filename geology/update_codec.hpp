// Updates on the wire and in messages: schema/update.capnp's Update, to and from the operators'
// C++ form (geology/update.hpp). Every field is checked where it enters: a malformed message,
// an id that is not 16 bytes, a union member or enum this build does not know, a field out of
// its range. Each becomes an error value naming the field; nothing throws past this boundary.
#pragma once

#include <array>
#include <cstdint>
#include <string>
#include <string_view>

#include "base/result.hpp"
#include "geology/update.hpp"
#include "schema/update.capnp.h"

namespace strata::geology {

/// A whole update: its idempotency key, tick, trace context and process.
struct update {
  std::array<std::uint8_t, 16> id{};
  std::uint64_t tick = 0;
  std::string traceparent;
  std::string tracestate;
  process_update process;
};

/// Reads an Update. Errors: errc::invalid_argument (an id that is not 16 bytes, an enum value
/// out of range, a non-finite number), errc::unsupported_version (a process this build does not
/// know), each naming the field.
base::result<update> from_capnp(schema::Update::Reader in);
/// Writes an Update.
void to_capnp(const update& in, schema::Update::Builder out);

/// Limits on an update's bytes when parsed.
struct update_limits {
  /// Largest message; the traversal limit is set from it.
  std::size_t bytes_max = std::size_t{64} << 20;
};

/// One update as a flat Cap'n Proto message, and back. parse_update's errors: from_capnp's, and
/// errc::parse_error for bytes that are not a message (malformed, truncated, not whole words),
/// errc::limit_exceeded past bytes_max.
std::string serialize(const update& u);
base::result<update> parse_update(std::string_view bytes, const update_limits& limits = {});

}  // namespace strata::geology
