// The context-layers codec (compression/codecs.hpp): column layers coded decision by decision
// with an adaptive binary range coder, each decision predicted from the neighbouring columns.
//
// The model (docs/format.md has every context). Columns go in order x + 32 y; a column is a
// stack of layers bottom-up, each a value and a top (exclusive end z; the last top is 32). Its
// neighbours are L (x - 1), B (y - 1), D (x - 1, y - 1) and R (x + 1, y - 1); its reference P is L,
// or B in a row's first column. A row above the first starts with one decision: whether all its
// columns are exact (below), then no more. Otherwise, per column, most often a single decision:
//  - exact: the column is the prediction: P's values, tops planar (L + B - D, averaged with
//    L + R - B when R shares the values too) when L, B and D share their values, else P's tops;
//  - else (x > 0, y > 0), whether the column is B's: where a quantised plane steps, it often is;
//  - else, same values as P: one residual per top against that prediction, or after a nonzero
//    one, a single decision that it repeats (the layers of a column often shift together);
//  - else layer by layer: each top predicted by following the neighbours from the layer's start
//    (a neighbour whose layer there, or the one above it, holds the same value predicts its
//    top), then the value above it: the predicted one, P's at that height, or its literal bits
//    (4 for a value below 16, the material ids in use).
// Contexts come from the neighbours: whether they were exact, and their residuals on the layers
// that predicted, so the step lines of quantised planes, which recur from column to column, cost
// little.
//
// Decoding writes the bottom slice, then each slice as a copy of the one below with the boundaries
// that lie at its height applied: a pass over the output and one write per boundary.
#include <algorithm>
#include <array>
#include <cstring>
#if defined(__SSE2__)
#include <emmintrin.h>
#endif

#include "base/assert.hpp"
#include "compression/codecs.hpp"
#include "compression/internal/columns.hpp"
#include "compression/internal/range_coder.hpp"

namespace strata::compression {

namespace {

using internal::probability;

constexpr std::size_t columns = edge * edge;
constexpr int last_top = edge;

// A column's layers. Values past `count` are 0, so comparing values compares whole arrays.
struct layer_stack {
  std::uint8_t count = 0;
  bool exact = false;
  // Whether the values equal those of the column at x - 1, and at y - 1.
  bool same_left = false;
  bool same_below = false;
  // Whether the column was coded as a copy of the column at y - 1.
  bool copied = false;
  std::array<std::uint8_t, edge> value{};
  std::array<std::uint8_t, edge> top{};
  // Bit n set: layer n's top was corrected by a nonzero residual.
  std::uint32_t corrected = 0;
  bool was_corrected(unsigned layer) const { return corrected >> layer & 1u; }
  bool same_values(const layer_stack& other) const {
    if (count != other.count)
      return false;
    // Word by word, inline: this runs several times per column.
    for (std::size_t at = 0; at < edge; at += 8) {
      std::uint64_t a, b;
      std::memcpy(&a, value.data() + at, 8);
      std::memcpy(&b, other.value.data() + at, 8);
      if (a != b)
        return false;
    }
    return true;
  }
  bool operator==(const layer_stack& other) const {
    return same_values(other) && std::memcmp(top.data(), other.top.data(), count) == 0;
  }
};

// The stacks of the row being coded and of the row below it: all the model looks at, and small
// enough to stay in the first-level cache.
class rows {
 public:
  layer_stack& at(std::size_t x, std::size_t y) { return stacks_[(y & 1) * stride + x]; }

