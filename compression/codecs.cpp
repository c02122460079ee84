#include "compression/codecs.hpp"

#include <algorithm>
#include <array>
#include <bit>
#include <cstring>

#include "compression/bytes.hpp"
#include "compression/internal/columns.hpp"

namespace strata::compression {

namespace {

base::error corrupt(std::string what) {
  return base::fail(base::errc::corrupt_data, std::move(what));
}

// Spreads the 5 low bits of x to every third bit (for a 15-bit 3-D Morton code).
constexpr unsigned spread5(unsigned x) {
  unsigned out = 0;
  for (int b = 0; b < edge_bits; ++b)
    out |= ((x >> b) & 1u) << (3 * b);
  return out;
}

using walk_table = std::array<std::uint16_t, voxels>;

walk_table make_walk(walk order) {
  walk_table table{};
  for (unsigned z = 0; z < edge; ++z) {
    for (unsigned y = 0; y < edge; ++y) {
      for (unsigned x = 0; x < edge; ++x) {
        std::size_t n = 0;
        switch (order) {
          case walk::x_first:
            n = x | y << 5 | z << 10;
            break;
          case walk::y_first:
            n = y | x << 5 | z << 10;
            break;
          case walk::z_first:
            n = z | x << 5 | y << 10;
            break;
          case walk::morton:
            n = spread5(x) | spread5(y) << 1 | spread5(z) << 2;
            break;
        }
        table[n] = static_cast<std::uint16_t>(voxel_index(x, y, z));
      }
    }
  }
  return table;
}

const walk_table& table_of(walk order) {
  static const std::array<walk_table, walks> tables = {
      make_walk(walk::x_first), make_walk(walk::y_first), make_walk(walk::z_first),
      make_walk(walk::morton)};
  return tables[static_cast<std::size_t>(order)];
}

int palette_bits(std::size_t count) {
  return count <= 2 ? 1 : count <= 4 ? 2 : count <= 16 ? 4 : 8;
}

}  // namespace

std::string_view name(codec_id id) {
  switch (id) {
    case codec_id::uniform:
      return "uniform";
    case codec_id::run_length:
      return "run_length";
    case codec_id::palette:
      return "palette";
    case codec_id::octree:
      return "octree";
    case codec_id::column_layers:
      return "column_layers";
    case codec_id::zstd:
      return "zstd";
    case codec_id::zstd_transform:
      return "zstd_transform";
    case codec_id::baseline_delta:
      return "baseline_delta";
    case codec_id::baseline_columns:
      return "baseline_columns";
    case codec_id::predicted_layers:
      return "predicted_layers";
    case codec_id::walk_raw:
      return "walk_raw";
    case codec_id::context_layers:
      return "context_layers";
    case codec_id::surface_layers:
      return "surface_layers";
    case codec_id::ordered_surfaces:
      return "ordered_surfaces";
    case codec_id::surface_bytes:
      return "surface_bytes";
  }
  return "unknown";
}

std::uint16_t walk_index(walk order, std::size_t n) {
  return table_of(order)[n];
}

bool encode_uniform(channel_view in, std::string& out) {
  const std::uint8_t value = in[0];
  // Compare 8 bytes at a time: most chunks of a world are uniform, and this runs on every write.
  const std::uint64_t pattern = 0x0101010101010101ull * value;
  for (std::size_t n = 0; n < voxels; n += 8) {
    std::uint64_t word;
    std::memcpy(&word, in.data() + n, 8);
    if (word != pattern)
      return false;
  }
  out.push_back(static_cast<char>(value));
  return true;
}

base::status decode_uniform(std::string_view payload, channel_span out) {
  if (payload.size() != 1)
    return corrupt("a uniform payload is 1 byte; got " + std::to_string(payload.size()));
  std::memset(out.data(), static_cast<unsigned char>(payload[0]), voxels);
  return {};
}

std::size_t count_runs(channel_view in, walk order) {
  const walk_table& table = table_of(order);
  std::size_t runs = 1;
  std::uint8_t last = in[table[0]];
  for (std::size_t n = 1; n < voxels; ++n) {
    const std::uint8_t value = in[table[n]];
    runs += value != last;
    last = value;
  }
  return runs;
}

namespace {

// Writes a channel given in walk order to storage order: the axis walks by transposing 32 x 32
// planes, Morton order voxel by voxel.
void unwalk(walk order, const std::uint8_t* walked, channel_span out) {
  constexpr std::size_t plane = edge * edge;
  switch (order) {
    case walk::x_first:
      std::memcpy(out.data(), walked, voxels);
      return;
    case walk::z_first:
      // walked[y][x][z] -> out[z][y][x]: per y, the (x, z) plane transposed.
      for (std::size_t y = 0; y < edge; ++y)
        internal::transpose32(walked + y * plane, edge, out.data() + y * edge, plane);
      return;
    case walk::y_first:
      // walked[z][x][y] -> out[z][y][x]: per z, the (x, y) plane transposed.
      for (std::size_t z = 0; z < edge; ++z)
        internal::transpose32(walked + z * plane, edge, out.data() + z * plane, edge);
      return;
    case walk::morton:
      break;
  }
  const walk_table& table = table_of(order);
  for (std::size_t n = 0; n < voxels; ++n)
    out[table[n]] = walked[n];
}

// The end of the run of `value` that continues at `from`, in storage order: 8 bytes at a time.
std::size_t run_end(channel_view in, std::size_t from, std::uint8_t value) {
  std::size_t end = from;
  if constexpr (std::endian::native == std::endian::little) {
    const std::uint64_t pattern = 0x0101010101010101ull * value;
    for (; end + 8 <= voxels; end += 8) {
      std::uint64_t word;
      std::memcpy(&word, in.data() + end, 8);
      if (const std::uint64_t differ = word ^ pattern; differ != 0)
        return end + static_cast<std::size_t>(std::countr_zero(differ) / 8);
    }
  }
  while (end < voxels && in[end] == value)
    ++end;
  return end;
}

// Run-length decoding along a walk other than storage order writes the voxels that differ from
// the background one by one when there are at most this many (each write is a table look-up and a
// scattered store; the alternative passes every voxel through a buffer twice).
constexpr std::size_t sparse_run_voxels = voxels / 16;

}  // namespace

bool encode_run_length(channel_view in, walk order, std::string& out) {
  byte_writer write(out);
  write.u8(static_cast<std::uint8_t>(order));
  if (order == walk::x_first) {
    // Storage order needs no table: scan the bytes directly (the fast write path).
    std::size_t start = 0;
    while (start < voxels) {
      const std::uint8_t value = in[start];
      std::size_t end = run_end(in, start + 1, value);
      write.u8(value);
      write.varint(end - start - 1);
      start = end;
    }
    return true;
  }
  const walk_table& table = table_of(order);
  std::uint8_t value = in[table[0]];
  std::size_t length = 1;
  for (std::size_t n = 1; n < voxels; ++n) {
    const std::uint8_t next = in[table[n]];
    if (next == value) {
      ++length;
      continue;
    }
    write.u8(value);
    write.varint(length - 1);
    value = next;
    length = 1;
  }
  write.u8(value);
  write.varint(length - 1);
  return true;
}

base::status decode_run_length(std::string_view payload, channel_span out) {
  byte_reader read(payload);
  std::uint8_t order = 0;
  if (!read.u8(order) || order >= walks)
    return corrupt("run-length payload names no walk (" + std::to_string(order) + ")");
  const std::string_view runs = payload.substr(1);
  // Every run of `runs` in turn, as (walk position, value, length); an error when the runs do not
  // cover the chunk exactly.
  auto each_run = [&runs](auto&& visit) -> base::status {
    byte_reader read(runs);
    std::size_t filled = 0;
    while (filled < voxels) {
      std::uint8_t value = 0;
      std::uint64_t extra = 0;
      if (!read.u8(value) || !read.varint(extra))
        return corrupt("run-length payload ends after " + std::to_string(filled) + " voxels");
      if (extra >= voxels - filled)
        return corrupt("a run of " + std::to_string(extra + 1) +
                       " voxels passes the chunk's end at " + std::to_string(filled));
      visit(filled, value, static_cast<std::size_t>(extra + 1));
      filled += extra + 1;
    }
    if (!read.at_end())
      return corrupt(std::to_string(read.remaining()) + " bytes follow the last run");
    return {};
  };
  // Storage order decodes in place.
  if (order == static_cast<std::uint8_t>(walk::x_first))
    return each_run([&out](std::size_t at, std::uint8_t value, std::size_t length) {
      std::memset(out.data() + at, value, length);
    });
  // The other walks: a channel that is mostly one value (history flags, a few voxels of another
  // material) is written directly, the background everywhere and then only the other runs
  // through the walk's table; any other into a buffer in walk order that is then put in storage
  // order. Which one is known after a first pass, which also checks the runs.
  std::array<std::uint32_t, 256> total{};
  if (auto checked = each_run([&total](std::size_t, std::uint8_t value, std::size_t length) {
        total[value] += static_cast<std::uint32_t>(length);
      });
      !checked)
    return checked;
  const auto background =
      static_cast<std::uint8_t>(std::max_element(total.begin(), total.end()) - total.begin());
  if (voxels - total[background] <= sparse_run_voxels) {
    std::memset(out.data(), background, voxels);
    const walk_table& table = table_of(static_cast<walk>(order));
    return each_run([&](std::size_t at, std::uint8_t value, std::size_t length) {
      if (value != background)
        for (std::size_t n = at; n < at + length; ++n)
          out[table[n]] = value;
    });
  }
  thread_local channel walked;
  auto decoded = each_run([](std::size_t at, std::uint8_t value, std::size_t length) {
    std::memset(walked.data() + at, value, length);
  });
  if (decoded)
    unwalk(static_cast<walk>(order), walked.data(), out);
  return decoded;
}

bool encode_walk_raw(channel_view in, walk order, std::string& out) {
  const walk_table& table = table_of(order);
  out.push_back(static_cast<char>(order));
  const std::size_t start = out.size();
  out.resize(start + voxels);
  for (std::size_t n = 0; n < voxels; ++n)
    out[start + n] = static_cast<char>(in[table[n]]);
  return true;
}

base::status decode_walk_raw(std::string_view payload, channel_span out) {
  if (payload.size() != 1 + voxels)
    return corrupt("a walk_raw payload is 32769 bytes; got " + std::to_string(payload.size()));
  const auto order = static_cast<std::uint8_t>(payload[0]);
  if (order >= walks)
    return corrupt("walk_raw payload names no walk (" + std::to_string(order) + ")");
  unwalk(static_cast<walk>(order), reinterpret_cast<const std::uint8_t*>(payload.data() + 1), out);
  return {};
}

bool encode_palette(channel_view in, std::string& out) {
  std::array<bool, 256> present{};
  for (std::uint8_t v : in)
    present[v] = true;
  std::array<std::uint8_t, 256> index_of{};
  std::string values;
  for (int v = 0; v < 256; ++v) {
    if (!present[v])
      continue;
    index_of[v] = static_cast<std::uint8_t>(values.size());
    values.push_back(static_cast<char>(v));
  }
  const int bits = palette_bits(values.size());
  byte_writer write(out);
  write.u8(static_cast<std::uint8_t>(values.size() - 1));
  write.bytes(values.data(), values.size());
  const std::size_t per_byte = 8 / bits;
  const std::size_t start = out.size();
  out.resize(start + voxels / per_byte);
  auto* packed = reinterpret_cast<std::uint8_t*>(out.data() + start);
  for (std::size_t n = 0; n < voxels; ++n)
    packed[n / per_byte] |= static_cast<std::uint8_t>(index_of[in[n]] << ((n % per_byte) * bits));
  return true;
}

base::status decode_palette(std::string_view payload, channel_span out) {
  byte_reader read(payload);
  std::uint8_t count_minus_one = 0;
  std::string_view values;
  if (!read.u8(count_minus_one) || !read.bytes(std::size_t{count_minus_one} + 1, values))
    return corrupt("palette payload ends inside its palette");
  const std::size_t count = std::size_t{count_minus_one} + 1;
  for (std::size_t n = 1; n < count; ++n)
    if (static_cast<std::uint8_t>(values[n]) <= static_cast<std::uint8_t>(values[n - 1]))
      return corrupt("palette values are not distinct and ascending");
  const int bits = palette_bits(count);
  const std::size_t per_byte = 8 / bits;
  std::string_view packed;
  if (!read.bytes(voxels / per_byte, packed) || !read.at_end())
    return corrupt("palette payload of " + std::to_string(payload.size()) +
                   " bytes does not hold " + std::to_string(voxels) + " " + std::to_string(bits) +
                   "-bit indices");
  // A table from each possible packed byte to the voxels it holds, so decoding is one copy per
  // packed byte. A byte holding an index past the palette is marked and refused.
  const unsigned mask = (1u << bits) - 1;
  std::array<std::array<std::uint8_t, 8>, 256> expand{};
  std::array<bool, 256> valid{};
  for (unsigned byte = 0; byte < 256; ++byte) {
    valid[byte] = true;
    for (std::size_t slot = 0; slot < per_byte; ++slot) {
      const unsigned index = (byte >> (slot * bits)) & mask;
      if (index >= count) {
        valid[byte] = false;
        break;
      }
      expand[byte][slot] = static_cast<std::uint8_t>(values[index]);
    }
  }
  bool all_valid = true;
  for (std::size_t at = 0; at < packed.size(); ++at) {
    const auto byte = static_cast<std::uint8_t>(packed[at]);
    all_valid &= valid[byte];
    std::memcpy(&out[at * per_byte], expand[byte].data(), per_byte);
  }
  if (!all_valid)
    return corrupt("a palette index is past the palette's " + std::to_string(count) + " values");
  return {};
}

}  // namespace strata::compression
