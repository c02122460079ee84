// The surface-layers codecs (compression/codecs.hpp): a channel as one sequence of values, bottom
// to top, and the surfaces between them.
//
// Strata stack the same way across a chunk: every column's layers, bottom-up, are the chunk's
// sequence with some layers left out (thickness 0). So the channel is K values s_0..s_{K-1} and
// K - 1 surfaces: surface k (1..K-1) is a 32 x 32 height map, 0..32, where layer k starts in each
// column, never below surface k - 1. A voxel at height z holds s_n, n the number of surfaces at or
// below z. A surface is coded as a whole: a constant, a plane, or an offset from a surface coded
// before it, each corrected by a list of exceptions; or, for a surface none of those fit (the
// ground of a DEM), column by column against the planar prediction from its neighbours. Dipping
// beds are quantised planes, so most surfaces cost a plane and a few exceptions, and decoding them
// is a pass over the output with no decision per column.
//
// Two layouts share the model:
// - surface_layers (12) codes the surfaces bottom-up, each clamped to the one below, in one
//   stream;
// - ordered_surfaces (13) codes them in an order the encoder chooses, each clamped between the
//   nearest surfaces coded before it below and above, and spends no decision on a column those
//   two already fix. Beds cut off by the ground then cost a plane: coded after the ground, the
//   clamp does the cutting.
//
// Every decision is coded with the adaptive binary range coder of internal/range_coder.hpp; the
// model below runs the same on both sides. docs/format.md has the payloads.
#include <algorithm>
#include <array>
#include <bit>
#include <cmath>
#include <cstring>
#include <vector>
#if defined(__SSE2__)
#include <emmintrin.h>
#endif
#if defined(__x86_64__)
#include <immintrin.h>
#endif

#include "base/assert.hpp"
#include "compression/bytes.hpp"
#include "compression/codecs.hpp"
#include "compression/internal/columns.hpp"
#include "compression/internal/range_coder.hpp"

