#include "shard/keys.hpp"

namespace strata::shard {

void append_u64_be(std::string& out, std::uint64_t value) {
  for (int shift = 56; shift >= 0; shift -= 8)
    out.push_back(static_cast<char>(value >> shift & 0xff));
}

std::uint64_t read_u64_be(std::string_view bytes) {
  std::uint64_t value = 0;
  for (std::size_t n = 0; n < 8 && n < bytes.size(); ++n)
    value = value << 8 | static_cast<std::uint8_t>(bytes[n]);
  return value;
}

std::string encode(const chunk_key& key) {
  std::string out;
  out.reserve(chunk_key_bytes);
  append_u64_be(out, key.region);
  out.push_back(static_cast<char>(key.lod));
  append_u64_be(out, key.morton);
  return out;
}

base::result<chunk_key> decode_chunk_key(std::string_view bytes) {
  if (bytes.size() != chunk_key_bytes)
    return base::fail(base::errc::corrupt_data, "a chunk key of " + std::to_string(bytes.size()) +
                                                    " bytes; keys have " +
                                                    std::to_string(chunk_key_bytes));
  return chunk_key{read_u64_be(bytes.substr(0, 8)), static_cast<std::uint8_t>(bytes[8]),
                   read_u64_be(bytes.substr(9, 8))};
}

std::string applied_key(std::uint64_t region, const update_id& id) {
  std::string out;
  out.reserve(8 + id.size());
  append_u64_be(out, region);
  out.append(reinterpret_cast<const char*>(id.data()), id.size());
  return out;
}

std::string to_hex(const update_id& id) {
  static constexpr char digits[] = "0123456789abcdef";
  std::string out;
  for (std::uint8_t b : id) {
    out.push_back(digits[b >> 4]);
    out.push_back(digits[b & 15]);
  }
  return out;
}

}  // namespace strata::shard
