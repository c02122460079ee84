// The column-layers codec (compression/codecs.hpp).
#include <cstring>

#include "compression/bytes.hpp"
#include "compression/codecs.hpp"
#include "compression/internal/columns.hpp"

namespace strata::compression {

namespace {

constexpr std::size_t columns = edge * edge;
constexpr std::size_t column_stride = edge * edge;  // bytes between z and z + 1

// A column's layers as (value, thickness) pairs, thickness 1..32.
struct layers {
  std::uint8_t count = 0;
  std::uint8_t value[edge] = {};
  std::uint8_t thickness[edge] = {};
  bool operator==(const layers& other) const {
    return count == other.count && std::memcmp(value, other.value, count) == 0 &&
           std::memcmp(thickness, other.thickness, count) == 0;
  }
};

layers column_of(channel_view in, std::size_t column) {
  layers result;
  std::uint8_t current = in[column];
  std::uint8_t run = 1;
  for (std::size_t z = 1; z < edge; ++z) {
    const std::uint8_t value = in[column + z * column_stride];
    if (value == current) {
      ++run;
      continue;
    }
    result.value[result.count] = current;
    result.thickness[result.count++] = run;
    current = value;
    run = 1;
  }
  result.value[result.count] = current;
  result.thickness[result.count++] = run;
  return result;
}

}  // namespace

bool encode_column_layers(channel_view in, std::string& out) {
  byte_writer write(out);
  layers previous;
  for (std::size_t column = 0; column < columns; ++column) {
    const layers current = column_of(in, column);
    if (column > 0 && current == previous) {
      write.u8(0);
      continue;
    }
    write.u8(current.count);
    for (std::uint8_t n = 0; n < current.count; ++n) {
      write.u8(current.value[n]);
      write.u8(static_cast<std::uint8_t>(current.thickness[n] - 1));
    }
    previous = current;
  }
  return true;
}

base::status decode_column_layers(std::string_view payload, channel_span out) {
  // Columns are decoded bottom-up into a column-major buffer, where each layer is one memset and
  // a repeated column one memcpy, then transposed into storage order in one sequential pass.
  thread_local channel by_column;
  byte_reader read(payload);
  bool have_previous = false;
  for (std::size_t column = 0; column < columns; ++column) {
    std::uint8_t count = 0;
    if (!read.u8(count))
      return base::fail(base::errc::corrupt_data,
                        "column-layers payload ends at column " + std::to_string(column));
    if (count == 0) {
      if (!have_previous)
        return base::fail(base::errc::corrupt_data, "the first column repeats no column");
      std::memcpy(&by_column[column * edge], &by_column[(column - 1) * edge], edge);
      continue;
    }
    if (count > edge)
      return base::fail(base::errc::corrupt_data, "column " + std::to_string(column) + " has " +
                                                      std::to_string(count) +
                                                      " layers; at most 32");
    std::size_t z = 0;
    for (std::uint8_t n = 0; n < count; ++n) {
      std::uint8_t value = 0, thickness = 0;
      if (!read.u8(value) || !read.u8(thickness))
        return base::fail(base::errc::corrupt_data,
                          "column-layers payload ends inside column " + std::to_string(column));
      if (z + thickness + 1 > edge)
        return base::fail(base::errc::corrupt_data,
                          "column " + std::to_string(column) + "'s layers pass its top");
      std::memset(&by_column[column * edge + z], value, thickness + 1u);
      z += thickness + 1u;
    }
    if (z != edge)
      return base::fail(
          base::errc::corrupt_data,
          "column " + std::to_string(column) + "'s layers stop at " + std::to_string(z) + " of 32");
    have_previous = true;
  }
  if (!read.at_end())
    return base::fail(base::errc::corrupt_data,
                      std::to_string(read.remaining()) + " bytes follow the last column");
  internal::columns_to_storage(by_column.data(), out);
  return {};
}

}  // namespace strata::compression
