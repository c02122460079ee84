// The sparse Morton octree codec (compression/codecs.hpp).
#include <cstring>
#include <vector>

#include "compression/bytes.hpp"
#include "compression/codecs.hpp"

namespace strata::compression {

namespace {

// Cubes are addressed by their lowest corner and edge; children in Morton order (x, then y, z).
struct cube {
  unsigned x, y, z, size;
};

bool is_uniform(channel_view in, const cube& c, std::uint8_t& value) {
  value = in[voxel_index(c.x, c.y, c.z)];
  for (unsigned z = c.z; z < c.z + c.size; ++z)
    for (unsigned y = c.y; y < c.y + c.size; ++y) {
      const std::uint8_t* row = &in[voxel_index(c.x, y, z)];
      for (unsigned x = 0; x < c.size; ++x)
        if (row[x] != value)
          return false;
    }
  return true;
}

void encode_node(channel_view in, const cube& c, std::vector<bool>& flags, std::string& values) {
  std::uint8_t value = 0;
  if (c.size == 1 || is_uniform(in, c, value)) {
    if (c.size > 1)
      flags.push_back(false);
    values.push_back(static_cast<char>(c.size == 1 ? in[voxel_index(c.x, c.y, c.z)] : value));
    return;
  }
  flags.push_back(true);
  const unsigned half = c.size / 2;
  for (unsigned child = 0; child < 8; ++child)
    encode_node(
        in,
        {c.x + (child & 1) * half, c.y + (child >> 1 & 1) * half, c.z + (child >> 2) * half, half},
        flags, values);
}

struct decoder_state {
  std::string_view flags;
  std::size_t flag_at = 0;
  std::string_view values;
  std::size_t value_at = 0;
};

bool decode_node(decoder_state& state, const cube& c, channel_span out) {
  bool split = false;
  if (c.size > 1) {
    if (state.flag_at >= state.flags.size() * 8)
      return false;
    split = (static_cast<std::uint8_t>(state.flags[state.flag_at / 8]) >> (state.flag_at % 8)) & 1;
    ++state.flag_at;
  }
  if (!split) {
    if (state.value_at >= state.values.size())
      return false;
    const auto value = static_cast<std::uint8_t>(state.values[state.value_at++]);
    for (unsigned z = c.z; z < c.z + c.size; ++z)
      for (unsigned y = c.y; y < c.y + c.size; ++y)
        std::memset(&out[voxel_index(c.x, y, z)], value, c.size);
    return true;
  }
  const unsigned half = c.size / 2;
  for (unsigned child = 0; child < 8; ++child)
    if (!decode_node(state,
                     {c.x + (child & 1) * half, c.y + (child >> 1 & 1) * half,
                      c.z + (child >> 2) * half, half},
                     out))
      return false;
  return true;
}

}  // namespace

bool encode_octree(channel_view in, std::string& out) {
  std::vector<bool> flags;
  std::string values;
  encode_node(in, {0, 0, 0, edge}, flags, values);
  byte_writer write(out);
  const std::size_t flag_bytes = (flags.size() + 7) / 8;
  write.varint(flag_bytes);
  const std::size_t start = out.size();
  out.resize(start + flag_bytes);
  for (std::size_t n = 0; n < flags.size(); ++n)
    if (flags[n])
      out[start + n / 8] = static_cast<char>(out[start + n / 8] | (1 << (n % 8)));
  out += values;
  return true;
}

base::status decode_octree(std::string_view payload, channel_span out) {
  byte_reader read(payload);
  std::uint64_t flag_bytes = 0;
  decoder_state state;
  if (!read.varint(flag_bytes) || !read.bytes(flag_bytes, state.flags))
    return base::fail(base::errc::corrupt_data, "octree payload ends inside its flags");
  read.bytes(read.remaining(), state.values);
  // The recursion is 5 levels deep at most: its depth is fixed by the chunk's edge, not the input.
  if (!decode_node(state, {0, 0, 0, edge}, out))
    return base::fail(base::errc::corrupt_data, "octree payload ends before the tree does");
  if (state.value_at != state.values.size() || (state.flag_at + 7) / 8 != state.flags.size())
    return base::fail(base::errc::corrupt_data, "octree payload has bytes past the tree");
  return {};
}

}  // namespace strata::compression