 private:
  // Each row ends with an empty stack, never written: the below-right neighbour of a row's last
  // column, which is neither exact nor shares values.
  static constexpr std::size_t stride = edge + 1;
  std::array<layer_stack, 2 * stride> stacks_;
};

// The neighbours of a column, null where the chunk ends, and what they share.
struct neighbours {
  const layer_stack* left = nullptr;
  const layer_stack* below = nullptr;
  const layer_stack* diagonal = nullptr;
  const layer_stack* below_right = nullptr;
  const layer_stack* reference = nullptr;  // left, or below in a row's first column
  bool planar = false;                     // all three exist and share their values
  bool left_below = false;                 // left and below exist and share their values
  neighbours(rows& stacks, std::size_t x, std::size_t y) {
    if (x > 0)
      left = &stacks.at(x - 1, y);
    if (y > 0)
      below = &stacks.at(x, y - 1);
    if (x > 0 && y > 0)
      diagonal = &stacks.at(x - 1, y - 1);
    if (x + 1 < edge && y > 0)
      below_right = &stacks.at(x + 1, y - 1);
    reference = left ? left : below;
    if (left && below) {
      // Left and below each know whether they share values with the diagonal, their common
      // neighbour.
      planar = left->same_below && below->same_left;
      left_below = planar || left->same_values(*below);
    }
  }
  // The residual context of layer n under the reference: whether the reference and below had to
  // correct the same layer.
  int residual_context(unsigned n) const {
    return reference->was_corrected(n) * 2 + (left_below && below->was_corrected(n));
  }
  // Records, in a column just coded, whether it shares values with left and below.
  void note_shares(layer_stack& s, bool values_of_reference) const {
    if (values_of_reference) {
      s.same_left = left != nullptr;
      s.same_below = left ? left_below : true;
    } else {
      s.same_left = left && s.same_values(*left);
      s.same_below = below && s.same_values(*below);
    }
  }
};

// The structural prediction of a column's tops below layer `last` when left, below and diagonal
// share the values: planar per layer, clamped to 1..31. The plane through L, B and D is L + B - D;
// when R shares the values too, the prediction is the mean of that plane and L + R - B, rounded
// down (quantised planes step less often against it). `below_right` is null unless it shares.
[[gnu::always_inline]] inline void planar_tops(const layer_stack& left, const layer_stack& below,
                                               const layer_stack& diagonal,
                                               const layer_stack* below_right, std::size_t last,
                                               std::uint8_t* out) {
#if defined(__SSE2__)
  if (last <= 16) {
    // Sixteen tops at once (`out` has room), as bytes offset by 32 so that unsigned clamps apply.
    auto load = [](const layer_stack& s) {
      return _mm_loadu_si128(reinterpret_cast<const __m128i*>(s.top.data()));
    };
    const __m128i bias = _mm_set1_epi8(32);
    __m128i shifted;
    if (below_right) {
      // L + floor((R - D) / 2) + 32 = L + ((R + 32 - D) >> 1) + 16
      const __m128i half = _mm_and_si128(
          _mm_srli_epi16(_mm_sub_epi8(_mm_add_epi8(load(*below_right), bias), load(diagonal)), 1),
          _mm_set1_epi8(0x7f));
      shifted = _mm_add_epi8(_mm_add_epi8(load(left), half), _mm_set1_epi8(16));
    } else {
      shifted =
          _mm_sub_epi8(_mm_add_epi8(_mm_add_epi8(load(left), load(below)), bias), load(diagonal));
    }
    _mm_storeu_si128(
        reinterpret_cast<__m128i*>(out),
        _mm_sub_epi8(_mm_min_epu8(_mm_max_epu8(shifted, _mm_set1_epi8(33)), _mm_set1_epi8(63)),
                     bias));
    return;
  }
#endif
  auto clamp = [](int top) { return static_cast<std::uint8_t>(std::clamp(top, 1, last_top - 1)); };
  if (below_right) {
    for (std::size_t layer = 0; layer < last; ++layer)
      out[layer] =
          clamp((2 * left.top[layer] + below_right->top[layer] - diagonal.top[layer]) >> 1);
  } else {
    for (std::size_t layer = 0; layer < last; ++layer)
      out[layer] = clamp(left.top[layer] + below.top[layer] - diagonal.top[layer]);
  }
}

// The below-right neighbour when it shares the values of its left (for planar_tops), else null.
inline const layer_stack* sharing_right(const neighbours& n) {
  return n.below_right && n.below_right->same_left ? n.below_right : nullptr;
}

// The predicted tops below layer `last`: planar when the neighbours allow it, else the
// reference's. Returns where they are.
[[gnu::always_inline]] inline const std::uint8_t* predict_tops(const neighbours& n,
                                                               std::size_t last,
                                                               std::uint8_t* planar) {
  if (!n.planar)
    return n.reference->top.data();
  planar_tops(*n.left, *n.below, *n.diagonal, sharing_right(n), last, planar);
  return planar;
}

// What a neighbour predicts for a layer starting at z0 with value v, in a column whose values
// differ from its reference's.
struct guess {
  bool matched = false;
  std::uint8_t top = 0;
  int above = -1;  // the value above that top; -1 when the top is 32
  bool corrected = false;
};

// A walk up a neighbour's layers as the coded column rises: heights only grow, so each lookup
// resumes where the last stopped.
class cursor {
 public:
  explicit cursor(const layer_stack& n) : n_(n) {}
  // The layer that holds height z (at or above the last height asked).
  unsigned layer_at(unsigned z) {
    while (n_.top[i_] <= z)
      ++i_;
    return i_;
  }
  // What the neighbour predicts for a layer starting at z0 with value v.
  guess follow(unsigned z0, std::uint8_t v) {
    const unsigned i = layer_at(z0);
    if (n_.value[i] == v)
      return at(i, true);
    if (i + 1u < n_.count && n_.value[i + 1] == v)
      return at(i + 1, true);
    return at(i, false);
  }
  int value_at(unsigned z) { return n_.value[layer_at(z)]; }

