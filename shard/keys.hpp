// Keys of the LMDB databases (DESIGN.md §4). Integers are big-endian so that LMDB's byte order is
// numeric order: a region's chunks are contiguous, LOD by LOD, each LOD in Morton order.
#pragma once

#include <array>
#include <cstdint>
#include <string>
#include <string_view>

#include "base/result.hpp"

namespace strata::shard {

/// A chunk: its region (an S2 cell id at the world's region level), level of detail, and the
/// Morton code of its coordinates in the region at that level.
struct chunk_key {
  std::uint64_t region = 0;
  std::uint8_t lod = 0;
  std::uint64_t morton = 0;
  friend bool operator==(const chunk_key&, const chunk_key&) = default;
  friend auto operator<=>(const chunk_key&, const chunk_key&) = default;
};

/// region (8 B) | lod (1 B) | morton (8 B).
inline constexpr std::size_t chunk_key_bytes = 17;

/// An update's idempotency key, chosen by the client.
using update_id = std::array<std::uint8_t, 16>;

void append_u64_be(std::string& out, std::uint64_t value);
std::uint64_t read_u64_be(std::string_view bytes);

std::string encode(const chunk_key& key);
/// errc::corrupt_data unless `bytes` is exactly chunk_key_bytes long.
base::result<chunk_key> decode_chunk_key(std::string_view bytes);

/// The applied-updates key: region (8 B) | id (16 B).
std::string applied_key(std::uint64_t region, const update_id& id);

/// "0123…" as 32 hex digits, for logs and messages.
std::string to_hex(const update_id& id);

}  // namespace strata::shard