namespace strata::compression {

namespace {

using internal::probability;

constexpr std::size_t columns = edge * edge;
constexpr int last_top = edge;
constexpr int plane_fraction_bits = 16;
// A plane's slopes and offset stay within these (in 1/65536ths): far beyond any chunk's surface.
constexpr std::int64_t plane_slope_limit = std::int64_t{1} << 24;
constexpr std::int64_t plane_offset_limit = std::int64_t{1} << 32;

enum class surface_mode : std::uint8_t { constant = 0, plane = 1, offset = 2, predicted = 3 };

// Probabilities for an unsigned number in Elias gamma: the bit length in unary, then the bits
// below the leading one, each position in its own context.
struct number_model {
  std::array<probability, 34> length;
  std::array<probability, 34> mantissa;
  probability zero;
  probability negative;
};

struct model {
  std::array<probability, 16> count;  // K - 1, 4 bits
  std::array<probability, 256> value;
  std::array<probability, 16> order;
  std::array<probability, 4> mode;
  probability down;
  std::array<probability, 64> constant;
  number_model plane_a, plane_b, plane_c, offset, exceptions, gap, correction, residual;
  std::array<probability, 3> dense;
  std::array<probability, 64> residual_zero;
  std::array<probability, 3> residual_negative;
};

template <class Coder>
unsigned code_tree(Coder& coder, probability* probs, int bits, unsigned truth) {
  unsigned node = 1;
  for (int bit = bits - 1; bit >= 0; --bit)
    node = node << 1 | coder.bit(probs[node], Coder::encoding && (truth >> bit & 1u));
  return node & ((1u << bits) - 1u);
}

// 0..2^33 - 2.
template <class Coder>
std::uint64_t code_unsigned(Coder& coder, number_model& m, std::uint64_t truth) {
  const std::uint64_t v = truth + 1;
  const int width = Coder::encoding ? std::bit_width(v) - 1 : 0;
  int n = 0;
  while (n < 33 && coder.bit(m.length[n], Coder::encoding && n < width))
    ++n;
  std::uint64_t out = 1;
  for (int bit = n - 1; bit >= 0; --bit)
    out = out << 1 | coder.bit(m.mantissa[bit], Coder::encoding && (v >> bit & 1u));
  return out - 1;
}

template <class Coder>
std::int64_t code_nonzero(Coder& coder, number_model& m, probability& negative,
                          std::int64_t truth) {
  const bool below = coder.bit(negative, Coder::encoding && truth < 0);
  const std::uint64_t magnitude =
      Coder::encoding ? static_cast<std::uint64_t>(truth < 0 ? -truth : truth) : 1;
  const auto size = static_cast<std::int64_t>(code_unsigned(coder, m, magnitude - 1) + 1);
  return below ? -size : size;
}

template <class Coder>
std::int64_t code_signed(Coder& coder, number_model& m, std::int64_t truth) {
  if (!coder.bit(m.zero, Coder::encoding && truth != 0))
    return 0;
  return code_nonzero(coder, m, m.negative, truth);
}

// The heights of every surface, surface k at [k]; [0] is all 0 (where s_0 starts).
using surfaces = std::array<std::array<std::uint8_t, columns>, 16>;
constexpr int max_values = 16;

// All 32: above the topmost surface coded so far.
const std::uint8_t* ceiling() {
  static const std::array<std::uint8_t, columns> top = [] {
    std::array<std::uint8_t, columns> t;
    t.fill(last_top);
    return t;
  }();
  return top.data();
}

// The surfaces coded so far (`coded`, a bit per surface; surface 0 always) nearest below and
// above surface k: their index, `count` for the ceiling.
int below_of(unsigned coded, int k) {
  return std::bit_width(coded & ((1u << k) - 1u)) - 1;
}
int above_of(unsigned coded, int k, int count) {
  const unsigned higher = coded >> (k + 1);
  return higher ? k + 1 + std::countr_zero(higher) : count;
}
const std::uint8_t* heights_at(const surfaces& heights, int k, int count) {
  return k < count ? heights[static_cast<std::size_t>(k)].data() : ceiling();
}

// A plane: the height at (x, y) is floor((a + b x + c y) / 65536).
struct plane {
  std::int64_t a = 0, b = 0, c = 0;
};

// (Compared both ways, not through std::abs: a decoded number may be the most negative int64.)
bool within_limits(const plane& p) {
  return p.a > -plane_offset_limit && p.a < plane_offset_limit && p.b > -plane_slope_limit &&
         p.b < plane_slope_limit && p.c > -plane_slope_limit && p.c < plane_slope_limit;
}

// How the encoder codes one surface.
struct surface_choice {
  surface_mode mode = surface_mode::predicted;
  int constant = 0;
  plane p;
  int offset = 0;
  bool down = false;  // an offset below the surface above, not above the one below
  bool dense = false;
};

// The base of a surface under a constant, plane or offset: clamped to lo..hi.
void base_of(const surface_choice& s, const std::uint8_t* __restrict lo,
             const std::uint8_t* __restrict hi, std::uint8_t* __restrict out) {
  switch (s.mode) {
    case surface_mode::constant: {
      const auto c = static_cast<std::uint8_t>(s.constant);
      for (std::size_t n = 0; n < columns; ++n)
        out[n] = std::min(std::max(lo[n], c), hi[n]);
      return;
    }
    case surface_mode::offset: {
      // Heights and offsets are at most 32: no sum leaves a byte.
      const auto d = static_cast<std::uint8_t>(s.offset);
      if (s.down)
        for (std::size_t n = 0; n < columns; ++n)
          out[n] = std::max(static_cast<std::uint8_t>(hi[n] > d ? hi[n] - d : 0), lo[n]);
      else
        for (std::size_t n = 0; n < columns; ++n)
          out[n] = std::min(static_cast<std::uint8_t>(lo[n] + d), hi[n]);
      return;
    }
    case surface_mode::plane:
      for (std::size_t y = 0; y < edge; ++y) {
        const std::int64_t start = s.p.a + s.p.c * static_cast<std::int64_t>(y);
        const std::int64_t end = start + s.p.b * static_cast<std::int64_t>(edge - 1);
        constexpr std::int64_t small = std::int64_t{1} << 30;
        if (start > -small && start < small && end > -small && end < small) {
          // The whole row in 32 bits: a loop the compiler vectorises.
          const auto a = static_cast<std::int32_t>(start);
          const auto b = static_cast<std::int32_t>(s.p.b);
          for (std::size_t x = 0; x < edge; ++x) {
            const std::size_t n = x + edge * y;
            const std::int32_t h = (a + b * static_cast<std::int32_t>(x)) >> plane_fraction_bits;
            out[n] = static_cast<std::uint8_t>(std::clamp<std::int32_t>(h, lo[n], hi[n]));
          }
          continue;
        }
        std::int64_t v = start;
        for (std::size_t x = 0; x < edge; ++x, v += s.p.b) {
          const std::size_t n = x + edge * y;
          out[n] = static_cast<std::uint8_t>(
              std::clamp<std::int64_t>(v >> plane_fraction_bits, lo[n], hi[n]));
        }
      }
      return;
    case surface_mode::predicted:
      return;
  }
}

// The prediction for column (x, y) of a surface coded column by column: the base or, for
// `predicted`, L + B - D (B in the first column, L in the first row, the surface below at the
// first), clamped to lo..hi. `below` is the row y - 1 (any row when y = 0), `left` the height at
// x - 1; `edge_context` says which of those applied: 0 inside, 1 in the first row, 2 in the first
// column, 3 at the first column of the first row (0 for a base).
inline int prediction_at(bool predicted, const std::uint8_t* base, const std::uint8_t* below,
                         const std::uint8_t* row_lo, const std::uint8_t* row_hi, int left,
                         std::size_t x, std::size_t y, int& edge_context) {
  int prediction;
  if (!predicted) {
    prediction = base[y * edge + x];
  } else if (y > 0) {
    prediction = x > 0 ? left + below[x] - below[x - 1] : below[x];
    edge_context = x > 0 ? 0 : 2;
  } else {
    prediction = x > 0 ? left : row_lo[x];
    edge_context = x > 0 ? 1 : 3;
  }
  return std::clamp(prediction, static_cast<int>(row_lo[x]), static_cast<int>(row_hi[x]));
}

// A surface column by column: each a correction to its prediction, the base or, for `predicted`,
// L + B - D (B in the first column, L in the first row, the surface below at the first), clamped
// to lo..hi. A correction's contexts are whether the neighbours needed one. In order, a column
// where lo = hi takes no decision.
template <bool Ordered, class Coder>
bool code_dense(Coder& coder, model& m, bool predicted, const std::uint8_t* base,
                const std::uint8_t* lo, const std::uint8_t* hi, std::uint8_t* heights) {
  constexpr bool encoding = Coder::encoding;
  // Bit x: whether the correction at x in the row below was nonzero. The row being coded keeps
  // its left neighbour in registers: decoding is one chain from column to column.
  std::uint32_t below_nonzero = 0;
  for (std::size_t y = 0; y < edge; ++y) {
    const std::uint8_t* below = heights + (y > 0 ? y - 1 : 0) * edge;
    std::uint8_t* row = heights + y * edge;
    const std::uint8_t* row_lo = lo + y * edge;
    const std::uint8_t* row_hi = hi + y * edge;
    const std::uint64_t shifted = std::uint64_t{below_nonzero} << 1;  // bit x + 1: the one at x
    std::uint32_t row_nonzero = 0;
    int left = 0;             // the height at x - 1
    std::int64_t before = 0;  // the correction at x - 1
    for (std::size_t x = 0; x < edge; ++x) {
      if (Ordered && row_lo[x] == row_hi[x]) {
        row[x] = row_lo[x];
        left = row_lo[x];
        before = 0;
        continue;
      }
      int edge_context = 0;
      const int prediction =
          prediction_at(predicted, base, below, row_lo, row_hi, left, x, y, edge_context);
      const int context = (before != 0) + 2 * (shifted >> (x + 1) & 1u) + 4 * (shifted >> x & 1u) +
                          8 * (shifted >> (x + 2) & 1u) + 16 * edge_context;
      const int truth = encoding ? row[x] - prediction : 0;
      std::int64_t correction = 0;
      if (coder.bit(m.residual_zero[context], encoding && truth != 0))
        correction = code_nonzero(coder, m.residual,
                                  m.residual_negative[(before > 0) - (before < 0) + 1], truth);
      const std::int64_t h = prediction + correction;
      if (h < row_lo[x] || h > row_hi[x])
        return false;
      row[x] = static_cast<std::uint8_t>(h);
      left = static_cast<int>(h);
      before = correction;
      row_nonzero |= static_cast<std::uint32_t>(correction != 0) << x;
    }
    below_nonzero = row_nonzero;
  }
  return true;
}

// One surface: its base (a constant, a plane, an offset from the surface below or, in order,
// above, or the planar prediction from its neighbours) and the corrections to it, as a list of
// exceptions or column by column. `lo` and `hi` are the surfaces it lies between; `heights` holds
// the surface when encoding and receives it when decoding. False when the decisions do not form
// a surface.
template <bool Ordered, class Coder>
bool code_surface(Coder& coder, model& m, const surface_choice& choice, const std::uint8_t* lo,
                  const std::uint8_t* hi, std::uint8_t* heights) {
  constexpr bool encoding = Coder::encoding;
  surface_choice s;
  s.mode = static_cast<surface_mode>(
      code_tree(coder, m.mode.data(), 2, encoding ? static_cast<unsigned>(choice.mode) : 0));
  switch (s.mode) {
    case surface_mode::constant:
      s.constant = static_cast<int>(code_tree(
          coder, m.constant.data(), 6, encoding ? static_cast<unsigned>(choice.constant) : 0));
      if (s.constant > last_top)
        return false;
      break;
    case surface_mode::plane:
      s.p.a = code_signed(coder, m.plane_a, choice.p.a);
      s.p.b = code_signed(coder, m.plane_b, choice.p.b);
      s.p.c = code_signed(coder, m.plane_c, choice.p.c);
      if (!within_limits(s.p))
        return false;
      break;
    case surface_mode::offset: {
      const std::uint64_t offset =
          code_unsigned(coder, m.offset, encoding ? static_cast<std::uint64_t>(choice.offset) : 0);
      if (offset > last_top)
        return false;
      s.offset = static_cast<int>(offset);
      if (Ordered)
        s.down = coder.bit(m.down, encoding && choice.down);
      break;
    }
    case surface_mode::predicted:
      break;
  }
  std::array<std::uint8_t, columns> base;
  const bool predicted = s.mode == surface_mode::predicted;
  if (!predicted)
    base_of(s, lo, hi, base.data());
  if (predicted || coder.bit(m.dense[static_cast<unsigned>(s.mode)], encoding && choice.dense))
    return code_dense<Ordered>(coder, m, predicted, base.data(), lo, hi, heights);
  // The exceptions: their count, and each as the gap from the one before and its correction.
  std::array<std::uint16_t, columns> at;
  std::size_t count = 0;
  if (encoding)
    for (std::size_t n = 0; n < columns; ++n)
      if (heights[n] != base[n])
        at[count++] = static_cast<std::uint16_t>(n);
  count = code_unsigned(coder, m.exceptions, count);
  if (count > columns)
    return false;
  if (!encoding)
    std::memcpy(heights, base.data(), columns);
  std::size_t next = 0;
  for (std::size_t e = 0; e < count; ++e) {
    const std::uint64_t gap = code_unsigned(coder, m.gap, encoding ? at[e] - next : 0);
    if (gap >= columns - next)
      return false;
    const std::size_t n = next + gap;
    const auto correction = code_nonzero(coder, m.correction, m.correction.negative,
                                         encoding ? heights[n] - base[n] : 0);
    const std::int64_t h = base[n] + correction;
    if (h < lo[n] || h > hi[n])
      return false;
    heights[n] = static_cast<std::uint8_t>(h);
    next = n + 1;
  }
  return true;
}

// The values, then every surface: bottom-up, or in order, each preceded by its rank among the
// surfaces not yet coded.
template <bool Ordered, class Coder>
bool code_channel(Coder& coder, model& m, std::array<std::uint8_t, max_values>& values, int& count,
                  const surface_choice* choices, const int* order, surfaces& heights) {
  constexpr bool encoding = Coder::encoding;
  count = static_cast<int>(code_tree(coder, m.count.data(), 4,
                                     encoding ? static_cast<unsigned>(count - 1) : 0)) +
          1;
  for (int k = 0; k < count; ++k) {
    values[k] = static_cast<std::uint8_t>(code_tree(coder, m.value.data(), 8, values[k]));
    if (k > 0 && values[k] == values[k - 1])
      return false;
  }
  unsigned coded = 1;
  for (int step = 1; step < count; ++step) {
    int k = step;
    if (Ordered) {
      const auto left = static_cast<unsigned>(count - step);
      unsigned rank = 0;
      if (encoding)
        for (int j = 1; j < order[step]; ++j)
          rank += !(coded >> j & 1u);
      if (left > 1)
        rank = code_tree(coder, m.order.data(), std::bit_width(left - 1), rank);
      if (rank >= left)
        return false;
      // The rank-th surface not yet coded.
      for (k = 1; (coded >> k & 1u) || rank-- > 0; ++k) {
      }
    }
    if (!code_surface<Ordered>(coder, m, encoding ? choices[k] : surface_choice{},
                               heights_at(heights, below_of(coded, k), count),
                               heights_at(heights, above_of(coded, k, count), count),
                               heights[static_cast<std::size_t>(k)].data()))
      return false;
    coded |= 1u << k;
  }
  return true;
}

// --- The encoder's choices ---

// A coder that codes nothing: it counts the bits the decisions would cost and updates the model as
// the encoder would.
class cost_coder {
 public:
  static constexpr bool encoding = true;
  bool bit(probability& prob, bool value) {
    const std::uint32_t p = value ? (1u << internal::probability_bits) - prob.p() : prob.p();
    bits_ += table()[p];
    ++decisions_;
    prob.update(value);
    return value;
  }
  double bits() const { return bits_; }
  double decisions() const { return decisions_; }