 private:
  guess at(unsigned layer, bool matched) const {
    return guess{matched, n_.top[layer], layer + 1u < n_.count ? n_.value[layer + 1] : -1,
                 n_.was_corrected(layer)};
  }
  const layer_stack& n_;
  unsigned i_ = 0;
};

[[gnu::always_inline]] inline int sign_of(int value) {
  return value < 0 ? 0 : value == 0 ? 1 : 2;
}

// Every probability of the model; each starts at 1/2 (internal/range_coder.hpp).
struct model {
  std::array<probability, 32> exact;
  std::array<probability, 8> same_values;
  std::array<probability, 64> zero;
  std::array<probability, 3> same_other;
  std::array<probability, 40> negative;
  std::array<probability, 20> one;
  std::array<probability, 8> length;
  std::array<probability, 8> mantissa;
  std::array<probability, 4> first_hit;
  std::array<probability, 4> second_hit;
  std::array<probability, 256> literal;
  probability small_literal;
  std::array<probability, 16> small;
  std::array<probability, 10> repeat;
  std::array<probability, 2> full_row;
  std::array<probability, 16> copy_below;
};

// A residual: zero or not, its sign, 1 or more, then Elias gamma of magnitude - 1 (1..31). Its
// contexts: `zero_context` (0..63), `sign_context` (0..39), `one_context` (0..19).
template <class Coder>
int code_nonzero_residual(Coder& coder, model& m, int sign_context, int one_context, int truth);

template <class Coder>
[[gnu::always_inline]] inline int code_residual(Coder& coder, model& m, int zero_context,
                                                int sign_context, int one_context, int truth) {
  // Most residuals are zero: that decision inline, the rest out of line.
  if (!coder.bit(m.zero[zero_context], Coder::encoding && truth != 0))
    return 0;
  return code_nonzero_residual(coder, m, sign_context, one_context, truth);
}

template <class Coder>
[[gnu::always_inline]] inline int code_nonzero_residual(Coder& coder, model& m, int sign_context,
                                                        int one_context, int truth) {
  constexpr bool encoding = Coder::encoding;
  const bool negative = coder.bit(m.negative[sign_context], encoding && truth < 0);
  const int magnitude = truth < 0 ? -truth : truth;
  int size = 1;
  if (coder.bit(m.one[one_context], encoding && magnitude > 1)) {
    const int rest = magnitude - 1;
    int bits = 1;
    while (bits < 5 && coder.bit(m.length[bits], encoding && (rest >> bits) != 0))
      ++bits;
    int decoded = 1;
    for (int bit = bits - 2; bit >= 0; --bit)
      decoded = decoded << 1 | coder.bit(m.mantissa[bit], encoding && (rest >> bit & 1));
    size = decoded + 1;
  }
  return negative ? -size : size;
}

// A value: the first candidate, the second, or 8 literal bits. -1 marks no candidate.
template <class Coder>
int code_value(Coder& coder, model& m, int first, int second, int context, int truth) {
  constexpr bool encoding = Coder::encoding;
  if (first >= 0 && coder.bit(m.first_hit[context], encoding && truth == first))
    return first;
  if (second >= 0 && second != first &&
      coder.bit(m.second_hit[context], encoding && truth == second))
    return second;
  // Material ids are mostly small: one decision, then 4 bits, else 8.
  unsigned node = 1;
  if (coder.bit(m.small_literal, encoding && truth < 16)) {
    for (int bit = 3; bit >= 0; --bit)
      node = node << 1 | coder.bit(m.small[node], encoding && (truth >> bit & 1));
    return static_cast<int>(node & 0xf);
  }
  for (int bit = 7; bit >= 0; --bit)
    node = node << 1 | coder.bit(m.literal[node], encoding && (truth >> bit & 1));
  return static_cast<int>(node & 0xff);
}

// The prediction alone, for an exact column: the reference's values, and its tops or planar ones.
// False when it is not a column (planar tops that do not rise).
[[gnu::always_inline]] inline bool predict_column(const layer_stack& reference, bool planar,
                                                  const layer_stack& left, const layer_stack& below,
                                                  const layer_stack& diagonal,
                                                  const layer_stack* below_right,
                                                  layer_stack& out) {
  out.count = reference.count;
  out.value = reference.value;
  out.corrected = 0;
  if (!planar) {
    out.top = reference.top;
    return true;
  }
  const std::size_t last = out.count - 1u;
  planar_tops(left, below, diagonal, below_right, last, out.top.data());
#if defined(__SSE2__)
  if (last <= 16) {
    // Bit n set: top n is above top n - 1.
    const __m128i top = _mm_loadu_si128(reinterpret_cast<const __m128i*>(out.top.data()));
    const auto rises =
        static_cast<unsigned>(_mm_movemask_epi8(_mm_cmpgt_epi8(top, _mm_slli_si128(top, 1))));
    const unsigned needed = ((1u << last) - 1u) & ~1u;
    out.top[last] = last_top;
    return (rises & needed) == needed;
  }
#endif
  bool rising = true;
  for (std::size_t layer = 1; layer < last; ++layer)
    rising &= out.top[layer] > out.top[layer - 1];
  out.top[last] = last_top;
  return rising;
}

[[gnu::always_inline]] inline bool predict_column(const neighbours& n, layer_stack& out) {
  if (!n.planar)
    return predict_column(*n.reference, false, *n.reference, *n.reference, *n.reference, nullptr,
                          out);
  return predict_column(*n.reference, true, *n.left, *n.below, *n.diagonal, sharing_right(n), out);
}

// A column with the values of its reference, or of `other` (B, R or D) when given: a residual per
// top against the prediction, or against the other's tops. False when the tops do not rise.
template <class Coder>
[[gnu::always_inline]] inline bool code_tops(Coder& coder, model& m, const neighbours& n,
                                             const layer_stack* other, const layer_stack& actual,
                                             layer_stack& out) {
  const layer_stack& reference = other ? *other : *n.reference;
  out.count = reference.count;
  out.corrected = 0;
  out.value = reference.value;
  const std::size_t last = out.count - 1u;
  std::array<std::uint8_t, edge> planar;
  const std::uint8_t* predictions =
      other ? other->top.data() : predict_tops(n, last, planar.data());
  // Contexts: whether the neighbours' same layers were corrected, as bit masks.
  const std::uint32_t by_reference = reference.corrected;
  const std::uint32_t by_below = !other && n.left_below ? n.below->corrected : 0;
  int below = 0, previous = 0;
  for (unsigned layer = 0; layer < last; ++layer) {
    const int predicted = predictions[layer];
    int zero_context, sign_context, one_context, repeat_context;
    if (other) {
      const int context = by_reference >> layer & 1u;
      repeat_context = 8 + context;
      zero_context = 16 + context * 2 + (previous != 0);
      sign_context = 32 + sign_of(previous) * 2 + context;
      one_context = 16 + context;
    } else {
      const int context = (by_reference >> layer & 1u) * 2 + (by_below >> layer & 1u);
      repeat_context = n.planar * 4 + context;
      zero_context = (n.planar * 4 + context) * 2 + (previous != 0);
      sign_context = (n.planar * 3 + sign_of(previous)) * 4 + context;
      one_context = n.planar * 4 + context;
    }
    const int truth = Coder::encoding ? actual.top[layer] - predicted : 0;
    // After a correction, most often the same correction again: the layers shift together.
    const int residual =
        previous != 0 && coder.bit(m.repeat[repeat_context], Coder::encoding && truth == previous)
            ? previous
            : code_residual(coder, m, zero_context, sign_context, one_context, truth);
    const int top = predicted + residual;
    if (top <= below || top >= last_top)
      return false;
    out.top[layer] = static_cast<std::uint8_t>(top);
    out.corrected |= static_cast<std::uint32_t>(residual != 0) << layer;
    below = top;
    previous = residual;
  }
  out.top[out.count - 1] = last_top;
  return true;
}

// A column whose values differ from its reference's, layer by layer bottom-up: each top predicted
// by following the neighbours, then the value above it. False when the decisions do not form a
// column.
template <class Coder>
bool code_layers(Coder& coder, model& m, const neighbours& n, const layer_stack& actual,
                 layer_stack& out) {
  constexpr bool encoding = Coder::encoding;
  const layer_stack* reference = n.reference;
  const layer_stack* other = n.left ? n.below : nullptr;
  int v = code_value(coder, m, reference ? reference->value[0] : -1, other ? other->value[0] : -1,
                     reference ? 0 : 1, actual.value[0]);
  unsigned z0 = 0;
  int previous = 0;
  out.count = 0;
  out.corrected = 0;
  // Walks up the neighbours (a cursor over a missing neighbour is never used).
  cursor by_reference(reference ? *reference : out), by_other(other ? *other : out),
      by_diagonal(n.diagonal ? *n.diagonal : out);
  for (;;) {
    const auto value = static_cast<std::uint8_t>(v);
    guess chosen;
    int kind = 3;  // 0 planar, 1 one neighbour matches, 2 none matches, 3 no neighbour
    int predicted = static_cast<int>(z0) + 1;
    int near = 0;
    if (reference) {
      const guess g_reference = by_reference.follow(z0, value);
      const guess g_other = other ? by_other.follow(z0, value) : guess{};
      near = g_reference.corrected * 2 + g_other.corrected;
      if (n.diagonal && g_reference.matched && g_other.matched &&
          g_reference.above == g_other.above) {
        const guess g_diagonal = by_diagonal.follow(z0, value);
        if (g_diagonal.matched && g_diagonal.above == g_reference.above) {
          kind = 0;
          chosen = g_reference;
          predicted = std::clamp(g_reference.top + g_other.top - g_diagonal.top,
                                 static_cast<int>(z0) + 1, last_top);
        }
      }
      if (kind != 0) {
        kind = g_reference.matched || g_other.matched ? 1 : 2;
        chosen = g_reference.matched || !g_other.matched ? g_reference : g_other;
        if (kind == 1)
          predicted = chosen.top;
      }
    }
    const unsigned layer = out.count;
    const int residual = code_residual(coder, m, 32 + kind * 8 + near * 2 + (previous != 0),
                                       24 + (kind == 0) * 4 + near, 8 + kind * 2 + (near != 0),
                                       encoding ? actual.top[layer] - predicted : 0);
    const int top = predicted + residual;
    if (top <= static_cast<int>(z0) || top > last_top)
      return false;
    out.value[layer] = value;
    out.top[layer] = static_cast<std::uint8_t>(top);
    out.corrected |= static_cast<std::uint32_t>(residual != 0) << layer;
    out.count = static_cast<std::uint8_t>(layer + 1);
    if (top == last_top) {
      std::fill(out.value.begin() + out.count, out.value.end(), 0);
      return true;
    }
    const int second = reference ? by_reference.value_at(static_cast<unsigned>(top)) : -1;
    v = code_value(coder, m, chosen.above, second == v ? -1 : second, 2 + (kind == 0),
                   encoding ? actual.value[layer + 1] : 0);
    if (v == value)
      return false;
    z0 = static_cast<unsigned>(top);
    previous = residual;
  }
}

[[gnu::always_inline]] inline int exact_context(const neighbours& n) {
  return (n.left && n.left->exact) + 2 * (n.below && n.below->exact) +
         4 * (n.below_right && n.below_right->exact) + 8 * (n.diagonal && n.diagonal->exact) +
         16 * n.planar;
}

template <class Coder>
bool code_inexact(Coder& coder, model& m, const neighbours& n, const layer_stack& actual,
                  layer_stack& out);

// One column, coded or decoded: whether the prediction is exact; if not, whether its values are
// the reference's (then its tops), or another neighbour's, else its layers.
template <class Coder>
bool code_column(Coder& coder, model& m, const neighbours& n, const layer_stack& actual,
                 layer_stack& out) {
  constexpr bool encoding = Coder::encoding;
  out.exact = false;
  out.copied = false;
  if (!n.reference) {
    n.note_shares(out, false);
    return code_layers(coder, m, n, actual, out);
  }
  bool exact = false;
  if (encoding)
    exact = predict_column(n, out) && out == actual;
  if (coder.bit(m.exact[exact_context(n)], exact)) {
    out.exact = true;
    n.note_shares(out, true);
    return encoding || predict_column(n, out);
  }
  return code_inexact(coder, m, n, actual, out);
}

// Takes interior column (x > 0, y > 0) as its prediction, as an exact decision of 1 does. False
// when the prediction is not a column.
[[gnu::always_inline]] inline bool take_interior_exact(rows& stacks, std::size_t x, std::size_t y,
                                                       layer_stack& out) {
  const layer_stack& left = stacks.at(x - 1, y);
  const layer_stack& below = stacks.at(x, y - 1);
  const layer_stack& below_right = stacks.at(x + 1, y - 1);
  const bool planar = left.same_below && below.same_left;
  out.exact = true;
  out.copied = false;
  out.same_left = true;
  out.same_below = planar || left.same_values(below);
  return predict_column(left, planar, left, below, stacks.at(x - 1, y - 1),
                        below_right.same_left ? &below_right : nullptr, out);
}

// The same for any column above the first row.
[[gnu::always_inline]] inline bool take_exact(rows& stacks, std::size_t x, std::size_t y,
                                              layer_stack& out) {
  if (x > 0)
    return take_interior_exact(stacks, x, y, out);
  const neighbours n(stacks, x, y);
  out.exact = true;
  out.copied = false;
  n.note_shares(out, true);
  return predict_column(n, out);
}

// code_column for a column with left, below and diagonal neighbours (x > 0 and y > 0), whose
// exact decision, by far the most common, is taken without building its neighbours.
template <class Coder>
[[gnu::always_inline]] inline bool code_interior_column(Coder& coder, model& m, rows& stacks,
                                                        std::size_t x, std::size_t y,
                                                        const layer_stack& actual,
                                                        layer_stack& out) {
  constexpr bool encoding = Coder::encoding;
  const layer_stack& left = stacks.at(x - 1, y);
  const layer_stack& below = stacks.at(x, y - 1);
  const layer_stack& diagonal = stacks.at(x - 1, y - 1);
  const layer_stack& below_right = stacks.at(x + 1, y - 1);
  const bool planar = left.same_below && below.same_left;
  const int context =
      left.exact + 2 * below.exact + 4 * below_right.exact + 8 * diagonal.exact + 16 * planar;
  bool exact = false;
  if (encoding)
    exact = take_interior_exact(stacks, x, y, out) && out == actual;
  if (coder.bit(m.exact[context], exact))
    return encoding || take_interior_exact(stacks, x, y, out);
  // Where a quantised plane steps, the column is most often the one below.
  const int copy_context =
      left.copied * 2 + below.copied + 4 * (below_right.copied | diagonal.copied) + 8 * planar;
  if (coder.bit(m.copy_below[copy_context], encoding && actual == below)) {
    out = below;
    out.exact = false;
    out.copied = true;
    out.corrected = 0;
    out.same_left = out.same_values(left);
    out.same_below = true;
    return true;
  }
  out.exact = false;
  out.copied = false;
  return code_inexact(coder, m, neighbours(stacks, x, y), actual, out);
}

// The rest of code_column, for a column that is not its prediction.
template <class Coder>
[[gnu::always_inline]] inline bool code_inexact(Coder& coder, model& m, const neighbours& n,
                                                const layer_stack& actual, layer_stack& out) {
  constexpr bool encoding = Coder::encoding;
  const int same_context = n.planar * 4 + n.reference->exact * 2 + n.left_below;
  if (coder.bit(m.same_values[same_context], encoding && actual.same_values(*n.reference))) {
    n.note_shares(out, true);
    return code_tops(coder, m, n, nullptr, actual, out);
  }
  // Another neighbour's values: B (when P is L), R, D, each offered unless an earlier offer (or P)
  // has the same values.
  const std::array<const layer_stack*, 3> others = {n.left ? n.below : nullptr, n.below_right,
                                                    n.diagonal};
  bool coded = false, done = false;
  for (std::size_t k = 0; k < others.size() && !done; ++k) {
    const layer_stack* other = others[k];
    bool offered = other && !other->same_values(*n.reference);
    for (std::size_t j = 0; offered && j < k; ++j)
      offered = !(others[j] && others[j]->same_values(*other));
    if (offered && coder.bit(m.same_other[k], encoding && actual.same_values(*other))) {
      coded = code_tops(coder, m, n, other, actual, out);
      done = true;
    }
  }
  if (!done)
    coded = code_layers(coder, m, n, actual, out);
  if (coded)
    n.note_shares(out, false);
  return coded;
}

// Whether every column of row y is one layer of the same value.
inline bool single_layer_row(rows& stacks, std::size_t y) {
  const layer_stack& first = stacks.at(0, y);
  bool single = first.count == 1;
  for (std::size_t x = 1; x < edge && single; ++x) {
    const layer_stack& s = stacks.at(x, y);
    single = s.count == 1 && s.value[0] == first.value[0];
  }
  return single;
}

// One row of columns: above the first, a `full` decision (whether every column is its
// prediction) comes first, and only a row that is not full codes its columns one by one.
// `actual` is the row's stacks when encoding. `coded(x)` runs as each column is done. False when
// the decisions do not form columns.
template <class Coder, class Visit>
bool code_row(Coder& coder, model& m, rows& stacks, std::size_t y, const layer_stack* actual,
              bool& previous_full, Visit coded) {
  constexpr bool encoding = Coder::encoding;
  if (y > 0) {
    bool full = false;
    if (encoding) {
      full = true;
      for (std::size_t x = 0; x < edge && full; ++x)
        full = take_exact(stacks, x, y, stacks.at(x, y)) && stacks.at(x, y) == actual[x];
    }
    previous_full = coder.bit(m.full_row[previous_full], full);
    if (previous_full && !encoding && single_layer_row(stacks, y - 1)) {
      // Every column is the one below: the common case of a channel with few features.
      for (std::size_t x = 0; x < edge; ++x) {
        layer_stack& s = stacks.at(x, y);
        s = stacks.at(x, y - 1);
        s.exact = true;
        s.copied = false;
        s.same_left = x > 0;
        s.same_below = true;
        s.corrected = 0;
        coded(x);
      }
      return true;
    }
    if (previous_full) {
      for (std::size_t x = 0; x < edge; ++x) {
        if (!encoding && !take_exact(stacks, x, y, stacks.at(x, y)))
          return false;
        coded(x);
      }
      return true;
    }
  }
  static const layer_stack none;
  for (std::size_t x = 0; x < edge; ++x) {
    const layer_stack& a = encoding ? actual[x] : none;
    layer_stack& s = stacks.at(x, y);
    const bool ok = x > 0 && y > 0 ? code_interior_column(coder, m, stacks, x, y, a, s)
                                   : code_column(coder, m, neighbours(stacks, x, y), a, s);
    if (!ok)
      return false;
    coded(x);
  }
  return true;
}

}  // namespace

bool encode_context_layers(channel_view in, std::string& out) {
  thread_local rows stacks;
  model m;
  internal::range_encoder coder(out);
  std::array<layer_stack, edge> actual;
  bool previous_full = false;
  for (std::size_t y = 0; y < edge; ++y) {
    for (std::size_t x = 0; x < edge; ++x) {
      layer_stack& a = actual[x];
      a = layer_stack{};
      a.count = internal::layers_of(in, x + edge * y, a.value.data(), a.top.data());
      a.top[a.count - 1] = last_top;
    }
    const bool coded =
        code_row(coder, m, stacks, y, actual.data(), previous_full, [&](std::size_t x) {
          STRATA_ASSERT(stacks.at(x, y) == actual[x], "the model codes every column");
        });
    STRATA_ASSERT(coded, "the model codes every row");
  }
  coder.finish();
  return true;
}

base::status decode_context_layers(std::string_view payload, channel_span out) {
  thread_local rows stacks;
  model m;
  internal::range_decoder coder(payload);
  // The boundaries by height, listed as the columns are decoded: a column has at most one
  // boundary per height, so each height's list holds at most 1024. Then the bottom slice, and
  // each slice as the one below with the boundaries at its height applied.
  struct boundary {
    std::uint16_t column;
    std::uint8_t value;
  };
  thread_local std::array<std::array<boundary, columns>, edge> at_height;
  std::array<std::uint16_t, edge> count{};
  bool previous_full = false;
  for (std::size_t y = 0; y < edge; ++y) {
    const bool coded = code_row(coder, m, stacks, y, nullptr, previous_full, [&](std::size_t x) {
      const std::size_t column = x + edge * y;
      const layer_stack& s = stacks.at(x, y);
      out[column] = s.value[0];
      for (unsigned n = 0; n + 1u < s.count; ++n)
        at_height[s.top[n]][count[s.top[n]]++] = {static_cast<std::uint16_t>(column),
                                                  s.value[n + 1]};
    });
    if (!coded)
      return base::fail(base::errc::corrupt_data,
                        "context-layers row " + std::to_string(y) +
                            ": a column's layers do not rise within 32 or repeat a value");
  }
  if (!coder.consumed_exactly())
    return base::fail(base::errc::corrupt_data,
                      "context-layers payload: bytes follow the last decision");
  for (std::size_t z = 1; z < edge; ++z) {
    std::uint8_t* slice = &out[z * columns];
    std::memcpy(slice, slice - columns, columns);
    for (std::size_t n = 0; n < count[z]; ++n)
      slice[at_height[z][n].column] = at_height[z][n].value;
  }
  return {};
}

}  // namespace strata::compression
