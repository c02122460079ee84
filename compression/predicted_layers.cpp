// The predicted-layers codec (compression/codecs.hpp): column layers whose tops are predicted
// from the neighbouring columns, so planar strata leave residuals of zero.
#include <array>
#include <cstring>

#include "compression/bytes.hpp"
#include "compression/codecs.hpp"
#include "compression/internal/columns.hpp"

namespace strata::compression {

namespace {

constexpr std::size_t columns = edge * edge;

// A column's layers: values bottom-up, and the top (exclusive end z) of every layer but the last.
struct stack {
  std::uint8_t count = 0;
  std::array<std::uint8_t, edge> value{};
  std::array<std::uint8_t, edge> top{};
  bool same_values(const stack& other) const {
    return count == other.count && std::memcmp(value.data(), other.value.data(), count) == 0;
  }
};

stack stack_of(channel_view in, std::size_t column) {
  stack s;
  s.count = internal::layers_of(in, column, s.value.data(), s.top.data());
  return s;
}

// How a column whose values equal its reference's (left, or below when x = 0) predicts its tops:
// planar (left + below - diagonal) when the 2x2 neighbourhood shares the values, else the
// reference's tops. Decided once per column.
class predictor {
 public:
  predictor(const std::array<stack, columns>& stacks, std::size_t x, std::size_t y) {
    const std::size_t column = x + edge * y;
    reference_ = &stacks[x > 0 ? column - 1 : column - edge];
    if (x > 0 && y > 0) {
      const stack& below = stacks[column - edge];
      const stack& diagonal = stacks[column - edge - 1];
      if (below.same_values(*reference_) && diagonal.same_values(*reference_)) {
        below_ = &below;
        diagonal_ = &diagonal;
      }
    }
  }
  int top(std::size_t n) const {
    if (!below_)
      return reference_->top[n];
    const int planar = reference_->top[n] + below_->top[n] - diagonal_->top[n];
    return planar < 1 ? 1 : planar > edge - 1 ? edge - 1 : planar;
  }

 private:
  const stack* reference_ = nullptr;
  const stack* below_ = nullptr;
  const stack* diagonal_ = nullptr;
};

}  // namespace

bool encode_predicted_layers(channel_view in, std::string& out) {
  thread_local std::array<stack, columns> stacks;
  byte_writer write(out);
  for (std::size_t y = 0; y < edge; ++y) {
    for (std::size_t x = 0; x < edge; ++x) {
      const std::size_t column = x + edge * y;
      stacks[column] = stack_of(in, column);
      const stack& s = stacks[column];
      const bool has_reference = x > 0 || y > 0;
      const stack* reference =
          has_reference ? &stacks[x > 0 ? column - 1 : column - edge] : nullptr;
      if (reference && s.same_values(*reference)) {
        write.u8(0);
        const predictor predict(stacks, x, y);
        for (std::size_t n = 0; n + 1 < s.count; ++n)
          write.u8(zigzag(s.top[n] - predict.top(n)));
        continue;
      }
      write.u8(s.count);
      write.bytes(s.value.data(), s.count);
      write.bytes(s.top.data(), s.count - 1u);
    }
  }
  return true;
}

base::status decode_predicted_layers(std::string_view payload, channel_span out) {
  thread_local std::array<stack, columns> stacks;
  thread_local channel by_column;
  byte_reader read(payload);
  auto corrupt = [](std::size_t column, const char* what) {
    return base::fail(base::errc::corrupt_data,
                      "predicted-layers column " + std::to_string(column) + ": " + what);
  };
  for (std::size_t y = 0; y < edge; ++y) {
    for (std::size_t x = 0; x < edge; ++x) {
      const std::size_t column = x + edge * y;
      stack& s = stacks[column];
      std::uint8_t mode = 0;
      if (!read.u8(mode))
        return corrupt(column, "the payload ends here");
      if (mode == 0) {
        if (column == 0)
          return corrupt(column, "the first column has no reference");
        const stack& reference = stacks[x > 0 ? column - 1 : column - edge];
        s.count = reference.count;
        s.value = reference.value;
        const predictor predict(stacks, x, y);
        for (std::size_t n = 0; n + 1 < s.count; ++n) {
          std::uint8_t residual = 0;
          if (!read.u8(residual))
            return corrupt(column, "the payload ends inside its residuals");
          const int top = predict.top(n) + unzigzag(residual);
          if (top < 1 || top > edge - 1)
            return corrupt(column, "a layer top lies outside 1..31");
          s.top[n] = static_cast<std::uint8_t>(top);
        }
      } else {
        if (mode > edge)
          return corrupt(column, "more than 32 layers");
        s.count = mode;
        std::string_view values, tops;
        if (!read.bytes(s.count, values) || !read.bytes(s.count - 1u, tops))
          return corrupt(column, "the payload ends inside its layers");
        std::memcpy(s.value.data(), values.data(), s.count);
        std::memcpy(s.top.data(), tops.data(), s.count - 1u);
      }
      // Tops rise strictly inside 1..31; the last layer ends at 32.
      std::size_t z = 0;
      for (std::size_t n = 0; n < s.count; ++n) {
        const std::size_t end = n + 1 < s.count ? s.top[n] : edge;
        if (end <= z || end > edge)
          return corrupt(column, "layer tops do not rise within 32");
        std::memset(&by_column[column * edge + z], s.value[n], end - z);
        z = end;
      }
    }
  }
  if (!read.at_end())
    return base::fail(base::errc::corrupt_data,
                      std::to_string(read.remaining()) + " bytes follow the last column");
  internal::columns_to_storage(by_column.data(), out);
  return {};
}

}  // namespace strata::compression