 private:
  static const std::array<float, 2049>& table() {
    static const std::array<float, 2049> costs = [] {
      std::array<float, 2049> t{};
      for (std::size_t p = 1; p < t.size(); ++p)
        t[p] = static_cast<float>(-std::log2(static_cast<double>(p) / 2048.0));
      t[0] = 16;
      return t;
    }();
    return costs;
  }
  double bits_ = 0;
  double decisions_ = 0;
};

std::size_t exceptions_of(const surface_choice& s, const std::uint8_t* lo, const std::uint8_t* hi,
                          const std::uint8_t* h) {
  std::array<std::uint8_t, columns> base;
  base_of(s, lo, hi, base.data());
  std::size_t count = 0;
  for (std::size_t n = 0; n < columns; ++n)
    count += base[n] != h[n];
  return count;
}

// The plane through the most columns of a surface, found by least squares and refined by a local
// search over its slopes (at most `searches` moves): for given slopes, the offset that fits most
// columns is found by a sweep. Only columns strictly between the clamps (above lo, below hi)
// count. False when fewer than 3 do.
bool fit_plane(const std::uint8_t* lo, const std::uint8_t* hi, const std::uint8_t* h, int searches,
               plane& best) {
  double sxx = 0, sxy = 0, syy = 0, sx = 0, sy = 0, n = 0, sz = 0, sxz = 0, syz = 0;
  for (std::size_t y = 0; y < edge; ++y)
    for (std::size_t x = 0; x < edge; ++x) {
      const std::size_t at = x + edge * y;
      if (h[at] <= lo[at] || h[at] >= hi[at])
        continue;
      const double z = h[at] + 0.5;
      sxx += x * x, sxy += x * y, syy += y * y, sx += x, sy += y, n += 1;
      sz += z, sxz += x * z, syz += y * z;
    }
  if (n < 3)
    return false;
  // Solve [sxx sxy sx; sxy syy sy; sx sy n] [B C A] = [sxz syz sz] by Cramer's rule.
  auto det3 = [](double a, double b, double c, double d, double e, double f, double g, double hh,
                 double i) {
    return a * (e * i - f * hh) - b * (d * i - f * g) + c * (d * hh - e * g);
  };
  const double d = det3(sxx, sxy, sx, sxy, syy, sy, sx, sy, n);
  if (std::abs(d) < 1e-9)
    return false;
  const double B = det3(sxz, sxy, sx, syz, syy, sy, sz, sy, n) / d;
  const double C = det3(sxx, sxz, sx, sxy, syz, sy, sx, sz, n) / d;
  const double A = det3(sxx, sxy, sxz, sxy, syy, syz, sx, sy, sz) / d;
  // A surface far from any plane (the ground) is not worth the search.
  double squares = 0;
  for (std::size_t y = 0; y < edge; ++y)
    for (std::size_t x = 0; x < edge; ++x) {
      const std::size_t at = x + edge * y;
      if (h[at] > lo[at] && h[at] < hi[at]) {
        const double miss = h[at] + 0.5 - (A + B * x + C * y);
        squares += miss * miss;
      }
    }
  if (squares > n)
    return false;
  const double scale = std::ldexp(1.0, plane_fraction_bits);
  if (std::abs(B) * scale >= plane_slope_limit / 2 || std::abs(C) * scale >= plane_slope_limit / 2)
    return false;
  // For slopes (b, c), the offset that puts the most of those columns at their height: column
  // n wants a in [t_n, t_n + 1) (in 1/65536ths), so the best a ends the fullest window of width 1
  // over the sorted t.
  std::vector<std::int64_t> wants;
  wants.reserve(columns);
  const std::int64_t one = std::int64_t{1} << plane_fraction_bits;
  const auto interior = static_cast<std::size_t>(n);
  auto wanted = [&](std::int64_t b, std::int64_t c) {
    wants.clear();
    for (std::size_t y = 0; y < edge; ++y)
      for (std::size_t x = 0; x < edge; ++x) {
        const std::size_t at = x + edge * y;
        if (h[at] > lo[at] && h[at] < hi[at])
          wants.push_back(h[at] * one - b * static_cast<std::int64_t>(x) -
                          c * static_cast<std::int64_t>(y));
      }
  };
  auto best_offset = [&](std::int64_t b, std::int64_t c, std::int64_t& a) {
    wanted(b, c);
    std::sort(wants.begin(), wants.end());
    std::size_t most = 0, from = 0;
    for (std::size_t to = 0; to < wants.size(); ++to) {
      while (wants[to] - wants[from] >= one)
        ++from;
      if (to + 1 - from > most) {
        most = to + 1 - from;
        a = wants[to];
      }
    }
    return most;
  };
  // The same count, for the search, without a sort: at least the columns whose t falls in the
  // fullest 16 consecutive sixteenths of a voxel, counted in a histogram from the median t.
  auto about = [&](std::int64_t b, std::int64_t c) {
    wanted(b, c);
    const auto middle = wants.begin() + static_cast<std::ptrdiff_t>(wants.size() / 2);
    std::nth_element(wants.begin(), middle, wants.end());
    const std::int64_t origin = *middle - 4 * one;
    constexpr int bins = 8 * 16;
    std::array<std::uint16_t, bins> histogram{};
    for (const std::int64_t t : wants) {
      const std::int64_t bin = (t - origin) / (one / 16);
      if (t >= origin && bin < bins)
        ++histogram[static_cast<std::size_t>(bin)];
    }
    std::size_t window = 0, most = 0;
    for (int bin = 0; bin < bins; ++bin) {
      window += histogram[static_cast<std::size_t>(bin)];
      if (bin >= 16)
        window -= histogram[static_cast<std::size_t>(bin - 16)];
      most = std::max(most, window);
    }
    return most;
  };
  std::int64_t b = std::llround(B * scale), c = std::llround(C * scale), a = 0;
  std::size_t fit = about(b, c);
  int tries = 0;
  for (std::int64_t step = 128; step >= 1 && fit < interior && tries < searches; ++tries) {
    bool moved = false;
    for (const auto& [db, dc] : {std::pair{step, 0L}, {-step, 0L}, {0L, step}, {0L, -step}}) {
      const std::size_t f = about(b + db, c + dc);
      if (f > fit) {
        fit = f, b += db, c += dc;
        moved = true;
        break;
      }
    }
    if (!moved)
      step /= 2;
  }
  best_offset(b, c, a);
  if (std::abs(a) >= plane_offset_limit)
    return false;
  best = {a, b, c};
  return true;
}

// The most common value of f(n) over the columns, f in 0..32.
template <class F>
int most_common(F f) {
  std::array<int, last_top + 1> seen{};
  for (std::size_t n = 0; n < columns; ++n)
    ++seen[static_cast<std::size_t>(f(n))];
  return static_cast<int>(std::max_element(seen.begin(), seen.end()) - seen.begin());
}

// What a decision costs in decoding time, in bits of payload: the weight that trades one for the
// other (about 4 ns a decision, at the balanced selector's 2 bytes a microsecond, and then some:
// the codec exists to decode fast).
constexpr double decision_bits = 0.25;

constexpr std::size_t sparse_most = 256, dense_least = 16;
// The cheapest way to code a surface between lo and hi, given the model as it stands, and what
// it costs (`searches`: as in fit_plane).
template <bool Ordered>
surface_choice choose(const model& m, const std::uint8_t* lo, const std::uint8_t* hi,
                      std::uint8_t* h, double* cost = nullptr, int searches = 16) {
  std::vector<surface_choice> options;
  surface_choice s;
  s.mode = surface_mode::constant;
  s.constant = most_common([&](std::size_t n) { return h[n]; });
  options.push_back(s);
  s.mode = surface_mode::offset;
  s.offset = most_common([&](std::size_t n) { return h[n] - lo[n]; });
  options.push_back(s);
  if (Ordered) {
    s.down = true;
    s.offset = most_common([&](std::size_t n) { return hi[n] - h[n]; });
    options.push_back(s);
    s.down = false;
  }
  std::vector<std::size_t> exceptions;
  for (const surface_choice& option : options)
    exceptions.push_back(exceptions_of(option, lo, hi, h));
  if (std::find(exceptions.begin(), exceptions.end(), 0) == exceptions.end() &&
      fit_plane(lo, hi, h, searches, s.p)) {
    s.mode = surface_mode::plane;
    options.push_back(s);
    exceptions.push_back(exceptions_of(s, lo, hi, h));
  }
  // Each base with its exceptions listed, or corrected column by column; not worth pricing: a
  // list of hundreds of exceptions (each costs several times a column's decision) or a column by
  // column pass over a handful.
  std::vector<surface_choice> priced;
  for (std::size_t k = 0; k < options.size(); ++k) {
    surface_choice option = options[k];
    if (exceptions[k] <= sparse_most)
      priced.push_back(option);
    option.dense = true;
    if (exceptions[k] >= dense_least)
      priced.push_back(option);
  }
  options = std::move(priced);
  s.mode = surface_mode::predicted;
  options.push_back(s);
  surface_choice best;
  double best_bits = 0;
  for (const surface_choice& option : options) {
    model trial = m;
    cost_coder bits;
    code_surface<Ordered>(bits, trial, option, lo, hi, h);
    const double total = bits.bits() + bits.decisions() * decision_bits;
    if (&option == &options.front() || total < best_bits) {
      best = option;
      best_bits = total;
    }
  }
  if (cost)
    *cost = best_bits;
  return best;
}

// The order to code surfaces 1..count-1 in: at each step, the surface whose own cost, less what
// it saves the surfaces left by clamping them, is least. Costs are measured against a fresh
// model, once per surface and pair of clamps, with planes from least squares alone.
template <bool Ordered>
std::array<int, max_values> plan_order(surfaces& heights, int count) {
  std::array<int, max_values> order{};
  if (!Ordered) {
    for (int k = 1; k < count; ++k)
      order[static_cast<std::size_t>(k)] = k;
    return order;
  }
  constexpr float unknown = -1;
  std::array<std::array<std::array<float, max_values + 1>, max_values>, max_values> known;
  for (auto& by_lo : known)
    for (auto& by_hi : by_lo)
      by_hi.fill(unknown);
  const model fresh;
  auto cost = [&](int k, int lo, int hi) {
    float& c = known[static_cast<std::size_t>(k)][static_cast<std::size_t>(lo)]
                    [static_cast<std::size_t>(hi)];
    if (c == unknown) {
      double bits = 0;
      choose<Ordered>(fresh, heights_at(heights, lo, count), heights_at(heights, hi, count),
                      heights[static_cast<std::size_t>(k)].data(), &bits, 0);
      c = static_cast<float>(bits);
    }
    return static_cast<double>(c);
  };
  unsigned coded = 1;
  for (int step = 1; step < count; ++step) {
    int pick = 0;
    double least = 0;
    for (int c = 1; c < count; ++c) {
      if (coded >> c & 1u)
        continue;
      double score = cost(c, below_of(coded, c), above_of(coded, c, count));
      const unsigned with = coded | 1u << c;
      for (int k = 1; k < count; ++k) {
        if (k == c || (coded >> k & 1u))
          continue;
        const int lo = below_of(coded, k), hi = above_of(coded, k, count);
        const int lo_with = below_of(with, k), hi_with = above_of(with, k, count);
        if (lo != lo_with || hi != hi_with)
          score += cost(k, lo_with, hi_with) - cost(k, lo, hi);
      }
      if (pick == 0 || score < least) {
        pick = c;
        least = score;
      }
    }
    order[static_cast<std::size_t>(step)] = pick;
    coded |= 1u << pick;
  }
  return order;
}

// Merges `next` into `sequence`: their shortest common supersequence.
std::vector<std::uint8_t> merge(const std::vector<std::uint8_t>& a,
                                const std::vector<std::uint8_t>& b) {
  const std::size_t n = a.size(), m = b.size();
  std::vector<std::vector<int>> lcs(n + 1, std::vector<int>(m + 1, 0));
  for (std::size_t i = n; i-- > 0;)
    for (std::size_t j = m; j-- > 0;)
      lcs[i][j] = a[i] == b[j] ? lcs[i + 1][j + 1] + 1 : std::max(lcs[i + 1][j], lcs[i][j + 1]);
  std::vector<std::uint8_t> out;
  std::size_t i = 0, j = 0;
  while (i < n && j < m) {
    if (a[i] == b[j]) {
      out.push_back(a[i]);
      ++i, ++j;
    } else if (lcs[i + 1][j] >= lcs[i][j + 1]) {
      out.push_back(a[i++]);
    } else {
      out.push_back(b[j++]);
    }
  }
  out.insert(out.end(), a.begin() + static_cast<std::ptrdiff_t>(i), a.end());
  out.insert(out.end(), b.begin() + static_cast<std::ptrdiff_t>(j), b.end());
  return out;
}

// The channel's sequence of values and its surfaces. False when its columns need more than 16
// values in their sequence (or more than 64 distinct sequences).
bool surfaces_of(channel_view in, std::array<std::uint8_t, max_values>& values, int& count,
                 surfaces& heights) {
  // Each column's sequence of values, and the chunk's: the merge of the distinct ones, most
  // common first.
  struct column_layers {
    std::uint8_t count;
    std::array<std::uint8_t, edge> value, top;
  };
  thread_local std::array<column_layers, columns> stacks;
  std::vector<std::pair<std::vector<std::uint8_t>, int>> distinct;
  for (std::size_t n = 0; n < columns; ++n) {
    column_layers& c = stacks[n];
    c.count = internal::layers_of(in, n, c.value.data(), c.top.data());
    std::vector<std::uint8_t> sequence(c.value.begin(), c.value.begin() + c.count);
    auto found = std::find_if(distinct.begin(), distinct.end(),
                              [&](const auto& d) { return d.first == sequence; });
    if (found == distinct.end())
      distinct.emplace_back(std::move(sequence), 1);
    else
      ++found->second;
    if (distinct.size() > 64)
      return false;
  }
  std::stable_sort(distinct.begin(), distinct.end(),
                   [](const auto& a, const auto& b) { return a.second > b.second; });
  std::vector<std::uint8_t> sequence = distinct.front().first;
  for (std::size_t d = 1; d < distinct.size() && sequence.size() <= max_values; ++d)
    sequence = merge(sequence, distinct[d].first);
  if (sequence.size() > max_values)
    return false;
  // Each column's layers placed in the sequence, earliest first: a layer left out starts where
  // the next present one does, or at 32 above the column's last.
  count = static_cast<int>(sequence.size());
  heights[0].fill(0);
  for (std::size_t n = 0; n < columns; ++n) {
    const column_layers& c = stacks[n];
    int at = 0;
    for (unsigned layer = 0; layer < c.count; ++layer) {
      const std::uint8_t start = layer == 0 ? 0 : c.top[layer - 1];
      while (sequence[static_cast<std::size_t>(at)] != c.value[layer]) {
        if (at > 0)
          heights[static_cast<std::size_t>(at)][n] = start;
        ++at;
      }
      if (at > 0)
        heights[static_cast<std::size_t>(at)][n] = start;
      ++at;
    }
    for (; at < count; ++at)
      heights[static_cast<std::size_t>(at)][n] = last_top;
  }
  values.fill(0);
  std::copy(sequence.begin(), sequence.end(), values.begin());
  return true;
}

// Writes the channel from its values and surfaces: each surface adds its step (its value less the
// one below) at its height in every column, into a scratch volume one plane taller than the chunk
// (a surface at 32 adds nothing to it); the channel is then the running sum of those planes, from
// the bottom, on top of the first value.
void write_channel_portably(const std::array<std::uint8_t, max_values>& values, int count,
                            const surfaces& heights, channel_span out) {
  thread_local std::array<std::uint8_t, (edge + 1) * columns> steps;
  std::memset(steps.data(), 0, steps.size());
  for (int k = 1; k < count; ++k) {
    const auto step = static_cast<std::uint8_t>(values[k] - values[k - 1]);
    const std::uint8_t* h = heights[k].data();
    for (std::size_t n = 0; n < columns; ++n)
      steps[h[n] * columns + n] = static_cast<std::uint8_t>(steps[h[n] * columns + n] + step);
  }
  std::uint8_t* o = out.data();
#if defined(__SSE2__)
  const __m128i first = _mm_set1_epi8(static_cast<char>(values[0]));
  for (std::size_t n = 0; n < columns; n += 16)
    _mm_storeu_si128(
        reinterpret_cast<__m128i*>(o + n),
        _mm_add_epi8(first, _mm_loadu_si128(reinterpret_cast<const __m128i*>(steps.data() + n))));
  for (std::size_t n = columns; n < voxels; n += 16)
    _mm_storeu_si128(
        reinterpret_cast<__m128i*>(o + n),
        _mm_add_epi8(_mm_loadu_si128(reinterpret_cast<const __m128i*>(o + n - columns)),
                     _mm_loadu_si128(reinterpret_cast<const __m128i*>(steps.data() + n))));
#else
  for (std::size_t n = 0; n < columns; ++n) {
    std::uint8_t sum = values[0];
    for (std::size_t z = 0; z < edge; ++z) {
      sum = static_cast<std::uint8_t>(sum + steps[z * columns + n]);
      o[z * columns + n] = sum;
    }
  }
#endif
}

#if defined(__x86_64__)
// With AVX2, a row of 32 voxels at a time: its index into the values is the number of surfaces at
// or below its height (a compare and a subtract per surface), and one shuffle looks the values
// up (16 of them, one 16-byte table per lane).
__attribute__((target("avx2"))) void write_channel_avx2(
    const std::array<std::uint8_t, max_values>& values, int count, const surfaces& heights,
    channel_span out) {
  const __m256i table =
      _mm256_broadcastsi128_si256(_mm_loadu_si128(reinterpret_cast<const __m128i*>(values.data())));
  std::uint8_t* o = out.data();
  __m256i h[max_values];
  for (std::size_t y = 0; y < edge; ++y) {
    for (int k = 1; k < count; ++k)
      h[k] = _mm256_loadu_si256(
          reinterpret_cast<const __m256i*>(heights[static_cast<std::size_t>(k)].data() + y * edge));
    for (std::size_t z = 0; z < edge; ++z) {
      const __m256i above = _mm256_set1_epi8(static_cast<char>(z + 1));
      __m256i index = _mm256_setzero_si256();
      for (int k = 1; k < count; ++k)
        index = _mm256_sub_epi8(index, _mm256_cmpgt_epi8(above, h[k]));
      _mm256_storeu_si256(reinterpret_cast<__m256i*>(o + z * columns + y * edge),
                          _mm256_shuffle_epi8(table, index));
    }
  }
}
#endif

void write_channel(const std::array<std::uint8_t, max_values>& values, int count,
                   const surfaces& heights, channel_span out) {
#if defined(__x86_64__)
  static const bool avx2 = __builtin_cpu_supports("avx2");
  if (avx2) {
    write_channel_avx2(values, count, heights, out);
    return;
  }
#endif
  write_channel_portably(values, count, heights, out);
}

// What the encoder codes: the channel's values and surfaces, the order to code the surfaces in
// (order[1..count-1]) and how to code each (choices[k] for surface k), chosen in coding order
// against the model as it will stand (the count, values and order have tables of their own).
// False when the channel does not fit the model.
struct channel_plan {
  std::array<std::uint8_t, max_values> values;
  int count = 0;
  std::array<int, max_values> order;
  std::array<surface_choice, max_values> choices;
};

template <bool Ordered>
bool plan(channel_view in, surfaces& heights, channel_plan& p) {
  if (!surfaces_of(in, p.values, p.count, heights))
    return false;
  p.order = plan_order<Ordered>(heights, p.count);
  model m;
  cost_coder cost;
  unsigned coded = 1;
  for (int step = 1; step < p.count; ++step) {
    const int k = p.order[static_cast<std::size_t>(step)];
    const std::uint8_t* lo = heights_at(heights, below_of(coded, k), p.count);
    const std::uint8_t* hi = heights_at(heights, above_of(coded, k, p.count), p.count);
    std::uint8_t* h = heights[static_cast<std::size_t>(k)].data();
    p.choices[static_cast<std::size_t>(k)] = choose<Ordered>(m, lo, hi, h);
    code_surface<Ordered>(cost, m, p.choices[static_cast<std::size_t>(k)], lo, hi, h);
    coded |= 1u << k;
  }
  return true;
}

// The plan of the channel planned last on this thread, in order: the selector encodes a channel
// with ordered_surfaces and then with surface_bytes (or the other way), and planning is most of
// either's encoding time, so the second takes the first's plan.
struct last_plan {
  channel in{};
  bool planned = false;
  bool fits = false;
  surfaces heights;
  channel_plan p;
};

const last_plan& ordered_plan(channel_view in) {
  thread_local last_plan last;
  if (last.planned && std::equal(in.begin(), in.end(), last.in.begin()))
    return last;
  std::copy(in.begin(), in.end(), last.in.begin());
  last.planned = true;
  last.fits = plan<true>(in, last.heights, last.p);
  return last;
}

template <bool Ordered>
bool encode(channel_view in, std::string& out) {
  // (Coding reads the surfaces through a mutable reference, as decoding fills them: a copy.)
  thread_local surfaces heights;
  channel_plan p;
  if constexpr (Ordered) {
    const last_plan& last = ordered_plan(in);
    if (!last.fits)
      return false;
    p = last.p;
    heights = last.heights;
  } else if (!plan<Ordered>(in, heights, p)) {
    return false;
  }
  model m;
  internal::range_encoder coder(out);
  int n = p.count;
  const bool coded =
      code_channel<Ordered>(coder, m, p.values, n, p.choices.data(), p.order.data(), heights);
  STRATA_ASSERT(coded, "the model codes every surface");
  coder.finish();
  return true;
}

template <bool Ordered>
base::status decode(std::string_view payload, channel_span out, const char* what) {
  model m;
  internal::range_decoder coder(payload);
  thread_local surfaces heights;
  heights[0].fill(0);
  std::array<std::uint8_t, max_values> values{};
  int count = 0;
  if (!code_channel<Ordered>(coder, m, values, count, nullptr, nullptr, heights))
    return base::fail(base::errc::corrupt_data,
                      std::string(what) +
                          " payload: a value repeats the one below it, a surface's rank is past "
                          "those left, or a surface leaves the ones around it");
  if (!coder.consumed_exactly())
    return base::fail(base::errc::corrupt_data,
                      std::string(what) + " payload: bytes follow the last decision");
  write_channel(values, count, heights, out);
  return {};
}

// --- surface_bytes: the same plan, written byte by byte ---

constexpr std::uint8_t mode_bits = 0x03, dense_bit = 0x04, down_bit = 0x08;

void write_surface(byte_writer& write, int k, const surface_choice& s, const std::uint8_t* lo,
                   const std::uint8_t* hi, const std::uint8_t* h) {
  write.u8(static_cast<std::uint8_t>(k));
  write.u8(static_cast<std::uint8_t>(static_cast<unsigned>(s.mode) | (s.dense ? dense_bit : 0) |
                                     (s.down ? down_bit : 0)));
  switch (s.mode) {
    case surface_mode::constant:
      write.u8(static_cast<std::uint8_t>(s.constant));
      break;
    case surface_mode::plane:
      write.varint(zigzag64(s.p.a));
      write.varint(zigzag64(s.p.b));
      write.varint(zigzag64(s.p.c));
      break;
    case surface_mode::offset:
      write.u8(static_cast<std::uint8_t>(s.offset));
      break;
    case surface_mode::predicted:
      break;
  }
  std::array<std::uint8_t, columns> base;
  const bool predicted = s.mode == surface_mode::predicted;
  if (!predicted)
    base_of(s, lo, hi, base.data());
  if (predicted || s.dense) {
    for (std::size_t y = 0; y < edge; ++y)
      for (std::size_t x = 0; x < edge; ++x) {
        const std::size_t n = x + edge * y;
        if (lo[n] == hi[n])
          continue;
        int unused = 0;
        const int prediction =
            prediction_at(predicted, base.data(), h + (y > 0 ? y - 1 : 0) * edge, lo + y * edge,
                          hi + y * edge, x > 0 ? h[n - 1] : 0, x, y, unused);
        write.u8(zigzag(h[n] - prediction));
      }
    return;
  }
  std::uint64_t count = 0;
  for (std::size_t n = 0; n < columns; ++n)
    count += h[n] != base[n];
  write.varint(count);
  std::size_t next = 0;
  for (std::size_t n = 0; n < columns; ++n)
    if (h[n] != base[n]) {
      write.varint(n - next);
      write.u8(zigzag(h[n] - base[n]));
      next = n + 1;
    }
}

// A row of 32 free columns, each its base plus its correction. False when a height leaves lo..hi.
bool based_row(const std::uint8_t* base, const std::uint8_t* lo, const std::uint8_t* hi,
               const std::uint8_t* correction, std::uint8_t* row) {
  bool inside = true;
  for (std::size_t x = 0; x < edge; ++x) {
    const int h = base[x] + unzigzag(correction[x]);
    inside &= (h >= lo[x]) & (h <= hi[x]);
    row[x] = static_cast<std::uint8_t>(h);
  }
  return inside;
}

// A row (not the first) of 32 free columns predicted from its neighbours, where no prediction
// needs its clamp: then each height is the one to its left plus a step of the row below and a
// correction, a chain of two additions a column, with no branch. False when a clamp would bind
// or a height leaves lo..hi: the row is then decoded column by column.
bool predicted_row(const std::uint8_t* below, const std::uint8_t* lo, const std::uint8_t* hi,
                   const std::uint8_t* correction, std::uint8_t* row) {
  int h = below[0];
  bool inside = (h >= lo[0]) & (h <= hi[0]);
  h += unzigzag(correction[0]);
  inside &= (h >= lo[0]) & (h <= hi[0]);
  row[0] = static_cast<std::uint8_t>(h);
  for (std::size_t x = 1; x < edge; ++x) {
    const int prediction = h + below[x] - below[x - 1];
    inside &= (prediction >= lo[x]) & (prediction <= hi[x]);
    h = prediction + unzigzag(correction[x]);
    inside &= (h >= lo[x]) & (h <= hi[x]);
    row[x] = static_cast<std::uint8_t>(h);
  }
  return inside;
}

// Reads one surface record into `heights`, between lo and hi. False on bytes no encoder writes.
bool read_surface(byte_reader& read, surface_choice& s, const std::uint8_t* lo,
                  const std::uint8_t* hi, std::uint8_t* heights) {
  std::uint8_t flags = 0;
  if (!read.u8(flags) || (flags & ~(mode_bits | dense_bit | down_bit)) != 0)
    return false;
  s.mode = static_cast<surface_mode>(flags & mode_bits);
  s.dense = (flags & dense_bit) != 0;
  s.down = (flags & down_bit) != 0;
  if ((s.down && s.mode != surface_mode::offset) || (s.dense && s.mode == surface_mode::predicted))
    return false;
  std::uint8_t small = 0;
  std::uint64_t a = 0, b = 0, c = 0;
  switch (s.mode) {
    case surface_mode::constant:
    case surface_mode::offset:
      if (!read.u8(small) || small > last_top)
        return false;
      (s.mode == surface_mode::constant ? s.constant : s.offset) = small;
      break;
    case surface_mode::plane:
      if (!read.varint(a) || !read.varint(b) || !read.varint(c))
        return false;
      s.p = {unzigzag64(a), unzigzag64(b), unzigzag64(c)};
      if (!within_limits(s.p))
        return false;
      break;
    case surface_mode::predicted:
      break;
  }
  std::array<std::uint8_t, columns> base;
  const bool predicted = s.mode == surface_mode::predicted;
  if (!predicted)
    base_of(s, lo, hi, base.data());
  if (predicted || s.dense) {
    for (std::size_t y = 0; y < edge; ++y) {
      const std::uint8_t* below = heights + (y > 0 ? y - 1 : 0) * edge;
      std::uint8_t* row = heights + y * edge;
      const std::uint8_t* row_lo = lo + y * edge;
      const std::uint8_t* row_hi = hi + y * edge;
      std::size_t free = 0;
      for (std::size_t x = 0; x < edge; ++x)
        free += row_lo[x] != row_hi[x];
      std::string_view bytes;
      if (!read.bytes(free, bytes))
        return false;
      const auto* correction = reinterpret_cast<const std::uint8_t*>(bytes.data());
      if (free == edge && (!predicted || y > 0) &&
          (predicted ? predicted_row(below, row_lo, row_hi, correction, row)
                     : based_row(base.data() + y * edge, row_lo, row_hi, correction, row)))
        continue;
      int left = 0;
      for (std::size_t x = 0; x < edge; ++x) {
        if (row_lo[x] == row_hi[x]) {
          row[x] = row_lo[x];
          left = row_lo[x];
          continue;
        }
        int unused = 0;
        const int h =
            prediction_at(predicted, base.data(), below, row_lo, row_hi, left, x, y, unused) +
            unzigzag(*correction++);
        if (h < row_lo[x] || h > row_hi[x])
          return false;
        row[x] = static_cast<std::uint8_t>(h);
        left = h;
      }
    }
    return true;
  }
  std::uint64_t count = 0;
  if (!read.varint(count) || count > columns)
    return false;
  std::memcpy(heights, base.data(), columns);
  std::size_t next = 0;
  for (std::uint64_t e = 0; e < count; ++e) {
    std::uint64_t gap = 0;
    std::uint8_t correction = 0;
    if (!read.varint(gap) || gap >= columns - next || !read.u8(correction) || correction == 0)
      return false;
    const std::size_t n = next + gap;
    const int h = base[n] + unzigzag(correction);
    if (h < lo[n] || h > hi[n])
      return false;
    heights[n] = static_cast<std::uint8_t>(h);
    next = n + 1;
  }
  return true;
}

}  // namespace

bool encode_surface_bytes(channel_view in, std::string& out) {
  const last_plan& last = ordered_plan(in);
  if (!last.fits)
    return false;
  const channel_plan& p = last.p;
  const surfaces& heights = last.heights;
  byte_writer write(out);
  write.u8(static_cast<std::uint8_t>(p.count));
  for (int k = 0; k < p.count; ++k)
    write.u8(p.values[static_cast<std::size_t>(k)]);
  unsigned coded = 1;
  for (int step = 1; step < p.count; ++step) {
    const int k = p.order[static_cast<std::size_t>(step)];
    write_surface(write, k, p.choices[static_cast<std::size_t>(k)],
                  heights_at(heights, below_of(coded, k), p.count),
                  heights_at(heights, above_of(coded, k, p.count), p.count),
                  heights[static_cast<std::size_t>(k)].data());
    coded |= 1u << k;
  }
  return true;
}

base::status decode_surface_bytes(std::string_view payload, channel_span out) {
  auto corrupt = [](const std::string& why) {
    return base::fail(base::errc::corrupt_data, "surface_bytes payload: " + why);
  };
  byte_reader read(payload);
  thread_local surfaces heights;
  heights[0].fill(0);
  std::array<std::uint8_t, max_values> values{};
  std::uint8_t count = 0;
  if (!read.u8(count) || count < 1 || count > max_values)
    return corrupt("the count of values is not 1..16");
  for (int k = 0; k < count; ++k)
    if (!read.u8(values[static_cast<std::size_t>(k)]) ||
        (k > 0 && values[static_cast<std::size_t>(k)] == values[static_cast<std::size_t>(k - 1)]))
      return corrupt("a value is missing or repeats the one below it");
  unsigned coded = 1;
  for (int step = 1; step < count; ++step) {
    std::uint8_t k = 0;
    if (!read.u8(k) || k < 1 || k >= count || (coded >> k & 1u))
      return corrupt("a surface's index is out of range or coded twice");
    surface_choice s;
    if (!read_surface(read, s, heights_at(heights, below_of(coded, k), count),
                      heights_at(heights, above_of(coded, k, count), count), heights[k].data()))
      return corrupt("surface " + std::to_string(k) +
                     " is cut short, has an unknown mode, or leaves the surfaces around it");
    coded |= 1u << k;
  }
  if (!read.at_end())
    return corrupt("bytes follow the last surface");
  write_channel(values, count, heights, out);
  return {};
}

bool encode_surface_layers(channel_view in, std::string& out) {
  return encode<false>(in, out);
}

base::status decode_surface_layers(std::string_view payload, channel_span out) {
  return decode<false>(payload, out, "surface-layers");
}

bool encode_ordered_surfaces(channel_view in, std::string& out) {
  return encode<true>(in, out);
}

base::status decode_ordered_surfaces(std::string_view payload, channel_span out) {
  return decode<true>(payload, out, "ordered-surfaces");
}

}  // namespace strata::compression
