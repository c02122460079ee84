// Error codes and the error value every strata function returns for an expected failure.
//
// STYLE.md rule 6: input errors are values, not exceptions. Each code has a fixed number that is
// never renumbered or reused (it travels in RPC replies and logs), and a kind that tells a caller
// what to do about it:
//   - retryable:  the same request may succeed later (a peer restarting, a lease moving);
//   - overloaded: the server is shedding load; retry after backing off;
//   - fatal:      the request itself is wrong; retrying it unchanged fails again.
// A new code takes the next free number and is documented here and in docs/errors.md.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>

namespace strata::base {

enum class error_kind : std::uint8_t { retryable, overloaded, fatal };

// X(name, number, kind, description)
#define STRATA_ERROR_CODES(X)                                                                   \
  X(invalid_argument, 1, fatal, "an argument is malformed or violates its documented domain")   \
  X(out_of_range, 2, fatal, "a coordinate, level or index lies outside the world or its grid")  \
  X(invalid_config, 3, fatal, "a configuration key has a bad value or is unknown")              \
  X(parse_error, 4, fatal, "text or bytes could not be parsed")                                 \
  X(corrupt_data, 5, fatal, "stored or received data failed its checksum or bounds checks")     \
  X(limit_exceeded, 6, fatal, "a request exceeds a configured limit")                           \
  X(io_error, 7, retryable, "reading or writing a file failed")                                 \
  X(not_found, 8, fatal, "the named file, key or object does not exist")                        \
  X(overloaded, 9, overloaded, "the server is shedding load; back off and retry")               \
  X(unavailable, 10, retryable, "the owner of the data cannot be reached right now")            \
  X(unsupported_version, 11, fatal, "a format or protocol version this build does not read")    \
  X(stale_epoch, 12, retryable,                                                                 \
    "the request was routed by an older shard map; refresh it and retry")                       \
  X(cancelled, 13, fatal, "the stream or subscription was cancelled by its consumer or server") \
  X(unauthenticated, 14, fatal, "the bearer token is missing or wrong")                         \
  X(moved, 15, retryable,                                                                       \
    "the range is being handed to another node; retry shortly (the message names the node)")

enum class errc : std::uint16_t {
#define STRATA_X(name, number, kind, description) name = number,
  STRATA_ERROR_CODES(STRATA_X)
#undef STRATA_X
};

/// The code's name, e.g. "out_of_range"; "unknown" for a number no code has.
std::string_view name(errc code);
/// What the caller should do about the code.
error_kind kind(errc code);
/// One sentence on what the code means.
std::string_view description(errc code);
/// "retryable", "overloaded" or "fatal".
std::string_view name(error_kind kind);

/// An expected failure: a code and a message that names the field, key or limit at fault.
struct error {
  errc code;
  std::string message;

  /// "out_of_range: latitude 91 is outside [-90, 90]".
  std::string to_string() const;
  friend bool operator==(const error&, const error&) = default;
};

}  // namespace strata::base
